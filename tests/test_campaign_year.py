"""The campaign year is never a silent guess (issue 15).

The rule (campaign_year.py): more than half of the dated rows outside the campaign year
is a warning naming both years; the library hands it to a callback before it writes
anything; the CLI prints it on stderr. ``init --year`` writes ``campaign_year``.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import connect_ledger, good_row, ledger_at, ledger_exists, make_id, write_workbook
from test_wishes_support import STANDARD, donation_row, donations_book, wish_row, wishes_book
from zjk_charity.aid.allocation import AllocationRequest, run_allocation
from zjk_charity.aid.validation import ValidationResult, validate
from zjk_charity.campaign_year import (
    YearMismatch,
    YearSource,
    column_years,
    mismatch_in_counts,
    year_mismatch,
)
from zjk_charity.cli import aid as aid_cli
from zjk_charity.cli.main import app
from zjk_charity.config import PriorityClass, Workspace, load_settings
from zjk_charity.dates import parse_date
from zjk_charity.errors import UserError
from zjk_charity.wishes.importing import import_donations, import_wishes
from zjk_charity.workbook.reader import Row, Sheet

runner = CliRunner()
ALLOCATE = ["aid", "allocate", "--year", "2025", "--budget", "2000"]
THIS_YEAR = date.today().year

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
years = st.integers(min_value=2000, max_value=2100)


# ---- the rule ----------------------------------------------------------------------------
@given(years, st.lists(st.one_of(st.none(), st.integers(0, 364)), max_size=60))
def test_no_warning_when_every_date_is_in_the_campaign_year(
    year: int, offsets: list[int | None]
) -> None:
    first = date(year, 1, 1).toordinal()
    dates = [None if o is None else date.fromordinal(first + o) for o in offsets]
    assert year_mismatch(dates, year, "申请日期") is None


@given(years, days, st.integers(1, 50), st.integers(0, 10))
def test_warning_when_all_dates_are_in_another_year(
    year: int, day: date, count: int, blanks: int
) -> None:
    if day.year == year:
        day = day.replace(year=year + 1 if year < 2100 else year - 1, day=min(day.day, 28))
    found = year_mismatch([day] * count + [None] * blanks, year, "登记日期")
    assert found == YearMismatch(year, day.year, "登记日期", count, count, 0)


@given(years, st.lists(st.one_of(st.none(), days), max_size=80))
def test_warning_exactly_when_more_than_half_of_the_dated_rows_are_elsewhere(
    year: int, dates: list[date | None]
) -> None:
    dated = [d for d in dates if d is not None]
    outside = [d for d in dated if d.year != year]
    found = year_mismatch(dates, year, "到账日期")
    assert (found is not None) == (2 * len(outside) > len(dated))
    if found is not None:
        counts = Counter(d.year for d in outside)
        assert found.data_year != year
        assert found.in_data_year == counts[found.data_year] == max(counts.values())
        assert found.dated == len(dated)
        assert found.in_campaign_year == len(dated) - len(outside)
        # the message names both years, whatever the source and the language
        for source in YearSource:
            for lang in ("zh", "en"):
                text = found.message(lang, source)
                assert str(year) in text and str(found.data_year) in text


def test_exactly_half_is_no_warning_and_a_tie_names_the_later_year() -> None:
    assert mismatch_in_counts({2025: 5, 2024: 5}, 2025, "申请日期") is None
    tie = mismatch_in_counts({2025: 1, 2023: 4, 2024: 4}, 2025, "申请日期")
    assert tie == YearMismatch(2025, 2024, "申请日期", 9, 4, 1)
    assert mismatch_in_counts({}, 2025, "申请日期") is None


def test_the_message_says_where_the_year_came_from_and_how_to_set_it() -> None:
    found = YearMismatch(2026, 2025, "申请日期", 906, 906, 0)
    clock = found.message("zh", YearSource.CLOCK)
    assert clock.startswith("注意：活动年度未设置，按当前年份 2026 处理")
    assert "有日期的 906 行全部在 2025 年" in clock
    assert "--year 2025" in clock and "zjk-charity init --year 2025" in clock
    settings = found.message("zh", YearSource.SETTINGS)
    assert "zjk-charity.toml 中的 campaign_year" in settings and "改为 2025" in settings
    assert "请确认 --year" in found.message("zh", YearSource.OPTION)
    # a command without --year offers only the settings
    assert "加 --year" not in found.message("zh", YearSource.CLOCK, has_option=False)
    assert "--year 2025" not in found.message("zh", YearSource.SETTINGS, has_option=False)
    english = found.message("en", YearSource.CLOCK)
    assert english.startswith("warning: no campaign year is set, so this year, 2026, is used")
    assert "add --year 2025" in english and "zjk-charity init --year 2025" in english


def test_the_workspace_says_where_the_year_comes_from(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path)
    assert (ws.year(), ws.year_source()) == (THIS_YEAR, YearSource.CLOCK)
    assert (ws.year(2024), ws.year_source(2024)) == (2024, YearSource.OPTION)
    (tmp_path / "zjk-charity.toml").write_text("campaign_year = 2025\n", encoding="utf-8")
    ws = Workspace.open(tmp_path)
    assert (ws.year(), ws.year_source()) == (2025, YearSource.SETTINGS)


# ---- the library warns before it writes -------------------------------------------------
def _applications(path: Path, year: int, rows: int = 3) -> Path:
    return write_workbook(
        path,
        [
            good_row(
                序号=n,
                身份证号=make_id(seq=f"{n:03d}"),
                户号=f"H{n}",
                申请日期=f"{year}-10-0{n}",
            )
            for n in range(1, rows + 1)
        ],
    )


def _applicants(ws: Path) -> int:
    if not ledger_exists(ws):
        return 0
    conn = connect_ledger(ws)
    try:
        return int(conn.execute("SELECT count(*) FROM applicants").fetchone()[0])
    finally:
        conn.close()


def test_validate_warns_before_the_ledger_and_the_workbook_are_written(tmp_path: Path) -> None:
    path = _applications(tmp_path / "apps.xlsx", 2024)
    ledger = ledger_at(tmp_path / "ws")
    events: list[Any] = []

    def warn(found: YearMismatch) -> None:
        events.append((found.campaign_year, found.data_year, ledger.exists))

    def write(result: ValidationResult) -> None:
        events.append("write")

    validate(
        ledger,
        [path],
        year=2025,
        as_of=date(2025, 10, 20),
        write=write,
        warn_year=warn,
    )
    assert events == [(2025, 2024, False), "write"]
    assert _applicants(tmp_path / "ws") == 3  # a warning, not a refusal


def test_validate_of_the_campaign_years_data_does_not_warn(tmp_path: Path) -> None:
    path = _applications(tmp_path / "apps.xlsx", 2025)
    warnings: list[YearMismatch] = []
    ledger = ledger_at(tmp_path / "ws")
    validate(ledger, [path], year=2025, as_of=date(2025, 10, 20), warn_year=warnings.append)
    assert warnings == []


def test_allocate_warns_from_the_stored_applicants_before_it_allocates(tmp_path: Path) -> None:
    ledger = ledger_at(tmp_path / "ws")
    validate(
        ledger, [_applications(tmp_path / "a.xlsx", 2024)], year=2025, as_of=date(2025, 10, 20)
    )
    seen: list[tuple[int, int]] = []

    def warn(found: YearMismatch) -> None:
        conn = connect_ledger(tmp_path / "ws")
        try:
            allocations = int(conn.execute("SELECT count(*) FROM allocations").fetchone()[0])
        finally:
            conn.close()
        seen.append((found.data_year, allocations))

    request = AllocationRequest(
        year=2025,
        as_of=date(2025, 10, 20),
        budget=Decimal(2000),
        per_person=Decimal(1000),
        classes=[PriorityClass(name="失能", care_levels=["失能"], min_age=60)],
    )
    run_allocation(ledger, request, warn_year=warn)
    assert seen == [(2024, 0)]


def test_allocate_for_a_year_without_applicants_names_the_years_that_have_some(
    tmp_path: Path,
) -> None:
    ledger = ledger_at(tmp_path / "ws")
    validate(
        ledger, [_applications(tmp_path / "a.xlsx", 2025)], year=2025, as_of=date(2025, 10, 20)
    )
    request = AllocationRequest(
        year=2026,
        as_of=date(2026, 10, 20),
        budget=Decimal(2000),
        per_person=Decimal(1000),
        classes=[],
    )
    with pytest.raises(UserError) as caught:
        run_allocation(ledger, request)
    assert "台账中有 2025 年的申请人" in caught.value.zh and "--year 2025" in caught.value.zh


def test_imports_warn_before_the_ledger_is_created(tmp_path: Path) -> None:
    ledger = ledger_at(tmp_path / "ws")
    wishes = wishes_book(tmp_path / "心愿.xlsx", [wish_row(1, 登记日期="2024-03-21")])
    gifts = donations_book(tmp_path / "捐赠.xlsx", [donation_row(1, 到账日期="2024-04-01")])
    seen: list[tuple[str, int, bool]] = []

    def warn(found: YearMismatch) -> None:
        seen.append((found.column, found.data_year, ledger.exists))

    import_wishes(ledger, [wishes], STANDARD, year=(2025, warn))
    assert seen == [("登记日期", 2024, False)]
    import_donations(ledger, [gifts], year=(2024, warn))  # the donations' own year: quiet
    import_donations(ledger, [gifts], year=(2025, warn))
    assert seen[1:] == [("到账日期", 2024, True)]


# ---- the CLI prints it on stderr --------------------------------------------------------
def test_validate_json_keeps_stdout_one_document_and_warns_on_stderr_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = tmp_path / "ws"
    path = _applications(tmp_path / "apps.xlsx", THIS_YEAR - 1)
    called: list[bool] = []
    original = aid_cli.year_warning

    def watched(*args: Any, **kwargs: Any) -> Any:
        printing = original(*args, **kwargs)

        def warn(found: YearMismatch) -> None:
            # nothing is written yet: no ledger rows, no marked-up workbook
            assert _applicants(ws) == 0
            assert not list(ws.glob("out/*.xlsx"))
            called.append(True)
            printing(found)

        return warn

    monkeypatch.setattr(aid_cli, "year_warning", watched)
    result = runner.invoke(app, ["aid", "validate", str(path), "--json", "-w", str(ws)])
    assert result.exit_code == 0, result.output
    assert called == [True]
    assert json.loads(result.stdout)["year"] == THIS_YEAR
    assert f"活动年度未设置，按当前年份 {THIS_YEAR} 处理" in result.stderr
    assert f"申请日期大多在 {THIS_YEAR - 1} 年" in result.stderr
    assert f"zjk-charity init --year {THIS_YEAR - 1}" in result.stderr
    assert list(ws.glob("out/*.xlsx"))  # then the workbook is written as usual


def test_validate_with_the_years_data_prints_no_warning(tmp_path: Path) -> None:
    path = _applications(tmp_path / "apps.xlsx", 2025)
    args = ["aid", "validate", str(path), "--year", "2025", "--no-workbook"]
    result = runner.invoke(app, [*args, "-w", str(tmp_path / "ws")])
    assert result.exit_code == 0 and "注意" not in result.stderr


def test_allocate_warns_on_stderr_in_english_too(tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    path = _applications(tmp_path / "apps.xlsx", 2024)
    runner.invoke(app, ["aid", "validate", str(path), "--year", "2025", "--no-workbook", "-w", ws])
    result = runner.invoke(
        app,
        [*ALLOCATE, "--no-workbook", "--json", "--lang", "en", "-w", ws],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["campaign"] == "nuandong-2025"
    assert "warning: the campaign year is 2025 (--year 2025)" in result.stderr
    assert "most 申请日期 dates are in 2024" in result.stderr


def test_wishes_import_offers_the_settings_it_has_no_year_option(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert runner.invoke(app, ["init", str(ws), "--year", "2026"]).exit_code == 0
    wishes = wishes_book(tmp_path / "心愿.xlsx", [wish_row(1), wish_row(2)])
    result = runner.invoke(app, ["wishes", "import", str(wishes), "-w", str(ws)])
    assert result.exit_code == 0, result.output
    assert "活动年度为 2026（zjk-charity.toml 中的 campaign_year）" in result.stderr
    assert "登记日期大多在 2025 年" in result.stderr and "campaign_year 改为 2025" in result.stderr
    assert "--year 2025" not in result.stderr


def test_init_year_sets_campaign_year_and_without_it_leaves_it_commented(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "a"), "--year", "2025"])
    assert result.exit_code == 0 and "活动年度 2025" in result.stdout
    text = (tmp_path / "a" / "zjk-charity.toml").read_text(encoding="utf-8")
    assert "\ncampaign_year = 2025\n" in text
    assert load_settings(tmp_path / "a").campaign_year == 2025
    result = runner.invoke(app, ["init", str(tmp_path / "b")])
    assert result.exit_code == 0 and "未设置活动年度" in result.stdout
    assert "# campaign_year = 2025" in (tmp_path / "b" / "zjk-charity.toml").read_text("utf-8")
    assert load_settings(tmp_path / "b").campaign_year is None
    refused = runner.invoke(app, ["init", str(tmp_path / "c"), "--year", "1999"])
    assert refused.exit_code == 2 and not (tmp_path / "c" / "zjk-charity.toml").exists()


cells = st.one_of(
    st.none(),
    days,
    days.map(lambda d: d.isoformat()),
    days.map(lambda d: f"{d.year}年{d.month}月{d.day}日"),
    st.sampled_from(["国庆节后", "", "2025-13-45", 1.0, 1, True]),
)


@given(st.lists(st.lists(cells, min_size=1, max_size=3), max_size=40))
def test_column_years_counts_what_parse_date_reads_row_by_row(table: list[list[Any]]) -> None:
    rows = [Row(n, values) for n, values in enumerate(table, start=2)]
    # the date in the second column; a row of one cell (built by hand) has none
    sheet = Sheet("表", 0, 1, ["x", "申请日期", "y"], {"申请日期": 1}, [], rows)
    missing = Sheet("缺列", 1, 1, ["申请日期"], {"申请日期": 0}, ["姓名"], rows)
    read = [parse_date(values[1]) if len(values) > 1 else None for values in table]
    assert column_years([sheet, missing], "申请日期") == Counter(d.year for d in read if d)
