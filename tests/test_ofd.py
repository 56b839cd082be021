"""OFD files as converters write them (parser 0.7.11): text objects per glyph, per word, per line
with the cells spaced by DeltaX, in a page-wide box, scaled by a CTM; rules as closed paths; and
scanned OFDs (pages that are images). Each must read as the PDF it was made from."""
from __future__ import annotations

import io
import json
import zipfile

import pytest

from orchestration.parsing import ocr, ofd, parse_document
from orchestration.synthetic import forms, samples

from .conftest import SHARED_CORPUS, read_against, rezipped
from .test_ocr import _reads_as_by_ocr, needs_cjk_font

CHECKED_PDFS = ("hongze-2023.pdf", "huaian-2024.pdf")
needs_shared = pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="the hand-checked corpus (../shared) is absent")


@pytest.fixture(scope="module")
def report_pdfs():
    """A generated report of each layout the panel has (2019, 2021), as PDF."""
    reports = samples.generate_panel(seed=7, agencies=1)
    return {layout: samples.render_as(next(r for r in reports if r.layout == layout), "pdf")
            for layout in ("2019", "2021")}


def _checked(name: str) -> tuple[bytes, dict]:
    spec = json.loads((SHARED_CORPUS / f"{name}.expected.json").read_text(encoding="utf-8"))
    return (SHARED_CORPUS / name).read_bytes(), spec


def _same_as_pdf(got, want) -> None:
    assert got.form == "ofd"
    assert (got.template, got.year, got.agency) == (want.template, want.year, want.agency)
    assert got.metrics == want.metrics and len(want.metrics) > 150


@pytest.mark.parametrize("text", forms.OFD_TEXT)
def test_a_generated_report_as_each_converter_writes_an_ofd_reads_as_its_pdf(report_pdfs, text):
    """Before 0.7.11 a text object was one box at its Boundary: an object holding a line of a
    table (its cells apart by DeltaX) was one cell's text, and one whose Boundary is the page
    put every glyph at the page's corner (none of the report read)."""
    for layout, pdf in report_pdfs.items():
        got = parse_document(forms.pdf_as_ofd(pdf, text), f"report-{layout}.ofd")
        _same_as_pdf(got, parse_document(pdf, f"report-{layout}.pdf"))
        assert all(v.method != "ocr" for v in got.values.values())


@needs_shared
@pytest.mark.parametrize("text", forms.OFD_TEXT)
@pytest.mark.parametrize("name", CHECKED_PDFS)
def test_a_checked_pdf_as_each_converter_writes_an_ofd_reads_every_checked_cell(name, text):
    """The two hand-checked PDFs so converted: 0.7.10 read 256 of their 386 cells with one
    object per line, and none with the page as the objects' box."""
    pdf, spec = _checked(name)
    got = parse_document(forms.pdf_as_ofd(pdf, text), name.replace(".pdf", ".ofd"))
    right, unread = read_against(spec["metrics"], got.metrics, f"{name} as OFD ({text})")
    assert not unread and right == len(spec["metrics"])
    assert (got.year, got.template) == (spec["year"], spec["template"]) and spec["agency_contains"] in got.agency


@needs_cjk_font
def test_a_scanned_page_of_an_ofd_is_read_by_ocr(report_pdfs):
    """Page 2 (most of table 三) an image, scanned (turned a little, blurred, JPEG'd), the other
    pages text objects: 0.7.10 read the text pages only (an OFD whose pages were all images was
    refused: 「its pages may be images: not read yet」)."""
    pdf = report_pdfs["2021"]
    got = parse_document(forms.pdf_as_ofd(pdf, "word", scanned=[2], seed=5), "report-scanned.ofd")
    _reads_as_by_ocr(got, parse_document(pdf, "report.pdf"))
    on_page_2 = [v for v in got.values.values() if v.location.startswith("page 2 ")]
    assert on_page_2 and all(v.method == "ocr" for v in on_page_2)
    assert all(v.method != "ocr" for v in got.values.values() if not v.location.startswith("page 2 "))


@needs_shared
def test_a_scanned_real_report_as_ofd_reads_its_checked_cells():
    """hongze-2023 with its page 4 (the end of table 三, table 四) an image, scored against the
    numbers a person read off the document; its other pages are text objects."""
    pdf, spec = _checked("hongze-2023.pdf")
    got = parse_document(forms.pdf_as_ofd(pdf, "line", scanned=[4], seed=3), "hongze-2023.ofd")
    right, unread = read_against(spec["metrics"], got.metrics, "hongze-2023 scanned page as OFD")
    assert right >= 0.98 * len(spec["metrics"]), unread
    assert got.values["review.upheld"].method == "ocr"


def _with_image(ofd_bytes: bytes, data: bytes) -> bytes:
    return rezipped(ofd_bytes, lambda name, raw: data if name.startswith("Doc_0/Res/image_") else raw)


def test_an_ofd_image_that_cannot_be_decoded_is_named(report_pdfs):
    """A JBIG2 image (Pillow cannot decode one), or damaged bytes: a page of it is named with its
    member, the text pages are read; an OFD of nothing else is unreadable, with the same name."""
    pdf = report_pdfs["2021"]
    jbig2 = b"\x97JB2\r\n\x1a\n\x01\x00\x00\x00\x01" + bytes(40)
    mixed = _with_image(forms.pdf_as_ofd(pdf, "line", scanned=[4]), jbig2)
    got = parse_document(mixed, "report.ofd")
    issue = next(i for i in got.issues if i.code == "pictures_not_read")
    assert "page 4: Doc_0/Res/image_" in issue.message
    assert got.metrics["apps.new_received.total"] is not None          # page 2, text objects
    only_images = _with_image(forms.pdf_as_ofd(pdf, scanned=True), jbig2)
    report = parse_document(only_images, "scan.ofd")
    assert [i.code for i in report.issues] == ["unreadable"]
    assert "could not be decoded" in report.issues[0].message and "Doc_0/Res/image_" in report.issues[0].message


@needs_cjk_font
def test_tables_pasted_as_pictures_into_an_ofd_s_text_pages_are_read():
    """An OFD whose tables are images on pages of text (screenshots pasted in): a page with
    nothing but a picture was OCR'd as a scan, a picture on a page of text was not looked at
    (table 二 and the head of 三 unread, no issue: 3 agencies' reports 1,062 of 1,212 cells before
    parser 0.7.12). Each picture as large as a table is OCR'd and read in its place."""
    report = next(r for r in samples.generate_panel(seed=11, agencies=1) if r.layout == "2021")
    got = parse_document(forms.render_ofd(report, tables_as_pictures=True), "report.ofd")
    _reads_as_by_ocr(got, parse_document(samples.render_html(report).encode("utf-8"), "report.html"))
    tables = [v for v in got.values.values() if v.table in ("二", "三", "四")]
    assert tables and all(v.method == "ocr" for v in tables)


def test_without_the_engine_an_ofd_s_table_pictures_are_named(monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: False)
    report = next(r for r in samples.generate_panel(seed=11, agencies=1) if r.layout == "2021")
    got = parse_document(forms.render_ofd(report, tables_as_pictures=True), "report.ofd")
    issue = next(i for i in got.issues if i.code == "pictures_not_read")
    assert "pictures that may hold a table on pages 2, 4" in issue.message and "rapidocr" in issue.message
    assert got.year == report.year and got.agency


def test_without_the_engine_a_scanned_ofd_says_what_to_install(report_pdfs, monkeypatch):
    """All pages scanned: the form cannot be read here (what to install is said). Some pages
    scanned: the others are read and the scanned ones named, as a PDF's are (until parser
    0.7.12 the whole OFD was refused)."""
    monkeypatch.setattr(ocr, "available", lambda: False)
    report = parse_document(forms.pdf_as_ofd(report_pdfs["2021"], scanned=True), "scan.ofd")
    assert [i.code for i in report.issues] == ["unsupported_form"]
    assert "pages 1, 2, 3, 4 of the OFD are images" in report.issues[0].message
    assert "pip install rapidocr-onnxruntime" in report.issues[0].message
    part = parse_document(forms.pdf_as_ofd(report_pdfs["2021"], scanned=[1]), "part.ofd")
    needs = [i.message for i in part.issues if i.code == "needs_ocr"]
    assert len(needs) == 1 and "pages 1 (the OCR engine is not installed" in needs[0]
    assert part.metrics.get("apps.new_received.total") is not None   # a page of text, read


def test_path_operators_follow_the_standard():
    """S starts a subpath, C closes it (0.7.10 took C for a curve and swallowed the six tokens
    after it, and lost the first line after an S); Q, B and A take 4, 6 and 7 operands; the
    object's CTM and Boundary place the points."""
    closed = ofd._segments("S 0 0 L 10 0 L 10 5 C M 0 8 L 10 8", (100, 200))
    assert closed == [((100, 200), (110, 200)), ((110, 200), (110, 205)), ((110, 205), (100, 200)),
                      ((100, 208), (110, 208))]
    curved = ofd._segments("M 0 0 Q 1 1 2 2 B 1 1 2 2 3 3 A 1 1 0 0 1 4 4 L 5 4", (0, 0))
    assert curved == [((4, 4), (5, 4))]
    scaled = ofd._segments("M 0 0 L 72 0", (10, 10), (25.4 / 72, 0, 0, 25.4 / 72, 0, 0))
    assert scaled[0][0] == (10, 10) and scaled[0][1][0] == pytest.approx(35.4)


def test_delta_x_repeats_are_expanded():
    assert ofd._deltas("g 3 4.5 2 g 2 1") == [4.5, 4.5, 4.5, 2.0, 1.0, 1.0]
    assert ofd._deltas("1 x 2") == [1.0]   # a damaged list: what follows takes the font's advance


def test_a_text_code_is_cut_where_its_glyphs_stand_apart():
    """One TextCode holding a table row: the label, then figures far apart (DeltaX), one box each."""
    xml = ('<ofd:TextObject xmlns:ofd="http://www.ofdspec.org/2016" ID="1" Boundary="20 50 150 6" Size="4">'
           '<ofd:TextCode X="0" Y="4" DeltaX="4 4 4 4 30 2 2 28">申请数量 12 3</ofd:TextCode></ofd:TextObject>')
    from lxml import etree
    boxes = ofd._text_boxes(etree.fromstring(xml))
    assert [b.text for b in boxes] == ["申请数量", "12", "3"]
    assert boxes[1].x0 == pytest.approx((20 + 46) * ofd.PX_PER_MM)
