"""The ``zjk-charity`` command. Heavy modules are imported inside commands so --help is instant."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zjk_charity import __version__
from zjk_charity.cli import aid, report
from zjk_charity.cli.common import LangOpt, console, user_errors

app = typer.Typer(
    name="zjk-charity",
    help="张家口福彩暖冬与微心愿工作工具 / charity and welfare-lottery aid toolkit for Zhangjiakou",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # never print a person's ID from a local variable
    add_completion=False,
)
app.add_typer(aid.app, name="aid")
app.add_typer(report.app, name="report")
app.add_typer(report.keys_app, name="keys")


def _version(value: bool) -> None:
    if value:
        console().print(f"zjk-charity {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="显示版本 / show the version"
        ),
    ] = False,
) -> None:
    """张家口福彩暖冬与微心愿工作工具。"""


@app.command()
def init(
    folder: Annotated[Path | None, typer.Argument(help="工作目录（默认当前目录）")] = None,
    lang: LangOpt = None,
) -> None:
    """写出带注释的默认设置 zjk-charity.toml / write the commented default settings."""
    from zjk_charity.config import write_default_settings

    with user_errors(lang):
        path = write_default_settings((folder or Path.cwd()).resolve())
    console().print(f"已写出设置文件：{path}")


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
    app()
