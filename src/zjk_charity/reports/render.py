"""HTML from the Jinja2 templates, the same page as an A4 PDF, and the figures as XLSX.

Templates are looked up first in the workspace's own ``templates/`` folder, then in the
packaged ones, so an office can change its report's wording or layout file by file.
The PDF is made by WeasyPrint from the same HTML; it needs Pango and a Chinese font,
and when either is missing :class:`PdfUnavailable` says what to install.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from zjk_charity.workbook.writer import Column, SheetSpec, Value, new_book


class PdfUnavailable(Exception):
    """The PDF could not be made on this machine; the message says what to install."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh)
        self.zh, self.en = zh, en


def packaged_templates() -> Path:
    """``templates/`` of the source tree, or the copy packaged in the wheel."""
    source = Path(__file__).resolve().parents[3] / "templates"
    if source.is_dir():
        return source
    return Path(str(resources.files("zjk_charity") / "templates"))


def render_html(workspace: Path, name: str, context: dict[str, Any]) -> str:
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

    folders = [workspace / "templates", packaged_templates()]
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(f)) for f in folders if f.is_dir()]),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    return env.get_template(name).render(**context)


PDF_INSTALL_ZH = (
    "未生成 PDF：{why}。请安装 WeasyPrint（pip install weasyprint）及其依赖的 Pango "
    "（Debian/Ubuntu：apt-get install libpango-1.0-0 libpangoft2-1.0-0）和中文字体"
    "（apt-get install fonts-wqy-zenhei 或 fonts-noto-cjk）；HTML 和 XLSX 已照常生成"
)
PDF_INSTALL_EN = (
    "no PDF: {why}. Install WeasyPrint (pip install weasyprint) with Pango "
    "(apt-get install libpango-1.0-0 libpangoft2-1.0-0) and a Chinese font "
    "(apt-get install fonts-wqy-zenhei or fonts-noto-cjk); HTML and XLSX were written"
)


def chinese_font_missing() -> bool:
    """True when fontconfig is present and knows no font covering Chinese."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    try:
        found = subprocess.run(
            [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return not found.stdout.strip()


def write_pdf(html: str, target: Path) -> None:
    """The same page as an A4 PDF (the page size comes from the template's @page)."""
    if chinese_font_missing():
        why = "本机没有中文字体"
        raise PdfUnavailable(
            PDF_INSTALL_ZH.format(why=why), PDF_INSTALL_EN.format(why="no Chinese font")
        )
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(
            PDF_INSTALL_ZH.format(why=f"无法加载 WeasyPrint（{exc}）"),
            PDF_INSTALL_EN.format(why=f"WeasyPrint cannot be loaded ({exc})"),
        ) from None
    # No base URL and a fetcher that refuses everything: the page is self-contained.
    HTML(string=html, url_fetcher=_no_fetch).write_pdf(str(target))


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"reports never fetch resources ({url})")


Table = tuple[str, Sequence[Column], Sequence[Sequence[Value]]]


def write_xlsx(target: Path, title: str, tables: Sequence[Table]) -> Path:
    """One sheet per table, each with the report's title above its header."""
    with new_book(target) as book:
        for name, columns, rows in tables:
            sheet = book.sheet(SheetSpec(name, list(columns), title=f"{title}：{name}"))
            for row in rows:
                sheet.write(list(row))
    return target
