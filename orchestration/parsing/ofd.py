"""OFD (GB/T 33190, China's fixed-layout format) → the same pages a PDF text layer gives.

An OFD is a zip of XML: ``OFD.xml`` names the document root, whose ``Document.xml`` lists the
pages; each page's ``Content.xml`` holds text objects (a ``Boundary`` box in millimetres and
the text) and path objects (the tables' rules). The text objects become boxes and the rules are
drawn into an image of the page, and from there the reading is OCR's (parsing/ocr.py: rules →
grid → cells, other boxes → lines), without the recognition: the text is exact, so no value of
an OFD is marked as OCR. Members are inflated within parsing/bounded_zip.py's bound.
"""
from __future__ import annotations

import posixpath
import re
import zipfile

from lxml import etree

PX_PER_MM = 8.0   # the page image the rules are drawn in: about 200 dpi
MAX_PAGES = 2000

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


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


def read_ofd(data: bytes):
    from . import UnreadableDocument
    from .bounded_zip import ZipBombError, open_bounded
    from .pdf import document_from_pages

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
        pages = []
        for number, loc in enumerate(page_locs, start=1):
            name = loc.lstrip("/") if loc.startswith("/") else posixpath.normpath(posixpath.join(base, loc))
            pages.append(_page(_xml(bounded, name), number, page_box))
    except ZipBombError as exc:
        raise UnreadableDocument(f"refused OFD: {exc}") from exc
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as exc:
        raise UnreadableDocument(f"not a readable OFD file ({type(exc).__name__}: {exc})") from exc
    if not any(p.chars for p in pages):
        raise UnreadableDocument("the OFD holds no text objects (its pages may be images: not read yet)")
    doc = document_from_pages(pages)
    doc.form, doc.method = "ofd", "ofd_table"
    if title:
        doc.page_meta["title"] = title
    return doc


def _page(content, number: int, page_box: list[float]):
    import numpy as np

    from .ocr import OcrBox, OcrPage, to_page

    width = page_box[2] if len(page_box) >= 4 else 210.0
    height = page_box[3] if len(page_box) >= 4 else 297.0
    boxes = []
    rules = []
    for el in content.iter():
        tag = _local(el.tag)
        if tag == "TextObject":
            box = _floats(el.get("Boundary"))
            text = "".join(code.text or "" for code in el if _local(code.tag) == "TextCode").strip()
            if len(box) >= 4 and text:
                x, y, w, h = box[:4]
                boxes.append(OcrBox(x * PX_PER_MM, y * PX_PER_MM, (x + w) * PX_PER_MM, (y + h) * PX_PER_MM, text, 1.0))
        elif tag == "PathObject":
            origin = _floats(el.get("Boundary"))[:2] or [0.0, 0.0]
            for data in el:
                if _local(data.tag) == "AbbreviatedData":
                    rules.extend(_segments(data.text or "", origin))
    w_px, h_px = int(width * PX_PER_MM) + 1, int(height * PX_PER_MM) + 1
    if w_px * h_px > 60_000_000:
        from . import UnreadableDocument
        raise UnreadableDocument(f"page {number} of the OFD is {width:.0f} × {height:.0f} mm: not a report page")
    gray = np.full((h_px, w_px), 255, dtype=np.uint8)
    if rules:
        import cv2
        for (x0, y0), (x1, y1) in rules:
            cv2.line(gray, (int(x0 * PX_PER_MM), int(y0 * PX_PER_MM)), (int(x1 * PX_PER_MM), int(y1 * PX_PER_MM)), 0, 2)
    # The text is exact: its confidence is not recorded (no value of an OFD is an OCR value).
    page = to_page(OcrPage(boxes, gray, 0, 0.0), number, PX_PER_MM * 25.4, {}, {})
    return page


def _segments(path: str, origin: list[float]) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """The straight segments of an abbreviated path (M x y L x y …), in page millimetres."""
    ox, oy = origin
    tokens = re.findall(r"[A-Za-z]|-?\d+(?:\.\d+)?", path)
    out, current, start, i = [], None, None, 0
    while i < len(tokens):
        op = tokens[i]
        if op in ("M", "L") and i + 2 < len(tokens) + 0:
            try:
                point = (float(tokens[i + 1]) + ox, float(tokens[i + 2]) + oy)
            except (ValueError, IndexError):
                break
            if op == "L" and current is not None:
                out.append((current, point))
            if op == "M":
                start = point
            current = point
            i += 3
        elif op == "C" and current is not None:
            current = None
            i += 7
        elif op in ("B", "Q", "A"):
            i += {"B": 7, "Q": 5, "A": 8}[op]
            current = None
        elif op == "Z":
            if current is not None and start is not None:
                out.append((current, start))
            i += 1
        else:
            i += 1
    return out
