"""The PDF text layer read through pdfium (orchestration/parsing/pdf_layer.py) gives what
pdfminer gives: the same characters with the same boxes (but for one descent a page, below), the
same ruling lines, so the same document; pdfminer reads the file only when pdfium cannot."""
from __future__ import annotations

import io
import json
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.parsing import parse_document, pdf, pdf_layer, pdf_tables
from orchestration.synthetic import forms, samples
from tests.conftest import SHARED_CORPUS, read_against


def _pdfminer_pages(data: bytes):
    import pdfplumber
    with pdfplumber.open(io.BytesIO(data)) as doc:
        return [(page.chars, page.edges) for page in doc.pages]


def _pdfium_pages(data: bytes):
    document = pdf_layer.open_document(data)
    try:
        return [(page.chars, page.edges) for page in pdf_layer.pages(document)]
    finally:
        document.close()


def _edges(edges) -> list[tuple]:
    return sorted((e["orientation"], round(e["x0"], 2), round(e["top"], 2), round(e["x1"], 2),
                   round(e["bottom"], 2)) for e in edges)


def _on_one_descent(chars: list[dict]) -> list[dict]:
    """pdfminer's characters hung as the pdfium layer hangs them (pdf_layer._one_descent): each
    upright one from its baseline by the descent of the font most of the page's are set in."""
    def descent(c):   # the font's, as pdfminer took it: its box's foot below the baseline, per size
        return round((c["y0"] - c["matrix"][5]) / c["size"], 3)

    # Upright and set horizontally: a vertical font's box starts left of its text matrix's point.
    upright = [c for c in chars if c["upright"] and c["matrix"][1] == c["matrix"][2] == 0
               and c["x0"] >= c["matrix"][4] - 0.01]
    counts = Counter(descent(c) for c in upright)
    if len(counts) < 2:
        return chars
    page_descent = counts.most_common(1)[0][0]
    moved = {id(c): (descent(c) - page_descent) * c["size"] for c in upright}
    return [{**c, "top": c["top"] + moved.get(id(c), 0), "bottom": c["bottom"] + moved.get(id(c), 0)}
            for c in chars]


def _assert_same_layer(data: bytes, x1_tolerance: float) -> None:
    miner, pdfium = _pdfminer_pages(data), _pdfium_pages(data)
    assert len(miner) == len(pdfium)
    miner = [(_on_one_descent(chars), edges) for chars, edges in miner]
    for number, ((m_chars, m_edges), (p_chars, p_edges)) in enumerate(zip(miner, pdfium), start=1):
        # pdfium may hand over the text objects of one line in another order than the content
        # stream's; every later stage orders characters by position.
        m_chars, p_chars = (sorted(chars, key=lambda c: (round(c["top"]), c["x0"], c["text"]))
                            for chars in (m_chars, p_chars))
        assert [c["text"] for c in p_chars] == [c["text"] for c in m_chars], f"page {number}"
        for m, p in zip(m_chars, p_chars):
            for key in ("x0", "top", "bottom", "size"):
                assert p[key] == pytest.approx(m[key], abs=0.01), (number, m["text"], key)
            assert p["x1"] == pytest.approx(m["x1"], abs=x1_tolerance), (number, m["text"], "x1")
            assert p["upright"] == m["upright"]
        p_edges, m_edges = _edges(p_edges), _edges(m_edges)
        assert [e[0] for e in p_edges] == [e[0] for e in m_edges], f"page {number}"
        assert [e[1:] for e in p_edges] == [pytest.approx(e[1:], abs=0.02) for e in m_edges], f"page {number}"


def _a_generated_pdf() -> bytes:
    report = next(r for r in samples.generate_panel(agencies=2, years=range(2021, 2023), forms=("pdf",)))
    return samples.render_pdf(report)


def test_generated_pdf_same_characters_and_rules_as_pdfminer():
    # The generator's font is not embedded: pdfium gets the project's substitute font, whose
    # narrow glyphs leave each box's right edge at the PDF's own advance, as pdfminer's. (With
    # the machine's Noto CJK it was up to 0.9 pt off; with no CJK font, characters went missing.)
    _assert_same_layer(_a_generated_pdf(), x1_tolerance=0.01)


def test_fonts_not_embedded_are_never_the_machines():
    # pdfium gets the substitute whatever fonts the machine has: a CJK character's glyph box is a
    # hundredth of an em wide (10.5 pt text: 0.105 pt), where any real font's glyph is most of an
    # em. So the text layer of such a PDF cannot depend on the machine.
    document = pdf_layer.open_document(_a_generated_pdf())
    try:
        text_page = document[0].get_textpage()
        boxes = [text_page.get_charbox(i) for i in range(text_page.count_chars())
                 if "\u4e00" <= text_page.get_text_range(i, 1) <= "\u9fff"]
    finally:
        document.close()
    assert len(boxes) > 100
    assert max(right - left for left, _, right, _ in boxes) < 0.2
    assert min(top - bottom for _, bottom, _, top in boxes) > 5   # an em tall: no empty boxes


def _ink(data: bytes) -> int:
    """Dark pixels of the first page drawn at 50 dpi."""
    import numpy as np
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        image = np.asarray(document[0].render(scale=50 / 72, grayscale=True).to_pil().convert("L"))
    finally:
        document.close()
    return int((image < 128).sum())


def test_the_substitute_draws_nothing_and_system_fonts_come_back():
    # Switching back and forth, as a process that parses PDFs and draws the generator's scans
    # does: pdfium frees the font list of a lookup it gives up, and one reused crashed it.
    from tests.test_ocr import _has_cjk_font

    data = _a_generated_pdf()
    inks = []
    for _ in range(3):
        pdf_layer.use_substitute_font()
        without_glyphs = _ink(data)
        pdf_layer.use_system_fonts()
        inks.append((without_glyphs, _ink(data)))
    pdf_layer.use_substitute_font()
    assert len(set(inks)) == 1, inks
    if _has_cjk_font():
        # The first page is mostly text: the machine's CJK font draws far more than the rules.
        assert inks[0][1] > 2 * inks[0][0], inks


@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="../shared/corpus/real (the hand-checked corpus) is absent")
@pytest.mark.parametrize("name", ["hongze-2023.pdf", "huaian-2024.pdf"])
def test_real_pdf_same_characters_and_rules_as_pdfminer(name):
    # Embedded fonts (WPS), a vertical label column: the boxes agree to 1/100 point, the
    # advances of a few characters to 2/10.
    _assert_same_layer((SHARED_CORPUS / name).read_bytes(), x1_tolerance=0.2)


def test_generated_pdf_same_document_either_way():
    data = _a_generated_pdf()
    by_pdfium, fallback = pdf._extract(data)
    assert fallback is None
    as_items = lambda pages: [(type(i).__name__, i.where, getattr(i, "text", None)
                               or [(c.text, c.where) for c in i.cells]) for i in pdf.document_from_pages(pages).items]
    assert as_items(by_pdfium) == as_items(pdf._extract_pdfminer(data))


def test_pdfminer_reads_what_pdfium_cannot_and_says_so(monkeypatch):
    data = _a_generated_pdf()
    expected = parse_document(data, "r.pdf")
    assert not [i for i in expected.issues if i.code == "pdf_text_layer_fallback"]

    def refuse(data):
        raise pdf_layer.pdfium.PdfiumError("Failed to load document (PDFium: Data format error).")

    monkeypatch.setattr(pdf_layer, "open_document", refuse)
    parsed = parse_document(data, "r.pdf")
    assert parsed.metrics == expected.metrics
    fallback = [i for i in parsed.issues if i.code == "pdf_text_layer_fallback"]
    assert len(fallback) == 1 and "r.pdf: pdfium could not open it" in fallback[0].message
    assert "Data format error" in fallback[0].message


def test_a_page_with_a_rotate_is_read_by_pdfium_as_shown():
    """A page set to show turned (``/Rotate 90``) with its text drawn as on any page: it shows
    running down the page. pdfminer read such pages (pdfium's coordinates are the page's own);
    pdfium now reads them through the turn (parser 0.7.11), with no fallback."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842))
    c.setPageRotation(90)
    c.setFont("STSong-Light", 12)
    c.drawString(72, 700, "某某县人民政府2023年政府信息公开工作年度报告")
    c.showPage()
    c.save()
    data = buf.getvalue()
    pages, fallback = pdf._extract(data)
    assert fallback is None
    assert any("年度报告" in line.text for line in pages[0].lines)
    # Where pdfminer (which turns a page's coordinates itself) puts the characters.
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as by_pdfminer:
        theirs = by_pdfminer.pages[0].chars
    document = pdf_layer.open_document(data)
    ours = next(pdf_layer.pages(document)).chars
    document.close()
    assert [c["text"] for c in ours] == [c["text"] for c in theirs]
    for mine, other in zip(ours, theirs):
        assert abs(mine["x0"] - other["x0"]) < 1 and abs(mine["top"] - other["top"]) < 1
        assert mine["upright"] == other["upright"]


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_a_page_drawn_turned_and_shown_upright_reads_as_the_page(rotation):
    """Pages whose content is drawn turned and whose ``/Rotate`` turns them back (they look like
    the original): read through pdfminer before 0.7.11, which on the hand-checked huaian-2024
    lost 43 of table 三's cells; now pdfium reads them as shown, and they read as the original."""
    data = _a_generated_pdf()
    want = parse_document(data, "r.pdf")
    got = parse_document(forms.turned_pages(data, rotation, pages=[1, 2]), "turned.pdf")
    assert got.metrics == want.metrics and len(want.metrics) > 150
    assert not [i for i in got.issues if i.code == "pdf_text_layer_fallback"]


@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="the hand-checked corpus (../shared) is absent")
@pytest.mark.parametrize("rotation", [90, 270])
def test_the_checked_pdfs_drawn_turned_read_every_checked_cell(rotation):
    for name in ("hongze-2023.pdf", "huaian-2024.pdf"):
        spec = json.loads((SHARED_CORPUS / f"{name}.expected.json").read_text(encoding="utf-8"))
        got = parse_document(forms.turned_pages((SHARED_CORPUS / name).read_bytes(), rotation), name)
        right, unread = read_against(spec["metrics"], got.metrics, f"{name} turned {rotation}")
        assert right == len(spec["metrics"]), unread


# ---- a cell's text, made as pdfplumber makes it -------------------------------------------

_char = st.builds(
    lambda text, x0, width, top, upright: {"text": text, "x0": x0, "x1": x0 + width, "top": top,
                                           "bottom": top + 10, "doctop": top, "upright": upright,
                                           "size": 10, "height": 10, "width": width},
    st.sampled_from(["本", "年", "1", "2", " ", "ﬁ", "(", "）", "\u3000", ""]),
    st.floats(0, 60, allow_nan=False).map(lambda v: round(v, 1)),
    st.sampled_from([0.0, 2.0, 5.0, 10.0]),
    st.sampled_from([100.0, 101.5, 103.0, 104.0, 106.5, 110.0, 113.5, 117.0]),
    st.sampled_from([True, True, True, False]),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_char, max_size=12))
def test_cell_text_is_pdfplumbers(chars):
    from pdfplumber.utils import extract_text
    assert pdf_tables.cell_text(chars) == extract_text(chars)


# ---- pdfplumber's table finding, quicker ---------------------------------------------------

def _finder_cells_both_ways(data: bytes):
    from pdfplumber.table import TableFinder, TableSettings

    document = pdf_layer.open_document(data)
    try:
        for page in pdf_layer.pages(document):
            ruled = page.filter(pdf._visible_graphic)
            settings = pdf._table_settings(ruled.edges)
            if settings is None:
                continue   # fewer than two rules of an orientation: no table to find
            theirs = TableFinder(ruled, TableSettings.resolve(settings))
            ours = pdf_tables.find_tables(ruled, settings)
            yield theirs.cells, [t.cells for t in theirs.tables], [t.cells for t in ours], \
                [t.extract() for t in theirs.tables], [pdf_tables.table_texts(t, ruled.chars) for t in ours]
    finally:
        document.close()


def test_tables_and_cell_texts_are_pdfplumbers():
    pages = list(_finder_cells_both_ways(_a_generated_pdf()))
    assert sum(len(cells) for cells, *_ in pages) > 100, "the generated report has ruled tables"
    for _, their_tables, our_tables, their_texts, our_texts in pages:
        assert our_tables == their_tables
        assert our_texts == their_texts


@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="../shared/corpus/real (the hand-checked corpus) is absent")
def test_real_pdf_tables_and_cell_texts_are_pdfplumbers():
    for name in ("hongze-2023.pdf", "huaian-2024.pdf"):
        for _, their_tables, our_tables, their_texts, our_texts in _finder_cells_both_ways(
                (SHARED_CORPUS / name).read_bytes()):
            assert our_tables == their_tables
            assert our_texts == their_texts


# ---- fonts a PDF does not embed, in PDFs written here byte by byte ---------------------------

def _one_page_pdf(font: str, strings: list[tuple[int, int, bytes]], more: tuple[bytes, ...] = ()) -> bytes:
    """A page drawing each (x, y, string) as a text object of its own in font /F1 (object 4);
    ``more`` are objects 6, 7, … for the font to refer to."""
    content = b"".join(b"BT /F1 10 Tf %d %d Td <%s> Tj ET\n" % (x, y, s.hex().encode()) for x, y, s in strings)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Resources << /Font << /F1 4 0 R >> >>"
         b" /Contents 5 0 R >>"),
        font.encode(),
        b"<< /Length %d >>\nstream\n%sendstream" % (len(content), content),
        *more,
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


_DESCRIPTOR = ("/FontDescriptor << /Type /FontDescriptor /FontName /{name} /Flags {flags} "
               "/FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 891 /Descent -216 /CapHeight 662 /StemV 80 >>")
def _times_widths() -> str:
    """Times New Roman's advances of ASCII 32–126 (Times-Roman's metrics, which it shares)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    return " ".join(str(round(stringWidth(chr(code), "Times-Roman", 1000))) for code in range(32, 127))


_TRUETYPE = ("<< /Type /Font /Subtype /TrueType /BaseFont /TimesNewRomanPSMT /FirstChar 32 /LastChar 126 "
             "/Widths [" + _times_widths() + "] {encoding} "
             + _DESCRIPTOR.format(name="TimesNewRomanPSMT", flags="{flags}") + " >>")
_IDENTITY_TEXT = "三、本年度息"
_TO_UNICODE = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Adobe-Identity-UCS def "
               "1 begincodespacerange <0000> <FFFF> endcodespacerange "
               f"{len(_IDENTITY_TEXT)} beginbfchar "
               + " ".join(f"<{i:04X}> <{ord(ch):04X}>" for i, ch in enumerate(_IDENTITY_TEXT, start=1))
               + " endbfchar endcmap CMapName currentdict /CMap defineresource pop end end").encode()
_IDENTITY_CID = ("<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H /ToUnicode 6 0 R "
                 "/DescendantFonts [<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo "
                 "<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 "
                 + _DESCRIPTOR.format(name="SimSun", flags=4) + " >>] >>")
_GBK_CID = ("<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /GBK-EUC-H /DescendantFonts [<< /Type /Font "
            "/Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) "
            "/Supplement 2 >> /DW 1000 /W [1 95 500] " + _DESCRIPTOR.format(name="SimSun", flags=6) + " >>] >>")


@pytest.mark.parametrize("font, strings, more, text", [
    # Word's export with its fonts not embedded: Times New Roman (not one of the standard 14)
    (_TRUETYPE.format(encoding="/Encoding /WinAnsiEncoding", flags=32),
     [(20, 150, b"0"), (60, 150, b"7"), (100, 150, b"12"), (20, 100, b"Total 25")], (), "0712Total25"),
    (_TRUETYPE.format(encoding="", flags=4),   # flagged symbolic, no encoding
     [(20, 150, b"0"), (60, 150, b"7"), (20, 100, b"Total 25")], (), "07Total25"),
    # an older Chinese PDF: 宋体 as a CID font in GBK, not embedded; one character per text object
    (_GBK_CID, [(20, 150, "三".encode("gbk")), (40, 150, "、".encode("gbk")), (60, 150, "本年度".encode("gbk")),
                (20, 100, "息".encode("gbk")), (60, 100, b"26")], (), "三、本年度息26"),
    # 宋体 by glyph number (Identity-H) with a ToUnicode map, not embedded: pdfium asks for it as a
    # Latin font (no CJK ordering to go by); the machine's fonts lost its one-character objects
    (_IDENTITY_CID, [(20, 150, b"\x00\x01"), (40, 150, b"\x00\x02"), (60, 150, b"\x00\x03\x00\x04\x00\x05"),
                     (20, 100, b"\x00\x06")],
     (b"<< /Length %d >>\nstream\n%s\nendstream" % (len(_TO_UNICODE) + 1, _TO_UNICODE),), _IDENTITY_TEXT),
], ids=["truetype", "truetype-symbolic", "cid-gbk", "cid-identity"])
def test_fonts_not_embedded_lose_no_character(font, strings, more, text):
    # Every text object is read, one character ones too, with pdfminer's boxes: the substitute's
    # glyphs give each object a box and leave the PDF's own advances.
    data = _one_page_pdf(font, strings, more)
    _assert_same_layer(data, x1_tolerance=0.01)
    document = pdf_layer.open_document(data)
    try:
        read = "".join(c["text"] for c in next(pdf_layer.pages(document)).chars)
    finally:
        document.close()
    assert read.replace(" ", "") == text


def test_standard_fonts_keep_their_own_widths():
    # Helvetica and Times need no Widths in a PDF (reportlab writes none): pdfium takes them from
    # the font it is given, so only CJK fonts may get the substitute (whose every glyph is one em).
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    page = canvas.Canvas(buf, pagesize=(300, 200))
    for y, (font, text) in enumerate([("Helvetica", "Total 25"), ("Times-Roman", "7"), ("Courier", "2023")]):
        page.setFont(font, 10)
        page.drawString(20, 150 - 30 * y, text)
    page.save()
    data = buf.getvalue()
    miner = sorted((c["text"], round(c["x0"], 2), round(c["x1"], 2)) for c in _pdfminer_pages(data)[0][0])
    pdfium = sorted((c["text"], round(c["x0"], 2), round(c["x1"], 2)) for c in _pdfium_pages(data)[0][0])
    assert pdfium == miner
