"""The list findings of `aid validate` (integrity.md): DECEASED, IN_INSTITUTION,
NOT_IN_ROSTER (both wordings), ROSTER_NAME_MISMATCH, STAFF_RELATIVE, and the optional
户名 column's ACCOUNT_HOLDER_MISMATCH. Lists and applications are built in code."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from conftest import HEADERS, codes, good_row, ledger_at, make_id, run_validate, write_workbook
from zjk_charity.findings import Severity
from zjk_charity.integrity.lists import import_list
from zjk_charity.integrity.reference import ReferenceLists, fold_name

DAY = date(2025, 10, 1)


def person(n: int, county: str = "130722") -> str:
    return make_id("19400101", county, f"{2 * n - 1:03d}")  # odd: male, as good_row says


def load(tmp_path: Path, kind: str, name: str, headers: list[str], rows: list[list[Any]]) -> None:
    book = write_workbook(tmp_path / name, rows, headers, title=None, unit=None)
    result = import_list(ledger_at(tmp_path / "ws"), book, kind, as_of=DAY)
    assert result.stored is not None and not result.has_problems


def applications(tmp_path: Path, *rows: dict[str, Any], headers: list[str] = HEADERS) -> Any:
    book = write_workbook(tmp_path / "张北县.xlsx", list(rows), headers)
    return run_validate(tmp_path, book)


def messages(result: Any, code: str) -> list[str]:
    return [f.message("zh") for f in result.findings if f.code == code]


def test_deaths_institutions_and_relatives(tmp_path: Path) -> None:
    dead, home, kin, clean = person(1), person(2), person(3), person(4)
    load(
        tmp_path,
        "deaths",
        "殡葬.xlsx",
        ["姓名", "身份证号", "火化日期"],
        [["测甲", dead, "2025-09-03"]],
    )
    load(
        tmp_path,
        "institution",
        "集中.xlsx",
        ["姓名", "身份证号", "机构名称"],
        [["测乙", home, "张北县中心敬老院"]],
    )
    load(
        tmp_path,
        "relatives",
        "备案.xlsx",
        ["姓名", "身份证号", "与工作人员关系", "工作人员姓名"],
        [["测丙", kin, "兄弟", "王某某"], ["测丙", kin, "侄子", "李某某"]],
    )
    result = applications(
        tmp_path,
        good_row(姓名="测甲", 身份证号=dead),
        good_row(姓名="测乙", 身份证号=home),
        good_row(姓名="测丙", 身份证号=kin),
        good_row(姓名="测丁", 身份证号=clean),
    )
    assert codes(result) == [
        (4, "身份证号", "DECEASED"),
        (5, "身份证号", "IN_INSTITUTION"),
        (6, "身份证号", "STAFF_RELATIVE"),
    ]
    assert "2025-09-03" in messages(result, "DECEASED")[0]
    assert "张北县中心敬老院" in messages(result, "IN_INSTITUTION")[0]
    said = messages(result, "STAFF_RELATIVE")[0]
    assert "王某某、李某某" in said and "兄弟、侄子" in said
    eligible = [a.has_error for a in result.applicants]
    assert eligible == [True, True, False, False]  # STAFF_RELATIVE is a warning


def test_roster_findings(tmp_path: Path) -> None:
    listed, renamed, other, missing = person(1), person(2), person(3), person(4)
    load(
        tmp_path,
        "tekun",
        "名册.xlsx",
        ["姓名", "县(区)", "身份证号"],
        [
            ["测甲", "张北县", listed],
            ["测 乙", "张北县", renamed],
            ["測甲", "尚义县", other],  # listed in another county
        ],
    )
    result = applications(
        tmp_path,
        good_row(姓名="测甲", 身份证号=listed),
        good_row(姓名="测乙", 身份证号=renamed, **{"县(区)": "张北"}),
        good_row(姓名="测庚", 身份证号=other),  # another 测甲 would be POSSIBLE_DUPLICATE
        good_row(姓名="测丁", 身份证号=missing),
        good_row(姓名="测戊", 身份证号=person(5)),
    )
    assert codes(result) == [
        (6, "身份证号", "NOT_IN_ROSTER"),
        (7, "身份证号", "NOT_IN_ROSTER"),
        (8, "身份证号", "NOT_IN_ROSTER"),
    ]
    elsewhere, plain, _ = messages(result, "NOT_IN_ROSTER")
    assert "登记在尚义县" in elsewhere and "名册.xlsx" in elsewhere
    assert plain.startswith("不在张北县特困人员名册“名册.xlsx”中")

    renamed_roster = tmp_path / "mismatch"
    renamed_roster.mkdir()
    load(
        renamed_roster,
        "tekun",
        "名册.xlsx",
        ["姓名", "县(区)", "身份证号"],
        [["張 三", "张北县", listed], ["测庚", "张北县", renamed]],
    )
    result = applications(
        renamed_roster,
        good_row(姓名="张三", 身份证号=listed),  # traditional and a space: the same name
        good_row(姓名="测辛", 身份证号=renamed),
    )
    assert codes(result) == [(5, "姓名", "ROSTER_NAME_MISMATCH")]
    assert "“测庚”" in messages(result, "ROSTER_NAME_MISMATCH")[0]


def test_a_roster_of_another_county_says_nothing(tmp_path: Path) -> None:
    load(
        tmp_path,
        "tekun",
        "尚义.xlsx",
        ["姓名", "县(区)", "身份证号"],
        [["测甲", "尚义县", person(1, "130725")]],
    )
    result = applications(tmp_path, good_row(身份证号=person(2)))  # 张北县, not in any roster
    assert codes(result) == []


def test_a_replaced_list_no_longer_counts(tmp_path: Path) -> None:
    dead = person(1)
    headers = ["姓名", "县(区)", "身份证号", "死亡日期"]
    load(tmp_path, "deaths", "一月.xlsx", headers, [["测甲", "张北县", dead, "2025-01-05"]])
    assert codes(applications(tmp_path, good_row(身份证号=dead))) == [(4, "身份证号", "DECEASED")]
    # the corrected list of the same county no longer has the person (entered in error)
    load(tmp_path, "deaths", "二月.xlsx", headers, [["测乙", "张北县", person(2), "2025-02-03"]])
    assert codes(applications(tmp_path, good_row(身份证号=dead))) == []


def test_an_id_with_a_retired_county_code(tmp_path: Path) -> None:
    # 130729 is the old 万全县; the roster of today's 万全区 lists it.
    old_code, other = person(1, "130729"), person(2, "130729")
    load(
        tmp_path,
        "tekun",
        "万全.xlsx",
        ["姓名", "县(区)", "身份证号"],
        [["测甲", "万全区", old_code]],
    )
    result = applications(
        tmp_path,
        good_row(身份证号=old_code, **{"县(区)": "万全区"}),
        good_row(姓名="测乙", 身份证号=other, **{"县(区)": "万全"}),
        good_row(姓名="测丙", 身份证号=person(3)),  # 张北县: no roster
    )
    assert codes(result) == [(5, "身份证号", "NOT_IN_ROSTER")]
    assert "万全区" in messages(result, "NOT_IN_ROSTER")[0]


HOLDER_HEADERS = [*HEADERS, "户名"]


def test_account_holder_mismatch(tmp_path: Path) -> None:
    result = applications(
        tmp_path,
        good_row(姓名="测甲", 户名="测 甲"),  # whitespace: the same
        good_row(姓名="ＡＢ", 户名="AB", 身份证号=person(2)),  # full-width: the same
        good_row(姓名="测丙", 户名="", 身份证号=person(3)),  # blank: nothing to compare
        good_row(姓名="测丁", 户名="测戊", 身份证号=person(4)),
        headers=HOLDER_HEADERS,
    )
    assert codes(result) == [(7, "户名", "ACCOUNT_HOLDER_MISMATCH")]
    finding = result.findings[0]
    assert finding.severity is Severity.WARNING and "“测戊”与申请人“测丁”" in finding.message()
    assert not result.applicants[3].has_error


def test_account_holder_under_another_header(tmp_path: Path) -> None:
    headers = [*HEADERS, "开户人姓名"]
    result = applications(tmp_path, good_row(姓名="测甲", 开户人姓名="测乙"), headers=headers)
    assert codes(result) == [(4, "户名", "ACCOUNT_HOLDER_MISMATCH")]


@given(
    name=st.text(alphabet="测甲乙丙丁欧阳张王李", min_size=1, max_size=4),
    spaces=st.lists(st.sampled_from([" ", "\u3000", "\t"]), max_size=3),
)
def test_spacing_never_makes_another_name(name: str, spaces: list[str]) -> None:
    spaced = "".join(spaces) + " ".join(name) + "".join(spaces)
    assert fold_name(spaced) == fold_name(name)
    roster = ReferenceLists()
    assert roster.findings(person(1), spaced, "130722") == []  # nothing loaded: nothing said


def test_the_template_has_the_holder_column_and_it_is_checked(tmp_path: Path) -> None:
    import openpyxl

    from zjk_charity.aid.template import write_template

    template = write_template(tmp_path / "模板.xlsx", 2025)
    book = openpyxl.load_workbook(template)
    sheet = book["申请表"]
    headers = [c.value for c in sheet[2]]
    assert "户名" in headers
    notes = " ".join(str(c.value) for c in book["填表说明"]["A"])
    assert "户名可不填" in notes
    row = good_row(姓名="测甲", 户名="测乙")
    for position, header in enumerate(headers, start=1):
        sheet.cell(3, position, row.get(header) or None)
    book.save(template)
    assert codes(run_validate(tmp_path, template)) == [(3, "户名", "ACCOUNT_HOLDER_MISMATCH")]


def test_a_roster_name_with_a_middle_dot_is_the_same_name(tmp_path: Path) -> None:
    number = person(1)
    headers = ["姓名", "县(区)", "身份证号"]
    load(tmp_path, "tekun", "名册.xlsx", headers, [["阿不都·热合曼", "张北县", number]])
    result = applications(tmp_path, good_row(姓名="阿不都热合曼", 身份证号=number))
    assert codes(result) == []
