"""More physical forms of a generated report (or of any PDF), for the readers of parsing/ocr.py,
parsing/office.py, parsing/spreadsheet.py and parsing/ofd.py:

- ``scan_pdf``: a PDF turned into an image-only one as a scanner makes it: rendered at 150–300
  dpi, each page turned by a small angle, blurred, JPEG-compressed, and optionally one page
  turned by 90°;
- ``text_over_scan``: a "searchable" scan: each page an image with its words laid over it
  invisibly, as a scanner's OCR software writes one;
- ``turned_pages``: a PDF whose pages are drawn turned and shown upright by ``/Rotate``;
- ``page_image``: one page as an image file (the 图片版 attachment, a table pasted into a page);
- ``render_xlsx``: the report's paragraphs and tables in one worksheet, merged cells merged;
- ``spreadsheet_xml``, ``workbook_as_xls``, ``workbook_as_ods``: a workbook as Excel's XML
  Spreadsheet 2003, as an Excel 97–2003 file (BIFF8), as an OpenDocument spreadsheet (what it
  hides hidden alike);
- ``with_hidden_content``: a workbook with another report's tables where the workbook hides
  them (a hidden worksheet, hidden rows, a hidden column), as last year's workbook copied on;
- ``render_ofd``: the report as an OFD (GB/T 33190): a zip of XML pages holding text objects at
  their positions and the tables' rules as path objects;
- ``pdf_as_ofd``: any PDF (a hand-checked one too) converted to OFD the ways converters write
  one (a text object per glyph, per word, per line spaced by DeltaX, in a page-wide box, scaled
  by a CTM; rectangles as closed paths), or scanned: every page an image;
- ``garbled_text_layer``: a PDF whose fonts' ToUnicode maps every glyph into the Private Use
  Area or onto other Chinese characters (a converter's 乱码: the page shows Chinese, its text
  layer is U+E000… or 「泯诞岭箜…」);
- ``libreoffice_convert``: DOCX → DOC, or a Word 97 file named ``.wps`` (LibreOffice cannot
  write WPS; WPS Office reads and writes the Word 97 format under that name), or Word 2003 XML;
- ``flat_package``: a DOCX as one XML file (Word's "XML Document", Flat OPC);
- ``web_archive``: a page saved as one file (MHTML), as a browser saves it or as Word saves a
  "web archive" (the ``.doc`` files many sites' 导出Word buttons serve);
- ``page_with_table_pictures``: a report page whose tables are pictures, as ``data:`` images or
  as images its web archive holds; ``saved_page_with_table_pictures``: the same as a browser's
  "complete" save (the page and a folder of its pictures beside it);
- ``word_importing``: a DOCX whose body only imports the page (``w:altChunk``), as tools that
  make Word files from web pages (html-docx-js and the like) write it;
- ``tables_in_text_boxes``: a DOCX whose tables stand in text boxes (DrawingML, with Word's VML
  copy of each for older readers);
- ``pictures_in_table_cells``: a DOCX whose pictures stand in the cell of a layout table;
- ``tables_in_layout_cells``: a DOCX whose tables stand in the cell of a layout table;
- ``word_embedding_workbook``: a DOCX whose tables are one Excel workbook inserted as an object
  (Word shows a picture of it, a Windows metafile, and keeps the workbook);
- ``zip_archive``: files zipped as a site attaches a report with its annexes (GBK names);
- ``strict_ooxml``: a DOCX as Word's "Strict Open XML Document";
- ``metafile_of_pdf``, ``tables_as_metafiles``, ``pdf_as_metafile_pictures``: a PDF page as an
  Enhanced Metafile (LibreOffice Draw's export), a DOCX whose tables are pasted as metafiles (a
  range of Excel pasted "as a picture"), a DOCX of a PDF's pages as metafile pictures.

Seeded: the same arguments give the same bytes (except LibreOffice's output).
"""
from __future__ import annotations

import io
import random
import re
import zipfile
from dataclasses import dataclass
from xml.sax.saxutils import escape

from .samples import SampleReport, _document, _place


def scan_pdf(pdf: bytes, seed: int = 0, dpi: int = 200, max_angle: float = 1.0, blur: float = 0.6,
             jpeg_quality: int = 60, turn_page: int | None = None, pages: list[int] | None = None) -> bytes:
    """An image-only PDF of ``pdf``'s pages (1-based ``pages``, default all). ``turn_page``
    (1-based) is turned by 90° clockwise, as a landscape page fed the wrong way."""
    from PIL import Image

    images = [Image.open(io.BytesIO(jpeg)) for jpeg in
              _scanned_pages(pdf, seed, dpi, max_angle, blur, jpeg_quality, turn_page, pages)]
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=float(dpi))
    return out.getvalue()


def _scanned_pages(pdf: bytes, seed: int = 0, dpi: int = 200, max_angle: float = 1.0, blur: float = 0.6,
                   jpeg_quality: int = 60, turn_page: int | None = None,
                   pages: list[int] | None = None) -> list[bytes]:
    """The pages of ``pdf`` as a scanner gives them: JPEG files, each page turned by a small
    angle and blurred (see scan_pdf)."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageFilter

    from ..parsing.pdf_layer import use_system_fonts

    use_system_fonts()   # the generator's PDFs do not embed their CJK font: draw it as it looks
    rnd = random.Random(seed)
    document = pdfium.PdfDocument(pdf)
    out = []
    for number in pages or range(1, len(document) + 1):
        page = document[number - 1]
        image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        angle = rnd.uniform(-max_angle, max_angle)
        image = image.rotate(angle, expand=True, fillcolor=255, resample=Image.BICUBIC)
        image = image.filter(ImageFilter.GaussianBlur(blur))
        if number == turn_page:
            image = image.transpose(Image.ROTATE_270)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=jpeg_quality)
        out.append(buffer.getvalue())
    return out


def text_over_scan(pdf: bytes, seed: int = 0, max_angle: float = 0.0, miss_every: int = 0) -> bytes:
    """A "searchable" scan of ``pdf``, as a scanner's OCR software writes one: every page an image
    (scanned as scan_pdf scans, turned by up to ``max_angle``°) with the page's words laid over it
    invisibly (text render mode 3), each stretched to the width it has on the page. The words
    are the original's (an OCR without errors), but for every ``miss_every``-th number, which the
    layer leaves out (an OCR that missed it); the tables' rules are in the image only."""
    import pdfplumber
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    scans = _scanned_pages(pdf, seed=seed, max_angle=max_angle)
    out = io.BytesIO()
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        sheet = canvas.Canvas(out)
        for page, jpeg in zip(document.pages, scans):
            width, height = float(page.width), float(page.height)
            sheet.setPageSize((width, height))
            sheet.drawImage(ImageReader(io.BytesIO(jpeg)), 0, 0, width=width, height=height)
            numbers = 0
            for word in page.extract_words(keep_blank_chars=False, x_tolerance=1.5):
                if word["text"].isdigit():
                    numbers += 1
                    if miss_every and numbers % miss_every == 0:
                        continue
                size = word["bottom"] - word["top"]
                natural = pdfmetrics.stringWidth(word["text"], "STSong-Light", size)
                text = sheet.beginText()
                text.setTextRenderMode(3)
                text.setFont("STSong-Light", size)
                text.setHorizScale(100 * (word["x1"] - word["x0"]) / natural if natural else 100)
                text.setTextOrigin(word["x0"], height - word["bottom"] + 0.12 * size)
                text.textOut(word["text"])
                sheet.drawText(text)
            sheet.showPage()
        sheet.save()
    return out.getvalue()


def turned_pages(pdf: bytes, rotation: int = 90, pages: list[int] | None = None) -> bytes:
    """``pdf`` with its pages (1-based ``pages``, default all) drawn turned on a page of the
    other orientation, and ``/Rotate`` (90, 180 or 270) set so that each shows upright, as some
    printers and scanners' software write a page: the page looks the same, its text layer is
    turned in the page's own space."""
    import pypdfium2 as pdfium

    source = pdfium.PdfDocument(pdf)
    out = pdfium.PdfDocument.new()
    for index in range(len(source)):
        if pages and index + 1 not in pages:
            out.import_pages(source, [index])
            continue
        w, h = source[index].get_size()
        turn = rotation % 360
        page = out.new_page(h, w) if turn in (90, 270) else out.new_page(w, h)
        drawn = source.page_as_xobject(index, out).as_pageobject()
        # The content turned against the way /Rotate turns the page, so that the two cancel out.
        matrix = pdfium.PdfMatrix()
        if turn == 90:
            matrix = matrix.rotate(90, ccw=True).translate(h, 0)
        elif turn == 180:
            matrix = matrix.rotate(180).translate(w, h)
        elif turn == 270:
            matrix = matrix.rotate(90).translate(0, w)
        drawn.transform(matrix)
        page.insert_obj(drawn)
        page.gen_content()
        page.set_rotation(turn)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def page_image(pdf: bytes, page: int = 1, dpi: int = 150, form: str = "PNG",
               crop: tuple[float, float, float, float] | None = None) -> bytes:
    """One page of ``pdf`` as an image file; ``crop`` = (left, top, right, bottom) shares of
    the page keeps only that part (a table pasted alone)."""
    import pypdfium2 as pdfium

    from ..parsing.pdf_layer import use_system_fonts

    use_system_fonts()   # as in scan_pdf
    image = pdfium.PdfDocument(pdf)[page - 1].render(scale=dpi / 72, grayscale=True).to_pil()
    if crop:
        w, h = image.size
        image = image.crop((int(crop[0] * w), int(crop[1] * h), int(crop[2] * w), int(crop[3] * h)))
    out = io.BytesIO()
    image.save(out, form, dpi=(dpi, dpi))
    return out.getvalue()


def render_xlsx(report: SampleReport, tables_only: bool = False) -> bytes:
    """The report in one worksheet: a paragraph per row in column A, each table as its grid
    with merged cells merged and numbers stored as numbers (as a 统计表 annex is kept).
    ``tables_only``: the tables alone."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "统计表"
    row = 1
    for kind, item in _document(report):
        if kind != "table" and tables_only:
            continue
        if kind != "table":
            sheet.cell(row=row, column=1, value=item)
            row += 1
            continue
        placed, _ = _place(item[1])
        rows = 0
        for p in placed:
            text = p.cell.text
            value: object = int(text) if text.isdigit() else text
            sheet.cell(row=row + p.row, column=1 + p.col, value=value)
            if p.cell.rowspan > 1 or p.cell.colspan > 1:
                sheet.merge_cells(start_row=row + p.row, start_column=1 + p.col,
                                  end_row=row + p.row + p.cell.rowspan - 1,
                                  end_column=1 + p.col + p.cell.colspan - 1)
            rows = max(rows, p.row + p.cell.rowspan)
        row += rows + 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class _Worksheet:
    """One worksheet of a workbook as the writers below need it (1-based rows and columns)."""
    title: str
    hidden: bool
    values: dict[tuple[int, int], object]          # (row, column) → value, None for none
    merges: dict[tuple[int, int], tuple[int, int]]  # a merged range's first cell → (rows, columns) further
    covered: set[tuple[int, int]]                   # the cells a merged range covers, but its first
    hidden_rows: set[int]
    hidden_columns: set[int]
    rows: int
    columns: int


def _worksheets(xlsx: bytes) -> list[_Worksheet]:
    from openpyxl import load_workbook

    out = []
    for sheet in load_workbook(io.BytesIO(xlsx)).worksheets:
        ranges = sheet.merged_cells.ranges
        out.append(_Worksheet(
            title=sheet.title, hidden=sheet.sheet_state != "visible",
            values={(cell.row, cell.column): cell.value for row in sheet.iter_rows() for cell in row
                    if cell.value is not None},
            merges={(m.min_row, m.min_col): (m.max_row - m.min_row, m.max_col - m.min_col) for m in ranges},
            covered={(r, c) for m in ranges for r in range(m.min_row, m.max_row + 1)
                     for c in range(m.min_col, m.max_col + 1) if (r, c) != (m.min_row, m.min_col)},
            hidden_rows={r for r, dimension in sheet.row_dimensions.items() if dimension.hidden},
            hidden_columns={sheet[f"{letter}1"].column for letter, dimension in sheet.column_dimensions.items()
                            if dimension.hidden},
            rows=sheet.max_row, columns=sheet.max_column))
    return out


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def spreadsheet_xml(xlsx: bytes) -> bytes:
    """A workbook as Excel's XML Spreadsheet 2003 writes it (what systems that export a table "to
    Excel" serve, often as ``.xls``): cells after a gap placed by ``ss:Index``, merged ranges as
    ``ss:MergeAcross`` / ``ss:MergeDown`` with the cells they cover left out, numbers typed
    ``Number``, hidden rows, columns and worksheets marked as Excel marks them."""
    sheets = []
    for sheet in _worksheets(xlsx):
        columns = "".join(f'<Column ss:Index="{c}" ss:Hidden="1"/>' for c in sorted(sheet.hidden_columns))
        rows, last_row = [], 0
        for r in range(1, sheet.rows + 1):
            cells, last_col = [], 0
            for c in range(1, sheet.columns + 1):
                value = sheet.values.get((r, c))
                merge = sheet.merges.get((r, c))
                if (r, c) in sheet.covered or (value is None and merge is None):
                    continue
                index = f' ss:Index="{c}"' if c != last_col + 1 else ""
                spans = (f' ss:MergeAcross="{merge[1]}"' if merge and merge[1] else "") + \
                        (f' ss:MergeDown="{merge[0]}"' if merge and merge[0] else "")
                data = "" if value is None else (
                    f'<Data ss:Type="Number">{value}</Data>' if _is_number(value)
                    else f'<Data ss:Type="String">{escape(str(value))}</Data>')
                cells.append(f"<Cell{index}{spans}>{data}</Cell>")
                last_col = c + (merge[1] if merge else 0)
            hidden = r in sheet.hidden_rows
            if not cells and not hidden:
                continue
            index = f' ss:Index="{r}"' if r != last_row + 1 else ""
            mark = ' ss:Hidden="1"' if hidden else ""
            rows.append(f'<Row{index}{mark}>{"".join(cells)}</Row>')
            last_row = r
        options = ('<WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel"><Visible>SheetHidden</Visible>'
                   "</WorksheetOptions>") if sheet.hidden else ""
        sheets.append(f'<Worksheet ss:Name="{escape(sheet.title)}"><Table>{columns}{"".join(rows)}</Table>{options}</Worksheet>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
            '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
            + "".join(sheets) + "</Workbook>").encode("utf-8")


def workbook_as_xls(xlsx: bytes) -> bytes:
    """A workbook as an Excel 97–2003 file (BIFF8, ``.xls``; written by xlwt): values, merged
    ranges, and the worksheets, rows and columns the workbook hides hidden the same way."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheets = _worksheets(xlsx)
    for sheet in sheets:
        target = book.add_sheet(sheet.title, cell_overwrite_ok=True)
        target.visibility = 1 if sheet.hidden else 0
        for (r, c), value in sheet.values.items():
            if (r, c) in sheet.covered:
                continue
            merge = sheet.merges.get((r, c))
            if merge:
                target.write_merge(r - 1, r - 1 + merge[0], c - 1, c - 1 + merge[1], value)
            else:
                target.write(r - 1, c - 1, value)
        for (r, c), (down, across) in sheet.merges.items():
            if (r, c) not in sheet.values:
                target.merge(r - 1, r - 1 + down, c - 1, c - 1 + across)
        for r in sheet.hidden_rows:
            target.row(r - 1).hidden = True
        for c in sheet.hidden_columns:
            target.col(c - 1).hidden = True
    shown = next((i for i, sheet in enumerate(sheets) if not sheet.hidden), 0)
    book.active_sheet = shown
    book.get_sheet(shown).set_selected(True)
    for i, sheet in enumerate(sheets):
        if i != shown:
            book.get_sheet(i).set_selected(False)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def workbook_as_ods(xlsx: bytes) -> bytes:
    """A workbook as an OpenDocument spreadsheet (what LibreOffice Calc saves by default): merged
    cells spanned, the positions they cover covered cells, runs of empty rows written once with
    ``table:number-rows-repeated`` as Calc writes them, and what the workbook hides hidden as
    Calc hides it (rows and columns ``table:visibility="collapse"``, a worksheet by its table
    style's ``table:display="false"``)."""
    tables = []
    for sheet in _worksheets(xlsx):
        columns = "".join('<table:table-column table:visibility="collapse"/>' if c in sheet.hidden_columns
                          else "<table:table-column/>" for c in range(1, sheet.columns + 1))
        rows: list[str] = []
        empty_run = 0

        def flush() -> None:
            if empty_run:
                repeat = f' table:number-rows-repeated="{empty_run}"' if empty_run > 1 else ""
                rows.append(f"<table:table-row{repeat}><table:table-cell/></table:table-row>")

        for r in range(1, sheet.rows + 1):
            hidden = r in sheet.hidden_rows
            if not hidden and not any((r, c) in sheet.values or (r, c) in sheet.covered
                                      for c in range(1, sheet.columns + 1)):
                empty_run += 1
                continue
            flush()
            empty_run = 0
            cells = []
            for c in range(1, sheet.columns + 1):
                if (r, c) in sheet.covered:
                    cells.append("<table:covered-table-cell/>")
                    continue
                value = sheet.values.get((r, c))
                down, across = sheet.merges.get((r, c), (0, 0))
                spans = (f' table:number-rows-spanned="{down + 1}"' if down else "") + \
                        (f' table:number-columns-spanned="{across + 1}"' if across else "")
                if value is None:
                    cells.append(f"<table:table-cell{spans}/>")
                elif _is_number(value):
                    cells.append(f'<table:table-cell{spans} office:value-type="float" office:value="{value}">'
                                 f"<text:p>{value}</text:p></table:table-cell>")
                else:
                    cells.append(f'<table:table-cell{spans} office:value-type="string">'
                                 f"<text:p>{escape(str(value))}</text:p></table:table-cell>")
            visibility = ' table:visibility="collapse"' if hidden else ""
            rows.append(f"<table:table-row{visibility}>{''.join(cells)}</table:table-row>")
        flush()
        style = ' table:style-name="hidden_table"' if sheet.hidden else ""
        tables.append(f'<table:table table:name="{escape(sheet.title)}"{style}>{columns}{"".join(rows)}</table:table>')
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"')
    styles = ('<office:automatic-styles><style:style style:name="hidden_table" style:family="table">'
              '<style:table-properties table:display="false"/></style:style></office:automatic-styles>')
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}>{styles}<office:body>'
               f'<office:spreadsheet>{"".join(tables)}</office:spreadsheet></office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        # The mimetype first and stored as it is: how a reader knows an OpenDocument file.
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def with_hidden_content(xlsx: bytes, other: bytes, how: str) -> bytes:
    """``xlsx`` (one worksheet, as :func:`render_xlsx` writes it) with the figures of ``other``
    (another year's, laid out alike) where Excel does not show them: ``sheet``, its worksheet
    copied in before the shown one and hidden; ``rows``, its rows put above the shown ones and
    hidden; ``column``, a hidden column after column B holding its column B's numbers (merged
    ranges moved with the cells)."""
    from openpyxl import load_workbook

    book, source = load_workbook(io.BytesIO(xlsx)), load_workbook(io.BytesIO(other)).active
    sheet = book.active
    if how == "sheet":
        copy = book.create_sheet("去年", 0)
        for row in source.iter_rows():
            for cell in row:
                if cell.value is not None:
                    copy.cell(row=cell.row, column=cell.column, value=cell.value)
        for merged in source.merged_cells.ranges:
            copy.merge_cells(str(merged))
        copy.sheet_state = "hidden"
        book.active = 1
    elif how in ("rows", "column"):
        offset = source.max_row + 1 if how == "rows" else 0
        merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in sheet.merged_cells.ranges]
        for merged in list(sheet.merged_cells.ranges):
            sheet.unmerge_cells(str(merged))
        if how == "rows":
            sheet.insert_rows(1, offset)
            for row in source.iter_rows():
                for cell in row:
                    if cell.value is not None:
                        sheet.cell(row=cell.row, column=cell.column, value=cell.value)
            for number in range(1, offset + 1):
                sheet.row_dimensions[number].hidden = True
            merges = [(r0 + offset, c0, r1 + offset, c1) for r0, c0, r1, c1 in merges] + \
                     [(m.min_row, m.min_col, m.max_row, m.max_col) for m in source.merged_cells.ranges]
        else:
            sheet.insert_cols(3)
            for number in range(1, sheet.max_row + 1):
                value = source.cell(row=number, column=2).value
                if isinstance(value, int):
                    sheet.cell(row=number, column=3, value=value)
            sheet.column_dimensions["C"].hidden = True
            merges = [(r0, c0 + (c0 >= 3), r1, c1 + (c1 >= 3)) for r0, c0, r1, c1 in merges]
        for r0, c0, r1, c1 in merges:
            sheet.merge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)
    else:
        raise ValueError(f"unknown hiding: {how}")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render_ods(report: SampleReport) -> bytes:
    """The report as render_xlsx lays it out, in an OpenDocument spreadsheet (what LibreOffice
    Calc saves by default)."""
    return workbook_as_ods(render_xlsx(report))


# ---- OFD -----------------------------------------------------------------------------------

_PAGE_W, _PAGE_H = 210.0, 297.0       # A4, in millimetres (OFD's unit)
_MARGIN = 20.0
_FONT = 4.2                            # mm: about 12 pt
_ROW_H = 7.5


def _wrap(text: str, width_chars: int) -> list[str]:
    return [text[i:i + width_chars] for i in range(0, len(text), width_chars)] or [""]


def render_ofd(report: SampleReport, tables_as_pictures: bool = False) -> bytes:
    """A minimal valid OFD of the report: one text object per line of prose and per table cell
    (with its position), the tables' rules as path objects. ``tables_as_pictures``: each table
    an image object instead (a screenshot pasted in), the prose text."""
    pages: list[list[str]] = [[]]
    y = _MARGIN
    next_id = [10]
    media: dict[str, bytes] = {}

    def new_id() -> int:
        next_id[0] += 1
        return next_id[0]

    def text(x: float, top: float, s: str, size: float = _FONT) -> None:
        width = max(size * len(s), size)
        pages[-1].append(
            f'<ofd:TextObject ID="{new_id()}" Boundary="{x:.2f} {top:.2f} {width:.2f} {size * 1.4:.2f}" '
            f'Font="3" Size="{size:.2f}"><ofd:TextCode X="0" Y="{size:.2f}">{escape(s)}</ofd:TextCode>'
            "</ofd:TextObject>")

    def rule(x0: float, y0: float, x1: float, y1: float) -> None:
        pages[-1].append(
            f'<ofd:PathObject ID="{new_id()}" Boundary="0 0 {_PAGE_W} {_PAGE_H}" LineWidth="0.25">'
            f"<ofd:AbbreviatedData>M {x0:.2f} {y0:.2f} L {x1:.2f} {y1:.2f}</ofd:AbbreviatedData></ofd:PathObject>")

    def room(height: float) -> None:
        nonlocal y
        if y + height > _PAGE_H - _MARGIN:
            pages.append([])
            y = _MARGIN

    usable = _PAGE_W - 2 * _MARGIN
    for kind, item in _document(report):
        if kind != "table":
            size = _FONT * (1.4 if kind == "title" else 1.0)
            for line in _wrap(item, int(usable / size)):
                room(size * 1.8)
                text(_MARGIN, y, line, size)
                y += size * 1.8
            continue
        if tables_as_pictures:
            from PIL import Image

            from .samples import _table_png, table_flowable

            png, _, _ = _table_png(table_flowable(item))
            picture = Image.open(io.BytesIO(png)).convert("L")
            jpeg = io.BytesIO()
            picture.save(jpeg, "JPEG", quality=92)
            key = str(new_id())
            media[key] = jpeg.getvalue()
            w = usable
            h = min(w * picture.size[1] / picture.size[0], _PAGE_H - 2 * _MARGIN)
            w = h * picture.size[0] / picture.size[1]
            room(h)
            pages[-1].append(f'<ofd:ImageObject ID="{new_id()}" ResourceID="{key}" Boundary="{_MARGIN:.2f} {y:.2f} '
                             f'{w:.2f} {h:.2f}" CTM="{w:.2f} 0 0 {h:.2f} 0 0"/>')
            y += h + _FONT
            continue
        rows = item[1]
        placed, width = _place(rows)
        label_w = usable * (0.45 if width > 4 else 0.4)
        value_w = (usable - label_w) / max(1, width - 1) if width > 1 else usable
        # Label columns share the label width; the rest are value columns.
        labels = max((p.col + p.cell.colspan for p in placed if not p.cell.text.isdigit() and p.row > 0), default=1)
        labels = min(labels, width - 1) if width > 1 else 1
        if width > 1:
            value_w = (usable * 0.55) / (width - labels)
            label_w = usable * 0.45 / labels
        xs = [_MARGIN + (c * label_w if c <= labels else labels * label_w + (c - labels) * value_w)
              for c in range(width + 1)]
        n_rows = max(p.row + p.cell.rowspan for p in placed)
        room(n_rows * _ROW_H)
        top = y
        for p in placed:
            x0, x1 = xs[p.col], xs[p.col + p.cell.colspan]
            y0, y1 = top + p.row * _ROW_H, top + (p.row + p.cell.rowspan) * _ROW_H
            rule(x0, y0, x1, y0)
            rule(x0, y1, x1, y1)
            rule(x0, y0, x0, y1)
            rule(x1, y0, x1, y1)
            size = min(_FONT * 0.8, (x1 - x0 - 1) / max(1, len(p.cell.text)))
            if p.cell.text:
                text(x0 + 0.5, (y0 + y1) / 2 - size * 0.7, p.cell.text, size)
        y = top + n_rows * _ROW_H + _FONT
    return _ofd_zip(pages, report.title, media)


def _ofd_zip(pages: list[list[str]], title: str, media: dict[str, bytes] | None = None,
             page_size: tuple[float, float] = (_PAGE_W, _PAGE_H)) -> bytes:
    """The OFD package of ``pages`` (each a list of page objects' XML); ``media`` maps an image
    resource's ID to its JPEG bytes (kept in ``Doc_0/Res``, listed in ``DocumentRes.xml``)."""
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    media = media or {}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        def put(name: str, xml: str | bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, xml if isinstance(xml, bytes) else '<?xml version="1.0" encoding="UTF-8"?>\n' + xml)

        put("OFD.xml", f'<ofd:OFD {ns} Version="1.1" DocType="OFD"><ofd:DocBody><ofd:DocInfo>'
                       f"<ofd:Title>{escape(title)}</ofd:Title></ofd:DocInfo>"
                       "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
        page_list = "".join(f'<ofd:Page ID="{i + 1}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages)))
        put("Doc_0/Document.xml",
            f'<ofd:Document {ns}><ofd:CommonData><ofd:MaxUnitID>99999</ofd:MaxUnitID><ofd:PageArea>'
            f"<ofd:PhysicalBox>0 0 {page_size[0]:.2f} {page_size[1]:.2f}</ofd:PhysicalBox></ofd:PageArea>"
            "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes>"
            + ("<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>" if media else "")
            + f"</ofd:CommonData><ofd:Pages>{page_list}</ofd:Pages></ofd:Document>")
        put("Doc_0/PublicRes.xml", f'<ofd:Res {ns} BaseLoc="Res"><ofd:Fonts><ofd:Font ID="3" '
                                   'FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>')
        if media:
            listed = "".join(f'<ofd:MultiMedia ID="{key}" Type="Image" Format="JPEG">'
                             f"<ofd:MediaFile>image_{key}.jpg</ofd:MediaFile></ofd:MultiMedia>" for key in media)
            put("Doc_0/DocumentRes.xml", f'<ofd:Res {ns} BaseLoc="Res"><ofd:MultiMedias>{listed}</ofd:MultiMedias></ofd:Res>')
            for key, data in media.items():
                put(f"Doc_0/Res/image_{key}.jpg", data)
        for i, objects in enumerate(pages):
            put(f"Doc_0/Pages/Page_{i}/Content.xml",
                f'<ofd:Page {ns}><ofd:Content><ofd:Layer ID="{i + 2}">{"".join(objects)}'
                "</ofd:Layer></ofd:Content></ofd:Page>")
    return out.getvalue()


# How converters write a page's text into an OFD (pdf_as_ofd): every glyph an object of its own;
# one object per word or cell; one per line of a font, the cells apart by the glyphs' spacing
# (DeltaX, repeats written ``g N v``); those lines with the object's box the whole page and the
# glyphs' positions absolute; those lines in points, scaled to millimetres by the object's CTM.
OFD_TEXT = ("glyph", "word", "line", "page_box", "scaled")
_PT = 25.4 / 72   # millimetres in a point


def pdf_as_ofd(pdf: bytes, text: str = "line", scanned: bool | list[int] = False, seed: int = 0) -> bytes:
    """``pdf`` converted to OFD as a converter writes it: its text layer as text objects the way
    ``text`` (one of OFD_TEXT) says, its rules as path objects (lines moved and drawn, rectangles
    as closed paths ``S … C``, each in a box of its own); or, ``scanned`` (True, or the 1-based
    numbers of some pages), pages that are an image and nothing else (scanned as scan_pdf scans:
    turned a little, blurred, JPEG'd)."""
    import pdfplumber

    if text not in OFD_TEXT:
        raise ValueError(f"text must be one of {OFD_TEXT}")
    ids = iter(range(100, 10_000_000))
    pages: list[list[str]] = []
    media: dict[str, bytes] = {}
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        first = document.pages[0]
        size = (first.width * _PT, first.height * _PT)
        numbers = range(1, len(document.pages) + 1) if scanned is True else list(scanned or [])
        scans = dict(zip(numbers, _scanned_pages(pdf, seed=seed, pages=list(numbers)))) if numbers else {}
        for number, page in enumerate(document.pages, start=1):
            if number in scans:
                key = str(next(ids))
                media[key] = scans[number]
                w, h = page.width * _PT, page.height * _PT
                pages.append([f'<ofd:ImageObject ID="{next(ids)}" ResourceID="{key}" Boundary="0 0 {_mm(w)} {_mm(h)}" '
                              f'CTM="{_mm(w)} 0 0 {_mm(h)} 0 0"/>'])
                continue
            objects = [_ofd_text(next(ids), run, text, size) for run in _glyph_runs(page.chars, text)]
            for line in page.lines:
                pts = [(x * _PT, y * _PT) for x, y in line["pts"]]
                objects.append(_ofd_path(next(ids), pts, closed=False))
            for rect in page.rects:
                x0, x1, top, bottom = (rect[k] * _PT for k in ("x0", "x1", "top", "bottom"))
                objects.append(_ofd_path(next(ids), [(x0, top), (x1, top), (x1, bottom), (x0, bottom)], closed=True))
            pages.append(objects)
    return _ofd_zip(pages, "", media, size)


def _mm(v: float) -> str:
    return f"{v:.3f}".rstrip("0").rstrip(".") or "0"


def _glyph_runs(chars: list[dict], text: str) -> list[list[dict]]:
    """The page's characters grouped as the style writes one text object."""
    runs: list[list[dict]] = []
    for ch in chars:
        if not ch["text"].strip() and (text == "glyph" or not runs):
            continue
        if runs:
            last = runs[-1][-1]
            together = (text != "glyph" and abs(ch["bottom"] - last["bottom"]) < 0.8
                        and ch["fontname"] == last["fontname"] and abs(ch["size"] - last["size"]) < 0.1
                        and ch["x0"] >= last["x0"])
            if text == "word" and ch["x0"] - last["x1"] > 0.5 * ch["size"]:
                together = False
            if together:
                runs[-1].append(ch)
                continue
        runs.append([ch])
    return [[c for c in run] for run in runs if "".join(c["text"] for c in run).strip()]


def _repeats(values: list[float]) -> str:
    """A DeltaX list, runs of one value written ``g N v``."""
    out, i = [], 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and _mm(values[j + 1]) == _mm(values[i]):
            j += 1
        out.append(f"g {j - i + 1} {_mm(values[i])}" if j > i else _mm(values[i]))
        i = j + 1
    return " ".join(out)


def _ofd_text(oid: int, run: list[dict], text: str, page: tuple[float, float]) -> str:
    size = run[0]["size"] * _PT
    xs = [c["x0"] * _PT for c in run]
    baseline = run[0]["bottom"] * _PT - 0.12 * size   # pdfplumber's bottom is the descent's
    x0, x1 = min(xs), max(c["x1"] for c in run) * _PT
    top, bottom = min(c["top"] for c in run) * _PT, max(c["bottom"] for c in run) * _PT
    chars = escape("".join(c["text"] for c in run))
    deltas = [xs[i + 1] - xs[i] for i in range(len(xs) - 1)]
    if text == "scaled":   # object space in points
        delta = f' DeltaX="{_repeats([d / _PT for d in deltas])}"' if deltas else ""
        return (f'<ofd:TextObject ID="{oid}" Boundary="{_mm(x0)} {_mm(top)} {_mm(x1 - x0)} {_mm(bottom - top)}" '
                f'CTM="{_mm(_PT)} 0 0 {_mm(_PT)} 0 0" Font="3" Size="{_mm(size / _PT)}">'
                f'<ofd:TextCode X="0" Y="{_mm((baseline - top) / _PT)}"{delta}>{chars}</ofd:TextCode></ofd:TextObject>')
    delta = f' DeltaX="{_repeats(deltas)}"' if deltas else ""
    if text == "page_box":
        return (f'<ofd:TextObject ID="{oid}" Boundary="0 0 {_mm(page[0])} {_mm(page[1])}" Font="3" Size="{_mm(size)}">'
                f'<ofd:TextCode X="{_mm(x0)}" Y="{_mm(baseline)}"{delta}>{chars}</ofd:TextCode></ofd:TextObject>')
    return (f'<ofd:TextObject ID="{oid}" Boundary="{_mm(x0)} {_mm(top)} {_mm(x1 - x0)} {_mm(bottom - top)}" '
            f'Font="3" Size="{_mm(size)}"><ofd:TextCode X="0" Y="{_mm(baseline - top)}"{delta}>{chars}'
            "</ofd:TextCode></ofd:TextObject>")


def _ofd_path(oid: int, points: list[tuple[float, float]], closed: bool) -> str:
    """A path object in a box of its own (its points relative to the box's corner)."""
    x0, y0 = min(x for x, _ in points), min(y for _, y in points)
    x1, y1 = max(x for x, _ in points), max(y for _, y in points)
    rel = [(x - x0, y - y0) for x, y in points]
    data = (f"S {_mm(rel[0][0])} {_mm(rel[0][1])} " + " ".join(f"L {_mm(x)} {_mm(y)}" for x, y in rel[1:]) + " C"
            if closed else f"M {_mm(rel[0][0])} {_mm(rel[0][1])} " + " ".join(f"L {_mm(x)} {_mm(y)}" for x, y in rel[1:]))
    fill = ' Fill="true"' if closed else ""
    return (f'<ofd:PathObject ID="{oid}" Boundary="{_mm(x0)} {_mm(y0)} {_mm(max(x1 - x0, 0.01))} {_mm(max(y1 - y0, 0.01))}" '
            f'LineWidth="0.25"{fill}><ofd:AbbreviatedData>{data}</ofd:AbbreviatedData></ofd:PathObject>')


_CMAP_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")


def _into_private_use(cmap: bytes, first: int = 0xE000, count: int = 6000) -> bytes:
    """A ToUnicode CMap with every destination moved into the Private Use Area (U+E000…), or
    into the ``count`` characters from ``first``."""
    out, section = [], None
    for line in cmap.split(b"\n"):
        words = line.strip()
        if words.endswith((b"beginbfchar", b"beginbfrange")):
            section = words.rsplit(b"begin", 1)[1]
        elif words.startswith(b"endbf"):
            section = None
        elif section and words.startswith(b"<"):
            codes = _CMAP_HEX.findall(words)
            if section == b"bfchar" and len(codes) == 2:
                line = b"<%s> <%04X>" % (codes[0], first + int(codes[0], 16) * 7919 % count)
            elif section == b"bfrange" and len(codes) == 3:
                line = b"<%s> <%s> <%04X>" % (codes[0], codes[1], first + int(codes[0], 16) * 7919 % (count - 256))
        out.append(line)
    return b"\n".join(out)


def pdf_without_rules(pdf: bytes) -> bytes:
    """``pdf`` with every drawn path taken away: its tables' rules gone, their text where it
    was (a table laid out by alignment alone, as a page whose borders are styles prints)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    document = pdfium.PdfDocument(pdf)
    try:
        for index in range(len(document)):
            page = document[index]
            for item in list(page.get_objects(max_depth=1)):
                if item.type == pdfium_c.FPDF_PAGEOBJ_PATH:
                    page.remove_obj(item)
            page.gen_content()
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()
    finally:
        document.close()


def garbled_text_layer(pdf: bytes, into: str = "private_use") -> bytes:
    """``pdf`` with each font's ToUnicode CMap mapping its glyphs elsewhere: into the Private Use
    Area (``private_use``) or onto other Chinese characters (``other_characters``). The pages
    draw as before; their text layer is no text (a converter's 乱码). The PDF's fonts must carry
    ToUnicode streams (LibreOffice's and Chromium's PDFs embed subsets with them)."""
    import zlib

    import pypdfium2 as pdfium

    out, position, changed = bytearray(), 0, 0
    for found in re.finditer(rb"stream\r?\n", pdf):
        start = found.end()
        if start < position:
            continue
        end = pdf.find(b"endstream", start)
        data = pdf[start:end].rstrip(b"\r\n")
        compressed = b"FlateDecode" in pdf[max(0, found.start() - 300):found.start()].rsplit(b"obj", 1)[-1]
        try:
            text = zlib.decompress(data) if compressed else data
        except zlib.error:
            continue
        if b"beginbfchar" not in text and b"beginbfrange" not in text:
            continue
        garbled = _into_private_use(text) if into == "private_use" else _into_private_use(text, 0x4E00, 20000)
        out += pdf[position:start] + (zlib.compress(garbled) if compressed else garbled) + b"\n"
        position, changed = end, changed + 1
    if not changed:
        raise ValueError("the PDF has no ToUnicode CMap to garble")
    out += pdf[position:]
    # The streams' lengths and the cross-reference table no longer hold: pdfium rebuilds them.
    document = pdfium.PdfDocument(bytes(out))
    rebuilt = io.BytesIO()
    document.save(rebuilt)
    return rebuilt.getvalue()


# ---- LibreOffice ---------------------------------------------------------------------------

def libreoffice_convert(data: bytes, suffix: str, target: str, timeout: float = 120) -> bytes:
    """``data`` (a file ending ``suffix``) converted by LibreOffice to ``target``: "doc" (Word
    97), "wps" (Word 97 bytes under the WPS name), "docx", "rtf", "odt" or "word2003" (Word 2003
    XML, from a Word file: what report systems that fill a Word template serve as ``.doc``)."""
    from ..parsing.office import convert

    filters = {"doc": "doc:MS Word 97", "wps": "doc:MS Word 97", "rtf": "rtf", "docx": "docx:MS Word 2007 XML",
               "odt": "odt", "word2003": "xml:MS Word 2003 XML"}
    return convert(data, suffix, filters[target], timeout=timeout)


def flat_package(docx: bytes) -> bytes:
    """A DOCX as one XML file, Word's "XML Document" (Flat OPC): each part a ``pkg:part``, XML
    inline, the rest base64; report systems that fill such a template serve it as ``.doc``."""
    import base64

    source = zipfile.ZipFile(io.BytesIO(docx))
    types = source.read("[Content_Types].xml").decode("utf-8") if "[Content_Types].xml" in source.namelist() else ""
    overrides = dict(re.findall(r'PartName="([^"]+)"\s+ContentType="([^"]+)"', types))
    defaults = dict(re.findall(r'Extension="([^"]+)"\s+ContentType="([^"]+)"', types))
    parts = []
    for name in source.namelist():
        if name == "[Content_Types].xml" or name.endswith("/"):
            continue
        data = source.read(name)
        kind = overrides.get("/" + name) or defaults.get(name.rsplit(".", 1)[-1], "application/octet-stream")
        if name.endswith((".xml", ".rels")):
            body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", data).decode("utf-8")
            parts.append(f'<pkg:part pkg:name="/{name}" pkg:contentType="{kind}"><pkg:xmlData>{body}</pkg:xmlData></pkg:part>')
        else:
            parts.append(f'<pkg:part pkg:name="/{name}" pkg:contentType="{kind}" pkg:compression="store">'
                         f"<pkg:binaryData>{base64.encodebytes(data).decode('ascii')}</pkg:binaryData></pkg:part>")
    return ('<?xml version="1.0" standalone="yes"?>\n<?mso-application progid="Word.Document"?>\n'
            '<pkg:package xmlns:pkg="http://schemas.microsoft.com/office/2006/xmlPackage">'
            + "".join(parts) + "</pkg:package>").encode("utf-8")


_ARCHIVE_BOUNDARY = "----MultipartBoundary--disclosure-pipeline"


def web_archive(page: bytes, style: str = "browser", charset: str | None = None,
                images: dict[str, bytes] | None = None) -> bytes:
    """``page`` saved as one MIME file. ``style``: ``browser`` (Chrome's .mhtml: a ``From`` and a
    snapshot location first, the page quoted-printable, an image after it), ``word`` (Word's
    web archive: its preamble, the page quoted-printable) or ``base64`` (the page base64).
    ``charset`` is declared on the page's part when given (Word declares the page's own).
    ``images`` (absolute URL → bytes) are kept as parts after the page, as a browser keeps the
    page's pictures."""
    import base64
    import quopri

    encoding = "base64" if style == "base64" else "quoted-printable"
    body = base64.encodebytes(page) if encoding == "base64" else quopri.encodestring(page)
    page_type = f'text/html; charset="{charset}"' if charset else "text/html"
    if style == "word":
        head = (f'MIME-Version: 1.0\r\nX-Document-Type: Document\r\nContent-Type: multipart/related; '
                f'boundary="{_ARCHIVE_BOUNDARY}"\r\n\r\n'
                "This document is a Single File Web Page, also known as a Web Archive file.\r\n\r\n")
    else:
        head = ("From: <Saved by Blink>\r\nSnapshot-Content-Location: https://www.example.gov.cn/report.html\r\n"
                "Subject: report\r\nDate: Mon, 7 Dec 2026 06:00:00 -0000\r\nMIME-Version: 1.0\r\n"
                f'Content-Type: multipart/related;\r\n\ttype="text/html";\r\n\tboundary="{_ARCHIVE_BOUNDARY}"\r\n\r\n\r\n')
    parts = (f"--{_ARCHIVE_BOUNDARY}\r\nContent-Type: {page_type}\r\nContent-ID: <frame-1@mhtml.blink>\r\n"
             f"Content-Transfer-Encoding: {encoding}\r\nContent-Location: https://www.example.gov.cn/report.html\r\n\r\n")
    pictures = "".join(f"\r\n--{_ARCHIVE_BOUNDARY}\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
                       f"Content-Location: {url}\r\n\r\n{base64.encodebytes(data).decode('ascii')}"
                       for url, data in (images or {}).items())
    tail = (f"{pictures}\r\n--{_ARCHIVE_BOUNDARY}\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
            f"Content-Location: https://www.example.gov.cn/logo.png\r\n\r\niVBORw0KGgo=\r\n--{_ARCHIVE_BOUNDARY}--\r\n")
    return head.encode("ascii") + parts.encode("ascii") + body + tail.encode("ascii")


def _page_of_table_pictures(report: SampleReport, src, pictures: list[str] = ()) -> tuple[bytes, list[bytes]]:
    """(the report as a web page whose tables are pictures, the pictures' PNGs in order): each
    an ``<img>`` in a paragraph of its own, its ``src`` given by ``src(n, png)`` for the n-th
    (from 1); ``pictures``: other ``<img>`` sources shown before the text."""
    import html

    from .samples import _table_png, table_flowable

    body = [f'<p><img src="{other}" width="900" height="400"/></p>' for other in pictures]
    pngs = []
    for kind, item in _document(report):
        if kind != "table":
            body.append(f"<p>{html.escape(item, quote=False)}</p>")
            continue
        png, _, _ = _table_png(table_flowable(item))
        pngs.append(png)
        body.append(f'<p style="text-align:center"><img src="{src(len(pngs), png)}" alt=""/></p>')
    page = ('<!DOCTYPE html><html><head><meta charset="utf-8"/><title>'
            f"{html.escape(report.title, quote=False)}</title></head><body><div class=\"TRS_Editor\">"
            + "\n".join(body) + "</div></body></html>").encode("utf-8")
    return page, pngs


def page_with_table_pictures(report: SampleReport, how: str = "data") -> bytes:
    """The report as a web page whose tables are pictures (screenshots pasted in; the prose is
    text): each an ``<img>`` in a paragraph of its own, its source a ``data:`` URI (``how="data"``,
    as rich-text editors paste an image) or an image of the page's site, the page saved as a web
    archive holding it (``how="archive"``: a browser's .mhtml, the ``src`` relative to the page)."""
    import base64

    if how not in ("data", "archive"):
        raise ValueError("how must be 'data' or 'archive'")
    page, pngs = _page_of_table_pictures(report, lambda n, png: (
        f"data:image/png;base64,{base64.b64encode(png).decode('ascii')}" if how == "data" else f"upload/table{n}.png"))
    if how == "data":
        return page
    return web_archive(page, "browser", images={f"https://www.example.gov.cn/upload/table{n}.png": png
                                                 for n, png in enumerate(pngs, start=1)})


def saved_page_with_table_pictures(report: SampleReport, name: str = "报告") -> dict[str, bytes]:
    """The files of a browser's "complete" save of the report's page whose tables are pictures:
    ``<name>.html`` and ``<name>_files/tableN.png`` beside it, the page naming every other
    picture percent-encoded (as some browsers write it), and one picture the page shows from the
    web (a banner: a saved page keeps some addresses as they were). Relative path → bytes."""
    from urllib.parse import quote

    def src(n: int, png: bytes) -> str:
        relative = f"{name}_files/table{n}.png"
        return quote(relative) if n % 2 == 0 else relative

    page, pngs = _page_of_table_pictures(report, src, ["http://www.example.gov.cn/images/banner-notable.png"])
    return {f"{name}.html": page, **{f"{name}_files/table{n}.png": png for n, png in enumerate(pngs, start=1)}}


def word_importing(page: bytes, chunk: str = "mht") -> bytes:
    """A DOCX whose body is one ``w:altChunk`` importing ``page``: as a web archive (``mht``,
    html-docx-js's way) or as the HTML itself (``html``)."""
    name, content_type, data = (("afchunk.mht", "message/rfc822", web_archive(page, "word")) if chunk == "mht"
                                else ("afchunk.htm", "text/html", page))
    package = "http://schemas.openxmlformats.org/package/2006"
    relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   f'<Types xmlns="{package}/content-types"><Default Extension="rels" '
                   f'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   f'<Default Extension="xml" ContentType="application/xml"/>'
                   f'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                   f'officedocument.wordprocessingml.document.main+xml"/>'
                   f'<Override PartName="/word/{name}" ContentType="{content_type}"/></Types>')
        z.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   f'<Relationships xmlns="{package}/relationships"><Relationship Type="{relationships}/'
                   f'officeDocument" Target="/word/document.xml" Id="R1"/></Relationships>')
        z.writestr("word/document.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   f'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
                   f'xmlns:r="{relationships}"><w:body><w:altChunk r:id="htmlChunk"/><w:sectPr>'
                   f'<w:pgSz w:w="11906" w:h="16838" w:orient="portrait"/></w:sectPr></w:body></w:document>')
        z.writestr("word/_rels/document.xml.rels", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   f'<Relationships xmlns="{package}/relationships"><Relationship Type="{relationships}/'
                   f'aFChunk" Target="/word/{name}" Id="htmlChunk"/></Relationships>')
        z.writestr(f"word/{name}", data)
    return out.getvalue()


def word_embedding_workbook(report: SampleReport) -> bytes:
    """The report as a Word file whose tables are an Excel workbook inserted as an object where
    the first table stands (``w:object``: a VML shape showing the object's picture, a Windows
    metafile, and an ``o:OLEObject`` naming the workbook kept in ``word/embeddings``)."""
    from .samples import render_docx

    source = zipfile.ZipFile(io.BytesIO(render_docx(report, tables_as_pictures=True)))
    document = source.read("word/document.xml").decode("utf-8")
    drawings = re.findall(r"<w:drawing>.*?</w:drawing>", document, re.S)
    assert drawings, "render_docx drew no table pictures"
    shape = ('<w:object><v:shape xmlns:v="urn:schemas-microsoft-com:vml" id="_x0000_i1025" type="#_x0000_t75" '
             'style="width:415pt;height:520pt"><v:imagedata xmlns:r="http://schemas.openxmlformats.org/'
             'officeDocument/2006/relationships" r:id="rIdPreview" o:title="" xmlns:o="urn:schemas-microsoft-com:'
             'office:office"/></v:shape><o:OLEObject xmlns:o="urn:schemas-microsoft-com:office:office" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" Type="Embed" '
             'ProgID="Excel.Sheet.12" ShapeID="_x0000_i1025" DrawAspect="Content" ObjectID="_1" '
             'r:id="rIdWorkbook"/></w:object>')
    document = document.replace(drawings[0], shape, 1)
    for drawing in drawings[1:]:
        document = document.replace(drawing, "", 1)
    relationships = source.read("word/_rels/document.xml.rels").decode("utf-8").replace(
        "</Relationships>",
        '<Relationship Id="rIdPreview" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'image" Target="media/preview1.emf"/><Relationship Id="rIdWorkbook" Type="http://schemas.openxmlformats.'
        'org/officeDocument/2006/relationships/package" Target="embeddings/Microsoft_Excel_Worksheet1.xlsx"/>'
        "</Relationships>")
    types = source.read("[Content_Types].xml").decode("utf-8").replace(
        "</Types>", '<Default Extension="emf" ContentType="image/x-emf"/><Override PartName="/word/embeddings/'
        'Microsoft_Excel_Worksheet1.xlsx" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sheet"/></Types>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            if name.startswith("word/media/"):
                continue   # the table pictures, replaced by the object
            data = {"word/document.xml": document, "word/_rels/document.xml.rels": relationships,
                    "[Content_Types].xml": types}.get(name)
            target.writestr(name, data if data is not None else source.read(name))
        target.writestr("word/media/preview1.emf", b"\x01\x00\x00\x00" + b"\0" * 36 + b" EMF" + b"\0" * 64)
        target.writestr("word/embeddings/Microsoft_Excel_Worksheet1.xlsx", render_xlsx(report, tables_only=True))
    return out.getvalue()


_WORD_MAIN = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_DRAWING_MAIN = "http://schemas.openxmlformats.org/drawingml/2006/main"
_TEXT_BOX_NAMESPACES = {
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "v": "urn:schemas-microsoft-com:vml",
}


def tables_in_text_boxes(docx: bytes, fallback: bool = True) -> bytes:
    """``docx`` with each of its tables moved into a text box anchored where the table stood, as
    Word writes one: DrawingML (``wps:txbx``) in ``mc:Choice`` and, with ``fallback``, the same
    content again as VML (``v:textbox``) in ``mc:Fallback``, for readers that lack the first."""
    from lxml import etree

    w = f"{{{_WORD_MAIN}}}"
    source, root = _word_main_part(docx)
    body = root.find(f"{w}body")
    declared = f'xmlns:w="{_WORD_MAIN}" ' + " ".join(f'xmlns:{k}="{v}"' for k, v in _TEXT_BOX_NAMESPACES.items())
    for number, table in enumerate([t for t in body.iter(f"{w}tbl") if t.getparent() is body], start=1):
        content = etree.tostring(table).decode() + "<w:p/>"
        choice = ('<w:drawing><wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="1" '
                  'behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
                  '<wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'
                  '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
                  f'<wp:extent cx="5400000" cy="3000000"/><wp:wrapTopAndBottom/><wp:docPr id="{number}" name="Text Box {number}"/>'
                  '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
                  f"<wps:wsp><wps:spPr/><wps:txbx><w:txbxContent>{content}</w:txbxContent></wps:txbx><wps:bodyPr/></wps:wsp>"
                  "</a:graphicData></a:graphic></wp:anchor></w:drawing>")
        copy = (f'<mc:Fallback><w:pict><v:shape style="width:425pt;height:236pt"><v:textbox><w:txbxContent>{content}'
                "</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>") if fallback else ""
        anchor = etree.fromstring(f'<w:p {declared}><w:r><mc:AlternateContent><mc:Choice Requires="wps">{choice}'
                                  f"</mc:Choice>{copy}</mc:AlternateContent></w:r></w:p>")
        table.addprevious(anchor)
        body.remove(table)
    return _with_main_part(source, root)


def pictures_in_table_cells(docx: bytes) -> bytes:
    """``docx`` with each paragraph that shows a picture moved into the one cell of a table of its
    own: a layout table around a table pasted as a screenshot, as a page copied into Word (or a
    template that frames its pictures) has it."""
    from lxml import etree

    w = f"{{{_WORD_MAIN}}}"
    source, root = _word_main_part(docx)
    body = root.find(f"{w}body")
    for paragraph in [p for p in body.iterchildren(f"{w}p") if next(p.iter(f"{w}drawing"), None) is not None]:
        table = etree.fromstring(f'<w:tbl xmlns:w="{_WORD_MAIN}"><w:tblPr><w:tblW w:w="5000" w:type="pct"/></w:tblPr>'
                                 '<w:tblGrid><w:gridCol w:w="9000"/></w:tblGrid><w:tr><w:tc><w:tcPr><w:tcW w:w="9000" '
                                 'w:type="dxa"/></w:tcPr></w:tc></w:tr></w:tbl>')
        paragraph.addprevious(table)
        table.find(f"{w}tr/{w}tc").append(paragraph)
    return _with_main_part(source, root)


def metafile_of_pdf(pdf: bytes, page: int = 0, form: str = "emf") -> bytes:
    """Page ``page`` of a PDF as an Enhanced Metafile (``form="emf"``), as LibreOffice Draw
    exports it: its text as text records (``EMR_EXTTEXTOUTW``), its rules as filled shapes; or as
    a Windows Metafile (``"wmf"``: 16-bit records, the EMF carried in its comments, as Word's
    own WMFs). (Draw exports a document's first page: the page is taken out alone first.)"""
    import pypdfium2 as pdfium

    from ..parsing.office import convert

    source = pdfium.PdfDocument(pdf)
    if len(source) > 1 or page:
        alone = pdfium.PdfDocument.new()
        alone.import_pages(source, [page])
        buf = io.BytesIO()
        alone.save(buf)
        pdf = buf.getvalue()
    return convert(pdf, ".pdf", f"{form}:draw_{form}_Export", input_filter="draw_pdf_import")


def with_pictures_replaced(docx: bytes, pictures: list[bytes], extension: str = "emf",
                           content_type: str = "image/x-emf") -> bytes:
    """``docx`` with its pictures, in the order the document shows them, replaced by
    ``pictures`` (Windows metafiles by default: what Word keeps for a range of Excel or a
    drawing pasted "as a picture")."""
    from lxml import etree

    source = zipfile.ZipFile(io.BytesIO(docx))
    root = etree.fromstring(source.read("word/document.xml"))
    ids = [el.get(f"{{{_RELATIONSHIPS}}}embed") for el in root.iter(f"{{{_DRAWING_MAIN}}}blip")]
    relationships = source.read("word/_rels/document.xml.rels").decode("utf-8")
    targets = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', relationships))
    renamed: dict[str, tuple[str, bytes]] = {}   # old member → (new member, bytes)
    for rid, picture in zip(ids, pictures):
        old = "word/" + targets[rid]
        new = old.rsplit(".", 1)[0] + "." + extension
        renamed[old] = (new, picture)
        relationships = relationships.replace(f'Target="{targets[rid]}"', f'Target="{new[len("word/"):]}"')
    types = source.read("[Content_Types].xml").decode("utf-8")
    if f'Extension="{extension}"' not in types:
        types = types.replace("</Types>", f'<Default Extension="{extension}" ContentType="{content_type}"/></Types>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            if name in renamed:
                target.writestr(*renamed[name])
            elif name == "word/_rels/document.xml.rels":
                target.writestr(name, relationships)
            elif name == "[Content_Types].xml":
                target.writestr(name, types)
            else:
                target.writestr(name, source.read(name))
    return out.getvalue()


def tables_as_metafiles(report: SampleReport, form: str = "emf") -> bytes:
    """The report as a Word file whose tables are pasted "as a picture" (Excel's or WPS's copy
    of a range, kept by Word as an Enhanced Metafile: text and lines, not pixels); the prose is
    text. The metafiles are LibreOffice Draw's of each table drawn alone (with a wide margin:
    Draw's export leaves out about the last 30 points of a page)."""
    from .samples import render_docx, table_flowable, table_pdf

    pictures = [metafile_of_pdf(table_pdf(table_flowable(item), margin=48)[0], form=form)
                for kind, item in _document(report) if kind == "table"]
    return with_pictures_replaced(render_docx(report, tables_as_pictures=True), pictures, form, f"image/x-{form}")


def pdf_as_metafile_pictures(pdf: bytes, form: str = "emf") -> bytes:
    """A Word file whose body is the PDF's pages, each pasted as an Enhanced Metafile picture
    16 cm wide (a report put together in Word from pictures of another document's pages)."""
    import docx
    import pypdfium2 as pdfium
    from docx.shared import Cm
    from PIL import Image

    pages = len(pdfium.PdfDocument(pdf))
    document = docx.Document()
    for number in range(pages):
        placeholder = io.BytesIO()
        Image.new("L", (8 + number, 8), 255).save(placeholder, "PNG")   # each its own part
        document.add_picture(io.BytesIO(placeholder.getvalue()), width=Cm(16))
    out = io.BytesIO()
    document.save(out)
    return with_pictures_replaced(out.getvalue(), [metafile_of_pdf(pdf, n, form) for n in range(pages)],
                                  form, f"image/x-{form}")


def drawn_table_metafile(rows: list[list[str]], form: str = "emf", align: str = "centre", y_up: bool = False,
                         column_mm: float = 22.0, row_mm: float = 8.0) -> bytes:
    """A ruled table as Excel's "copy as picture" draws one, written here record by record (a
    second writer beside LibreOffice's, with other habits): an EMF in MM_ANISOTROPIC with its
    own window and viewport (``y_up``: the window's y turned upwards, as MM_HIMETRIC-like
    writers have it) or a placeable WMF in twips with GBK strings; each cell's text one
    ``EXTTEXTOUT`` with its advances, left-aligned or centred on its cell (``align``) on its
    baseline; the rules as a pen's lines (``MOVETO``/``LINETO``) around every cell."""
    import struct as st

    twips = 1440 / 25.4   # logical units a millimetre
    column_mm = max([column_mm] + [3.5 * len(text) + 4 for row in rows for text in row])
    width, height = column_mm * max(len(r) for r in rows), row_mm * len(rows)
    size = 3.5 * twips     # the font: 3.5 mm

    def y_of(mm: float) -> int:
        return round((height - mm) * twips) if y_up else round(mm * twips)

    texts, lines = [], []
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            advances = [round(size * (1.0 if ord(ch) > 0x2E7F else 0.55)) for ch in text]
            left = c * column_mm * twips
            x = left + (column_mm * twips - sum(advances)) / 2 if align == "centre" else left + 1.5 * twips
            texts.append((text, round(x if align != "centre" else left + column_mm * twips / 2),
                          y_of((r + 0.7) * row_mm), advances))
    for r in range(len(rows) + 1):
        lines.append(((0, y_of(r * row_mm)), (round(width * twips), y_of(r * row_mm))))
    for c in range(max(len(r) for r in rows) + 1):
        lines.append(((round(c * column_mm * twips), y_of(0)), (round(c * column_mm * twips), y_of(height))))
    centre = 6 if align == "centre" else 0
    if form == "wmf":
        top = round(height * twips) if y_up else 0   # (y, x): the window's corner and size
        records = [st.pack("<IH2h", 5, 0x020B, top, 0),
                   st.pack("<IH2h", 5, 0x020C, -round(height * twips) if y_up else round(height * twips), round(width * twips))]
        face = "宋体".encode("gb18030").ljust(32, b"\0")
        font = st.pack("<5h8B", -round(size), 0, 0, 0, 400, 0, 0, 0, 134, 0, 0, 0, 0) + face
        records += [st.pack("<IH", 3 + len(font) // 2, 0x02FB) + font, st.pack("<IHH", 4, 0x012D, 0),
                    st.pack("<IHH", 4, 0x012E, 24 | centre), st.pack("<IHH2hI", 8, 0x02FA, 0, 1, 0, 0),
                    st.pack("<IHH", 4, 0x012D, 1)]
        for (x0, y0), (x1, y1) in lines:
            records += [st.pack("<IH2h", 5, 0x0214, y0, x0), st.pack("<IH2h", 5, 0x0213, y1, x1)]
        for text, x, y, advances in texts:
            raw = text.encode("gb18030")
            per_byte = [a for ch, a in zip(text, advances) for a in ([a // 2, a - a // 2] if len(ch.encode("gb18030")) == 2 else [a])]
            body = st.pack("<3hH", y, x, len(raw), 0) + raw + (b"\0" if len(raw) % 2 else b"") + st.pack(f"<{len(raw)}h", *per_byte)
            records.append(st.pack("<IH", 3 + len(body) // 2, 0x0A32) + body)
        records.append(st.pack("<IH", 3, 0))
        stream = b"".join(records)
        header = st.pack("<HHHIHIH", 1, 9, 0x0300, (18 + len(stream)) // 2, 2, max(len(r) for r in records) // 2, 0)
        box = (0, 0, round(width * twips), round(height * twips))
        placeable = b"\xd7\xcd\xc6\x9a" + st.pack("<H4hHI", 0, *box, 1440, 0)
        checksum = 0
        for i in range(0, 20, 2):
            checksum ^= st.unpack_from("<H", placeable, i)[0]
        return placeable + st.pack("<H", checksum) + header + stream

    def record(kind: int, body: bytes) -> bytes:
        body += b"\0" * (-len(body) % 4)
        return st.pack("<II", kind, 8 + len(body)) + body

    records = [record(17, st.pack("<I", 8)),                                   # MM_ANISOTROPIC
               record(10, st.pack("<2i", 0, round(height * twips) if y_up else 0)),       # window: twips
               record(9, st.pack("<2i", round(width * twips), -round(height * twips) if y_up else round(height * twips))),
               record(11, st.pack("<2i", round(width * 96 / 25.4), round(height * 96 / 25.4))),  # viewport: 96 dpi pixels
               record(95, st.pack("<5I", 1, 0, 0, 0, 0) + st.pack("<4I", 0, 15, 0, 0)),  # EXTCREATEPEN 1: solid
               record(37, st.pack("<I", 1))]
    lf = st.pack("<5i8B", -round(size), 0, 0, 0, 400, 0, 0, 0, 134, 0, 0, 0, 0) + "宋体".encode("utf-16-le").ljust(64, b"\0")
    records += [record(82, st.pack("<I", 2) + lf + b"\0" * (332 - 8 - 4 - len(lf))), record(37, st.pack("<I", 2)),
                record(22, st.pack("<I", 24 | centre))]
    for (x0, y0), (x1, y1) in lines:
        records += [record(27, st.pack("<2i", x0, y0)), record(54, st.pack("<2i", x1, y1))]
    for text, x, y, advances in texts:
        utf16 = text.encode("utf-16-le")
        string_at = 8 + 68
        dx_at = string_at + len(utf16) + (-len(utf16) % 4)
        body = (st.pack("<4i", 0, 0, 0, 0) + st.pack("<Iff", 1, 1.0, 1.0) + st.pack("<2i", x, y)
                + st.pack("<3I", len(text), string_at, 0) + st.pack("<4i", 0, 0, 0, 0) + st.pack("<I", dx_at))
        body += utf16 + b"\0" * (-len(utf16) % 4) + st.pack(f"<{len(advances)}i", *advances)
        records.append(record(84, body))
    records.append(record(14, st.pack("<3I", 0, 16, 16)))
    device = (round(width * 96 / 25.4), round(height * 96 / 25.4))
    stream = b"".join(records)
    header_body = (st.pack("<4i", 0, 0, *device) + st.pack("<4i", 0, 0, round(width * 100), round(height * 100))
                   + b" EMF" + st.pack("<IIIHHIII", 0x10000, 108 + len(stream), len(records) + 1, 3, 0, 0, 0, 0)
                   + st.pack("<2i", 1920, 1080) + st.pack("<2i", round(1920 * 25.4 / 96), round(1080 * 25.4 / 96))
                   + st.pack("<III", 0, 0, 0) + st.pack("<2I", 0, 0))
    return record(1, header_body) + stream


def strict_ooxml(docx: bytes) -> bytes:
    """A DOCX as Word saves a "Strict Open XML Document" (ISO/IEC 29500 strict): its XML parts'
    namespaces and relationship types the strict ones (``http://purl.oclc.org/ooxml/…``)."""
    pairs = (("http://schemas.openxmlformats.org/wordprocessingml/2006/main", "http://purl.oclc.org/ooxml/wordprocessingml/main"),
             ("http://schemas.openxmlformats.org/officeDocument/2006/relationships", "http://purl.oclc.org/ooxml/officeDocument/relationships"),
             ("http://schemas.openxmlformats.org/drawingml/2006/main", "http://purl.oclc.org/ooxml/drawingml/main"),
             ("http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing", "http://purl.oclc.org/ooxml/drawingml/wordprocessingDrawing"),
             ("http://schemas.openxmlformats.org/drawingml/2006/picture", "http://purl.oclc.org/ooxml/drawingml/picture"))
    source = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name.endswith((".xml", ".rels")):
                text = data.decode("utf-8")
                for transitional, strict in pairs:
                    text = text.replace(transitional, strict)
                data = text.encode("utf-8")
            target.writestr(name, data)
    return out.getvalue()


def zip_archive(members: list[tuple[str, bytes]], names: str = "gbk") -> bytes:
    """The files zipped as sites attach a report and its annexes: member names in GBK without the
    zip's UTF-8 flag (``names="gbk"``: what zip tools on a Chinese Windows write) or in UTF-8
    with it. (Python's zipfile writes only the latter: the GBK names are put in the headers
    afterwards, over placeholders of their length.)"""
    out = io.BytesIO()
    encoded = [name.encode("gb18030") for name, _ in members]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for k, ((name, data), raw) in enumerate(zip(members, encoded)):
            placeholder = f"{k:04d}".ljust(len(raw), "_") if names == "gbk" else name
            archive.writestr(placeholder, data)
    data = out.getvalue()
    if names == "gbk":
        for k, raw in enumerate(encoded):
            placeholder = f"{k:04d}".ljust(len(raw), "_").encode("ascii")
            data = data.replace(placeholder, raw)   # its local header and its central directory entry
    return data


def tables_in_layout_cells(docx: bytes) -> bytes:
    """``docx`` with each table inside the one cell of a layout table of its own (a page laid out
    with tables, pasted or converted into Word), an empty paragraph after it as Word requires."""
    from lxml import etree

    w = f"{{{_WORD_MAIN}}}"
    source, root = _word_main_part(docx)
    body = root.find(f"{w}body")
    for table in list(body.iterchildren(f"{w}tbl")):
        outer = etree.fromstring(f'<w:tbl xmlns:w="{_WORD_MAIN}"><w:tblPr><w:tblW w:w="5000" w:type="pct"/></w:tblPr>'
                                 '<w:tblGrid><w:gridCol w:w="9000"/></w:tblGrid><w:tr><w:tc><w:tcPr><w:tcW w:w="9000" '
                                 'w:type="dxa"/></w:tcPr></w:tc></w:tr></w:tbl>')
        table.addprevious(outer)
        cell = outer.find(f"{w}tr/{w}tc")
        cell.append(table)
        etree.SubElement(cell, f"{w}p")
    return _with_main_part(source, root)


#: The table borders (``w:tblBorders``' children) each ruling of ``word_printed`` draws, their
#: line (``w:val``) and width (``w:sz``, eighths of a point).
_ALL_SIDES = ("top", "left", "bottom", "right", "insideH", "insideV")
_WORD_RULINGS = {"none": ((), "single", 4), "three-line": (("top", "bottom"), "single", 12),
                 "inner": (("insideH", "insideV"), "single", 4),
                 "rows": (("top", "bottom", "insideH"), "single", 4),
                 "columns": (("left", "right", "insideV"), "single", 4),
                 "double": (_ALL_SIDES, "double", 24),
                 "thick-thin": (_ALL_SIDES, "thickThinSmallGap", 12)}


def word_printed(docx_bytes: bytes, ruling: str = "grid", vertical: str | None = None,
                 horizontal: str | None = None, repeat_header: bool = False,
                 tables: tuple[int, ...] | None = None, bare_from_row: int | None = None) -> bytes:
    """A Word report as LibreOffice prints it to PDF (Word's own way to PDF), its tables ruled
    as ``ruling`` says: "grid" (as generated), "none" (borders taken away), "three-line" (a
    rule over and under each table only), "inner" (the rules between cells only, no frame: the
    borderless table styles), "rows" (horizontal rules only), "columns" (vertical rules only),
    "double" (every border a double line, 3 points wide) or "thick-thin" (a thick line and a
    thin one, 1.5 points); every cell's text set ``vertical`` in it when given
    ("top", "center", "bottom": Word's vertical alignment; a label wrapped in a narrow cell then
    stands below, around or above its row's figures), and ``horizontal`` across it ("center",
    "right"); the tables' first three rows repeated at the head of each page when
    ``repeat_header``. ``tables`` (their numbers in the document, from 0) changes those tables
    only, the others left as generated (ruled): a report whose tables came from different
    documents, some of them without borders. ``bare_from_row``: the rows from that one (from 0)
    without any border, the rows above as ``ruling`` says (rows that lost their borders)."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    from ..parsing.office import convert

    document = docx.Document(io.BytesIO(docx_bytes))
    for number, table in enumerate(document.tables):
        if tables is not None and number not in tables:
            continue
        if repeat_header:
            for row in table.rows[:3]:
                row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        if ruling != "grid":
            table.style = None
            for old in table._tbl.tblPr.findall(qn("w:tblBorders")):
                table._tbl.tblPr.remove(old)
            rules = OxmlElement("w:tblBorders")
            sides, line, width = _WORD_RULINGS[ruling]
            for side in sides:
                rule = OxmlElement(f"w:{side}")
                rule.set(qn("w:val"), line)
                rule.set(qn("w:sz"), str(width))
                rules.append(rule)
            table._tbl.tblPr.append(rules)
        if bare_from_row is not None:
            for row in table._tbl.findall(qn("w:tr"))[bare_from_row:]:
                for cell in row.findall(qn("w:tc")):
                    borders = OxmlElement("w:tcBorders")
                    for side in ("top", "left", "bottom", "right"):
                        rule = OxmlElement(f"w:{side}")
                        rule.set(qn("w:val"), "nil")
                        borders.append(rule)
                    cell.get_or_add_tcPr().append(borders)
        if vertical is not None:
            for cell in table._tbl.iter(qn("w:tc")):
                alignment = OxmlElement("w:vAlign")
                alignment.set(qn("w:val"), vertical)
                cell.get_or_add_tcPr().append(alignment)
        if horizontal is not None:
            for paragraph in table._tbl.iter(qn("w:p")):
                justification = OxmlElement("w:jc")
                justification.set(qn("w:val"), horizontal)
                paragraph.get_or_add_pPr().append(justification)
    out = io.BytesIO()
    document.save(out)
    return convert(out.getvalue(), ".docx", "pdf:writer_pdf_Export")


def _word_main_part(docx: bytes):
    """(the DOCX's zip, its ``word/document.xml`` parsed), to change and write back with
    :func:`_with_main_part`."""
    from lxml import etree

    source = zipfile.ZipFile(io.BytesIO(docx))
    return source, etree.fromstring(source.read("word/document.xml"))


def _with_main_part(source: zipfile.ZipFile, root) -> bytes:
    """The DOCX ``source`` with ``root`` as its ``word/document.xml``."""
    from lxml import etree

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = (etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
                    if name == "word/document.xml" else source.read(name))
            target.writestr(name, data)
    return out.getvalue()
