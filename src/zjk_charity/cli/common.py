"""What every command shares: options, the console, JSON output and the one error handler."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from zjk_charity.campaign_year import YearMismatch
    from zjk_charity.cli.layout import Screen
    from zjk_charity.config import Workspace
    from zjk_charity.ledger import Ledger

WorkspaceOpt = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        envvar="ZJK_CHARITY_WORKSPACE",
        help="工作目录（默认当前目录）/ workspace folder",
        show_default=False,
    ),
]
LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang",
        envvar="ZJK_CHARITY_LANG",
        help="zh 或 en / language of messages",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="只输出一个 JSON 文档 / one JSON document")]
DATE_ZH = "（YYYY-MM-DD，如 2025-10-20）"
DATE_EN = "(YYYY-MM-DD, e.g. 2025-10-20)"


def date_help(zh: str, en: str) -> str:
    """Help of a date option: what the date is, and how to write it (issue 15)."""
    return f"{zh}{DATE_ZH} / {en} {DATE_EN}"


AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="YYYY-MM-DD",
        help=date_help(
            "年龄计算基准日，默认活动年度的 10 月 20 日",
            "reference date for ages, default 20 October of the campaign year",
        ),
        show_default=False,
    ),
]
YearOpt = Annotated[
    int | None, typer.Option("--year", help="活动年度 / campaign year", show_default=False)
]

# How many findings or list rows a command shows in the terminal unless given --all.
SHOWN = 50
AllOpt = Annotated[
    bool,
    typer.Option(
        "--all",
        help=f"在终端列出全部问题或全部行（默认先显示汇总和前 {SHOWN} 个）/ list every row, "
        f"not only the summary and the first {SHOWN}",
    ),
]


def new_app(help: str, **options: Any) -> typer.Typer:
    """A command group with plain (click-style) help.

    typer's rich help renderer imports rich.markdown and markdown-it, about 0.15 s,
    which alone would break the 0.3 s budget for ``--help`` (issue 6). The help texts
    here are plain Chinese/English sentences, so nothing is lost by plain rendering.
    """
    options.setdefault("no_args_is_help", True)
    return typer.Typer(help=help, rich_markup_mode=None, add_completion=False, **options)


def console(stderr: bool = False) -> Screen:
    """The console every command prints through (``cli.layout.Screen``): text is wrapped
    by display width so no character is ever lost, at any width; a cell, file or sheet
    name holding ``[/]`` or ``[red]`` is data, never rich markup. Styles are given with
    ``style=`` or :func:`styled`."""
    from zjk_charity.cli.layout import screen

    return screen(stderr)


def styled(*parts: str | tuple[str, str]) -> Any:
    """Text made of plain parts and (text, style) parts, for a console without markup."""
    from rich.text import Text

    return Text.assemble(*parts)


def emit_json(document: Any) -> None:
    sys.stdout.write(json_text(document) + "\n")


def json_text(document: Any) -> str:
    """The ``--json`` text: what ``json.dumps(document, ensure_ascii=False, indent=2)`` gives.

    The json module indents in pure Python: 1.3 s of a 13 s ``wishes match --json`` at
    100,000 wishes and donations, a 20 MB document (issue 6). orjson writes the same text for what the documents
    hold (text, integers, booleans, null, lists, objects with text keys) in C. What it
    would refuse or write differently goes to json.dumps instead: an integer beyond 64
    bits, a key that is not text, a date, a dataclass, text with a lone surrogate (each
    raises ``orjson.JSONEncodeError``, a ``TypeError``). One difference stays: a float
    is written in its shortest form (1e-05 as 0.00001; NaN as null), the same number.
    No document holds one: money is text ("300.00", cli.md).
    ``tests/test_json_text.py`` compares the two on random documents.
    """
    import orjson

    # Dates and dataclasses are passed through, i.e. refused: json.dumps refuses them too.
    options = orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATETIME
    options |= orjson.OPT_PASSTHROUGH_DATACLASS
    try:
        return orjson.dumps(document, option=options).decode()
    except TypeError:
        return json.dumps(document, ensure_ascii=False, indent=2)


def resolve_lang(lang: str | None, workspace_lang: str = "zh") -> str:
    value = lang or workspace_lang
    return "en" if value.lower().startswith("en") else "zh"


@contextmanager
def user_errors(lang: str | None = None, where: Callable[[], str] | None = None) -> Iterator[None]:
    """Turn the library's UserError into one message on stderr and exit code 2.

    A ledger server's error in the middle of a command (the connection dropped, the
    command cancelled or refused) is such a failure too, not a traceback: the server
    rolled the command's transaction back, so the message says the ledger is unchanged
    (``ledger.postgres.server_error``). ``where`` names the ledger (never with a
    password) when the command has opened it.
    """
    from zjk_charity.errors import UserError

    try:
        yield
    except UserError as exc:
        _say(exc, lang)
        raise typer.Exit(2) from None
    except Exception as exc:
        if not _from_server(exc):
            raise
        from zjk_charity.ledger.postgres import server_error

        _say(server_error(exc, where() if where is not None else None), lang)
        raise typer.Exit(2) from None


def _say(exc: Any, lang: str | None) -> None:
    chosen = resolve_lang(lang or os.environ.get("ZJK_CHARITY_LANG"))
    prefix = "错误：" if chosen == "zh" else "error: "
    console(stderr=True).print(styled((prefix, "bold red"), exc.message(chosen)))


def _from_server(exc: Exception) -> bool:
    """Whether ``exc`` is the ledger server's (any psycopg error). psycopg is looked up,
    not imported: when it was never loaded, no server ledger was opened, and ``--help``
    stays free of it."""
    psycopg = sys.modules.get("psycopg")
    if psycopg is None or not isinstance(exc, psycopg.Error):
        return False
    # the driver refusing our own SQL (wrong placeholders…) is a bug: its traceback stays
    return not isinstance(exc, psycopg.ProgrammingError) or bool(getattr(exc, "sqlstate", None))


def progress_callback(quiet: bool) -> Callable[[str], None] | None:
    """A line on stderr per file being read, when stderr is a terminal."""
    if quiet or not sys.stderr.isatty():
        return None
    err = console(stderr=True)

    def report(name: str) -> None:
        err.print(f"读取 {name} …", style="dim")

    return report


def year_warning(
    ws: Workspace, year: int | None, lang: str, has_option: bool = True
) -> Callable[[YearMismatch], None]:
    """The callback a command hands the library for the campaign-year check.

    It prints the warning on stderr at once (so a ``--json`` stdout stays one
    document), saying where the year came from: ``year`` is the command's ``--year``
    option (None when not given); ``has_option`` False for a command without one.
    """
    source = ws.year_source(year)

    def warn(found: YearMismatch) -> None:
        # The console is made only when there is something to say (rich and wcwidth load
        # in 30 ms, which a --json run need not pay).
        console(stderr=True).print(found.message(lang, source, has_option), style="yellow")

    return warn


def parse_day(value: str | None, name: str = "--as-of") -> date | None:
    """A date option (``--as-of``, ``--notice-from``, ``--date``) as a date; None when not
    given; a UserError naming the option when it is no date or its year is out of range."""
    from zjk_charity.config import MAX_YEAR, MIN_YEAR
    from zjk_charity.dates import parse_date
    from zjk_charity.errors import UserError

    if value is None:
        return None
    day = parse_date(value)
    if day is None:
        raise UserError(
            f"{name} “{value}” 不是日期，请写成 2025-10-20",
            f"{name} '{value}' is not a date; use 2025-10-20",
        )
    if not MIN_YEAR <= day.year <= MAX_YEAR:  # 9999-12-31 is a typo, and no period fits it
        raise UserError(
            f"{name} “{value}” 的年份应在 {MIN_YEAR}–{MAX_YEAR} 之间",
            f"{name} '{value}': the year must be from {MIN_YEAR} to {MAX_YEAR}",
        )
    return day


def say_waiting(seconds: float) -> None:
    """The CLI's ``on_wait`` for every ledger it opens: one line on stderr while another
    command holds the ledger (the library itself never prints)."""
    console(stderr=True).print(
        f"台账正被另一个命令使用，最多等待 {seconds:.0f} 秒……"
        f" / the ledger is busy, waiting up to {seconds:.0f} s",
        style="yellow",
    )


def run_arguments(**values: Any) -> dict[str, Any]:
    """A run record's ``arguments``, in the order given: a path as its text, a list of
    paths as a list of texts, a date in ISO 8601, an amount as its text (what the
    commands wrote by hand before, so records of old and new runs read alike)."""

    def plain(value: Any) -> Any:
        if isinstance(value, Path | Decimal):
            return str(value)
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    return {name: plain(value) for name, value in values.items()}


@dataclass(frozen=True)
class Session:
    """What a command starts from, made once by :func:`session`: the workspace, the
    chosen language, the campaign year and the ledger (opened with the CLI's waiting
    message), and the output names every command derives from ``--out``."""

    ws: Workspace
    lang: str
    year_option: int | None = None  # the command's --year, None when not given

    @property
    def zh(self) -> bool:
        return self.lang == "zh"

    def text(self, zh: str, en: str) -> str:
        """``zh`` or ``en``, in the chosen language."""
        return zh if self.zh else en

    @cached_property
    def year(self) -> int:
        """--year, else the settings' campaign_year, else this year (checked when first
        asked for, so a command that needs no year never stops on it)."""
        return self.ws.year(self.year_option)

    @cached_property
    def ledger(self) -> Ledger:

        return self.ws.ledger(on_wait=say_waiting)

    @cached_property
    def operator(self) -> str:
        """Who makes a change: the settings' handler, else the login name."""
        from zjk_charity.aid.changes import default_operator

        return default_operator(self.ws.settings.signers.handler)

    def folder(self, out: Path | None) -> Path:
        """``--out`` as an output folder: the one given, else the workspace's ``out/``."""
        return out or self.ws.out_dir

    def stamped(self, out: Path | None, name: str) -> Path:
        """``--out`` as an output workbook: the one given, else ``out/NAME-YEAR-STAMP.xlsx``
        (the time to the second, so a second run never replaces the first)."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        return out or self.ws.out_dir / f"{name}-{self.year}-{stamp}.xlsx"


@contextmanager
def session(workspace: Path | None, lang: str | None, year: int | None = None) -> Iterator[Session]:
    """The preamble of every command that uses a workspace: open it, choose the language
    (``--lang``, else the settings'), and turn a UserError raised in the block into one
    message and exit code 2 (:func:`user_errors`)."""
    opened: Session | None = None

    def where() -> str:
        """The ledger's name in messages (making a Ledger connects to nothing)."""
        from zjk_charity.errors import UserError

        try:
            return opened.ledger.where if opened is not None else ""
        except UserError:
            return ""

    with user_errors(lang, where):
        from zjk_charity.config import Workspace

        ws = Workspace.open(workspace)
        opened = Session(ws, resolve_lang(lang, ws.settings.lang), year)
        if year is not None:
            opened.year  # noqa: B018 - a wrong --year stops first, before any other option
        yield opened
