"""The sample generator: keys, reconciliation rules, rendering, determinism, the committed set.

The rule checks here are written out again on purpose (not imported from the pipeline): the
samples are the known answers other stages are tested against, so they are checked on their own.
"""
from __future__ import annotations

import copy
import csv
import dataclasses
import io
import json
import re
import zipfile
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import docx
import pdfplumber
import pytest
from docx.oxml.ns import qn

from orchestration.synthetic import samples as S
from tests.conftest import SHARED_CORPUS

PANEL = S.generate_panel()
REPO_DATA = Path(S.__file__).resolve().parents[2] / "data"


def by_agency(reports):
    groups = defaultdict(list)
    for r in reports:
        groups[r.slug].append(r)
    return {slug: sorted(rs, key=lambda r: r.year) for slug, rs in groups.items()}


# --- rule checks: True / False, or None when a cell is blank (not assessable) ----------

def _all(values):
    return None if any(v is None for v in values) else values


def r1(m, col):
    v = _all([m[f"apps.{row}.{col}"] for row in
              ("new_received", "carried_over", "processed_total", "carried_forward")])
    return None if v is None else v[0] + v[1] == v[2] + v[3]


def r2(m, layout, col):
    v = _all([m[f"apps.{row}.{col}"] for row in S.OUTCOME_ROWS[layout]])
    total = m[f"apps.processed_total.{col}"]
    return None if v is None or total is None else sum(v) == total


def r3(m, row):
    """Blank columns are skipped (the hazard report): total must equal the sum of the rest."""
    parts = [m[f"apps.{row}.{col}"] for col in S.APP_COLUMNS[:6]]
    return m[f"apps.{row}.total"] == sum(p for p in parts if p is not None)


def r4(m, block):
    return sum(m[f"{block}.{c}"] for c in S.REVIEW_COLUMNS[:4]) == m[f"{block}.total"]


# --- keys and values -----------------------------------------------------------------

def test_default_panel_shape():
    assert len(PANEL) == 20
    groups = by_agency(PANEL)
    assert len(groups) == 4
    for reports in groups.values():
        assert [r.year for r in reports] == list(range(2019, 2024))
    for r in PANEL:
        assert r.layout == ("2019" if r.year <= 2020 else "2021")
        assert r.filename == f"{r.slug}-{r.year}.{'html' if r.form == 'html' else 'txt'}"
        assert r.slug.isascii()
        assert r.published.year == r.year + 1 and r.published.month <= 3
    for layout in S.LAYOUTS:
        assert {r.form for r in PANEL if r.layout == layout} == {"html", "text"}
    assert len({r.filename for r in PANEL}) == len(PANEL)


def test_metric_keys_match_metrics_md():
    k19, k21 = S.metric_keys("2019"), S.metric_keys("2021")
    # Counts of the hand-labelled pingtan-2019 / pingtan-2021 expectations.
    assert (len(k19), len(k21)) == (198, 200)
    assert len(set(k19)) == len(k19) and len(set(k21)) == len(k21)
    for key in ("active.procurement.amount_wan", "active.fees.item_change", "apps.other.total",
                "apps.withheld.state_secret.natural_person", "litigation.after_review.pending"):
        assert key in k19
    for key in ("active.fees.amount_wan", "active.normative_docs.in_force",
                "apps.other.overdue_fee.total", "apps.other.misc.legal_services", "review.upheld"):
        assert key in k21
    assert "apps.other.total" not in k21 and "active.procurement.projects" not in k21
    assert "apps.other.misc.total" not in k19 and "active.rules.issued" not in k19
    pattern = re.compile(r"^(active\.[a-z_]+\.[a-z_]+|apps\.[a-z_.]+\.(%s)|(review|litigation\.direct"
                         r"|litigation\.after_review)\.(%s))$"
                         % ("|".join(S.APP_COLUMNS), "|".join(S.REVIEW_COLUMNS)))
    assert all(pattern.match(k) for k in k19 + k21)
    with pytest.raises(ValueError):
        S.metric_keys("2018")


def test_every_report_has_exactly_its_layout_keys():
    for r in PANEL:
        assert list(r.metrics) == S.metric_keys(r.layout), r.filename


def test_values_are_whole_and_non_negative():  # R9
    for r in PANEL:
        for key, v in r.metrics.items():
            if v is None:
                assert key.startswith("apps.") and key.rsplit(".", 1)[1] in S.LEGAL_PERSON_COLUMNS
            elif key.endswith("amount_wan"):
                assert isinstance(v, (int, float)) and v >= 0
            else:
                assert isinstance(v, int), (r.filename, key)
                assert v >= 0 or key.endswith("item_change"), (r.filename, key)


def test_numbers_are_varied():
    changes = [v for r in PANEL for k, v in r.metrics.items() if k.endswith("item_change")]
    assert min(changes) < 0 < max(changes) and 0 in changes
    assert max(r.metrics["apps.new_received.total"] for r in PANEL) >= 200
    assert min(r.metrics["apps.new_received.total"] for r in PANEL) < 30
    amounts = [r.metrics["active.procurement.amount_wan"] for r in PANEL if r.layout == "2019"]
    assert any(isinstance(a, float) for a in amounts) and any(isinstance(a, int) for a in amounts)
    assert {r.amount_style for r in PANEL if r.layout == "2019"} == {"yuan", "wan", "wan_header"}
    assert any(r.metrics["review.total"] for r in PANEL)
    assert any(r.metrics["litigation.direct.total"] for r in PANEL)


# --- rules -------------------------------------------------------------------------

def test_r1_to_r4_hold_in_every_report():
    for r in PANEL:
        m = r.metrics
        for col in S.APP_COLUMNS:
            assert r1(m, col) in (True, None), (r.filename, col)
            assert r2(m, r.layout, col) in (True, None), (r.filename, col)
        assert r1(m, "total") and r2(m, r.layout, "total") and r1(m, "natural_person")
        for row in S.APP_ROWS[r.layout]:
            assert r3(m, row), (r.filename, row)
        for block in S.REVIEW_BLOCKS:
            assert r4(m, block), (r.filename, block)


def test_cross_year_rules_hold():
    assessed = defaultdict(int)
    for reports in by_agency(PANEL).values():
        for prev, cur in zip(reports, reports[1:]):
            for col in S.APP_COLUMNS:  # R5
                before = prev.metrics[f"apps.carried_forward.{col}"]
                after = cur.metrics[f"apps.carried_over.{col}"]
                if before is not None and after is not None:
                    assert after == before, (cur.filename, col)
                    assessed["R5"] += 1
            if prev.layout == cur.layout == "2021":  # R6
                for row in ("rules", "normative_docs"):
                    p, c = prev.metrics, cur.metrics
                    assert c[f"active.{row}.in_force"] == (p[f"active.{row}.in_force"]
                        + c[f"active.{row}.issued"] - c[f"active.{row}.repealed"]), cur.filename
                    assessed["R6"] += 1
            if prev.layout == cur.layout == "2019":  # R7
                for row in S.ITEM_ROWS:
                    p, c = prev.metrics, cur.metrics
                    assert c[f"active.{row}.prev_items"] == (p[f"active.{row}.prev_items"]
                        + p[f"active.{row}.item_change"]), (cur.filename, row)
                    assessed["R7"] += 1
    assert assessed["R5"] and assessed["R6"] and assessed["R7"]


def test_one_report_leaves_legal_person_columns_blank():
    blank = [r for r in PANEL if None in r.metrics.values()]
    assert len(blank) == 1
    r = blank[0]
    assert r.slug != PANEL[0].slug
    for row in S.APP_ROWS[r.layout]:
        for col in S.LEGAL_PERSON_COLUMNS:
            assert r.metrics[f"apps.{row}.{col}"] is None
        assert r.metrics[f"apps.{row}.total"] == r.metrics[f"apps.{row}.natural_person"]
    assert r.metrics["apps.new_received.total"] > 0
    assert "<td></td>" in S.render_html(r)
    assert "|\n\n|\n" in S.render_text(r)


# --- determinism ---------------------------------------------------------------------

def test_same_seed_same_bytes():
    again = S.generate_panel()
    assert [S.render(r) for r in again] == [S.render(r) for r in PANEL]
    assert [S.render_text(r) for r in again] == [S.render_text(r) for r in PANEL]
    assert [S.render_html(r) for r in again] == [S.render_html(r) for r in PANEL]


def test_different_seed_different_numbers():
    other = S.generate_panel(seed=7)
    assert [r.metrics for r in other] != [r.metrics for r in PANEL]
    assert [r.filename for r in other] == [r.filename for r in PANEL]


def test_other_panel_sizes():
    small = S.generate_panel(seed=1, agencies=2, years=range(2020, 2023))
    assert [(r.slug, r.year) for r in small] == [
        (s, y) for s in ("yunxi", "lanchuan-zrzy") for y in (2020, 2021, 2022)]
    blank = [r for r in small if None in r.metrics.values()]
    assert [(r.slug, r.year) for r in blank] == [("lanchuan-zrzy", 2022)]
    assert [r for r in S.generate_panel(agencies=1) if None in r.metrics.values()] == []
    with pytest.raises(ValueError):
        S.generate_panel(agencies=len(S.AGENCIES) + 1)


# --- planted violation ---------------------------------------------------------------

@pytest.mark.parametrize("column", S.APP_COLUMNS)
def test_plant_r1_violation_breaks_only_that_column(column):
    original = PANEL[0]
    before = dict(original.metrics)
    broken = S.plant_r1_violation(original, column)
    assert original.metrics == before and original.planted == []
    for col in S.APP_COLUMNS:
        assert r1(broken.metrics, col) is (col != column)
    assert r2(broken.metrics, broken.layout, column) is False
    assert not r3(broken.metrics, "processed_total")
    assert broken.planted == [f"R1:{column}", f"R2:{column}", "R3:processed_total"]
    assert broken.filename == original.filename


def test_plant_r1_violation_refuses_blank_cell():
    blank = next(r for r in PANEL if None in r.metrics.values())
    with pytest.raises(ValueError):
        S.plant_r1_violation(blank, "commercial")
    assert r1(S.plant_r1_violation(blank, "natural_person").metrics, "natural_person") is False


# --- rendering: read the documents back and compare with the metrics ------------------

class _Tables(HTMLParser):
    """The tables of a page as rows of (text, rowspan, colspan)."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag == "td":
            self._cell = ["", int(a.get("rowspan", 1)), int(a.get("colspan", 1))]

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data

    def handle_endtag(self, tag):
        if tag == "td":
            self.tables[-1][-1].append(tuple(self._cell))
            self._cell = None


def expand(raw_rows) -> list[list[str]]:
    """rowspan/colspan expanded: grid[r][c] is the text of the cell covering (r, c)."""
    taken: dict[tuple[int, int], str] = {}
    for r, row in enumerate(raw_rows):
        c = 0
        for text, rowspan, colspan in row:
            while (r, c) in taken:
                c += 1
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken[(r + dr, c + dc)] = text
            c += colspan
    width = max(c for _, c in taken) + 1
    return [[taken.get((r, c)) for c in range(width)] for r in range(len(raw_rows))]


def html_tables(r):
    parser = _Tables()
    parser.feed(S.render_html(r))
    parser.close()
    return parser.tables


def parse_value(text: str):
    text = text.strip()
    if text == "":
        return None
    if text.endswith("万元"):
        return float(text[:-2])
    if text.endswith("元"):
        return float(text[:-1]) / 10_000
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    return float(text)


def expected_active_cells(r):
    return [r.metrics[k] for k in S.ACTIVE_KEYS[r.layout]]


def assert_values_equal(got, want, where):
    assert len(got) == len(want), where
    for g, w in zip(got, want):
        if isinstance(w, float) or isinstance(g, float):
            assert g == pytest.approx(w, abs=1e-9), where
        else:
            assert g == w, where


def html_reports():
    return [r for r in PANEL if r.form == "html"]


def text_reports():
    return [r for r in PANEL if r.form == "text"]


@pytest.mark.parametrize("r", html_reports(), ids=lambda r: r.filename)
def test_html_tables_read_back(r):
    raw_two, raw_three, raw_four = html_tables(r)
    two, three, four = expand(raw_two), expand(raw_three), expand(raw_four)
    assert all(None not in row for row in two + three + four)
    assert {len(row) for row in two} == {4}
    assert {len(row) for row in three} == {10}
    assert {len(row) for row in four} == {15}
    # Table 二: the value rows are those whose first cell is a row label.
    labels = ("规章", "规范性文件", "行政规范性文件", "行政许可", "其他对外管理服务事项",
              "行政处罚", "行政强制", "行政事业性收费", "政府集中采购")
    values = [parse_value(text) for row in raw_two if row[0][0] in labels for text, _, _ in row[1:]]
    assert_values_equal(values, expected_active_cells(r), r.filename)
    # Table 三: three header rows, then one row per metric row, numbers in columns 3–9.
    assert three[1][3:] == ["自然人"] + ["法人或其他组织"] * 5 + ["总计"]
    assert three[2][4:9] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    rows = S.APP_ROWS[r.layout]
    assert len(three) == 3 + len(rows)
    for row_key, row in zip(rows, three[3:]):
        assert [parse_value(c) for c in row[3:]] == \
            [r.metrics[f"apps.{row_key}.{col}"] for col in S.APP_COLUMNS], (r.filename, row_key)
    # Table 四: one data row of 15 cells.
    assert [parse_value(c) for c in four[3]] == \
        [r.metrics[f"{b}.{c}"] for b in S.REVIEW_BLOCKS for c in S.REVIEW_COLUMNS]


@pytest.mark.parametrize("r", html_reports(), ids=lambda r: r.filename)
def test_html_page_looks_like_the_real_reports(r):
    page = S.render_html(r)
    assert page.startswith("<!DOCTYPE html>\n")
    assert '<meta charset="utf-8" />' in page
    assert f"<title>{r.title}</title>" in page
    assert re.search(rf"{r.agency}{r.year}年度?政府信息公开工作年度报告", r.title)
    assert f"来源：{r.agency}  发布时间：{r.published.isoformat()}" in page
    assert f"本报告所列数据的统计期限自{r.year}年1月1日起至{r.year}年12月31日止" in page
    assert "余条" in page  # a distractor figure in the prose
    for heading in ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                    "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况",
                    "六、其他需要报告的事项"):
        assert f"<p>{heading}</p>" in page
    assert '<td rowspan="3" colspan="3">（本列数据的勾稽关系为：' in page
    assert '<td colspan="5">法人或其他组织</td>' in page
    assert '<td rowspan="2">自然人</td>' in page and '<td rowspan="2">总计</td>' in page
    span = "20" if r.layout == "2019" else "22"
    assert f'<td rowspan="{span}">三、本年度办理结果</td>' in page
    assert '<td rowspan="8">（三）不予公开</td>' in page
    assert '<td rowspan="3">（四）无法提供</td>' in page
    assert '<td rowspan="5">（五）不予处理</td>' in page
    if r.layout == "2019":
        assert '<td colspan="2">（六）其他处理</td>' in page
        assert '<td colspan="4">第二十条第（九）项</td>' in page
    else:
        assert '<td rowspan="3">（六）其他处理</td>' in page
        assert '<td colspan="3">本年收费金额（单位：万元）</td>' in page
        assert "第二十条第（九）项" not in page


def text_cells(doc: str, start: str, end: str) -> list[str]:
    """The cells of the table between two headings of a flattened text document."""
    chunk = doc.split(f"\n{start}\n", 1)[1].split(f"\n{end}\n", 1)[0] + "\n"
    assert chunk.endswith("\n|\n")
    return chunk[: -len("\n|\n")].split("\n|\n")


@pytest.mark.parametrize("r", text_reports(), ids=lambda r: r.filename)
def test_text_tables_read_back(r):
    doc = S.render_text(r)
    h2, h3, h4, h5 = ("二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                      "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况")
    number = re.compile(r"^([+-]?\d+(\.\d+)?(万元|元)?|)$")
    two = [parse_value(c) for c in text_cells(doc, h2, h3) if number.match(c)]
    assert_values_equal(two, expected_active_cells(r), r.filename)
    three = [parse_value(c) for c in text_cells(doc, h3, h4) if number.match(c)]
    assert three == [r.metrics[f"apps.{row}.{col}"]
                     for row in S.APP_ROWS[r.layout] for col in S.APP_COLUMNS]
    four = text_cells(doc, h4, h5)
    assert [parse_value(c) for c in four[-15:]] == \
        [r.metrics[f"{b}.{c}"] for b in S.REVIEW_BLOCKS for c in S.REVIEW_COLUMNS]


@pytest.mark.parametrize("layout", S.LAYOUTS)
def test_text_form_matches_the_seed_style(layout):
    r = next(r for r in PANEL if r.layout == layout and r.form == "text")
    doc = S.render_text(r)
    assert doc.endswith("\n") and "\r" not in doc
    assert "（" not in doc and "，" not in doc  # scraped text has ASCII punctuation
    assert "\n三\n、\n本\n年\n度\n办\n理\n结\n果\n|\n(一)予以公开\n|\n" in doc
    assert "\n|\n商业\n企业\n|\n科研\n机构\n|\n社会\n公益\n组织\n|\n法律\n服务\n机构\n|\n其他\n|\n" in doc
    assert "\n行政复议\n|\n行政诉讼\n|\n结果\n维持\n|\n结果\n纠正\n|\n其他\n结果\n|\n尚未\n审结\n|\n总\n计\n|\n" in doc
    assert "\n二、主动公开政府信息情况\n第二十条第(一)项\n|\n信息内容\n|\n" in doc
    assert f"本报告所列数据的统计期限自{r.year}年1月1日起至{r.year}年12月31日止" in doc
    if layout == "2021":
        assert "\n(六)其他处理\n|\n1.申请人无正当理由逾期不补正" in doc
        assert "\n本年制发件数\n|\n本年废止件数\n|\n现行有效件数\n|\n" in doc
    else:
        assert "\n(六)其他处理\n|\n" in doc and "\n第二十条第(九)项\n|\n" in doc


def test_amount_styles_render_as_in_the_real_reports():
    seen = set()
    for r in PANEL:
        if r.layout != "2019":
            continue
        doc = S.render(r)
        amount = r.metrics["active.procurement.amount_wan"]
        if r.amount_style == "yuan":
            cents = round(amount * 1_000_000)
            assert f"{cents // 100}.{cents % 100:02d}元" in doc
        elif r.amount_style == "wan":
            assert f"{amount}万元" in doc
        else:
            assert "采购总金额(万元)" in doc or "采购总金额（万元）" in doc
        seen.add(r.amount_style)
    assert seen == {"yuan", "wan", "wan_header"}
    assert S._amount_cell(7539.443252, "yuan") == "75394432.52元"
    assert S._amount_cell(16800, "wan") == "16800万元"
    assert S._plain_wan(24252.311082) == "24252.311082"


def test_render_dispatches_on_form():
    r = PANEL[0]
    assert S.render(r) == (S.render_html(r) if r.form == "html" else S.render_text(r))
    assert S.render_bytes(r) == S.render(r).encode("utf-8")
    with pytest.raises(ValueError):
        S.render(S.SampleReport(**{**r.__dict__, "form": "scan"}))
    with pytest.raises(ValueError):
        S.render_as(r, "scan")


# --- writing -------------------------------------------------------------------------

def test_write_samples(tmp_path):
    samples_dir, catalogue = tmp_path / "data" / "samples", tmp_path / "data" / "sources" / "samples.csv"
    reports = S.write_samples(samples_dir, catalogue)
    assert [r.filename for r in reports] == [r.filename for r in PANEL]
    for r in reports:
        assert (samples_dir / r.filename).read_text(encoding="utf-8") == S.render(r)
    truth = json.loads((samples_dir / "ground_truth.json").read_text(encoding="utf-8"))
    assert list(truth) == [r.filename for r in reports]
    for r in reports:
        entry = truth[r.filename]
        assert entry == {"agency": r.agency, "year": r.year, "template": r.layout,
                         "published": r.published.isoformat(), "metrics": r.metrics}
    with open(catalogue, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["source_id", "agency", "year", "location"]
    assert len(rows) == 1 + len(reports)
    for (source_id, agency, year, location), r in zip(rows[1:], reports):
        assert source_id == f"sample-{r.slug}-{r.year}"
        assert (agency, int(year)) == (r.agency, r.year)
        assert location == f"../samples/{r.filename}"
        assert (catalogue.parent / location).resolve() == (samples_dir / r.filename).resolve()
        assert (catalogue.parent / location).is_file()


def test_write_samples_removes_files_it_no_longer_generates(tmp_path):
    samples_dir, catalogue = tmp_path / "samples", tmp_path / "samples.csv"
    S.write_samples(samples_dir, catalogue)
    subset = PANEL[:3]
    S.write_samples(samples_dir, catalogue, subset)
    assert sorted(p.name for p in samples_dir.iterdir()) == \
        sorted([r.filename for r in subset] + ["ground_truth.json"])
    with open(catalogue, encoding="utf-8") as f:
        assert [row["location"] for row in csv.DictReader(f)] == [f"samples/{r.filename}" for r in subset]


def test_planted_reports_are_marked_in_ground_truth(tmp_path):
    broken = S.plant_r1_violation(PANEL[1], "natural_person")
    S.write_samples(tmp_path / "s", tmp_path / "c.csv", [broken])
    truth = json.loads((tmp_path / "s" / "ground_truth.json").read_text(encoding="utf-8"))
    assert truth[broken.filename]["planted"] == broken.planted


def test_committed_samples_are_current(tmp_path):
    """data/samples and data/sources/samples.csv are what `python -m orchestration.synthetic.samples` writes."""
    fresh = tmp_path / "data"
    S.write_samples(fresh / "samples", fresh / "sources" / "samples.csv")
    committed = sorted(p.name for p in (REPO_DATA / "samples").iterdir())
    assert committed == sorted(p.name for p in (fresh / "samples").iterdir())
    for name in committed:
        assert (REPO_DATA / "samples" / name).read_bytes() == (fresh / "samples" / name).read_bytes(), name
    assert (REPO_DATA / "sources" / "samples.csv").read_bytes() == \
        (fresh / "sources" / "samples.csv").read_bytes()


# --- the other physical forms (text_grid, run_together, markdown, pdf, docx) -------------
# Every layout × form, and each form's conventions as the parser will meet them. Reading
# these documents back is the parser's business: here only what the generator promises.

FORMS_PANEL = S.generate_panel(agencies=7, years=range(2019, 2023), forms=S.FORMS)
BLANK = next(r for r in PANEL if None in r.metrics.values())


def by_layout(layout):
    return next(r for r in FORMS_PANEL if r.layout == layout)


# One report of each layout, and the report with blank 法人或其他组织 columns.
SHOWCASE = [by_layout("2019"), by_layout("2021"), BLANK]


def app_values(r, row):
    return [r.metrics[f"apps.{row}.{col}"] for col in S.APP_COLUMNS]


def review_values(r):
    return [r.metrics[f"{b}.{c}"] for b in S.REVIEW_BLOCKS for c in S.REVIEW_COLUMNS]


def cell(v) -> str:
    return "" if v is None else str(v)


def test_forms_cycle_over_the_panel():
    assert {(r.layout, r.form) for r in FORMS_PANEL} == {(l, f) for l in S.LAYOUTS for f in S.FORMS}
    # The forms do not touch the numbers.
    plain = S.generate_panel(agencies=7, years=range(2019, 2023))
    assert [r.metrics for r in FORMS_PANEL] == [r.metrics for r in plain]
    assert [r.form for r in plain] == [S.FORMS[(i // 4 + i % 4) % 2] for i in range(len(plain))]
    assert len({r.filename for r in FORMS_PANEL}) == len(FORMS_PANEL)
    for r in FORMS_PANEL:
        assert r.filename == f"{r.slug}-{r.year}{S.FORM_SUFFIXES[r.form]}"
    assert [S.FORM_SUFFIXES[f] for f in S.FORMS] == [
        ".html", ".txt", ".grid.txt", ".run.txt", ".pdf", ".docx", ".md"]
    # The default is the two-form panel, byte for byte.
    two = S.generate_panel(forms=("html", "text"))
    assert [S.render_bytes(r) for r in two] == [S.render_bytes(r) for r in PANEL]
    for bad in ((), ("scan",), ("html", "pdf ")):
        with pytest.raises(ValueError):
            S.generate_panel(forms=bad)


@pytest.mark.parametrize("form", S.FORMS)
@pytest.mark.parametrize("layout", S.LAYOUTS)
def test_every_form_renders_the_same_bytes_twice(layout, form):
    r = by_layout(layout)
    first = S.render_as(r, form)
    assert isinstance(first, bytes) and len(first) > 2000
    assert S.render_as(copy.deepcopy(r), form) == first
    assert r.form != form or S.render_bytes(r) == first
    as_form = dataclasses.replace(r, form=form)
    doc = S.render(as_form)
    assert isinstance(doc, bytes if form in S.BINARY_FORMS else str)
    assert S.render_bytes(as_form) == first
    if form not in S.BINARY_FORMS:
        assert doc.endswith("\n") and "\r" not in doc and doc.encode("utf-8") == first


@pytest.mark.parametrize("r", FORMS_PANEL, ids=lambda r: r.filename)
def test_forms_panel_is_deterministic(r):
    assert S.render_bytes(r) == S.render_bytes(copy.deepcopy(r))


def test_write_samples_writes_every_form(tmp_path):
    reports = S.generate_panel(agencies=7, years=range(2019, 2020), forms=S.FORMS)
    assert sorted(r.form for r in reports) == sorted(S.FORMS)
    S.write_samples(tmp_path / "s", tmp_path / "c.csv", reports)
    for r in reports:
        assert (tmp_path / "s" / r.filename).read_bytes() == S.render_bytes(r)
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == \
        sorted([r.filename for r in reports] + ["ground_truth.json"])


# PDF ---------------------------------------------------------------------------------

def pdf_pages(data: bytes) -> tuple[list[str], dict]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() for page in pdf.pages], pdf.metadata


@pytest.mark.parametrize("r", SHOWCASE, ids=lambda r: f"{r.slug}-{r.year}")
def test_pdf_has_a_text_layer_with_the_numbers(r):
    pages, meta = pdf_pages(S.render_as(r, "pdf"))
    assert len(pages) >= 2
    assert meta["Title"] == r.title and meta["Author"] == r.agency
    for n, text in enumerate(pages, 1):
        assert text.splitlines()[-1] == f"- {n} -"  # the footer
    whole = "\n".join(pages)
    lines = whole.splitlines()
    assert r.agency in whole and "本年新收" in whole
    assert f"来源：{r.agency}" in whole and r.published.isoformat() in whole
    assert f"本报告所列数据的统计期限自{r.year}年1月1日起至{r.year}年12月31日止" in whole.replace("\n", "")
    for heading in ("二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                    "四、政府信息公开行政复议、行政诉讼情况", "六、其他需要报告的事项"):
        assert heading in lines
    # Rows of table 三 come out as a line: label, then the non-blank numbers.
    for row, label in (("new_received", "一、本年新收政府信息公开申请数量"), ("processed_total", "（七）总计"),
                       ("carried_forward", "四、结转下年度继续办理")):
        assert " ".join([label] + [str(v) for v in app_values(r, row) if v is not None]) in lines
    assert " ".join(map(str, review_values(r))) in lines
    if r.layout == "2021":
        assert f"行政许可 {r.metrics['active.licensing.decisions']}" in lines


@pytest.mark.parametrize("r", SHOWCASE + [r for r in FORMS_PANEL if r.form == "pdf"],
                         ids=lambda r: f"{r.slug}-{r.year}")
def test_pdf_table_three_runs_over_two_pages(r):
    pages, _ = pdf_pages(S.render_as(r, "pdf"))
    def pages_with_row(label):
        return [i for i, t in enumerate(pages) if any(l.startswith(label) for l in t.splitlines())]

    first, last = pages_with_row("一、本年新收政府信息公开申请数量"), pages_with_row("四、结转下年度继续办理")
    assert len(first) == len(last) == 1
    assert last[0] == first[0] + 1
    # The vertical label is drawn one character per line inside its merged cell.
    column = [l.split(" ")[0] for l in "\n".join(pages[first[0]:last[0] + 1]).splitlines()]
    assert sum(1 for ch in "本年度办理结果" if ch in column) == 7


@pytest.mark.parametrize("layout", S.LAYOUTS)
def test_pdf_tables_break_like_wps(layout):
    """Table 三 is taller than a page; a break cuts the merged cells, their lines staying put."""
    r = by_layout(layout)
    table = S._pdf_table(S._table_three(r), 3, S._PDF_COL_WIDTHS[S._table_three])
    height = table.wrap(415, 10_000)[1]
    assert S._PDF_FRAME_HEIGHT < height < 2 * S._PDF_FRAME_HEIGHT - 100
    assert table.split(415, 60) == []  # only header rows would fit: the table moves on
    assert table.split(415, height - S._PDF_FRAME_HEIGHT - 30) == []  # the rest would need two pages
    label = "\n".join("三、本年度办理结果")
    cuts = set()
    for avail in range(int(height - S._PDF_FRAME_HEIGHT) + 60, int(S._PDF_FRAME_HEIGHT), 20):
        top, rest = table.split(415, avail)
        assert top.wrap(415, 10_000)[1] <= avail and rest.wrap(415, 10_000)[1] <= S._PDF_FRAME_HEIGHT
        assert len(top._texts) + len(rest._texts) == len(table._texts)
        # The vertical label (row 5, column 0) is shared out between the two pieces.
        if len(top._texts) > 5:
            upper, lower = top._texts[5][0], rest._texts[0][0]
            assert "\n".join(t for t in (upper, lower) if t) == label
            cuts.add(upper.count("\n") + bool(upper))
    assert len(cuts) >= 3  # wholly below the cut, wholly above it, and cut in two


# DOCX --------------------------------------------------------------------------------

def docx_tables(data: bytes):
    document = docx.Document(io.BytesIO(data))
    return document, document.tables


def tc_texts(table) -> list[list[str]]:
    """The text of each <w:tc> of each row (a merged cell once, its continuations empty)."""
    return [["".join(t.text or "" for t in tc.iter(qn("w:t"))) for tc in tr.tc_lst]
            for tr in table._tbl.tr_lst]


def docx_shape(table) -> list[list[tuple[int, str | None]]]:
    return [[(tc.grid_span, tc.vMerge) for tc in tr.tc_lst] for tr in table._tbl.tr_lst]


@pytest.mark.parametrize("r", SHOWCASE, ids=lambda r: f"{r.slug}-{r.year}")
def test_docx_tables_have_merged_cells_and_the_numbers(r):
    data = S.render_as(r, "docx")
    document, tables = docx_tables(data)
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == r.title and texts[1] == S._byline(r)
    assert any(f"本报告所列数据的统计期限自{r.year}年1月1日起至{r.year}年12月31日止" in t for t in texts)
    assert document.core_properties.author == r.agency
    assert len(tables) == 3
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode("utf-8")
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert "<w:gridSpan " in xml and "<w:vMerge " in xml
    two, three, four = tables
    # Expanded grid (python-docx repeats a merged cell over the positions it covers).
    grid3 = [[c.text for c in row.cells] for row in three.rows]
    assert {len(row) for row in grid3} == {10} and len(grid3) == 3 + len(S.APP_ROWS[r.layout])
    assert grid3[1][3:] == ["自然人"] + ["法人或其他组织"] * 5 + ["总计"]
    for row_key, row in zip(S.APP_ROWS[r.layout], grid3[3:]):
        assert [parse_value(c) for c in row[3:]] == app_values(r, row_key), row_key
    assert grid3[5][0] == "三、本年度办理结果"
    grid4 = [[c.text for c in row.cells] for row in four.rows]
    assert [parse_value(c) for c in grid4[3]] == review_values(r)
    labels = {"规章", "规范性文件", "行政规范性文件", "行政许可", "其他对外管理服务事项", "行政处罚",
              "行政强制", "行政事业性收费", "政府集中采购"}
    values = [parse_value(t) for row in tc_texts(two) if row[0] in labels for t in row[1:]]
    assert_values_equal(values, expected_active_cells(r), r.filename)
    # Merged cells as Word makes them: the vertical label restarts a vMerge that the rows
    # below continue; 法人或其他组织 spans five grid columns.
    shape3 = docx_shape(three)
    assert shape3[1][2] == (5, None) and shape3[0][0] == (3, "restart")
    assert shape3[5][0] == (1, "restart")
    assert all(row[0] == (1, "continue") for row in shape3[6:3 + len(S.APP_ROWS[r.layout]) - 1])


@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="../shared/corpus/real is absent")
def test_docx_2021_tables_are_shaped_like_the_official_template():
    template = docx.Document(str(SHARED_CORPUS / "template-2021-blank.docx"))
    _, tables = docx_tables(S.render_as(by_layout("2021"), "docx"))
    assert [docx_shape(t) for t in tables] == [docx_shape(t) for t in template.tables]


# Markdown ----------------------------------------------------------------------------

def md_tables(doc: str) -> list[list[list[str]]]:
    """Each pipe table as rows of cells (header row first, separator dropped)."""
    tables = []
    for block in doc.split("\n\n"):
        if block.startswith("| "):
            rows = block.split("\n")
            assert set(rows[1]) == set("|-")
            tables.append([row[2:-2].split(" | ") for row in [rows[0]] + rows[2:]])
    return tables


@pytest.mark.parametrize("r", SHOWCASE, ids=lambda r: f"{r.slug}-{r.year}")
def test_markdown_pipe_tables(r):
    doc = S.render_as(r, "markdown").decode("utf-8")
    assert doc.startswith(f"# {r.title}\n\n{S._byline(r)}\n\n")
    for heading in ("一、总体情况", "三、收到和处理政府信息公开申请情况", "六、其他需要报告的事项"):
        assert f"\n\n## {heading}\n\n" in doc
    assert f"本报告所列数据的统计期限自{r.year}年1月1日起至{r.year}年12月31日止" in doc
    two, three, four = md_tables(doc)
    assert "\n| （本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） |  |  | 自然人 | 商业企业 | " \
           "科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |\n|" + "---|" * 10 + "\n" in doc
    assert "\n| " + " | ".join(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3) + " |\n|" \
           + "---|" * 15 + "\n" in doc
    assert two[0] == ["第二十条第（一）项", "", "", ""]
    assert {len(row) for row in two} == {4} and {len(row) for row in three} == {10}
    # Covered positions are blank: the vertical label once, then blank below it.
    body = three[1:]
    assert [row[0] for row in body[2:-1]] == ["三、本年度办理结果"] + [""] * (len(body) - 4)
    assert "| " + " | ".join(["", "（七）总计", ""] + [cell(v) for v in app_values(r, "processed_total")]) \
        + " |" in doc.splitlines()
    for row_key, row in zip(S.APP_ROWS[r.layout], body):
        assert [parse_value(c) for c in row[3:]] == app_values(r, row_key)
    assert [parse_value(c) for c in four[1]] == review_values(r)
    labels = {"规章", "规范性文件", "行政规范性文件", "行政许可", "其他对外管理服务事项", "行政处罚",
              "行政强制", "行政事业性收费", "政府集中采购"}
    values = [parse_value(c) for row in two if row[0] in labels for c in row[1:] if c]
    assert_values_equal(values, expected_active_cells(r), r.filename)


# text_grid and run_together ------------------------------------------------------------

def grid_join(cells: list[str], sep: str) -> str:
    """The text_grid convention: TAB between cells, or two spaces before each cell after the
    first with values right-aligned to width 6."""
    if sep == "\t":
        return "\t".join(cells)
    value = re.compile(r"([+-]?\d+(\.\d+)?(万元|元)?)?")
    return (cells[0] + "".join("  " + (c.rjust(6) if value.fullmatch(c) else c)
                               for c in cells[1:])).rstrip(" ")


def run_join(cells: list[str]) -> str:
    """The run_together convention: nothing between cells, one space either side of a value
    that is not a plain unsigned integer, blank cells dropped."""
    value = re.compile(r"[+-]?\d+(\.\d+)?(万元|元)?")
    out, prev = "", False
    for i, c in enumerate(c for c in cells if c):
        spaced = bool(value.fullmatch(c)) and not c.isdigit()
        out += (" " if i and (spaced or prev) else "") + c
        prev = spaced
    return out


# Agency 0 over 2019–2022: both layouts, each with a TAB year (odd) and a spaces year (even).
GRID_CASES = [r for r in FORMS_PANEL if r.slug == FORMS_PANEL[0].slug] + [BLANK]


@pytest.mark.parametrize("r", GRID_CASES, ids=lambda r: f"{r.slug}-{r.year}")
def test_text_grid_lines(r):
    doc = S.render_as(r, "text_grid").decode("utf-8")
    sep = r.grid_separator
    assert sep == ("\t" if r.year % 2 else "  ")
    lines = doc.split("\n")
    assert lines[:2] == [r.title, S._byline(r)]
    assert f"本报告所列数据的统计期限自{r.year}年1月1日起至{r.year}年12月31日止" in doc
    assert "\n三、收到和处理政府信息公开申请情况\n" in doc and "|" not in doc
    assert "\n" + grid_join(["自然人", "法人或其他组织", "总计"], sep) + "\n" in doc
    assert "\n" + grid_join(["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"], sep) + "\n" in doc
    # The vertical label one character per line, then the first row it spans.
    first = grid_join(["（一）予以公开"] + [cell(v) for v in app_values(r, "granted")], sep)
    assert "\n" + "\n".join("三、本年度办理结果") + "\n" + first + "\n" in doc
    # A group label on its own line before its first row.
    assert "\n（三）不予公开\n" + grid_join(
        ["1.属于国家秘密"] + [cell(v) for v in app_values(r, "withheld.state_secret")], sep) + "\n" in doc
    for row_key, label in (("new_received", "一、本年新收政府信息公开申请数量"), ("processed_total", "（七）总计")):
        assert grid_join([label] + [cell(v) for v in app_values(r, row_key)], sep) in lines
    assert grid_join([str(v) for v in review_values(r)], sep) in lines
    if r is BLANK:
        assert sep == "  "
        row = "一、本年新收政府信息公开申请数量" + "  " + str(r.metrics["apps.new_received.natural_person"]).rjust(6)
        assert row + " " * 40 + "  " + str(r.metrics["apps.new_received.total"]).rjust(6) in lines
    if sep == "\t":  # every row of table 三 splits back into label + 7 cells
        start = lines.index(grid_join(["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"], sep))
        rows = [l.split("\t") for l in lines[start + 1:start + 60] if "\t" in l][:len(S.APP_ROWS[r.layout])]
        for row_key, row in zip(S.APP_ROWS[r.layout], rows):
            assert [parse_value(c) for c in row[1:]] == app_values(r, row_key)


@pytest.mark.parametrize("r", GRID_CASES, ids=lambda r: f"{r.slug}-{r.year}")
def test_run_together_lines(r):
    doc = S.render_as(r, "run_together").decode("utf-8")
    lines = doc.split("\n")
    assert lines[:2] == [r.title, S._byline(r)] and "\t" not in doc
    total = app_values(r, "processed_total")
    assert "（七）总计" + "".join(cell(v) for v in total) in lines
    assert "".join(str(v) for v in review_values(r)) in lines  # table 四: one run of 15 numbers
    assert "\n" + "\n".join("三、本年度办理结果") + "\n（一）予以公开" in doc
    assert "\n信息内容" in doc and "\n自然人法人或其他组织总计\n" in doc
    m = r.metrics
    if r.layout == "2019":
        for row, label in (("licensing", "行政许可"), ("penalty", "行政处罚")):
            cells = [label, str(m[f"active.{row}.prev_items"]), S._signed(m[f"active.{row}.item_change"]),
                     str(m[f"active.{row}.decisions"])]
            assert run_join(cells) in lines
        amount = S._amount_cell(m["active.procurement.amount_wan"], r.amount_style)
        assert f"政府集中采购{m['active.procurement.projects']}" + \
            (amount if amount.isdigit() else " " + amount) in lines
    else:
        fee = S._plain_wan(m["active.fees.amount_wan"])
        assert "行政事业性收费" + (fee if fee.isdigit() else " " + fee) in lines
    if r is BLANK:
        assert "一、本年新收政府信息公开申请数量" + str(m["apps.new_received.natural_person"]) \
            + str(m["apps.new_received.total"]) in lines


def test_run_together_separates_only_non_integer_cells():
    assert S._join_run([("（七）总计", False)] + [(v, True) for v in "63 0 0 2 0 4 69".split()]) \
        == "（七）总计630020469"
    assert S._join_run([("行政许可", False), ("388", True), ("-48", True), ("15469", True)]) \
        == "行政许可388 -48 15469"
    assert S._join_run([("政府集中采购", False), ("45", True), ("16800万元", True)]) == "政府集中采购45 16800万元"
    assert S._join_run([("规章", False), ("0", True), ("", True), ("3", True)]) == "规章03"
