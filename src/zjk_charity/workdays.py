"""Working days (法定工作日) of mainland China, for the 公示 posting period.

The rule, step by step (payout.md: "``notice_days`` working days … starting at
``--notice-from``"):

1. A day is a **working day** when the State Council's holiday arrangement for its year
   (国务院办公厅关于部分节假日安排的通知) says so: Monday to Friday, except the official
   holidays and the days off joined to them; plus the Saturdays and Sundays declared
   working days to make up for them (调休上班, e.g. Sunday 2025-09-28 and Saturday
   2025-10-11 around 国庆 2025). The arrangement comes from the maintained
   ``chinesecalendar`` package (``import chinese_calendar``), which adds each year when
   the State Council publishes it, usually in November or December of the year before;
   never from a list kept by hand here.
2. A year the package does not know yet (it raises ``NotImplementedError``: before
   2004, or after the last year it was released with) counts Monday to Friday as
   working days and Saturday and Sunday as not. The period then says which years were
   **estimated** this way, so that the user is told to check it against the published
   arrangement; it is never an error.
3. A period of N working days "from" a day D **starts** on D when D is a working day,
   else on the first working day after D: a notice put up on a Saturday, or on the
   first day of the 国庆 holiday, starts counting on the next working day.
4. It **ends** on its N-th working day, the start counted as the first (N = 1 ends on
   the start). Every working day from the start to the end, both included, is one of
   the N.

The functions are pure: the calendar is a parameter (``official_workday`` by default),
so the rule is tested with calendars made up in the tests as well as the real one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

# A calendar: True for a working day, False for a day off, None when the year is unknown.
Calendar = Callable[[date], bool | None]

ONE_DAY = timedelta(days=1)


def official_workday(day: date) -> bool | None:
    """The State Council's arrangement for ``day`` (chinesecalendar); None for a year the
    installed package does not cover."""
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def weekday_workday(day: date) -> bool:
    """Step 2's estimate: Monday to Friday."""
    return day.weekday() < 5


@dataclass(frozen=True)
class WorkdayPeriod:
    """A posting period: asked from ``requested``, counted from ``start`` to ``end``."""

    requested: date
    start: date
    end: date
    days: int
    estimated_years: tuple[int, ...] = ()  # years counted by weekends only (step 2)

    @property
    def estimated(self) -> bool:
        return bool(self.estimated_years)


class _Counter:
    """Answers "working day?" with the calendar, noting the years it had to estimate."""

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        self.estimated: set[int] = set()

    def __call__(self, day: date) -> bool:
        known = self.calendar(day)
        if known is None:
            self.estimated.add(day.year)
            return weekday_workday(day)
        return known


def working_period(
    requested: date, days: int, calendar: Calendar = official_workday
) -> WorkdayPeriod:
    """The period of ``days`` working days from ``requested`` (steps 1-4 above).

    ``days`` must be at least 1 (the settings allow 1 to 60).
    """
    if days < 1:
        raise ValueError(f"a period has at least one working day, not {days}")
    working = _Counter(calendar)
    start = requested
    while not working(start):
        start += ONE_DAY
    end, counted = start, 1
    while counted < days:
        end += ONE_DAY
        if working(end):
            counted += 1
    return WorkdayPeriod(requested, start, end, days, tuple(sorted(working.estimated)))


def working_days_between(first: date, last: date, calendar: Calendar = official_workday) -> int:
    """How many working days lie from ``first`` to ``last``, both included (0 if last < first)."""
    working = _Counter(calendar)
    count, day = 0, first
    while day <= last:
        count += working(day)
        day += ONE_DAY
    return count
