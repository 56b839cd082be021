"""PDF with a text layer → lines and table rows.

The text layer is read by pdfium (:mod:`.pdf_layer`: the characters with pdfminer's boxes, the
drawn paths), and ruled tables are found by pdfplumber's algorithms (:mod:`.pdf_tables`, the
same results quicker); pdfminer reads the file only when pdfium cannot open or read it, and the
document then carries a ``pdf_text_layer_fallback`` issue saying why (docs/pdf-reading.md).
Measured: benchmarks/compare_pdf_libraries.py, benchmarks/parser_floors.py. One module past 500
lines on purpose: what it does with a page's lines and tables (headers, page cuts, paragraphs)
is one chain of steps, each reading the state the one before left.

Ruled tables are found from the page's drawn lines and visible rectangles; every other
piece of text becomes a :class:`Line` in reading order. What makes real reports hard:

- WPS draws every text line inside a white, unstroked rectangle ("page-frame boxes"):
  table finders take them for a one-column table around the whole page. Such rectangles
  are invisible, so they are not table borders.
- Tables run over pages. WPS leaves the cut open (no rule under the last row of one page,
  none over the first row of the next): the missing rules are added, or those rows are lost.
  The reader keeps its state across rows, so a continued table needs nothing more, except a
  merged group label cut by the page break (「（四）无」 on one page, 「法提供」 on the next):
  the piece on the new page is joined back to the cell it continues.
- Page numbers (「- 4 -」) and running headers are dropped, so they never sit between the
  parts of a table.
- Prose wrapped over lines (and pages) is joined back into paragraphs, so a sentence such as
  the 统计期限 one is one Line; a multi-line centred title is one Line.

A scan (no text layer) or a file the library cannot open raises ``UnreadableDocument`` with
the reason; the caller turns it into a parse issue.
"""
from __future__ import annotations

import io
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from operator import itemgetter

from . import pdf_columns, pdf_tables
from .pdf_columns import ENUMERATOR
from .cells import UNIT_CELL, is_value, normalise
from .documents import Cell, Document, Line, Row, lines_with_table_rows, tables_as_text

# A character that is not CJK is kept apart from its neighbours by the spaces pdfplumber puts
# in gaps; between CJK text and anything else a gap is only justification or kerning.
_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")

# 「- 4 -」, 「—4—」, 「4」, 「第 4 页 共 6 页」, 「4/6」 in the top or bottom margin.
_PAGE_NUMBER = re.compile(r"^[-—–－\s]*\d{1,4}[-—–－\s]*$|^第\d+页(共\d+页)?$|^\d+/\d+$")
_MARGIN = 0.08   # share of the page height at top and bottom where headers and footers sit

_TOLERANCE = 2.0   # points: cell edges that match across pages
_PAGE_SHIFT = 6.0  # points: how far a scanned page may lie from the one before


def _clean(text: str) -> str:
    """Lines of a cell joined (Chinese wraps without spaces) and gaps around CJK dropped."""
    joined = "".join(part.strip() for part in (text or "").splitlines())
    return _SPACE_NEAR_CJK.sub("", joined).strip()


# ---- what the library gives, as plain data ---------------------------------------------

@dataclass
class _TextLine:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    number: int = 0          # line number on the page, for provenance
    chars: list | None = None   # its characters with their boxes (pdf_columns reads where they stand)
    row: bool = False        # a row of a table drawn without rules (pdf_columns): a paragraph of its own


@dataclass
class _Cell:
    text: str
    bbox: tuple[float, float, float, float]
    row: int
    column: int
    merged: _Cell | None = None   # a piece that continues a cell of the previous page


@dataclass
class _Table:
    number: int
    bbox: tuple[float, float, float, float]
    rows: list[list[_Cell]]  # cells that start in each row (merged cells once), left to right


@dataclass
class _Page:
    number: int
    width: float
    height: float
    lines: list[_TextLine] = field(default_factory=list)
    tables: list[_Table] = field(default_factory=list)
    chars: int = 0
    unmapped: int = 0        # characters without a usable Unicode mapping: 「(cid:123)」, private use
    numbers_apart: list[str] = field(default_factory=list)   # cells left empty (_NUMBERS_APART)
    pictures: list[tuple[float, float, float, float]] = field(default_factory=list)   # see _pictures
    text_over_scan: bool = False   # see _text_over_scan


def _unreadable(message: str) -> Exception:
    from . import (
        UnreadableDocument,  # defined in the package, which imports this module late
    )
    return UnreadableDocument(message)


_SHADING = 6.0   # points: a filled rectangle wider and taller than this is a shading, not a rule


def _visible_graphic(obj: dict) -> bool:
    """The rectangles that may be a table's rules. Rectangles filled white and not stroked are
    invisible: WPS puts one behind every text line, and taken as table borders they make the
    page one big one-column table. A filled, unstroked rectangle wider and taller than a rule is
    a cell's or a row's shading (a page's striped rows, a shaded header row, printed without
    borders): its edges run along the rows only, and taken as rules they made each row one cell
    holding its label and figures (the hand-checked pages so printed: 2,758 of 3,378 cells, 4
    wrong, parser 0.7.12). Rules drawn as thin filled rectangles (Word's, WPS's) stay rules."""
    if obj.get("object_type") != "rect":
        return True
    if obj.get("stroke"):
        return True
    if not obj.get("fill"):
        return False
    if obj["x1"] - obj["x0"] > _SHADING and obj["bottom"] - obj["top"] > _SHADING:
        return False
    color = obj.get("non_stroking_color")
    if isinstance(color, (int, float)):
        color = (color,)
    white = isinstance(color, (tuple, list)) and len(color) in (1, 3) and all(
        isinstance(c, (int, float)) and c >= 0.99 for c in color)
    if len(color or ()) == 4:   # CMYK white is (0, 0, 0, 0)
        white = all(isinstance(c, (int, float)) and c <= 0.01 for c in color)
    return not white


# A rule, as (where it stands, where it starts, where it ends): (x, top, bottom) for a vertical
# one, (y, x0, x1) for a horizontal one.
_Rule = tuple[float, float, float]


def _joined(rules: list[_Rule]) -> list[_Rule]:
    """Rules of one orientation, those standing in one line (a point's play: a rule drawn as a
    rectangle has two sides) and touching (3 points) joined into one."""
    lines: list[list[_Rule]] = []
    for rule in sorted(rules):
        if lines and rule[0] - lines[-1][-1][0] <= 1:
            lines[-1].append(rule)
        else:
            lines.append([rule])
    joined = []
    for line in lines:
        at = sum(rule[0] for rule in line) / len(line)
        start = end = None
        for _, first, last in sorted(line, key=itemgetter(1)):
            if end is not None and first <= end + 3:
                end = max(end, last)
                continue
            if end is not None:
                joined.append((at, start, end))
            start, end = first, last
        joined.append((at, start, end))
    return joined


def _crosses(rule: _Rule, other: _Rule) -> bool:
    """Whether two rules of different orientations cross or touch (3 points' play)."""
    return other[1] - 3 <= rule[0] <= other[2] + 3 and rule[1] - 3 <= other[0] <= rule[2] + 3


def _grids(verticals: list[_Rule], horizontals: list[_Rule]) -> list[tuple[list[_Rule], list[_Rule]]]:
    """The rules in sets that cross one another ((vertical rules, horizontal rules) of each),
    leaving out rules that cross nothing."""
    parent = list(range(len(verticals) + len(horizontals)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    by_y = sorted(range(len(horizontals)), key=lambda h: horizontals[h][0])
    ys = [horizontals[h][0] for h in by_y]
    for v, vertical in enumerate(verticals):
        for h in by_y[bisect_left(ys, vertical[1] - 3):bisect_right(ys, vertical[2] + 3)]:
            if _crosses(vertical, horizontals[h]):
                parent[root(v)] = root(len(verticals) + h)
    members: dict[int, tuple[list[_Rule], list[_Rule]]] = {}
    for v, vertical in enumerate(verticals):
        members.setdefault(root(v), ([], []))[0].append(vertical)
    for h, horizontal in enumerate(horizontals):
        members.setdefault(root(len(verticals) + h), ([], []))[1].append(horizontal)
    return [grid for grid in members.values() if grid[0] and grid[1]]


def _closing_rules(rules: list[_Rule], across: list[_Rule]) -> list[_Rule]:
    """The rules closing the open ends of one grid's ``rules`` (all of one orientation),
    ``across`` being the grid's rules of the other orientation; the closing rules are of that
    other one."""
    across = sorted(across)
    places = [other[0] for other in across]

    def standing_between(low: float, high: float) -> list[_Rule]:
        return across[bisect_left(places, low):bisect_right(places, high)]

    def open_end(rule: _Rule, end: int) -> bool:
        return not any(other[1] - 3 <= rule[0] <= other[2] + 3
                       for other in standing_between(rule[end] - 3, rule[end] + 3))

    added = []
    for end in (1, 2):
        groups: list[list[_Rule]] = []
        for rule in sorted((rule for rule in rules if open_end(rule, end)), key=itemgetter(end)):
            if groups and rule[end] - groups[-1][-1][end] <= _TOLERANCE:
                groups[-1].append(rule)
            else:
                groups.append([rule])
        for group in groups:
            if len(group) < 2:
                continue
            place = sum(rule[end] for rule in group) / len(group)
            # As long as the grid: without a frame, the rules crossing these reach its sides.
            crossing = {other for rule in group for other in standing_between(rule[1] - 3, rule[2] + 3)
                        if _crosses(rule, other)}
            added.append((place, min([rule[0] for rule in group] + [other[1] for other in crossing]),
                          max([rule[0] for rule in group] + [other[2] for other in crossing])))
    return added


def _closing_rules_of(grid_verticals: list[_Rule],
                      grid_horizontals: list[_Rule]) -> tuple[list[_Rule], list[_Rule]]:
    """The rules a ruled table (one grid's rules) lacks, (vertical ones, horizontal ones):
    without them the cells along that side are open and lost. WPS draws no bottom line under
    the last row of a page, nor a top line over the first row of the next; a table styled with
    inner rules only (the borderless table styles of Word and WPS, 「无外框」, a page's CSS
    ``border-style: hidden``) has no frame at all: its first column, the row labels, was lost
    or read into the wrong columns (generated reports so drawn: 1,228 of 1,604 cells; the
    hand-checked pages so printed by Chromium: 390 of 1,126, 72 wrong; parser 0.7.14).

    Where two or more rules of one orientation end at the same place, open (no rule of the
    other meets them), a rule is added across their ends, as long as the grid is: first the
    sides, at the ends of the horizontal rules, then the top and bottom, at the ends of the
    vertical ones (the sides added among them: under a header cell that spans the columns, one
    inner vertical rule may reach the top), then once more (a row alone at a page's head has
    one horizontal rule, under it, until its top is added). Rules that cross nothing are no
    grid and get nothing: columns drawn with vertical rules only were each closed into one
    cell holding the column's figures of every row (99 of 1,604 cells, 33 of them wrong,
    parser 0.7.14); left open, their text is read as a table without rules is."""
    sides: list[_Rule] = []
    tops: list[_Rule] = []
    for _ in range(2):
        new_sides = _closing_rules(grid_horizontals + tops, grid_verticals + sides)
        sides += new_sides
        new_tops = _closing_rules(grid_verticals + sides, grid_horizontals + tops)
        tops += new_tops
        if not new_sides and not new_tops:
            break   # a second round would find what the first did
    return sides, tops


def _table_settings(edges: list[dict]) -> dict | None:
    """pdfplumber's table settings for a page's visible edges: its rules given as explicit
    lines, snapped table by table, with the rules the tables lack (_closing_rules_of); None
    where no table can be (fewer than two rules of an orientation).

    The rules are taken grid by grid (rules that cross one another; a rule drawn in pieces, as
    a browser draws each cell's border, is one rule). pdfplumber snaps rules standing within 3
    points of one another into one line (a table's rules drawn a little apart), across the
    whole page: the column rules of two tables a few points apart were chained into one, and
    one table's rule moved onto its figures' place (pingtan-2019 printed by Chromium: two cells
    of table 四 lost, parser 0.7.14). Each grid's rules are snapped here among themselves, as
    pdfplumber would, and pdfplumber snaps nothing more."""
    # pdfplumber's own first filter (edge_min_length_prefilter).
    verticals = [e for e in edges if e["orientation"] == "v" and e["height"] >= 1]
    horizontals = [e for e in edges if e["orientation"] == "h" and e["width"] >= 1]
    # A rule drawn as a thin filled rectangle has two sides across it as long as the rule is
    # thick: they are no rules, and they would close its ends.
    grids = _grids(_joined([(e["x0"], e["top"], e["bottom"]) for e in verticals if e["height"] > _TOLERANCE]),
                   _joined([(e["top"], e["x0"], e["x1"]) for e in horizontals if e["width"] > _TOLERANCE]))
    boxes = []
    closing_verticals, closing_horizontals = [], []
    for grid_verticals, grid_horizontals in grids:
        boxes.append((min(min(r[0] for r in grid_verticals), min(r[1] for r in grid_horizontals)) - 3,
                      min(min(r[1] for r in grid_verticals), min(r[0] for r in grid_horizontals)) - 3,
                      max(max(r[0] for r in grid_verticals), max(r[2] for r in grid_horizontals)) + 3,
                      max(max(r[2] for r in grid_verticals), max(r[0] for r in grid_horizontals)) + 3))
        sides, tops = _closing_rules_of(grid_verticals, grid_horizontals)
        closing_verticals += [{"object_type": "line", "x0": place, "x1": place, "top": low, "bottom": high,
                               "width": 0, "height": high - low} for place, low, high in sides]
        closing_horizontals += [{"object_type": "line", "x0": low, "x1": high, "top": place, "bottom": place,
                                 "width": high - low, "height": 0} for place, low, high in tops]

    def by_grid(edges: list[dict]) -> list[list[dict]]:
        """The edges of each grid (whose box holds the edge's middle), then those of none."""
        groups: list[list[dict]] = [[] for _ in range(len(boxes) + 1)]
        for edge in edges:
            x, y = (edge["x0"] + edge["x1"]) / 2, (edge["top"] + edge["bottom"]) / 2
            at = next((k for k, (x0, top, x1, bottom) in enumerate(boxes)
                       if x0 <= x <= x1 and top <= y <= bottom), len(boxes))
            groups[at].append(edge)
        return groups

    # The closing rules with the others: one may stand a point or two off a rule of the table.
    vertical_groups = by_grid(verticals + closing_verticals)
    horizontal_groups = by_grid(horizontals + closing_horizontals)
    vertical_lines, horizontal_lines = vertical_groups[-1], horizontal_groups[-1]
    for grid_verticals, grid_horizontals in zip(vertical_groups[:-1], horizontal_groups[:-1]):
        snapped_verticals, snapped_horizontals = _snapped(grid_verticals, grid_horizontals)
        vertical_lines += snapped_verticals
        horizontal_lines += snapped_horizontals
    if len(vertical_lines) < 2 or len(horizontal_lines) < 2:
        return None
    return {"vertical_strategy": "explicit", "horizontal_strategy": "explicit",
            "explicit_vertical_lines": vertical_lines, "explicit_horizontal_lines": horizontal_lines,
            "snap_tolerance": 0}


def _snapped(verticals: list[dict], horizontals: list[dict]) -> tuple[list[dict], list[dict]]:
    """One grid's edges snapped as pdfplumber snaps them (rules within 3 points chained into one
    line, at their mean), and each edge's ends moved out to the rules of the other orientation
    they met before (3 points' play), where the snap moved those further: a double frame's two
    lines snap to their middle, past where the inner rules end (thick-thin double borders: the
    first column's cells lost)."""
    from pdfplumber.utils import move_object

    xs = _snap_places([e["x0"] for e in verticals])
    ys = _snap_places([e["top"] for e in horizontals])

    def reach(across: list[dict], stands: str, start: str, stop: str, places: dict[float, float]):
        """A function (low, high, at) → (low, high) reaching the rules ``across`` that cross
        ``at`` and stood within 3 points of an end before the snap."""
        rules = sorted((e[stands], e[start], e[stop]) for e in across)
        where = [rule[0] for rule in rules]

        def met(end: float, at: float) -> list[float]:
            return [places[place] for place, first, last in
                    rules[bisect_left(where, end - 3):bisect_right(where, end + 3)]
                    if first - 3 <= at <= last + 3]

        return lambda low, high, at: (min([low] + met(low, at)), max([high] + met(high, at)))

    vertical_ends = reach(horizontals, "top", "x0", "x1", ys)
    horizontal_ends = reach(verticals, "x0", "top", "bottom", xs)
    snapped_verticals = []
    for e in verticals:
        top, bottom = vertical_ends(e["top"], e["bottom"], e["x0"])
        moved = move_object(e, "h", xs[e["x0"]] - e["x0"])
        snapped_verticals.append(moved | {"top": top, "bottom": bottom, "height": bottom - top})
    snapped_horizontals = []
    for e in horizontals:
        x0, x1 = horizontal_ends(e["x0"], e["x1"], e["top"])
        moved = move_object(e, "v", ys[e["top"]] - e["top"])
        snapped_horizontals.append(moved | {"x0": x0, "x1": x1, "width": x1 - x0})
    return snapped_verticals, snapped_horizontals


def _snap_places(places: list[float]) -> dict[float, float]:
    """Each place → the mean of its cluster (places within 3 points of the next, chained), as
    pdfplumber's ``cluster_list`` makes them."""
    snapped: dict[float, float] = {}
    cluster: list[float] = []
    for place in sorted(set(places)) + [float("inf")]:
        if cluster and place - cluster[-1] > 3:
            mean = sum(cluster) / len(cluster)
            snapped.update((member, mean) for member in cluster)
            cluster = []
        cluster.append(place)
    return snapped


def _extract(data: bytes) -> tuple[list[_Page], str | None]:
    """Everything needed from the PDF, as plain data, and why pdfminer read it if it did (else
    None). pdfium reads the text layer (:mod:`.pdf_layer`); pdfminer only when pdfium cannot
    open the file or read a page of it."""
    from . import pdf_layer

    try:
        pdf = pdf_layer.open_document(data)
    except Exception as exc:   # pypdfium2 raises PdfiumError; pdfminer gives the reader's reason
        return _extract_pdfminer(data), f"pdfium could not open it ({type(exc).__name__}: {exc})"
    try:
        pages = []
        for page in pdf_layer.pages(pdf):
            pages.append(_read_page(page, page.page_number))
            page.close()
        return pages, None
    except Exception as exc:   # a page pdfium does not take: the whole document through pdfminer
        return _extract_pdfminer(data), f"pdfium could not read it ({type(exc).__name__}: {exc})"
    finally:
        pdf.close()


def _extract_pdfminer(data: bytes) -> list[_Page]:
    """The fallback: pdfplumber over pdfminer. Its failures are the document's: broken
    structure when opening, a broken content stream on a page."""
    import pdfplumber
    from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        page_list = pdf.pages
    except Exception as exc:   # pdfminer raises many types on a broken file: all mean "cannot open"
        reason = f"{type(exc).__name__}: {exc}".rstrip(": ")
        if "password" in reason.lower():
            raise _unreadable(f"the PDF is encrypted and needs a password ({reason})") from exc
        raise _unreadable(f"the PDF cannot be opened ({reason})") from exc
    pages: list[_Page] = []
    with pdf:
        for number, page in enumerate(page_list, start=1):
            try:
                pages.append(_read_page(page, number))
            except (PdfminerException, MalformedPDFException) as exc:
                raise _unreadable(f"page {number} of the PDF cannot be read "
                                  f"({type(exc).__name__}: {exc})") from exc
            page.close()   # drop the page's parsed objects: long reports stay small in memory
    return pages


# Two numbers or more a word's gap apart on one line of a cell: two cells' figures where the table
# finder missed a rule between them (「0 2」 for 0 | 2 would read 2, under the first cell's key), or
# one number spread over its cell. Which, the cell does not say: it is left empty, and named.
_NUMBERS_APART = re.compile(r"[+-]?\d[\d.,]*(?: +[+-]?\d[\d.,]*)+")
_LABELLED_FIGURE = re.compile(r"[\u4e00-\u9fff].*\d|\d.*[\u4e00-\u9fff]")


def _holds_rows(text: str | None) -> bool:
    """Whether a cell holds rows of a table: two lines or more, each with a label and a figure.
    A table's lower rows that lost their rules inside its frame (a Word table whose inner
    borders were taken from some rows) are one cell to the table finder; the cell is left out,
    and its lines are read as a table's without rules (with the values the cells did not give:
    parse_document). A wrapped label, or a wrapped long number, has no such two lines."""
    if not text or "\n" not in text:
        return False
    return sum(1 for line in text.splitlines() if _LABELLED_FIGURE.search(line)) >= 2


def _sliver_test(rows: list, texts: list[list[str | None]]):
    """A test of a table's cells: whether one is the gap between the two lines of a double rule
    (Word's and WPS's double borders: a row and a column of empty cells a few points wide
    between every two rows and columns; among the real cells' blanks they were read as blank
    cells, the figures in the wrong columns or unread: generated Word reports so printed by
    LibreOffice, 20 of 401 cells, parser 0.7.14). Such a cell is empty and narrower (or lower)
    than three fifths of the narrowest (lowest) cell holding text: a real column or row holds
    a text somewhere, and no text fits in so little."""
    boxes = [bbox for row, row_texts in zip(rows, texts) for bbox, text in zip(row.cells, row_texts)
             if bbox is not None and text and text.strip()]
    if not boxes:
        return lambda bbox, text: False
    narrowest = 0.6 * min(x1 - x0 for x0, _, x1, _ in boxes)
    lowest = 0.6 * min(bottom - top for _, top, _, bottom in boxes)
    return lambda bbox, text: not (text and text.strip()) and (
        bbox[2] - bbox[0] < narrowest or bbox[3] - bbox[1] < lowest)


def _footnote_references(chars: list[dict]) -> set[int]:
    """The characters (ids) set as a superscript right after a text's character: a footnote's
    reference (「69」 then a raised 「1」, 「[1]」 or 「注」), no part of the number or the label before
    it (that 「69」 would read 169 or 691). Smaller than the character before (nine tenths of its
    size or less), raised by a fifth of its size or more and still beside it, touching it or
    the reference's character before."""
    notes: set[int] = set()
    sizes = [char["size"] for char in chars]
    # Where the size drops (a few places a page): only there can a reference start.
    drops = [i for i, (before, size) in enumerate(zip(sizes, sizes[1:]), start=1) if size <= before * 0.9]
    for i in drops:
        if id(chars[i]) in notes:
            continue
        base = next((chars[j] for j in range(i - 1, -1, -1) if not chars[j]["text"].isspace()), None)
        if base is None or not base["upright"]:
            continue
        last = base
        for char in chars[i:]:
            if char["text"].isspace():
                continue
            if not (char["size"] <= base["size"] * 0.9 and char["upright"]
                    and base["bottom"] - char["bottom"] >= base["size"] * 0.2 and char["bottom"] > base["top"]
                    and -0.5 <= char["x0"] - last["x1"] <= base["size"] * 0.5):
                break
            notes.add(id(char))
            last = char
    return notes


# A picture as wide as a table and at least two rows high, with (almost) no text over it: a
# table pasted as a picture (a screenshot of Excel or of another document), which the text layer
# does not hold. (A scan with its text layer under it has text all over its picture; a seal, a
# logo or a photo beside the text is narrower.)
PICTURE_MIN_WIDTH_SHARE = 0.4      # of the page's width
PICTURE_MIN_HEIGHT = 40.0    # points
PICTURE_TEXT_PER_AREA = 1 / 5000   # characters over a picture per square point, at most (a caption)


def _pictures(page, chars: list[dict]) -> list[tuple[float, float, float, float]]:
    """(x0, top, x1, bottom) of each picture on the page that may hold a table (see above).
    Images drawn edge to edge are one picture first: writers cut a large image into strips."""
    boxes = sorted((max(0.0, float(i["x0"])), max(0.0, float(i["top"])), min(float(page.width), float(i["x1"])),
                    min(float(page.height), float(i["bottom"]))) for i in page.images)
    merged: list[list[float]] = []
    for x0, top, x1, bottom in sorted(boxes, key=lambda b: (b[1], b[0])):
        for box in merged:
            if x0 <= box[2] + 2 and box[0] <= x1 + 2 and top <= box[3] + 2 and box[1] <= bottom + 2:
                box[:] = [min(box[0], x0), min(box[1], top), max(box[2], x1), max(box[3], bottom)]
                break
        else:
            merged.append([x0, top, x1, bottom])
    found = []
    for x0, top, x1, bottom in merged:
        if x1 - x0 < PICTURE_MIN_WIDTH_SHARE * float(page.width) or bottom - top < PICTURE_MIN_HEIGHT:
            continue
        over = sum(1 for c in chars if x0 <= (c["x0"] + c["x1"]) / 2 <= x1
                   and top <= (c["top"] + c["bottom"]) / 2 <= bottom and c["text"].strip())
        if over <= max(3.0, (x1 - x0) * (bottom - top) * PICTURE_TEXT_PER_AREA):
            found.append((x0, top, x1, bottom))
    return found


def _text_over_scan(page, chars: int) -> bool:
    """A scanned page with a text layer laid over the scan (what a scanner's OCR software writes:
    the page is an image as large as the page, and (almost) all its text is drawn invisibly).
    The text is there, but the tables' rules are in the image only."""
    if getattr(page, "invisible_chars", 0) < 0.8 * chars:
        return False
    area = float(page.width) * float(page.height)
    return any((float(i["x1"]) - float(i["x0"])) * (float(i["bottom"]) - float(i["top"])) >= 0.8 * area
               for i in page.images)


def is_private_use(text: str) -> bool:
    """A character of Unicode's Private Use Areas: what a text layer gives when its font maps
    its glyphs there (a converter's 乱码: the page shows Chinese, its text is U+E000…), so it is
    no text. No report prints such a character."""
    code = ord(text[0]) if len(text) == 1 else 0
    return 0xE000 <= code <= 0xF8FF or code >= 0xF0000


# The 500 most frequent characters of modern written Chinese (a frequency list's head). About
# four in five Chinese characters of a report are among them (0.76–0.86 on every page of the
# hand-checked documents); a text layer whose fonts map glyphs to other characters than they
# draw gives a character at random, among them one time in forty.
_COMMON_HANZI = frozenset(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说"
    "产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点"
    "从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原"
    "又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革"
    "位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强"
    "放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交"
    "受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八"
    "离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布"
    "复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精"
    "值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照"
    "参红细引听该铁价严龙飞")
COMMON_HANZI_AT_LEAST = 0.25   # share of a text layer's Chinese characters, when it has 50 or more


def is_other_text(characters) -> bool:
    """Whether Chinese text is text a font mapped to other characters than it draws (a
    converter's 乱码: 「囗鍉髇…」 where the page shows 「政府信息…」): 50 Chinese characters or more,
    and too few of the most frequent among them."""
    chinese = [ch for ch in characters if len(ch) == 1 and "\u4e00" <= ch <= "\u9fff"]
    return len(chinese) >= 50 and sum(ch in _COMMON_HANZI for ch in chinese) < COMMON_HANZI_AT_LEAST * len(chinese)


def _read_page(page, number: int) -> _Page:
    result = _Page(number, float(page.width), float(page.height))
    chars = page.chars
    result.chars = sum(1 for c in chars if c["text"].strip())
    result.unmapped = sum(1 for c in chars if c["text"].startswith("(cid:") or is_private_use(c["text"]))
    if result.unmapped <= result.chars / 2 and is_other_text(c["text"] for c in chars):
        result.unmapped = result.chars   # no text, though it maps: the page is OCR'd as an unmapped one is
    if not result.chars:
        return result
    result.text_over_scan = _text_over_scan(page, result.chars)
    result.pictures = _pictures(page, chars)
    notes = _footnote_references(chars)
    if notes:
        page = page.filter(lambda obj: obj.get("object_type") != "char" or id(obj) not in notes)
    ruled = page.filter(_visible_graphic)
    settings = _table_settings(ruled.edges)
    chars = page.chars
    framed: list[tuple[tuple[float, float, float, float], list[tuple[float, float, float, float]]]] = []
    for table in pdf_tables.find_tables(ruled, settings) if settings else ():
        # pdfplumber tests every character of the page against every row and cell of the table:
        # it is given only those inside the table's frame (a cell's are, by definition).
        x0, top, x1, bottom = table.bbox
        texts = pdf_tables.table_texts(table, [c for c in chars if x0 <= (c["x0"] + c["x1"]) / 2 <= x1
                                     and top <= (c["top"] + c["bottom"]) / 2 <= bottom])
        columns = max((len(r) for r in texts), default=0)
        if columns < 2:
            continue   # a frame around text, not a table: its text is read as lines
        grid = _Table(len(result.tables) + 1, tuple(table.bbox), [])
        boxes = []
        sliver = _sliver_test(table.rows, texts)
        for r, (row, row_texts) in enumerate(zip(table.rows, texts)):
            cells = [_Cell(_clean(text), tuple(bbox), r + 1, c + 1)
                     for c, (bbox, text) in enumerate(zip(row.cells, row_texts))
                     if bbox is not None and not _holds_rows(text) and not sliver(bbox, text)]
            for cell in cells:
                if _NUMBERS_APART.fullmatch(cell.text):
                    result.numbers_apart.append(f"page {number} table {grid.number} row {cell.row} "
                                                f"column {cell.column} 「{cell.text}」")
                    cell.text = ""
            grid.rows.append(cells)
            boxes.extend(cell.bbox for cell in cells)
        framed.append((grid.bbox, boxes))
        result.tables.append(grid)

    # The characters standing in a cell (its centre inside the cell's box, edges included),
    # found per cell among the characters sorted by their centre's x: not each character
    # against every cell.
    in_cells: set[int] = set()
    if framed:
        by_x = sorted(((c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2, id(c)) for c in chars)
        centres = [x for x, _, _ in by_x]
        for _, boxes in framed:
            for x0, top, x1, bottom in boxes:
                for k in range(bisect_left(centres, x0), bisect_right(centres, x1)):
                    if top <= by_x[k][1] <= bottom:
                        in_cells.add(by_x[k][2])

    def outside_cells(obj: dict) -> bool:
        return obj.get("object_type") != "char" or id(obj) not in in_cells

    prose = page.filter(outside_cells) if framed else page
    for line in prose.extract_text_lines(return_chars=True):
        text = _clean(line["text"])
        if text:
            sizes = [c["size"] for c in line["chars"] if c["text"].strip()]
            result.lines.append(_TextLine(text, line["x0"], line["x1"], line["top"], line["bottom"],
                                          max(set(sizes), key=sizes.count) if sizes else 0.0,
                                          chars=line["chars"]))
    for n, line in enumerate(result.lines, start=1):
        line.number = n
    return result


# ---- the document ----------------------------------------------------------------------

MAX_OCR_PAGES = 60   # scanned pages OCR'd in one document (a report has 5 to 20)


def read_pdf(data: bytes, ocr: bool = True) -> Document:
    """The document; pages without a usable text layer (scans, fonts without a Unicode
    mapping) are OCR'd (parsing/ocr.py) when ``ocr``, else left out with a note."""
    data = _readable_copy(data)
    pages, fallback = _extract(data)
    scanned = [p.number for p in pages if not p.chars or p.unmapped > p.chars / 2]
    confidence: dict[str, float] = {}
    notes: dict[str, str] = {}
    unmapped = [p.number for p in pages if p.chars and p.unmapped > p.chars / 2]
    if unmapped and ocr:
        # Text pdfminer cannot map may be text pdfium can: read it there before any OCR.
        from . import ocr as engine
        by_pdfium = engine.pdfium_text_pages(data, unmapped)
        pages = [by_pdfium.get(p.number, p) for p in pages]
        scanned = [n for n in scanned if n not in by_pdfium]
    over_scan = [p.number for p in pages if p.text_over_scan and p.number not in scanned]
    rules_from_scan = False
    if over_scan and ocr:
        from . import ocr as engine
        if engine.available():   # a cell the layer left empty but the scan has ink in is OCR'd
            by_layer = engine.text_over_scan_pages(data, over_scan, confidence, notes)
            pages = [by_layer.get(p.number, p) for p in pages]
            rules_from_scan = True
    left_out: list[int] = []
    if len(scanned) > MAX_OCR_PAGES and ocr:
        # A report has a few pages: past this many scans the rest are named, not read.
        scanned, left_out = scanned[:MAX_OCR_PAGES], scanned[MAX_OCR_PAGES:]
    if scanned and ocr:
        from . import ocr as engine
        if not engine.available():
            from . import MissingTool
            raise MissingTool(f"pages {_ranges(scanned)} have no text layer (scanned) and the OCR engine "
                              f"is not installed: {engine.INSTALL_HINT}")
        read = {p.number: p for p in engine.pdf_pages(data, scanned, confidence, notes=notes)}
        pages = [read.get(p.number, p) for p in pages]
        if not any(p.chars for p in pages):
            raise _unreadable(f"no text layer on any of its {len(pages)} pages, and OCR found no text "
                              "on them (blank or unreadable scans)")
        for page in read.values():
            page.chars = max(page.chars, 1)   # read (perhaps a blank page): not "needs OCR"
    pictured = [p for p in pages if p.pictures and p.number not in scanned]
    unread_pictures = []
    if pictured and ocr:
        from . import ocr as engine
        if engine.available():
            for page in pictured[:MAX_OCR_PAGES]:
                engine.read_pictures(data, page, confidence, notes)
        unread_pictures = pictured if not engine.available() else pictured[MAX_OCR_PAGES:]
    doc = document_from_pages(pages)
    doc.ocr_confidence, doc.ocr_notes = confidence, notes
    if pictured and ocr:
        doc.page_meta["pages_ocr_pictures"] = _ranges([p.number for p in pictured if p not in unread_pictures])
    if unread_pictures or (pictured and not ocr):
        doc.reader_issues.append(("pictures_not_read", "pictures that may hold a table (as wide as one, "
                                  "no text over them) are on pages "
                                  f"{_ranges([p.number for p in (unread_pictures or pictured)])}: not read "
                                  "(OCR is off or not installed)"))
    if over_scan:
        how = ("the tables' rules read from the scan" if rules_from_scan
               else "the tables read without their rules, which only the scan has (OCR is off or not installed)")
        doc.reader_issues.append(("text_layer_over_scan", f"pages {_ranges(over_scan)} are scans with a text "
                                  f"layer laid over them (a scanner's OCR): their text was read as given, {how}"))
    if fallback:
        doc.reader_issues.insert(0, ("pdf_text_layer_fallback", f"{fallback}: the text layer was read with "
                                     "pdfminer instead (slower, same reading)"))
    apart = [where for page in pages for where in page.numbers_apart]
    if apart:
        doc.reader_issues.append(("pdf_cell_numbers_apart", "cells holding numbers a word apart on one line "
                                  "(two cells' figures, the rule between them not found, or one number "
                                  f"spread over its cell) were left unread: {'; '.join(apart)}"))
    if left_out:
        doc.page_meta["pages_without_text"] = _ranges(left_out) + f" (past the {MAX_OCR_PAGES} pages OCR'd per document)"
    if scanned and ocr:
        doc.page_meta["pages_ocr"] = _ranges(scanned)
        if len(scanned) == len(pages):
            doc.method = "ocr"
    # Tables drawn without rules (a browser's print of a page whose borders are styles, a
    # three-line table) have no cells to find: their rows are lines, read as text by the caller.
    doc.page_text = tables_as_text(doc)
    return doc


def _ranges(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers))


def _readable_copy(data: bytes) -> bytes:
    """The PDF without its encryption when it opens with the empty user password (pdfium
    decrypts every handler, AES-256 included, which pdfminer does not always); a PDF that
    needs a password is refused with that reason."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise _unreadable("encrypted: a password is needed to open it (the empty user password "
                              f"does not open it; {exc})") from exc
        return data   # pdfminer gives its own reason, or reads what pdfium cannot
    try:
        if pdfium_c.FPDF_GetSecurityHandlerRevision(pdf) == -1:
            return data
        copy = io.BytesIO()
        pdf.save(copy, flags=pdfium_c.FPDF_REMOVE_SECURITY)
        return copy.getvalue()
    finally:
        pdf.close()


def document_from_pages(pages: list[_Page]) -> Document:
    """The document from what was extracted (apart from :func:`read_pdf` so that
    benchmarks/compare_pdf_libraries.py can feed it pages another library extracted)."""
    if not pages:
        raise _unreadable("the PDF has no pages")
    without_text = [p.number for p in pages if not p.chars]
    if len(without_text) == len(pages):
        raise _unreadable(f"no text layer on any of its {len(pages)} pages (a scanned PDF?): "
                          "OCR is needed to read it")
    chars = sum(p.chars for p in pages)
    unmapped = sum(p.unmapped for p in pages)
    if unmapped > chars / 2:
        raise _unreadable(f"{unmapped} of {chars} characters of the text layer have no Unicode "
                          "mapping (fonts without ToUnicode, or mapped into the Private Use Area): "
                          "OCR is needed to read it")
    _drop_headers_and_footers(pages)
    cells_hold_values = any(c.text and is_value(c.text) for p in pages for t in p.tables for r in t.rows for c in r)
    if not cells_hold_values:
        # Tables drawn without rules, read as text (tables_as_text).
        _rewrite_unruled_rows(pages)
    blocks = _blocks(pages)
    _join_cut_cells(blocks)
    items = _paragraphs(blocks)
    doc = Document(form="pdf", method="pdf_table", items=items)
    if cells_hold_values:
        # Some tables have cells; others may be drawn without rules (a table pasted from another
        # document, its borders lost), their rows lines outside every cell: read when the cells
        # leave a part of the national tables out (parse_document), not for every PDF.
        doc.lines_without_rules = lambda: _unruled_text(pages)
    if without_text:
        # Some pages are scans among text pages: what they hold is missing from the items.
        doc.page_meta["pages_without_text"] = ", ".join(map(str, without_text))
    return doc


def _rewrite_unruled_rows(pages: list[_Page]) -> None:
    """What the words' places say written into the rows of tables drawn without rules (blank
    cells, labels wrapped around their rows' figures: pdf_columns), and lines left empty (wholly
    a label's rest) dropped."""
    pdf_columns.rewrite_unruled_rows([line for p in pages for line in p.lines])
    for page in pages:
        page.lines = [line for line in page.lines if line.text]


def _unruled_text(pages: list[_Page]) -> str | None:
    """The document as text where the lines outside every cell hold a table's rows (a label and
    its number, or a table the words' places show: table 四's one row of figures has no label),
    those tables without rules rewritten as a PDF's without any cells are, and the ruled rows
    among them, their cells' text between TABs (a row's group label or its block's header may
    be a ruled cell's); else None."""
    _rewrite_unruled_rows(pages)
    items = _paragraphs(_blocks(pages))
    if any(line.row for page in pages for line in page.lines):
        return "\n".join(item.text if isinstance(item, Line) else "\t".join(c.text for c in item.cells)
                         for item in items)
    return lines_with_table_rows(items)


def _drop_headers_and_footers(pages: list[_Page]) -> None:
    """Page numbers, and text repeated in the same margin of several pages (running headers)."""
    def in_margin(page: _Page, line: _TextLine) -> bool:
        return line.bottom < page.height * _MARGIN or line.top > page.height * (1 - _MARGIN)

    seen: dict[str, int] = {}
    for page in pages:
        for text in {re.sub(r"\d+", "#", normalise(l.text)) for l in page.lines if in_margin(page, l)}:
            seen[text] = seen.get(text, 0) + 1
    for page in pages:
        page.lines = [l for l in page.lines
                      if not (in_margin(page, l) and (_PAGE_NUMBER.match(normalise(l.text))
                              or (len(pages) > 2 and seen[re.sub(r"\d+", "#", normalise(l.text))] > 1)))]


@dataclass
class _Block:
    page: _Page
    line: _TextLine | None = None
    table: _Table | None = None


def _blocks(pages: list[_Page]) -> list[_Block]:
    """Lines and tables of every page from top to bottom; text standing inside a table's frame
    but in no cell (a corner left open) goes before the table."""
    blocks: list[_Block] = []
    for page in pages:
        keyed = []
        for table in page.tables:
            keyed.append(((table.bbox[1], 1), _Block(page, table=table)))
        for line in page.lines:
            top = line.top
            for table in page.tables:
                x0, t, x1, b = table.bbox
                if t <= (line.top + line.bottom) / 2 <= b and x0 <= (line.x0 + line.x1) / 2 <= x1:
                    top = t
            keyed.append(((top, 0 if top != line.top else 2), _Block(page, line=line)))
        keyed.sort(key=lambda kv: kv[0])
        blocks.extend(block for _, block in keyed)
    return blocks


def _label_columns(table: _Table) -> int:
    """The rightmost column holding a row label in a row that has numbers: blank cells up to
    it are the label part of the row (a label cell split in two, a merged label running on
    from the previous page) and are not values."""
    last = 0
    for row in table.rows:
        if any(is_value(c.text) and c.text for c in row):
            labels = [c.column for c in row if c.text and not is_value(c.text)]
            last = max([last] + labels)
    return last


def _is_label(cell: _Cell) -> bool:
    return bool(cell.text) and not is_value(cell.text)


def _groups_labels(row: list[_Cell], cell: _Cell) -> bool:
    """A label cell with another label to its right in its row: a group label (「（四）无法提供」,
    the vertical 「三、本年度办理结果」) over the rows' own labels, not a row's own label. A unit
    (an annex's 「条」) is no label: beside it the cell is the row's own label, and the row
    starting the next page has its own (「行政复议数」 at a page's foot, 「行政诉讼数」 at the next head)."""
    return any(_is_label(other) and other.column > cell.column and not UNIT_CELL.match(normalise(other.text))
               for other in row)


def _join_cut_cells(blocks: list[_Block]) -> None:
    """A table whose first block on a page continues the last table of the previous page:
    a group label cell that ran to the bottom there and goes on here is one cell, shown once.
    Only group labels are joined: a row's own label at the top of a page starts a new row
    (「行政许可」 at the foot of one page, 「其他对外管理服务事项」 at the head of the next), unless
    that row holds nothing but the label's rest (_join_cut_row)."""
    previous: _Table | None = None
    previous_page: int | None = None
    for block in blocks:
        if block.line is not None:
            previous = None   # prose between: not a continuation
            continue
        table = block.table
        if previous is not None and previous_page == block.page.number - 1 and table.rows:
            bottom = previous.bbox[3]
            # A scanned page lies a little apart from the one before (2.2 pt in a scan of a
            # Word report): its cells are matched from its table's own left edge. A larger
            # difference is the table's, not the page's (a column that is not there).
            shift = table.bbox[0] - previous.bbox[0]
            if abs(shift) > _PAGE_SHIFT:
                shift = 0.0
            open_cells = [c for row in previous.rows for c in row
                          if abs(c.bbox[3] - bottom) <= _TOLERANCE and _is_label(c) and _groups_labels(row, c)]
            first = _first_body_row(previous, table)
            for cell in first:
                if not _is_label(cell) or not _groups_labels(first, cell) or ENUMERATOR.match(normalise(cell.text)):
                    continue
                start = next((o for o in open_cells if _same_column(o, cell, shift)), None)
                if start is not None:
                    start.text += cell.text
                    cell.merged = start
            _join_cut_row(previous, first, shift)
        previous, previous_page = table, block.page.number


def _first_body_row(previous: _Table, table: _Table) -> list[_Cell]:
    """The first row of a table's part on a new page that does not repeat a header row of the
    part before (Word repeats a table's header rows on each page when told to)."""
    printed = {tuple(c.text for c in row) for row in previous.rows}
    for row in table.rows:
        if tuple(c.text for c in row) not in printed or any(c.text and is_value(c.text) for c in row):
            return row
    return []


def _same_column(above: _Cell, below: _Cell, shift: float) -> bool:
    """Whether a cell of a table's part on the next page stands in the column of a cell of the
    part before: where it stands, or that page lying ``shift`` to the right (the parts of one
    table may also start apart: a part without the rule down its left edge)."""
    return any(abs(above.bbox[0] - (below.bbox[0] - by)) <= _TOLERANCE
               and abs(above.bbox[2] - (below.bbox[2] - by)) <= _TOLERANCE for by in {0.0, shift})


def _join_cut_row(previous: _Table, first: list[_Cell], shift: float = 0.0) -> None:
    """A row the page break cut (Word lets a row break across pages unless told not to): its
    values stand on the previous page beside the first part of its label (「6.属」), and the first
    row here holds the rest of the label (「于四类过程性信息」) and nothing else. The rest joins the
    label, and the row here goes: it is no row of its own (its empty cells read as blanks)."""
    last = previous.rows[-1] if previous.rows else []
    if not any(c.text and is_value(c.text) for c in last):
        return
    if any(c.text and c.merged is None and not _is_label(c) for c in first):
        return   # a value here: a row of its own
    bottom = previous.bbox[3]
    pieces = [c for c in first if c.text and c.merged is None]
    starts = [next((o for o in last if _is_label(o) and abs(o.bbox[3] - bottom) <= _TOLERANCE
                    and _same_column(o, c, shift)), None)
              for c in pieces]
    if not pieces or None in starts or any(ENUMERATOR.match(normalise(c.text)) for c in pieces):
        return
    for piece, start in zip(pieces, starts):
        start.text += piece.text
    for cell in first:
        if cell.merged is None:
            cell.merged = starts[0]


def _paragraphs(blocks: list[_Block]) -> list[Line | Row]:
    """The items: table rows, and text lines joined into paragraphs and titles."""
    lines = [b.line for b in blocks if b.line is not None]
    weight: dict[float, int] = {}   # the body text's size is the size most characters have
    for l in lines:
        weight[l.size] = weight.get(l.size, 0) + len(l.text)
    body = max(weight, key=weight.get) if weight else 0.0
    body_lines = [l for l in lines if abs(l.size - body) < 1]
    right = _quantile([l.x1 for l in body_lines], 0.9)
    left = _quantile([l.x0 for l in body_lines], 0.1)

    def continues(prev: _TextLine, prev_page: _Page, line: _TextLine, page: _Page) -> bool:
        if prev.row or line.row or abs(prev.size - line.size) >= 1 or ENUMERATOR.match(normalise(line.text)):
            return False
        if page is prev_page and line.top - prev.bottom > 1.5 * line.size:
            return False
        if line.size > body + 1 and page is prev_page:
            # A title over several lines: centred lines of the same large size.
            centre = (left + right) / 2
            return all(abs((l.x0 + l.x1) / 2 - centre) < 2 * l.size for l in (prev, line))
        # Wrapped prose: the line before ran to the right edge and this one is not indented.
        return prev.x1 >= right - 1.5 * line.size and line.x0 <= left + 0.5 * line.size

    items: list[Line | Row] = []
    last: tuple[_TextLine, _Page, Line] | None = None
    for block in blocks:
        page = block.page
        if block.table is not None:
            items.extend(_rows(block.table, page.number))
            last = None
            continue
        line = block.line
        if last is not None and continues(last[0], last[1], line, page):
            last[2].text += line.text
            last = (line, page, last[2])
            continue
        item = Line(line.text, f"page {page.number} line {line.number}")
        items.append(item)
        last = (line, page, item)
    return items


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def _rows(table: _Table, page: int) -> list[Row]:
    labels_end = _label_columns(table)
    rows = []
    for r, cells in enumerate(table.rows, start=1):
        kept = [Cell(c.text, f"page {page} table {table.number} row {c.row} column {c.column}")
                for c in cells
                if c.merged is None and not (c.text == "" and c.column <= labels_end)]
        if kept:
            rows.append(Row(kept, f"page {page} table {table.number} row {r}"))
    return rows
