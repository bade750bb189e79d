"""``zjk-charity wishes pay | payments | accounts``: paying the funded wishes, and proving it.

Registered on the ``wishes`` group by :func:`register`. Thin: options, one call into
``zjk_charity.wishes.payout``, rendering, the exit code. Terminal output never shows a
full account or ID: a wish appears as its 编号, county and a masked name.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zjk_charity.cli.common import (
    SHOWN,
    AllOpt,
    JsonOpt,
    LangOpt,
    WorkspaceOpt,
    console,
    emit_json,
    new_app,
    run_arguments,
    session,
)
from zjk_charity.cli.payout import ProfileOpt, bank_writer, print_payees

if TYPE_CHECKING:
    from zjk_charity.cli.layout import Screen
    from zjk_charity.wishes.payout import (
        MissingAccount,
        WishAccountsResult,
        WishImportResult,
        WishPaymentsStatus,
        WishPayResult,
        WishRef,
    )

payments_app = new_app("微心愿付款的银行回盘与付款状态 / bank results and payment status of wishes")
accounts_app = new_app("更正心愿的收款账号 / corrected accounts of wishes")


def register(wishes_app: typer.Typer) -> None:
    """Put ``pay``, ``payments`` and ``accounts`` on the ``wishes`` group."""
    wishes_app.command("pay")(pay)
    wishes_app.add_typer(payments_app, name="payments")
    wishes_app.add_typer(accounts_app, name="accounts")


def _t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def pay(
    profile: ProfileOpt = None,
    retry: Annotated[
        bool,
        typer.Option(
            "--retry",
            help="只重新付款失败且已更正账号的心愿 / only the failed wishes whose account was "
            "corrected",
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="代发文件和采购清单所在文件夹，默认 out/ / output folder"),
    ] = None,
    show_all: AllOpt = False,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """给已筹满的资金心愿生成代发批次，给物资心愿生成采购清单；列出缺少账号的心愿
    / a bank batch for the funded wishes, a purchase list for those fulfilled in kind."""
    from zjk_charity.wishes.payout import pay_wishes

    with session(workspace, lang) as s:
        bank, write = bank_writer(s, profile)
        folder = s.folder(out)
        result = pay_wishes(
            s.ledger,
            s.year,
            profile=bank,
            write=write,
            folder=folder,
            memo=s.ws.settings.wishes.payment_memo.format(year=s.year),
            retry=retry,
            signers=s.ws.settings.signers,
            arguments=run_arguments(year=s.year, profile=bank, retry=retry, out=folder),
        )
    if json_out:
        emit_json(result.as_json(s.lang))
        return
    render_pay(console(), result, s.lang, None if show_all else SHOWN)


def render_pay(out: Screen, result: WishPayResult, lang: str, limit: int | None) -> None:
    """The batch and its summary, the 采购清单, then the wishes that were not paid."""
    if result.batch is None:
        out.print(
            _t(
                lang,
                "没有需要重新付款的心愿（失败且已更正账号的）"
                if result.retry
                else "没有待付款的资金心愿",
                "no wish to pay again" if result.retry else "no wish to pay",
            )
        )
    else:
        out.print(
            _t(
                lang,
                f"付款批次 {result.batch}（格式 {result.profile}）：{result.count} 笔，"
                f"合计 {result.amount:,.2f} 元；已记为等待回盘",
                f"batch {result.batch} ({result.profile}): {result.count} payments, "
                f"{result.amount:,.2f} yuan; recorded as pending",
            )
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
            _t(
                lang,
                "银行处理后，用 zjk-charity wishes payments import 导入回盘文件",
                "when the bank has processed it: zjk-charity wishes payments import RESULT",
            ),
            style="dim",
        )
    _render_purchase(out, result, lang)
    if result.missing:
        out.print(
            _t(
                lang,
                f"以下 {len(result.missing)} 个资金心愿缺少可用的收款账号，未付款：请用 "
                "zjk-charity wishes accounts update 补上账号和户名，再运行 wishes pay",
                f"{len(result.missing)} funded wishes have no usable account and were not "
                "paid: add it with zjk-charity wishes accounts update, then wishes pay",
            ),
            style="yellow",
        )
        _print_missing(out, result.missing, lang, limit)
    if result.unchanged:
        out.print(
            _t(
                lang,
                f"以下 {len(result.unchanged)} 个心愿付款失败但账号未更正，本批次未付："
                "请用 zjk-charity wishes accounts update 更正账号",
                f"{len(result.unchanged)} failed with an unchanged account and were not paid: "
                "correct it with zjk-charity wishes accounts update",
            ),
            style="yellow",
        )
        _print_wishes(out, result.unchanged, lang, limit)


def _render_purchase(out: Screen, result: WishPayResult, lang: str) -> None:
    p = result.purchase
    if p is None:
        return
    out.print(
        _t(
            lang,
            f"采购清单 {p.code}：{len(p.lines)} 个心愿、{len(p.groups())} 种物品，"
            f"心愿金额 {p.amount:,.2f} 元，其中已捐物资折合 {p.goods:,.2f} 元，"
            f"需采购 {p.to_buy:,.2f} 元；已记为已列入采购清单",
            f"purchase list {p.code}: {len(p.lines)} wishes, {len(p.groups())} items, "
            f"{p.amount:,.2f} yuan, of which donated goods {p.goods:,.2f}, to buy "
            f"{p.to_buy:,.2f}; recorded as purchasing",
        )
    )
    if p.file is not None:
        out.print(f"  {p.file}", soft_wrap=True)


def _print_missing(
    out: Screen, missing: Sequence[MissingAccount], lang: str, limit: int | None
) -> None:
    from zjk_charity.wishes.payout import WishRef

    _print_wishes(
        out, [WishRef(m.wish_id, m.county, m.child, m.reason(lang)) for m in missing], lang, limit
    )


def _print_wishes(out: Screen, wishes: Sequence[WishRef], lang: str, limit: int | None) -> None:
    """One line per wish (编号, county, masked name, reason), the first ``limit``."""
    rows = [(f"{w.wish_id} {w.county} {w.name}", w.reason) for w in wishes]
    print_payees(out, rows, lang, limit, "个心愿")


@payments_app.command("status")
def status(
    show_all: AllOpt = False,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """每个已筹满心愿的钱到了哪一步：已到账、等待回盘、失败、未付款、已列入采购清单
    / where each funded wish's money is."""
    from zjk_charity.wishes.payout import wish_payments_status

    with session(workspace, lang) as s:
        result = wish_payments_status(s.ledger, s.year)
    if json_out:
        emit_json(result.as_json(s.lang))
        return
    render_status(console(), result, s.lang, None if show_all else SHOWN)


def render_status(out: Screen, result: WishPaymentsStatus, lang: str, limit: int | None) -> None:
    """A table by payment state, the stages, then the wishes not paid yet."""
    from rich.table import Table

    from zjk_charity.payments.status import STATE_ZH
    from zjk_charity.wishes.progress import STAGE_EN

    zh, s = lang == "zh", result.status
    table = Table(title=_t(lang, f"{result.year} 年微心愿付款状态", f"{result.year} wish payments"))
    for n, header in enumerate(
        ("状态", "心愿", "金额（元）") if zh else ("state", "wishes", "yuan")
    ):
        table.add_column(header, justify="left" if n == 0 else "right")
    for state, tally in s.tallies.items():
        if state == "cash_pending":
            continue  # no cash sheets for wishes: always 0
        table.add_row(STATE_ZH[state] if zh else state, str(tally.count), f"{tally.amount:,.2f}")
    table.add_row(_t(lang, "已筹满合计", "funded"), str(len(s.funded)), f"{s.amount:,.2f}")
    out.print(table)
    if s.double_paid.count:
        out.print(
            _t(
                lang,
                f"重复付款 {s.double_paid.count} 笔，{s.double_paid.amount:,.2f} 元，须追回",
                f"paid twice: {s.double_paid.count}, {s.double_paid.amount:,.2f} yuan to recover",
            ),
            style="bold red",
        )
    stages = Table(title=_t(lang, "心愿进度", "Stages"))
    for n, header in enumerate(("阶段", "心愿") if zh else ("stage", "wishes")):
        stages.add_column(header, justify="left" if n == 0 else "right")
    for stage, count in result.stages.items():
        stages.add_row(stage.value if zh else STAGE_EN[stage], str(count))
    out.print(stages)
    waiting = result.waiting(lang)
    if waiting:
        out.print(_t(lang, "尚未付款或采购的心愿：", "funded wishes not paid yet:"))
        _print_wishes(out, waiting, lang, limit)


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
            help="回盘文件没有“批次”列时，指明它是哪个批次的回盘，如 WP2025-002 "
            "/ the batch a result file without a 批次 column answers for",
            show_default=False,
        ),
    ] = None,
    show_all: AllOpt = False,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """导入微心愿代发的银行回盘：成功的记为已到账，失败的记下原因，处理中的仍等待回盘
    / apply the bank's result files of the wishes' batches."""
    from zjk_charity.wishes.payout import import_wish_payments

    with session(workspace, lang) as s:
        arguments = run_arguments(year=s.year, files=files, profile=profile, batch=batch)
        result = import_wish_payments(
            s.ledger, s.year, files, profile=profile, batch=batch, arguments=arguments
        )
    if json_out:
        emit_json(result.as_json(s.lang))
    else:
        render_import(console(), result, s.lang, None if show_all else SHOWN)
    raise typer.Exit(1 if result.has_errors else 0)


def render_import(out: Screen, result: WishImportResult, lang: str, limit: int | None) -> None:
    """Counts, notes, the wishes that failed, the findings."""
    from zjk_charity.cli.layout import print_findings, print_more
    from zjk_charity.wishes.payout import WishRef

    c = result.imported.counts
    out.print(
        _t(
            lang,
            f"回盘 {len(result.imported.files)} 个文件：到账 {c.paid} 笔，失败 {c.failed} 笔，"
            f"处理中 {c.pending} 笔，此前已导入 {c.already} 笔，因错误未处理 {c.skipped} 笔",
            f"{len(result.imported.files)} result file(s): {c.paid} paid, {c.failed} failed, "
            f"{c.pending} pending, {c.already} already imported, {c.skipped} not applied "
            "(errors)",
        )
    )
    for note in result.imported.notes:
        out.print(note.message(lang), style="yellow")
    if result.failures:
        out.print(
            _t(
                lang,
                f"付款失败 {len(result.failures)} 个心愿（更正账号后运行 wishes pay --retry）：",
                f"{len(result.failures)} wishes failed (correct the account, then wishes pay "
                "--retry):",
            ),
            style="yellow",
        )
        _print_wishes(
            out,
            [WishRef(f.wish_id, f.county, f.name, f.reason) for f in result.failures],
            lang,
            limit,
        )
    hidden = print_findings(out, result.imported.findings, lang, limit)
    print_more(out, hidden, lang, ("个问题", "findings"), ("或用 --json", "or use --json"))


@accounts_app.command("update")
def accounts_update(
    file: Annotated[
        Path,
        typer.Argument(
            help="更正表：心愿编号、收款账号，可有户名、开户银行 / 心愿编号, 收款账号, "
            "optional 户名, 开户银行",
            show_default=False,
        ),
    ],
    show_all: AllOpt = False,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """记录心愿更正后的收款账号、户名、开户银行（用于之后的 wishes pay 和 --retry）
    / record corrected accounts of wishes for later batches."""
    from zjk_charity.wishes.payout import update_wish_accounts

    with session(workspace, lang) as s:
        arguments = run_arguments(year=s.year, file=file)
        result = update_wish_accounts(s.ledger, s.year, file, arguments)
    if json_out:
        emit_json(result.as_json(s.lang))
    else:
        _render_accounts(result, s.lang, None if show_all else SHOWN)
    raise typer.Exit(1 if result.has_errors else 0)


def _render_accounts(result: WishAccountsResult, chosen: str, limit: int | None) -> None:
    """What was recorded (nothing, when the file has errors), the notes, the findings."""
    from zjk_charity.cli.layout import print_findings, print_more

    out = console()
    if result.has_errors:
        out.print(
            _t(
                lang=chosen,
                zh="更正表有错误，未记录任何更正；改正后再导入：",
                en="the file has errors: nothing recorded",
            ),
            style="red",
        )
    else:
        out.print(
            _t(
                chosen,
                f"已记录 {result.updated} 个心愿的新账号，{result.unchanged} 个与原账号相同",
                f"{result.updated} accounts corrected, {result.unchanged} unchanged",
            )
        )
    for zh_text, en_text in result.notes:
        out.print(_t(chosen, zh_text, en_text), style="yellow")
    hidden = print_findings(out, result.findings, chosen, limit)
    print_more(out, hidden, chosen, ("个问题", "findings"), ("或用 --json", "or use --json"))
