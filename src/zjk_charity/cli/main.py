"""The ``zjk-charity`` command. Heavy modules are imported inside commands so --help is instant."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from zjk_charity import __version__
from zjk_charity.cli import (
    aid,
    ledger_cmd,
    lists,
    report,
    wishes,
    wishes_after,
    wishes_letters,
    wishes_payout,
)
from zjk_charity.cli.common import (
    LangOpt,
    WorkspaceOpt,
    console,
    new_app,
    resolve_lang,
    session,
    user_errors,
)


def _show_version(value: bool) -> None:
    """``--version``: an eager option of the top-level group, so it is listed in
    ``zjk-charity --help`` and answers before any command.

    A flag with the default False costs nothing on the way to ``zjk-charity aid --help``:
    typer coerces only a flag whose value is not already a bool (the pydantic adapter of
    issue 6, see ``_help_flag_defaults``); ``test_help_imports_no_heavy_module`` holds it.
    """
    if value:
        typer.echo(f"zjk-charity {__version__}")
        raise typer.Exit()


app = new_app(
    "张家口福彩暖冬与微心愿工作工具 / charity and welfare-lottery aid toolkit for Zhangjiakou",
    name="zjk-charity",
    pretty_exceptions_show_locals=False,  # never print a person's ID from a local variable
)
app.add_typer(aid.app, name="aid")
# 微心愿 after the match, in the order of its story: pay, deliver, settle, letters.
wishes_payout.register(wishes.wishes_app)  # pay, payments import|status, accounts update
wishes_after.register(wishes.wishes_app, wishes.donations_app)  # deliver import, settle
wishes_letters.register(wishes.wishes_app)  # letters
app.add_typer(wishes.wishes_app, name="wishes")
app.add_typer(wishes.donations_app, name="donations")
app.add_typer(report.app, name="report")
app.add_typer(lists.app, name="lists")
app.add_typer(report.keys_app, name="keys")
app.add_typer(ledger_cmd.app, name="ledger")


def _help_flag_defaults(group: typer.Typer) -> dict[str, object]:
    """``{"help": False, "<subgroup>": {...}}`` for click's ``default_map``.

    typer coerces an absent ``--help`` flag's ``None`` through a pydantic adapter,
    importing pydantic (about 0.12 s) whenever a group is passed on the way to
    ``zjk-charity aid --help``. Giving every group's help flag the default False skips
    that coercion; nothing else is defaulted here (issue 6).
    """
    defaults: dict[str, object] = {"help": False}
    for info in group.registered_groups:
        if info.name and info.typer_instance:
            defaults[info.name] = _help_flag_defaults(info.typer_instance)
    return defaults


app.info.context_settings = {"default_map": _help_flag_defaults(app)}


def _paragraph(text: str) -> str:
    """A help text's first paragraph, on one line."""
    return " ".join(text.strip().split("\n\n")[0].split())


def _whole_short_help(group: typer.Typer) -> None:
    """Give every command and group of ``group`` its whole first paragraph as short help.

    In a command listing click cuts a help text to about 45 characters and ends it with
    "...", so "导出…… / write the allocation..." lost its English half (issue 15: output
    never loses a character). An explicit short help is printed whole, wrapped by click.
    """
    for command in group.registered_commands:
        text = command.help or (inspect.getdoc(command.callback) if command.callback else "")
        if text and not isinstance(command.short_help, str):
            command.short_help = _paragraph(text)
    for info in group.registered_groups:
        child = info.typer_instance
        if child is None:
            continue
        text = child.info.help if isinstance(child.info.help, str) else ""
        if text and not isinstance(info.short_help, str):
            info.short_help = _paragraph(text)
        _whole_short_help(child)


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            callback=_show_version,
            help="显示版本 / show the version",
        ),
    ] = False,
) -> None:
    """张家口福彩暖冬与微心愿工作工具。"""


@app.command()
def init(
    folder: Annotated[Path | None, typer.Argument(help="工作目录（默认当前目录）")] = None,
    year: Annotated[
        int | None,
        typer.Option(
            "--year",
            help="写入活动年度 campaign_year（不写则为当前年份）/ set campaign_year",
            show_default=False,
        ),
    ] = None,
    lang: LangOpt = None,
) -> None:
    """写出带注释的默认设置 zjk-charity.toml / write the commented default settings."""
    from zjk_charity.config import write_default_settings

    with user_errors(lang):
        path = write_default_settings((folder or Path.cwd()).resolve(), year)
    if resolve_lang(lang) == "en":
        said = f"campaign year {year}" if year else "no campaign year set (this year is used)"
        console().print(f"settings written: {path} ({said})")
        return
    said = f"活动年度 {year}" if year else "未设置活动年度，各命令按当前年份处理"
    console().print(f"已写出设置文件：{path}（{said}）")


@app.command()
def demo(
    out: Annotated[
        Path | None, typer.Option("--out", help="演示工作目录（默认新建临时目录）")
    ] = None,
    lang: LangOpt = None,
) -> None:
    """用 sample_data/ 演示整个 2025 年活动 / run the whole 2025 campaign on the sample data."""
    from zjk_charity.demo import run_demo

    with user_errors(lang):
        summary = run_demo(out)
    out_console = console()
    for line in summary.lines:
        out_console.print(line)
    for path in summary.written:
        out_console.print(f"  {path}")


def run() -> None:
    """The console entry point."""
    app()


@app.command()
def purge(
    year: Annotated[
        int | None, typer.Option("--year", help="要删除的福彩暖冬活动年度 / campaign year")
    ] = None,
    wishes: Annotated[
        bool, typer.Option("--wishes", help="删除全部微心愿数据（心愿、捐赠、匹配、付款）")
    ] = False,
    history: Annotated[
        bool, typer.Option("--history", help="同时删除该年度的受助名单（将无法再识别重复受助）")
    ] = False,
    lists: Annotated[
        bool,
        typer.Option(
            "--lists",
            help="删除全部参照名单（特困名册、集中供养、死亡、近亲属备案）及其人员 / every reference list",
        ),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="不再确认 / do not ask")] = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """删除某年度活动的个人信息（申请、问题、分配结果、付款）/ delete a campaign's personal data.

    参照名单不属于某个年度，--year 不删除它们；用 --lists 删除全部参照名单。"""
    from zjk_charity.errors import UserError
    from zjk_charity.purge import count_campaign
    from zjk_charity.purge import purge as run_purge

    with session(workspace, lang) as s:
        if year is None and not wishes and not lists:
            raise UserError(
                "请用 --year 指定年度，或用 --wishes 删除微心愿数据、--lists 删除参照名单",
                "give --year, or --wishes, or --lists",
            )
        found = count_campaign(s.ledger, year, history, wishes, lists)
        if not any(found.values()):
            console().print("台账中没有要删除的数据")
            return
        _print_purge_plan(s.ledger.where, found)
        if not yes and not typer.confirm("确认删除？此操作不能撤销 / delete?", default=False):
            raise typer.Exit(1)
        result = run_purge(s.ledger, year, history, s.ws.out_dir, wishes, lists)
    kept = 0 if lists else count_campaign(s.ledger, None, False, lists=True).get("ref_people", 0)
    _print_purged(s.ledger.dialect, kept, result.outputs)


def _print_purge_plan(where: str, found: dict[str, int]) -> None:
    out = console()
    out.print(f"将从 {where} 删除：")
    for table, n in found.items():
        out.print(f"  {TABLE_NAMES.get(table, table)}：{n} 行")


# What became of the deleted rows. SQLite: VACUUM rewrote the ledger file without them.
# A server's VACUUM frees their space for reuse, but its data files, write-ahead log and
# backups are the server's, and only its administrators can clear those.
PURGED = {
    "sqlite": "已删除，并已压缩台账文件使其不可恢复。",
    "postgresql": "已从台账服务器删除，并已请服务器回收这些行占用的空间（VACUUM）；服务器的日志和备份中"
    "可能仍有旧数据，请服务器管理员按本单位规定处理。",
}


def _print_purged(dialect: str, kept: int, outputs: Sequence[Path]) -> None:
    """What was deleted (and how far, per backend: ``PURGED``), the reference lists kept,
    and the output files left to the user."""
    out = console()
    out.print(PURGED[dialect])
    if kept:
        out.print(f"参照名单（{kept} 人）不随年度删除，仍用于核查；如需删除，请加 --lists")
    if outputs:
        out.print("以下输出文件含有个人信息，请自行删除或妥善保管：")
        for path in outputs:
            out.print(f"  {path}", soft_wrap=True)


TABLE_NAMES = {
    "payment_results": "银行回盘记录",
    "payment_instructions": "付款指令（含账号）",
    "payment_batches": "付款批次",
    "payee_accounts": "更正的账号",
    "aid_changes": "撤销与递补记录",
    "allocation_people": "分配结果中的人员",
    "allocations": "分配记录",
    "warning_reviews": "警告的复核记录",
    "aid_findings": "校验问题",
    "applicants": "申请人",
    "aid_files": "申请表记录",
    "history": "受助名单",
    "ref_people": "参照名单中的人员",
    "ref_lists": "参照名单记录",
    "wish_matches": "微心愿匹配",
    "wish_deliveries": "微心愿送达记录",
    "donation_settlements": "捐赠人对定向余额的决定",
    "donations": "捐赠",
    "wishes": "心愿（含儿童信息）",
    "wishes_payment_results": "微心愿银行回盘记录",
    "wishes_payment_instructions": "微心愿付款指令（含账号）",
    "wishes_payment_batches": "微心愿付款批次",
    "wishes_payee_accounts": "微心愿更正的账号",
}


_whole_short_help(app)  # last: every command of every group is registered by now
