"""``aid finalize``: the people whose aid **arrived** enter the history registry.

Once per campaign year (payout.md, "What finalize records"): the funded people whose
payment succeeded, by bank or against a signed cash sheet. While anyone funded is still
pending, failed, unpaid or on an unconfirmed cash sheet it refuses and lists them,
unless ``allow_unpaid``, which records the paid and reports the rest. Withdrawn people
are never recorded. Before any payment batch exists it also refuses when applications
were validated again after the allocation (the stored outcome would no longer match the
campaign); once money has moved, the allocation is fixed and that check no longer applies.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from zjk_charity.aid import allocation_store, applicants_store, campaign_name, history_store
from zjk_charity.aid.allocation import read_allocation
from zjk_charity.aid.history_store import NewHistoryEntry
from zjk_charity.aid.payout import PURPOSE, PersonRef, payees
from zjk_charity.errors import UserError
from zjk_charity.ledger import Ledger
from zjk_charity.ledger.db import Connection
from zjk_charity.payments import store
from zjk_charity.payments.status import STATE_ZH, by_payee, payee_state

# How many not-yet-paid people the refusal names one by one (then a count of the rest).
LISTED = 20


@dataclass
class Finalized:
    year: int
    allocation_id: int
    added: int
    already: int
    not_paid: list[PersonRef] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "campaign": campaign_name(self.year),
            "allocation": self.allocation_id,
            "added": self.added,
            "already": self.already,
            "not_paid": [p.as_json() for p in self.not_paid],
        }


def finalize(
    ledger: Ledger, year: int, arguments: dict[str, Any] | None = None, allow_unpaid: bool = False
) -> Finalized:
    """Record the year's paid people in the history registry, once."""
    with ledger.run("aid finalize", arguments or {"year": year}) as run:
        conn = run.conn
        a = read_allocation(conn, year)
        if allocation_store.is_finalized(conn, year):
            raise UserError(
                f"{year} 年的分配已经定稿，受助名单已在往年名单中；不能再次定稿",
                f"the {year} allocation was already finalized",
            )
        instructions = store.instructions(conn, PURPOSE, year)
        if not instructions and applicants_store.campaign_inputs(conn, year) != a.inputs:
            raise UserError(
                "分配之后又校验过申请表，最新分配结果已过时；请重新运行 zjk-charity aid allocate 后再定稿",
                "applications were validated again after the allocation; allocate again first",
            )
        grouped = by_payee(instructions)
        people = payees(a, store.latest_accounts(conn, PURPOSE, year))
        paid, rest = [], []
        for key, payee in people.items():
            state, _ = payee_state(grouped.get(key, []))
            if state == "paid":
                paid.append(payee)
            else:
                rest.append(PersonRef.of(payee, state))
        if rest and not allow_unpaid:
            raise _not_all_paid(rest)
        added = record_history(
            conn, year, [(p.key, p.person, p.county) for p in paid], run.id, "finalize"
        )
        allocation_store.mark_finalized(conn, a.id, run.id)
        result = Finalized(year, a.id, added, len(paid) - added, rest)
        run.result = result.as_json()
    return result


def record_history(
    conn: Connection,
    year: int,
    people: list[tuple[str, str, str]],
    run_id: int,
    source: str,
) -> int:
    """Enter (ID, name, county) in the year's history registry; how many were new."""
    entries = [
        NewHistoryEntry(year=year, id_number=key, name=name, county=county, source=source)
        for key, name, county in people
    ]
    return history_store.add(conn, run_id, entries)


def _not_all_paid(rest: list[PersonRef]) -> UserError:
    counts = Counter(p.reason for p in rest)
    summary_zh = "，".join(f"{STATE_ZH[s]} {n} 人" for s, n in counts.items())
    summary_en = ", ".join(f"{s} {n}" for s, n in counts.items())
    shown = rest[:LISTED]
    lines_zh = "\n".join(f"  {p.county} {p.name} {p.id_masked} {STATE_ZH[p.reason]}" for p in shown)
    lines_en = "\n".join(f"  {p.county} {p.name} {p.id_masked} {p.reason}" for p in shown)
    more = len(rest) - len(shown)
    return UserError(
        f"还有 {len(rest)} 人的资助金没有到账（{summary_zh}），暂不能定稿：\n{lines_zh}"
        + (f"\n  …另有 {more} 人，见 zjk-charity aid payments status" if more else "")
        + "\n处理完毕后再定稿；确需先定稿的，加 --allow-unpaid（只记入已到账的人）",
        f"{len(rest)} funded people have not been paid ({summary_en}); not finalized:\n{lines_en}"
        + (f"\n  … and {more} more: see zjk-charity aid payments status" if more else "")
        + "\nsettle them first, or use --allow-unpaid (records only those paid)",
    )
