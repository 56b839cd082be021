"""Free-form reports: the annex table (附表 / 统计表) and the figures the prose states, as
``legacy.*`` keys (docs/metrics.md, "Free-form reports").

Two readers, both on the :class:`documents.Document` every physical form is read into:

:func:`read_annex`
    The Fujian-style annex 「指标名称 | 计量单位 | 2015年度 | 历年累计」 in whatever form it came
    (an HTML or DOCX grid, the whitespace-separated lines of a text page, a PDF table): its
    rows arrive as :class:`documents.Row`, cut with :func:`tables.read_rows`. A column is a
    value column only when a header cell named it (本年度 / 2015年度 → the plain key, 历年累计 →
    ``.cumulative``); a row is read only when its label names an indicator (:data:`ANNEX_ROWS`).
    Amounts in 万元 become 元 (``legacy.fees.amount_yuan``).

:func:`read_prose`
    Sentences that state one of the year's figures: applications received, proactive
    disclosures, administrative reviews and lawsuits, fees; statements of zero (「未收到…申请」,
    「无…行政复议、诉讼」, 「暂不收费」). Digits and Chinese numerals (一件, 两起, 十二件). A figure
    is *not* taken when its clause is a sub-count (「其中」 and what follows it in the
    sentence), a cumulative (「历年累计」, 「2008年至今」), approximate (「2600余条」), for a
    subordinate unit (「各乡镇…」, 「区直各单位…」), for the whole jurisdiction in a
    department's report (「全市…」 in a 局's report), or on a platform other than the body's own
    when the sentence names several. The first sentence that states a key gives it; each value
    keeps its sentence as ``raw_text``.

:func:`complete` applies both to a parsed report. In a free-form report the annex wins a
key and a prose figure that differs from it becomes a ``r8_prose_differs`` issue (both
numbers, both places); prose fills only the keys the annex lacks. In a 2019 / 2021 report the
tables win.

One module on purpose: the annex reader and the prose reader share one vocabulary of free-form
labels and one notion of which body a sentence speaks for, and :func:`complete` arbitrates
between them (R8); apart, each would need the other's internals.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from . import annex_split
from .cells import UNIT_CELL, as_number, normalise, read_cell
from .documents import Cell, Document, Line, Row, fit_blank_spaces, join_wrapped
from .running_text import own_label
from .tables import MetricValue, ParseIssue, lines_of, read_rows, words_of

ANNEX_METHOD = "annex_table"
ANNEX_TABLE = "附表"
PROSE_METHOD = "prose"
PROSE_TABLE = "正文"
R8_CODE = "r8_prose_differs"

# ---- the annex -----------------------------------------------------------------------------

#: Indicator labels (after the 「其中：」 / 「1、」 prefix is cut), most specific first: 「接受行政
#: 诉讼、举报数」 is the 申诉/举报 row although it says 诉讼, 「同意部分公开答复数」 is not 同意公开.
ANNEX_ROWS: list[tuple[re.Pattern, str]] = [(re.compile(p), k) for p, k in (
    (r"网站", "legacy.active.website"),
    (r"公报", "legacy.active.gazette"),
    (r"主动公开", "legacy.active.total"),
    (r"当面", "legacy.apps.in_person"),
    (r"网上|网络|在线", "legacy.apps.online"),
    (r"信函.?传真|传真.?信函", "legacy.apps.letter_fax"),
    (r"信函|来信", "legacy.apps.letter"),
    (r"传真", "legacy.apps.fax"),
    (r"电子邮件|电子信箱|邮件", "legacy.apps.email"),
    (r"其[他它](?:形式|方式|渠道)", "legacy.apps.other_channel"),
    (r"部分公开", "legacy.replies.partially_granted"),
    (r"不予公开|否决公开|不公开", "legacy.replies.denied"),
    (r"同意公开", "legacy.replies.granted"),
    (r"其[他它](?:类型|答复)", "legacy.replies.other"),
    (r"答复", "legacy.replies.total"),
    (r"申请", "legacy.apps.total"),
    (r"收费|费用|减免", "legacy.fees.amount_yuan"),
    (r"申诉|举报", "legacy.appeals.total"),
    (r"复议", "legacy.review.total"),
    (r"诉讼", "legacy.litigation.total"),
)]
# A bare 「其他」 row belongs to the group above it.
_GROUP_OTHER = {"legacy.apps.total": "legacy.apps.other_channel",
                "legacy.replies.total": "legacy.replies.other"}
_GROUP_OF = {k: g for g, keys in (
    ("legacy.apps.total", ("legacy.apps.in_person", "legacy.apps.online", "legacy.apps.letter_fax",
                           "legacy.apps.letter", "legacy.apps.fax", "legacy.apps.email")),
    ("legacy.replies.total", ("legacy.replies.granted", "legacy.replies.partially_granted",
                              "legacy.replies.denied")),
) for k in keys}

# An item number after a label's start: 「2、」, 「3.」, 「（二）」 (not 「2012年」, 「1.5」).
_ITEM_NUMBER_INSIDE = re.compile(r"(?<![\d.])\d{1,2}[、.](?![\d])|\([一二三四五六七八九十]{1,2}\)")
_LABEL_PREFIX = re.compile(r"^(?:其中[:：]?)?(?:[(（]?[一二三四五六七八九十\d]{1,2}[)）、.．]\s*)?")
_YEAR_COLUMN = re.compile(r"^(?:(?:19|20)\d{2}年度?|本年度?|当年|本期|年度)(?:数|数量|数据|累计)?$|^数量$")
_CUMULATIVE_COLUMN = re.compile(r"累计")
_LABEL_COLUMN = re.compile(r"^(?:指标名称|指标|项目|统计指标|计量单位|单位)$")
_COLUMN_NO = re.compile(r"column (\d+)$")
# A unit the label names: in brackets (「收费金额（万元）」), or its unit cell run on to it where a
# text browser dropped the space between two Chinese words (「收费减免金额万元 0 0.038」).
_UNIT_IN_LABEL = re.compile(r"[(（](万元|元)[)）]|(万元|亿元)$")


@dataclass
class _AnnexColumn:
    suffix: str          # "" for the year, ".cumulative" for 历年累计
    label: str
    column: int | None   # grid column where the header cell starts (HTML, DOCX), else None


@dataclass
class Annex:
    values: dict[str, MetricValue] = field(default_factory=dict)
    issues: list[ParseIssue] = field(default_factory=list)
    rows: set[str] = field(default_factory=set)      # where of the document rows read as annex rows
    pending: list[dict] = field(default_factory=list)   # rows whose figures ran together, open (annex_split)
    open_keys: set[str] = field(default_factory=set)    # keys of annex rows left unread (ambiguous)


def _grid_column(where: str) -> int | None:
    match = _COLUMN_NO.search(where)
    return int(match.group(1)) if match else None


_HAN = re.compile(r"[\u4e00-\u9fff]")
# What a label that counts ends in, its unit after it allowed (「收费金额(元)」, and 「主动公开信息数条」
# where the unit's cell ran on to it).
_COUNTING_LABEL = re.compile(r"(?:数|数量|公开|金额)(?:\([^()]{1,3}\)|条|件|个|份|项|次|人次|元|万元)?$")
_BARE_OTHER = re.compile(r"其[他它](?:情况|数)?")


@lru_cache(maxsize=1 << 12)   # pure; the annex's labels are the same few dozen in every report
def annex_key(label: str, group: str | None = None) -> str | None:
    """The ``legacy.*`` key an annex row label names (None for anything else). A label that
    ends in a colon introduces a value: a page's footer so introduces what is not a count
    (「网站标识码：3213220001」, 「传真：0591…」), an annex row what it counts. So a label with a colon
    is a row only where it says it counts (「主动公开信息数：」, 「网站公开：」) or stands numbered in
    its list (「1、当面申请：」)."""
    normal = normalise(label)
    inner = [m.start() for m in _ITEM_NUMBER_INSIDE.finditer(normal) if m.start() > 0]
    if inner:
        # 「网站公开数2、政府公报公开」: a wrapped label's last line run into the next row's label
        # (a PDF without rules read as text, its labels centred in their cells around the row's
        # figures): the row is the one whose item number comes last. Only that part names it:
        # the words before are another row's (「答复总数其中:1、同意」 is 1、同意公开答复数's, not
        # 答复总数's), and a part that names nothing (「2.政府公」, cut) leaves the row unread.
        normal = normal[inner[-1]:]
    text = _LABEL_PREFIX.sub("", normal)
    if text.endswith(":"):
        text = text.rstrip(":")
        if len(text) == len(normal.rstrip(":")) and not _COUNTING_LABEL.search(text):
            return None
    if not text or not _HAN.search(text):
        return None
    if _BARE_OTHER.fullmatch(text) and group in _GROUP_OTHER:
        return _GROUP_OTHER[group]
    for pattern, key in ANNEX_ROWS:
        if pattern.search(text):
            return key
    return None


@lru_cache(maxsize=1 << 12)   # pure; asked for every label cell of every row
def _header_concept(label: str) -> str | None:
    text = normalise(label)
    if _CUMULATIVE_COLUMN.search(text) and len(text) <= 8:
        return ".cumulative"
    if _YEAR_COLUMN.match(text):
        return ""
    if _LABEL_COLUMN.match(text):
        return "label"
    return None


# Header cells a text glued together (「指标名称计量单位」, 「2011年度历年累计」: an extractor that
# keeps spaces between number cells only, or OCR text whose spaced-apart characters were joined).
_GLUED_HEADER_CELL = re.compile(r"指标名称|统计指标|计量单位|(?:19|20)\d{2}年度?|本年度|历年累计")
_GLUED_HEADER = re.compile(f"(?:{_GLUED_HEADER_CELL.pattern}){{2,}}")


@lru_cache(maxsize=1 << 12)   # pure; asked for every label cell of every row
def _glued_header(label: str) -> tuple[str, ...]:
    text = normalise(label)
    return tuple(_GLUED_HEADER_CELL.findall(text)) if _GLUED_HEADER.fullmatch(text) else ()


def _header_cells(cell: Cell) -> list[tuple[Cell, str | None]]:
    """(header cell, the column it names) for a label cell: itself, or the header cells it glues
    together (each then without a grid column of its own)."""
    concept = _header_concept(cell.text)
    if concept is None and _glued_header(cell.text):
        where = cell.where.rsplit(" column ", 1)[0]
        return [(Cell(piece, where), _header_concept(piece)) for piece in _glued_header(cell.text)]
    return [(cell, concept)]


_HEADER_WORD_MAX = 8   # characters: 「2011年度」, 「历年累计」, 「本年度累计」


def _header_words_joined(labels: list[Cell]) -> list[Cell]:
    """Label cells with a header word cut in two put back together (「历年累」 「计」, where a line
    was broken inside the word and not joined): read apart, the header names one column fewer,
    and a row's two figures were read as one."""
    out: list[Cell] = []
    for cell in labels:
        if out and len(out[-1].text) + len(cell.text) <= _HEADER_WORD_MAX \
                and _header_concept(cell.text) is None and _header_concept(out[-1].text) is None \
                and _header_concept(out[-1].text + cell.text) in ("", ".cumulative"):
            out[-1] = Cell(out[-1].text + cell.text, out[-1].where)
        else:
            out.append(cell)
    return out


def read_annex(items: list[Line | Row]) -> Annex:
    """The annex rows of a document (see the module docstring)."""
    annex = Annex()
    columns: list[_AnnexColumn] | None = None
    group: str | None = None
    seen: dict[str, str] = {}   # key → the printed label of the row that was read as it
    separated = False   # whether a row's figures stood a space apart (running text that keeps its cells)
    for item in items:
        if not isinstance(item, Row):
            continue
        for read in read_rows(item.cells):
            labels = [cell for cell, value in read if value is None]
            values = [(cell, value) for cell, value in read if value is not None]
            # Header cells: up to the last one that names a column (a text page runs the header
            # and the first row together: 「指 标 名 称 计量单位 2018年度 历年累计 主动公开文件数 …」).
            labels = _header_words_joined(labels)
            headers = [_header_cells(cell) for cell in labels]
            last = max((i for i, cells in enumerate(headers) if any(c is not None for _, c in cells)), default=-1)
            if last >= 0:
                named = [pair for cells in headers[: last + 1] for pair in cells]
                concepts = [c for _, c in named]
                value_columns = [_AnnexColumn(c, normalise(cell.text), _grid_column(cell.where))
                                 for cell, c in named if c in ("", ".cumulative")]
                # A header names its label column or two value columns: a lone 「2023年度」 is a
                # phrase of the text (a footer's 「关于2023年度预算公开的说明」), not a new table.
                if value_columns and (len(value_columns) > 1 or "label" in concepts):
                    # a table of its own: its rows name their figures anew
                    columns, group, seen = value_columns, None, {}
                labels = labels[last + 1:]
            if not values or columns is None:
                continue
            units = [normalise(c.text) for c in labels if UNIT_CELL.match(normalise(c.text))]
            row_labels = [c for c in labels if not UNIT_CELL.match(normalise(c.text))]
            printed = own_label("".join(c.text.strip() for c in row_labels))
            key = annex_key(printed, group)
            if key is None:
                # Labels wrapped over several cells: try the last ones alone.
                for start in range(1, len(row_labels)):
                    printed = own_label("".join(c.text.strip() for c in row_labels[start:]))
                    key = annex_key(printed, group)
                    if key:
                        break
            if key is None:
                continue
            named = {annex_key(c.text, group) for c in row_labels} - {None}
            if len(named) > 1:
                # Label cells that name different figures (「主动公开信息数」, 「4251516其中：1.网站
                # 公开」, …): rows that ran together into one, each row's figures among the labels.
                # The numbers at the end are the last row's, not the figure a label search finds.
                annex.open_keys.update(named)
                annex.issues.append(ParseIssue(
                    "annex_rows_run_together", f"附表: 「{printed[:60]}…」 holds the labels of "
                    f"{len(named)} rows ({', '.join(sorted(named))}) with their figures between them; "
                    "not read as one row", item.where))
                continue
            if len(values) > 1 and len(lines_of(cell for cell, _ in values)) > 1 \
                    and len(lines_of(row_labels)) == 1:
                # 「1.网站公开条1952992」, then a line 「14」: a text with a row a line whose next row
                # lost its label. The second line's figures are that row's, not more of this one's.
                annex.open_keys.add(key)
                annex.issues.append(ParseIssue(
                    "annex_column_mismatch", f"附表: row 「{printed}」 has figures on a line of their own "
                    "after its line (a row whose label the text lost); its values were left out", item.where))
                continue
            if key in seen:
                # An annex names each figure once: a second row for it is text after the annex
                # (a page's footer: 「网站标识码3213220001」), not a second reading of the figure.
                annex.issues.append(ParseIssue(
                    "annex_row_repeated", f"附表: 「{printed}」 would be {key} again, which 「{seen[key]}」 "
                    "already is; not read as the annex's", item.where))
                continue
            seen[key] = printed
            if key in _GROUP_OTHER:
                group = key
            elif key not in _GROUP_OF and key not in _GROUP_OTHER.values():
                group = None
            mapped = _map_annex_values(columns, values)
            # (Dashes, cells printed blank, are left out: a crawler puts a space after each as it
            # does after a label, which says nothing of how the figures stood.)
            separated = separated or len(words_of(cell for cell, value in values if value.number is not None)) > 1
            unit = units[0] if units else None
            if unit is None:
                found = _UNIT_IN_LABEL.search(printed)
                unit = (found.group(1) or found.group(2)) if found else None
            if mapped is None and len(values) < len(columns):
                # Figures that ran together: cut by 本年度 ≤ 历年累计, settled in complete().
                texts = [normalise(cell.text) for cell, _ in values]
                split = annex_split.readings([c.suffix for c in columns], texts)
                if split:
                    annex.rows.add(item.where)
                    annex.pending.append({"key": key, "suffixes": [c.suffix for c in columns], "readings": split,
                                          "printed": printed, "columns": columns, "cell": values[0][0],
                                          "unit": unit, "texts": texts})
                    continue
            if mapped is None:
                annex.open_keys.add(key)
                annex.issues.append(ParseIssue(
                    "annex_column_mismatch", f"附表: row 「{printed}」 has {len(values)} values for "
                    f"{len(columns)} columns ({', '.join(c.label for c in columns)}); its values were left out",
                    item.where))
                annex.rows.add(item.where)
                continue
            annex.rows.add(item.where)
            for column, (cell, value) in mapped:
                _store_annex(annex, key + column.suffix, value, printed, column.label, cell, unit)
    if separated:
        # The text keeps a row's figures a space apart: a row with one figure for two columns has
        # a blank cell the text dropped (「元 380」 for 0 | 380 with the 0 lost, or 本年度 blank),
        # not two figures run together; cutting 380 into 3 | 80 would be a guess.
        for row in annex.pending:
            annex.open_keys.add(row["key"])
            annex.issues.append(ParseIssue(
                "annex_column_mismatch", f"附表: row 「{row['printed']}」 has 1 value for {len(row['columns'])} "
                f"columns ({', '.join(c.label for c in row['columns'])}) in a text whose rows keep their "
                "figures a space apart: a blank cell the text dropped, in a column the text does not say; "
                "its values were left out", row["cell"].where))
        annex.pending = []
    return annex


def _map_annex_values(columns: list[_AnnexColumn], values):
    """(column, (cell, value)) pairs, by grid column where the form keeps them, else in order."""
    if all(c.column is not None for c in columns) and all(_grid_column(cell.where) is not None
                                                          for cell, _ in values):
        by_column = {_grid_column(cell.where): (cell, value) for cell, value in values}
        if all(c.column in by_column for c in columns):
            return [(c, by_column[c.column]) for c in columns]
    cut = list(fit_blank_spaces(values, (len(columns),)))
    # A blank unit cell reads as a (blank) value ahead of the numbers.
    while len(cut) > len(columns) and cut[0][1].number is None:
        cut.pop(0)
    while len(cut) > len(columns) and cut[-1][1].number is None and not normalise(cut[-1][0].text):
        cut.pop()
    if len(cut) != len(columns):
        return None
    return list(zip(columns, cut))


def _store_annex(annex: Annex, key: str, value, printed: str, column_label: str, cell: Cell,
                 unit: str | None, method: str = ANNEX_METHOD, note: str | None = None) -> None:
    number = value.number
    note = note or value.note
    unit = value.unit or unit
    if key.startswith("legacy.fees.amount_yuan") and number is not None:
        if unit == "万元":
            number = number * Decimal(10000)
            note = f"{cell.text.strip()} 万元 → 元"
        elif unit == "亿元":
            number = number * Decimal(100000000)
            note = f"{cell.text.strip()} 亿元 → 元"
    metric = MetricValue(key=key, value=as_number(number), method=method, table=ANNEX_TABLE,
                         row_label=printed, column_label=column_label, raw_text=cell.text,
                         location=cell.where, note=note)
    if key in annex.values:
        if annex.values[key].value != metric.value:
            annex.issues.append(ParseIssue(
                "duplicate_cell", f"{key} read twice from the 附表 with different values "
                f"({annex.values[key].raw_text!r} at {annex.values[key].location}, {cell.text!r}); "
                "the first was kept", cell.where))
        return
    annex.values[key] = metric


# ---- Chinese numerals ----------------------------------------------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def cn_number(text: str) -> int | None:
    """「十二」→12, 「两」→2, 「一百零五」→105, 「二〇一二」→2012; None when not a numeral."""
    if not text or any(ch not in _CN_DIGITS and ch not in _CN_UNITS and ch != "万" for ch in text):
        return None
    if len(text) > 1 and all(ch in _CN_DIGITS for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total = section = digit = 0
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch == "万":
            total += (section + digit) * 10000
            section = digit = 0
        else:
            section += (digit or 1) * _CN_UNITS[ch]
            digit = 0
    return total + section + digit


_DECIMAL = re.compile(r"\d+(?:\.\d+)?")


def _number(text: str, wan: str | None = None) -> Decimal | None:
    if _DECIMAL.fullmatch(text):
        number = Decimal(text)
    else:
        value = cn_number(text)
        if value is None:
            return None
        number = Decimal(value)
    return number * 10000 if wan else number


# ---- the prose -------------------------------------------------------------------------------

_NUM = r"(?P<n>\d+(?:\.\d+)?|[零〇○一二两三四五六七八九十百千]+)(?P<wan>万)?"
_COUNT = _NUM + r"(?P<unit>件|份|条|个|宗|起|次)"
_GAP = r"[^,;。]"

_APPS_NUMBER = [
    re.compile(r"(?:收到|受理|接收|接到|办理|共有)" + _GAP + r"{0,20}?(?:政府信息公开|公开政府信息|信息公开|依申请公开|依申请)"
               + r"[^,;。\d]{0,12}?" + _COUNT),
    re.compile(r"(?:政府信息公开|依申请公开)的?申请(?:数|总数|总量|数量)?(?:共计?|为|达|合计)?" + _COUNT),
]
_APPS_ZERO = [
    re.compile(r"(?:未|没有|无)(?:收到|受理|接到|接收|发生|产生|出现|有)?" + _GAP
               + r"{0,12}?(?:政府信息公开|公开政府信息|依申请公开|信息公开)" + _GAP + r"{0,8}?申请"),
    re.compile(r"(?:未|没有)(?:收到|受理|接到)" + _GAP + r"{0,6}?依申请"),
]
_REVIEW_NUMBER = [
    re.compile(r"(?<!未经)(?:行政复议|复议)(?:申请|案件|案)?(?:共计?|为|达|合计)?" + _COUNT),
    re.compile(_COUNT + r"[^,;。\d复诉]{0,12}?(?:行政复议|复议)"),
]
_REVIEW_ZERO = [re.compile(r"(?:(?<!尚)未|没有|无|零)(?!经)" + _GAP + r"{0,20}?(?:行政复议|复议)"),
                re.compile(r"(?:行政复议|复议)" + _GAP + r"{0,6}?为零")]
_LITIGATION_NUMBER = [
    re.compile(r"(?:行政诉讼|诉讼)(?:案件|案)?(?:共计?|为|达|合计)?" + _COUNT),
    re.compile(_COUNT + r"[^,;。\d复诉]{0,12}?(?:行政诉讼|诉讼)"),
]
_LITIGATION_ZERO = [re.compile(r"(?:(?<!尚)未|没有|无|零)(?!经)" + _GAP + r"{0,25}?诉讼"),
                    re.compile(r"诉讼" + _GAP + r"{0,6}?为零")]
_FEES_NUMBER = [re.compile(r"(?:收取|收费|费用|信息处理费)[^,;。\d]{0,12}?(?P<n>\d+(?:\.\d+)?)(?P<wan>)(?P<unit>万元|元)")]
_FEES_ZERO = [re.compile(r"(?:未|没有|无|不|免|零)" + _GAP + r"{0,25}?(?:收取|收费|费用)"),
              re.compile(r"免费|暂不收费|零收费")]
# 「主动公开政府信息4251条」, 「主动向社会公开各类政务信息4251条」.
_ACTIVE_NUMBER = [re.compile(r"主动(?:向社会|对外)?公开了?(?:各类|政府|政务|的){0,3}(?:信息|文件)(?:数|总数|总量|数量)?"
                             r"(?:共计?|为|达|合计)?" + _NUM + r"(?P<unit>条|件)")]

# Context a sentence (or its section heading) must have for a review / lawsuit / fee figure to be
# about information disclosure.
_DISCLOSURE_CONTEXT = re.compile(r"信息公开|公开信息|依申请|公开申请|政府信息")
_FEES_CONTEXT = re.compile(r"信息|依申请|检索|复制|查阅|处理费")
_NOT_FEES = re.compile(r"行政事业性|事业性收费|收费标准|收费依据")

_CUMULATIVE = re.compile(r"累计|至今|以来|历年|截至|截止")
_YEAR_MARK = re.compile(r"(?:19|20)\d{2}年|本年|今年|全年|当年|年内")
_JURISDICTION = re.compile(r"全(?:市|区|县|省|州|旗|盟|镇)|各(?:部门|单位|乡镇|乡|镇|县|区|街道|地)|县直|区直|市直")
# 「各级…」 is every level, the whole; 「各乡镇…」, 「区直各单位…」 are parts of it.
_SUBUNIT = re.compile(r"各(?:部门|单位|乡镇|乡|镇|县|区|街道|地)|(?:县|区|市)直|下属")
_APPROX_BEFORE = re.compile(r"(?:约|近|超过|逾|达到近)$")
_APPROX_AFTER = re.compile(r"^(?:余|多|以上|左右)")
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]{1,3}[、.．]|第[一二三四五六七八九十]+部分)")
_PLATFORM = re.compile(r"在(?P<p>[^,;。]{1,30}?(?:平台|网站|网|专栏|门户|栏目|公报))(?:上|中|内)?|"
                       r"通过(?P<q>[^,;。]{1,30}?(?:平台|网站|网|专栏|门户|栏目|公报))")
_OWN_PLATFORM = re.compile(r"本级|本机关|本单位|本部门|自身|本(?:县|区|市)")
_PREFIX_TOKEN = re.compile(
    r"(?:19|20)\d{2}年度?|本年度?|今年|全年度?|当年|年内|共计?|合计|依法|及时|积极|已|"
    r"全(?:市|区|县|省|州|旗|盟)|我(?:区|市|县|省|州|旗|盟|局|委|办|厅|院|单位|部门|机关|中心|镇|乡)|"
    r"本(?:机关|单位|部门|级|局|委|办)|(?:县|市|区|省)本级|各级行政机关|"
    r"在[^,;。]{1,30}?(?:平台|网站|网|专栏|门户|栏目|公报)(?:上|中|内)?|"
    r"通过[^,;。]{1,30}?(?:平台|网站|网|专栏|门户|栏目|公报)|[、\s]")

#: key → (number patterns, zero patterns, context the sentence needs or None)
_DETECTORS = {
    "legacy.active.total": (_ACTIVE_NUMBER, [], None),
    "legacy.apps.total": (_APPS_NUMBER, _APPS_ZERO, None),
    "legacy.review.total": (_REVIEW_NUMBER, _REVIEW_ZERO, _DISCLOSURE_CONTEXT),
    "legacy.litigation.total": (_LITIGATION_NUMBER, _LITIGATION_ZERO, _DISCLOSURE_CONTEXT),
    "legacy.fees.amount_yuan": (_FEES_NUMBER, _FEES_ZERO, None),
}
PROSE_KEYS = tuple(_DETECTORS)
#: Words every number and zero pattern of a key needs in the clause (one of them): a clause with
#: none of them cannot state the key, so its patterns are not run. Most clauses of a report
#: state none of the five figures; this only saves the regex passes, it decides nothing.
#: (legacy.apps.total: its number matches must hold 「申请」, see _read_sentence.)
_KEY_WORDS = {
    "legacy.active.total": ("主动公开", "主动向社会公开", "主动对外公开"),
    "legacy.apps.total": ("申请",),
    "legacy.review.total": ("复议",),
    "legacy.litigation.total": ("诉讼",),
    "legacy.fees.amount_yuan": ("费", "收取"),
}
assert set(_KEY_WORDS) == set(_DETECTORS)
#: Any key's word: a sentence with none of them states no key, whichever keys are asked for.
_ANY_KEY_WORD = re.compile("|".join(re.escape(word) for words in _KEY_WORDS.values() for word in words))
#: The keys a 2019 / 2021 report's prose is read for (section 三, 四 and 六's 信息处理费).
TABLED_PROSE_KEYS = ("legacy.apps.total", "legacy.review.total", "legacy.litigation.total",
                     "legacy.fees.amount_yuan")


@dataclass
class Figure:
    """A figure stated in the prose."""

    key: str
    value: Decimal
    sentence: str          # as printed: the provenance
    phrase: str            # the words that state it
    where: str
    zero_statement: bool = False
    note: str | None = None

    def metric(self) -> MetricValue:
        return MetricValue(key=self.key, value=as_number(self.value), method=PROSE_METHOD,
                           table=PROSE_TABLE, row_label=self.phrase, column_label="本年度",
                           raw_text=self.sentence, location=self.where, note=self.note)


def _paragraphs(doc: Document) -> list[tuple[str, str]]:
    """(text, where) of the prose in reading order. Text forms cut short lines into cells, so
    their rows are put back together line by line; the tables of the other forms are left out."""
    if doc.form in ("text", "text_cells"):
        lines: dict[int, list[str]] = {}   # line number → its pieces, in document order
        wrapped: dict[int, int] = {}       # a prose line's number → the line it continues
        previous = None                    # (number, text) of the last prose line
        for item in doc.items:
            if isinstance(item, Line):
                number = _line_no(item.where)
                if previous and number == previous[0] + 1 and _runs_on(previous[1], item.text):
                    wrapped[number] = wrapped.get(previous[0], previous[0])
                lines.setdefault(wrapped.get(number, number), []).append(item.text)
                previous = (number, item.text)
                continue
            previous = None
            where, pieces = None, []
            for cell in item.cells:
                if cell.where != where:   # the cells of one line follow each other: look it up once
                    where = cell.where
                    pieces = lines.setdefault(_line_no(where), [])
                pieces.append(cell.text)
        paragraphs = []
        starts = set(wrapped.values())   # the first lines of wrapped paragraphs
        for n in sorted(lines):
            text = join_wrapped(lines[n]) if n in starts else " ".join(lines[n])
            if text.isdigit() and text.isascii():
                continue   # a number alone on its line (most lines of a cell-per-line page) says nothing
            # A line cut into cells is prose only if it says something (a heading, a sentence);
            # the header 「结果维持 … 尚未审结 总计 未经复议直接起诉」 is not a statement of none.
            if n >= 0 and (_STOP.search(text) or _HEADING.match(normalise(text))):
                paragraphs.append((text, f"line {n}"))
        return paragraphs
    return [(item.text, item.where) for item in doc.items if isinstance(item, Line)]


_STOP = re.compile(r"[。；;！!？?]")
_LINE_END = ("。", "；", ";", "！", "!", "？", "?", "：", ":")


def _runs_on(line: str, following: str) -> bool:
    """Whether a line of text wrapped into the next (an extractor's line width, pdftotext and text
    browsers' dumps): it ends mid-sentence, and neither is a heading of its own."""
    return not line.rstrip().endswith(_LINE_END) and not _HEADING.match(normalise(line)) \
        and not _HEADING.match(normalise(following))




_LINE_NO = re.compile(r"line (\d+)")


@lru_cache(maxsize=1 << 12)   # called for every cell of a text page; the same 「line 12」 recur
def _line_no(where: str) -> int:
    match = _LINE_NO.search(where or "")
    return int(match.group(1)) if match else -1


def is_department(agency: str | None) -> bool:
    """A body below a government (局, 委员会, 中心 …): its report covers itself, so a 「全市…」
    figure in it is the city's, not its own. A government (also named short: 「荷文区政府」),
    its 办公室 / 办公厅 (which publish the government's report) and a 管委会 are not departments."""
    if not agency:
        return False
    return not _NOT_DEPARTMENT.search(agency)


_NOT_DEPARTMENT = re.compile(r"(?:政府|人民政府办公室|人民政府办公厅|政府办公室|管委会|管理委员会|实验区|新区|"
                             r"开发区|[省市县区旗盟州])$")
_CLAUSE_BREAK = re.compile(r"[,:]")
_GROUPED_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?:\D|$))")
_BRACKETED = re.compile(r"\([^()]*\)|【[^【】]*】")
_SENTENCE_END = re.compile(r"(?<=[。;!?])")
_PRINTED_SENTENCE_END = re.compile(r"(?<=[。；;!！?？])")
_REVIEW_OR_LAWSUIT = re.compile(r"复议|诉讼")


def _clauses(sentence: str):
    """(clause, sub-count, cumulative, jurisdiction-wide) for each clause of a sentence."""
    subcount = cumulative = wide = False
    if sentence.startswith("其中"):
        subcount = True
    for clause in _CLAUSE_BREAK.split(sentence):
        if "其中" in clause:
            subcount = True
        if _CUMULATIVE.search(clause):
            cumulative = True
        elif _YEAR_MARK.search(clause):
            cumulative = False
        if _JURISDICTION.search(clause):
            wide = True
        yield clause, subcount, cumulative, wide


def _prepare(text: str) -> str:
    text = normalise(text)
    text = _GROUPED_THOUSANDS.sub("", text)
    text = text.replace("；", ";").replace("，", ",").replace("：", ":")
    return text


def _strip_parentheses(text: str) -> str:
    if "(" not in text and "【" not in text:
        return text   # nothing to strip (most sentences): skip the regex passes
    previous = None
    while previous != text:
        previous = text
        text = _BRACKETED.sub("", text)
    return text


def _approximate(clause: str, match: re.Match) -> bool:
    return bool(_APPROX_BEFORE.search(clause[: match.start("n")]) or _APPROX_AFTER.match(clause[match.end():]))


def _active_prefix_ok(prefix: str) -> tuple[bool, str | None]:
    """Whether the words before 「主动公开」 name the body itself (a year, 全区, 我局, a
    platform …) and the platform they name, if any."""
    platform = None
    for found in _PLATFORM.finditer(prefix):
        platform = found.group("p") or found.group("q")
    rest = _PREFIX_TOKEN.sub("", prefix)
    return rest == "", platform


@lru_cache(maxsize=64)   # the subsets of the five keys: at most 32
def _words_of(keys: frozenset[str]) -> re.Pattern | None:
    """A pattern matching any word of these keys (see _KEY_WORDS); None for no keys."""
    words = [re.escape(word) for key in sorted(keys) for word in _KEY_WORDS[key]]
    return re.compile("|".join(words)) if words else None


def read_prose(doc: Document, agency: str | None = None, keys=PROSE_KEYS) -> list[Figure]:
    """The first figure the prose states for each key (see the module docstring)."""
    department = is_department(agency)
    found: dict[str, Figure] = {}
    heading = ""
    # The words of the keys still to find: a key found is never read again (the first figure
    # counts), so a paragraph holding only its words has nothing left to give. Once every key
    # is found, the rest of the prose cannot change the answer.
    words, found_before = _words_of(frozenset(keys)), 0
    for text, where in _paragraphs(doc):
        if len(found) != found_before:
            found_before = len(found)
            if found_before == len(keys):
                break
            words = _words_of(frozenset(k for k in keys if k not in found))
        prepared = _prepare(text)
        if not prepared:
            continue
        if _HEADING.match(prepared) and len(prepared) <= 40:
            heading = prepared
        if "(" not in prepared and "【" not in prepared and (words is None or not words.search(prepared)):
            # No sentence of it holds the word of a key still to find (its sentences are pieces
            # of it, and with no brackets to strip none gains one): nothing to read, no need to
            # cut it.
            continue
        sentences = [s for s in _SENTENCE_END.split(prepared) if s]
        # The sentence as printed is the provenance; cut the same way (NFKC keeps the stops).
        printed = [s.strip() for s in _PRINTED_SENTENCE_END.split(text.strip()) if s.strip()]
        if len(printed) != len(sentences):
            printed = sentences
        for sentence, as_printed in zip(sentences, printed):
            _read_sentence(as_printed, _strip_parentheses(sentence), heading, where, department,
                           keys, found)
    return [found[k] for k in keys if k in found]


def _read_sentence(printed: str, sentence: str, heading: str, where: str, department: bool,
                   keys, found: dict[str, Figure]) -> None:
    # Each clause is a piece of the sentence, so a key none of whose words the sentence holds
    # cannot be stated in it: most sentences of a report state none of the keys, and are left
    # here, before they are cut into clauses.
    if not _ANY_KEY_WORD.search(sentence):
        return   # one regex pass instead of a test per key and word
    wanted = [key for key in keys if key not in found and any(word in sentence for word in _KEY_WORDS[key])]
    if not wanted:
        return
    active_candidates: list[tuple[Figure, str | None]] = []
    for clause, subcount, cumulative, wide in _clauses(sentence):
        if subcount or cumulative or (department and wide):
            continue
        for key in wanted:
            if key in found:
                continue
            if not any(word in clause for word in _KEY_WORDS[key]):
                continue
            numbers, zeros, context = _DETECTORS[key]
            if context is not None and not (context.search(sentence) or context.search(heading)):
                continue
            if key == "legacy.fees.amount_yuan" and (not _FEES_CONTEXT.search(clause) or _NOT_FEES.search(clause)):
                continue
            if key == "legacy.apps.total" and _REVIEW_OR_LAWSUIT.search(clause):
                continue
            figure = None
            for pattern in numbers:
                for match in pattern.finditer(clause):
                    if key == "legacy.apps.total" and "申请" not in match.group():
                        continue
                    if _approximate(clause, match):
                        continue
                    prefix = clause[: match.start()]
                    if _SUBUNIT.search(prefix) and key != "legacy.active.total":
                        continue
                    value = _number(match["n"], match["wan"])
                    if value is None:
                        continue
                    unit = match["unit"]
                    note = None
                    if key == "legacy.fees.amount_yuan" and unit == "万元":
                        value *= 10000
                        note = f"{match['n']}万元 → 元"
                    elif not match["n"].isdigit():
                        note = f"Chinese numeral 「{match['n']}」 read as {value}"
                    figure = Figure(key, value, printed, match.group(), where, note=note)
                    if key == "legacy.active.total":
                        ok, platform = _active_prefix_ok(prefix)
                        if ok:
                            active_candidates.append((figure, platform))
                        figure = None
                        continue
                    break
                if figure or (key == "legacy.active.total" and active_candidates):
                    break
            if figure is None and key != "legacy.active.total":
                for pattern in zeros:
                    match = pattern.search(clause)
                    if match and not _SUBUNIT.search(clause[: match.start()]):
                        figure = Figure(key, Decimal(0), printed, match.group(), where, zero_statement=True,
                                        note="a statement of none, read as 0")
                        break
            if figure is not None:
                found[key] = figure
    if active_candidates and "legacy.active.total" not in found:
        chosen = _choose_platform(active_candidates)
        if chosen is not None:
            found["legacy.active.total"] = chosen


def _choose_platform(candidates: list[tuple[Figure, str | None]]) -> Figure | None:
    """One sentence, several platforms (「在市级平台…247条，在县本级平台…2749条」): the body's
    own; none when the sentence does not say which."""
    if len({c.value for c, _ in candidates}) == 1:
        return candidates[0][0]
    own = [c for c, platform in candidates if platform and _OWN_PLATFORM.search(platform)]
    if len(own) == 1:
        figure = own[0]
        figure.note = "the body's own platform of the several the sentence names"
        return figure
    return None


def _settle_annex(annex: Annex, figures: list[Figure], report) -> None:
    """The annex rows whose figures ran together, settled together (annex_split)."""
    fixed = {k: (Decimal(str(m.value)) if m.value is not None else None) for k, m in annex.values.items()}
    prose = {f.key: f.value for f in figures if not f.zero_statement}
    chosen, open_rows, over_budget = annex_split.settle(fixed, annex.pending, prose)
    used: set[str] = set()
    for n, row in enumerate(annex.pending):
        if n in chosen:
            index, rules = chosen[n]
            rules = ["本年度 ≤ 历年累计"] + rules
            used.update(r.split()[0] for r in rules if r.startswith("R"))
            note = (f"split of figures run together 「{' '.join(row['texts'])}」; fixed by {', '.join(rules)} "
                    f"(used_rules={','.join(r.split()[0] for r in rules if r.startswith('R'))})")
            for column, number in zip(row["columns"], row["readings"][index]):
                _store_annex(annex, row["key"] + column.suffix, read_cell(str(number)), row["printed"], column.label,
                             row["cell"], row["unit"], method="inferred_split", note=note)
            continue
        annex.open_keys.add(row["key"])
        left = open_rows.get(n, row["readings"])
        report.open_rows.append({
            "table": ANNEX_TABLE, "printed": row["printed"], "where": row["cell"].where, "raw": " ".join(row["texts"]),
            "readings": [{row["key"] + c.suffix: v for c, v in zip(row["columns"], r)} for r in row["readings"]],
            "labels": {row["key"] + c.suffix: c.label for c in row["columns"]}, "unit": row["unit"]})
        why = ("the search ran past its budget" if over_budget else
               "the annex's sums and the prose leave none of them" if not left else
               "the annex's sums and the prose leave more than one")
        annex.issues.append(ParseIssue(
            "ambiguous_split", f"附表: row 「{row['printed']}」 holds 「{' '.join(row['texts'])}」 for "
            f"{len(row['columns'])} columns; 本年度 ≤ 历年累计 allows {len(row['readings'])} readings "
            f"({_describe(row['readings'])}) and {why}; its values were left out", row["cell"].where))
    annex.pending = []
    report._annex_rules_used = used


def _describe(readings) -> str:
    return "; ".join("/".join(str(v) for v in r) for r in readings[:4]) + (
        f" and {len(readings) - 4} more" if len(readings) > 4 else "")


# ---- applying both to a parsed report --------------------------------------------------------

#: The table cells a 2019 / 2021 report's prose figure is compared with (summed).
TABLE_COUNTERPARTS = {
    "legacy.apps.total": ("apps.new_received.total",),
    "legacy.review.total": ("review.total",),
    "legacy.litigation.total": ("litigation.direct.total", "litigation.after_review.total"),
}
_TABLE_ISSUE_CODES = {"no_header", "unidentified_row", "column_count_mismatch", "unmapped_column",
                      "ambiguous_split"}


def _plain(value: Decimal) -> str:
    """A number as digits, never in exponent form (a float prints 10^38 as 1e+38)."""
    return format(value.normalize(), "f")


def _printed(metric: MetricValue) -> str:
    """The number as the document prints it (its raw text, separators dropped), else its value."""
    match = re.search(r"-?\d+(?:\.\d+)?", re.sub(r"[,，\s]", "", metric.raw_text or ""))
    # the raw text of a split or converted cell holds more than this value: then the value
    if match and float(match.group(0)) == float(metric.value):
        return match.group(0)
    return _plain(Decimal(str(metric.value)))


def _r8_issue(key: str, kept: MetricValue | str, prose: Figure, kept_value: str) -> ParseIssue:
    """``kept`` is the annex value, or (tabled reports) the table keys it was compared with. The
    numbers are printed as digits: the mart reads them back from the message (rule R8)."""
    source = "tables" if isinstance(kept, str) else "附表"
    where = kept if isinstance(kept, str) else f"{kept.location} (「{kept.row_label}」)"
    return ParseIssue(R8_CODE, f"R8: {key}: the {source} give {kept_value} at {where}, the prose says "
                      f"{_plain(prose.value)} (「{prose.sentence}」, {prose.where}); the {source} value is kept",
                      prose.where)


def complete(doc: Document, report) -> None:
    """Add the annex and prose figures to a parsed report (``values``, ``issues``)."""
    values = dict(report.values)
    issues = list(report.issues)
    if report.template == "freeform":
        annex = read_annex(doc.items)
        figures = read_prose(doc, report.agency, PROSE_KEYS)
        if annex.pending:
            _settle_annex(annex, figures, report)
        if annex.values:
            # The table reader saw the annex rows as rows of a national table it could not place.
            issues = [i for i in issues if not (i.code in _TABLE_ISSUE_CODES and i.location in annex.rows)]
        issues.extend(annex.issues)
        for key, metric in annex.values.items():
            values.setdefault(key, metric)
        for figure in figures:
            kept = values.get(figure.key)
            if kept is None and figure.key in annex.open_keys:
                continue   # the annex has the row, its figures unread: the prose is no stand-in
            if kept is None:
                values[figure.key] = figure.metric()
            elif kept.value is not None and Decimal(str(kept.value)) != figure.value:
                issues.append(_r8_issue(figure.key, kept, figure, _printed(kept)))
    elif report.template in ("2019", "2021"):
        for figure in read_prose(doc, report.agency, TABLED_PROSE_KEYS):
            if figure.key in values:
                continue   # never over a value already read
            cells = TABLE_COUNTERPARTS.get(figure.key)
            table = [values[c].value for c in cells or () if c in values]
            # Every figure the prose states is kept (method prose), so rule R8 can compare it
            # with the table; a disagreement is also a parse issue naming both.
            values[figure.key] = figure.metric()
            if not cells or len(table) != len(cells) or any(v is None for v in table):
                continue
            total = sum(Decimal(str(v)) for v in table)
            agrees = total == figure.value
            if figure.key == "legacy.apps.total" and not agrees:
                carried = values.get("apps.carried_over.total")
                agrees = carried is not None and carried.value is not None and \
                    total + Decimal(str(carried.value)) == figure.value
            if not agrees:
                issues.append(_r8_issue(figure.key, " + ".join(cells), figure, _plain(total)))
    report.values = values
    report.issues = issues
