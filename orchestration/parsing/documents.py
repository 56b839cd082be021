"""Physical forms → a flat stream of prose lines and table rows.

Every form the parser reads (an HTML page, text with one cell per line, …) is turned into
the same thing: a list of :class:`Line` (prose, headings) and :class:`Row` (the cells of one
table row, in document order). The table interpreter in :mod:`tables` then reads every form
the same way, by labels. Merged cells are kept once, where they start: the interpreter knows
which header cells group which (see :func:`tables.expand_header`), so nothing is lost, and
the grid position of each cell (spans expanded) is kept for provenance.

One module on purpose: every reader yields the same Line and Row items, and they share the
helpers that make them (cell text, merged cells, row grouping); the forms that need a library
of their own (PDF, OCR, office files, spreadsheets, OFD) are in modules of their own.
"""
from __future__ import annotations

import html
import itertools
import re
from dataclasses import dataclass, field
from typing import Callable

from lxml import etree

from ..encoding import bom_encoding, meta_charset, mostly_utf8, strip_xml_declaration, widen
from .bounded_zip import BoundedZip, DamagedMember, ZipBombError
from .cells import NONE_WORD, is_value, normalise, without_invisible
from .vocabulary import STANDARD_COLUMNS, apps_row, column_concept, is_header_label, section_of_heading


# Lines, cells and rows: a page has hundreds; slots make them smaller and quicker to make.
@dataclass(slots=True)
class Line:
    text: str
    where: str


@dataclass(slots=True)
class Cell:
    text: str
    where: str


@dataclass(slots=True)
class Row:
    cells: list[Cell]
    where: str


@dataclass
class Document:
    """A document reduced to its text and table rows, plus what the page's chrome said."""

    form: str                      # html | text_cells | text
    method: str                    # provenance method of values read from its tables
    items: list[Line | Row]
    encoding: str | None = None
    encoding_rule: str | None = None
    page_meta: dict[str, str] = field(default_factory=dict)   # <meta name=…>, <title>
    text_lines: list[str] = field(default_factory=list)       # the text outside tables, for metadata
    # Cell and line locations read by OCR → the engine's lowest confidence over their boxes.
    ocr_confidence: dict[str, float] = field(default_factory=dict)
    ocr_notes: dict[str, str] = field(default_factory=dict)   # location → what OCR reading did there
    # An HTML page whose tables were pasted as text: its visible text, to be read as text instead.
    page_text: str | None = None
    # A PDF whose tables have cells: how to read its lines outside every cell as a PDF's tables
    # without rules are (the text, where it holds a table's rows), asked for by parse_document
    # when the cells left a part of the national tables out.
    lines_without_rules: Callable[[], str | None] | None = None
    reader_issues: list[tuple[str, str]] = field(default_factory=list)   # (code, message) of the reading

    def __post_init__(self) -> None:
        if not self.text_lines:
            self.text_lines = [item.text for item in self.items if isinstance(item, Line)]


# ---- decoding ----------------------------------------------------------------------------

def decode(data: bytes, declared: str | None = None) -> tuple[str, str, str]:
    """(text, encoding, rule that decided), without invisible characters (see
    :func:`cells.without_invisible`). GB2312/GBK are widened to GB18030, their superset; a page
    that declares one charset but is in the other is read by what decodes cleanly."""
    text, encoding, rule = _decoded(data, declared)
    return without_invisible(text), encoding, rule


def _decoded(data: bytes, declared: str | None) -> tuple[str, str, str]:
    bom = bom_encoding(data)
    if bom:
        return data.decode(bom, errors="replace"), bom, "bom"
    # Strict UTF-8 first: GBK text almost never decodes as valid UTF-8, while UTF-8 bytes do
    # decode as (garbled) GB18030, so a page that says gb2312 but is UTF-8 is still read right.
    # What the page declares matters only when it is not UTF-8: looked for only then.
    try:
        return data.decode("utf-8"), "utf-8", "utf-8 (valid)"
    except UnicodeDecodeError:
        pass
    mostly = mostly_utf8(data)   # read as GB18030 it was mojibake: no agency, no year, no table
    if mostly:
        text, bad = mostly
        return text, "utf-8", f"utf-8 ({bad} invalid byte sequence{'s' if bad > 1 else ''} replaced)"
    if declared is None:
        declared = meta_charset(data)
    candidates = []
    if declared:
        declared = declared.lower()
        widened = widen(declared)
        if widened != "utf-8":
            candidates.append((widened, f"declared {declared}"))
    candidates.append(("gb18030", "fallback gb18030"))
    for encoding, rule in candidates:
        try:
            return data.decode(encoding), encoding, rule
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("gb18030", errors="replace"), "gb18030", "replaced"


# ---- HTML --------------------------------------------------------------------------------

_BLOCK_ONLY = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "section", "article",
               "center", "blockquote", "pre"}


def _text(el) -> str:
    # Labels and numbers are often split over <span>/<p> by Word: join the pieces with nothing.
    if len(el) == 0:
        # No child nodes (most cells): the element's own text is all itertext() would give.
        return (el.text or "").replace("\xa0", " ").strip()
    return "".join(el.itertext()).replace("\xa0", " ").strip()


def _table_rows_of_cells(rows: list[list], table_no: int) -> list[Row]:
    """The rows of a data table as :class:`Row`, each cell with its text and the grid (row,
    column) where it starts, rowspan/colspan expanded: its provenance."""
    # Row → the columns that cells of rows above it cover (rowspan). A cell's own row needs no
    # marks: the column counter moves past it. Most rows have none, so most cells cost no lookup
    # of a (row, column) pair. The positions and the cells are made in the same pass over the
    # cells (a pass for each, with a list of positions between them, cost more). Every cell of
    # every table passes here: :func:`_text` is written out in the loop, and a cell with no
    # span attribute (most) costs no call.
    covered_in: dict[int, set[int]] = {}
    items: list[Row] = []
    row_of = f"table {table_no} row "
    for r, tds in enumerate(rows):
        covered = covered_in.pop(r, None)
        where = row_of + _POSITION[r]
        column_of = where + " column "
        cells = []
        c = 0
        for td in tds:
            if covered:
                while c in covered:
                    c += 1
            # strip() drops edge no-break spaces as well, so only inner ones are left to replace
            # (the same text as replacing first, then stripping), and few cells have any.
            text = ((td.text or "") if len(td) == 0 else "".join(td.itertext())).strip()
            if "\xa0" in text:
                text = text.replace("\xa0", " ")
            cells.append(Cell(text, column_of + _POSITION[c]))
            colspan = td.get("colspan")
            colspan = 1 if colspan is None else _span(colspan)   # no attribute: the usual case
            rowspan = td.get("rowspan")
            if rowspan is not None:
                for dr in range(1, _span(rowspan)):
                    covered_in.setdefault(r + dr, set()).update(range(c, c + colspan))
            c += colspan
        if cells:
            items.append(Row(cells, where))
    return items


class _Positions(dict):
    """Grid position (0-based) → the 1-based number printed in a cell's location: every cell
    needs one, and a lookup is quicker than ``str(c + 1)``. Filled once for the usual sizes; a
    larger position is made on demand and not kept, so the table stays the same size."""

    def __missing__(self, index: int) -> str:
        return str(index + 1)


_POSITION = _Positions((i, str(i + 1)) for i in range(1024))


def _span(value: str | None) -> int:
    if value is None:
        return 1
    try:
        return max(1, min(int(value or 1), 200))
    except ValueError:
        return 1


def _table_rows(table) -> list:
    """The <tr> of this table, not of tables nested inside its cells."""
    return [tr for tr in table.iter("tr") if _nearest_table(tr) is table]


def _nearest_table(el):
    parent = el.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


# The parser lxml.html.document_fromstring uses, without its element class lookup: the tree is
# the same, but lxml.html makes every element Python touches go through a Python-level class
# lookup, which cost more than the parse itself. Only the plain etree API is used below.
# huge_tree lifts libxml2's nesting limit from 256 to 2048 levels: past the limit the parser cuts
# the tree silently, and Word-exported pages nest layout tables and <font>/<div> wrappers deeply.
_HTML_PARSER = etree.HTMLParser(huge_tree=True)
# Wrappers that carry layout, never table structure: removed when a page nests too deep to walk.
# Inline ones go without a trace (a number split over two <span>s stays one number); block ones
# leave a line break.
_INLINE_WRAPPERS = re.compile(r"</?(?:font|span|b|strong|i|em|u|small|big|a)\b[^>]*>", re.I)
_BLOCK_WRAPPERS = re.compile(r"</?(?:div|center|section|article|blockquote)\b[^>]*>", re.I)
# Deeper than this, the walk below would come near Python's recursion limit.
MAX_WALK_DEPTH = 400


def _html_root(text: str):
    """What ``lxml.html.document_fromstring(text)`` gives, as plain etree elements. A page that
    nests deeper than the parser (or the walk) can follow is read without its layout wrappers;
    one still too deep is unreadable, said so, never silently cut."""
    text = strip_xml_declaration(text)
    root = _parse_html(text)
    if _too_deep(root):
        flat = _BLOCK_WRAPPERS.sub("<br>", _INLINE_WRAPPERS.sub("", text))
        root = _parse_html(flat)
        if _too_deep(root):
            from . import (
                UnreadableDocument,  # defined in the package, which imports this module
            )
            raise UnreadableDocument("the page nests elements deeper than the HTML parser follows "
                                     f"({MAX_WALK_DEPTH}+ levels, even without its layout wrappers)")
    return root


def _parse_html(text: str):
    root = etree.fromstring(text, _HTML_PARSER)
    if root is None:
        raise etree.ParserError("Document is empty")
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in _HTML_PARSER.error_log):
        root.set("data-depth-limit", "hit")
    return root


def _too_deep(root) -> bool:
    if root.get("data-depth-limit"):
        return True
    # Cheap for ordinary pages: only a page with that many elements can be that deep. Both
    # counted by libxml2's XPath, not element by element in Python.
    if _ELEMENT_COUNT(root) < MAX_WALK_DEPTH:
        return False
    return bool(_NESTED_AT_LEAST(root, depth=MAX_WALK_DEPTH))


_ELEMENT_COUNT = etree.XPath("count(//*)")
# A table, cell or paragraph with at least $depth element ancestors.
_NESTED_AT_LEAST = etree.XPath("boolean((//table|//td|//p)[count(ancestor::*) >= $depth])")


# The invisible characters of cells.without_invisible written as entities (「&#8203;」, 「&shy;」):
# the DOM would hand them to every cell and line as characters.
_INVISIBLE_ENTITY = re.compile(r"&(?:#(?:0*(?:173|820[3-7]|8288|65279)|[xX]0*(?:[aA][dD]|200[bBcCdDeEfF]|2060"
                               r"|[fF][eE][fF][fF]))|shy|zwn?j|lrm|rlm|ZeroWidthSpace|NoBreak);")


def read_html(data: bytes, declared_charset: str | None = None,
              pictures: dict[str, bytes] | None = None, page_location: str = "") -> Document:
    """A web page: its prose lines and the rows of its data tables, in page order. Pictures the
    page holds itself may be its tables (a table pasted as a screenshot): ``data:`` images, and
    a web archive's images (``pictures``: its parts by location, ``page_location`` the page's)
    are read by OCR in their place, as a Word file's pictures are (:func:`_image_read`)."""
    text, encoding, rule = decode(data, declared_charset)
    if _INVISIBLE_ENTITY.search(text):
        text = _INVISIBLE_ENTITY.sub("", text)
    root = _html_root(text or "<html></html>")
    if any(word in data for word in _HIDING_WORDS):
        _hidden_dropped(root, b"hidden" in data)
    if next(root.iter("sup"), None) is not None:
        _notes_dropped(root)
    if any(tag in data for tag in _CODE_TAGS):
        # A script or a style block is no text of the page (after the hidden parts: their class
        # rules were read from the styles). Inside a cell, its code became part of the cell's
        # text (「12document.write("")」: the row's figures unread).
        etree.strip_elements(root, "script", "style", with_tail=False)
    page_meta: dict[str, str] = {}
    for meta in root.iter("meta"):
        name = meta.get("name") or meta.get("property")
        if name and meta.get("content"):
            page_meta[name] = meta.get("content").strip()
    title = root.find(".//title")
    if title is not None and _text(title):
        page_meta["title"] = _text(title)

    items: list[Line | Row] = []
    table_no = 0
    # Elements with a table somewhere inside, found once (asking each element is quadratic).
    holds_table = {ancestor for table in root.iter("table") for ancestor in table.iterancestors()}
    reader_issues: list[tuple[str, str]] = []
    ocr_read: tuple[dict, dict] = ({}, {})   # what OCR read in pictures: confidence, notes by location
    # Pictures that may be tables, each read once where the walk meets it: after the text of the
    # paragraph it stands in, or where it stands between blocks (not in a data table's cell).
    shown = _page_pictures(root, pictures or {}, page_location) if pictures or b"data:image" in data else {}
    read_pictures: list = []

    def emit_picture(img) -> None:
        if img not in shown or img in read_pictures:
            return
        read_pictures.append(img)
        picture_items, picture_issues = _image_read(shown[img], f"picture {len(read_pictures)}",
                                                    "of the page", ocr_read)
        items.extend(picture_items)
        reader_issues.extend(picture_issues)

    def emit_line(s: str) -> None:
        s = s.strip()
        if s:
            items.append(Line(s, f"paragraph {len(items) + 1}"))

    def walk(el) -> None:
        nonlocal table_no
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "head", "title"):
            return
        if el.tag == "table":
            # A table with no table inside it (the usual data table) owns all its rows, and none
            # of its cells holds a table: no need to ask for each.
            nested = el in holds_table
            rows = _table_rows(el) if nested else list(el.iter("tr"))
            # The <td> and <th> children of each row, picked by lxml (comments and other nodes left out).
            cells_of = [list(tr.iterchildren("td", "th")) for tr in rows]
            if nested and any(td in holds_table for tds in cells_of for td in tds):
                # A layout table (CMS templates wrap the article in one): its cells are
                # containers, read what is inside them.
                for tds in cells_of:
                    for td in tds:
                        walk_children(td)
                return
            table_no += 1
            items.extend(_table_rows_of_cells(cells_of, table_no))
            return
        has_block_child = any(isinstance(ch.tag, str) and (ch.tag in _BLOCK_ONLY or ch.tag == "table"
                                                            or ch in holds_table)
                              for ch in el)
        if el.tag in _BLOCK_ONLY and not has_block_child:
            emit_line(_text(el))
            if shown:
                for img in el.iter("img"):
                    emit_picture(img)
            return
        if el.tag == "img":
            emit_picture(el)
            return
        walk_children(el)

    def walk_children(el) -> None:
        if el.text:
            emit_line(el.text)
        for child in el:
            walk(child)
            if child.tail:
                emit_line(child.tail)

    body = root.find(".//body")
    walk(body if body is not None else root)
    doc = Document(form="html", method="html_table", items=items, encoding=encoding,
                   encoding_rule=rule, page_meta=page_meta, reader_issues=reader_issues,
                   ocr_confidence=ocr_read[0], ocr_notes=ocr_read[1])
    if not _holds_table_values(items) and _TABLE_LABEL.search(text):
        # No table holds a number, but a table's label is on the page: a page whose tables were
        # pasted as text, in paragraphs, lines or a <pre>, is read as that text by the caller
        # when the label has its numbers after it.
        visible = visible_text(body if body is not None else root)
        if _TABLE_ROW_WITH_NUMBER.search(visible):
            doc.page_text = visible
    return doc


# What keeps an element from being shown, in its style attribute or in a class rule of the page's
# stylesheet.
_HIDING = r"display\s*:\s*none|visibility\s*:\s*hidden|mso-hide\s*:\s*all"
_HIDDEN_STYLE = re.compile(_HIDING, re.I)
# Text set at size 0 is not shown either, unless a child sets its own size: a container so set to
# close the gaps between inline blocks shows its children.
_NO_SIZE = re.compile(r"font-size\s*:\s*0(?:\.0*)?(?:px|pt|em|rem|%)?\s*(?:;|!|$)", re.I)
_SIZED = re.compile(r"font-size\s*:", re.I)
# Looked for in the page's bytes first (about 5 µs each on a 9 KB page): a page with none of them
# hides nothing. A regular expression over the page cost a quarter of its parse.
_HIDING_WORDS = (b"none", b"idden", b"mso-hide", b"font-size:0", b"font-size: 0")
_CODE_TAGS = (b"<script", b"<style", b"<SCRIPT", b"<STYLE", b"<Script", b"<Style")
_HIDING_CLASS_RULE = re.compile(r"((?:\.[\w-]+\s*,\s*)*\.[\w-]+)\s*\{[^}]*?(?:" + _HIDING + r")", re.I)


def _hidden_dropped(root, attribute: bool = True) -> None:
    """Elements the page does not show (``display:none``, ``visibility:hidden``, Word's
    ``mso-hide:all``, the ``hidden`` attribute (looked for where ``attribute``), a class its
    stylesheet hides, ``font-size:0`` over text of no other size) go with their text,
    their tails stay: a site that hides digits inside its numbers against copying
    (「2<span style="display:none">7</span>6」 shows 26, and read 276), a CMS's hidden copy of a
    label, Word's hidden text."""
    hiding_classes = {name.strip()[1:] for style in root.iter("style")
                      for rule in _HIDING_CLASS_RULE.finditer(style.text or "")
                      for name in rule.group(1).split(",")}

    def unshown(el) -> bool:
        style = el.get("style") or ""
        return (el.get("hidden") is not None or bool(_HIDDEN_STYLE.search(style))
                or bool(hiding_classes and hiding_classes & set((el.get("class") or "").split()))
                or (bool(_NO_SIZE.search(style))
                    and not any(_SIZED.search(child.get("style") or "") for child in el.iterdescendants())))

    # The elements with a style, a hidden attribute or a class, through their attributes: lxml
    # finds those quickly (a test of every element, in Python or in XPath, costs 4-20 times more).
    paths = "//@style" + (" | //@hidden" if attribute else "") + (" | //@class" if hiding_classes else "")
    candidates = {id(el): el for el in (value.getparent() for value in root.xpath(paths))}
    hidden = [el for el in candidates.values() if el.tag not in ("style", "script") and unshown(el)]
    dropped: set = set()
    for el in hidden:   # in document order: one inside a hidden element goes with it
        if el.getparent() is not None and el.tag not in ("html", "body") and \
                not any(ancestor in dropped for ancestor in el.iterancestors()):
            _remove_keeping_tail(el)
            dropped.add(el)


def _notes_dropped(root) -> None:
    """A superscript after a cell's or a paragraph's text is a footnote's reference (「26<sup>1</sup>」,
    「总计<sup>注</sup>」), no part of the number or label before it (that 「26」 would read 261): it
    goes, its tail stays. A superscript with no text before it (a cell all set high) is the text."""
    for sup in list(root.iter("sup")):
        if _text_before(sup):
            _remove_keeping_tail(sup)


def _remove_keeping_tail(el) -> None:
    """``el`` and its text out of the tree; the text after it (its tail) stays where it stood."""
    parent, previous = el.getparent(), el.getprevious()
    if el.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _text_before(el) -> bool:
    """Whether text stands before ``el`` in its cell or block."""
    while True:
        previous = el.getprevious()
        while previous is not None:
            if (previous.tail or "").strip() or "".join(previous.itertext()).strip():
                return True
            previous = previous.getprevious()
        parent = el.getparent()
        if parent is None:
            return False
        if (parent.text or "").strip():
            return True
        if parent.tag in _BLOCK_ONLY or parent.tag in ("td", "th", "body", "table", "tr"):
            return False
        el = parent


# A table row's label with its first number after it (table 三's 「…申请数量 64」, an annex's
# 「主动公开信息数 条 425」, whatever separates them): a page's text with one holds a table. Words
# alone are not enough: the prose of a report without tables says 「历年累计受理申请94件」 too.
# _TABLE_LABEL looks for the labels in the page's markup first, so a page of prose costs no walk.
_TABLE_LABEL = re.compile(r"申请数量|总计|继续办理|信息数|文件数|申请数|答复数")
_TABLE_ROW_WITH_NUMBER = re.compile(rf"(?:{_TABLE_LABEL.pattern})[\s:：|]*(?:条|件)?[\s:：|]*\d")


def _holds_table_values(items: list[Line | Row]) -> bool:
    """Whether a table row of the items holds a number (or a blank cell's mark)."""
    return any(isinstance(item, Row) and any(is_value(c.text) for c in item.cells) for item in items)


def tables_as_text(doc: Document) -> str | None:
    """A document's lines as text, where no table of it holds a number but its lines hold a
    table's rows (a label and its first number): tables laid out without cells, to be read as
    text. None otherwise."""
    if _holds_table_values(doc.items):
        return None
    return lines_with_table_rows(doc.items)


def lines_with_table_rows(items: list) -> str | None:
    """The items' lines (anything with a text but a table's :class:`Row`) as text, where they
    hold a table's rows (a label and its first number); else None."""
    text = "\n".join(item.text for item in items if not isinstance(item, Row))
    return text if _TABLE_ROW_WITH_NUMBER.search(text) else None


_MARKUP_SPACE = re.compile(r"[ \t\n\r\f]+")
# Elements that end a line of a page's visible text (visible_text).
_LINE_ELEMENTS = _BLOCK_ONLY | {"br", "tr", "table", "ul", "ol", "dl", "dt", "dd", "body", "hr"}


def visible_text(root) -> str:
    """The text a browser shows of a page, a line for each paragraph, <br> and table row: white
    space in the markup is one space, as a browser collapses it, except inside <pre>, kept as
    written; a table's cells are a space apart."""
    out: list[str] = []

    def collapsed(text: str, pre: bool) -> str:
        # A browser collapses the markup's spaces, tabs and line breaks, not no-break spaces
        # (a blank cell's 「&nbsp;」 stays a mark between two numbers).
        return text if pre else _MARKUP_SPACE.sub(" ", text)

    def walk(el, pre: bool) -> None:
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is None or tag in ("script", "style", "head", "title"):
            return
        pre = pre or tag == "pre"
        ends_line = tag in _LINE_ELEMENTS
        if ends_line:
            out.append("\n")
        elif tag in ("td", "th"):
            out.append(" ")
        if el.text:
            out.append(collapsed(el.text, pre))
        for child in el:
            walk(child, pre)
            if child.tail:
                out.append(collapsed(child.tail, pre))
        if ends_line:
            out.append("\n")

    walk(root, False)
    lines = ("".join(out)).split("\n")
    return "\n".join(line.strip(" ") for line in lines if line.strip())


def looks_like_html(data: bytes) -> bool:
    head = data[:4096].lower()
    return b"<html" in head or b"<table" in head or b"<!doctype html" in head or b"<body" in head


# ---- MHTML: a web page saved as one file -------------------------------------------------

# A MIME message's header block: header lines, folded ones continued by a space or a tab.
_MIME_HEADERS = re.compile(rb"(?:[!-9;-~]+:[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*(?:\r?\n|\Z))+")
_MIME_HEADER_NAME = re.compile(rb"[!-9;-~]+:")
_PAGE_TYPES = ("text/html", "application/xhtml+xml")


def looks_like_mhtml(data: bytes) -> bool:
    """A MIME message carrying a web page: a browser's web archive (Chrome's .mhtml, the .mht of
    Internet Explorer and Word) and the .doc files that are one (Word's "web archive" save, and
    what many sites' 导出Word buttons serve). Its page is quoted-printable or base64 inside: as
    HTML it reads nothing (「=E5=B9=B3…」)."""
    head = data[:8192].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not _MIME_HEADER_NAME.match(head):
        return False   # (every page and text: their first word is no header's name)
    end = re.search(rb"\r?\n\r?\n", head)
    if end is None or not _MIME_HEADERS.fullmatch(head[:end.start()]):
        return False
    headers = head[:end.start()].lower()
    return b"mime-version:" in headers and (b"multipart/related" in headers or b"text/html" in headers)


def read_web_archive(data: bytes) -> Document:
    """A web archive's page, read as a page, with the images the archive holds for it."""
    page, charset, parts, location = web_archive_page(data)
    return read_html(page, charset, pictures=parts, page_location=location)


def web_archive_page(data: bytes) -> tuple[bytes, str | None, dict[str, bytes], str]:
    """(the page of a web archive, the charset its part declares, the archive's other parts by
    location (``Content-Location``, and ``cid:`` + ``Content-ID``), the page's location): the
    page is the part the archive's ``start`` parameter names, else its first HTML part (a browser
    writes the page before its frames and images)."""
    import email
    import email.utils

    from . import UnreadableDocument

    message = email.message_from_bytes(data)
    parts = [part for part in message.walk() if not part.is_multipart()]
    start = message.get_param("start") if message.is_multipart() else ""
    start = email.utils.collapse_rfc2231_value(start or "").strip()
    page = next((part for part in parts if start and _header(part, "Content-ID") == start
                 and part.get_content_type() in _PAGE_TYPES), None)
    page = page or next((part for part in parts if part.get_content_type() in _PAGE_TYPES), None)
    if page is None:
        raise UnreadableDocument("a web archive (MIME) with no HTML page in it: "
                                 f"{', '.join(sorted({part.get_content_type() for part in parts})) or 'no parts'}")
    others: dict[str, bytes] = {}
    for part in parts:
        if part is page or part.get_content_maintype() != "image":
            continue
        payload = part.get_payload(decode=True) or b""
        if _header(part, "Content-Location"):
            others[_header(part, "Content-Location")] = payload
        if _header(part, "Content-ID"):
            others["cid:" + _header(part, "Content-ID").strip("<>")] = payload
    return (page.get_payload(decode=True) or b"", page.get_content_charset(), others,
            _header(page, "Content-Location"))


def _header(part, name: str) -> str:
    """A MIME header's value as text (a value with bytes no charset explains comes as an
    ``email.header.Header`` object, not a str)."""
    return str(part.get(name) or "").strip()


# ---- text: one cell per line, `|` separators -----------------------------------------------

_SEPARATOR = "|"


def looks_like_cell_text(text: str) -> bool:
    lines = text.splitlines()
    return sum(1 for line in lines if line.strip() == _SEPARATOR) >= 10


def _is_fragment(line: str) -> bool:
    """A short piece of a wrapped cell (「商业」, a single character of a vertical label)."""
    s = normalise(line)
    return 0 < len(s) <= 12 and not is_value(s) and not s.endswith("。")


def read_cell_text(text: str) -> Document:
    """Text where every table cell stands on its own line(s) between lines holding only `|`
    (how scraped pages often come). A cell wrapped over several short lines is joined
    (「商业」「企业」 → 「商业企业」; a vertical label one character per line); where a
    segment mixes a cell with prose (the end of one table, a heading, the start of the
    next), its first and last lines are cells and the lines between are prose."""
    lines = [line.strip() for line in text.splitlines()]
    segments: list[tuple[int, list[tuple[int, str]]]] = []   # (index, [(line number, text)])
    current: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        if line == _SEPARATOR:
            segments.append((len(segments), current))
            current = []
        elif line:
            current.append((number, line))
    segments.append((len(segments), current))

    items: list[Line | Row] = []
    pending: list[Cell] = []   # cells of the table being read, rows are cut in tables.py

    def flush() -> None:
        if pending:
            items.append(Row(list(pending), f"line {pending[0].where.split()[-1]}"))
            pending.clear()

    last = len(segments) - 1
    for index, segment in segments:
        opened = index > 0          # a separator stands before this segment
        closed = index < last       # and after it
        if opened and closed and len(segment) == 1:
            # One line (most cells): the cell, whether a fragment or not (joining the fragments
            # of one line gives that line), without asking.
            pending.append(Cell(segment[0][1], f"line {segment[0][0]}"))
            continue
        if opened and closed and all(_is_fragment(t) for _, t in segment):
            pending.append(Cell("".join(t for _, t in segment), f"line {segment[0][0]}" if segment
                                else "line ?"))
            continue
        if opened and closed and not segment:
            pending.append(Cell("", "blank cell"))
            continue
        # A segment holding prose: first line closes the previous table, last opens the next.
        body = list(segment)
        if opened and body:
            number, first = body.pop(0)
            pending.append(Cell(first, f"line {number}"))
        head = body.pop() if (closed and body) else None
        flush()
        for number, line in body:
            items.append(Line(line, f"line {number}"))
        if head:
            pending.append(Cell(head[1], f"line {head[0]}"))
    flush()
    return Document(form="text_cells", method="text_cells", items=items,
                    text_lines=[line for line in lines if line and line != _SEPARATOR])


def join_wrapped(pieces: list[str]) -> str:
    """Text an extractor wrapped at its line width, as one text again: Chinese and numbers run on
    without a space (「24252.31」「1082」 is one number), Latin words with one."""
    out = ""
    for piece in pieces:
        if out and piece and out[-1].isascii() and out[-1].isalpha() and piece[0].isascii() and piece[0].isalpha():
            out += " "
        out += piece
    return out


# ---- text grids and Markdown: one table row per line -------------------------------------

_PAGE_FURNITURE = re.compile(r"^(?:[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?|\d{1,3}\s*/\s*\d{1,3})$")
_PIPE_SEPARATOR = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
_PROSE_END = ("。", "；", ";", "：", ":")
# An item mark a table 三 row label opens with (「1.」, 「（六）」, 「三、」).
_ITEM_MARK = re.compile(r"^(?:\d{1,2}[.、]|\([一二三四五六七八九十]\)|[一二三四五六七八九十]、)")
_LABEL_THEN_DIGITS = re.compile(r"^(.*[\u4e00-\u9fff）)”\"])(\d+(?:\.\d+)?)$")


# A blank cell a page fills with a no-break space (「<td>&nbsp;</td>」) keeps it in the page's text
# (lxml's text_content(), bs4's get_text()), where the cells' own texts are glued or one space
# apart: between two values each no-break space is one blank cell (「26\xa0\xa0\xa0\xa0\xa026」 is 26,
# five blanks, 26), as a TAB-separated line's empty fields are. Such a cell's text is the
# no-break space itself (a blank, as read_cell reads it). Elsewhere it separates, as any white
# space does. The table reader keeps these blanks only where they give the row as many cells
# as the table has columns: a page that pads its numbers with no-break spaces (「&nbsp;26」) makes
# too many, and the row is then read as if the spaces only separated (tables.py).
# LibreOffice's text export writes a table a cell a line, a blank cell an empty line: in a text
# grid an empty line between two values is such a blank too (read_text_grid), kept or dropped
# the same way, in a text whose filled cells stand on adjacent lines. pdftotext puts an empty
# line between every two cells: there empty lines say nothing (_empty_lines_are_cells).
# A text browser that cannot line a table up (lynx -dump, a long row label) writes a row's cells
# one space apart and a blank cell as two more (「26           26」: 26, five blanks, 26): between
# two values a run of three or more spaces is (spaces - 1) // 2 blank cells, fitted the same way.
# Text lined up in columns (pdftotext -layout) pads every gap, which gives a row more cells than
# its table has columns: its blanks are then dropped, and the row reads as before.
BLANK_CELL_SPACE = "\xa0"
_WIDE_GAP = "   "
_BLANK_SPACE_OR_WORD = re.compile(r"\xa0| {3,}|[^\s]+")


def fit_blank_spaces(values: list, widths: tuple[int, ...]) -> list:
    """A row's (cell, value) pairs with its blank cells read from white space (no-break spaces,
    empty lines) kept only when the row then has one of ``widths`` cells (its table's columns),
    else dropped: see ``BLANK_CELL_SPACE``."""
    if len(values) in widths or not any(cell.text == BLANK_CELL_SPACE for cell, _ in values):
        return values
    return [(cell, value) for cell, value in values if cell.text != BLANK_CELL_SPACE]


def _split_tokens(text: str) -> list[str]:
    """The cells of a text at runs of white space, a label with digits run on cut off them, and
    blank cells for the no-break spaces and wide gaps between two values (see
    ``BLANK_CELL_SPACE``)."""
    if BLANK_CELL_SPACE not in text and _WIDE_GAP not in text:
        return _plain_tokens(text)
    tokens: list[str] = []
    blanks = 0   # blank cells since the last word
    for part in _BLANK_SPACE_OR_WORD.findall(text):
        if part == BLANK_CELL_SPACE:
            blanks += 1
            continue
        if part[0] == " ":
            blanks += (len(part) - 1) // 2
            continue
        words = _plain_tokens(part)
        if blanks and tokens and is_value(tokens[-1]) and is_value(words[0]):
            tokens.extend([BLANK_CELL_SPACE] * blanks)
        blanks = 0
        tokens.extend(words)
    return tokens


def _plain_tokens(text: str) -> list[str]:
    tokens = []
    for token in text.split():
        # 「（七）总计630020469」: a label with its cells' digits run on without a space. Only a
        # token that ends in a digit (\d) and is not all digits can be one: most are not, and
        # are not given to the regex.
        glued = (_LABEL_THEN_DIGITS.match(token) if token[-1].isdecimal() and not token.isdecimal()
                 else None)
        if glued:
            tokens.extend(_with_none_cells(glued.group(1)))
            tokens.append(glued.group(2))
        elif token[-1] in "无用":
            tokens.extend(_with_none_cells(token))
        else:
            tokens.append(token)
    return tokens


# Cells that say none (「无」, 「暂无」, 「不适用」) glued after a row's numbers or its label: 「行政许可396无」,
# 「（四）无法提供1.本机关不掌握相关政府信息22无无无无」, 「二、上年结转…数量无无无无无无无」.
_NUMBER_THEN_NONE = re.compile(f"^(.*?)(\\d+)((?:{NONE_WORD.pattern})+)$")
_LABEL_THEN_NONE = re.compile(f"^(.*[^无暂\\d])((?:{NONE_WORD.pattern}){{2,}})$")


def _with_none_cells(label: str) -> list[str]:
    """A label's tokens with the none cells (and the numbers between them) glued on its end
    parted from it."""
    tail: list[str] = []
    while True:
        glued = _NUMBER_THEN_NONE.match(label)
        if not glued or not glued.group(1) or glued.group(1)[-1].isdecimal():
            break
        label, number, nones = glued.groups()
        tail = [number, *NONE_WORD.findall(nones), *tail]
    if not tail:
        glued = _LABEL_THEN_NONE.match(label)
        if glued:
            label, tail = glued.group(1), NONE_WORD.findall(glued.group(2))
    return [label, *tail]


# Markdown's backslash escapes (mammoth, pandoc, html2text write 「\-48」, 「\+5」, 「130231178\.30元」).
_MARKDOWN_ESCAPE = re.compile(r"\\([-+.*_#!()\[\]{}|<>`~])")


def without_markdown_escapes(text: str) -> str:
    r"""Text with Markdown's backslash escapes undone: a converter escapes a sign or a decimal
    point that could read as Markdown (「\-48」 is -48), which would otherwise make a number a
    label and cut its row short. A backslash alone (a blank cell's mark) stays."""
    return _MARKDOWN_ESCAPE.sub(r"\1", text) if "\\" in text else text


# An HTML entity left in text (a crawler that stored the page's text without decoding it):
# named ones, decimal and hexadecimal.
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")


def with_entities_decoded(text: str) -> str:
    """Text with the HTML entities a crawler left in it decoded (「64&nbsp;0&nbsp;0」, 「&#12288;」):
    read as they are, they are letters between a row's numbers, which then stop being cells. Only
    whole entities (with their 「;」) are decoded; a bare 「&」 stays."""
    if "&" not in text:
        return text
    return without_invisible(_ENTITY.sub(lambda m: html.unescape(m.group(0)), text))


# A tab that stands alone: some tab in the text is not one of a pair of tabs.
_LONE_TAB = re.compile(r"(?<!\t)(?:\t\t)*\t(?!\t)")


def paired_tabs_as_one(text: str) -> str:
    """Text whose cells are separated by two tabs (resiliparse's html2text, which web-archive
    text dumps are made with, writes 「64\t\t0\t\t0」), with one tab between cells, as the
    readers of tab-separated text expect. Only when no tab of the text stands alone: where single
    tabs separate cells, two tabs are a blank cell between two values and must stay."""
    if "\t\t" not in text or _LONE_TAB.search(text):
        return text
    return text.replace("\t\t", "\t")


def _tab_tokens(line: str) -> list[str]:
    """The cells of a TAB-separated line. Every field between two tabs is a cell, so an empty
    field among the values is a blank cell (「52\t\t\t\t\t\t52」 is 52, five blanks, 52),
    kept as 「」 in its place. Before the line's first number an empty field is the position a
    merged label cell covers (spreadsheet copies leave those), not a value, so it is dropped,
    as are empty fields of a line with no number. Within a field, spaces still separate cells
    as on a space-separated line."""
    tokens: list[str] = []
    seen_number = False
    for part in line.split("\t"):
        parts = _split_tokens(part)
        if not parts:
            if seen_number:
                tokens.append("")
            continue
        tokens.extend(parts)
        seen_number = seen_number or any(is_value(t) for t in parts)
    return tokens


# A number with a piece of a tall label cell glued after it (「8结」: PyMuPDF's sorted text puts the
# column of 「三、本年度办理结果」 one character a line beside the rows).
_VALUE_THEN_FRAGMENT = re.compile(r"^(\d+)([\u4e00-\u9fff]{1,4})$")
_FRAGMENT_CHARS = 6
_FRAGMENT_AFTER_VALUES = 3


def _without_trailing_fragment(tokens: list[str], kinds: list[bool], first_value: int) -> list[str] | None:
    """A table row's tokens without the piece of another column's tall label cell an extractor
    wrote after its values (「4.保护第三方合法权益 6 0 0 0 0 0 6 （三）不」: 「（三）不予公开」 stands
    beside several rows, cut into pieces), or None when the words after the numbers are more than
    such a piece (prose: 「共 12 个」 has too few numbers before its word to be a row)."""
    tokens = list(tokens)
    glued = _VALUE_THEN_FRAGMENT.match(tokens[-1])
    if glued:
        tokens[-1:] = glued.groups()
        kinds = kinds[:-1] + [True, False]
    end = len(kinds)
    while end > first_value and not kinds[end - 1]:
        end -= 1
    tail = "".join(tokens[end:])
    if (end - first_value < _FRAGMENT_AFTER_VALUES or not all(kinds[first_value:end])
            or len(normalise(tail)) > _FRAGMENT_CHARS or tail.endswith(_PROSE_END)):
        return None
    return tokens[:end]


def _grid_cells(line: str, where: str, edgeless_pipes: bool = False) -> list[Cell] | None:
    """The cells of one text line, or None when the line is prose.

    A pipe row (Markdown) is split at its `|`, and so is any line with a `|` in a text whose
    pipe tables have no outer pipes (``edgeless_pipes``: html2text's 「标签| 64| 0」); a line
    with tabs at each tab (see :func:`_tab_tokens`: its empty fields are blank cells); any
    other line at runs of spaces, where a blank cell cannot be told from a longer gap and is not
    seen. A table line is label cells followed by value cells; a line whose numbers stand in the
    middle of words (「2024 年上海市…」), or a long line of words, is prose."""
    stripped = line.strip()
    if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
        return _pipe_cells(stripped[1:-1].split("|"), where)
    if edgeless_pipes and "|" in stripped:
        return _pipe_cells(stripped.split("|"), where)
    tokens = _tab_tokens(line) if "\t" in line else _split_tokens(stripped)
    kinds = [is_value(t) for t in tokens]
    if any(kinds):
        first_value = kinds.index(True)
        if all(kinds[first_value:]):
            return [Cell(t, where) for t in tokens]
        values = _without_trailing_fragment(tokens, kinds, first_value)
        return [Cell(t, where) for t in values] if values else None
    text = normalise(stripped)
    # Prose ends like a sentence or runs on for long; a header line is short labels, or
    # column labels run together (「结果维持结果纠正…复议后起诉」).
    long_words = [t for t in tokens if len(normalise(t)) > 30]
    if text.endswith(_PROSE_END) or any(not any(is_header_label(table, normalise(t)) for table in "二三四")
                                        and not _long_row_label(normalise(t)) for t in long_words):
        return None
    return [Cell(t, where) for t in tokens]


def _pipe_cells(parts: list[str], where: str) -> list[Cell]:
    """A pipe row's cells. A cell of numbers a line each (「+106<br>1383」) is that many cells:
    pymupdf4llm merges a PDF's neighbouring cells into one where it misjudges a column border,
    keeping each one's text on a line of its own (a label's wrapped lines stay one cell)."""
    cells = []
    for part in parts:
        text = part.strip()
        if "<br>" in text:
            pieces = [piece.strip() for piece in text.split("<br>")]
            if all(piece and is_value(piece) for piece in pieces) or _column_labels(pieces):
                cells += [Cell(piece, where) for piece in pieces]
                continue
        cells.append(Cell(text, where))
    return cells


def _column_labels(pieces: list[str]) -> bool:
    """Whether each line of a merged pipe cell is a table 二 column label of its own, each a
    different one (「本年增/减<br>处理决定数量」); a label wrapped over lines (「结果<br>维持」) is not."""
    concepts = [column_concept("二", normalise(piece)) for piece in pieces]
    return all(concepts) and len(set(concepts)) == len(concepts)


def _continues_label(previous: Row, cells: list[Cell]) -> bool:
    """Whether a pipe row's first cell is the rest of the label of the row before it, a row with
    a label and nothing else: table 三 knows the two labels joined and not the second alone."""
    if len(previous.cells) < 3 or len(cells) < 3 or any(normalise(c.text) for c in previous.cells[1:]):
        return False
    first, rest = (normalise(c.text) for c in (previous.cells[0], cells[0]))   # (normalise drops 「<br>」)
    return (bool(first) and not is_value(first) and bool(rest) and apps_row(rest, None) is None
            and apps_row(first + rest, None) is not None)


def _long_row_label(label: str) -> bool:
    """A table 三 row label longer than prose's threshold, on a line of its own when each cell has
    one (「1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请」): an item mark, then a row
    the vocabulary knows."""
    return len(label) <= 60 and _ITEM_MARK.match(label) is not None and apps_row(label, None) is not None


def _edgeless_separator(line: str) -> bool:
    return "|" in line and not line.startswith("|") and _PIPE_SEPARATOR.match(line) is not None


# A number cell after a pipe, at the line's end or before another pipe: 「行政许可 | 2293」.
_PIPE_NUMBER_CELL = re.compile(r"[^|\s]\s*\|\s*[-+]?\d[\d.,]*\s*(?:\||$)", re.M)
MIN_PIPE_ROWS = 3


def _edgeless_pipes(text: str, lines: list[str]) -> bool:
    """Whether the text writes its tables as pipe rows without outer pipes: under a 「---|---」
    line (html2text), or with no such line, where several lines have a number cell after a
    pipe (「信息内容 | 本年处理决定数量」, 「行政许可 | 2293」: scripts that join a table's cells with
    「 | 」)."""
    if "|" not in text:
        return False
    return (any(_edgeless_separator(line.strip()) for line in lines)
            or len(_PIPE_NUMBER_CELL.findall(text)) >= MIN_PIPE_ROWS)


GRID_METHOD = "text_grid"


def _empty_lines_are_cells(lines: list[str]) -> bool:
    """Whether an empty line between two values can be a blank cell: where values a line each
    mostly follow each other directly (a cell a line, LibreOffice's export), not where an empty
    line stands between every two (pdftotext's blocks)."""
    adjacent = apart = 0
    before = previous = ""   # the two lines before this one
    for line in lines:
        line = line.strip()
        if line and is_value(line):
            if previous and is_value(previous):
                adjacent += 1
            elif not previous and before and is_value(before):
                apart += 1
        before, previous = previous, line
    return adjacent > apart


def read_text_grid(text: str) -> Document:
    """Plain text in which each table row stands on one line, cells separated by tabs or
    spaces (as PDF text extractors and copy-paste give), and Markdown with pipe tables.

    Consecutive table lines form one run of cells (a row label wrapped over two lines, or a
    vertical label one character per line, stays attached to its values); prose lines and
    headings become Lines; page numbers such as 「- 4 -」 are dropped, tables resume across them."""
    items: list[Line | Row] = []
    run: list[Cell] = []
    pipe_rows: list[Row] = []

    from .column_major import read_by_columns
    by_columns = False   # whether a table 三 written column by column was put row by row (R3 used)

    def flush() -> None:
        nonlocal by_columns
        if run:
            cells = list(run)
            if table == "三":
                cells, changed = read_by_columns(cells)
                by_columns = by_columns or changed
            items.append(Row(cells, run[0].where))
            run.clear()

    def close_pipe_table() -> None:
        """A pipe table is a grid, and converters leave the positions a merged label cell
        covers blank: a blank left of the first column that holds a number is such a position,
        not a blank value, so it is dropped. Blanks among the number columns stay: they are
        null cells (a column may be blank in every row)."""
        if not pipe_rows:
            return
        # Each row's first number is enough to find the table's first: the cells after it
        # need not be read (reading them all was most of the cost of closing a table).
        firsts = [next((j for j, c in enumerate(r.cells) if normalise(c.text) and is_value(c.text)), None)
                  for r in pipe_rows]
        first_number = min((j for j in firsts if j is not None), default=None)
        if first_number is not None:
            for r in pipe_rows:
                r.cells = [c for c in r.cells[:first_number] if normalise(c.text)] + r.cells[first_number:]
        pipe_rows.clear()

    text_lines: list[str] = []   # every line that is not blank, a Markdown heading's #s cut
    lines = text.splitlines()
    # Pipe tables without their outer pipes (html2text: 「---|---」 under the header): a line with a
    # `|` is then a pipe row too.
    edgeless = _edgeless_pipes(text, lines)
    empty_lines = 0   # since the last line with text: blank cells between two values, maybe
    empty_cells = _empty_lines_are_cells(lines)
    table = None        # the table the last section heading opened
    displaced: set[int] = set()   # line numbers of table 四's tail, read before the heading
    for number, raw in enumerate(lines, start=1):
        if number in displaced:
            continue
        stripped = raw.strip()
        line = stripped.lstrip("#").strip() if stripped.startswith("#") else stripped
        if stripped:
            text_lines.append(line)
        where = f"line {number}"
        if not line:
            empty_lines += 1
            continue
        blanks, empty_lines = empty_lines, 0
        if _PIPE_SEPARATOR.match(line) or _PAGE_FURNITURE.match(normalise(line)):
            continue
        is_heading, opens = section_of_heading(normalise(line))
        if is_heading:
            if table == "四":
                tail = _table_four_tail(run, lines, number)
                run.extend(Cell(normalise(lines[n - 1]), f"line {n}") for n in tail)
                displaced.update(tail)
            flush()
            table = opens
            close_pipe_table()
            items.append(Line(line, where))
            continue
        # The raw line: stripping it would drop the tabs of blank cells at its end.
        cells = _grid_cells(raw if stripped == line else line, where, edgeless)
        if cells is None:
            flush()
            items.append(Line(line, where))
        elif line.startswith("|") or edgeless and "|" in line:
            # A pipe row is a row: labels floating above or below it (as converters leave
            # them) are not its labels.
            flush()
            if pipe_rows and items and items[-1] is pipe_rows[-1] and _continues_label(pipe_rows[-1], cells):
                # 「|1、申请人无正当理由逾期不补| | |…|」 then 「|正、行政机关不再处理其…|67|3|…|」: one row
                # whose label a converter (pymupdf4llm) cut into two rows where the cell wrapped.
                cells[0] = Cell(pipe_rows[-1].cells[0].text + cells[0].text, pipe_rows[-1].where)
                pipe_rows.pop()
                items.pop()
            pipe_rows.append(Row(cells, where))
            items.append(pipe_rows[-1])
            continue
        else:
            if blanks and empty_cells and run and cells and is_value(run[-1].text) and is_value(cells[0].text):
                run.extend(Cell(BLANK_CELL_SPACE, f"line {number - blanks + k}") for k in range(blanks))
            run.extend(cells)
        close_pipe_table()
    flush()
    close_pipe_table()
    doc = Document(form="text", method=GRID_METHOD, items=items, text_lines=text_lines)
    if by_columns:
        doc.rules_used = {"R3"}
    return doc


def _table_four_tail(run: list[Cell], lines: list[str], heading: int) -> list[int]:
    """The line numbers of table 四's row's last cells where an extractor wrote them after the
    next section's heading (pdftotext: the heading 「五、存在的主要问题…」, the page number, then
    the row's last seven numbers a line each, then the section's prose); see
    :func:`table_four_tail`."""
    following = [(n, normalise(lines[n - 1])) for n in range(heading + 1, len(lines) + 1)]
    following = [(n, text) for n, text in following if text and not _PAGE_FURNITURE.match(text)]
    return [n for n, _ in following[:table_four_tail(run, (text for _, text in following))]]


def table_four_tail(run: list[Cell], following) -> int:
    """How many of the texts ``following`` the heading after table 四 (in order, page furniture
    left out) are the last cells of its row. Table 四 is the report's last table and its row is
    numbers only, so numbers standing between that heading and the first text are the row's when,
    with the numbers at the end of the run before the heading, they make the row's fifteen cells
    exactly; else none."""
    width = len(STANDARD_COLUMNS["四"])
    before = 0
    for cell in reversed(run):
        if not is_value(cell.text):
            break
        before += 1
    if not 0 < before < width:
        return 0
    tail = 0
    for text in following:
        if not is_value(text) or before + tail > width:
            break   # (one number past the row's end is enough to know the count is wrong)
        tail += 1
    return tail if before + tail == width else 0


# ---- DOCX -------------------------------------------------------------------------------

def read_docx(data: bytes) -> Document:
    """Word documents: paragraphs and tables in body order. A cell merged across columns
    (gridSpan) is one cell; the continuation parts of a vertical merge (vMerge) are skipped,
    so each merged cell appears once, where it starts, as in the other forms."""
    from . import UnreadableDocument

    try:
        body, title, package, main = _word_body(data)
    except ZipBombError as exc:
        raise UnreadableDocument(f"refused DOCX: {exc}") from exc
    except (_zip_errors() + (KeyError, ValueError, etree.XMLSyntaxError)) as exc:
        raise UnreadableDocument(f"not a readable DOCX file ({type(exc).__name__}: {exc})") from exc
    return _word_document(body, title, package, main, _word_styles(package, main))


def _word_document(body, title: str, package, main: str, marking_styles=None,
                   inline_pictures: dict[str, bytes] | None = None) -> Document:
    """The paragraphs and tables of a Word body (``w:body``), in order; ``package`` (the DOCX's
    parts, for imported parts, pictures and embedded workbooks) is None for a Word 2003 XML
    file, which has none of them as parts (its pictures are ``inline_pictures``, by name);
    ``marking_styles`` the ids of the styles that hide text and of those that raise it, when
    there are any (:func:`_word_styles`)."""
    from .metafile import is_metafile

    w_t = _w("t")
    raised, unshown = _marked_runs(body, marking_styles)

    def text_of(element) -> str:
        if raised or unshown:
            return _text_without_notes(element, w_t, raised, unshown)
        return "".join(t.text or "" for t in element.iter(w_t)).replace("\u3000", " ").strip()

    items: list[Line | Row] = []
    table_no = 0
    paragraph_no = 0
    w_p, w_tbl, w_tr, w_tc = _w("p"), _w("tbl"), _w("tr"), _w("tc")
    w_properties, w_span, w_merge, w_val = _w("tcPr"), _w("gridSpan"), _w("vMerge"), _w("val")
    wrappers = {_w("sdt"), _w("sdtContent"), _w("customXml")}
    w_chunk = _w("altChunk")
    chunks = pictures = workbooks = 0
    reader_issues: list[tuple[str, str]] = []
    ocr_read: tuple[dict, dict] = ({}, {})   # what OCR read in pictures: confidence, notes by location

    def read_pictures(paragraph, previews: set[str]) -> None:
        """The pictures a paragraph shows that may be tables (not those of ``previews``: an
        embedded workbook's pictures of itself), read by OCR into the items, in place. A Word
        2003 XML file holds its pictures inline (``w:binData``, ``inline_pictures``)."""
        nonlocal pictures
        if package is None and not inline_pictures:
            return
        for reference, width, height in _pictures_in(paragraph):
            if package is None:
                data = inline_pictures.get(reference)
                small = width < PICTURE_MIN_WIDTH_PT or height < PICTURE_MIN_HEIGHT_PT
                # A size the markup does not give (LibreOffice writes none): the picture's own decides.
                if data is None or small and (width or height or not (is_metafile(data) or _table_sized(data))):
                    continue
                pictures += 1
                picture_items, picture_issues = _image_read(data, f"picture {pictures} ({reference})", "of the Word document",
                                                            ocr_read, location=f"picture {pictures}", name=reference)
            else:
                if width < PICTURE_MIN_WIDTH_PT or height < PICTURE_MIN_HEIGHT_PT or reference in previews:
                    continue   # a logo, a seal, an icon (no table); a workbook's picture of itself
                pictures += 1
                picture_items, picture_issues = _picture_read(package, main, reference, pictures, ocr_read)
            items.extend(picture_items)
            reader_issues.extend(picture_issues)

    def read_content(container) -> None:
        """The paragraphs and tables of the body, or of a text box, in order."""
        nonlocal table_no, paragraph_no, chunks, workbooks, title
        for child in _word_content(container, {w_p, w_tbl, w_chunk}, wrappers):
            if child.tag == w_chunk and package is not None:
                chunks += 1
                chunk_items, chunk_issues, chunk_title = _imported_part(package, main, child.get(_RELATIONSHIP_ID), chunks)
                items.extend(chunk_items)
                reader_issues.extend(chunk_issues)
                title = title or chunk_title
            elif child.tag == w_p:
                paragraph_no += 1
                boxes = _take_text_boxes(child)
                text = text_of(child)
                if text:
                    items.append(Line(text, f"paragraph {paragraph_no}"))
                previews: set[str] = set()
                for preview, relationship in (_embedded_objects(child) if package is not None else ()):
                    workbooks += 1
                    workbook = _embedded_workbook(package, main, relationship, workbooks)
                    if workbook is None:
                        workbooks -= 1
                        continue   # not a workbook: its picture is looked at as any picture is
                    items.extend(workbook[0])
                    reader_issues.extend(workbook[1])
                    previews.add(preview)
                read_pictures(child, previews)
                for box in boxes:
                    read_content(box)   # a text box's paragraphs and tables, after its anchor's text
            elif child.tag == w_tbl:
                table_no += 1
                # A table in a cell (a layout table around the data table, a page pasted into
                # Word): its rows come in turn (iter), so the cell holding it has only its own
                # paragraphs' text; read whole, it was every row of the inner table in one cell.
                nested = any(True for _ in itertools.islice(child.iter(w_tbl), 1, 2))
                for r, tr in enumerate(child.iter(w_tr), start=1):
                    cells = []
                    column = 0
                    for tc in _word_content(tr, {w_tc}, wrappers):
                        properties = tc.find(w_properties)
                        span = merge = None
                        if properties is not None:
                            span = properties.find(w_span)
                            merge = properties.find(w_merge)
                        width = int(span.get(w_val, "1")) if span is not None else 1
                        column += width
                        if merge is not None and merge.get(w_val) in (None, "continue"):
                            continue   # the lower part of a vertically merged cell
                        holds_table = nested and any(True for _ in tc.iter(w_tbl))
                        text = " ".join(filter(None, (text_of(p) for p in _word_content(tc, {w_p}, wrappers)))) \
                            if holds_table else text_of(tc)
                        cells.append(Cell(text, f"table {table_no} row {r} column {column - width + 1}"))
                    if cells and (not nested or any(cell.text for cell in cells)):
                        items.append(Row(cells, f"table {table_no} row {r}"))
                    # A picture in a cell (a layout table around a table pasted as a screenshot):
                    # read after the row, as a body paragraph's picture is. Only the cell's own
                    # paragraphs: a nested table's rows come in turn.
                    for tc in _word_content(tr, {w_tc}, wrappers):
                        for paragraph in tc.iterchildren(w_p):
                            read_pictures(paragraph, set())

    read_content(body)
    return Document(form="docx", method="docx_table", items=items,
                    page_meta={"title": title} if title else {}, reader_issues=reader_issues,
                    ocr_confidence=ocr_read[0], ocr_notes=ocr_read[1])


# A picture in a Word document as wide as a table (8 cm: two fifths of an A4 text width) and two
# rows high: maybe a table pasted as a picture (a screenshot of Excel), which the document's text
# does not hold. It is read by OCR. (Sizes in points.)
PICTURE_MIN_WIDTH_PT = 8 / 2.54 * 72
PICTURE_MIN_HEIGHT_PT = 40.0
_EMU_PER_POINT = 12700
_DRAWING_PICTURE = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
_DRAWING_PLACES = ("{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}inline",
                   "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}anchor")
_DRAWING_EXTENT = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}extent"
_EMBEDDED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
_VML_PICTURE = "{urn:schemas-microsoft-com:vml}imagedata"
_VML_SIZE = re.compile(r"(width|height)\s*:\s*([\d.]+)\s*(pt|in|cm|mm|px)?", re.I)
_POINTS_PER = {"pt": 1.0, "in": 72.0, "cm": 72 / 2.54, "mm": 72 / 25.4, "px": 0.75, None: 0.75}


def _pictures_in(paragraph) -> list[tuple[str, float, float]]:
    """(relationship id, width, height in points) of each picture a paragraph shows: DrawingML's
    (``a:blip`` in a ``wp:inline`` or ``wp:anchor``, its size the ``wp:extent``) and VML's
    (``v:imagedata`` in a ``v:shape``, its size in the shape's style), Word 2003's way; a Word
    2003 XML file's VML names its inline picture (``src="wordml://…"``) instead."""
    found = []
    for blip in paragraph.iter(_DRAWING_PICTURE, _VML_PICTURE):
        if blip.tag == _VML_PICTURE:
            relationship = blip.get(_RELATIONSHIP_ID) or blip.get("src")
            shape = blip.getparent()
            size = {name.lower(): float(value) * _POINTS_PER[(unit or "").lower() or None]
                    for name, value, unit in _VML_SIZE.findall((shape.get("style") or "") if shape is not None else "")}
            width, height = size.get("width", 0.0), size.get("height", 0.0)
        else:
            relationship = blip.get(_EMBEDDED)
            place = next(blip.iterancestors(*_DRAWING_PLACES), None)
            extent = place.find(_DRAWING_EXTENT) if place is not None else None
            width = height = 0.0
            if extent is not None and (extent.get("cx") or "").isdigit() and (extent.get("cy") or "").isdigit():
                width, height = int(extent.get("cx")) / _EMU_PER_POINT, int(extent.get("cy")) / _EMU_PER_POINT
        if relationship:
            found.append((relationship, width, height))
    return found


_WORD_OBJECT = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}object"
_OLE_OBJECT = "{urn:schemas-microsoft-com:office:office}OLEObject"


def _embedded_objects(paragraph) -> list[tuple[str | None, str]]:
    """(the relationship of its picture, that of its data) of each object a paragraph embeds
    (``w:object``: an Excel range inserted as an object shows as a picture of itself, its
    workbook kept in the package)."""
    found = []
    for element in paragraph.iter(_WORD_OBJECT):
        picture = next(element.iter(_VML_PICTURE), None)
        for ole in element.iter(_OLE_OBJECT):
            if ole.get(_RELATIONSHIP_ID):
                found.append((picture.get(_RELATIONSHIP_ID) if picture is not None else None, ole.get(_RELATIONSHIP_ID)))
    return found


def _embedded_workbook(package, main: str, relationship: str, number: int) -> tuple[list, list] | None:
    """(items, reader issues) of a workbook a Word document embeds as an object (an Excel range
    inserted as an object: Word shows a picture of it, a Windows metafile, and keeps the
    workbook itself): its cells read as a spreadsheet is, in its place, located 「embedded
    workbook N: …」. None when the object is no workbook (its picture is then looked at as any
    picture is)."""
    from . import UnreadableDocument, sniff
    from .spreadsheet import read_spreadsheet

    name = _part_relationships(package, main).get(relationship)
    if not name:
        return None
    where = f"embedded workbook {number}"
    try:
        data = package.read(name)
        form = sniff(data, name)
        if form not in ("xlsx", "xls", "ods"):
            return None
        doc = read_spreadsheet(data, form)
    except ZipBombError as exc:
        raise UnreadableDocument(f"refused DOCX: {exc}") from exc
    except (UnreadableDocument, DamagedMember) as exc:
        return [], [("unread_part", f"{where} ({name}) of the Word document cannot be read: {exc}")]
    _located_under(doc.items, where)
    return doc.items, doc.reader_issues


def _picture_read(package, main: str, relationship: str, number: int,
                  ocr_read: tuple[dict, dict]) -> tuple[list, list]:
    """(items, reader issues) of picture ``number`` of a Word document (:func:`_image_read`)."""
    from . import UnreadableDocument

    where = f"picture {number}"
    name = _part_relationships(package, main).get(relationship)
    if not name:
        return [], [("pictures_not_read", f"{where} of the Word document may hold a table and cannot be read: "
                     f"its relationship {relationship!r} names no part of the package")]
    try:
        data = package.read(name)
    except ZipBombError as exc:
        raise UnreadableDocument(f"refused DOCX: {exc}") from exc
    except DamagedMember as exc:
        return [], [("pictures_not_read", f"{where} of the Word document may hold a table and cannot be read: {exc}")]
    return _image_read(data, f"{where} ({name})", "of the Word document", ocr_read, location=where, name=name)


def _image_read(data: bytes, where: str, whose: str, ocr_read: tuple[dict, dict],
                location: str | None = None, name: str = "picture") -> tuple[list, list]:
    """(items, reader issues) of a picture a document holds, read by OCR as an image attachment
    is (a Windows metafile, EMF or WMF, read exactly from its text records: parsing/metafile.py):
    its rows and lines in its place, their locations after ``location`` (default ``where``),
    what OCR said of them (confidence, notes) into ``ocr_read`` under those locations. A picture
    with no text in it is nothing; one that cannot be read (a damaged metafile, a vector format
    of another kind, OCR not installed) is named in a ``pictures_not_read`` issue (``where``
    ``whose``: 「picture 2 of the page」)."""
    from . import MissingTool, UnreadableDocument, sniff
    from .metafile import is_metafile, read_metafile_document

    location = location or where
    try:
        if is_metafile(data):
            doc = read_metafile_document(data)   # text and lines, read exactly: no OCR
        elif sniff(data, name) != "image":
            raise UnreadableDocument("not an image OCR reads (PNG, JPEG, GIF, BMP or TIFF) nor a Windows "
                                     f"metafile: {data[:4]!r}… (a vector drawing of another kind?)")
        else:
            from .ocr import read_image_document
            doc = read_image_document(data)
    except MissingTool as exc:
        return [], [("pictures_not_read", f"{where} {whose} may hold a table: {exc}")]
    except UnreadableDocument as exc:
        if "no text" in str(exc):
            return [], []   # a photo, a drawing: nothing written in it
        return [], [("pictures_not_read", f"{where} {whose} may hold a table and cannot be read: {exc}")]
    _located_under(doc.items, location)
    for source, target in ((doc.ocr_confidence, ocr_read[0]), (doc.ocr_notes, ocr_read[1])):
        target.update({f"{location}: {place}": value for place, value in source.items()})
    return doc.items, [(code, f"{where} {whose}: {message}") for code, message in doc.reader_issues]


# A picture a page holds (a data: image, a web archive's image) as wide as a table (300 px: a logo,
# an icon or a QR code is smaller) and two rows high, not a banner (wider than 6 × its height):
# maybe a table pasted as a picture. As the fetcher judges a live page's <img> (fetching/discovery).
PAGE_PICTURE_MIN_WIDTH = 300
PAGE_PICTURE_MIN_HEIGHT = 60
PAGE_PICTURE_MAX_RATIO = 6
MAX_PAGE_PICTURES = 20   # read per page (a report's tables are a few pictures)


def _page_pictures(root, parts: dict[str, bytes], page_location: str) -> dict:
    """The ``<img>`` elements of a page that may be its tables, each with its bytes: ``data:``
    images, and images the page's web archive holds (``parts``, by their absolute location or
    ``cid:``), outside the page's tables; judged by their pixels' size."""
    import base64
    import binascii
    from urllib.parse import unquote_to_bytes, urljoin

    found: dict = {}
    for img in root.iter("img"):
        src = (img.get("src") or img.get("data-src") or "").strip()
        if not src:
            continue
        if src.startswith("data:"):
            head, _, payload = src.partition(",")
            try:
                data = base64.b64decode(payload, validate=False) if head.endswith(";base64") else unquote_to_bytes(payload)
            except (binascii.Error, ValueError):
                continue
        else:
            data = parts.get(src) or parts.get(urljoin(page_location, src)) if parts else None
        if not data or not _table_sized(data):
            continue
        found[img] = data
        if len(found) >= MAX_PAGE_PICTURES:
            break
    return found


def _table_sized(data: bytes) -> bool:
    import io

    from PIL import Image

    try:
        width, height = Image.open(io.BytesIO(data)).size
    except Exception:   # not an image Pillow knows (an SVG, damaged bytes): not read
        return False
    return width >= PAGE_PICTURE_MIN_WIDTH and height >= PAGE_PICTURE_MIN_HEIGHT and width <= PAGE_PICTURE_MAX_RATIO * height


def _imported_part(package, main: str, relationship: str | None, number: int) -> tuple[list, list, str]:
    """(items, reader issues, title) of a part a Word document imports whole (``w:altChunk``):
    a web page, a web archive, text or RTF that Word lays out in its place when it opens the
    file. Tools that make Word files from a web page (html-docx-js and the like, behind many
    sites' 导出Word buttons) write the whole report so, and the document itself holds no text.
    The part's items keep their own locations, after 「imported part N」."""
    from . import UnreadableDocument, read_text, sniff

    where = f"imported part {number}"
    name = None
    try:
        name = _part_relationships(package, main).get(relationship or "")
        if not name:
            raise UnreadableDocument(f"its relationship {relationship!r} names no part of the package")
        data = package.read(name)
        form = sniff(data, name)
        if form == "mhtml":
            doc = read_web_archive(data)
        elif form == "html":
            doc = read_html(data)
        elif form == "text":
            doc = read_text(decode(data)[0])
        elif form == "rtf":
            from .office import read_legacy_word
            doc = read_legacy_word(data, "rtf")
        else:
            raise UnreadableDocument(f"a part read as {form} is not read inside a Word document")
    except ZipBombError as exc:
        raise UnreadableDocument(f"refused DOCX: {exc}") from exc
    except (UnreadableDocument, KeyError, ValueError, etree.XMLSyntaxError) as exc:
        return [], [("unread_part", f"{where} ({name or relationship}) of the Word document cannot be read: {exc}")], ""
    if doc.page_text:
        doc = read_text(doc.page_text)   # a page whose tables were pasted as text, as in read_document
    _located_under(doc.items, where)
    return doc.items, doc.reader_issues, doc.page_meta.get("title", "")


def _located_under(items: list, where: str) -> None:
    """The locations of a part's lines, rows and cells given after the part's own (「picture 2:
    page 1 table 1 row 3 column 2」), so that each says where in the Word document it stands."""
    for item in items:
        item.where = f"{where}: {item.where}"
        if isinstance(item, Row):
            for cell in item.cells:
                cell.where = f"{where}: {cell.where}"


def _part_relationships(package, part: str, key: str = "Id") -> dict[str, str]:
    """Relationship id (or, with ``key="Type"``, type) → the zip member it targets, for one
    part of the package (its relationships are in ``_rels/<name>.rels`` beside it; targets are
    relative to its folder, or to the package's root when they start with 「/」)."""
    import posixpath

    folder, name = posixpath.split(part)
    relationships = posixpath.join(folder, "_rels", name + ".rels")
    if relationships not in package.names():
        return {}
    targets = {}
    for relationship in etree.fromstring(package.read(relationships), _WORD_XML).iter(_RELATIONSHIP):
        target = (relationship.get("Target") or "").replace("\\", "/")
        if relationship.get("TargetMode") != "External" and target:
            targets[relationship.get(key)] = _member_name(target if target.startswith("/") else
                                                           posixpath.join(folder, target))
    return targets


def _word_styles(package, main: str) -> tuple[set, set] | None:
    """The ids of the main part's styles that hide text and of those that raise it as a
    superscript (:func:`_marking_styles`), or None when none does (most documents). Documents
    made from one template share their styles part byte for byte: the answer is kept by the
    part's CRC and size, which the zip's directory gives without inflating it."""
    name = _part_relationships(package, main, "Type").get(_STYLES_PART)
    if not name or name not in package.names():
        return None
    info = package.archive.getinfo(name)
    key = (info.CRC, info.file_size)
    if key not in _STYLES_SEEN:
        if len(_STYLES_SEEN) > 256:
            _STYLES_SEEN.clear()
        try:
            data = package.read(name)
        except DamagedMember:
            return None   # damaged styles cost their hidden text's hiding, not the document
        marking = None
        if b"vanish" in data or b"superscript" in data:
            try:
                marking = _marking_styles(etree.fromstring(data, _WORD_XML))
            except etree.XMLSyntaxError:
                marking = None   # damaged styles cost their hidden text's hiding, not the document
        _STYLES_SEEN[key] = marking
    return _STYLES_SEEN[key]


_STYLES_SEEN: dict[tuple[int, int], tuple[set, set] | None] = {}
_PACKAGE_RELATIONSHIPS = "_rels/.rels"
_STYLES_PART = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
_MAIN_PART_NAME = "word/document.xml"
_MAIN_PART = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_CORE_PART = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_WORDPROCESSING = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
# What python-docx parses a part with (this reader replaced it): blank text between elements
# dropped, no entities resolved, nothing fetched.
_WORD_XML = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)


def _word_body(data: bytes):
    """(the ``w:body`` of the document's main part, its title or "", the package, the main
    part's name).

    Only the parts read are inflated, each within parsing/bounded_zip.py's bound: the package's
    relationships, the main part they name (``word/document.xml`` as a rule, but any name,
    a macro-enabled document's and a template's too) and the core properties for the title.
    python-docx opened every part of the package (styles, theme, settings, fonts: 8 ms of the
    13 a document took) for the two this reader uses."""
    from .bounded_zip import open_bounded

    package = open_bounded(data)
    first = _PACKAGE_RELATIONSHIPS if _PACKAGE_RELATIONSHIPS in package.names() else _MAIN_PART_NAME
    if first in package.names() and _STRICT_MARK in package.read(first):
        package = _AsTransitional(package.archive, package.budget, package.used)   # a Strict package
    targets: dict[str, str] = {}
    if _PACKAGE_RELATIONSHIPS in package.names():
        for relationship in etree.fromstring(package.read(_PACKAGE_RELATIONSHIPS), _WORD_XML).iter(_RELATIONSHIP):
            if relationship.get("TargetMode") != "External":
                targets.setdefault(relationship.get("Type"), _member_name(relationship.get("Target") or ""))
    # A package without its relationships (a tool that zipped the parts itself) is read from
    # Word's own name for the main part.
    main = targets.get(_MAIN_PART) or _MAIN_PART_NAME
    root = etree.fromstring(package.read(main), _WORD_XML)
    if root.tag != _w("document"):
        raise ValueError(f"the main part {main!r} is not a Word document (its root is {root.tag})")
    body = root.find(_w("body"))
    if body is None:
        raise ValueError(f"the main part {main!r} has no body")
    title = ""
    core = targets.get(_CORE_PART)
    if core and core in package.names():
        try:
            title = (etree.fromstring(package.read(core), _WORD_XML).findtext(_DC_TITLE) or "").strip()
        except etree.XMLSyntaxError:
            title = ""   # a damaged core part costs the title, not the document
    return body, title, package, main


# Strict Office Open XML (ISO/IEC 29500 strict, Word's "Strict Open XML Document"): the same
# parts and elements under other namespaces. Read through the transitional ones.
_STRICT_MARK = b"http://purl.oclc.org/ooxml/"
_STRICT_TO_TRANSITIONAL = (
    (b"http://purl.oclc.org/ooxml/wordprocessingml/main", b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"),
    (b"http://purl.oclc.org/ooxml/officeDocument/relationships", b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"),
    (b"http://purl.oclc.org/ooxml/drawingml/main", b"http://schemas.openxmlformats.org/drawingml/2006/main"),
    (b"http://purl.oclc.org/ooxml/drawingml/wordprocessingDrawing", b"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"),
    (b"http://purl.oclc.org/ooxml/drawingml/picture", b"http://schemas.openxmlformats.org/drawingml/2006/picture"),
    (b"http://purl.oclc.org/ooxml/officeDocument/math", b"http://schemas.openxmlformats.org/officeDocument/2006/math"),
)


class _AsTransitional(BoundedZip):
    """A Strict package whose XML parts read as the transitional ones (the namespaces renamed)."""

    def read(self, name: str, keep: bool = True) -> bytes:
        data = super().read(name, keep)
        if name.endswith((".xml", ".rels")) and _STRICT_MARK in data:
            for strict, transitional in _STRICT_TO_TRANSITIONAL:
                data = data.replace(strict, transitional)
        return data


def _w(name: str) -> str:
    """A WordprocessingML element's or attribute's qualified name (``w:name``)."""
    return _WORDPROCESSING + name


def _member_name(target: str) -> str:
    """A package relationship's target as a zip member name (targets are relative to the
    package's root, some written with a leading slash)."""
    import posixpath
    return posixpath.normpath("/" + target.replace("\\", "/")).lstrip("/")


def _zip_errors() -> tuple:
    import zipfile
    # (RuntimeError: a member encrypted with a password)
    return (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError)


def _word_content(parent, tags: set, wrappers: set):
    """The children of ``parent`` with one of ``tags``, those inside wrappers too: a content
    control (``w:sdt``, templates put tables, paragraphs and single cells in them) or custom XML
    holds its content as its own; a reader that skipped it lost the tables, or a row's cells
    (the values after it then read under the wrong columns)."""
    for child in parent.iterchildren():
        if child.tag in tags:
            yield child
        elif child.tag in wrappers:
            yield from _word_content(child, tags, wrappers)


# ---- Word's XML files: Word 2003 XML and the flat package (Flat OPC) -----------------------

_WORD_2003 = "http://schemas.microsoft.com/office/word/2003/wordml"
_WORD_2003_AUX = "http://schemas.microsoft.com/office/word/2003/auxHint"
_OFFICE = "urn:schemas-microsoft-com:office:office"
_FLAT_PACKAGE = "http://schemas.microsoft.com/office/2006/xmlPackage"
_WORD_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)


def looks_like_word_xml(data: bytes) -> bool:
    """A Word document saved as one XML file: Word 2003 XML (``w:wordDocument``) or the flat
    package of a DOCX (``pkg:package``, Word's "XML Document"). Report systems that fill a Word
    template (FreeMarker and the like) write these, often under a ``.doc`` name."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return False
    return (b'progid="Word.Document"' in head or b"progid='Word.Document'" in head
            or b"/office/word/2003/wordml" in head or (b"<pkg:package" in head and b"xmlPackage" in head))


def read_word_xml(data: bytes) -> Document:
    """A Word XML file (:func:`looks_like_word_xml`). The flat package is made a DOCX again (its
    parts zipped) and read as one. A Word 2003 XML file is WordprocessingML of 2003: the same
    elements under another namespace (``w:vmerge`` for ``w:vMerge``; sections as ``wx:sect`` and
    ``wx:sub-section``), so its body is read as a DOCX's once renamed, its pictures from their
    inline ``w:binData``."""
    from . import UnreadableDocument

    try:
        root = etree.fromstring(data, _WORD_XML_PARSER)
    except etree.XMLSyntaxError as exc:
        raise UnreadableDocument(f"a Word XML file that is not well-formed XML ({exc})") from exc
    if root.tag == f"{{{_FLAT_PACKAGE}}}package":
        doc = read_docx(_flat_package_zipped(root))
    elif root.tag == f"{{{_WORD_2003}}}wordDocument":
        body = root.find(f"{{{_WORD_2003}}}body")
        if body is None:
            raise UnreadableDocument("a Word 2003 XML file without a body")
        title = (root.findtext(f"{{{_OFFICE}}}DocumentProperties/{{{_OFFICE}}}Title") or "").strip()
        styles = root.find(f"{{{_WORD_2003}}}styles")
        body = _as_wordprocessing(body)
        doc = _word_document(body, title, None, "",
                             None if styles is None else _marking_styles(_as_wordprocessing(styles)),
                             _inline_pictures(body))
    else:
        raise UnreadableDocument(f"a Word XML file whose root is neither Word 2003's nor a flat package's ({root.tag})")
    doc.form = "wordxml"
    return doc


def _inline_pictures(body) -> dict[str, bytes]:
    """A Word 2003 XML body's pictures by name (the body renamed, :func:`_as_wordprocessing`):
    each ``w:binData`` (base64; ``w:name`` 「wordml://03000001.png」), which its ``v:imagedata``
    names by ``src``."""
    import base64
    import binascii

    found = {}
    for data in body.iter(_w("binData")):
        name = data.get(_w("name"))
        if name and name not in found:
            try:
                found[name] = base64.b64decode("".join((data.text or "").split()))
            except (binascii.Error, ValueError):
                continue   # damaged: the picture is not there to read
    return found


def _as_wordprocessing(body):
    """A Word 2003 XML body with its elements and attributes in the DOCX namespace: sections
    (``wx:sect``, ``wx:sub-section``) become content controls, whose content is read as the
    body's own, and ``w:vmerge`` is ``w:vMerge``."""
    old, new = f"{{{_WORD_2003}}}", _WORDPROCESSING
    wrappers = {f"{{{_WORD_2003_AUX}}}sect", f"{{{_WORD_2003_AUX}}}sub-section"}
    for el in body.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in wrappers:
            el.tag = _w("sdtContent")
        elif el.tag.startswith(old):
            name = el.tag[len(old):]
            el.tag = new + ("vMerge" if name == "vmerge" else name)
        for key in [k for k in el.attrib if k.startswith(old)]:
            el.attrib[new + key[len(old):]] = el.attrib.pop(key)
    return body


def _flat_package_zipped(root) -> bytes:
    """The parts of a flat package (``pkg:part``: XML inline in ``pkg:xmlData``, the rest base64
    in ``pkg:binaryData``) zipped as the DOCX they came from."""
    import base64
    import binascii
    import io
    import zipfile

    ns = f"{{{_FLAT_PACKAGE}}}"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for part in root.iter(ns + "part"):
            name = (part.get(ns + "name") or "").lstrip("/")
            if not name:
                continue
            xml = part.find(ns + "xmlData")
            binary = part.find(ns + "binaryData")
            if xml is not None and len(xml):
                target.writestr(name, etree.tostring(xml[0], xml_declaration=True, encoding="UTF-8", standalone=True))
            elif binary is not None:
                try:
                    target.writestr(name, base64.b64decode("".join((binary.text or "").split())))
                except (binascii.Error, ValueError):
                    continue   # a damaged part: what needs it says so
    return out.getvalue()


_TEXT_BOX = _WORDPROCESSING + "txbxContent"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _take_text_boxes(paragraph) -> list:
    """The text boxes a paragraph anchors (``w:txbxContent``: their own paragraphs and tables),
    taken out of it, so that its text is its own; none for most paragraphs. Word writes a text
    box twice, as DrawingML in ``mc:Choice`` and as VML in ``mc:Fallback``: the copy is dropped.
    Read as the paragraph's text, a table in a text box was one line holding its cells twice
    (the report read as free-form, no issue)."""
    boxes = []
    for box in paragraph.iter(_TEXT_BOX):
        up = box.getparent()
        while up is not None and up is not paragraph and up.tag not in (_MC_FALLBACK, _TEXT_BOX):
            up = up.getparent()
        if up is paragraph:
            boxes.append(box)   # not a copy, not inside another box (read with that box)
    if boxes:
        for copy in list(paragraph.iter(_MC_FALLBACK)):
            copy.getparent().remove(copy)
        for box in boxes:
            box.getparent().remove(box)
    return boxes


def _marked_runs(body, marking_styles=None) -> tuple[set, set]:
    """(raised, unshown): the runs of a Word document set as superscript or raised above the
    line (LibreOffice writes an HTML page's <sup> so), and those Word does not show: hidden
    text (``w:vanish``) and text a tracked move took away (``w:moveFrom``, its copy is at
    ``w:moveTo``; deleted text is ``w:delText``, never read). A run is so marked by its own
    properties, or by a style it or its paragraph has (``marking_styles``: the ids of the styles
    that hide and of those that raise), unless its own properties say otherwise. Both empty for
    most documents."""
    raised, unshown = set(), set()
    superscript, position, value = _w("vertAlign"), _w("position"), _w("val")
    vanish, moved_away, run = _w("vanish"), _w("moveFrom"), _w("r")
    for mark in body.iter(superscript, position, vanish, moved_away):
        if mark.tag == moved_away:
            unshown.update(mark.iter(run))
            continue
        if not _marks(mark):
            continue
        properties = mark.getparent()
        if properties is not None and properties.getparent() is not None:
            # A run's properties; a paragraph mark's (w:pPr/w:rPr) hides or raises no text.
            (unshown if mark.tag == vanish else raised).add(properties.getparent())
    hiding, raising = marking_styles or ((), ())
    if hiding or raising:
        run_properties = _w("rPr")
        for reference in body.iter(_w("rStyle"), _w("pStyle")):
            style = reference.get(value)
            if style not in hiding and style not in raising:
                continue
            holder = reference.getparent().getparent()   # the run (rPr/rStyle), the paragraph (pPr/pStyle)
            if holder is None:
                continue
            on_paragraph = reference.tag == _w("pStyle")
            for marked in (holder.iter(run) if on_paragraph else (holder,)):
                own = marked.find(run_properties)
                if style in hiding and (own is None or own.find(vanish) is None):
                    unshown.add(marked)
                # A paragraph style raising every run would leave a paragraph with no text.
                if style in raising and not on_paragraph and (own is None or own.find(superscript) is None):
                    raised.add(marked)
    return raised, unshown


def _marks(mark) -> bool:
    """Whether a ``w:vanish``, ``w:vertAlign`` or ``w:position`` element hides or raises text."""
    setting = mark.get(_w("val")) or ""
    if mark.tag == _w("vanish"):
        return setting not in ("0", "false", "off")
    if mark.tag == _w("vertAlign"):
        return setting == "superscript"
    return setting.isdigit() and int(setting) > 0   # half-points up; negative: lowered


def _marking_styles(styles) -> tuple[set, set]:
    """(hiding, raising): the ids of the styles whose run properties hide text or set it as a
    superscript, themselves or through the styles they are based on (``w:basedOn``)."""
    value = _w("val")
    own: dict[str, tuple[bool | None, bool | None]] = {}
    based_on: dict[str, str] = {}
    for style in styles.iter(_w("style")):
        sid = style.get(_w("styleId"))
        if not sid:
            continue
        properties = style.find(_w("rPr"))
        hides = raises = None
        if properties is not None:
            hidden = properties.find(_w("vanish"))
            hides = None if hidden is None else _marks(hidden)
            vertical = properties.find(_w("vertAlign"))
            raises = None if vertical is None else _marks(vertical)
        own[sid] = (hides, raises)
        parent = style.find(_w("basedOn"))
        if parent is not None and parent.get(value):
            based_on[sid] = parent.get(value)

    def inherited(sid: str, which: int) -> bool:
        seen = set()
        while sid in own and sid not in seen:   # (a loop of basedOn ends the walk)
            seen.add(sid)
            setting = own[sid][which]
            if setting is not None:
                return setting
            sid = based_on.get(sid, "")
        return False

    return ({sid for sid in own if inherited(sid, 0)}, {sid for sid in own if inherited(sid, 1)})


def _text_without_notes(element, w_t: str, raised: set, unshown: set = frozenset()) -> str:
    """A paragraph's or cell's text without the runs Word does not show, and a raised run after
    its text left out: a footnote's reference (「26」 then a raised 「1」 is 26, not 261), as in an
    HTML page (_notes_dropped)."""
    parts: list[str] = []
    for t in element.iter(w_t):
        run = t.getparent()
        if run in unshown or (run in raised and "".join(parts).strip()):
            continue
        parts.append(t.text or "")
    return "".join(parts).replace("\u3000", " ").strip()

