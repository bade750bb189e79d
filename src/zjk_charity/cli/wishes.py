"""``zjk-charity wishes …`` and ``zjk-charity donations …``: 微心愿 import, matching, status.

Thin: each command opens the workspace, calls one library function of
``zjk_charity.wishes`` and renders its result (rich for people, ``--json`` for machines).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from zjk_charity.cli.common import (
    SHOWN,
    AllOpt,
    JsonOpt,
    LangOpt,
    Session,
    WorkspaceOpt,
    console,
    emit_json,
    new_app,
    progress_callback,
    run_arguments,
    session,
    year_warning,
)
from zjk_charity.collector import collector_paused

if TYPE_CHECKING:
    from zjk_charity.cli.layout import Screen
    from zjk_charity.wishes.accounts import Accounts
    from zjk_charity.wishes.importing import ImportResult, YearCheck
    from zjk_charity.wishes.match_run import MatchResult

wishes_app = new_app("微心愿：心愿导入、匹配、状态 / children's micro-wishes")
donations_app = new_app("微心愿捐赠 / donations to the micro-wishes")

WishFiles = Annotated[
    list[Path], typer.Argument(help="心愿登记表（.xlsx .xls .csv）", show_default=False)
]
DonationFiles = Annotated[
    list[Path], typer.Argument(help="捐赠登记表（.xlsx .xls .csv）", show_default=False)
]


def _t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def _headers(lang: str, zh: tuple[str, ...], en: tuple[str, ...]) -> tuple[str, ...]:
    return en if lang == "en" else zh


@wishes_app.command("import")
def wishes_import(
    files: WishFiles,
    show_all: AllOpt = False,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """导入儿童心愿，列出全部问题 / import children's wishes and list every problem."""
    from zjk_charity.wishes.importing import import_wishes

    with session(workspace, lang) as s:
        result = import_wishes(
            s.ledger,
            files,
            _standard(s),
            run_arguments(files=files),
            progress_callback(json_out),
            _year_check(s),
        )
    _show_import(result, s.lang, json_out, show_all)


@donations_app.command("import")
def donations_import(
    files: DonationFiles,
    show_all: AllOpt = False,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """导入捐赠（资金、物资、定向），列出全部问题 / import donations and list every problem."""
    from zjk_charity.wishes.importing import import_donations

    with session(workspace, lang) as s:
        result = import_donations(
            s.ledger, files, run_arguments(files=files), progress_callback(json_out), _year_check(s)
        )
    _show_import(result, s.lang, json_out, show_all)


def _year_check(s: Session) -> YearCheck:
    """The campaign year (settings, else this year: these commands have no --year) and
    the callback that prints its warning; the year names the 微心愿 workbook and report."""
    return s.year, year_warning(s.ws, None, s.lang, has_option=False)


def _standard(s: Session) -> int:
    """The settings' standard amount of a wish, in fen."""
    from zjk_charity.wishes.amounts import setting_fen

    return setting_fen(s.ws.settings.wishes.standard_amount, "wishes.standard_amount")


def _show_import(result: ImportResult[Any], lang: str, json_out: bool, show_all: bool) -> None:
    if json_out:
        emit_json(result.as_json(lang))
    else:
        render_import(console(), result, lang, None if show_all else SHOWN)
    raise typer.Exit(1 if result.has_errors else 0)


@wishes_app.command("match")
def wishes_match(
    wishes: Annotated[
        list[Path] | None,
        typer.Option("--wishes", help="先导入这些心愿登记表 / import these wishes first"),
    ] = None,
    donations: Annotated[
        list[Path] | None,
        typer.Option("--donations", help="先导入这些捐赠登记表 / import these donations first"),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="匹配结果工作簿 / output .xlsx")] = None,
    no_workbook: Annotated[bool, typer.Option("--no-workbook", help="不写工作簿")] = False,
    show_all: AllOpt = False,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """按公布的规则匹配心愿与捐赠（先定向，再按登记顺序）/ match wishes and donations by the rule."""
    from zjk_charity.wishes.match_run import run_match

    written: list[Path] = []
    with session(workspace, lang) as s:
        target = s.stamped(out, "微心愿匹配")
        inputs = [*(wishes or []), *(donations or [])]
        result = run_match(
            s.ledger,
            standard=_standard(s),
            wish_files=wishes or [],
            donation_files=donations or [],
            arguments=run_arguments(
                wishes=wishes or [], donations=donations or [], out=None if no_workbook else target
            ),
            write=None if no_workbook else _match_writer(target, s.year, written, inputs),
            progress=progress_callback(json_out),
            year=_year_check(s),
        )
    if json_out:
        with collector_paused():  # a document of 100,000 wishes and donations (issue 6)
            emit_json(result.as_json())
        _note_import_problems(result, s.lang)
    else:
        render_match(console(), result, s.lang, written, None if show_all else SHOWN)
    raise typer.Exit(1 if result.has_import_errors else 0)


def _match_writer(
    target: Path, year: int, written: list[Path], inputs: list[Path]
) -> Callable[[MatchResult], None]:
    """What writes the match workbook to ``target`` (and adds it to ``written``); it may
    not replace one of ``inputs``, the files read first."""
    from zjk_charity.wishes.outputs import write_match_book

    def write(result: MatchResult) -> None:
        book = write_match_book(
            result.accounts, target, result.run_id, year, result.stages, inputs=inputs
        )
        written.append(book)

    return write


@wishes_app.command("status")
def wishes_status(
    show_all: AllOpt = False,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """未实现的心愿、各限定条件下的余额、待决定的定向余额 / open wishes and balances."""
    from zjk_charity.wishes.match_run import load_accounts

    with session(workspace, lang) as s:
        accounts = load_accounts(s.ledger)
    if json_out:
        emit_json(accounts.status_json())
        return
    render_status(console(), accounts, s.lang, None if show_all else SHOWN)


# ---- rendering (through cli.layout: nothing lost at any width) ---------------------------
def render_import(out: Screen, result: ImportResult[Any], lang: str, limit: int | None) -> None:
    """One line of counts and the findings by code first, then the findings per file (the
    first ``limit``, or all) and where the rest are."""
    from zjk_charity.cli.layout import code_summary, print_findings, print_more

    out.print(_import_line(result, lang))
    if result.findings:
        out.print(code_summary(result.findings, lang))
    hidden = print_findings(out, result.findings, lang, limit)
    print_more(out, hidden, lang, ("个问题", "findings"), ("或用 --json 输出全部", "or use --json"))
    for f in result.files:
        for name in f.table.skipped:
            out.print(
                _t(
                    lang,
                    f"{f.name}：工作表“{name}”没有表头，已跳过",
                    f"{f.name}: sheet '{name}' has no header row, skipped",
                ),
                style="dim",
            )


def _import_line(result: ImportResult[Any], lang: str) -> str:
    s = result.summary
    if lang == "en":
        return (
            f"{result.kind}: {s['rows']} rows read, {s['imported']} imported ({s['amount']} yuan), "
            f"{s['unchanged']} already in the ledger, {s['with_errors']} left out for errors, "
            f"{s['with_warnings']} with warnings"
        )
    noun = "心愿" if result.kind == "wishes" else "捐赠"
    return (
        f"{noun}：读取 {s['rows']} 行，新导入 {s['imported']} 行（{s['amount']} 元），"
        f"台账中已有且未变 {s['unchanged']} 行，有错误未导入 {s['with_errors']} 行，"
        f"有警告 {s['with_warnings']} 行"
    )


def _note_import_problems(result: MatchResult, lang: str) -> None:
    """With --json, stdout holds only the document: import problems go to stderr."""
    for r in result.imports:
        if r.findings:
            console(stderr=True).print(
                _import_line(r, lang)
                + _t(
                    lang, "；问题详情请用 wishes/donations import 查看", "; see the import command"
                )
            )


def render_match(
    out: Screen, result: MatchResult, lang: str, written: list[Path], limit: int | None
) -> None:
    from zjk_charity.wishes.amounts import yuan_grouped

    for r in result.imports:
        render_import(out, r, lang, limit)
    out.print(
        _t(
            lang,
            f"本次匹配（批次 {result.run_id}）：{len(result.new)} 笔，"
            f"{yuan_grouped(result.new_amount)} 元",
            f"this run ({result.run_id}): {len(result.new)} matches, "
            f"{yuan_grouped(result.new_amount)} yuan",
        )
    )
    out.print(_totals_table(result.accounts, lang))
    waiting = len(result.accounts.designated_balances()) + len(result.accounts.goods_aside())
    if waiting:
        out.print(
            _t(
                lang,
                f"有 {waiting} 笔定向余额或未定向物资待人工决定，见 zjk-charity wishes status",
                f"{waiting} designated balances or goods wait for a decision: "
                "see zjk-charity wishes status",
            ),
            style="yellow",
        )
    for path in written:
        out.print(_t(lang, f"已写出：{path}", f"written: {path}"), soft_wrap=True)


def _totals_table(accounts: Accounts, lang: str) -> Any:
    from rich.table import Table

    t = accounts.totals()
    table = Table(title=_t(lang, "微心愿汇总", "Micro-wishes"))
    table.add_column(_t(lang, "项目", "item"))
    table.add_column(_t(lang, "数值", "value"), justify="right")
    rows = (
        ("捐赠总额（元）", "received (yuan)", t["donations_total"]),
        ("　其中资金", "  cash", t["cash_total"]),
        ("　其中物资折合", "  goods", t["goods_total"]),
        ("已匹配", "matched", t["matched"]),
        ("余额", "balance", t["balance"]),
        ("已退还捐赠人", "refunded", t["refunded"]),
        ("心愿", "wishes", t["wishes"]),
        ("　已实现", "  fulfilled", t["fulfilled"]),
        ("　部分筹得", "  partly funded", t["partial"]),
        ("　待认领", "  pending", t["pending"]),
        ("受助儿童", "children helped", t["children_helped"]),
    )
    for zh, en, value in rows:
        table.add_row(_t(lang, zh, en), str(value))
    return table


def render_status(out: Screen, accounts: Accounts, lang: str, limit: int | None) -> None:
    """The totals by state first, then the open wishes (the first ``limit``, or all) and
    where the rest are, the cash waiting by restriction, and what waits for a decision."""
    from rich.table import Table

    from zjk_charity.cli.layout import print_more
    from zjk_charity.ids import mask_name
    from zjk_charity.wishes.amounts import yuan_grouped

    out.print(_totals_table(accounts, lang))
    open_wishes = accounts.open_wishes()
    shown = open_wishes if limit is None else open_wishes[:limit]
    more = _t(lang, f"，以下是前 {len(shown)} 个", f", the first {len(shown)} below")
    table = Table(
        title=_t(lang, f"未实现的心愿（{len(open_wishes)} 个", f"Open wishes ({len(open_wishes)}")
        + (more if len(shown) < len(open_wishes) else "")
        + _t(lang, "）", ")")
    )
    for header in _headers(
        lang,
        ("心愿编号", "县(区)", "儿童", "困境类别", "登记日期", "金额", "尚缺", "状态"),
        ("wish", "county", "child", "category", "registered", "amount", "short", "status"),
    ):
        table.add_column(header)
    for w in shown:
        table.add_row(
            w.wish_id,
            w.county,
            mask_name(w.child_name),
            w.category,
            w.registered.isoformat(),
            yuan_grouped(w.amount),
            yuan_grouped(accounts.short(w)),
            accounts.status(w).value,
        )
    out.print(table)
    print_more(
        out,
        len(open_wishes) - len(shown),
        lang,
        ("个心愿", "open wishes"),
        (
            "wishes match 写出的匹配工作簿“心愿状态”表也列出每个心愿",
            "the 心愿状态 sheet of the workbook wishes match writes lists every wish",
        ),
    )
    pools = Table(title=_t(lang, "待匹配资金（按限定条件）", "Cash waiting, by restriction"))
    for header in _headers(
        lang,
        ("限定类别", "限定县区", "笔数", "金额", "可用于的未实现心愿"),
        ("category", "county", "donations", "amount", "open wishes eligible"),
    ):
        pools.add_column(header)
    for p in accounts.pool_balances():
        pools.add_row(
            p.category or "—",
            p.county or "—",
            str(p.donations),
            yuan_grouped(p.amount),
            str(p.open_wishes),
        )
    out.print(pools)
    waiting = Table(title=_t(lang, "待决定：定向余额与未定向物资", "Waiting for a decision"))
    for header in _headers(
        lang,
        ("捐赠编号", "捐赠人", "类型", "定向心愿 / 物资", "余额", "说明"),
        ("donation", "donor", "kind", "wish / goods", "balance", "why"),
    ):
        waiting.add_column(header, no_wrap=header in ("捐赠编号", "donation"))
    for d in accounts.designated_balances() + accounts.goods_aside():
        waiting.add_row(
            d.donation_id,
            d.donor,
            d.kind,
            d.wish_id or d.goods or "",
            yuan_grouped(accounts.balance(d)),
            _t(lang, "定向余额", "designated balance")
            if d.designated
            else _t(lang, "未定向物资", "goods aside"),
        )
    out.print(waiting)
    if accounts.settlements:
        out.print(_settlements_table(accounts, lang))


_SETTLED_ZH = {"general": "转为非定向", "wish": "转给心愿", "refund": "退还捐赠人"}


def _settlements_table(accounts: Accounts, lang: str) -> Any:
    """What donors decided (donations settle), in the order decided."""
    from rich.table import Table

    from zjk_charity.wishes.amounts import yuan_grouped

    table = Table(title=_t(lang, "捐赠人的决定", "What donors decided"))
    for header in _headers(
        lang,
        ("捐赠编号", "捐赠人", "决定", "心愿", "金额", "说明"),
        ("donation", "donor", "decision", "wish", "amount", "note"),
    ):
        table.add_column(header, no_wrap=header in ("捐赠编号", "donation"))
    donations = accounts.donation_by_id
    for s in accounts.settlements:
        donation = donations.get(s.donation_id)
        table.add_row(
            s.donation_id,
            donation.donor if donation else "",
            _t(lang, _SETTLED_ZH.get(s.target, s.target), s.target),
            s.wish_id or "—",
            yuan_grouped(s.amount),
            s.note,
        )
    return table
