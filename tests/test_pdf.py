"""PDF reading: the hand-checked PDFs of ../shared (skipped without it), and small PDFs built
here with reportlab that carry the hazards of real ones (a table cut by the page break with
a page number between, a label cell split over the pages, open table borders at the cut,
invisible text-line boxes, wrapped prose), a scanned PDF, and broken bytes."""
from __future__ import annotations

import io
import math
import os

import pytest

from orchestration.parsing import UnreadableDocument, parse_document
from orchestration.parsing.documents import Line, Row
from orchestration.parsing.pdf import read_pdf
from tests.conftest import SHARED_CORPUS, corpus_cases

# ---- the hand-checked PDFs --------------------------------------------------------------

PDF_CASES = [c for c in corpus_cases() if c[0].suffix == ".pdf"]


def _same(expected, got) -> bool:
    if expected is None:
        return got is None
    return got is not None and math.isclose(float(expected), float(got), rel_tol=1e-9, abs_tol=1e-6)


@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="../shared/corpus/real (the hand-checked corpus) is absent")
def test_the_corpus_has_the_two_pdfs():
    assert {d.name for d, _ in PDF_CASES} >= {"hongze-2023.pdf", "huaian-2024.pdf"}


@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="../shared/corpus/real (the hand-checked corpus) is absent")
@pytest.mark.parametrize("document, spec", PDF_CASES, ids=lambda v: getattr(v, "name", ""))
def test_real_pdf_every_cell(document, spec):
    parsed = parse_document(document.read_bytes(), str(document))
    wrong = {k: (v, parsed.metrics.get(k)) for k, v in spec["metrics"].items()
             if not _same(v, parsed.metrics.get(k))}
    assert wrong == {}
    assert parsed.form == "pdf"
    assert parsed.year == spec["year"] and str(parsed.template) == str(spec["template"])
    assert spec["agency_contains"] in (parsed.agency or "")
    assert parsed.issues == []
    value = parsed.values["apps.new_received.total"]
    assert value.method == "pdf_table" and value.location.startswith("page ")
    assert " table " in value.location and value.location.split()[-2] == "column"


@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="../shared/corpus/real (the hand-checked corpus) is absent")
def test_real_pdf_lines_are_clean():
    doc = read_pdf((SHARED_CORPUS / "huaian-2024.pdf").read_bytes())
    lines = [item.text for item in doc.items if isinstance(item, Line)]
    assert not any(text.startswith("-") and text.endswith("-") for text in lines), "page numbers dropped"
    assert any("统计期限自2024年1月1日至2024年12月31日" in text for text in lines), "wrapped prose joined"
    labels = [cell.text for item in doc.items if isinstance(item, Row) for cell in item.cells]
    assert "（四）无法提供" in labels and "法提供" not in labels, "the label cut by the page break is one cell"


# ---- PDFs built here ------------------------------------------------------------------

PAGE_W, PAGE_H = 595.0, 842.0
FONT = "STSong-Light"


def _canvas():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buf = io.BytesIO()
    return buf, canvas.Canvas(buf, pagesize=(PAGE_W, PAGE_H))


def _text(c, x, top, text, size):
    c.setFont(FONT, size)
    c.drawString(x, PAGE_H - top - size, text)


def _paragraph(c, top, text, size=12, left=70.0, right=524.0, frames=True) -> float:
    """Lay a paragraph out as a word processor does: first line indented by two characters,
    lines filled to the right margin; WPS puts a white unstroked box behind each line."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    x, lines, current = left + 2 * size, [], ""
    for ch in text:
        if stringWidth(current + ch, FONT, size) > right - x:
            lines.append((x, current))
            x, current = left, ""
        current += ch
    lines.append((x, current))
    for x, line in lines:
        if frames:
            c.setFillColorRGB(1, 1, 1)
            c.rect(left, PAGE_H - top - 1.6 * size, right - left, 1.6 * size, stroke=0, fill=1)
            c.setFillColorRGB(0, 0, 0)
        _text(c, x, top, line, size)
        top += 1.6 * size
    return top


COLUMNS = [70, 95, 160, 300, 332, 364, 396, 428, 460, 492, 524]
APPLICANTS = ["natural_person", "commercial", "research", "social_welfare", "legal_services",
              "other_org", "total"]


def _table(c, top, rows, open_top=False, open_bottom=False, columns=COLUMNS) -> float:
    """rows: (height, [(column, columns spanned, rows spanned, text lines)]). Cell borders are
    drawn cell by cell; at a page cut the outer border is left open, as WPS does."""
    tops = [top]
    for height, _ in rows:
        tops.append(tops[-1] + height)
    c.setLineWidth(0.5)
    for r, (_, cells) in enumerate(rows):
        for col, colspan, rowspan, lines in cells:
            x0, x1 = columns[col], columns[col + colspan]
            y0, y1 = tops[r], tops[r + rowspan]
            c.line(x0, PAGE_H - y0, x0, PAGE_H - y1)
            c.line(x1, PAGE_H - y0, x1, PAGE_H - y1)
            if not (open_top and r == 0):
                c.line(x0, PAGE_H - y0, x1, PAGE_H - y0)
            if not (open_bottom and r + rowspan == len(rows)):
                c.line(x0, PAGE_H - y1, x1, PAGE_H - y1)
            size = 7.5
            text_top = (y0 + y1) / 2 - len(lines) * (size + 1) / 2
            for i, line in enumerate(lines):
                _text(c, x0 + 2, text_top + i * (size + 1), line, size)
    return tops[-1]


def _values(numbers):
    return [(3 + i, 1, 1, [str(n)]) for i, n in enumerate(numbers)]


def _row(numbers, *labels, height=18):
    return (height, list(labels) + _values(numbers))


NEW = [1234567, 3, 0, 0, 2, 1, 1234573]
CARRIED = [4, 0, 0, 0, 0, 0, 4]
GRANTED = [500, 1, 0, 0, 1, 0, 502]
PARTIAL = [100, 2, 0, 0, 0, 0, 102]
SECRET = [1, 0, 0, 0, 0, 0, 1]
PROHIBITED = [2, 0, 0, 0, 0, 0, 2]
NOT_HELD = [733944, 0, 0, 0, 1, 1, 733946]
NEEDS_CREATION = [11, 0, 0, 0, 0, 0, 11]
UNCLEAR = [0, 0, 0, 0, 0, 0, 0]
PROCESSED = [1234000, 3, 0, 0, 2, 1, 1234006]
FORWARD = [571, 0, 0, 0, 0, 0, 571]


def _split_table_pdf() -> bytes:
    """Table 三 cut after （四）1.: 「（四）无」 stays on page 1 and 「法提供」 starts page 2;
    the page number 「- 2 -」 stands between the two parts."""
    buf, c = _canvas()
    c.setFont(FONT, 18)
    for i, title in enumerate(["测试县人民政府", "2023年政府信息公开工作年度报告"]):
        c.drawCentredString(PAGE_W / 2, PAGE_H - 80 - i * 28, title)
    top = _paragraph(c, 150, "本报告由测试县人民政府办公室根据《中华人民共和国政府信息公开条例》要求编制。"
                             "报告中所列数据统计期限自2023年1月1日起至2023年12月31日止。")
    # The heading's invisible box ends where the table starts: taken for borders, it would
    # join the table and the heading would become a row.
    c.setFillColorRGB(1, 1, 1)
    c.rect(COLUMNS[0], PAGE_H - top - 40, COLUMNS[-1] - COLUMNS[0], 40, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    _text(c, 94, top + 10, "三、收到和处理政府信息公开申请情况", 14)
    header = [
        (22, [(0, 3, 3, ["（本列数据的勾稽关系为：第一项加第二项之和，", "等于第三项加第四项之和）"]),
              (3, 7, 1, ["申请人情况"])]),
        (22, [(3, 1, 2, ["自然人"]), (4, 5, 1, ["法人或其他组织"]), (9, 1, 2, ["总计"])]),
        (30, [(4, 1, 1, ["商业", "企业"]), (5, 1, 1, ["科研", "机构"]), (6, 1, 1, ["社会", "公益", "组织"]),
              (7, 1, 1, ["法律", "服务", "机构"]), (8, 1, 1, ["其他"])]),
    ]
    vertical = list("三、本年度办理结果")
    page1 = header + [
        _row(NEW, (0, 3, 1, ["一、本年新收政府信息公开申请数量"])),
        _row(CARRIED, (0, 3, 1, ["二、上年结转政府信息公开申请数量"])),
        _row(GRANTED, (0, 1, 5, vertical), (1, 2, 1, ["（一）予以公开"])),
        _row(PARTIAL, (1, 2, 1, ["（二）部分公开（区分处理的，只计这一情", "形，不计其他情形）"]), height=24),
        _row(SECRET, (1, 1, 2, ["（三）不予公开"]), (2, 1, 1, ["1.属于国家秘密"])),
        _row(PROHIBITED, (2, 1, 1, ["2.其他法律行政法规禁止公开"])),
        _row(NOT_HELD, (1, 1, 1, ["（四）无"]), (2, 1, 1, ["1.本机关不掌握相关政府信息"])),
    ]
    _table(c, top + 40, page1, open_bottom=True)
    _text(c, PAGE_W / 2 - 12, 800, "- 2 -", 10)
    c.showPage()
    page2 = [
        _row(NEEDS_CREATION, (0, 1, 3, []), (1, 1, 2, ["法提供"]), (2, 1, 1, ["2.没有现成信息需要另行制作"])),
        _row(UNCLEAR, (2, 1, 1, ["3.补正后申请内容仍不明确"])),
        _row(PROCESSED, (1, 2, 1, ["（七）总计"])),
        _row(FORWARD, (0, 3, 1, ["四、结转下年度继续办理"])),
    ]
    bottom = _table(c, 72, page2, open_top=True)
    _text(c, 94, bottom + 20, "五、存在的主要问题及改进情况", 14)
    _text(c, PAGE_W / 2 - 12, 800, "- 3 -", 10)
    c.showPage()
    c.save()
    return buf.getvalue()


EXPECTED = {
    f"apps.{row}.{column}": number
    for row, numbers in [("new_received", NEW), ("carried_over", CARRIED), ("granted", GRANTED),
                         ("partially_granted", PARTIAL), ("withheld.state_secret", SECRET),
                         ("withheld.prohibited_by_law", PROHIBITED), ("unavailable.not_held", NOT_HELD),
                         ("unavailable.needs_creation", NEEDS_CREATION),
                         ("unavailable.still_unclear", UNCLEAR), ("processed_total", PROCESSED),
                         ("carried_forward", FORWARD)]
    for column, number in zip(APPLICANTS, numbers)
}


@pytest.fixture(scope="module")
def split_pdf() -> bytes:
    return _split_table_pdf()


def test_table_split_over_pages_reads_back_exactly(split_pdf):
    parsed = parse_document(split_pdf, "split.pdf")
    assert parsed.issues == []
    assert parsed.metrics == EXPECTED
    assert (parsed.agency, parsed.year, parsed.form) == ("测试县人民政府", 2023, "pdf")
    where = parsed.values["apps.unavailable.needs_creation.total"].location
    assert where == "page 2 table 1 row 1 column 10"


def test_split_table_items(split_pdf):
    doc = read_pdf(split_pdf)
    assert (doc.form, doc.method) == ("pdf", "pdf_table")
    lines = [item.text for item in doc.items if isinstance(item, Line)]
    assert lines == ["测试县人民政府2023年政府信息公开工作年度报告",
                     "本报告由测试县人民政府办公室根据《中华人民共和国政府信息公开条例》要求编制。"
                     "报告中所列数据统计期限自2023年1月1日起至2023年12月31日止。",
                     "三、收到和处理政府信息公开申请情况",
                     "五、存在的主要问题及改进情况"]
    rows = [[cell.text for cell in item.cells] for item in doc.items if isinstance(item, Row)]
    assert ["三、本年度办理结果", "（一）予以公开"] + [str(n) for n in GRANTED] in rows
    assert ["（四）无法提供", "1.本机关不掌握相关政府信息"] + [str(n) for n in NOT_HELD] in rows
    assert ["2.没有现成信息需要另行制作"] + [str(n) for n in NEEDS_CREATION] in rows
    assert rows[0][0].startswith("（本列数据的勾稽关系为") and rows[0][1] == "申请人情况"
    assert rows[2] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    first = next(item for item in doc.items if isinstance(item, Line))
    assert first.where == "page 1 line 1"


_TABLE_TWO_COLUMNS = [70, 230, 328, 426, 524]
_BOTH_ROWS = {"active.licensing.prev_items": 994, "active.licensing.item_change": -71,
              "active.licensing.decisions": 16147, "active.other_services.prev_items": 3,
              "active.other_services.item_change": 1, "active.other_services.decisions": 82}


def _table_two_over_a_page_break(foot_label: str, head_rows: list, shift: float = 0.0) -> bytes:
    """Table 二's （五） block: its header and the 行政许可 row (labelled ``foot_label``) at the foot
    of page 1, ``head_rows`` at the head of page 2, drawn ``shift`` points to the right."""
    buf, c = _canvas()
    _text(c, 94, 100, "二、主动公开政府信息情况", 14)
    page1 = [(24, [(0, 4, 1, ["第二十条第（五）项"])]),
             (24, [(0, 1, 1, ["信息内容"]), (1, 1, 1, ["上一年项目数量"]), (2, 1, 1, ["本年增/减"]),
                   (3, 1, 1, ["处理决定数量"])]),
             (24, [(0, 1, 1, [foot_label]), (1, 1, 1, ["994"]), (2, 1, 1, ["-71"]), (3, 1, 1, ["16147"])])]
    _table(c, 640, page1, open_bottom=True, columns=_TABLE_TWO_COLUMNS)
    _text(c, PAGE_W / 2 - 12, 800, "- 1 -", 10)
    c.showPage()
    _table(c, 72, head_rows, open_top=True, columns=[x + shift for x in _TABLE_TWO_COLUMNS])
    c.showPage()
    c.save()
    return buf.getvalue()


_OTHER_SERVICES = (24, [(0, 1, 1, ["其他对外管理服务事项"]), (1, 1, 1, ["3"]), (2, 1, 1, ["+1"]), (3, 1, 1, ["82"])])


def test_a_row_label_at_the_top_of_a_page_starts_a_new_row():
    """Only group labels run on over a page break: 「其他对外管理服务事项」 heading page 2 is
    its own row, not the rest of 「行政许可」 at the foot of page 1."""
    parsed = parse_document(_table_two_over_a_page_break("行政许可", [_OTHER_SERVICES]), "cut-row.pdf")
    assert {i.code for i in parsed.issues} == {"no_year", "no_agency"}   # a fragment: no title
    assert parsed.metrics == _BOTH_ROWS


def test_a_row_the_page_break_cut_is_one_row():
    """Word lets a table row break across pages: the row's values and the first part of its
    label (「行政」) at the foot of one page, the rest of the label (「许可」) alone at the head of the
    next, its other cells empty. That rest was a row of its own (blank values, no known label),
    and the row's label matched nothing (LibreOffice's PDFs of generated Word reports: 102 of
    1,604 cells lost). The rest joins the label."""
    rest = (24, [(0, 1, 1, ["许可"]), (1, 1, 1, [""]), (2, 1, 1, [""]), (3, 1, 1, [""])])
    parsed = parse_document(_table_two_over_a_page_break("行政", [rest, _OTHER_SERVICES]), "cut-row.pdf")
    assert {i.code for i in parsed.issues} == {"no_year", "no_agency"}
    assert parsed.metrics == _BOTH_ROWS
    assert parsed.values["active.licensing.decisions"].row_label == "行政许可"


_ANNEX_COLUMNS = [70, 250, 310, 400, 490]


def _annex_row(label: str, unit: str, year: str, cumulative: str):
    return (24, [(0, 1, 1, [label]), (1, 1, 1, [unit]), (2, 1, 1, [year]), (3, 1, 1, [cumulative])])


def test_an_annex_row_at_the_top_of_a_page_is_its_own_row_beside_its_unit():
    """A free-form annex (指标名称 | 计量单位 | 2011年度 | 历年累计) over a page break: 「行政诉讼数」
    heading page 2 was joined to 「行政复议数」 at the foot of page 1 as if both were a group label
    run on (the unit 「件」 beside each made it look like one: a label with a label to its right),
    so the 行政诉讼 row was lost with no issue (LibreOffice's print of a hand-checked annex). A
    unit is no label: the row is its own."""
    buf, c = _canvas()
    _text(c, 94, 100, "附件：测试县2011年政府信息公开情况统计表", 14)
    header = (24, [(0, 1, 1, ["指标名称"]), (1, 1, 1, ["计量单位"]), (2, 1, 1, ["2011年度"]), (3, 1, 1, ["历年累计"])])
    _table(c, 640, [header, _annex_row("主动公开信息数", "条", "425", "1516"), _annex_row("行政复议数", "件", "3", "9")],
           open_bottom=True, columns=_ANNEX_COLUMNS)
    c.showPage()
    _table(c, 72, [_annex_row("行政诉讼数", "件", "2", "5"), _annex_row("行政申诉数", "件", "0", "1")],
           open_top=True, columns=_ANNEX_COLUMNS)
    c.showPage()
    c.save()
    parsed = parse_document(buf.getvalue(), "annex.pdf")
    assert {i.code for i in parsed.issues} == {"no_year", "no_agency"}   # a fragment: no title
    assert parsed.metrics == {
        "legacy.active.total": 425, "legacy.active.total.cumulative": 1516,
        "legacy.review.total": 3, "legacy.review.total.cumulative": 9,
        "legacy.litigation.total": 2, "legacy.litigation.total.cumulative": 5,
        "legacy.appeals.total": 0, "legacy.appeals.total.cumulative": 1}
    assert parsed.values["legacy.review.total"].row_label == "行政复议数"


def test_a_row_the_page_break_cut_is_one_row_on_a_page_lying_a_little_apart():
    """A scan's pages lie a little apart (2.2 pt in a scanned Word report): the label's rest at the
    next page's head stood 2.2 pt right of its start and was not joined, so the row stood there
    with blank cells (its 0s read as blanks, no issue). A page's cells are now matched from its
    table's own left edge; a table that starts a column further over is no such page."""
    rest = (24, [(0, 1, 1, ["许可"]), (1, 1, 1, [""]), (2, 1, 1, [""]), (3, 1, 1, [""])])
    parsed = parse_document(_table_two_over_a_page_break("行政", [rest, _OTHER_SERVICES], shift=2.5), "cut-row.pdf")
    assert {i.code for i in parsed.issues} == {"no_year", "no_agency"}
    assert parsed.metrics == _BOTH_ROWS
    assert parsed.values["active.licensing.decisions"].row_label == "行政许可"


def test_a_cell_holding_two_numbers_a_word_apart_is_left_unread():
    """A rule the table finder did not find between two cells (a print at a small zoom drew it
    thinner than the rest): their figures 「0」 and 「2」 stand in one cell, 「0 2」, which read 2 under
    the first cell's key (尚未审结 2 where the report says 0, and its 总计 blank). Such a cell is
    left unread and named, the rest of the row read."""
    buf, c = _canvas()
    _text(c, 94, 100, "二、主动公开政府信息情况", 14)
    columns = [70, 230, 328, 426, 524]
    rows = [(24, [(0, 4, 1, ["第二十条第（五）项"])]),
            (24, [(0, 1, 1, ["信息内容"]), (1, 1, 1, ["上一年项目数量"]), (2, 1, 1, ["本年增/减"]),
                  (3, 1, 1, ["处理决定数量"])]),
            (24, [(0, 1, 1, ["行政许可"]), (1, 1, 1, ["994"]), (2, 1, 1, ["-71      16147"]), (3, 1, 1, [""])])]
    _table(c, 140, rows, columns=columns)
    c.showPage()
    c.save()
    parsed = parse_document(buf.getvalue(), "rule-missed.pdf")
    assert parsed.metrics["active.licensing.prev_items"] == 994
    assert parsed.metrics.get("active.licensing.item_change") is None
    assert parsed.metrics.get("active.licensing.decisions") is None
    apart = [i for i in parsed.issues if i.code == "pdf_cell_numbers_apart"]
    assert len(apart) == 1 and "「-71 16147」" in apart[0].message and "row 3 column 3" in apart[0].message
    assert not any(i.code == "ambiguous_split" for i in parsed.issues)


def test_scanned_pdf_needs_ocr(monkeypatch):
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader

    from orchestration.parsing import ocr

    buf, c = _canvas()
    for _ in range(2):
        image = Image.new("RGB", (300, 400), "white")
        ImageDraw.Draw(image).rectangle((40, 60, 260, 340), outline="black", width=3)
        c.drawImage(ImageReader(image), 50, 100, width=495, height=660)
        c.showPage()
    c.save()
    with pytest.raises(UnreadableDocument, match="OCR") as raised:
        read_pdf(buf.getvalue(), ocr=False)
    assert "2 pages" in str(raised.value)
    # Scans are OCR'd (tests/test_ocr.py); without the engine the reason says what to install.
    monkeypatch.setattr(ocr, "available", lambda: False)
    parsed = parse_document(buf.getvalue(), "scan.pdf")
    assert [i.code for i in parsed.issues] == ["unsupported_form"]
    assert "OCR" in parsed.issues[0].message and "rapidocr-onnxruntime" in parsed.issues[0].message


def test_pages_without_text_among_text_pages_are_named():
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    buf, c = _canvas()
    _paragraph(c, 100, "本报告由测试县人民政府办公室编制。")
    c.showPage()
    c.drawImage(ImageReader(Image.new("RGB", (300, 400), "white")), 50, 100, width=495, height=660)
    c.showPage()
    c.save()
    doc = read_pdf(buf.getvalue(), ocr=False)
    assert doc.page_meta["pages_without_text"] == "2"
    assert [item.text for item in doc.items] == ["本报告由测试县人民政府办公室编制。"]
    # With OCR (the default) the scanned page is OCR'd instead: here it is blank, nothing is added.
    read = read_pdf(buf.getvalue())
    assert read.page_meta["pages_ocr"] == "2" and "pages_without_text" not in read.page_meta
    assert [item.text for item in read.items] == ["本报告由测试县人民政府办公室编制。"]


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9])
def test_truncated_pdf_is_unreadable(split_pdf, cut):
    data = split_pdf[: int(len(split_pdf) * cut)]
    with pytest.raises(UnreadableDocument):
        read_pdf(data)
    parsed = parse_document(data, "truncated.pdf")
    assert [i.code for i in parsed.issues] == ["unreadable"]


def test_random_bytes_after_the_pdf_header_are_unreadable():
    data = b"%PDF-1.7\n" + os.urandom(4000)
    with pytest.raises(UnreadableDocument, match="cannot be opened"):
        read_pdf(data)
    assert [i.code for i in parse_document(data, "noise.pdf").issues] == ["unreadable"]
