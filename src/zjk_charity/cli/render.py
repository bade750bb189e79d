"""Rich rendering of the library's results for people."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zjk_charity.aid.validation import ValidationResult
from zjk_charity.findings import Finding, Severity

MAX_LINES = 200


def render_validation(out: Any, result: ValidationResult, lang: str, workbook: Path | None) -> None:
    from rich.table import Table

    zh = lang == "zh"
    shown = result.findings[:MAX_LINES]
    for file in dict.fromkeys(f.file for f in shown):
        out.print(_findings_table([f for f in shown if f.file == file], file, zh, lang))
    if len(result.findings) > MAX_LINES:
        more = len(result.findings) - MAX_LINES
        out.print(f"…… 另有 {more} 条，见标注工作簿的“问题清单” / {more} more in the workbook")

    counties = Table(title="分县汇总" if zh else "By county")
    for header in (
        ("县(区)", "申请人数", "符合条件", "有错误", "有警告")
        if zh
        else ("county", "rows", "eligible", "with errors", "with warnings")
    ):
        counties.add_column(header, justify="right")
    for county, t in result.by_county().items():
        counties.add_row(
            county, str(t.rows), str(t.eligible), str(t.with_errors), str(t.with_warnings)
        )
    s = result.summary
    counties.add_row(
        "合计" if zh else "total",
        str(s["rows"]),
        str(s["eligible"]),
        str(s["with_errors"]),
        str(s["with_warnings"]),
        style="bold",
    )
    out.print(counties)

    codes = Table(title="问题代码" if zh else "By code")
    codes.add_column("代码" if zh else "code")
    codes.add_column("次数" if zh else "count", justify="right")
    for code, count in sorted(result.by_code().items()):
        codes.add_row(code, str(count))
    if result.findings:
        out.print(codes)
    for report in result.files:
        for name in report.table.skipped:
            out.print(f"[dim]{report.name}：工作表“{name}”没有表头，已跳过[/]")
    if workbook:
        out.print(f"标注工作簿：{workbook}" if zh else f"marked-up workbook: {workbook}")


def _findings_table(findings: list[Finding], file: str, zh: bool, lang: str) -> Any:
    """One table per file: narrow fixed columns, the message takes the rest of the width."""
    from rich import box
    from rich.table import Table

    title = f"{Path(file).name}：问题清单" if zh else f"{Path(file).name}: findings"
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    headers = (
        ("工作表", "行", "列", "级别", "代码")
        if zh
        else ("sheet", "row", "column", "level", "code")
    )
    for header in headers:
        table.add_column(
            header, no_wrap=True, max_width=12 if header in ("工作表", "sheet") else None
        )
    table.add_column("说明" if zh else "message", overflow="fold", ratio=1, min_width=20)
    for f in findings:
        error = f.severity is Severity.ERROR
        color = "red" if error else "yellow"
        level = ("错误" if error else "警告") if zh else f.severity.value
        table.add_row(
            f.sheet,
            str(f.row or ""),
            f.column or "",
            f"[{color}]{level}[/]",
            f.code,
            f.message(lang),
        )
    return table
