"""XLS, XLSX and ODS 统计表 (annexes, or a whole report's tables) → lines and table rows.

Read with calamine (python-calamine: Rust, no macros run, all three formats). Every worksheet in
order; a row holding a single text cell is a line (a title, a heading, a note), any other row
is a table row. A merged cell is kept once, where it starts, as the other forms give it; the
positions it covers are not cells. An XLSX is a zip: it is first inflated within the bound of
parsing/bounded_zip.py (so is an ODS).
"""
from __future__ import annotations

import io
import zipfile
from decimal import Decimal

from .documents import Cell, Document, Line, Row

MAX_CELLS = 2_000_000   # a 统计表 has hundreds; past this the sheet is not an annex


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # The shortest decimal that is this float: 7730.28, not 7730.2800000000002.
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, int):
        return str(value)
    return str(value).replace("\u3000", " ").strip()


def read_spreadsheet(data: bytes, form: str) -> Document:
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    from . import UnreadableDocument

    if form in ("xlsx", "ods"):
        from .bounded_zip import ZipBombError, check_inflated_size
        try:
            check_inflated_size(data)
        except ZipBombError as exc:
            raise UnreadableDocument(f"refused {form.upper()}: {exc}") from exc
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, ValueError) as exc:
            raise UnreadableDocument(f"not a readable {form.upper()} file ({type(exc).__name__}: {exc})") from exc
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:   # calamine raises its own error types for every kind of damage
        raise UnreadableDocument(f"not a readable {form.upper()} file ({type(exc).__name__}: {exc})") from exc
    items: list[Line | Row] = []
    cells_seen = 0
    # What the workbook does not show is not read (a hidden worksheet holding last year's tables,
    # copied in and hidden, was read first: the year and 81 figures were last year's). Every
    # worksheet is read when none is shown (a workbook cannot hide them all; a damaged one may).
    worksheets = [sheet for sheet in book.sheets_metadata if sheet.typ == SheetTypeEnum.WorkSheet]
    shown = [sheet.name for sheet in worksheets if sheet.visible == SheetVisibleEnum.Visible]
    names = shown or list(book.sheet_names)
    hidden_sheets = [sheet.name for sheet in worksheets if sheet.name not in names]
    hidden = {"xlsx": _hidden_rows_and_columns, "xls": _xls_hidden_rows_and_columns,
              "ods": _ods_hidden_rows_and_columns}[form](data)
    for name in names:
        hidden_rows, hidden_columns = hidden.get(name, (set(), set()))
        try:
            sheet = book.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
            merged = sheet.merged_cell_ranges or []
        except Exception as exc:
            raise UnreadableDocument(f"worksheet {name!r} cannot be read ({type(exc).__name__}: {exc})") from exc
        cells_seen = _sheet_items(name, rows, merged, hidden_rows, hidden_columns, items, cells_seen)
    doc = Document(form=form, method="spreadsheet_table", items=items)
    left_out = [f"worksheet {name}" for name in hidden_sheets] + [
        f"worksheet {name}: " + "; ".join(part for part in (
            _spans("rows", rows, str), _spans("columns", columns, _column_letters)) if part)
        for name, (rows, columns) in hidden.items() if name in names and (rows or columns)]
    if left_out:
        doc.reader_issues.append(("hidden_content", "what the workbook hides was not read: " + ", ".join(left_out)))
    if form == "xlsx":
        uncomputed = _formulas_without_values(data)
        if uncomputed:
            shown = "; ".join(f"{sheet}: {', '.join(refs[:12])}"
                              + (f" and {len(refs) - 12} more" if len(refs) > 12 else "")
                              for sheet, refs in uncomputed.items())
            doc.reader_issues.append((
                "formula_without_value",
                f"cells holding a formula the file keeps no computed value for (written by a program that "
                f"does not calculate; opened and saved in Excel, WPS or LibreOffice they would have one) "
                f"read as empty: {shown}"))
    return doc


def _sheet_items(name: str, rows: list[list], merged: list, hidden_rows: set[int], hidden_columns: set[int],
                 items: list, cells_seen: int) -> int:
    """A worksheet's rows (lists of values, 0-based; ``merged``: ((r0, c0), (r1, c1)) ranges) into
    ``items``: a row of one text cell is a line, any other a table row. Returns the cells seen so
    far in the workbook (past MAX_CELLS it is no 统计表)."""
    from . import UnreadableDocument

    covered: set[tuple[int, int]] = set()
    for (r0, c0), (r1, c1) in merged:
        covered.update((r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1) if (r, c) != (r0, c0))
    for r, values in enumerate(rows):
        cells_seen += len(values)
        if cells_seen > MAX_CELLS:
            raise UnreadableDocument(f"worksheet {name!r} holds more than {MAX_CELLS} cells: not a 统计表")
        if r in hidden_rows:
            continue
        texts = [(c, _text(v)) for c, v in enumerate(values) if (r, c) not in covered and c not in hidden_columns]
        # Trailing blanks are the sheet's width, not cells of this row.
        while texts and not texts[-1][1]:
            texts.pop()
        filled = [t for _, t in texts if t]
        if not filled:
            continue
        where = f"sheet {name} row {r + 1}"
        if len(filled) == 1 and not any(ch.isdigit() for ch in filled[0][-1:]):
            items.append(Line(filled[0], where))
            continue
        # Blanks before the row's first filled cell are the indent of a label, not values.
        first = next(i for i, (_, t) in enumerate(texts) if t)
        items.append(Row([Cell(t, f"{where} column {c + 1}") for c, t in texts[first:]], where))
    return cells_seen


# ---- Excel's XML Spreadsheet 2003 ------------------------------------------------------------

_SS = "urn:schemas-microsoft-com:office:spreadsheet"
MAX_XML_ROWS = 65_536      # a 统计表 has hundreds; an index past this is no annex (and no list of rows to build)
MAX_XML_COLUMNS = 16_384   # Excel's last column
_EXCEL = "urn:schemas-microsoft-com:office:excel"


def looks_like_spreadsheet_xml(data: bytes) -> bool:
    """Excel's XML Spreadsheet 2003 (``<Workbook xmlns="urn:schemas-microsoft-com:office:
    spreadsheet">``), what systems that export a table "to Excel" write, often as ``.xls``."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and (b'progid="Excel.Sheet"' in head or b"progid='Excel.Sheet'" in head
                                      or (b"<Workbook" in head or b":Workbook" in head) and _SS.encode() in head)


def read_spreadsheet_xml(data: bytes) -> Document:
    """An XML Spreadsheet 2003 read as the other workbooks are (:func:`_sheet_items`): its cells
    placed by ``ss:Index`` (a cell or row after a gap says where it stands), merged by
    ``ss:MergeAcross`` / ``ss:MergeDown`` (the cells they cover are not written), what the
    workbook hides (worksheets whose options say ``SheetHidden``, rows and columns
    ``ss:Hidden``) left out with a ``hidden_content`` issue, as in an XLSX."""
    from lxml import etree

    from . import UnreadableDocument

    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise UnreadableDocument(f"an XML spreadsheet that is not well-formed XML ({exc})") from exc
    ss = f"{{{_SS}}}"
    sheets = root.findall(ss + "Worksheet")
    if root.tag != ss + "Workbook" or not sheets:
        raise UnreadableDocument(f"an XML spreadsheet without worksheets (its root is {root.tag})")

    def hidden_sheet(sheet) -> bool:
        visible = sheet.findtext(f"{{{_EXCEL}}}WorksheetOptions/{{{_EXCEL}}}Visible") or ""
        return visible.strip() in ("SheetHidden", "SheetVeryHidden")

    shown = [sheet for sheet in sheets if not hidden_sheet(sheet)] or sheets
    items: list[Line | Row] = []
    cells_seen = 0
    left_out = [f"worksheet {sheet.get(ss + 'Name')}" for sheet in sheets if sheet not in shown]
    for number, sheet in enumerate(shown, start=1):
        name = sheet.get(ss + "Name") or f"Sheet{number}"
        table = sheet.find(ss + "Table")
        rows: list[list] = []
        merged: list = []
        hidden_rows: set[int] = set()
        hidden_columns: set[int] = set()
        if table is not None:
            column = 0
            for col in table.findall(ss + "Column"):
                column = int(col.get(ss + "Index") or column + 1)
                span = int(col.get(ss + "Span") or 0)
                if col.get(ss + "Hidden") == "1":
                    hidden_columns.update(c - 1 for c in range(column, column + span + 1))
                column += span
            r = 0
            for row in table.findall(ss + "Row"):
                r = int(row.get(ss + "Index") or r + 1)
                if r > MAX_XML_ROWS:
                    raise UnreadableDocument(f"worksheet {name!r} has a row {r}: past {MAX_XML_ROWS}, not a 统计表")
                while len(rows) < r:
                    rows.append([])
                if row.get(ss + "Hidden") == "1":
                    hidden_rows.add(r - 1)
                values = rows[r - 1]
                c = 0
                for cell in row.findall(ss + "Cell"):
                    c = int(cell.get(ss + "Index") or c + 1)
                    if c > MAX_XML_COLUMNS:
                        raise UnreadableDocument(f"worksheet {name!r} has a cell in column {c}: past Excel's {MAX_XML_COLUMNS}")
                    across, down = int(cell.get(ss + "MergeAcross") or 0), int(cell.get(ss + "MergeDown") or 0)
                    data_el = cell.find(ss + "Data")
                    value = "".join(data_el.itertext()) if data_el is not None else None
                    if value is not None and data_el.get(ss + "Type") == "Number":
                        try:
                            value = float(value)
                        except ValueError:
                            pass
                    while len(values) < c:
                        values.append(None)
                    values[c - 1] = value
                    if across or down:
                        merged.append(((r - 1, c - 1), (r - 1 + down, c - 1 + across)))
                    c += across
        left_out += [f"worksheet {name}: " + "; ".join(part for part in (
            _spans("rows", hidden_rows, str), _spans("columns", hidden_columns, _column_letters)) if part)] \
            if hidden_rows or hidden_columns else []
        cells_seen = _sheet_items(name, rows, merged, hidden_rows, hidden_columns, items, cells_seen)
    doc = Document(form="excelxml", method="spreadsheet_table", items=items)
    if left_out:
        doc.reader_issues.append(("hidden_content", "what the workbook hides was not read: " + ", ".join(left_out)))
    return doc


def _spans(what: str, indexes: set[int], name) -> str:
    """「rows 40–80, 92」 for the 0-based row indexes 39..79 and 91 (``name`` gives a row's or a
    column's name from its 1-based number: ``str``, or :func:`_column_letters`)."""
    if not indexes:
        return ""
    runs: list[list[int]] = []
    for i in sorted(indexes):
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return what + " " + ", ".join(name(a + 1) if a == b else f"{name(a + 1)}–{name(b + 1)}" for a, b in runs)


def _column_letters(number: int) -> str:
    """Excel's name of the 1-based column ``number``: 1 → A, 28 → AB."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


_SPREADSHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_OFFICE_RELATIONSHIPS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PACKAGE_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def _hidden_rows_and_columns(data: bytes) -> dict[str, tuple[set[int], set[int]]]:
    """Worksheet name → (its hidden rows, its hidden columns), 0-based, for an XLSX: rows marked
    ``hidden`` (hidden by hand, or by an outline collapsed) and columns whose ``<col>`` range is.
    calamine gives every cell, shown or not. Only worksheets whose XML says ``hidden`` are parsed."""
    import posixpath

    from lxml import etree

    found: dict[str, tuple[set[int], set[int]]] = {}
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            workbook = etree.fromstring(z.read("xl/workbook.xml"), parser)
            targets = {rel.get("Id"): rel.get("Target") or "" for rel in
                       etree.fromstring(z.read("xl/_rels/workbook.xml.rels"), parser).iter(_PACKAGE_RELATIONSHIP)}
            for sheet in workbook.iter(f"{_SPREADSHEET}sheet"):
                target = targets.get(sheet.get(_OFFICE_RELATIONSHIPS) or "", "")
                part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
                try:
                    xml = z.read(part)
                except KeyError:
                    continue
                if b"hidden=" not in xml:
                    continue
                rows, columns = set(), set()
                for _, element in etree.iterparse(io.BytesIO(xml), events=("end",), resolve_entities=False,
                                                  no_network=True, tag=(f"{_SPREADSHEET}row", f"{_SPREADSHEET}col")):
                    if element.get("hidden") in ("1", "true"):
                        if element.tag == f"{_SPREADSHEET}row" and (element.get("r") or "").isdigit():
                            rows.add(int(element.get("r")) - 1)
                        elif element.tag == f"{_SPREADSHEET}col" and (element.get("min") or "").isdigit():
                            low = int(element.get("min"))
                            high = int(element.get("max")) if (element.get("max") or "").isdigit() else low
                            columns.update(range(low - 1, min(high, low + 16384)))
                    element.clear()
                if rows or columns:
                    found[sheet.get("name") or ""] = (rows, columns)
    except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError):
        return found   # a workbook laid out otherwise: calamine's reading stands as it is
    return found


# A hidden run of rows or columns past these is the sheet's empty tail (Calc writes a million
# rows repeated), not rows of a 统计表: the indexes kept stop here.
_LAST_ROW = MAX_XML_ROWS
_LAST_COLUMN = MAX_XML_COLUMNS


def _ods_hidden_rows_and_columns(data: bytes) -> dict[str, tuple[set[int], set[int]]]:
    """Worksheet name → (its hidden rows, its hidden columns), 0-based, for an ODS: rows and
    columns whose ``table:visibility`` is ``collapse`` (hidden) or ``filter`` (filtered out),
    counted with their ``number-rows-repeated`` / ``number-columns-repeated``, inside the
    header, group and plain row wrappers Calc writes. A table in a cell has rows of its own."""
    from lxml import etree

    table_ns = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    table, row, column = (f"{{{table_ns}}}{name}" for name in ("table", "table-row", "table-column"))
    visibility = f"{{{table_ns}}}visibility"
    found: dict[str, tuple[set[int], set[int]]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            content = z.read("content.xml")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return found
    if b"visibility=" not in content:
        return found
    try:
        root = etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False))
    except etree.XMLSyntaxError:
        return found   # calamine says what is wrong with it
    for sheet in root.iter(table):
        if sheet.getparent() is None or sheet.getparent().tag != "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}spreadsheet":
            continue
        hidden = (set(), set())
        for which, (tag, repeated, last) in enumerate(((row, "number-rows-repeated", _LAST_ROW),
                                                       (column, "number-columns-repeated", _LAST_COLUMN))):
            at = 0
            for element in sheet.iter(tag):
                owner = element.getparent()
                while owner is not None and owner.tag != table:
                    owner = owner.getparent()
                if owner is not sheet:
                    continue   # a row of a table inside a cell
                count = element.get(f"{{{table_ns}}}{repeated}") or "1"
                count = int(count) if count.isdigit() else 1
                if element.get(visibility) in ("collapse", "filter"):
                    hidden[which].update(range(at, min(at + count, last)))
                at += count
        if hidden[0] or hidden[1]:
            found[sheet.get(f"{{{table_ns}}}name") or ""] = hidden
    return found


def _xls_hidden_rows_and_columns(data: bytes) -> dict[str, tuple[set[int], set[int]]]:
    """Worksheet name → (its hidden rows, its hidden columns), 0-based, for an Excel 97–2003
    workbook (BIFF8, and BIFF5's Excel 95): its ``Workbook`` stream's records, read by their
    headers alone: each worksheet's ``BOUNDSHEET`` (name, where its records start), then in it
    ``ROW`` records whose ``fDyZero`` flag hides the row and ``COLINFO`` records whose
    ``fHidden`` hides a range of columns. An encrypted workbook (``FILEPASS``) is left to
    calamine."""
    import struct

    import olefile

    found: dict[str, tuple[set[int], set[int]]] = {}
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as container:
            stream = next((name for name in ("Workbook", "Book") if container.exists(name)), None)
            if stream is None:
                return found
            book = container.openstream(stream).read()
    except (OSError, ValueError, struct.error):   # olefile's damage
        return found
    names: dict[int, str] = {}   # where a worksheet's records start → its name
    codepage = "cp1252"
    sheet: tuple[set[int], set[int]] | None = None
    at, end = 0, len(book)
    while at + 4 <= end:
        kind, size = struct.unpack_from("<HH", book, at)
        body = book[at + 4:at + 4 + size]
        if kind == 0x002F:   # FILEPASS: what follows is encrypted
            return found
        if kind == 0x0042 and size >= 2:   # CODEPAGE (BIFF5's strings)
            number = struct.unpack_from("<H", body)[0]
            codepage = "utf-16-le" if number == 1200 else f"cp{number}"
        elif kind == 0x0085 and size >= 8:   # BOUNDSHEET
            position, kind_of_sheet, length = struct.unpack_from("<I", body)[0], body[5], body[6]
            if kind_of_sheet == 0:   # a worksheet (not a chart or a macro sheet)
                if size >= 8 + length and body[7] in (0, 1) and size in (8 + length, 8 + 2 * length):
                    raw = body[8:8 + length * (2 if body[7] else 1)]   # BIFF8: a flag byte, then the name
                    name = raw.decode("utf-16-le" if body[7] else "latin-1", "replace")
                else:
                    name = body[7:7 + length].decode(codepage, "replace")   # BIFF5: the name in the codepage
                names[position] = name
        elif kind == 0x0809:   # BOF: a worksheet's records start here (or not: then none is read)
            sheet = None
            if at in names:
                sheet = found.setdefault(names[at], (set(), set()))
        elif sheet is not None and kind == 0x0208 and size >= 16:   # ROW
            row, flags = struct.unpack_from("<H", body)[0], struct.unpack_from("<H", body, 12)[0]
            if flags & 0x0020:
                sheet[0].add(row)
        elif sheet is not None and kind == 0x007D and size >= 10:   # COLINFO
            first, last, _, _, flags = struct.unpack_from("<HHHHH", body)
            if flags & 0x0001:
                sheet[1].update(range(first, min(last + 1, first + _LAST_COLUMN, _LAST_COLUMN)))
        at += 4 + size
    return {name: hidden for name, hidden in found.items() if hidden[0] or hidden[1]}


def _formulas_without_values(data: bytes) -> dict[str, list[str]]:
    """The cells of each worksheet part (「xl/worksheets/sheet1.xml」) that hold a formula and no
    value. A spreadsheet program stores a formula's result beside it; openpyxl and other writers
    do not, and every reader (calamine too) then sees an empty cell: a total that reads blank."""
    from lxml import etree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    found: dict[str, list[str]] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for part in z.namelist():
            if not (part.startswith("xl/worksheets/") and part.endswith(".xml")):
                continue
            with z.open(part) as stream:
                for _, cell in etree.iterparse(stream, events=("end",), tag=f"{main}c", huge_tree=False,
                                               resolve_entities=False, no_network=True):
                    formula = cell.find(f"{main}f")
                    value = cell.find(f"{main}v")
                    if formula is not None and (value is None or not (value.text or "").strip()):
                        found.setdefault(part, []).append(cell.get("r") or "?")
                    cell.clear()
    return found
