"""The 补充公示's PDF (`aid notice --supplement`): beside each county's workbook, the same
notice (title, period, contacts, the de-identified table), A4 with page numbers and the
header on every page; without a Chinese font the workbook alone and a warning."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from backends import ledger_rows
from test_notice import _entry
from test_reports import needs_pdf
from test_withdraw import YEAR, Listed, by_id, cli, fresh_listed, make_listed
from zjk_charity.aid.allocation import load_allocation
from zjk_charity.aid.changes import withdraw
from zjk_charity.aid.notice import Notice, notice_pages
from zjk_charity.aid.notice_book import write_county_notice_files
from zjk_charity.ids import mask_id, mask_name

PERIOD = "公示期：2025年11月3日至2025年11月11日（7个工作日）"
PHONE = "0313-8000000"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Listed:
    return make_listed(tmp_path_factory.mktemp("listed"))


@pytest.fixture
def listed(request: pytest.FixtureRequest, tmp_path: Path) -> Listed:
    """Two backfills waiting to be posted: 张北县's and 康保县's first on the waitlist."""
    fresh = fresh_listed(request, tmp_path)
    (fresh.ws / "zjk-charity.toml").write_text(
        f'[aid]\nnotice_phone = "{PHONE}"\nnotice_contact = "张家口市福彩中心"\n', encoding="utf-8"
    )
    withdraw(fresh.ledger, YEAR, fresh.funded[0], "去世")  # 张北县 → its rank 5
    withdraw(fresh.ledger, YEAR, fresh.funded[4], "放弃")  # 康保县 → its rank 9
    return fresh


def pdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(path).pages]


def supplement(listed: Listed, out: Path, *args: str) -> str:
    result = cli(
        listed.ws, "aid", "notice", "--supplement", "--notice-from", "2025-11-03",
        "--out", str(out), *args,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return str(result.output)


def no_chinese_font(monkeypatch: pytest.MonkeyPatch, empty: Path) -> None:
    """The engine sees only its built-in Latin fonts, as on a machine without a CJK font."""
    from zjk_charity.pdf import fonts

    real = fonts.system_book
    monkeypatch.setattr(fonts, "system_book", lambda folders=None: real([empty]))


@needs_pdf
def test_each_countys_supplement_has_its_pdf_with_the_same_notice(
    listed: Listed, tmp_path: Path
) -> None:
    out = tmp_path / "公示"
    printed = supplement(listed, out)
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "补充公示-2025-康保县.pdf",
        "补充公示-2025-康保县.xlsx",
        "补充公示-2025-张北县.pdf",
        "补充公示-2025-张北县.xlsx",
    ]
    assert str(out / "补充公示-2025-张北县.pdf") in printed
    came = by_id(load_allocation(listed.ledger, YEAR), listed.waiting[0])
    (page,) = pdf_pages(out / "补充公示-2025-张北县.pdf")
    flat = page.replace(" ", "")
    for line in (
        "2025年福彩暖冬资助对象补充公示名单",
        "张北县：递补资助对象1人，资助金额1,000.00元",
        PERIOD,
        f"监督电话：{PHONE}",
        "张家口市福彩中心",
        "序号",
        "身份证号",
        mask_name(came.name),
        mask_id(came.id_number or ""),
        "第1页，共1页",
    ):
        assert line.replace(" ", "") in flat, line
    assert came.name not in page and listed.waiting[0] not in page
    assert listed.waiting[1] not in page  # still waiting: not on any notice
    # The workbook says the same (the PDF is not a different notice).
    rows = [
        str(v)
        for r in openpyxl.load_workbook(out / "补充公示-2025-张北县.xlsx").active.iter_rows(  # type: ignore[union-attr]
            values_only=True
        )
        for v in r
        if v is not None
    ]
    assert PERIOD in rows and mask_name(came.name) in rows and mask_id(came.id_number or "") in rows


@needs_pdf
def test_json_names_each_countys_pdf(listed: Listed, tmp_path: Path) -> None:
    doc = json.loads(supplement(listed, tmp_path, "--json"))
    assert [(c["county"], Path(c["file"]).name, Path(c["pdf"]).name) for c in doc["counties"]] == [
        ("张北县", "补充公示-2025-张北县.xlsx", "补充公示-2025-张北县.pdf"),
        ("康保县", "补充公示-2025-康保县.xlsx", "补充公示-2025-康保县.pdf"),
    ]


@needs_pdf
def test_a_long_supplement_repeats_its_header_and_numbers_its_pages(tmp_path: Path) -> None:
    adults = [
        _entry(n, "张北县", name=f"赵{chr(0x4E00 + n)}{chr(0x4E50 + n)}") for n in range(1, 61)
    ]
    child = _entry(61, "张北县", born="20150601", name="钱小童")
    pages = notice_pages([*adults, child], date(2025, 10, 1))
    written = write_county_notice_files(
        pages, Notice(date(2025, 11, 3), 7), tmp_path, YEAR, supplement=True, round=2
    )
    (files,) = written.files
    assert files.xlsx.name == "补充公示-2025-第2批-张北县.xlsx" and written.warnings == []
    assert files.pdf == tmp_path / "补充公示-2025-第2批-张北县.pdf"
    text = pdf_pages(files.pdf)
    assert len(text) >= 2
    for n, page in enumerate(text, start=1):
        assert "补充公示名单（第2批）" in page and "身份证号" in page and "资助金额" in page
        assert f"第 {n} 页，共 {len(text)} 页" in page
    whole = "".join(text)
    assert "张北县：递补资助对象 61 人，资助金额 61,000.00 元" in whole
    assert "其中未满 18 周岁的受助人 1 名" in whole and "钱" not in whole  # counted, not listed
    for e in adults:
        assert mask_name(e.name) in whole and (e.id_number or "") not in whole


def test_without_a_chinese_font_the_workbook_is_posted_and_the_warning_says_what_to_install(
    listed: Listed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_chinese_font(monkeypatch, tmp_path / "no-fonts")
    out = tmp_path / "公示"
    printed = supplement(listed, out)
    assert sorted(p.name for p in out.iterdir()) == [
        "补充公示-2025-康保县.xlsx",
        "补充公示-2025-张北县.xlsx",
    ]
    flat = printed.replace("\n", "")
    assert "未找到中文字体" in flat and "fonts-noto-cjk" in flat and "pdf_font" in flat
    assert "补充公示-2025-张北县.xlsx" in flat and "已照常生成" in flat
    assert flat.count("未找到中文字体") == 1  # one warning for all the counties' files
    # Posted all the same: the next run has nobody new.
    again = cli(listed.ws, "aid", "notice", "--supplement", "--out", str(tmp_path / "b"))
    assert "没有需要补充公示的递补人员" in again.output


def test_the_warning_in_english(
    listed: Listed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_chinese_font(monkeypatch, tmp_path / "no-fonts")
    printed = supplement(listed, tmp_path, "--lang", "en").replace("\n", "")
    assert "no Chinese font" in printed and "written" in printed and "未找到" not in printed
    doc = json.loads(
        cli(listed.ws, "aid", "notice", "--supplement", "--out", str(tmp_path), "--json").stdout
    )
    assert doc["people"] == 0  # already posted by the run above


@needs_pdf
def test_a_pdf_that_cannot_be_made_leaves_no_file_and_nobody_posted(
    listed: Listed, tmp_path: Path
) -> None:
    """The workspace's own copy of the template is broken: the command fails, neither the
    workbooks nor any PDF appear, and the ledger is as it was."""
    (listed.ws / "templates").mkdir()
    (listed.ws / "templates" / "aid-list.typ").write_text("#let x = (\n", encoding="utf-8")
    before = ledger_rows(listed.ws)
    out = tmp_path / "公示"
    result = cli(listed.ws, "aid", "notice", "--supplement", "--out", str(out))
    assert result.exit_code == 2, result.output
    assert "aid-list.typ" in result.output
    assert not out.exists() or list(out.iterdir()) == []
    assert ledger_rows(listed.ws) == before
