"""What the places of a PDF table's words say, where the table has no rules: blank cells, and
labels wrapped below their rows.

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
- A label cell too narrow for its label wraps it; with the text at the top of the cell (Word's
  default) the label's rest stands on the lines after the row's figures (「2.其」 「2 0 0 0 0 0 2」
  「他法」 「律行」 …), where the text reader takes it for the next row's. Where the item numbers show
  the labels sit so, the pieces below a row that start at its label's x are put back after its
  label (:func:`_label_pieces`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .cells import is_value, normalise

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
    if 0 < cut < len(chars) and _CJK_CHAR.match(chars[cut - 1]["text"]) and text[cut].isdigit():
        return [_Word(text[:cut], chars[0]["x0"], chars[cut - 1]["x1"]),
                _Word(text[cut:], chars[cut]["x0"], chars[-1]["x1"])]
    return [_Word(text, chars[0]["x0"], chars[-1]["x1"])]


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
    # A label wrapped below its row's line (its cell's text at the top, Word's default) goes on
    # at its first word's x, told by the item number it starts with (_label_pieces). A table whose
    # labels have none (table 二) is read so only when another table of the document shows such
    # labels, and none a row line with no label among rows with labels (a label centred around it).
    pieces = [_label_pieces(t, numbered=True) for t in tables]
    centred = any(any(first == 0 for _, _, first in t.rows) and not all(first == 0 for _, _, first in t.rows)
                  for t in tables)
    top = not centred and any(p and any(p) for p in pieces)
    for table, columns_of_numbers, below in zip(tables, numbers, pieces):
        if below is None and top:
            below = _label_pieces(table, numbered=False)
        _mark(table, columns_of_numbers, below)


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
    """The columns the header's words name: the lines above the first row (up to one that runs
    across the numbers' side), their words right of the labels, narrow words first; a word over
    one column already found (「企业」 under 「商业」) widens it, a word over several (「法人或其他组织」)
    is a group's label and names none. A line counts with another word over the numbers' side
    or a word over a column of numbers: a note alone beside the title (「单位：件」) is none."""
    def across(w: _Word) -> bool:
        # From the labels' side over the numbers': prose or a title, unless the word is no
        # wider than one column (a centred column header starts left of its numbers).
        return w.x0 < table.start - _TOLERANCE and w.x1 > table.start + _TOLERANCE and (
            w.x0 < table.labels_end - _TOLERANCE or sum(_overlaps(w, *c) for c in numbers) > 1)

    header: list[_Word] = []
    for _, line_words in reversed(table.header):
        if any(across(w) for w in line_words):
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


def _mark(table: _Table, numbers: list[tuple[float, float]],
          below: list[list[tuple[object, _Word]]] | None) -> None:
    """Rewrite the table's rows: their labels with the pieces wrapped below them (``below``,
    per row), their blank cells marked where the columns are known (``numbers``: the runs of x
    its numbers cover)."""
    for line, _, _ in table.rows:
        line.row = True
    labels = None
    if below and any(below):
        labels = [line_words[:first] + [w for _, w in pieces]
                  for (_, line_words, first), pieces in zip(table.rows, below)]
        taken = [piece for pieces in below for piece in pieces]
        for line in {id(line): line for line, _ in taken}.values():
            left = [w for w in words(line.chars) if not any(l is line and w == t for l, t in taken)]
            line.text = "".join(w.text for w in left)
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
        values = [w.text for w in line_words[first:]]
        if places is not None and len(places[k]) < len(columns):
            cells = [BLANK_MARK] * len(columns)
            for place, text in zip(places[k], values):
                cells[place] = text
            values = cells
        elif labels is None:
            continue
        label = "".join(w.text for w in (labels[k] if labels else line_words[:first]))
        line.text = (label + " " if label else "") + " ".join(values)


def _label_pieces(table: _Table, numbered: bool) -> list[list[tuple[object, _Word]]] | None:
    """For each row, the pieces of its own label on the lines below its row line ((line, word)
    pairs): the label's cell wrapped, its text at the top (Word's default). None when the table
    does not show labels so wrapped, or not only that.

    A row's own label is the last word before its numbers; its pieces are the words of the lines
    after it, up to the next row, that start at that word's x and end within the labels' column
    (a group label's pieces beside them, at another x, stay; a heading after the table, wider
    than the labels, is none). Only where every row has a label on its line and no piece starts
    with an item number, and (``numbered``) every label so continued starts with its own
    (「2.其」, 「（一）予以公」): a label centred in its cell (a browser's default) or set at its
    foot has lines above its row too, and its row line holds a middle or last piece, or no label
    at all; such a table is left as it was."""
    if any(first == 0 for _, _, first in table.rows):
        return None
    limit = table.labels_end + _TOLERANCE
    rows = []
    for (_, line_words, first), wraps in zip(table.rows, table.wraps):
        own = line_words[first - 1]
        # (a line may run a character past the row line's: 「2.其」 then 「他法」, 「2.」 narrower)
        pieces = [(line, w) for line, ws in wraps for w in ws
                  if abs(w.x0 - own.x0) <= _TOLERANCE and w.x1 <= limit + (w.x1 - w.x0) / len(w.text)]
        if pieces and (numbered and not ENUMERATOR.match(normalise(own.text))
                       or any(ENUMERATOR.match(normalise(w.text)) for _, w in pieces)):
            return None
        rows.append(pieces)
    return rows
