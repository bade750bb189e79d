"""Ledger states of 微心愿 after the match, made directly through the stores (no tests here).

The commands that write these states (``wishes pay``, ``wishes payments import``,
``wishes deliver import``, ``donations settle``) are built elsewhere; the readers of the
states (letters, report, receipts) are tested against states made here, each in its own
``Ledger.run`` with the command name the real command records, so a report's runs and
provenance can be checked too.

- :func:`campaign`: wishes and donations imported, and matched, through the library;
- :func:`pay`: a bank batch (资金 wishes) or a 采购清单 (method ``purchase``, 物资 wishes);
- :func:`set_states`: the bank's results (paid / failed / pending) on wishes' instructions;
- :func:`deliver`: deliveries;
- :func:`settle`: a donor's decision (general, refund, or to a wish with its match).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from test_wishes_support import STANDARD, donations_book, wishes_book
from zjk_charity.ledger import Ledger
from zjk_charity.payments import store as payments_store
from zjk_charity.payments.model import BatchLine, Method, Payee, State
from zjk_charity.wishes import store
from zjk_charity.wishes.accounts import Accounts
from zjk_charity.wishes.amounts import Fen, to_decimal
from zjk_charity.wishes.importing import import_donations, import_wishes
from zjk_charity.wishes.match_run import run_match
from zjk_charity.wishes.model import Basis, Match, Source

YEAR = 2025


def campaign(
    folder: Path,
    wishes: Sequence[dict[str, Any]],
    donations: Sequence[dict[str, Any]],
    *,
    ledger: Ledger | None = None,
) -> Ledger:
    """Import ``wishes`` and ``donations`` (rows of ``test_wishes_support``) and match."""
    folder.mkdir(parents=True, exist_ok=True)
    ledger = ledger or Ledger(folder / "ws" / "zjk-charity.db")
    if wishes:
        import_wishes(ledger, [wishes_book(folder / "心愿.xlsx", wishes)], STANDARD)
    if donations:
        import_donations(ledger, [donations_book(folder / "捐赠.xlsx", donations)])
    run_match(ledger, standard=STANDARD)
    return ledger


def match_again(ledger: Ledger) -> None:
    run_match(ledger, standard=STANDARD)


def pay(ledger: Ledger, wish_ids: Iterable[str], method: Method = "bank") -> str:
    """One batch paying ``wish_ids`` their amount (bank: ``pending``; purchase:
    ``purchasing``), under the command ``wishes pay``; returns its code."""
    with ledger.run("wishes pay", {"test": True}) as run:
        wishes = Accounts.load(run.conn).wish_by_id
        lines = [
            BatchLine(
                n,
                Payee(
                    key=w.wish_id,
                    county=w.county,
                    name=w.guardian or "测监护",
                    account=w.account,
                    bank="",
                    amount=to_decimal(w.amount),
                    person=w.child_name,
                ),
                "微心愿",
            )
            for n, w in enumerate((wishes[i] for i in wish_ids), start=1)
        ]
        code = payments_store.next_code(run.conn, "wishes", YEAR, method)
        payments_store.record_batch(
            run.conn, run.id, code=code, purpose="wishes", year=YEAR, method=method, lines=lines
        )
    return code


def set_states(
    ledger: Ledger, states: Mapping[str, State], reason: str | None = None
) -> None:
    """Each wish's latest instruction moved to its state (``wishes payments import``)."""
    with ledger.run("wishes payments import", {"test": True}) as run:
        latest = {
            i.payee: i.id for i in payments_store.instructions(run.conn, "wishes", None)
        }
        payments_store.set_state(
            run.conn,
            run.id,
            [(latest[w], state, reason if state == "failed" else None) for w, state in states.items()],
        )


def deliver(ledger: Ledger, days: Mapping[str, date], handler: str = "测经办") -> None:
    """Record deliveries (``wishes deliver import``)."""
    with ledger.run("wishes deliver import", {"test": True}) as run:
        store.insert_deliveries(
            run.conn,
            run.id,
            [
                store.Delivery(w, day, handler, "", Source("送达.xlsx", "送达", n), run.id)
                for n, (w, day) in enumerate(days.items(), start=3)
            ],
        )


def settle(
    ledger: Ledger,
    donation_id: str,
    target: str,
    *,
    wish_id: str | None = None,
    amount: Fen | None = None,
    note: str = "与捐赠人电话商定",
    at: str = "2025-11-10T10:00:00+08:00",
) -> None:
    """What the donor decided (``donations settle``): ``amount`` defaults to the donation's
    balance (for ``wish``: what that wish still needs, at most the balance); a settlement
    to a wish is matched to it with basis designated in the same run."""
    with ledger.run("donations settle", {"test": True}) as run:
        accounts = Accounts.load(run.conn)
        left = accounts.balance(accounts.donation_by_id[donation_id])
        if target == "wish":
            assert wish_id is not None
            need = accounts.short(accounts.wish_by_id[wish_id])
            amount = amount if amount is not None else min(left, need)
            store.insert_matches(
                run.conn, run.id, [Match(donation_id, wish_id, amount, Basis.DESIGNATED)]
            )
        amount = amount if amount is not None else left
        store.insert_settlement(
            run.conn,
            run.id,
            donation_id=donation_id,
            target=target,
            wish_id=wish_id,
            amount=amount,
            note=note,
            operator="测经办",
            at=at,
        )
