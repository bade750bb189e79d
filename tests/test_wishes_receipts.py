"""The match workbook's 捐赠人回执 after the match: each wish's stage, balances net of refunds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

import wish_states
from test_wishes_support import STANDARD
from zjk_charity.ledger import Ledger
from zjk_charity.wishes.match_run import MatchResult, run_match
from zjk_charity.wishes.outputs import write_match_book
from zjk_charity.wishes.progress import Progress


@pytest.fixture(scope=wish_states.shared_scope)
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Ledger:
    return wish_states.every_stage(tmp_path_factory.mktemp("receipts"))


def _receipts(path: Path) -> list[tuple[Any, ...]]:
    sheet = openpyxl.load_workbook(path)["捐赠人回执"]
    return [row for row in sheet.iter_rows(min_row=4, values_only=True) if any(row)]


def _book(ledger: Ledger, target: Path) -> list[tuple[Any, ...]]:
    with ledger.read() as conn:
        progress = Progress.load(conn)
    write_match_book(progress.accounts, target, year=2025, progress=progress)
    return _receipts(target)


def test_the_status_column_is_the_stage_with_the_delivery_date(
    ledger: Ledger, tmp_path: Path
) -> None:
    rows = _book(ledger, tmp_path / "book.xlsx")
    stage = {row[3]: row[8] for row in rows if row[3]}
    assert stage == {
        "W0001": "已送达 2025-11-02",
        "W0002": "已采购",
        "W0003": "已认领",  # its payment failed
        "W0004": "已支付",
        "W0005": "已认领",
        "W0006": "已认领",
    }


def test_balances_are_net_of_refunds_and_each_gift_adds_up(ledger: Ledger, tmp_path: Path) -> None:
    rows = _book(ledger, tmp_path / "book.xlsx")
    headings = [str(row[0]) for row in rows if str(row[0]).startswith("捐赠人：")]
    person = next(h for h in headings if h.startswith("捐赠人：测个人"))
    assert "已退还 200.00 元" in person and person.endswith("余额 0.00 元")
    assert next(h for h in headings if h.startswith("捐赠人：匿名")).endswith("余额 588.88 元")
    # D0005 (500.00): 300.00 to W0004, 200.00 refunded, nothing left.
    start = next(n for n, row in enumerate(rows) if row[0] == "D0005")
    assert [(r[6], float(r[7]), r[8]) for r in rows[start : start + 2]] == [
        ("新学期的书包和文具", 300.0, "已支付"),
        ("已退还捐赠人", 200.0, "已退还"),
    ]
    gifts: dict[str, float] = {}
    current = ""
    for row in rows:
        if row[0] and not str(row[0]).startswith("捐赠人："):
            current = str(row[0])
            gifts[current] = float(row[2])
        if current and row[7] is not None:
            gifts[current] -= float(row[7])
    assert all(abs(left) < 0.005 for left in gifts.values()), gifts


def test_a_match_run_writes_the_stages_it_knows(ledger: Ledger, tmp_path: Path) -> None:
    written: list[Path] = []

    def write(result: MatchResult) -> None:
        assert result.stages is not None
        written.append(
            write_match_book(
                result.accounts, tmp_path / "run.xlsx", result.run_id, 2025, result.stages
            )
        )

    run_match(ledger, standard=STANDARD, write=write)
    stage = {row[3]: row[8] for row in _receipts(written[0]) if row[3]}
    assert stage["W0001"] == "已送达 2025-11-02" and stage["W0002"] == "已采购"


def test_without_payments_known_a_funded_wish_is_claimed(ledger: Ledger, tmp_path: Path) -> None:
    with ledger.read() as conn:
        accounts = Progress.load(conn).accounts
    write_match_book(accounts, tmp_path / "plain.xlsx")
    stages = {row[8] for row in _receipts(tmp_path / "plain.xlsx") if row[3]}
    assert stages == {"已认领"}


# ---- the other sheets after donors' decisions ---------------------------------------------
def _table(path: Path, name: str, first: str) -> list[dict[str, Any]]:
    """A sheet's rows under its header (the row whose first cell is ``first``), by header."""
    rows = list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))
    at = next(n for n, row in enumerate(rows) if row[0] == first)
    header = rows[at]
    return [dict(zip(header, row, strict=True)) for row in rows[at + 1 :] if any(row)]


def test_the_summary_adds_up_with_what_was_refunded(ledger: Ledger, tmp_path: Path) -> None:
    target = tmp_path / "book.xlsx"
    _book(ledger, target)
    amounts = {r["项目"]: r["金额（元）"] for r in _table(target, "汇总", "项目")}
    counts = {r["项目"]: r["数量"] for r in _table(target, "汇总", "项目")}
    total = amounts["捐赠总额（资金及物资折合）"]
    assert amounts["已退还捐赠人"] == 200 and counts["已退还捐赠人"] == 1
    assert total == pytest.approx(
        amounts["已匹配到心愿"] + amounts["已退还捐赠人"] + amounts["余额"]
    )
    with ledger.read() as conn:
        t = Progress.load(conn).accounts.totals()
    assert (total, amounts["已退还捐赠人"]) == (float(t["donations_total"]), float(t["refunded"]))


def test_each_gift_shows_its_designation_as_given_and_what_was_decided(
    ledger: Ledger, tmp_path: Path
) -> None:
    target = tmp_path / "book.xlsx"
    _book(ledger, target)
    rows = {r["捐赠编号"]: r for r in _table(target, "捐赠去向", "捐赠编号")}
    for r in rows.values():  # every gift adds up, refunds included
        assert r["金额"] == pytest.approx(r["已匹配"] + r["已退还"] + r["余额"]), r
    # D0006 was designated to W0001 and let go: shown as given, with the decision.
    assert (rows["D0006"]["定向心愿"], rows["D0006"]["余额"]) == ("W0001", 500)
    assert rows["D0006"]["余额说明"] == "捐赠人同意转为非定向（原定向 W0001）；待匹配（限定：不限）"
    assert (rows["D0005"]["已退还"], rows["D0005"]["余额说明"]) == (200, "已退还捐赠人")
    assert rows["D0001"]["余额说明"] == (
        "捐赠人改定 300.00 元给心愿 W0006；定向余额：所定向的心愿已筹满，待与捐赠人商定去向"
    )
    assert rows["D0003"]["余额说明"] == "未定向物资：单独保管，待人工安排"
    # The receipt says the same of the released gift.
    receipt = [r for r in _receipts(target) if r[6] and str(r[6]).startswith("待匹配（捐赠人")]
    assert [r[6] for r in receipt] == ["待匹配（捐赠人同意转为非定向，原定向 W0001）"]
    # The settlements' notes are free text, written nowhere in the workbook.
    book = openpyxl.load_workbook(target)
    cells = " ".join(str(v) for s in book for row in s.iter_rows(values_only=True) for v in row)
    for note in ("捐赠人同意转给 W0006", "捐赠人要求退回", "捐赠人同意用于其他心愿"):
        assert note not in cells


def test_a_match_the_donor_decided_is_marked_as_such(ledger: Ledger, tmp_path: Path) -> None:
    target = tmp_path / "book.xlsx"
    _book(ledger, target)
    marked = [
        (r["捐赠编号"], r["心愿编号"], r["依据"], r["说明"])
        for r in _table(target, "匹配明细", "序号")
        if r["说明"]
    ]
    assert marked == [("D0001", "W0006", "定向", "捐赠人改定 2025-11-10")]


def test_long_notes_wrap_on_rows_tall_enough_to_print_them(ledger: Ledger, tmp_path: Path) -> None:
    target = tmp_path / "book.xlsx"
    _book(ledger, target)
    book = openpyxl.load_workbook(target)
    for name, text in (("捐赠人回执", "定向余额："), ("捐赠去向", "捐赠人改定 300.00")):
        sheet = book[name]
        cell = next(c for row in sheet.iter_rows() for c in row if str(c.value).startswith(text))
        assert cell.alignment.wrap_text, name
        assert (sheet.row_dimensions[cell.row].height or 0) >= 35, name  # two lines
