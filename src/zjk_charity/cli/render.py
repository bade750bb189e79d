"""Rich rendering of the library's results for people."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zjk_charity.aid.allocation import Allocation
from zjk_charity.aid.explain import Explanation
from zjk_charity.aid.validation import ValidationResult
from zjk_charity.cli.common import styled
from zjk_charity.findings import Finding, Severity
from zjk_charity.ids import mask_id, mask_name

MAX_LINES = 200


def render_validation(
    out: Any, result: ValidationResult, lang: str, written: Sequence[Path] = ()
) -> None:
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
            out.print(f"{report.name}：工作表“{name}”没有表头，已跳过", style="dim")
        for note in report.table.notes:
            out.print(note, style="yellow")
    for path in written[:-1]:  # each file's copy, then the city list
        out.print(f"标注工作簿：{path}" if zh else f"marked-up copy: {path}")
    if written:
        city = written[-1]
        out.print(f"全市问题清单：{city}" if zh else f"city-wide list of findings: {city}")


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
            styled((level, color)),
            f.code,
            f.message(lang),
        )
    return table


def render_allocation(out: Any, a: Allocation, lang: str, written: list[Path] | None) -> None:
    """分县汇总 table, the totals, the reasons for not funding, and the files written.

    ``written`` None: the run was asked to write no files (``--no-workbook``).
    """
    from rich.table import Table

    from zjk_charity.aid.allocation import money, reason_counts
    from zjk_charity.aid.ranking import REASON_ZH, Reason

    table = Table(title=f"{a.year}年福彩暖冬名额分配（分配编号 {a.id}）")
    for header in ("县(区)", "申请人数", "候选人数", "名额", "资助人数", "资助金额", "候补"):
        table.add_column(header, justify="right")
    lines = a.counties()
    for c in lines:
        table.add_row(
            c.name,
            str(c.applicants),
            str(c.candidates),
            str(c.quota),
            str(c.funded),
            money(c.amount),
            str(c.waitlist),
        )
    table.add_row(
        "合计",
        str(sum(c.applicants for c in lines)),
        str(sum(c.candidates for c in lines)),
        str(sum(c.quota for c in lines)),
        str(len(a.funded)),
        money(a.amount),
        str(len(a.waitlist)),
        style="bold",
    )
    out.print(table)
    out.print(
        f"预算 {money(a.budget)} 元，每人 {money(a.per_person)} 元，总名额 {a.quota_total} 个；"
        f"资助 {len(a.funded)} 人，{money(a.amount)} 元；未使用 {money(a.unspent)} 元"
    )
    counts = reason_counts(a)
    if counts:
        parts = [f"{REASON_ZH[Reason(r)]} {n} 人" for r, n in sorted(counts.items()) if r]
        out.print("未入选：" + "，".join(parts))
    for note in a.notes:
        out.print(note, style="yellow")
    from zjk_charity.aid.allocation_book import outside_gbk

    for e in outside_gbk(a):
        out.print(
            f"{e.county} {mask_name(e.name)}：姓名或开户银行含 GBK 以外的生僻字，"
            "请与银行核对代发文件",
            style="yellow",
        )
    if written is None:
        out.print(
            "未写出文件（--no-workbook）；需要名单和银行代发文件时，不加此选项再运行一次"
            "（规则是确定的，结果相同）",
            style="dim",
        )
    for path in written or []:
        out.print(f"已写出：{path}")


def render_explanation(out: Any, explanation: Explanation) -> None:
    from zjk_charity.aid.explain import describe

    a = explanation.allocation
    for e in explanation.matches:
        out.print(
            styled(
                (mask_name(e.name), "bold"),
                f"（{mask_id(e.id_number or '')}，{e.county or '县区不明'}，"
                f"{Path(e.file).name}「{e.sheet}」第 {e.row} 行）",
            )
        )
        out.print("  " + describe(e, a))
        near = explanation.neighbours.get(e.seq) or {}
        for key, label in (
            ("last_funded", "本县最后一名入选"),
            ("first_waiting", "本县第一名候补"),
        ):
            person = near.get(key)
            if person:
                out.print(
                    f"  {label}：{person['name']}（{person['id']}），{person['class']}，"
                    f"{person['age']} 岁，县内第 {person['county_rank']} 名"
                )
    out.print(f"依据 {a.year} 年分配编号 {a.id}；规则见分配结果工作簿“分配规则”表", style="dim")
