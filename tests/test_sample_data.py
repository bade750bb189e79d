"""sample_data/ is what scripts/make_sample_data.py documents: here, its 认证截图/ folder."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from conftest import ledger_at
from zjk_charity.aid.validation import validate

SAMPLE_DATA = Path(__file__).resolve().parents[1] / "sample_data"
SCREENSHOT_CODES = ("CERTIFICATE_NOT_FOUND", "CERTIFICATE_MISSING")


def test_every_screenshot_is_there_but_the_planted_ones(tmp_path: Path) -> None:
    files = [SAMPLE_DATA / n for n in ("张北县.xlsx", "康保县.xlsx", "蔚县.csv")]
    result = validate(
        ledger_at(tmp_path),
        files,
        year=2025,
        as_of=date(2025, 10, 20),
        attachments=SAMPLE_DATA / "认证截图",
    )
    found = {
        (Path(f.file).name, f.sheet, f.row, f.params.get("reason_zh"))
        for f in result.findings
        if f.code == "CERTIFICATE_NOT_FOUND"
    }
    # the three planted in the script's docstring, one of each reason
    assert found == {
        ("张北县.xlsx", "二台镇", 57, "在附件文件夹中找不到"),
        ("康保县.xlsx", "康保县", 163, "是空文件"),
        ("蔚县.csv", "蔚县", 102, "不是 PNG、JPEG 或 PDF 文件"),
    }
    assert sum(f.code == "CERTIFICATE_MISSING" for f in result.findings) == 3  # blank cells
    # every other row names a screenshot that is there: tiny, and a real JPEG
    shots = sorted((SAMPLE_DATA / "认证截图").iterdir())
    assert len(shots) == len(result.applicants) - 3 - 1  # less the blank cells and the missing
    assert all(s.stat().st_size < 300 for s in shots)
    good = [s for s in shots if s.stat().st_size > 100]
    assert len(good) == len(shots) - 2
    assert all(
        s.read_bytes()[:3] == b"\xff\xd8\xff" and s.read_bytes()[-2:] == b"\xff\xd9" for s in good
    )
