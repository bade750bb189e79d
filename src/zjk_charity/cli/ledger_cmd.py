"""``zjk-charity ledger``: the ledger itself. ``ledger copy --to URL`` moves the workspace's
SQLite ledger to a PostgreSQL server (issue 19), verified table by table.

The server is only ever shown without its password (``LedgerCopy.target``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zjk_charity.cli.common import (
    JsonOpt,
    LangOpt,
    WorkspaceOpt,
    console,
    emit_json,
    new_app,
    session,
)

if TYPE_CHECKING:
    from zjk_charity.cli.layout import Screen
    from zjk_charity.ledger.copy import LedgerCopy

app = new_app("台账：复制到 PostgreSQL 服务器 / the ledger: copy it to a PostgreSQL server")

ToOpt = Annotated[
    str,
    typer.Option(
        "--to",
        metavar="URL",
        help="目标服务器 postgresql://用户@服务器/数据库（密码请放在 PGPASSWORD 或 ~/.pgpass）"
        " / the server to copy to",
        show_default=False,
    ),
]
FromOpt = Annotated[
    Path | None,
    typer.Option(
        "--from",
        metavar="FILE",
        help="要复制的 SQLite 台账文件（默认工作目录的 zjk-charity.db）/ the SQLite ledger file",
        show_default=False,
    ),
]
SHA_SHOWN = 16  # hex digits of a SHA-256 on the screen (--json has all 64)


@app.command("copy")
def copy(
    to: ToOpt,
    source: FromOpt = None,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """把 SQLite 台账（全部表，含运行记录）复制到 PostgreSQL 服务器，逐表核对行数和校验和
    / copy the SQLite ledger, every table, to a PostgreSQL server and verify it.

    目标必须是空的（没有台账，或台账中没有数据）；核对不一致时全部撤销。源台账只读不写
    （较旧版本的台账在内存中升级后复制），复制期间其他命令不能写入它。"""
    from zjk_charity.ledger.copy import copy_ledger, workspace_source

    with session(workspace, lang) as s:
        copied = copy_ledger(source or workspace_source(s.ws), to)
    if json_out:
        emit_json(copied.as_json())
        return
    _render_copy(console(), copied, s.lang)


def _render_copy(out: Screen, copied: LedgerCopy, lang: str) -> None:
    from rich.table import Table

    zh = lang == "zh"
    sha = copied.source_sha256[:SHA_SHOWN]
    # "unchanged" only when the file's size and time were checked to be as before.
    if copied.source_unchanged:
        state_zh, state_en = "未改动", "unchanged"
    else:
        state_zh, state_en = "复制时的状态；此后文件有变化", "as copied; the file has changed since"
    out.print(
        f"已把台账 {copied.source}（SHA-256 {sha}…，{state_zh}）复制到 {copied.target}"
        if zh
        else f"copied the ledger {copied.source} (SHA-256 {sha}…, {state_en}) to {copied.target}"
    )
    table = Table(title="逐表核对" if zh else "Table by table")
    headers = (
        ("表", "SQLite 行数", "服务器行数", "校验和")
        if zh
        else ("table", "SQLite", "server", "SHA-256")
    )
    for n, header in enumerate(headers):
        table.add_column(header, justify="right" if n in (1, 2) else "left")
    for t in copied.tables:
        same = ("一致" if zh else "equal") if t.matches else ("不同" if zh else "differs")
        table.add_row(t.name, str(t.rows), str(t.target_rows), same)
    out.print(table)
    n, rows, seconds = len(copied.tables), copied.rows, copied.seconds
    out.print(
        f"{n} 张表共 {rows} 行，行数与校验和全部一致；用时 {seconds:.1f} 秒；"
        f"本次复制的运行记录编号 {copied.run_id}"
        if zh
        else f"{n} tables, {rows} rows: counts and checksums all equal; {seconds:.1f} s; "
        f"this copy's run record is no. {copied.run_id}"
    )
    out.print(
        f'今后使用服务器上的台账：在 zjk-charity.toml 中写 ledger = "{copied.target}"'
        "，或设置环境变量 ZJK_CHARITY_LEDGER；密码不要写进设置文件"
        if zh
        else f'to use the server from now on, set ledger = "{copied.target}" in '
        "zjk-charity.toml or ZJK_CHARITY_LEDGER; keep the password out of the settings"
    )
