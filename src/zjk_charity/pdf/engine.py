"""A PDF from a typst template and JSON data: the one call every PDF of the toolkit makes.

typst (https://typst.app, Apache-2.0) is a typesetting engine written in Rust whose
Python wheel carries everything it needs on Windows, macOS and Linux: no Pango, Cairo
or other system library. It breaks Chinese lines by the rules of CJK typesetting,
repeats table headers on every page, numbers pages, draws SVG charts and embeds a
subset of each font with a ToUnicode map (so the PDF's text can be searched and
extracted). See the README's Decisions for how it was chosen over fpdf2 and reportlab.

The template is markup of ours; the data (names, counties, figures) travels as JSON in
``sys.inputs`` and the template places its values on the page as text. typst never
parses a value as markup, so a name like ``#panic("x")`` or ``*]$@<`` is printed as it
is: no text from a workbook can become code.

Templates are looked up by file name in ``folders`` in order (a workspace's own
``templates/`` first, then the packaged ones), so an office can change a form's layout
file by file; the chosen files are copied into a private folder that is the engine's
whole world (``#import`` and ``#image`` cannot reach outside it).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from zjk_charity.errors import UserError
from zjk_charity.pdf.fonts import Font, FontChoice, load_typst
from zjk_charity.pdf.glyphs import PLACEHOLDER, uncovered, used_fonts

TEMPLATE_SUFFIX = ".typ"


@dataclass
class Rendered:
    """What a render did: the fonts it drew with and the characters none of them has
    (each printed as :data:`~zjk_charity.pdf.glyphs.PLACEHOLDER`)."""

    path: Path
    fonts: list[Font]
    missing: set[str] = field(default_factory=set)


def strings(value: Any) -> Iterator[str]:
    """Every text inside ``value`` (a JSON-like tree), keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def _replace(value: Any, missing: set[str]) -> Any:
    if isinstance(value, str):
        return "".join(PLACEHOLDER if c in missing else c for c in value)
    if isinstance(value, Mapping):
        return {key: _replace(item, missing) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_replace(item, missing) for item in value]
    return value


def _json_default(value: object) -> Any:
    if isinstance(value, Decimal | date):
        return str(value)
    dump = getattr(value, "model_dump", None)  # settings models (pydantic)
    if callable(dump):
        return dump()
    raise TypeError(f"{type(value).__name__} cannot go into a PDF's data")


def to_json(data: Mapping[str, Any]) -> Any:
    """``data`` as the JSON tree the template reads (Decimal and dates as text)."""
    return json.loads(json.dumps(data, ensure_ascii=False, default=_json_default))


def _stage(template: str, folders: Sequence[Path], root: Path) -> Path:
    """Copy the templates into ``root``: the packaged ones, then each override over them."""
    for folder in reversed(folders):
        if folder.is_dir():
            for source in folder.glob(f"*{TEMPLATE_SUFFIX}"):
                shutil.copyfile(source, root / source.name)
    main = root / template
    if not main.is_file():
        raise UserError(
            f"找不到 PDF 模板 {template}（查找了 {'、'.join(str(f) for f in folders)}）",
            f"no PDF template {template} in {', '.join(str(f) for f in folders)}",
        )
    return main


def _template_text(root: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(root.glob(f"*{TEMPLATE_SUFFIX}")))


def _origin(template: str, folders: Sequence[Path]) -> Path:
    return next((f / template for f in folders if (f / template).is_file()), Path(template))


def render_pdf(
    template: str,
    data: Mapping[str, Any],
    target: Path,
    choice: FontChoice,
    folders: Sequence[Path],
    *,
    tags: bool = True,
) -> Rendered:
    """Typeset ``template`` with ``data`` into ``target`` (written under a temporary name
    and renamed, never over an input, a folder or a database).

    Every character of the data and the templates is checked against ``choice``: the
    fallback fonts that are needed join the first, and a character none has is printed
    as □ and returned in :attr:`Rendered.missing` for the caller to report. ``tags``
    adds the structure a screen reader uses (worth it for a report; a stack of 810
    forms printed for signing is 5 times larger with it).
    """
    from zjk_charity.workbook.writer import atomic_path

    typst = load_typst()
    tree = to_json(data)
    with tempfile.TemporaryDirectory(prefix="zjk-charity-typst-") as temp:
        root = Path(temp)
        main = _stage(template, folders, root)
        texts = [*strings(tree), _template_text(root)]
        fonts = used_fonts(texts, choice.fonts)
        missing = uncovered(texts, fonts)
        if missing:
            tree = _replace(tree, missing)
        inputs = {
            "data": json.dumps(tree, ensure_ascii=False),
            "fonts": json.dumps([f.family for f in fonts], ensure_ascii=False),
        }
        with atomic_path(target) as partial:
            try:
                typst.compile(
                    str(main),
                    output=str(partial),
                    root=str(root),
                    font_paths=choice.book,
                    sys_inputs=inputs,
                    pdf_tags=tags,
                )
            except typst.TypstError as exc:
                raise _template_error(_origin(template, folders), exc) from None
    return Rendered(target, fonts, missing)


def _template_error(origin: Path, exc: Any) -> UserError:
    detail = getattr(exc, "message", None) or str(exc)
    hints = "；".join(getattr(exc, "hints", None) or [])
    where = f"{detail}{f'（{hints}）' if hints else ''}"
    return UserError(
        f"PDF 模板 {origin} 有错误：{where}；如果是工作目录 templates/ 中改过的模板，"
        "请改正或删除它（将使用自带的模板）",
        f"the PDF template {origin} has an error: {where}; fix or delete a changed copy "
        "in the workspace's templates/ (the packaged one is used then)",
    )


_PAGE_TREE = re.compile(rb"/Type\s*/Pages\s*/Count\s+(\d+)")


def page_count(path: Path) -> int | None:
    """The page count in the page tree typst writes at the start of its PDFs (``None``
    when it is not found there); a check that each form kept to its one page."""
    with path.open("rb") as handle:
        found = _PAGE_TREE.search(handle.read(8192))
    return int(found.group(1)) if found else None
