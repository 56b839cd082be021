"""OFD (GB/T 33190, China's fixed-layout format) → the same pages a PDF text layer gives.

An OFD is a zip of XML: ``OFD.xml`` names the document root, whose ``Document.xml`` lists the
pages; each page's ``Content.xml`` holds text objects, path objects (the tables' rules) and
image objects. Every object has a ``Boundary`` (its box on the page, in millimetres) and may
have a ``CTM`` (a matrix from its own space to that box); a text object's ``TextCode``\\ s give
where their glyphs start (``X``, ``Y``: the baseline) and how far each glyph is from the next
(``DeltaX``, ``DeltaY``). Converters write text very differently: one object per character,
per cell, or per line of a table with the cells' spacing in ``DeltaX``, the object's box tight
or the whole page. So each glyph is placed where the format says, and a run of glyphs is cut
where the gap to the next is wider than a glyph: the boxes are the words and cells as printed.

The text boxes and the rules (drawn into an image of the page) are then read as OCR's are
(parsing/ocr.py: rules → grid → cells, other boxes → lines), without the recognition: the text
is exact, so no value of such a page is marked as OCR. A page with no text but images (a
scanned OFD) has its images placed on a page image and OCR'd. Members are inflated within
parsing/bounded_zip.py's bound.
"""
from __future__ import annotations

import posixpath
import re
import unicodedata
import zipfile

from lxml import etree

PX_PER_MM = 8.0   # the page image the rules are drawn in (and scans are placed in): about 200 dpi
MAX_PAGE_PIXELS = 60_000_000   # of that image: a page of about 1 m²; a larger one is no report page
MAX_PAGES = 2000
MAX_OCR_PAGES = 60   # as for a PDF's scanned pages

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?")
_PATH_TOKEN = re.compile(r"[A-Za-z]|-?(?:\d+\.?\d*|\.\d+)(?:[eE]-?\d+)?")
# Operands each path operator takes (GB/T 33190 §9.1: S start, M move, L line, Q quadratic and
# B cubic Bézier, A arc, C close).
_OPERANDS = {"S": 2, "M": 2, "L": 2, "Q": 4, "B": 6, "A": 7, "C": 0}
_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _floats(text: str | None) -> list[float]:
    return [float(n) for n in _NUMBER.findall(text or "")]


def _xml(bounded, name: str):
    from . import UnreadableDocument
    try:
        return etree.fromstring(bounded.read(name), _PARSER)
    except KeyError:
        raise UnreadableDocument(f"the OFD has no member {name!r}") from None
    except etree.XMLSyntaxError as exc:
        raise UnreadableDocument(f"member {name!r} of the OFD is not well-formed XML ({exc})") from exc


def _children(root, name: str):
    return [el for el in root.iter() if _local(el.tag) == name]


def _member(base: str, loc: str) -> str:
    """A location the OFD gives, as a member name: absolute from the package root when it starts
    with ``/``, else relative to ``base`` (the folder of the file that gives it)."""
    loc = loc.strip()
    return loc.lstrip("/") if loc.startswith("/") else posixpath.normpath(posixpath.join(base, loc))


def read_ofd(data: bytes):
    from . import MissingTool, UnreadableDocument
    from . import ocr as engine
    from .bounded_zip import DamagedMember, ZipBombError, open_bounded
    from .pdf import _ranges, document_from_pages

    try:
        bounded = open_bounded(data)
        root = _xml(bounded, "OFD.xml")
        doc_root = next((el.text.strip() for el in _children(root, "DocRoot") if el.text), None)
        if not doc_root:
            raise UnreadableDocument("OFD.xml names no DocRoot")
        doc_root = doc_root.lstrip("/")
        document = _xml(bounded, doc_root)
        base = posixpath.dirname(doc_root)
        page_box = next((_floats(el.text) for el in _children(document, "PhysicalBox")), [0, 0, 210, 297])
        page_locs = [el.get("BaseLoc") for el in _children(document, "Page") if el.get("BaseLoc")]
        if not page_locs:
            raise UnreadableDocument(f"{doc_root} lists no pages")
        if len(page_locs) > MAX_PAGES:
            raise UnreadableDocument(f"{doc_root} lists {len(page_locs)} pages (at most {MAX_PAGES} are read)")
        title = next((el.text.strip() for el in _children(root, "Title") if el.text and el.text.strip()), "")
        media = _media(bounded, base, [el.text for el in _children(document, "PublicRes")
                                       + _children(document, "DocumentRes") if el.text])
        drawn, scanned = [], []
        for number, loc in enumerate(page_locs, start=1):
            name = _member(base, loc)
            content = _xml(bounded, name)
            own_res = [el.text for el in _children(content, "PageRes") if el.text]
            page_media = {**media, **_media(bounded, posixpath.dirname(name), own_res)} if own_res else media
            drawn.append(_objects(content, number, page_box, page_media))
        pages = []
        for d in drawn:
            if not d.boxes and d.images:
                scanned.append(d.number)
            pages.append(read_drawn_page(d))
        confidence: dict[str, float] = {}
        notes: dict[str, str] = {}
        unread: list[str] = []
        left_out = scanned[MAX_OCR_PAGES:]
        why_left_out = f"past the {MAX_OCR_PAGES} pages OCR'd per document"
        scanned = scanned[:MAX_OCR_PAGES]
        if scanned and not engine.available():
            if len(scanned) == len(drawn):
                raise MissingTool(f"pages {_ranges(scanned)} of the OFD are images (scanned) and the OCR "
                                  f"engine is not installed: {engine.INSTALL_HINT}")
            # Its pages of text are read; the scanned ones are named (needs_ocr), as a PDF's are.
            left_out, scanned = sorted(scanned + left_out), []
            why_left_out = f"the OCR engine is not installed: {engine.INSTALL_HINT}"
        if scanned:
            for d in drawn:
                if d.number in scanned:
                    image = _page_image(bounded, d, unread)
                    if image is not None:
                        ocr_page = engine.read_image(image)
                        # read_image scales a page past its bounds: the points follow the pixels it read.
                        scale = ocr_page.gray.shape[1] / (image.size[0] if ocr_page.turned % 2 == 0 else image.size[1])
                        read = engine.to_page(ocr_page, d.number, PX_PER_MM * 25.4 * scale, confidence, notes)
                        read.chars = max(read.chars, 1)
                        pages[d.number - 1] = read
        # Tables pasted as pictures into a page of text (a screenshot): each picture as large as
        # a table is OCR'd and its tables and lines join the page's, in their place, as a PDF's do.
        pictures = [(d, image) for d in drawn if d.boxes for image in _table_pictures(d)]
        if pictures and not engine.available():
            unread.append(f"pictures that may hold a table on pages {_ranges(sorted({d.number for d, _ in pictures}))}: "
                          f"the OCR engine is not installed ({engine.INSTALL_HINT})")
        elif pictures:
            for d, (found, (x, y, w, h)) in pictures:
                image = _decoded_image(bounded, found, d.number, unread)
                if image is None:
                    continue
                ocr_page = engine.read_image(image)
                sides = ocr_page.gray.shape[:2] if ocr_page.turned % 2 else ocr_page.gray.shape[1::-1]
                read_confidence: dict[str, float] = {}
                read_notes: dict[str, str] = {}
                read = engine.to_page(ocr_page, d.number, sides[0] / (w / 25.4), read_confidence, read_notes)
                engine.place_read(pages[d.number - 1], read, x * 72 / 25.4, y * 72 / 25.4,
                                  read_confidence, read_notes, confidence, notes)
    except ZipBombError as exc:
        raise UnreadableDocument(f"refused OFD: {exc}") from exc
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, DamagedMember) as exc:
        raise UnreadableDocument(f"not a readable OFD file ({type(exc).__name__}: {exc})") from exc
    if not any(p.chars for p in pages):
        if unread:
            raise UnreadableDocument(f"the OFD's pages are images that could not be decoded: {'; '.join(unread)}")
        if scanned:
            raise UnreadableDocument(f"the OFD's pages are images and OCR found no text on them")
        raise UnreadableDocument("the OFD holds no text objects and no images")
    doc = document_from_pages(pages)
    doc.form, doc.method = "ofd", "ofd_table"
    doc.ocr_confidence, doc.ocr_notes = confidence, notes
    if scanned:
        doc.page_meta["pages_ocr"] = _ranges(scanned)
        if len(scanned) == len(pages):
            doc.method = "ocr"
    if left_out:
        doc.page_meta["pages_without_text"] = f"{_ranges(left_out)} ({why_left_out})"
    if unread:
        doc.reader_issues.append(("pictures_not_read", f"images of the OFD that could not be read: {'; '.join(unread)}"))
    if title:
        doc.page_meta["title"] = title
    return doc


# ---- resources --------------------------------------------------------------------------

def _media(bounded, base: str, res_locs: list[str]) -> dict[str, tuple[str, str]]:
    """Image resources by ID → (member name, format), from the resource files named."""
    from . import UnreadableDocument

    out: dict[str, tuple[str, str]] = {}
    for loc in res_locs:
        name = _member(base, loc)
        try:
            res = _xml(bounded, name)
        except UnreadableDocument:
            continue   # a resource file missing or damaged: its images are named unread when used
        folder = posixpath.dirname(name)
        if res.get("BaseLoc"):
            folder = _member(folder, res.get("BaseLoc"))
        for item in _children(res, "MultiMedia"):
            files = [el.text for el in item if _local(el.tag) == "MediaFile" and el.text]
            if item.get("ID") and files and (item.get("Type") or "Image").lower() == "image":
                out[item.get("ID")] = (_member(folder, files[0]), (item.get("Format") or "").upper())
    return out


# ---- one page's objects -------------------------------------------------------------------

class DrawnPage:
    """What one page draws: text boxes and rules (pixels of the page image), images."""

    def __init__(self, number: int, width: float, height: float):
        self.number, self.width, self.height = number, width, height
        self.boxes: list = []
        self.rules: list[tuple[tuple[float, float], tuple[float, float]]] = []
        self.images: list[tuple[str | None, tuple[float, float, float, float]]] = []


def _ctm(el) -> tuple[float, ...]:
    values = _floats(el.get("CTM"))
    return tuple(values[:6]) if len(values) >= 6 else _IDENTITY


def _objects(content, number: int, page_box: list[float], media: dict) -> DrawnPage:
    from . import UnreadableDocument

    own_box = next((_floats(el.text) for el in _children(content, "PhysicalBox")), None)
    box = own_box if own_box and len(own_box) >= 4 else page_box
    width = box[2] if len(box) >= 4 else 210.0
    height = box[3] if len(box) >= 4 else 297.0
    if width * height * PX_PER_MM ** 2 > MAX_PAGE_PIXELS:
        raise UnreadableDocument(f"page {number} of the OFD is {width:.0f} × {height:.0f} mm: not a report page")
    drawn = DrawnPage(number, width, height)
    for el in content.iter():
        tag = _local(el.tag)
        if tag == "TextObject":
            drawn.boxes.extend(_text_boxes(el))
        elif tag == "PathObject":
            origin = (_floats(el.get("Boundary")) + [0.0, 0.0])[:2]
            matrix = _ctm(el)
            for data in el:
                if _local(data.tag) == "AbbreviatedData":
                    drawn.rules.extend(_segments(data.text or "", origin, matrix))
        elif tag == "ImageObject":
            bound = _floats(el.get("Boundary"))
            if len(bound) >= 4 and bound[2] > 0 and bound[3] > 0:
                found = media.get(el.get("ResourceID") or "")
                drawn.images.append((found, tuple(bound[:4])))
    return drawn


def _deltas(text: str | None) -> list[float]:
    """A ``DeltaX``/``DeltaY`` list, its ``g N v`` (N times v) runs expanded."""
    tokens = (text or "").split()
    out: list[float] = []
    i = 0
    try:
        while i < len(tokens):
            if tokens[i] == "g" and i + 2 < len(tokens):
                out.extend([float(tokens[i + 2])] * min(int(float(tokens[i + 1])), 10_000))
                i += 3
            else:
                out.append(float(tokens[i]))
                i += 1
    except ValueError:
        pass   # what follows a damaged entry takes the font's advance
    return out


def _advance(ch: str, size: float) -> float:
    """A glyph's width when nothing says: a Chinese character is square, a Latin one or a digit
    about half as wide."""
    return size if unicodedata.east_asian_width(ch) in ("W", "F") else size * 0.5


def _text_boxes(el) -> list:
    """One box (page pixels) for each run of a text object's glyphs that stand together."""
    from .ocr import OcrBox

    bx, by = (_floats(el.get("Boundary")) + [0.0, 0.0])[:2]
    a, b, c, d, e, f = _ctm(el)
    size = (_floats(el.get("Size")) or [3.5])[0]
    boxes = []
    x = y = 0.0
    for code in el:
        if _local(code.tag) != "TextCode":
            continue
        text = code.text or ""
        x = (_floats(code.get("X")) or [x])[0]
        y = (_floats(code.get("Y")) or [y])[0]
        dx, dy = _deltas(code.get("DeltaX")), _deltas(code.get("DeltaY"))
        glyphs = []   # (character, x, y, advance)
        for i, ch in enumerate(text):
            step_x = dx[i] if i < len(dx) else (0.0 if dy and not dx else _advance(ch, size))
            step_y = dy[i] if i < len(dy) else 0.0
            glyphs.append((ch, x, y, step_x))
            x, y = x + step_x, y + step_y
        runs: list[list] = []
        for g in glyphs:
            if runs:
                last = runs[-1][-1]
                # Cut where the next glyph is not where this one ends (a wider gap than a glyph:
                # the next cell, a word set apart) or not on its line.
                if g[1] - last[1] - _advance(last[0], size) > 0.8 * size or abs(g[2] - last[2]) > 0.5 * size:
                    runs.append([g])
                    continue
                runs[-1].append(g)
            else:
                runs.append([g])
        for run in runs:
            chars = "".join(g[0] for g in run).strip()
            if not chars:
                continue
            x0, x1 = run[0][1], run[-1][1] + _advance(run[-1][0], size)
            top, bottom = min(g[2] for g in run) - 0.88 * size, max(g[2] for g in run) + 0.12 * size
            xs, ys = [], []
            for px, py in ((x0, top), (x1, top), (x0, bottom), (x1, bottom)):
                xs.append(a * px + c * py + e + bx)
                ys.append(b * px + d * py + f + by)
            boxes.append(OcrBox(min(xs) * PX_PER_MM, min(ys) * PX_PER_MM, max(xs) * PX_PER_MM,
                                max(ys) * PX_PER_MM, chars, 1.0))
    return boxes


def _segments(path: str, origin, matrix=_IDENTITY) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """The straight segments of an abbreviated path (``S``/``M x y``, ``L x y``, ``C`` closing;
    curves and arcs only move the pen), in page millimetres."""
    a, b, c, d, e, f = matrix
    ox, oy = origin

    def place(x: float, y: float) -> tuple[float, float]:
        return (a * x + c * y + e + ox, b * x + d * y + f + oy)

    tokens = _PATH_TOKEN.findall(path)
    out, current, start, i = [], None, None, 0
    while i < len(tokens):
        op = tokens[i].upper()
        if op not in _OPERANDS:
            i += 1   # an operand without its operator: skipped
            continue
        n = _OPERANDS[op]
        try:
            values = [float(t) for t in tokens[i + 1:i + 1 + n]]
        except ValueError:
            values = []
        if len(values) < n:
            break
        i += 1 + n
        if op in ("S", "M"):
            current = start = place(*values)
        elif op == "L":
            point = place(*values)
            if current is not None:
                out.append((current, point))
            current = point
        elif op == "C":
            if current is not None and start is not None and current != start:
                out.append((current, start))
            current = start
        else:
            current = place(*values[-2:])
    return out


def read_drawn_page(drawn: DrawnPage):
    """The page read from its text boxes and rules (no text: a page with no characters)."""
    import numpy as np

    from .ocr import OcrPage, to_page

    w_px, h_px = int(drawn.width * PX_PER_MM) + 1, int(drawn.height * PX_PER_MM) + 1
    gray = np.full((h_px, w_px), 255, dtype=np.uint8)
    if drawn.rules:
        import cv2
        for (x0, y0), (x1, y1) in drawn.rules:
            cv2.line(gray, (int(x0 * PX_PER_MM), int(y0 * PX_PER_MM)), (int(x1 * PX_PER_MM), int(y1 * PX_PER_MM)), 0, 2)
    # The text is exact: its confidence is not recorded (no value of such a page is an OCR value).
    return to_page(OcrPage(drawn.boxes, gray, 0, 0.0), drawn.number, PX_PER_MM * 25.4, {}, {})


# A picture on a page of text that may be a table: as wide as 40 % of the page and 14 mm (40
# points) high, as for a PDF's pictures (pdf._pictures), with few text boxes over it (a
# background or a seal under text is no table).
_PICTURE_MIN_WIDTH_SHARE = 0.4
_PICTURE_MIN_HEIGHT_MM = 14.0
_TEXT_OVER_PICTURE = 2


def _table_pictures(drawn: DrawnPage) -> list:
    """The images of a page of text that may be tables pasted as pictures."""
    found = []
    for image in drawn.images:
        x, y, w, h = image[1]
        if w < _PICTURE_MIN_WIDTH_SHARE * drawn.width or h < _PICTURE_MIN_HEIGHT_MM:
            continue
        over = sum(1 for box in drawn.boxes
                   if x <= (box.x0 + box.x1) / 2 / PX_PER_MM <= x + w and y <= (box.y0 + box.y1) / 2 / PX_PER_MM <= y + h)
        if over <= _TEXT_OVER_PICTURE:
            found.append(image)
    return found


def _decoded_image(bounded, found, number: int, unread: list[str]):
    """An image object's picture (PIL), or None when it cannot be decoded (named in ``unread``)."""
    import io

    from PIL import Image

    if found is None:
        unread.append(f"page {number}: an image whose resource is not listed")
        return None
    name, form = found
    try:
        image = Image.open(io.BytesIO(bounded.read(name)))
        image.load()
    except KeyError:
        unread.append(f"page {number}: {name} (not in the package)")
        return None
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        unread.append(f"page {number}: {name} ({form or 'image'}: {type(exc).__name__})")
        return None
    return image


def _page_image(bounded, drawn: DrawnPage, unread: list[str]):
    """The page's images placed where it draws them, on a white page (grayscale), or None when
    none of them can be decoded (each named in ``unread``)."""
    from PIL import Image

    page = Image.new("L", (int(drawn.width * PX_PER_MM) + 1, int(drawn.height * PX_PER_MM) + 1), 255)
    placed = 0
    for found, (x, y, w, h) in drawn.images:
        image = _decoded_image(bounded, found, drawn.number, unread)
        if image is None:
            continue
        size = (max(1, round(w * PX_PER_MM)), max(1, round(h * PX_PER_MM)))
        page.paste(image.convert("L").resize(size, Image.LANCZOS), (round(x * PX_PER_MM), round(y * PX_PER_MM)))
        placed += 1
    return page if placed else None
