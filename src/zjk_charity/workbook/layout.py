"""A county workbook's look, read cheaply: column widths, header row heights, number formats.

The marked-up copy of a county's workbook should look like the county's own: the same
date format, the same title rows (its column widths are read too, but the copy sizes
its columns by their content so that nothing is cut: ``workbook/widths.py``). openpyxl
would read all of that, but it loads every cell (28 s at 100,000
rows, see the README's Performance section). Everything needed sits in a few kilobytes
of the .xlsx instead: ``<cols>`` and the first rows at the top of each sheet's XML, and
the number formats in ``xl/styles.xml``. This module reads only those, by bounded
reads and regular expressions (no XML parser: no entity expansion to worry about).
Merged ranges come from the parser already (``reader.Sheet.merged``).

The file has been through ``workbook/guard.py`` before (zip bombs refused); every read
here is bounded anyway, and whatever cannot be understood yields no layout rather than
an error: a copy with computed widths is still a good copy.
"""

from __future__ import annotations

import html
import math
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import compress
from operator import methodcaller, not_
from pathlib import Path

from zjk_charity.workbook.guard import sniff
from zjk_charity.workbook.writer import NumFormat

SHEET_PREFIX_BYTES = 1 << 20  # of a sheet's XML: <cols> and the first rows are at its top
STYLES_MAX_BYTES = 8 << 20
WORKBOOK_MAX_BYTES = 4 << 20
DEFAULT_WIDTH = 8.43  # Excel's width of a column the sheet does not size (Calibri 11)

# Built-in formats whose code depends on the locale: the zh-CN codes (ECMA-376 part 1,
# 18.8.30), written out so that every program shows them as a Chinese Excel does.
_ZH_BUILTIN: dict[int, str] = {
    27: 'yyyy"年"m"月"',
    28: 'm"月"d"日"',
    29: 'm"月"d"日"',
    30: "m-d-yy",
    31: 'yyyy"年"m"月"d"日"',
    32: 'h"时"mm"分"',
    33: 'h"时"mm"分"ss"秒"',
    34: '上午/下午h"时"mm"分"',
    35: '上午/下午h"时"mm"分"ss"秒"',
    36: 'yyyy"年"m"月"',
    50: 'yyyy"年"m"月"',
    51: 'm"月"d"日"',
    52: 'yyyy"年"m"月"',
    53: 'm"月"d"日"',
    54: 'm"月"d"日"',
    55: '上午/下午h"时"mm"分"',
    56: '上午/下午h"时"mm"分"ss"秒"',
    57: 'yyyy"年"m"月"',
    58: 'm"月"d"日"',
}

_ATTR = re.compile(rb"""([\w:]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_SHEET = re.compile(rb"<(?:\w+:)?sheet\s([^>]*)>")
_RELATION = re.compile(rb"<(?:\w+:)?Relationship\s([^>]*)>")
_NUM_FMT = re.compile(rb"<(?:\w+:)?numFmt\s([^>]*)>")
_CELL_XFS = re.compile(rb"<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", re.S)
_XF = re.compile(rb"<(?:\w+:)?xf\b([^>]*)>")
_COL = re.compile(rb"<(?:\w+:)?col\s([^>]*)>")
_FORMAT_PR = re.compile(rb"<(?:\w+:)?sheetFormatPr\s([^>]*)>")
_ROW = re.compile(rb"<(?:\w+:)?row\s([^>]*?)(/?)>")
_CELL = re.compile(rb"<(?:\w+:)?c\s([^>]*?)/?>")
_REF = re.compile(r"([A-Za-z]{1,3})(\d+)")


@dataclass(frozen=True)
class SheetLayout:
    """What the marked-up copy keeps of one sheet; rows and columns 0-based."""

    widths: dict[int, float] = field(default_factory=dict)  # as Excel shows them (no padding)
    default_width: float = DEFAULT_WIDTH
    row_heights: dict[int, float] = field(default_factory=dict)  # points, top rows only
    formats: dict[int, NumFormat] = field(default_factory=dict)  # data columns' number formats


def _attributes(text: bytes) -> dict[str, str]:
    """Attributes by local name (a namespace prefix dropped), entities resolved."""
    found: dict[str, str] = {}
    for name, double, single in _ATTR.findall(text):
        local = name.decode("ascii", "replace").rsplit(":", 1)[-1]
        found[local] = html.unescape((double or single).decode("utf-8", "replace"))
    return found


def _read(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    with archive.open(name) as stream:
        return stream.read(limit)


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the zip member holding its XML."""
    relations: dict[str, str] = {}
    rels = _read(archive, "xl/_rels/workbook.xml.rels", WORKBOOK_MAX_BYTES)
    for attributes in map(_attributes, _RELATION.findall(rels)):
        target = attributes.get("Target", "")
        if target.startswith("/"):
            part = target.lstrip("/")
        else:
            part = posixpath.normpath(posixpath.join("xl", target))
        relations[attributes.get("Id", "")] = part
    parts: dict[str, str] = {}
    workbook = _read(archive, "xl/workbook.xml", WORKBOOK_MAX_BYTES)
    for attributes in map(_attributes, _SHEET.findall(workbook)):
        found = relations.get(attributes.get("id", ""))
        if found is not None and "name" in attributes:
            parts[attributes["name"]] = found
    return parts


def _number_formats(archive: zipfile.ZipFile) -> list[NumFormat]:
    """The number format of every cell style (``cellXfs``), by style index."""
    if "xl/styles.xml" not in archive.namelist():
        return []
    styles = _read(archive, "xl/styles.xml", STYLES_MAX_BYTES)
    custom: dict[int, str] = {}
    for attributes in map(_attributes, _NUM_FMT.findall(styles)):
        if attributes.get("numFmtId", "").isdigit() and "formatCode" in attributes:
            custom[int(attributes["numFmtId"])] = attributes["formatCode"]
    xfs = _CELL_XFS.search(styles)
    if xfs is None:
        return []
    formats: list[NumFormat] = []
    for attributes in map(_attributes, _XF.findall(xfs.group(1))):
        text = attributes.get("numFmtId", "0")
        index = int(text) if text.isdigit() else 0
        formats.append(custom.get(index) or _ZH_BUILTIN.get(index) or (index if index < 50 else 0))
    return formats


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def _column(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _widths(xml: bytes) -> tuple[dict[int, float], dict[int, int], float]:
    """(width by column, default style by column, the sheet's default width)."""
    widths: dict[int, float] = {}
    styles: dict[int, int] = {}
    default = DEFAULT_WIDTH
    found = _FORMAT_PR.search(xml)
    if found:
        sheet = _attributes(found.group(1))
        stated = _number(sheet.get("defaultColWidth"))
        base = _number(sheet.get("baseColWidth"))
        if stated is not None and 0 < stated <= 255:
            default = stated - 5 / 7  # stored with the cell padding, like <col width>
        elif base is not None and 0 < base <= 255:
            default = base + 0.43  # Excel's rule for the default: base + 5 px of padding
    for attributes in map(_attributes, _COL.findall(xml)):
        first, last = _number(attributes.get("min")), _number(attributes.get("max"))
        if first is None or last is None or not 1 <= first <= last <= 16384:
            continue
        span = range(int(first) - 1, min(int(last), int(first) + 255))  # a sheet's columns
        width = _number(attributes.get("width"))
        style = attributes.get("style", "")
        for c in span:
            if width is not None and 0 < width <= 255:
                widths[c] = max(width - 5 / 7, 0.5)  # as Excel shows it: without the padding
            if style.isdigit():
                styles[c] = int(style)
    return widths, styles, default


def _top_rows(xml: bytes, last: int) -> tuple[dict[int, float], dict[int, dict[int, int]]]:
    """Row heights of rows up to ``last`` (0-based) and every row's cell styles there."""
    heights: dict[int, float] = {}
    styles: dict[int, dict[int, int]] = {}
    matches = list(_ROW.finditer(xml))
    for i, match in enumerate(matches):
        attributes = _attributes(match.group(1))
        number = attributes.get("r", "")
        if not number.isdigit():
            break  # rows without numbers: not worth following here
        row = int(number) - 1
        if row > last:
            break
        height = _number(attributes.get("ht"))
        if (
            height is not None
            and attributes.get("customHeight") in ("1", "true")
            and 0 < height <= 409
        ):
            heights[row] = height
        if match.group(2):
            continue  # an empty row: <row .../>
        end = matches[i + 1].start() if i + 1 < len(matches) else len(xml)
        cells: dict[int, int] = {}
        for cell in map(_attributes, _CELL.findall(xml, match.end(), end)):
            ref = _REF.fullmatch(cell.get("r", ""))
            if ref and cell.get("s", "").isdigit():
                cells[_column(ref.group(1))] = int(cell["s"])
        styles[row] = cells
    return heights, styles


def read_layouts(path: Path, header_rows: dict[str, int]) -> dict[str, SheetLayout]:
    """The layout of each sheet named in ``header_rows`` (name -> Excel row of its last
    header row) of the .xlsx/.xlsm at ``path``: widths, heights of the rows down to the
    header, and each column's number format as its first data rows show it (else the
    column's default style). Empty for any other kind of file, or one it cannot follow.
    """
    try:
        if sniff(path) != "zip":
            return {}
        with zipfile.ZipFile(path) as archive:
            parts = _sheet_parts(archive)
            formats = _number_formats(archive)
            layouts: dict[str, SheetLayout] = {}
            for name, header_row in header_rows.items():
                part = parts.get(name)
                if part is None or part not in archive.namelist():
                    continue
                layouts[name] = _sheet_layout(
                    _read(archive, part, SHEET_PREFIX_BYTES), header_row, formats
                )
            return layouts
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, EOFError, RuntimeError):
        return {}


def _sheet_layout(xml: bytes, header_row: int, formats: list[NumFormat]) -> SheetLayout:
    widths, column_styles, default = _widths(xml)
    heights, cell_styles = _top_rows(xml, header_row + 2)  # the header and 3 data rows
    data_formats: dict[int, NumFormat] = {}
    data_rows = sorted(r for r in cell_styles if r >= header_row)  # 0-based: below the header
    # A column's format: its first data cell's that has one, else the column's own style.
    for styles in [*(cell_styles[r] for r in data_rows), column_styles]:
        for c, s in styles.items():
            if c not in data_formats and _meaningful(formats, s):
                data_formats[c] = formats[s]
    heights = {r: h for r, h in heights.items() if r < header_row}
    return SheetLayout(widths, default, heights, data_formats)


def _meaningful(formats: list[NumFormat], style: int) -> bool:
    """A style whose number format is something other than General."""
    return 0 <= style < len(formats) and formats[style] not in (0, "General", "general")


# Widths. Excel measures a column in "characters": the width of the digit 0 of the
# workbook's default font (Calibri 11: 7 pixels), plus 5 pixels of padding. The house
# font (宋体 11; Noto Sans CJK where 宋体 is missing, e.g. LibreOffice on Linux) draws a
# CJK character about 15 px wide and a digit 7.3-8 px: so a cell's text needs about 1.15
# width units per display column (a CJK character counts two) and one unit to spare.
UNITS_PER_DISPLAY_COLUMN = 1.15
SPARE_UNITS = 1.0
PIXELS_PER_UNIT = 7
PADDING_PIXELS = 5


def display_width(text: str) -> int:
    """Columns ``text`` takes on screen: East Asian wide characters count two, a control
    character (a tab, a line break) one."""
    if text.isascii():
        return len(text)
    wcswidth, wcwidth = _wcwidth()
    width = wcswidth(text)
    return width if width >= 0 else sum(max(wcwidth(ch), 1) for ch in text)


@cache
def _wcwidth() -> tuple[Callable[[str], int], Callable[[str], int]]:
    """wcwidth's functions, imported once, when first needed."""
    from wcwidth import wcswidth, wcwidth

    return wcswidth, wcwidth


_GB18030 = methodcaller("encode", "gb18030", "replace")


def display_bounds(texts: Iterable[str]) -> Iterator[int]:
    """An upper bound of each text's :func:`display_width`, at C speed: its length in
    GB 18030, where every ASCII character takes one byte and every other character two
    or four, and no character is wider than two columns."""
    return map(len, map(_GB18030, texts))


def widest(texts: Iterable[str], enough: float | None = None) -> int:
    """The largest :func:`display_width` among ``texts``: the longest ASCII text, or a
    wider other one; only the other texts whose bound (:func:`display_bounds`) could beat the
    widest found so far are measured. With ``enough``, any width of at least ``enough``
    may be returned as soon as one is found (a column capped there needs no more).

    Each distinct text is looked at once: at 100,000 rows every pass over a column's
    cells costs about 8 ms (its texts lie all over memory), so there is one, the set.
    """
    unique = texts if isinstance(texts, set | frozenset) else set(texts)
    if not unique:
        return 0
    longest = max(map(len, unique))  # no text is narrower than it is long
    if (enough is not None and longest >= enough) or all(map(str.isascii, unique)):
        return longest
    plain = list(map(str.isascii, unique))
    best = max(map(len, compress(unique, plain)), default=0)
    others = list(compress(unique, map(not_, plain)))
    bounds = list(display_bounds(others))
    while others:  # measure texts of the highest bound until one reaches it, then lower
        top = max(bounds)
        if top <= best or (enough is not None and best >= enough):
            break
        for text, bound in zip(others, bounds, strict=True):
            if bound == top:
                best = max(best, display_width(text))
                if best >= top:
                    return best  # as wide as any text can be
        keep = [i for i, bound in enumerate(bounds) if best < bound < top]
        others, bounds = [others[i] for i in keep], [bounds[i] for i in keep]
    return best


@dataclass(frozen=True)
class TextWidths:
    """The display widths of a text column's cells (full-width letters and digits measured
    as the ASCII they stand for)."""

    usual: int  # the width ``share`` of the cells fit in
    widest: int  # as shown: full-width characters count two here
    least: int = 0  # the width ``least_share`` of the cells fit in


def text_widths(texts: Sequence[str], share: float = 0.99, least_share: float = 0.9) -> TextWidths:
    """How wide a text column's cells are: a column as wide as ``usual`` shows its IDs and
    accounts on one line, and the odd longer cell (an account typed with spaces, an ID in
    full-width digits) wraps onto a second line instead of widening every page; where
    the page needs it, the column may narrow to ``least``."""
    if not texts:
        return TextWidths(0, 0)
    plain = list(map(str.isascii, texts))
    widths = list(map(len, compress(texts, plain)))
    shown = max(widths, default=0)
    if len(widths) < len(texts):
        others = list(compress(texts, map(not_, plain)))
        widths += [display_width(unicodedata.normalize("NFKC", t)) for t in others]
        shown = max(shown, *map(display_width, others))
    widths.sort()

    def at(fraction: float) -> int:
        return widths[max(math.ceil(len(widths) * fraction) - 1, 0)]

    return TextWidths(at(share), shown, at(least_share))


def units(display_columns: float) -> float:
    """The column width (Excel's characters) that shows ``display_columns`` in full."""
    return display_columns * UNITS_PER_DISPLAY_COLUMN + SPARE_UNITS if display_columns else 0.0


_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')
_DATE_TOKEN = re.compile(r"(?i)(y+|m+|d+|h+|s+|am/pm|a/p|上午/下午)")


def format_width(num_format: NumFormat | None) -> int:
    """Display columns of a date shown in ``num_format`` (at its widest: 2025年12月28日):
    a date column must be wide enough, or Excel shows ######## instead of the date."""
    code = num_format if isinstance(num_format, str) else "yyyy-mm-dd"
    code = code.split(";", 1)[0]

    def literal(found: re.Match[str]) -> str:
        text = found.group(0)
        if text.startswith('"'):
            return text[1:-1]
        if text.startswith("\\"):
            return text[1:]
        return " " if text.startswith("_") else ""

    def token(found: re.Match[str]) -> str:
        text = found.group(0).lower()
        if "/" in text:
            return "下午" if text.startswith("上") else "PM"
        kind, size = text[0], len(text)
        if kind == "y":
            return "0000" if size > 2 else "00"
        if kind in "md" and size >= 3:
            return "0" * (9 if size > 3 else 3)  # September, Wednesday; Sep, Wed
        return "00"

    parts = re.split(f"({_QUOTED.pattern})", code)
    shown = "".join(
        literal(m) if (m := _QUOTED.fullmatch(part)) else _DATE_TOKEN.sub(token, part)
        for part in parts
        if part
    )
    return display_width(shown)


def number_width(num_format: NumFormat | None, shown: int) -> int:
    """Display columns of a number that shows in ``shown`` columns as text (85, 1234.5)
    when shown in ``num_format`` (0.0, #,##0.00, 0%): its decimals, thousands separators,
    percent sign and literal text added, so that Excel never shows ##### instead."""
    if not isinstance(num_format, str):
        return shown + 4  # a built-in format: room for ".00" and a separator
    code = num_format.split(";", 1)[0]
    literals = sum(display_width(m.group(0).strip('"\\')) for m in _QUOTED.finditer(code))
    bare = _QUOTED.sub("", code)
    decimals = len(re.findall(r"[0#?]", bare.split(".", 1)[1])) if "." in bare else 0
    digits = shown + 2 * bare.count("%")  # 0.5 shows as 50%
    point = 1 if decimals else 0
    return digits + point + decimals + digits // 3 * ("," in bare) + bare.count("%") + literals


def column_pixels(width: float) -> int:
    """Pixels of a column of ``width`` (as Excel shows it), as Excel and xlsxwriter round."""
    return int(width * PIXELS_PER_UNIT + 0.5) + PADDING_PIXELS


A4_LANDSCAPE_INCHES = 297 / 25.4
SCREEN_DPI = 96


def print_scale(widths: Sequence[float], left: float, right: float) -> int:
    """The percentage Excel prints a sheet at when it fits these columns to one A4
    landscape page wide with these margins (inches); 100 when they fit at full size."""
    printable = (A4_LANDSCAPE_INCHES - left - right) * SCREEN_DPI
    total = sum(column_pixels(w) for w in widths)
    return min(100, int(100 * printable / total)) if total else 100
