"""The 公示 period counts official working days (workdays.py): hand-computed periods
around 国庆 2025 checked against the State Council's arrangement, the weekend-only
estimate for years the calendar package does not know, and the rule's properties."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zjk_charity.workdays import (
    WorkdayPeriod,
    official_workday,
    weekday_workday,
    working_days_between,
    working_period,
)


def test_the_package_knows_the_2025_national_day_arrangement() -> None:
    # 国办发明电〔2024〕12号: 10月1日至8日放假调休，共8天；9月28日（周日）、10月11日（周六）上班。
    assert official_workday(date(2025, 9, 28)) is True  # a Sunday, worked
    assert official_workday(date(2025, 10, 11)) is True  # a Saturday, worked
    assert [official_workday(date(2025, 10, d)) for d in range(1, 9)] == [False] * 8
    assert official_workday(date(2025, 10, 12)) is False  # an ordinary Sunday
    assert official_workday(date(2025, 10, 9)) is True


@pytest.mark.parametrize(
    ("requested", "days", "start", "end"),
    [
        # Mon 9-29 and Tue 9-30 (2), holiday 10-1..8, Thu 10-9, Fri 10-10, Sat 10-11 (调休),
        # Mon 10-13, Tue 10-14 (7).
        (date(2025, 9, 29), 7, date(2025, 9, 29), date(2025, 10, 14)),
        # Sunday 9-28 is a 调休 working day: it is the first of the seven.
        (date(2025, 9, 28), 7, date(2025, 9, 28), date(2025, 10, 13)),
        # Asked for on a holiday: starts on the next working day, Thu 10-9; the seven are
        # 10-9, 10-10, 10-11 (Sat, worked), 10-13, 10-14, 10-15, 10-16.
        (date(2025, 10, 1), 7, date(2025, 10, 9), date(2025, 10, 16)),
        # An ordinary week: Mon 10-27 to Tue 11-4 (the example in the issue).
        (date(2025, 10, 27), 7, date(2025, 10, 27), date(2025, 11, 4)),
        # Saturday 10-25 (not worked): starts on Monday 10-27.
        (date(2025, 10, 25), 7, date(2025, 10, 27), date(2025, 11, 4)),
        # One working day ends on its start.
        (date(2025, 10, 11), 1, date(2025, 10, 11), date(2025, 10, 11)),
        # Spring Festival 2026 (2-15..2-23 off; Sat 2-14 and Sat 2-28 worked): from Fri 2-13,
        # 2-13, 2-14 (Sat, worked), 2-24, 2-25, 2-26 (5).
        (date(2026, 2, 13), 5, date(2026, 2, 13), date(2026, 2, 26)),
    ],
)
def test_periods_around_holidays(requested: date, days: int, start: date, end: date) -> None:
    assert working_period(requested, days) == WorkdayPeriod(requested, start, end, days)


def test_a_year_the_package_does_not_know_counts_weekends_only_and_says_so() -> None:
    # 2026-12-28 is a Monday; 2027 is not in the installed chinesecalendar.
    with pytest.raises(NotImplementedError):
        import chinese_calendar

        chinese_calendar.is_workday(date(2027, 1, 4))
    period = working_period(date(2026, 12, 28), 7)
    # 12-28..12-31 (4, known), Fri 2027-01-01 (estimated: a weekday), Mon 1-4, Tue 1-5.
    assert (period.start, period.end) == (date(2026, 12, 28), date(2027, 1, 5))
    assert period.estimated and period.estimated_years == (2027,)
    before = working_period(date(2003, 5, 1), 3)  # before 2004: also unknown
    assert (before.end, before.estimated_years) == (date(2003, 5, 5), (2003,))
    assert not working_period(date(2025, 10, 27), 7).estimated


def test_a_period_has_at_least_one_day() -> None:
    with pytest.raises(ValueError):
        working_period(date(2025, 10, 27), 0)


def test_days_between_counts_both_ends() -> None:
    assert working_days_between(date(2025, 9, 28), date(2025, 10, 13)) == 7
    assert working_days_between(date(2025, 10, 1), date(2025, 10, 8)) == 0
    assert working_days_between(date(2025, 10, 14), date(2025, 10, 13)) == 0


# ------------------------------------------------------------------------- properties


def _check(period: WorkdayPeriod, is_working: Callable[[date], bool]) -> None:
    assert period.requested <= period.start <= period.end
    assert is_working(period.start) and is_working(period.end)
    day = period.requested
    while day < period.start:  # nothing skipped before the start was a working day
        assert not is_working(day)
        day += timedelta(days=1)
    counted = sum(
        bool(is_working(period.start + timedelta(days=i)))
        for i in range((period.end - period.start).days + 1)
    )
    assert counted == period.days


def _real(day: date) -> bool:
    known = official_workday(day)
    return weekday_workday(day) if known is None else known


@given(st.dates(date(2003, 6, 1), date(2027, 12, 31)), st.integers(1, 60))
def test_with_the_official_calendar_every_period_holds_exactly_n_working_days(
    requested: date, days: int
) -> None:
    period = working_period(requested, days)
    _check(period, _real)
    assert working_days_between(period.start, period.end) == days
    known = {d.year for d in (period.requested, period.end)} - set(period.estimated_years)
    assert all(2004 <= y <= 2026 for y in known)


@given(
    st.dates(date(2024, 1, 1), date(2024, 12, 31)),
    st.integers(1, 30),
    st.lists(st.booleans(), min_size=1, max_size=90),
)
def test_with_any_calendar_the_rule_holds(requested: date, days: int, pattern: list[bool]) -> None:
    # A made-up arrangement for the first days after ``requested`` (None past it: the
    # weekend estimate), so periods start on holidays, run across long breaks, etc.
    def calendar(day: date) -> bool | None:
        offset = (day - requested).days
        return pattern[offset] if 0 <= offset < len(pattern) else None

    def working(day: date) -> bool:
        known = calendar(day)
        return weekday_workday(day) if known is None else known

    period = working_period(requested, days, calendar)
    _check(period, working)
    assert working_days_between(period.start, period.end, calendar) == days
    # Estimated exactly when the period reached past the made-up arrangement.
    assert period.estimated == (period.end >= requested + timedelta(days=len(pattern)))
