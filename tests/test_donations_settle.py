"""``donations settle`` (payout.md, last paragraph): what a donor decided for a designated
balance or goods aside, what the accounts, ``wishes status`` and the next ``wishes
match`` make of it, and the refusals that leave the ledger as it was."""

from __future__ import annotations

import json
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from conftest import connect_ledger, ledger_at, ledger_exists
from test_wishes_support import STANDARD, donation_row, donations_book
from wishes_after_support import matched_campaign
from zjk_charity.cli.wishes import donations_app, wishes_app
from zjk_charity.cli.wishes_after import register
from zjk_charity.errors import UserError
from zjk_charity.ledger import Ledger
from zjk_charity.wishes.accounts import Accounts
from zjk_charity.wishes.importing import import_donations
from zjk_charity.wishes.match_run import run_match
from zjk_charity.wishes.progress import Progress
from zjk_charity.wishes.settle import Decision, settle
from zjk_charity.wishes.store import load_matches, load_settlements

app = typer.Typer()
app.add_typer(wishes_app, name="wishes")
app.add_typer(donations_app, name="donations")
if "deliver" not in {g.name for g in wishes_app.registered_groups}:
    register(wishes_app, donations_app)
runner = CliRunner()
NOW = datetime(2025, 12, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    """D0001: 700.00 designated balance (its wish W0001 is covered); D0003: 600.00 goods
    aside; W0004 still needs 300.00 (see ``matched_campaign``)."""
    return matched_campaign(tmp_path)


def _accounts(ledger: Ledger) -> Accounts:
    with ledger.read() as conn:
        return Accounts.load(conn)


def _settle(ledger: Ledger, donation: str, to: str, note: str = "捐赠人电话同意") -> object:
    return settle(ledger, donation, to, note, operator="测经办", now=NOW)


def _invariant(accounts: Accounts) -> None:
    t = accounts.totals()
    assert _fen(t["donations_total"]) == _fen(t["matched"]) + _fen(t["balance"]) + _fen(
        t["refunded"]
    )


def _fen(text: str) -> int:
    whole, part = text.split(".")
    return int(whole) * 100 + int(part)


def _dump(ws: Path) -> list[object]:
    with closing(connect_ledger(ws)) as conn:
        return [
            [tuple(row) for row in conn.execute(f"SELECT * FROM {table} ORDER BY id")]
            for table in ("runs", "wish_matches", "donation_settlements")
        ]


# ---- the three decisions ------------------------------------------------------------
def test_general_releases_the_balance_for_the_next_match(ledger: Ledger) -> None:
    earlier = _accounts(ledger).matches
    result = settle(
        ledger, "D0001", "general", "  捐赠人同意用于其他心愿 ", operator="测经办", now=NOW
    )
    assert (result.waiting, result.before, result.amount, result.left) == (
        "designated",
        70000,
        70000,
        0,
    )
    assert result.match is None and result.note == "捐赠人同意用于其他心愿"
    accounts = _accounts(ledger)
    assert accounts.designated_balances() == [] and accounts.matches == earlier
    assert [(p.key, p.amount) for p in accounts.pool_balances()] == [((None, None), 70000)]
    (stored,) = accounts.settlements
    assert (stored.donation_id, stored.target, stored.wish_id, stored.amount) == (
        "D0001",
        "general",
        None,
        70000,
    )
    assert (stored.operator, stored.at) == ("测经办", "2025-12-01T09:30:00+00:00")
    assert accounts.totals()["refunded"] == "0.00"
    _invariant(accounts)
    # the next match uses it: W0004 is funded from D0001, by the general tier
    new = run_match(ledger, standard=STANDARD).new
    assert [(m.donation_id, m.wish_id, m.amount, m.basis.value) for m in new] == [
        ("D0001", "W0004", 30000, "general")
    ]


def test_wish_gives_what_that_wish_needs_and_the_rest_still_waits(ledger: Ledger) -> None:
    earlier = _accounts(ledger).matches
    result = settle(ledger, "D0001", "wish:W0004", "捐赠人来函同意", operator="测经办", now=NOW)
    assert (result.amount, result.left, result.wish_short) == (30000, 40000, 0)
    assert result.match is not None and result.match.basis.value == "designated"
    accounts = _accounts(ledger)
    assert accounts.matches[: len(earlier)] == earlier
    assert [(r.match.donation_id, r.match.wish_id, r.match.amount) for r in accounts.matches][
        len(earlier) :
    ] == [("D0001", "W0004", 30000)]
    assert [(d.donation_id, accounts.balance(d)) for d in accounts.designated_balances()] == [
        ("D0001", 40000)
    ]
    assert accounts.status(accounts.wish_by_id["W0004"]).value == "已实现"
    assert [(s.target, s.wish_id, s.amount) for s in accounts.settlements] == [
        ("wish", "W0004", 30000)
    ]
    _invariant(accounts)
    # the rest can be decided later: refunded, the whole of what is left
    again = settle(ledger, "D0001", "refund", "余款退还", operator="测经办", now=NOW)
    assert (again.before, again.amount, again.left) == (40000, 40000, 0)
    after = _accounts(ledger)
    assert after.designated_balances() == [] and after.totals()["refunded"] == "400.00"
    _invariant(after)


def test_refund_takes_the_balance_out_of_the_accounts(ledger: Ledger) -> None:
    before = _accounts(ledger).totals()
    _settle(ledger, "D0001", "refund")
    accounts = _accounts(ledger)
    t = accounts.totals()
    assert (t["refunded"], t["balance"]) == ("700.00", f"{_fen(before['balance']) / 100 - 700:.2f}")
    assert t["donations_total"] == before["donations_total"]
    assert accounts.designated_balances() == [] and accounts.refunded == {"D0001": 70000}
    _invariant(accounts)
    # refunded money is never matched: the next run leaves W0004 waiting
    assert run_match(ledger, standard=STANDARD).new == []


def test_goods_aside_go_to_a_wish_or_back_to_the_donor(ledger: Ledger) -> None:
    result = _settle(ledger, "D0003", "wish:W0004")
    assert (result.waiting, result.amount, result.left) == ("goods", 30000, 30000)  # type: ignore[attr-defined]
    with ledger.read() as conn:
        progress = Progress.load(conn)
    assert progress.payouts["W0004"].funded and progress.payouts["W0004"].in_kind
    assert [
        (d.donation_id, progress.accounts.balance(d)) for d in progress.accounts.goods_aside()
    ] == [("D0003", 30000)]
    _settle(ledger, "D0003", "refund")
    accounts = _accounts(ledger)
    assert accounts.goods_aside() == [] and accounts.refunded == {"D0003": 30000}
    _invariant(accounts)


# ---- refusals: UserError, the ledger as it was ---------------------------------------------
@pytest.mark.parametrize(
    ("donation", "to", "note", "said"),
    [
        ("D9999", "general", "同意", "D9999"),
        ("D0002", "refund", "同意", "已全部匹配或退还"),
        ("D0001", "general", "   ", "--note"),
        ("D0001", "wish:W9999", "同意", "W9999"),
        ("D0001", "wish:W0002", "同意", "已筹满"),
        ("D0003", "general", "同意", "物资"),
        ("D0001", "elsewhere", "同意", "--to"),
        ("D0001", "wish:", "同意", "--to"),
    ],
)
def test_refusals_leave_the_ledger_unchanged(
    tmp_path: Path, ledger: Ledger, donation: str, to: str, note: str, said: str
) -> None:
    before = _dump(tmp_path / "ws")
    with pytest.raises(UserError) as caught:
        _settle(ledger, donation, to, note)
    assert said in caught.value.message("zh") and caught.value.message("en")
    assert _dump(tmp_path / "ws") == before


def test_undesignated_cash_and_a_gift_whose_wish_still_needs_money_are_refused(
    tmp_path: Path, ledger: Ledger
) -> None:
    more = donations_book(
        tmp_path / "又.xlsx",
        [
            donation_row(4, 金额=100, 定向心愿="W0004"),  # W0004 needs 300: not matched yet
            donation_row(5, 金额=50),  # undesignated cash: the rule's money
        ],
    )
    import_donations(ledger, [more])
    with pytest.raises(UserError) as first:
        _settle(ledger, "D0004", "refund")
    assert "wishes match" in first.value.message("zh")
    with pytest.raises(UserError) as second:
        _settle(ledger, "D0005", "refund")
    assert "非定向资金" in second.value.message("zh")
    # once released (general), a balance no longer waits: a second decision is refused
    _settle(ledger, "D0001", "general")
    with pytest.raises(UserError):
        _settle(ledger, "D0001", "refund")


def test_a_decision_never_takes_the_place_of_a_gift_designated_to_that_wish(
    tmp_path: Path, ledger: Ledger
) -> None:
    """Step 1 of the rule comes first: a gift designated to W0004 but not matched yet
    must not be turned into a designated balance by another donor's decision for W0004."""
    more = donations_book(tmp_path / "又.xlsx", [donation_row(4, 金额=200, 定向心愿="W0004")])
    import_donations(ledger, [more])
    before = _dump(tmp_path / "ws")
    with pytest.raises(UserError) as refused:
        _settle(ledger, "D0001", "wish:W0004")
    assert "D0004" in refused.value.message("zh") and "wishes match" in refused.value.message("zh")
    assert _dump(tmp_path / "ws") == before
    run_match(ledger, standard=STANDARD)  # D0004 gives W0004 its 200; 100 still needed
    result = _settle(ledger, "D0001", "wish:W0004")
    assert result.amount == 10000  # what W0004 still needed, not its whole 300
    accounts = _accounts(ledger)
    assert accounts.balance(accounts.donation_by_id["D0004"]) == 0


def test_no_ledger_is_refused_and_none_is_created(tmp_path: Path) -> None:
    ledger = ledger_at(tmp_path / "none")
    with pytest.raises(UserError):
        _settle(ledger, "D0001", "general")
    assert not ledger_exists(tmp_path / "none")


def test_the_decision_is_read_as_typed() -> None:
    assert Decision.parse(" General ") == Decision("general")
    assert Decision.parse("wish：W0004") == Decision("wish", "W0004")
    assert Decision.parse("refund") == Decision("refund")


# ---- the command, and what status and match show after it ----------------------------------
def _run(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def test_cli_settle_general_then_status_and_match_end_to_end(
    ledger: Ledger, tmp_path: Path
) -> None:
    ws = tmp_path / "ws"
    (ws / "zjk-charity.toml").write_text('[signers]\nhandler = "测经办"\n', encoding="utf-8")
    shown = _run(
        "donations", "settle", "D0001", "--to", "general", "--note", "捐赠人同意", "-w", ws
    )
    assert shown.exit_code == 0, shown.output
    assert "700.00 元经捐赠人同意转为非定向资金" in shown.output
    assert "下次运行 zjk-charity wishes match" in shown.output and "测经办" in shown.output
    status = json.loads(_run("wishes", "status", "--json", "-w", ws).stdout)
    assert status["designated_balances"] == []
    assert [(g["donation"], g["amount"]) for g in status["goods_aside"]] == [("D0003", "600.00")]
    assert [(s["donation"], s["to"], s["amount"]) for s in status["settlements"]] == [
        ("D0001", "general", "700.00")
    ]
    matched = _run("wishes", "match", "--json", "--no-workbook", "-w", ws)
    assert matched.exit_code == 0, matched.output
    document = json.loads(matched.stdout)
    assert document["matches"][-1] == {
        "donation": "D0001",
        "wish": "W0004",
        "amount": "300.00",
        "basis": "general",
    }
    assert (document["pending"], document["refunded"]) == (0, "0.00")


def test_cli_json_is_what_the_ledger_recorded(ledger: Ledger, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    result = _run(
        "donations",
        "settle",
        "D0001",
        "--to",
        "wish:W0004",
        "--note",
        "来函同意",
        "--json",
        "-w",
        ws,
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    with closing(connect_ledger(ws)) as conn:
        (stored,) = load_settlements(conn)
        last_match = load_matches(conn)[-1]
    assert document == {
        "donation": "D0001",
        "donor": "匿名",
        "kind": "资金",
        "waiting": "designated",
        "to": "wish",
        "wish": "W0004",
        "balance": "700.00",
        "amount": "300.00",
        "still_waiting": "400.00",
        "wish_short": "0.00",
        "note": "来函同意",
        "operator": stored.operator,
        "at": stored.at,
        "match": {"donation": "D0001", "wish": "W0004", "amount": "300.00", "basis": "designated"},
        "totals": _accounts(ledger).totals(),
    }
    assert last_match.run_id == stored.run_id
    people = _run("donations", "settle", "D0001", "--to", "refund", "--note", "退还", "-w", ws)
    assert (
        "400.00 元退还捐赠人" in people.output and "已没有待捐赠人决定的余额" not in people.output
    )
    assert "全部待决定：1 笔，合计 600.00 元" in people.output  # the goods aside
    status = _run("wishes", "status", "-w", ws).output
    assert "捐赠人的决定" in status and "来函同意" in status and "退还捐赠人" in status
    assert "已退还捐赠人" in status and "400.00" in status


def test_cli_refusal_exits_2_with_the_message(ledger: Ledger, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    result = _run("donations", "settle", "D0003", "--to", "general", "--note", "同意", "-w", ws)
    assert result.exit_code == 2 and "物资" in result.output and "Traceback" not in result.output
    english = _run(
        "donations",
        "settle",
        "D0001",
        "--to",
        "wish:W0001",
        "--note",
        "ok",
        "--lang",
        "en",
        "-w",
        ws,
    )
    assert english.exit_code == 2 and "fully funded" in english.output


def test_cli_english_wish_output(ledger: Ledger, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    result = _run(
        "donations",
        "settle",
        "D0003",
        "--to",
        "wish:W0004",
        "--note",
        "ok",
        "--lang",
        "en",
        "-w",
        ws,
    )
    assert result.exit_code == 0, result.output
    assert "300.00 yuan go to wish W0004 (now fully funded)" in result.output
    assert "300.00 yuan still wait for the donor's decision" in result.output


def test_help() -> None:
    assert runner.invoke(app, ["donations", "settle", "--help"]).exit_code == 0


def test_the_note_is_kept_as_typed(ledger: Ledger) -> None:
    """The donor's agreement in the clerk's words: the Chinese comma and brackets stay."""
    note = "2025年10月10日电话联系，捐赠人同意全额退还（见通话记录）"
    _settle(ledger, "D0001", "refund", f"  {note} ")
    with ledger.read() as conn:
        assert conn is not None
        assert [s.note for s in load_settlements(conn)] == [note]
