"""``wishes match`` and ``wishes status`` on the ledger.

A match run is one transaction: optional imports (``--wishes``, ``--donations``), the
rule of ``matching`` applied to what earlier runs left, the new matches stored with the
run's id and their basis, and the workbook written (through ``write``) before the
commit, so a run whose outputs could not be written leaves the ledger as it was. A run
with nothing at all to match (no wishes, no donations) is refused rather than creating
an empty ledger in what is probably the wrong folder.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zjk_charity.collector import collector_paused
from zjk_charity.errors import UserError
from zjk_charity.ledger import Ledger
from zjk_charity.payments import store as payments_store
from zjk_charity.wishes import store
from zjk_charity.wishes.accounts import Accounts
from zjk_charity.wishes.amounts import Fen, yuan
from zjk_charity.wishes.importing import (
    ImportResult,
    Progress,
    YearCheck,
    check_donation_year,
    check_wish_year,
    import_donations_into,
    import_wishes_into,
    read_donation_files,
    read_wish_files,
)
from zjk_charity.wishes.matching import match_wishes
from zjk_charity.wishes.model import Match
from zjk_charity.wishes.progress import PURPOSE
from zjk_charity.wishes.progress import Progress as Stages


@dataclass
class MatchResult:
    run_id: int
    accounts: Accounts
    new: list[Match] = field(default_factory=list)  # this run's matches
    imports: list[ImportResult[Any]] = field(default_factory=list)
    # The wishes' stages with this run's matches (payments and deliveries as recorded),
    # for the workbook's 捐赠人回执.
    stages: Stages | None = None

    @property
    def has_import_errors(self) -> bool:
        return any(r.has_errors for r in self.imports)

    @property
    def new_amount(self) -> Fen:
        return sum(m.amount for m in self.new)

    def as_json(self) -> dict[str, Any]:
        """Exactly the document of wishes.md (imports are reported on their own)."""
        return self.accounts.as_json()

    def run_summary(self) -> dict[str, Any]:
        """What the run record keeps: the totals and this run's part."""
        return {
            **self.accounts.totals(),
            "new_matches": len(self.new),
            "new_amount": yuan(self.new_amount),
            "imports": [r.summary | {"kind": r.kind} for r in self.imports],
        }


def run_match(
    ledger: Ledger,
    *,
    standard: Fen,
    wish_files: Sequence[Path] = (),
    donation_files: Sequence[Path] = (),
    arguments: dict[str, Any] | None = None,
    write: Callable[[MatchResult], None] | None = None,
    progress: Progress = None,
    year: YearCheck | None = None,
) -> MatchResult:
    """Import the given files (if any), then match by the rule on what is left.

    ``year`` (campaign year, callback) checks the dates of the given files as their
    imports do, before the ledger is written.
    """
    with collector_paused():
        return _run_match(
            ledger, standard, wish_files, donation_files, arguments, write, progress, year
        )


def _run_match(
    ledger: Ledger,
    standard: Fen,
    wish_files: Sequence[Path],
    donation_files: Sequence[Path],
    arguments: dict[str, Any] | None,
    write: Callable[[MatchResult], None] | None,
    progress: Progress,
    year: YearCheck | None = None,
) -> MatchResult:
    wishes_read = read_wish_files(wish_files, progress) if wish_files else []
    donations_read = read_donation_files(donation_files, progress) if donation_files else []
    check_wish_year(wishes_read, year)
    check_donation_year(donations_read, year)
    inputs = [*wish_files, *donation_files]
    with ledger.run("wishes match", arguments or {}, inputs) as run:
        imports: list[ImportResult[Any]] = []
        if wishes_read:
            imports.append(import_wishes_into(run, wishes_read, standard))
        if donations_read:
            imports.append(import_donations_into(run, donations_read))
        accounts = Accounts.load(run.conn)
        if not accounts.wishes and not accounts.donations:
            raise UserError(
                "台账中还没有心愿和捐赠，无可匹配；请先用 zjk-charity wishes import 和 "
                "zjk-charity donations import 导入（或在本命令中用 --wishes、--donations 指定文件）",
                "the ledger holds no wishes or donations yet: import them first "
                "(wishes import, donations import, or --wishes/--donations here)",
            )
        new = match_wishes(accounts.wishes, accounts.donations, accounts.raised, accounts.spent())
        store.insert_matches(run.conn, run.id, new)
        accounts.set_matches(store.load_matches(run.conn))
        result = MatchResult(run.id, accounts, new, imports)
        if write is not None:  # only the workbook needs the stages
            result.stages = Stages.build(
                accounts,
                payments_store.instructions(run.conn, PURPOSE, None),
                store.load_deliveries(run.conn),
            )
            write(result)
        run.outcome = "problems" if result.has_import_errors else "ok"
        run.result = result.run_summary()
    return result


def load_accounts(ledger: Ledger) -> Accounts:
    """``wishes status``: the accounts as they stand; nothing is written."""
    with ledger.read() as conn:
        return Accounts.load(conn)
