"""Windows metafiles (EMF) → the same page an OFD's or a PDF's text layer gives.

A table copied out of Excel (or WPS) and pasted into Word "as a picture" is kept as an Enhanced
Metafile: not pixels but the drawing calls that drew it. Its text is there as text
(``EMR_EXTTEXTOUTW``: a string at a reference point, each character's advance) and its borders
as lines and thin filled shapes, so it is read exactly, as an OFD page is: every string placed
where the metafile's mapping (window and viewport, map mode, world transform) puts it on the
picture's frame, cut into words where its characters stand apart, and the rules drawn into an
image for the grid (``ofd.read_drawn_page``). No OCR, so no value of it is marked as OCR's.

Only the GDI records are read. A picture of GDI+ records alone (EMF+ without the GDI copy
Office writes beside them) has no text here, and is named unread.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, replace

MAX_RECORDS = 200_000     # a table's picture has hundreds
MAX_STRINGS = 20_000
_EMF_SIGNATURE = b" EMF"

# Record types (MS-EMF 2.1.1).
_POLYBEZIER, _POLYGON, _POLYLINE, _POLYBEZIERTO, _POLYLINETO = 2, 3, 4, 5, 6
_POLYPOLYLINE, _POLYPOLYGON = 7, 8
_SETWINDOWEXTEX, _SETWINDOWORGEX, _SETVIEWPORTEXTEX, _SETVIEWPORTORGEX = 9, 10, 11, 12
_EOF, _SETMAPMODE, _SETTEXTALIGN = 14, 17, 22
_MOVETOEX, _SAVEDC, _RESTOREDC, _SETWORLDTRANSFORM, _MODIFYWORLDTRANSFORM = 27, 33, 34, 35, 36
_SELECTOBJECT, _CREATEPEN, _CREATEBRUSHINDIRECT, _DELETEOBJECT = 37, 38, 39, 40
_RECTANGLE, _LINETO = 43, 54
_BEGINPATH, _ENDPATH, _CLOSEFIGURE, _FILLPATH, _STROKEANDFILLPATH, _STROKEPATH = 59, 60, 61, 62, 63, 64
_SELECTCLIPPATH, _ABORTPATH, _COMMENT = 67, 68, 70
_BITBLT, _EXTCREATEFONTINDIRECTW, _EXTTEXTOUTA, _EXTTEXTOUTW = 76, 82, 83, 84
_POLYBEZIER16, _POLYGON16, _POLYLINE16, _POLYBEZIERTO16, _POLYLINETO16 = 85, 86, 87, 88, 89
_POLYPOLYLINE16, _POLYPOLYGON16 = 90, 91
_EXTCREATEPEN = 95

# Records of one figure: (points are 16-bit, the figure is closed, it goes on from the pen,
# it is Bézier curves (each third point ends one: the curve is taken as its chord)).
_FIGURES = {_POLYGON: (False, True, False, False), _POLYLINE: (False, False, False, False),
            _POLYLINETO: (False, False, True, False), _POLYBEZIER: (False, False, False, True),
            _POLYBEZIERTO: (False, False, True, True), _POLYGON16: (True, True, False, False),
            _POLYLINE16: (True, False, False, False), _POLYLINETO16: (True, False, True, False),
            _POLYBEZIER16: (True, False, False, True), _POLYBEZIERTO16: (True, False, True, True)}
_STOCK = 0x80000000
_NULL_BRUSH, _NULL_PEN = 5, 8   # stock object numbers
_PS_NULL, _BS_NULL = 5, 1
_ETO_PDY = 0x2000
_ETO_GLYPH_INDEX = 0x0010   # the string is the font's glyph numbers, not characters
# Text alignment (SETTEXTALIGN): horizontal in bits 1–2, vertical in bits 3–4.
_TA_UPDATECP, _TA_RIGHT, _TA_CENTER, _TA_BOTTOM, _TA_BASELINE = 1, 2, 6, 8, 24
# Map modes with a fixed size of unit, in millimetres (y grows upwards in all of them).
_FIXED_UNITS = {2: 0.1, 3: 0.01, 4: 0.254, 5: 0.0254, 6: 25.4 / 1440}
_MM_TEXT, _MM_ISOTROPIC, _MM_ANISOTROPIC = 1, 7, 8
_ASCENT = 0.88   # of a font's height above its baseline, as the OFD reader takes it


def is_emf(data: bytes) -> bool:
    return len(data) >= 88 and data[:4] == b"\x01\x00\x00\x00" and data[40:44] == _EMF_SIGNATURE


@dataclass
class _State:
    """What the drawing calls so far have set (saved and restored by SAVEDC/RESTOREDC)."""
    map_mode: int = _MM_TEXT
    window_org: tuple[float, float] = (0.0, 0.0)
    window_ext: tuple[float, float] = (1.0, 1.0)
    viewport_org: tuple[float, float] = (0.0, 0.0)
    viewport_ext: tuple[float, float] = (1.0, 1.0)
    world: tuple[float, ...] = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    align: int = 0
    font_height: float = 12.0
    pen_visible: bool = True
    brush_visible: bool = True
    position: tuple[float, float] = (0.0, 0.0)


@dataclass
class MetafilePage:
    """The picture in millimetres on its frame: strings (text, x0, top, x1, bottom, size) and rules."""
    width: float
    height: float
    strings: list[tuple[str, float, float, float, float, float]]
    rules: list[tuple[tuple[float, float], tuple[float, float]]]
    damage: str | None = None   # where the records stop making sense: what follows is not read


def read_emf(data: bytes) -> MetafilePage:
    """The strings and rules an EMF draws (module docstring); raises ``UnreadableDocument``
    for bytes that are no EMF or a damaged one, naming the record."""
    from . import UnreadableDocument

    if not is_emf(data):
        raise UnreadableDocument("not an Enhanced Metafile (no EMR_HEADER with the ' EMF' signature)")
    bounds = struct.unpack_from("<4i", data, 8)
    frame = struct.unpack_from("<4i", data, 24)            # .01 mm
    header_size = struct.unpack_from("<I", data, 4)[0]
    device = struct.unpack_from("<2i", data, 72)           # the reference device: pixels
    millimetres = struct.unpack_from("<2i", data, 80)      # … and its size in mm
    if device[0] <= 0 or device[1] <= 0 or millimetres[0] <= 0 or millimetres[1] <= 0:
        raise UnreadableDocument(f"a damaged Enhanced Metafile: its reference device is {device} pixels, {millimetres} mm")
    mm_per_pixel = (millimetres[0] / device[0], millimetres[1] / device[1])
    origin = (frame[0] / 100.0, frame[1] / 100.0)
    width = max((frame[2] - frame[0]) / 100.0, (bounds[2] - bounds[0]) * mm_per_pixel[0], 1.0)
    height = max((frame[3] - frame[1]) / 100.0, (bounds[3] - bounds[1]) * mm_per_pixel[1], 1.0)

    state = _State()
    saved: list[_State] = []
    objects: dict[int, tuple[str, object]] = {}   # handle → ("font", height) | ("pen", visible) | ("brush", visible)
    strings: list[tuple[str, float, float, float, float, float]] = []
    rules: list[tuple[tuple[float, float], tuple[float, float]]] = []
    path: list | None = None   # segments of the path being defined (BEGINPATH … ENDPATH)
    gdi_text = emf_plus = False
    glyph_numbers = 0

    def to_mm(x: float, y: float) -> tuple[float, float]:
        a, b, c, d, e, f = state.world
        x, y = a * x + c * y + e, b * x + d * y + f               # world → page space
        if state.map_mode in _FIXED_UNITS:
            unit = _FIXED_UNITS[state.map_mode]
            mx = (x - state.window_org[0]) * unit + state.viewport_org[0] * mm_per_pixel[0]
            my = -(y - state.window_org[1]) * unit + state.viewport_org[1] * mm_per_pixel[1]
            return mx - origin[0], my - origin[1]
        if state.map_mode in (_MM_ISOTROPIC, _MM_ANISOTROPIC):
            (wx, wy), (vx, vy) = state.window_ext, state.viewport_ext
            sx = vx / wx if wx else 1.0
            sy = vy / wy if wy else 1.0
            if state.map_mode == _MM_ISOTROPIC:   # the same scale both ways, the smaller
                scale = min(abs(sx), abs(sy))
                sx, sy = (scale if sx >= 0 else -scale), (scale if sy >= 0 else -scale)
            x = (x - state.window_org[0]) * sx + state.viewport_org[0]
            y = (y - state.window_org[1]) * sy + state.viewport_org[1]
        else:
            x, y = x - state.window_org[0] + state.viewport_org[0], y - state.window_org[1] + state.viewport_org[1]
        return x * mm_per_pixel[0] - origin[0], y * mm_per_pixel[1] - origin[1]

    def length_mm(size: float) -> float:
        """A font height in logical units, in millimetres (along y)."""
        (x0, y0), (x1, y1) = to_mm(0.0, 0.0), to_mm(0.0, size)
        return ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5

    def shape(points: list[tuple[float, float]], closed: bool) -> None:
        if len(points) < 2:
            return
        placed = [to_mm(x, y) for x, y in points]
        segments = list(zip(placed, placed[1:]))
        if closed and placed[0] != placed[-1]:
            segments.append((placed[-1], placed[0]))
        if path is not None:
            path.extend(segments)
        elif state.pen_visible or (closed and state.brush_visible):
            rules.extend(segments)

    at = header_size if 88 <= header_size <= len(data) else 88
    records = 0
    damage = None
    while at + 8 <= len(data):
        kind, size = struct.unpack_from("<II", data, at)
        if size < 8 or size % 4 or at + size > len(data):
            damage = f"record {records + 1} (type {kind}) at byte {at} says it is {size} bytes long"
            break
        records += 1
        if records > MAX_RECORDS:
            raise UnreadableDocument(f"an Enhanced Metafile of more than {MAX_RECORDS} records: not a table's picture")
        body = data[at + 8:at + size]
        try:
            if kind == _EOF:
                break
            elif kind == _COMMENT:
                emf_plus = emf_plus or body[4:8] == b"EMF+"
            elif kind == _SETMAPMODE:
                state.map_mode = struct.unpack_from("<I", body)[0]
            elif kind == _SETWINDOWEXTEX:
                state.window_ext = struct.unpack_from("<2i", body)
            elif kind == _SETWINDOWORGEX:
                state.window_org = struct.unpack_from("<2i", body)
            elif kind == _SETVIEWPORTEXTEX:
                state.viewport_ext = struct.unpack_from("<2i", body)
            elif kind == _SETVIEWPORTORGEX:
                state.viewport_org = struct.unpack_from("<2i", body)
            elif kind == _SETWORLDTRANSFORM:
                state.world = struct.unpack_from("<6f", body)
            elif kind == _MODIFYWORLDTRANSFORM:
                matrix, mode = struct.unpack_from("<6f", body), struct.unpack_from("<I", body, 24)[0]
                state.world = {1: (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), 2: _multiply(matrix, state.world),
                               3: _multiply(state.world, matrix), 4: matrix}.get(mode, state.world)
            elif kind == _SAVEDC:
                saved.append(replace(state))
            elif kind == _RESTOREDC:
                back = struct.unpack_from("<i", body)[0]
                if back < 0 and -back <= len(saved):
                    state = saved[back]
                    del saved[back:]
            elif kind == _SETTEXTALIGN:
                state.align = struct.unpack_from("<I", body)[0]
            elif kind == _EXTCREATEFONTINDIRECTW:
                handle, font_height = struct.unpack_from("<Ii", body)
                objects[handle] = ("font", float(abs(font_height)) or 12.0)
            elif kind == _CREATEPEN:
                handle, style = struct.unpack_from("<II", body)
                objects[handle] = ("pen", style & 0x0F != _PS_NULL)
            elif kind == _EXTCREATEPEN:
                handle = struct.unpack_from("<I", body)[0]
                style = struct.unpack_from("<I", body, 20)[0]
                objects[handle] = ("pen", style & 0x0F != _PS_NULL)
            elif kind == _CREATEBRUSHINDIRECT:
                handle, style, colour = struct.unpack_from("<III", body)
                objects[handle] = ("brush", style != _BS_NULL and not _light(colour))
            elif kind == _SELECTOBJECT:
                handle = struct.unpack_from("<I", body)[0]
                if handle & _STOCK:
                    stock = handle & ~_STOCK
                    if stock == _NULL_PEN:
                        state.pen_visible = False
                    elif stock in (6, 7):   # WHITE_PEN, BLACK_PEN
                        state.pen_visible = stock == 7
                    elif stock <= _NULL_BRUSH:   # WHITE, LTGRAY, GRAY, DKGRAY, BLACK, NULL brushes
                        state.brush_visible = stock in (2, 3, 4)
                elif handle in objects:
                    what, value = objects[handle]
                    if what == "font":
                        state.font_height = value
                    elif what == "pen":
                        state.pen_visible = value
                    else:
                        state.brush_visible = value
            elif kind == _DELETEOBJECT:
                objects.pop(struct.unpack_from("<I", body)[0], None)
            elif kind == _MOVETOEX:
                state.position = struct.unpack_from("<2i", body)
            elif kind == _LINETO:
                point = struct.unpack_from("<2i", body)
                shape([state.position, point], False)
                state.position = point
            elif kind in _FIGURES:
                short, closed, from_pen, curves = _FIGURES[kind]
                count = struct.unpack_from("<I", body, 16)[0]
                points = _points(struct.unpack_from(f"<{2 * count}{'h' if short else 'i'}", body, 20))
                if curves:   # (start,) then (control, control, end) per curve
                    points = points[2::3] if from_pen else points[:1] + points[3::3]
                if from_pen and points:
                    points = [state.position] + points
                    state.position = points[-1]
                shape(points, closed)
            elif kind in (_POLYPOLYLINE, _POLYPOLYGON, _POLYPOLYLINE16, _POLYPOLYGON16):
                figures, count = struct.unpack_from("<II", body, 16)
                counts = struct.unpack_from(f"<{figures}I", body, 24)
                form = "h" if kind in (_POLYPOLYLINE16, _POLYPOLYGON16) else "i"
                points = _points(struct.unpack_from(f"<{2 * count}{form}", body, 24 + 4 * figures))
                start = 0
                for n in counts:
                    shape(points[start:start + n], kind in (_POLYPOLYGON, _POLYPOLYGON16))
                    start += n
            elif kind == _RECTANGLE:
                left, top, right, bottom = struct.unpack_from("<4i", body)
                shape([(left, top), (right, top), (right, bottom), (left, bottom)], True)
            elif kind == _BITBLT and size <= 100 + 8:
                # A fill with no bitmap (a pattern: PATCOPY): what some writers draw rules with.
                left, top, w, h = struct.unpack_from("<4i", body, 16)
                shape([(left, top), (left + w, top), (left + w, top + h), (left, top + h)], True)
            elif kind == _BEGINPATH:
                path = []
            elif kind in (_ENDPATH, _CLOSEFIGURE):
                pass
            elif kind in (_FILLPATH, _STROKEANDFILLPATH, _STROKEPATH):
                if path is not None and (state.pen_visible or kind != _STROKEPATH and state.brush_visible):
                    rules.extend(path)
                path = None
            elif kind in (_SELECTCLIPPATH, _ABORTPATH):
                path = None   # a clip, or given up: nothing drawn
            elif kind in (_EXTTEXTOUTW, _EXTTEXTOUTA):
                gdi_text = True
                if struct.unpack_from("<I", body, 44)[0] & _ETO_GLYPH_INDEX:
                    glyph_numbers += 1   # (no characters to read: the font's glyphs by number)
                elif len(strings) < MAX_STRINGS:
                    placed = _emf_text(data, at, body, kind == _EXTTEXTOUTW, state, to_mm, length_mm)
                    if placed:
                        strings.extend(placed)
        except struct.error as exc:
            damage = f"record {records} (type {kind}) at byte {at} is short of what it says it holds ({exc})"
            break
        at += size
    if not gdi_text and emf_plus:
        raise UnreadableDocument("an Enhanced Metafile of GDI+ records only (EMF+): its text is not read")
    if glyph_numbers and not strings:
        raise UnreadableDocument(f"an Enhanced Metafile whose {glyph_numbers} strings are drawn by glyph numbers "
                                 "(ETO_GLYPH_INDEX), not characters: its text is not read")
    if damage and not strings:
        raise UnreadableDocument(f"a damaged Enhanced Metafile: {damage}")
    return MetafilePage(width, height, strings, rules, damage and f"a damaged Enhanced Metafile: {damage}")


# ---- Windows Metafile (WMF), the older 16-bit form ------------------------------------------

_PLACEABLE_KEY = b"\xd7\xcd\xc6\x9a"
_CHARSETS = {134: "gb18030", 136: "big5", 128: "cp932", 129: "cp949"}   # other sets: GBK, as a Chinese system writes
_WMF_CREATES = {0x02FA, 0x02FB, 0x02FC, 0x00F7, 0x06FF, 0x0142, 0x01F9}   # each takes the lowest free slot


def is_wmf(data: bytes) -> bool:
    """A Windows Metafile, with the placeable header Word writes (its size) or without."""
    if data[:4] == _PLACEABLE_KEY:
        return True
    return len(data) >= 18 and struct.unpack_from("<HHH", data) in ((1, 9, 0x0300), (2, 9, 0x0300), (1, 9, 0x0100))


def read_wmf(data: bytes) -> MetafilePage:
    """The strings and rules a WMF draws: its records as the EMF reader takes them, with 16-bit
    coordinates, the window mapped onto the picture's box (the placeable header's, in its units
    per inch; without one, the window at 1,440 units an inch), strings in their font's charset."""
    from . import UnreadableDocument

    if not is_wmf(data):
        raise UnreadableDocument("not a Windows Metafile")
    if len(data) < (22 if data[:4] == _PLACEABLE_KEY else 0) + 18:
        raise UnreadableDocument("a damaged Windows Metafile: no header")
    if data[:4] == _PLACEABLE_KEY:
        left, top, right, bottom, inch = struct.unpack_from("<4hH", data, 6)
        at = 22
    else:
        left = top = right = bottom = 0
        inch, at = 1440, 0
    at += 2 * struct.unpack_from("<H", data, at + 2)[0]
    embedded = _embedded_emf(data, at)
    if embedded is not None:
        return read_emf(embedded)
    inch = inch or 1440
    box = (right - left, bottom - top)
    state = _State()
    window = [(float(left), float(top)), (float(box[0]) if box[0] else 0.0, float(box[1]) if box[1] else 0.0)]
    saved: list[tuple] = []
    objects: dict[int, tuple[str, object]] = {}
    codec = "gb18030"
    strings: list = []
    rules: list = []

    def to_mm(x: float, y: float) -> tuple[float, float]:
        (ox, oy), (ex, ey) = window
        width_mm, height_mm = abs(box[0]) * 25.4 / inch, abs(box[1]) * 25.4 / inch
        if ex and ey and width_mm and height_mm:
            return (x - ox) / ex * width_mm, (y - oy) / ey * height_mm
        return (x - ox) * 25.4 / inch, (y - oy) * 25.4 / inch

    def length_mm(size: float) -> float:
        (x0, y0), (x1, y1) = to_mm(0.0, 0.0), to_mm(0.0, size)
        return abs(y1 - y0)

    def shape(points: list, closed: bool) -> None:
        if len(points) >= 2 and (state.pen_visible or (closed and state.brush_visible)):
            placed = [to_mm(x, y) for x, y in points]
            rules.extend(zip(placed, placed[1:]))
            if closed and placed[0] != placed[-1]:
                rules.append((placed[-1], placed[0]))

    records = 0
    damage = None
    while at + 6 <= len(data):
        words, function = struct.unpack_from("<IH", data, at)
        if function == 0x0000:
            break
        if words < 3 or at + 2 * words > len(data):
            damage = f"record {records + 1} (function {function:#06x}) at byte {at} says it is {2 * words} bytes long"
            break
        records += 1
        if records > MAX_RECORDS:
            raise UnreadableDocument(f"a Windows Metafile of more than {MAX_RECORDS} records: not a table's picture")
        params = data[at + 6:at + 2 * words]
        try:
            if function in _WMF_CREATES:
                slot = next(i for i in range(len(objects) + 1) if i not in objects)
                if function == 0x02FB:
                    objects[slot] = ("font", (float(abs(struct.unpack_from("<h", params)[0])) or 12.0, params[13]))
                elif function == 0x02FA:
                    objects[slot] = ("pen", struct.unpack_from("<H", params)[0] & 0x0F != _PS_NULL)
                elif function == 0x02FC:
                    style, colour = struct.unpack_from("<HI", params)
                    objects[slot] = ("brush", style != _BS_NULL and not _light(colour))
                else:
                    objects[slot] = ("other", None)
            elif function == 0x012D:   # SELECTOBJECT
                what, value = objects.get(struct.unpack_from("<H", params)[0], ("other", None))
                if what == "font":
                    state.font_height, charset = value
                    codec = _CHARSETS.get(charset, "gb18030")
                elif what == "pen":
                    state.pen_visible = value
                elif what == "brush":
                    state.brush_visible = value
            elif function == 0x01F0:   # DELETEOBJECT
                objects.pop(struct.unpack_from("<H", params)[0], None)
            elif function == 0x012E:   # SETTEXTALIGN
                state.align = struct.unpack_from("<H", params)[0]
            elif function == 0x020B:   # SETWINDOWORG (y, x)
                y, x = struct.unpack_from("<2h", params)
                window[0] = (float(x), float(y))
            elif function == 0x020C:   # SETWINDOWEXT (y, x)
                y, x = struct.unpack_from("<2h", params)
                window[1] = (float(x), float(y))
            elif function == 0x001E:   # SAVEDC
                saved.append((replace(state), list(window), codec))
            elif function == 0x0127:   # RESTOREDC
                back = struct.unpack_from("<h", params)[0]
                if back < 0 and -back <= len(saved):
                    state, window, codec = saved[back]
                    window = list(window)
                    del saved[back:]
            elif function == 0x0214:   # MOVETO (y, x)
                y, x = struct.unpack_from("<2h", params)
                state.position = (x, y)
            elif function == 0x0213:   # LINETO (y, x)
                y, x = struct.unpack_from("<2h", params)
                shape([state.position, (x, y)], False)
                state.position = (x, y)
            elif function in (0x0324, 0x0325):   # POLYGON, POLYLINE
                count = struct.unpack_from("<h", params)[0]
                shape(_points(struct.unpack_from(f"<{2 * count}h", params, 2)), function == 0x0324)
            elif function == 0x0538:   # POLYPOLYGON
                polygons = struct.unpack_from("<h", params)[0]
                counts = struct.unpack_from(f"<{polygons}h", params, 2)
                points = _points(struct.unpack_from(f"<{2 * sum(counts)}h", params, 2 + 2 * polygons))
                start = 0
                for n in counts:
                    shape(points[start:start + n], True)
                    start += n
            elif function == 0x041B:   # RECTANGLE (bottom, right, top, left)
                b, r, t, l = struct.unpack_from("<4h", params)
                shape([(l, t), (r, t), (r, b), (l, b)], True)
            elif function in (0x0A32, 0x0521) and len(strings) < MAX_STRINGS:   # EXTTEXTOUT, TEXTOUT
                if function == 0x0A32:
                    y, x, count, options = struct.unpack_from("<3hH", params)
                    start = 8 + (8 if options & 0x0006 else 0)
                else:
                    count = struct.unpack_from("<h", params)[0]
                    start = 2
                    y, x = struct.unpack_from("<2h", params, start + count + (count & 1))
                if count <= 0:
                    continue
                raw = params[start:start + count]
                dx_at = start + count + (count & 1)
                dx = (list(struct.unpack_from(f"<{count}h", params, dx_at))
                      if function == 0x0A32 and len(params) >= dx_at + 2 * count else None)
                text, advances = _decoded(raw, dx, codec, state.font_height)
                strings.extend(_placed(text, advances, (x, y), state, to_mm, length_mm))
        except (struct.error, IndexError) as exc:
            damage = f"record {records} (function {function:#06x}) at byte {at} is short of what it says it holds ({exc})"
            break
        at += 2 * words
    if damage and not strings:
        raise UnreadableDocument(f"a damaged Windows Metafile: {damage}")
    width = abs(box[0]) * 25.4 / inch or max((s[3] for s in strings), default=1.0)
    height = abs(box[1]) * 25.4 / inch or max((s[4] for s in strings), default=1.0)
    return MetafilePage(width, height, strings, rules, damage and f"a damaged Windows Metafile: {damage}")


def _embedded_emf(data: bytes, at: int) -> bytes | None:
    """The Enhanced Metafile a WMF carries in its comments (``META_ESCAPE`` MFCOMMENT records
    marked ``WMFC``, the EMF in pieces), as Word and LibreOffice write one beside the 16-bit
    records: the EMF is the drawing itself, the WMF records a lossy copy (LibreOffice draws some
    of the text as outlines in them). None when there is none or it is incomplete."""
    pieces: list[bytes] = []
    expected = None
    while at + 6 <= len(data):
        words, function = struct.unpack_from("<IH", data, at)
        if function == 0x0000 or words < 3:
            break
        if function == 0x0626 and words >= 22:
            params = data[at + 6:at + 2 * words]
            if struct.unpack_from("<H", params)[0] == 0x000F and params[4:8] == b"WMFC" and len(params) >= 38:
                size, expected = struct.unpack_from("<I", params, 26)[0], struct.unpack_from("<I", params, 34)[0]
                pieces.append(params[38:38 + size])
        at += 2 * words
    emf = b"".join(pieces)
    return emf if pieces and len(emf) == expected and is_emf(emf) else None


def _points(values: tuple) -> list[tuple[float, float]]:
    return [(values[i], values[i + 1]) for i in range(0, len(values) - 1, 2)]


def _multiply(m: tuple, n: tuple) -> tuple:
    """The transform ``m`` then ``n`` (row vectors, as GDI's XFORM)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u)


def _light(colour: int) -> bool:
    """A COLORREF (0x00BBGGRR) light enough to be a background, not a rule."""
    return all(((colour >> shift) & 0xFF) > 200 for shift in (0, 8, 16))


def _emf_text(data: bytes, at: int, body: bytes, wide: bool, state: _State, to_mm, length_mm) -> list:
    """An EMR_EXTTEXTOUTW (``wide``) or EMR_EXTTEXTOUTA record's string, placed (:func:`_placed`)."""
    # (the record's bounds, graphics mode and scales, then EMRTEXT; offsets from the record's start)
    reference = struct.unpack_from("<2i", body, 28)
    count, offset, options = struct.unpack_from("<3I", body, 36)
    dx_offset = struct.unpack_from("<I", body, 64)[0]
    if count == 0 or count > 100_000:
        return []
    raw = data[at + offset:at + offset + count * (2 if wide else 1)]
    step = 2 if options & _ETO_PDY else 1
    dx = None
    if dx_offset and at + dx_offset + 4 * count * step <= len(data):
        dx = list(struct.unpack_from(f"<{count * step}i", data, at + dx_offset))[::step]
    text, advances = _decoded(raw, dx, "utf-16-le" if wide else "gb18030", state.font_height)
    return _placed(text, advances, reference, state, to_mm, length_mm)


def _decoded(raw: bytes, dx: list | None, codec: str, size: float) -> tuple[str, list[float]]:
    """(the string, each character's advance): the record's advances are one per code unit
    (a UTF-16 unit; a byte of a GBK string, two for a Chinese character), so a character's is
    the sum of its units'. Without advances, a Chinese character is a font size wide, others
    half."""
    text = raw.decode(codec, "replace")
    if dx is None:
        return text, [size * (1.0 if ord(ch) > 0x2E7F else 0.5) for ch in text]
    unit = 2 if codec == "utf-16-le" else 1
    advances, at = [], 0
    for ch in text:
        width = max(1, len(ch.encode(codec, "replace")) // unit)
        advances.append(float(sum(dx[at:at + width])))
        at += width
    return text, advances


def _placed(text: str, advances: list[float], reference: tuple, state: _State, to_mm, length_mm) -> list:
    """A string as runs of characters that stand together: (text, x0, top, x1, bottom, size) in
    millimetres. It starts at its reference point, or ends there, or is centred on it, as the
    text alignment says, and stands on it as its top, bottom or baseline."""
    size = state.font_height
    total = sum(advances)
    x, y = state.position if state.align & _TA_UPDATECP else reference
    horizontal = state.align & _TA_CENTER
    if horizontal == _TA_CENTER:
        x -= total / 2
    elif horizontal == _TA_RIGHT:
        x -= total
    vertical = state.align & _TA_BASELINE
    # The text's top and bottom in logical units, from where it stands (y grows down in the
    # logical space of most writers; a map mode with y up turns that round, to_mm says how).
    if vertical == _TA_BASELINE:
        top, bottom = y - _ASCENT * size, y + (1 - _ASCENT) * size
    elif vertical == _TA_BOTTOM:
        top, bottom = y - size, y
    else:
        top, bottom = y, y + size
    if to_mm(0.0, 1.0)[1] < to_mm(0.0, 0.0)[1]:   # y grows upwards: the text stands above its point
        top, bottom = 2 * y - bottom, 2 * y - top
    if state.align & _TA_UPDATECP:
        state.position = (x + total if horizontal != _TA_RIGHT else x, y)
    # Runs of characters that stand together: a gap wider than most of a character (a wide
    # space, the next cell's text in the same string) starts the next.
    runs: list[list[tuple[str, float, float]]] = []   # (character, x, advance) in logical units
    current: list[tuple[str, float, float]] = []
    end = x
    for ch, advance in zip(text, advances):
        if ch.strip():
            if current and x - end > 0.8 * size:
                runs.append(current)
                current = []
            current.append((ch, x, advance))
            end = x + advance
        x += advance
    if current:
        runs.append(current)
    out = []
    height_mm = length_mm(size)
    for run in runs:
        corners = [to_mm(px, py) for px in (run[0][1], run[-1][1] + run[-1][2]) for py in (top, bottom)]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        out.append(("".join(ch for ch, _, _ in run), min(xs), min(ys), max(xs), max(ys), height_mm))
    return out


def _joined(strings: list[tuple]) -> list[tuple]:
    """Strings drawn one after another on a line with no gap between them (a writer draws a
    paragraph's text in pieces: by font, by script, a raised 「711」 among Chinese characters)
    joined into one, as the OFD reader cuts a text object's glyphs where they stand apart."""
    out: list[list] = []
    for text, x0, top, x1, bottom, size in strings:
        if out:
            last = out[-1]
            overlap = min(bottom, last[4]) - max(top, last[2])
            if overlap > 0.5 * min(bottom - top, last[4] - last[2]) and -0.2 * size <= x0 - last[3] <= 0.8 * size:
                last[0] += text
                last[2], last[3], last[4], last[5] = min(last[2], top), x1, max(last[4], bottom), max(last[5], size)
                continue
        out.append([text, x0, top, x1, bottom, size])
    return [tuple(item) for item in out]


def is_metafile(data: bytes) -> bool:
    return is_emf(data) or is_wmf(data)


def read_metafile_document(data: bytes):
    """An EMF or a WMF as a document: its page read as an OFD page is (:func:`ofd.read_drawn_page`)."""
    from . import UnreadableDocument
    from .ocr import OcrBox
    from .ofd import MAX_PAGE_PIXELS, PX_PER_MM, DrawnPage, read_drawn_page
    from .pdf import document_from_pages

    page = read_emf(data) if is_emf(data) else read_wmf(data)
    if not (0 < page.width * page.height * PX_PER_MM ** 2 <= MAX_PAGE_PIXELS):
        raise UnreadableDocument(f"a damaged Windows metafile: its picture is {page.width:.0f} × {page.height:.0f} mm")
    # What stands off the picture (a damaged coordinate, a string clipped away) is not on it.
    on_page = [s for s in page.strings if -1 <= s[1] and s[3] <= page.width + 1 and -1 <= s[2] and s[4] <= page.height + 1]
    if not on_page:
        raise UnreadableDocument("a Windows metafile with no text in it")
    drawn = DrawnPage(1, page.width, page.height)
    drawn.boxes = [OcrBox(x0 * PX_PER_MM, top * PX_PER_MM, x1 * PX_PER_MM, bottom * PX_PER_MM, text, 1.0)
                   for text, x0, top, x1, bottom, _ in _joined(on_page)]
    reach = 2 * (page.width + page.height)
    drawn.rules = [rule for rule in page.rules if all(abs(v) <= reach for point in rule for v in point)]
    doc = document_from_pages([read_drawn_page(drawn)])
    doc.form, doc.method = ("emf" if is_emf(data) else "wmf"), "metafile_table"
    if page.damage:
        doc.reader_issues.append(("damaged_picture", f"{page.damage}: what it draws after that is not read"))
    return doc
