"""``aid notice --supplement``: the 补充公示 of backfilled people not posted yet.

A person backfilled (递补) after the 公示 was posted has not been publicly listed: the
补充公示 lists them, de-identified like the 公示 (aid/notice.py), one file per county,
with their own period of ``notice_days`` working days from ``--notice-from`` (default:
today). The same transaction marks them as posted (the run, the period's first day and
its length), so the next run lists only people backfilled since. Someone backfilled and
withdrawn again before being posted is not listed. Each round keeps its own files:
``补充公示-2025-张北县.xlsx``, then ``补充公示-2025-第2批-张北县.xlsx``, each with its PDF
beside it (``补充公示-2025-张北县.pdf``: the same notice, for posting); without a Chinese
font the workbooks alone and a warning saying what to install.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from zjk_charity import counties as county_names
from zjk_charity.aid.allocation import Allocation, Entry, load_allocation, read_allocation
from zjk_charity.aid.changes_store import mark_posted, supplement_rounds
from zjk_charity.aid.export import allocation_json
from zjk_charity.aid.notice import Notice, NoticePage, notice_from_settings, notice_pages
from zjk_charity.aid.notice_book import write_county_notice_files
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
        e = a.entry(c.seq)
        if e.status == "funded" and (codes is None or e.county_code in codes):
            found.append(e)
    return found


@dataclass
class SupplementWritten:
    """A 补充公示 round: its notice, the counties' pages and files (none: nobody new).

    ``written`` has each page's workbook, ``pdfs`` each page's PDF (None where no PDF
    could be made); ``warnings`` are (Chinese, English) lines for the user.
    """

    allocation: Allocation
    notice: Notice
    round: int = 0
    pages: list[NoticePage] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    pdfs: list[Path | None] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)

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
                    "pdf": str(pdf) if pdf else None,
                }
                for page, path, pdf in zip(self.pages, self.written, self.pdfs, strict=True)
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
    pdf: bool = True,
    pdf_font: Path | None = None,
    templates: Sequence[Path] | None = None,
) -> SupplementWritten:
    """Write the 补充公示 of the backfilled people not yet posted (each county's workbook
    and, with ``pdf``, its PDF) and mark them posted, in one transaction: the files are
    written together or none is, and removed again if the ledger does not commit, so
    people are marked posted exactly when their files exist. Without a Chinese font the
    workbooks are written and ``warnings`` says what to install. Nobody waiting: nothing
    is written or recorded, and the result has no pages."""
    notice = notice_from_settings(aid, start or date.today())
    notice.period  # noqa: B018 - counted (and refused if impossible) before anything is written
    a = load_allocation(ledger, year)
    if not not_posted(a, counties):
        return SupplementWritten(a, notice)
    written: list[Path] = []  # removed again if the ledger does not commit
    try:
        with ledger.run("aid notice --supplement", arguments or {}) as run:
            a = read_allocation(run.conn, year)
            people = not_posted(a, counties)
            result = SupplementWritten(a, notice, supplement_rounds(run.conn, a.id) + 1)
            if not people:  # (posted by another command meanwhile)
                return result
            period = notice.period
            mark_posted(run.conn, a.id, [e.seq for e in people], run.id, period.start, period.days)
            result.pages = notice_pages(people, a.as_of)
            files = write_county_notice_files(
                result.pages,
                notice,
                folder,
                year,
                supplement=True,
                round=result.round,
                pdf=pdf,
                pdf_font=pdf_font,
                templates=templates,
            )
            written = [*files.xlsx, *files.pdfs]
            result.written = files.xlsx
            result.pdfs = [f.pdf for f in files.files]
            result.warnings = files.warnings
            run.result = {k: v for k, v in result.as_json().items() if k != "counties"}
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return result
