"""pdfplumber's table finding and table text, quicker, with the same results.

pdfplumber (MIT) finds ruled tables from a page's edges and reads each cell's characters into
text; once pdfium reads the characters (:mod:`.pdf_layer`), these steps are most of what is left
of a PDF's parse. The algorithms are pdfplumber 0.11's, step for step; what changes is how much
is recomputed:

- cells from the ruling lines' crossings (``intersections_to_cells``): pdfplumber rebuilds the set
  of edges through a crossing at every comparison, and asks each crossing for the crossings
  below and to its right by scanning all those after it; here each is computed once.
- a table row's characters are found by bisection on their centres' height, not by testing
  every character of the table against every row, and each one's cell by bisection on the
  cells' left edges, not by testing it against every cell of the row;
- a one-line cell's text (most cells) is made without pdfplumber's word and line machinery,
  in the same steps (property-tested equal to ``pdfplumber.utils.extract_text``).

tests/test_pdf_layer.py checks the cells and texts against pdfplumber's own on real and
generated PDFs.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from functools import lru_cache
from itertools import pairwise
from operator import itemgetter

_TEXT_TOLERANCE = 3   # pdfplumber's default x and y tolerances when it makes words and lines
_X0 = itemgetter("x0")
_TOP = itemgetter("top")
_FIRST = itemgetter(0)


def find_tables(page, settings: dict) -> list:
    """``page.find_tables(settings)``: the steps of pdfplumber's ``TableFinder`` (its edges,
    crossings, tables), with the cells found here."""
    from pdfplumber.table import Table, TableFinder, TableSettings, cells_to_tables, edges_to_intersections

    finder = TableFinder.__new__(TableFinder)   # its __init__ would find the cells its own way
    finder.page, finder.settings = page, TableSettings.resolve(settings)
    finder.edges = finder.get_edges()
    finder.intersections = edges_to_intersections(finder.edges, finder.settings.intersection_x_tolerance,
                                                  finder.settings.intersection_y_tolerance)
    finder.cells = intersections_to_cells(finder.intersections)
    finder.tables = [Table(page, group) for group in cells_to_tables(finder.cells)]
    return finder.tables


def intersections_to_cells(intersections: dict) -> list[tuple]:
    """``pdfplumber.table.intersections_to_cells``: for each crossing in order, the smallest cell
    whose four corners are crossings joined by common edges."""
    points = sorted(intersections)
    bbox = itemgetter("x0", "top", "x1", "bottom")
    verticals = {p: {bbox(e) for e in intersections[p]["v"]} for p in points}
    horizontals = {p: {bbox(e) for e in intersections[p]["h"]} for p in points}

    def connects(p1, p2) -> bool:
        if p1[0] == p2[0] and not verticals[p1].isdisjoint(verticals[p2]):
            return True
        return p1[1] == p2[1] and not horizontals[p1].isdisjoint(horizontals[p2])

    # The crossings after each one (in the sorted order) on its column and on its row.
    same_x: dict = {}
    same_y: dict = {}
    for p in points:
        same_x.setdefault(p[0], []).append(p)
        same_y.setdefault(p[1], []).append(p)
    cells = []
    for i, pt in enumerate(points[:-1]):
        column, row = same_x[pt[0]], same_y[pt[1]]
        below = column[column.index(pt) + 1:]
        right = row[row.index(pt) + 1:]
        cell = None
        for below_pt in below:
            if not connects(pt, below_pt):
                continue
            for right_pt in right:
                if not connects(pt, right_pt):
                    continue
                corner = (right_pt[0], below_pt[1])
                if corner in intersections and connects(corner, right_pt) and connects(corner, below_pt):
                    cell = (pt[0], pt[1], corner[0], corner[1])
                    break
            if cell is not None:
                break
        if cell is not None:
            cells.append(cell)
    return cells


def table_texts(table, chars: list[dict]) -> list[list[str | None]]:
    """``pdfplumber.table.Table.extract()`` over the given characters (those in the table's
    frame: a cell's are, by definition), with the text of a one-line cell made here."""
    # Sorted by the height of their centre, a row's characters are found by bisection (and
    # put back in the page's order, which pdfplumber's word making depends on for ties). A
    # row's box is the union of its cells' (pdfplumber's CellGroup), so testing a character
    # against the row as well as its cell, as pdfplumber does, would change nothing.
    xs = [(c["x0"] + c["x1"]) / 2 for c in chars]
    ys = [(c["top"] + c["bottom"]) / 2 for c in chars]
    order = sorted(range(len(chars)), key=ys.__getitem__)
    centres = [ys[i] for i in order]
    texts = []
    for row in table.rows:
        _, top, _, bottom = row.bbox
        band = sorted(order[bisect_left(centres, top):bisect_left(centres, bottom)])
        texts.append([None if chars_of is None else cell_text([chars[i] for i in chars_of])
                      for chars_of in _cells_chars(row.cells, band, xs, ys)])
    return texts


def _cells_chars(cells: list, band: list[int], xs: list[float], ys: list[float]) -> list[list[int] | None]:
    """For each cell of a row (a box or None), the characters of ``band`` (indices, in the page's
    order) whose centre is in it, by pdfplumber's test (the box's left and top edges closed,
    its right and bottom edges open). A row's cells side by
    side, as ruled tables make them, do not overlap: each character is looked up once, by
    bisection on the cells' left edges, not tested against every cell of the row."""
    boxes = sorted((cell[0], cell[2], cell[1], cell[3], k) for k, cell in enumerate(cells) if cell is not None)
    found: list[list[int] | None] = [None if cell is None else [] for cell in cells]
    if any(right > following[0] for (_, right, *_), following in pairwise(boxes)):
        for k, cell in enumerate(cells):   # overlapping boxes: a character may be in several
            if cell is not None:
                found[k] = [i for i in band if cell[0] <= xs[i] < cell[2] and cell[1] <= ys[i] < cell[3]]
        return found
    lefts = [box[0] for box in boxes]
    for i in band:
        at = bisect_right(lefts, xs[i]) - 1
        if at >= 0:
            _, right, top, bottom, k = boxes[at]
            if xs[i] < right and top <= ys[i] < bottom:
                found[k].append(i)
    return found


def cell_text(chars: list[dict]) -> str:
    """``pdfplumber.utils.extract_text(chars)`` with its default settings, for upright
    characters (any other cell is pdfplumber's), in its steps: the characters clustered into
    lines by their tops (3 points, chained), each line in order of x0 (a stable sort), a new
    word at a blank character or where a character starts left of the last one's start, past
    its end by more than 3 points, or more than 3 points above or below it; the words
    clustered into lines by their tops the same way, joined by spaces, the lines by newlines."""
    if not chars:
        return ""
    if not all(c["upright"] and c["text"] for c in chars):
        from pdfplumber.utils import extract_text
        return extract_text(chars)
    ligatures = _ligatures()
    words: list[tuple[float, str]] = []   # (top, text)
    for line in _clusters(chars, _TOP):
        word: list[str] = []
        word_top = 0.0
        last = None
        for char in sorted(line, key=_X0):
            text = char["text"]
            if text.isspace():
                if word:
                    words.append((word_top, "".join(word)))
                word, last = [], None
                continue
            if last is not None and (char["x0"] < last["x0"] or char["x0"] > last["x1"] + _TEXT_TOLERANCE
                                     or abs(char["top"] - last["top"]) > _TEXT_TOLERANCE):
                words.append((word_top, "".join(word)))
                word = []
            if not word:
                word_top = char["top"]
            word_top = min(word_top, char["top"])
            word.append(ligatures.get(text, text))
            last = char
        if word:
            words.append((word_top, "".join(word)))
    return "\n".join(" ".join(text for _, text in line) for line in _clusters(words, _FIRST))


def _clusters(items: list, key) -> list[list]:
    """``pdfplumber.utils.cluster_objects(items, key, 3)``: the distinct values sorted, a new
    cluster where one is more than 3 past the one before; the clusters in that order, each
    with its items in their given order."""
    cluster_of: dict = {}
    last = None
    n = -1
    for value in sorted({key(item) for item in items}):
        if last is None or value > last + _TEXT_TOLERANCE:
            n += 1
        cluster_of[value] = n
        last = value
    clusters: list[list] = [[] for _ in range(n + 1)]
    for item in items:
        clusters[cluster_of[key(item)]].append(item)
    return clusters


@lru_cache(maxsize=1)
def _ligatures() -> dict[str, str]:
    from pdfplumber.utils.text import LIGATURES   # pdfplumber is imported when a PDF is read
    return LIGATURES
