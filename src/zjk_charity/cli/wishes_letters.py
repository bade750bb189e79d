"""``zjk-charity wishes letters``: a letter to every donor (``wishes/letters.py``).

Thin: opens the workspace, calls :func:`~zjk_charity.wishes.letters.write_letters`, and
prints the files and totals (or the ``--json`` document). Donors are named, children
never (they are only on the page, de-identified).
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
    date_help,
    emit_json,
    parse_day,
    run_arguments,
    session,
)

if TYPE_CHECKING:
    from zjk_charity.wishes.letters import LettersResult


def register(wishes_app: typer.Typer) -> None:
    """Put ``letters`` on the ``wishes`` group."""
    wishes_app.command("letters")(letters)


def letters(
    out: Annotated[
        Path | None, typer.Option("--out", help="输出文件夹，默认 out/ / output folder")
    ] = None,
    day: Annotated[
        str | None,
        typer.Option(
            "--date",
            metavar="YYYY-MM-DD",
            help=date_help(
                "信末落款日期，默认今天", "the date the letters are signed, default today"
            ),
            show_default=False,
        ),
    ] = None,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """给每位捐赠人写感谢信（捐赠、帮助的心愿及进展、余额与商定结果），一个 PDF 便于打印盖章
    / a letter to every donor: gifts, the wishes they reached, balances, in one PDF."""
    from zjk_charity.reports.render import template_folders
    from zjk_charity.wishes.letters import write_letters

    with session(workspace, lang) as s:
        folder = s.folder(out)
        result = write_letters(
            s.ledger,
            s.year,
            folder,
            day=parse_day(day, "--date"),
            signers=s.ws.settings.signers,
            pdf_font=s.ws.settings.pdf_font,
            templates=template_folders(s.ws.root),
            arguments=run_arguments(year=s.year, out=folder, date=day),
        )
    if json_out:
        emit_json(result.as_json())
        return
    _render(result, s.lang)


def _render(result: LettersResult, lang: str) -> None:
    from decimal import Decimal

    out, zh = console(), lang == "zh"
    t = {key: f"{Decimal(value):,.2f}" for key, value in result.totals().items()}
    out.print(
        f"已写感谢信 {len(result.letters)} 封，共 {result.pages} 页（字体 {result.font}）："
        f"捐赠 {t['given']} 元 = 已用于心愿 {t['used']} 元 + 尚待使用 {t['waiting']} 元 + "
        f"已退还 {t['refunded']} 元"
        if zh
        else f"{len(result.letters)} letter(s), {result.pages} page(s) (font {result.font}): "
        f"given {t['given']} = used {t['used']} + waiting {t['waiting']} + "
        f"refunded {t['refunded']} yuan"
    )
    for path in result.files:
        out.print(f"  {path}", soft_wrap=True)
    for n in result.missing_glyphs:
        point = f"U+{ord(n.char):04X}"
        out.print(
            f"致{n.donor}的信中“{n.char}”（{point}）字体中没有，印为 □，请在打印件上手写"
            if zh
            else f"the letter to {n.donor}: '{n.char}' ({point}) is in no font, printed as □; "
            "write it in by hand",
            style="yellow",
        )
