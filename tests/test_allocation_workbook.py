"""The allocation workbook is streamed with ``fast_rows``: its bytes must be xlsxwriter's own.

Every part of the file except docProps/core.xml (which holds the creation time) is
compared with the same workbook written by xlsxwriter's unmodified Worksheet. The fast
path is only taken after a probe found it exact for the installed xlsxwriter; the last
tests check that it is taken here, and that a drifted one would not be.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import workbook_parts
from test_allocation_snapshot import _allocate, _campaign
from zjk_charity.aid.allocation_book import write_outputs
from zjk_charity.aid.notice import Notice
from zjk_charity.workbook import writer
from zjk_charity.workbook.writer import Column, SheetSpec, Value, new_book

# Texts xlsxwriter escapes or marks up in some way, and ordinary ones.
TEXTS = [
    "张三",
    "a",
    " leading",
    "trailing ",
    "\u3000全角空格\u3000",
    "tab\tinside",
    "new\nline",
    "\x00nul",
    "\x07bell\x1f",
    "_x0041_",
    "_x00",
    "a & b",
    "<r><t>rich</t></r>",
    "<b>",
    "x > y",
    'say "hi"',
    "\ufffe\uffff",
    "😀 emoji",
    "=HYPERLINK(1)",
    "-1",
    "1.5E+10",
    "x" * 33_000,  # cut to Excel's limit by xlsxwriter, either way
]
VALUES: list[Value] = [
    0,
    7,
    -5,
    10**15,
    2**53 + 1,
    1.5,
    -0.0,
    1e-300,
    Decimal("1000.00"),
    date(2025, 10, 20),
    datetime(2025, 10, 20, 8, 30),
    True,
    False,
    None,
    "",
]


def _both(tmp_path: Path, fill: Callable[[writer.Book], None]) -> tuple[Path, Path]:
    paths = []
    for fast in (False, True):
        target = tmp_path / f"{'fast' if fast else 'stock'}.xlsx"
        with new_book(target, streaming=True, fast_rows=fast) as book:
            fill(book)
        paths.append(target)
    return paths[0], paths[1]


def _columns() -> list[Column]:
    return [Column("文本", 12), Column("号码", 20, text=True), Column("数", 8), Column("其他", 8)]


def test_every_kind_of_cell_is_written_as_xlsxwriter_writes_it(tmp_path: Path) -> None:
    def fill(book: writer.Book) -> None:
        titled = book.sheet(SheetSpec("名单", _columns(), title="标题 & <说明>", subtitle=" 副 "))
        for n, text in enumerate(TEXTS):
            titled.write([text, text, n, VALUES[n % len(VALUES)]])
        for value in VALUES:
            titled.write([value, value, value, value])
            titled.write([value, "x"], style="bold")
            titled.write([value, "y", 1], cell_styles={0: "error", 2: "warning"})
        titled.write(["批注"], comments={0: "说明 <1> & 2"})
        plain = book.sheet(
            SheetSpec("无标题", _columns(), header_at=2, preamble=[["上面一行"], [" ", 5]])
        )
        for n, text in enumerate(TEXTS):
            plain.write([n, text, text[:5], None])

    stock, fast = _both(tmp_path, fill)
    assert workbook_parts(fast) == workbook_parts(stock)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.text(max_size=12), st.text(max_size=3), st.integers(-(2**60), 2**60)),
        min_size=1,
        max_size=30,
    )
)
def test_any_text_is_written_as_xlsxwriter_writes_it(
    tmp_path: Path, rows: list[tuple[str, str, int]]
) -> None:
    def fill(book: writer.Book) -> None:
        sheet = book.sheet(SheetSpec("文本", _columns()))
        for text, short, number in rows:
            sheet.write([text, short, number, f" {short}"])

    stock, fast = _both(tmp_path, fill)
    assert workbook_parts(fast) == workbook_parts(stock)


def test_allocation_outputs_are_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = _allocate(_campaign(tmp_path))
    notice = Notice(date(2025, 11, 1), 7)
    fast = write_outputs(a, tmp_path / "fast.xlsx", notice, "2025年福彩暖冬资助")
    monkeypatch.setattr(writer, "streamed_worksheet_class", lambda: None)
    stock = write_outputs(a, tmp_path / "stock.xlsx", notice, "2025年福彩暖冬资助")
    assert [p.name for p in fast] == ["fast.xlsx"]  # no bank file: aid pay writes it
    assert workbook_parts(fast[0]) == workbook_parts(stock[0])
    sheets = [n for n in workbook_parts(fast[0]) if n.startswith("xl/worksheets/sheet")]
    assert len(sheets) == 7


# ------------------------------------------------ the fast path is used only when exact


@pytest.fixture
def fresh_probe() -> Iterator[None]:
    """Forget the process's verdict on the fast path before and after the test."""
    writer.streamed_worksheet_class.cache_clear()
    yield
    writer.streamed_worksheet_class.cache_clear()


def test_the_fast_path_is_verified_for_the_installed_xlsxwriter(fresh_probe: None) -> None:
    # Without this, a new xlsxwriter that fails the probe would quietly turn the byte
    # comparisons above into comparisons of xlsxwriter with itself.
    assert writer.streamed_worksheet_class() is writer.fast_rows_worksheet()


def _fast_path_with(monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    """Make the fast path of a later, hypothetical xlsxwriter: writing ``change``."""
    from xlsxwriter.worksheet import CellNumberTuple

    real = writer.fast_rows_worksheet()

    class Drifted(real):  # type: ignore[misc, valid-type]
        def _write_cell(self, row: int, col: int, cell: Any) -> None:
            if change == "raise":
                raise AttributeError("'Worksheet' object has no attribute 'renamed'")
            super()._write_cell(row, col, cell)
            if change == "space" and isinstance(cell, CellNumberTuple):
                self.fh.write(" ")

    monkeypatch.setattr(writer, "fast_rows_worksheet", lambda: Drifted)


@pytest.mark.parametrize("change", ["space", "raise"])
def test_a_fast_path_that_drifted_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_probe: None, change: str
) -> None:
    _fast_path_with(monkeypatch, change)
    assert writer.streamed_worksheet_class() is None

    def fill(book: writer.Book) -> None:
        sheet = book.sheet(SheetSpec("名单", _columns(), title="标题"))
        for n, text in enumerate(TEXTS):
            sheet.write([text, text[:4], n * 1.5, None])

    stock, fast = _both(tmp_path, fill)  # fast_rows=True falls back to xlsxwriter's own
    assert workbook_parts(fast) == workbook_parts(stock)
