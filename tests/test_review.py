"""`aid review import` (the province's 复审) and `aid notice --supplement` (补充公示)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from backends import ledger_rows
from conftest import make_id
from test_withdraw import YEAR, Listed, by_id, cli, fresh_listed, make_listed, pay, set_paid
from zjk_charity.aid.allocation import load_allocation
from zjk_charity.aid.changes import withdraw
from zjk_charity.aid.review import import_review


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Listed:
    return make_listed(tmp_path_factory.mktemp("listed"))


@pytest.fixture
def listed(request: pytest.FixtureRequest, tmp_path: Path) -> Listed:
    return fresh_listed(request, tmp_path)


def review_file(
    path: Path,
    rows: list[list[Any]],
    headers: tuple[str, ...] = ("序号", "姓名", "身份证号", "复审结果", "原因"),
) -> Path:
    """A review workbook as a province sends it: a merged title, then the table."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["2025年福彩暖冬资助对象省级复审结果"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append(list(headers))
    for n, row in enumerate(rows, start=1):
        sheet.append([n, *row])
    book.save(path)
    return path


def test_every_不通过_is_withdrawn_with_backfill_in_file_order(
    listed: Listed, tmp_path: Path
) -> None:
    path = review_file(
        tmp_path / "复审.xlsx",
        [
            ["测甲", listed.funded[0], "通过", ""],
            ["测乙", listed.funded[4], "不同意", "户籍不在本市"],
            ["测丙", listed.funded[1], "不通过", "有赡养人"],
            ["测丁", listed.funded[2], "同意", ""],
        ],
    )
    result = import_review(listed.ledger, YEAR, path, operator="省复审")
    assert not result.findings and result.applied
    assert (result.rows, result.passed, len(result.withdrawals), result.not_in_file) == (4, 2, 2, 2)
    # File order: 康保县's rank 7 first (its waitlist: rank 9), then 张北县's rank 2 (rank 5).
    takers = [w.backfilled.id_number for w in result.withdrawals if w.backfilled]
    assert takers == [listed.waiting[2], listed.waiting[0]]
    a = load_allocation(listed.ledger, YEAR)
    gone = a.change(by_id(a, listed.funded[4]).seq, "withdrawn")
    assert gone is not None
    assert (gone.reason, gone.note, gone.operator) == ("复审未通过", "户籍不在本市", "省复审")
    assert len(a.funded) == 6


def test_importing_the_same_file_again_changes_nothing(listed: Listed, tmp_path: Path) -> None:
    path = review_file(tmp_path / "复审.xlsx", [["测乙", listed.funded[4], "不通过", "迁出"]])
    first = cli(listed.ws, "aid", "review", "import", str(path))
    assert first.exit_code == 0, first.output
    assert "不通过 1 人" in first.output and listed.funded[4] not in first.output
    changes = ledger_rows(listed.ws)["aid_changes"]
    again = cli(listed.ws, "aid", "review", "import", str(path), "--json")
    assert again.exit_code == 0, again.output
    doc = json.loads(again.stdout)
    assert (doc["rejected"], doc["already_withdrawn"], doc["applied"]) == (0, 1, True)
    assert ledger_rows(listed.ws)["aid_changes"] == changes


def test_an_id_not_on_the_list_blocks_the_whole_file(listed: Listed, tmp_path: Path) -> None:
    path = review_file(
        tmp_path / "复审.xlsx",
        [
            ["测乙", listed.funded[4], "不通过", "迁出"],
            ["测候", listed.waiting[0], "通过", ""],
            ["测外", make_id("19400101", "110101", "001"), "不通过", ""],
        ],
    )
    before = ledger_rows(listed.ws)
    result = cli(listed.ws, "aid", "review", "import", str(path), "--json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert not doc["applied"] and doc["rejected"] == 0
    assert [(f["row"], f["code"]) for f in doc["findings"]] == [
        (4, "NOT_FUNDED"),
        (5, "NOT_FUNDED"),
    ]
    assert f"尾号 {make_id('19400101', '110101', '001')[-4:]}" in doc["findings"][1]["message"]
    assert "测*" in doc["findings"][1]["message"]
    assert ledger_rows(listed.ws) == before
    shown = cli(listed.ws, "aid", "review", "import", str(path))
    assert "有错误，未作任何处理" in shown.output and "NOT_FUNDED" in shown.output


def test_cell_problems_are_findings_and_block_the_file(listed: Listed, tmp_path: Path) -> None:
    fifteen = listed.funded[0][:6] + listed.funded[0][8:17]  # the old 15-digit form
    path = review_file(
        tmp_path / "复审.xlsx",
        [
            ["测甲", fifteen, "不通过", "去世"],
            ["测乙", float(listed.funded[1]), "不通过", ""],
            ["测丙", listed.funded[2], "待定", ""],
            ["测丁", listed.funded[3], "", ""],
        ],
    )
    result = import_review(listed.ledger, YEAR, path)
    codes = [(f.row, f.code) for f in result.findings]
    assert codes == [
        (3, "ID_OLD_FORMAT"),
        (4, "PRECISION_LOST"),
        (5, "INVALID_VALUE"),
        (6, "MISSING_FIELD"),
    ]
    assert "通过、不通过、同意、不同意" in result.findings[2].message()
    assert not result.applied and not result.withdrawals
    # Without the bad rows, the 15-digit ID is the funded person's, upgraded.
    good = review_file(tmp_path / "好.xlsx", [["测甲", fifteen, "不通过", "去世"]])
    applied = import_review(listed.ledger, YEAR, good)
    assert [f.code for f in applied.findings] == ["ID_OLD_FORMAT"]  # a warning
    assert applied.withdrawals[0].withdrawn.id_number == listed.funded[0]


def test_header_aliases_意见_and_备注(listed: Listed, tmp_path: Path) -> None:
    path = review_file(
        tmp_path / "复审.csv.xlsx",
        [["测乙", listed.funded[5], "不同意", "重复申报"]],
        headers=("序号", "受助人姓名", "公民身份号码", "复审结果", "意见"),
    )
    result = import_review(listed.ledger, YEAR, path)
    assert result.withdrawals[0].change.note == "重复申报"


def test_a_不通过_for_someone_paid_is_refused_and_nothing_applied(
    listed: Listed, tmp_path: Path
) -> None:
    pay(listed, [listed.funded[1]])
    set_paid(listed, listed.funded[1])
    path = review_file(
        tmp_path / "复审.xlsx",
        [["测甲", listed.funded[0], "不通过", ""], ["测乙", listed.funded[1], "不通过", ""]],
    )
    before = ledger_rows(listed.ws)
    result = cli(listed.ws, "aid", "review", "import", str(path))
    assert result.exit_code == 2 and "已付款成功" in result.output
    assert ledger_rows(listed.ws) == before


# ------------------------------------------------------------------------ 补充公示


def rows_of(path: Path) -> list[tuple[Any, ...]]:
    return list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))  # type: ignore[union-attr]


def test_supplement_posts_the_backfilled_once(listed: Listed, tmp_path: Path) -> None:
    nobody = cli(listed.ws, "aid", "notice", "--supplement", "--out", str(tmp_path / "n"))
    assert nobody.exit_code == 0 and "没有需要补充公示的递补人员" in nobody.output
    assert not (tmp_path / "n").exists()
    withdraw(listed.ledger, YEAR, listed.funded[0], "去世")  # 张北县 → its rank 5
    withdraw(listed.ledger, YEAR, listed.funded[4], "放弃")  # 康保县 → its rank 9
    out = tmp_path / "公示"
    result = cli(listed.ws, "aid", "notice", "--supplement", "--notice-from", "2025-11-03",
                 "--out", str(out), "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["supplement"] == 1 and doc["people"] == 2
    assert doc["notice"]["start"] == "2025-11-03" and doc["notice"]["end"] == "2025-11-11"
    names = sorted(p.name for p in out.glob("*.xlsx"))
    assert names == ["补充公示-2025-康保县.xlsx", "补充公示-2025-张北县.xlsx"]
    rows = rows_of(out / "补充公示-2025-张北县.xlsx")
    assert rows[0][0] == "2025年福彩暖冬资助对象补充公示名单"
    assert rows[2][0] == "张北县：递补资助对象 1 人，资助金额 1,000.00 元"
    assert "公示期：2025年11月3日至2025年11月11日（7个工作日）" in [r[0] for r in rows]
    (person,) = [r for r in rows if isinstance(r[0], int)]
    masked = listed.waiting[0][:6] + "********" + listed.waiting[0][-4:]
    assert person[5] == masked and person[4].count("*") == 1 and person[6] == 1000
    assert listed.waiting[0] not in json.dumps(rows, ensure_ascii=False, default=str)
    sheet = openpyxl.load_workbook(out / "补充公示-2025-张北县.xlsx").active
    assert sheet is not None and sheet.print_title_rows and "&P" in sheet.oddFooter.center.text
    assert sheet.page_setup.paperSize in (9, "9")  # A4
    # Posted: a second run has nobody new; the explain says which 补充公示.
    again = cli(listed.ws, "aid", "notice", "--supplement", "--out", str(out))
    assert again.exit_code == 0 and "没有需要补充公示" in again.output
    told = cli(listed.ws, "aid", "explain", listed.waiting[0]).output
    assert "已在第 1 批补充公示中公示，公示期：2025年11月3日至2025年11月11日" in told
    # A later backfill is the second round, in files of its own.
    withdraw(listed.ledger, YEAR, listed.funded[1], "去世")
    third = cli(listed.ws, "aid", "notice", "--supplement", "--out", str(out))
    assert third.exit_code == 0, third.output
    assert (out / "补充公示-2025-第2批-张北县.xlsx").exists()
    assert rows_of(out / "补充公示-2025-第2批-张北县.xlsx")[0][0].endswith("（第2批）")


def test_supplement_skips_someone_backfilled_and_withdrawn_before_posting(
    listed: Listed, tmp_path: Path
) -> None:
    withdraw(listed.ledger, YEAR, listed.funded[0], "去世")
    withdraw(listed.ledger, YEAR, listed.waiting[0], "放弃")  # → 张北县's rank 6
    result = cli(listed.ws, "aid", "notice", "--supplement", "--out", str(tmp_path), "--json")
    doc = json.loads(result.stdout)
    assert doc["people"] == 1
    rows = rows_of(tmp_path / "补充公示-2025-张北县.xlsx")
    (person,) = [r for r in rows if isinstance(r[0], int)]
    assert person[5].endswith(listed.waiting[1][-4:])


def test_supplement_for_named_counties_leaves_the_others_waiting(
    listed: Listed, tmp_path: Path
) -> None:
    withdraw(listed.ledger, YEAR, listed.funded[0], "去世")
    withdraw(listed.ledger, YEAR, listed.funded[4], "放弃")
    first = cli(
        listed.ws, "aid", "notice", "--supplement", "--county", "康保", "--out", str(tmp_path)
    )
    assert first.exit_code == 0, first.output
    assert [p.name for p in tmp_path.glob("补充公示*.xlsx")] == ["补充公示-2025-康保县.xlsx"]
    rest = cli(listed.ws, "aid", "notice", "--supplement", "--out", str(tmp_path / "b"), "--json")
    assert [c["county"] for c in json.loads(rest.stdout)["counties"]] == ["张北县"]


@pytest.mark.parametrize("bad", ["2030-01-01", "not-a-day"])
def test_supplement_with_a_bad_start_changes_nothing(
    listed: Listed, tmp_path: Path, bad: str
) -> None:
    withdraw(listed.ledger, YEAR, listed.funded[0], "去世")
    before = ledger_rows(listed.ws)
    result = cli(
        listed.ws, "aid", "notice", "--supplement", "--notice-from", bad, "--out", str(tmp_path)
    )
    assert result.exit_code == 2
    assert ledger_rows(listed.ws) == before
