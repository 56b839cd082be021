"""Text whose tables are drawn with lines: text browsers' page dumps (w3m and elinks ``-dump``,
w3m ``-no-graph`` in ASCII) and console table printers.

Such a dump keeps the whole grid, blank cells included, but a cell's text is wrapped over as many
lines as the column is narrow (「（二）部分公开（区分处理的，只计这一情」 「形，不计其他情形）」, a
header one character a line: 「自」 「然」 「人」), and a merged label cell's text stands on whichever
lines its rows cover. Read line by line as a text grid, those pieces would be rows of their own.
So the cells are read as what the lines enclose:

- on each line of a table, the characters between two walls (a vertical stroke: 「│」, a junction
  「├┼┬…」, in ASCII 「|」 and a 「+」 joined to a border) are a piece of the cell at that place;
  positions are display columns (a Chinese character takes two);
- a piece that is all border (「───」, ASCII 「---」) closes the cells above it there; any other
  piece adds its text to the cell open at the same place, or opens one;
- a cell's row is the first line it has text on, its column the position of its left wall, as a
  page's rowspan and colspan cells stand in their first row and column.

The rows are then :class:`documents.Row` of the cells that start on them, as the HTML reader
gives them, and the national tables are read as a page's are. Paragraphs outside the tables
(wrapped lines up to a blank line) are lines of prose.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .documents import Cell, Document, Line, Row, join_wrapped

METHOD = "text_box_table"

_BOX_FIRST, _BOX_LAST = 0x2500, 0x257F
# Box-drawing characters that draw no vertical stroke: borders, never walls.
_HORIZONTAL = frozenset("─━┄┅┈┉╌╍═╴╶╸╺╼╾")
# An ASCII table's top border, as w3m -no-graph, psql and texttable draw it.
_ASCII_BORDER = re.compile(r"^\s*\+[-=+]{2,}\+\s*$")
_MIN_TABLE_LINES = 3
_BOX_CHAR = re.compile("[\u2500-\u257f]")
# A run of box-drawing characters (a wall, a border, both) with the spaces around it.
_BOX_RUN = re.compile("[ \t]*[\u2500-\u257f][\u2500-\u257f \t]*")
# An ASCII-drawn border: 「-」 runs joined by 「+」 (「+-----+---+」, 「|-----+---|」); a Markdown table's
# 「|---|---|」 has no 「+」 and is left to the pipe-table readers.
_ASCII_BORDER_RUN = re.compile(r"[ \t]*[|+]?-{3,}(?:\+-{3,})*\+[-+|]*[ \t]*|[ \t]*\+-{3,}[-+|]*[ \t]*")


def without_box_lines(text: str) -> str:
    """The text with each drawn border or run of box-drawing characters one space: a drawn
    table whose lines ran together (white space collapsed: 「│行政许可 │396 │0 │181 │ ├──…」,
    「|行政许可 |396 |0 |181 | |------+---+」) keeps its walls as separators, as a collapsed pipe
    table keeps its pipes, and no wall reads as a label between a row's numbers."""
    if _BOX_CHAR.search(text):
        text = _BOX_RUN.sub(" ", text)
    if "+-" in text or "-+" in text:
        text = _ASCII_BORDER_RUN.sub(" ", text)
    return text


def is_box_text(text: str) -> bool:
    """Whether the text holds a table drawn with box-drawing characters or ASCII borders."""
    if _BOX_CHAR.search(text):
        return sum(1 for line in text.splitlines() if _BOX_CHAR.search(line)) >= _MIN_TABLE_LINES
    return "+-" in text and any(_ASCII_BORDER.match(line) for line in text.splitlines())


def _box_line(line: str) -> bool:
    return _BOX_CHAR.search(line) is not None


@lru_cache(maxsize=1 << 12)
def _width(ch: str) -> int:
    """Display columns: a wide (Chinese) character takes two, as the dump's layout counts them."""
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _pieces(line: str, ascii_table: bool) -> list[tuple[int, int, str, bool]]:
    """(left, right, text, is_border) for what stands between each two walls of a table line,
    left and right in display columns."""
    pieces: list[tuple[int, int, str]] = []
    left = None            # the display column after the last wall (None: no wall yet)
    text: list[str] = []
    junction = False       # an ASCII line with a 「+」 joined to a border is a border line
    x = 0
    for i, ch in enumerate(line):
        if ascii_table:
            wall = ch == "|" or (ch == "+" and (line[i - 1:i] in ("-", "=") or line[i + 1:i + 2] in ("-", "=")))
            junction = junction or (wall and ch == "+")
        else:
            wall = _BOX_FIRST <= ord(ch) <= _BOX_LAST and ch not in _HORIZONTAL
        if wall:
            if left is not None:
                pieces.append((left, x, "".join(text)))
            left, text = x + 1, []
        elif left is not None:
            text.append(ch)
        x += 1 if ch < "\u1100" else _width(ch)
    out = []
    for left, right, piece in pieces:
        core = piece.strip()
        if ascii_table:
            # 「-」 filling the place: a border where the line has a junction or the run is long,
            # not a narrow cell that says 「--」 (a blank) on a line of text.
            border = bool(core) and core == piece and not core.strip("-=") and (junction or len(core) >= 3)
        else:
            border = bool(core) and all(ch in _HORIZONTAL for ch in core)
        out.append((left, right, piece, border))
    return out


def _table_rows(lines: list[tuple[int, str]], ascii_table: bool, table_no: int) -> list[Row]:
    """The rows of one drawn table (its lines with their numbers)."""
    open_cells: dict[tuple[int, int], list] = {}   # (left, right) → [first line, texts]
    cells: list[tuple[int, int, str]] = []          # (first line, left, text)

    def close(left: int, right: int) -> None:
        for span in [s for s in open_cells if s[0] < right and left < s[1]]:
            first, texts = open_cells.pop(span)
            cells.append((first, span[0], join_wrapped(texts)))

    for number, line in lines:
        for left, right, text, border in _pieces(line, ascii_table):
            if border:
                close(left, right)
                continue
            cell = open_cells.get((left, right))
            if cell is None:
                close(left, right)   # the columns changed here: what was open above is done
                open_cells[(left, right)] = cell = [number, []]
            if text.strip():
                cell[1].append(text.strip())
    for span in list(open_cells):
        close(*span)
    # A cell's row: the first line it has a piece on; its column: its left wall's place.
    tops = sorted({first for first, _, _ in cells})
    lefts = sorted({left for _, left, _ in cells})
    row_of = {top: r for r, top in enumerate(tops)}
    column_of = {left: c for c, left in enumerate(lefts)}
    by_row: dict[int, list[tuple[int, str]]] = {}
    for first, left, text in cells:
        by_row.setdefault(row_of[first], []).append((column_of[left], text))
    rows = []
    for r in sorted(by_row):
        where = f"table {table_no} row {r + 1}"
        rows.append(Row([Cell(text, f"{where} column {c + 1}") for c, text in sorted(by_row[r])], where))
    return rows


def read_box_text(text: str) -> Document:
    """The document: paragraphs of prose and the drawn tables' rows (module docstring)."""
    lines = text.splitlines()
    ascii_tables = not any(_box_line(line) for line in lines)
    items: list[Line | Row] = []
    paragraph: list[tuple[int, str]] = []
    table: list[tuple[int, str]] = []
    tables = 0

    def flush_paragraph() -> None:
        if paragraph:
            items.append(Line(join_wrapped([t for _, t in paragraph]), f"line {paragraph[0][0]}"))
            paragraph.clear()

    def flush_table() -> None:
        nonlocal tables
        if table:
            tables += 1
            items.extend(_table_rows(list(table), ascii_tables, tables))
            table.clear()

    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if ascii_tables:
            in_table = bool(_ASCII_BORDER.match(line)) if not table else stripped[:1] in ("|", "+")
        else:
            in_table = _box_line(line)
        if in_table:
            flush_paragraph()
            table.append((number, line))
            continue
        flush_table()
        if stripped:
            paragraph.append((number, stripped))
        else:
            flush_paragraph()
    flush_table()
    flush_paragraph()
    return Document(form="box_text", method=METHOD, items=items)
