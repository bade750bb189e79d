"""The payment tables of the ledger (migration 0006): every query on them lives here.

Callers pass the connection of their command's run (``Ledger.run``), so a batch, its
instructions, result rows and account corrections are written in the command's one
transaction, or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from zjk_charity.ledger.db import Connection, insert_id, insert_rows
from zjk_charity.payments.model import (
    BatchLine,
    Instruction,
    Method,
    Purpose,
    State,
    WrittenFile,
    yuan,
)

# Batch codes: P for a bank file, C for a cash sheet (P2025-001, C2025-001); 微心愿
# batches use their own letters so the two never share a number (WG: a 采购清单).
PREFIX: dict[tuple[str, str], str] = {
    ("aid", "bank"): "P",
    ("aid", "cash"): "C",
    ("wishes", "bank"): "WP",
    ("wishes", "cash"): "WC",
    ("wishes", "purchase"): "WG",
}
# The state a new instruction is recorded in, by its batch's method.
FIRST_STATE: dict[str, State] = {
    "bank": "pending",
    "cash": "cash_pending",
    "purchase": "purchasing",
}

# ``year``: a campaign year, or None for every year. 福彩暖冬 is paid year by year; the
# 微心愿 platform runs all year round and a wish is paid once whatever the year (its
# 编号 is unique in the ledger), so its reads pass None and its batches carry the year
# they were made in.


@dataclass(frozen=True)
class Batch:
    """A recorded batch: its code, how it pays, and the files written for it."""

    id: int
    code: str
    purpose: Purpose
    year: int
    method: Method
    profile: str | None
    retry: bool
    count: int
    amount: Decimal
    files: list[dict[str, Any]]
    run_id: int
    created: str


@dataclass(frozen=True)
class AccountChange:
    """The latest corrected account of a payee (``aid accounts update``)."""

    payee: str
    name: str
    account: str
    bank: str
    run_id: int


def next_code(conn: Connection, purpose: Purpose, year: int, method: Method) -> str:
    """The next batch code of the year: P2025-001, P2025-002, … (C… for cash sheets)."""
    prefix = f"{PREFIX[(purpose, method)]}{year}-"
    found = conn.execute(
        "SELECT code FROM payment_batches WHERE code LIKE ? ORDER BY code DESC LIMIT 1",
        (prefix + "%",),
    ).fetchone()
    number = int(found[0][len(prefix) :]) + 1 if found else 1
    return f"{prefix}{number:03d}"


def record_batch(
    conn: Connection,
    run_id: int,
    *,
    code: str,
    purpose: Purpose,
    year: int,
    method: Method,
    lines: Sequence[BatchLine],
    files: Sequence[WrittenFile] = (),
    profile: str | None = None,
    retry: bool = False,
) -> int:
    """Record a batch and one instruction per line (pending, or cash_pending for cash)."""
    amount = sum((line.payee.amount for line in lines), Decimal(0))
    listed = [
        {"path": str(f.path), "sha256": f.sha256, "rows": f.rows, "amount": yuan(f.amount)}
        for f in files
    ]
    inserted = insert_id(
        conn,
        "INSERT INTO payment_batches (code, purpose, year, method, profile, retry, count, "
        "amount, files, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            code,
            purpose,
            year,
            method,
            profile,
            int(retry),
            len(lines),
            yuan(amount),
            json.dumps(listed, ensure_ascii=False),
            run_id,
        ),
    )
    batch_id = inserted
    state = FIRST_STATE[method]
    insert_rows(
        conn,
        "payment_instructions (batch_id, line, purpose, year, payee, county, name, account, "
        "bank, amount, state, updated_run_id)",
        12,
        [
            (
                batch_id,
                line.line,
                purpose,
                year,
                line.payee.key,
                line.payee.county,
                line.payee.name,
                line.payee.account,
                line.payee.bank,
                yuan(line.payee.amount),
                state,
                run_id,
            )
            for line in lines
        ],
    )
    return batch_id


_INSTRUCTION = """
SELECT i.id, b.code, b.method, i.line, i.payee, coalesce(i.county, ''), i.name, i.account,
       i.bank, i.amount, i.state, coalesce(i.reason, ''), i.paid_on, i.double, b.run_id,
       i.updated_run_id
FROM payment_instructions i JOIN payment_batches b ON b.id = i.batch_id
WHERE i.purpose = ? AND (CAST(? AS INTEGER) IS NULL OR i.year = ?)
ORDER BY i.id
"""


def instructions(conn: Connection, purpose: Purpose, year: int | None) -> list[Instruction]:
    """Every instruction of the campaign (``year`` None: of every year), oldest first."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return [
        Instruction(
            id=r[0],
            batch=r[1],
            method=cast(Method, r[2]),
            line=r[3],
            payee=r[4],
            county=r[5],
            name=r[6],
            account=r[7],
            bank=r[8],
            amount=Decimal(r[9]),
            state=cast(State, r[10]),
            reason=r[11],
            paid_on=r[12],
            double=bool(r[13]),
            run_id=r[14],
            updated_run_id=r[15],
        )
        for r in cursor.execute(_INSTRUCTION, (purpose, year, year))
    ]


def batches(conn: Connection, purpose: Purpose, year: int | None) -> list[Batch]:
    """The campaign's batches (``year`` None: of every year) in the order they were made."""
    rows = conn.execute(
        "SELECT b.*, r.started_at FROM payment_batches b JOIN runs r ON r.id = b.run_id "
        "WHERE b.purpose = ? AND (CAST(? AS INTEGER) IS NULL OR b.year = ?) ORDER BY b.id",
        (purpose, year, year),
    ).fetchall()
    return [
        Batch(
            id=r["id"],
            code=r["code"],
            purpose=r["purpose"],
            year=r["year"],
            method=r["method"],
            profile=r["profile"],
            retry=bool(r["retry"]),
            count=r["count"],
            amount=Decimal(r["amount"]),
            files=json.loads(r["files"]),
            run_id=r["run_id"],
            created=r["started_at"],
        )
        for r in rows
    ]


def set_state(
    conn: Connection,
    run_id: int,
    changes: Iterable[tuple[int, State, str | None]],
    *,
    paid_on: str | None = None,
    double: Iterable[int] = (),
) -> None:
    """Move instructions (id, new state, reason) to their new state, by ``run_id``.

    ``paid_on`` is the date on a signed cash sheet; ``double`` the ids whose success was
    for a payee already paid (money to recover, reported apart).
    """
    doubles = set(double)
    conn.executemany(
        "UPDATE payment_instructions SET state = ?, reason = ?, updated_run_id = ?, "
        "paid_on = coalesce(?, paid_on), double = ? WHERE id = ?",
        [(state, reason, run_id, paid_on, int(i in doubles), i) for i, state, reason in changes],
    )


def record_results(
    conn: Connection,
    run_id: int,
    file: str,
    sha256: str,
    rows: Iterable[tuple[int, str, int, str, str | None]],
) -> None:
    """Keep every applied result row: (instruction id, sheet, row, outcome, reason)."""
    conn.executemany(
        "INSERT INTO payment_results (instruction_id, run_id, file, sha256, sheet, "
        "row, status, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [
            (i, run_id, file, sha256, sheet, row, status, reason)
            for i, sheet, row, status, reason in rows
        ],
    )


def applied_rows(conn: Connection) -> dict[tuple[str, str, int], int]:
    """(sha256, sheet, row) of every result row applied before (a file imported again) →
    the instruction it was matched to."""
    return {
        (r[0], r[1], r[2]): r[3]
        for r in conn.execute("SELECT sha256, sheet, row, instruction_id FROM payment_results")
    }


def record_accounts(
    conn: Connection,
    run_id: int,
    purpose: Purpose,
    year: int,
    changes: Iterable[tuple[str, str, str, str, str, int]],
) -> None:
    """Corrected accounts: (payee, 户名, 账号, 开户银行, file, row)."""
    conn.executemany(
        "INSERT INTO payee_accounts (purpose, year, payee, name, account, bank, file, row, "
        "run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(purpose, year, *c, run_id) for c in changes],
    )


def latest_accounts(
    conn: Connection, purpose: Purpose, year: int | None
) -> dict[str, AccountChange]:
    """Each payee's latest corrected account, if any was corrected (``year`` None: any)."""
    found: dict[str, AccountChange] = {}
    for r in conn.execute(
        "SELECT payee, name, account, bank, run_id FROM payee_accounts "
        "WHERE purpose = ? AND (CAST(? AS INTEGER) IS NULL OR year = ?) ORDER BY id",
        (purpose, year, year),
    ):
        found[r[0]] = AccountChange(r[0], r[1], r[2], r[3], r[4])
    return found
