"""``report campaign``: one signed folder per programme, built from the ledger.

Each report is assembled in a hidden temporary folder beside its destination and
renamed into place when complete, so a folder under its final name is always whole.
An existing report folder is never overwritten. The manifest lists the ledger runs the
report covers, the SHA-256 of every input those runs read and of every file written,
the parameters, the software version and the figures; ``manifest.sig`` signs its bytes.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zjk_charity import __version__
from zjk_charity.config import Workspace
from zjk_charity.dates import chinese_date
from zjk_charity.errors import UserError
from zjk_charity.ledger import Clock, Ledger, file_sha256, system_clock
from zjk_charity.pdf import PLACEHOLDER, PdfUnavailable, codepoint
from zjk_charity.reports.render import render_html, write_pdf
from zjk_charity.reports.signing import MANIFEST, SIGNATURE, Signer, load_signer, sign

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

KINDS = ("aid", "wishes")
FORMATS = ("html", "xlsx", "pdf")


@dataclass
class Content:
    """What one programme's report needs: figures, page context and the XLSX writer."""

    kind: str
    year: int
    title: str
    template: str  # the HTML page's Jinja2 template
    pdf_template: str  # the PDF's typst template
    figures: dict[str, Any]
    context: dict[str, Any]
    runs: list[dict[str, Any]]
    inputs: list[dict[str, str]]
    parameters: dict[str, Any]
    write_xlsx: Callable[[Path], object]


@dataclass
class Written:
    kind: str
    folder: Path
    files: list[str]
    figures: dict[str, Any]


@dataclass
class ReportRun:
    reports: list[Written] = field(default_factory=list)
    signer: Signer | None = None
    warnings_zh: list[str] = field(default_factory=list)
    warnings_en: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "reports": [
                {"kind": r.kind, "dir": str(r.folder), "files": r.files, "figures": r.figures}
                for r in self.reports
            ],
            "signed": self.signer is not None,
            "fingerprint": self.signer.fingerprint if self.signer else None,
        }


def parse_formats(text: str) -> list[str]:
    chosen = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise UserError(
            f"--format 只能是 html、xlsx、pdf 的组合，如 html,xlsx,pdf（收到“{text}”）",
            f"--format takes html, xlsx and pdf, comma-separated (got '{text}')",
        )
    return [f for f in FORMATS if f in chosen]


def _content(kind: str, ws: Workspace, year: int) -> Content:
    if kind == "aid":
        from zjk_charity.reports.aid_report import aid_content

        return aid_content(ws, year)
    from zjk_charity.reports.wishes_report import wishes_content

    return wishes_content(ws, year)


def _manifest(
    content: Content, folder: Path, files: list[str], signer: Signer | None, now: datetime
) -> bytes:
    document = {
        "kind": content.kind,
        "title": content.title,
        "campaign": content.figures.get("campaign"),
        "year": content.year,
        "software": {"name": "zjk-charity", "version": __version__},
        "parameters": content.parameters,
        "runs": content.runs,
        "inputs": content.inputs,
        "files": [{"name": name, "sha256": file_sha256(folder / name)} for name in files],
        "figures": content.figures,
        "signer": (
            {"name": signer.name, "role": signer.role, "fingerprint": signer.fingerprint}
            if signer
            else None
        ),
        "signed_at": now.isoformat(timespec="seconds") if signer else None,
    }
    return (
        json.dumps(document, ensure_ascii=False, indent=2, default=_json_default) + "\n"
    ).encode()


def _json_default(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


def _page_context(
    ws: Workspace, content: Content, signer: Signer | None, now: datetime
) -> dict[str, Any]:
    return {
        **content.context,
        "title": content.title,
        "f": content.figures,
        "signers": ws.settings.signers,
        "report_date": chinese_date(now),
        "generated_at": now.isoformat(timespec="seconds"),
        "fingerprint": signer.fingerprint if signer else "",
        "version": __version__,
    }


def _destination(base: Path, kind: str, year: int, stamp: str | None) -> Path:
    name = f"report-{kind}-{year}" + (f"-{stamp}" if stamp else "")
    folder = base / name
    if folder.exists():
        raise UserError(
            f"{folder} 已存在；签过名的报告不会被覆盖，请换一个 --out 位置",
            f"{folder} exists; a report is never overwritten, choose another --out",
        )
    return folder


def _build_one(
    ws: Workspace,
    content: Content,
    folder: Path,
    formats: Sequence[str],
    key: Ed25519PrivateKey | None,
    signer: Signer | None,
    run: ReportRun,
    now: datetime,
) -> Written:
    folder.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        context = _page_context(ws, content, signer, now)
        files: list[str] = []
        if "html" in formats:
            html = render_html(ws.root, content.template, context)
            (temp / "report.html").write_text(html, encoding="utf-8")
            files.append("report.html")
        if "xlsx" in formats:
            content.write_xlsx(temp / "report.xlsx")
            files.append("report.xlsx")
        if "pdf" in formats:
            _write_pdf(ws, content, context, temp / "report.pdf", files, run)
        manifest = _manifest(content, temp, files, signer, now)
        (temp / MANIFEST).write_bytes(manifest)
        if key is not None:
            (temp / SIGNATURE).write_bytes(sign(key, manifest))
        os.chmod(temp, 0o755)
        os.rename(temp, folder)
    finally:
        if temp.exists():
            shutil.rmtree(temp)
    listed = [*files, MANIFEST, *([SIGNATURE] if key is not None else [])]
    return Written(content.kind, folder, listed, content.figures)


def _write_pdf(
    ws: Workspace,
    content: Content,
    context: dict[str, Any],
    target: Path,
    files: list[str],
    run: ReportRun,
) -> None:
    """The PDF beside the HTML, or a warning saying what to install and naming the formats
    written anyway; when the PDF was the only format asked for, :class:`PdfUnavailable`
    (a UserError: exit 2, no folder left behind). A character no font has is named in a
    warning."""
    try:
        rendered = write_pdf(ws.root, content.pdf_template, context, target, ws.settings.pdf_font)
    except PdfUnavailable as exc:
        if not files:  # --format pdf alone: a signed folder holding no report is refused
            raise
        shown = "、".join(name.removeprefix("report.").upper() for name in files)
        run.warnings_zh.append(f"{exc.zh}；{shown} 已照常生成")
        run.warnings_en.append(f"{exc.en}; {shown.replace('、', ' and ')} written")
        return
    files.append(target.name)
    if rendered.missing:
        chars = sorted(rendered.missing)
        zh = "、".join(f"“{c}”（{codepoint(c)}）" for c in chars)
        en = ", ".join(f"{c} ({codepoint(c)})" for c in chars)
        font = rendered.fonts[0].family
        run.warnings_zh.append(
            f"{content.title} PDF：字体 {font} 没有 {zh}，PDF 中印为 {PLACEHOLDER}；"
            "请在 zjk-charity.toml 中用 pdf_font 指定含这些字的字体"
        )
        run.warnings_en.append(
            f"{content.title} PDF: the font {font} lacks {en}, printed as {PLACEHOLDER}; "
            "name a font that has them as pdf_font in zjk-charity.toml"
        )


def campaign_report(
    ws: Workspace,
    kinds: Sequence[str],
    year: int,
    formats: Sequence[str],
    out: Path | None = None,
    sign_it: bool = True,
    passphrase: str | None = None,
    on_wait: Callable[[float], None] | None = None,
    clock: Clock = system_clock,
) -> ReportRun:
    """Build the reports of ``kinds`` for ``year``; every check runs before anything is written.
    ``on_wait`` is the ledger's waiting callback (``Ledger``) for the run record; ``clock``
    the time the reports are made and signed at (and their run recorded)."""
    key, signer = load_signer(ws.keys_dir, passphrase) if sign_it else (None, None)
    contents = [_content(kind, ws, year) for kind in kinds]
    now = clock().astimezone()
    stamp = None if out else now.strftime("%Y%m%d-%H%M%S")
    base = out or ws.out_dir
    folders = [_destination(base, c.kind, year, stamp) for c in contents]
    result = ReportRun(signer=signer)
    for content, folder in zip(contents, folders, strict=True):
        result.reports.append(_build_one(ws, content, folder, formats, key, signer, result, now))
    _record(ws.ledger(on_wait, clock), result, year, list(kinds), list(formats))
    return result


def _record(
    ledger: Ledger, result: ReportRun, year: int, kinds: list[str], formats: list[str]
) -> None:
    """One run record per report command, listing the folders it wrote."""
    arguments = {"year": year, "kinds": kinds, "formats": formats}
    with ledger.run("report campaign", arguments) as run:
        run.result = {
            "reports": [
                {"kind": r.kind, "dir": str(r.folder), "files": r.files} for r in result.reports
            ],
            "fingerprint": result.signer.fingerprint if result.signer else None,
        }
