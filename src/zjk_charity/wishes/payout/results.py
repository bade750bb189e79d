"""``wishes payments import``: the bank's result files for the 微心愿 batches.

The same machinery as ``aid payments import`` (``payments.importing.apply_files``): the
same header aliases, matching, findings (RESULT_UNMATCHED, DOUBLE_PAYMENT,
RESULT_AMOUNT_MISMATCH, RESULT_NAME_MISMATCH) and notes; rows without errors are
applied, and importing a file again changes nothing. Batches of every year are matched
(a wish is paid once, whatever year its batch was made in); no wish is ever withdrawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zjk_charity.ids import mask_name
from zjk_charity.ledger import Ledger
from zjk_charity.payments.importing import Imported, apply_files, read_files
from zjk_charity.wishes.payout.common import PURPOSE, campaign_name


@dataclass(frozen=True)
class WishFailure:
    """A wish whose payment failed in this import: the 户名 is masked."""

    wish_id: str
    county: str
    name: str
    batch: str
    reason: str

    def as_json(self) -> dict[str, str]:
        return {
            "id": self.wish_id,
            "county": self.county,
            "name": self.name,
            "batch": self.batch,
            "reason": self.reason,
        }


@dataclass
class WishImportResult:
    """The files' outcome, and the wishes that failed."""

    year: int
    imported: Imported
    failures: list[WishFailure] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return self.imported.has_errors

    def as_json(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "campaign": campaign_name(self.year),
            **self.imported.as_json(lang),
            "failures": [f.as_json() for f in self.failures],
        }


def import_wish_payments(
    ledger: Ledger,
    year: int,
    paths: Sequence[Path],
    *,
    profile: str | None = None,
    batch: str | None = None,
    arguments: dict[str, Any] | None = None,
) -> WishImportResult:
    """Apply the bank's result files to the 微心愿 batches; ``year`` names the campaign.

    Every file is read before the transaction (an unreadable one stops the command with
    nothing recorded); rows with errors are reported as findings and left for the clerk.
    """
    files = read_files(paths)
    with ledger.run(
        "wishes payments import",
        arguments or {"files": [str(p) for p in paths], "profile": profile, "batch": batch},
        list(paths),
    ) as run:
        imported = apply_files(
            run.conn, run.id, PURPOSE, None, files, withdrawn={}, profile=profile, batch=batch
        )
        result = WishImportResult(year, imported, _failures(imported))
        run.outcome = "problems" if imported.has_errors else "ok"
        run.result = result.as_json()
    return result


def _failures(imported: Imported) -> list[WishFailure]:
    found = []
    for u in imported.updates:
        if u.state != "failed":
            continue
        i = imported.seen[u.instruction]
        found.append(WishFailure(i.payee, i.county, mask_name(i.name), i.batch, u.reason))
    return found
