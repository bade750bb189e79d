"""``aid notice --supplement``: the 补充公示 of backfilled people not posted yet.

A person backfilled (递补) after the 公示 was posted has not been publicly listed: the
补充公示 lists them, de-identified like the 公示 (aid/notice.py), one file per county,
with their own period of ``notice_days`` working days from ``--notice-from`` (default:
today). The same transaction marks them as posted (the run, the period's first day and
its length), so the next run lists only people backfilled since. Someone backfilled and
withdrawn again before being posted is not listed. Each round keeps its own files:
``补充公示-2025-张北县.xlsx``, then ``补充公示-2025-第2批-张北县.xlsx``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from zjk_charity import counties as county_names
from zjk_charity.aid.allocation import Allocation, Entry, load_allocation, read_allocation
from zjk_charity.aid.changes_store import mark_posted, supplement_rounds
from zjk_charity.aid.export import allocation_json
from zjk_charity.aid.notice import Notice, NoticePage, notice_from_settings, notice_pages
from zjk_charity.aid.notice_book import write_county_notices
from zjk_charity.config import AidSettings
from zjk_charity.ledger import Ledger


def not_posted(a: Allocation, wanted: list[str] | None = None) -> list[Entry]:
    """Backfilled people still funded whom no 补充公示 has listed, in the counties of
    ``wanted`` (all when None or empty)."""
    codes = {c.code for c in county_names.named_counties(wanted)} if wanted else None
    found = []
    for c in a.changes:
        if c.kind != "backfilled" or c.notice_run_id is not None:
            continue
        e = a.entries[c.seq]
        if e.status == "funded" and (codes is None or e.county_code in codes):
            found.append(e)
    return found


@dataclass
class SupplementWritten:
    """A 补充公示 round: its notice, the counties' pages and files (none: nobody new)."""

    allocation: Allocation
    notice: Notice
    round: int = 0
    pages: list[NoticePage] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)

    @property
    def people(self) -> int:
        return sum(p.people for p in self.pages)

    def as_json(self) -> dict[str, Any]:
        return {
            **allocation_json(self.allocation, self.notice),
            "supplement": self.round,
            "people": self.people,
            "counties": [
                {
                    "county": page.county,
                    "code": page.code,
                    "people": page.people,
                    "listed": len(page.listed),
                    "minors": page.minors,
                    "file": str(path),
                }
                for page, path in zip(self.pages, self.written, strict=True)
            ],
        }


def write_supplement(
    ledger: Ledger,
    year: int,
    folder: Path,
    aid: AidSettings,
    *,
    start: date | None = None,
    counties: list[str] | None = None,
    arguments: dict[str, Any] | None = None,
) -> SupplementWritten:
    """Write the 补充公示 of the backfilled people not yet posted and mark them posted,
    in one transaction (the files are renamed into place only if it commits). Nobody
    waiting: nothing is written or recorded, and the result has no pages."""
    notice = notice_from_settings(aid, start or date.today())
    notice.period  # noqa: B018 - counted (and refused if impossible) before anything is written
    a = load_allocation(ledger, year)
    if not not_posted(a, counties):
        return SupplementWritten(a, notice)
    with ledger.run("aid notice --supplement", arguments or {}) as run:
        a = read_allocation(run.conn, year)
        people = not_posted(a, counties)
        result = SupplementWritten(a, notice, supplement_rounds(run.conn, a.id) + 1)
        if not people:  # (posted by another command meanwhile)
            return result
        period = notice.period
        mark_posted(run.conn, a.id, [e.seq for e in people], run.id, period.start, period.days)
        result.pages = notice_pages(people, a.as_of)
        result.written = write_county_notices(
            result.pages, notice, folder, year, supplement=True, round=result.round
        )
        run.result = {k: v for k, v in result.as_json().items() if k != "counties"}
    return result
