"""The 福彩暖冬 report's payment section: after the list, where the money went (payout.md).

From the ledger: the funded list as it stands (the allocation's funded people, less the
withdrawn, plus the backfilled: table ``aid_changes``), every payment batch (a bank
file or a cash sheet), each funded person's payment state by
:func:`zjk_charity.payments.status.payment_status` (the same function ``aid payments
status`` uses, so the two always agree), per county and per failure reason, the money
to recover (double payments), the withdrawals by reason, the backfills, and the 公示
periods (the allocation's, and each 补充公示's).

Every amount reconciles, to the cent: the funded amount = paid + pending + failed +
cash_pending + unpaid, overall and in each county; money to recover is on top.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from zjk_charity.aid.allocation import Allocation, money
from zjk_charity.aid.changes import REASONS
from zjk_charity.aid.payout import funded_list
from zjk_charity.config import AidSettings
from zjk_charity.counties import find_county
from zjk_charity.ledger.db import Connection
from zjk_charity.payments import store
from zjk_charity.payments.model import Instruction
from zjk_charity.payments.status import STATES, Status, Tally, payment_status
from zjk_charity.reports import store as reports_store
from zjk_charity.workdays import working_period


def _tally(t: Tally) -> dict[str, Any]:
    return {"count": t.count, "amount": money(t.amount)}


def _batches(conn: Connection, year: int) -> list[dict[str, Any]]:
    return [
        {
            "code": b.code,
            "method": b.method,
            "retry": b.retry,
            "profile": b.profile,
            "files": [Path(str(f.get("path", ""))).name for f in b.files],
            "count": b.count,
            "amount": money(b.amount),
            "date": b.created[:10],
        }
        for b in store.batches(conn, "aid", year)
    ]


def _by_county(status: Status, cash_paid: set[str]) -> list[dict[str, Any]]:
    counties: dict[str, dict[str, Tally]] = defaultdict(
        lambda: {s: Tally() for s in (*STATES, "funded", "cash_paid")}
    )
    for line in status.lines:
        county = counties[line.county]
        county["funded"].add(line.amount)
        county[line.state].add(line.amount)
        if line.state == "paid" and line.key in cash_paid:
            county["cash_paid"].add(line.amount)
    return [
        {"county": name, **{key: _tally(t) for key, t in counties[name].items()}}
        for name in sorted(counties, key=_county_order)
    ]


def _county_order(name: str) -> tuple[str, str]:
    """The city's order (by code), as the report's 分县 table; a name not ours last."""
    found = find_county(name)
    return (found.code if found else "~", name)


def _failure_reasons(instructions: list[Instruction], status: Status) -> list[dict[str, Any]]:
    """Per reason: the bank's failed instructions, and the people still failed for it."""
    ever = Counter(i.reason or "未注明" for i in instructions if i.state == "failed")
    now = Counter(line.reason or "未注明" for line in status.lines if line.state == "failed")
    return [
        {"reason": reason, "instructions": n, "people_still_failed": now.get(reason, 0)}
        for reason, n in sorted(ever.items(), key=lambda item: (-item[1], item[0]))
    ]


def payment_figures(conn: Connection, a: Allocation) -> dict[str, Any]:
    """The payment figures of ``a``'s campaign (see the module docstring): today's funded
    list (``a.funded``, the changes applied by ``read_allocation``) through the same
    function as ``aid payments status``, so the two cannot disagree."""
    funded = funded_list(a)
    instructions = store.instructions(conn, "aid", a.year)
    status = payment_status(funded, instructions)
    batches = _batches(conn, a.year)
    cash_paid = {
        line.key
        for line in status.lines
        if line.state == "paid" and line.batch and _method(batches, line.batch) == "cash"
    }
    cash = Tally()
    for line in status.lines:
        if line.key in cash_paid:
            cash.add(line.amount)
    return {
        "started": bool(batches),
        "funded": len(funded),
        "amount": money(status.amount),
        **{state: _tally(status.tallies[state]) for state in STATES},
        "cash_paid": _tally(cash),
        "double_paid": _tally(status.double_paid),
        "balanced": status.balanced(),
        "batches": batches,
        "counties": _by_county(status, cash_paid),
        "failure_reasons": _failure_reasons(instructions, status),
    }


def _method(batches: list[dict[str, Any]], code: str) -> str:
    return next((b["method"] for b in batches if b["code"] == code), "")


def change_figures(a: Allocation) -> dict[str, Any]:
    """Withdrawals by reason, backfills, and the places left empty (``--no-backfill``)."""
    withdrawn = [c for c in a.changes if c.kind == "withdrawn"]
    reasons = Counter(c.reason or "" for c in withdrawn)
    backfilled = [c for c in a.changes if c.kind == "backfilled"]
    return {
        "withdrawn": len(withdrawn),
        "withdrawn_by_reason": {
            r: reasons.get(r, 0)
            for r in (*REASONS, *sorted(set(reasons) - set(REASONS)))
            if reasons.get(r, 0)
        },
        "backfilled": len(backfilled),
        "backfilled_posted": sum(1 for c in backfilled if c.notice_from),
        "left_empty": sum(1 for c in withdrawn if c.related_seq is None),
    }


def _period(kind: str, start: date, days: int, people: int) -> dict[str, Any]:
    p = working_period(start, days)
    return {
        "kind": kind,
        "from": p.start.isoformat(),
        "to": p.end.isoformat(),
        "days": p.days,
        "people": people,
        "estimated": p.estimated,
    }


def notice_periods(a: Allocation) -> list[dict[str, Any]]:
    """The 公示 of the allocation (its recorded ``notice_from`` and ``notice_days``, else
    the day it ran and the default days) and each 补充公示 of backfilled people."""
    recorded = a.arguments.get("notice_from")
    days = a.arguments.get("notice_days")
    try:
        start = date.fromisoformat(recorded) if isinstance(recorded, str) else None
    except ValueError:
        start = None
    if start is None and a.created is not None:
        start = a.created.date()
    default_days = AidSettings().notice_days
    periods = []
    if start is not None:
        n = days if isinstance(days, int) and days >= 1 else default_days
        periods.append(_period("公示", start, n, len(a.first_funded)))
    supplements: Counter[tuple[date, int]] = Counter(
        (c.notice_from, c.notice_days or default_days)
        for c in a.changes
        if c.kind == "backfilled" and c.notice_from is not None
    )
    for (first, n), people in sorted(supplements.items()):
        periods.append(_period("补充公示", first, n, people))
    return periods


def payment_runs(conn: Connection, a: Allocation) -> set[int]:
    """The runs behind the payment figures: changes to the list and their 补充公示, batches,
    result imports, cash confirmations and corrected accounts (the manifest lists them)."""
    return reports_store.payment_runs(conn, a.id, a.year)
