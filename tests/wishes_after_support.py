"""Builders for the 微心愿-after-the-match tests (no tests here): a matched campaign, and
payments simulated at the store level (``wishes pay`` is built elsewhere at the same time).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from conftest import ledger_at
from test_wishes_support import STANDARD, donation_row, donations_book, wish_row, wishes_book
from zjk_charity.ledger import Ledger
from zjk_charity.payments import store as payments_store
from zjk_charity.payments.model import BatchLine, Method, Payee, State
from zjk_charity.wishes.amounts import to_decimal
from zjk_charity.wishes.importing import import_donations, import_wishes
from zjk_charity.wishes.match_run import run_match
from zjk_charity.wishes.model import Wish
from zjk_charity.wishes.store import load_wishes

YEAR = 2025


def matched_campaign(tmp_path: Path) -> Ledger:
    """Four wishes and three donations, matched once:

    - W0001 (资金 300) takes 300 of D0001 (1000, designated to it): 700 designated balance;
    - W0002 (物资 500) and W0003 (资金 300) take D0002's 800 (undesignated cash);
    - W0004 (资金 300, registered last) finds nothing: 待认领;
    - D0003 (羽绒服, goods 600, undesignated) is set aside.
    """
    wishes = wishes_book(
        tmp_path / "心愿.xlsx",
        [
            wish_row(1, 儿童姓名="测小一"),
            wish_row(2, 儿童姓名="测小二", 心愿类型="物资", 金额=500, 心愿内容="冬衣"),
            wish_row(3, 儿童姓名="测小三", 登记日期="2025-03-22"),
            wish_row(4, 儿童姓名="测小四", 登记日期="2025-04-01"),
        ],
    )
    donations = donations_book(
        tmp_path / "捐赠.xlsx",
        [
            donation_row(1, 捐赠人="", 金额=1000, 定向心愿="W0001"),
            donation_row(2, 捐赠人="测企业", 金额=800),
            donation_row(3, 捐赠类型="物资", 物资名称="羽绒服", 金额=600),
        ],
    )
    (tmp_path / "ws").mkdir(exist_ok=True)  # the workspace, also when its ledger is on a server
    ledger = ledger_at(tmp_path / "ws")
    import_wishes(ledger, [wishes], STANDARD)
    import_donations(ledger, [donations])
    run_match(ledger, standard=STANDARD)
    return ledger


def record_payments(ledger: Ledger, states: Mapping[str, State]) -> None:
    """One batch per method for the given wishes, then each instruction moved to its
    state (``purchasing`` wishes go on a 采购清单; the others on a bank batch)."""
    with ledger.run("test payments", {}) as run:
        wishes = {w.wish_id: w for w in load_wishes(run.conn)}
        by_method: dict[Method, list[str]] = {}
        for wish_id, state in states.items():
            by_method.setdefault("purchase" if state == "purchasing" else "bank", []).append(
                wish_id
            )
        for method, ids in by_method.items():
            code = payments_store.next_code(run.conn, "wishes", YEAR, method)
            lines = [BatchLine(n, _payee(wishes[w]), "微心愿") for n, w in enumerate(ids, 1)]
            payments_store.record_batch(
                run.conn,
                run.id,
                code=code,
                purpose="wishes",
                year=YEAR,
                method=method,
                lines=lines,
            )
        instructions = payments_store.instructions(run.conn, "wishes", None)
        latest = {i.payee: i for i in instructions}
        payments_store.set_state(
            run.conn,
            run.id,
            [
                (latest[w].id, state, "账户已销户" if state == "failed" else None)
                for w, state in states.items()
                if state not in ("pending", "purchasing")
            ],
        )


def _payee(wish: Wish) -> Payee:
    return Payee(
        key=wish.wish_id,
        county=wish.county,
        name=wish.guardian or "测监护",
        account=wish.account or "6217000010000000000",
        bank="测试银行",
        amount=to_decimal(wish.amount),
        person=wish.child_name,
    )
