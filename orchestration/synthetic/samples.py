"""Sample reports generated from known numbers.

The real corpus is small and its documents cannot be regenerated, so the parser, the
warehouse and the rule checks also need documents whose every cell is known in advance.
This module invents a panel of agencies over consecutive years, draws numbers that obey the
reconciliation rules of ``docs/metrics.md`` (R1–R7), and renders each report in one of the
physical forms seen in the wild (``FORMS``; the default panel uses only the first two):

``html``
    A Word-exported HTML page (structure of the pingtan examples).
``text``
    Flattened text with one cell per line between ``|`` lines (``seed-hanbin-2020.txt``);
    full-width punctuation mapped to ASCII as the scraped seed has it.
``text_grid``
    Plain text, one table row per line (``huaian-2024-section3.txt``): the cells that start
    in a grid row, in column order, joined by the report's ``grid_separator``. A TAB
    (odd years) puts every cell between tabs, a blank cell being an empty field. Runs of
    spaces (even years): each cell after the first is written as two spaces and then the
    cell, value cells right-aligned to width 6, so a run is 2–7 spaces and a blank value
    cell only lengthens the run by 8 spaces (it cannot be seen as a field). Header rows
    are lines of header labels (full texts, not wrapped). In the body of table 三 a label
    cell spanning several rows is not on its row's line: it comes on lines of its own just
    before the first row it spans, the vertical 「三、本年度办理结果」 one character per
    line, the group labels （三）不予公开 … on one line each. Each row line is then its
    label and its values (table 四's value row: the 15 values alone; table 二's
    「第二十条第（X）项」 and 「信息内容 …」 rows: lines of labels). Prose lines (title, 来源/发布时间 line, paragraphs, the six
    section headings) keep their full-width punctuation, one paragraph per line.
``run_together``
    As ``text_grid``, but the cells of a line are joined with nothing in between, as a
    careless copy from a web page gives: 「（七）总计630020469」 for 63/0/0/2/0/4/69 and
    table 四 as one run of 15 numbers. The one exception: a value cell that is not a plain
    unsigned integer (「16800万元」, 「75394432.52元」, 「+3」, 「-167」, 「24252.311082」)
    is separated from its neighbours (label or value) by one space. Blank cells write
    nothing at all. Header lines are the header labels run together
    (「信息内容本年新制作数量…」).
``pdf``
    An A4 PDF with a text layer (reportlab, STSong-Light): title, 来源/发布时间 line, the
    prose, and tables 二/三/四 as ruled tables with merged cells, cell texts wrapped to the
    column width, 「三、本年度办理结果」 one character per line in its merged cell. Tables
    break across pages as WPS breaks them: between any two rows (never inside the header
    rows of a table), a merged cell cut by the page end keeps its lines where they were, the
    lines below the cut continuing on the next page; a table whose rest would need two more
    pages starts on the next page instead. Table 三 (taller than a page in both layouts) is
    therefore always on exactly two consecutive pages. Footer 「- N -」 centred on every
    page. The CJK font is not embedded (STSong-Light is a standard Adobe-GB1 font): the text
    layer is exact, a viewer substitutes the glyphs.
``docx``
    A Word document (python-docx): the same paragraphs, and the three tables with merged
    cells made by ``cell.merge()`` (``w:gridSpan`` across, ``w:vMerge`` down), cell for
    cell as in the official 2021 template (``template-2021-blank.docx``).
``markdown``
    As a PDF-to-Markdown converter writes a clean PDF: ``# title``, the 来源 line and the
    prose as paragraphs, ``## `` headings, blocks separated by one empty line. Each table is
    one pipe table (``| a | b |``, a blank cell ``|  |``, then ``|---|`` per column): its
    header row holds the leaf header labels (table 三: the 勾稽 note, two blanks, 自然人,
    商业企业 … 其他, 总计; table 四: 结果维持 … 总计 three times); table 二 has one header
    row, its first (「第二十条第（一）项」 and three blanks), its other 第二十条 and 信息内容
    rows being body rows. A merged cell's text is in its top-left position, the positions it
    covers are blank (so 「三、本年度办理结果」 once, blanks below it).

Everything is derived from one ``random.Random(seed)``, drawn in a fixed order, so the same
seed always gives the same bytes, in every form (PDF with reportlab's ``invariant``, DOCX
with fixed core properties and zip timestamps). Standard library only for ``html`` and
``text``; reportlab and python-docx are imported when a PDF or DOCX is rendered. No Dagster.

``python -m orchestration.synthetic.samples`` rewrites the committed set under ``data/``.

One module on purpose: every physical form renders the same :class:`Report` from the same row and
column tables, and the seed's stream is drawn in one fixed order across them; split by form,
the forms would each need the layouts' tables and the determinism would span files.
"""
from __future__ import annotations

import copy
import csv
import dataclasses
import datetime
import functools
import html
import io
import json
import os
import random
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

# --------------------------------------------------------------------------------------
# Metric keys (docs/metrics.md). Built from row and column lists so parser tests can reuse them.
# --------------------------------------------------------------------------------------

LAYOUTS = ("2019", "2021")
FORMS = ("html", "text", "text_grid", "run_together", "pdf", "docx", "markdown")
#: The forms whose document is bytes, not text.
BINARY_FORMS = ("pdf", "docx")
#: File name ending per form (text_grid and run_together differ from text).
FORM_SUFFIXES = {"html": ".html", "text": ".txt", "text_grid": ".grid.txt",
                 "run_together": ".run.txt", "pdf": ".pdf", "docx": ".docx", "markdown": ".md"}
DEFAULT_FORMS = ("html", "text")

#: Table 三 columns, in document order; the five in the middle are 法人或其他组织.
APP_COLUMNS = ("natural_person", "commercial", "research", "social_welfare",
               "legal_services", "other_org", "total")
LEGAL_PERSON_COLUMNS = APP_COLUMNS[1:6]

#: Table 三 outcome rows that R2 sums into ``processed_total``, per layout.
_WITHHELD = ("withheld.state_secret", "withheld.prohibited_by_law", "withheld.three_securities",
             "withheld.third_party_rights", "withheld.internal_affairs", "withheld.process_info",
             "withheld.enforcement_files", "withheld.inquiry_matters")
_UNAVAILABLE = ("unavailable.not_held", "unavailable.needs_creation", "unavailable.still_unclear")
_NOT_PROCESSED = ("not_processed.petition", "not_processed.duplicate", "not_processed.publication",
                  "not_processed.excessive", "not_processed.confirmation")
OUTCOME_ROWS = {
    "2019": ("granted", "partially_granted") + _WITHHELD + _UNAVAILABLE + _NOT_PROCESSED
    + ("other",),
    "2021": ("granted", "partially_granted") + _WITHHELD + _UNAVAILABLE + _NOT_PROCESSED
    + ("other.overdue_correction", "other.overdue_fee", "other.misc"),
}
#: All table 三 rows in document order, per layout.
APP_ROWS = {
    layout: ("new_received", "carried_over") + rows + ("processed_total", "carried_forward")
    for layout, rows in OUTCOME_ROWS.items()
}

#: Table 二 keys in document order, per layout.
ACTIVE_KEYS = {
    "2019": (
        "active.rules.made", "active.rules.published", "active.rules.total_published",
        "active.normative_docs.made", "active.normative_docs.published",
        "active.normative_docs.total_published",
        "active.licensing.prev_items", "active.licensing.item_change", "active.licensing.decisions",
        "active.other_services.prev_items", "active.other_services.item_change",
        "active.other_services.decisions",
        "active.penalty.prev_items", "active.penalty.item_change", "active.penalty.decisions",
        "active.coercion.prev_items", "active.coercion.item_change", "active.coercion.decisions",
        "active.fees.prev_items", "active.fees.item_change",
        "active.procurement.projects", "active.procurement.amount_wan",
    ),
    "2021": (
        "active.rules.issued", "active.rules.repealed", "active.rules.in_force",
        "active.normative_docs.issued", "active.normative_docs.repealed",
        "active.normative_docs.in_force",
        "active.licensing.decisions", "active.penalty.decisions", "active.coercion.decisions",
        "active.fees.amount_wan",
    ),
}
#: The 2019 rows whose project counts chain from year to year (R7).
ITEM_ROWS = ("licensing", "other_services", "penalty", "coercion", "fees")

REVIEW_BLOCKS = ("review", "litigation.direct", "litigation.after_review")
REVIEW_COLUMNS = ("upheld", "corrected", "other", "pending", "total")


def metric_keys(layout: str) -> list[str]:
    """Every key a report of this layout carries, in document order (tables 二, 三, 四)."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    keys = list(ACTIVE_KEYS[layout])
    keys += [f"apps.{row}.{col}" for row in APP_ROWS[layout] for col in APP_COLUMNS]
    keys += [f"{block}.{col}" for block in REVIEW_BLOCKS for col in REVIEW_COLUMNS]
    return keys


def layout_for_year(year: int) -> str:
    """The layout the panel uses: the 2019 one up to the 2020 reports, the 2021 one after."""
    return "2019" if year <= 2020 else "2021"


# --------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------

@dataclass
class SampleReport:
    agency: str
    slug: str
    year: int
    layout: str
    form: str
    published: datetime.date
    metrics: dict[str, int | float | None]
    # How the document is written, chosen when the numbers are drawn so that rendering is a
    # pure function of the report.
    title_niandu: bool = False     # title says 「{year}年度」 instead of 「{year}年」
    amount_style: str = "yuan"     # 2019 采购总金额: "yuan" 「…元」, "wan" 「…万元」, "wan_header" plain under （万元）
    distractors: dict[str, int] = field(default_factory=dict)  # unrelated figures in the prose
    planted: list[str] = field(default_factory=list)           # rules deliberately broken ("R1:total")

    @property
    def filename(self) -> str:
        return f"{self.slug}-{self.year}{FORM_SUFFIXES[self.form]}"

    @property
    def grid_separator(self) -> str:
        """How ``text_grid`` separates cells: a TAB in odd years, runs of spaces in even ones."""
        return "\t" if self.year % 2 else "  "

    @property
    def title(self) -> str:
        return f"{self.agency}{self.year}年{'度' if self.title_niandu else ''}政府信息公开工作年度报告"


@dataclass(frozen=True)
class _Agency:
    name: str
    slug: str
    scale: int               # typical applications a year
    commercial_share: float  # share of applications from companies
    kind: str                # "gov" publishes by 31 March, "dept" by 31 January
    makes_rules: bool = False  # only governments of 设区的市 and above make 规章


# Invented names in the style of real ones. Order matters: index 0 is the big government,
# index 3 (a small bureau) carries the blank-columns hazard in the default panel.
AGENCIES = (
    _Agency("澜川市云溪区人民政府", "yunxi", 420, 0.12, "gov"),
    _Agency("澜川市自然资源和规划局", "lanchuan-zrzy", 60, 0.35, "dept"),
    _Agency("澜川市人民政府", "lanchuan", 150, 0.15, "gov", makes_rules=True),
    _Agency("澜川市云溪区市场监督管理局", "yunxi-scjg", 14, 0.2, "dept"),
    _Agency("青禾县人民政府", "qinghe", 35, 0.1, "gov"),
    _Agency("青禾县人力资源和社会保障局", "qinghe-rsj", 8, 0.1, "dept"),
    _Agency("石岭市生态环境局", "shiling-sthj", 20, 0.4, "dept"),
    _Agency("石岭市石门区人民政府", "shimen", 90, 0.15, "gov"),
)

# Relative frequency of each outcome of an application (most are granted or not held).
_OUTCOME_WEIGHTS = {
    "granted": 40, "partially_granted": 8,
    "withheld.state_secret": 0.3, "withheld.prohibited_by_law": 0.5,
    "withheld.three_securities": 0.3, "withheld.third_party_rights": 1.5,
    "withheld.internal_affairs": 1, "withheld.process_info": 1.5,
    "withheld.enforcement_files": 0.5, "withheld.inquiry_matters": 1.5,
    "unavailable.not_held": 25, "unavailable.needs_creation": 4, "unavailable.still_unclear": 3,
    "not_processed.petition": 3, "not_processed.duplicate": 2, "not_processed.publication": 0.5,
    "not_processed.excessive": 0.5, "not_processed.confirmation": 0.5,
    "other": 3,
    "other.overdue_correction": 1.5, "other.overdue_fee": 0.2, "other.misc": 2,
}
_AMOUNT_STYLES = ("yuan", "wan", "wan_header")


# --------------------------------------------------------------------------------------
# Drawing the numbers
# --------------------------------------------------------------------------------------

def _wan(micro_wan: int) -> int | float:
    """An amount in 万元 from an integer count of 10⁻⁶ 万元 (= 分): exact, int when whole."""
    if micro_wan % 1_000_000 == 0:
        return micro_wan // 1_000_000
    return micro_wan / 1_000_000


class _AgencyState:
    """What carries over from one year of an agency to the next (R5, R6, R7)."""

    def __init__(self, rng: random.Random, agency: _Agency, gov: bool):
        big = agency.scale >= 100
        self.carried = {col: 0 for col in APP_COLUMNS[:6]}
        # The first year's 上年结转 may be anything: a big office usually has a few.
        if big:
            self.carried["natural_person"] = rng.randint(0, 8)
            self.carried["commercial"] = rng.randint(0, 2)
        self.items = {
            "licensing": rng.randint(200, 1300) if gov else rng.randint(30, 300),
            "other_services": rng.randint(0, 40),
            "penalty": rng.randint(100, 2700) if gov else rng.randint(20, 800),
            "coercion": rng.randint(10, 150) if gov else rng.randint(0, 40),
            "fees": rng.randint(5, 50) if gov else rng.randint(0, 12),
        }
        self.total_published = {"rules": rng.randint(20, 60) if agency.makes_rules else 0,
                                "normative_docs": rng.randint(10, 200) if gov else rng.randint(3, 40)}
        self.in_force = {"rules": rng.randint(30, 90) if agency.makes_rules else 0,
                         "normative_docs": rng.randint(20, 600) if gov else rng.randint(3, 60)}


def _item_change(rng: random.Random, prev: int) -> int:
    """本年增/减: often 0, otherwise a modest signed change that keeps the count ≥ 0."""
    if rng.random() < 0.35:
        return 0
    change = rng.randint(-max(1, prev // 8), max(2, prev // 6))
    return max(change, -prev)


def _draw_active(rng, agency: _Agency, state: _AgencyState, layout: str, year_index: int,
                 agency_index: int) -> tuple[dict, str]:
    gov = agency.kind == "gov"
    m: dict[str, int | float | None] = {}
    amount_style = "wan_header"  # the 2021 fee amount is always a plain number under （单位：万元）
    if layout == "2019":
        for row in ("rules", "normative_docs"):
            if row == "rules" and not agency.makes_rules:
                made = published = 0
            else:
                made = rng.randint(0, 4) if row == "rules" else rng.randint(0, 15 if gov else 6)
                published = made if rng.random() < 0.8 else max(0, made - 1)
            state.total_published[row] += published
            m[f"active.{row}.made"] = made
            m[f"active.{row}.published"] = published
            m[f"active.{row}.total_published"] = state.total_published[row]
        decisions = {
            "licensing": rng.randint(1000, 20000) if gov else rng.randint(100, 3000),
            "other_services": rng.randint(0, 200),
            "penalty": rng.randint(50, 1500) if gov else rng.randint(0, 400),
            "coercion": rng.randint(0, 200) if gov else rng.randint(0, 30),
        }
        for row in ITEM_ROWS:
            prev = state.items[row]
            change = _item_change(rng, prev)
            m[f"active.{row}.prev_items"] = prev
            m[f"active.{row}.item_change"] = change
            if row != "fees":
                m[f"active.{row}.decisions"] = decisions[row]
            state.items[row] = prev + change  # R7: next year's 上一年项目数量
        # Cycle the three ways of writing the amount so every style occurs in a small panel.
        amount_style = _AMOUNT_STYLES[(agency_index + year_index) % 3]
        m["active.procurement.projects"] = rng.randint(20, 200) if gov else rng.randint(3, 40)
        if amount_style == "wan":
            wan = rng.randint(5, 300) * 100 if gov else rng.randint(1, 60) * 10
            micro = wan * 1_000_000                              # 「16800万元」
        else:
            micro = rng.randint(10**8, 2 * 10**10) if gov else rng.randint(10**7, 10**9)
        m["active.procurement.amount_wan"] = _wan(micro)
    else:
        for row in ("rules", "normative_docs"):
            if row == "rules" and not agency.makes_rules:
                issued = repealed = 0
            else:
                issued = rng.randint(0, 5) if row == "rules" else rng.randint(0, 70 if gov else 10)
                repealed = min(rng.randint(0, max(1, issued)), state.in_force[row] + issued)
            state.in_force[row] += issued - repealed  # R6
            m[f"active.{row}.issued"] = issued
            m[f"active.{row}.repealed"] = repealed
            m[f"active.{row}.in_force"] = state.in_force[row]
        m["active.licensing.decisions"] = rng.randint(800, 20000) if gov else rng.randint(50, 3000)
        m["active.penalty.decisions"] = rng.randint(50, 3000) if gov else rng.randint(0, 400)
        m["active.coercion.decisions"] = rng.randint(0, 200) if gov else rng.randint(0, 30)
        if rng.random() < 0.15:
            micro = 0
        else:
            micro = rng.randint(10**8, 3 * 10**10) if gov else rng.randint(10**6, 10**9)
        m["active.fees.amount_wan"] = _wan(micro)  # like 24252.311082
    return m, amount_style


def _draw_apps(rng, agency: _Agency, state: _AgencyState, layout: str,
               blank_orgs: bool, next_blank: bool) -> dict[str, int | None]:
    """Table 三 column by column: new + carried over = processed + carried forward (R1),
    processed split over the outcome rows (R2), the total column summed last (R3)."""
    year_scale = agency.scale * rng.uniform(0.6, 1.4)
    new = {
        "natural_person": round(year_scale * (1 - agency.commercial_share)),
        "commercial": round(year_scale * agency.commercial_share * rng.uniform(0.5, 1.5)),
        "research": rng.randint(1, 2) if rng.random() < 0.15 else 0,
        "social_welfare": rng.randint(1, 3) if rng.random() < 0.2 else 0,
        "legal_services": rng.randint(1, 2 + agency.scale // 40) if rng.random() < 0.3 else 0,
        "other_org": rng.randint(1, 4) if rng.random() < 0.3 else 0,
    }
    if blank_orgs:
        # The document leaves the 法人或其他组织 columns blank; internally they are zero so the
        # total column equals the natural-person column.
        new.update({col: 0 for col in LEGAL_PERSON_COLUMNS})
        # Nothing to carry over in them either: the previous year was drawn with next_blank
        # (or this is the first year, whose 上年结转 is free).
        state.carried.update({col: 0 for col in LEGAL_PERSON_COLUMNS})
        new["natural_person"] = max(1, new["natural_person"])
    weights = {row: _OUTCOME_WEIGHTS[row] * rng.uniform(0.5, 1.5) for row in OUTCOME_ROWS[layout]}
    rows, row_weights = list(weights), list(weights.values())

    cells: dict[str, dict[str, int]] = {row: {} for row in APP_ROWS[layout]}
    for col in APP_COLUMNS[:6]:
        available = new[col] + state.carried[col]
        carried_forward = 0
        # A column can only carry forward into a blank year if it has nothing to carry.
        if available and not (next_blank and col in LEGAL_PERSON_COLUMNS):
            if rng.random() < (0.5 if col == "natural_person" else 0.15):
                carried_forward = rng.randint(1, max(1, available // 10))
        processed = available - carried_forward
        outcome = dict.fromkeys(rows, 0)
        for row in rng.choices(rows, row_weights, k=processed):
            outcome[row] += 1
        cells["new_received"][col] = new[col]
        cells["carried_over"][col] = state.carried[col]
        for row in rows:
            cells[row][col] = outcome[row]
        cells["processed_total"][col] = processed
        cells["carried_forward"][col] = carried_forward
        state.carried[col] = carried_forward  # R5: next year's 上年结转
    m: dict[str, int | None] = {}
    for row in APP_ROWS[layout]:
        for col in APP_COLUMNS[:6]:
            m[f"apps.{row}.{col}"] = None if blank_orgs and col in LEGAL_PERSON_COLUMNS \
                else cells[row][col]
        m[f"apps.{row}.total"] = sum(cells[row].values())
    return m


def _draw_review(rng, agency: _Agency) -> dict[str, int]:
    m = {}
    for block, chance in zip(REVIEW_BLOCKS, (0.5, 0.35, 0.15)):
        n = 0
        if rng.random() < chance:
            n = rng.randint(1, max(1, agency.scale // 30))
        split = dict.fromkeys(REVIEW_COLUMNS[:4], 0)
        for col in rng.choices(REVIEW_COLUMNS[:4], (5, 1, 2, 1.5), k=n):
            split[col] += 1
        for col in REVIEW_COLUMNS[:4]:
            m[f"{block}.{col}"] = split[col]
        m[f"{block}.total"] = n  # R4
    return m


def _draw_distractors(rng) -> dict[str, int]:
    """Figures for the prose that are not table cells (a parser must not take them)."""
    return {
        "posts": rng.randint(6, 40) * 100,
        "policy_docs": rng.randint(10, 150),
        "interpretations": rng.randint(3, 60),
        "wechat": rng.randint(200, 1500),
        "weibo": rng.randint(100, 900),
        "incoming": rng.randint(800, 5000),
        "trainings": rng.randint(2, 12),
        "trainees": rng.randint(50, 600),
        "services": rng.randint(200, 1200),
        "online_pct_x100": rng.randint(8500, 9990),
        "inspections": rng.randint(2, 6),
        "issues": rng.randint(3, 40),
        "proposals": rng.randint(5, 300),
        "phone": rng.randint(2000000, 8999999),
    }


#: Public name of the agency record, for generators that bring their own agencies
#: (``generate_panel(agency_list=...)``, ``orchestration.synthetic.scale_corpus``).
Agency = _Agency
_DEFAULT_BLANK = object()


def generate_panel(seed: int = 20190101, agencies: int = 4,
                   years: range = range(2019, 2024),
                   forms: tuple[str, ...] = DEFAULT_FORMS, *,
                   agency_list=None, blank_orgs=_DEFAULT_BLANK) -> list[SampleReport]:
    """``agencies`` invented agencies × consecutive ``years``, numbers consistent within each
    report (R1–R4) and along each agency's years (R5–R7).

    The report of agency index ``a`` and year index ``y`` has form
    ``forms[(a + y) % len(forms)]``, so the default two forms alternate and occur for both
    layouts; ``forms=FORMS`` with 7 agencies × 2019–2022 gives every layout × form. The forms
    do not touch the numbers (same seed, same numbers, whatever the forms). When there
    are at least two agencies, agency ``min(3, agencies - 1)`` leaves the 法人或其他组织 columns of
    table 三 blank in year ``years[min(3, len(years) - 1)]`` (2022 by default).

    Optional, for larger generated corpora: ``agency_list`` (``Agency`` records) replaces the
    built-in ``AGENCIES`` (all of its agencies are used, ``agencies`` is ignored);
    ``blank_orgs`` = ``(agency index, year)`` or ``None`` replaces the default choice of the
    report with blank 法人或其他组织 columns. Without them the panel is as before.
    """
    pool = AGENCIES
    if agency_list is not None:
        pool = tuple(agency_list)
        agencies = len(pool)
    elif not 0 <= agencies <= len(AGENCIES):
        raise ValueError(f"agencies must be between 0 and {len(AGENCIES)}")
    if years.step != 1:
        raise ValueError("years must be consecutive")
    forms = tuple(forms)
    if not forms or any(f not in FORMS for f in forms):
        raise ValueError(f"forms must be a non-empty selection of {FORMS}")
    rng = random.Random(seed)
    blank = None
    if blank_orgs is not _DEFAULT_BLANK:
        blank = None if blank_orgs is None else tuple(blank_orgs)
    elif agencies >= 2 and len(years):
        blank = (min(3, agencies - 1), years[min(3, len(years) - 1)])

    reports = []
    for a_index, agency in enumerate(pool[:agencies]):
        gov = agency.kind == "gov"
        state = _AgencyState(rng, agency, gov)
        for y_index, year in enumerate(years):
            layout = layout_for_year(year)
            metrics, amount_style = _draw_active(rng, agency, state, layout, y_index, a_index)
            metrics.update(_draw_apps(rng, agency, state, layout,
                                      blank_orgs=blank == (a_index, year),
                                      next_blank=blank == (a_index, year + 1)))
            metrics.update(_draw_review(rng, agency))
            # Governments publish by 31 March, departments by 31 January (2019 条例).
            if gov:
                published = datetime.date(year + 1, rng.randint(1, 3), rng.randint(1, 28))
            else:
                published = datetime.date(year + 1, 1, rng.randint(8, 31))
            reports.append(SampleReport(
                agency=agency.name,
                slug=agency.slug,
                year=year,
                layout=layout,
                form=forms[(a_index + y_index) % len(forms)],
                published=published,
                metrics={key: metrics[key] for key in metric_keys(layout)},
                title_niandu=rng.random() < 0.4,
                amount_style=amount_style,
                distractors=_draw_distractors(rng),
            ))
    return reports


def plant_r1_violation(report: SampleReport, column: str = "total") -> SampleReport:
    """A copy whose ``apps.processed_total.<column>`` is one higher.

    R1 then fails in that column only. The same cell also breaks R2 in that column (the
    outcome rows no longer add up) and R3 in the ``processed_total`` row (the total column no
    longer equals the sum of the six): ``planted`` lists all three.
    """
    key = f"apps.processed_total.{column}"
    if column not in APP_COLUMNS:
        raise ValueError(f"unknown column {column!r}")
    if report.metrics.get(key) is None:
        raise ValueError(f"{key} is blank in {report.filename}: nothing to break")
    broken = copy.deepcopy(report)
    broken.metrics[key] += 1
    broken.planted = broken.planted + [f"R1:{column}", f"R2:{column}", "R3:processed_total"]
    return broken


# --------------------------------------------------------------------------------------
# Table structure, shared by both renderers
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    flat: str | None = None  # how the flattened text shows it (wrapped header, vertical label)

    @property
    def flat_text(self) -> str:
        return self.text if self.flat is None else self.flat


def _count(value) -> str:
    return "" if value is None else str(value)


def _signed(value) -> str:
    if value is None:
        return ""
    return f"+{value}" if value > 0 else str(value)


def _plain_wan(value) -> str:
    """A 万元 amount as printed: up to six decimals, no trailing zeros (24252.311082)."""
    micro = round(value * 1_000_000)
    whole, frac = divmod(micro, 1_000_000)
    return f"{whole}.{frac:06d}".rstrip("0").rstrip(".")


def _amount_cell(value, style: str) -> str:
    if value is None:
        return ""
    if style == "yuan":
        cents = round(value * 1_000_000)  # 1 分 = 10⁻⁶ 万元
        return f"{cents // 100}.{cents % 100:02d}元"
    if style == "wan":
        return f"{_plain_wan(value)}万元"
    return _plain_wan(value)


def _table_two(r: SampleReport) -> list[list[_Cell]]:
    m = r.metrics
    rows: list[list[_Cell]] = []

    def heading(item: str, cols: list[_Cell]):
        rows.append([_Cell(f"第二十条第（{item}）项", colspan=4)])
        rows.append([_Cell("信息内容")] + cols)

    if r.layout == "2019":
        heading("一", [_Cell("本年新制作数量"), _Cell("本年新公开数量"), _Cell("对外公开总数量")])
        for row, label in (("rules", "规章"), ("normative_docs", "规范性文件")):
            rows.append([_Cell(label)] + [_Cell(_count(m[f"active.{row}.{c}"]))
                                          for c in ("made", "published", "total_published")])
        item_cols = [_Cell("上一年项目数量"), _Cell("本年增/减"), _Cell("处理决定数量")]
        for item, pairs in (("五", (("licensing", "行政许可"), ("other_services", "其他对外管理服务事项"))),
                            ("六", (("penalty", "行政处罚"), ("coercion", "行政强制")))):
            heading(item, item_cols)
            for row, label in pairs:
                rows.append([_Cell(label), _Cell(_count(m[f"active.{row}.prev_items"])),
                             _Cell(_signed(m[f"active.{row}.item_change"])),
                             _Cell(_count(m[f"active.{row}.decisions"]))])
        heading("八", [_Cell("上一年项目数量"), _Cell("本年增/减", colspan=2)])
        rows.append([_Cell("行政事业性收费"), _Cell(_count(m["active.fees.prev_items"])),
                     _Cell(_signed(m["active.fees.item_change"]), colspan=2)])
        amount_head = "采购总金额（万元）" if r.amount_style == "wan_header" else "采购总金额"
        heading("九", [_Cell("采购项目数量"), _Cell(amount_head, colspan=2)])
        rows.append([_Cell("政府集中采购"), _Cell(_count(m["active.procurement.projects"])),
                     _Cell(_amount_cell(m["active.procurement.amount_wan"], r.amount_style),
                           colspan=2)])
    else:
        heading("一", [_Cell("本年制发件数"), _Cell("本年废止件数"), _Cell("现行有效件数")])
        for row, label in (("rules", "规章"), ("normative_docs", "行政规范性文件")):
            rows.append([_Cell(label)] + [_Cell(_count(m[f"active.{row}.{c}"]))
                                          for c in ("issued", "repealed", "in_force")])
        decisions = [_Cell("本年处理决定数量", colspan=3)]
        heading("五", decisions)
        rows.append([_Cell("行政许可"), _Cell(_count(m["active.licensing.decisions"]), colspan=3)])
        heading("六", decisions)
        rows.append([_Cell("行政处罚"), _Cell(_count(m["active.penalty.decisions"]), colspan=3)])
        rows.append([_Cell("行政强制"), _Cell(_count(m["active.coercion.decisions"]), colspan=3)])
        heading("八", [_Cell("本年收费金额（单位：万元）", colspan=3)])
        amount = m["active.fees.amount_wan"]
        rows.append([_Cell("行政事业性收费"),
                     _Cell("" if amount is None else _plain_wan(amount), colspan=3)])
    return rows


# Row labels of table 三 after the first two rows, as (row key, label cells before the numbers).
_RESULT_LABEL = "三、本年度办理结果"
_OTHER_2021_LABELS = (
    ("other.overdue_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other.overdue_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other.misc", "3.其他"),
)


def _grouped(label: str, items: tuple[tuple[str, str], ...]) -> list[tuple[str, list[_Cell]]]:
    """A group of rows whose first label cell spans them all (（三）, （四）, （五）, （六） 2021)."""
    out = []
    for i, (row, sub) in enumerate(items):
        cells = [_Cell(label, rowspan=len(items))] if i == 0 else []
        out.append((row, cells + [_Cell(sub)]))
    return out


def _table_three_labels(layout: str) -> list[tuple[str, list[_Cell]]]:
    rows = [
        ("new_received", [_Cell("一、本年新收政府信息公开申请数量", colspan=3)]),
        ("carried_over", [_Cell("二、上年结转政府信息公开申请数量", colspan=3)]),
        ("granted", [_Cell(_RESULT_LABEL, rowspan=len(OUTCOME_ROWS[layout]) + 1,
                           flat="\n".join(_RESULT_LABEL)),
                     _Cell("（一）予以公开", colspan=2)]),
        ("partially_granted", [_Cell("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", colspan=2)]),
    ]
    rows += _grouped("（三）不予公开", tuple(zip(_WITHHELD, (
        "1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益",
        "5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项"))))
    rows += _grouped("（四）无法提供", tuple(zip(_UNAVAILABLE, (
        "1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"))))
    rows += _grouped("（五）不予处理", tuple(zip(_NOT_PROCESSED, (
        "1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请",
        "5.要求行政机关确认或重新出具已获取信息"))))
    if layout == "2019":
        rows.append(("other", [_Cell("（六）其他处理", colspan=2)]))
    else:
        rows += _grouped("（六）其他处理", _OTHER_2021_LABELS)
    rows.append(("processed_total", [_Cell("（七）总计", colspan=2)]))
    rows.append(("carried_forward", [_Cell("四、结转下年度继续办理", colspan=3)]))
    return rows


def _table_three(r: SampleReport) -> list[list[_Cell]]:
    rows = [
        [_Cell("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", rowspan=3, colspan=3),
         _Cell("申请人情况", colspan=7)],
        [_Cell("自然人", rowspan=2), _Cell("法人或其他组织", colspan=5), _Cell("总计", rowspan=2)],
        [_Cell("商业企业", flat="商业\n企业"), _Cell("科研机构", flat="科研\n机构"),
         _Cell("社会公益组织", flat="社会\n公益\n组织"), _Cell("法律服务机构", flat="法律\n服务\n机构"),
         _Cell("其他")],
    ]
    for row, labels in _table_three_labels(r.layout):
        rows.append(labels + [_Cell(_count(r.metrics[f"apps.{row}.{col}"])) for col in APP_COLUMNS])
    return rows


def _table_four(r: SampleReport) -> list[list[_Cell]]:
    def heads() -> list[_Cell]:
        return [_Cell("结果维持", flat="结果\n维持"), _Cell("结果纠正", flat="结果\n纠正"),
                _Cell("其他结果", flat="其他\n结果"), _Cell("尚未审结", flat="尚未\n审结"),
                _Cell("总计", flat="总\n计")]

    return [
        [_Cell("行政复议", colspan=5), _Cell("行政诉讼", colspan=10)],
        [_Cell(c.text, rowspan=2, flat=c.flat) for c in heads()]
        + [_Cell("未经复议直接起诉", colspan=5), _Cell("复议后起诉", colspan=5)],
        heads() + heads(),
        [_Cell(_count(r.metrics[f"{block}.{col}"])) for block in REVIEW_BLOCKS
         for col in REVIEW_COLUMNS],
    ]


# --------------------------------------------------------------------------------------
# Prose
# --------------------------------------------------------------------------------------

def _self_name(agency: str) -> str:
    """How the report refers to its issuer (我区, 我县, 我局 …)."""
    for suffix, name in (("区人民政府", "我区"), ("县人民政府", "我县"), ("市人民政府", "我市"),
                         ("局", "我局"), ("委员会", "我委")):
        if agency.endswith(suffix):
            return name
    return "本机关"


def _sections(r: SampleReport) -> dict[str, list[str]]:
    """Paragraphs of each section, keyed by heading ("" = the preamble)."""
    d, m, y, we = r.distractors, r.metrics, r.year, _self_name(r.agency)
    rate = d["online_pct_x100"]
    report_name = f"{r.agency}{y}年政府信息公开工作年度报告"
    return {
        "": [
            f"根据《中华人民共和国政府信息公开条例》（以下简称《条例》）规定，{we}编制完成了{report_name}。"
            "本报告包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、"
            "政府信息公开行政复议及行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项等六个部分。"
            f"本报告所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。"
            f"如对本报告有任何疑问，请与{r.agency}办公室联系（电话：0915-{d['phone']}）。",
        ],
        "一、总体情况": [
            f"{y}年，{we}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《条例》和上级政务公开工作部署，"
            "坚持“以公开促落实、以公开促规范、以公开促服务”，政府信息公开工作取得新成效。",
            f"（一）主动公开。全年通过政府门户网站发布政务信息{d['posts']}余条，其中政策文件{d['policy_docs']}件、"
            f"政策解读{d['interpretations']}篇；政务微信公众号发布信息{d['wechat']}条，政务微博发布信息{d['weibo']}条。",
            # Agrees with table 三 (R8 holds for the samples).
            f"（二）依申请公开。全年共收到政府信息公开申请{m['apps.new_received.total']}件，"
            f"上年结转{m['apps.carried_over.total']}件，办结{m['apps.processed_total.total']}件，"
            f"结转下年度继续办理{m['apps.carried_forward.total']}件，均在法定期限内答复。",
            f"（三）政府信息管理。全年处理各级收文{d['incoming']}余件，组织政务公开业务培训{d['trainings']}场次、"
            f"培训{d['trainees']}人次，落实公文公开属性源头认定和保密审查制度。",
            f"（四）平台建设。在政务服务网公示服务事项{d['services']}项，网办率达到{rate // 100}.{rate % 100:02d}%，"
            "政府网站和政务新媒体常态化监管到位。",
            f"（五）监督保障。开展政务公开专项检查{d['inspections']}次，发现并整改问题{d['issues']}个。",
        ],
        "五、存在的主要问题及改进情况": [
            "存在的主要问题：一是政策解读形式不够丰富，图表图解、视频解读运用较少；"
            "二是部分单位依申请公开答复的规范性有待提高；三是基层政务公开专业力量不足。",
            f"改进措施：{y + 1}年，{we}将丰富政策解读形式，加强依申请公开案例指导和答复文书审核，"
            "分级分层开展业务培训，持续提升政务公开工作质量。",
        ],
        "六、其他需要报告的事项": (
            [f"{y}年，{we}办理人大代表建议和政协委员提案{d['proposals']}件，均按要求公开办理结果。",
             f"{y}年，{we}未收取信息处理费。"]
            if r.layout == "2021" else
            [f"{y}年，{we}办理人大代表建议和政协委员提案{d['proposals']}件，均按要求公开办理结果。",
             "无其他需要报告的事项。"]
        ),
    }


_TABLE_SECTIONS = (
    ("二、主动公开政府信息情况", _table_two),
    ("三、收到和处理政府信息公开申请情况", _table_three),
    ("四、政府信息公开行政复议、行政诉讼情况", _table_four),
)


def _byline(r: SampleReport) -> str:
    return f"来源：{r.agency}  发布时间：{r.published.isoformat()}"


# --------------------------------------------------------------------------------------
# Renderers
# --------------------------------------------------------------------------------------

def _html_table(rows: list[list[_Cell]]) -> list[str]:
    out = ['<table border="1" cellspacing="0" cellpadding="0">', "<tbody>"]
    for row in rows:
        tds = []
        for c in row:
            attrs = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + \
                    (f' colspan="{c.colspan}"' if c.colspan > 1 else "")
            tds.append(f"<td{attrs}>{html.escape(c.text, quote=False)}</td>")
        out.append("<tr>" + "".join(tds) + "</tr>")
    out += ["</tbody>", "</table>"]
    return out


def render_html(report: SampleReport) -> str:
    """A full page in the structure of the re-rendered pingtan pages."""
    title = html.escape(report.title, quote=False)
    sections = _sections(report)
    out = [
        "<!DOCTYPE html>",
        "<html>",
        "<head>",
        '<meta charset="utf-8" />',
        f'<meta name="ArticleTitle" content="{html.escape(report.title)}" />',
        f"<title>{title}</title>",
        "</head>",
        "<body>",
        f'<div class="article_title">{title}</div>',
        f'<div class="article_extend">{html.escape(_byline(report), quote=False)}</div>',
        '<div class="TRS_Editor">',
        f'<p style="text-align: center;">{title}</p>',
    ]

    def paragraphs(texts):
        out.extend(f"<p>{html.escape(t, quote=False)}</p>" for t in texts)

    paragraphs(sections[""])
    paragraphs(["一、总体情况"] + sections["一、总体情况"])
    for heading, table in _TABLE_SECTIONS:
        paragraphs([heading])
        out.extend(_html_table(table(report)))
    for heading in ("五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
        paragraphs([heading] + sections[heading])
    out += ["</div>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


# Scraped text of the seed has ASCII punctuation where the page had full-width forms
# （（），：；） but keeps 、。“”《》: map U+FF01–FF5E to ASCII.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


def _text_table(rows: list[list[_Cell]]) -> str:
    # One cell per line (a wrapped cell over several), a line holding only "|" after each.
    return "".join(f"{c.flat_text}\n|\n" for row in rows for c in row)


def render_text(report: SampleReport) -> str:
    """Flattened text in the form of seed-hanbin-2020.txt."""
    sections = _sections(report)
    parts = [report.title + "\n", _byline(report) + "\n"]
    parts += [p + "\n" for p in sections[""]]
    parts += [p + "\n" for p in ["一、总体情况"] + sections["一、总体情况"]]
    for heading, table in _TABLE_SECTIONS:
        parts.append(heading + "\n")
        parts.append(_text_table(table(report)))
    for heading in ("五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
        parts += [p + "\n" for p in [heading] + sections[heading]]
    return "".join(parts).translate(_HALF_WIDTH)


# --------------------------------------------------------------------------------------
# The other forms: text grid, run-together text, Markdown, PDF, DOCX
# --------------------------------------------------------------------------------------

#: How many rows at the top of each table are its header: the Markdown header row is built
#: from the last of them, the flattened forms keep every cell of them on its row's line, and
#: a PDF page break never falls inside them.
_HEADER_ROWS = {_table_two: 1, _table_three: 3, _table_four: 3}
_TABLE_NAMES = {_table_two: "二", _table_three: "三", _table_four: "四"}

#: A value cell as the tables print it: blank, a count, a signed change, a decimal, an amount.
_VALUE = re.compile(r"([+-]?\d+(\.\d+)?(万元|元)?)?")
_PLAIN_INT = re.compile(r"\d+")


def _is_value(cell: _Cell) -> bool:
    return _VALUE.fullmatch(cell.text) is not None


def _document(report: SampleReport) -> list[tuple[str, object]]:
    """The document in reading order as (kind, item): "title", "byline", "heading", "para"
    with their text, and "table" with (table function, rows). The same sentences as the
    HTML page, in the same order."""
    sections = _sections(report)
    out: list[tuple[str, object]] = [("title", report.title), ("byline", _byline(report))]
    out += [("para", p) for p in sections[""]]
    out += [("heading", "一、总体情况")] + [("para", p) for p in sections["一、总体情况"]]
    for heading, table in _TABLE_SECTIONS:
        out += [("heading", heading), ("table", (table, table(report)))]
    for heading in ("五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
        out += [("heading", heading)] + [("para", p) for p in sections[heading]]
    return out


@dataclass(frozen=True)
class _Placed:
    row: int
    col: int
    cell: _Cell


def _place(rows: list[list[_Cell]]) -> tuple[list[_Placed], int]:
    """Every cell with the grid row and column it starts at (rowspan/colspan expanded), and
    the grid width."""
    taken: set[tuple[int, int]] = set()
    placed = []
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            placed.append(_Placed(r, c, cell))
            taken.update((r + dr, c + dc) for dr in range(cell.rowspan) for dc in range(cell.colspan))
            c += cell.colspan
    return placed, max(c for _, c in taken) + 1


# --- text_grid and run_together ---------------------------------------------------------

def _grid_table_lines(rows: list[list[_Cell]], header_rows: int, join) -> list[str]:
    """One line per grid row: the cells starting in it, in column order, joined by ``join``.
    Below the header, label cells spanning several rows go on lines of their own before the
    row they start in (the vertical label one character per line)."""
    lines = []
    for r, row in enumerate(rows):
        cells = row
        if r >= header_rows:
            for c in row:
                if c.rowspan > 1:
                    lines.extend(c.flat_text.split("\n"))
            cells = [c for c in row if c.rowspan == 1]
        lines.append(join([(c.text, _is_value(c)) for c in cells]))
    return lines


def _join_tab(items: list[tuple[str, bool]]) -> str:
    return "\t".join(text for text, _ in items)


def _join_spaces(items: list[tuple[str, bool]]) -> str:
    line = items[0][0]
    for text, is_value in items[1:]:
        line += "  " + (text.rjust(6) if is_value else text)
    return line.rstrip(" ")


def _join_run(items: list[tuple[str, bool]]) -> str:
    """Nothing between cells, except one space on each side of a value that is not a plain
    unsigned integer; blank cells vanish."""
    line, prev_spaced = "", False
    for i, (text, is_value) in enumerate(t for t in items if t[0] != ""):
        spaced = is_value and _PLAIN_INT.fullmatch(text) is None
        if i and (spaced or prev_spaced):
            line += " "
        line += text
        prev_spaced = spaced
    return line


def _render_lines(report: SampleReport, join) -> str:
    lines: list[str] = []
    for kind, item in _document(report):
        if kind == "table":
            table, rows = item
            lines += _grid_table_lines(rows, _HEADER_ROWS[table], join)
        else:
            lines.append(item)
    return "\n".join(lines) + "\n"


def render_text_grid(report: SampleReport) -> str:
    """One table row per line, cells separated by ``report.grid_separator`` (module docstring)."""
    return _render_lines(report, _join_tab if report.grid_separator == "\t" else _join_spaces)


def render_run_together(report: SampleReport) -> str:
    """As ``render_text_grid`` with the cells of a line run together (module docstring)."""
    return _render_lines(report, _join_run)


# --- markdown --------------------------------------------------------------------------------

def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _markdown_table(rows: list[list[_Cell]], header_rows: int) -> str:
    placed, width = _place(rows)
    grid = [[""] * width for _ in rows]
    cover: dict[tuple[int, int], _Placed] = {}
    for p in placed:
        grid[p.row][p.col] = p.cell.text
        for dr in range(p.cell.rowspan):
            for dc in range(p.cell.colspan):
                cover[(p.row + dr, p.col + dc)] = p
    # The leaf labels: the cell covering the last header row, written in its first column.
    leaf = []
    for c in range(width):
        p = cover[(header_rows - 1, c)]
        leaf.append(p.cell.text if p.col == c else "")
    out = [_md_row(leaf), "|" + "---|" * width]
    out += [_md_row(grid[r]) for r in range(header_rows, len(rows))]
    return "\n".join(out)


def render_markdown(report: SampleReport) -> str:
    """Markdown as a PDF-to-Markdown converter writes a clean PDF (module docstring)."""
    blocks = []
    for kind, item in _document(report):
        if kind == "title":
            blocks.append(f"# {item}")
        elif kind == "heading":
            blocks.append(f"## {item}")
        elif kind == "table":
            table, rows = item
            blocks.append(_markdown_table(rows, _HEADER_ROWS[table]))
        else:
            blocks.append(item)
    return "\n\n".join(blocks) + "\n"


# --- pdf ----------------------------------------------------------------------------------

_PDF_FONT = "STSong-Light"
_PDF_CELL_SIZE, _PDF_CELL_LEADING, _PDF_PAD, _PDF_SIDE_PAD = 10.5, 15, 5, 2
#: Column widths in points (each table 415 pt wide, as in the WPS exports).
_PDF_COL_WIDTHS = {
    _table_two: (127, 96, 96, 96),
    _table_three: (24, 52, 115) + (32,) * 7,
    _table_four: (415 / 15,) * 15,
}


def _pdf_wrap(text: str, width: float) -> str:
    """Break a cell text into lines that fit ``width`` (character by character, as WPS does
    for Chinese)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line = [], ""
    for ch in text:
        if line and stringWidth(line + ch, _PDF_FONT, _PDF_CELL_SIZE) > width:
            lines.append(line)
            line = ch
        else:
            line += ch
    lines.append(line)
    return "\n".join(lines)


@functools.lru_cache(maxsize=None)
def _pdf_kit():
    """reportlab, imported on first use: the font registered and the ruled table class."""
    from reportlab.lib import colors
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Table

    pdfmetrics.registerFont(UnicodeCIDFont(_PDF_FONT))

    class RuledTable(Table):
        """A ruled table that breaks like a WPS table: between any two rows below its first
        ``keep_top`` rows; a merged cell cut by the break is cut into two, its lines staying
        where they were drawn (the lines below the cut go to the continuation).

        One rule of our own keeps every table on at most two pages: a table is not broken
        where its rest would not fit on one full page (``page_height``); it then starts on
        the next page instead. Continuations break anywhere."""

        def __init__(self, texts, spans, col_widths, row_heights=None, keep_top=0,
                     page_height=None, ruling="grid"):
            self._texts, self._spans, self._keep_top = texts, spans, keep_top
            self._page_height, self._ruling = page_height, ruling
            style = [
                ("FONT", (0, 0), (-1, -1), _PDF_FONT, _PDF_CELL_SIZE, _PDF_CELL_LEADING),
                *[(command, start, end, 0.5, colors.black) for command, start, end in _PDF_RULINGS[ruling]],
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), _PDF_PAD),
                ("BOTTOMPADDING", (0, 0), (-1, -1), _PDF_PAD),
                ("LEFTPADDING", (0, 0), (-1, -1), _PDF_SIDE_PAD),
                ("RIGHTPADDING", (0, 0), (-1, -1), _PDF_SIDE_PAD),
            ]
            for r0, c0, r1, c1, offset in spans:
                if (r0, c0) != (r1, c1):
                    style.append(("SPAN", (c0, r0), (c1, r1)))
                if offset is not None:  # a piece of a cut cell: its lines at fixed places
                    style.append(("VALIGN", (c0, r0), (c0, r0), "TOP"))
                    style.append(("TOPPADDING", (c0, r0), (c0, r0), _PDF_PAD + offset))
            super().__init__(texts, colWidths=list(col_widths), rowHeights=row_heights,
                             style=style, repeatRows=0, hAlign="CENTER",
                             spaceBefore=4, spaceAfter=8,
                             longTableOptimize=0)  # every row height, for ``split``
            self._col_widths_spec = tuple(col_widths)

        def split(self, availWidth, availHeight):
            self._calc(availWidth, availHeight)
            heights = list(self._rowHeights)
            n, used = 0, 0.0
            while n < len(heights) and used + heights[n] <= availHeight + 1e-6:
                used += heights[n]
                n += 1
            if n == len(heights):
                return [self]
            if n <= self._keep_top:
                return []  # not even one body row fits: the whole table moves on
            if self._page_height is not None and sum(heights[n:]) > self._page_height + 1e-6:
                return []  # the rest would need two more pages: start on the next page
            top = [row[:] for row in self._texts[:n]]
            bottom = [row[:] for row in self._texts[n:]]
            top_spans, bottom_spans = [], []
            for r0, c0, r1, c1, offset in self._spans:
                if r1 < n:
                    top_spans.append((r0, c0, r1, c1, offset))
                elif r0 >= n:
                    bottom_spans.append((r0 - n, c0, r1 - n, c1, offset))
                else:
                    text = self._texts[r0][c0]
                    lines = text.split("\n") if text else []
                    whole, upper = sum(heights[r0:r1 + 1]), sum(heights[r0:n])
                    if offset is None:  # drawn centred in the whole cell
                        offset = max(0.0, (whole - 2 * _PDF_PAD - len(lines) * _PDF_CELL_LEADING) / 2)
                    k = 0
                    while k < len(lines) and \
                            _PDF_PAD + offset + (k + 1) * _PDF_CELL_LEADING <= upper + 1e-6:
                        k += 1
                    top[r0][c0] = "\n".join(lines[:k])
                    bottom[0][c0] = "\n".join(lines[k:])
                    top_spans.append((r0, c0, n - 1, c1, offset))
                    bottom_spans.append((0, c0, r1 - n, c1,
                                         max(0.0, offset + k * _PDF_CELL_LEADING - upper)))
            return [RuledTable(top, top_spans, self._col_widths_spec, heights[:n], self._keep_top,
                               ruling=self._ruling),
                    RuledTable(bottom, bottom_spans, self._col_widths_spec, heights[n:], 0, ruling=self._ruling)]

    return RuledTable


#: The rules each ruling of ``render_pdf`` draws, as reportlab's table style commands (the
#: command, its first and last cell): "grid" every rule, "inner" those between cells only (no
#: frame: the borderless table styles), "rows" the horizontal ones only, "columns" the vertical
#: ones only, "upper" the first ten rows' only and "lower" the others' only (of each page's
#: piece of a table: rows that lost their rules), "upper-framed" the first ten rows' and the
#: table's frame (the others' inner rules lost), "none" no rule.
_PDF_RULINGS = {
    "grid": [("GRID", (0, 0), (-1, -1))],
    "inner": [("INNERGRID", (0, 0), (-1, -1))],
    "rows": [("LINEABOVE", (0, 0), (-1, 0)), ("LINEBELOW", (0, 0), (-1, -1))],
    "columns": [("LINEBEFORE", (0, 0), (-1, -1)), ("LINEAFTER", (-1, 0), (-1, -1))],
    "upper": [("GRID", (0, 0), (-1, 9))],
    "lower": [("GRID", (0, 10), (-1, -1))],
    "upper-framed": [("BOX", (0, 0), (-1, -1)), ("GRID", (0, 0), (-1, 9))],
    "none": [],
}


def _pdf_table(rows: list[list[_Cell]], header_rows: int, col_widths: tuple[float, ...], ruling: str = "grid"):
    RuledTable = _pdf_kit()
    placed, width = _place(rows)
    texts = [[""] * width for _ in rows]
    spans = []
    for p in placed:
        c = p.cell
        span_width = sum(col_widths[p.col:p.col + c.colspan]) - 2 * _PDF_SIDE_PAD
        # The vertical label is one character per line, whatever the width.
        texts[p.row][p.col] = c.flat_text if c.text == _RESULT_LABEL else _pdf_wrap(c.text, span_width)
        if c.rowspan > 1 or c.colspan > 1:
            spans.append((p.row, p.col, p.row + c.rowspan - 1, p.col + c.colspan - 1, None))
    return RuledTable(texts, spans, col_widths, None, header_rows, _PDF_FRAME_HEIGHT, ruling)


#: A4 with the table width plus the frame's 6 pt paddings between the side margins.
_PDF_SIDE_MARGIN = (595.2755905511812 - 415 - 12) / 2
_PDF_TOP_MARGIN = _PDF_BOTTOM_MARGIN = 72
#: The height a table has on a page of its own (A4 less the margins and the frame's paddings).
_PDF_FRAME_HEIGHT = 841.8897637795277 - _PDF_TOP_MARGIN - _PDF_BOTTOM_MARGIN - 12


def table_flowable(item):
    """A table of the report (an item ``_document`` gives for a table) as the PDF draws it."""
    _pdf_kit()
    return _pdf_table(item[1], _HEADER_ROWS[item[0]], _PDF_COL_WIDTHS[item[0]])


def table_pdf(table, margin: float = 4) -> tuple[bytes, float, float]:
    """(a one-page PDF of the table flowable alone, ``margin`` points around it, its width, its
    height in points)."""
    from reportlab.pdfgen.canvas import Canvas

    width, height = table.wrap(415, 10_000)
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(width + 2 * margin, height + 2 * margin), invariant=1)
    table.drawOn(canvas, margin, margin)
    canvas.save()
    return buf.getvalue(), width, height


def _table_png(table, dpi: int = 200) -> tuple[bytes, float, float]:
    """(PNG, width, height in points) of the table flowable drawn as a picture: what a report
    gets when its author pastes a table as a screenshot (of Excel, of another document)."""
    import pypdfium2 as pdfium
    from PIL import ImageOps

    from ..parsing.pdf_layer import use_system_fonts

    use_system_fonts()   # the table's CJK font is not embedded: drawn as it looks
    pdf, width, height = table_pdf(table)
    picture = pdfium.PdfDocument(pdf)[0].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    box = ImageOps.invert(picture).getbbox()
    picture = picture.crop(box) if box else picture
    png = io.BytesIO()
    picture.save(png, "PNG")
    return png.getvalue(), width, height


def _table_picture(table):
    """The table as a platypus ``Image`` of its width (a table taller than a page shrunk onto one)."""
    from reportlab.platypus import Image

    png, width, height = _table_png(table)
    scale = min(1.0, _PDF_FRAME_HEIGHT / height)
    return Image(io.BytesIO(png), width=width * scale, height=height * scale)


def render_pdf(report: SampleReport, tables_as_pictures: bool = False,
               ruled: bool | tuple[str, ...] = True, ruling: str = "grid") -> bytes:
    """An A4 PDF with a text layer (module docstring). Same report, same bytes.
    ``tables_as_pictures``: every table a picture, the prose text (a table pasted as a screenshot).
    ``ruled=False``: the tables drawn without rules (their cells' text centred in them), as a
    page whose borders are styles prints, or a three-line table; a tuple of tables ("二", "三",
    "四"): those ruled, the others drawn without (a table pasted from another document).
    ``ruling``: which rules the ruled tables have (``_PDF_RULINGS``: "grid", "inner", "rows",
    "columns", "upper", "lower", "upper-framed")."""
    _pdf_kit()
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    base = dict(fontName=_PDF_FONT, wordWrap="CJK")
    styles = {
        "title": ParagraphStyle("title", fontSize=16, leading=26, alignment=TA_CENTER,
                                spaceAfter=6, **base),
        "byline": ParagraphStyle("byline", fontSize=10.5, leading=16, alignment=TA_CENTER,
                                 spaceAfter=10, **base),
        "heading": ParagraphStyle("heading", fontSize=12, leading=20, firstLineIndent=24,
                                  spaceBefore=4, **base),
        "para": ParagraphStyle("para", fontSize=12, leading=20, firstLineIndent=24, **base),
    }
    story = []
    for kind, item in _document(report):
        if kind == "table":
            table, rows = item
            rules = ruled if isinstance(ruled, bool) else _TABLE_NAMES[table] in ruled
            flowable = _pdf_table(rows, _HEADER_ROWS[table], _PDF_COL_WIDTHS[table], ruling if rules else "none")
            story.append(_table_picture(flowable) if tables_as_pictures else flowable)
        else:
            story.append(Paragraph(html.escape(item, quote=False), styles[kind]))

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(_PDF_FONT, 10.5)
        canvas.drawCentredString(A4[0] / 2, 42, f"- {doc.page} -")
        canvas.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=_PDF_SIDE_MARGIN, rightMargin=_PDF_SIDE_MARGIN,
        topMargin=_PDF_TOP_MARGIN, bottomMargin=_PDF_BOTTOM_MARGIN, title=report.title,
        author=report.agency,
        subject="政府信息公开工作年度报告", creator="disclosure-pipeline samples", invariant=1)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


# --- docx ---------------------------------------------------------------------------------

def _docx_table(document, rows: list[list[_Cell]]) -> None:
    placed, width = _place(rows)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    # All cells taken before any merge (``table.cell`` recomputes the grid on every call);
    # merges never overlap, so the corners of each merge are still in the table when used.
    grid = [list(row.cells) for row in table.rows]
    for p in placed:
        cell = grid[p.row][p.col]
        if p.cell.rowspan > 1 or p.cell.colspan > 1:
            cell = cell.merge(grid[p.row + p.cell.rowspan - 1][p.col + p.cell.colspan - 1])
        cell.text = p.cell.text


#: Zip entries get this timestamp, so the bytes do not depend on when they were written.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with fixed entry timestamps and attributes (entries in the same order)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 0
            entry.external_attr = 0
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def render_docx(report: SampleReport, tables_as_pictures: bool = False) -> bytes:
    """A Word document with merged table cells as the official template has them (module
    docstring). Core properties are fixed (author = the agency, created = modified = the
    publication date 09:00), so the same report gives the same bytes. ``tables_as_pictures``:
    every table pasted as a picture of it (a screenshot), the prose text."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = docx.Document()
    props = document.core_properties
    stamp = datetime.datetime(report.published.year, report.published.month,
                              report.published.day, 9, 0, 0)
    props.author = props.last_modified_by = report.agency
    props.title = report.title
    props.subject = "政府信息公开工作年度报告"
    props.comments = props.keywords = props.category = ""
    props.created = props.modified = stamp
    props.last_printed = stamp
    props.revision = 1
    for kind, item in _document(report):
        if kind == "table" and tables_as_pictures:
            png, width, _ = _table_png(table_flowable(item))
            document.add_picture(io.BytesIO(png), width=Pt(width))
        elif kind == "table":
            _docx_table(document, item[1])
        else:
            paragraph = document.add_paragraph(item)
            if kind in ("title", "byline"):
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    buf = io.BytesIO()
    document.save(buf)
    return _fixed_zip(buf.getvalue())


# --------------------------------------------------------------------------------------
# Dispatch
# --------------------------------------------------------------------------------------

_RENDERERS = {
    "html": render_html, "text": render_text, "text_grid": render_text_grid,
    "run_together": render_run_together, "pdf": render_pdf, "docx": render_docx,
    "markdown": render_markdown,
}


def render(report: SampleReport) -> str | bytes:
    """The document in the report's form: ``str`` for the text forms, ``bytes`` for
    ``BINARY_FORMS`` (pdf, docx). ``render_bytes`` always gives bytes."""
    try:
        renderer = _RENDERERS[report.form]
    except KeyError:
        raise ValueError(f"unknown form {report.form!r}") from None
    return renderer(report)


def render_bytes(report: SampleReport) -> bytes:
    """The bytes of the file ``write_samples`` writes: text forms in UTF-8 with ``\\n``."""
    doc = render(report)
    return doc if isinstance(doc, bytes) else doc.encode("utf-8")


def render_as(report: SampleReport, form: str) -> bytes:
    """The report rendered in another form (the report itself is not changed)."""
    if form not in FORMS:
        raise ValueError(f"unknown form {form!r}")
    return render_bytes(dataclasses.replace(report, form=form))


# --------------------------------------------------------------------------------------
# Writing the set
# --------------------------------------------------------------------------------------

GROUND_TRUTH = "ground_truth.json"


def ground_truth(reports: list[SampleReport]) -> dict[str, dict]:
    truth = {}
    for r in reports:
        entry = {"agency": r.agency, "year": r.year, "template": r.layout,
                 "published": r.published.isoformat(), "metrics": r.metrics}
        if r.planted:
            entry["planted"] = r.planted
        truth[r.filename] = entry
    return truth


def write_samples(samples_dir: Path, catalogue_csv: Path,
                  reports: list[SampleReport] | None = None) -> list[SampleReport]:
    """Write each report, ``ground_truth.json`` and the catalogue; return the reports.

    Files named by an earlier ``ground_truth.json`` that are no longer generated are removed,
    so the folder holds exactly the current set.
    """
    if reports is None:
        reports = generate_panel()
    samples_dir = Path(samples_dir)
    catalogue_csv = Path(catalogue_csv)
    samples_dir.mkdir(parents=True, exist_ok=True)
    catalogue_csv.parent.mkdir(parents=True, exist_ok=True)

    truth_path = samples_dir / GROUND_TRUTH
    names = {r.filename for r in reports}
    if len(names) != len(reports):
        raise ValueError("two reports share a filename")
    if truth_path.exists():
        for stale in set(json.loads(truth_path.read_text(encoding="utf-8"))) - names:
            (samples_dir / stale).unlink(missing_ok=True)

    for r in reports:
        # Bytes ("\n" line ends on every platform): the committed files must be reproducible.
        (samples_dir / r.filename).write_bytes(render_bytes(r))
    with open(truth_path, "w", encoding="utf-8", newline="") as f:
        f.write(json.dumps(ground_truth(reports), ensure_ascii=False, indent=1) + "\n")
    with open(catalogue_csv, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["source_id", "agency", "year", "location"])
        for r in reports:
            location = Path(os.path.relpath(samples_dir / r.filename, catalogue_csv.parent))
            writer.writerow([f"sample-{r.slug}-{r.year}", r.agency, r.year, location.as_posix()])
    return reports


DATA_DIR = Path(__file__).resolve().parents[2] / "data"


def main() -> None:
    reports = write_samples(DATA_DIR / "samples", DATA_DIR / "sources" / "samples.csv")
    print(f"wrote {len(reports)} sample reports to {DATA_DIR / 'samples'}")


if __name__ == "__main__":
    main()
