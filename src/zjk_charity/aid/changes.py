"""Changes to the funded list (payout.md): withdrawal and 递补 (backfill).

An allocation is stored once and never rewritten; today's funded list is the allocation
plus its recorded changes (``aid_changes``, :mod:`zjk_charity.aid.changes_store`).
:func:`apply_changes` replays them onto a loaded allocation, so every reader of
``load_allocation`` (export, notice, forms, the report, payments, finalize) sees today's
list: a withdrawn person has the status ``withdrawn`` (no amount, reason WITHDRAWN), a
backfilled person the status ``funded`` with the per-person amount.

The rule of 递补, step by step:

1. Only a person funded today can be withdrawn, with one of the reasons
   去世, 放弃, 复审未通过, 无法联系, 其他 (其他 needs a note saying what happened). Not
   while their payment succeeded or is still waiting for the bank's result (pay it back
   first: the money is out); a cash payment not yet confirmed is cancelled with them.
   Not after ``aid finalize``.
2. The freed place goes to the first person still waiting on the withdrawn person's own
   county's waitlist, in the allocation's own order (县内候补位次: the county's waiting
   candidates by rank, which is their county rank).
3. If nobody is left waiting in that county, it goes to the waiting person with the best
   city-wide rank (全市排名) of any county.
4. Only waitlisted people are ever backfilled: excluded people (errors, repeat
   recipients, a household already funded) never, nor anyone already funded or
   withdrawn. With ``--no-backfill`` the place stays empty and its money is unspent.
5. Both sides are recorded: the withdrawal names who took the place (or nobody), the
   backfill names whose place it was.
"""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from zjk_charity.aid import campaign_name
from zjk_charity.aid import changes_store as store
from zjk_charity.aid.allocation import Allocation, Entry, money, read_allocation
from zjk_charity.aid.changes_store import Change
from zjk_charity.aid.ranking import REASON_EN, REASON_ZH, Reason
from zjk_charity.errors import UserError
from zjk_charity.findings import render_message
from zjk_charity.ids import check_id, mask_id, mask_name
from zjk_charity.ledger import Ledger
from zjk_charity.ledger.db import Connection

REASONS: tuple[str, ...] = ("去世", "放弃", "复审未通过", "无法联系", "其他")
REASONS_EN = {
    "去世": "died",
    "放弃": "declined",
    "复审未通过": "rejected in the province's review",
    "无法联系": "cannot be reached",
    "其他": "other",
}
REVIEW_REASON = "复审未通过"

Scope = Literal["county", "city"]  # where the backfilled person came from


# ------------------------------------------------------------------ the rule (pure)


def next_in_line(a: Allocation, freed: Entry) -> Entry | None:
    """Who takes ``freed``'s place (steps 2-4): the first still waiting in the same
    county by county order, else the best city-wide rank; None when nobody waits."""
    waiting = [e for e in a.entries if e.status == "waitlist"]
    same = [e for e in waiting if e.county_code == freed.county_code]
    if same:
        return min(same, key=lambda e: (e.county_rank or 0, e.rank or 0, e.seq))
    if waiting:
        return min(waiting, key=lambda e: (e.rank or 0, e.seq))
    return None


def scope_of(withdrawn: Entry, backfilled: Entry) -> Scope:
    return "county" if withdrawn.county_code == backfilled.county_code else "city"


def take_off(a: Allocation, e: Entry) -> None:
    """``e`` is no longer funded: withdrawn, no amount."""
    e.status, e.reason, e.amount = "withdrawn", Reason.WITHDRAWN.value, None


def put_on(a: Allocation, e: Entry) -> None:
    """``e`` (waitlisted) is funded from now on, with the allocation's amount, and
    marked ``backfilled``."""
    e.status, e.reason, e.amount = "funded", None, a.per_person
    e.backfilled = True


def vacate(a: Allocation, e: Entry, backfill: bool = True) -> Entry | None:
    """Steps 2-5 on ``a``'s entries: ``e`` leaves, the next in line (unless not
    ``backfill``) is funded; returns who took the place."""
    take_off(a, e)
    taker = next_in_line(a, e) if backfill else None
    if taker is not None:
        put_on(a, taker)
    return taker


def replay(a: Allocation, changes: Sequence[Change]) -> None:
    """Put recorded changes on a freshly loaded allocation's entries, in order."""
    by_seq = {e.seq: e for e in a.entries}
    for c in changes:
        e = by_seq.get(c.seq)
        if e is None:  # (the snapshot and its changes are written together; never)
            continue
        if c.kind == "withdrawn":
            take_off(a, e)
        else:
            put_on(a, e)
    a.changes = list(changes)
    a._document = None  # the --json document is today's list too


def apply_changes(conn: Connection, a: Allocation) -> None:
    """Today's list: the recorded changes of allocation ``a`` replayed onto it.

    Called by ``read_allocation`` for every loaded allocation.
    """
    found = store.changes(conn, a.id)
    if found:
        replay(a, found)


# ----------------------------------------------------------------- who is operating


def default_operator(handler: str = "") -> str:
    """Who made a change: the settings' ``[signers] handler`` when set, else the
    computer's login name (the run record then still says who typed the command)."""
    name = handler.strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a user entry)
        return "unknown"


def now_text() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


# ---------------------------------------------------------------- checks and refusals


def check_reason(reason: str, note: str) -> str:
    """The reason as recorded; a UserError for any other word, or 其他 without a note."""
    chosen = reason.strip()
    if chosen not in REASONS:
        raise UserError(
            f"撤销原因“{reason}”不对；只能是：{'、'.join(REASONS)}",
            f"reason '{reason}' is not one of: {', '.join(REASONS)}",
        )
    if chosen == "其他" and not note.strip():
        raise UserError(
            "原因为“其他”时请用 --note 写明具体情况",
            "with the reason 其他 (other), say what happened with --note",
        )
    return chosen


def refuse_finalized(a: Allocation) -> None:
    if a.finalized:
        raise UserError(
            f"{a.year} 年的分配已定稿（aid finalize），资助名单不能再改动",
            f"the {a.year} allocation is finalized: its funded list cannot change any more",
        )


def who(e: Entry) -> str:
    """A person as messages name them: masked name and ID."""
    return f"{mask_name(e.name)}（{mask_id(e.id_number or '')}）"


def who_en(e: Entry) -> str:
    return f"{mask_name(e.name)} ({mask_id(e.id_number or '')})"


def valid_id(text: str, as_of: date) -> str:
    """An ID typed on the command line, as the allocation stores it, or a UserError
    saying what is wrong with it (a mistyped digit is not "nobody of that ID")."""
    checked = check_id(text, as_of)
    if not checked.valid or checked.number is None:
        problems = "；".join(
            render_message(code, checked.params(code)) for code in checked.problems
        )
        problems_en = "; ".join(
            render_message(code, checked.params(code), "en") for code in checked.problems
        )
        raise UserError(
            f"身份证号 {mask_id(text.strip())} 有误：{problems}；请核对后重试",
            f"ID {mask_id(text.strip())} is wrong: {problems_en}; check it",
        )
    return checked.number


def funded_entry(a: Allocation, number: str) -> Entry:
    """The funded row of ID ``number``, or a UserError saying why there is none."""
    rows = [e for e in a.entries if e.id_number == number]
    if not rows:
        raise UserError(
            f"{a.year} 年的分配中没有身份证号为 {mask_id(number)} 的人；请核对号码或年度",
            f"nobody with ID {mask_id(number)} in the {a.year} allocation; check the ID or year",
        )
    for e in rows:
        if e.status == "funded":
            return e
    e = rows[0]
    withdrawn = a.change(e.seq, "withdrawn")
    if withdrawn is not None:
        raise UserError(
            f"{who(e)}已于 {withdrawn.at[:10]} 从资助名单撤销（{withdrawn.reason}），不能再次撤销",
            f"{who_en(e)} was already withdrawn on {withdrawn.at[:10]} "
            f"({REASONS_EN.get(withdrawn.reason or '', withdrawn.reason)})",
        )
    if e.status == "waitlist":
        raise UserError(
            f"{who(e)}是候补（{e.county}候补第 {e.county_position} 位），不在资助名单中，无需撤销",
            f"{who_en(e)} is waitlisted ({e.county} position {e.county_position}), not funded",
        )
    reason = Reason(e.reason) if e.reason else Reason.ERROR
    raise UserError(
        f"{who(e)}未入选（{REASON_ZH[reason]}），不在资助名单中，无需撤销",
        f"{who_en(e)} was not funded ({REASON_EN[reason]}): nothing to withdraw",
    )


PAY_REFUSED = {
    "paid": ("已付款成功", "was paid"),
    "pending": ("的代发正在等待银行回盘", "has a payment waiting for the bank's result"),
}


def cash_to_cancel(
    conn: Connection, a: Allocation, people: Sequence[Entry]
) -> dict[int, list[int]]:
    """The payment check of step 1 for ``people``: a UserError naming everyone whose
    money is out or in flight; else, by seq, the ids of their unconfirmed cash
    instructions (cancelled with the withdrawal)."""
    from zjk_charity.payments.status import by_payee, payee_state
    from zjk_charity.payments.store import instructions

    grouped = by_payee(instructions(conn, "aid", a.year))
    refused: list[tuple[Entry, str, str]] = []
    cancel: dict[int, list[int]] = {}
    for e in people:
        own = grouped.get(e.id_number or "", [])
        state, deciding = payee_state(own)
        if state in PAY_REFUSED:
            refused.append((e, state, deciding.batch if deciding else ""))
        elif state == "cash_pending":
            cancel[e.seq] = [i.id for i in own if i.state == "cash_pending"]
    if refused:
        zh = "；".join(f"{who(e)}{PAY_REFUSED[s][0]}（批次 {b}）" for e, s, b in refused)
        en = "; ".join(f"{who_en(e)} {PAY_REFUSED[s][1]} (batch {b})" for e, s, b in refused)
        raise UserError(
            f"不能撤销：{zh}。钱已付出或在途，须先与银行核实、追回后再处理",
            f"cannot withdraw: {en}; the money is out or on its way: settle it with the bank first",
        )
    return cancel


# ------------------------------------------------------------------------ withdrawal


@dataclass
class Withdrawal:
    """One withdrawal as made: who left, why, and who (if anyone) took the place."""

    withdrawn: Entry
    change: Change
    backfilled: Entry | None = None
    scope: Scope | None = None
    cancelled: list[int] = field(default_factory=list)  # cash instructions cancelled

    def as_json(self) -> dict[str, Any]:
        e, c, b = self.withdrawn, self.change, self.backfilled
        return {
            "withdrawn": {
                "id": mask_id(e.id_number or ""),
                "name": mask_name(e.name),
                "county": e.county,
                "reason": c.reason,
                "note": c.note,
                "operator": c.operator,
                "at": c.at,
            },
            "backfilled": None
            if b is None
            else {
                "id": mask_id(b.id_number or ""),
                "name": mask_name(b.name),
                "county": b.county,
                "rank": b.rank,
                "county_rank": b.county_rank,
                "from": self.scope,
            },
            "cash_cancelled": len(self.cancelled),
        }


def withdraw_entry(
    conn: Connection,
    run_id: int,
    a: Allocation,
    e: Entry,
    *,
    reason: str,
    note: str,
    operator: str,
    at: str,
    backfill: bool,
    cancel: Sequence[int] = (),
) -> Withdrawal:
    """Record ``e``'s withdrawal (and the backfill) and put both on ``a``'s entries.

    The caller has checked ``e`` (funded, payments) and holds the command's transaction.
    """
    from zjk_charity.payments.store import set_state

    taker = vacate(a, e, backfill)
    gone = Change(
        e.seq, "withdrawn", reason, note, taker.seq if taker else None, operator, at, run_id
    )
    store.record(conn, a.id, gone)
    a.changes.append(gone)
    if cancel:
        set_state(conn, run_id, [(i, "cancelled", f"撤销：{reason}") for i in cancel])
    if taker is None:
        return Withdrawal(e, gone, cancelled=list(cancel))
    came = Change(taker.seq, "backfilled", None, "", e.seq, operator, at, run_id)
    store.record(conn, a.id, came)
    a.changes.append(came)
    return Withdrawal(e, gone, taker, scope_of(e, taker), list(cancel))


@dataclass
class WithdrawResult:
    """What ``aid withdraw`` did, and the list's totals after it."""

    allocation: Allocation
    withdrawal: Withdrawal

    def as_json(self) -> dict[str, Any]:
        a = self.allocation
        return {
            "campaign": campaign_name(a.year),
            "allocation": a.id,
            **self.withdrawal.as_json(),
            "funded": len(a.funded),
            "amount": money(a.amount),
            "unspent": money(a.unspent),
        }


def withdraw(
    ledger: Ledger,
    year: int,
    id_number: str,
    reason: str,
    *,
    note: str = "",
    operator: str = "",
    backfill: bool = True,
    arguments: dict[str, Any] | None = None,
    at: str | None = None,
) -> WithdrawResult:
    """Take a funded person off ``year``'s list, with backfill unless ``backfill`` is
    False, in one ledger transaction (all of it, or nothing: a refusal is a UserError)."""
    chosen = check_reason(reason, note)
    with ledger.run("aid withdraw", arguments or {}) as run:
        a = read_allocation(run.conn, year)
        refuse_finalized(a)
        e = funded_entry(a, valid_id(id_number, a.as_of))
        cancel = cash_to_cancel(run.conn, a, [e])
        done = withdraw_entry(
            run.conn,
            run.id,
            a,
            e,
            reason=chosen,
            note=note.strip(),
            operator=operator or default_operator(),
            at=at or now_text(),
            backfill=backfill,
            cancel=cancel.get(e.seq, []),
        )
        result = WithdrawResult(a, done)
        run.result = result.as_json()
    return result
