"""OCR: scanned pages (mixed with text pages, skewed, blurred, JPEG'd, one turned by 90°), image
attachments, and honest values (method ``ocr``, confidence, ``ocr_uncertain``, nothing corrected).

A few pages only: the throughput is measured in benchmarks/ocr_throughput.py, not here."""
from __future__ import annotations

import io
import os
import shutil
import subprocess

import pytest

from orchestration.parsing import ocr, office, parse_document
from orchestration.parsing.ocr_review import review
from orchestration.parsing.tables import MetricValue
from orchestration.synthetic import forms, samples

from .conftest import SHARED_CORPUS, rezipped
from .test_forms import needs_libreoffice

IN_CI = os.environ.get("CI") == "true"


def _has_cjk_font() -> bool:
    # The generator's PDFs use a CID font they do not embed: pdfium draws it with a system CJK font.
    if not shutil.which("fc-list"):
        return False
    listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    return bool(listed.strip())


needs_cjk_font = pytest.mark.skipif(
    not _has_cjk_font() and not IN_CI,
    reason="no CJK font to draw the generated PDFs with (apt-get install fonts-noto-cjk; .ci/run installs it)")


def _pages(pdf: bytes, *numbers: int) -> bytes:
    return _join([(pdf, n) for n in numbers])


def _join(parts: list[tuple[bytes, int]]) -> bytes:
    """A PDF of the given (document, 1-based page) in order."""
    import pypdfium2 as pdfium

    out = pdfium.PdfDocument.new()
    for data, number in parts:
        out.import_pages(pdfium.PdfDocument(data), [number - 1])
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def _score(got, want: dict) -> tuple[int, list[str], list[str]]:
    """(right, wrong keys without an ocr_uncertain issue, right keys with one)."""
    flagged = {i.location for i in got.issues if i.code == "ocr_uncertain"}
    right, silent, doubted = 0, [], []
    for key, value in want.items():
        have = got.values.get(key)
        if have is None:
            continue
        ok = (value is None and have.value is None) or (
            value is not None and have.value is not None and abs(float(have.value) - float(value)) < 1e-6)
        if ok:
            right += 1
            if have.location in flagged:
                doubted.append(key)
        elif have.location not in flagged:
            silent.append(f"{key}: {value} read as {have.value} at {have.location}")
    return right, silent, doubted


def _reads_as_by_ocr(got, want) -> None:
    """``got`` (read partly or wholly by OCR) reads as ``want``: the same report, 98 % of its
    cells right at least, and none wrong without an ``ocr_uncertain`` issue."""
    assert (got.template, got.year, got.agency) == (want.template, want.year, want.agency)
    right, silent, _ = _score(got, want.metrics)
    assert right >= 0.98 * len(want.metrics) and len(want.metrics) > 150, f"{right} of {len(want.metrics)}"
    assert not silent, f"wrong cells without an ocr_uncertain issue: {silent}"


@pytest.fixture(scope="module")
def report_pdf():
    report = next(r for r in samples.generate_panel(seed=11, agencies=1) if r.layout == "2021")
    return samples.render_as(report, "pdf")


@needs_cjk_font
def test_scanned_pages_among_text_pages_read_as_the_text_layer_does(report_pdf):
    """Page 2 (most of table 三) scanned at 200 dpi, turned by up to 1°, blurred, JPEG'd and fed
    turned by 90°; pages 1, 3 and 4 keep their text layer. (One page: OCR is slow, and the
    throughput is measured in benchmarks/ocr_throughput.py.)"""
    assert _has_cjk_font(), "CI must have a CJK font: .ci/run installs fonts-noto-cjk"
    scan = forms.scan_pdf(report_pdf, seed=5, dpi=200, pages=[2], turn_page=2, jpeg_quality=50)
    mixed = _join([(report_pdf, 1), (scan, 1), (report_pdf, 3), (report_pdf, 4)])
    want = parse_document(report_pdf, "report.pdf")
    got = parse_document(mixed, "report-scanned.pdf")
    assert len(want.metrics) > 150
    right, silent, doubted = _score(got, want.metrics)
    assert right >= 0.98 * len(want.metrics), f"{right} of {len(want.metrics)} cells read right"
    assert not silent, f"wrong cells without an ocr_uncertain issue: {silent}"
    assert len(doubted) <= 0.10 * right
    assert (got.template, got.year, got.agency) == (want.template, want.year, want.agency)
    assert not [i for i in got.issues if i.code == "needs_ocr"]
    # Only the scanned pages are OCR'd: what pages 1 and 4 hold keeps its text-layer method.
    for value in got.values.values():
        page = value.location.split()[1] if value.location.startswith("page ") else None
        assert (value.method == "ocr") == (page == "2"), (value.key, value.method, value.location)
    assert sum(v.method == "ocr" for v in got.values.values() if v.table == "三") > 80
    ocr_value = got.values["apps.new_received.total"]
    assert ocr_value.note.startswith("OCR confidence ") and ocr_value.location.startswith("page 2 ")


@needs_cjk_font
@pytest.mark.parametrize("layout", ["2021", "2019"])
def test_tables_pasted_as_pictures_in_a_text_pdf_are_read(layout):
    """A report whose prose is text and whose tables are pictures (screenshots pasted in): the
    pages have a text layer, so none was OCR'd; the report read as free-form with 0 of about 200
    table cells and **no issue**. A picture as wide as a table with no text over it is now read
    by OCR (its area only) and its tables join the page's, in their place."""
    assert _has_cjk_font(), "CI must have a CJK font: .ci/run installs fonts-noto-cjk"
    report = next(r for r in samples.generate_panel(seed=11, agencies=1) if r.layout == layout)
    got = parse_document(samples.render_pdf(report, tables_as_pictures=True), "report-pictures.pdf")
    _reads_as_by_ocr(got, parse_document(samples.render_pdf(report), "report.pdf"))
    tables = [v for v in got.values.values() if v.table in ("二", "三", "四")]
    assert tables and all(v.method == "ocr" and v.note.startswith("OCR confidence ") for v in tables)
    # The prose stays the text layer's.
    assert all(v.method != "ocr" for v in got.values.values() if v.table not in ("二", "三", "四"))


@needs_cjk_font
def test_pictures_that_may_hold_tables_are_named_when_ocr_cannot_read_them(monkeypatch):
    report = next(r for r in samples.generate_panel(seed=11, agencies=1) if r.layout == "2021")
    monkeypatch.setattr(ocr, "available", lambda: False)
    got = parse_document(samples.render_pdf(report, tables_as_pictures=True), "report-pictures.pdf")
    named = [i for i in got.issues if i.code == "pictures_not_read"]
    assert len(named) == 1 and "report-pictures.pdf" in named[0].message, named
    assert "on pages 2, 3, 4: not read" in named[0].message   # the pages table 二, 三 and 四 are on
    assert not [v for v in got.values.values() if v.table in ("二", "三", "四")]


@needs_cjk_font
def test_tables_pasted_as_pictures_in_a_word_file_are_read():
    """The same in a Word file: the tables are pictures (``w:drawing``), the prose text. It read
    as free-form, 0 of 202 table cells, no issue; a picture as wide as a table is now OCR'd in its
    place, its values marked as OCR's."""
    assert _has_cjk_font(), "CI must have a CJK font: .ci/run installs fonts-noto-cjk"
    report = next(r for r in samples.generate_panel(seed=11, agencies=1) if r.layout == "2021")
    got = parse_document(samples.render_docx(report, tables_as_pictures=True), "report-pictures.docx")
    _reads_as_by_ocr(got, parse_document(samples.render_docx(report), "report.docx"))
    tables = [v for v in got.values.values() if v.table in ("二", "三", "四")]
    assert tables and all(v.method == "ocr" and v.location.startswith("picture ") for v in tables)


@needs_cjk_font
def test_tables_pasted_as_pictures_into_word_table_cells_are_read():
    """The pictures of the tables inside the one cell of a layout table each (a page copied into
    Word, a template that frames its pictures): only a body paragraph's pictures were looked at,
    so the report read as free-form, 0 of 202 table cells, no issue. A cell's pictures are read
    after its row (parser 0.7.11)."""
    assert _has_cjk_font(), "CI must have a CJK font: .ci/run installs fonts-noto-cjk"
    report = next(r for r in samples.generate_panel(seed=11, agencies=1) if r.layout == "2021")
    framed = forms.pictures_in_table_cells(samples.render_docx(report, tables_as_pictures=True))
    got = parse_document(framed, "report-framed.docx")
    _reads_as_by_ocr(got, parse_document(samples.render_docx(report), "report.docx"))
    tables = [v for v in got.values.values() if v.table in ("二", "三", "四")]
    assert tables and all(v.method == "ocr" and v.location.startswith("picture ") for v in tables)


def test_pictures_of_a_word_file_ocr_cannot_read_are_named(monkeypatch):
    """A picture that cannot be read: a damaged Windows metafile (an EMF header and nothing
    after it; whole metafiles are read as text, tests/test_metafiles.py), and without the OCR
    engine any image. Either way the picture is named."""
    report = next(r for r in samples.generate_panel(seed=11, agencies=1) if r.layout == "2021")
    docx = samples.render_docx(report, tables_as_pictures=True)
    metafile = rezipped(docx, lambda name, data: (b"\x01\x00\x00\x00" + b"\0" * 36 + b" EMF" + b"\0" * 64
                                                  if name == "word/media/image1.png" else data))   # an EMF header
    monkeypatch.setattr(ocr, "available", lambda: False)
    for data, reason in ((metafile, "damaged Enhanced Metafile"), (docx, "not installed")):
        got = parse_document(data, "report.docx")
        named = [i for i in got.issues if i.code == "pictures_not_read"]
        assert named and "picture 1 (word/media/image1.png)" in named[0].message and reason in named[0].message, named
        assert not [v for v in got.values.values() if v.table in ("二", "三", "四")]


@needs_cjk_font
@pytest.mark.parametrize("how", ["data", "archive"])
def test_tables_pasted_into_a_page_as_pictures_are_read_in_place(how):
    """A report page whose tables are pictures the page holds itself: ``data:`` images (what a
    rich-text editor pastes), or images a web archive keeps. The fetcher reads a live page's
    linked images; these were read by nothing (the report free-form, 0 of 202 table cells, no
    issue). Each picture as large as a table is OCR'd in its place (parser 0.7.11)."""
    assert _has_cjk_font(), "CI must have a CJK font: .ci/run installs fonts-noto-cjk"
    report = next(r for r in samples.generate_panel(seed=11, agencies=1) if r.layout == "2021")
    page = forms.page_with_table_pictures(report, how)
    got = parse_document(page, "report.mhtml" if how == "archive" else "report.html")
    _reads_as_by_ocr(got, parse_document(samples.render_as(report, "html"), "report.html"))
    tables = [v for v in got.values.values() if v.table in ("二", "三", "四")]
    assert tables and all(v.method == "ocr" and v.location.startswith("picture ") for v in tables)
    assert all(v.method != "ocr" for v in got.values.values() if v.table not in ("二", "三", "四"))


def test_a_page_picture_is_named_when_ocr_cannot_read_it_and_small_ones_are_left_alone(monkeypatch):
    """Without the OCR engine the picture is named; a logo-sized image is not even looked at."""
    import base64

    from PIL import Image

    def png(width: int, height: int) -> str:
        buffer = io.BytesIO()
        Image.new("L", (width, height), 255).save(buffer, "PNG")
        return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")

    page = (f'<html><body><p>某某县2023年政府信息公开工作年度报告</p><p><img src="{png(120, 120)}"></p>'
            f'<p>二、主动公开政府信息情况</p><p><img src="{png(900, 400)}"></p>'
            f'<div><p>三、收到和处理政府信息公开申请情况</p><img src="{png(900, 600)}"></div></body></html>').encode("utf-8")
    monkeypatch.setattr(ocr, "available", lambda: False)
    got = parse_document(page, "report.html")
    named = [i for i in got.issues if i.code == "pictures_not_read"]
    assert len(named) == 2 and "picture 1 of the page may hold a table" in named[0].message, named
    assert "picture 2 of the page" in named[1].message and "not installed" in named[0].message


@needs_cjk_font
@needs_libreoffice
@pytest.mark.parametrize("into", ["private_use", "other_characters"])
def test_a_text_layer_that_is_no_text_is_read_by_ocr(tmp_path, into):
    """A PDF whose fonts map their glyphs into the Private Use Area, or onto other Chinese
    characters than they draw (a converter's 乱码: the page shows 「政府信息…」, copying it gives
    U+E000… or 「泯诞岭箜…」), was read as text: 「not an annual report」, every cell lost. Such
    text is no text: the pages are OCR'd, as pages without a mapping are. (Chinese text is taken
    for other characters when under a quarter of it is among the 500 most frequent; a report's
    pages have 0.76–0.86.)"""
    from .test_forms import _libreoffice_prints

    report = next(r for r in samples.generate_panel(seed=11, agencies=1) if r.layout == "2021")
    page = samples.render_as(report, "html")
    pdf = forms.garbled_text_layer(_libreoffice_prints({"report": page}, tmp_path)["report"], into)
    got = parse_document(pdf, "report-garbled.pdf")
    _reads_as_by_ocr(got, parse_document(page, "report.html"))
    assert all(v.method == "ocr" for v in got.values.values())


def test_text_of_other_characters_is_told_from_a_report_text():
    from orchestration.parsing.pdf import is_other_text

    report_text = "本年度我机关共收到政府信息公开申请75件，其中自然人申请70件，法人或其他组织申请5件。" * 2
    assert not is_other_text(report_text)
    assert is_other_text("泯诞岭箜骋歚詉嬘稇飶槅袴妃硲靡栰蜟埮岭泯诞泯泯岭诞泯岭泯箜" * 3)
    assert not is_other_text("泯诞岭箜骋歚詉嬘稇飶")   # too few characters to say


def test_what_a_picture_holds_joins_its_page_numbered_after_the_page_own():
    """A picture's tables and lines are moved to where the picture stands and numbered after the
    page's own, their OCR confidence and notes under the new numbers; what the text layer already
    holds at the same place (text over a background picture) is not added twice."""
    from orchestration.parsing.pdf import _Cell, _Page, _Table, _TextLine

    page = _Page(2, 595, 842, tables=[_Table(1, (50, 50, 500, 150), [])],
                 lines=[_TextLine("二、主动公开政府信息情况", 60, 300, 160, 172, 12, number=1)])
    read = _Page(2, 450, 400, tables=[_Table(1, (0, 0, 450, 300), [[_Cell("26", (10, 10, 60, 30), 1, 1)]])],
                 lines=[_TextLine("二、主动公开政府信息情况", 10, 250, -20, -8, 12, number=1),
                        _TextLine("（单位：件）", 10, 100, 310, 322, 12, number=2)])
    confidence, notes = {"page 2 line 1": 0.5}, {}
    ocr.place_read(page, read, 50, 180, {"page 2 table 1 row 1 column 1": 0.9, "page 2 line 1": 0.8,
                                          "page 2 line 2": 0.7}, {"page 2 table 1 row 1 column 1": "n"},
                    confidence, notes)
    assert [t.number for t in page.tables] == [1, 2] and page.tables[1].bbox == (50, 180, 500, 480)
    assert page.tables[1].rows[0][0].bbox == (60, 190, 110, 210)
    assert [(l.number, l.text, l.top) for l in page.lines] == [(1, "二、主动公开政府信息情况", 160),
                                                               (2, "（单位：件）", 490)]
    assert confidence == {"page 2 line 1": 0.5, "page 2 table 2 row 1 column 1": 0.9, "page 2 line 2": 0.7}
    assert notes == {"page 2 table 2 row 1 column 1": "n"}


@needs_cjk_font
def test_an_image_of_a_page_is_read_by_ocr(report_pdf):
    assert _has_cjk_font(), "CI must have a CJK font: .ci/run installs fonts-noto-cjk"
    want = parse_document(_pages(report_pdf, 2), "page.pdf")
    image = forms.page_image(report_pdf, page=2, dpi=150, form="PNG")
    got = parse_document(image, "table.png", "image/png")
    assert got.form == "image"
    keys = [k for k in want.metrics if k.startswith("apps.")]
    assert len(keys) > 40
    right, silent, _ = _score(got, {k: want.metrics[k] for k in keys})
    assert right >= 0.98 * len(keys)
    assert not silent
    assert all(v.method == "ocr" for v in got.values.values())


@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="the hand-checked corpus (../shared) is absent")
def test_a_scanned_real_report_reads_its_checked_cells():
    """hongze-2023: its page 4 (the end of table 三, table 四) scanned (turned by up to 1°,
    blurred, JPEG'd), the other pages kept as text; scored against the numbers a person read
    off the document. (benchmarks/ocr_throughput.py --corpus scores whole scans.)"""
    import json

    path = SHARED_CORPUS / "hongze-2023.pdf"
    want = json.loads((SHARED_CORPUS / "hongze-2023.pdf.expected.json").read_text(encoding="utf-8"))["metrics"]
    original = path.read_bytes()
    scan = forms.scan_pdf(original, seed=3, dpi=200, pages=[4], jpeg_quality=60)
    mixed = _join([(original, 1), (original, 2), (original, 3), (scan, 1), (original, 5)])
    got = parse_document(mixed, "hongze-2023-scan.pdf")
    right, silent, doubted = _score(got, want)
    assert right >= 0.98 * len(want), f"{right} of {len(want)}"
    assert not silent, silent
    assert len(doubted) <= 0.10 * right
    assert got.values["review.upheld"].method == "ocr"


# A pale, coarse scan: 150 dpi, turned by up to 3°, blurred, JPEG at quality 35. The strokes of a
# light print come out grey (their darkest 140-170 against paper at 255).
PALE = dict(dpi=150, max_angle=3, blur=1.0, jpeg_quality=35)


@needs_cjk_font
def test_a_pale_coarse_scan_reads_its_cells_or_doubts_them(report_pdf):
    """Table 三 of a generated report so scanned: a 0 alone in its cell, missed by the detector,
    was read again alone only where some pixel was darker than 170 (a pale 0 is not), and a pale 0
    the detector read as 「门」 stood as a label among the row's figures, which left the row
    unread (195 of 202 cells). A cell's ink is now what is darker than halfway between its
    darkest pixel and the paper, and a lone character after the row's figures is read again
    alone."""
    assert _has_cjk_font(), "CI must have a CJK font: .ci/run installs fonts-noto-cjk"
    scan = forms.scan_pdf(report_pdf, seed=4, pages=[2], **PALE)
    want = parse_document(report_pdf, "report.pdf").metrics
    got = parse_document(_join([(report_pdf, 1), (scan, 1), (report_pdf, 3), (report_pdf, 4)]), "pale.pdf")
    right, silent, doubted = _score(got, want)
    assert right >= 0.98 * len(want), f"{right} of {len(want)} cells read right"
    assert not silent, silent
    assert len(doubted) <= 0.10 * right


@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="the hand-checked corpus (../shared) is absent")
def test_a_pale_coarse_scan_of_a_real_report_reads_its_checked_cells():
    """huaian-2024's table 三 page (a WPS PDF in a light, thin face) so scanned: 164 of its 200
    checked cells read, 14 of its 0s read as blanks without an issue, rows whose labels the
    OCR misread (「（三）不学公开1.属于国家私宝」, 「7.属于行政执法家卷」) left out. Now every cell is
    read or doubted: a mark the OCR cannot read as a figure leaves its cell blank with an
    ``ocr_uncertain`` issue, and a row whose label it misread is placed by the layout's row
    order where its neighbours' labels and R3 settle it (as a row whose label was lost)."""
    import json

    import pypdfium2 as pdfium

    original = (SHARED_CORPUS / "huaian-2024.pdf").read_bytes()
    want = json.loads((SHARED_CORPUS / "huaian-2024.pdf.expected.json").read_text(encoding="utf-8"))["metrics"]
    pages = len(pdfium.PdfDocument(original))
    scan = forms.scan_pdf(original, seed=4, pages=[4], **PALE)
    got = parse_document(_join([(original, 1), (original, 2), (original, 3), (scan, 1)]
                               + [(original, n) for n in range(5, pages + 1)]), "huaian-2024-pale.pdf")
    right, silent, doubted = _score(got, want)
    assert right >= 0.98 * len(want), f"{right} of {len(want)}"
    assert not silent, silent
    placed = [v for v in got.values.values() if v.method == "ocr" and "placed as" in v.row_label]
    assert placed and all("label OCR read as" in v.row_label for v in placed)


@needs_cjk_font
@needs_libreoffice
def test_a_scanned_word_report_reads_its_rows_cut_by_page_breaks():
    """A Word report printed to PDF by LibreOffice (rows cut by the page breaks: 「6.属」 with the
    row's figures at a page's foot, 「于四类过程性信息」 alone at the next head), its pages 2 and 3
    scanned. The cut row was not joined: skew left over moved a column rule into the empty cells
    at the page's head, which read 「1」 (a one-pixel line), and the next page lay 2.2 pt apart; the
    rest stood as the row, its 0s read as blanks with no issue (185 of 199 cells, 7 silent; the
    four such reports 762 of 802). A thin line is no character, and the page's cells are matched
    from its table's own left edge."""
    import pypdfium2 as pdfium

    assert _has_cjk_font(), "CI must have a CJK font: .ci/run installs fonts-noto-cjk"
    assert office.available(), "CI must have LibreOffice: .ci/run installs libreoffice-writer-nogui"
    report = samples.generate_panel(agencies=2, years=range(2019, 2023))[::2][2]
    docx = samples.render_docx(report)
    pdf = forms.word_printed(docx)
    scan = forms.scan_pdf(pdf, seed=26, dpi=200, max_angle=0.8, blur=0.6, jpeg_quality=80, pages=[2, 3])
    pages = len(pdfium.PdfDocument(pdf))
    got = parse_document(_join([(pdf, 1), (scan, 1), (scan, 2)] + [(pdf, n) for n in range(4, pages + 1)]),
                         "word-scan.pdf")
    want = parse_document(docx, "report.docx").metrics
    right, silent, _ = _score(got, want)
    assert not silent, silent
    assert right == len(want), f"{right} of {len(want)}"


def test_a_box_over_a_rule_is_cut_where_the_rule_stands_in_its_text():
    """The detector runs one box over a label and its number (「行政规范性文件69」, the rule at 340):
    cut as if all characters were as wide, the rule fell inside the label and 「6」 went with it (9
    read, with full confidence). A Chinese character counts twice a digit. And the box reaches
    past its text by the cells' padding: 「12」 alone in its cell (ink 1060–1092), its box over the
    rules at 1045 and 1108, is one number, not 1 | 2."""
    box = ocr.OcrBox(103, 10, 376, 40, "行政规范性文件69", 0.99)
    assert [p.text for p in ocr._split_at_rules(box, [0, 102, 340, 600])] == ["行政规范性文件", "69"]
    fee = ocr.OcrBox(104, 10, 533, 40, "行政事业性收费24252.311082", 0.99)
    assert [p.text for p in ocr._split_at_rules(fee, [0, 102, 340, 748])] == ["行政事业性收费", "24252.311082"]
    twelve = ocr.OcrBox(1037, 10, 1134, 40, "12", 0.99)
    assert [p.text for p in ocr._split_at_rules(twelve, [980, 1045, 1108, 1170], (1060, 1092))] == ["12"]
    # two digits each centred in its cell (「00」 over two number cells): cut
    assert [p.text for p in ocr._split_at_rules(twelve, [980, 1045, 1108, 1170], (1070, 1145))] == ["1", "2"]


def test_ink_span_leaves_out_the_rules():
    import numpy as np

    gray = np.full((40, 200), 255, dtype=np.uint8)
    gray[:, 50:52] = 0          # a column rule
    gray[0:2, :] = 0            # a row rule across the box's top
    gray[15:25, 80:110] = 0     # the text
    assert ocr._ink_span(gray, ocr.OcrBox(40, 0, 160, 40, "12", 0.9), [51.0]) == (80.0, 110.0)


@needs_cjk_font
@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="the hand-checked corpus (../shared) is absent")
def test_a_scan_of_a_printed_page_reads_its_checked_cells(tmp_path):
    """pingtan-2021 printed by Chromium, its page 2 (table 二) scanned: the boxes over a label and
    its number were cut in the wrong place (52.311082 for 24252.311082, 9 for 69, both with full
    confidence)."""
    import json

    from tests.test_browser_text import CHROMIUM, IN_CI as CHROMIUM_IN_CI, printed_pdf

    if not CHROMIUM and not CHROMIUM_IN_CI:
        pytest.skip("Chromium is not installed (.ci/run installs the Debian package)")
    page = (SHARED_CORPUS / "pingtan-2021.html").read_text(encoding="utf-8")
    want = json.loads((SHARED_CORPUS / "pingtan-2021.html.expected.json").read_text(encoding="utf-8"))["metrics"]
    printed = printed_pdf(page, tmp_path, "pingtan-2021")
    scan = forms.scan_pdf(printed, seed=3, dpi=200, pages=[2], jpeg_quality=60)
    mixed = _join([(printed, 1), (scan, 1), (printed, 3), (printed, 4)])
    got = parse_document(mixed, "pingtan-2021-scan.pdf")
    assert got.values["active.fees.amount_wan"].method == "ocr"
    right, silent, _ = _score(got, want)
    assert not silent, silent
    assert right >= 0.98 * len(want), f"{right} of {len(want)}"


def test_ocr_values_are_marked_and_doubted_but_never_corrected():
    def value(key, number, where):
        return MetricValue(key, number, "pdf_table", "三", key, key, str(number), where)

    parts = ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org"]
    values = {f"apps.granted.{p}": value(f"apps.granted.{p}", n, f"page 2 table 1 row 6 column {c}")
              for c, (p, n) in enumerate(zip(parts, [5, 1, 0, 0, 0, 0]), start=4)}
    # Printed 6, read as 8: the row no longer balances (R3).
    values["apps.granted.total"] = value("apps.granted.total", 8, "page 2 table 1 row 6 column 10")
    values["apps.new_received.total"] = value("apps.new_received.total", 21, "page 2 table 1 row 4 column 10")
    confidence = {v.location: 0.99 for v in values.values()}
    confidence["page 2 table 1 row 4 column 10"] = 0.41
    issues = review(values, confidence, "scan.pdf")
    doubted = {i.location for i in issues}
    assert all(i.code == "ocr_uncertain" and "scan.pdf" in i.message for i in issues)
    assert "page 2 table 1 row 4 column 10" in doubted                   # low confidence
    assert "page 2 table 1 row 6 column 10" in doubted                   # R3 broken
    assert values["apps.granted.total"].value == 8                        # not corrected
    assert all(v.method == "ocr" and "OCR confidence" in v.note for v in values.values())


def test_without_the_engine_an_image_says_what_to_install(monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: False)
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    report = parse_document(png, "table.png")
    assert [i.code for i in report.issues] == ["unsupported_form"]
    assert "pip install rapidocr-onnxruntime" in report.issues[0].message


# ---- scans with a text layer laid over them ("searchable" scans) ---------------------------

@needs_cjk_font
def test_a_scan_with_its_text_laid_over_it_reads_as_the_text_pdf(report_pdf):
    """Every page an image (turned by up to 0.6°) with its words laid over it invisibly, as a
    scanner's OCR software writes it: the layer has the text but none of the rules, so before
    parser 0.7.11 the tables were read as unruled (wrapped labels and blank cells out of place;
    the hand-checked PDFs so made read 358 of their 386 cells). The rules now come from the scan,
    the text from the layer, as given: the values are not OCR readings."""
    want = parse_document(report_pdf, "report.pdf")
    got = parse_document(forms.text_over_scan(report_pdf, seed=2, max_angle=0.6), "searchable.pdf")
    assert (got.template, got.year, got.agency) == (want.template, want.year, want.agency)
    assert got.metrics == want.metrics and len(want.metrics) > 150
    assert all(v.method != "ocr" for v in got.values.values())
    issue = next(i for i in got.issues if i.code == "text_layer_over_scan")
    assert "pages 1, 2, 3, 4" in issue.message and "rules read from the scan" in issue.message
    assert not [i for i in got.issues if i.code == "ocr_uncertain"]


@needs_cjk_font
def test_a_number_the_scan_layer_missed_is_read_by_ocr_and_marked(report_pdf):
    """Every 9th number left out of the layer (its OCR missed it): the cell has ink in the scan
    and no text in the layer, so it is OCR'd, and only those values carry method ``ocr``."""
    want = parse_document(report_pdf, "report.pdf")
    got = parse_document(forms.text_over_scan(report_pdf, seed=2, miss_every=9), "searchable.pdf")
    assert got.metrics == want.metrics
    by_ocr = [k for k, v in got.values.items() if v.method == "ocr"]
    assert 10 <= len(by_ocr) <= len(want.metrics) // 6
    assert all("OCR confidence" in got.values[k].note for k in by_ocr)


def test_without_the_engine_a_scan_with_a_text_layer_reads_the_layer_and_says_so(report_pdf, monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: False)
    got = parse_document(forms.text_over_scan(report_pdf, seed=2), "searchable.pdf")
    assert got.template == "2021" and got.metrics.get("apps.new_received.total") is not None
    issue = next(i for i in got.issues if i.code == "text_layer_over_scan")
    assert "without their rules" in issue.message


@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="the hand-checked corpus (../shared) is absent")
def test_the_checked_pdfs_as_scans_with_their_text_laid_over_read_every_checked_cell():
    import json

    from .conftest import read_against

    for name in ("hongze-2023.pdf", "huaian-2024.pdf"):
        spec = json.loads((SHARED_CORPUS / f"{name}.expected.json").read_text(encoding="utf-8"))
        got = parse_document(forms.text_over_scan((SHARED_CORPUS / name).read_bytes(), seed=2, max_angle=0.6), name)
        right, unread = read_against(spec["metrics"], got.metrics, f"{name} as a searchable scan")
        assert right == len(spec["metrics"]), unread


@needs_cjk_font
@pytest.mark.parametrize("layout", ["2021", "2019"])
def test_a_scanned_table_without_rules_reads_as_its_text_pdf(layout):
    """Pages of a report whose tables have no rules, scanned: OCR's boxes were read a line a row,
    a box a cell, so a blank cell moved the numbers after it, and a label wrapped around its
    row's figures (cells centred) was cut from them (generated 2021 report: 112 of 200 cells
    before parser 0.7.13; a Word report without borders, cells centred, printed and scanned: 14 of
    200). The boxes are now characters where they stand, and the table is read from their places
    as a text layer's is (pdf_columns)."""
    assert _has_cjk_font(), "CI must have a CJK font: .ci/run installs fonts-noto-cjk"
    report = next(r for r in samples.generate_panel(seed=7, agencies=1) if r.layout == layout)
    import pypdfium2 as pdfium

    pdf = samples.render_pdf(report, ruled=False)
    scan = forms.scan_pdf(pdf, seed=3, pages=[2, 3])   # table 三's pages
    got = parse_document(_join([(pdf, 1), (scan, 1), (scan, 2)]
                               + [(pdf, n) for n in range(4, len(pdfium.PdfDocument(pdf)) + 1)]), "scan.pdf")
    want = parse_document(pdf, "report.pdf")
    assert got.metrics == want.metrics and len(want.metrics) > 150


def _inked(width: int, height: int, numbers: list[tuple[int, int]]):
    """A white strip with figures inked where they stand: (x, how many), each figure 8 pixels
    wide, 3 apart."""
    import numpy as np

    gray = np.full((height, width), 255, dtype=np.uint8)
    for x, figures in numbers:
        for k in range(figures):
            gray[5:height - 5, x + 11 * k:x + 11 * k + 8] = 0
    return gray


def test_figures_the_engine_ran_over_several_cells_are_cut_where_the_ink_stands_apart():
    """Without rules the engine may read three cells' figures as one box (「17837351」 in a
    hand-checked table 四 printed without rules and scanned: read as one number, or by the
    solver as figures of the wrong cells). Cut where the ink has gaps, each piece gets as many
    figures as it holds glyphs; where the figures do not fit the glyphs, none is placed."""
    box = ocr.OcrBox(0, 0, 400, 30, "17837351", 0.99)
    gray = _inked(400, 30, [(10, 3), (150, 2), (300, 3)])
    assert [b.text for b in ocr._figures_apart(gray, box, 30)] == ["178", "37", "351"]
    assert ocr._figures_apart(gray, ocr.OcrBox(0, 0, 400, 30, "1783", 0.99), 30) == []   # figures missing
    one = ocr.OcrBox(0, 0, 60, 30, "178", 0.99)
    assert ocr._figures_apart(_inked(60, 30, [(10, 3)]), one, 30) == [one]
    assert ocr._too_narrow(ocr.OcrBox(859, 266, 865, 272, "11", 0.72), 30)   # a speck read 「11」
    assert not ocr._too_narrow(ocr.OcrBox(749, 257, 776, 282, "11", 0.99), 30)
