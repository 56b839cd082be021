"""The report's prose per section (parsing/sections.py), where its publication date was read
(parsing/metadata.py), and how both reach the warehouse (raw.report_sections)."""
from __future__ import annotations

import duckdb
import pytest

from orchestration import warehouse as wh
from orchestration.parsing import parse_document, read_document
from orchestration.parsing.cells import normalise
from orchestration.parsing.documents import Cell, Document, Line, Row
from orchestration.parsing.metadata import find_published_with_basis
from orchestration.parsing.sections import (
    SECTION_KEYS,
    is_format_residue,
    split_sections,
)
from orchestration.synthetic import samples, scorecard
from tests.conftest import SHARED_CORPUS


def _doc(*lines: str, meta: dict | None = None) -> Document:
    return Document(form="text", method="text", items=[Line(t, f"line {i}") for i, t in enumerate(lines, 1)],
                    page_meta=meta or {})


def _prose(paragraphs: list[str]) -> str:
    return "\n".join(normalise(p) for p in paragraphs)


def _joined(text: str) -> str:
    """Where a form breaks its lines (a reader of running text cuts at sentence ends) is not
    part of the prose."""
    return text.replace("\n", "")


@pytest.mark.parametrize("form", samples.FORMS)
def test_every_form_gives_the_six_sections_with_the_prose_and_no_table(form):
    """Each physical form of a generated national-table report: the six sections in order,
    the prose sections holding exactly the generator's paragraphs, the table sections no text
    (their cells are table rows, their labels the format's)."""
    report = next(r for r in samples.generate_panel(agencies=7, years=range(2019, 2023), forms=samples.FORMS)
                  if r.form == form)
    parsed = parse_document(samples.render_bytes(report), report.filename)
    sections = {s.key: s for s in parsed.sections}
    assert [s.key for s in parsed.sections] == ["preamble", *SECTION_KEYS]
    assert [s.position for s in parsed.sections] == list(range(1, 8))
    written = samples._sections(report)
    if form != "text":   # the scraped text form turns full-width punctuation half-width: same after normalise
        assert _joined(sections["problems"].text) == _joined(_prose(written["五、存在的主要问题及改进情况"]))
    assert normalise(sections["overview"].text.replace("\n", "")) == normalise("".join(written["一、总体情况"]))
    assert _joined(sections["preamble"].text) == _joined(_prose(written[""]))
    for key in ("active", "applications", "review"):
        assert sections[key].text == "", (form, key)
    assert sections["review"].title == "四、政府信息公开行政复议、行政诉讼情况"


def test_generated_series_sections_are_the_prose_written():
    """The scorecard's series (HTML and one-cell-per-line text): each section's text is what
    the generator wrote there, a missing section is absent, and so is its heading."""
    for report in scorecard.generate_series():
        parsed = parse_document(scorecard.render(report).encode("utf-8"), report.filename)
        found = {s.key: s.text for s in parsed.sections}
        expected = {k: "\n".join(normalise(line) for line in v.split("\n") if normalise(line))
                    for k, v in scorecard.prose_by_section(report).items()}
        assert found == expected, report.source_id
        assert report.missing.isdisjoint(found)


def test_headings_are_known_by_their_words_not_their_numbers():
    """Shanghai renumbers (一、主动公开 … 五、其他); the free-form reports have 概述, 依申请公开,
    收费及减免, 因…行政复议; a heading the formats lack stays in the text it opens; sub-headings
    (（一）…, 一是…) are text; 附件 opens the annex."""
    shanghai = split_sections(_doc(
        "上海市某委2024年政府信息公开工作年度报告", "市某委编制本报告，全文包括概述和五个部分。",
        "一、主动公开政府信息情况", "二、收到和处理政府信息公开申请情况", "三、政府信息公开行政复议、行政诉讼情况",
        "四、存在的主要问题及改进情况", "一是信息发布还不够及时。", "五、其他需要报告的事项", "本年未收取信息处理费。"))
    assert [(s.key, s.text) for s in shanghai] == [
        ("preamble", "市某委编制本报告,全文包括概述和五个部分。"), ("active", ""), ("applications", ""), ("review", ""),
        ("problems", "一是信息发布还不够及时。"), ("other", "本年未收取信息处理费。")]
    old = split_sections(_doc(
        "一、 概述", "（一）加强组织领导", "本年度我区不断深化公开内容。", "二、主动公开政府信息情况", "全年主动公开信息二千条。",
        "三、政府信息依申请公开工作情况", "全年未收到有关申请。", "四、政府信息公开的收费及减免情况", "暂不收费。本年度无减免。",
        "五、因政府信息公开申请行政复议、提起行政诉讼的情况", "未收到行政复议申请。", "六、主要问题和改进措施",
        "人员流动性较大。", "七、网站建设情况", "门户网站改版上线运行。", "附件1：政府信息公开情况统计表", "指标名称 计量单位"))
    assert [s.key for s in old] == ["overview", "active", "applications", "other", "review", "problems", "annex"]
    by_key = {s.key: s for s in old}
    assert by_key["overview"].text == "(一)加强组织领导\n本年度我区不断深化公开内容。"
    assert by_key["overview"].title == "一、概述"
    # 七、网站建设情况 is no section of the formats: a line of the section it falls in
    assert by_key["problems"].text == "人员流动性较大。\n七、网站建设情况\n门户网站改版上线运行。"
    body = split_sections(_doc("自治区人民政府：", "二〇一四年，按照全区政务公开工作要点，我市认真推进各项工作。"))
    assert [(s.key, s.title) for s in body] == [("body", None)]


def test_table_residue_and_signature_are_not_text():
    """Labels of the national tables left as lines by a flattened form, runs of digits, the
    page chrome and the signature (body over date) are not the report's prose."""
    for line in ("一、本年新收政府信息公开申请数量", "（七）总计630020469", "本年制发件数 本年废止件数 现行有效件数",
                 "规章 0 0 12", "结果维持结果纠正其他结果尚未审结总计", "行政事业性收费 5949.088667"):
        assert is_format_residue(normalise(line)), line
    assert not is_format_residue(normalise("全年共收到政府信息公开申请81件，均按时答复。"))
    sections = split_sections(_doc(
        "某县人民政府2020年政府信息公开工作年度报告", "来源：某县人民政府 发布时间：2021-01-20", "一、总体情况",
        "本年度我县政务公开工作稳步推进。", "三、本年度办理结果", "六、其他需要报告的事项", "本年未收取信息处理费。",
        "某县人民政府办公室", "2021年1月18日", meta={"title": "某县人民政府2020年政府信息公开工作年度报告"}))
    assert [(s.key, s.text) for s in sections] == [("overview", "本年度我县政务公开工作稳步推进。"),
                                                   ("other", "本年未收取信息处理费。")]


def test_a_heading_read_as_the_last_cell_of_a_table_opens_its_section():
    """Text with one cell per line: the heading after table 四 comes out as the row's last cell."""
    doc = Document(form="text_cells", method="text_cells", items=[
        Line("四、政府信息公开行政复议、行政诉讼情况", "line 1"),
        Row([Cell("行政复议", "c1"), Cell("0", "c2"), Cell("五、存在的主要问题及改进情况", "c3")], "line 2"),
        Line("培训力度还需加大，解读形式还需丰富。", "line 9")])
    assert [(s.key, s.text) for s in split_sections(doc)] == [("review", ""), ("problems", "培训力度还需加大,解读形式还需丰富。")]


def test_publication_date_basis_in_the_decided_order():
    """The page's 发布时间 / 发布日期 / 时间： first, then <meta name="PubDate">, then the
    document's 成文日期, then its signature; none: (None, None)."""
    assert find_published_with_basis(_doc("来源：某局 时间：2022-02-08 16:34", "正文。", meta={"PubDate": "2022-02-07"})) \
        == ("2022-02-08", "page_label")
    assert find_published_with_basis(_doc("正文。", meta={"PubDate": "2022-02-07 10:00"})) == ("2022-02-07", "page_meta")
    assert find_published_with_basis(_doc("成文日期：2022-01-30", "正文。", "某县交通运输局", "2022年2月3日")) \
        == ("2022-01-30", "written_date")
    assert find_published_with_basis(_doc("正文写完了。", "某县交通运输局", "2022年2月3日")) == ("2022-02-03", "signature")
    assert find_published_with_basis(_doc("正文写完了。", "没有日期。")) == (None, None)


@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="../shared/corpus/real (the hand-checked corpus) is absent")
def test_pingtan_pages_sections_and_dates():
    """The real 平潭 pages: the date their page prints (时间：…, which the hand-checkers
    recorded), read from the page; the six sections of the national format from 2019, the
    older headings before (概述, 依申请, 复议诉讼, 问题和改进) mapped."""
    import json

    for expected in sorted(SHARED_CORPUS.glob("pingtan*.expected.json")):
        spec = json.loads(expected.read_text(encoding="utf-8"))
        path = SHARED_CORPUS / spec["document"]
        parsed = parse_document(path.read_bytes(), path.name)
        assert (parsed.published, parsed.published_basis) == (spec["published"], "page_label"), path.name
        keys = [s.key for s in parsed.sections]
        assert {"overview", "active", "applications", "problems"} <= set(keys), (path.name, keys)
        if spec["year"] >= 2019:
            assert keys[:7] == ["preamble", *SECTION_KEYS], path.name
        # no table left in the text (a bare number is a piece of a sentence split at a space)
        assert all(not is_format_residue(line) or line.isascii()
                   for s in parsed.sections for line in s.text.split("\n") if line), path.name


def test_store_reports_writes_the_sections_and_replaces_them_on_a_new_parse(tmp_path):
    reports = scorecard.generate_series()
    parsed = [(f"{i:064x}", "text/html", parse_document(scorecard.render(r).encode("utf-8"), r.filename))
              for i, r in enumerate(reports[:3])]
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        wh.ensure_schema(con)
        wh.store_reports(con, parsed, "v1", "2026-01-01 00:00:00")
        rows = con.execute("select sha256, section_key, position, text from raw.report_sections order by 1, 3").fetchall()
        assert len(rows) == sum(len(r.sections) for _, _, r in parsed)
        assert {(sha, s.key, s.position, s.text) for sha, _, r in parsed for s in r.sections} == set(rows)
        assert con.execute("select published_basis from raw.reports order by sha256").fetchall() == \
            [(r.published_basis,) for _, _, r in parsed]
        # a new parse of the first document with fewer sections: its old rows go
        first = parsed[0][2]
        before = len(first.sections)
        first.sections = first.sections[:2]
        first.published_basis = None
        wh.store_reports(con, parsed[:1], "v2", "2026-01-02 00:00:00")
        assert con.execute("select count(*), min(parser_version) from raw.report_sections where sha256 = ?",
                           [parsed[0][0]]).fetchone() == (2, "v2")
        assert con.execute("select published_basis from raw.reports where sha256 = ?", [parsed[0][0]]).fetchone() == (None,)
        assert wh.table_counts(con)["report_sections"] == len(rows) - before + 2
    finally:
        con.close()


def test_a_crawlers_one_line_text_gives_the_sections_of_the_page():
    """A crawler's page text: every paragraph, heading and table cell of the page joined by
    single spaces into one line. Its sections are the page's, text for text."""
    for report in scorecard.generate_series()[:4]:
        page = read_document(scorecard.render_html(report).encode("utf-8"), "page.html")
        pieces = [item.text if isinstance(item, Line) else " ".join(c.text for c in item.cells) for item in page.items]
        crawled = _doc(" ".join(pieces), meta=page.page_meta)
        assert len(crawled.items) == 1
        as_page = [(s.key, s.text.replace("\n", "")) for s in split_sections(page)]
        assert [(s.key, s.text.replace("\n", "")) for s in split_sections(crawled)] == as_page, report.source_id
        assert [key for key, _ in as_page][:2] == ["preamble", "overview"]
