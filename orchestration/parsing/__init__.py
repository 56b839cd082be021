"""Parse one report document into report fields, metric values with provenance, and issues.

``parse_document`` never raises for bad input: whatever goes wrong becomes a parse issue
that names the document and the place, so a batch goes on.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields

from . import freeform, metadata, table_two_prose
from .documents import (
    Document,
    decode,
    looks_like_cell_text,
    looks_like_html,
    looks_like_mhtml,
    looks_like_word_xml,
    paired_tabs_as_one,
    read_cell_text,
    read_docx,
    read_html,
    read_text_grid,
    read_web_archive,
    read_word_xml,
    with_entities_decoded,
    without_markdown_escapes,
)
from .box_tables import is_box_text, read_box_text, without_box_lines
from .metafile import is_emf, is_wmf
from .hard_wrap import unwrapped
from .ocr_text import letters_issue, with_letters_as_digits, with_spaced_words_joined, without_letter_spacing
from .running_text import is_running_text, read_running_text
from .sections import ReportSection, split_sections
from .spreadsheet import looks_like_spreadsheet_xml
from .tables import MetricValue, ParseIssue, TableReader
from .vocabulary import NATIONAL_ROWS

# Bump when a change can alter what is read from a document: stored documents are re-parsed.
# 0.5.0: running text (rows and cells that ran together), sections and publication-date basis,
# titles and scope basis, scans and images by OCR, DOC/WPS/RTF, XLS/XLSX, OFD, not_a_report.
# 0.6.0: running text: a table 三 row whose blank cells left nothing reads its 总计; the prose's
#        规范性文件 / 规章 figures choose among a table 二 row's readings; the rows left open are
#        stored (raw.open_rows) for the rules across years in the pipeline.
# 0.7.0: plain-text grids too (a cell a line, TAB-separated rows) read a short row's 总计; a long
#        table 三 row label on a line of its own stays a label; a Markdown table whose line breaks
#        were collapsed reads as running text with its pipes as separators; a group label after
#        its own first row's label (text that lost the table's order) reads no row; text glued
#        with no space at all (get_text(strip=True)); html2text's and markdownify's pipe tables.
# 0.7.1: in text, the no-break space a page's blank cell holds (「<td>&nbsp;</td>」, kept by
#        text_content() and get_text()) is a blank cell between two numbers, where it fits; a
#        table 三 row followed by whole rows whose labels stand elsewhere (pdftotext) is cut into
#        rows placed by the layout's order; a text header naming the format's columns in another
#        order, or only some of them, is read in the format's order; tables drawn with lines
#        (text browsers' dumps) read as grids; prose lines wrapped mid-sentence are joined; an
#        empty line between two values a line each is a blank cell where it fits (office exports).
# 0.7.2: a wide gap of spaces between two values is blank cells where they fit (lynx -dump,
#        pdftotext -layout); a table 三 sub-row sets the group the next rows stand in (a group
#        label broken around another row's, 「（六）其」 … 「他处理」, still makes 「3、其他」 its 其他).
# 0.7.3: numbers after the heading that follows table 四 complete its row when they make it whole
#        (pdftotext); a page's chrome around a crawled report: an annex names each figure once and
#        a header needs its label column or two value columns (a footer's 「网站标识码3213220001」
#        is not 网站公开), a title line is not joined to the chrome before it (「关闭」), and an
#        agency's name has no digits or colons (a site's catalogue fields before the title).
# 0.7.4: more extractors' habits: cells two TABs apart (resiliparse); page numbers among collapsed
#        words; 「第二十条 第(一)项」 broken in two and table 四's tail in running text; a piece of a
#        tall label after a row's numbers (PyMuPDF sorted); a pipe row's label cut where its cell
#        wrapped, and cells merged with 「<br>」 (pymupdf4llm); Markdown's backslash escapes undone;
#        a plain-text table's rule lines; table 三 written column by column read by columns where
#        R3 allows only that; in a text that lost table 三's rows' order, only rows that balance
#        are kept.
# 0.7.5: text wrapped at a fixed width joined back (hard_wrap: lynx, w3m, fold); invisible
#        characters (zero-width spaces, BOMs, soft hyphens) dropped and HTML entities left in text
#        decoded; an HTML page whose tables were pasted as text read as its visible text; no row
#        takes another row's numbers where text lost a cell or a label (a table 二 or annex row
#        short of a value a space apart is not cut; a label holding digits the cutter could not
#        part names the row after them; annex rows run together or onto a line of their own; a
#        signed number only under 本年增/减).
# 0.7.6: text an OCR engine wrote (ocr_text): Chinese characters spaced apart joined back, and
#        O/o/I/l in runs of digits read as 0 and 1 where the text shows that habit (with a
#        letters_read_as_digits issue); an annex header whose cells were glued
#        (「指标名称计量单位 2011年度历年累计」) names its columns; cells joined by 「 | 」 with no
#        「---」 line read as pipe rows; CSV read record by record; a table 二 row's values only
#        in its own columns under a header that names other parts' too; cells printed as a dash
#        (「—」, 「——」, 「/」) or saying none (「无」, 「暂无」, 「不适用」, on a page too) read as blank
#        cells (R3 counts them as nothing); a number in a table's own cell never cut one digit a
#        column; the minus sign U+2212 a sign; a footnote's mark after a number (「26①」,
#        「396*」) its note, on a page and in text; a wrapped text found wrapped with a few wider
#        lines or a site's menu around it; an annex header word cut in two put back together.
# 0.7.7: a colon after a row's label (「（七）总计：」, 「主动公开信息数：」) only introduces its
#        figures, in tables and annexes, on pages and in text; a footnote's reference set as a
#        superscript after a cell's text (「26<sup>1</sup>」: HTML, Markdown, Word's raised runs, a
#        PDF's small raised characters) no part of it; a PDF whose tables have no rules (no
#        cells found) read from its lines as text, a PDF cell holding numbers a word apart
#        left unread, a PDF table row the page break cut (its label's rest alone on the next
#        page) one row; Word's content controls read as the document's own; labels Word justified
#        (「总 计」, 「行 政 许 可」) written together in text.
# 0.7.8: a PDF table without rules: blank cells placed by its columns, a row a paragraph of its
#        own, labels wrapped below their rows put back; OCR cuts a box over a column rule in its
#        inked part; an XLSX formula without a stored value named, not read as blank.
# 0.7.9: a PDF page's characters hang from their baselines by one descent (LibreOffice's digits
#        had lines of their own); a unit cell (「条」) makes no group label of the label beside it
#        (a row at a page's head joined to the last row of the page before); ODT and ODS read;
#        OCR: a pale cell's ink measured against its own darkest pixel, a lone non-figure after a
#        row's figures read again alone, a mark read as no figure left blank and doubted, a
#        table 三 row whose label OCR misread placed by table order as a lost label's row;
#        text a page does not show (display:none, visibility:hidden, hidden, size 0) left out,
#        and text Word does not show (hidden runs, a tracked move's old place); a cell's change
#        in words (「减少71」, 「增3」, 「↓71」) signed; OCR grids ruled by the rule segments near
#        each line (a rule leaning with the skew left over), rule remnants in empty cells no
#        「1」; a row cut by a page break joined on a page lying a little apart.
# 0.7.10: Word packages read from the main part their relationships name, without python-docx:
#        macro-enabled documents, templates and packages without relationships read (refused
#        before); a DOCX in 5 ms, not 13; a page a Word file imports whole (w:altChunk) read in
#        its place; web archives (MHTML, and .doc files that are one) read as their page; what
#        a workbook hides (worksheets; XLSX rows and columns) not read; tables pasted into a
#        text PDF or a Word file as pictures read by OCR; a PDF text layer in the Private Use
#        Area or of other characters than the glyphs drawn (乱码) OCR'd as an unmapped one is; an
#        Excel range a Word file embeds as an object read from its workbook.
# 0.7.11: OFD text placed glyph by glyph as the standard says (TextCode X/Y, DeltaX/DeltaY with
#        their ``g`` repeats, the object's CTM and Boundary) and cut into words and cells where
#        the glyphs stand apart; path operators as the standard has them (S start, C close);
#        a page's own PhysicalBox; scanned OFD pages (images only) OCR'd. PDF pages shown
#        turned (/Rotate) read by pdfium through the turn, not by pdfminer; a scan whose text a
#        scanner's OCR laid over it invisibly read with the tables' rules from the scan.
#        A Word text box's paragraphs and tables read once, in place (not as its anchor's text).
#        A page's data: images and a web archive's images, as large as a table, OCR'd in place.
#        Word XML files (Word 2003 XML, Flat OPC) read as the DOCX they hold (taken for text before).
#        Excel's XML Spreadsheet 2003 read as a workbook (taken for text before).
#        A page's scripts and style blocks no text of it (inside a cell, they cost the row).
#        A Word table cell's pictures read by OCR after its row.
# 0.7.12: Word text hidden, or a footnote's reference raised, by a style (character or paragraph,
#        through basedOn) read as Word shows it; an XLS's and an ODS's hidden rows and columns not
#        read; UTF-8 with a few bad byte sequences read as UTF-8 (as GB18030 it was mojibake); a
#        zip member that does not inflate makes the document unreadable, naming it (a parser
#        error before), a damaged picture of a Word file costs only itself. Windows metafiles
#        (EMF, WMF: a table pasted into Word "as a picture") read exactly from their text and
#        line records, in Word files and alone (named unread before); Word 2003 XML's inline
#        pictures (w:binData) read as a DOCX's are. A zip archive of documents
#        (a report and its annexes) read as one document (taken for a damaged DOCX before). An
#        OFD's table pictures on pages of text OCR'd in place; without OCR, a partly scanned
#        OFD's text pages read (the whole was refused). Word's Strict Open XML read (refused).
#        A Word table in a table's cell read as its own rows (the cell was its whole text).
# 0.7.13: a PDF table without rules gets its labels back wherever their cells set them (top,
#        middle, foot); such tables scanned read from where the OCR's boxes stand; a shading is
#        no rule.
# 0.7.14: a PDF some of whose tables have cells and others none (a table pasted from another
#        document, its borders lost): the parts its cells did not give read from the lines
#        outside every cell, as a PDF without any rules is (their rows were never read); a
#        section's heading ends a header of a table without rules (table 四 took the prose above
#        it into its header).
# 0.7.15: a PDF table ruled between its cells only (no frame: the borderless table styles) has
#        its open sides closed, its row labels read (lost or read into the wrong columns
#        before); rules that cross nothing (columns drawn with vertical rules only) make no
#        cells (each column was one cell holding every row's figures); a PDF's rules snapped
#        table by table, not across the page (one table's column rule moved onto another's);
#        the lines outside every cell read when the cells gave nothing of a row (not only of a
#        part), among the ruled rows' cells, the layout theirs when the cells did not show it;
#        a cell holding rows (lower rows that lost their rules inside the frame) read as lines;
#        the empty gaps between a double rule's two lines no cells, and a rule's end reaching
#        the rules it met before they were snapped.
PARSER_VERSION = "0.7.15"


@dataclass
class ParsedReport:
    source: str
    form: str | None = None
    agency: str | None = None
    year: int | None = None
    template: str | None = None
    published: str | None = None
    published_basis: str | None = None   # where the date was read (metadata.PUBLISHED_BASES)
    scope: str | None = None       # agency | jurisdiction, where the text says it
    scope_basis: str | None = None  # the words that decided the scope
    title: str | None = None       # the title as printed (title line, else the page's title)
    encoding: str | None = None
    values: dict[str, MetricValue] = field(default_factory=dict)
    issues: list[ParseIssue] = field(default_factory=list)
    sections: list[ReportSection] = field(default_factory=list)   # the prose, per section
    # Rows whose digits ran together and that no rule within the report settles, each with its
    # readings: the rules across years (across_years.resolve) may settle them. Not printed.
    open_rows: list[dict] = field(default_factory=list, repr=False, compare=False)

    @property
    def metrics(self) -> dict[str, int | float | None]:
        return {key: value.value for key, value in self.values.items()}

    def to_json(self) -> str:
        return json.dumps({
            "source": self.source, "agency": self.agency, "year": self.year,
            "template": self.template, "published": self.published,
            "published_basis": self.published_basis, "scope": self.scope, "form": self.form,
            "metrics": self.metrics,
            "provenance": {k: {f: v for f, v in _flat(m).items() if f not in ("key", "value")}
                           for k, m in self.values.items()},
            "issues": [_flat(i) for i in self.issues],
        }, ensure_ascii=False)


def _flat(record) -> dict:
    """``dataclasses.asdict`` for records whose fields are plain values (str, int, float, None),
    as MetricValue and ParseIssue are: the same dict, without asdict's deep copy of every field,
    which was most of the cost of ``to_json``."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


_IMAGE_MAGIC = ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpeg"), (b"II*\x00", "tiff"),
                (b"MM\x00*", "tiff"), (b"BM", "bmp"), (b"GIF87a", "gif"), (b"GIF89a", "gif"))


def sniff(data: bytes, name: str = "", media_type: str | None = None) -> str:
    """The physical form: pdf, docx, xlsx, ofd, odt, ods, doc, wps, xls, rtf, image, emf and wmf
    (Windows metafiles), mhtml (a web archive), wordxml (a Word document as one XML file),
    excelxml (Excel's XML Spreadsheet 2003), zip (an archive of documents), html, csv or text
    (by content first, then name and type)."""
    lower = name.lower().split("?")[0]
    if data[:1024].lstrip().startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_form(data, lower)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        # An OLE container: its directory names the main stream (UTF-16 names).
        head = data[:1 << 20]
        if "workbook".encode("utf-16-le") in head.lower() or (
                "book".encode("utf-16-le") in head.lower() and lower.endswith((".xls", ".et"))):
            return "xls"
        return "wps" if lower.endswith(".wps") else "doc"
    if data.startswith(b"{\\rtf"):
        return "rtf"
    if any(data.startswith(magic) for magic, _ in _IMAGE_MAGIC):
        return "image"
    if is_emf(data):
        return "emf"
    if is_wmf(data):
        return "wmf"
    if looks_like_mhtml(data):
        return "mhtml"
    if looks_like_word_xml(data):
        return "wordxml"
    if looks_like_spreadsheet_xml(data):
        return "excelxml"
    if (media_type or "").startswith("text/html") or lower.endswith((".htm", ".html", ".shtml")) \
            or looks_like_html(data):
        return "html"
    if (media_type or "").startswith("text/csv") or lower.endswith(".csv"):
        return "csv"
    return "text"


def _zip_form(data: bytes, lower: str) -> str:
    """docx, xlsx, ofd, odt or ods, by the members the central directory lists and an
    OpenDocument file's ``mimetype`` (its first member, stored as it is); zip when it lists none
    of their parts (an archive of documents)."""
    import io
    import zipfile
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        # A damaged archive: the reader its name calls for (the DOCX reader by default) gives the reason.
        return next((form for suffix, form in ((".xlsx", "xlsx"), (".xlsm", "xlsx"), (".ods", "ods"),
                                               (".odt", "odt"), (".ofd", "ofd")) if lower.endswith(suffix)), "docx")
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    if "OFD.xml" in names or lower.endswith(".ofd"):
        return "ofd"
    if not any(n == "[Content_Types].xml" or n.startswith(("word/", "_rels/", "xl/", "Doc_")) for n in names) \
            and "mimetype" not in names and not lower.endswith((".docx", ".docm", ".dotx", ".xlsx", ".xlsm", ".ofd")):
        return "zip"   # no package of any form: an archive of documents (a report and its annexes)
    if "mimetype" in names and "content.xml" in names:
        try:
            with archive.open("mimetype") as member:
                mimetype = member.read(100)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
            mimetype = b""
        if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet") or lower.endswith(".ods"):
            return "ods"
        if mimetype.startswith(b"application/vnd.oasis.opendocument.text") or lower.endswith(".odt"):
            return "odt"
    return "docx"


class UnreadableDocument(ValueError):
    """The bytes are not a document of any form the parser knows."""


class MissingTool(UnreadableDocument):
    """Reading this form needs a program that is not installed (the message says which)."""


# U+FFFD and the control characters other than \t \n \f \r (9, 10, 12, 13). Counted with one
# regex pass: a Python loop over every character cost more than reading the tables.
_GARBAGE = re.compile(r"[\ufffd\x00-\x08\x0b\x0e-\x1f]")


def _garbage_share(text: str) -> float:
    if not text:
        return 0.0
    bad = len(_GARBAGE.findall(text))
    return bad / len(text)


def _looks_binary(text: str) -> bool:
    return _garbage_share(text) > 0.02


def read_document(data: bytes, name: str = "", media_type: str | None = None) -> Document | None:
    form = sniff(data, name, media_type)
    if form == "pdf":
        from .pdf import read_pdf  # pdfplumber is slow to import: only for PDFs
        doc = read_pdf(data)
        if doc.page_text:
            # No table with cells holds a number, but the lines hold a table's rows: read as text,
            # a PDF still, with what was learnt reading it (OCR, the reader's notes).
            as_text = read_text(doc.page_text)
            as_text.form, as_text.page_meta = doc.form, doc.page_meta
            as_text.reader_issues = doc.reader_issues + as_text.reader_issues   # the PDF's, then the text's
            as_text.ocr_confidence, as_text.ocr_notes = doc.ocr_confidence, doc.ocr_notes
            return as_text
        return doc
    if form == "docx":
        return read_docx(data)
    if form == "wordxml":
        return read_word_xml(data)
    if form in ("doc", "wps", "rtf", "odt"):
        from .office import read_legacy_word
        return read_legacy_word(data, form)
    if form in ("xls", "xlsx", "ods"):
        from .spreadsheet import read_spreadsheet
        return read_spreadsheet(data, form)
    if form == "excelxml":
        from .spreadsheet import read_spreadsheet_xml
        return read_spreadsheet_xml(data)
    if form == "ofd":
        from .ofd import read_ofd
        return read_ofd(data)
    if form == "image":
        from .ocr import read_image_document
        return read_image_document(data)
    if form in ("emf", "wmf"):
        from .metafile import read_metafile_document
        return read_metafile_document(data)
    if form == "zip":
        from .archive import read_archive
        return read_archive(data)
    if form in ("html", "mhtml"):
        doc = read_html(data) if form == "html" else read_web_archive(data)
        doc.form = form
        if doc.page_text:
            # No table of the page holds a number, but its text has a table's rows: the tables
            # were pasted as text (paragraphs, <br> lines, a <pre>). Read as text, with what the
            # page's head says.
            as_text = read_text(doc.page_text)
            as_text.encoding, as_text.encoding_rule = doc.encoding, doc.encoding_rule
            as_text.page_meta = doc.page_meta
            return as_text
        return doc
    if form in ("text", "csv"):
        text, encoding, rule = decode(data)
        if _looks_binary(text):
            raise UnreadableDocument(f"not text in any known encoding ({encoding} gives "
                                     f"{_garbage_share(text):.0%} control or replacement characters)")
        doc = read_text(_csv_as_tabbed(text) if form == "csv" else text)
        doc.encoding, doc.encoding_rule = encoding, rule
        return doc
    return None


def _csv_as_tabbed(text: str) -> str:
    """A spreadsheet saved as CSV (a table a record, prose a one-field record): its records as
    lines of TAB-separated cells, which the text readers read as a grid. The csv module undoes
    the quoting, so 「"1,136"」 is one cell and a cell's line breaks stay in it."""
    import csv
    import io

    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise UnreadableDocument(f"not a CSV file: {exc}") from exc
    return "\n".join("\t".join(" ".join(cell.split()) for cell in record) for record in records)


def read_text(text: str) -> Document:
    """A decoded text, by the reader its layout calls for."""
    text = paired_tabs_as_one(without_markdown_escapes(with_entities_decoded(text)))
    text = without_letter_spacing(text)   # 「政 府 信 息」 (OCR engines, letter-spaced PDFs)
    text, letters_read = with_letters_as_digits(text)   # 「22O000O22」 (OCR engines)
    doc = _read_text_layout(text)
    if letters_read:
        doc.reader_issues.append(letters_issue(letters_read))
    return doc


def _read_text_layout(text: str) -> Document:
    if is_box_text(text):
        return read_box_text(text)   # tables drawn with lines (text browsers' dumps)
    text = without_box_lines(text)   # a drawn table's lines that ran together
    text = unwrapped(text)   # lines cut at a fixed width (text browsers' dumps)
    text = with_spaced_words_joined(text)   # 「总 计」, 「行 政 许 可」 (Word's justified labels)
    if looks_like_cell_text(text):
        return read_cell_text(text)
    if is_running_text(text):
        return read_running_text(text)   # tables run into the running text
    return read_text_grid(text)


# A report page may hold nothing but a link to the report itself (a PDF or Word attachment), or
# show it inside itself (an iframe, embed or object: pdf.js's viewer.html?file=…pdf): that page is
# a report page, never junk.
_DOCUMENT_LINK = re.compile(rb"""(?:href|src|data)\s*=\s*["']?[^"'\s>]+\.(?:pdf|doc[xm]?|wps|xlsx?|ofd|rtf|odt|ods|mht(?:ml)?)\b""", re.I)


def _links_a_document(data: bytes, form: str | None) -> bool:
    return form == "html" and _DOCUMENT_LINK.search(data) is not None


#: The table cells a figure stated in the prose chooses among the readings of (R8).
_PROSE_CELLS = {"legacy.apps.total": "apps.new_received.total", "legacy.review.total": "review.total"}


def _rows_missing(values: dict, layout: str) -> bool:
    """Whether the values lack a whole row of the layout's national tables (a row of which the
    cells gave nothing may be drawn without rules)."""
    return any(not any(key.startswith(row) for key in values) for row in NATIONAL_ROWS.get(layout, ()))


def _add_unruled_tables(reader: TableReader, doc: Document, layout: str) -> str:
    """A PDF of the national layout whose cells left a row of its tables out: its tables may be
    drawn some with rules, some without (a table pasted from another document, its borders
    lost), or some rows of a table without (they lost their rules), the rows of those lines
    outside every cell. The document is read again as text: those lines as a PDF's lines without
    rules are (with what the words' places say written into them), among the ruled rows' cells
    (a row's group label or its block's header may be a cell's), and the values the cells did
    not give are added, with the issues of their tables. A value the cells gave is never
    replaced. The layout (returned) is the text's when the cells did not show it (table 二's
    header drawn without rules)."""
    text = doc.lines_without_rules()
    if text is None:
        return layout
    lines = read_text(text)
    other = TableReader(method=lines.method)
    other.read(lines.items)
    if not reader.layout_shown() and other.layout_shown():
        layout = other.layout()   # table 二's header drawn without rules: the cells only guessed
    other.finish(layout, _prose_for_tables(lines, other))
    added = {key: value for key, value in other.values.items() if key not in reader.values}
    if not added:
        return layout
    reader.values.update(added)
    tables = {value.table for value in added.values()}
    reader.issues.extend(issue for issue in other.issues
                         if any(issue.message.startswith(f"table {table}") for table in tables))
    reader.open_rows.extend(row for row in other.open_rows if row.get("table") in tables)
    reader.rules_used |= other.rules_used
    return layout


def _prose_for_tables(doc: Document, reader: TableReader) -> dict:
    """Table cell → the figure the prose states for it, when rows whose digits ran together wait
    to be settled (the prose then chooses among their readings); else nothing is read."""
    tables = {entry[0] for entry in reader.pending_splits}
    if not tables:
        return {}
    agency = metadata.find_agency(doc)
    out = {}
    if tables & {"三", "四"}:
        figures = freeform.read_prose(doc, agency, tuple(_PROSE_CELLS))
        out.update({_PROSE_CELLS[f.key]: f.value for f in figures if not f.zero_statement})
    if "二" in tables:   # 「制发行政规范性文件69件，废止3件，现行有效665件」
        out.update({key: value for key, (value, _) in table_two_prose.read(doc, agency).items()})
    return out


def parse_document(data: bytes, source: str, media_type: str | None = None) -> ParsedReport:
    report = ParsedReport(source=source)
    try:
        report.form = sniff(data, source, media_type)
        doc = read_document(data, source, media_type)
        if doc is None:
            report.issues.append(ParseIssue(
                "unsupported_form", f"{source}: a {report.form.upper()} document; this parser version "
                "does not read that form yet (the bytes are kept and will be parsed when it does)", None))
            return report
        report.encoding = doc.encoding
        if doc.page_meta.get("pages_without_text"):
            report.issues.append(ParseIssue(
                "needs_ocr", f"{source}: pages {doc.page_meta['pages_without_text']} have no text layer "
                "(scanned): OCR is needed to read them; the other pages were read", None))
        reader = TableReader(method=doc.method,
                             ocr_rows=frozenset(where.rpartition(" column ")[0] for where in doc.ocr_confidence
                                                if " column " in where))
        reader.read(doc.items)
        layout = reader.layout()
        reader.finish(layout, _prose_for_tables(doc, reader))
        if doc.lines_without_rules is not None and layout is not None and _rows_missing(reader.values, layout):
            layout = _add_unruled_tables(reader, doc, layout)
        report.values = reader.values
        report.open_rows = list(reader.open_rows)
        report.template = layout or "freeform"
        report.issues.extend(reader.issues)
        report.issues.extend(ParseIssue(code, f"{source}: {message}", None)
                             for code, message in doc.reader_issues)
        report.agency = metadata.find_agency(doc)
        report.year = metadata.find_year(doc)
        report.published, report.published_basis = metadata.find_published_with_basis(doc)
        report.sections = split_sections(doc)
        report.scope, report.scope_basis = metadata.find_scope_with_basis(doc, report.agency)
        report.title = metadata.find_title(doc)
        freeform.complete(doc, report)   # 附表 and prose figures (legacy.*), R8 findings
        by_columns = getattr(doc, "rules_used", set())   # R3, when a table written column by column was read
        used = sorted(reader.rules_used | getattr(report, "_annex_rules_used", set()) | by_columns)
        if used:
            # A rule that fixed a split cannot certify it: its check is not assessable for this report.
            how = " or to read a table written column by column" if by_columns else ""
            report.issues.append(ParseIssue(
                "rules_used_to_read", f"{source}: {', '.join(used)} were used to split digits that ran "
                f"together or rows that ran on{how} (used_rules={','.join(used)}); for this report their checks "
                "are not assessable (used to read the table)", None))
        if doc.ocr_confidence:
            from .ocr_review import review
            report.issues.extend(review(report.values, doc.ocr_confidence, source, doc.ocr_notes))
        if report.year is None:
            report.issues.append(ParseIssue("no_year", f"{source}: no statistical year found "
                                            "(no 统计期限 sentence, no dated title)", None))
        if report.agency is None:
            report.issues.append(ParseIssue("no_agency", f"{source}: no issuing body found "
                                            "(no title, 来源, 本报告由…编制 or contact sentence)", None))
        if report.year is None and report.agency is None and not report.values \
                and report.template == "freeform" and not _links_a_document(data, report.form):
            report.issues.insert(0, ParseIssue(
                "not_a_report", f"{source}: not an annual report: no year, no issuing body, no table "
                f"and no figure in {len(data):,} bytes read as {report.form.upper()}", None))
    except MissingTool as exc:
        report.issues.append(ParseIssue("unsupported_form", f"{source}: {exc}", None))
    except UnreadableDocument as exc:
        report.issues.append(ParseIssue("unreadable", f"{source}: {exc}", None))
    except Exception as exc:  # a parser bug must not lose the document or stop the batch
        report.issues.append(ParseIssue("parser_error", f"{source}: {type(exc).__name__}: {exc}", None))
    return report
