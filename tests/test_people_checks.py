"""The cross-person checks of integrity.md, through ``aid validate`` (and history import)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import (
    GOOD_ID,
    codes,
    connect_ledger,
    good_row,
    ledger_at,
    make_account,
    make_id,
    run_validate,
    write_workbook,
)
from zjk_charity.aid.allocation import load_campaign
from zjk_charity.aid.history import import_history
from zjk_charity.config import AidSettings
from zjk_charity.findings import Severity
from zjk_charity.ids import check_character
from zjk_charity.integrity.people import PHONE_SHARED_LIMIT, mask_phone
from zjk_charity.ledger import Ledger

ID = "身份证号"
ACCOUNT = "银行账号"
PHONE = "联系电话"
ANY: dict[str, Any] = {"年龄": "", "性别": ""}  # left blank: another person's age and sex


def _ledger(tmp_path: Path) -> Ledger:
    return ledger_at(tmp_path / "ws")


def _history(tmp_path: Path, year: int, rows: list[tuple[str, str, str]]) -> Any:
    """Import a history list of (身份证号, 姓名, 县区) for ``year``."""
    listed = tmp_path / f"h{year}.csv"
    lines = ["身份证号,姓名,县区", *(",".join(r) for r in rows)]
    listed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return import_history(_ledger(tmp_path), [listed], year)


def _flags(tmp_path: Path) -> dict[tuple[str, int], tuple[int, int]]:
    with connect_ledger(tmp_path / "ws") as conn:
        query = "SELECT f.name, a.row, a.has_error, a.has_warning FROM applicants a "
        query += "JOIN aid_files f ON f.id = a.file_id"
        return {(n, r): (e, w) for n, r, e, w in conn.execute(query)}


def _one_digit_off(number: str, at: int) -> str:
    body = number[:17]
    body = body[:at] + str((int(body[at]) + 1) % 10) + body[at + 1 :]
    return body + check_character(body)


# ---------------------------------------------------------------- POSSIBLE_REPEAT


def test_possible_repeat_against_a_mistyped_id_of_an_earlier_year(tmp_path: Path) -> None:
    earlier = _one_digit_off(GOOD_ID, 14)  # the 2023 list had a typo in the sequence
    _history(tmp_path, 2023, [(earlier, "测甲", "张北县")])
    result = run_validate(tmp_path, write_workbook(tmp_path / "a.xlsx", [good_row()]))
    assert codes(result) == [(4, ID, "POSSIBLE_REPEAT")]
    (finding,) = result.findings
    assert finding.severity is Severity.WARNING
    message = finding.message()
    assert "2023 年名单中的“测甲”" in message and "第 15 位" in message
    assert GOOD_ID not in message and earlier not in message
    assert "姓名相同" in message and "身份证号只差一位" in message
    assert "in the 2023 list" in finding.message("en")


def test_possible_repeat_names_every_year_of_the_other_id(tmp_path: Path) -> None:
    """The search stops at three history rows; the finding still names every year the
    mistyped ID was aided, with the latest year's name (found by the review)."""
    earlier = _one_digit_off(GOOD_ID, 14)
    for year in range(2018, 2025):
        _history(tmp_path, year, [(earlier, "测甲", "张北县")])
    result = run_validate(tmp_path, write_workbook(tmp_path / "a.xlsx", [good_row()]))
    (finding,) = result.findings
    assert finding.code == "POSSIBLE_REPEAT"
    assert "2018、2019、2020、2021、2022、2023、2024 年名单" in finding.message()


def test_a_history_row_without_county_meets_an_applicant_living_elsewhere(
    tmp_path: Path,
) -> None:
    """The applicant lives in 康保县 with a 张北 ID; the 2024 list has no 县(区), so its
    row knows only the ID's county: the ID's county of the applicant counts too."""
    earlier = _one_digit_off(GOOD_ID, 14)
    listed = tmp_path / "h2024.csv"
    listed.write_text(f"身份证号,姓名\n{earlier},测甲\n", encoding="utf-8")
    import_history(_ledger(tmp_path), [listed], 2024)
    row = good_row(**{"县(区)": "康保县"})
    result = run_validate(tmp_path, write_workbook(tmp_path / "a.xlsx", [row]))
    assert codes(result) == [(4, ID, "POSSIBLE_REPEAT")]


def test_the_same_id_is_a_repeat_recipient_not_a_possible_repeat(tmp_path: Path) -> None:
    _history(tmp_path, 2024, [(GOOD_ID, "测甲", "张北县")])
    result = run_validate(tmp_path, write_workbook(tmp_path / "a.xlsx", [good_row()]))
    assert codes(result) == [(4, ID, "REPEAT_RECIPIENT")]


def test_a_homophone_in_a_retired_county_code_is_found(tmp_path: Path) -> None:
    # The 2022 list names no county; its ID has 万全县's old code 130729. The applicant
    # applies in 万全区 with a new ID of the same birth date and sex, 章 for 张.
    old = make_id("19400101", "130729", "123")
    new = make_id("19400101", "130708", "455")
    _history(tmp_path, 2022, [(old, "张三", "")])
    row = good_row(姓名="章三", 身份证号=new, **{"县(区)": "万全区"})
    result = run_validate(tmp_path, write_workbook(tmp_path / "a.xlsx", [row]))
    assert codes(result) == [(4, ID, "POSSIBLE_REPEAT")]
    message = result.findings[0].message()
    assert "130729 为万全区的旧代码" in message and "姓名同音（章/张）" in message


def test_history_import_keeps_a_row_that_fails_only_its_check_character(tmp_path: Path) -> None:
    kept = GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1")
    imported = _history(tmp_path, 2024, [(kept, "测甲", "张北县")])
    assert [(f.row, f.column, f.code) for f in imported.findings] == [(2, ID, "ID_BAD_CHECKSUM")]
    (finding,) = imported.findings
    assert finding.severity is Severity.WARNING and "已保留此行" in finding.message()
    assert imported.imported == 1
    with connect_ledger(tmp_path / "ws") as conn:
        assert conn.execute("SELECT id_number, id_checked FROM history").fetchall() == [(kept, 0)]
    # It never matches exactly: no REPEAT_RECIPIENT; only the check character differs.
    result = run_validate(tmp_path, write_workbook(tmp_path / "a.xlsx", [good_row()]))
    assert codes(result) == [(4, ID, "POSSIBLE_REPEAT")]
    assert "仅校验位不同" in result.findings[0].message()


def test_allocation_does_not_treat_a_kept_bad_check_row_as_a_repeat(tmp_path: Path) -> None:
    kept = GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1")
    _history(tmp_path, 2024, [(kept, "测甲", "张北县"), (make_id(seq="999"), "测乙", "张北县")])
    # Row 5 is exactly a 2024 recipient; allocation must see only that one as a repeat.
    rows = [good_row(), good_row(序号=2, 姓名="测乙", 身份证号=make_id(seq="999"))]
    run_validate(tmp_path, write_workbook(tmp_path / "a.xlsx", rows))
    with _ledger(tmp_path).read() as conn:
        assert conn is not None
        campaign = load_campaign(conn, 2025)
    repeats = {p.id_number: p.repeat for p in campaign.people}
    assert repeats == {GOOD_ID: False, make_id(seq="999"): True}


def test_history_import_still_drops_an_id_with_another_problem(tmp_path: Path) -> None:
    body = "13072219401301123"  # month 13, and a wrong check character
    wrong = "0" if check_character(body) != "0" else "1"
    imported = _history(tmp_path, 2024, [(body + wrong, "测甲", "张北县")])
    assert imported.imported == 0
    assert {f.code for f in imported.findings} == {"ID_BAD_BIRTHDATE", "ID_BAD_CHECKSUM"}
    assert all(f.severity is Severity.ERROR for f in imported.findings)


# ---------------------------------------------------------------- POSSIBLE_DUPLICATE


def test_possible_duplicate_across_files_flags_both_rows(tmp_path: Path) -> None:
    a = write_workbook(tmp_path / "张北县.xlsx", [good_row(姓名="張建國")])
    run_validate(tmp_path, a)
    swapped = make_id("19400110", "130722", "123")  # 0101 → 0110: digits 13, 14 swapped
    b = write_workbook(tmp_path / "b.xlsx", [good_row(姓名="张建国", 身份证号=swapped)])
    result = run_validate(tmp_path, b)
    assert codes(result) == [(4, ID, "POSSIBLE_DUPLICATE")]
    message = result.findings[0].message()
    assert "张北县.xlsx「张北镇」第 4 行 的“張建國”" in message
    assert "第 13、14 位对调（10/01）" in message and "姓名繁简不同" in message
    # The earlier file's row has it too, naming this one, and its warning flag is set.
    assert _flags(tmp_path) == {("张北县.xlsx", 4): (0, 1), ("b.xlsx", 4): (0, 1)}
    with connect_ledger(tmp_path / "ws") as conn:
        stored = conn.execute(
            "SELECT f.name, x.column_name, x.code, x.campaign_wide FROM aid_findings x "
            "JOIN aid_files f ON f.id = x.file_id ORDER BY f.id"
        ).fetchall()
    assert stored == [
        ("张北县.xlsx", ID, "POSSIBLE_DUPLICATE", 1),
        ("b.xlsx", ID, "POSSIBLE_DUPLICATE", 1),
    ]
    # Corrected and validated again: the other file's flag goes away with it.
    run_validate(
        tmp_path, write_workbook(tmp_path / "b.xlsx", [good_row(姓名="李四", 身份证号=swapped)])
    )
    assert _flags(tmp_path) == {("张北县.xlsx", 4): (0, 0), ("b.xlsx", 4): (0, 0)}


def test_a_name_one_character_apart_with_one_digit_off(check: Any) -> None:
    other = _one_digit_off(GOOD_ID, 3)
    rows = [good_row(姓名="王建国"), good_row(序号=2, 姓名="王建军", 身份证号=other)]
    assert check(*rows) == [(4, ID, "POSSIBLE_DUPLICATE"), (5, ID, "POSSIBLE_DUPLICATE")]


def test_different_people_are_not_possible_duplicates(check: Any) -> None:
    rows = [
        good_row(姓名="王建国"),
        good_row(序号=2, 姓名="李秀英", 身份证号=make_id(seq="135")),  # same birth date
        good_row(序号=3, 姓名="王建国", 身份证号=make_id("19520101", "130722", "123"), 年龄=""),
    ]
    assert check(*rows) == []


# ---------------------------------------------------------------- ACCOUNT_SHARED


def test_one_account_for_two_households_is_an_error(check: Any) -> None:
    shared = make_account("621700")
    other = make_id("19450315", "130722", "246")
    rows = [
        good_row(银行账号=shared),
        good_row(序号=2, 姓名="测乙", 身份证号=other, 银行账号=shared, **ANY),
    ]
    found = check(*rows)
    assert found == [(4, ACCOUNT, "ACCOUNT_SHARED"), (5, ACCOUNT, "ACCOUNT_SHARED")]


def test_account_shared_message_masks_the_account(tmp_path: Path) -> None:
    shared = make_account("621700")
    other = make_id("19450315", "130722", "246")
    rows = [
        good_row(银行账号=shared),
        good_row(序号=2, 姓名="测乙", 身份证号=other, 银行账号=shared, **ANY),
    ]
    result = run_validate(tmp_path, write_workbook(tmp_path / "a.xlsx", rows))
    message = result.findings[0].message()
    assert shared not in message and f"尾号 {shared[-4:]}" in message
    assert f"ending {shared[-4:]}" in result.findings[0].message("en")
    assert "另外 1 名不同户申请人" in message and "a.xlsx「张北镇」第 5 行" in message
    assert result.findings[0].severity is Severity.ERROR


def test_one_account_in_one_household_is_not_shared(check: Any) -> None:
    shared = make_account("621700")
    other = make_id("19450315", "130722", "246")
    rows = [
        good_row(银行账号=shared, 户号="H1"),
        good_row(序号=2, 姓名="测乙", 身份证号=other, 银行账号=shared, 户号="H1", **ANY),
    ]
    # Same household: HOUSEHOLD_SHARED (one per household), but the account is theirs.
    assert check(*rows) == [(4, "户号", "HOUSEHOLD_SHARED"), (5, "户号", "HOUSEHOLD_SHARED")]


# ---------------------------------------------------------------- PHONE_SHARED


def _households(n: int, phone: str) -> list[dict[str, Any]]:
    return [
        good_row(
            序号=i + 1,
            姓名=f"测{'甲乙丙丁戊'[i]}",
            身份证号=make_id(f"19{40 + i}0101", "130722", f"{i}13"),
            联系电话=phone,
            **ANY,
        )
        for i in range(n)
    ]


def test_a_phone_for_more_than_the_limit_of_households_is_a_warning(tmp_path: Path) -> None:
    rows = _households(PHONE_SHARED_LIMIT + 1, "13912345678")
    result = run_validate(tmp_path, write_workbook(tmp_path / "a.xlsx", rows))
    assert codes(result) == [(r, PHONE, "PHONE_SHARED") for r in range(4, 8)]
    message = result.findings[0].message()
    assert "139****5678" in message and "13912345678" not in message
    assert "有 4 户申请人共用（超过 3 户）" in message


def test_a_phone_of_the_limit_of_households_is_fine(check: Any) -> None:
    assert check(*_households(PHONE_SHARED_LIMIT, "13912345678")) == []


def test_the_limit_is_a_setting(tmp_path: Path) -> None:
    assert AidSettings().phone_shared_limit == PHONE_SHARED_LIMIT
    rows = _households(2, "13912345678")
    result = run_validate(tmp_path, write_workbook(tmp_path / "a.xlsx", rows), phone_shared_limit=1)
    assert codes(result) == [(4, PHONE, "PHONE_SHARED"), (5, PHONE, "PHONE_SHARED")]


def test_phone_masking() -> None:
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("0313-1234567") == "031*****4567"


def test_explain_tells_a_possible_duplicate_without_naming_the_other_person(
    tmp_path: Path,
) -> None:
    """aid explain is told to the applicant: the other record's name is masked, and its
    ID loses the digits that differ (with the applicant's own ID they would give it away)."""
    from datetime import date
    from decimal import Decimal

    from zjk_charity.aid.allocation import AllocationRequest, run_allocation
    from zjk_charity.aid.explain import explain
    from zjk_charity.config import Settings

    a = write_workbook(tmp_path / "张北县.xlsx", [good_row(姓名="張建國")])
    swapped = make_id("19400110", "130722", "123")
    b = write_workbook(tmp_path / "b.xlsx", [good_row(姓名="张建国", 身份证号=swapped)])
    run_validate(tmp_path, [a, b])
    aid = Settings().aid
    request = AllocationRequest(
        year=2025,
        as_of=date(2025, 10, 20),
        budget=Decimal(2000),
        per_person=Decimal(1000),
        classes=list(aid.priority),
    )
    run_allocation(_ledger(tmp_path), request)
    told = explain(_ledger(tmp_path), 2025, swapped)
    (line,) = next(iter(told.findings.values()))
    message = line.message()
    assert line.code == "POSSIBLE_DUPLICATE" and "“張*國”" in message
    assert "張建國" not in message and "130722…" in message
    assert "第 13、14 位" not in message and "10/01" not in message  # which digits: not told
    assert "張建國" not in line.message("en") and "10/01" not in line.message("en")
