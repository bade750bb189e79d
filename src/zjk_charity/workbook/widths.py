"""How wide each column of a printed sheet is, and how many lines its cells then take.

A marked-up copy goes back to the township on paper: it must print on A4 landscape, one
page wide, large enough to read, and no cell may lose a character. The rule that
decides the widths (:func:`choose_widths`), step by step:

1. Every column starts at the width its content needs on one line: its widest cell
   (free text: of the sampled rows) and its header (a header of more than 8 display
   columns on two lines). Columns whose every cell must show in one piece (numbers,
   dates, names) keep that width, or narrow to what their header needs on two lines;
   IDs, accounts, phones and 户号 start at the width 99 % of their cells need and may
   be narrowed to what 90 % need (:data:`TEXT_SHARE`, :data:`TEXT_FLOOR_SHARE`); the
   问题说明 may narrow from 20 to 14 units (6 Chinese characters a line); free text to
   what its header needs on two lines, and never below 3 Chinese characters a line.
2. When the sheet then prints at the target scale or more (61 %: 6.7 pt type), the
   widths stay. Otherwise columns are narrowed, one step at a time. A step takes one
   column to the next narrower width at which one of its cells needs one line more,
   and no narrower than the cells' line counts then require. Its cost is the printed
   lines it adds: a row is as tall as its tallest cell, so a cell that wraps in a row
   already two lines tall (a long 问题说明, a wrapped account) adds nothing.
3. The step taken is the one that adds the fewest lines per pixel of width it gives;
   of equal ones, the one giving more width, then the leftmost. Steps that add no line
   come first. This is repeated until the sheet prints at the target scale or every
   column is as narrow as it may be.
4. The width the last step gave beyond the target is handed back: a column is widened
   to where one of its cells needs a line less, the widening that saves the most lines
   per pixel first, as long as the sheet stays at the target scale; what is left then
   widens the columns that wrap most, a pixel each in turn, so the sheet prints at the
   target scale and no larger (larger type would take more pages).
5. Two simpler layouts are worked out beside it, each finished as in step 4: every
   narrowable column capped at one common width, the widest that reaches the target
   scale; and every narrowable column as narrow as lets each cell take at most L lines,
   for the smallest L that reaches it. Of the three, the one printing the fewest lines
   over the sampled rows is kept (the steps above, when equal): steps 2 and 3 look one
   step ahead only, and must never do worse than these.

Lines are counted as Excel fills them with 宋体 11, with a margin (:func:`wrap`): a
Chinese character (and “ ” · …, which 宋体 draws as wide) takes :data:`WIDE_UNITS` of a
column's width units (15.1 px; 宋体: 15), any other character :data:`NARROW_UNITS`
(8.05 px; 宋体: 7-8), and one unit is kept free. A line breaks after a space, between
Chinese characters, between Chinese and other text, and after a "/" that follows no
digit (a file name breaks as ``认证截图/`` + ``130722_0001.jpg``); never inside a word or
a number, never before a closing mark (，。）”) nor after an opening one (（“); a word
longer than a line breaks between its characters. A row is then made as tall as its
most lines need, at 16 pt a line (Excel's 宋体 needs 14.25, LibreOffice's stand-in for
it on Linux 16): neither program grows a written row to fit.
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import compress, repeat
from operator import methodcaller, not_

from zjk_charity.workbook.layout import (
    A4_LANDSCAPE_INCHES,
    PIXELS_PER_UNIT,
    SCREEN_DPI,
    SPARE_UNITS,
    UNITS_PER_DISPLAY_COLUMN,
    column_pixels,
    display_bounds,
    print_scale,
)

# 宋体 11 in Excel: a Chinese character 15 px, a digit or letter at most 8 px, a column
# width unit 7 px (Calibri's digit). Counted a little wider, with a unit to spare.
NARROW_UNITS = UNITS_PER_DISPLAY_COLUMN  # 8.05 px
WIDE_UNITS = 2.16  # 15.1 px
BOLD_UNITS = 1 / PIXELS_PER_UNIT  # a header's bold characters are a pixel wider each
TEXT_SHARE = 0.99  # IDs, accounts, phones start as wide as 99 % of them need
TEXT_FLOOR_SHARE = 0.9  # and are narrowed at most to what 90 % of them need
_EPSILON = 1e-9

# Line breaking (after UAX #14 and the Chinese rule that a line never starts with a
# closing mark nor ends with an opening one).
_NO_BREAK_BEFORE = frozenset("，。、；：？！）》」』】〉〕”’…·%,.;:!?)]}/\\-")
_NO_BREAK_AFTER = frozenset("（《「『【〈〔“‘([{")


@cache
def _shape_table() -> dict[int, str]:
    """Characters that wrap alike, mapped to one: ASCII letters to a, digits to 0,
    Chinese characters to 中. Texts of one shape take the same lines at any width, and a
    column of 100,000 file names has a handful of shapes."""
    table: dict[int, str] = {}
    for first, last in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF)):
        table.update(dict.fromkeys(range(first, last + 1), "中"))
    table.update(dict.fromkeys(map(ord, "0123456789"), "0"))
    letters = "abcdefghijklmnopqrstuvwxyz"
    table.update(dict.fromkeys(map(ord, letters + letters.upper()), "a"))
    return table


def shape(text: str) -> str:
    """``text`` with the characters that wrap alike made equal (see :func:`_shape_table`)."""
    return text.translate(_shape_table())


def _char_units(ch: str, extra: float) -> float:
    if ch < "\x80":
        return NARROW_UNITS + extra
    if unicodedata.east_asian_width(ch) in "WFA":
        # Ambiguous ones too (“ ” · …): 宋体 draws them a full character wide.
        return WIDE_UNITS + extra
    if unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0.0  # a combining mark rides on the character before it
    return NARROW_UNITS + extra


def _ideographic(ch: str) -> bool:
    """Characters a line may break before or after (Chinese, Japanese, Korean, full-width)."""
    return ch >= "\u1100" and unicodedata.east_asian_width(ch) in "WF"


@dataclass(frozen=True)
class _Piece:
    """A run of characters no line breaks inside (unless it is longer than a line)."""

    text: str
    units: tuple[float, ...]  # each character's
    trailing: str = ""  # spaces after it: kept on its line, never starting the next
    spaces: float = 0.0  # their width

    @property
    def width(self) -> float:
        return sum(self.units)


def _breakable(before: str, after: str, earlier: str) -> bool:
    """Whether a line may break between ``before`` and ``after`` (``earlier`` precedes
    ``before``, for a "/" after a digit, as in 1/2)."""
    if after in _NO_BREAK_BEFORE or before in _NO_BREAK_AFTER:
        return False
    if before == "/":
        return not earlier.isdigit()
    return _ideographic(before) or _ideographic(after)


@lru_cache(maxsize=1 << 16)
def _pieces(part: str, bold: bool) -> tuple[_Piece, ...]:
    """The unbreakable pieces of one line of text (no line break in ``part``)."""
    extra = BOLD_UNITS if bold else 0.0
    pieces: list[_Piece] = []
    text, units = "", list[float]()
    i = 0
    while i < len(part):
        ch = part[i]
        if ch in " \t" and text:  # spaces end a piece, a break may follow them
            end = i
            while end < len(part) and part[end] in " \t":
                end += 1
            spaces = part[i:end]
            pieces.append(_Piece(text, tuple(units), spaces, len(spaces) * (NARROW_UNITS + extra)))
            text, units, i = "", [], end
            continue
        if text and _breakable(text[-1], ch, text[-2] if len(text) > 1 else ""):
            pieces.append(_Piece(text, tuple(units)))
            text, units = "", []
        text += ch
        units.append(_char_units(ch, extra))
        i += 1
    if text:
        pieces.append(_Piece(text, tuple(units)))
    return tuple(pieces)


def _room(width: float) -> float:
    """Width units one line of a column of ``width`` holds."""
    return width - SPARE_UNITS


def wrap(text: str, width: float, *, bold: bool = False) -> list[str]:
    """The lines ``text`` takes in a column of ``width`` (Excel's units), wrapped as the
    module docstring says; trailing spaces stay at the end of their line."""
    room = _room(width)
    lines: list[str] = []
    for part in text.split("\n"):
        line, used = "", 0.0
        for piece in _pieces(part, bold):
            if line and used + piece.width > room + _EPSILON:
                lines.append(line)
                line, used = "", 0.0
            if piece.width <= room + _EPSILON or not piece.text:
                line += piece.text + piece.trailing
                used += piece.width + piece.spaces
                continue
            for ch, units in zip(piece.text, piece.units, strict=True):  # longer than a line
                if line and used + units > room + _EPSILON:
                    lines.append(line)
                    line, used = "", 0.0
                line += ch
                used += units
            line += piece.trailing
            used += piece.spaces
        lines.append(line)
    return lines


@lru_cache(maxsize=1 << 16)
def _shape_lines(text: str, width: float, bold: bool) -> int:
    return len(wrap(text, width, bold=bold))


def lines_needed(text: str, width: float, *, bold: bool = False) -> int:
    """Lines ``text`` takes when wrapped in a column of ``width`` (see :func:`wrap`)."""
    widest = 2 * NARROW_UNITS + (BOLD_UNITS if bold else 0.0)  # no character is wider
    if "\n" not in text and len(text) * widest <= _room(width) + _EPSILON:
        return 1
    return _shape_lines(shape(text), width, bold)


def overflowing(texts: Iterable[str], width: float) -> dict[str, int]:
    """The texts among ``texts`` that need more than one line in a column of ``width``,
    with the lines each needs. Only the texts that may (an upper bound of their width,
    :func:`layout.display_bounds`, longer than a line, or holding a line break) are
    measured, they are picked at C speed, and each shape is wrapped once."""
    unique = texts if isinstance(texts, set | frozenset) else set(texts)
    room = _room(width) / NARROW_UNITS  # display columns that surely fit
    plain = list(map(str.isascii, unique))
    simple = list(compress(unique, plain))
    others = list(compress(unique, map(not_, plain)))
    breaks = methodcaller("__contains__", "\n")
    candidates = list(
        {
            *compress(simple, map(room.__lt__, map(len, simple))),
            *compress(simple, map(breaks, simple)),
            *compress(others, map(room.__lt__, display_bounds(others))),
            *compress(others, map(breaks, others)),
        }
    )
    keys = _keys(candidates)
    lines = {key: _shape_lines(key, width, False) for key in set(keys)}
    counts = list(map(lines.__getitem__, keys))
    return dict(compress(zip(candidates, counts, strict=True), map((1).__lt__, counts)))


_KEY_TABLE = bytes.maketrans(
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", b"0" * 10 + b"a" * 52
)


def _keys(texts: list[str]) -> list[str]:
    """Each text with its ASCII letters and digits made equal: texts of one key wrap
    alike. Many texts (a column of 100,000 file names) are keyed in a few C calls."""
    joined = "\x00".join(texts)
    if len(texts) < 64 or joined.count("\x00") != len(texts) - 1:  # short, or a text holds "\0"
        return [t.encode().translate(_KEY_TABLE).decode() for t in texts]
    return joined.encode().translate(_KEY_TABLE).decode().split("\x00")


def lines_each(texts: list[str], width: float) -> list[int]:
    """The lines each of ``texts`` takes in a column of ``width``, for a column of many
    different texts (file names): keyed at C speed, each key wrapped once."""
    counts: list[int] = []
    lines: dict[str, int] = {}
    for start in range(0, len(texts), 10_000):  # a few MB of keys at a time
        keys = _keys(texts[start : start + 10_000])
        for key in set(keys).difference(lines):
            lines[key] = _shape_lines(key, width, False)
        counts += map(lines.__getitem__, keys)
    return counts


def long_cells(cells: Sequence[str], width: float) -> dict[int, int]:
    """The positions of the cells that need more than one line in a column of ``width``,
    with the lines each needs, for a column of mostly different, mostly ASCII texts
    (IDs, accounts, phones): picked by length at C speed, without hashing every cell."""
    room = _room(width) / NARROW_UNITS  # display columns that surely fit
    lengths = list(map(len, cells))
    plain = list(map(str.isascii, cells))
    maybe = [
        *compress(range(len(cells)), map(room.__lt__, lengths)),  # ASCII: len is the width
        *compress(range(len(cells)), map(not_, plain)),
    ]
    breaks = methodcaller("__contains__", "\n")
    maybe += compress(range(len(cells)), map(breaks, cells))
    found: dict[int, int] = {}
    for i in set(maybe):
        lines = lines_needed(cells[i], width)
        if lines > 1:
            found[i] = lines
    return found


def one_line_width(texts: Iterable[str], *, bold: bool = False) -> float:
    """The narrowest width that shows each of ``texts`` on one line (its longest line,
    for a text holding line breaks); 0 for no text or only empty ones."""
    unique = set(texts)
    plain = list(map(str.isascii, unique))
    ascii_texts = [t for t in compress(unique, plain) if "\n" not in t]
    extra = BOLD_UNITS if bold else 0.0
    longest = max(map(len, ascii_texts), default=0) * (NARROW_UNITS + extra)
    rest = {shape(t) for t in unique if not t.isascii() or "\n" in t}
    for text in rest:
        for part in text.split("\n"):
            longest = max(longest, sum(_char_units(ch, extra) for ch in part))
    return longest + SPARE_UNITS if longest else 0.0


def two_line_width(text: str, *, bold: bool = False) -> float:
    """The narrowest width, to a pixel, in which ``text`` takes at most two lines."""
    top = _pixels(one_line_width([text], bold=bold))
    extra = BOLD_UNITS if bold else 0.0
    least = _pixels(max(map(lambda ch: _char_units(ch, extra), text), default=0.0) + SPARE_UNITS)
    return _bottom(shape(text), max(top, least), 2, least, bold) / PIXELS_PER_UNIT


# The width chooser.


@dataclass(frozen=True)
class ColumnNeed:
    """What the chooser knows of one column: its width with every sampled cell on one
    line (and its header as the rule asks), the narrowest it may become, and its cells
    in the sampled rows, row by row, for counting their lines (none: always one line)."""

    natural: float
    floor: float
    cells: Sequence[str] = ()


def _pixels(width: float) -> int:
    """A width in whole pixels, rounded up (xlsxwriter stores widths to the pixel)."""
    return max(math.ceil(width * PIXELS_PER_UNIT - 1e-6), 1)


def whole_pixels(width: float) -> float:
    """``width`` rounded up to a whole pixel, as Excel shows a column: a width between two
    pixels is shown at the nearer one, which may be the narrower."""
    return _pixels(width) / PIXELS_PER_UNIT


def _lines_at(text: str, px: int, bold: bool = False) -> int:
    return _shape_lines(text, px / PIXELS_PER_UNIT, bold)


def _bottom(text: str, high: int, lines: int, low: int, bold: bool = False) -> int:
    """The narrowest width in pixels, from ``low`` to ``high`` (where ``text`` takes at
    most ``lines`` lines), in which it still takes no more than ``lines``."""
    if _lines_at(text, low, bold) <= lines:
        return low
    while high - low > 1:  # lines(low) > lines >= lines(high)
        middle = (low + high) // 2
        if _lines_at(text, middle, bold) <= lines:
            high = middle
        else:
            low = middle
    return high


@dataclass
class _Group:
    """The sampled cells of one column that wrap alike (one shape), and their lines."""

    text: str
    rows: list[int]
    lines: int = 1
    bottom: int = 0  # the narrowest width (px) keeping ``lines``


@dataclass
class _Narrowable:
    index: int
    top: int  # its natural width, in pixels
    floor: int
    px: int = 0
    groups: list[_Group] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # its lines in each sampled row


@dataclass
class _Step:
    """One column to another width, the groups whose lines change, and the printed lines
    that adds (narrowing) or saves (widening)."""

    column: int
    after: int
    lines: int
    gain: int  # pixels given (narrowing) or taken (widening)
    changes: list[tuple[_Group, int, int]]  # (group, its lines, its bottom) after the step


class _Chooser:
    """The state of the rule: each narrowable column's width and its cells' lines."""

    def __init__(self, columns: Sequence[ColumnNeed], scale: int, margins: tuple[float, float]):
        self.columns, self.scale, self.margins = columns, scale, margins
        count = max((len(c.cells) for c in columns), default=0)
        self.fixed = [1] * count  # the lines of the columns never narrowed
        self.narrowable: dict[int, _Narrowable] = {}
        for i, column in enumerate(columns):
            if column.floor < column.natural:
                self.narrowable[i] = self._narrowable(i, column, count)
            elif column.cells:
                _raise_rows(self.fixed, column.cells, column.natural)
        self.rows = list(self.fixed)  # each sampled row's lines: its tallest cell's
        left, right = margins
        printable = (A4_LANDSCAPE_INCHES - left - right) * SCREEN_DPI
        self.budget = math.floor(printable * 100 / scale)  # pixels of columns at the scale
        self.reset()

    @staticmethod
    def _narrowable(i: int, column: ColumnNeed, count: int) -> _Narrowable:
        top = _pixels(column.natural)
        state = _Narrowable(i, top, min(_pixels(column.floor), top), top, rows=[1] * count)
        by_text: dict[str, list[int]] = defaultdict(list)
        for r, text in enumerate(column.cells):
            by_text[text].append(r)
        by_shape: dict[str, list[int]] = defaultdict(list)
        for text, rows in by_text.items():
            by_shape[shape(text)] += rows
        state.groups = [_Group(text, rows) for text, rows in by_shape.items()]
        return state

    def reset(self) -> None:
        """Every narrowable column at its natural width."""
        for state in self.narrowable.values():
            state.px = state.top
        self.recount()

    def recount(self) -> None:
        """Every group's lines and bottom, and every row's lines, at the present widths."""
        for state in self.narrowable.values():
            for group in state.groups:
                group.lines = _lines_at(group.text, state.px)
                group.bottom = _bottom(group.text, state.px, group.lines, state.floor)
                for r in group.rows:
                    state.rows[r] = group.lines
        self.rows = list(map(max, self.fixed, *(s.rows for s in self.narrowable.values())))

    def widths(self) -> list[float]:
        widths = [c.natural for c in self.columns]
        for i, state in self.narrowable.items():
            widths[i] = state.px / PIXELS_PER_UNIT
        return widths

    def slack(self) -> int:
        """Pixels the columns may still widen by with the sheet at the scale or more."""
        return self.budget - sum(map(column_pixels, self.widths()))

    def fits(self) -> bool:
        return print_scale(self.widths(), *self.margins) >= self.scale

    def total(self) -> int:
        return sum(self.rows)

    def apply(self, step: _Step) -> None:
        state = self.narrowable[step.column]
        state.px = step.after
        touched: list[int] = []
        for group, lines, bottom in step.changes:
            group.lines, group.bottom = lines, bottom
            for r in group.rows:
                state.rows[r] = lines
            touched += group.rows
        columns = [self.fixed, *(s.rows for s in self.narrowable.values())]
        tallest = map(max, *(map(lines.__getitem__, touched) for lines in columns))
        for r, lines in zip(touched, tallest, strict=True):
            self.rows[r] = lines

    # Steps 2 and 3: narrowing.

    def narrowing(self, state: _Narrowable) -> _Step | None:
        """The next narrower width of a column at which a cell needs one line more, taken
        as far down as the cells' new line counts allow, and the lines it adds."""
        if state.px <= state.floor:
            return None
        binding = [g for g in state.groups if g.bottom >= state.px]
        rest = max((g.bottom for g in state.groups if g.bottom < state.px), default=state.floor)
        below = state.px - 1
        changes = []
        for group in binding:
            lines = _lines_at(group.text, below)
            changes.append((group, lines, _bottom(group.text, below, lines, state.floor)))
        after = max([state.floor, rest, *(bottom for _, _, bottom in changes)])
        return _Step(state.index, after, 0, state.px - after, changes)

    def _added(self, step: _Step) -> int:
        """Printed lines a narrowing adds: a row grows only past its tallest cell."""
        added = 0
        for group, lines, _ in step.changes:
            now = list(map(self.rows.__getitem__, group.rows))
            added += sum(map(max, repeat(lines), now)) - sum(now)
        return added

    def narrow(self) -> None:
        cached: dict[int, _Step | None] = {}
        while not self.fits():
            best: tuple[float, int, int] | None = None
            chosen: _Step | None = None
            for i, state in self.narrowable.items():
                step = cached[i] if i in cached else self.narrowing(state)
                cached[i] = step
                if step is None:
                    continue
                step.lines = self._added(step)
                key = (step.lines / step.gain, -step.gain, i)
                if best is None or key < best:
                    best, chosen = key, step
            if chosen is None:
                break
            self.apply(chosen)
            cached.pop(chosen.column)

    # Step 4: width handed back.

    def widening(self, state: _Narrowable, slack: int) -> _Step | None:
        """The least widening of a column at which one of its cells needs a line less, if
        the slack allows it, and the printed lines that saves."""
        targets = [
            _bottom(g.text, state.top, g.lines - 1, state.px + 1)
            for g in state.groups
            if g.lines > 1 and _lines_at(g.text, state.top) < g.lines
        ]
        if not targets or min(targets) - state.px > slack:
            return None
        after = min(targets)
        changes = []
        for group in state.groups:
            lines = _lines_at(group.text, after)
            if lines != group.lines:
                changes.append((group, lines, _bottom(group.text, after, lines, state.floor)))
        others = [self.fixed, *(s.rows for s in self.narrowable.values() if s is not state)]
        saved = 0
        for group, lines, _ in changes:
            rest = map(max, repeat(lines), *(map(o.__getitem__, group.rows) for o in others))
            saved += sum(map(self.rows.__getitem__, group.rows)) - sum(rest)
        return _Step(state.index, after, saved, after - state.px, changes)

    def widen(self) -> None:
        """Widen where it saves most lines per pixel while the scale allows; then spread
        the width left over on the columns that wrap, so the sheet prints at the scale."""
        while True:
            slack = self.slack()
            best: tuple[float, int, int] | None = None
            chosen: _Step | None = None
            for i, state in self.narrowable.items():
                step = self.widening(state, slack)
                if step is None or step.lines <= 0:
                    continue
                key = (-step.lines / step.gain, step.gain, i)
                if best is None or key < best:
                    best, chosen = key, step
            if chosen is None:
                break
            self.apply(chosen)
        wrapping = sorted(
            (s for s in self.narrowable.values() if s.px < s.top),
            key=lambda s: -sum(len(g.rows) for g in s.groups if g.lines > 1),
        )
        slack = self.slack()
        while slack > 0 and wrapping:
            for state in list(wrapping):
                if slack <= 0:
                    break
                state.px += 1
                slack -= 1
                if state.px >= state.top:
                    wrapping.remove(state)
        self.recount()

    # Step 5: the simpler layouts beside it.

    def capped(self) -> None:
        """Every narrowable column under the widest common cap that reaches the scale."""
        states = list(self.narrowable.values())

        def cap(px: int) -> None:
            for s in states:
                s.px = max(s.floor, min(s.top, px))

        low, high = min(s.floor for s in states), max(s.top for s in states)
        cap(low)
        if self.fits():
            while low < high:
                middle = (low + high + 1) // 2
                cap(middle)
                if self.fits():
                    low = middle
                else:
                    high = middle - 1
        cap(low)
        self.recount()

    def uniform(self) -> None:
        """Every narrowable column as narrow as lets each of its cells take at most L
        lines (or the lines it takes anyway), for the smallest L that reaches the scale."""
        states = list(self.narrowable.values())
        lines = 1
        while True:
            for s in states:
                s.px = max(
                    [
                        s.floor,
                        *(
                            _bottom(g.text, s.top, max(lines, _lines_at(g.text, s.top)), s.floor)
                            for g in s.groups
                        ),
                    ]
                )
            if self.fits() or all(s.px == s.floor for s in states):
                break
            lines += 1
        self.recount()


def choose_widths(
    columns: Sequence[ColumnNeed], scale: int, margins: tuple[float, float]
) -> list[float]:
    """Each column's width by the rule of the module docstring: every column between its
    floor and its natural width, the sheet printing at ``scale`` % or more on A4
    landscape with these side margins (inches) whenever the floors allow it, with as
    few printed lines over the sampled rows as the rule finds. Widths are worked out to
    the pixel: give them in whole pixels (:func:`whole_pixels`), as Excel shows them."""
    natural = [c.natural for c in columns]
    if print_scale(natural, *margins) >= scale or all(c.floor >= c.natural for c in columns):
        return natural
    chooser = _Chooser(columns, scale, margins)
    outcomes: list[tuple[bool, int, list[float]]] = []
    for layout in (chooser.narrow, chooser.capped, chooser.uniform):
        chooser.reset()
        layout()
        if chooser.fits():
            chooser.widen()
        outcomes.append((chooser.fits(), chooser.total(), chooser.widths()))
    # The first of the fewest lines among those that reach the scale (min is stable).
    return min(outcomes, key=lambda o: (not o[0], o[1]))[2]


def printed_lines(widths: Sequence[float], columns: Sequence[ColumnNeed]) -> list[int]:
    """The lines each sampled row takes at these widths: its tallest cell's."""
    count = max((len(c.cells) for c in columns), default=0)
    rows = [1] * count
    for width, column in zip(widths, columns, strict=True):
        _raise_rows(rows, column.cells, width)
    return rows


def _raise_rows(rows: list[int], cells: Sequence[str], width: float) -> None:
    """Each row's lines raised to what its cell of ``cells`` needs at ``width``."""
    long = overflowing(list(cells), width)
    if long:
        for r, cell in enumerate(cells):
            lines = long.get(cell, 1)
            if rows[r] < lines:
                rows[r] = lines
