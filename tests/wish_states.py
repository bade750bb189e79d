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
- :func:`settle`: a donor's decision (general, refund, or to a wish with its match);
- :func:`every_stage`: a small campaign with all of these;
- :func:`in_kind`: a 资金 wish fulfilled in kind (goods designated to it) beside a 物资 and
  a 资金 wish, paid as ``wishes pay`` would (purchase list and bank).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pytest

import backends
from conftest import ledger_at
from test_wishes_support import STANDARD, donation_row, donations_book, wish_row, wishes_book
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


def shared_scope(fixture_name: str, config: pytest.Config) -> Literal["module", "function"]:
    """The scope of a fixture's ledger made once for a module's tests: the module on
    SQLite; each test on PostgreSQL, whose schemas are dropped after every test
    (tests/backends.py), so a module's ledger would be gone for its second test."""
    return "function" if backends.postgres() else "module"


def campaign(
    folder: Path,
    wishes: Sequence[dict[str, Any]],
    donations: Sequence[dict[str, Any]],
    *,
    ledger: Ledger | None = None,
) -> Ledger:
    """Import ``wishes`` and ``donations`` (rows of ``test_wishes_support``) and match."""
    (folder / "ws").mkdir(parents=True, exist_ok=True)  # also when the ledger is on a server
    ledger = ledger or ledger_at(folder / "ws")
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


def set_states(ledger: Ledger, states: Mapping[str, State], reason: str | None = None) -> None:
    """Each wish's latest instruction moved to its state (``wishes payments import``)."""
    with ledger.run("wishes payments import", {"test": True}) as run:
        latest = {i.payee: i.id for i in payments_store.instructions(run.conn, "wishes", None)}
        payments_store.set_state(
            run.conn,
            run.id,
            [
                (latest[w], state, reason if state == "failed" else None)
                for w, state in states.items()
            ],
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


def every_stage(folder: Path) -> Ledger:
    """Six wishes at every stage and every kind of decision (see each step's comment):
    W0001 delivered, W0002 (物资) purchased, W0003 failed, W0004 paid, W0005 and W0006
    funded and unpaid (W0006 by a settlement); refunds 200.00, 500.00 let go to general,
    400.00 designated and 600.00 of goods still waiting."""
    ledger = campaign(
        folder,
        [
            wish_row(1, 儿童姓名="测小一", 登记日期="2025-03-21"),
            wish_row(
                2,
                儿童姓名="测小二",
                困境类别="残疾儿童",
                心愿类型="物资",
                金额=500,
                登记日期="2025-03-22",
            ),
            wish_row(3, 儿童姓名="测小三", 登记日期="2025-03-23"),
            wish_row(4, 儿童姓名="测小四", 登记日期="2025-03-24"),
            wish_row(5, 儿童姓名="测小五", 登记日期="2025-06-01"),
            wish_row(6, 儿童姓名="测小六", 登记日期="2025-06-02"),
        ],
        [
            # W0001's 300; 700 stays designated (later: 300 to W0006, 400 waits)
            donation_row(1, 捐赠人="", 金额=1000, 定向心愿="W0001"),
            donation_row(2, 捐赠人="测企业", 金额=400, 定向类别="残疾儿童"),  # W0002
            donation_row(3, 捐赠人="测企业", 捐赠类型="物资", 物资名称="羽绒服", 金额=600),
            # W0002's last 100, W0003, W0005; 188.88 waits in the pool
            donation_row(4, 捐赠人="匿名爱心人士", 金额="888.88", 到账日期="2025-05-01"),
            donation_row(5, 捐赠人="测个人", 金额=500, 定向心愿="W0004", 到账日期="2025-04-02"),
            # all 500 designated to W0001 (already covered): let go to general
            donation_row(6, 捐赠人="测企业", 金额=500, 定向心愿="W0001", 到账日期="2025-04-03"),
        ],
    )
    pay(ledger, ["W0001", "W0003", "W0004"])
    pay(ledger, ["W0002"], method="purchase")
    set_states(ledger, {"W0001": "paid", "W0003": "failed", "W0004": "paid"}, "户名不符")
    deliver(ledger, {"W0001": date(2025, 11, 2)})
    settle(ledger, "D0001", "wish", wish_id="W0006", note="捐赠人同意转给 W0006")
    settle(ledger, "D0005", "refund", note="捐赠人要求退回")
    settle(ledger, "D0006", "general", note="捐赠人同意用于其他心愿")
    return ledger


def in_kind(folder: Path) -> Ledger:
    """W0001 (资金, 300) covered by goods designated to it, so fulfilled in kind; W0002
    (物资, 500) and W0003 (资金, 300) by cash; W0004 (资金) waits. W0001 and W0002 are on
    a 采购清单, W0003 in a bank batch (pending)."""
    ledger = campaign(
        folder,
        [
            wish_row(1, 儿童姓名="测物一", 登记日期="2025-03-21"),
            wish_row(2, 儿童姓名="测物二", 心愿类型="物资", 金额=500, 登记日期="2025-03-22"),
            wish_row(3, 儿童姓名="测物三", 登记日期="2025-03-23"),
            wish_row(4, 儿童姓名="测物四", 登记日期="2025-03-24"),
        ],
        [
            donation_row(1, 捐赠类型="物资", 物资名称="书包", 定向心愿="W0001"),
            donation_row(2, 捐赠人="测企业", 金额=1000),
        ],
    )
    pay(ledger, ["W0001", "W0002"], method="purchase")
    pay(ledger, ["W0003"])
    return ledger
