"""Make the README's pictures of the reports: docs/report-html.png and docs/report-pdf.png.

Runs the demo in a temporary workspace, renders the signed reports, then takes a
screenshot of report.html with headless Chromium and renders the PDF's first page with
poppler's pdftoppm. Needs (Debian): chromium, poppler-utils, fonts-wqy-zenhei.

    python scripts/make_report_images.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from typer.testing import CliRunner

from zjk_charity.cli.main import app
from zjk_charity.demo import run_demo

DOCS = Path(__file__).resolve().parents[1] / "docs"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def _report(root: Path, kind: str) -> Path:
    runner = CliRunner()
    ws = root / "ws"
    run_demo(ws)
    if not (ws / "keys").exists():
        runner.invoke(app, ["keys", "init", "-w", str(ws)])
    result = runner.invoke(
        app, ["report", "campaign", kind, "--out", str(root / "r"), "-w", str(ws)]
    )
    if result.exit_code != 0:
        sys.exit(result.output)
    return root / "r" / f"report-{kind}-2025"


def main() -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None or shutil.which("pdftoppm") is None:
        sys.exit("needs chromium and pdftoppm: apt-get install chromium poppler-utils")
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        for kind in ("aid", "wishes"):
            folder = _report(root / kind, kind)
            subprocess.run(
                [
                    chromium,
                    *CHROMIUM_FLAGS,
                    f"--user-data-dir={root / kind / 'profile'}",
                    "--window-size=900,1400",
                    f"--screenshot={DOCS / f'report-{kind}-html.png'}",
                    (folder / "report.html").as_uri(),
                ],
                check=True,
                capture_output=True,
            )
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    "70",
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-singlefile",
                    str(folder / "report.pdf"),
                    str(DOCS / f"report-{kind}-pdf"),
                ],
                check=True,
            )
    print(f"written under {DOCS}")


if __name__ == "__main__":
    main()
