"""``zjk-charity lists``: the reference lists auditors compare with (integrity.md).

``lists import FILE --kind …`` loads one list; ``lists`` shows what is loaded. Terminal
output never shows a person from a list: counts, counties and findings only (a finding
names a row, never a full ID or a name).
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
    date_help,
    emit_json,
    new_app,
    parse_day,
    run_arguments,
    session,
)

if TYPE_CHECKING:
    from zjk_charity.cli.layout import Screen
    from zjk_charity.integrity.lists import ListImport
    from zjk_charity.integrity.lists_store import StoredList

app = new_app(
    "核查用的参照名单：特困人员名册、集中供养、死亡（殡葬）、近亲属备案 / reference lists",
    no_args_is_help=False,
    invoke_without_command=True,
)

KindOpt = Annotated[
    str,
    typer.Option(
        "--kind",
        metavar="tekun|institution|deaths|relatives",
        help="名单类别：tekun 特困人员名册，institution 集中供养名单，deaths 死亡（殡葬）名单，"
        "relatives 近亲属备案 / the kind of list",
        show_default=False,
    ),
]
SHA_SHOWN = 16  # hex digits of a SHA-256 shown in the table (--json has all 64)


@app.callback()
def lists(
    ctx: typer.Context,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """已导入的参照名单：类别、文件、SHA-256、人数、日期、覆盖县区、是否在用
    / what reference lists are loaded."""
    if ctx.invoked_subcommand is not None:
        return
    from zjk_charity.integrity.lists import list_json, list_overview

    with session(workspace, lang) as s:
        found = list_overview(s.ledger)
    if json_out:
        emit_json({"lists": [list_json(stored) for stored in found]})
        return
    _render_lists(console(), found, s.lang)


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE", help="名单文件（.xlsx .xls .csv）/ the list file", show_default=False
        ),
    ],
    kind: KindOpt,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="YYYY-MM-DD",
            help=date_help(
                "名单日期（导出或截止日期），默认今天", "the list's date, default today"
            ),
            show_default=False,
        ),
    ] = None,
    county: Annotated[
        list[str] | None,
        typer.Option(
            "--county",
            metavar="县名",
            help="名单覆盖的县（区），可重复；默认按名单的县(区)列，没有该列时按身份证号推断"
            " / the counties the list covers (default: its 县(区) column, else its IDs)",
            show_default=False,
        ),
    ] = None,
    show_all: AllOpt = False,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """导入一份参照名单；同类别、覆盖县区相同的旧名单被替换 / load a reference list."""
    from zjk_charity.counties import named_counties
    from zjk_charity.integrity.lists import check_kind, import_list

    with session(workspace, lang) as s:
        check_kind(kind)
        day = parse_day(as_of)
        named = named_counties(county or [])
        arguments = run_arguments(file=file, kind=kind, as_of=day, county=[c.name for c in named])
        result = import_list(s.ledger, file, kind, as_of=day, named=named, arguments=arguments)
    if json_out:
        emit_json(result.as_json(s.lang))
    else:
        _render_import(console(), result, s.lang, None if show_all else SHOWN)
    raise typer.Exit(1 if result.has_problems else 0)


def _county_names(codes: tuple[str, ...] | list[str]) -> str:
    from zjk_charity.counties import BY_CODE

    return "、".join(BY_CODE[c].name for c in codes if c in BY_CODE) or "—"


def _kind_name(kind: str, zh: bool) -> str:
    from zjk_charity.integrity.reference import KIND_ZH

    return KIND_ZH.get(kind, kind) if zh else kind


_FROM = {
    "option": ("按 --county", "from --county"),
    "column": ("按县(区)列", "from the 县(区) column"),
    "ids": (
        "按身份证号推断；如不对，请用 --county 指定",
        "inferred from the IDs; use --county if wrong",
    ),
    "none": ("无法确定", "unknown"),
}


def _render_import(out: Screen, result: ListImport, lang: str, limit: int | None) -> None:
    from zjk_charity.cli.layout import print_findings, print_more

    zh, r = lang == "zh", result.read
    kind = _kind_name(r.kind, zh)
    sha = result.sha256[:SHA_SHOWN]
    if result.unchanged and result.stored is not None:
        s = result.stored
        out.print(
            f"{r.path.name} 已作为{kind}在用（SHA-256 {sha}…，{s.loaded_at[:10]} 导入，"
            f"{s.rows} 人）：台账未改变"
            if zh
            else f"{r.path.name} is already loaded as the {kind} list in force (SHA-256 {sha}…, "
            f"{s.rows} people): nothing changed"
        )
    elif result.stored is None:
        out.print(
            f"{r.path.name}：{r.rows} 行中没有一行可用，未导入"
            if zh
            else f"{r.path.name}: none of its {r.rows} rows is usable; nothing loaded",
            style="bold red",
        )
    else:
        out.print(
            f"已导入{kind} {r.path.name}（SHA-256 {sha}…）：读到 {r.rows} 行，存入 {len(r.people)} 人"
            + (f"，跳过 {r.skipped} 行" if r.skipped else "")
            if zh
            else f"loaded the {kind} list {r.path.name} (SHA-256 {sha}…): {r.rows} rows, "
            f"{len(r.people)} people stored" + (f", {r.skipped} skipped" if r.skipped else "")
        )
        said_from = _FROM[r.counties_from][0 if zh else 1]
        out.print(
            f"  覆盖县区：{_county_names(r.counties)}（{said_from}）；名单日期 {result.as_of}"
            if zh
            else f"  counties: {_county_names(r.counties)} ({said_from}); dated {result.as_of}"
        )
        for old in result.replaced:
            out.print(
                f"  替换了旧名单 {old.name}（{old.as_of}，{old.rows} 人），其人员信息已从台账删除"
                if zh
                else f"  replaced {old.name} ({old.as_of}, {old.rows} people); its people were "
                "deleted from the ledger"
            )
        for old in result.narrowed:
            shared = _county_names([c for c in old.counties if c in r.counties])
            out.print(
                f"  旧名单 {old.name}（{old.as_of}）中{shared}的人员已由新名单替换并从台账删除，"
                "其余县（区）仍在用"
                if zh
                else f"  {old.name} ({old.as_of}): its people of {shared} were replaced by this "
                "list and deleted; its other counties stay in force"
            )
        if result.dropped:
            out.print(
                f"  注意：被替换的死亡名单中有 {result.dropped} 人不在新名单中，今后不再核查；"
                "如果新名单只含新增的死亡人员，请把新旧名单合并成一个文件后重新导入"
                if zh
                else f"  note: {result.dropped} people of the replaced deaths list are not in "
                "the new one and are no longer checked; if the new list holds only new deaths, "
                "merge the two files and load the result",
                style="bold yellow",
            )
    if r.skipped_sheets:
        out.print(
            f"  未读取的工作表（找不到表头）：{'、'.join(r.skipped_sheets)}"
            if zh
            else f"  sheets without a header, not read: {', '.join(r.skipped_sheets)}",
            style="dim",
        )
    hidden = print_findings(out, r.findings, lang, limit)
    print_more(out, hidden, lang, ("个问题", "findings"), ("或用 --json", "or use --json"))
    if r.skipped:
        out.print(
            f"有 {r.skipped} 行因身份证号不可用未导入：请在名单中改正后重新导入"
            if zh
            else f"{r.skipped} rows with an unusable ID were not loaded: correct them and "
            "import the file again",
            style="yellow",
        )


def _render_lists(out: Screen, found: list[StoredList], lang: str) -> None:
    from rich.table import Table

    zh = lang == "zh"
    if not found:
        out.print(
            "尚未导入参照名单；用 zjk-charity lists import 文件 --kind … 导入"
            if zh
            else "no reference list loaded; use zjk-charity lists import FILE --kind …"
        )
        return
    table = Table(title="参照名单" if zh else "Reference lists")
    headers = (
        ("编号", "类别", "文件", "SHA-256", "人数", "名单日期", "覆盖县区", "状态")
        if zh
        else ("no.", "kind", "file", "SHA-256", "people", "dated", "counties", "state")
    )
    for n, header in enumerate(headers):
        table.add_column(header, justify="right" if n in (0, 4) else "left")
    for s in found:
        if s.in_force:
            state = "在用" if zh else "in force"
        else:
            state = f"已被 {s.replaced_by} 号替换" if zh else f"replaced by no. {s.replaced_by}"
        table.add_row(
            str(s.id),
            _kind_name(s.kind, zh),
            s.name,
            s.sha256[:SHA_SHOWN] + "…",
            str(s.rows) if s.in_force else f"({s.rows})",
            s.as_of.isoformat(),
            _county_names(s.counties),
            state,
        )
    out.print(table)
    if any(not s.in_force for s in found):
        out.print(
            "被替换的名单只保留文件记录（括号中为当时人数），人员信息已删除"
            if zh
            else "a replaced list keeps only its file record (its people count in brackets); "
            "its people were deleted",
            style="dim",
        )
