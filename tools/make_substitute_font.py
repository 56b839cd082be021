"""Make orchestration/parsing/substitute_font.ttf, the font pdfium is given for the fonts a PDF
uses without embedding them, but the standard 14 (orchestration/parsing/pdf_layer.py says why).

The font maps every code point to one glyph, which draws nothing and has a box one em tall and a
hundredth of an em wide: two one-point contours at opposite corners of the box (FreeType takes
the box from the points, and a renderer fills no pixel). Why so narrow: pdfium's loose box of a
character is the union of its advance (the PDF's own widths) and its glyph's box, so a narrow
glyph leaves the advance, which is what pdfminer takes, on every machine. Why one em tall (from
120 below the baseline to 880 above, the common CJK fonts' proportions): pdfium's text page
decides line ends and duplicate text objects from these boxes, and drops a text object whose box
has no width (a glyph with no box at all loses every one-character object).

Needs fontTools, which the project does not otherwise use:
    .venv/bin/pip install fonttools && .venv/bin/python tools/make_substitute_font.py
The output is the same bytes each run (the head table's dates are pinned).
"""
from __future__ import annotations

from pathlib import Path

from fontTools.fontBuilder import FontBuilder
from fontTools.ttLib.tables import ttProgram
from fontTools.ttLib.tables._c_m_a_p import CmapSubtable
from fontTools.ttLib.tables._g_l_y_f import Glyph, GlyphCoordinates

OUT = Path(__file__).resolve().parents[1] / "orchestration" / "parsing" / "substitute_font.ttf"
EM, ASCENT, DESCENT = 1000, 880, -120
BOX_WIDTH = 10        # 1/100 em: a 10.5 pt character's box is 0.1 pt wide
ADVANCE = 1000        # used only for a simple font with no Widths array (a CJK font's em)


def box() -> Glyph:
    """A glyph whose box is (0, DESCENT)-(BOX_WIDTH, ASCENT), drawn with no area."""
    glyph = Glyph()
    glyph.coordinates = GlyphCoordinates([(0, DESCENT), (BOX_WIDTH, ASCENT)])
    glyph.endPtsOfContours = [0, 1]
    glyph.flags = bytearray([1, 1])   # on-curve points
    glyph.numberOfContours = 2
    glyph.program = ttProgram.Program()
    glyph.program.fromBytecode(b"")
    return glyph


def main() -> None:
    builder = FontBuilder(EM, isTTF=True)
    builder.setupGlyphOrder([".notdef", "box"])
    builder.setupCharacterMap({})
    builder.setupGlyf({".notdef": box(), "box": box()})
    builder.setupHorizontalMetrics({".notdef": (ADVANCE, 0), "box": (ADVANCE, 0)})
    builder.setupHorizontalHeader(ascent=ASCENT, descent=DESCENT)
    builder.setupNameTable({"familyName": "DisclosureSubstitute", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=ASCENT, sTypoDescender=DESCENT, usWinAscent=ASCENT,
                     usWinDescent=-DESCENT)
    builder.setupPost()
    # Unicode, full repertoire (platform 3, encoding 10), format 13: ranges of code points to one
    # glyph, so the table is two groups long.
    table = CmapSubtable.newSubtable(13)
    table.platformID, table.platEncID, table.language = 3, 10, 0
    table.cmap = {cp: "box" for cp in range(0x20, 0x110000) if not 0xD800 <= cp <= 0xDFFF}
    builder.font["cmap"].tables = [table]
    head = builder.font["head"]
    head.created = head.modified = 0   # 1904-01-01: the same bytes every run
    builder.font.recalcTimestamp = False
    builder.save(str(OUT))
    print(f"{OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
