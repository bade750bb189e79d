"""HTML from the Jinja2 templates, the same content as an A4 PDF, the figures as XLSX.

Templates are looked up first in the workspace's own ``templates/`` folder, then in the
packaged ones, so an office can change its report's wording or layout file by file:
``aid.html.j2`` for the web page, ``aid.typ`` for the PDF (typst markup, see
:mod:`zjk_charity.pdf`), each overridden on its own. The PDF needs only a Chinese font;
when none is found, :class:`~zjk_charity.pdf.PdfUnavailable` says what to install.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zjk_charity.workbook.writer import Column, SheetSpec, Value, new_book

if TYPE_CHECKING:
    from zjk_charity.pdf import Rendered


def packaged_templates() -> Path:
    """``templates/`` of the source tree, or the copy packaged in the wheel."""
    source = Path(__file__).resolve().parents[3] / "templates"
    if source.is_dir():
        return source
    return Path(str(resources.files("zjk_charity") / "templates"))


def render_html(workspace: Path, name: str, context: dict[str, Any]) -> str:
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

    folders = template_folders(workspace)
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(f)) for f in folders if f.is_dir()]),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    return env.get_template(name).render(**context)


def template_folders(workspace: Path) -> list[Path]:
    """Where templates are looked up, in order: the workspace's own, then the packaged."""
    return [workspace / "templates", packaged_templates()]


def pdf_data(context: dict[str, Any]) -> dict[str, Any]:
    """The page context as the PDF template's JSON: everything but the helper functions
    (the template formats money itself); SVG charts go in as their markup text."""
    return {key: value for key, value in context.items() if not callable(value)}


def write_pdf(
    workspace: Path, template: str, context: dict[str, Any], target: Path, pdf_font: Path | None
) -> Rendered:
    """The report as an A4 PDF from the typst template ``template`` (``aid.typ``): the same
    content as its HTML page. Raises :class:`PdfUnavailable` when no Chinese font is found."""
    from zjk_charity.pdf import pdf_fonts, render_pdf

    with pdf_fonts(pdf_font) as fonts:
        return render_pdf(template, pdf_data(context), target, fonts, template_folders(workspace))


Table = tuple[str, Sequence[Column], Sequence[Sequence[Value]]]


def write_xlsx(target: Path, title: str, tables: Sequence[Table]) -> Path:
    """One sheet per table, each with the report's title above its header."""
    with new_book(target) as book:
        for name, columns, rows in tables:
            sheet = book.sheet(SheetSpec(name, list(columns), title=f"{title}：{name}"))
            for row in rows:
                sheet.write(list(row))
    return target
