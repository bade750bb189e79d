"""The published width rule of the printed copies (workbook/widths.py) and its wrapping.

Hand-computed cases first, then the properties that must hold for any sheet: nothing
below its floor, the target scale reached whenever the floors allow it, never more
printed lines than the plain "one common cap" rule, and a line model that loses no
character and breaks only where Excel and LibreOffice may.
"""

from __future__ import annotations

import math
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from zjk_charity.workbook.layout import print_scale
from zjk_charity.workbook.widths import (
    NARROW_UNITS,
    WIDE_UNITS,
    ColumnNeed,
    choose_widths,
    lines_each,
    lines_needed,
    one_line_width,
    overflowing,
    printed_lines,
    two_line_width,
    wrap,
)

MARGINS = (0.25, 0.25)
SCALE = 62


def _pixels(width: float) -> int:
    return math.ceil(width * 7 - 1e-6)


# The wrapping model.


def test_a_file_name_breaks_after_its_folder() -> None:
    name = "认证截图/130722_0001.jpg"
    assert wrap(name, one_line_width([name])) == [name]
    assert wrap(name, two_line_width(name)) == ["认证截图/", "130722_0001.jpg"]
    # The narrowest two-line width is the file name's, on a line of its own.
    assert two_line_width(name) == _pixels(15 * NARROW_UNITS + 1) / 7


def test_lines_break_where_chinese_print_allows() -> None:
    text = "身份证号：“身份证号”以数字格式保存，Excel 只保留 15 位有效数字"
    for width in (6, 8, 11, 15, 23):
        lines = wrap(text, width)
        assert "".join(lines) == text
        assert not any(line.startswith(("，", "：", "”")) for line in lines[1:])
        assert not any(line.endswith("“") for line in lines[:-1])
        assert not any(line.rstrip().endswith(("Exc", "Ex", "E")) for line in lines)
    assert wrap("1/2", 2.2) == ["1", "/", "2"]  # no room: one character a line
    assert wrap("甲乙1/2", 1 + 2 * WIDE_UNITS) == ["甲乙", "1/2"]  # not after a digit's "/"


def test_one_line_width_is_the_narrowest_that_keeps_one_line() -> None:
    for text in ("河北省农村信用社", "6242 5205 1103 3416 925", "部分丧失生活自理能力"):
        width = one_line_width([text])
        assert lines_needed(text, width) == 1
        assert lines_needed(text, width - 0.02) == 2


texts = st.text(alphabet=st.sampled_from("甲乙丙丁，。（）“”：/ _-.0123456789abcXYZ"), max_size=40)


@given(texts, st.floats(2.5, 40))
def test_wrapping_keeps_every_character_in_order_and_in_room(text: str, width: float) -> None:
    lines = wrap(text, width)
    assert "".join(lines) == text
    assert len(lines) == lines_needed(text, width)
    room = width - 1
    for line in lines:
        content = line.rstrip(" ")
        units = sum(
            WIDE_UNITS if unicodedata.east_asian_width(ch) in "WFA" else NARROW_UNITS
            for ch in content
        )
        assert units <= room + 1e-9 or len(content) <= 1  # a line too narrow for a character


@given(texts, st.floats(2.5, 40), st.floats(0, 20))
def test_a_wider_column_never_needs_more_lines(text: str, width: float, more: float) -> None:
    assert lines_needed(text, width + more) <= lines_needed(text, width)


@given(st.lists(texts, max_size=30), st.floats(3, 40))
def test_overflowing_and_lines_each_agree_with_lines_needed(cells: list[str], width: float) -> None:
    expected = {t: n for t in set(cells) if (n := lines_needed(t, width)) > 1}
    assert overflowing(cells, width) == expected
    many = cells * 5  # past the size where lines_each keys all cells in one C call
    assert lines_each(many, width) == [lines_needed(t, width) for t in many]


# The chooser: a hand-computed sheet.


def test_the_cheap_column_is_narrowed_not_the_one_in_every_row() -> None:
    """A long 备注 in one row of ten, a 18-character address in every row, and 190 units
    of fixed columns: 97 px must go. Capping both at one width (the simpler rule) wraps
    every address: 20 printed lines. The rule wraps the one remark instead: 12 lines."""
    remark = ColumnNeed(one_line_width(["甲" * 13]), 7.5, ["甲" * 13] + [""] * 9)
    address = ColumnNeed(one_line_width(["乙" * 18]), 7.5, ["乙" * 18] * 10)
    fixed = ColumnNeed(190.0, 190.0)
    columns = [remark, address, fixed]
    natural = [c.natural for c in columns]
    assert print_scale(natural, *MARGINS) < SCALE

    widths = choose_widths(columns, SCALE, MARGINS)
    assert print_scale(widths, *MARGINS) >= SCALE
    assert _pixels(widths[1]) == _pixels(address.natural)  # every address on one line
    assert widths[2] == fixed.natural
    assert sum(printed_lines(widths, columns)) == 12  # the remark in three lines
    capped = [min(w, 193 / 7) for w in natural[:2]] + [190.0]
    assert print_scale(capped, *MARGINS) >= SCALE
    assert sum(printed_lines(capped, columns)) == 20


def test_a_sheet_that_fits_keeps_its_natural_widths() -> None:
    columns = [ColumnNeed(30.0, 8.0, ["甲" * 13] * 3), ColumnNeed(20.0, 20.0)]
    assert choose_widths(columns, SCALE, MARGINS) == [30.0, 20.0]


# The chooser: properties.


@st.composite
def sheets(draw: st.DrawFn) -> list[ColumnNeed]:
    rows = draw(st.integers(1, 12))
    columns: list[ColumnNeed] = []
    for _ in range(draw(st.integers(1, 12))):
        if draw(st.booleans()):  # a column never narrowed (a date, the verdict)
            width = draw(st.floats(3, 40))
            columns.append(ColumnNeed(width, width))
            continue
        cells = draw(st.lists(texts, min_size=rows, max_size=rows))
        natural = max(one_line_width(cells), 3.0)
        floor = draw(st.floats(3, natural))
        columns.append(ColumnNeed(natural, floor, cells))
    return columns


def _water_filled(columns: list[ColumnNeed]) -> list[float]:
    """The simpler rule, worked out here: one common cap (to the pixel) on every narrowable
    column, the widest that reaches the scale, floors kept."""

    def capped(cap: int) -> list[float]:
        return [
            c.natural
            if c.floor >= c.natural
            else max(_pixels(c.floor), min(_pixels(c.natural), cap)) / 7
            for c in columns
        ]

    caps = [cap for cap in range(1, 700) if print_scale(capped(cap), *MARGINS) >= SCALE]
    return capped(max(caps) if caps else 1)


@settings(max_examples=150)
@given(sheets())
def test_the_rule_keeps_its_promises(columns: list[ColumnNeed]) -> None:
    widths = choose_widths(columns, SCALE, MARGINS)
    floors = [c.natural if c.floor >= c.natural else _pixels(c.floor) / 7 for c in columns]
    for column, width in zip(columns, widths, strict=True):
        if column.floor >= column.natural:
            assert width == column.natural  # never narrowed
        else:
            assert column.floor <= width <= max(column.natural, _pixels(column.natural) / 7)
    if print_scale(floors, *MARGINS) >= SCALE:  # reachable: reached
        assert print_scale(widths, *MARGINS) >= SCALE
    if print_scale([c.natural for c in columns], *MARGINS) >= SCALE:
        assert widths == [c.natural for c in columns]
    baseline = _water_filled(columns)
    if print_scale(baseline, *MARGINS) >= SCALE:
        assert sum(printed_lines(widths, columns)) <= sum(printed_lines(baseline, columns))
