"""The public notice (公示): who is listed, for which period, and whom to call.

A notice is one page group per county: the county's funded people in rank order, each
de-identified (name 张*三 / 张*, ID first 6 + last 4, no account, no care level), and
people under 18 on the reference date counted but never listed. Each county's group has
its own period line, total and supervision contact, so it can be printed on its own pages
(the 公示名单 sheet of the allocation workbook) or as its own file (``aid notice``).

The pages are built from any list of entries (:func:`notice_pages`), not only from an
allocation's funded list: the 补充公示 of backfilled people (payout.md, ``aid notice
--supplement``) is the same notice for other entries and its own period.

Which day the period starts: the allocation records the ``--notice-from`` it was given
(or the day it was run, when none was given) with its run arguments, so ``aid export``
and ``aid notice`` print the same period as ``aid allocate`` did. An allocation made
before the day was recorded takes the day it was made (its run's start, local time).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property

from zjk_charity import counties
from zjk_charity.aid.allocation import Allocation, Entry
from zjk_charity.config import AidSettings
from zjk_charity.dates import chinese_date
from zjk_charity.errors import UserError
from zjk_charity.workdays import Calendar, WorkdayPeriod, official_workday, working_period

ADULT = 18
NO_CONTACT = "所在县（区）民政局"


@dataclass(frozen=True)
class NoticeContact:
    """Where objections go: a supervision phone and an office (both may be blank)."""

    phone: str = ""
    contact: str = ""

    def objection_line(self) -> str:
        """The sentence printed under the period; no phone is printed when none is set."""
        line = f"如有异议，请在公示期内向{self.contact or NO_CONTACT}反映"
        if self.phone:
            line += f"，监督电话：{self.phone}"
        return line + "。"


@dataclass(frozen=True)
class Notice:
    """A notice's period (``days`` working days from ``start``) and contacts.

    ``start`` is the day asked for (``--notice-from``); the period itself starts on the
    first working day from it (``workdays.py``). ``by_county`` holds counties' own
    contacts by full county name; a blank field of theirs falls back to ``contact``.
    """

    start: date
    days: int
    contact: NoticeContact = NoticeContact()
    by_county: Mapping[str, NoticeContact] = field(default_factory=dict)
    calendar: Calendar = official_workday

    @cached_property
    def period(self) -> WorkdayPeriod:
        return working_period(self.start, self.days, self.calendar)

    def period_line(self, lang: str = "zh") -> str:
        """公示期：2025年10月27日至2025年11月4日（7个工作日）, or the English for the
        terminal (the printed notice is always Chinese)."""
        p = self.period
        if lang == "en":
            return f"notice period: {p.start.isoformat()} to {p.end.isoformat()} ({p.days} working days)"
        return f"公示期：{chinese_date(p.start)}至{chinese_date(p.end)}（{p.days}个工作日）"

    def contact_for(self, county: str | None) -> NoticeContact:
        own = self.by_county.get(county or "")
        if own is None:
            return self.contact
        return NoticeContact(own.phone or self.contact.phone, own.contact or self.contact.contact)

    def warnings(self) -> list[tuple[str, str]]:
        """(Chinese, English) lines for the user when the period is an estimate."""
        p = self.period
        if not p.estimated:
            return []
        years = "、".join(str(y) for y in p.estimated_years)
        return [
            (
                f"{years} 年的法定节假日安排尚未收录（chinesecalendar 包），公示期只按周末推算为 "
                f"{p.start.isoformat()} 至 {p.end.isoformat()}；请对照国务院办公厅的放假通知核对，"
                "需要时用 --notice-from 调整，或升级 chinesecalendar",
                f"the official holidays of {years} are not in the installed chinesecalendar; "
                f"the notice period {p.start.isoformat()} to {p.end.isoformat()} counts weekends "
                "only: check it against the State Council's holiday notice, or upgrade the package",
            )
        ]


def notice_from_settings(aid: AidSettings, start: date, days: int | None = None) -> Notice:
    """The notice of ``start`` with the settings' days and contacts (``[aid]``)."""
    by_county = {
        name: NoticeContact(c.notice_phone or "", c.notice_contact or "")
        for name, c in aid.notice_by_county.items()
    }
    return Notice(
        start,
        aid.notice_days if days is None else days,
        NoticeContact(aid.notice_phone, aid.notice_contact),
        by_county,
    )


def recorded_notice(a: Allocation, aid: AidSettings, start: date | None = None) -> Notice:
    """The notice of allocation ``a``, as ``aid allocate`` printed it.

    The start: ``start`` when given (``aid notice --notice-from``), else the allocation's
    recorded ``notice_from``, else (an allocation made before it was recorded) the day
    the allocation was run. The number of days: the recorded ``notice_days``, else the
    settings'. The contacts: the settings' now, so a corrected phone reaches a reprint.
    """
    recorded = a.arguments.get("notice_from")
    days = a.arguments.get("notice_days")
    if start is None and isinstance(recorded, str):
        try:
            start = date.fromisoformat(recorded)
        except ValueError:
            start = None
    if start is None:
        start = a.created.date() if a.created is not None else date.today()
    return notice_from_settings(aid, start, days if isinstance(days, int) and days >= 1 else None)


@dataclass
class NoticePage:
    """One county's part of a notice: the adults listed, and the minors only counted."""

    county: str
    code: str
    listed: list[Entry]
    minors: int
    amount: Decimal

    @property
    def people(self) -> int:
        return len(self.listed) + self.minors


def notice_pages(entries: Iterable[Entry], as_of: date) -> list[NoticePage]:
    """The entries grouped by county (in county-code order), each in rank order.

    Ages are taken on ``as_of`` (the allocation's reference date): under 18 is counted,
    not listed. An entry's amount counts in its county's total whether listed or not.
    """
    groups: dict[str, list[Entry]] = {}
    for e in entries:
        groups.setdefault(e.county_code or "", []).append(e)
    pages = []
    for code in sorted(groups):
        people = sorted(groups[code], key=lambda e: (e.rank or 0, e.seq))
        listed = [e for e in people if (e.age(as_of) or 0) >= ADULT]
        pages.append(
            NoticePage(
                county=people[0].county or "",
                code=code,
                listed=listed,
                minors=len(people) - len(listed),
                amount=sum((e.amount or Decimal(0) for e in people), Decimal(0)),
            )
        )
    return pages


def choose_pages(pages: list[NoticePage], wanted: list[str], year: int) -> list[NoticePage]:
    """The pages of the counties named in ``wanted`` (张北 = 张北县), in the order given;
    all pages when ``wanted`` is empty. A name that is no county of Zhangjiakou, or a
    county with nobody funded, is a UserError naming it."""
    if not wanted:
        return pages
    by_code = {p.code: p for p in pages}
    chosen: list[NoticePage] = []
    for county in counties.named_counties(wanted):
        page = by_code.get(county.code)
        if page is None:
            raise UserError(
                f"{county.name}在 {year} 年的分配中没有资助对象，没有可公示的名单",
                f"{county.name} has nobody funded in the {year} allocation: nothing to post",
            )
        if page not in chosen:
            chosen.append(page)
    return chosen
