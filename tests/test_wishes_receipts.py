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


@pytest.fixture(scope="module")
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
