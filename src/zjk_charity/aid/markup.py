"""The marked-up workbook ``aid validate`` returns to the townships.

Each data row keeps its original Excel row number, so "第 5 行" in a message is row 5
in this workbook too. Error cells are red, warning cells yellow, each with a comment;
then a 问题清单 sheet (one row per finding) and a 汇总 sheet by county.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from zjk_charity.aid.model import Applicant
from zjk_charity.aid.validation import FileReport, ValidationResult
from zjk_charity.findings import Finding, Severity
from zjk_charity.workbook.reader import Sheet, cell_text
from zjk_charity.workbook.writer import (
    Book,
    Column,
    PrintSetup,
    SheetSpec,
    SheetWriter,
    Value,
    new_book,
    safe_sheet_name,
)

TEXT_COLUMNS = {"身份证号", "银行账号", "联系电话", "户号"}
VERDICT = {"error": "不通过", "warning": "警告", "ok": "通过"}


def _sheet_name(report: FileReport, sheet: Sheet, many: bool, used: set[str]) -> str:
    """The copy's sheet name: the original's, prefixed by the file's when several files or
    sheets share the workbook; 问题清单 and 汇总 stay free for the book's own sheets."""
    base = f"{report.table.path.stem}-{sheet.name}" if many else sheet.name
    name = safe_sheet_name(base, used | {"问题清单", "汇总"}, limit=28)
    used.add(name)
    return name


def _write_sheet(
    book: Book, name: str, sheet: Sheet, applicants: dict[int, Applicant], lang: str
) -> None:
    text_positions = {p for c, p in sheet.columns.items() if c in TEXT_COLUMNS}
    columns = [
        Column(h or f"列{i + 1}", 14, i in text_positions) for i, h in enumerate(sheet.headers)
    ]
    columns += [Column("校验结果", 10), Column("问题说明", 60)]
    at = sheet.header_row - 1
    preamble: list[list[Value]] = [[cell_text(v) for v in line] for line in sheet.preamble[:at]]
    out = book.sheet(
        SheetSpec(
            name, columns, header_at=at, print_setup=PrintSetup(title=name), preamble=preamble
        )
    )
    out.write([c.header for c in columns], at=at, style="bold")
    width = len(sheet.headers)
    for row in sheet.rows:
        a = applicants.get(row.number)
        if a is None:  # the sheet was not checked (a required column is missing)
            out.write([*(cell_text(v) for v in row.values), "未检查", ""], at=row.number - 1)
            continue
        if not a.findings:
            out.write([*a.cells, VERDICT["ok"], ""], at=row.number - 1, cell_styles={width: "ok"})
            continue
        _write_flagged(out, sheet, a, width, lang)


def _write_flagged(out: SheetWriter, sheet: Sheet, a: Applicant, width: int, lang: str) -> None:
    """A row with findings: its cells filled and commented, the verdict and the summary."""
    cell_styles: dict[int, str] = {}
    notes: dict[int, list[str]] = defaultdict(list)
    messages = [f.message(lang) for f in a.findings]
    for f, message in zip(a.findings, messages, strict=True):
        position = sheet.columns.get(f.column or "", width)
        if cell_styles.get(position) != "error":
            cell_styles[position] = f.severity.value
        notes[position].append(message)
    verdict = "error" if a.has_error else "warning" if a.has_warning else "ok"
    cell_styles[width] = verdict
    summary = "；".join(
        f"{f.column or ''}：{message}" for f, message in zip(a.findings, messages, strict=True)
    )
    out.write(
        [*a.cells, VERDICT[verdict], summary],
        at=a.row - 1,
        cell_styles=cell_styles,
        comments={p: "\n".join(n) for p, n in notes.items() if p < width},
    )


def _write_findings(book: Book, findings: list[Finding], lang: str) -> None:
    columns = [
        Column("文件", 20),
        Column("工作表", 14),
        Column("行号", 8),
        Column("列", 14),
        Column("代码", 22),
        Column("级别", 8),
        Column("说明", 70),
    ]
    out = book.sheet(SheetSpec("问题清单", columns, title="问题清单"))
    for f in findings:
        out.write(
            [
                Path(f.file).name,
                f.sheet,
                f.row,
                f.column or "",
                f.code,
                "错误" if f.severity is Severity.ERROR else "警告",
                f.message(lang),
            ],
            style=f.severity.value,
        )


def _write_summary(book: Book, result: ValidationResult) -> None:
    columns = [
        Column("县(区)", 14),
        Column("申请人数", 10),
        Column("符合条件", 10),
        Column("有错误", 10),
        Column("有警告", 10),
    ]
    out = book.sheet(SheetSpec("汇总", columns, title=f"{result.year}年福彩暖冬申请校验汇总"))
    for county, t in result.by_county().items():
        out.write([county, t.rows, t.eligible, t.with_errors, t.with_warnings])
    s = result.summary
    out.write(
        ["合计", s["rows"], s["eligible"], s["with_errors"], s["with_warnings"]], style="bold"
    )
    out.next_row += 1
    out.write(["问题代码", "次数"], style="bold")
    for code, count in sorted(result.by_code().items()):
        out.write([code, count])


def write_markup(result: ValidationResult, target: Path, lang: str = "zh") -> Path:
    """Write the marked-up workbook atomically and return its path."""
    by_row: dict[tuple[str, str], dict[int, Applicant]] = defaultdict(dict)
    for a in result.applicants:
        by_row[(a.file, a.sheet)][a.row] = a
    used: set[str] = set()
    many = len(result.files) > 1
    with new_book(target, streaming=True, fast_rows=True) as book:
        for report in result.files:
            for sheet in report.table.sheets:
                name = _sheet_name(report, sheet, many, used)
                _write_sheet(book, name, sheet, by_row[(report.path, sheet.name)], lang)
        _write_findings(book, result.findings, lang)
        _write_summary(book, result)
    return target
