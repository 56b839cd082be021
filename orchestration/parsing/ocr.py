"""Scanned pages and images → the same pages a PDF text layer gives (:mod:`pdf`), by OCR.

The engine is RapidOCR (PP-OCRv4 detection and recognition on onnxruntime): its models ship
inside the ``rapidocr-onnxruntime`` wheel, so nothing is downloaded at run time, and it runs
the same on every machine (deterministic: one CPU provider, no sampling). Why it and not
tesseract is measured in docs/forms.md.

From text boxes to a page:

1. **Orientation.** A page turned by 90° gives text boxes taller than wide; it is turned back
   (the way the engine's recognition of those boxes reads best) and read again.
2. **Skew.** The median angle of the wide boxes' top edges is the page's skew (a scan is
   rarely square); the boxes and the image are turned back by it, so rows stay level.
3. **Ruling lines.** Tables are found from the drawn rules (long thin runs of dark pixels,
   by morphology); rows and columns are cut at them, and two neighbouring grid cells with no
   rule between them are one merged cell, kept once where it starts, as pdfplumber gives a
   ruled table. A box goes to the cell holding its centre.
4. **Everything else** is text lines: boxes at the same height joined left to right. A line
   of a label and numbers on a page with no rules is a table row (an unruled table).

The module stays whole: its steps only ever run together, each handing the next the same boxes
and page image, and the OFD and pdfium-text readers reuse its page building (:func:`to_page`).

Coordinates are handed over in points (1/72 inch, as a PDF's are) so that the PDF reader's
tolerances, margins and paragraph joining apply unchanged. Each cell and line keeps the
lowest confidence of the boxes it was made of: :func:`orchestration.parsing.parse_document`
puts it in the provenance of the values read from them.
"""
from __future__ import annotations

import math
import os
import re
import threading
import unicodedata
from dataclasses import dataclass

from .cells import UNIT_CELL, is_value, normalise
from .ocr_review import LOW_CONFIDENCE

# Pages are rendered at this resolution: what the engine reads best at for body text of
# 10–16 pt, and what most scans are made at.
RENDER_DPI = 200
MAX_SIDE = 4000            # pixels: larger images are scaled down (memory, time)
MIN_WIDTH = 1200           # pixels: smaller images (tables pasted into pages) are scaled up

INSTALL_HINT = "pip install rapidocr-onnxruntime (its models ship in the wheel)"


class OcrUnavailable(RuntimeError):
    """The OCR engine is not installed."""


@dataclass(slots=True)
class OcrBox:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    confidence: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0


_engine = None
_engine_lock = threading.Lock()


def engine():
    """The engine, loaded once per process (about 0.3 s)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            try:
                from rapidocr_onnxruntime import RapidOCR
            except ImportError as exc:
                raise OcrUnavailable(f"the OCR engine is not installed: {INSTALL_HINT}") from exc
            # Two threads by default (a machine of two cores); a refresh's parse workers each
            # have a core, and may set DISCLOSURE_OCR_THREADS=1.
            # A lower box threshold than the engine's default (0.5): a lone small digit in a
            # table cell (「0」 at 10 pt, blurred by the scan) scores under it and was missed.
            threads = max(1, int(os.environ.get("DISCLOSURE_OCR_THREADS", "2")))
            _engine = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1,
                               det_thresh=0.2, det_box_thresh=0.3)
        return _engine


def available() -> bool:
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


TEXT_SCORE = 0.5     # the engine's own cut: a box read with less is dropped (stamps, specks)
VERTICAL_RATIO = 2.5  # a box this many times taller than wide is a vertical line of text


def _detect(gray) -> list:
    """The text boxes (quadrilaterals, float32 4×2) the engine's detector finds."""
    import numpy as np

    result, _ = engine()(np.ascontiguousarray(gray), use_det=True, use_cls=False, use_rec=False)
    return [np.array(quad, dtype=np.float32) for quad in (result or [])]


def _sides(quad) -> tuple[float, float]:
    import numpy as np

    width = max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3]))
    height = max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2]))
    return float(width), float(height)


def _crop(gray, quad, turn: int = 0):
    """The box cut out straight (as the engine cuts it), turned by ``turn`` quarter turns
    counter-clockwise, as the three-channel image the recogniser takes."""
    import cv2
    import numpy as np

    width, height = _sides(quad)
    width, height = max(1, int(width)), max(1, int(height))
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(quad, target)
    crop = cv2.warpPerspective(gray, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE,
                               flags=cv2.INTER_CUBIC)
    if turn:
        crop = np.rot90(crop, turn)
    return np.ascontiguousarray(np.stack([crop] * 3, axis=-1))


def _read(gray, quads) -> list[tuple[list[list[float]], str, float]]:
    """Each box recognised as it stands. (The engine's own pipeline turns every box 1.5 times
    taller than wide by 90° first, taking it for vertical text: a digit alone in a table cell is
    such a box, and turned it reads wrong with high confidence, 「9」 as 「6」, 「2」 as 「7」.
    Only a box far taller than wide is turned here.)"""
    if not quads:
        return []
    crops = []
    for quad in quads:
        width, height = _sides(quad)
        crops.append(_crop(gray, quad, 1 if height >= VERTICAL_RATIO * max(1.0, width) else 0))
    results, _ = engine().text_rec(crops)
    return [(quad.tolist(), text.strip(), float(conf)) for quad, (text, conf) in zip(quads, results)
            if text and text.strip() and float(conf) >= TEXT_SCORE]


def _run(gray) -> list[tuple[list[list[float]], str, float]]:
    return _read(gray, _detect(gray))


def _boxes(raw, angle: float = 0.0, centre: tuple[float, float] = (0, 0)) -> list[OcrBox]:
    """Axis-aligned boxes, their corners first turned by ``-angle`` degrees about ``centre``
    (undoing the page's skew)."""
    cos, sin = math.cos(math.radians(-angle)), math.sin(math.radians(-angle))
    cx, cy = centre
    out = []
    for quad, text, conf in raw:
        xs, ys = [], []
        for x, y in quad:
            dx, dy = x - cx, y - cy
            xs.append(cx + dx * cos - dy * sin)
            ys.append(cy + dx * sin + dy * cos)
        if text.strip():
            out.append(OcrBox(min(xs), min(ys), max(xs), max(ys), text.strip(), conf))
    return out


def _skew(raw) -> float:
    """The page's skew in degrees (image y grows downwards), from the wide boxes' top edges."""
    angles = []
    for quad, text, _ in raw:
        (x0, y0), (x1, y1) = quad[0], quad[1]
        width = x1 - x0
        height = abs(quad[3][1] - quad[0][1])
        if width > 3 * max(height, 1) and width > 100:
            angles.append(math.degrees(math.atan2(y1 - y0, width)))
    if len(angles) < 3:
        return 0.0
    angles.sort()
    return angles[len(angles) // 2]


def _tall_share(quads) -> float:
    """The share of line-shaped boxes (one side at least twice the other) that are taller than
    wide: text running down the page, i.e. the page is turned by 90°."""
    tall = wide = 0
    for quad in quads:
        width, height = _sides(quad)
        if max(width, height) < 2 * max(1.0, min(width, height)):
            continue
        if height > width:
            tall += 1
        else:
            wide += 1
    return tall / (tall + wide) if tall + wide else 0.0


@dataclass
class OcrPage:
    """What OCR read on one image: the boxes (deskewed, upright), the grayscale image turned the
    same way (for its ruling lines), and what was done to it."""

    boxes: list[OcrBox]
    gray: object            # numpy array, upright and deskewed
    turned: int             # quarter turns applied (counter-clockwise) to make it upright
    skew: float             # degrees removed


def read_image(image) -> OcrPage:
    """OCR one page image (a PIL image of any mode)."""
    import numpy as np
    from PIL import Image

    image = image.convert("L")
    scale = 1.0
    if max(image.size) > MAX_SIDE:
        scale = MAX_SIDE / max(image.size)
    elif image.size[0] < MIN_WIDTH:
        scale = min(3.0, MIN_WIDTH / image.size[0])
    if scale != 1.0:
        image = image.resize((max(1, round(image.size[0] * scale)), max(1, round(image.size[1] * scale))),
                             Image.LANCZOS)
    gray = np.asarray(image)
    quads = _detect(gray)
    turned = 0
    if _tall_share(quads) > 0.6:
        # Turned by 90° (text lines run down the page): which way back is told by reading the
        # longest lines turned each way (read upside down, text scores far lower), then the
        # page is turned and its boxes found again.
        sample = sorted(quads, key=lambda q: -max(_sides(q)))[:24]
        scores = []
        for k in (1, 3):
            results, _ = engine().text_rec([_crop(gray, q, k) for q in sample])
            scores.append((sum(float(c) * len(t) for t, c in results), k))
        turned = max(scores)[1]
        gray = np.ascontiguousarray(np.rot90(gray, turned))
        quads = _detect(gray)
    raw = _read(gray, quads)
    skew = _skew(raw)
    h, w = gray.shape[:2]
    boxes = _boxes(raw, skew, (w / 2, h / 2))
    if abs(skew) > 0.1:
        gray = _rotate(gray, skew)
    return OcrPage(boxes, gray, turned, skew)


def _rotate(gray, angle: float):
    import cv2

    h, w = gray.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


# ---- ruling lines and the grid ------------------------------------------------------------

@dataclass
class Grid:
    """One ruled table: its rule positions and which neighbouring cells are merged."""

    xs: list[float]                     # column boundaries, left to right
    ys: list[float]                     # row boundaries, top to bottom
    regions: dict[tuple[int, int], tuple[int, int, int, int]]   # (row, col) of a grid cell → merged region r0, c0, r1, c1

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]


def _cluster(values: list[float], gap: float) -> list[float]:
    values = sorted(values)
    groups: list[list[float]] = []
    for v in values:
        if groups and v - groups[-1][-1] <= gap:
            groups[-1].append(v)
        else:
            groups.append([v])
    return [sum(g) / len(g) for g in groups]


def find_grids(gray, text_height: float = 40.0) -> list[Grid]:
    """The ruled tables of a page image. ``text_height`` is the usual height of a text box:
    a rule is a run of dark pixels longer than any stroke of a character (the 「1」 of 「10」,
    the long stroke of 「纠」), and shorter than the rule of a one-line cell."""
    import cv2
    import numpy as np

    h, w = gray.shape[:2]
    dark = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)
    across = int(max(20, w // 40, 1.5 * text_height))
    down = int(max(15, 1.15 * text_height))
    horizontal = cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (across, 1)))
    vertical = cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, down)))
    # Rules a pixel or two off (skew left over, blur) still meet: close small gaps.
    horizontal = cv2.dilate(horizontal, np.ones((3, 3), np.uint8))
    vertical = cv2.dilate(vertical, np.ones((3, 3), np.uint8))
    rules = cv2.bitwise_or(horizontal, vertical)
    count, _, stats, _ = cv2.connectedComponentsWithStats(rules, connectivity=8)
    grids = []
    for label in range(1, count):
        x, y, bw, bh, _ = stats[label]
        if bw < w * 0.15 or bh < 20:
            continue
        grid = _grid_in(horizontal[y:y + bh, x:x + bw], vertical[y:y + bh, x:x + bw], x, y)
        if grid is not None:
            grids.append(grid)
    return grids


def _segments(mask, axis: int) -> list[tuple[float, float, float]]:
    """(position, start, end) of each rule in a mask of horizontal (axis 0) or vertical (1) rules."""
    import cv2

    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for label in range(1, count):
        x, y, bw, bh, _ = stats[label]
        if axis == 0 and bw > 2 * bh:
            out.append((y + bh / 2, x, x + bw))
        elif axis == 1 and bh > 2 * bw:
            out.append((x + bw / 2, y, y + bh))
    return out


def _grid_in(horizontal, vertical, ox: int, oy: int) -> Grid | None:
    h_segments = _segments(horizontal, 0)
    v_segments = _segments(vertical, 1)
    if len(h_segments) < 2 or len(v_segments) < 2:
        return None
    # Rules closer than about 2 mm are one rule drawn twice or a rule cut by what skew was
    # left: no cell is that narrow.
    ys = _cluster([s[0] for s in h_segments], 14)
    xs = _cluster([s[0] for s in v_segments], 14)
    # A table cut by the page (WPS draws no rule under the last row of a page, nor over the
    # first of the next): where two or more column rules run on past the last row rule, they
    # end at the row's missing rule.
    below = [s[2] for s in v_segments if s[2] > ys[-1] + 14]
    if len(below) >= 2:
        ys.append(sorted(below)[len(below) // 2])
    above = [s[1] for s in v_segments if s[1] < ys[0] - 14]
    if len(above) >= 2:
        ys.insert(0, sorted(above)[len(above) // 2])
    if len(ys) < 2 or len(xs) < 3:
        return None

    def covered(segments, at: float, start: float, end: float) -> bool:
        """Whether a rule runs along most of the boundary between two grid cells: the rules
        within the clustering's reach of its line (a rule is one segment however it leans,
        where a band a few pixels wide around the line missed the end of a rule that skew left
        over had moved: 0.5° is 14 pixels down a table at 200 dpi) cover over 60 % of its
        middle."""
        a, b = start + (end - start) * 0.2, end - (end - start) * 0.2
        if b <= a:
            return True
        spans = sorted((max(a, s0), min(b, s1)) for position, s0, s1 in segments
                       if abs(position - at) <= 14 and s1 > a and s0 < b)
        length, reach = 0.0, a
        for s0, s1 in spans:   # their union: pieces of one rule may overlap
            if s1 > reach:
                length += s1 - max(s0, reach)
                reach = s1
        return length > 0.6 * (b - a)

    rows, cols = len(ys) - 1, len(xs) - 1
    parent = {(r, c): (r, c) for r in range(rows) for c in range(cols)}

    def find(cell):
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for r in range(rows):
        for c in range(cols):
            if c + 1 < cols and not covered(v_segments, xs[c + 1], ys[r], ys[r + 1]):
                union((r, c), (r, c + 1))
            if r + 1 < rows and not covered(h_segments, ys[r + 1], xs[c], xs[c + 1]):
                union((r, c), (r + 1, c))
    members: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for cell in parent:
        members.setdefault(find(cell), []).append(cell)
    regions = {}
    for cells in members.values():
        r0 = min(r for r, _ in cells)
        c0 = min(c for _, c in cells)
        r1 = max(r for r, _ in cells)
        c1 = max(c for _, c in cells)
        for cell in cells:
            regions[cell] = (r0, c0, r1, c1)
    return Grid([x + ox for x in xs], [y + oy for y in ys], regions)


# ---- boxes → the PDF reader's pages ---------------------------------------------------------

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def _join(parts: list[str]) -> str:
    """Pieces of one line or cell: Chinese runs on without spaces, other pieces keep one."""
    out = ""
    for part in parts:
        if out and not _CJK.search(out[-1]) and not _CJK.search(part[0]):
            out += " "
        out += part
    return out


def _lines(boxes: list[OcrBox]) -> list[list[OcrBox]]:
    """Boxes grouped into text lines: a box joins a line when its centre is within half a
    line's height of the line's centre."""
    lines: list[list[OcrBox]] = []
    for box in sorted(boxes, key=lambda b: b.cy):
        for line in lines[-3:]:
            centre = sum(b.cy for b in line) / len(line)
            height = sum(b.height for b in line) / len(line)
            if abs(box.cy - centre) < 0.5 * max(height, box.height):
                line.append(box)
                break
        else:
            lines.append([box])
    for line in lines:
        line.sort(key=lambda b: b.x0)
    return lines


def to_page(ocr: OcrPage, number: int, dpi: float, confidence: dict[str, float],
            notes: dict[str, str] | None = None):
    """The :class:`pdf._Page` of one OCR'd page image. ``confidence`` gets, for each cell and
    line location, the lowest confidence of the boxes read into it; ``notes`` what was done to
    a cell's text (a letter read where a digit is printed)."""
    notes = {} if notes is None else notes
    from .pdf import _Cell, _clean, _Page, _Table, _TextLine

    pt = 72.0 / dpi
    h, w = ocr.gray.shape[:2]
    page = _Page(number, w * pt, h * pt)
    page.chars = sum(len(b.text) for b in ocr.boxes)
    boxes = list(ocr.boxes)
    heights = sorted(b.height for b in boxes if len(b.text) >= 2)
    text_height = heights[len(heights) // 2] if heights else 40.0
    for grid in find_grids(ocr.gray, text_height):
        x0, y0, x1, y1 = grid.bbox
        inside = [b for b in boxes if x0 <= b.cx <= x1 and y0 <= b.cy <= y1]
        if not inside:
            continue
        inside_ids = {id(b) for b in inside}
        boxes = [b for b in boxes if id(b) not in inside_ids]
        table = _Table(len(page.tables) + 1, (x0 * pt, y0 * pt, x1 * pt, y1 * pt), [])
        by_region: dict[tuple[int, int, int, int], list[OcrBox]] = {}
        for b in [piece for box in inside
                  for piece in _split_at_rules(box, grid.xs, _ink_span(ocr.gray, box, grid.xs))]:
            r = max(0, min(len(grid.ys) - 2, _index(grid.ys, b.cy)))
            c = max(0, min(len(grid.xs) - 2, _index(grid.xs, b.cx)))
            by_region.setdefault(grid.regions[(r, c)], []).append(b)
        ghosts = _digit_ghosts(grid, by_region)
        for region in ghosts:
            del by_region[region]   # read again alone, below
        unreadable = _read_empty_cells(ocr.gray, grid, by_region, ghosts, text_height)
        for r in range(len(grid.ys) - 1):
            row = []
            for c in range(len(grid.xs) - 1):
                region = grid.regions[(r, c)]
                if region[:2] != (r, c):
                    continue   # a merged cell is kept once, where it starts
                r0, c0, r1, c1 = region
                parts = [b for line in _lines(by_region.get(region, [])) for b in line]
                cell = _Cell(_clean(_join([b.text for b in parts])),
                             (grid.xs[c0] * pt, grid.ys[r0] * pt, grid.xs[c1 + 1] * pt, grid.ys[r1 + 1] * pt),
                             r + 1, c + 1)
                row.append(cell)
                where = f"page {number} table {table.number} row {r + 1} column {c + 1}"
                if parts:
                    confidence[where] = min(b.confidence for b in parts)
                elif region in unreadable:
                    text, score = unreadable[region]
                    confidence[where] = score
                    notes[where] = (f"the cell holds a mark the OCR could not read as a figure (「{text}」, "
                                    "confidence " f"{score:.2f}): left blank")
            _digits_for_letters(row, f"page {number} table {table.number} row {r + 1} column ", notes)
            table.rows.append(row)
        page.tables.append(table)
    boxes = [piece for b in boxes if not _too_narrow(b, text_height)
             for piece in _figures_apart(ocr.gray, b, text_height)]
    lines = _lines(boxes)
    body = sorted(b.height for b in boxes)[len(boxes) // 2] if boxes else 0
    for line in lines:
        top = min(b.y0 for b in line)
        bottom = max(b.y1 for b in line)
        height = max(b.height for b in line)
        # One size for the body text: OCR box heights wobble, and the PDF reader joins the lines
        # of a paragraph only when their sizes agree.
        size = round((body if abs(height - body) < 0.25 * body else height) * pt * 0.8, 1)
        page.lines.append(_TextLine(_clean(_join([b.text for b in line])), line[0].x0 * pt, line[-1].x1 * pt,
                                    top * pt, bottom * pt, size, chars=_box_chars(line, pt, size, number)))
        page.lines[-1].number = len(page.lines)
        confidence[f"page {number} line {len(page.lines)}"] = min(b.confidence for b in line)
    return page


def _box_chars(line: list[OcrBox], pt: float, size: float, number: int) -> list[dict]:
    """A line's boxes as characters where they stand (each box's width shared among its
    characters, a Chinese character's share twice a digit's), as a text layer gives them: a table
    without rules is then read from where its words stand (pdf_columns: blank cells, labels
    wrapped over lines), as a text PDF's is."""
    chars = []
    for box in line:
        widths = [_char_width(ch) for ch in box.text]
        scale = (box.x1 - box.x0) * pt / max(sum(widths), 0.5)
        x = box.x0 * pt
        for ch, width in zip(box.text, widths):
            chars.append({"text": ch, "x0": x, "x1": x + width * scale, "top": box.y0 * pt,
                          "bottom": box.y1 * pt, "size": size, "page_number": number})
            x += width * scale
    return chars


def _too_narrow(box: OcrBox, text_height: float) -> bool:
    """A box far narrower than its text: a mark read as characters (a stroke, a speck read 「11」
    two points wide), no text. (A table's grid cuts such marks away; without one they stood as a
    number in a blank cell.)"""
    return box.x1 - box.x0 < 0.35 * text_height * sum(_char_width(ch) for ch in box.text)


_FIGURES = re.compile(r"[\d０-９.,+\-]+")


def _figures_apart(gray, box: OcrBox, text_height: float) -> list[OcrBox]:
    """A box of figures run over several cells of a table without rules (「17837351」 over 178, 37
    and 351: no rule between them to cut it at, as :func:`_split_at_rules` does), cut where its ink
    has a gap wider than a character's, each piece given as many of the figures, in order, as it
    holds glyphs (runs of inked columns). Where the figures and the glyphs do not agree (the
    engine read more or fewer figures than the ink shows, or two glyphs touch) no figure is
    placed: the box is dropped, its cells left unread rather than a figure given to the wrong one."""
    import numpy as np

    text = box.text.replace(" ", "")
    if len(text) < 2 or not _FIGURES.fullmatch(text):
        return [box]
    top, bottom = max(0, int(box.y0)), min(gray.shape[0], int(math.ceil(box.y1)))
    left, right = max(0, int(box.x0)), min(gray.shape[1], int(math.ceil(box.x1)))
    if bottom <= top or right <= left:
        return [box]
    inked = np.flatnonzero((gray[top:bottom, left:right] < 128).any(axis=0))
    if not inked.size:
        return [box]
    pieces = [[[inked[0], inked[0]]]]   # pieces, each a list of glyphs' [first, last] column
    for x in inked[1:]:
        glyphs = pieces[-1]
        if x - glyphs[-1][1] > 0.6 * text_height:
            pieces.append([[x, x]])
        elif x - glyphs[-1][1] > 1:
            glyphs.append([x, x])
        else:
            glyphs[-1][1] = x
    if len(pieces) == 1:
        return [box]
    if sum(len(glyphs) for glyphs in pieces) != len(text):
        return []
    out, at = [], 0
    for glyphs in pieces:
        out.append(OcrBox(left + glyphs[0][0], box.y0, left + glyphs[-1][1] + 1, box.y1,
                          text[at:at + len(glyphs)], box.confidence))
        at += len(glyphs)
    return out


def _digit_ghosts(grid: Grid, by_region: dict) -> dict:
    """Cells whose one character is no figure where a figure must stand: one of the shapes a
    pale or blurred 0 or 8 is read as (「口」, 「日」), or any lone character but a unit after a
    cell of figures in its row (a row's labels come before its figures). Taken as they are, they
    split a row of figures in two (「8.属于行政查询事项 105 … 日 … 口 0 0 105」, 「（一）予以公开 90 17
    门 0 0 1 108」). Region → (text, confidence)."""
    ghosts = {}
    for r in range(len(grid.ys) - 1):
        after_figure = False
        for c in range(len(grid.xs) - 1):
            region = grid.regions[(r, c)]
            if region[:2] != (r, c) or region not in by_region:
                continue
            text = normalise("".join(b.text for b in by_region[region]).strip())
            if is_value(text) or _DIGIT_LIKE.fullmatch(text):
                after_figure = True
            elif text in _DIGIT_GHOSTS or (after_figure and len(text) == 1 and not UNIT_CELL.match(text)):
                ghosts[region] = (text, min(b.confidence for b in by_region[region]))
    return ghosts


def _read_empty_cells(gray, grid: Grid, by_region: dict, ghosts: dict | None = None,
                      text_height: float = 40.0) -> dict:
    """Grid cells where the detector found no text but there is ink: the crop of the ink is
    given to the recogniser alone (a small digit alone in a cell is what the detector misses).
    A cell without ink is blank and stays blank: nothing is read into it. What the recogniser
    gives for a crop with little confidence that is no figure (「量」 at 0.08 for a pale 「4」) is
    not put in the cell, where it would be a label among the row's figures: the cell is left
    blank and returned (region → text, confidence), to be named as doubtful; so is a ``ghosts``
    cell (_digit_ghosts) the recogniser reads no figure in."""
    import numpy as np

    crops, regions = [], []
    for region in set(grid.regions.values()):
        if by_region.get(region):
            continue
        r0, c0, r1, c1 = region
        x0, x1 = int(grid.xs[c0]) + 7, int(grid.xs[c1 + 1]) - 7
        y0, y1 = int(grid.ys[r0]) + 7, int(grid.ys[r1 + 1]) - 7
        if x1 - x0 < 8 or y1 - y0 < 8:
            continue
        inner = gray[y0:y1, x0:x1]
        darkest = int(inner.min())
        if darkest >= 200:
            continue   # paper, and the specks a JPEG leaves on it
        # A blurred thin stroke (「1」) is grey, not black; a light print scanned at 150 dpi is
        # grey all over (its darkest 140-170): ink is what is darker than halfway to the paper.
        ink = inner < max(170, (darkest + int(np.median(inner))) // 2)
        # A column of ink taller than any character is a rule the skew left over moved into
        # the cell (8 px from its place at a page's edge), which the recogniser reads as 「1」.
        ink[:, ink.sum(axis=0) > 1.5 * text_height] = False
        if ink.sum() < 10:
            continue
        rows, cols = np.where(ink)
        top, bottom = rows.min(), rows.max()
        left, right = cols.min(), cols.max()
        if bottom - top < 8 or right - left < 2:
            continue   # a stray mark or what is left of a rule, not a character
        pad = max(4, (bottom - top) // 3)
        crop = gray[max(0, y0 + top - pad):y0 + bottom + pad, max(0, x0 + left - pad):x0 + right + pad]
        crops.append(np.ascontiguousarray(np.stack([crop] * 3, axis=-1)))
        regions.append((region, (x0 + left, y0 + top, x0 + right, y0 + bottom)))
    ghosts = ghosts or {}
    unreadable: dict = dict(ghosts)   # until read again as a figure
    if not crops:
        return unreadable
    results, _ = engine().text_rec(crops)
    for (region, (x0, y0, x1, y1)), (text, conf) in zip(regions, results):
        text = _RULE_CHARS.sub("", text or "").strip()
        if not text:
            continue
        figure = is_value(normalise(text)) or _DIGIT_LIKE.fullmatch(text)
        if not figure and (region in ghosts or text in _DIGIT_GHOSTS or float(conf) < LOW_CONFIDENCE):
            unreadable[region] = (text, min(float(conf), ghosts.get(region, ("", 1.0))[1]))
            continue
        unreadable.pop(region, None)
        by_region[region] = [OcrBox(x0, y0, x1, y1, text, float(conf))]
    return unreadable


# What the detector and recogniser give for a pale or blurred 0 or 8 alone in a cell: Chinese
# characters no cell of these tables holds alone (see _digit_ghosts).
_DIGIT_GHOSTS = frozenset("口日目曰回囗")
# Letters the recogniser gives for a digit it saw blurred: 「D」 for 0, 「l」 for 1.
_DIGIT_SHAPES = {"D": "0", "O": "0", "o": "0", "Q": "0", "I": "1", "l": "1", "S": "5", "B": "8"}
_DIGIT_LIKE = re.compile(r"[0-9DOoQIlSB]{1,12}")


def _digits_for_letters(row: list, where: str, notes: dict[str, str]) -> None:
    """A cell of letters that look like digits, in a row with numbers, is read as those digits,
    with a note (the value is then flagged ``ocr_uncertain``: it is a reading, not a fact)."""
    numbers = sum(1 for cell in row if cell.text.isdigit())
    if numbers < 2:
        return
    for cell in row:
        text = cell.text
        if _DIGIT_LIKE.fullmatch(text) and not text.isdigit():
            digits = "".join(_DIGIT_SHAPES.get(ch, ch) for ch in text)
            notes[where + str(cell.column)] = f"OCR read 「{text}」, taken as the digits {digits}"
            cell.text = digits


_RULE_CHARS = re.compile(r"[|丨｜]")


def _char_width(ch: str) -> float:
    """A character's width in ems: a Chinese character (or a full-width form) a whole em, a
    digit, a Latin letter or a half-width sign about half of one."""
    if unicodedata.east_asian_width(ch) in "WF":
        return 1.0
    return 0.3 if ch in ".,:;" else 0.5


def _ink_span(gray, box: OcrBox, rules: list[float]) -> tuple[float, float]:
    """Where the box's text is inked, left to right: the columns of the box with a dark pixel,
    the column rules' own pixels and any row dark across the box (a row rule) left out. The
    detector's box reaches past the text (by a cell's padding, more on one side than the
    other), so a rule can stand inside the box and outside the text (「12」 in its cell, the
    box over both neighbours' edges). The box itself where no ink is found."""
    import numpy as np

    top, bottom = max(0, int(box.y0)), min(gray.shape[0], int(math.ceil(box.y1)))
    left, right = max(0, int(box.x0)), min(gray.shape[1], int(math.ceil(box.x1)))
    if bottom <= top or right <= left:
        return box.x0, box.x1
    dark = gray[top:bottom, left:right] < 128
    dark = dark[dark.mean(axis=1) < 0.6]          # a row rule darkens its row across the box
    if not dark.size:
        return box.x0, box.x1
    inked = dark.any(axis=0)
    for x in rules:
        inked[max(0, int(x) - 4 - left):max(0, int(x) + 5 - left)] = False
    columns = np.flatnonzero(inked)
    if not columns.size:
        return box.x0, box.x1
    return float(left + columns[0]), float(left + columns[-1] + 1)


def _split_at_rules(box: OcrBox, xs: list[float], ink: tuple[float, float] | None = None) -> list[OcrBox]:
    """A box the detector ran across a column rule (「结果结果」 over two narrow header cells,
    「00」 over two number cells, 「行政事业性收费24252.311082」 over a label and its number), cut
    at the rule: each character goes to the column that holds its share of the box's inked part
    (``ink``, :func:`_ink_span`; the box where not given), a Chinese character's share twice a
    digit's (with equal shares of the whole box, the rule fell inside the label's characters and
    「242」 went with the label: 52.311082 read, with full confidence). A rule outside the ink
    cuts nothing. A rule read as a character (「|」) is dropped."""
    start, end = ink or (box.x0, box.x1)
    inner = [x for x in xs[1:-1] if start + 4 < x < end - 4]
    text = box.text
    if not inner or len(text) < 2:
        return [OcrBox(box.x0, box.y0, box.x1, box.y1, _RULE_CHARS.sub("", text) or text, box.confidence)]
    widths = [_char_width(ch) for ch in text]
    scale = (end - start) / sum(widths)
    centres, before = [], 0.0
    for width in widths:
        centres.append(start + (before + width / 2) * scale)
        before += width
    bounds = [box.x0] + inner + [box.x1]
    pieces = []
    for left, right in zip(bounds, bounds[1:]):
        chars = "".join(ch for ch, centre in zip(text, centres) if left <= centre < right)
        chars = _RULE_CHARS.sub("", chars).strip()
        if chars:
            pieces.append(OcrBox(left, box.y0, right, box.y1, chars, box.confidence))
    return pieces


def _index(bounds: list[float], v: float) -> int:
    for i in range(len(bounds) - 1):
        if v < bounds[i + 1]:
            return i
    return len(bounds) - 2


# ---- PDFs and image files -----------------------------------------------------------------

def pdf_pages(data: bytes, numbers: list[int], confidence: dict[str, float], dpi: int = RENDER_DPI,
              notes: dict[str, str] | None = None):
    """The given pages (1-based) of a PDF, rendered and OCR'd, as :class:`pdf._Page`."""
    from .pdf_layer import open_document

    pdf = open_document(data)   # with the parser's font setting, whatever ran before in the process
    pages = []
    try:
        for number in numbers:
            page = pdf[number - 1]
            image = page.render(scale=dpi / 72, grayscale=True).to_pil()
            page.close()
            pages.append(to_page(read_image(image), number, dpi, confidence, notes))
    finally:
        pdf.close()
    return pages


def read_pictures(data: bytes, page, confidence: dict[str, float], notes: dict[str, str],
                  dpi: int = RENDER_DPI) -> None:
    """The tables and lines OCR reads in the pictures of a text page (``page.pictures``: tables
    pasted as pictures, pdf._pictures), added to what its text layer gave (``page``, a
    pdf._Page), numbered after its own tables and lines. Only each picture's area is rendered
    and read. The confidence and notes of what is added go into ``confidence`` and ``notes``
    under the numbers it gets."""
    from .pdf_layer import open_document

    pdf = open_document(data)   # text without an embedded font draws no ink: the pictures alone show
    try:
        layer = pdf[page.number - 1]
        width, height = layer.get_size()
        for x0, top, x1, bottom in page.pictures:
            image = layer.render(scale=dpi / 72, grayscale=True,
                                 crop=(x0, height - bottom, width - x1, top)).to_pil()
            ocr = read_image(image)
            # read_image may scale a small picture up: the points of its page follow the pixels it read.
            sides = ocr.gray.shape[:2] if ocr.turned % 2 else ocr.gray.shape[1::-1]
            read_confidence: dict[str, float] = {}
            read_notes: dict[str, str] = {}
            read = to_page(ocr, page.number, dpi * sides[0] / max(1, image.size[0]), read_confidence, read_notes)
            place_read(page, read, x0, top, read_confidence, read_notes, confidence, notes)
    finally:
        pdf.close()


def place_read(page, read, dx: float, dy: float, read_confidence: dict, read_notes: dict,
                confidence: dict, notes: dict) -> None:
    """``read`` (a picture's pdf._Page, in the picture's own points) moved to where the picture
    stands on ``page`` and added to it, its tables and lines numbered after the page's own."""
    renamed: dict[str, str] = {}
    # What the text layer already holds at the same place is not added again (text drawn over
    # a background picture, with a font the PDF embeds, shows in the picture's rendering too).
    own = [table.bbox for table in page.tables] + [(line.x0, line.top, line.x1, line.bottom) for line in page.lines]

    def held(x0: float, top: float, x1: float, bottom: float) -> bool:
        cx, cy = (x0 + x1) / 2 + dx, (top + bottom) / 2 + dy
        return any(a - 1 <= cx <= c + 1 and b - 1 <= cy <= d + 1 for a, b, c, d in own)

    for table in read.tables:
        if held(*table.bbox):
            continue
        old = f"page {page.number} table {table.number} "
        table.number = len(page.tables) + 1
        renamed[old] = f"page {page.number} table {table.number} "
        table.bbox = (table.bbox[0] + dx, table.bbox[1] + dy, table.bbox[2] + dx, table.bbox[3] + dy)
        for row in table.rows:
            for cell in row:
                cell.bbox = (cell.bbox[0] + dx, cell.bbox[1] + dy, cell.bbox[2] + dx, cell.bbox[3] + dy)
        page.tables.append(table)
    for line in read.lines:
        if held(line.x0, line.top, line.x1, line.bottom):
            continue
        old = f"page {page.number} line {line.number}"
        line.number = len(page.lines) + 1
        renamed[old] = f"page {page.number} line {line.number}"
        line.x0, line.x1, line.top, line.bottom = line.x0 + dx, line.x1 + dx, line.top + dy, line.bottom + dy
        page.lines.append(line)
    for source, target in ((read_confidence, confidence), (read_notes, notes)):
        for key, value in source.items():
            for old, new in renamed.items():
                if key == old or (old.endswith(" ") and key.startswith(old)):
                    target[new + key[len(old):]] = value
                    break


def pdfium_text_pages(data: bytes, numbers: list[int], dpi: int = RENDER_DPI) -> dict[int, object]:
    """Pages whose text layer pdfminer cannot map to Unicode but pdfium can (a CID font whose
    encoding names pdfminer does not resolve; the strings of an encrypted PDF a writer left
    unencrypted): pdfium's text runs are the boxes, and the page is rendered only to find its
    rules. The text is exact, so nothing is recorded as OCR. Pages where pdfium's text is no
    better are left out of the result (they are OCR'd)."""
    import numpy as np

    from .pdf import is_other_text, is_private_use
    from .pdf_layer import open_document

    pdf = open_document(data)   # fonts not embedded get the text layer's substitute: boxes, no ink
    pages = {}
    try:
        for number in numbers:
            page = pdf[number - 1]
            text_page = page.get_textpage()
            text = text_page.get_text_range()
            useful = [ch for ch in text if not ch.isspace()]
            if len(useful) < 10 or sum(ch == "\ufffd" or ord(ch) < 32 or is_private_use(ch)
                                       for ch in useful) > len(useful) / 20 or is_other_text(useful):
                continue
            boxes, gray = _layer_boxes(page, text_page, dpi)
            pages[number] = to_page(OcrPage(boxes, np.asarray(gray), 0, 0.0), number, dpi, {}, {})
            page.close()
    finally:
        pdf.close()
    return pages


def text_over_scan_pages(data: bytes, numbers: list[int], confidence: dict[str, float],
                         notes: dict[str, str], dpi: int = RENDER_DPI) -> dict[int, object]:
    """Scanned pages with a text layer laid over the scan, drawn invisibly (what a scanner's OCR
    software writes: pdf._text_over_scan): the layer's text runs are the boxes, as it gives them,
    and the scan, rendered, gives the tables' rules, which the layer has none of (read from the
    layer alone, a table is an unruled one: wrapped labels and blank cells lost their places). A
    cell of the grid with ink but no text in the layer is read by OCR, and only such a reading
    goes into ``confidence`` and ``notes``."""
    import numpy as np

    from .pdf_layer import open_document

    pdf = open_document(data)
    pages = {}
    try:
        for number in numbers:
            page = pdf[number - 1]
            text_page = page.get_textpage()
            boxes, gray = _layer_boxes(page, text_page, dpi)
            read_confidence: dict[str, float] = {}
            pages[number] = to_page(OcrPage(boxes, np.asarray(gray), 0, 0.0), number, dpi, read_confidence, notes)
            # The layer's own text came as boxes of confidence 1: it is the scan's text, read as
            # given, not a reading of this engine's.
            confidence.update((where, score) for where, score in read_confidence.items() if score < 1.0)
            page.close()
    finally:
        pdf.close()
    return pages


def _layer_boxes(page, text_page, dpi: int) -> tuple[list[OcrBox], object]:
    """pdfium's text runs of a page as boxes in the pixels of the page rendered at ``dpi``, and
    that rendering (grayscale PIL image)."""
    scale = dpi / 72
    _, height = page.get_size()
    boxes = []
    for i in range(text_page.count_rects()):
        left, bottom, right, top = text_page.get_rect(i)
        run = text_page.get_text_bounded(left, bottom, right, top).strip()
        if run:
            boxes.append(OcrBox(left * scale, (height - top) * scale, right * scale,
                                (height - bottom) * scale, run, 1.0))
    return boxes, page.render(scale=scale, grayscale=True).to_pil().convert("L")


def image_pages(data: bytes, confidence: dict[str, float], notes: dict[str, str] | None = None):
    """Every frame of an image file (a multi-page TIFF has several) as :class:`pdf._Page`."""
    import io

    from PIL import Image, ImageSequence

    image = Image.open(io.BytesIO(data))
    pages = []
    for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
        dpi = frame.info.get("dpi", (RENDER_DPI, RENDER_DPI))[0] or RENDER_DPI
        ocr = read_image(frame)
        # read_image scales small images up: the points of the page are the scaled pixels.
        scale = ocr.gray.shape[1] / (frame.size[0] if ocr.turned % 2 == 0 else frame.size[1])
        pages.append(to_page(ocr, number, float(dpi) * scale, confidence, notes))
    return pages


def read_image_document(data: bytes):
    """An image attachment (JPG, PNG, TIFF, BMP, GIF) read as a one-page (or, a multi-page
    TIFF, several-page) scanned document."""
    from . import MissingTool, UnreadableDocument
    from .pdf import document_from_pages

    if not available():
        raise MissingTool(f"an image: OCR is needed to read it and the engine is not installed: {INSTALL_HINT}")
    confidence: dict[str, float] = {}
    notes: dict[str, str] = {}
    try:
        pages = image_pages(data, confidence, notes)
    except (OSError, ValueError, SyntaxError) as exc:   # what Pillow raises for a damaged image
        raise UnreadableDocument(f"the image cannot be decoded ({type(exc).__name__}: {exc})") from exc
    if not any(p.chars for p in pages):
        raise UnreadableDocument("OCR found no text in the image")
    for page in pages:
        page.chars = max(page.chars, 1)
    doc = document_from_pages(pages)
    doc.form, doc.method = "image", "ocr"
    doc.ocr_confidence, doc.ocr_notes = confidence, notes
    return doc
