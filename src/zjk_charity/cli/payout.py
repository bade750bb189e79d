"""``zjk-charity aid pay | payments | accounts | cash``: paying the funded, and proving it.

Registered on the ``aid`` group by :func:`register`. Terminal output never shows a full
ID or account: people appear as county, masked name and masked ID.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zjk_charity.cli.common import (
    SHOWN,
    AllOpt,
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
    run_arguments,
    session,
)

if TYPE_CHECKING:
    from zjk_charity.aid.payout import PaymentsStatus, PayResult, PersonRef, PrintOptions
    from zjk_charity.aid.payout.accounts import AccountsResult
    from zjk_charity.aid.payout.bank_results import ImportResult
    from zjk_charity.aid.payout.cash import CashResult
    from zjk_charity.cli.layout import Screen
    from zjk_charity.config import Workspace
    from zjk_charity.payments.common import BatchWriter
    from zjk_charity.payments.model import BatchFiles, BatchLine

payments_app = new_app("付款批次的银行回盘与付款状态 / bank results and payment status")
accounts_app = new_app("更正受助人的银行账号 / corrected bank accounts")
cash_app = new_app("现金发放：领取表与签收确认 / cash against a signed 领取表")

ProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--profile",
        metavar="名称",
        help="银行文件格式（设置中的 [[bank.profiles]]），默认 basic / the bank profile",
        show_default=False,
    ),
]


def print_options(
    ws: Workspace, out: Path | None, folders: Callable[[Path], list[Path]]
) -> PrintOptions:
    """Where a printed list goes, and the font, templates and signers it is printed with."""
    from zjk_charity.aid.payout import PrintOptions

    return PrintOptions(
        folder=out or ws.out_dir,
        pdf_font=ws.settings.pdf_font,
        templates=folders(ws.root),
        signers=ws.settings.signers,
    )


def register(app: typer.Typer) -> None:
    """Put the payment commands on the ``aid`` group."""
    app.command("pay")(pay)
    app.add_typer(payments_app, name="payments")
    app.add_typer(accounts_app, name="accounts")
    app.add_typer(cash_app, name="cash")


def pay(
    profile: ProfileOpt = None,
    retry: Annotated[
        bool,
        typer.Option(
            "--retry",
            help="只重新付款失败且已更正账号的人 / only the failed whose account was corrected",
        ),
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="批次文件所在文件夹，默认 out/ / output folder")
    ] = None,
    year: YearOpt = None,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """生成一个付款批次：按银行格式写出代发文件，每人一笔，记为等待回盘
    / one payment batch: the bank file(s), one instruction per person to pay."""
    from zjk_charity.aid.payout import pay as run_pay

    with session(workspace, lang, year) as s:
        bank, write = bank_writer(s, profile)
        folder = s.folder(out)
        result = run_pay(
            s.ledger,
            s.year,
            profile=bank,
            write=write,
            folder=folder,
            memo=s.ws.settings.aid.payment_memo.format(year=s.year),
            retry=retry,
            arguments=run_arguments(year=s.year, profile=bank, retry=retry, out=folder),
            operator=s.operator,
        )
    if json_out:
        emit_json(result.as_json())
        return
    _render_pay(result, s.lang)


def bank_writer(s: Session, profile: str | None) -> tuple[str, BatchWriter]:
    """The name of the bank profile (``--profile``, else the settings' default) and what
    writes a batch's files in its format, with the payer of the settings (``aid pay``
    and ``wishes pay`` alike)."""
    from zjk_charity.payments.profiles import profile as find_profile
    from zjk_charity.payments.writer import write_batch

    bank = find_profile(s.ws.settings, profile)
    payer = s.ws.settings.bank.payer

    def write(code: str, lines: Sequence[BatchLine], folder: Path) -> BatchFiles:
        return write_batch(bank, code, lines, folder, payer=payer)

    return bank.name, write


def _render_deceased(out: Screen, result: PayResult, lang: str) -> None:
    """The people found in a deaths list before paying: not paid, withdrawn, backfilled."""
    if not result.withdrawn:
        return
    from zjk_charity.cli.render import render_withdrawal

    n = len(result.withdrawn)
    out.print(
        f"付款前按死亡名单复核：{n} 人已在死亡（殡葬）名单中，不予付款，已撤销（去世）并递补"
        if lang == "zh"
        else f"checked against the deaths lists before paying: {n} funded people are in one; "
        "not paid, withdrawn (died) and backfilled",
        style="bold yellow",
    )
    assert result.allocation is not None  # set whenever someone was withdrawn
    for w in result.withdrawn:
        render_withdrawal(out, result.allocation, w, lang)


def _render_pay(result: PayResult, lang: str) -> None:
    out, zh = console(), lang == "zh"
    _render_deceased(out, result, lang)
    if result.batch is None:
        out.print(
            ("没有需要重新付款的人（失败且已更正账号的）" if result.retry else "没有待付款的人")
            if zh
            else "nobody to pay" + (" again" if result.retry else "")
        )
    else:
        out.print(
            f"付款批次 {result.batch}（格式 {result.profile}）：{result.count} 笔，"
            f"合计 {result.amount:,.2f} 元；已记为等待回盘"
            if zh
            else f"batch {result.batch} ({result.profile}): {result.count} payments, "
            f"{result.amount:,.2f} yuan; recorded as pending"
        )
        if result.written is not None:
            from zjk_charity.payments.writer import batch_summary_lines

            for line in batch_summary_lines(result.written, lang)[1:]:
                out.print(f"  {line}", soft_wrap=True)
            for path in result.summary:
                out.print(f"  {path}", soft_wrap=True)
            for note in result.written.notes:
                out.print(note.message(lang), style="yellow")
        out.print(
            "银行处理后，用 zjk-charity aid payments import 导入回盘文件"
            if zh
            else "when the bank has processed it: zjk-charity aid payments import RESULT",
            style="dim",
        )
    if result.not_posted:
        out.print(
            f"本批次含 {result.not_posted} 名尚未补充公示的递补人员；请运行 zjk-charity aid notice --supplement"
            if zh
            else f"{result.not_posted} backfilled people in this batch have not been posted yet: "
            "run zjk-charity aid notice --supplement",
            style="yellow",
        )
    if result.unchanged:
        out.print(
            f"以下 {len(result.unchanged)} 人付款失败但账号未更正，本批次未付："
            "请用 zjk-charity aid accounts update 更正账号，或用 aid cash sheet 现金发放"
            if zh
            else f"{len(result.unchanged)} failed with an unchanged account and were not paid: "
            "correct it (aid accounts update) or pay in cash (aid cash sheet)",
            style="yellow",
        )
        _print_people(result.unchanged, lang, SHOWN)


def _print_people(people: list[PersonRef], lang: str, limit: int | None) -> None:
    rows = [(f"{p.county} {p.name} {p.id_masked}", p.reason) for p in people]
    print_payees(console(), rows, lang, limit, "人")


def print_payees(
    out: Screen, rows: Sequence[tuple[str, str]], lang: str, limit: int | None, unit: str
) -> None:
    """One line per payee (who, as shown, then the reason: a payment state, the bank's
    failure reason or what the account lacks), the first ``limit``, then how many more
    (``unit``: 人, 个心愿) and that --all lists them. Both campaigns' lists print so."""
    from zjk_charity.payments.status import STATE_ZH

    shown = rows if limit is None else rows[:limit]
    for who, reason in shown:
        said = STATE_ZH.get(reason, reason) if lang == "zh" else reason
        out.print(f"  {who}" + (f"  {said}" if said else ""))
    if len(shown) < len(rows):
        out.print(
            f"  …另有 {len(rows) - len(shown)} {unit}（加 --all 全部列出）"
            if lang == "zh"
            else f"  … {len(rows) - len(shown)} more (--all lists them)",
            style="dim",
        )


@payments_app.command("status")
def status(
    year: YearOpt = None,
    show_all: AllOpt = False,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """每人的资助金到了哪一步：已到账、等待回盘、失败、现金待领取、未付款
    / where each funded person's money is."""
    from zjk_charity.aid.payout import payments_status

    with session(workspace, lang, year) as s:
        result = payments_status(s.ledger, s.year)
    if json_out:
        emit_json(result.as_json())
        return
    _render_status(result, s.lang, None if show_all else SHOWN)


def _render_status(result: PaymentsStatus, lang: str, limit: int | None) -> None:
    from rich.table import Table

    from zjk_charity.aid.payout import PersonRef
    from zjk_charity.ids import mask_id, mask_name
    from zjk_charity.payments.status import STATE_ZH

    out, zh, s = console(), lang == "zh", result.status
    table = Table(
        title=f"{result.year} 年福彩暖冬付款状态" if zh else f"{result.year} payment status"
    )
    headers = ("状态", "人数", "金额（元）") if zh else ("state", "people", "yuan")
    for n, header in enumerate(headers):
        table.add_column(header, justify="left" if n == 0 else "right")
    for state, tally in s.tallies.items():
        table.add_row(STATE_ZH[state] if zh else state, str(tally.count), f"{tally.amount:,.2f}")
    table.add_row("资助合计" if zh else "funded", str(len(s.funded)), f"{s.amount:,.2f}")
    out.print(table)
    if s.double_paid.count:
        out.print(
            f"重复付款 {s.double_paid.count} 笔，{s.double_paid.amount:,.2f} 元，须追回"
            if zh
            else f"paid twice: {s.double_paid.count}, {s.double_paid.amount:,.2f} yuan to recover",
            style="bold red",
        )
    out.print(
        f"已撤销 {result.withdrawn} 人，递补 {result.backfilled} 人"
        if zh
        else f"withdrawn {result.withdrawn}, backfilled {result.backfilled}"
    )
    waiting = [
        PersonRef(
            line.county, mask_name(result.names.get(line.key, "")), mask_id(line.key), line.state
        )
        for line in s.lines
        if line.state != "paid"
    ]
    if waiting:
        out.print("尚未到账的人：" if zh else "not paid yet:")
        _print_people(waiting, lang, limit)


@accounts_app.command("update")
def accounts_update(
    file: Annotated[
        Path,
        typer.Argument(help="更正表：身份证号、银行账号，可有户名、开户银行", show_default=False),
    ],
    year: YearOpt = None,
    show_all: AllOpt = False,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """记录更正后的账号、开户银行、户名（用于之后的付款批次和 aid pay --retry）
    / record corrected accounts for later batches."""
    from zjk_charity.aid.payout import update_accounts

    with session(workspace, lang, year) as s:
        arguments = run_arguments(year=s.year, file=file)
        result = update_accounts(s.ledger, s.year, file, arguments)
    if json_out:
        emit_json(result.as_json(s.lang))
    else:
        _render_accounts(result, s.lang, None if show_all else SHOWN)
    raise typer.Exit(1 if result.has_errors else 0)


def _render_accounts(result: AccountsResult, chosen: str, limit: int | None) -> None:
    """What was recorded (nothing, when the file has errors), the notes, the findings."""
    from zjk_charity.cli.layout import print_findings, print_more

    out, zh = console(), chosen == "zh"
    if result.has_errors:
        out.print(
            "更正表有错误，未记录任何更正；改正后再导入：" if zh else "errors: nothing recorded",
            style="red",
        )
    else:
        out.print(
            f"已记录 {result.updated} 人的新账号，{result.unchanged} 人与原账号相同"
            if zh
            else f"{result.updated} accounts corrected, {result.unchanged} unchanged"
        )
    for zh_text, en_text in result.notes:
        out.print(zh_text if zh else en_text, style="yellow")
    hidden = print_findings(out, result.findings, chosen, limit)
    print_more(out, hidden, chosen, ("个问题", "findings"), ("或用 --json", "or use --json"))


@payments_app.command("import")
def payments_import(
    files: Annotated[
        list[Path], typer.Argument(help="银行回盘文件（.xlsx .xls .csv）", show_default=False)
    ],
    profile: ProfileOpt = None,
    batch: Annotated[
        str | None,
        typer.Option(
            "--batch",
            metavar="批次",
            help="回盘文件没有“批次”列时，指明它是哪个批次的回盘，如 P2025-002 "
            "/ the batch a result file without a 批次 column answers for",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="失败名单所在文件夹，默认 out/ / folder for the failure list"),
    ] = None,
    year: YearOpt = None,
    show_all: AllOpt = False,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """导入银行回盘：成功的记为已到账，失败的记下原因，处理中的仍等待回盘
    / apply the bank's result files."""
    from zjk_charity.aid.payout import import_payments
    from zjk_charity.reports.render import template_folders

    with session(workspace, lang, year) as s:
        result = import_payments(
            s.ledger,
            s.year,
            files,
            profile=profile,
            batch=batch,
            lists=print_options(s.ws, out, template_folders),
            arguments=run_arguments(year=s.year, files=files, profile=profile, batch=batch),
        )
    if json_out:
        emit_json(result.as_json(s.lang))
    else:
        _render_import(result, s.lang, None if show_all else SHOWN)
    raise typer.Exit(1 if result.has_errors else 0)


def _render_import(result: ImportResult, chosen: str, limit: int | None) -> None:
    """The counts, notes, the people who failed and the failure list, the findings."""
    from zjk_charity.aid.payout import PersonRef
    from zjk_charity.cli.layout import print_findings, print_more

    terminal, zh, c = console(), chosen == "zh", result.imported.counts
    terminal.print(
        f"回盘 {len(result.imported.files)} 个文件：到账 {c.paid} 笔，失败 {c.failed} 笔，"
        f"处理中 {c.pending} 笔，此前已导入 {c.already} 笔，因错误未处理 {c.skipped} 笔"
        if zh
        else f"{len(result.imported.files)} result file(s): {c.paid} paid, {c.failed} failed, "
        f"{c.pending} pending, {c.already} already imported, {c.skipped} not applied (errors)"
    )
    for note in result.imported.notes:
        terminal.print(note.message(chosen), style="yellow")
    if result.recorded:
        terminal.print(
            f"已定稿：本次到账的 {result.recorded} 人补记入往年受助名单"
            if zh
            else f"finalized year: {result.recorded} people paid now were added to the history"
        )
    if result.failures:
        terminal.print(
            f"付款失败 {len(result.failures)} 人（须更正账号后 aid pay --retry，或 aid cash sheet 现金发放）："
            if zh
            else f"{len(result.failures)} failed (correct the account and aid pay --retry, "
            "or aid cash sheet):",
            style="yellow",
        )
        _print_people([PersonRef.of(f.payee, f.reason) for f in result.failures], chosen, limit)
    for path in result.written:
        terminal.print(f"失败名单：{path}" if zh else f"failure list: {path}", soft_wrap=True)
    for zh_text, en_text in result.warnings:
        terminal.print(zh_text if zh else en_text, style="yellow")
    hidden = print_findings(terminal, result.imported.findings, chosen, limit)
    print_more(terminal, hidden, chosen, ("个问题", "findings"), ("或用 --json", "or use --json"))


@cash_app.command("sheet")
def cash_sheet(
    ids: Annotated[
        list[str] | None,
        typer.Argument(
            help="身份证号；不给出时为付款失败且账号未更正的所有人 / IDs; default: the failed "
            "whose account is unchanged",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="输出文件夹，默认 out/ / output folder")
    ] = None,
    year: YearOpt = None,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """打印现金领取表（A4，受助人签字、按手印），这些人记为现金待领取
    / print a 领取表 for cash payment; those people await confirmation."""
    from zjk_charity.aid.payout import cash_sheet as run_cash_sheet
    from zjk_charity.reports.render import template_folders

    with session(workspace, lang, year) as s:
        folder = s.folder(out)
        result = run_cash_sheet(
            s.ledger,
            s.year,
            ids or [],
            folder=folder,
            signers=s.ws.settings.signers,
            pdf_font=s.ws.settings.pdf_font,
            templates=template_folders(s.ws.root),
            arguments=run_arguments(year=s.year, ids=len(ids or []), out=folder),
        )
    if json_out:
        emit_json(result.as_json())
        return
    _render_cash_sheet(result, s.lang)


def _render_cash_sheet(result: CashResult, chosen: str) -> None:
    out_, zh = console(), chosen == "zh"
    if result.batch is None:
        out_.print(
            "没有需要现金发放的人（付款失败且账号未更正的）" if zh else "nobody to pay in cash"
        )
        return
    out_.print(
        f"现金批次 {result.batch}：{result.count} 人，合计 {result.amount:,.2f} 元；"
        "领取后用 zjk-charity aid cash confirm 记录"
        if zh
        else f"cash batch {result.batch}: {result.count} people, {result.amount:,.2f} yuan; "
        "record the signed sheet with aid cash confirm"
    )
    for path in result.files:
        out_.print(f"  {path}", soft_wrap=True)
    for zh_text, en_text in result.warnings:
        out_.print(zh_text if zh else en_text, style="yellow")


@cash_app.command("confirm")
def cash_confirm(
    items: Annotated[
        list[str],
        typer.Argument(
            help="签收后的领取表（.xlsx），或身份证号 / the signed sheet, or IDs",
            show_default=False,
        ),
    ],
    day: Annotated[
        str,
        typer.Option(
            "--date",
            metavar="YYYY-MM-DD",
            help=date_help("领取日期", "the day the money was handed over"),
            show_default=False,
        ),
    ],
    year: YearOpt = None,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """记录现金已领取：领取表上留下的每一行（未来领取的人从表中删去），或给出的身份证号
    / record cash as paid: every row left on the signed sheet, or the IDs given."""
    from zjk_charity.aid.payout import cash_confirm as run_confirm

    with session(workspace, lang, year) as s:
        when = parse_day(day, "--date")
        assert when is not None
        sheet = _signed_sheet(items)
        result = run_confirm(
            s.ledger,
            s.year,
            when,
            sheet=sheet,
            ids=[] if sheet else items,
            arguments=run_arguments(year=s.year, date=when, sheet=sheet),
        )
    if json_out:
        emit_json(result.as_json())
        return
    console().print(
        f"已记录现金领取 {result.confirmed} 人，合计 {result.amount:,.2f} 元（{when.isoformat()}）"
        + (f"；{result.already} 人此前已记录" if result.already else "")
        if s.zh
        else f"{result.confirmed} cash payments recorded, {result.amount:,.2f} yuan"
        + (f"; {result.already} recorded before" if result.already else "")
    )


def _signed_sheet(items: list[str]) -> Path | None:
    """The signed 领取表 among ``items`` (an ID has no suffix), None when they are IDs; a
    UserError for a file that is no .xlsx, or a sheet given with anything else."""
    from zjk_charity.errors import UserError

    sheets = [Path(i) for i in items if Path(i).suffix]
    if sheets and sheets[0].suffix.lower() != ".xlsx":
        raise UserError(
            f"{sheets[0]}：请给出签收后的领取表 .xlsx 文件（aid cash sheet 写出的工作簿），"
            "或受助人的身份证号",
            f"{sheets[0]}: give the signed 领取表 .xlsx (the workbook aid cash sheet "
            "wrote), or ID numbers",
        )
    if sheets and len(items) > 1:
        raise UserError(
            "一次只能确认一张领取表，且不能同时给出身份证号",
            "give one signed sheet, or IDs, not both",
        )
    return sheets[0] if sheets else None
