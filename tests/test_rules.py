"""Every finding code of aid.md, triggered at its (row, column, code), through ``validate``.

The default workbook has its title on row 1, the 填报单位 line on row 2, the header on
row 3, so the first data row is Excel row 4.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import (
    AS_OF,
    GOOD_ACCOUNT,
    GOOD_ID,
    HEADERS,
    YEAR,
    codes,
    connect_ledger,
    good_row,
    ledger_at,
    make_account,
    make_id,
    run_validate,
    spec_file,
    write_workbook,
)
from zjk_charity.aid.validation import validate
from zjk_charity.findings import CODES, Severity

ID = "身份证号"
ACCOUNT = "银行账号"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
OTHER_ID = make_id("19450315", "130723", "246")  # a woman of 80


def _db(tmp_path: Path) -> Any:
    return connect_ledger(tmp_path / "ws")


# ---------------------------------------------------------------- a correct row


def test_fully_correct_row_has_no_finding(check) -> None:
    assert check(good_row()) == []


def test_correct_row_is_eligible(tmp_path: Path, workbook) -> None:
    result = run_validate(tmp_path, workbook([good_row()]))
    assert result.summary == {"rows": 1, "eligible": 1, "with_errors": 0, "with_warnings": 0}
    (a,) = result.applicants
    assert (a.id_number, a.county, a.sex, a.birth_date) == (
        GOOD_ID,
        "张北县",
        "男",
        date(1940, 1, 1),
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"县(区)": "张北"},
        {"县(区)": "经济开发区"},
        {"县(区)": "高新区"},
        {"县(区)": " 张 北 县 "},
        {"人员类别": "农村特困"},
        {"人员类别": "农村特困供养人员"},
        {"供养方式": "分散"},
        {"生活自理能力": "半失能"},
        {"生活自理能力": "部分丧失"},
        {"生活自理能力": "全自理"},
        {"身份证号": GOOD_ID[:6] + " " + GOOD_ID[6:]},
        {"身份证号": "".join(chr(ord(c) + 0xFEE0) for c in GOOD_ID)},
        {"银行账号": f"{GOOD_ACCOUNT[:4]} {GOOD_ACCOUNT[4:8]}-{GOOD_ACCOUNT[8:]}"},
        {"银行账号": "123456789012"},
        {"联系电话": "0313-1234567"},
        {"申请日期": "2025/10/8"},
        {"申请日期": "2025.10.8"},
        {"申请日期": "2025年10月8日"},
        {"申请日期": datetime(2025, 10, 8)},
        {"年龄": "84"},
        {"年龄": "85岁"},
        {"性别": "男性"},
    ],
    ids=lambda o: repr(o),
)
def test_accepted_variants_have_no_finding(check, overrides) -> None:
    assert check(good_row(**overrides)) == []


def test_lower_case_x_id_is_accepted(check) -> None:
    number = next(i for n in range(1000) if (i := make_id(seq=f"{n:03d}")).endswith("X"))
    sex = "男" if int(number[16]) % 2 else "女"
    assert check(good_row(身份证号=number.lower(), 性别=sex)) == []


# ---------------------------------------------------------------- sheet-level


def test_column_missing(tmp_path: Path) -> None:
    headers = [h for h in HEADERS if h != "认证截图"]
    path = write_workbook(tmp_path / "a.xlsx", [good_row(身份证号="bad")], headers)
    result = run_validate(tmp_path, path)
    # row = the header row; the sheet's rows are not checked (no ID_INVALID_FORMAT).
    assert codes(result) == [(3, "认证截图", "COLUMN_MISSING")]
    assert result.applicants == []


# ---------------------------------------------------------------- row-level, one code each


@pytest.mark.parametrize(
    ("column", "code"),
    [
        ("县(区)", "MISSING_FIELD"),
        ("姓名", "MISSING_FIELD"),
        ("身份证号", "MISSING_FIELD"),
        ("人员类别", "MISSING_FIELD"),
        ("供养方式", "MISSING_FIELD"),
        ("银行账号", "MISSING_FIELD"),
        ("认证截图", "CERTIFICATE_MISSING"),
    ],
)
def test_blank_required_cell(check, column: str, code: str) -> None:
    assert check(good_row(**{column: ""})) == [(4, column, code)]


def test_blank_required_cell_of_only_spaces(check) -> None:
    assert check(good_row(姓名="  \u3000")) == [(4, "姓名", "MISSING_FIELD")]


def test_precision_lost_id(check) -> None:
    assert check(good_row(身份证号=int(GOOD_ID[:15] + "000"))) == [(4, ID, "PRECISION_LOST")]


def test_precision_lost_scientific_text(check) -> None:
    assert check(good_row(身份证号="1.30722E+17")) == [(4, ID, "PRECISION_LOST")]


def test_precision_lost_account(check) -> None:
    assert check(good_row(银行账号=int(GOOD_ACCOUNT[:15]))) == [(4, ACCOUNT, "PRECISION_LOST")]


@pytest.mark.parametrize(
    "value", ["13072219400101123", "1307221940010112322", "13072219400101123Y"]
)
def test_id_invalid_format(check, value: str) -> None:
    assert check(good_row(身份证号=value)) == [(4, ID, "ID_INVALID_FORMAT")]


def test_id_old_format(check) -> None:
    # 130722 40 0101 123: born 1940-01-01, male, 85 on the reference date.
    assert check(good_row(身份证号="130722400101123")) == [(4, ID, "ID_OLD_FORMAT")]


def test_id_bad_checksum(check) -> None:
    wrong = GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1")
    assert check(good_row(身份证号=wrong)) == [(4, ID, "ID_BAD_CHECKSUM")]


@pytest.mark.parametrize("birth", ["19400230", "20260101"])
def test_id_bad_birthdate(check, birth: str) -> None:
    assert check(good_row(身份证号=make_id(birth), 年龄="")) == [(4, ID, "ID_BAD_BIRTHDATE")]


@pytest.mark.parametrize("address", ["130721", "132529"])
def test_retired_address_code_accepted(check, address: str) -> None:
    assert check(good_row(身份证号=make_id(address=address))) == []


@pytest.mark.parametrize("value", [make_id(address="990722"), "000722400101123"])
def test_id_of_no_province_is_invalid_format(tmp_path: Path, workbook, value: str) -> None:
    """00…, 19…, 99… is no one's ID, even with the right check character (issue 15)."""
    result = run_validate(tmp_path, workbook([good_row(身份证号=value, 年龄="")]))
    found = [(f.row, f.column, f.code) for f in result.findings if f.code != "ID_OLD_FORMAT"]
    assert found == [(4, ID, "ID_INVALID_FORMAT")]
    (finding,) = [f for f in result.findings if f.code == "ID_INVALID_FORMAT"]
    assert f"前两位“{value[:2]}”不是省级行政区划代码" in finding.message()
    assert "not a province code" in finding.message("en")
    assert result.summary["eligible"] == 0


def test_an_id_in_arabic_indic_digits_is_the_same_person(tmp_path: Path, workbook) -> None:
    """NFKC leaves ١٣٠٧٢٢… as it is; the ledger must hold 130722…, or the duplicate and
    the history match are missed (issue 15)."""
    arabic = GOOD_ID.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    phone = "١٣٨٠٠٠٠٠٠٠٠"
    account = GOOD_ACCOUNT.translate(str.maketrans("0123456789", "०१२३४५६७८९"))
    rows = [good_row(), good_row(序号=2, 身份证号=arabic, 联系电话=phone, 银行账号=account)]
    result = run_validate(tmp_path, workbook(rows))
    assert codes(result) == [(5, ID, "DUPLICATE_PERSON")]
    second = result.applicants[1]
    assert (second.id_number, second.phone, second.account) == (
        GOOD_ID,
        "13800000000",
        GOOD_ACCOUNT,
    )
    with _db(tmp_path) as conn:
        stored = conn.execute("SELECT id_number, phone, account FROM applicants").fetchall()
    assert all(value.isascii() for row in stored for value in row)


@pytest.mark.parametrize("value", ["石家庄市", "正定县", "张家口"])
def test_unknown_county(check, value: str) -> None:
    assert check(good_row(**{"县(区)": value})) == [(4, "县(区)", "UNKNOWN_COUNTY")]


@pytest.mark.parametrize("value", ["城市特困人员", "城市特困", "城镇特困人员"])
def test_not_rural(check, value: str) -> None:
    assert check(good_row(人员类别=value)) == [(4, "人员类别", "NOT_RURAL")]


@pytest.mark.parametrize("value", ["低保对象", "低保边缘", "孤儿"])
def test_not_tekun(check, value: str) -> None:
    assert check(good_row(人员类别=value)) == [(4, "人员类别", "NOT_TEKUN")]


@pytest.mark.parametrize("value", ["集中供养", "集中"])
def test_not_dispersed(check, value: str) -> None:
    assert check(good_row(供养方式=value)) == [(4, "供养方式", "NOT_DISPERSED")]


def test_invalid_value(check) -> None:
    assert check(good_row(供养方式="居家")) == [(4, "供养方式", "INVALID_VALUE")]


@pytest.mark.parametrize("value", ["12345678901", "6222abcd12345678", "1" * 31])
def test_bank_account_invalid(check, value: str) -> None:
    assert check(good_row(银行账号=value)) == [(4, ACCOUNT, "BANK_ACCOUNT_INVALID")]


def test_bank_account_checksum(check) -> None:
    bad = GOOD_ACCOUNT[:-1] + str((int(GOOD_ACCOUNT[-1]) + 1) % 10)
    assert check(good_row(银行账号=bad)) == [(4, ACCOUNT, "BANK_ACCOUNT_CHECKSUM")]


def test_no_luhn_check_outside_62_cards(check) -> None:
    good = make_account("60", 19)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert check(good_row(银行账号=bad)) == []


def test_age_mismatch(check) -> None:
    assert check(good_row(年龄=80)) == [(4, "年龄", "AGE_MISMATCH")]


def test_sex_mismatch(check) -> None:
    assert check(good_row(性别="女")) == [(4, "性别", "SEX_MISMATCH")]


@pytest.mark.parametrize("value", ["", "良好"])
def test_care_level_unknown(check, value: str) -> None:
    assert check(good_row(生活自理能力=value)) == [(4, "生活自理能力", "CARE_LEVEL_UNKNOWN")]


@pytest.mark.parametrize("value", ["十月八日", "2025-13-45", "明天"])
def test_date_invalid(check, value: str) -> None:
    assert check(good_row(申请日期=value)) == [(4, "申请日期", "DATE_INVALID")]


@pytest.mark.parametrize("value", ["1380000000", "23800000000", "1234567"])
def test_phone_invalid(check, value: str) -> None:
    assert check(good_row(联系电话=value)) == [(4, "联系电话", "PHONE_INVALID")]


def test_warnings_do_not_make_a_row_ineligible(tmp_path: Path, workbook) -> None:
    result = run_validate(tmp_path, workbook([good_row(联系电话="123")]))
    assert result.summary == {"rows": 1, "eligible": 1, "with_errors": 0, "with_warnings": 1}


def test_errors_make_a_row_ineligible(tmp_path: Path, workbook) -> None:
    result = run_validate(tmp_path, workbook([good_row(供养方式="集中供养")]))
    assert result.summary == {"rows": 1, "eligible": 0, "with_errors": 1, "with_warnings": 0}
    assert result.findings[0].severity is Severity.ERROR


def test_row_numbers_follow_excel(check) -> None:
    # Data on rows 4 and 5; the error is on the second.
    rows = [good_row(), good_row(序号=2, 身份证号=OTHER_ID, 性别="女", 年龄=80, 姓名="")]
    assert check(*rows) == [(5, "姓名", "MISSING_FIELD")]


# ---------------------------------------------------------------- certificates


def _attachments(tmp_path: Path) -> Path:
    folder = tmp_path / "att"
    (folder / "张北").mkdir(parents=True)
    (folder / "张北" / "cert.png").write_bytes(PNG)
    (folder / "empty.png").write_bytes(b"")
    (folder / "note.png").write_text("not an image", encoding="utf-8")
    (folder / "scan.pdf").write_bytes(b"%PDF-1.4\n")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 8)
    return folder


@pytest.mark.parametrize("value", ["cert.png", "张北/cert.png", "scan.pdf", "photo.jpg"])
def test_certificate_found(tmp_path: Path, check, value: str) -> None:
    assert check(good_row(认证截图=value), attachments=_attachments(tmp_path)) == []


@pytest.mark.parametrize("value", ["missing.png", "empty.png", "note.png"])
def test_certificate_not_found(tmp_path: Path, check, value: str) -> None:
    findings = check(good_row(认证截图=value), attachments=_attachments(tmp_path))
    assert findings == [(4, "认证截图", "CERTIFICATE_NOT_FOUND")]


def test_certificate_not_checked_without_attachments(check) -> None:
    assert check(good_row(认证截图="missing.png")) == []


# ---------------------------------------------------------------- campaign-wide


def test_duplicate_person_in_one_file(check) -> None:
    rows = [good_row(), good_row(序号=2, 姓名="测乙")]
    # Every occurrence after the first.
    assert check(*rows, good_row(序号=3)) == [
        (5, ID, "DUPLICATE_PERSON"),
        (6, ID, "DUPLICATE_PERSON"),
    ]


def test_duplicate_person_across_files_in_two_calls(tmp_path: Path) -> None:
    first = write_workbook(tmp_path / "zhangbei.xlsx", [good_row()])
    second = write_workbook(tmp_path / "kangbao.xlsx", [good_row(**{"县(区)": "康保县"})])
    assert codes(run_validate(tmp_path, first)) == []
    assert codes(run_validate(tmp_path, second)) == [(4, ID, "DUPLICATE_PERSON")]
    # The first file keeps its place: validating it again does not make it the duplicate.
    assert codes(run_validate(tmp_path, first)) == []


def test_household_shared_in_one_file(check) -> None:
    rows = [
        good_row(户号="H001"),
        good_row(序号=2, 身份证号=OTHER_ID, 性别="女", 年龄=80, 户号="H001"),
        good_row(序号=3, 姓名="测丙", 身份证号=make_id(seq="135"), 户号="H002"),
    ]
    assert check(*rows) == [(4, "户号", "HOUSEHOLD_SHARED"), (5, "户号", "HOUSEHOLD_SHARED")]


def test_same_household_number_in_other_county_is_not_shared(check) -> None:
    rows = [
        good_row(户号="H001"),
        good_row(身份证号=OTHER_ID, 性别="女", 年龄=80, 户号="H001", **{"县(区)": "康保县"}),
    ]
    assert check(*rows) == []


def test_blank_household_is_a_household_of_one(check) -> None:
    rows = [good_row(户号=""), good_row(身份证号=OTHER_ID, 性别="女", 年龄=80, 户号="")]
    assert check(*rows) == []


def test_household_shared_across_files_in_two_calls(tmp_path: Path) -> None:
    first = write_workbook(tmp_path / "a.xlsx", [good_row(户号="H001")])
    second = write_workbook(
        tmp_path / "b.xlsx", [good_row(身份证号=OTHER_ID, 性别="女", 年龄=80, 户号="H001")]
    )
    assert codes(run_validate(tmp_path, first)) == []
    assert codes(run_validate(tmp_path, second)) == [(4, "户号", "HOUSEHOLD_SHARED")]
    # "on every row of the group": the first file's row is flagged in the ledger too.
    with _db(tmp_path) as conn:
        rows = conn.execute(
            "SELECT f.name, a.row, a.column_name FROM aid_findings a JOIN aid_files f "
            "ON f.id = a.file_id WHERE a.code = 'HOUSEHOLD_SHARED' ORDER BY f.name"
        ).fetchall()
    assert rows == [("a.xlsx", 4, "户号"), ("b.xlsx", 4, "户号")]


def test_revalidating_a_file_replaces_its_rows(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "a.xlsx", [good_row(), good_row(身份证号=OTHER_ID, 性别="女", 年龄=80)]
    )
    first = run_validate(tmp_path, path)
    second = run_validate(tmp_path, path)
    assert codes(first) == codes(second) == []  # not a duplicate of itself
    with _db(tmp_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM applicants").fetchone() == (2,)
        assert conn.execute("SELECT COUNT(*) FROM aid_files").fetchone() == (1,)
    # Fixing the file and validating again replaces the old findings.
    write_workbook(path, [good_row(联系电话="123")])
    assert codes(run_validate(tmp_path, path)) == [(4, "联系电话", "PHONE_INVALID")]
    with _db(tmp_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM applicants").fetchone() == (1,)
        assert conn.execute("SELECT code FROM aid_findings").fetchall() == [("PHONE_INVALID",)]


def test_other_files_stay_when_one_is_revalidated(tmp_path: Path) -> None:
    a = write_workbook(tmp_path / "a.xlsx", [good_row()])
    b = write_workbook(tmp_path / "b.xlsx", [good_row(身份证号=OTHER_ID, 性别="女", 年龄=80)])
    run_validate(tmp_path, a)
    run_validate(tmp_path, b)
    run_validate(tmp_path, a)
    with _db(tmp_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM applicants").fetchone() == (2,)


# ---------------------------------------------------------------- repeat recipients


def test_repeat_recipient_from_stated_years(check) -> None:
    assert check(good_row(往年受助年份="2023")) == [(4, "往年受助年份", "REPEAT_RECIPIENT")]


def _seed_history(tmp_path: Path, number: str, year: int) -> None:
    # A first run creates the ledger and its schema.
    run_validate(
        tmp_path,
        write_workbook(
            tmp_path / "seed.xlsx",
            [good_row(身份证号=OTHER_ID, 性别="女", 年龄=80, **{"县(区)": "康保县"})],
        ),
    )
    with _db(tmp_path) as conn:
        cursor = conn.execute(
            "INSERT INTO runs (command, arguments, inputs, started_at) "
            "VALUES ('aid history import', '{}', '[]', '2025-01-01T00:00:00') RETURNING id"
        )
        (run_id,) = cursor.fetchone()
        conn.execute(
            "INSERT INTO history (year, id_number, name, county, source, run_id) "
            "VALUES (?, ?, '测甲', '张北县', 'list.xlsx', ?)",
            (year, number, run_id),
        )


def test_repeat_recipient_from_history(tmp_path: Path, workbook) -> None:
    _seed_history(tmp_path, GOOD_ID, 2024)
    result = run_validate(tmp_path, workbook([good_row()]))
    assert codes(result) == [(4, ID, "REPEAT_RECIPIENT")]
    assert "2024" in result.findings[0].message()


def test_history_listed_in_other_digits_still_matches(tmp_path: Path, workbook) -> None:
    from zjk_charity.aid.history import import_history

    arabic = GOOD_ID.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    bad = make_id(address="990722")
    listed = tmp_path / "2024.csv"
    listed.write_text(f"身份证号,姓名\n{arabic},测甲\n{bad},测乙\n", encoding="utf-8")
    imported = import_history(ledger_at(tmp_path / "ws"), [listed], 2024)
    assert [(f.row, f.code) for f in imported.findings] == [(3, "ID_INVALID_FORMAT")]
    assert "不是省级行政区划代码" in imported.findings[0].message()
    result = run_validate(tmp_path, workbook([good_row()]))
    assert codes(result) == [(4, ID, "REPEAT_RECIPIENT")]


def test_history_of_the_campaign_year_is_not_a_repeat(tmp_path: Path, workbook) -> None:
    _seed_history(tmp_path, GOOD_ID, 2025)
    assert codes(run_validate(tmp_path, workbook([good_row()]))) == []


# ---------------------------------------------------------------- coverage of aid.md


def test_every_code_of_the_spec_is_known_and_tested() -> None:
    """aid.md's and integrity.md's tables are CODES, each code triggered by some test."""
    specs = [spec_file(name) for name in ("aid.md", "integrity.md")]
    pattern = re.compile(r"^\| ([A-Z_]+) \| (error|warning) \|", re.M)
    table = [found for spec in specs for found in pattern.findall(spec.read_text("utf-8"))]
    assert {code: CODES[code].severity.value for code, _ in table} == dict(table)
    assert {code for code, _ in table} == set(CODES)
    source = "".join(t.read_text("utf-8") for t in Path(__file__).parent.glob("test_*.py"))
    assert [code for code, _ in table if source.count(f'"{code}"') < 1] == []


def test_a_copy_of_a_validated_file_replaces_it_rather_than_doubling(tmp_path: Path) -> None:
    """The officer validates 张北县.xlsx from 下载, then the same file from the campaign folder."""
    first = write_workbook(tmp_path / "张北县.xlsx", [good_row()])
    moved = tmp_path / "campaign"
    moved.mkdir()
    second = moved / "张北县.xlsx"
    second.write_bytes(first.read_bytes())
    ledger = ledger_at(tmp_path / "l.db")
    validate(ledger, [first], year=YEAR, as_of=AS_OF)
    result = validate(ledger, [second], year=YEAR, as_of=AS_OF)
    assert codes(result) == []
    with ledger.read() as conn:
        assert conn.execute("SELECT count(*) FROM applicants").fetchone()[0] == 1
        assert [r[0] for r in conn.execute("SELECT path FROM aid_files")] == [str(second.resolve())]
