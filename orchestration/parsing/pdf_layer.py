"""A PDF page's characters and drawn paths read through pdfium, as the objects pdfplumber's
table finder and line grouping take.

pdfplumber reads the text layer through pdfminer, which interprets the content stream in
Python character by character: 85 % of a report's parse time, about 26 times what pdfium needs
for the same text. pdfium (C++, Apache-2.0/BSD) interprets it here, and only the plain data the
later stages use crosses into Python: per character its text and box, per path its points and
paint. :func:`pages` hands them to pdfplumber as pages whose objects are already parsed, so the
table reconstruction above (pdfplumber's finder, orchestration/parsing/pdf.py) is unchanged.

The boxes are pdfminer's, not pdfium's glyph boxes: a character runs from its origin to its
advance width, and from the font's descent to the descent plus the font size (pdfium's "loose"
box gives the origin, advance and descent; the size is the font size scaled by the character's
matrix). One difference on purpose: the descent is one per page, the font's that most of the
page's characters are set in (:func:`_one_descent`), so that a line's characters in fonts of
other descents keep its line. Paths are split and classified as pdfminer does (a subpath per
move; two points make a line, an axis-aligned closed quadrilateral a rectangle, anything else a
curve). Coordinates are rounded to 1/1000 point: pdfium keeps them as 32-bit floats (74.30000305
for 74.3).

A page with a ``/Rotate`` (a landscape table drawn turned on a portrait page and shown upright,
as some printers and scanners' software write it) is read as it is shown: pdfium gives page
space, so every character, path and image is taken through the page's turn (:func:`_display`)
before anything else sees it, and the page is as wide and tall as it is shown (pdfminer turns
such pages the same way; it was the fallback for them before parser 0.7.11).

**Fonts a PDF does not embed** (STSong-Light in iText's and reportlab's PDFs, 宋体 in some WPS
exports) get one small substitute, ``substitute_font.ttf``, never the machine's own fonts
(:func:`use_substitute_font`). pdfium needs a font file for each such font: by default it takes
the system's, and what it then reads depends on the machine. With a CJK font installed (Noto CJK:
26 MB, CFF outlines) it reads the whole file for every document and works out the outline of
every character, about half of such a PDF's parse time, for boxes the reader does not use; with
none, a character's box is empty, and pdfium's text page drops every text object of one CJK
character (a wrapped label's last character, a label set vertically one character at a time).
The substitute's one glyph draws nothing and has a box one em tall and 1/100 em wide: no object
is dropped, each character's box ends at its advance by the PDF's own widths (pdfminer's box),
and the text layer is the same on every machine (tools/make_substitute_font.py makes the font).
Only the standard 14 fonts (Helvetica, Times, Courier, under their usual names) are left to
pdfium's built-in copies: a PDF need not give their widths, and pdfium then takes the font's.
"""
from __future__ import annotations

import ctypes
import re
from functools import lru_cache
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.page import Page as _PlumberPage

_MOVE, _LINE = pdfium_c.FPDF_SEGMENT_MOVETO, pdfium_c.FPDF_SEGMENT_LINETO
_SUBPATH = re.compile(r"m[^m]+")


class LayerPage(_PlumberPage):
    """A pdfplumber page whose objects come from pdfium: everything pdfplumber does with a
    page's objects (filter, find_tables, extract_text_lines) works on it unchanged."""

    def __init__(self, number: int, width: float, height: float, doctop: float, objects: dict,
                 invisible_chars: int = 0):
        self.invisible_chars = invisible_chars   # drawn invisibly (text render mode 3): a scan's text layer
        self.pdf = None
        self.root_page = self
        self.page_obj = None
        self.page_number = number
        self.initial_doctop = doctop
        self.rotation = 0
        self.mediabox = self.cropbox = self.bbox = (0, 0, width, height)
        self.get_textmap = lru_cache()(self._get_textmap)
        self._objects = objects


def open_document(data: bytes) -> pdfium.PdfDocument:
    use_substitute_font()
    return pdfium.PdfDocument(data)


# pdfium asks these callbacks (its FPDF_SYSFONTINFO) for a font whenever a PDF names one it does not
# embed (_map_font decides). The structure, the callbacks and the font's bytes are module globals:
# pdfium keeps pointers to them for the life of the process.
_SUBSTITUTE = Path(__file__).with_name("substitute_font.ttf").read_bytes()
_FACE_NAME = b"DisclosureSubstitute\0"
_HANDLE_OF_THE_FONT = 1   # any non-null handle: there is one font
_DEFAULT_CHARSET = 1      # FXFONT_DEFAULT_CHARSET
# FXFONT_SHIFTJIS_CHARSET, FXFONT_HANGEUL_CHARSET, FXFONT_GB2312_CHARSET, FXFONT_CHINESEBIG5_CHARSET
_CJK_CHARSETS = frozenset((128, 129, 134, 136))
# The standard 14 fonts' families, under their names and their usual aliases. A PDF need not give
# their widths (reportlab gives none), so pdfium takes them from the font it is given: these are
# left to pdfium's own built-in copies (the same on every machine), never the substitute, whose
# every glyph is one em wide. "Arial Unicode MS" is not among them: it has CJK glyphs.
_STANDARD_FAMILY = re.compile(r"(?:[A-Z]{6}\+)?(?!arial ?unicode)(helvetica|arial|times|courier|symbol|zapfdingbats)",
                              re.IGNORECASE)


def _map_font(this, weight, italic, charset, pitch_family, face, exact):
    """Every font a PDF does not embed gets the substitute, but a standard one in a Latin charset
    (None: pdfium then uses its built-in font)."""
    name = ctypes.cast(face, ctypes.c_char_p).value.decode("latin-1") if face else ""
    if charset not in _CJK_CHARSETS and _STANDARD_FAMILY.match(name):
        return None
    return _HANDLE_OF_THE_FONT


def _font_data(this, font, table, buffer, size):
    if table != 0:   # 0 asks for the whole file; pdfium asks for single tables only of TTC files
        return 0
    if buffer and size >= len(_SUBSTITUTE):
        ctypes.memmove(buffer, _SUBSTITUTE, len(_SUBSTITUTE))
    return len(_SUBSTITUTE)


def _face_name(this, font, buffer, size):
    if buffer and size >= len(_FACE_NAME):
        ctypes.memmove(buffer, _FACE_NAME, len(_FACE_NAME))
    return len(_FACE_NAME)


_CALLBACK = dict(pdfium_c.FPDF_SYSFONTINFO._fields_)
_SUBSTITUTE_INFO = pdfium_c.FPDF_SYSFONTINFO(
    version=1,
    Release=_CALLBACK["Release"](lambda this: None),
    EnumFonts=_CALLBACK["EnumFonts"](lambda this, mapper: None),
    MapFont=_CALLBACK["MapFont"](_map_font),
    GetFont=_CALLBACK["GetFont"](lambda this, face: None),   # asked by name only: left to pdfium
    GetFontData=_CALLBACK["GetFontData"](_font_data),
    GetFaceName=_CALLBACK["GetFaceName"](_face_name),
    GetFontCharset=_CALLBACK["GetFontCharset"](lambda this, font: _DEFAULT_CHARSET),
    DeleteFont=_CALLBACK["DeleteFont"](lambda this, font: None),
)
_fonts_in_use = "system"


def use_substitute_font() -> None:
    """From now on in this process, pdfium gets the substitute for every font a PDF does not
    embed (the module docstring says why). The text layer's readers call it; it is a setting of
    the pdfium library, so it holds for every document opened after it, in any module."""
    global _fonts_in_use
    if _fonts_in_use != "substitute":
        pdfium_c.FPDF_SetSystemFontInfo(ctypes.byref(_SUBSTITUTE_INFO))
        _fonts_in_use = "substitute"


def use_system_fonts() -> None:
    """From now on in this process, pdfium takes fonts a PDF does not embed from the machine, as
    it does by default: for drawing such a PDF as it looks (the generator's scans), since the
    substitute draws nothing. Each switch back makes pdfium list the machine's fonts again."""
    global _fonts_in_use
    if _fonts_in_use != "system":
        # A new one each time: when pdfium is given another, it releases this one's font list, so
        # a second use of it would read freed memory. The small structure itself is never freed.
        pdfium_c.FPDF_SetSystemFontInfo(pdfium_c.FPDF_GetDefaultSystemFontInfo())
        _fonts_in_use = "system"


def pages(pdf: pdfium.PdfDocument):
    """Every page of the document as a :class:`LayerPage`, one at a time (a page's pdfium
    objects are closed before the next is read)."""
    doctop = 0.0
    for index in range(len(pdf)):
        page = pdf[index]
        try:
            x0, y0, x1, y1 = page.get_mediabox()
            width, height = x1 - x0, y1 - y0
            display = _display(page.get_rotation(), (x0, y0, x1, y1))
            if display is not None:
                # Shown turned: what follows is in the space of the page as shown, whose corner is 0, 0.
                y0 = 0.0
                if display[0] == 0:
                    width, height = height, width
            text_page = page.get_textpage()
            try:
                chars, invisible = _chars(text_page, index + 1, height, y0, doctop, display)
            finally:
                text_page.close()
            objects = {"char": chars} if chars else {}
            for kind, item in _paths(page, index + 1, height, y0, doctop, display):
                objects.setdefault(kind, []).append(item)
            yield LayerPage(index + 1, width, height, doctop, objects, invisible)
            doctop += height
        finally:
            page.close()


def _display(rotation: int, mediabox: tuple[float, float, float, float]) -> tuple | None:
    """The matrix from page space to the page as shown, turned clockwise by ``rotation`` (its
    ``/Rotate``) with its lower left corner at 0, 0; None for a page not turned."""
    x0, y0, x1, y1 = mediabox
    turn = rotation % 360
    if turn == 90:
        return (0, -1, 1, 0, -y0, x1)
    if turn == 180:
        return (-1, 0, 0, -1, x1, y1)
    if turn == 270:
        return (0, 1, -1, 0, y1, -x0)
    return None


def _bound(function, result, *arguments):
    """A pdfium function called with plain integers for handles. pypdfium2's bindings build a
    typed pointer object for every handle returned and check every argument: 2–3 µs a call,
    which at five calls a character was most of the reading."""
    address = ctypes.cast(function, ctypes.c_void_p).value
    return ctypes.CFUNCTYPE(result, *arguments)(address)


_BLANKS = frozenset((0x20, 0x0D, 0x0A, 0x00, 0x02))   # what pdfium generates between words and lines
_HANDLE, _INT, _DOUBLE = ctypes.c_void_p, ctypes.c_int, ctypes.c_double
_count_chars = _bound(pdfium_c.FPDFText_CountChars, _INT, _HANDLE)
_unicode_of = _bound(pdfium_c.FPDFText_GetUnicode, ctypes.c_uint, _HANDLE, _INT)
_is_generated = _bound(pdfium_c.FPDFText_IsGenerated, _INT, _HANDLE, _INT)
_map_error = _bound(pdfium_c.FPDFText_HasUnicodeMapError, _INT, _HANDLE, _INT)
_font_size = _bound(pdfium_c.FPDFText_GetFontSize, _DOUBLE, _HANDLE, _INT)
_loose_box = _bound(pdfium_c.FPDFText_GetLooseCharBox, _INT, _HANDLE, _INT, ctypes.POINTER(pdfium_c.FS_RECTF))
_matrix_of = _bound(pdfium_c.FPDFText_GetMatrix, _INT, _HANDLE, _INT, ctypes.POINTER(pdfium_c.FS_MATRIX))
_origin_of = _bound(pdfium_c.FPDFText_GetCharOrigin, _INT, _HANDLE, _INT,
                    ctypes.POINTER(_DOUBLE), ctypes.POINTER(_DOUBLE))
_text_object = _bound(pdfium_c.FPDFText_GetTextObject, _HANDLE, _HANDLE, _INT)
_font_of = _bound(pdfium_c.FPDFTextObj_GetFont, _HANDLE, _HANDLE)
_descent = _bound(pdfium_c.FPDFFont_GetDescent, _INT, _HANDLE, ctypes.c_float, ctypes.POINTER(ctypes.c_float))
_render_mode = _bound(pdfium_c.FPDFTextObj_GetTextRenderMode, _INT, _HANDLE)
_PAINTS_NOTHING = (pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE, pdfium_c.FPDF_TEXTRENDERMODE_CLIP)


def _chars(text_page, number: int, height: float, y_origin: float, doctop: float,
           display: tuple | None = None) -> tuple[list[dict], int]:
    """The page's drawn characters, in the content stream's order, with pdfminer's boxes, and
    how many of them are drawn invisibly (text render mode 3, or clip only: the text a scanner's
    OCR lays over the scan). The keys are the ones pdfplumber's table finder, word grouping and
    pdf.py read.

    pdfminer's box runs from the origin to the advance width, and from the font's descent (its
    descriptor's, which pdfium reports too) to the descent plus the font size. pdfium's loose
    box is the union of the advance (by the PDF's own widths) and the glyph's box: a font the
    PDF embeds (or pdfium's built-in standard 14) has glyphs within their advance, and any other
    gets the substitute, whose glyphs are a hundredth of an em wide, so the box's right edge is
    the advance. (A glyph drawn past its advance, an italic's, widens the box a little.)

    ``display`` (a turned page's :func:`_display`) takes each matrix, origin and box from page
    space to the page as shown."""
    handle = ctypes.cast(text_page.raw, ctypes.c_void_p).value
    box = pdfium_c.FS_RECTF()
    matrix = pdfium_c.FS_MATRIX()
    box_p, matrix_p = ctypes.pointer(box), ctypes.pointer(matrix)
    ox, oy = _DOUBLE(), _DOUBLE()
    ox_p, oy_p = ctypes.pointer(ox), ctypes.pointer(oy)
    units = ctypes.c_float()
    units_p = ctypes.pointer(units)
    descents: dict[int, float] = {}   # font → its descent per unit of font size
    top_of_page = height + y_origin   # pdfplumber's top = page height - (y - the media box's y0)
    chars = []
    append = chars.append
    last_object = None
    line_y = line_size = bottom = high = top = under = None   # of the last upright character
    invisible = 0
    hidden = False
    on_baseline = []   # upright characters: (index, their font's descent, baseline, size × d)
    for i in range(_count_chars(handle)):
        code = _unicode_of(handle, i)
        if code in _BLANKS and _is_generated(handle, i):
            continue   # spaces and line ends pdfium infers: not drawn, pdfminer has none
        text = chr(code) if 0 < code < 0x110000 else "\ufffd"
        if _map_error(handle, i) == 1:
            text = f"(cid:{code})"   # pdfminer's mark for a glyph without a Unicode mapping
        text_object = _text_object(handle, i)
        if not text_object:
            continue   # no text object draws it: a character pdfium made up (a hyphen, a break)
        if text_object != last_object:
            # The font, its size and the matrix are the text object's: asked once per object.
            last_object = text_object
            line_y = None
            font = _font_of(text_object)
            descent = descents.get(font)
            if descent is None:
                units.value = 0.0   # left as it is when the font gives none
                _descent(font, 1.0, units_p)
                descent = descents[font] = units.value
            _matrix_of(handle, i, matrix_p)
            a, b, c, d, e, f = matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f
            if display is not None:
                a, b, c, d, e, f = _compose((a, b, c, d, e, f), display)
            object_size = _font_size(handle, i)
            upright = 0 < a * d and b * c <= 0
            hidden = _render_mode(text_object) in _PAINTS_NOTHING
        if hidden:
            invisible += 1
        _loose_box(handle, i, box_p)
        if display is not None:
            _turn_box(box, display)
        size = object_size
        if b == 0 and c == 0:
            _origin_of(handle, i, ox_p, oy_p)
            x, y = ox.value, oy.value
            if display is not None:
                x, y = (display[0] * x + display[2] * y + display[4], display[1] * x + display[3] * y + display[5])
            if x < e - 0.01 and abs(y - f) > 0.01:
                # A vertical font: pdfium's origin is the glyph's lower left corner (the text
                # matrix's point less the font's vertical displacement, so left of and below
                # it), and pdfminer's box one font size square from there.
                size = round(size * abs(a), 3)
                left, bottom = round(x, 3), round(y, 3)
                right, high = round(left + size, 3), round(bottom + size, 3)
                top, under = round(top_of_page - high, 3), round(top_of_page - bottom, 3)
                line_y = None   # the vertical box is no baseline's
            else:
                left, right = round(x, 3), round(box.right, 3)
                on_baseline.append((len(chars), descent, y, size * d))
                if y != line_y:
                    # The box's height hangs on the baseline, the object's font and size only:
                    # worked out once for the characters of an object on one baseline.
                    line_y = y
                    bottom = round(y + descent * size * d, 3)
                    line_size = round(size * abs(d), 3)
                    high = round(bottom + line_size, 3)
                    top, under = round(top_of_page - high, 3), round(top_of_page - bottom, 3)
                size = line_size
        else:   # turned text: the box as pdfium gives it
            left, right, bottom, high = round(box.left, 3), round(box.right, 3), round(box.bottom, 3), round(box.top, 3)
            size = round(high - bottom, 3)
            top, under = round(top_of_page - high, 3), round(top_of_page - bottom, 3)
        append({
            "object_type": "char", "text": text, "x0": left, "x1": right,
            "top": top, "bottom": under, "doctop": doctop + top,
            "size": size, "upright": upright,
            "width": right - left, "height": high - bottom, "page_number": number,
        })
    _one_descent(chars, on_baseline, top_of_page, doctop)
    return chars, invisible


def _turn_box(box, display: tuple) -> None:
    """``box`` (an FS_RECTF in page space) in place, as the turned page shows it."""
    a, b, c, d, e, f = display
    xs, ys = [], []
    for x, y in ((box.left, box.bottom), (box.right, box.top)):
        xs.append(a * x + c * y + e)
        ys.append(b * x + d * y + f)
    box.left, box.right, box.bottom, box.top = min(xs), max(xs), min(ys), max(ys)


def _one_descent(chars: list[dict], on_baseline: list[tuple], top_of_page: float, doctop: float) -> None:
    """Upright characters' boxes hung from their baselines by one descent for the whole page: the
    descent of the font most of them are set in.

    A box's top is its baseline less the font's descent plus the size, and lines are grouped by
    tops (pdfplumber's 3 pt tolerance). Where a line mixes fonts whose descents differ, its
    characters' tops differ too, though they stand on one baseline: LibreOffice sets a
    paragraph's digits in a Latin font and its Chinese in a CJK one, and its PDFs give both
    fonts' descriptors Ascent 0 and Descent 0, which pdfium (unlike pdfminer, which takes the 0)
    replaces with each font's own measure: the digits' boxes 0.28 em lower than the Chinese
    text's. At 12 pt the digits became a line of their own (「统计期限自年月日起至年」, then
    「2023 1 1 2023」), and an item number fell below its label's first line in a cell
    (「本机关不掌握相关政府1.信息」). Measured on a shared baseline no such line splits, whatever the
    fonts' metrics; on a page of one font, or fonts of one descent, nothing changes."""
    descents: dict[float, int] = {}
    for _, descent, _, _ in on_baseline:
        descents[descent] = descents.get(descent, 0) + 1
    if len(descents) < 2:
        return
    page_descent = max(descents, key=descents.get)
    for index, descent, baseline, scale in on_baseline:
        if descent != page_descent:
            char = chars[index]
            bottom = round(baseline + page_descent * scale, 3)
            high = round(bottom + char["size"], 3)
            char["top"] = round(top_of_page - high, 3)
            char["bottom"] = round(top_of_page - bottom, 3)
            char["doctop"] = doctop + char["top"]
            char["height"] = high - bottom


def _compose(m: tuple, n: tuple) -> tuple:
    """m then n (PDF row-vector convention)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _paths(page, number: int, height: float, y_origin: float, doctop: float, display: tuple | None = None):
    """(kind, object) for every path and image on the page, inside form XObjects too (and
    through ``display``, a turned page's :func:`_display`)."""
    handle = page.raw
    count = pdfium_c.FPDFPage_CountObjects(handle)
    page_matrix = display or (1, 0, 0, 1, 0, 0)
    stack = [(pdfium_c.FPDFPage_GetObject(handle, i), page_matrix) for i in reversed(range(count))]
    matrix = pdfium_c.FS_MATRIX()
    while stack:
        obj, outer = stack.pop()
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            pdfium_c.FPDFPageObj_GetMatrix(obj, matrix)
            inner = _compose((matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f), outer)
            n = pdfium_c.FPDFFormObj_CountObjects(obj)
            stack.extend((pdfium_c.FPDFFormObj_GetObject(obj, i), inner) for i in reversed(range(n)))
        elif kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            yield from _path_objects(obj, outer, number, height, y_origin, doctop)
        elif kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            yield "image", _image_object(obj, outer, number, height, y_origin, doctop)


def _image_object(obj, outer: tuple, number: int, height: float, y_origin: float, doctop: float) -> dict:
    """Where an image is drawn, as pdfminer gives it: the unit square through the image's matrix
    (and those of the forms around it)."""
    matrix = pdfium_c.FS_MATRIX()
    pdfium_c.FPDFPageObj_GetMatrix(obj, matrix)
    a, b, c, d, e, f = _compose((matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f), outer)
    xs, ys = (e, a + e, c + e, a + c + e), (f, b + f, d + f, b + d + f)
    left, right, low, high = min(xs), max(xs), min(ys) - y_origin, max(ys) - y_origin
    top = round(height - high, 3)
    return {"object_type": "image", "x0": left, "x1": right, "y0": low, "y1": high, "width": right - left,
            "height": high - low, "top": top, "bottom": round(height - low, 3), "doctop": doctop + top,
            "page_number": number}


def _fill_colour(obj) -> tuple:
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not pdfium_c.FPDFPageObj_GetFillColor(obj, r, g, b, a):
        return (0,)
    return (r.value / 255, g.value / 255, b.value / 255)


_count_segments = _bound(pdfium_c.FPDFPath_CountSegments, _INT, _HANDLE)
_segment = _bound(pdfium_c.FPDFPath_GetPathSegment, _HANDLE, _HANDLE, _INT)
_point = _bound(pdfium_c.FPDFPathSegment_GetPoint, _INT, _HANDLE,
                ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_float))
_segment_type = _bound(pdfium_c.FPDFPathSegment_GetType, _INT, _HANDLE)
_segment_closes = _bound(pdfium_c.FPDFPathSegment_GetClose, _INT, _HANDLE)


def _path_objects(obj, outer: tuple, number: int, height: float, y_origin: float, doctop: float):
    matrix = pdfium_c.FS_MATRIX()
    pdfium_c.FPDFPageObj_GetMatrix(obj, matrix)
    a, b, c, d, e, f = _compose((matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f), outer)
    ops: list[str] = []
    points: list[tuple[float, float]] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    x_p, y_p = ctypes.pointer(x), ctypes.pointer(y)
    path = ctypes.cast(obj, ctypes.c_void_p).value
    for i in range(_count_segments(path)):
        segment = _segment(path, i)
        _point(segment, x_p, y_p)
        px, py = x.value, y.value
        points.append((round(a * px + c * py + e, 3), round(b * px + d * py + f, 3)))
        kind = _segment_type(segment)
        ops.append("m" if kind == _MOVE else "l" if kind == _LINE else "c")
        if _segment_closes(segment):
            ops.append("h")
            points.append(None)
    if not ops:
        return
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDFPath_GetDrawMode(obj, fill_mode, stroke)
    width = ctypes.c_float()
    pdfium_c.FPDFPageObj_GetStrokeWidth(obj, width)
    fill, stroked = bool(fill_mode.value), bool(stroke.value)
    paint = {
        "stroke": stroked, "fill": fill, "evenodd": fill_mode.value == 1, "linewidth": width.value,
        # Only a filled, unstroked shape's colour is asked for (pdf.py: is it white?).
        "non_stroking_color": _fill_colour(obj) if fill and not stroked else None,
    }
    # A Bézier segment is three points in pdfium, one operator ("c") in pdfminer.
    merged_ops, merged_points = [], []
    i = 0
    while i < len(ops):
        if ops[i] == "c":
            merged_ops.append("c")
            merged_points.append(points[min(i + 2, len(points) - 1)])
            i += 3 if ops[i + 1:i + 3] == ["c", "c"] else 1
            continue
        merged_ops.append(ops[i])
        merged_points.append(points[i])
        i += 1
    shape = "".join(merged_ops)
    if shape[:1] != "m":
        return
    for match in _SUBPATH.finditer(shape):
        sub_ops = shape[match.start():match.end()]
        sub_points = merged_points[match.start():match.end()]
        sub_points = [p if p is not None else sub_points[0] for p in sub_points]
        item = _classify(sub_ops, sub_points, paint, height, y_origin, doctop)
        if item is not None:
            item[1]["page_number"] = number
            yield item


def _classify(shape: str, pts: list, paint: dict, height: float, y_origin: float, doctop: float):
    """pdfminer's reading of one subpath: line, rectangle or curve."""
    if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
        shape = shape[:-2] + "h"
        pts = pts[:-2] + pts[-1:]
    if shape in ("mlh", "ml"):
        kind, pts = "line", pts[:2]
    elif shape in ("mlllh", "mllll"):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
        square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)
        kind = "rect" if pts[0] == pts[4] and square else "curve"
        if kind == "rect":
            pts = [pts[0], pts[2]]
    else:
        kind = "curve"
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    left, right, low, high = min(xs), max(xs), min(ys) - y_origin, max(ys) - y_origin
    top = round(height - high, 3)
    item = {
        "object_type": kind, "x0": left, "x1": right, "y0": low, "y1": high,
        "width": right - left, "height": high - low,
        "top": top, "bottom": round(height - low, 3), "doctop": doctop + top, **paint,
    }
    if kind == "curve":
        item["pts"] = [(x, round(height - (y - y_origin), 3)) for x, y in pts]
    return kind, item
