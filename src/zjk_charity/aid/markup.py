"""The marked-up copies ``aid validate`` returns to the townships, and the city's 问题清单.

One copy per input file, named after it (``校验结果-张北县.xlsx`` for 张北县.xlsx, .xls or
.csv), so each county gets back its own file and nothing of another county's:

- its sheets under their own names, each data row at its original Excel row number (so
  "第 5 行" in a message is row 5 here too), error cells red and warning cells yellow,
  each with a comment, and two columns added: 校验结果 and 问题说明 (wrapped);
- the county's layout: title rows, the 填报单位 line and merged title/group-heading cells
  above the header, header row heights and the data columns' number formats (read
  cheaply from the .xlsx, ``workbook/layout.py``; not its column widths, see below);
  dates are written as dates (in the county's format), numbers as numbers where the
  county gave them a format of its own, IDs, accounts, phones and 户号 as text;
- its own 问题清单 and 汇总 sheets (its rows only);
- print setup: A4 landscape, all columns on one page wide, as many pages tall as needed,
  title and header rows repeated on every page, page numbers, the campaign year in the
  page header, frozen header, narrow margins.

Column widths and row heights. No cell loses a character when printed: a column either
shows every cell on one line or wraps it onto as many lines as it needs, its row made
tall enough for them (neither Excel nor LibreOffice grows a written row to fit its
text). Numbers, dates and the short columns a cut would falsify (:data:`WHOLE_COLUMNS`)
are as wide as their widest cell; IDs, accounts, phones and 户号, free text and the
问题说明 may wrap. Which columns are narrowed, and how far, so that the sheet prints at
:data:`PRINT_SCALE` % on A4 landscape with as few printed lines as possible, is the
published rule of ``workbook/widths.py`` (:func:`choose_widths`): narrowing a remark that
one row in fifty has costs a line or two, narrowing the bank name that every row has
doubles the print. The county's own widths are not kept: sample_data's 张北县.xlsx gives
认证截图 10 characters for a 24-character file name (cut at the next cell) and 特殊情况说明
10 for a 58-character remark, and as the county made them all 21 columns print at 51 %.

The city's 问题清单 (``问题清单-<year>.xlsx``) lists the findings of every file of the
campaign, this run's and those validated before (as the ledger holds them now), with
the 汇总 by county; it is replaced by each run, so it is always the whole campaign.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import repeat
from operator import itemgetter, methodcaller
from pathlib import Path

from zjk_charity.aid.model import Applicant
from zjk_charity.aid.validation import CountyTally, FileReport, ValidationResult
from zjk_charity.errors import UserError
from zjk_charity.findings import Finding, Severity
from zjk_charity.workbook.layout import (
    SheetLayout,
    format_width,
    number_width,
    read_layouts,
    text_widths,
    units,
    widest,
)
from zjk_charity.workbook.reader import Cell, Sheet, cell_text
from zjk_charity.workbook.widths import (
    TEXT_FLOOR_SHARE,
    TEXT_SHARE,
    ColumnNeed,
    choose_widths,
    lines_each,
    lines_needed,
    long_cells,
    one_line_width,
    overflowing,
    two_line_width,
    whole_pixels,
)
from zjk_charity.workbook.writer import (
    Book,
    Column,
    Merge,
    PrintSetup,
    SheetSpec,
    SheetWriter,
    Value,
    atomic_path,
    check_target,
    safe_sheet_name,
)

TEXT_COLUMNS = {"身份证号", "银行账号", "联系电话", "户号"}
# Short columns that a cut would falsify (a name, a date typed as text): never narrowed.
WHOLE_COLUMNS = {"序号", "姓名", "性别", "年龄", "申请日期", "往年受助年份"}
VERDICT = {"error": "不通过", "warning": "警告", "ok": "通过"}
UNCHECKED = "未检查"
NOTE_WIDTH = 20.0  # 问题说明: about 8 Chinese characters a line, wrapped
NOTE_FLOOR = 14.0  # and never fewer than 6
MIN_WIDTH = 3.0
MIN_FREE_WIDTH = 7.5  # free text is never squeezed below 3 Chinese characters a line
MARGINS = (0.25, 0.25, 0.75, 0.75)  # inches: Excel's "narrow" margins
# The print scale the widths aim at: 61 % of 11 pt is 6.7 pt, above 小六 (6.5 pt), the
# smallest type size in everyday Chinese print, with a point to spare for rounding. At
# 62 % the sample's 康保县 and 蔚县 copies need 3 lines a row, at 61 % 2: a third fewer
# pages for 0.1 pt of type.
PRINT_SCALE = 61
# A line of 11 pt text: Excel's own row for 宋体 11 is 14.25 pt; LibreOffice's stand-in
# where 宋体 is missing (Noto Sans CJK) needs 16, and a row too low hides text.
LINE_POINTS = 16.0
OWN_SHEETS = ("问题清单", "汇总")
SAMPLE_ROWS = 2000
FIRST_DATETIME = datetime(1900, 3, 1)  # earlier dates are not Excel dates (1900 leap-year bug)
_BREAK = methodcaller("__contains__", "\n")


def copy_name(path: Path) -> str:
    """The marked-up copy's file name: 校验结果-张北县.xlsx for 张北县.xlsx/.xls/.csv."""
    return f"校验结果-{path.stem}.xlsx"


def city_name(year: int) -> str:
    return f"问题清单-{year}.xlsx"


@dataclass(frozen=True)
class OutputPlan:
    """Where ``aid validate`` writes: one copy per input (by the input's path as given)
    and the city-wide 问题清单."""

    copies: dict[str, Path]
    city: Path
    inputs: tuple[Path, ...] = ()  # the files validated: no output may replace one

    @property
    def targets(self) -> list[Path]:
        return [*self.copies.values(), self.city]


def plan_markups(inputs: Sequence[Path], year: int, folder: Path, out: Path | None) -> OutputPlan:
    """Decide the output paths before anything is read or written.

    ``out`` is a folder for every output (default ``folder``, the workspace's out/), or,
    with one input file, a name ending in .xlsx for that file's copy: the city list then
    goes beside it. Several inputs and an .xlsx name are a UserError asking for a folder.
    Two inputs with the same name in different folders get 校验结果-张北县-2.xlsx and so on.
    """
    distinct = list(dict.fromkeys(inputs))
    target_folder = folder
    single: Path | None = None
    if out is not None:
        suffix = out.suffix.lower()
        if out.exists() and not out.is_dir():
            check_target(out, distinct)  # the ledger, an input: refused with their reason
        if out.is_dir() or (suffix not in {".xlsx", ".xlsm", ".xls", ".csv"} and not out.exists()):
            target_folder = out
        elif suffix != ".xlsx":
            raise UserError(
                f"--out {out}：标注工作簿是 .xlsx 文件；请给出以 .xlsx 结尾的文件名或一个文件夹",
                f"--out {out}: the marked-up copy is an .xlsx; give a name ending in .xlsx "
                "or a folder",
            )
        elif len(distinct) > 1:
            raise UserError(
                f"--out {out}：校验 {len(distinct)} 个文件时每个文件各写一个标注工作簿，"
                "--out 请给出一个文件夹（如 --out 校验结果/）",
                f"--out {out}: {len(distinct)} files give one marked-up copy each; give "
                "--out a folder (e.g. --out checked/)",
            )
        else:
            single = out
    if single is not None:
        city = single.parent / city_name(year)
        if city.resolve() == single.resolve():
            raise UserError(
                f"--out {out}：这是全市问题清单的文件名，请换一个文件名",
                f"--out {out}: that is the name of the city-wide list; choose another name",
            )
        return OutputPlan({str(distinct[0]): single}, city, tuple(distinct))
    copies: dict[str, Path] = {}
    taken: set[str] = set()
    for path in distinct:
        name = copy_name(path)
        n = 1
        while name.casefold() in taken:
            n += 1
            name = f"校验结果-{path.stem}-{n}.xlsx"
        taken.add(name.casefold())
        copies[str(path)] = target_folder / name
    return OutputPlan(copies, target_folder / city_name(year), tuple(distinct))


def write_markups(result: ValidationResult, plan: OutputPlan, lang: str = "zh") -> list[Path]:
    """Write every file's marked-up copy and the city list; return their paths.

    All or nothing: every file is written under a temporary name first and renamed only
    when all are complete (each target is checked by ``writer.check_target`` before any
    is written), so a failure leaves earlier copies as they were.
    """
    copies = [
        (report, plan.copies.get(report.path) or plan.city.parent / copy_name(report.table.path))
        for report in result.files
    ]
    with ExitStack() as stack:
        temps = {
            target: stack.enter_context(atomic_path(target, inputs=plan.inputs))
            for target in [*(target for _, target in copies), plan.city]
        }
        for report, target in copies:
            write_copy(result, report, temps[target], lang)
        write_city_list(result, temps[plan.city], lang)
    return [*(target for _, target in copies), plan.city]


# One file's copy.


def write_copy(result: ValidationResult, report: FileReport, path: Path, lang: str = "zh") -> None:
    """The marked-up copy of one input file (written to ``path`` as it is, not atomically)."""
    applicants = [a for a in result.applicants if a.file == report.path]
    by_row: dict[str, dict[int, Applicant]] = defaultdict(dict)
    for a in applicants:
        by_row[a.sheet][a.row] = a
    sheets = report.table.sheets
    layouts = read_layouts(report.table.path, {s.name: s.header_row for s in sheets})
    findings = [f for f in result.findings if f.file == report.path]
    own = ValidationResult(result.year, result.as_of, [report], applicants, findings)
    book = Book(path, streaming=True, fast_rows=True)
    used = set(OWN_SHEETS)  # the copy's own 问题清单 and 汇总 come last
    for sheet in sheets:
        name = safe_sheet_name(sheet.name, used)
        # Printed at the top of every page; Excel takes 255 characters at most there.
        title = f"{result.year}年福彩暖冬申请校验结果 · {report.name[:80]} · {sheet.name}"
        _write_sheet(
            book, _SheetPlan(name, title, sheet, layouts.get(sheet.name)), by_row[sheet.name], lang
        )
    _write_findings(book, findings, lang, f"{result.year}年福彩暖冬申请问题清单 · {report.name}")
    _write_summary(book, own.by_county(), own.summary, own.by_code(), result.year)
    book.close()


@dataclass
class _SheetPlan:
    name: str
    title: str
    sheet: Sheet
    layout: SheetLayout | None
    columns: list[Column] = field(default_factory=list)
    typed: list[int] = field(default_factory=list)  # columns whose numbers and dates are kept
    wrapping: list[int] = field(default_factory=list)  # columns whose long cells wrap
    texts: dict[int, list[str]] = field(default_factory=dict)  # the text columns' cells
    # Text columns: the width in which every cell shows on one line (measured anyway).
    one_line: dict[int, float] = field(default_factory=dict)
    varied: set[int] = field(default_factory=set)  # free columns of mostly different texts


def _texts(sheet: Sheet, applicants: dict[int, Applicant]) -> list[list[str]]:
    """Every data row's cells as text: the applicant's, or the row's for an unchecked sheet."""
    lines: list[list[str]] = []
    for row in sheet.rows:
        a = applicants.get(row.number)
        lines.append(a.cells if a is not None else [cell_text(v) for v in row.values])
    return lines


def _plan_columns(plan: _SheetPlan, lines: list[list[str]], notes: list[str]) -> None:
    """Each column's width, format and kind; the widths chosen by the published rule of
    ``workbook/widths.py`` (:func:`choose_widths`).

    Numbers, dates and the short columns a cut would falsify (:data:`WHOLE_COLUMNS`) are
    as wide as their widest cell (their header may take two lines). IDs, accounts,
    phones and 户号 start as wide as 99 % of their cells need and may be narrowed to what
    90 % need; free text starts as wide as its widest cell of the first
    :data:`SAMPLE_ROWS` rows and may be narrowed to what its header needs on two lines,
    never below :data:`MIN_FREE_WIDTH`; the 问题说明 from :data:`NOTE_WIDTH` to
    :data:`NOTE_FLOOR`. These wrap: a cell wider than its column takes more lines, and
    its row is made tall enough for them (:func:`_row_lines`), so nothing is cut. The
    lines are counted on the first rows, where ``notes`` (their 问题说明) count too.
    """
    sheet = plan.sheet
    text = {p for c, p in sheet.columns.items() if c in TEXT_COLUMNS}
    whole = {p for c, p in sheet.columns.items() if c in WHOLE_COLUMNS}
    # Which columns hold numbers or dates, and how wide free text is, judged by the first
    # rows (all of a county's few hundred; at 100,000 rows every pass over a column costs
    # 5-15 ms, its texts lying all over memory). Numbers and dates are then written back
    # wherever a row holds one; IDs, numbers, dates and names are measured in every row.
    sample = _Sample([row.values for row in sheet.rows[:SAMPLE_ROWS]], lines[:SAMPLE_ROWS])
    needs = [
        _plan_column(plan, p, header, lines, sample, p in text, p in whole)
        for p, header in enumerate(sheet.headers)
    ]
    verdict = max(one_line_width([*VERDICT.values(), UNCHECKED]), MIN_WIDTH)
    shown, least = _header_widths("校验结果")
    plan.columns += [
        Column("校验结果", max(verdict, shown)),
        Column("问题说明", NOTE_WIDTH, wrap=True),
    ]
    needs += [
        ColumnNeed(max(verdict, shown), max(verdict, least)),
        ColumnNeed(NOTE_WIDTH, NOTE_FLOOR, notes),
    ]
    needs = [ColumnNeed(whole_pixels(n.natural), whole_pixels(n.floor), n.cells) for n in needs]
    widths = choose_widths(needs, PRINT_SCALE, MARGINS[:2])
    for column, width in zip(plan.columns, widths, strict=True):
        column.width = width  # whole pixels: the lines counted are the lines shown


@dataclass(frozen=True)
class _Sample:
    values: list[list[Cell]]  # the first rows as read
    texts: list[list[str]]  # and as text


def _plan_column(
    plan: _SheetPlan,
    p: int,
    header: str,
    lines: list[list[str]],
    sample: _Sample,
    text: bool,
    whole: bool,
) -> ColumnNeed:
    """Add column ``p`` to the plan; what the width chooser needs to know of it."""
    layout = plan.layout
    own = None if text or layout is None else layout.formats.get(p)
    kinds = set() if text else set(map(type, map(itemgetter(p), sample.values)))
    dates = bool(kinds & {date, datetime})
    numbers = bool(kinds & {float, int})
    if dates or (numbers and own is not None):
        # A date is written as one (in the county's format, else yyyy-mm-dd), and so is a
        # number shown in a format of the county's own (0.0); in the General format its
        # text looks the same and costs less to write (0.35 s at 100,000 rows).
        plan.typed.append(p)
    name = header or f"列{p + 1}"
    shown, least = _header_widths(name)
    if text or not (dates or numbers or whole):
        cells = list(map(itemgetter(p), sample.texts))
        floor = max(least, MIN_FREE_WIDTH)
        natural = max(one_line_width(cells), shown, MIN_WIDTH)
        if 2 * len(set(cells)) > len(cells):
            plan.varied.add(p)
        if text:  # every cell counts: 99 % of them on one line, 90 % when the page needs it
            plan.texts[p] = texts = list(map(itemgetter(p), lines))
            measured = text_widths(texts, TEXT_SHARE, TEXT_FLOOR_SHARE)
            natural = max(units(measured.usual), shown, MIN_WIDTH)
            floor = max(least, units(measured.least), MIN_WIDTH)
            if not any(map(_BREAK, texts)):
                plan.one_line[p] = units(measured.widest)
        plan.wrapping.append(p)
        plan.columns.append(Column(name, natural, text, own, wrap=True))
        return ColumnNeed(natural, min(floor, natural), cells)
    content = widest(set(map(itemgetter(p), lines)))
    if dates:
        content = max(content, format_width(own))
    elif numbers and own is not None:  # shown in the county's format: 85 as 85.0
        content = number_width(own, content)
    width = max(units(content), MIN_WIDTH)
    plan.columns.append(Column(name, max(width, shown), False, own))
    return ColumnNeed(max(width, shown), max(width, least))  # its header on two lines at most


def _header_widths(header: str) -> tuple[float, float]:
    """The width a header is shown in (one line up to 8 display columns, else two) and
    the narrowest it may take: two lines. Headers are bold."""
    two = two_line_width(header, bold=True)
    one = one_line_width([header], bold=True)
    return (one if widest([header]) <= 8 else two), two


def _heading(plan: _SheetPlan) -> tuple[list[list[Value]], list[Merge], dict[int, float]]:
    """The rows above the header, their merged ranges and heights, for the copy."""
    sheet = plan.sheet
    at = sheet.header_row - 1  # 0-based row of the (last) header row
    top = (sheet.header_top or sheet.header_row) - 1  # 0-based first header row
    original, last = len(sheet.headers), len(plan.columns) - 1
    preamble: list[list[Value]] = [[cell_text(v) for v in line] for line in sheet.preamble[:at]]
    merged: list[Merge] = []
    for r1, c1, r2, c2 in sheet.merged:
        if r1 < top and c2 >= original - 1 and r2 < top:
            c2 = last  # a title or 填报单位 line across the table spans the added columns too
        merged.append((r1, c1, r2, c2))
    if top < at:  # a two-tier header: the added columns' headings span both rows
        line = preamble[top]
        line += [""] * (original - len(line))
        line += ["校验结果", "问题说明"]
        merged += [(top, original, at, original), (top, original + 1, at, original + 1)]
    heights = dict(plan.layout.row_heights) if plan.layout is not None else {}
    # Wrapped headings: the row is made tall enough here, since neither Excel nor
    # LibreOffice grows a streamed row to fit its text.
    lines = max(lines_needed(c.header, c.width, bold=True) for c in plan.columns)
    if lines > 1 or at in heights:
        heights[at] = max(heights.get(at, 0.0), _points(lines))
    return preamble, merged, heights


def _points(lines: int) -> float:
    """The height of a row of ``lines`` lines, at most Excel's 409 points."""
    return min(LINE_POINTS * lines + 2, 409.0)


@dataclass(frozen=True)
class _RowLines:
    """The lines each data row's wrapped cells need: at least ``least`` in every row,
    more where ``rows`` (by position in the sheet) or ``few`` (the odd long ID) say so."""

    least: int = 1
    rows: list[int] | None = None
    few: dict[int, int] = field(default_factory=dict)

    def __getitem__(self, i: int) -> int:
        lines = self.least if self.rows is None else max(self.least, self.rows[i])
        return max(lines, self.few.get(i, 1))


def _row_lines(plan: _SheetPlan, lines: list[list[str]]) -> _RowLines:
    """The lines of every data row, not only the sampled ones.

    At 100,000 rows every pass over the rows costs 10-70 ms (their cells lie all over
    memory), so there are few: a text column none of whose cells can need a second line
    (``plan.one_line``) is skipped, and one that may is searched by length for its few
    long cells; the columns of few different texts (bank names, categories, villages)
    are looked at together, as the set of their rows' combinations, each text measured
    once; a column whose every cell needs the same lines, or no more than such a column,
    needs no pass of its own; file names are measured at C speed (``lines_each``).
    """
    checked = [p for p in plan.wrapping if plan.columns[p].width < plan.one_line.get(p, math.inf)]
    varied = [p for p in checked if p in plan.varied and p not in plan.texts]
    together = [p for p in checked if p not in plan.texts and p not in plan.varied]
    counts: dict[int, dict[str, int]] = {}  # column -> its texts needing more lines
    least = 1
    if together:
        pick = itemgetter(*together, together[0])  # always a tuple, even of one column
        combinations = set(map(pick, lines))
        for j, p in enumerate(together):
            texts = set(map(itemgetter(j), combinations))
            long = overflowing(texts, plan.columns[p].width)
            if long and len(long) == len(texts) and len(set(long.values())) == 1:
                least = max(least, *long.values())  # every cell of the column: one count
            elif long:
                counts[p] = long
    few: dict[int, int] = {}
    for p in checked:
        if p in plan.texts:
            for i, n in long_cells(plan.texts[p], plan.columns[p].width).items():
                few[i] = max(few.get(i, 1), n)
    rows: list[int] | None = None
    for p in varied:
        each = lines_each(list(map(itemgetter(p), lines)), plan.columns[p].width)
        if max(each) > least:
            rows = each if rows is None else list(map(max, rows, each))
    uneven = [p for p, long in counts.items() if max(long.values()) > least]
    if uneven:
        longs = [counts[p] for p in uneven]
        pick = itemgetter(*uneven, uneven[0])
        needed = {c: max(map(dict.get, longs, c, repeat(1))) for c in set(map(pick, lines))}
        each = list(map(needed.__getitem__, map(pick, lines)))
        rows = each if rows is None else list(map(max, rows, each))
    return _RowLines(least, rows, few)


def _note(a: Applicant | None, lang: str) -> tuple[list[str], str]:
    """A row's finding messages and its 问题说明 (empty without findings)."""
    if a is None or not a.findings:
        return [], ""
    messages = [f.message(lang) for f in a.findings]
    note = "；".join(
        f"{f.column or ''}：{message}" for f, message in zip(a.findings, messages, strict=True)
    )
    return messages, note


def _write_sheet(book: Book, plan: _SheetPlan, applicants: dict[int, Applicant], lang: str) -> None:
    sheet = plan.sheet
    lines = _texts(sheet, applicants)
    notes = [_note(applicants.get(row.number), lang)[1] for row in sheet.rows[:SAMPLE_ROWS]]
    _plan_columns(plan, lines, notes)
    preamble, merged, heights = _heading(plan)
    out = book.sheet(
        SheetSpec(
            plan.name,
            plan.columns,
            header_at=sheet.header_row - 1,
            print_setup=PrintSetup(title=plan.title, margins=MARGINS),
            preamble=preamble,
            header_top=(sheet.header_top or sheet.header_row) - 1,
            merged=merged,
            row_heights=heights,
        )
    )
    width = len(sheet.headers)
    typed = plan.typed
    tall = _row_lines(plan, lines)
    note_width = plan.columns[-1].width
    for i, (row, cells) in enumerate(zip(sheet.rows, lines, strict=True)):
        a = applicants.get(row.number)
        values: list[Value] = [*cells, "", ""]
        if typed:
            _restore_types(values, row.values, typed)
        needed = tall[i]
        height = _points(needed) if needed > 1 else None
        if a is None:  # the sheet was not checked (a required column is missing)
            values[width] = UNCHECKED
            out.write(values, at=row.number - 1, height=height)
        elif not a.findings:
            values[width] = VERDICT["ok"]
            out.write(values, at=row.number - 1, cell_styles={width: "ok"}, height=height)
        else:
            _write_flagged(out, sheet, a, values, lang, needed, note_width)


def _restore_types(values: list[Value], originals: list[Cell], typed: list[int]) -> None:
    """Numbers and dates back as numbers and dates (in the county's format), where the
    original cell held one that a workbook can hold."""
    for p in typed:
        v = originals[p]
        if type(v) is float:
            if math.isfinite(v):
                values[p] = v
        elif type(v) is int:
            values[p] = v
        elif type(v) is datetime:
            if v >= FIRST_DATETIME:
                values[p] = v
        elif type(v) is date and v >= FIRST_DATETIME.date():
            values[p] = v


def _write_flagged(
    out: SheetWriter,
    sheet: Sheet,
    a: Applicant,
    values: list[Value],
    lang: str,
    lines: int,
    note_width: float,
) -> None:
    """A row with findings: its cells filled and commented, the verdict and the summary."""
    width = len(sheet.headers)
    cell_styles: dict[int, str] = {}
    notes: dict[int, list[str]] = defaultdict(list)
    messages, note = _note(a, lang)
    for f, message in zip(a.findings, messages, strict=True):
        position = sheet.columns.get(f.column or "", width)
        if cell_styles.get(position) != "error":
            cell_styles[position] = f.severity.value
        notes[position].append(message)
    verdict = "error" if a.has_error else "warning" if a.has_warning else "ok"
    cell_styles[width] = verdict
    values[width] = VERDICT[verdict]
    values[width + 1] = note
    lines = max(lines, lines_needed(note, note_width))
    out.write(
        values,
        at=a.row - 1,
        cell_styles=cell_styles,
        comments={p: "\n".join(n) for p, n in notes.items() if p < width},
        height=_points(lines) if lines > 1 else None,
    )


# 问题清单 and 汇总: in each copy (its rows only) and in the city list (every file).


# The 问题清单's columns fit A4 landscape at 100 %: the message wraps in its column, so it
# is never cut at the page edge when printed (its row is made as tall as its lines).
FINDING_COLUMNS = (
    Column("文件", 14),
    Column("工作表", 12),
    Column("行号", 6),
    Column("列", 12),
    Column("代码", 22),
    Column("级别", 6),
    Column("说明", 64, wrap=True),
)


def _write_findings(book: Book, findings: Sequence[Finding], lang: str, title: str) -> None:
    columns = list(FINDING_COLUMNS)
    out = book.sheet(
        SheetSpec(
            "问题清单",
            columns,
            title="问题清单",
            print_setup=PrintSetup(title=title, margins=MARGINS),
        )
    )
    names: dict[str, str] = {}
    messages = [f.message(lang) for f in findings]
    # Messages repeat (one wording per code and value): measured once each, at C speed.
    tall = overflowing(messages, columns[-1].width)
    for f, message in zip(findings, messages, strict=True):
        name = names.get(f.file) or names.setdefault(f.file, Path(f.file).name)
        lines = tall.get(message, 1)
        out.write(
            [
                name,
                f.sheet,
                f.row,
                f.column or "",
                f.code,
                "错误" if f.severity is Severity.ERROR else "警告",
                message,
            ],
            style=f.severity.value,
            height=_points(lines) if lines > 1 else None,
        )


def _write_summary(
    book: Book,
    by_county: dict[str, CountyTally],
    summary: dict[str, int],
    by_code: dict[str, int],
    year: int,
) -> None:
    columns = [
        Column("县(区)", 14),
        Column("申请人数", 10),
        Column("符合条件", 10),
        Column("有错误", 10),
        Column("有警告", 10),
    ]
    out = book.sheet(SheetSpec("汇总", columns, title=f"{year}年福彩暖冬申请校验汇总"))
    for county, t in by_county.items():
        out.write([county, t.rows, t.eligible, t.with_errors, t.with_warnings])
    s = summary
    out.write(
        ["合计", s["rows"], s["eligible"], s["with_errors"], s["with_warnings"]], style="bold"
    )
    out.next_row += 1
    out.write(["问题代码", "次数"], style="bold")
    for code, count in sorted(by_code.items()):
        out.write([code, count])


def write_city_list(result: ValidationResult, path: Path, lang: str = "zh") -> None:
    """The campaign's 问题清单 and 汇总: this run's files and every file validated before,
    in the order the files were first validated (written to ``path`` as it is)."""
    by_file: list[tuple[int, list[Finding]]] = [(e.file_id, e.findings) for e in result.earlier]
    for report in result.files:
        by_file.append((report.file_id, [f for f in result.findings if f.file == report.path]))
    findings = [f for _, group in sorted(by_file, key=itemgetter(0)) for f in group]
    tallies: dict[str, CountyTally] = defaultdict(CountyTally)
    for source in [result.by_county(), *(e.by_county for e in result.earlier)]:
        for county, t in source.items():
            total = tallies[county]
            total.rows += t.rows
            total.eligible += t.eligible
            total.with_errors += t.with_errors
            total.with_warnings += t.with_warnings
    summary = {
        "rows": sum(t.rows for t in tallies.values()),
        "eligible": sum(t.eligible for t in tallies.values()),
        "with_errors": sum(t.with_errors for t in tallies.values()),
        "with_warnings": sum(t.with_warnings for t in tallies.values()),
    }
    codes: dict[str, int] = defaultdict(int)
    for f in findings:
        codes[f.code] += 1
    book = Book(path, streaming=True, fast_rows=True)
    _write_findings(book, findings, lang, f"{result.year}年福彩暖冬申请问题清单（全市）")
    _write_summary(book, dict(sorted(tallies.items())), summary, codes, result.year)
    book.close()
