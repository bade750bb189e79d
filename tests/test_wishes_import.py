"""``wishes import`` / ``donations import``: every finding at its row, and what gets stored.

Workbooks are built here: a title on row 1, the header on row 2, data from row 3.
"""

from __future__ import annotations

import re
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from conftest import connect_ledger, make_id, spec_file
from test_wishes_support import (
    DONATION_HEADERS,
    STANDARD,
    WISH_HEADERS,
    campaign_ledger,
    child_id,
    donation_row,
    donations_book,
    wish_row,
    wishes_book,
)
from zjk_charity.errors import UserError
from zjk_charity.findings import CODES
from zjk_charity.wishes.codes import SHARED_CODES, WISH_CODES
from zjk_charity.wishes.importing import ImportResult, import_donations, import_wishes
from zjk_charity.wishes.match_run import load_accounts, run_match

Found = list[tuple[int | None, str | None, str]]


def found(result: ImportResult[Any]) -> Found:
    return [(f.row, f.column, f.code) for f in result.findings]


@pytest.fixture
def wishes(tmp_path: Path):
    """wishes(*rows) -> the import result of one workbook, into the test's ledger."""

    def run(*rows: dict[str, Any] | None, name: str = "心愿.xlsx") -> ImportResult[Any]:
        path = wishes_book(tmp_path / name, list(rows))
        return import_wishes(campaign_ledger(tmp_path), [path], STANDARD)

    return run


@pytest.fixture
def donations(tmp_path: Path):
    def run(*rows: dict[str, Any] | None, name: str = "捐赠.xlsx") -> ImportResult[Any]:
        path = donations_book(tmp_path / name, list(rows))
        return import_donations(campaign_ledger(tmp_path), [path])

    return run


def stored(tmp_path: Path, table: str) -> list[tuple[Any, ...]]:
    with closing(connect_ledger(tmp_path / "ws")) as conn:
        return [tuple(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY 1")]


# ---- wishes: one finding per test, at its row ---------------------------------------
def test_a_clean_wish_is_stored_with_the_standard_amount(wishes, tmp_path: Path) -> None:
    result = wishes(wish_row(1), wish_row(2, 金额="叁佰伍拾元整", 心愿类型=""))
    assert found(result) == []
    assert result.summary == {
        "rows": 2,
        "imported": 2,
        "unchanged": 0,
        "with_errors": 0,
        "with_warnings": 0,
        "amount": "650.00",
    }
    w1, w2 = result.imported
    assert (w1.amount, w1.kind, w1.county_code, w1.birth_date) == (
        30000,
        "资金",
        "130722",
        date(2015, 1, 1),
    )
    assert (w2.amount, w2.kind) == (35000, "资金")
    assert len(stored(tmp_path, "wishes")) == 2


def test_column_missing_at_the_header_row(wishes) -> None:
    row = wish_row(1)
    del row["困境类别"]
    result = wishes(row)
    assert found(result) == [(2, "困境类别", "COLUMN_MISSING")]
    assert result.has_errors and not result.imported


@pytest.mark.parametrize(
    "column", ["心愿编号", "县(区)", "儿童姓名", "身份证号", "困境类别", "心愿内容", "登记日期"]
)
def test_missing_field(wishes, column: str) -> None:
    assert found(wishes(wish_row(1), wish_row(2, **{column: ""}))) == [(4, column, "MISSING_FIELD")]


def test_precision_lost_for_an_id_or_account_typed_as_a_number(wishes) -> None:
    number = int(child_id()[:15] + "000")
    result = wishes(wish_row(1, 身份证号=number), wish_row(2, 收款账号=6217000010000000000))
    assert found(result) == [(3, "身份证号", "PRECISION_LOST"), (4, "收款账号", "PRECISION_LOST")]


def test_id_checks(wishes) -> None:
    good = child_id()
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    result = wishes(
        wish_row(1, 身份证号="13072220150101"),
        wish_row(2, 身份证号=bad_check),
        wish_row(3, 身份证号=make_id("20250601", "130722", "123")),  # born after 登记日期
        wish_row(4, 身份证号=make_id("20150230", "130722", "123")),  # no such day
        wish_row(5, 身份证号="130722150101123"),  # 15 digits: born 1915
    )
    assert found(result) == [
        (3, "身份证号", "ID_INVALID_FORMAT"),
        (4, "身份证号", "ID_BAD_CHECKSUM"),
        (5, "身份证号", "ID_BAD_BIRTHDATE"),
        (6, "身份证号", "ID_BAD_BIRTHDATE"),
        (7, "身份证号", "CHILD_TOO_OLD"),
        (7, "身份证号", "ID_OLD_FORMAT"),
    ]


def test_unknown_county(wishes) -> None:
    result = wishes(wish_row(1, **{"县(区)": "宣化县"}), wish_row(2, **{"县(区)": "张北"}))
    assert found(result) == [(3, "县(区)", "UNKNOWN_COUNTY")]
    assert result.imported[0].county == "张北县"


def test_invalid_values(wishes) -> None:
    result = wishes(
        wish_row(1, 困境类别="单亲家庭"),
        wish_row(2, 心愿类型="服务"),
        wish_row(3, 登记日期="三月"),
        wish_row(4, 困境类别="两项补贴儿童", 心愿类型="物"),
    )
    assert found(result) == [
        (3, "困境类别", "INVALID_VALUE"),
        (4, "心愿类型", "INVALID_VALUE"),
        (5, "登记日期", "INVALID_VALUE"),
    ]
    assert (result.imported[0].category, result.imported[0].kind) == ("残疾儿童", "物资")
    assert "单亲家庭" in result.findings[0].message()


@pytest.mark.parametrize("amount", ["三百块", 0, "-300", "300.125", 300.123])
def test_amount_invalid(wishes, amount: object) -> None:
    assert found(wishes(wish_row(1, 金额=amount))) == [(3, "金额", "AMOUNT_INVALID")]


def test_amounts_money_never_guesses(wishes) -> None:
    """Issue 15: the spoken shorthand, a space inside, a stray 零: refused, saying how."""
    result = wishes(
        wish_row(1, 金额="一百二"),
        wish_row(2, 金额="300 50"),
        wish_row(3, 金额="陆仟零肆佰"),
        wish_row(4, 金额="一百二十"),
        wish_row(5, 金额="壹仟零伍元"),
    )
    assert found(result) == [
        (3, "金额", "AMOUNT_INVALID"),
        (4, "金额", "AMOUNT_INVALID"),
        (5, "金额", "AMOUNT_INVALID"),
    ]
    assert "是 120 还是 102" in result.findings[0].message()
    assert "120 or 102" in result.findings[0].message("en")
    assert "空格" in result.findings[1].message()
    assert "陆仟肆佰" in result.findings[2].message()
    assert [w.amount for w in result.imported] == [12000, 100500]


def test_a_child_id_in_other_digits_is_the_same_child(wishes) -> None:
    same = child_id(seq="078")
    arabic = same.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    result = wishes(wish_row(1, 身份证号=same), wish_row(2, 身份证号=arabic))
    assert found(result) == [(4, "身份证号", "DUPLICATE_CHILD")]


def test_a_child_id_of_no_province(wishes) -> None:
    result = wishes(wish_row(1, 身份证号=child_id(address="990722")))
    assert found(result) == [(3, "身份证号", "ID_INVALID_FORMAT")]
    assert "“99”不是省级行政区划代码" in result.findings[0].message()


def test_child_too_old_from_18_on_the_registration_date(wishes) -> None:
    result = wishes(
        wish_row(1, 身份证号=make_id("20070321", "130722", "001")),  # 18 that day
        wish_row(2, 身份证号=make_id("20070322", "130722", "002")),  # 17
    )
    assert found(result) == [(3, "身份证号", "CHILD_TOO_OLD")]
    assert "18" in result.findings[0].message()


def test_left_behind_child_of_16_is_a_warning_and_imported(wishes) -> None:
    result = wishes(
        wish_row(1, 困境类别="留守儿童", 身份证号=make_id("20090321", "130722", "001")),
        wish_row(2, 困境类别="孤儿", 身份证号=make_id("20090321", "130722", "002")),
    )
    assert found(result) == [(3, "困境类别", "LEFT_BEHIND_TOO_OLD")]
    assert len(result.imported) == 2
    assert result.imported[0].category == "农村留守儿童"
    assert not result.has_errors


def test_duplicate_wish_in_the_same_import(wishes) -> None:
    result = wishes(wish_row(1), wish_row(1, 心愿内容="一辆自行车"), wish_row(1))
    assert found(result) == [(4, "心愿编号", "DUPLICATE_WISH")]
    assert "第 3 行" in result.findings[0].message()
    assert result.summary["imported"] == 1 and result.summary["unchanged"] == 1


def test_duplicate_wish_against_the_ledger(wishes) -> None:
    wishes(wish_row(1))
    again = wishes(wish_row(1, 金额=500), name="心愿2.xlsx")
    assert found(again) == [(3, "心愿编号", "DUPLICATE_WISH")]
    assert "台账" in again.findings[0].message()
    assert "the ledger (心愿.xlsx, sheet 心愿, row 3)" in again.findings[0].message("en")


def test_duplicate_child_with_another_open_wish_in_the_year(wishes) -> None:
    same = child_id(seq="077")
    result = wishes(
        wish_row(1, 身份证号=same),
        wish_row(2, 身份证号=same),
        wish_row(3, 身份证号=same, 登记日期="2026-01-05"),  # another year
    )
    assert found(result) == [(4, "身份证号", "DUPLICATE_CHILD")]
    assert "W0001" in result.findings[0].message()


def test_a_fulfilled_wish_leaves_the_child_free_to_wish_again(wishes, tmp_path: Path) -> None:
    same = child_id(seq="078")
    wishes(wish_row(1, 身份证号=same))
    import_donations(
        campaign_ledger(tmp_path), [donations_book(tmp_path / "d.xlsx", [donation_row(1)])]
    )
    run_match(campaign_ledger(tmp_path), standard=STANDARD)
    assert found(wishes(wish_row(2, 身份证号=same), name="再次.xlsx")) == []


# ---- wishes: the same rows again, and changes --------------------------------------
def test_importing_the_same_rows_again_changes_nothing(wishes, tmp_path: Path) -> None:
    first = wishes(wish_row(1), wish_row(2), wish_row(3, 金额="坏"))
    before = stored(tmp_path, "wishes")
    again = wishes(wish_row(1), wish_row(2), wish_row(3, 金额="坏"))
    assert stored(tmp_path, "wishes") == before
    assert found(again) == found(first) == [(5, "金额", "AMOUNT_INVALID")]
    assert again.summary["imported"] == 0 and again.summary["unchanged"] == 2


def test_changing_a_matched_wish_is_refused_and_nothing_is_written(wishes, tmp_path: Path) -> None:
    wishes(wish_row(1))
    ledger = campaign_ledger(tmp_path)
    import_donations(ledger, [donations_book(tmp_path / "d.xlsx", [donation_row(1)])])
    run_match(ledger, standard=STANDARD)
    before = stored(tmp_path, "wishes")
    changed = wishes_book(tmp_path / "改.xlsx", [wish_row(9), wish_row(1, 金额=500)])
    with pytest.raises(UserError) as raised:
        import_wishes(ledger, [changed], STANDARD)
    assert "W0001" in raised.value.message() and "第 4 行" in raised.value.message()
    assert "W0001" in raised.value.message("en")
    assert stored(tmp_path, "wishes") == before  # W0009 was not written either


# ---- reading ----------------------------------------------------------------------
def test_aliases_total_rows_and_blank_rows(tmp_path: Path) -> None:
    headers = [
        "编号",
        "县区",
        "姓名",
        "儿童身份证号",
        "儿童类别",
        "类型",
        "心愿",
        "心愿金额",
        "提交日期",
        "银行账号",
    ]
    rows: list[Any] = [
        [
            "W1",
            "蔚县",
            "测小一",
            child_id(seq="001"),
            "低保儿童",
            "款",
            "眼镜",
            "￥260",
            "2025/4/1",
            "6217 0000 1000",
        ],
        [],
        ["合计", None, None, None, None, None, None, 260, None, None],
    ]
    from conftest import write_workbook

    path = write_workbook(tmp_path / "a.xlsx", rows, headers, title="表", unit=None)
    result = import_wishes(campaign_ledger(tmp_path), [path], STANDARD)
    assert found(result) == []
    (w,) = result.imported
    assert (w.category, w.kind, w.amount, w.registered, w.account) == (
        "低保救助儿童",
        "资金",
        26000,
        date(2025, 4, 1),
        "621700001000",
    )


def test_csv_in_gbk(tmp_path: Path) -> None:
    path = tmp_path / "心愿.csv"
    line = [
        "W1",
        "康保县",
        "测小二",
        child_id(seq="002"),
        "孤儿",
        "物资",
        "书包",
        "叁佰元整",
        "2025-05-01",
        "",
        "",
        "",
    ]
    text = ",".join(WISH_HEADERS) + "\n" + ",".join(line) + "\n"
    path.write_bytes(text.encode("gbk"))
    result = import_wishes(campaign_ledger(tmp_path), [path], STANDARD)
    assert found(result) == [] and result.imported[0].amount == 30000


def test_an_unreadable_file_changes_nothing(wishes, tmp_path: Path) -> None:
    wishes(wish_row(1))
    before = stored(tmp_path, "runs")
    empty = tmp_path / "空.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(UserError, match=r"空\.xlsx"):
        import_wishes(
            campaign_ledger(tmp_path),
            [wishes_book(tmp_path / "b.xlsx", [wish_row(2)]), empty],
            STANDARD,
        )
    assert stored(tmp_path, "runs") == before


# ---- donations --------------------------------------------------------------------
@pytest.fixture
def with_wish(wishes) -> None:
    wishes(wish_row(1))


def test_a_clean_donation_batch(with_wish, donations) -> None:
    result = donations(
        donation_row(1),
        donation_row(2, 捐赠人="", 金额="壹仟元整", 定向心愿="W0001"),
        donation_row(3, 捐赠人="匿名爱心人士", 金额="1,000.50", 定向类别="孤儿", 定向县区="蔚县"),
        donation_row(4, 捐赠类型="物", 物资名称="书包", 定向心愿="W0001", 金额="300元"),
    )
    assert found(result) == []
    d1, d2, d3, d4 = result.imported
    assert (d1.donor, d1.kind, d1.amount) == ("测捐赠人", "资金", 30000)
    assert (d2.donor, d2.wish_id, d2.amount) == ("匿名", "W0001", 100000)
    assert (d3.donor, d3.category, d3.county_code, d3.county) == ("匿名", "孤儿", "130726", "蔚县")
    assert (d4.kind, d4.goods) == ("物资", "书包")


def test_donation_column_missing(with_wish, donations) -> None:
    row = donation_row(1)
    del row["金额"]
    assert found(donations(row)) == [(2, "金额", "COLUMN_MISSING")]


@pytest.mark.parametrize("column", ["捐赠编号", "金额", "到账日期"])
def test_donation_missing_field(with_wish, donations, column: str) -> None:
    assert found(donations(donation_row(1, **{column: ""}))) == [(3, column, "MISSING_FIELD")]


def test_donation_amount_invalid(with_wish, donations) -> None:
    result = donations(donation_row(1, 金额="300.125"), donation_row(2, 金额="叁叁佰"))
    assert found(result) == [(3, "金额", "AMOUNT_INVALID"), (4, "金额", "AMOUNT_INVALID")]
    assert "两位小数" in result.findings[0].message()
    assert "more than two decimals" in result.findings[0].message("en")


def test_donation_invalid_values(with_wish, donations) -> None:
    result = donations(
        donation_row(1, 捐赠类型="股票"),
        donation_row(2, 定向类别="贫困儿童"),
        donation_row(3, 到账日期="上周"),
        donation_row(4, 定向县区="北京"),
    )
    assert found(result) == [
        (3, "捐赠类型", "INVALID_VALUE"),
        (4, "定向类别", "INVALID_VALUE"),
        (5, "到账日期", "INVALID_VALUE"),
        (6, "定向县区", "UNKNOWN_COUNTY"),
    ]


def test_unknown_wish(with_wish, donations) -> None:
    result = donations(donation_row(1, 定向心愿="W0001"), donation_row(2, 定向心愿="W0404"))
    assert found(result) == [(4, "定向心愿", "UNKNOWN_WISH")]


def test_undesignated_goods_are_a_warning_and_imported(with_wish, donations) -> None:
    result = donations(
        donation_row(1, 捐赠类型="物资", 物资名称="羽绒服20件", 金额=4000, 定向类别="孤儿"),
        donation_row(2, 捐赠类型="物资", 物资名称="书包", 定向心愿="W0001"),
    )
    assert found(result) == [(3, "定向心愿", "INKIND_UNDESIGNATED")]
    assert len(result.imported) == 2 and not result.has_errors


def test_duplicate_donation(with_wish, donations) -> None:
    first = donations(donation_row(1), donation_row(1, 金额=500), donation_row(1))
    assert found(first) == [(4, "捐赠编号", "DUPLICATE_DONATION")]
    again = donations(donation_row(1, 到账日期="2025-04-02"), name="第2批.xlsx")
    assert found(again) == [(3, "捐赠编号", "DUPLICATE_DONATION")]
    assert "台账" in again.findings[0].message()


def test_donations_again_change_nothing_and_matched_ones_cannot_change(
    with_wish, donations, tmp_path: Path
) -> None:
    donations(donation_row(1, 金额=200), donation_row(2, 金额=100))
    assert donations(donation_row(1, 金额=200)).summary["unchanged"] == 1
    run_match(campaign_ledger(tmp_path), standard=STANDARD)
    before = stored(tmp_path, "donations")
    with pytest.raises(UserError, match="D0001"):
        donations(donation_row(3), donation_row(1, 金额=90), name="改.xlsx")
    assert stored(tmp_path, "donations") == before
    assert load_accounts(campaign_ledger(tmp_path)).totals()["donations_total"] == "300.00"


# ---- the spec's codes --------------------------------------------------------------
def test_every_code_of_wishes_md_is_known_and_tested() -> None:
    spec = spec_file("wishes.md")
    table = re.findall(r"^\| ([A-Z_]+) \| (error|warning) \|", spec.read_text("utf-8"), re.M)
    assert {code: WISH_CODES[code].severity.value for code, _ in table} == dict(table)
    assert set(WISH_CODES) == {code for code, _ in table}
    assert set(SHARED_CODES) <= set(CODES)
    source = Path(__file__).read_text(encoding="utf-8")
    untested = [c for c in [*WISH_CODES, *SHARED_CODES] if f'"{c}"' not in source]
    assert untested == []


def test_every_wish_code_has_both_messages() -> None:
    for code, spec in WISH_CODES.items():
        assert spec.zh and spec.en and spec.zh != spec.en, code


def test_donation_headers_are_the_canonical_ones() -> None:
    from zjk_charity.wishes import columns

    assert [c.name for c in columns.DONATION_COLUMNS] == DONATION_HEADERS
    assert [c.name for c in columns.WISH_COLUMNS] == WISH_HEADERS
