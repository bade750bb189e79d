"""``zjk-charity wishes deliver import`` and ``zjk-charity donations settle``.

Registered on the ``wishes`` and ``donations`` groups by :func:`register`. Thin: each
command opens the workspace, calls one library function (``wishes.delivery``,
``wishes.settle``) and renders its result.
"""

from __future__ import annotations

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

if TYPE_CHECKING:
    from zjk_charity.wishes.delivery import DeliveryResult
    from zjk_charity.wishes.settle import SettleResult

deliver_app = new_app("心愿送达登记 / record wishes delivered")


def register(wishes_app: typer.Typer, donations_app: typer.Typer) -> None:
    """Put ``deliver import`` on the ``wishes`` group and ``settle`` on ``donations``."""
    wishes_app.add_typer(deliver_app, name="deliver")
    donations_app.command("settle")(settle)


@deliver_app.command("import")
def deliver_import(
    file: Annotated[
        Path,
        typer.Argument(
            help="送达登记表（.xlsx .xls .csv）：每个送达的心愿一行，有心愿编号、送达时间、经办人，可有照片",
            show_default=False,
        ),
    ],
    show_all: AllOpt = False,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """登记心愿已送达（已付款成功或已列入采购清单的心愿）/ record wishes as delivered."""
    from zjk_charity.wishes.delivery import import_deliveries

    with session(workspace, lang) as s:
        result = import_deliveries(s.ledger, file, arguments=run_arguments(file=file))
    if json_out:
        emit_json(result.as_json(s.lang))
    else:
        _render_deliveries(result, s.lang, None if show_all else SHOWN)
    raise typer.Exit(1 if result.has_errors else 0)


def _render_deliveries(result: DeliveryResult, lang: str, limit: int | None) -> None:
    from zjk_charity.cli.layout import code_summary, print_findings, print_more

    out, s = console(), result.summary()
    out.print(
        f"送达登记：读取 {s['rows']} 行，新登记 {s['recorded']} 个心愿已送达，"
        f"台账中已有且未变 {s['unchanged']} 行，有错误未登记 {s['with_errors']} 行，"
        f"有警告 {s['with_warnings']} 行"
        if lang == "zh"
        else f"deliveries: {s['rows']} rows read, {s['recorded']} wishes recorded as delivered, "
        f"{s['unchanged']} already in the ledger, {s['with_errors']} left out for errors, "
        f"{s['with_warnings']} with warnings"
    )
    if result.findings:
        out.print(code_summary(result.findings, lang))
    hidden = print_findings(out, result.findings, lang, limit)
    print_more(out, hidden, lang, ("个问题", "findings"), ("或用 --json 输出全部", "or use --json"))


def settle(
    donation: Annotated[
        str, typer.Argument(help="捐赠编号，如 D0001 / the donation", show_default=False)
    ],
    to: Annotated[
        str,
        typer.Option(
            "--to",
            metavar="general|wish:W…|refund",
            help="捐赠人的决定：general 转为非定向资金，wish:心愿编号 转给该心愿，refund 退还捐赠人"
            " / the donor's decision",
            show_default=False,
        ),
    ],
    note: Annotated[
        str,
        typer.Option(
            "--note",
            metavar="说明",
            help="捐赠人何时、以何种方式同意（必填）/ what the donor agreed, and how (required)",
            show_default=False,
        ),
    ],
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """记录捐赠人对定向余额或未定向物资的决定：转为非定向、转给另一心愿或退还
    / record what the donor decided for a designated balance or goods set aside."""
    from zjk_charity.wishes.settle import settle as run_settle

    with session(workspace, lang) as s:
        result = run_settle(s.ledger, donation, to, note, operator=s.operator)
    if json_out:
        emit_json(result.as_json())
        return
    _render_settle(result, s.lang)


def _render_settle(result: SettleResult, lang: str) -> None:
    from zjk_charity.wishes.amounts import yuan_grouped as money
    from zjk_charity.wishes.settle import WAITING_EN, WAITING_ZH

    out, zh = console(), lang == "zh"
    d, target = result.donation, result.decision.target
    what = WAITING_ZH[result.waiting] if zh else WAITING_EN[result.waiting]
    head = (
        f"捐赠 {d.donation_id}（{d.donor}）的{what}"
        if zh
        else f"{d.donation_id} ({d.donor}): {what}"
    )
    if target == "general":
        out.print(
            f"{head} {money(result.amount)} 元经捐赠人同意转为非定向资金"
            if zh
            else f"{head} of {money(result.amount)} yuan released as undesignated money"
        )
        out.print(
            "下次运行 zjk-charity wishes match 时按规则用于尚缺资金的心愿"
            if zh
            else "the next zjk-charity wishes match uses it for open wishes, by the rule",
            style="yellow",
        )
    elif target == "refund":
        out.print(
            f"{head} {money(result.amount)} 元退还捐赠人（记为退回，不再计入余额）"
            if zh
            else f"{head} of {money(result.amount)} yuan "
            + ("returned" if result.waiting == "goods" else "refunded")
            + " to the donor (money out)"
        )
    else:
        wish, short = result.decision.wish_id, result.wish_short or 0
        now = (
            ("现已筹满" if zh else "now fully funded")
            if short == 0
            else (f"尚缺 {money(short)} 元" if zh else f"still short of {money(short)} yuan")
        )
        out.print(
            f"{head}中 {money(result.amount)} 元转给心愿 {wish}（{now}）"
            if zh
            else f"{head}: {money(result.amount)} yuan go to wish {wish} ({now})"
        )
    if result.left:
        out.print(
            f"余下 {money(result.left)} 元仍待与捐赠人商定"
            if zh
            else f"{money(result.left)} yuan still wait for the donor's decision",
            style="yellow",
        )
    when = result.at[:16].replace("T", " ")  # the minute, as a clerk reads it
    out.print(
        f"记录人 {result.operator}，{when}；说明：{result.note}"
        if zh
        else f"recorded by {result.operator} at {when}; note: {result.note}",
        style="dim",
    )
    accounts = result.accounts
    waiting = accounts.designated_balances() + accounts.goods_aside()
    total = sum(accounts.balance(w) for w in waiting)
    out.print(
        (
            f"全部待决定：{len(waiting)} 笔，合计 {money(total)} 元（见 zjk-charity wishes status）"
            if waiting
            else "已没有待捐赠人决定的余额"
        )
        if zh
        else (
            f"waiting for a decision in all: {len(waiting)}, {money(total)} yuan "
            "(see zjk-charity wishes status)"
            if waiting
            else "nothing else waits for a donor's decision"
        )
    )
