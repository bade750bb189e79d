"""A bank's result rows matched to our payment instructions (payout.md, ``aid payments
import``): a pure function from rows and the recorded instructions to updates and findings.

The rule, step by step, for each row of one result file, in the file's order:

1. **Applied before.** A row whose (sha256, sheet, row) the caller has recorded as applied
   is counted ``already`` and not looked at again: importing the same file twice changes
   nothing. The instruction it was matched to counts as taken by it (step 3), as it was
   the first time, so that the rows not applied then (two rows on one instruction, step
   5) land where they landed then and are reported again rather than applied now.
2. **By 序号.** When the row has a 序号 and its batch is known — its 批次 cell names one of
   our batches; else the batch the caller names (``--batch``); else the campaign's only
   bank batch — the instruction of that batch and line is taken, **if
   its account is the row's account**. A bank may number rows its own way, or a late
   correction may carry an older batch's 序号: a 序号 whose account differs is not ours,
   and the row goes on to step 3.
3. **By (账号, 金额)** among the bank instructions with the row's account (only those of
   the row's batch when its 批次 cell or the caller names one) and the row's amount: the
   first still waiting for a result (pending), else the first recorded as failed (a
   bank's late correction), else the first recorded as paid (then the row is a no-op),
   each in (batch, line) order and skipping instructions another row of this file has
   taken. A row without an amount is matched on its account alone. Several pending
   instructions with one account and one amount (one guardian's account for two wishes)
   are taken in (batch, line) order by the rows in file order, as the bank returns them.
4. **No instruction**: the same account with another amount is RESULT_AMOUNT_MISMATCH
   (error, not applied); no instruction with that account at all is RESULT_UNMATCHED.
5. **One instruction, two rows.** When two or more rows of the file land on one
   instruction, none of them is applied: each is RESULT_UNMATCHED (variant ``twice``).
   Neither "the later row wins" nor "the first" is safe: a 失败 then a 成功 may mean the
   bank paid, and recording a failure invites a second payment.
6. **Applying.** 成功 on a pending or failed instruction → paid (failed → paid is a late
   correction); when the payee already has a paid instruction (recorded, or paid by an
   earlier row of this file) or is withdrawn, it is still recorded as paid, with
   ``double`` set, and DOUBLE_PAYMENT (error: money to recover). 失败 on a pending one →
   failed with the bank's reason. 处理中 on a pending one → still pending. A row whose
   instruction already is in the stated outcome is a no-op (``already``); so is 处理中 on
   an instruction that has a result (an older file). 失败 on an instruction recorded as
   paid is not applied: RESULT_UNMATCHED (variant ``paid``). The bank's 户名 differing
   from the instruction's is RESULT_NAME_MISMATCH (warning; still applied).

Findings never carry a full account (``mask_account``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from decimal import Decimal

from zjk_charity.ids import mask_name
from zjk_charity.payments.codes import PayFinding
from zjk_charity.payments.model import Instruction, ResultRow, State, mask_account, yuan
from zjk_charity.payments.results import ACCOUNT, AMOUNT, NAME, STATUS
from zjk_charity.text import squash

RowKey = tuple[str, str, int]  # (sha256 of the file, sheet, row)
# Which recorded state a row is matched to first (step 3).
_PREFERENCE: dict[State, int] = {"pending": 0, "failed": 1, "paid": 2}
_NAME_MARKS = str.maketrans("", "", "·•・.")


@dataclass(frozen=True, slots=True)
class Update:
    """A state change to record: ``instruction`` becomes ``state`` because of ``row``."""

    instruction: int
    state: State  # paid | failed
    reason: str  # failed: the bank's reason; paid: ""
    double: bool  # paid for a payee already paid or withdrawn: money to recover
    previous: State  # pending, or failed (a late correction)
    row: ResultRow


@dataclass(frozen=True, slots=True)
class MatchedRow:
    """A row matched to an instruction without an error: what ``payment_results`` records."""

    instruction: int
    row: ResultRow


@dataclass
class Counts:
    """What happened to the rows of one file; each row is counted once."""

    paid: int = 0  # rows that made an instruction paid (double payments included)
    failed: int = 0  # rows that made an instruction failed
    pending: int = 0  # 处理中 for an instruction still pending
    already: int = 0  # applied before, or the instruction already has that result
    skipped: int = 0  # not applied because of an error finding
    double: int = 0  # of ``paid``: double payments, money to recover
    corrected: int = 0  # of ``paid``: late corrections (failed → paid)


@dataclass
class Matching:
    """The outcome of matching one result file."""

    updates: list[Update] = field(default_factory=list)
    findings: list[PayFinding] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    # Every row matched without an error that was not applied before (updates, 处理中 and
    # no-ops): the caller records them, so the same file imported again is ``already``.
    matched: list[MatchedRow] = field(default_factory=list)


def match_results(
    rows: Sequence[ResultRow],
    instructions: Sequence[Instruction],
    *,
    sha256: str,
    applied: Mapping[RowKey, int] | None = None,
    withdrawn: Mapping[str, str] | None = None,
    batch: str | None = None,
    only: AbstractSet[int] | None = None,
) -> Matching:
    """Match the rows of one result file (``sha256``) to the recorded instructions.

    ``instructions``: every instruction of the campaign (bank and cash, every state; only
    bank ones are matched, all count for "already paid"). ``applied``: the (sha256,
    sheet, row) of rows recorded before → the instruction each was matched to.
    ``withdrawn``: payee → withdrawal reason.
    ``batch``: the batch a file without a 批次 column belongs to, when the caller knows.
    ``only``: the ids rows may be matched to (``--profile``: one bank's batches); every
    instruction still counts for "already paid", so a payment by another bank is seen.

    Promises: no instruction gets two updates; a row gets at most one update; applying
    the updates and recording ``matched`` makes the same call return no updates. Several
    files are matched one call each, the store updated between the calls.
    """
    matcher = _Matcher(instructions, withdrawn or {}, batch, only)
    return matcher.run(rows, sha256, applied or {})


def _batch_key(code: str) -> str:
    return squash(code).upper()


def names_agree(bank: str, ours: str) -> bool:
    """The bank's 户名 is the instruction's name: same after NFKC and without spaces or
    the middle dot of names such as 阿依古丽·买买提; a bank that masks names (张*三, *三)
    agrees where it shows a character. A blank bank name is not compared."""
    if bank == ours:  # most rows: the bank echoes the 户名 we sent
        return True
    theirs = squash(bank).translate(_NAME_MARKS)
    mine = squash(ours).translate(_NAME_MARKS)
    if not theirs or theirs == mine:
        return True
    if "*" not in theirs:
        return False
    if len(theirs) == len(mine):
        return all(a in ("*", b) for a, b in zip(theirs, mine, strict=True))
    head, _, tail = theirs.partition("*")
    return mine.startswith(head) and mine.endswith(tail.strip("*")) and len(mine) > len(head)


class _Matcher:
    def __init__(
        self,
        instructions: Sequence[Instruction],
        withdrawn: Mapping[str, str],
        batch: str | None,
        only: AbstractSet[int] | None = None,
    ) -> None:
        self.withdrawn = withdrawn
        bank = sorted(
            (i for i in instructions if i.method == "bank" and (only is None or i.id in only)),
            key=lambda i: (i.batch, i.line),
        )
        self.batches = {_batch_key(i.batch): i.batch for i in bank}
        self.by_line = {(i.batch, i.line): i for i in bank}
        self.by_account: dict[str, list[Instruction]] = defaultdict(list)
        for instruction in bank:
            self.by_account[instruction.account].append(instruction)
        self.caller_batch = self.batches.get(_batch_key(batch)) if batch else None
        # A 序号 without its 批次 is read in the campaign's only bank batch. Not "the only
        # batch still waiting": that changes as the file's own rows are applied, and the
        # same file imported again would then be read differently.
        batches = {i.batch for i in bank}
        single = next(iter(batches)) if len(batches) == 1 else None
        self.line_batch = self.caller_batch or single
        self.paid: dict[str, Instruction] = {}
        for instruction in sorted(instructions, key=lambda i: (i.batch, i.line)):
            if instruction.state == "paid":
                self.paid.setdefault(instruction.payee, instruction)
        self.taken: set[int] = set()
        self.result = Matching()

    def run(
        self, rows: Sequence[ResultRow], sha256: str, applied: Mapping[RowKey, int]
    ) -> Matching:
        found: list[tuple[ResultRow, Instruction]] = []
        # What rows applied before hold, wherever they stand in the file: an instruction
        # one of them settled is no rival for a 失败 elsewhere in the file (_ambiguous).
        self.settled = {
            applied[k] for k in ((sha256, r.sheet, r.row) for r in rows) if k in applied
        }
        for row in rows:
            key = (sha256, row.sheet, row.row)
            if key in applied:
                self.result.counts.already += 1
                # Taken by this row, as the first time: without it a row that shared an
                # instruction with another (step 5, not applied) would take a free one now.
                self.taken.add(applied[key])
                continue
            instruction = self._find(row)
            if instruction is None:
                self.result.counts.skipped += 1
                continue
            self.taken.add(instruction.id)
            found.append((row, instruction))
        claims = Counter(i.id for _, i in found)
        for row, instruction in found:
            if claims[instruction.id] > 1:
                self._twice(row, instruction, [r.row for r, i in found if i.id == instruction.id])
            else:
                self._apply(row, instruction)
        return self.result

    # Finding the instruction (steps 2-4) ---------------------------------------------

    def _find(self, row: ResultRow) -> Instruction | None:
        named = self.batches.get(_batch_key(row.batch)) if row.batch else None
        scope = named or self.caller_batch
        same_account = [
            i for i in self.by_account.get(row.account, []) if scope is None or i.batch == scope
        ]
        pool = [i for i in same_account if row.amount is None or i.amount == row.amount]
        if scope is None and self._ambiguous(row, pool):
            return None
        by_line = self._by_line(row, named or self.line_batch)
        if by_line is not None:
            return by_line if self._amount_agrees(row, by_line) else None
        chosen = _first(pool, self.taken)
        if chosen is not None:
            return chosen
        if same_account:
            expected = _first(same_account, set()) or same_account[0]
            self._amount_agrees(row, expected)  # flags RESULT_AMOUNT_MISMATCH
            return None
        self._flag(
            row,
            ACCOUNT,
            "RESULT_UNMATCHED",
            account=mask_account(row.account),
            amount=_amount(row.amount),
        )
        return None

    def _ambiguous(self, row: ResultRow, pool: list[Instruction]) -> bool:
        """A 失败 without its batch whose account and amount were sent in more than one
        batch (a retry after only the 户名 was corrected): it may be the old batch's row
        again, a file saved anew. Recording it on the waiting one could fail a payment the
        bank is still making and invite a second, so it is RESULT_UNMATCHED until the file
        or ``--batch`` names the batch. Judged from the instructions alone, never their
        states, so importing the same file again judges it the same (and before its 序号
        is read against a batch)."""
        if row.outcome != "failure":
            return False
        named = sorted({i.batch for i in pool})
        if len(named) < 2:
            return False
        self._flag(
            row,
            ACCOUNT,
            "RESULT_UNMATCHED",
            variant="ambiguous",
            account=mask_account(row.account),
            amount=_amount(row.amount),
            batches="、".join(named),
            batches_en=", ".join(named),
        )
        return True

    def _by_line(self, row: ResultRow, batch: str | None) -> Instruction | None:
        if row.line is None or batch is None:
            return None
        instruction = self.by_line.get((batch, row.line))
        if instruction is None or instruction.account != row.account:
            return None
        return instruction

    def _amount_agrees(self, row: ResultRow, instruction: Instruction) -> bool:
        if row.amount is None or row.amount == instruction.amount:
            return True
        self._flag(
            row,
            AMOUNT,
            "RESULT_AMOUNT_MISMATCH",
            amount=yuan(row.amount),
            expected=yuan(instruction.amount),
            account=mask_account(row.account),
            batch=instruction.batch,
        )
        return False

    # Applying (steps 5-6) ---------------------------------------------------------------

    def _twice(self, row: ResultRow, instruction: Instruction, numbers: list[int]) -> None:
        self.result.counts.skipped += 1
        self._flag(
            row,
            ACCOUNT,
            "RESULT_UNMATCHED",
            variant="twice",
            batch=instruction.batch,
            line=instruction.line,
            account=mask_account(row.account),
            count=len(numbers),
            rows="、".join(map(str, numbers)),
            rows_en=", ".join(map(str, numbers)),
        )

    def _apply(self, row: ResultRow, instruction: Instruction) -> None:
        counts = self.result.counts
        state = instruction.state
        if row.outcome == "failure" and state == "paid":
            counts.skipped += 1
            self._flag(
                row,
                STATUS,
                "RESULT_UNMATCHED",
                variant="paid",
                account=mask_account(row.account),
                amount=_amount(row.amount),
                batch=instruction.batch,
                line=instruction.line,
            )
            return
        self.result.matched.append(MatchedRow(instruction.id, row))
        if row.outcome == "success" and state in ("pending", "failed"):
            self._paid(row, instruction)
        elif row.outcome == "failure" and state == "pending":
            counts.failed += 1
            self._update(row, instruction, "failed", row.reason, double=False)
        elif row.outcome == "pending" and state == "pending":
            counts.pending += 1
            self._check_name(row, instruction)
        else:  # the instruction already has the stated result, or a 处理中 from an older file
            counts.already += 1

    def _paid(self, row: ResultRow, instruction: Instruction) -> None:
        counts = self.result.counts
        counts.paid += 1
        counts.corrected += instruction.state == "failed"
        earlier = self.paid.get(instruction.payee)
        reason = self.withdrawn.get(instruction.payee)
        double = (earlier is not None and earlier.id != instruction.id) or reason is not None
        if earlier is not None and earlier.id != instruction.id:
            self._double(row, instruction, paid_batch=earlier.batch)
        elif reason is not None:
            self._double(row, instruction, variant="withdrawn", reason=reason)
        counts.double += double
        self.paid.setdefault(instruction.payee, instruction)
        self._update(row, instruction, "paid", "", double=double)

    def _double(self, row: ResultRow, instruction: Instruction, **params: object) -> None:
        self._flag(
            row,
            STATUS,
            "DOUBLE_PAYMENT",
            name=mask_name(instruction.name),
            batch=instruction.batch,
            amount=yuan(row.amount if row.amount is not None else instruction.amount),
            **params,
        )

    def _update(
        self, row: ResultRow, instruction: Instruction, state: State, reason: str, *, double: bool
    ) -> None:
        self.result.updates.append(
            Update(instruction.id, state, reason, double, instruction.state, row)
        )
        self._check_name(row, instruction)

    def _check_name(self, row: ResultRow, instruction: Instruction) -> None:
        if not names_agree(row.name, instruction.name):
            self._flag(
                row,
                NAME,
                "RESULT_NAME_MISMATCH",
                bank_name=mask_name(row.name),
                name=mask_name(instruction.name),
                batch=instruction.batch,
                line=instruction.line,
            )

    def _flag(self, row: ResultRow, column: str, code: str, /, **params: object) -> None:
        self.result.findings.append(
            PayFinding(row.file, row.sheet, row.row, column, code, dict(params))
        )


def _first(pool: list[Instruction], taken: set[int]) -> Instruction | None:
    """The instruction a row takes from ``pool``: pending first, then failed, then paid
    (each in batch and line order), one no other row has taken; else one that another
    row has taken (the two rows are then reported); None when ``pool`` has none of these."""
    ranked = sorted(
        (i for i in pool if i.state in _PREFERENCE),
        key=lambda i: (i.id in taken, _PREFERENCE[i.state], i.batch, i.line),
    )
    return ranked[0] if ranked else None


def _amount(amount: Decimal | None) -> str:
    return yuan(amount) if amount is not None else "—"
