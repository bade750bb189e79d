"""The 公示: its settings (phone and contact, city-wide and per county), the pages per
county (minors counted, not listed), and the printed sheet: each county from a new page
with its own total, period and contact, title and header repeated, page numbers."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import make_id
from zjk_charity.aid.allocation import Entry
from zjk_charity.aid.notice import (
    Notice,
    NoticeContact,
    choose_pages,
    notice_from_settings,
    notice_pages,
)
from zjk_charity.aid.notice_book import (
    NOTICE_COLUMNS,
    notice_title,
    write_county_notice,
    write_county_notices,
)
from zjk_charity.config import DEFAULT_TOML, AidSettings, load_settings
from zjk_charity.errors import UserError
from zjk_charity.workbook.writer import new_book

AS_OF = date(2025, 10, 20)
COUNTY_CODES = {"张北县": "130722", "康保县": "130723", "蔚县": "130726"}


def _entry(n: int, county: str, born: str = "19400101", name: str = "测试人") -> Entry:
    code = COUNTY_CODES[county]
    return Entry(
        seq=n,
        file="a.xlsx",
        sheet="s",
        row=n + 3,
        county_code=code,
        county=county,
        township="某镇",
        village="某村",
        name=name,
        id_number=make_id(born, code, f"{n % 1000:03d}"),
        birth_date=date(int(born[:4]), int(born[4:6]), int(born[6:])),
        sex="男",
        household=f"H{n}",
        care_level="失能",
        bank="农村信用社",
        account="6222021234567890123",
        apply_date=None,
        exception_note="",
        errors="",
        status="funded",
        rank=n,
        amount=Decimal("1000"),
    )


# ---------------------------------------------------------------------------- settings


def _settings(tmp_path: Path, text: str) -> AidSettings:
    (tmp_path / "zjk-charity.toml").write_text(text, encoding="utf-8")
    return load_settings(tmp_path).aid


def test_contacts_city_wide_and_per_county(tmp_path: Path) -> None:
    aid = _settings(
        tmp_path,
        """
[aid]
notice_phone = " 0313-8000000 "
notice_contact = "张家口市福彩中心"
[aid.notice_by_county."张北"]
notice_phone = "0313-5222222"
[aid.notice_by_county."康保县"]
notice_contact = "康保县民政局（康保镇某路 1 号）"
""",
    )
    assert sorted(aid.notice_by_county) == ["康保县", "张北县"]  # 张北 = 张北县
    notice = notice_from_settings(aid, date(2025, 10, 27))
    assert notice.contact_for("张北县") == NoticeContact("0313-5222222", "张家口市福彩中心")
    assert notice.contact_for("康保县") == NoticeContact(
        "0313-8000000", "康保县民政局（康保镇某路 1 号）"
    )
    assert notice.contact_for("蔚县") == NoticeContact("0313-8000000", "张家口市福彩中心")


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[aid.notice_by_county."张家县"]\nnotice_phone = "1"', "张家县"),
        ('[aid.notice_by_county."张北"]\n[aid.notice_by_county."张北县"]', "张北县"),
        ('[aid.notice_by_county."蔚县"]\nphone = "1"', "phone"),
        ('[aid]\nnotice_phone = "0313\\n12345"', "notice_phone"),
        ('[aid]\nnotice_contact = "' + "长" * 201 + '"', "notice_contact"),
    ],
)
def test_bad_notice_settings_are_refused_by_name(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(UserError) as caught:
        _settings(tmp_path, text)
    assert named in caught.value.message("zh")


def test_the_commented_defaults_document_the_notice_settings(tmp_path: Path) -> None:
    # init's file, with the notice lines switched on, is valid and means what it says.
    text = DEFAULT_TOML
    for line in (
        "# notice_phone = ",
        "# notice_contact = ",
        '# [aid.notice_by_county."张北县"]',
    ):
        assert line in text
        text = text.replace(line, line[2:])
    aid = _settings(tmp_path, text)
    assert aid.notice_phone == aid.notice_contact == ""
    assert aid.notice_by_county["张北县"].notice_contact == "张北县民政局"


def test_objection_line_without_settings_names_no_phone() -> None:
    assert NoticeContact().objection_line() == "如有异议，请在公示期内向所在县（区）民政局反映。"
    assert NoticeContact("0313-5222222", "张北县民政局").objection_line() == (
        "如有异议，请在公示期内向张北县民政局反映，监督电话：0313-5222222。"
    )


def test_period_line_counts_working_days() -> None:
    notice = Notice(date(2025, 10, 25), 7)  # a Saturday
    assert notice.period_line() == "公示期：2025年10月27日至2025年11月4日（7个工作日）"
    assert notice.warnings() == []
    later = Notice(date(2027, 3, 1), 5)
    assert later.period_line() == "公示期：2027年3月1日至2027年3月5日（5个工作日）"
    [(zh, en)] = later.warnings()
    assert "2027" in zh and "只按周末" in zh and "weekends" in en


# ------------------------------------------------------------------------------- pages


def test_pages_group_by_county_in_rank_order_and_count_minors() -> None:
    entries = [
        _entry(5, "康保县"),
        _entry(2, "张北县"),
        _entry(9, "张北县", born="20100315", name="测小童"),  # 15 on the reference date
        _entry(1, "张北县"),
        _entry(7, "张北县", born="20071021"),  # 17: turns 18 the day after
        _entry(8, "张北县", born="20071020"),  # 18 that very day: listed
    ]
    pages = notice_pages(entries, AS_OF)
    assert [(p.county, [e.rank for e in p.listed], p.minors) for p in pages] == [
        ("张北县", [1, 2, 8], 2),
        ("康保县", [5], 0),
    ]
    assert [(p.people, p.amount) for p in pages] == [(5, Decimal(5000)), (1, Decimal(1000))]


def test_choosing_counties() -> None:
    pages = notice_pages([_entry(1, "张北县"), _entry(2, "康保县")], AS_OF)
    assert [p.county for p in choose_pages(pages, ["康保", "张北县", "康保县"], 2025)] == [
        "康保县",
        "张北县",
    ]
    assert choose_pages(pages, [], 2025) == pages
    with pytest.raises(UserError, match="北京"):
        choose_pages(pages, ["北京"], 2025)
    with pytest.raises(UserError, match="蔚县在 2025 年的分配中没有资助对象"):
        choose_pages(pages, ["蔚县"], 2025)


# ------------------------------------------------------------------------ the printout


def _rows(path: Path, sheet: str = "公示名单") -> list[tuple[Any, ...]]:
    return list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))


def _three_counties(tmp_path: Path) -> tuple[Path, list[Entry]]:
    entries = [_entry(i, "张北县", name=f"张{chr(0x4E00 + i)}三") for i in range(1, 41)]
    entries.append(_entry(41, "张北县", born="20100315", name="测小童"))
    entries += [_entry(i, "康保县", name=f"康{chr(0x4E00 + i)}") for i in range(50, 53)]
    entries += [_entry(60, "蔚县", name="欧阳小明")]
    notice = Notice(
        date(2025, 10, 27),
        7,
        NoticeContact("0313-8000000", "张家口市福彩中心"),
        {"康保县": NoticeContact("0313-5555555", "")},
    )
    path = tmp_path / "notice.xlsx"
    from zjk_charity.aid.notice_book import write_notice_sheet

    with new_book(path, streaming=True, fast_rows=True) as book:
        write_notice_sheet(book, notice_pages(entries, AS_OF), notice, notice_title(2025))
    return path, entries


def test_each_county_starts_a_new_page_with_its_own_lines(tmp_path: Path) -> None:
    path, entries = _three_counties(tmp_path)
    rows = _rows(path)
    assert rows[0][0] == "2025年福彩暖冬资助对象公示名单"
    assert list(rows[1]) == [header for header, _ in NOTICE_COLUMNS]
    starts = [i for i, r in enumerate(rows) if isinstance(r[0], str) and "：资助对象" in r[0]]
    assert [rows[i][0] for i in starts] == [
        "张北县：资助对象 41 人，资助金额 41,000.00 元",
        "康保县：资助对象 3 人，资助金额 3,000.00 元",
        "蔚县：资助对象 1 人，资助金额 1,000.00 元",
    ]
    period = "公示期：2025年10月27日至2025年11月4日（7个工作日）"
    assert rows[starts[0] + 1 : starts[0] + 4] == [
        (period, *[None] * 6),
        ("其中未满 18 周岁的受助人 1 名，依法只计人数，不予公示。", *[None] * 6),
        ("如有异议，请在公示期内向张家口市福彩中心反映，监督电话：0313-8000000。", *[None] * 6),
    ]
    assert rows[starts[1] + 2][0] == (
        "如有异议，请在公示期内向张家口市福彩中心反映，监督电话：0313-5555555。"
    )
    # Numbered from 1 in each county; de-identified; no minor; nothing else.
    listed = [r for r in rows if isinstance(r[0], int)]
    assert [r[0] for r in listed] == [*range(1, 41), 1, 2, 3, 1]
    assert listed[0][4] == "张*三" and listed[-1][4] == "欧**明"
    assert all(re.fullmatch(r"\d{6}\*{8}[\dX]{4}", r[5]) for r in listed)
    text = repr(rows)
    assert "测小童" not in text and "测*童" not in text and "6222021234567890123" not in text
    assert not any(e.id_number in text for e in entries if e.id_number)

    sheet = openpyxl.load_workbook(path)["公示名单"]
    # A manual break before each county but the first (openpyxl: the last row above it).
    assert [b.id for b in sheet.row_breaks.brk] == [starts[1], starts[2]]
    assert sheet.print_title_rows == "$1:$2"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert (
        not sheet.sheet_properties.pageSetUpPr or not sheet.sheet_properties.pageSetUpPr.fitToPage
    )
    assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert f"A{starts[0] + 1}:G{starts[0] + 1}" in merged  # lines span the table


def test_a_long_contact_line_gets_a_row_tall_enough(tmp_path: Path) -> None:
    long = (
        "张家口市福彩中心（张家口市桥东区某某路某某号某某大厦某层某室，工作日上午八点至下午五点）"
        * 2
    )
    notice = Notice(date(2025, 10, 27), 7, NoticeContact("0313-8000000", long))
    path = write_county_notice(
        tmp_path / "n.xlsx",
        notice_pages([_entry(1, "张北县")], AS_OF)[0],
        notice,
        notice_title(2025),
    )
    sheet = openpyxl.load_workbook(path)["公示名单"]
    heights = {r: sheet.row_dimensions[r].height for r in range(3, 7)}
    assert heights[5] is not None and heights[3] is not None
    # ~230 columns of text in a 95-column table: three printed lines, not one cut line.
    assert heights[5] >= 2.5 * heights[4]


def test_one_file_per_county(tmp_path: Path) -> None:
    entries = [_entry(1, "张北县"), _entry(2, "康保县"), _entry(3, "康保县")]
    written = write_county_notices(
        notice_pages(entries, AS_OF), Notice(date(2025, 10, 27), 7), tmp_path / "公示", 2025
    )
    assert [p.name for p in written] == ["公示-2025-张北县.xlsx", "公示-2025-康保县.xlsx"]
    rows = _rows(written[1])
    assert rows[2][0] == "康保县：资助对象 2 人，资助金额 2,000.00 元"
    assert [r[1] for r in rows if isinstance(r[0], int)] == ["康保县", "康保县"]
    with zipfile.ZipFile(written[1]) as book:
        assert "rowBreaks" not in book.read("xl/worksheets/sheet1.xml").decode()
