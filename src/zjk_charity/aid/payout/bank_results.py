"""``aid payments import``: the bank's result files applied, the counties' 失败名单, and
the bank's late word after finalize."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from zjk_charity.aid import campaign_name
from zjk_charity.aid.allocation import (
    entries_by_id,
    is_finalized,
    latest_allocation_id,
)
from zjk_charity.aid.changes_store import withdrawn_ids
from zjk_charity.aid.payout.common import PURPOSE
from zjk_charity.ledger import Ledger
from zjk_charity.ledger.db import Connection
from zjk_charity.payments.common import removed_on_failure
from zjk_charity.payments.importing import Imported, apply_files, read_files
from zjk_charity.payments.model import Payee

# -------------------------------------------------------- the bank's result files


@dataclass
class ImportResult:
    """``aid payments import``: the files' outcome, and who failed (for the counties)."""

    year: int
    imported: Imported
    failures: list[Failure] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    recorded: int = 0  # after finalize: people paid now, entered in the history

    @property
    def has_errors(self) -> bool:
        return self.imported.has_errors

    def as_json(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "campaign": campaign_name(self.year),
            **self.imported.as_json(lang),
            "failure_list": [str(p) for p in self.written],
            "history_added": self.recorded,
        }


@dataclass(frozen=True)
class Failure:
    """A person whose payment failed in this import, for the counties' failure list."""

    payee: Payee
    batch: str
    reason: str


@dataclass(frozen=True)
class PrintOptions:
    """Where and how a command's printed list is written (xlsx, and PDF with a font)."""

    folder: Path
    pdf_font: Path | None = None
    templates: Sequence[Path] | None = None
    signers: Any = None


def import_payments(
    ledger: Ledger,
    year: int,
    paths: Sequence[Path],
    *,
    profile: str | None = None,
    batch: str | None = None,
    lists: PrintOptions | None = None,
    arguments: dict[str, Any] | None = None,
) -> ImportResult:
    """Apply the bank's result files; rows without errors are applied, the rest reported.

    With ``lists``, the people who failed in this import are written as the counties'
    失败名单 (``失败名单-P2025-001-….xlsx`` and PDF, named after their batches). After
    ``aid finalize`` the bank's late word is still recorded (a double payment must not be
    lost): someone it pays for the first time enters the history registry then, since
    the registry holds exactly the people whose money arrived.
    """
    files = read_files(paths)
    written: list[Path] = []
    with (
        removed_on_failure(written),
        ledger.run(
            "aid payments import",
            arguments or {"year": year, "files": [str(p) for p in paths]},
            list(paths),
        ) as run,
    ):
        conn = run.conn
        # Not the whole allocation (100,000 entries): who is withdrawn, and later the
        # villages of the people who failed, are all this needs.
        allocation_id = latest_allocation_id(conn, year)
        withdrawn = withdrawn_ids(conn, allocation_id)
        imported = apply_files(
            conn,
            run.id,
            PURPOSE,
            year,
            files,
            withdrawn=withdrawn,
            profile=profile,
            batch=batch,
        )
        result = ImportResult(year, imported)
        result.failures = _failures(conn, allocation_id, imported)
        if is_finalized(conn, year):
            result.recorded = _record_late(conn, run.id, year, allocation_id, imported)
        if result.failures and lists is not None:
            written.extend(_failure_list(year, result.failures, lists, result))
        run.outcome = "problems" if imported.has_errors else "ok"
        run.result = result.as_json()
    return result


def _record_late(
    conn: Connection, run_id: int, year: int, allocation_id: int, imported: Imported
) -> int:
    """After finalize: the people this import paid for the first time enter the history."""
    from zjk_charity.aid.finalize import record_history

    paid = {
        imported.seen[u.instruction].payee
        for u in imported.updates
        if u.state == "paid" and not u.double
    }
    people = entries_by_id(conn, allocation_id, paid)
    return record_history(
        conn,
        year,
        [(key, e.name, e.county or "") for key, e in people.items()],
        run_id,
        "payments import",
    )


def _failure_list(
    year: int, failures: list[Failure], lists: PrintOptions, result: ImportResult
) -> list[Path]:
    from zjk_charity.aid.payout_lists import FailedPayment, write_failure_list

    batches = "-".join(sorted({f.batch for f in failures}))
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")  # a second import never meets the first's
    files = write_failure_list(
        lists.folder / f"失败名单-{batches}-{stamp}.xlsx",
        year=year,
        people=[
            FailedPayment(
                f.payee.county,
                f.payee.township,
                f.payee.village,
                f.payee.person,
                f.payee.key,
                f.payee.bank,
                f.payee.account,
                f.payee.amount,
                f.batch,
                f.reason,
            )
            for f in failures
        ],
        pdf_font=lists.pdf_font,
        templates=lists.templates,
    )
    result.written = [p for p in (files.xlsx, files.pdf) if p is not None]
    result.warnings = files.warnings
    return result.written


def _failures(conn: Connection, allocation_id: int, imported: Imported) -> list[Failure]:
    """The people whose instruction failed in this import, with their villages."""
    failed = [
        (imported.seen[u.instruction], u.reason) for u in imported.updates if u.state == "failed"
    ]
    people = entries_by_id(conn, allocation_id, {i.payee for i, _ in failed})
    found = []
    for i, reason in failed:
        entry = people.get(i.payee)
        found.append(
            Failure(
                Payee(
                    key=i.payee,
                    county=i.county,
                    name=i.name,
                    account=i.account,
                    bank=i.bank,
                    amount=i.amount,
                    id_number=i.payee,
                    township=entry.township if entry else "",
                    village=entry.village if entry else "",
                    person=entry.name if entry else i.name,
                ),
                i.batch,
                reason,
            )
        )
    return found
