"""One reader for every workbook a county sends (aid.md, "Reading a workbook").

- ``.xlsx``, ``.xlsm`` and ``.xls`` through python-calamine (Rust; measured about 7x
  faster than openpyxl on 100,000 rows; .ods and .xlsb are refused with a request to
  save as .xlsx, since workbook/guard.py does not scan them), ``.csv`` through the standard library
  after decoding UTF-8 (with or without BOM) or GBK (read as GB 18030, its superset).
- The header row is searched among the first 20 rows, below title and 填报单位 lines;
  headers match after NFKC and removal of all whitespace, against canonical names and
  aliases. A second header row under a merged group heading is merged in.
- Every sheet with a recognisable header is read; other sheets are listed as skipped.
- Blank rows and total rows (合计/总计/小计 with no key) are skipped.
- Values of vertically merged data cells are repeated into every row they cover.
- Cell values are handed over *as typed*: a number stays a float, so a rule can see
  that an ID was stored as a number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import cast

from zjk_charity.errors import UserError
from zjk_charity.text import header_key, is_blank, squash

Cell = str | float | int | bool | date | datetime | time | timedelta | None
Grid = list[list[Cell]]
Merged = list[tuple[int, int, int, int]]

HEADER_SEARCH_ROWS = 20
MAX_HEADING_MERGES = 1000  # a crafted file may claim millions; a real heading has a few
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
SUFFIXES = EXCEL_SUFFIXES | {".csv"}
TOTAL_WORDS = ("合计", "总计", "小计")


@dataclass(frozen=True)
class ColumnSpec:
    """A column a reader looks for: its canonical header and the other names it goes by."""

    name: str
    required: bool = False
    aliases: tuple[str, ...] = ()


@dataclass
class Row:
    number: int  # the row number Excel shows (1-based)
    values: list[Cell]


@dataclass
class Sheet:
    name: str
    index: int
    header_row: int  # Excel row number of the (last) header row
    headers: list[str]  # the original header texts, one per column kept
    columns: dict[str, int]  # canonical name -> position in ``headers``/``Row.values``
    missing: list[str]  # required columns not found
    rows: list[Row] = field(default_factory=list)
    preamble: list[list[Cell]] = field(default_factory=list)  # title lines above the header
    header_top: int = 0  # Excel row number of the first header row (two-tier: one above)
    # Merged ranges that begin above or in the header (title, 填报单位, group headings),
    # 0-based (top, left, bottom, right): the marked-up copy keeps the county's layout.
    merged: Merged = field(default_factory=list)
    # The 合计/总计/小计 rows left out of ``rows``: a bank's result file checks its own
    # total against them (payments/results.py).
    totals: list[Row] = field(default_factory=list)

    def get(self, row: Row, column: str) -> Cell:
        position = self.columns.get(column)
        if position is None or position >= len(row.values):
            return None
        return row.values[position]


@dataclass
class Table:
    path: Path
    sheets: list[Sheet]
    skipped: list[str]  # names of sheets without a recognisable header
    notes: list[str] = field(default_factory=list)  # about the whole file, in Chinese


def _unreadable(path: Path, why_zh: str, why_en: str) -> UserError:
    return UserError(f"{path}：{why_zh}", f"{path}: {why_en}")


def _check_path(path: Path) -> None:
    if not path.exists():
        raise _unreadable(path, "文件不存在，请检查路径和文件名", "no such file; check the path")
    if path.is_dir():
        raise _unreadable(path, "这是一个文件夹，不是工作簿", "is a folder, not a workbook")
    suffix = path.suffix.lower()
    if suffix == ".et":
        raise _unreadable(
            path,
            "WPS 表格格式（.et）无法读取，请在 WPS 中“另存为” .xlsx 后再试",
            "WPS .et files cannot be read; save as .xlsx in WPS first",
        )
    if suffix not in SUFFIXES:
        raise _unreadable(
            path,
            f"不支持的文件类型“{suffix or '无扩展名'}”，请另存为 .xlsx、.xls 或 .csv",
            f"unsupported file type '{suffix}'; save it as .xlsx, .xls or .csv",
        )
    if path.stat().st_size == 0:
        raise _unreadable(path, "文件是空的（0 字节），请重新导出或索取原文件", "the file is empty")


def excel_grids(path: Path) -> list[tuple[str, Grid, Merged]]:
    """Every sheet of an Excel workbook as (name, grid, merged ranges), parsed in process."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        # from_filelike sniffs the content, so an .xls saved as .xlsx (and the reverse)
        # is read as what it really is.
        with path.open("rb") as handle:
            book = CalamineWorkbook.from_filelike(handle)
        grids: list[tuple[str, Grid, Merged]] = []
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            merged = [(a[0], a[1], b[0], b[1]) for a, b in (sheet.merged_cell_ranges or [])]
            # Fresh lists, ours to keep: the rows are not copied again.
            grid = cast(Grid, sheet.to_python(skip_empty_area=False))
            grids.append((name, grid, merged))
        return grids
    except BaseException as exc:
        # A Rust panic inside calamine (a date cell of -1e20 days, say) arrives as pyo3's
        # PanicException, which derives from BaseException, not Exception.
        if not isinstance(exc, (CalamineError, ValueError, OSError)) and (
            type(exc).__name__ != "PanicException"
        ):
            raise
        raise _unreadable(
            path,
            "无法作为 Excel 工作簿读取（文件损坏、不完整，或只是改了扩展名）；"
            "请用 Excel/WPS 打开后另存为 .xlsx 再试",
            f"cannot be read as a workbook ({type(exc).__name__}); open it in Excel or WPS "
            "and save it as .xlsx",
        ) from None


def decode_csv(path: Path, raw: bytes) -> str:
    """UTF-8 (with or without BOM), else GBK/GB 18030; anything else is refused."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _unreadable(
        path,
        "无法识别文件编码（既不是 UTF-8 也不是 GBK），请用 Excel 另存为“CSV UTF-8”或 .xlsx",
        "the encoding is neither UTF-8 nor GBK; save it as CSV UTF-8 or .xlsx",
    )


def _csv_grid(path: Path) -> list[list[Cell]]:
    text = decode_csv(path, path.read_bytes())
    if "\x00" in text:
        raise _unreadable(path, "不是文本格式的 CSV 文件", "not a text CSV file")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    # A cell may be as long as the file (the rules then report it, as for a workbook);
    # the csv module's own limit of 131,072 characters would stop the whole file.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    rows = csv.reader(io.StringIO(text, newline=""), dialect)  # \r, \n or \r\n lines
    try:
        return [list(r) for r in rows]
    except csv.Error as error:
        raise _unreadable(
            path,
            f"第 {rows.line_num} 行无法按 CSV 读取（{error}）；请用 Excel/WPS 打开后另存为 .xlsx",
            f"line {rows.line_num} cannot be read as CSV ({error}); save the file as .xlsx",
        ) from None


def _lookup(columns: Sequence[ColumnSpec]) -> dict[str, str]:
    table: dict[str, str] = {}
    for spec in columns:
        for name in (spec.name, *spec.aliases):
            table.setdefault(header_key(name), spec.name)
    return table


def _find_header(grid: list[list[Cell]], names: dict[str, str]) -> int | None:
    best, best_count = None, 1  # a header names at least two known columns
    for index, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        count = len({names[k] for k in map(header_key, row) if k in names})
        if count > best_count:
            best, best_count = index, count
    return best


def _texts(line: list[Cell]) -> list[str]:
    return ["" if v is None else str(v).strip() for v in line]


def _sub_headings(
    upper: list[str], lower: list[str], names: dict[str, str], grouped: set[int]
) -> list[int]:
    """Positions where ``lower`` holds a sub-heading under a group heading in ``upper``."""
    return [
        i
        for i, text in enumerate(lower)
        if header_key(text) in names
        and (i >= len(upper) or not upper[i] or i in grouped)
        and (i >= len(upper) or header_key(upper[i]) not in names)
    ]


def _header_texts(
    grid: list[list[Cell]], at: int, names: dict[str, str], merged: Merged
) -> tuple[list[str], int, int]:
    """The header texts of a one- or two-row header; returns them, the first and the last
    header row.

    A two-tier header has group headings (申请人信息, 银行信息) over sub-headings, and the
    other columns' headings merged down over both rows. ``at`` is the row with the most
    known headings, which may be either tier. A row is only taken as sub-headings where
    the cell above is blank or part of a merged group heading, so a data row whose value
    happens to equal a heading (a village called 村) is never swallowed as a header.
    """

    def grouped(row: int) -> set[int]:
        return {
            c
            for top, left, _bottom, right in merged
            if top == row and right > left
            for c in range(left, right + 1)
        }

    texts = _texts(grid[at])
    if at > 0:
        upper = _texts(grid[at - 1])
        lifted = [i for i in _sub_headings(texts, upper, names, set()) if i < len(texts)]
        spans = {
            c
            for top, left, bottom, right in merged
            if top == at - 1 and bottom >= at
            for c in range(left, right + 1)
        }
        if lifted and (len(lifted) >= 2 or any(i in spans for i in lifted)):
            for i in lifted:
                texts[i] = upper[i]
            return texts, at - 1, at
    if at + 1 < len(grid):
        lower = _texts(grid[at + 1])
        fills = _sub_headings(texts, lower, names, grouped(at))
        if fills:
            texts += [""] * (len(lower) - len(texts))
            for i in fills:
                texts[i] = lower[i]
            return texts, at, at + 1
    return texts, at, at


def _fill_merged(
    grid: list[list[Cell]], merged: list[tuple[int, int, int, int]], first: int
) -> None:
    for top, left, bottom, right in merged:
        if top < first or top >= len(grid) or left >= len(grid[top]):
            continue
        value = grid[top][left]
        for r in range(top, min(bottom, len(grid) - 1) + 1):
            line = grid[r]
            for c in range(left, min(right, len(line) - 1) + 1):
                if (r, c) != (top, left):
                    line[c] = value


def _is_total(values: list[Cell], key_position: int | None) -> bool:
    if (
        key_position is not None
        and key_position < len(values)
        and not is_blank(values[key_position])
    ):
        return False
    return any(isinstance(v, str) and squash(v).startswith(TOTAL_WORDS) for v in values)


def _is_blank_row(values: list[Cell]) -> bool:
    for value in values:
        # Inlined ``is_blank`` for the common cells; anything else asks it.
        if value is None or value == "":
            continue
        if not is_blank(value):
            return False
    return True


def _data_rows(
    grid: list[list[Cell]],
    first: int,
    width: int,
    key_position: int | None,
    totals: list[Row] | None = None,
) -> list[Row]:
    """The applicant rows below the header: cut or padded to ``width``, blank and total rows out
    (the total rows go to ``totals`` when given).

    A grid line of exactly ``width`` cells is kept as it is (the reader owns the grid), so
    100,000 rows are not copied a second time.
    """
    rows: list[Row] = []
    append = rows.append
    for number, line in enumerate(grid[first:], start=first + 1):
        size = len(line)
        if size == width:
            values = line
        elif size > width:
            values = line[:width]
        else:
            values = [*line, *[""] * (width - size)]
        if key_position is not None:
            key = values[key_position]
            if type(key) is str and key.isascii() and key and not key.isspace():
                append(Row(number, values))  # a row with its key is neither blank nor a total
                continue
        if _is_blank_row(values):
            continue
        if _is_total(values, key_position):
            if totals is not None:
                totals.append(Row(number, values))
            continue
        append(Row(number, values))
    return rows


def _sheet(
    name: str,
    index: int,
    grid: list[list[Cell]],
    merged: list[tuple[int, int, int, int]],
    columns: Sequence[ColumnSpec],
    key_column: str | None,
) -> Sheet | None:
    names = _lookup(columns)
    at = _find_header(grid, names)
    if at is None:
        return None
    texts, first_header, last_header = _header_texts(grid, at, names, merged)
    width = max((i + 1 for i, t in enumerate(texts) if t), default=0)
    texts = texts[:width]
    mapping: dict[str, int] = {}
    for position, text in enumerate(texts):
        canonical = names.get(header_key(text))
        if canonical is not None and canonical not in mapping:
            mapping[canonical] = position
    missing = [c.name for c in columns if c.required and c.name not in mapping]
    sheet = Sheet(name, index, last_header + 1, texts, mapping, missing)
    sheet.preamble = [list(line[:width]) for line in grid[:last_header]]
    sheet.header_top = first_header + 1
    sheet.merged = [m for m in merged if m[0] <= last_header][:MAX_HEADING_MERGES]
    _fill_merged(grid, merged, last_header + 1)
    key_position = mapping.get(key_column) if key_column else None
    sheet.rows = _data_rows(grid, last_header + 1, width, key_position, sheet.totals)
    return sheet


def read_table(
    path: Path,
    columns: Sequence[ColumnSpec],
    key_column: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Table:
    """Read every sheet of ``path`` that has a recognisable header.

    Raises :class:`UserError` when the file cannot be read or no sheet has a header.
    ``key_column`` is the column whose blank value marks a 合计 row as a total.
    """
    _check_path(path)
    notes: list[str] = []
    kind = "csv"
    if path.suffix.lower() != ".csv":
        from zjk_charity.workbook.guard import check_workbook

        inspection = check_workbook(path)
        kind, uncached = inspection.kind, inspection.uncached_formulas
        if uncached:
            notes.append(
                f"{path.name}：有 {uncached} 个公式单元格没有计算结果（文件未经 Excel/WPS 保存过），"
                "这些单元格按空白处理；请用 Excel/WPS 打开并保存后再校验"
            )
    if progress:
        progress(path.name)
    grids: list[tuple[str, Grid, Merged]]
    if kind == "csv":
        grids = [(path.stem, _csv_grid(path), [])]
    elif kind == "xls":  # BIFF, whatever the extension: parsed in a child (isolated.py)
        from zjk_charity.workbook.isolated import read_grids

        grids = read_grids(path)
    else:
        grids = excel_grids(path)  # scanned by the guard first
    sheets, skipped = [], []
    for index, (name, grid, merged) in enumerate(grids):
        sheet = _sheet(name, index, grid, merged, columns, key_column)
        if sheet is None:
            skipped.append(name)
        else:
            sheets.append(sheet)
    if not sheets:
        found = "、".join(skipped) or "无"
        expected = "、".join(c.name for c in columns if c.required)
        raise _unreadable(
            path,
            f"在任何工作表的前 {HEADER_SEARCH_ROWS} 行都找不到表头（找到的工作表：{found}）；"
            f"表头应包含：{expected}",
            f"no sheet has a recognisable header row in its first {HEADER_SEARCH_ROWS} rows "
            f"(sheets: {', '.join(skipped)}); expected columns: {', '.join(c.name for c in columns if c.required)}",
        )
    return Table(path, sheets, skipped, notes)


def cell_text(value: Cell) -> str:
    """A cell as the text a person sees: ints without ".0", dates as ISO."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
