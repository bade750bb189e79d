"""Writing workbooks people open in Excel and WPS (xlsxwriter).

Every text is written with ``write_string``: a name such as ``=HYPERLINK(...)`` or
``-1+2`` stays plain text and is never evaluated as a formula. Files are written under
a temporary name beside the target and renamed when complete, so a crash never leaves a
half-written workbook under its final name.

``new_book(target, streaming=True)`` writes each row to disk as soon as the next one
starts (xlsxwriter's constant-memory mode): 100,000 rows need a few MB instead of a few
hundred, and are written faster. The price: rows go strictly top to bottom, so lines
above a sheet's header are given up front in ``SheetSpec.preamble``. With
``fast_rows=True`` as well, the streamed rows are serialized by :func:`fast_rows_worksheet`:
the same bytes in about half the time. The two large workbooks use it: the allocation's
(``aid/allocation_book.py``) and the marked-up applications (``aid/markup.py``); each
has a test comparing its bytes with xlsxwriter's unmodified ``Worksheet``. The fast path
overrides two private methods of xlsxwriter, so it is only used after a probe sheet,
written both ways once per process, came out byte for byte the same
(:func:`streamed_worksheet_class`). A later xlsxwriter that writes cells differently
gets its own, slower code and the same workbooks, not wrong ones.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from zjk_charity.errors import UserError

Value = str | int | float | Decimal | date | datetime | bool | None
NumFormat = str | int  # a number format code, or the index of an Excel built-in format
Merge = tuple[int, int, int, int]  # 0-based (top, left, bottom, right), inclusive

FILLS = {"error": "#FFC7CE", "warning": "#FFEB9C", "ok": "#C6EFCE"}
TITLE_POINTS = 28  # the height of a title row (16 pt bold)


_SQLITE = b"SQLite format 3\x00"


def check_target(target: Path, inputs: Sequence[Path] = ()) -> None:
    """Refuse an output path that would destroy something: a folder or device, one of
    ``inputs`` (the files the command reads: "inputs are never modified", even when
    --out names one by mistake), or a SQLite database (the ledger: ``--out zjk-charity.db``).

    The inputs are a parameter, passed by the code that knows them, rather than a
    process-wide set the reader fills: a library caller that runs several commands in
    one process protects exactly each command's own inputs (issue 19)."""
    if target.exists() and not target.is_file():
        raise UserError(
            f"输出路径 {target} 是文件夹或设备，不是文件；请给出一个文件名，如 结果.xlsx",
            f"the output path {target} is a folder or a device; give a file name such as out.xlsx",
        )
    if target.resolve() in {p.resolve() for p in inputs}:
        raise UserError(
            f"输出文件 {target} 就是本次读取的输入文件，不能覆盖；请换一个输出文件名",
            f"the output {target} is one of this command's input files; choose another name",
        )
    if target.is_file():
        with target.open("rb") as handle:
            if handle.read(len(_SQLITE)) == _SQLITE:
                raise UserError(
                    f"输出文件 {target} 是一个数据库（可能是台账 zjk-charity.db），不能覆盖；"
                    "请换一个输出文件名",
                    f"the output {target} is a database (perhaps the ledger); choose another name",
                )


_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
_RESERVED_SHEET_NAMES = {"history"}  # Excel keeps "History" for itself


def safe_sheet_name(wanted: str, used: set[str], limit: int = 31) -> str:
    """``wanted`` as a sheet name Excel accepts, unique among ``used`` (which it joins).

    Excel refuses ``[ ] : * ? / \\``, a leading or trailing apostrophe, more than 31
    characters and a name equal, ignoring case, to another sheet's or to "History": a
    file called 张北县[修改稿].csv must not stop the marked-up workbook.
    """
    base = _NOT_IN_SHEET_NAMES.sub("_", wanted).strip("'")[:limit].rstrip("'") or "Sheet"
    taken = {u.casefold() for u in used} | _RESERVED_SHEET_NAMES
    name, n = base, 1
    while name.casefold() in taken:
        n += 1
        suffix = f"-{n}"
        name = base[: limit - len(suffix)] + suffix
    used.add(name)
    return name


@contextmanager
def atomic_path(
    target: Path, suffix: str | None = None, inputs: Sequence[Path] = ()
) -> Iterator[Path]:
    """A temporary path beside ``target``, renamed onto it when the block ends cleanly;
    :func:`check_target` first (``inputs``: the command's input files)."""
    check_target(target, inputs)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(
            prefix=f".{target.stem}.", suffix=suffix or target.suffix, dir=target.parent
        )
    except OSError as exc:
        raise UserError(
            f"无法在 {target.parent} 写入文件（{exc.strerror}）；请换一个输出位置",
            f"cannot write in {target.parent} ({exc.strerror}); choose another output path",
        ) from None
    os.close(fd)
    temp = Path(name)
    try:
        yield temp
        os.replace(temp, target)
    finally:
        if temp.exists():
            temp.unlink()


@dataclass
class Column:
    header: str
    width: float = 12
    text: bool = False  # IDs, accounts, phones: text format so Excel keeps every digit
    num_format: NumFormat | None = None  # the column's own number format (not for text)
    wrap: bool = False  # long text wraps inside the column instead of widening it


@dataclass
class PrintSetup:
    landscape: bool = True
    repeat_header: bool = True
    title: str | None = None  # printed in the page header
    # Shrink all columns onto the page width. Excel and LibreOffice then ignore manual
    # page breaks, so a sheet with :meth:`SheetWriter.page_break` sets this False and
    # gives columns that fit the page at 100 %.
    fit_width: bool = True
    margins: tuple[float, float, float, float] | None = None  # inches: left, right, top, bottom


@dataclass
class SheetSpec:
    name: str
    columns: list[Column]
    title: str | None = None  # a merged title row above the header
    subtitle: str | None = None
    print_setup: PrintSetup | None = field(default_factory=PrintSetup)
    freeze: bool = True
    autofilter: bool = True
    header_at: int = 0  # 0-based row of the header when there is no title
    preamble: list[list[Value]] = field(default_factory=list)  # rows above it (no title)
    # Rows of the preamble from this one (0-based) on are header rows too (a two-tier header).
    header_top: int | None = None
    merged: list[Merge] = field(default_factory=list)  # merged cells above and in the header
    row_heights: dict[int, float] = field(default_factory=dict)  # points, by 0-based row


class SheetWriter:
    """Rows of one sheet; row styles and cell comments by column position."""

    def __init__(
        self,
        book: Any,
        formats: dict[str, Any],
        spec: SheetSpec,
        derive: Callable[[str, NumFormat | None, bool], Any] | None = None,
    ) -> None:
        self._book, self._formats, self.spec = book, formats, spec
        self._derive = derive
        self.ws = book.add_worksheet(spec.name[:31])
        self.next_row = 0
        self._header_row = 0
        self._formats_by_style: dict[str | None, list[Any]] = {}
        self._breaks: list[int] = []
        self._write_heading()

    def _write_heading(self) -> None:
        spec, ws, f = self.spec, self.ws, self._formats
        last = max(len(spec.columns) - 1, 0)
        if spec.title:
            if last:
                ws.merge_range(0, 0, 0, last, spec.title, f["title"])
            else:
                ws.write_string(0, 0, spec.title, f["title"])
            ws.set_row(0, TITLE_POINTS)
            self.next_row = 1
        else:
            self._write_preamble()
            self.next_row = spec.header_at
        if spec.subtitle:
            ws.write_string(self.next_row, 0, spec.subtitle, f["plain"])
            self.next_row += 1
        self._header_row = self.next_row
        if self._header_row in spec.row_heights:
            ws.set_row(self._header_row, spec.row_heights[self._header_row])
        merged = self._merged_cells()
        for i, column in enumerate(spec.columns):
            if merged.get((self.next_row, i), (self.next_row, i)) == (self.next_row, i):
                ws.write_string(self.next_row, i, column.header, f["header"])
            else:  # under a header cell merged down from the row above
                ws.write_blank(self.next_row, i, None, f["header"])
            ws.set_column(i, i, column.width, self._column_default(column))
        self.next_row += 1
        if spec.freeze:
            ws.freeze_panes(self.next_row, 0)
        if spec.print_setup:
            self._print(spec.print_setup)

    def _column_default(self, column: Column) -> Any:
        """The format of the column's empty cells: what a clerk types there later keeps it."""
        if column.text:
            return self._formats["text"]
        if column.num_format is not None and self._derive is not None:
            return self._derive("number", column.num_format, False)
        return None

    def _merged_cells(self) -> dict[tuple[int, int], tuple[int, int]]:
        """Every cell of the heading's merged ranges -> the range's top-left cell."""
        cells: dict[tuple[int, int], tuple[int, int]] = {}
        for top, left, bottom, right in self._merges():
            for r in range(top, bottom + 1):
                for c in range(left, right + 1):
                    cells[(r, c)] = (top, left)
        return cells

    def _merges(self) -> list[Merge]:
        """The heading's merged ranges that can be kept: within the heading and the columns,
        more than one cell, overlapping no earlier range (a crafted file may claim any)."""
        last_row, last_col = self.spec.header_at, len(self.spec.columns) - 1
        taken: set[tuple[int, int]] = set()
        kept: list[Merge] = []
        for top, left, bottom, right in self.spec.merged:
            bottom, right = min(bottom, last_row), min(right, last_col)
            if (
                top < 0
                or left < 0
                or top > bottom
                or left > right
                or (top, left) == (bottom, right)
            ):
                continue
            cells = {(r, c) for r in range(top, bottom + 1) for c in range(left, right + 1)}
            if cells & taken:
                continue
            taken |= cells
            kept.append((top, left, bottom, right))
        return kept

    def _write_preamble(self) -> None:
        """The rows above the header (title, 填报单位, the upper tier of a two-tier header),
        their merged ranges and heights, written top to bottom as streaming requires."""
        spec, ws, f = self.spec, self.ws, self._formats
        merges = self._merges()
        merged = self._merged_cells()
        widest = max(len(spec.columns), 1)
        for r, line in enumerate(spec.preamble[: spec.header_at]):
            if r in spec.row_heights:
                ws.set_row(r, spec.row_heights[r])
            heading = spec.header_top is not None and r >= spec.header_top
            title = not heading and any(
                top == r and right - left + 1 >= widest / 2 for top, left, _, right in merges
            )
            fmt = f["header"] if heading else f["title"] if title and r == 0 else f["plain"]
            if fmt is f["title"] and r not in spec.row_heights:
                ws.set_row(r, TITLE_POINTS)  # 16 pt in a row of 15 would lose its lower part
            covered = {c for (row, c), start in merged.items() if row == r and start != (row, c)}
            for c, value in enumerate(line):
                if c in covered or value is None or value == "":
                    ws.write_blank(r, c, None, fmt)
                else:
                    ws.write_string(r, c, str(value), fmt)
            for c in covered - set(range(len(line))):
                ws.write_blank(r, c, None, fmt)
        # Registered, not written: xlsxwriter's merge_range would write cells of later
        # rows at once, and a streamed sheet cannot go back to finish the earlier ones.
        register = getattr(ws, "merge", None)
        if isinstance(register, list):
            register.extend([top, left, bottom, right] for top, left, bottom, right in merges)

    def _print(self, setup: PrintSetup) -> None:
        ws = self.ws
        ws.set_paper(9)  # A4
        if setup.landscape:
            ws.set_landscape()
        if setup.margins is not None:
            left, right, top, bottom = setup.margins
            ws.set_margins(left, right, top, bottom)
        if setup.repeat_header:
            ws.repeat_rows(0, self._header_row)
        if setup.fit_width:
            ws.fit_to_pages(1, 0)
        else:
            ws.center_horizontally()  # at 100 %, a narrower table sits in the middle
        ws.set_footer("&C第 &P 页，共 &N 页")
        if setup.title:
            ws.set_header("&C" + setup.title.replace("&", "&&"))

    def write(
        self,
        values: Sequence[Value],
        *,
        at: int | None = None,
        style: str | None = None,
        cell_styles: dict[int, str] | None = None,
        comments: dict[int, str] | None = None,
        height: float | None = None,
    ) -> None:
        """One row at ``at`` (0-based) or the next row; ``style`` fills the whole row;
        ``height`` in points, for a row whose wrapped text needs more than one line."""
        row = self.next_row if at is None else at
        if height is not None:
            # The streamed sheet's own setter when it has one: a dict update, where
            # set_row's checks cost half a second at 100,000 tall rows.
            getattr(self.ws, "set_row_height", self.ws.set_row)(row, height)
        formats = self._row_formats(style)
        special = cell_styles or {}
        # xlsxwriter's undecorated writers: the public ones first parse "A1" notation,
        # which costs a second per million cells.
        write_string = getattr(self.ws, "_write_string", self.ws.write_string)
        write_blank = getattr(self.ws, "_write_blank", self.ws.write_blank)
        write_number = getattr(self.ws, "_write_number", self.ws.write_number)
        for i, value in enumerate(values):
            if type(value) is str and i < len(formats) and special.get(i, style) == style:
                # The common cell: text in its column's format (the full dispatch is _cell).
                if value:
                    write_string(row, i, value, formats[i])
                else:
                    write_blank(row, i, None, formats[i])
            elif (
                (type(value) is int or type(value) is float)
                and i < len(formats)
                and not self.spec.columns[i].text
                and special.get(i, style) == style
            ):
                write_number(row, i, value, formats[i])  # as _cell writes it
            else:
                self._cell(row, i, value, special.get(i, style))
        for i, text in (comments or {}).items():
            self.ws.write_comment(row, i, text, {"x_scale": 2, "y_scale": 1.5})
        self.next_row = row + 1

    def _row_formats(self, style: str | None) -> list[Any]:
        """The format of a text cell in each column under ``style``, as ``_cell`` picks it."""
        formats = self._formats_by_style.get(style)
        if formats is None:
            base = style or "plain"
            formats = [self._column_format(base, c) for c in self.spec.columns]
            self._formats_by_style[style] = formats
        return formats

    def _column_format(self, base: str, column: Column) -> Any:
        """``base`` (plain, error, …) in the column's own number format and wrapping."""
        own = None if column.text else column.num_format
        if (own is None and not column.wrap) or self._derive is None:
            return self._formats[base + ("_text" if column.text else "")]
        return self._derive(base + ("_text" if column.text else ""), own, column.wrap)

    def _cell(self, row: int, col: int, value: Value, style: str | None) -> None:
        ws = self.ws
        base = style or "plain"
        column = self.spec.columns[col] if col < len(self.spec.columns) else None
        text_col = column is not None and column.text
        own = column is not None and not text_col and column.num_format not in _NOT_OWN
        fmt = self._row_formats(style)[col] if column is not None else self._formats[base]
        if value is None or value == "":
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, bool):
            ws.write_string(row, col, "是" if value else "否", fmt)
        elif isinstance(value, Decimal):
            ws.write_number(row, col, float(value), fmt if own else self._formats[base + "_money"])
        elif isinstance(value, int | float) and not text_col:
            ws.write_number(row, col, value, fmt)
        elif isinstance(value, datetime | date):
            ws.write_datetime(row, col, value, fmt if own else self._formats[base + "_date"])
        else:
            ws.write_string(row, col, str(value), fmt)

    def write_banner(self, text: str, *, bold: bool = False, size: int = 11) -> None:
        """One line of text merged across all columns, wrapped, its row made tall enough
        for the lines it takes when printed (Excel does not size merged rows itself)."""
        key = f"banner_{'bold' if bold else 'plain'}_{size}"
        fmt = self._formats.get(key)
        if fmt is None:
            fmt = self._book.add_format(
                {
                    "font_name": "宋体",
                    "font_size": size,
                    "bold": bold,
                    "text_wrap": True,
                    "valign": "vcenter",
                }
            )
            self._formats[key] = fmt
        row, last = self.next_row, max(len(self.spec.columns) - 1, 0)
        width = sum(c.width for c in self.spec.columns)
        self.ws.set_row(row, banner_height(text, width, size))
        if last:
            self.ws.merge_range(row, 0, row, last, text, fmt)
        else:
            self.ws.write_string(row, 0, text, fmt)
        self.next_row = row + 1

    def page_break(self) -> None:
        """Start a new printed page at the next row (set on the sheet when it is closed)."""
        if self.next_row > self._header_row + 1:  # never an empty first page
            self._breaks.append(self.next_row)

    def finish(self) -> None:
        if self._breaks:
            self.ws.set_h_pagebreaks(self._breaks)
        if self.spec.autofilter and self.spec.columns:
            self.ws.autofilter(
                self._header_row,
                0,
                max(self.next_row - 1, self._header_row),
                len(self.spec.columns) - 1,
            )


def banner_height(text: str, width: float, size: int = 11) -> float:
    """Points of row height for ``text`` wrapped in a merged cell ``width`` characters wide.

    A column's width counts the default font's digits; a CJK character of the 11-point
    宋体 takes about two of them (its terminal display width, by wcwidth), scaled with the
    font size. Lines are counted with 10 % to spare, so a line is never cut when printed.
    """
    from wcwidth import wcswidth

    used = max(wcswidth(text), len(text)) * size / 11 * 1.1
    lines = max(1, -(-int(used) // max(int(width), 1)))
    return round(lines * size * 1.5 + 4, 1)


# Number formats that say nothing about how to show a number or a date.
_NOT_OWN: tuple[NumFormat | None, ...] = (None, 0, 49, "General", "@")


class Book:
    """An xlsxwriter workbook with the house formats."""

    def __init__(
        self,
        path: Path,
        streaming: bool = False,
        fast_rows: bool = False,
        created: datetime | None = None,
    ) -> None:
        import xlsxwriter

        self._book = xlsxwriter.Workbook(
            str(path),
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "constant_memory": streaming,
            },
        )
        if streaming and fast_rows:
            checked = streamed_worksheet_class()
            if checked is not None:
                self._book.worksheet_class = checked
        if created is not None:
            # docProps/core.xml holds it (as UTC); a fixed time makes the file reproducible.
            self._book.set_properties({"created": created.astimezone(UTC)})
        self._properties: dict[str, dict[str, Any]] = {}
        self._derived: dict[tuple[str, NumFormat | None, bool], Any] = {}
        self.formats = self._make_formats()
        self._sheets: list[SheetWriter] = []

    def _make_formats(self) -> dict[str, Any]:
        base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter"}
        options: dict[str, dict[str, Any]] = {
            "title": {**base, "bold": True, "font_size": 16, "align": "center"},
            "header": {
                **base,
                "bold": True,
                "bg_color": "#D9E1F2",
                "border": 1,
                "text_wrap": True,
                "align": "center",
            },
        }
        # grid, grid_bold: the bordered cells of a list signed on paper (领取表).
        lines = (("grid", None), ("grid_bold", None))
        for name, fill in (("plain", None), *FILLS.items(), ("bold", None), *lines):
            extra: dict[str, Any] = {"bg_color": fill} if fill else {}
            if name.endswith("bold"):
                extra["bold"] = True
            if name.startswith("grid"):
                extra["border"] = 1
            options[name] = {**base, **extra}
            options[name + "_text"] = {**base, **extra, "num_format": "@"}
            options[name + "_money"] = {**base, **extra, "num_format": "#,##0.00"}
            options[name + "_date"] = {**base, **extra, "num_format": "yyyy-mm-dd"}
        options["text"] = {"num_format": "@"}
        self._properties = {**options, "number": {}}  # "number": only ever derived
        return {name: self._book.add_format(o) for name, o in options.items()}

    def derived(self, name: str, num_format: NumFormat | None, wrap: bool) -> Any:
        """The house format ``name`` with another number format and/or wrapped text, made
        once per workbook (a county's date format, the wrapped 问题说明 column)."""
        key = (name, num_format, wrap)
        made = self._derived.get(key)
        if made is None:
            options = dict(self._properties[name])  # a copy: the house format stays
            if num_format is not None:
                options["num_format"] = num_format
            if wrap:
                options["text_wrap"] = True
            made = self._derived[key] = self._book.add_format(options)
        return made

    def sheet(self, spec: SheetSpec) -> SheetWriter:
        writer = SheetWriter(self._book, self.formats, spec, self.derived)
        self._sheets.append(writer)
        return writer

    def add_list_validation(
        self, sheet: SheetWriter, col: int, choices: Sequence[str], rows: int
    ) -> None:
        first = sheet.next_row
        sheet.ws.data_validation(
            first, col, first + rows - 1, col, {"validate": "list", "source": list(choices)}
        )

    def close(self) -> None:
        for sheet in self._sheets:
            sheet.finish()
        self._book.close()


@contextmanager
def new_book(
    target: Path,
    *,
    streaming: bool = False,
    fast_rows: bool = False,
    created: datetime | None = None,
    inputs: Sequence[Path] = (),
) -> Iterator[Book]:
    """Write a workbook atomically: it appears under ``target`` only once complete.

    ``streaming``: rows are flushed as they are written and must come top to bottom.
    ``fast_rows`` (with ``streaming``): serialize them with :func:`fast_rows_worksheet`
    when :func:`streamed_worksheet_class` has found it exact for the installed xlsxwriter.
    ``created``: the creation time recorded in the file (default: now); the same data
    written with the same time gives the same bytes. ``inputs``: the command's input
    files, which ``target`` may not be (:func:`check_target`).
    """
    with atomic_path(target, inputs=inputs) as temp:
        book = Book(temp, streaming, fast_rows, created)
        yield book
        book.close()


# A text that xlsxwriter writes as it is: nothing to escape for XML, no control character
# or _xHHHH_ sequence, no rich-string markup, no whitespace at either end (over-cautious:
# a match only means the text goes through xlsxwriter's own code).
_PLAIN_TEXT_FAILS = re.compile(r"[\x00-\x1f&<>\ufffe\uffff]|_x|^\s|\s$")


@cache
def fast_rows_worksheet() -> type:
    """xlsxwriter's ``Worksheet`` with a fast path for the rows it streams.

    In constant-memory mode xlsxwriter serializes every cell through about ten regular
    expression passes and a write to its temporary file. For the cells that make up
    large sheets (plain text, numbers and blanks, each with a format) the XML is a fixed
    pattern; this writes it directly, and writes a row to the file at once. Rows given a
    height (``set_row_height``: the marked-up copies' wrapped rows, up to every row)
    share the properties and the ``<row>`` tag xlsxwriter made for the first row of that
    height. Every other cell and row goes through xlsxwriter's own code. The output is byte-for-byte the same
    (``tests/test_allocation_workbook.py`` compares them, on every xlsxwriter version
    the tests run with). Imported lazily, like xlsxwriter itself.
    """
    from xlsxwriter.utility import xl_col_to_name
    from xlsxwriter.worksheet import (
        CellBlankTuple,
        CellNumberTuple,
        CellStringTuple,
        Worksheet,
    )

    columns: dict[int, str] = {}

    class _RowParts:
        """Stands in for the sheet's file while one row is serialized."""

        __slots__ = ("parts", "write")

        def __init__(self) -> None:
            self.parts: list[str] = []
            self.write = self.parts.append

    class FastRowsWorksheet(Worksheet):  # type: ignore[misc]
        fh: Any  # xlsxwriter's file for the sheet's XML
        # Per height in pixels: xlsxwriter's own row properties, row size and the <row>
        # tag after its number, as its set_row and _write_row made them the first time.
        _heights: dict[int, tuple[Any, list[Any]]] | None = None
        _row_tags: dict[int, str] | None = None

        def set_row_height(self, row: int, points: float) -> None:
            """``set_row(row, points)`` for a row whose cells are written next (they set
            the sheet's dimensions): the first row of each height goes through
            xlsxwriter's own code, the others share what it stored."""
            if self._heights is None:
                self._heights, self._row_tags = {}, {}
            pixels = int(points * 4.0 / 3.0 + 0.5)
            known = self._heights.get(pixels)
            if known is None or row < self.previous_row:
                super().set_row(row, points)
                if row >= self.previous_row:
                    self._heights[pixels] = (self.row_info[row], self.row_sizes[row])
                return
            self.row_info[row], self.row_sizes[row] = known  # both only ever read

        def _write_row(
            self, row: int, spans: Any, row_info: Any = None, empty_row: bool = False
        ) -> None:
            tags = self._row_tags
            if tags is None or row_info is None or spans or empty_row:
                super()._write_row(row, spans, row_info, empty_row)
                return
            tag = tags.get(id(row_info))
            if tag is not None:
                self.fh.write(f'<row r="{row + 1}"{tag}')
                return
            # The first row of a height: xlsxwriter's own tag, kept for the next rows.
            fh = self.fh
            parts = _RowParts()
            self.fh = parts
            try:
                super()._write_row(row, spans, row_info, empty_row)
            finally:
                self.fh = fh
            written = "".join(parts.parts)
            fh.write(written)
            start = f'<row r="{row + 1}"'
            shared = any(row_info is info for info, _ in (self._heights or {}).values())
            if shared and written.startswith(start) and written.count("<") == 1:
                tags[id(row_info)] = written[len(start) :]

        def _write_single_row(self, current_row_num: int = 0) -> None:
            fh = self.fh
            row = _RowParts()
            self.fh = row
            written = self.previous_row
            try:
                super()._write_single_row(current_row_num)
            finally:
                self.fh = fh
            if row.parts:
                fh.write("".join(row.parts))
            if self._row_tags and id(self.row_info.get(written)) in self._row_tags:
                # A written row's properties are never read again (its size is, for the
                # comments' boxes): 100,000 of them would hold 8 MB to the end.
                del self.row_info[written]

        def _write_cell(self, row: int, col: int, cell: Any) -> None:
            fmt = cell.format
            if fmt is not None and self.constant_memory:
                kind = cell.__class__
                name = columns.get(col) or columns.setdefault(col, xl_col_to_name(col))
                ref = f'<c r="{name}{row + 1}" s="{fmt._get_xf_index()}"'
                if kind is CellStringTuple:
                    if not _PLAIN_TEXT_FAILS.search(cell.string):
                        self.fh.write(f'{ref} t="inlineStr"><is><t>{cell.string}</t></is></c>')
                        return
                elif kind is CellNumberTuple:
                    self.fh.write(f"{ref}><v>{cell.number:.16G}</v></c>")
                    return
                elif kind is CellBlankTuple:
                    self.fh.write(f"{ref}/>")
                    return
            super()._write_cell(row, col, cell)

    return FastRowsWorksheet


# The probe: texts that take both paths of ``_write_cell`` (plain, and the ones left to
# xlsxwriter), numbers of every form ``{:.16G}`` prints, blanks, with and without a format.
_PROBE_TEXTS = ("文本", "a&b<c>\"'", " 前导", "尾随 ", "换\n行", "_x0041_", "\x01", "=1+1", "")
_PROBE_NUMBERS = (0, 1.5, -2.25e-10, 123456789012345, 1e21, 3, 0.1, -7, 2**53)
_PROBE_HEIGHTS = (34.0, 15.0)  # rows of two lines, and of the default height


@cache
def streamed_worksheet_class() -> type | None:
    """:func:`fast_rows_worksheet` if it writes what the installed xlsxwriter writes, else None.

    Checked once per process: a small sheet is written with xlsxwriter's own
    ``Worksheet`` and with the fast one (a few hundredths of a second), and the fast one
    is used only if the two sheets' XML is identical and nothing raised. Any failure of
    the probe means "not verified", so the broad ``except`` is deliberate: the price of
    a mismatch is speed, never a wrong workbook.
    """
    try:
        fast = fast_rows_worksheet()
        with tempfile.TemporaryDirectory(prefix="zjk-probe-") as folder:
            same = _probe_sheet(Path(folder), None) == _probe_sheet(Path(folder), fast)
    except Exception:  # deliberate: see the docstring
        return None
    return fast if same else None


def _probe_sheet(folder: Path, worksheet_class: type | None) -> bytes:
    """The sheet XML of a small streamed workbook written with ``worksheet_class``."""
    import xlsxwriter

    path = folder / f"{'stock' if worksheet_class is None else 'fast'}.xlsx"
    book = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "tmpdir": str(folder), "strings_to_numbers": False}
    )
    if worksheet_class is not None:
        book.worksheet_class = worksheet_class
    sheet = book.add_worksheet()
    fmt = book.add_format({"num_format": "@", "bg_color": "#FFC7CE"})
    set_height = getattr(sheet, "set_row_height", sheet.set_row)
    for row, text in enumerate(_PROBE_TEXTS):
        if row % 3:
            set_height(row, _PROBE_HEIGHTS[row % 2])
        sheet.write_string(row, 0, text, fmt)
        sheet.write_string(row, 1, text)
        sheet.write_number(row, 2, _PROBE_NUMBERS[row], fmt)
        sheet.write_number(row, 3, _PROBE_NUMBERS[-1 - row])
        sheet.write_blank(row, 4, None, fmt)
    book.close()
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def csv_safe(text: str) -> str:
    """A CSV field that a spreadsheet will not run as a formula."""
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text
