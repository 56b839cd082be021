"""Windows metafiles (EMF, WMF): a table copied out of Excel or WPS and pasted into Word "as a
picture" is kept as the drawing calls that drew it, text as text. Until parser 0.7.12 such a
picture was only named (``pictures_not_read``: OCR reads pixels); now its strings and rules are
read exactly, as an OFD page's are (``parsing/metafile.py``).

Two writers make them here: the project's own (``forms.drawn_table_metafile``: Excel's habits,
record by record, no other program needed) and LibreOffice Draw (``forms.metafile_of_pdf``: any
PDF page, the hand-checked reports' too), so the reader is not only checked against itself.
"""
from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from orchestration.parsing import office, parse_document, sniff
from orchestration.parsing.metafile import read_emf, read_metafile_document, read_wmf
from orchestration.synthetic import forms, samples
from tests.conftest import SHARED_CORPUS, read_against

IN_CI = os.environ.get("CI") == "true"
DRAW = Path("/usr/lib/libreoffice/program/libsdlo.so").exists()
needs_draw = pytest.mark.skipif(
    not (office.available() and DRAW) and not IN_CI,
    reason="LibreOffice Draw is not installed (apt-get install libreoffice-draw-nogui; .ci/run installs it)")

TABLE = [["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
         ["行政许可", "396", "-18", "1813"],
         ["其他对外管理服务事项", "25", "+3", "440"]]


def _rows(doc) -> list[list[str]]:
    return [[c.text for c in item.cells] if hasattr(item, "cells") else [item.text] for item in doc.items]


@pytest.mark.parametrize("y_up", [False, True])
@pytest.mark.parametrize("align", ["centre", "left"])
@pytest.mark.parametrize("form", ["emf", "wmf"])
def test_a_drawn_table_reads_cell_by_cell(form, align, y_up):
    """Strings centred on their cells or set at their left, on their baselines; a window whose y
    runs downwards or upwards; an EMF (UTF-16, its own window and viewport) and a WMF (GBK
    bytes, an advance per byte, a placeable header in twips): the same rows."""
    data = forms.drawn_table_metafile(TABLE, form, align, y_up)
    assert sniff(data, "table") == form
    page = (read_emf if form == "emf" else read_wmf)(data)
    assert [s[0] for s in page.strings] == [text for row in TABLE for text in row]
    assert len(page.rules) == len(TABLE) + 1 + len(TABLE[0]) + 1
    assert _rows(read_metafile_document(data)) == TABLE


def _word_with_pictures(paragraphs: list[str], pictures: list[bytes], form: str) -> bytes:
    """A DOCX of ``paragraphs``, then each picture 16 cm wide."""
    import docx
    from docx.shared import Cm
    from PIL import Image

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    for number, _ in enumerate(pictures):
        placeholder = io.BytesIO()
        Image.new("L", (8 + number, 8), 255).save(placeholder, "PNG")
        document.add_picture(io.BytesIO(placeholder.getvalue()), width=Cm(16))
    out = io.BytesIO()
    document.save(out)
    return forms.with_pictures_replaced(out.getvalue(), pictures, form, f"image/x-{form}")


@pytest.mark.parametrize("form", ["emf", "wmf"])
def test_a_table_pasted_into_word_as_a_metafile_is_read_exactly(form):
    word = _word_with_pictures(["某县人民政府2023年政府信息公开工作年度报告", "二、主动公开政府信息情况",
                                "第二十条第（五）项"], [forms.drawn_table_metafile(TABLE, form)], form)
    report = parse_document(word, "report.docx")
    assert report.metrics["active.licensing.prev_items"] == 396
    assert report.metrics["active.licensing.item_change"] == -18
    assert report.metrics["active.licensing.decisions"] == 1813
    assert report.metrics["active.other_services.decisions"] == 440
    assert not report.issues, report.issues
    # read as text, not by OCR: no value of it is doubted, and it says where it stood
    where = report.values["active.licensing.decisions"].location
    assert where.startswith("picture 1: ")
    # so in a Strict Open XML Document (its pictures under the strict DrawingML namespaces)
    assert parse_document(forms.strict_ooxml(word), "strict.docx").metrics == report.metrics


def _records(emf: bytes) -> list[tuple[int, int]]:
    """(where, type) of each record of an EMF."""
    import struct

    out, at = [], 0
    while at + 8 <= len(emf):
        kind, size = struct.unpack_from("<II", emf, at)
        out.append((at, kind))
        at += size
    return out


@pytest.mark.skipif(not office.available() and not IN_CI,
                    reason="LibreOffice is not installed (apt-get install libreoffice-writer-nogui; .ci/run installs it)")
@pytest.mark.parametrize("form", ["emf", "wmf"])
def test_a_word_2003_xml_file_reads_its_inline_pictures(form):
    """Word 2003 XML keeps a picture inline (``w:binData``, named by its ``v:imagedata``'s
    ``src``): not read before parser 0.7.12. LibreOffice writes no size on the shape: the
    picture's own decides (a metafile with text is read)."""
    assert office.available(), "CI must have LibreOffice: .ci/run installs libreoffice-writer-nogui"
    word = _word_with_pictures(["某县人民政府2023年政府信息公开工作年度报告", "二、主动公开政府信息情况",
                                "第二十条第（五）项"], [forms.drawn_table_metafile(TABLE, form)], form)
    xml = forms.libreoffice_convert(word, ".docx", "word2003")
    assert b"<w:binData" in xml
    report = parse_document(xml, "report.doc")
    assert report.form == "wordxml"
    assert report.metrics["active.licensing.decisions"] == 1813 and report.metrics["active.other_services.prev_items"] == 25
    assert report.values["active.licensing.decisions"].location.startswith("picture 1: ")


def test_metafiles_that_cannot_be_read_are_named():
    """A record that says it is longer than the file (a picture cut on its way), a picture of
    GDI+ records only (EMF+ without the GDI copy), and one whose strings are glyph numbers: each
    named in a ``pictures_not_read`` issue; a metafile with no text (a drawing, a logo) is
    nothing to read, as a photo is."""
    import struct

    table = forms.drawn_table_metafile(TABLE, "emf")
    first_text = next(at for at, kind in _records(table) if kind == 84)
    cut = table[:first_text + 4] + struct.pack("<I", 1 << 20) + table[first_text + 8:]
    header = table[:_records(table)[1][0]]
    comment = struct.pack("<III", 70, 28, 16) + b"EMF+" + b"\0" * 12
    gdi_plus = header + comment + struct.pack("<II3I", 14, 20, 0, 16, 20)
    drawing = b"".join(table[at:at + struct.unpack_from("<I", table, at + 4)[0]]
                       for at, kind in _records(table) if kind != 84)
    glyph_numbers = bytearray(table)   # the strings as the font's glyph numbers (ETO_GLYPH_INDEX)
    for at, kind in _records(table):
        if kind == 84:
            struct.pack_into("<I", glyph_numbers, at + 8 + 44, 0x10)
    word = _word_with_pictures(["某县人民政府2023年政府信息公开工作年度报告"],
                               [cut, gdi_plus, drawing, bytes(glyph_numbers)], "emf")
    report = parse_document(word, "report.docx")
    named = [i.message for i in report.issues if i.code == "pictures_not_read"]
    assert len(named) == 3, report.issues
    assert "picture 1" in named[0] and "damaged Enhanced Metafile" in named[0] and f"at byte {first_text}" in named[0]
    assert "picture 2" in named[1] and "GDI+" in named[1]
    assert "picture 4" in named[2] and "glyph numbers" in named[2]   # (picture 3, a drawing: nothing)
    assert "parser_error" not in [i.code for i in report.issues]


def test_a_metafile_cut_short_reads_what_it_holds_and_says_where_it_stops():
    table = forms.drawn_table_metafile(TABLE, "emf")
    last_text = [at for at, kind in _records(table) if kind == 84][-1]
    cut = table[:last_text + 40]   # inside the record of the last cell's text (「440」)
    report = parse_document(_word_with_pictures(["某县人民政府2023年政府信息公开工作年度报告", "二、主动公开政府信息情况",
                                                 "第二十条第（五）项"], [cut], "emf"), "report.docx")
    assert report.metrics["active.licensing.decisions"] == 1813
    assert report.metrics["active.other_services.prev_items"] == 25
    assert report.metrics.get("active.other_services.decisions") is None
    damaged = [i.message for i in report.issues if i.code == "damaged_picture"]
    assert len(damaged) == 1 and "picture 1" in damaged[0] and f"at byte {last_text}" in damaged[0]


@needs_draw
@pytest.mark.parametrize("form", ["emf", "wmf"])
def test_generated_tables_pasted_as_metafiles_read_as_the_word_tables(form):
    """LibreOffice Draw's metafiles of the generated report's tables (merged cells, wrapped
    labels): every value the Word file's own tables give; and once saved as DOC (LibreOffice
    keeps the metafiles), the same."""
    assert office.available() and DRAW, "CI must have LibreOffice Draw: .ci/run installs libreoffice-draw-nogui"
    report = next(r for r in samples.generate_panel(seed=7, agencies=1) if r.layout == "2021")
    word = forms.tables_as_metafiles(report, form)
    media = [n for n in zipfile.ZipFile(io.BytesIO(word)).namelist() if n.startswith("word/media/")]
    assert media and all(n.endswith(f".{form}") for n in media)
    want = parse_document(samples.render_docx(report), "report.docx").metrics
    got = parse_document(word, "report.docx")
    assert got.metrics == want and not got.issues
    if form == "emf":
        as_doc = forms.libreoffice_convert(word, ".docx", "doc")
        assert parse_document(as_doc, "report.doc").metrics == want


@needs_draw
@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="the hand-checked corpus (../shared) is absent")
@pytest.mark.parametrize("name, form", [("hongze-2023", "emf"), ("huaian-2024", "wmf")])
def test_the_checked_pdfs_pages_as_metafile_pictures_read_every_cell(name, form):
    """Each page of a hand-checked PDF pasted into Word as a metafile (none read before 0.7.12)."""
    spec = json.loads((SHARED_CORPUS / f"{name}.pdf.expected.json").read_text(encoding="utf-8"))
    word = forms.pdf_as_metafile_pictures((SHARED_CORPUS / f"{name}.pdf").read_bytes(), form)
    got = parse_document(word, f"{name}.docx")
    right, unread = read_against(spec["metrics"], got.metrics, f"{name} as {form} pictures")
    assert right == len(spec["metrics"]), unread
