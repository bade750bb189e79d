"""Tiny synthetic fonts for the PDF tests: a chosen family name and exactly the characters
a test wants, each drawn as a box, so that which font covers what is decided by the test."""

from __future__ import annotations

from pathlib import Path

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen

from zjk_charity.pdf.fonts import SAMPLE

# Enough for a test template: ASCII, the sample every Chinese font must have, the □ that
# stands in for a missing character, and the CJK punctuation of the messages.
BASIC = "".join(chr(c) for c in range(0x20, 0x7F)) + SAMPLE + "姓名□，。：（）“”"


def make_font(path: Path, family: str, chars: str = BASIC) -> Path:
    """A TrueType font file at ``path`` named ``family`` with a glyph for each of ``chars``."""
    chars = "".join(dict.fromkeys(chars))
    names = [".notdef", *(f"u{ord(c):04X}" for c in chars)]
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap({ord(c): f"u{ord(c):04X}" for c in chars})
    pen = TTGlyphPen(None)
    pen.moveTo((100, 0))
    pen.lineTo((100, 700))
    pen.lineTo((800, 700))
    pen.lineTo((800, 0))
    pen.closePath()
    box = pen.glyph()
    builder.setupGlyf({name: box for name in names})
    builder.setupHorizontalMetrics({name: (1000, 100) for name in names})
    builder.setupHorizontalHeader(ascent=880, descent=-120)
    builder.setupNameTable(
        {
            "familyName": family,
            "styleName": "Regular",
            "fullName": f"{family} Regular",  # the engine skips a font without these
            "psName": family.replace(" ", "") + "-Regular",
            "version": "Version 1.0",
        }
    )
    builder.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120)
    builder.setupPost()
    path.parent.mkdir(parents=True, exist_ok=True)
    builder.save(str(path))
    return path


def make_cff_collection(path: Path, families: list[str], chars: str = BASIC) -> Path:
    """A .ttc collection of CFF-outline (OpenType "OTTO") faces, one per family, as Noto
    CJK ships: the form of font file a reader without CFF support cannot use."""
    from fontTools.pens.t2CharStringPen import T2CharStringPen
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.ttCollection import TTCollection

    chars = "".join(dict.fromkeys(chars))
    names = [".notdef", *(f"u{ord(c):04X}" for c in chars)]
    path.parent.mkdir(parents=True, exist_ok=True)
    faces = []
    for family in families:
        pen = T2CharStringPen(1000, None)
        pen.moveTo((100, 0))
        pen.lineTo((100, 700))
        pen.lineTo((800, 700))
        pen.lineTo((800, 0))
        pen.closePath()
        box = pen.getCharString()
        builder = FontBuilder(1000, isTTF=False)
        builder.setupGlyphOrder(names)
        builder.setupCharacterMap({ord(c): f"u{ord(c):04X}" for c in chars})
        ps_name = family.replace(" ", "") + "-Regular"
        builder.setupCFF(ps_name, {"FullName": f"{family} Regular"}, {n: box for n in names}, {})
        builder.setupHorizontalMetrics({name: (1000, 100) for name in names})
        builder.setupHorizontalHeader(ascent=880, descent=-120)
        builder.setupNameTable(
            {
                "familyName": family,
                "styleName": "Regular",
                "fullName": f"{family} Regular",
                "psName": ps_name,
                "version": "Version 1.0",
            }
        )
        builder.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120)
        builder.setupPost()
        single = path.with_suffix(f".{len(faces)}.otf")
        builder.save(str(single))
        faces.append(TTFont(str(single)))
    collection = TTCollection()
    collection.fonts = faces
    collection.save(str(path))
    for index in range(len(faces)):
        path.with_suffix(f".{index}.otf").unlink()
    return path
