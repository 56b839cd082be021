"""The labels of the national tables and the metric keys they stand for.

Labels are matched loosely (after :func:`cells.normalise`), because real reports write
「1、」 for 「1.」, drop characters (「其他法律行政止公开」), say 「合计」 for 「总计」.
A label that matches nothing is never guessed: the caller reports it.
"""
from __future__ import annotations

import re
from functools import lru_cache

# The label functions below are pure functions of short strings, and the same few hundred
# labels of the national tables come back in every report (and several times per row), so
# their answers are cached. Bounded caches: memory stays flat however many documents are read.
_LABEL_CACHE = 1 << 14

# ---- which table are we in -------------------------------------------------------------

# Section headings (prose lines outside the tables).
# Section headings (prose lines outside the tables), known by their words: Shanghai bodies
# renumber their sections (「三、政府信息公开行政复议、行政诉讼情况」 is their table 四).
SECTION_HEADINGS = [
    (re.compile(r"^[一二三四五六七八九十\d]{1,2}[、.．]?主动公开政府信息"), "二"),
    (re.compile(r"^[一二三四五六七八九十\d]{1,2}[、.．]?收到和处理"), "三"),
    (re.compile(r"^[一二三四五六七八九十\d]{1,2}[、.．]?.{0,12}行政复议.{0,3}行政诉讼"), "四"),
    # 五/六 close the tables; only Chinese numerals: 「5.属于三类内部事务信息」 is a row.
    (re.compile(r"^[五六七][、.．]"), None),
]

# Labels inside a table that only one table has.
TABLE_MARKERS = [
    (re.compile(r"^第二十条|^信息内容$"), "二"),
    (re.compile(r"勾稽关系|^申请人情况$|本年新收"), "三"),
    (re.compile(r"^行政复议$|^行政诉讼$|^行政复议行政诉讼$|^未经复议直接起诉"), "四"),
]


@lru_cache(maxsize=_LABEL_CACHE)
def section_of_heading(line: str) -> tuple[bool, str | None]:
    """(is a section heading, the table it opens or None)."""
    for pattern, table in SECTION_HEADINGS:
        if pattern.search(line):
            return True, table
    return False, None


@lru_cache(maxsize=_LABEL_CACHE)
def table_of_marker(label: str) -> str | None:
    for pattern, table in TABLE_MARKERS:
        if pattern.search(label):
            return table
    return None


# ---- column headers --------------------------------------------------------------------
# Each table's header labels map to a "concept"; leaf concepts name the last key segment.

COLUMNS = {
    "二": [
        (re.compile(r"新制作"), "made"),
        (re.compile(r"新公开"), "published"),
        (re.compile(r"对外公开总数"), "total_published"),
        (re.compile(r"上一年项目"), "prev_items"),
        (re.compile(r"增/?减"), "item_change"),
        (re.compile(r"处理决定"), "decisions"),
        (re.compile(r"采购项目"), "projects"),
        (re.compile(r"采购总金额"), "amount_wan"),
        (re.compile(r"收费金额"), "amount_wan"),
        (re.compile(r"制发"), "issued"),
        (re.compile(r"废止"), "repealed"),
        (re.compile(r"现行有效"), "in_force"),
    ],
    "三": [
        (re.compile(r"^自然人$"), "natural_person"),
        (re.compile(r"^法人或其他组织$"), "legal_person"),
        (re.compile(r"^商业企业$"), "commercial"),
        (re.compile(r"^科研机构$"), "research"),
        (re.compile(r"^社会公益组织$"), "social_welfare"),
        (re.compile(r"^法律服务机构$"), "legal_services"),
        (re.compile(r"^其他$"), "other_org"),
        (re.compile(r"^小计$"), "legal_person_subtotal"),
        (re.compile(r"^(总计|合计)$"), "total"),
    ],
    "四": [
        (re.compile(r"^行政复议$"), "review"),
        (re.compile(r"^行政诉讼$"), "litigation"),
        (re.compile(r"^未经复议直接起诉$"), "direct"),
        (re.compile(r"^复议后起诉$"), "after_review"),
        (re.compile(r"^结果维持$"), "upheld"),
        (re.compile(r"^结果纠正$"), "corrected"),
        (re.compile(r"^其他结果$"), "other"),
        (re.compile(r"^尚未审结$"), "pending"),
        (re.compile(r"^(总计|合计)$"), "total"),
    ],
}

# Header cells that belong to the label column, not to a value column.
LABEL_COLUMN_HEADERS = re.compile(r"^信息内容$|^第二十条|^申请人情况$|勾稽关系")

# Multi-level headers: which concepts sit under which group.
_OUTCOMES = frozenset({"upheld", "corrected", "other", "pending", "total"})
HEADER_GROUPS = {
    "legal_person": frozenset({"commercial", "research", "social_welfare", "legal_services",
                               "other_org", "legal_person_subtotal"}),
    "review": _OUTCOMES,
    "litigation": frozenset({"direct", "after_review"}),
    "direct": _OUTCOMES,
    "after_review": _OUTCOMES,
}


@lru_cache(maxsize=_LABEL_CACHE)
def column_concept(table: str | None, label: str) -> str | None:
    for pattern, concept in COLUMNS.get(table or "", []):
        if pattern.search(label):
            return concept
    return None


@lru_cache(maxsize=_LABEL_CACHE)
def is_header_label(table: str | None, label: str) -> bool:
    """A header cell: one column label, a label-column header, or (text whose cells ran
    together: 「自然人法人或其他组织总计」) nothing but column labels."""
    if column_concept(table, label) is not None or LABEL_COLUMN_HEADERS.search(label):
        return True
    found = _header_concepts(table, label)
    # The label columns' own headers glued to the column labels (「申请人情况自然人…」) are header too.
    rest = label.replace("信息内容", "").replace("申请人情况", "")
    return bool(found) and sum(len(text) for _, text in found) == len(rest)


# ---- row labels ------------------------------------------------------------------------

ACTIVE_ROWS = [
    (re.compile(r"规章"), "rules"),
    (re.compile(r"规范性文件"), "normative_docs"),
    (re.compile(r"行政许可"), "licensing"),
    (re.compile(r"其他对外管理服务"), "other_services"),
    (re.compile(r"行政处罚"), "penalty"),
    (re.compile(r"行政强制"), "coercion"),
    (re.compile(r"事业性收费"), "fees"),
    (re.compile(r"集中采购|政府采购"), "procurement"),
]

# Group labels of table 三 (merged vertically over their sub-rows).
APPS_GROUPS = [
    (re.compile(r"不予公开"), "withheld"),
    (re.compile(r"无法提供"), "unavailable"),
    (re.compile(r"不予处理"), "not_processed"),
    (re.compile(r"其他处理"), "other"),
]

# (pattern, row key, group the row must sit in or None)
APPS_ROWS = [
    (re.compile(r"本年新收"), "new_received", None),
    (re.compile(r"上年结转"), "carried_over", None),
    (re.compile(r"结转下年度|下年度继续"), "carried_forward", None),
    (re.compile(r"(?<!不)予以公开|\(一\)予以公?$"), "granted", None),   # (its last character lost)
    (re.compile(r"部分公开"), "partially_granted", None),
    (re.compile(r"国家秘密"), "withheld.state_secret", None),
    (re.compile(r"法律行政法?规?禁?止公开|行政法规禁止|禁止公开|其他法律行政法规"), "withheld.prohibited_by_law", None),
    (re.compile(r"三安全|一稳定"), "withheld.three_securities", None),
    (re.compile(r"第三方"), "withheld.third_party_rights", None),
    (re.compile(r"内部事务"), "withheld.internal_affairs", None),
    (re.compile(r"过程性"), "withheld.process_info", None),
    (re.compile(r"执法案卷"), "withheld.enforcement_files", None),
    (re.compile(r"查询事项"), "withheld.inquiry_matters", None),
    (re.compile(r"不掌握"), "unavailable.not_held", None),
    (re.compile(r"另行制作|没有现成"), "unavailable.needs_creation", None),
    (re.compile(r"仍不明确|补正后申请"), "unavailable.still_unclear", None),
    (re.compile(r"信访|举报投诉"), "not_processed.petition", None),
    (re.compile(r"重复申请"), "not_processed.duplicate", None),
    (re.compile(r"出版物"), "not_processed.publication", None),
    (re.compile(r"大量反复"), "not_processed.excessive", None),
    (re.compile(r"重新出具|确认或"), "not_processed.confirmation", None),
    (re.compile(r"逾期不补正|不补正"), "other.overdue_correction", None),
    (re.compile(r"缴纳费用|收费通知|逾期未按"), "other.overdue_fee", None),
    (re.compile(r"^\(?[3三]?\)?[.、]?其他$"), "other.misc", "other"),
    (re.compile(r"^(\([七7]\)|[七7][.、])?(总计|合计)$"), "processed_total", None),
]


@lru_cache(maxsize=_LABEL_CACHE)
def apps_group(label: str) -> str | None:
    """The group the text names last (「三、本年度办理结果（三）不予公开」 → withheld)."""
    best, best_end = None, -1
    for pattern, group in APPS_GROUPS:
        for match in pattern.finditer(label):
            if match.end() > best_end:
                best, best_end = group, match.end()
    return best


@lru_cache(maxsize=_LABEL_CACHE)
def apps_row(label: str, group: str | None) -> str | None:
    for pattern, key, needs_group in APPS_ROWS:
        if needs_group and needs_group != group:
            continue
        if pattern.search(label):
            return key
    return None


@lru_cache(maxsize=_LABEL_CACHE)
def active_row(label: str) -> str | None:
    for pattern, key in ACTIVE_ROWS:
        if pattern.search(label):
            return key
    return None


# Columns each 2019 / 2021 row of table 二 may carry (keys of docs/metrics.md).
ACTIVE_KEYS = {
    "rules": {"made", "published", "total_published", "issued", "repealed", "in_force"},
    "normative_docs": {"made", "published", "total_published", "issued", "repealed", "in_force"},
    "licensing": {"prev_items", "item_change", "decisions"},
    "other_services": {"prev_items", "item_change", "decisions"},
    "penalty": {"prev_items", "item_change", "decisions"},
    "coercion": {"prev_items", "item_change", "decisions"},
    "fees": {"prev_items", "item_change", "amount_wan"},
    "procurement": {"projects", "amount_wan"},
}

# Table 二's rows each layout prints, as their keys' second part.
_ACTIVE_ROWS_OF = {"2019": ("rules", "normative_docs", "licensing", "other_services", "penalty", "coercion",
                            "fees", "procurement"),
                   "2021": ("rules", "normative_docs", "licensing", "penalty", "coercion", "fees")}

# Header labels that only one layout prints.
LAYOUT_HEADER_LABELS = [
    (re.compile(r"本年制发件数|本年废止件数|现行有效件数|本年处理决定数量|本年收费金额"), "2021"),
    (re.compile(r"本年新制作数量|本年新公开数量|对外公开总数量|上一年项目数量|采购项目数量|采购总金额"), "2019"),
]


@lru_cache(maxsize=_LABEL_CACHE)
def layout_of_header(label: str) -> str | None:
    for pattern, layout in LAYOUT_HEADER_LABELS:
        if pattern.search(label):
            return layout
    return None


# Column concepts that only one layout has.
LAYOUT_2019_COLUMNS = frozenset({"made", "published", "total_published", "prev_items", "item_change", "projects"})
LAYOUT_2021_COLUMNS = frozenset({"issued", "repealed", "in_force"})


# Header labels found inside a run of header text, longest first so that 「法人或其他组织」
# is not read as 「其他」. Used where a flattened or converted header broke labels over
# several cells (「总计商 / 业 企 / 业」): the cells are joined and scanned in order.
_HEADER_SCAN = {
    "二": [(r"本年新制作数量|新制作", "made"), (r"本年新公开数量|新公开", "published"),
           (r"对外公开总数量|对外公开总数", "total_published"), (r"上一年项目数量|上一年项目", "prev_items"),
           (r"本年增/?减", "item_change"), (r"(?:本年)?处理决定数量", "decisions"),
           (r"采购项目数量", "projects"), (r"采购总金额", "amount_wan"),
           (r"本年收费金额(?:\(单位:万元\))?|收费金额", "amount_wan"),
           (r"本年制发件数|制发件数", "issued"), (r"本年废止件数|废止件数", "repealed"),
           (r"现行有效件数", "in_force")],
    "三": [(r"法人或其他组织", "legal_person"), (r"自然人", "natural_person"),
           (r"商业企业", "commercial"), (r"科研机构", "research"), (r"社会公益组织", "social_welfare"),
           (r"法律服务机构", "legal_services"), (r"小计", "legal_person_subtotal"),
           (r"总计|合计", "total"), (r"其他", "other_org")],
    "四": [(r"未经复议直接起诉", "direct"), (r"复议后起诉", "after_review"), (r"行政复议", "review"),
           (r"行政诉讼", "litigation"), (r"结果维持", "upheld"), (r"结果纠正", "corrected"),
           (r"其他结果", "other"), (r"尚未审结", "pending"), (r"总计|合计", "total")],
}
_HEADER_SCAN_RE = {
    table: re.compile("|".join(f"(?P<c{i}>{pattern})" for i, (pattern, _) in enumerate(entries)))
    for table, entries in _HEADER_SCAN.items()
}


def header_concepts(table: str | None, text: str) -> list[tuple[str, str]]:
    """(concept, label as found) for every column label in the joined header text, in order."""
    return list(_header_concepts(table, text))   # a fresh list: the cached tuple stays as it is


@lru_cache(maxsize=_LABEL_CACHE)
def _header_concepts(table: str | None, text: str) -> tuple[tuple[str, str], ...]:
    regex = _HEADER_SCAN_RE.get(table or "")
    if regex is None:
        return ()
    found = []
    for match in regex.finditer(text):
        index = int(match.lastgroup[1:])
        found.append((_HEADER_SCAN[table][index][1], match.group()))
    return tuple(found)


# The national tables' columns in their fixed order: the fallback when a converter garbled the
# header beyond reading but a row still has exactly this many cells.
STANDARD_COLUMNS = {
    "三": [("natural_person",)] + [("legal_person", c) for c in
                                   ("commercial", "research", "social_welfare", "legal_services", "other_org")]
          + [("total",)],
    "四": [(*block, o) for block in (("review",), ("litigation", "direct"), ("litigation", "after_review"))
          for o in ("upheld", "corrected", "other", "pending", "total")],
}

# Table 三's rows in the order the layouts print them.
APPS_ROW_ORDER = {
    "2019": ["new_received", "carried_over", "granted", "partially_granted",
             *(f"withheld.{k}" for k in ("state_secret", "prohibited_by_law", "three_securities",
                                          "third_party_rights", "internal_affairs", "process_info",
                                          "enforcement_files", "inquiry_matters")),
             *(f"unavailable.{k}" for k in ("not_held", "needs_creation", "still_unclear")),
             *(f"not_processed.{k}" for k in ("petition", "duplicate", "publication", "excessive", "confirmation")),
             "other", "processed_total", "carried_forward"],
}
APPS_ROW_ORDER["2021"] = [k for k in APPS_ROW_ORDER["2019"] if k != "other"]
APPS_ROW_ORDER["2021"][-2:-2] = ["other.overdue_correction", "other.overdue_fee", "other.misc"]

# The rows of the national tables each layout prints, as the prefixes of their keys: table 二's
# rows, table 三's, table 四's three blocks.
NATIONAL_ROWS = {layout: tuple(f"active.{row}." for row in _ACTIVE_ROWS_OF[layout])
                 + tuple(f"apps.{row}." for row in APPS_ROW_ORDER[layout])
                 + ("review.", "litigation.direct.", "litigation.after_review.")
                 for layout in _ACTIVE_ROWS_OF}
