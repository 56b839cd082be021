"""What the places of a PDF table's words say, where the table has no rules: blank cells, and
labels wrapped over lines around their rows' figures.

A PDF whose tables have no rules (a browser's print of a page whose borders are styles, a
three-line table, a Word table without borders) has no cells to find: its lines are read as
text (documents.tables_as_text), a table row a line, its cells a space apart. A blank cell
leaves nothing in such a line: 「一、本年新收政府信息公开申请数量 26 26」 is 26, five blanks and
26, and the text alone cannot say which columns the two numbers stand in. The page can: each
number stands in its column, at the x of the numbers above and below it and under its
column's header. So the columns of each table are found from the positions of its numbers
and of its header's words, and a row with fewer numbers than columns gets a blank mark
(「—」, which reads as a blank) in each column it leaves empty.

- A table is a run of lines with numbers at their end; the lines before its first row that
  have words over the numbers' side are its header (up to a line of prose or a title that
  runs across that side). Lines without numbers between two rows (a label wrapped over lines)
  belong to the table; a line reaching over the numbers' side after a row starts the next
  table (table 二 is a string of small tables, each with its own header).
- The table's columns are those its header names: the header's words right of the labels,
  narrow words first, so that a word over several columns (「法人或其他组织」) names none and a
  column blank in every row still has its place. When a number stands under no header word or
  under several (no header, or one whose words ran together), the columns are the runs of x the
  numbers cover (in a column every number overlaps the others, whatever the alignment), trusted
  only when a row fills them all.
- A row is rewritten only when it has fewer numbers than the table has columns; a table whose
  numbers cannot be placed so is left as it was, read as before (a row it cannot place unread,
  never a number moved to another column). Its rows are paragraphs of their own: the PDF reader
  does not join the line after a row to it as wrapped prose.
- A label cell too narrow for its label wraps it over lines, and where the cell sets its text
  decides where they stand: at the top (Word's default) the label's rest is on the lines after
  the row's figures (「2.其」 「2 0 0 0 0 0 2」 「他法」 「律行」 …), in the middle (WPS's and a
  browser's default) its first lines are above them, at the foot all of them. The text reader
  took each piece for a row's or prose. The page's geometry puts them back together: the label
  side's words are joined into cells (a word continues the cell nearest above it in x unless it
  starts with an item number, stands further below than a line does, or both stand on rows'
  lines: labels one line high, each its row's), and a cell goes with the
  row whose figures stand among its lines (:func:`_row_labels`); a group's label beside several
  rows (「（三）不予公开」) with the first. Labels without item numbers one under the other (table
  二's) run into one cell; they are cut as the document's numbered labels show it sets them,
  and left as they were where those do not tell (:func:`_split`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .cells import is_value, normalise
from .vocabulary import LABEL_COLUMN_HEADERS, section_of_heading

BLANK_MARK = "—"
# Labels of the national tables start with an item number: 「三、」「（四）」「2.」「1、」. The rest of
# a label, wrapped or cut by a page break, does not.
ENUMERATOR = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|\([一二三四五六七八九十\d]+\)|\d+[.、])")
_GAP = 0.2          # × the character size: a wider gap between two characters separates words
_TOLERANCE = 1.0    # points: how far apart two edges the page lines up may be
_CJK_CHAR = re.compile(r"[\u3400-\u9fff\uff00-\uffef）)”\"]")
_NUMBER_CHARS = set("0123456789.+-−")


@dataclass
class _Word:
    text: str
    x0: float
    x1: float
    size: float = 0.0   # its characters' size


@dataclass
class _Table:
    header: list[tuple[object, list[_Word]]]  # the lines before its first row, top to bottom: (line, words)
    rows: list[tuple[object, list[_Word], int]] = field(default_factory=list)   # line, words, first value
    # each row's following lines without numbers, up to the next row or a line over the numbers'
    # side: (line, its words)
    wraps: list[list[tuple[object, list[_Word]]]] = field(default_factory=list)
    start: float = float("inf")               # where its first column of numbers starts
    labels_end: float = float("-inf")         # where its rows' labels end

    def takes(self, line_words: list[_Word], first: int) -> bool:
        """Whether a row fits the table: its label ends before the numbers start, its numbers
        start after the labels end (a line of prose that ends in a number does not)."""
        label_end = line_words[first - 1].x1 if first else float("-inf")
        return label_end <= self.start + _TOLERANCE and line_words[first].x0 >= self.labels_end - _TOLERANCE

    def add(self, line, line_words: list[_Word], first: int) -> None:
        self.rows.append((line, line_words, first))
        self.wraps.append([])
        self.start = min(self.start, line_words[first].x0)
        if first:
            self.labels_end = max(self.labels_end, line_words[first - 1].x1)


def words(chars: list[dict]) -> list[_Word]:
    """A line's words: its characters cut where the gap between two is wider than a fifth of
    their size, and a number glued to a label (「行政事业性收费24252.31」: a label cell as wide as
    its text, the number cell's text at its left edge) cut from it."""
    out: list[_Word] = []
    current: list[dict] = []
    for ch in chars:
        if not ch["text"].strip():
            continue
        if current and ch["x0"] - current[-1]["x1"] > _GAP * max(ch["size"], 1.0):
            out.extend(_unglued(current))
            current = []
        current.append(ch)
    if current:
        out.extend(_unglued(current))
    return out


def _unglued(chars: list[dict]) -> list[_Word]:
    text = "".join(c["text"] for c in chars)
    cut = len(chars)
    while cut > 0 and chars[cut - 1]["text"] in _NUMBER_CHARS:
        cut -= 1
    size = max(c["size"] for c in chars)
    if 0 < cut < len(chars) and _CJK_CHAR.match(chars[cut - 1]["text"]) and text[cut].isdigit():
        return [_Word(text[:cut], chars[0]["x0"], chars[cut - 1]["x1"], size),
                _Word(text[cut:], chars[cut]["x0"], chars[-1]["x1"], size)]
    return [_Word(text, chars[0]["x0"], chars[-1]["x1"], size)]


def _first_value(line_words: list[_Word]) -> int:
    """Where the run of values that ends the line starts (len when it ends in a word)."""
    first = len(line_words)
    while first > 0 and is_value(line_words[first - 1].text):
        first -= 1
    return first


def _overlaps(word: _Word, x0: float, x1: float) -> bool:
    return word.x0 < x1 and x0 < word.x1


def rewrite_unruled_rows(lines: list) -> None:
    """Rewrite the text of the rows of tables without rules with what their words' places say.
    ``lines`` are a document's text lines (pdf._TextLine) in reading order; those without
    characters (OCR'd) are passed over."""
    tables: list[_Table] = []
    pending: list[tuple[object, list[_Word]]] = []
    table: _Table | None = None
    for line in lines:
        if not getattr(line, "chars", None):
            continue
        line_words = words(line.chars)
        first = _first_value(line_words)
        if first == len(line_words):
            if table is not None and len(table.wraps[-1]) == len(pending) \
                    and all(w.x1 <= table.start + _TOLERANCE for w in line_words):
                table.wraps[-1].append((line, line_words))
            pending.append((line, line_words))
            continue
        # Lines between two rows that reach over the numbers' side (a header, a part's heading
        # 「第二十条第（五）项」, prose) end the table; a label wrapped over lines does not.
        if table is None or len(table.wraps[-1]) < len(pending) or not table.takes(line_words, first):
            table = _Table(header=pending)
            tables.append(table)
        table.add(line, line_words, first)
        pending = []
    columns = [(t, _number_columns(t)) for t in tables]
    tables, numbers = [t for t, n in columns if len(n) > 1], [n for _, n in columns if len(n) > 1]
    # Labels wrapped over several lines, at the top of their cells, in the middle or at the foot:
    # each cell's lines put together and given to the row beside them (_row_labels).
    cells = [_label_cells(t) for t in tables]
    alignment = _alignment([cell for table_cells in cells for cell in table_cells])
    for table, columns_of_numbers, table_cells in zip(tables, numbers, cells):
        _mark(table, columns_of_numbers, _row_labels(table, table_cells, alignment))


def _number_columns(table: _Table) -> list[tuple[float, float]]:
    """The runs of x the table's numbers cover: in a column every number overlaps the others,
    whatever the alignment (same left edge, right edge or centre)."""
    columns: list[list[float]] = []
    for w in sorted((w for _, ws, first in table.rows for w in ws[first:]), key=lambda w: w.x0):
        if columns and w.x0 < columns[-1][1]:
            columns[-1][1] = max(columns[-1][1], w.x1)
        else:
            columns.append([w.x0, w.x1])
    return [(x0, x1) for x0, x1 in columns]


def _header_columns(table: _Table, numbers: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The columns the header's words name: the lines above the first row (up to one whose text
    runs across the numbers' side: prose, though its figures cut it into words), their words
    right of the labels, narrow words first; a word over one column already found (「企业」 under
    「商业」) widens it, a word over several (「法人或其他组织」) is a group's label and names none. A line counts with another word over the numbers' side
    or a word over a column of numbers: a note alone beside the title (「单位：件」) is none."""
    def across(w: _Word) -> bool:
        # From the labels' side over the numbers': prose or a title, unless the word is no
        # wider than one column (a centred column header starts left of its numbers).
        return w.x0 < table.start - _TOLERANCE and w.x1 > table.start + _TOLERANCE and (
            w.x0 < table.labels_end - _TOLERANCE or sum(_overlaps(w, *c) for c in numbers) > 1)

    header: list[_Word] = []
    for line, line_words in reversed(table.header):
        # A section's heading ends the header too: above a table without a label column (table
        # 四's one row of figures) it starts where the figures do, so it runs across none of them
        # from the labels' side, and the prose above it would join the header.
        if any(across(w) for w in _runs(line_words)) or section_of_heading(normalise(line.text))[0]:
            break
        over = [w for w in line_words if w.x0 >= table.labels_end - _TOLERANCE]
        if len(over) > 1 or any(_overlaps(w, *c) for w in over for c in numbers):
            header.extend(over)
    leaves: list[list[float]] = []
    for w in sorted(header, key=lambda w: w.x1 - w.x0):
        under = [leaf for leaf in leaves if _overlaps(w, *leaf)]
        if not under:
            leaves.append([w.x0, w.x1])
        elif len(under) == 1:
            under[0][0], under[0][1] = min(under[0][0], w.x0), max(under[0][1], w.x1)
    return sorted((x0, x1) for x0, x1 in leaves)


def _runs(line_words: list[_Word]) -> list[_Word]:
    """A line's words run together where less than half a character apart: a sentence's words
    (「开展政务公开专项检查」 「4」 「次，发现…」, cut at its figures), not a header's column labels,
    which stand a cell's margins apart."""
    runs: list[_Word] = []
    for w in line_words:
        if runs and w.x0 - runs[-1].x1 < 0.5 * max(w.size, runs[-1].size):
            last = runs[-1]
            runs[-1] = _Word(last.text + w.text, last.x0, w.x1, max(last.size, w.size))
        else:
            runs.append(w)
    return runs


def _places(table: _Table, columns: list[tuple[float, float]]) -> list[list[int]] | None:
    """Each row's numbers' columns, or None when a number stands under no column or under
    several, or two of a row's in one."""
    places = []
    for _, line_words, first in table.rows:
        at = [[k for k, c in enumerate(columns) if _overlaps(w, *c)] for w in line_words[first:]]
        if any(len(k) != 1 for k in at):
            return None
        row = [k[0] for k in at]
        if row != sorted(set(row)):
            return None
        places.append(row)
    return places


def _mark(table: _Table, numbers: list[tuple[float, float]], labels: list[list[_Piece] | None]) -> None:
    """Rewrite the table's rows: their labels from the pieces :func:`_row_labels` gave them
    (None: the row line's own label words, as they were), the pieces taken off the lines they
    stood on; their blank cells marked where the columns are known (``numbers``: the runs of x
    its numbers cover)."""
    for line, _, _ in table.rows:
        line.row = True
    taken = {(id(piece.line), piece.word.x0) for pieces in labels if pieces for piece in pieces}
    row_lines = {id(line) for line, _, _ in table.rows}
    for line in {id(p.line): p.line for pieces in labels if pieces for p in pieces}.values():
        if id(line) not in row_lines:
            line.text = "".join(w.text for w in words(line.chars) if (id(line), w.x0) not in taken)
    # The header's columns when every number stands under one of them; else the numbers' own,
    # when a row fills them all (a column no row fills has no number to show where it is).
    header = _header_columns(table, numbers)
    places = _places(table, header) if len(header) > 1 else None
    columns = header
    if places is None:
        places, columns = _places(table, numbers), numbers
        if places is None or not any(len(row) == len(numbers) for row in places):
            places = None
    for k, (line, line_words, first) in enumerate(table.rows):
        values = None
        if places is not None and len(places[k]) < len(columns):
            values = [BLANK_MARK] * len(columns)
            for place, word in zip(places[k], line_words[first:]):
                values[place] = word.text
        own = line_words[:first]
        if labels[k] is not None:
            label_words = [piece.word for piece in labels[k]]
        else:   # its own words, but those a label of another row took
            label_words = [w for w in own if (id(line), w.x0) not in taken]
        if label_words == own and values is None:
            continue
        label = "".join(w.text for w in label_words)
        values = values or [w.text for w in line_words[first:]]
        line.text = (label + " " if label else "") + " ".join(values)


# ---- labels wrapped over several lines --------------------------------------------------------

@dataclass
class _Piece:
    """A word on the labels' side of a table's line: one line of a label cell's text."""
    line: object
    word: _Word
    page: int
    top: float          # the line's top and bottom on its page
    bottom: float
    size: float
    row: int | None     # the table row whose line it stands on
    last: bool          # the last label word of its line (no label cell right of it)
    rows_before: int    # how many of the table's row lines come before its line


def _label_cells(table: _Table) -> list[list[_Piece]]:
    """The table's label cells: the words on its labels' side, from the lines just above its
    first row (a label centred in its cell starts above its row's figures) to the last row's
    wrapped lines, put together as a cell's lines: a word continues the cell whose last word is
    the nearest above it that it overlaps in x (two columns' lines need not pair up), unless it
    starts with an item number (「2.」 「（三）」: a new label), or stands further below than a line
    of text does (another cell), or both stand on rows' lines (two rows' labels one line high: an
    annex's label and unit columns). Labels without item numbers whose lines run from one row to
    the next (table 二's) make one cell, cut by :func:`_split`."""
    lines: list[tuple[object, list[_Word], int | None, int]] = []   # line, label words, row, first value
    for line, line_words in reversed(table.header):
        if not all(w.x1 <= table.start + _TOLERANCE for w in line_words):
            break
        lines.insert(0, (line, line_words, None, len(line_words)))
    for k, ((line, line_words, first), wraps) in enumerate(zip(table.rows, table.wraps)):
        lines.append((line, line_words, k, first))
        lines.extend((wrap, wrap_words, None, len(wrap_words)) for wrap, wrap_words in wraps)
    cells: list[list[_Piece]] = []
    rows_before = 0
    for line, line_words, row, first in lines:
        page, top, bottom, size = _where(line)
        for index, word in enumerate(line_words[:first]):
            piece = _Piece(line, word, page, top, bottom, size, row, index == first - 1, rows_before)
            # the cell nearest above in the word's x (two columns' lines need not pair up)
            above = max((c for c in cells if c[-1].line is not line
                         and _overlaps(word, c[-1].word.x0, c[-1].word.x1)),
                        key=lambda c: (c[-1].page, c[-1].top), default=None)
            if above is not None and _continues(above, piece):
                above.append(piece)
            else:
                cells.append([piece])
        rows_before += row is not None
    return cells


def _continues(cell: list[_Piece], piece: _Piece) -> bool:
    last = cell[-1]
    text = normalise(piece.word.text)
    if ENUMERATOR.match(text) or LABEL_COLUMN_HEADERS.search(text):
        return False   # a new label, or a part's heading (「第二十条第（五）项」) under a row
    # A cell's lines share an edge or a middle, as the cell aligns its text; a heading centred
    # over the table below a row's label does not.
    tolerance = max(_TOLERANCE, 0.25 * piece.size)
    a, b = piece.word, last.word
    if min(abs(a.x0 - b.x0), abs(a.x1 - b.x1), abs(a.x0 + a.x1 - b.x0 - b.x1) / 2) > tolerance:
        return False
    if piece.row is not None and last.row is not None:
        return False   # two rows' lines one under the other: each its own label (one line high)
    # Lines of one cell follow each other a line's height and a little apart; a page break
    # between them is no gap where no row of the table stands between (a row cut by the break).
    if piece.page != last.page:
        return piece.rows_before == last.rows_before + (last.row is not None)
    return piece.top - last.bottom <= piece.size


def _where(line) -> tuple[int, float, float, float]:
    """(page, top, bottom, size) of a line's characters."""
    chars = [c for c in line.chars if c["text"].strip()]
    return (chars[0].get("page_number", 0), min(c["top"] for c in chars), max(c["bottom"] for c in chars),
            max(c["size"] for c in chars))


def _rows_in(cell: list[_Piece], row_middles: list[tuple[int, float]]) -> list[int]:
    """The rows whose figures' line stands within the cell's lines (its middle between the
    cell's top and bottom; (page, y): a cell may go on on the next page)."""
    top, bottom = (cell[0].page, cell[0].top), (cell[-1].page, cell[-1].bottom)
    return [k for k, middle in enumerate(row_middles) if top <= middle <= bottom]


def _alignment(cells: list[list[_Piece]]) -> str | None:
    """Where the document sets a label in its cell ("top", "middle", "bottom"), told by the
    labels that start with their item number, span lines and stand beside one row's figures:
    the row line holds their first line, their last, or one between (or none: an even number of
    lines around the figures). None without such labels or when they disagree."""
    seen = set()
    for cell in cells:
        rows = {p.row for p in cell if p.row is not None}
        if len(cell) < 2 or len(rows) != 1 or not ENUMERATOR.match(normalise(cell[0].word.text)) \
                or not all(p.last for p in cell):
            continue
        if cell[0].row is not None:
            seen.add("top")
        elif cell[-1].row is not None:
            seen.add("bottom")
        else:
            seen.add("middle")
    return seen.pop() if len(seen) == 1 else None


def _row_labels(table: _Table, cells: list[list[_Piece]], alignment: str | None) -> list[list[_Piece] | None]:
    """Each row's label as the pieces of the cells beside it, left to right (None: leave the
    row's label as its line has it). A cell belongs to the row whose figures stand within its
    lines: a label is on its row's line or wrapped around it, whether the document sets it at
    the top of its cell, in the middle or at the foot. A cell beside several rows is a group's
    label (「三、本年度办理结果」, 「（三）不予公开」: a label right of it on some line) and goes
    with the first; or, with a label on each row's line, the labels of several rows one under
    the other with no item number between them (table 二's), told apart by the document's
    alignment when the labels that show it agree, else left as they were."""
    middles = []
    for line, _, _ in table.rows:
        page, top, bottom, _ = _where(line)
        middles.append((page, (top + bottom) / 2))
    labels: list[list[tuple[float, int, _Piece]]] = [[] for _ in table.rows]   # (cell x, cell, piece)
    untouched: set[int] = set()
    for number, cell in enumerate(cells):
        rows = _rows_in(cell, middles)
        if not rows:
            continue
        if len(rows) > 1 and all(p.last for p in cell):
            parts = _split(cell, rows, middles, alignment)
            if parts is None:
                untouched.update(rows)
                continue
        else:
            parts = [(rows[0], cell)]
        for row, part in parts:
            labels[row].extend((cell[0].word.x0, number, piece) for piece in part)
    result: list[list[_Piece] | None] = []
    for k, pieces in enumerate(labels):
        if k in untouched or not pieces:
            result.append(None)
        else:
            result.append([piece for _, _, piece in sorted(pieces, key=lambda t: t[:2])])
    return result


def _split(cell: list[_Piece], rows: list[int], middles: list[tuple[int, float]],
           alignment: str | None) -> list[tuple[int, list[_Piece]]] | None:
    """Several rows' labels run into one cell, cut where the document's alignment says: before
    each row line's piece (top), after it (bottom), or around it (middle: as many lines below
    the figures as above). None when the alignment is not known or the lines do not fit it."""
    on_line = [[i for i, p in enumerate(cell) if p.row == r] for r in rows]
    if alignment == "top" and all(on_line):
        # from each row line's piece to the next's (pieces above the first row are none of them)
        bounds = [i[0] for i in on_line] + [len(cell)]
    elif alignment == "bottom" and all(on_line):
        # from the line after the row line before to this row line's piece
        bounds = [0] + [i[-1] + 1 for i in on_line]
    elif alignment == "middle":
        bounds, at = [], 0
        for r in rows:
            above = sum(1 for p in cell[at:] if (p.page, p.bottom) < middles[r])
            on = sum(1 for p in cell[at:] if (p.page, p.top) <= middles[r] <= (p.page, p.bottom))
            bounds.append(at)
            at += 2 * above + on
        if at != len(cell):
            return None
        bounds.append(at)
    else:
        return None
    return [(r, cell[start:end]) for r, start, end in zip(rows, bounds, bounds[1:])]
