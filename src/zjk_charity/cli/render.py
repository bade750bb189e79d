"""How the results of ``aid …`` are shown to people (through ``cli.layout``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.table import Table

from zjk_charity.aid.allocation import Allocation
from zjk_charity.aid.explain import Explanation
from zjk_charity.aid.validation import ValidationResult
from zjk_charity.cli.common import styled
from zjk_charity.cli.layout import Screen, code_summary, print_findings, print_more
from zjk_charity.ids import mask_id, mask_name


def render_validation(
    out: Screen,
    result: ValidationResult,
    lang: str,
    written: Sequence[Path],
    limit: int | None,
) -> None:
    """The summary first (分县汇总, 问题代码), then the findings per file (the first
    ``limit``, or all), then where the rest are, the skipped sheets and the workbooks
    written (each file's marked-up copy, then the city-wide 问题清单, last)."""
    zh = lang == "zh"
    out.print(_county_table(result, zh))
    if result.findings:
        out.print(code_summary(result.findings, lang))
    hidden = print_findings(out, result.findings, lang, limit)
    if written:
        where = (
            "标注工作簿的“问题清单”表列出全部问题",
            "the marked-up workbook's 问题清单 sheet lists them all",
        )
    else:
        where = (
            "或用 --json 输出全部，或不加 --no-workbook 写出标注工作簿",
            "or use --json, or drop --no-workbook for the marked-up workbook",
        )
    print_more(out, hidden, lang, ("个问题", "findings"), where)
    for report in result.files:
        for name in report.table.skipped:
            out.print(
                f"{report.name}：工作表“{name}”没有表头，已跳过"
                if zh
                else f"{report.name}: sheet '{name}' has no header row, skipped",
                style="dim",
            )
        for note in report.table.notes:
            out.print(note, style="yellow")
    for path in written[:-1]:
        out.print(f"标注工作簿：{path}" if zh else f"marked-up copy: {path}", soft_wrap=True)
    if written:
        city = written[-1]
        out.print(
            f"全市问题清单：{city}" if zh else f"city-wide list of findings: {city}",
            soft_wrap=True,
        )


def _county_table(result: ValidationResult, zh: bool) -> Table:
    table = Table(title="分县汇总" if zh else "By county")
    for header in (
        ("县(区)", "申请人数", "符合条件", "有错误", "有警告")
        if zh
        else ("county", "rows", "eligible", "with errors", "with warnings")
    ):
        table.add_column(header, justify="right")
    for county, t in result.by_county().items():
        table.add_row(
            county, str(t.rows), str(t.eligible), str(t.with_errors), str(t.with_warnings)
        )
    s = result.summary
    table.add_row(
        "合计" if zh else "total",
        str(s["rows"]),
        str(s["eligible"]),
        str(s["with_errors"]),
        str(s["with_warnings"]),
        style="bold",
    )
    return table


ALLOCATION_HEADERS = {
    "zh": ("县(区)", "申请人数", "候选人数", "名额", "资助人数", "资助金额", "候补"),
    "en": ("county", "applicants", "candidates", "quota", "funded", "amount", "waitlist"),
}


def render_allocation(out: Screen, a: Allocation, lang: str, written: list[Path] | None) -> None:
    """分县汇总 table, the totals, the reasons for not funding, and the files written.

    ``written`` None: the run was asked to write no files (``--no-workbook``).
    """
    from zjk_charity.aid.allocation import money, reason_counts
    from zjk_charity.aid.allocation_book import outside_gbk
    from zjk_charity.aid.ranking import REASON_EN, REASON_ZH, Reason

    zh = lang == "zh"
    table = Table(
        title=f"{a.year}年福彩暖冬名额分配（分配编号 {a.id}）"
        if zh
        else f"福彩暖冬 {a.year}: allocation {a.id}"
    )
    for header in ALLOCATION_HEADERS[lang]:
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
        "合计" if zh else "total",
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
        if zh
        else f"budget {money(a.budget)} yuan, {money(a.per_person)} yuan a person, "
        f"{a.quota_total} places; {len(a.funded)} funded, {money(a.amount)} yuan; "
        f"{money(a.unspent)} yuan unspent"
    )
    counts = reason_counts(a)
    if counts:
        if zh:
            parts = [f"{REASON_ZH[Reason(r)]} {n} 人" for r, n in sorted(counts.items()) if r]
            out.print("未入选：" + "，".join(parts))
        else:
            parts = [f"{REASON_EN[Reason(r)]}: {n}" for r, n in sorted(counts.items()) if r]
            out.print("not funded: " + "; ".join(parts))
    for note in a.notes:
        out.print(note, style="yellow")
    for e in outside_gbk(a):
        out.print(
            f"{e.county} {mask_name(e.name)}：姓名或开户银行含 GBK 以外的生僻字，"
            "请与银行核对代发文件"
            if zh
            else f"{e.county} {mask_name(e.name)}: the name or bank holds a character "
            "outside GBK; check the bank file with the bank",
            style="yellow",
        )
    if written is None:
        out.print(
            "未写出文件（--no-workbook）；需要名单和银行代发文件时运行 zjk-charity aid export"
            "（定稿后也可以）"
            if zh
            else "no files written (--no-workbook); zjk-charity aid export writes the lists "
            "and the bank file at any time (also after finalize)",
            style="dim",
        )
    for path in written or []:
        out.print(f"已写出：{path}" if zh else f"written: {path}")


def render_explanation(out: Screen, explanation: Explanation, lang: str) -> None:
    """Each of the person's rows: where it is, what was decided and why, and who stands
    just above and below the cut in the county (de-identified)."""
    from zjk_charity.aid.explain import class_text, describe

    zh = lang == "zh"
    a = explanation.allocation
    for e in explanation.matches:
        county = e.county or ("县区不明" if zh else "county unknown")
        name = Path(e.file).name
        out.print(
            styled(
                (mask_name(e.name), "bold"),
                f"（{mask_id(e.id_number or '')}，{county}，{name}「{e.sheet}」第 {e.row} 行）"
                if zh
                else f" ({mask_id(e.id_number or '')}, {county}, {name} sheet '{e.sheet}' "
                f"row {e.row})",
            )
        )
        out.print("  " + describe(e, a, lang))
        near = explanation.neighbours.get(e.seq) or {}
        for key, label in (
            ("last_funded", "本县最后一名入选" if zh else "last funded in the county"),
            ("first_waiting", "本县第一名候补" if zh else "first on the county's waitlist"),
        ):
            person = near.get(key)
            if person:
                out.print(
                    f"  {label}：{person['name']}（{person['id']}），{person['class']}，"
                    f"{person['age']} 岁，县内第 {person['county_rank']} 名"
                    if zh
                    else f"  {label}: {person['name']} ({person['id']}), "
                    f"{class_text(person['class'], lang)}, "
                    f"aged {person['age']}, county rank {person['county_rank']}"
                )
    out.print(
        f"依据 {a.year} 年分配编号 {a.id}；规则见分配结果工作簿“分配规则”表"
        if zh
        else f"from allocation {a.id} of {a.year}; the rule is written out in the "
        "allocation workbook's 分配规则 sheet",
        style="dim",
    )
