"""How the results of ``aid …`` are shown to people (through ``cli.layout``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.table import Table

from zjk_charity.aid.allocation import Allocation
from zjk_charity.aid.changes import Withdrawal
from zjk_charity.aid.explain import Explanation, FindingLine
from zjk_charity.aid.review import ReviewResult
from zjk_charity.aid.validation import ValidationResult
from zjk_charity.cli.common import styled
from zjk_charity.cli.layout import Screen, code_summary, print_findings, print_more
from zjk_charity.ids import mask_id, mask_name
from zjk_charity.integrity.reviews import AcceptResult


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
    if a.rechecked:
        listed = "、".join(f"{code} {n} 人" for code, n in a.rechecked.items())
        listed_en = ", ".join(f"{code}: {n}" for code, n in a.rechecked.items())
        out.print(
            f"按当前名单复核，校验之后新发现 {listed}，已按有错误不予分配（aid explain 可查看原因）"
            if zh
            else f"re-checked against the lists in force: {listed_en} found since validation, "
            "not funded (aid explain says why)",
            style="yellow",
        )
    for note in a.notes:
        out.print(note, style="yellow")
    if written is None:
        out.print(
            "未写出文件（--no-workbook）；需要名单和公示时运行 zjk-charity aid export"
            "（定稿后也可以）"
            if zh
            else "no files written (--no-workbook); zjk-charity aid export writes the lists "
            "and the 公示 at any time (also after finalize)",
            style="dim",
        )
    for path in written or []:
        out.print(f"已写出：{path}" if zh else f"written: {path}")
    # No bank file is written here: one unrecorded upload file beside the list invites
    # paying twice. aid pay writes it (and warns there about characters outside GBK).
    zh_hint = "上传银行的代发文件用 zjk-charity aid pay 生成（按银行的格式，记入台账）"
    en_hint = "the bank's upload file comes from zjk-charity aid pay (the bank's layout, recorded)"
    if written:
        zh_hint += "；工作簿中的“银行代发（核对用）”只供核对，不要上传"
        en_hint += "; the workbook's 银行代发（核对用） sheet is for checking, never upload it"
    out.print(zh_hint if zh else en_hint, style="dim")


def render_explanation(out: Screen, explanation: Explanation, lang: str) -> None:
    """Each of the person's rows: where it is, what was decided and why, and who stands
    just above and below the cut in the county (de-identified)."""
    from zjk_charity.aid.explain import change_story, class_text, describe

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
        for line in change_story(e, a, lang)[1:]:  # the first is describe's sentence
            out.print("  " + line)
        _render_person_findings(out, explanation.findings.get(e.seq, []), lang)
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


def _render_person_findings(out: Screen, lines: Sequence[FindingLine], lang: str) -> None:
    """A row's findings, errors red and warnings yellow; under each warning its review
    (note, operator, time) or 未复核."""
    zh = lang == "zh"
    for f in lines:
        error = f.severity == "error"
        label = ("错误" if error else "警告") if zh else f.severity
        added = (
            ("（分配时复核）" if zh else " (re-checked when allocating)")
            if f.source == "allocate"
            else ""
        )
        out.print(
            styled(
                (f"  [{label}] {f.code}{added}", "red" if error else "yellow"),
                f"：{f.message(lang)}" if zh else f": {f.message(lang)}",
            )
        )
        if not error:
            more = (
                (f"（共 {f.reviews} 次复核，以最后一次为准）" if zh else f" ({f.reviews} reviews)")
                if f.reviews > 1
                else ""
            )
            out.print(
                f"      {f.review_text(lang)}{more}",
                style="dim" if f.review is not None else "yellow",
            )


def render_accept(out: Screen, result: AcceptResult, lang: str) -> None:
    """The review just recorded, and that it supersedes earlier ones."""
    from zjk_charity.integrity.reviews import moment

    r = result.review
    person = f"{mask_name(result.name)}（{mask_id(r.id_number)}）"
    if lang == "zh":
        out.print(styled(("已记录复核：", "bold"), f"{person}的 {r.code} 警告"))
        out.print(f"  复核意见：{r.note}")
        out.print(f"  经办人 {r.operator}，{moment(r.at)}")
        if result.earlier:
            out.print(f"  此前已复核 {result.earlier} 次，均保留；以本次为准", style="dim")
        return
    out.print(
        styled(
            ("review recorded: ", "bold"),
            f"{mask_name(result.name)} ({mask_id(r.id_number)}), warning {r.code}",
        )
    )
    out.print(f"  note: {r.note}")
    out.print(f"  by {r.operator}, {moment(r.at)}")
    if result.earlier:
        out.print(f"  {result.earlier} earlier review(s) kept; this one counts", style="dim")


# ------------------------------------------------ changes to the funded list (issue 16)


def render_withdrawal(out: Screen, a: Allocation, w: Withdrawal, lang: str) -> None:
    """Who left and why, who took the place (or that it stays empty), cash cancelled."""
    from zjk_charity.aid.allocation import money
    from zjk_charity.aid.changes import REASONS_EN

    zh = lang == "zh"
    e, c, b = w.withdrawn, w.change, w.backfilled
    person = f"{mask_name(e.name)}（{mask_id(e.id_number or '')}，{e.county}）"
    reason = c.reason or ""
    if zh:
        note = f"（{c.note}）" if c.note else ""
        out.print(
            styled(("已撤销：", "bold"), f"{person}，原因：{reason}{note}；经办人 {c.operator}")
        )
    else:
        note = f" ({c.note})" if c.note else ""
        out.print(
            styled(
                ("withdrawn: ", "bold"),
                f"{mask_name(e.name)} ({mask_id(e.id_number or '')}, {e.county}), "
                f"{REASONS_EN.get(reason, reason)}{note}; recorded by {c.operator}",
            )
        )
    if b is None:
        out.print(
            f"未递补：名额空出，{money(a.per_person)} 元记为未使用"
            if zh
            else f"no backfill: the place stays empty, {money(a.per_person)} yuan unspent"
        )
    elif zh:
        where = (
            f"{b.county}候补第 {b.county_position} 位"
            if w.scope == "county"
            else f"{e.county}已无候补，按全市排名递补（{b.county}）"
        )
        out.print(
            styled(
                ("递补：", "bold"),
                f"{mask_name(b.name)}（{mask_id(b.id_number or '')}），{where}，全市排名第 {b.rank} 名",
            )
        )
        out.print("递补人员需补充公示：zjk-charity aid notice --supplement", style="dim")
    else:
        where = (
            f"position {b.county_position} on {b.county}'s waitlist"
            if w.scope == "county"
            else f"nobody left waiting in {e.county}: best campaign-wide rank ({b.county})"
        )
        out.print(
            styled(
                ("backfilled: ", "bold"),
                f"{mask_name(b.name)} ({mask_id(b.id_number or '')}), {where}, rank {b.rank}",
            )
        )
        out.print("post them: zjk-charity aid notice --supplement", style="dim")
    if w.cancelled:
        out.print(
            f"已作废 {len(w.cancelled)} 条未确认的现金领取记录"
            if zh
            else f"{len(w.cancelled)} unconfirmed cash payment(s) cancelled",
            style="yellow",
        )


def render_list_totals(out: Screen, a: Allocation, lang: str) -> None:
    """Today's list in one line: funded, amount, unspent."""
    from zjk_charity.aid.allocation import money

    out.print(
        f"资助名单现为 {len(a.funded)} 人，{money(a.amount)} 元；未使用 {money(a.unspent)} 元"
        if lang == "zh"
        else f"the funded list now: {len(a.funded)} people, {money(a.amount)} yuan; "
        f"{money(a.unspent)} yuan unspent"
    )


def render_review(out: Screen, result: ReviewResult, lang: str, limit: int | None) -> None:
    """The findings (and that nothing was applied), or what the review changed."""
    zh = lang == "zh"
    if result.findings:
        hidden = print_findings(out, result.findings, lang, limit)
        print_more(out, hidden, lang, ("个问题", "findings"), ("或用 --json", "or use --json"))
    if result.has_errors:
        out.print(
            f"{result.file} 有错误，未作任何处理；改正后再导入"
            if zh
            else f"{result.file} has errors: nothing was applied; correct it and import again",
            style="red",
        )
        return
    out.print(
        f"复审：通过 {result.passed} 人，不通过 {len(result.withdrawals)} 人"
        f"（已撤销并递补），此前已撤销 {result.already} 人，"
        f"文件中没有的 {result.not_in_file} 名资助对象视为通过"
        if zh
        else f"review: {result.passed} passed, {len(result.withdrawals)} rejected (withdrawn, "
        f"with backfill), {result.already} withdrawn before, {result.not_in_file} funded "
        "people not in the file taken as passed"
    )
    a = result.allocation
    if a is None:
        return
    for w in result.withdrawals:
        render_withdrawal(out, a, w, lang)
    render_list_totals(out, a, lang)
