"""Free-form reports: the annex (附表 / 统计表, 本年度 and 历年累计) and the prose figures, as
``legacy.*`` keys. Generated reports (samples_freeform) round-trip to their numbers; small
documents built here pin each hazard (distractors, Chinese numerals, statements of none,
sub-counts, cumulatives, 全市 figures in a department's report, several platforms, 万元);
the hand-checked free-form reports of ../shared/corpus/real are read cell for cell."""
from __future__ import annotations

import math
import re

import pytest

from orchestration.parsing import parse_document
from orchestration.parsing.freeform import R8_CODE, cn_number, is_department
from orchestration.synthetic import freeform as F
from orchestration.synthetic import samples
from tests.conftest import SHARED_CORPUS, corpus_cases


@pytest.fixture(scope="module")
def panel():
    return [(r, parse_document(F.render_bytes(r), r.filename)) for r in F.generate_panel()]


def page(body: str, title: str = "青禾县人民政府2016年政府信息公开工作年度报告") -> bytes:
    return (f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f"<p>本报告所列数据的统计期限自2016年1月1日起至2016年12月31日止。</p>{body}</body></html>").encode()


def paragraphs(*texts: str) -> str:
    return "".join(f"<p>{t}</p>" for t in texts)


def dept_page(*texts: str) -> bytes:
    return page(paragraphs(*texts), "澜川市教育局2016年政府信息公开工作年度报告")


# ---- the generator -------------------------------------------------------------------------

def test_panel_covers_the_hazards(panel):
    reports = [r for r, _ in panel]
    assert {(r.form, r.has_annex) for r in reports} == {(f, a) for f in F.FORMS for a in (True, False)}
    assert {r.style for r in reports} == set(F.ANNEX_STYLES)
    assert {r.kind for r in reports} == {"gov", "dept"}
    assert any(r.planted for r in reports)
    assert any(r.platforms for r in reports)
    assert any(r.fee_unit == "万元" and r.has_annex and r.annex["legacy.fees.amount_yuan.cumulative"]
               for r in reports)
    assert any(v is None for r in reports for v in r.annex.values())
    texts = [F.render(r) for r in reports]
    assert any(re.search(r"[一两三四五六七八九十]+(?:件|起)", t) for t in texts)
    assert any("余条" in t for t in texts) and any("全市各级行政机关" in t for t in texts)


def test_generation_is_deterministic():
    first = [F.render_bytes(r) for r in F.generate_panel(seed=7)]
    assert first == [F.render_bytes(r) for r in F.generate_panel(seed=7)]
    assert first != [F.render_bytes(r) for r in F.generate_panel(seed=8)]


def test_ground_truth_obeys_r10_and_r11():
    reports = F.generate_panel()
    for r in reports:
        if not r.has_annex:
            continue
        for suffix in ("", ".cumulative"):
            a = {k: r.annex.get(k + suffix) for k, _, _ in F.ANNEX_STYLES[r.style]}
            if a["legacy.active.gazette"] is not None:
                assert a["legacy.active.total"] == a["legacy.active.website"] + a["legacy.active.gazette"]
            assert a["legacy.apps.total"] == sum(a[f"legacy.apps.{c}"] for c in F._CHANNELS[r.style])
            assert a["legacy.replies.total"] == sum(a[f"legacy.replies.{t}"] for t in F._REPLIES[r.style])
    by_agency = {}
    for r in reports:
        by_agency.setdefault(r.agency, []).append(r)
    chained = 0
    for years in by_agency.values():
        for before, after in zip(years, years[1:]):
            if before.has_annex and after.has_annex:
                for key, value in after.annex.items():
                    if key.endswith(".cumulative") and value is not None and before.annex[key] is not None:
                        assert value == before.annex[key] + after.annex[key.removesuffix(".cumulative")]
                        chained += 1
    assert chained > 50


def test_generated_reports_round_trip_exactly(panel):
    for report, parsed in panel:
        assert parsed.metrics == report.metrics, report.filename
        assert (parsed.agency, parsed.year, parsed.template, parsed.published, parsed.scope) == \
            (report.agency, report.year, "freeform", report.published.isoformat(), report.scope), report.filename
        assert [i.code for i in parsed.issues] == ([R8_CODE] if report.planted else []), report.filename


def test_planted_r8_keeps_the_annex_and_names_both_numbers(panel):
    report, parsed = next((r, p) for r, p in panel if r.planted)
    key = report.planted[0].split(":", 1)[1]
    annex, prose = report.annex[key], report.prose[key]
    assert parsed.metrics[key] == annex != prose
    assert parsed.values[key].method == "annex_table"
    issue = next(i for i in parsed.issues if i.code == R8_CODE)
    assert str(annex) in issue.message and str(prose) in issue.message and key in issue.message


def test_a_distractor_never_becomes_a_value(panel):
    for report, parsed in panel:
        distractors = set(report.distractors.values())
        for key, value in parsed.values.items():
            if value.method == "prose":
                assert value.value not in distractors, (report.filename, key)
                assert value.value == report.metrics[key]


def test_annex_values_carry_provenance(panel):
    report, parsed = next((r, p) for r, p in panel if r.has_annex and r.form == "html")
    value = parsed.values["legacy.active.total.cumulative"]
    assert (value.method, value.table, value.column_label) == ("annex_table", "附表", "历年累计")
    assert "主动公开" in value.row_label and value.location.startswith("table ")
    report, parsed = next((r, p) for r, p in panel if r.has_annex and r.form == "text")
    value = parsed.values["legacy.apps.total"]
    assert value.column_label == f"{report.year}年度" and value.location.startswith("line ")


def test_fees_in_wan_are_converted_to_yuan(panel):
    report, parsed = next((r, p) for r, p in panel if r.has_annex and r.fee_unit == "万元"
                          and r.annex["legacy.fees.amount_yuan.cumulative"])
    value = parsed.values["legacy.fees.amount_yuan.cumulative"]
    assert value.value == report.annex["legacy.fees.amount_yuan.cumulative"]
    assert "万元" in (value.note or "")


def test_prose_values_keep_their_sentence(panel):
    report, parsed = next((r, p) for r, p in panel if not r.has_annex)
    value = parsed.values["legacy.apps.total"]
    assert value.method == "prose" and value.column_label == "本年度"
    assert value.raw_text.endswith("。") and ("申请" in value.raw_text)


# ---- prose hazards, one small document each ----------------------------------------------------

def read(*texts: str, dept: bool = False) -> dict:
    return parse_document(dept_page(*texts) if dept else page(paragraphs(*texts)), "t.html").metrics


@pytest.mark.parametrize("text, key, value", [
    ("2016年，全县共受理政府信息公开申请十二件。", "legacy.apps.total", 12),
    ("2016年，我县因政府信息公开被申请行政复议两起，被提起行政诉讼一件。", "legacy.review.total", 2),
    ("2016年，我县因政府信息公开被申请行政复议两起，被提起行政诉讼一件。", "legacy.litigation.total", 1),
    ("2016年，全县共收到政府信息公开申请二十五件。", "legacy.apps.total", 25),
    ("2016年，全县主动公开政府信息1,259条。", "legacy.active.total", 1259),
    ("2016年，我县依申请提供政府信息收取检索、复制费用0.012万元。", "legacy.fees.amount_yuan", 120),
    # The words reports say it with (parser 0.7.7: 各类政府信息, 政务信息 and 向社会 were unread).
    ("2016年，全县主动公开各类政府信息4251条。", "legacy.active.total", 4251),
    ("2016年，全县主动公开政务信息4,251条。", "legacy.active.total", 4251),
    ("2016年，全县主动向社会公开政府信息4251条。", "legacy.active.total", 4251),
])
def test_figures_in_digits_and_chinese_numerals(text, key, value):
    assert read(text)[key] == value


@pytest.mark.parametrize("text, keys", [
    ("2016年全县未收到有关政府信息公开的申请。", ["legacy.apps.total"]),
    ("县本级未收到公开政府信息申请。", ["legacy.apps.total"]),
    ("无有关政府信息公开事务方面的行政复议、诉讼和申请。", ["legacy.review.total", "legacy.litigation.total"]),
    ("2016年，我县没有发生因政府信息公开引发的行政复议和行政诉讼案件。",
     ["legacy.review.total", "legacy.litigation.total"]),
    ("2016年我县未收到有关政府信息公开行政复议、提起行政诉讼的申请。",
     ["legacy.review.total", "legacy.litigation.total"]),
    ("2016年我县各级工作部门依申请提供政府信息暂不收费。", ["legacy.fees.amount_yuan"]),
    ("无公民、法人和其他组织的政府信息公开收费和减免。", ["legacy.fees.amount_yuan"]),
    ("2016年，未收取信息处理费。", ["legacy.fees.amount_yuan"]),
])
def test_statements_of_none_are_zero(text, keys):
    metrics = read(text)
    for key in keys:
        assert metrics[key] == 0, key
    # A review statement says nothing about applications, and the reverse.
    if "legacy.apps.total" not in keys:
        assert "legacy.apps.total" not in metrics


@pytest.mark.parametrize("text", [
    "全年通过门户网站发布政务信息2600余条，主动公开政府信息近300条。",
    "建立窗口服务大厅，开设窗口24个，共受理申请136437件。",
    "12345便民服务热线受理群众诉求2280件，书记信箱受理群众来信3014份。",
    "2008年至今，全县累计主动公开政府信息54977条。",
    "历年累计受理政府信息公开申请3180件，当面申请3132件。",
    "区直、县直各单位主动公开政府信息303条，各乡镇主动公开政府信息122条。",
    "2016年制作政府信息1873条，其中主动公开政府信息425条。",
    "2016年，我县作为复议机关共办理各类行政复议案件36件。",
    "全年行政事业性收费7989万元。",
    "在互联网上，2016年县政府公开办主动公开信息数为62条。",
    "全年主动公开各类政府信息4251余条。",
    "全年主动发布政务信息4251条。",
])
def test_distractor_sentences_give_nothing(text):
    assert not any(k.startswith("legacy.") for k in read(text))


def test_jurisdiction_figures_in_a_department_report_are_not_its_own():
    metrics = read("2016年，全市各级行政机关共主动公开政府信息86369条，共受理政府信息公开申请638件。", dept=True)
    assert "legacy.active.total" not in metrics and "legacy.apps.total" not in metrics
    metrics = read("2016年，全市各级行政机关共主动公开政府信息86369条。",
                   "2016年，本机关主动公开政府信息543条，共受理政府信息公开申请七件。", dept=True)
    assert metrics["legacy.active.total"] == 543 and metrics["legacy.apps.total"] == 7
    # In a government's report 全县 (and 全县各级…) is its own jurisdiction.
    assert read("2016年，全县共受理政府信息公开申请638件。")["legacy.apps.total"] == 638
    assert read("2016年，全县各级行政机关共主动公开政府信息86369条。")["legacy.active.total"] == 86369


def test_a_government_named_short_is_not_a_department():
    # 「荷文区政府」 is 「荷文区人民政府」 named short (as its own pages often name it): a government,
    # whose 全区 figures are its own, not a department's report quoting the district's.
    texts = ("2016年，全区主动公开政府信息1528条。", "2016年，全区共受理政府信息公开申请六件，均已按期答复。")
    parsed = parse_document(page(paragraphs(*texts), "玉州市荷文区政府2016年度政府信息公开工作年度报告"), "t.html")
    assert parsed.agency == "玉州市荷文区政府"
    assert parsed.metrics["legacy.active.total"] == 1528 and parsed.metrics["legacy.apps.total"] == 6
    assert not is_department("玉州市荷文区政府") and not is_department("荷文区人民政府办公室")
    assert is_department("澜川市教育局") and is_department("玉州市荷文区政府研究室")


def test_the_bodys_own_platform_is_chosen():
    text = ("本年度在市级政府信息公开平台主动公开政府信息247条，在县本级政府信息公开平台主动公开各类信息2749条，"
            "其中，政策文件61条、动态信息1261条。")
    assert read(text)["legacy.active.total"] == 2749
    # Two platforms and no word of which is the body's own: nothing.
    assert "legacy.active.total" not in read("在市级平台主动公开政府信息247条，在省级平台主动公开政府信息300条。")


def test_subcounts_after_the_total_are_left_alone():
    metrics = read("2016年，全县主动公开政府信息4970条。其中，县直各单位主动公开政府信息3933条，占79%。"
                   "各乡镇主动公开政府信息1037条，占21%。")
    assert metrics["legacy.active.total"] == 4970


def test_cn_number():
    assert [cn_number(t) for t in ("一", "两", "十", "十二", "二十", "三十五", "一百零五", "二〇一二", "二千")] == \
        [1, 2, 10, 12, 20, 35, 105, 2012, 2000]
    assert cn_number("是") is None


# ---- the annex in its forms -------------------------------------------------------------------

def test_annex_as_whitespace_rows_like_a_scraped_page():
    text = ("南平市某区人民政府2018年度政府信息公开工作年度报告\n本报告所列数据的统计期限自2018年1月1日起至2018年12月31日止。\n"
            "六、附表\n指 标 名 称 计量单位 2018年度 历年累计\n主动公开文件数 2994 54977\n"
            "其中:1.政府网站公开数 2994 54974\n2.政府公报公开数 0 3\n受理政府信息公开申请总数 2 3180\n"
            "政府信息公开收费减免金额（万元） 0.05 1.2\n接受行政申诉、举报数 1 4\n某区人民政府\n2019年1月10日\n")
    parsed = parse_document(text.encode(), "grid.txt")
    assert parsed.metrics == {
        "legacy.active.total": 2994, "legacy.active.total.cumulative": 54977,
        "legacy.active.website": 2994, "legacy.active.website.cumulative": 54974,
        "legacy.active.gazette": 0, "legacy.active.gazette.cumulative": 3,
        "legacy.apps.total": 2, "legacy.apps.total.cumulative": 3180,
        "legacy.fees.amount_yuan": 500, "legacy.fees.amount_yuan.cumulative": 12000,
        "legacy.appeals.total": 1, "legacy.appeals.total.cumulative": 4}
    assert parsed.template == "freeform" and parsed.published == "2019-01-10"


def test_annex_columns_follow_the_header_and_blank_unit_cells_shift_nothing():
    table = ("<table><tr><td>指标名称</td><td>计量单位</td><td>历年累计</td><td>本年度</td></tr>"
             "<tr><td>主动公开信息数</td><td></td><td>1516</td><td>425</td></tr>"
             "<tr><td>行政复议数</td><td>件</td><td>&nbsp;</td><td>1</td></tr></table>")
    metrics = parse_document(page(paragraphs("七、统计表") + table), "a.html").metrics
    assert metrics["legacy.active.total"] == 425 and metrics["legacy.active.total.cumulative"] == 1516
    assert metrics["legacy.review.total"] == 1 and metrics["legacy.review.total.cumulative"] is None


ANNEX_ROWS = [("指标名称", "计量单位", "2015年度", "历年累计"), ("主动公开文件数", "条", "2949", "81916"),
              ("其中：1、政府网站公开数", "条", "2949", "81916"), ("政府信息公开收费减免金额", "万元", "0.01", "0.2"),
              ("受理依申请公开信息总数", "条", "0", "1"), ("行政复议数", "件", "2", "5")]
ANNEX_METRICS = {"legacy.active.total": 2949, "legacy.active.total.cumulative": 81916,
                 "legacy.active.website": 2949, "legacy.active.website.cumulative": 81916,
                 "legacy.fees.amount_yuan": 100, "legacy.fees.amount_yuan.cumulative": 2000,
                 "legacy.apps.total": 0, "legacy.apps.total.cumulative": 1,
                 "legacy.review.total": 2, "legacy.review.total.cumulative": 5}
ANNEX_PROSE = ["青禾县人民政府2015年政府信息公开工作年度报告", "本报告所列数据的统计期限自2015年1月1日起至2015年12月31日止。",
               "2015年，全县因政府信息公开被申请行政复议两起。", "七、政府信息公开情况统计表"]


def test_annex_in_a_docx():
    import io

    docx = pytest.importorskip("docx")
    document = docx.Document()
    for text in ANNEX_PROSE:
        document.add_paragraph(text)
    table = document.add_table(rows=len(ANNEX_ROWS), cols=4)
    for i, row in enumerate(ANNEX_ROWS):
        for j, text in enumerate(row):
            table.cell(i, j).text = text
    buf = io.BytesIO()
    document.save(buf)
    parsed = parse_document(buf.getvalue(), "annex.docx")
    assert (parsed.template, parsed.year, parsed.agency) == ("freeform", 2015, "青禾县人民政府")
    assert parsed.metrics == ANNEX_METRICS and parsed.issues == []


def test_annex_in_a_pdf():
    import io

    pytest.importorskip("reportlab")
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("body", fontName="STSong-Light", fontSize=10.5, leading=16)
    table = Table(ANNEX_ROWS)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), "STSong-Light"),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, invariant=1).build([Paragraph(t, style) for t in ANNEX_PROSE] + [table])
    parsed = parse_document(buf.getvalue(), "annex.pdf")
    assert (parsed.template, parsed.year, parsed.agency) == ("freeform", 2015, "青禾县人民政府")
    assert parsed.metrics == ANNEX_METRICS and parsed.issues == []


def test_annex_wins_over_the_prose_and_the_disagreement_is_recorded():
    table = ("<table><tr><td>指标名称</td><td>计量单位</td><td>2016年度</td><td>历年累计</td></tr>"
             "<tr><td>行政复议数</td><td>件</td><td>0</td><td>0</td></tr></table>")
    parsed = parse_document(page(paragraphs("2016年全县收到1份有关政府信息公开行政复议申请已及时处理。", "七、统计表")
                                 + table), "r8.html")
    assert parsed.metrics["legacy.review.total"] == 0
    issue = next(i for i in parsed.issues if i.code == R8_CODE)
    assert "legacy.review.total" in issue.message and "1" in issue.message


# ---- 2019 / 2021 reports: prose figures next to the tables -------------------------------------

@pytest.fixture(scope="module")
def tabled_sample():
    report = next(r for r in samples.generate_panel() if r.form == "html" and r.layout == "2021")
    return report, samples.render(report)


def test_tabled_prose_that_agrees_is_kept_for_r8_without_an_issue(tabled_sample):
    report, html = tabled_sample
    parsed = parse_document(html.encode(), "t.html")
    tables = {k: v.value for k, v in parsed.values.items() if v.method != "prose"}
    prose = {k: v.value for k, v in parsed.values.items() if v.method == "prose"}
    assert tables == report.metrics and parsed.issues == []
    assert prose["legacy.apps.total"] == report.metrics["apps.new_received.total"]
    assert set(prose) <= {"legacy.apps.total", "legacy.review.total", "legacy.litigation.total",
                          "legacy.fees.amount_yuan"}


def test_tabled_prose_that_differs_is_kept_beside_the_table(tabled_sample):
    report, html = tabled_sample
    n = report.metrics["apps.new_received.total"]
    sentence = f"全年共收到政府信息公开申请{n}件"
    assert sentence in html
    parsed = parse_document(html.replace(sentence, f"全年共收到政府信息公开申请{n + 40}件").encode(), "t.html")
    assert parsed.metrics["apps.new_received.total"] == n          # the table value stands
    assert parsed.metrics["legacy.apps.total"] == n + 40
    assert parsed.values["legacy.apps.total"].method == "prose"
    issue = next(i for i in parsed.issues if i.code == R8_CODE)
    assert str(n) in issue.message and str(n + 40) in issue.message


# ---- metadata ---------------------------------------------------------------------------------

def test_agency_and_date_from_the_signature_block():
    text = ("政务公开工作情况\n所列数据统计时限为2019年1月1日至2019年12月31日。\n"
            "2019年未发生因政府信息公开而引起的行政诉讼案件。\n榕江县人民政府办公室\n\n2020年1月25日\n\n版权所有\n")
    parsed = parse_document(text.encode(), "sig.txt")
    assert parsed.agency == "榕江县人民政府办公室" and parsed.published == "2020-01-25"
    assert parsed.year == 2019 and parsed.metrics == {"legacy.litigation.total": 0}


def test_title_of_a_report_on_the_year_and_scope():
    text = ("呼和浩特市人民政府关于\n2014年度政务公开工作完成情况的报告\n呼政发〔2015〕19号\n"
            "2014年,全市共收到政府信息公开申请290件,受理290件。\n")
    parsed = parse_document(text.encode(), "h.txt")
    assert (parsed.agency, parsed.year, parsed.scope) == ("呼和浩特市人民政府", 2014, "jurisdiction")
    assert parsed.metrics["legacy.apps.total"] == 290


# ---- the hand-checked free-form reports --------------------------------------------------------

FREEFORM_CASES = [c for c in corpus_cases() if c[1].get("template") == "freeform"]


def _same(expected, got) -> bool:
    if expected is None:
        return got is None
    return got is not None and math.isclose(float(expected), float(got), rel_tol=1e-9, abs_tol=1e-6)


@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="../shared/corpus/real (the hand-checked corpus) is absent")
@pytest.mark.parametrize("document, spec", FREEFORM_CASES, ids=lambda v: getattr(v, "name", ""))
def test_real_freeform_report_every_cell(document, spec):
    parsed = parse_document(document.read_bytes(), str(document))
    wrong = {k: (v, parsed.metrics.get(k)) for k, v in spec["metrics"].items() if not _same(v, parsed.metrics.get(k))}
    assert wrong == {}
    assert parsed.year == spec["year"] and parsed.template == "freeform"
    assert spec["agency_contains"] in (parsed.agency or "")
    r8 = {i.message.split(":")[1].strip() for i in parsed.issues if i.code == R8_CODE}
    expected_r8 = {f"legacy.{k.split('.', 1)[1]}.total" for k, v in spec.get("findings", {}).items()
                   if k.startswith("R8.") and v == "fail"}
    assert r8 == expected_r8


@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="../shared/corpus/real (the hand-checked corpus) is absent")
def test_real_pingtan_2015_names_the_zone_not_the_source_line():
    parsed = parse_document((SHARED_CORPUS / "pingtan-2015.html").read_bytes(), "pingtan-2015.html")
    assert parsed.agency == "平潭综合实验区" and parsed.published == "2016-01-12"
    assert parsed.scope == "jurisdiction"
    # 接受行政诉讼、举报数 is the 申诉/举报 row.
    assert parsed.values["legacy.appeals.total"].row_label == "接受行政诉讼、举报数"


@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="../shared/corpus/real (the hand-checked corpus) is absent")
def test_real_zhengding_prose_values_keep_their_sentences():
    parsed = parse_document((SHARED_CORPUS / "seed-zhengding-2016.txt").read_bytes(), "zd.txt")
    value = parsed.values["legacy.active.total"]
    assert value.method == "prose" and "县本级政府信息公开平台" in value.raw_text and value.value == 2749
    assert parsed.values["legacy.fees.amount_yuan"].raw_text == "无公民、法人和其他组织的政府信息公开收费和减免。"
