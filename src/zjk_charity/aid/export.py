"""``aid export`` and ``aid notice``: an allocation's outputs written again from the ledger.

The ledger keeps everything the outputs are made of (the allocation's parameters, a
snapshot of every applicant row with its outcome, and the run's arguments and start
time), so the allocation workbook and the 公示 can be written at any time: after ``aid
allocate --no-workbook``, after ``aid finalize`` (when allocate is refused), or when a
file was lost. Written again, they are the same bytes as ``aid allocate`` wrote with the
same settings (the workbook's creation time is the allocation's). Neither command
changes the ledger. The bank's upload file is not among them: it comes only from ``aid
pay``, as a recorded batch.

Which allocation: the finalized one of the year, else the latest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from zjk_charity.aid import campaign_name
from zjk_charity.aid.allocation import Allocation, load_allocation, money
from zjk_charity.aid.allocation_book import write_outputs
from zjk_charity.aid.notice import Notice, NoticePage, choose_pages, notice_pages, recorded_notice
from zjk_charity.aid.notice_book import write_county_notices
from zjk_charity.config import AidSettings
from zjk_charity.ledger import Ledger


def allocation_json(a: Allocation, notice: Notice) -> dict[str, Any]:
    """The head of the ``--json`` documents of ``aid export`` and ``aid notice``."""
    return {
        "campaign": campaign_name(a.year),
        "allocation": a.id,
        "finalized": a.finalized,
        "notice": notice_json(notice),
    }


def notice_json(notice: Notice) -> dict[str, Any]:
    p = notice.period
    return {
        "from": p.requested.isoformat(),
        "start": p.start.isoformat(),
        "end": p.end.isoformat(),
        "working_days": p.days,
        "estimated": p.estimated,
    }


@dataclass
class Exported:
    """What ``aid export`` wrote, for which allocation, with which notice period."""

    allocation: Allocation
    notice: Notice
    written: list[Path]

    def as_json(self) -> dict[str, Any]:
        return {
            **allocation_json(self.allocation, self.notice),
            "files": [str(p) for p in self.written],
        }


def export_allocation(ledger: Ledger, year: int, target: Path, aid: AidSettings) -> Exported:
    """Write the allocation workbook at ``target`` from the ledger, exactly as ``aid
    allocate`` writes it (``write_outputs``)."""
    a = load_allocation(ledger, year)
    notice = recorded_notice(a, aid)
    memo = aid.payment_memo.format(year=a.year)
    recorded = ledger.recorded_input_hashes()
    written = write_outputs(a, target, notice, memo, recorded=recorded)
    return Exported(a, notice, written)


@dataclass
class NoticesWritten:
    """The per-county notice files of one allocation."""

    allocation: Allocation
    notice: Notice
    pages: list[NoticePage]
    written: list[Path]

    def as_json(self) -> dict[str, Any]:
        return {
            **allocation_json(self.allocation, self.notice),
            "counties": [
                {
                    "county": page.county,
                    "code": page.code,
                    "people": page.people,
                    "listed": len(page.listed),
                    "minors": page.minors,
                    "amount": money(page.amount),
                    "file": str(path),
                }
                for page, path in zip(self.pages, self.written, strict=True)
            ],
        }


def write_notices(
    ledger: Ledger,
    year: int,
    folder: Path,
    aid: AidSettings,
    counties: list[str] | None = None,
    start: date | None = None,
) -> NoticesWritten:
    """``公示-{year}-{county}.xlsx`` in ``folder`` for the named counties (all funded
    counties when none is named), with the allocation's recorded period unless
    ``start`` (``--notice-from``) is given."""
    a = load_allocation(ledger, year)
    notice = recorded_notice(a, aid, start)
    pages = choose_pages(notice_pages(a.funded, a.as_of), counties or [], year)
    written = write_county_notices(pages, notice, folder, a.year, created=a.created)
    return NoticesWritten(a, notice, pages, written)
