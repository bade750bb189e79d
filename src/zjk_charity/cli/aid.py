"""``zjk-charity aid …``: 福彩暖冬 applications, history and validation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from zjk_charity.cli.common import (
    SHOWN,
    AllOpt,
    AsOfOpt,
    JsonOpt,
    LangOpt,
    Session,
    WorkspaceOpt,
    YearOpt,
    console,
    date_help,
    emit_json,
    new_app,
    parse_day,
    progress_callback,
    run_arguments,
    session,
    year_warning,
)
from zjk_charity.collector import collector_paused

if TYPE_CHECKING:
    from zjk_charity.aid.allocation import Allocation, AllocationRequest
    from zjk_charity.aid.changes import WithdrawResult
    from zjk_charity.aid.export import Exported, NoticesWritten
    from zjk_charity.aid.finalize import Finalized
    from zjk_charity.aid.forms import FormsResult
    from zjk_charity.aid.notice import Notice
    from zjk_charity.aid.supplement import SupplementWritten
    from zjk_charity.aid.validation import ValidationResult

app = new_app("福彩暖冬：申请校验、往年名单、分配、名单变动与发放 / winter-warmth aid")
history_app = new_app(
    "往年受助名单 / the history registry", no_args_is_help=False, invoke_without_command=True
)
app.add_typer(history_app, name="history")

Files = Annotated[list[Path], typer.Argument(help="申请表（.xlsx .xls .csv）", show_default=False)]


def _notice_start(value: str | None, year: int) -> date | None:
    """``--notice-from``: a date at most a year from the campaign year (a 2025 notice may
    go up in January 2026; 2052 is a typing slip)."""
    from zjk_charity.errors import UserError

    day = parse_day(value, "--notice-from")
    if day is not None and abs(day.year - year) > 1:
        raise UserError(
            f"--notice-from {day.isoformat()} 与活动年度 {year} 相差太远；请核对公示开始日期",
            f"--notice-from {day.isoformat()} is far from the campaign year {year}; check it",
        )
    return day


@app.command()
def validate(
    files: Files,
    year: YearOpt = None,
    as_of: AsOfOpt = None,
    attachments: Annotated[
        Path | None, typer.Option("--attachments", help="认证截图所在文件夹")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="标注工作簿所在文件夹（默认工作目录的 out/）；只校验一个文件时也可给出 .xlsx 文件名"
            " / folder for the marked-up copies and the city list, or the .xlsx name of "
            "the one file's copy",
        ),
    ] = None,
    no_workbook: Annotated[bool, typer.Option("--no-workbook", help="不写标注工作簿")] = False,
    show_all: AllOpt = False,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """校验县区申请表，列出全部问题 / check application workbooks and list every problem."""
    from zjk_charity.aid.validation import validate as run_validate

    with session(workspace, lang, year) as s:
        day = s.ws.as_of(s.year, parse_day(as_of))
        arguments = run_arguments(files=files, year=s.year, as_of=day, attachments=attachments)
        markup, written = _markup_writer(s, files, out, no_workbook)
        result = run_validate(
            s.ledger,
            files,
            year=s.year,
            as_of=day,
            attachments=attachments,
            arguments=arguments,
            progress=progress_callback(json_out),
            write=markup,
            warn_year=year_warning(s.ws, year, s.lang),
            phone_shared_limit=s.ws.settings.aid.phone_shared_limit,
        )
    _show_validation(result, s.lang, written, json_out, show_all)


def _show_validation(
    result: ValidationResult, lang: str, written: list[Path], json_out: bool, show_all: bool
) -> None:
    """The ``--json`` document or the findings for people; exit 1 when a row has an error."""
    if json_out:
        with collector_paused():  # a document of 100,000 rows' findings (issue 6)
            emit_json(result.as_json(lang))
    else:
        from zjk_charity.cli.render import render_validation

        render_validation(console(), result, lang, written, None if show_all else SHOWN)
    raise typer.Exit(1 if result.has_errors else 0)


def _markup_writer(
    s: Session, files: list[Path], out: Path | None, no_workbook: bool
) -> tuple[Callable[[ValidationResult], None] | None, list[Path]]:
    """What writes the marked-up copies once the files are checked (None with
    --no-workbook), and the list of the files it wrote. A wrong --out stops here, before
    anything is read; the markup modules load only when a workbook is written."""
    written: list[Path] = []
    if no_workbook:
        return None, written
    from zjk_charity.aid.markup import plan_markups, write_markups

    plan = plan_markups(files, s.year, s.ws.out_dir, out)

    def markup(checked: ValidationResult) -> None:
        written.extend(write_markups(checked, plan, s.lang))

    return markup, written


@history_app.callback()
def history(
    ctx: typer.Context,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """往年受助名单各年人数 / what the history registry holds, per year."""
    if ctx.invoked_subcommand is not None:
        return
    from zjk_charity.aid.history import history_summary

    with session(workspace, lang) as s:
        rows = history_summary(s.ledger)
    if json_out:
        emit_json({"years": rows})
        return
    from rich.table import Table

    table = Table(title="往年受助名单")
    for header in ("年度", "人数", "来源"):
        table.add_column(header)
    for r in rows:
        table.add_row(str(r["year"]), str(r["people"]), r["sources"] or "")
    console().print(table if rows else "往年受助名单为空；用 zjk-charity aid history import 导入")


@history_app.command("import")
def history_import(
    files: Files,
    year: Annotated[int, typer.Option("--year", help="这些名单的受助年度")],
    show_all: AllOpt = False,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """导入往年受助名单（身份证号必填）/ import earlier rounds' recipient lists."""
    from zjk_charity.aid.history import import_history
    from zjk_charity.config import check_year

    with session(workspace, lang) as s:
        check_year(year)
        result = import_history(s.ledger, files, year, run_arguments(files=files, year=year))
    if json_out:
        emit_json(result.as_json(s.lang))
    else:
        from zjk_charity.cli.layout import print_findings, print_more

        out = console()
        out.print(
            s.text(
                f"{year} 年受助名单：新增 {result.imported} 人，已有 {result.already} 人",
                f"{year} history: {result.imported} added, {result.already} already there",
            )
        )
        hidden = print_findings(out, result.findings, s.lang, None if show_all else SHOWN)
        print_more(out, hidden, s.lang, ("个问题", "findings"), ("或用 --json", "or use --json"))
    # cli.md: warnings alone (a kept row whose check character is wrong) are exit 0.
    raise typer.Exit(1 if any(f.severity == "error" for f in result.findings) else 0)


@app.command()
def template(
    out: Annotated[Path | None, typer.Argument(help="输出文件 / output .xlsx")] = None,
    year: YearOpt = None,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """生成空白申请表（含下拉选项和填表说明）/ write the blank application workbook."""
    from zjk_charity.aid.template import write_template

    with session(workspace, lang, year) as s:
        path = write_template(out or s.ws.out_dir / f"{s.year}年福彩暖冬申请表.xlsx", s.year)
    console().print(f"已生成空白申请表：{path}")


def _decimal_option(value: str | None, name: str) -> Decimal | None:
    from decimal import InvalidOperation

    from zjk_charity.errors import UserError

    if value is None:
        return None
    text = value.replace(",", "").replace("，", "").removesuffix("元").strip()
    try:
        return Decimal(text)
    except InvalidOperation:
        raise UserError(
            f"{name} “{value}” 不是金额，请写成如 810000 的数字",
            f"{name} '{value}' is not an amount",
        ) from None


NoticeFromOpt = Annotated[
    str | None,
    typer.Option(
        "--notice-from",
        metavar="YYYY-MM-DD",
        help=date_help(
            "公示开始日期，默认今天；不是工作日时从下一个工作日起算",
            "first day of the notice, default today; a day off starts on the next working day",
        ),
        show_default=False,
    ),
]


@app.command()
def allocate(
    year: YearOpt = None,
    budget: Annotated[
        str | None, typer.Option("--budget", help="预算（元），默认取设置 / budget, yuan")
    ] = None,
    per_person: Annotated[
        str | None, typer.Option("--per-person", help="每人标准（元）/ amount per person")
    ] = None,
    quotas: Annotated[
        Path | None, typer.Option("--quotas", help="各县名额文件（县(区)、名额两列）")
    ] = None,
    as_of: AsOfOpt = None,
    notice_from: NoticeFromOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="分配结果工作簿 / output .xlsx")] = None,
    no_workbook: Annotated[
        bool,
        typer.Option(
            "--no-workbook",
            help="只记入台账，不写分配结果工作簿；需要时用 zjk-charity aid export 写出"
            "（定稿后也可以；规则是确定的，不加此选项再运行一次结果也相同）"
            "/ record only, write no files (aid export writes them later)",
        ),
    ] = False,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """按公布的规则分配名额，生成资助名单、候补名单和公示名单（上传银行的文件由 aid pay 生成）。"""
    from zjk_charity.aid.allocation import run_allocation

    written: list[Path] = []
    with session(workspace, lang, year) as s:
        request, notice = _allocation_request(s, budget, per_person, quotas, as_of, notice_from)
        target = s.stamped(out, "分配结果")
        write = None if no_workbook else _allocation_writer(s, target, notice, written, quotas)
        arguments = _allocation_arguments(request, notice)
        result = run_allocation(
            s.ledger, request, arguments, write, warn_year=year_warning(s.ws, year, s.lang)
        )
    if json_out:
        emit_json(result.as_json())
        return
    from zjk_charity.cli.render import render_allocation

    render_allocation(console(), result, s.lang, None if no_workbook else written)
    _notice_hints(notice, s.lang)


def _allocation_request(
    s: Session,
    budget: str | None,
    per_person: str | None,
    quotas: Path | None,
    as_of: str | None,
    notice_from: str | None,
) -> tuple[AllocationRequest, Notice]:
    """The allocation asked for (the options, else the settings) and its 公示 period,
    counted before anything is recorded (a year without a calendar stops here)."""
    from zjk_charity.aid.allocation import AllocationRequest
    from zjk_charity.aid.notice import notice_from_settings

    settings = s.ws.settings.aid
    chosen_budget = _decimal_option(budget, "--budget")
    chosen_per_person = _decimal_option(per_person, "--per-person")
    request = AllocationRequest(
        year=s.year,
        as_of=s.ws.as_of(s.year, parse_day(as_of)),
        budget=settings.budget if chosen_budget is None else chosen_budget,
        per_person=settings.per_person if chosen_per_person is None else chosen_per_person,
        classes=list(settings.priority),
        quotas_file=quotas,
    )
    notice = notice_from_settings(settings, _notice_start(notice_from, s.year) or date.today())
    notice.period  # noqa: B018 - the period is counted before anything is recorded
    return request, notice


def _allocation_arguments(request: AllocationRequest, notice: Notice) -> dict[str, Any]:
    """The run record's arguments of ``aid allocate``."""
    return run_arguments(
        year=request.year,
        budget=request.budget,
        per_person=request.per_person,
        quotas=request.quotas_file,
        as_of=request.as_of,
        # What aid export and aid notice need to print the same 公示 period again.
        notice_from=notice.start,
        notice_days=notice.days,
    )


def _allocation_writer(
    s: Session, target: Path, notice: Notice, written: list[Path], quotas: Path | None
) -> Callable[[Allocation], None]:
    """What writes the allocation workbook and 公示 (adding them to ``written``); a wrong
    --out stops here, before allocating. The outputs must not replace a recorded input
    or the quotas file read by this command."""
    inputs = [quotas] if quotas else []
    from zjk_charity.aid.allocation_book import check_book_target, write_outputs

    memo = s.ws.settings.aid.payment_memo.format(year=s.year)
    recorded = s.ledger.recorded_input_hashes()
    check_book_target(target, recorded, inputs)

    def write(result: Allocation) -> None:
        written.extend(
            write_outputs(result, target, notice, memo, recorded=recorded, inputs=inputs)
        )

    return write


@app.command()
def explain(
    id_number: Annotated[str, typer.Argument(help="身份证号 / resident ID", show_default=False)],
    year: YearOpt = None,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """说明某人为何入选或未入选（脱敏显示同县名额线上下的人）/ why someone was (not) funded."""
    from zjk_charity.aid.explain import explain as run_explain

    with session(workspace, lang, year) as s:
        result = run_explain(s.ledger, s.year, id_number)
    if json_out:
        emit_json(result.as_json())
        return
    from zjk_charity.cli.render import render_explanation

    render_explanation(console(), result, s.lang)


@app.command()
def finalize(
    year: YearOpt = None,
    allow_unpaid: Annotated[
        bool,
        typer.Option(
            "--allow-unpaid",
            help="还有人未到账时也定稿：只记入已到账的人，其余列出 / record the paid, list the rest",
        ),
    ] = False,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """把资助金已到账的人记入往年受助名单（每年一次）/ record the people paid in history."""
    from zjk_charity.aid.finalize import finalize as run_finalize

    with session(workspace, lang, year) as s:
        arguments = run_arguments(year=s.year, allow_unpaid=allow_unpaid)
        result = run_finalize(s.ledger, s.year, arguments, allow_unpaid)
    if json_out:
        emit_json(result.as_json())
        return
    _render_finalize(result, s.year, s.lang)


def _render_finalize(result: Finalized, y: int, lang: str) -> None:
    """How many were recorded in the history, then the people not paid (not recorded)."""
    from zjk_charity.payments.status import STATE_ZH

    out, zh = console(), lang == "zh"
    out.print(
        f"{y} 年分配（编号 {result.allocation_id}）已定稿：{result.added} 名已到账的受助人记入往年受助名单"
        + (f"，{result.already} 人此前已在名单中" if result.already else "")
        if zh
        else f"{y} allocation {result.allocation_id} finalized: {result.added} paid people "
        "recorded in the history" + (f", {result.already} already there" if result.already else "")
    )
    if result.not_paid:
        out.print(
            f"以下 {len(result.not_paid)} 人未到账，未记入："
            if zh
            else f"{len(result.not_paid)} not paid, not recorded:",
            style="yellow",
        )
        for p in result.not_paid:
            state = STATE_ZH[p.reason] if zh else p.reason
            out.print(f"  {p.county} {p.name} {p.id_masked} {state}")


# ------------------------------------------------------- the 公示 and aid export (issue 15)


def _notice_hints(notice: Notice, lang: str) -> None:
    """The calendar warning (a year without the official holidays), then where the
    per-county notices come from."""
    out = console()
    for zh, en in notice.warnings():
        out.print(zh if lang == "zh" else en, style="yellow")
    out.print(
        "各县（区）单独的公示文件：zjk-charity aid notice（每县一个文件，可加 --county 张北县）"
        if lang == "zh"
        else "one 公示 file per county: zjk-charity aid notice [--county 张北县]",
        style="dim",
    )


@app.command()
def export(
    year: YearOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="分配结果工作簿 / output .xlsx")] = None,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """从台账重新写出分配结果工作簿（含公示名单；定稿后也可以）；上传银行的文件由 aid pay 生成
    / write the allocation workbook and 公示 again from the ledger (bank files: aid pay)."""
    from zjk_charity.aid.export import export_allocation

    with session(workspace, lang, year) as s:
        target = s.stamped(out, "分配结果")
        result = export_allocation(s.ledger, s.year, target, s.ws.settings.aid)
    if json_out:
        emit_json(result.as_json())
        return
    _render_export(result, s.year, s.lang)


def _render_export(result: Exported, y: int, chosen: str) -> None:
    a = result.allocation
    state = (
        ("已定稿" if a.finalized else "未定稿")
        if chosen == "zh"
        else ("finalized" if a.finalized else "not finalized")
    )
    console().print(
        f"{y} 年分配（编号 {a.id}，{state}）：资助 {len(a.funded)} 人"
        if chosen == "zh"
        else f"{y} allocation {a.id} ({state}): {len(a.funded)} funded"
    )
    for path in result.written:
        # soft_wrap: a path is printed whole, never broken across lines
        console().print(f"已写出：{path}" if chosen == "zh" else f"written: {path}", soft_wrap=True)
    _notice_hints(result.notice, chosen)


SupplementOpt = Annotated[
    bool,
    typer.Option(
        "--supplement",
        help="补充公示：尚未公示的递补人员，公示期从 --notice-from 起另算，写出后记为已公示"
        " / the 补充公示 of backfilled people not yet posted, with their own period",
    ),
]


@app.command()
def notice(
    county: Annotated[
        list[str] | None,
        typer.Option(
            "--county", metavar="县名", help="只写这些县（区），可重复 / only these counties"
        ),
    ] = None,
    year: YearOpt = None,
    notice_from: NoticeFromOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="输出文件夹，默认 out/ / output folder")
    ] = None,
    supplement: SupplementOpt = False,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """每县（区）一个可打印的公示文件（公示-年度-县名.xlsx）；--supplement 写递补人员的补充公示
    / one printable 公示 workbook per county; --supplement: the 补充公示 of backfilled people."""
    if supplement:
        _notice_supplement(county, year, notice_from, out, json_out, workspace, lang)
        return
    from zjk_charity.aid.export import write_notices

    with session(workspace, lang, year) as s:
        start = _notice_start(notice_from, s.year)
        result = write_notices(s.ledger, s.year, s.folder(out), s.ws.settings.aid, county, start)
    if json_out:
        emit_json(result.as_json())
        return
    _render_notices(result, s.lang)


def _render_notices(result: NoticesWritten, chosen: str) -> None:
    """The 公示 period, one line per county's file, then the calendar's warnings."""
    terminal = console()
    terminal.print(result.notice.period_line(chosen))
    for page, path in zip(result.pages, result.written, strict=True):
        minors = f"，未成年 {page.minors} 人只计人数" if page.minors else ""
        terminal.print(
            f"{page.county}：{page.people} 人{minors} → {path}"
            if chosen == "zh"
            else f"{page.county}: {page.people} people → {path}",
        )
    for zh, en in result.notice.warnings():
        terminal.print(zh if chosen == "zh" else en, style="yellow")


@app.command()
def forms(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="申请表（.xlsx .xls .csv）；或用 --funded", show_default=False),
    ] = None,
    funded: Annotated[
        bool,
        typer.Option(
            "--funded", help="最近一次分配的资助名单 / the funded of the latest allocation"
        ),
    ] = False,
    year: YearOpt = None,
    as_of: AsOfOpt = None,
    attachments: Annotated[
        Path | None, typer.Option("--attachments", help="认证截图所在文件夹（同 aid validate）")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="PDF 文件，或文件夹（每县一个文件）/ a .pdf, or a folder"),
    ] = None,
    county: Annotated[
        list[str] | None,
        typer.Option(
            "--county", metavar="县名", help="只打印这个县（区），可多次给出 / only this county"
        ),
    ] = None,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """打印申请审批表（每人一页 A4，含完整身份证号和账号，签字盖章后存档，不得张贴）
    / the approval forms, one A4 page per person, for signing and filing."""
    from zjk_charity.aid.forms import write_forms

    with session(workspace, lang, year) as s:
        result = write_forms(
            s.ws,
            s.year,
            files=files or [],
            funded=funded,
            out=out,
            as_of=s.ws.as_of(s.year, parse_day(as_of)),
            attachments=attachments,
            counties=county or [],
            progress=progress_callback(json_out),
            warn_year=year_warning(s.ws, year, s.lang),
        )
    if json_out:
        emit_json(result.as_json(s.lang))
    else:
        _render_forms(result, s.lang)
    raise typer.Exit(1 if result.has_problems else 0)


def _render_forms(result: FormsResult, lang: str) -> None:
    """One line per file and per note; people only de-identified, never an ID or account."""
    from zjk_charity.findings import place

    out, zh = console(), lang == "zh"

    def where(file: str, sheet: str, row: int, person: str) -> str:
        return f"{place(file, sheet, row, lang)} {person}"

    if result.files:
        out.print(
            f"已生成申请审批表 {result.people} 份，共 {result.pages} 页（字体 {result.font}）："
            if zh
            else f"{result.people} form(s) written, {result.pages} page(s) (font {result.font}):"
        )
        for path in result.files:
            out.print(f"  {path}", soft_wrap=True)
    else:
        out.print("没有可以生成审批表的人员" if zh else "nobody to print a form for")
    if result.skipped:
        out.print(
            f"以下 {len(result.skipped)} 行有错误，未生成审批表；改正申请表后再运行一次："
            if zh
            else f"{len(result.skipped)} row(s) with errors got no form; correct them and run again:",
            style="red",
        )
        for s in result.skipped:
            problems = "；".join(f.message(lang) for f in s.findings)
            line = where(s.file, s.sheet, s.row, s.person)
            out.print(f"  {line}{'：' if zh else ': '}{problems}")
    for n in result.cut:
        line = where(n.file, n.sheet, n.row, n.person)
        out.print(
            f"{line} 的“{n.field}”过长，表中只印了开头"
            if zh
            else f"{line}: '{n.field}' is too long and was cut on the form",
            style="yellow",
        )
    for n in result.missing_glyphs:
        point = f"U+{ord(n.char):04X}"
        line = where(n.file, n.sheet, n.row, n.person) if n.row else n.file
        out.print(
            f"{line} 的“{n.field}”中的“{n.char}”（{point}）字体中没有，表中印为 □，请在打印件上手写"
            if zh
            else f"{line}: '{n.char}' ({point}) in '{n.field}' is not in the font; printed as □, "
            "write it in by hand",
            style="yellow",
        )


# ------------------------------------------------------------- paying (issue 16)

from zjk_charity.cli import payout  # noqa: E402 - the payment commands join this group

payout.register(app)

# ------------------------------------- changes to the funded list (issue 16, payout.md)

review_app = new_app("省级复审结果 / the province's review of the funded list")
app.add_typer(review_app, name="review")


@app.command()
def withdraw(
    id_number: Annotated[str, typer.Argument(help="身份证号 / resident ID", show_default=False)],
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            metavar="去世|放弃|复审未通过|无法联系|其他",
            help="撤销原因 / why (one of these words)",
            show_default=False,
        ),
    ],
    note: Annotated[
        str | None, typer.Option("--note", help="说明（原因为“其他”时必填）/ a note")
    ] = None,
    no_backfill: Annotated[
        bool,
        typer.Option(
            "--no-backfill",
            help="不递补，名额空出（资金记为未使用）/ leave the place empty (money unspent)",
        ),
    ] = False,
    year: YearOpt = None,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """从资助名单撤销一人并按候补顺序递补（已付款或待回盘的不能撤销）
    / take a funded person off the list; the place goes to the next waitlisted person."""
    from zjk_charity.aid.changes import withdraw as run_withdraw

    with session(workspace, lang, year) as s:
        arguments = _change_arguments(
            s, id_number, reason=reason, note=note, backfill=not no_backfill
        )
        result = run_withdraw(
            s.ledger,
            s.year,
            id_number,
            reason,
            note=note or "",
            operator=s.operator,
            backfill=not no_backfill,
            arguments=arguments,
        )
    if json_out:
        emit_json(result.as_json())
        return
    _render_withdrawn(result, s.lang)


def _change_arguments(s: Session, id_number: str, **options: Any) -> dict[str, Any]:
    """The run record of a change to one person: the year, the ID masked (a run record
    never keeps a full ID), the command's options, and who made the change."""
    from zjk_charity.ids import mask_id

    masked = mask_id(id_number.strip())
    return run_arguments(year=s.year, id=masked, **options, operator=s.operator)


def _render_withdrawn(result: WithdrawResult, lang: str) -> None:
    from zjk_charity.cli.render import render_list_totals, render_withdrawal

    out = console()
    render_withdrawal(out, result.allocation, result.withdrawal, lang)
    render_list_totals(out, result.allocation, lang)


@app.command()
def accept(
    id_number: Annotated[str, typer.Argument(help="身份证号 / resident ID", show_default=False)],
    code: Annotated[
        str,
        typer.Option(
            "--code", metavar="CODE", help="警告代码，如 STAFF_RELATIVE / the warning's code"
        ),
    ],
    note: Annotated[
        str,
        typer.Option("--note", help="复核意见（核实了什么、结论）/ what was checked and found"),
    ],
    year: YearOpt = None,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """记录对某人某项警告的复核意见（经办人、时间；可多次记录，以最后一次为准）
    / record the review of a warning on one person (errors cannot be accepted)."""
    from zjk_charity.integrity.reviews import accept as run_accept

    with session(workspace, lang, year) as s:
        arguments = _change_arguments(s, id_number, code=code, note=note)
        result = run_accept(
            s.ledger, s.year, id_number, code, note, operator=s.operator, arguments=arguments
        )
    if json_out:
        emit_json(result.as_json())
        return
    from zjk_charity.cli.render import render_accept

    render_accept(console(), result, s.lang)


@review_app.command("import")
def review_import(
    file: Annotated[
        Path, typer.Argument(help="省级复审结果（.xlsx .xls .csv）", show_default=False)
    ],
    year: YearOpt = None,
    show_all: AllOpt = False,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """导入省级复审结果：不通过的撤销并递补；文件有错误时不作任何处理
    / import the province's review: each 不通过 is withdrawn with backfill."""
    from zjk_charity.aid.review import import_review

    with session(workspace, lang, year) as s:
        arguments = run_arguments(year=s.year, file=file, operator=s.operator)
        result = import_review(s.ledger, s.year, file, operator=s.operator, arguments=arguments)
    if json_out:
        emit_json(result.as_json(s.lang))
    else:
        from zjk_charity.cli.render import render_review

        render_review(console(), result, s.lang, None if show_all else SHOWN)
    raise typer.Exit(1 if result.has_errors else 0)


def _notice_supplement(
    county: list[str] | None,
    year: int | None,
    notice_from: str | None,
    out: Path | None,
    json_out: bool,
    workspace: Path | None,
    lang: str | None,
) -> None:
    """``aid notice --supplement``: the 补充公示 of backfilled people not yet posted."""
    from zjk_charity.aid.supplement import write_supplement
    from zjk_charity.reports.render import template_folders

    with session(workspace, lang, year) as s:
        result = write_supplement(
            s.ledger,
            s.year,
            s.folder(out),
            s.ws.settings.aid,
            start=_notice_start(notice_from, s.year),
            counties=county,
            arguments=run_arguments(year=s.year, counties=county, notice_from=notice_from),
            pdf_font=s.ws.settings.pdf_font,
            templates=template_folders(s.ws.root),
        )
    if json_out:
        emit_json(result.as_json())
        return
    _render_supplement(result, s.lang)


def _render_supplement(result: SupplementWritten, chosen: str) -> None:
    """The round and period of the 补充公示, one line per county's files, the warnings."""
    terminal, zh = console(), chosen == "zh"
    if not result.pages:
        terminal.print(
            "没有需要补充公示的递补人员（递补的人都已公示过）"
            if zh
            else "nobody to post: every backfilled person is already in a 补充公示"
        )
        return
    terminal.print(
        f"第 {result.round} 批补充公示，{result.notice.period_line(chosen)}"
        if zh
        else f"supplement notice no. {result.round}, {result.notice.period_line(chosen)}"
    )
    for page, path, pdf in zip(result.pages, result.written, result.pdfs, strict=True):
        minors = f"，未成年 {page.minors} 人只计人数" if page.minors else ""
        terminal.print(
            f"{page.county}：递补 {page.people} 人{minors} → {path}"
            if zh
            else f"{page.county}: {page.people} backfilled → {path}",
            soft_wrap=True,
        )
        if pdf is not None:
            terminal.print(f"  {pdf}", soft_wrap=True)
    for zh_line, en_line in [*result.notice.warnings(), *result.warnings]:
        terminal.print(zh_line if zh else en_line, style="yellow")
