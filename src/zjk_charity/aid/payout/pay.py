"""``aid pay``: one payment batch in the bank's layout, every line recorded as pending.

Before anyone is paid, the funded people not yet paid are checked against the deaths
lists in force (integrity.md): someone who has since appeared in one is withdrawn with
the reason 去世 (the note names the list and the date) and their place backfilled by the
rule of aid/changes.py, in this command's transaction. The backfilled person is funded
from then on, so, as payout.md says, they are in this very batch (and counted in
``not_posted`` until a 补充公示 lists them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from zjk_charity.aid import campaign_name
from zjk_charity.aid.allocation import Allocation, Entry
from zjk_charity.aid.changes import Withdrawal, default_operator, now_text, withdraw_entry
from zjk_charity.aid.payout.common import (
    PURPOSE,
    PersonRef,
    open_for_payment,
    payees,
)
from zjk_charity.aid.supplement import not_posted
from zjk_charity.integrity.recheck import death_note, deaths_in_force
from zjk_charity.ledger import Ledger
from zjk_charity.ledger.db import Connection
from zjk_charity.payments import store
from zjk_charity.payments.common import (
    BatchWriter,
    account_changed,
    pay_by_bank,
    removed_on_failure,
)
from zjk_charity.payments.model import BatchFiles, Instruction, Payee, yuan
from zjk_charity.payments.status import by_payee, payee_state

# ------------------------------------------------------------------------- aid pay


@dataclass
class PayResult:
    year: int
    batch: str | None
    retry: bool
    profile: str
    count: int = 0
    amount: Decimal = Decimal(0)
    files: list[Path] = field(default_factory=list)
    summary: list[Path] = field(default_factory=list)
    # --retry: failed people whose account is unchanged (fix it, or pay in cash)
    unchanged: list[PersonRef] = field(default_factory=list)
    written: BatchFiles | None = None  # the writer's account: files, totals, notes
    # Backfilled people in this batch whom no 补充公示 has listed yet (paid anyway: the
    # spec funds them from the backfill on; the CLI reminds the clerk to post them).
    not_posted: int = 0
    # Funded people found in a deaths list before paying: withdrawn (去世) and backfilled.
    withdrawn: list[Withdrawal] = field(default_factory=list)
    allocation: Allocation | None = None  # today's list, after those withdrawals

    def as_json(self) -> dict[str, Any]:
        return {
            "campaign": campaign_name(self.year),
            "batch": self.batch,
            "retry": self.retry,
            "profile": self.profile,
            "count": self.count,
            "amount": yuan(self.amount),
            "files": [str(p) for p in self.files],
            "summary": [str(p) for p in self.summary],
            "unchanged": [p.as_json() for p in self.unchanged],
            "not_posted": self.not_posted,
            "withdrawn": [w.as_json() for w in self.withdrawn],
        }


def pay(
    ledger: Ledger,
    year: int,
    *,
    profile: str,
    write: BatchWriter,
    folder: Path,
    memo: str,
    retry: bool = False,
    arguments: dict[str, Any] | None = None,
    operator: str = "",
    at: str | None = None,
) -> PayResult:
    """One payment batch: an instruction per person to pay, the bank file(s), recorded.

    Funded people not yet paid who are now in a deaths list are withdrawn first (by
    ``operator``, at ``at``) and backfilled; the backfilled are paid in this batch.
    Nobody to pay is not an error: the result has no batch and no file is written.
    """
    result = PayResult(year, None, retry, profile)
    written: list[Path] = []
    with (
        removed_on_failure(written),
        ledger.run("aid pay", arguments or {"year": year, "retry": retry}) as run,
    ):
        conn = run.conn
        a = open_for_payment(conn, year)
        result.withdrawn = _withdraw_deceased(
            conn, run.id, a, operator or default_operator(), at or now_text()
        )
        result.allocation = a
        people = payees(a, store.latest_accounts(conn, PURPOSE, year))
        due = _due(people, store.instructions(conn, PURPOSE, year), retry, result)
        unposted = {e.id_number for e in not_posted(a)}
        result.not_posted = sum(1 for p in due if p.key in unposted)
        if due:
            code, batch = pay_by_bank(
                conn,
                run.id,
                purpose=PURPOSE,
                year=year,
                payees=due,
                write=write,
                folder=folder,
                memo=memo,
                profile=profile,
                retry=retry,
                written=written,
            )
            result.batch, result.count = code, len(due)
            result.amount = sum((p.amount for p in due), Decimal(0))
            result.files = [f.path for f in batch.files]
            result.summary = list(batch.summary)
            result.written = batch
        run.result = result.as_json()
    return result


def _due(
    people: dict[str, Payee], instructions: list[Instruction], retry: bool, result: PayResult
) -> list[Payee]:
    """Who this batch pays, in the funded list's order (see the module's decisions)."""
    grouped = by_payee(instructions)
    due: list[Payee] = []
    for key, payee in people.items():
        state, deciding = payee_state(grouped.get(key, []))
        if not retry:
            if state == "unpaid":
                due.append(payee)
        elif state == "failed" and deciding is not None:
            if account_changed(payee, deciding):
                due.append(payee)
            else:
                result.unchanged.append(PersonRef.of(payee, deciding.reason))
    return due


# Payment states of people ``aid pay`` may still pay (now or with --retry): a payment
# that succeeded or waits for the bank's result cannot be withdrawn (aid/changes.py), and
# an unconfirmed cash sheet is not paid by this command.
_PAYABLE = ("unpaid", "failed")


def _withdraw_deceased(
    conn: Connection, run_id: int, a: Allocation, operator: str, at: str
) -> list[Withdrawal]:
    """Withdraw (去世) and backfill every funded, payable person in a deaths list in force.

    A backfilled person who is in a deaths list too is withdrawn in turn (the rule's next
    in line takes that place), so nobody dead is left on the list to pay.
    """
    deaths = deaths_in_force(conn)
    if not deaths:
        return []
    grouped = by_payee(store.instructions(conn, PURPOSE, a.year))

    def dead(e: Entry) -> bool:
        return e.id_number in deaths and payee_state(grouped.get(e.id_number, []))[0] in _PAYABLE

    queue = [e for e in a.funded if e.id_number is not None and dead(e)]
    done: list[Withdrawal] = []
    while queue:
        e = queue.pop(0)
        assert e.id_number is not None
        w = withdraw_entry(
            conn,
            run_id,
            a,
            e,
            reason="去世",
            note=death_note(deaths[e.id_number]),
            operator=operator,
            at=at,
            backfill=True,
        )
        done.append(w)
        if w.backfilled is not None and w.backfilled.id_number and dead(w.backfilled):
            queue.append(w.backfilled)
    return done
