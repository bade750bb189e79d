"""Which characters a font can draw, read from its ``cmap`` table with fontTools.

A PDF engine draws a character its fonts lack as an empty box (or nothing at all), and
says nothing. A 生僻字 in a name (𠈌 U+2020C, 䶮 U+4DAE) would then be missing from a
signed form without anyone noticing. So every text is checked before it is printed:
:func:`uncovered` gives the characters none of a document's fonts has, and the callers
report each one by person and row and print a visible □ in its place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from zjk_charity.errors import UserError
from zjk_charity.pdf.fonts import Font

# What the page shows instead of a character no font has: the mark Chinese printing has
# long used for a character that cannot be set (缺字符号), in every CJK font.
PLACEHOLDER = "□"


@dataclass(frozen=True)
class Coverage:
    """The code points one face maps to a glyph."""

    font: Font
    points: frozenset[int]

    def missing(self, text: str) -> set[str]:
        return {c for c in text if ord(c) not in self.points and not _invisible(c)}


def _invisible(char: str) -> bool:
    """Line breaks, tabs and other controls are layout, not glyphs."""
    return char.isspace() or ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0


@lru_cache(maxsize=16)
def _points(path: Path, index: int, size: int, mtime: float) -> frozenset[int]:
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(str(path), fontNumber=index, lazy=True) as font:
            cmap = font.getBestCmap() or {}
    except (OSError, TTLibError, AssertionError, KeyError, ValueError) as exc:
        raise UserError(
            f"字体文件 {path} 无法读取（{exc}）；请换一种字体（设置项 pdf_font）",
            f"the font file {path} cannot be read ({exc}); choose another font (pdf_font)",
        ) from None
    return frozenset(cmap)


def coverage(font: Font) -> Coverage:
    """The characters ``font`` has (cached per file, face, size and modification time)."""
    try:
        stat = font.path.stat()
    except OSError as exc:
        raise UserError(
            f"字体文件 {font.path} 无法读取（{exc.strerror or exc}）",
            f"the font file {font.path} cannot be read ({exc.strerror or exc})",
        ) from None
    return Coverage(font, _points(font.path, font.index, stat.st_size, stat.st_mtime))


def uncovered(texts: Iterable[str], fonts: Sequence[Font]) -> set[str]:
    """The characters of ``texts`` that none of ``fonts`` has."""
    wanted: set[str] = set()
    for text in texts:
        wanted.update(text)
    for font in fonts:
        if not wanted:
            break
        wanted = coverage(font).missing("".join(wanted))
    return {c for c in wanted if not _invisible(c)}


def used_fonts(texts: Iterable[str], fonts: Sequence[Font]) -> list[Font]:
    """``fonts[0]`` and those of the others that have a character it lacks, in order:
    the fallbacks a document really needs."""
    if not fonts:
        return []
    wanted = coverage(fonts[0]).missing("".join(set("".join(texts))))
    chosen = [fonts[0]]
    for font in fonts[1:]:
        if not wanted:
            break
        left = coverage(font).missing("".join(wanted))
        if len(left) < len(wanted):
            chosen.append(font)
            wanted = left
    return chosen


def codepoint(char: str) -> str:
    """U+2020C: how a character is named when it cannot be shown."""
    return f"U+{ord(char):04X}"
