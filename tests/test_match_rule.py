"""The matching rule of wishes.md, pinned step by step on hand-worked examples.

Amounts are in fen (30000 = 300 yuan). ``run`` applies one matching run to what earlier
runs left; the examples read as a donor would be told them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import closing
from datetime import date
from pathlib import Path

from conftest import connect_ledger
from test_wishes_support import (
    STANDARD,
    campaign_ledger,
    donation_row,
    donations_book,
    gift,
    wish,
    wish_row,
    wishes_book,
)
from zjk_charity.wishes.accounts import Accounts
from zjk_charity.wishes.importing import import_donations, import_wishes
from zjk_charity.wishes.match_run import load_accounts, run_match
from zjk_charity.wishes.matching import match_wishes
from zjk_charity.wishes.model import Donation, Match, Wish, WishStatus, natural_key
from zjk_charity.wishes.store import MatchRecord

Row = tuple[str, str, int, str]
D = date


def compact(matches: Sequence[Match]) -> list[Row]:
    return [(m.donation_id, m.wish_id, m.amount, m.basis.value) for m in matches]


def accounts_after(wishes: list[Wish], gifts: list[Donation], matches: list[Match]) -> Accounts:
    accounts = Accounts(wishes, gifts)
    accounts.set_matches([MatchRecord(i, 1, m) for i, m in enumerate(matches)])
    return accounts


def run(wishes: list[Wish], gifts: list[Donation], earlier: Sequence[Match] = ()) -> list[Row]:
    raised: dict[str, int] = {}
    given: dict[str, int] = {}
    for m in earlier:
        raised[m.wish_id] = raised.get(m.wish_id, 0) + m.amount
        given[m.donation_id] = given.get(m.donation_id, 0) + m.amount
    return compact(match_wishes(wishes, gifts, raised, given))


# ---- step 1: designated gifts -----------------------------------------------------------
def test_a_designated_gift_larger_than_its_wish_keeps_the_rest_for_that_wish() -> None:
    wishes = [wish("W1"), wish("W2", registered=D(2025, 3, 22))]
    gifts = [gift("D1", 100000, to="W1")]
    matches = match_wishes(wishes, gifts, {}, {})
    assert compact(matches) == [("D1", "W1", 30000, "designated")]
    accounts = accounts_after(wishes, gifts, matches)
    # the 700 yuan stay with W1 as a designated balance: W2, same county, gets none of it
    assert [(d.donation_id, accounts.balance(d)) for d in accounts.designated_balances()] == [
        ("D1", 70000)
    ]
    assert accounts.status(wishes[1]) is WishStatus.PENDING
    assert accounts.pool_balances() == []
    assert accounts.status_json()["designated_balances"] == [
        {
            "donation": "D1",
            "donor": "测捐赠人",
            "wish": "W1",
            "wish_status": "已实现",
            "amount": "700.00",
        }
    ]


def test_a_wish_partly_covered_by_a_designated_gift_is_finished_from_the_pool() -> None:
    # The general gift arrived first, but designated gifts are step 1.
    gifts = [gift("D1", 10000, D(2025, 4, 5), to="W1"), gift("D2", 50000, D(2025, 4, 1))]
    assert run([wish("W1")], gifts) == [
        ("D1", "W1", 10000, "designated"),
        ("D2", "W1", 20000, "general"),
    ]


def test_designated_gifts_go_in_order_of_arrival_up_to_the_need() -> None:
    gifts = [gift("D1", 20000, D(2025, 4, 2), to="W1"), gift("D2", 20000, D(2025, 4, 1), to="W1")]
    assert run([wish("W1")], gifts) == [
        ("D2", "W1", 20000, "designated"),
        ("D1", "W1", 10000, "designated"),
    ]


def test_designated_goods_go_to_their_wish_and_undesignated_goods_are_left_aside() -> None:
    wishes = [wish("W1"), wish("W2", registered=D(2025, 3, 22))]
    gifts = [
        gift("D1", 30000, goods=True),  # 羽绒服, not designated: never matched
        gift("D2", 30000, goods=True, to="W2"),
    ]
    matches = match_wishes(wishes, gifts, {}, {})
    assert compact(matches) == [("D2", "W2", 30000, "designated")]
    accounts = accounts_after(wishes, gifts, matches)
    assert [d.donation_id for d in accounts.goods_aside()] == ["D1"]
    assert accounts.status(wishes[0]) is WishStatus.PENDING


# ---- step 2: the pool ------------------------------------------------------------------
def test_a_category_restricted_gift_waits_for_a_matching_wish() -> None:
    left_behind = wish("W1", category="农村留守儿童")
    orphan_gift = gift("D1", 30000, category="孤儿")
    first = run([left_behind], [orphan_gift])
    assert first == []  # the only wish is not an orphan's: the gift waits
    orphan = wish("W2", registered=D(2025, 6, 1), category="孤儿")
    second = run([left_behind, orphan], [orphan_gift])
    assert second == [("D1", "W2", 30000, "category")]


def test_a_skipped_wish_is_followed_by_a_smaller_one_that_fits() -> None:
    wishes = [wish("W1", 50000), wish("W2", 30000, D(2025, 3, 22))]
    gifts = [gift("D1", 40000)]
    matches = match_wishes(wishes, gifts, {}, {})
    assert compact(matches) == [("D1", "W2", 30000, "general")]
    accounts = accounts_after(wishes, gifts, matches)
    assert accounts.status(wishes[0]) is WishStatus.PENDING  # 待认领: 100 yuan cannot cover it
    assert accounts.short(wishes[0]) == 50000


def test_a_wish_is_funded_whole_or_not_at_all() -> None:
    gifts = [gift("D1", 20000), gift("D2", 9999)]
    assert run([wish("W1")], gifts) == []
    assert run([wish("W1")], [*gifts, gift("D3", 1)]) == [
        ("D1", "W1", 20000, "general"),
        ("D2", "W1", 9999, "general"),
        ("D3", "W1", 1, "general"),
    ]


def test_money_is_taken_by_tier_then_by_arrival() -> None:
    orphan = wish("W1", 35000, category="孤儿", county="130722")
    gifts = [
        gift("G", 10000, D(2025, 3, 1)),  # general, the oldest
        gift("K", 10000, D(2025, 3, 2), county="130722"),
        gift("C", 10000, D(2025, 3, 3), category="孤儿"),
        gift("CK", 10000, D(2025, 3, 4), category="孤儿", county="130722"),
    ]
    assert run([orphan], gifts) == [
        ("CK", "W1", 10000, "category+county"),
        ("C", "W1", 10000, "category"),
        ("K", "W1", 10000, "county"),
        ("G", "W1", 5000, "general"),
    ]


def test_within_a_tier_by_arrival_date_then_number() -> None:
    gifts = [
        gift("D10", 10000, D(2025, 4, 1)),
        gift("D2", 10000, D(2025, 4, 1)),
        gift("D1", 10000, D(2025, 4, 2)),
    ]
    assert run([wish("W1", 25000)], gifts) == [
        ("D2", "W1", 10000, "general"),  # D2 before D10, as a person reads them
        ("D10", "W1", 10000, "general"),
        ("D1", "W1", 5000, "general"),
    ]


def test_wishes_in_order_of_registration_date_then_number() -> None:
    wishes = [
        wish("W2", registered=D(2025, 4, 1)),
        wish("W10", registered=D(2025, 4, 1)),
        wish("W30", registered=D(2025, 3, 1)),
    ]
    assert [w for _, w, _, _ in run(wishes, [gift("D1", 90000)])] == ["W30", "W2", "W10"]
    assert [w for _, w, _, _ in run(wishes, [gift("D1", 60000)])] == ["W30", "W2"]


def test_restrictions_must_all_hold() -> None:
    zhangbei_orphan = wish("W1", category="孤儿", county="130722")
    gifts = [
        gift("D1", 30000, category="孤儿", county="130726"),  # 蔚县 orphans only
        gift("D2", 30000, category="残疾儿童"),
        gift("D3", 30000, county="130726"),
    ]
    assert run([zhangbei_orphan], gifts) == []


def test_cash_pays_for_goods_wishes_too() -> None:
    satchel = wish("W1")._replace(kind="物资")
    assert run([satchel], [gift("D1", 30000)]) == [("D1", "W1", 30000, "general")]


def test_a_run_uses_only_what_earlier_runs_left() -> None:
    wishes = [wish("W1"), wish("W2", registered=D(2025, 3, 22))]
    first_gifts = [gift("D1", 40000, D(2025, 4, 1))]
    first = match_wishes(wishes, first_gifts, {}, {})
    assert compact(first) == [("D1", "W1", 30000, "general")]
    more = [*first_gifts, gift("D2", 20000, D(2025, 5, 1))]
    second = match_wishes(wishes, more, {"W1": 30000}, {"D1": 30000})
    assert compact(second) == [
        ("D1", "W2", 10000, "general"),
        ("D2", "W2", 20000, "general"),
    ]
    assert run(wishes, more, [*first, *second]) == []


def test_natural_order_of_numbers() -> None:
    assert sorted(["W10", "W2", "W1", "W02", "A9"], key=natural_key) == [
        "A9",
        "W1",
        "W02",
        "W2",
        "W10",
    ]


# ---- through the ledger ---------------------------------------------------------------
def test_two_rounds_in_the_ledger_keep_the_first_rounds_matches(tmp_path: Path) -> None:
    ledger = campaign_ledger(tmp_path)
    import_wishes(
        ledger,
        [wishes_book(tmp_path / "w.xlsx", [wish_row(1), wish_row(2, 登记日期="2025-03-22")])],
        STANDARD,
    )
    import_donations(ledger, [donations_book(tmp_path / "d1.xlsx", [donation_row(1, 金额=400)])])
    first = run_match(ledger, standard=STANDARD)
    assert compact(first.new) == [("D0001", "W0001", 30000, "general")]
    with closing(connect_ledger(tmp_path / "ws")) as conn:
        before = list(conn.execute("SELECT * FROM wish_matches ORDER BY id"))
    import_donations(ledger, [donations_book(tmp_path / "d2.xlsx", [donation_row(2, 金额=200)])])
    second = run_match(ledger, standard=STANDARD)
    assert compact(second.new) == [
        ("D0001", "W0002", 10000, "general"),
        ("D0002", "W0002", 20000, "general"),
    ]
    with closing(connect_ledger(tmp_path / "ws")) as conn:
        after = list(conn.execute("SELECT * FROM wish_matches ORDER BY id"))
        runs = list(conn.execute("SELECT command, outcome, result FROM runs ORDER BY id"))
    assert after[: len(before)] == before
    assert [m["wish"] for m in second.as_json()["matches"]] == ["W0001", "W0002", "W0002"]
    assert runs[-1][0] == "wishes match" and runs[-1][1] == "ok"
    assert json.loads(runs[-1][2])["new_matches"] == 2
    third = run_match(ledger, standard=STANDARD)
    assert third.new == [] and third.as_json() == second.as_json()
    totals = load_accounts(ledger).totals()
    assert (totals["fulfilled"], totals["children_helped"], totals["balance"]) == (2, 2, "0.00")


def test_match_imports_the_given_files_in_the_same_run(tmp_path: Path) -> None:
    ledger = campaign_ledger(tmp_path)
    result = run_match(
        ledger,
        standard=STANDARD,
        wish_files=[wishes_book(tmp_path / "w.xlsx", [wish_row(1), wish_row(2, 金额="坏")])],
        donation_files=[donations_book(tmp_path / "d.xlsx", [donation_row(1, 定向心愿="W0001")])],
    )
    assert [r.kind for r in result.imports] == ["wishes", "donations"]
    assert result.has_import_errors
    assert compact(result.new) == [("D0001", "W0001", 30000, "designated")]
    with closing(connect_ledger(tmp_path / "ws")) as conn:
        assert [r[0] for r in conn.execute("SELECT command FROM runs")] == ["wishes match"]
