"""Whether the data belongs to the campaign year: the warning given before anything is written.

The campaign year is ``--year``, else ``campaign_year`` in the settings, else the current
year (:meth:`zjk_charity.config.Workspace.year`). A wrong year costs a lot and shows
nowhere: ages are taken on the reference day of that year, the 公示, the workbooks and
the reports are titled with it, and the ledger files the rows under it. So every command
that reads dated rows (``aid validate``: 申请日期; ``wishes import``: 登记日期;
``donations import``: 到账日期; ``aid allocate``: the stored applicants' 申请日期)
compares their dates with the campaign year first and warns when they lie elsewhere.

The rule (:func:`mismatch_in_counts`):

1. Count the rows that have a readable date; blank and unreadable dates do not count.
2. Warn when **more than half** of them fall outside the campaign year; exactly half is
   no warning. No dated row, no warning.
3. The warning names the commonest year among the dates outside the campaign year (the
   later one on a tie), how many rows fall in it, and how to set the year.

"More than half" and not "any": a campaign's data can straddle New Year (wishes
registered in December, gifts received in January, a 申请日期 typed as last year by
mistake) without the year being wrong. The warning never stops a command: the year
may be meant (re-entering last year's lists), and the clerk decides.

The library never prints: a command takes the warning through a callback
(:data:`YearWarning`), and the CLI prints it on stderr at once, before the command
writes anything, since the check runs before the ledger transaction begins.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from operator import itemgetter

from zjk_charity.dates import parse_date
from zjk_charity.workbook.reader import Cell, Sheet


class YearSource(StrEnum):
    """Where the campaign year came from; the warning's advice depends on it."""

    OPTION = "option"  # --year
    SETTINGS = "settings"  # campaign_year in zjk-charity.toml
    CLOCK = "clock"  # neither: the current year


@dataclass(frozen=True)
class YearMismatch:
    """Most dated rows lie outside the campaign year (see the module's rule)."""

    campaign_year: int
    data_year: int  # the commonest year among the dates outside the campaign year
    column: str  # the dated column: 申请日期, 登记日期 or 到账日期
    dated: int  # rows with a readable date
    in_data_year: int
    in_campaign_year: int

    def message(self, lang: str, source: YearSource, has_option: bool = True) -> str:
        """The warning for a person: both years, the counts, and how to set the year.

        ``has_option`` is False for a command without ``--year`` (``wishes import``):
        then only the settings are offered.
        """
        if lang == "en":
            return self._english(source, has_option)
        y, d = self.campaign_year, self.data_year
        lead = {
            YearSource.CLOCK: f"活动年度未设置，按当前年份 {y} 处理",
            YearSource.SETTINGS: f"活动年度为 {y}（zjk-charity.toml 中的 campaign_year）",
            YearSource.OPTION: f"活动年度为 {y}（--year {y}）",
        }[source]
        if self.in_data_year == self.dated:
            counted = f"有日期的 {self.dated} 行全部在 {d} 年"
        else:
            counted = (
                f"有日期的 {self.dated} 行中 {self.in_data_year} 行在 {d} 年、"
                f"{self.in_campaign_year} 行在 {y} 年"
            )
        facts = f"，但{self.column}大多在 {d} 年（{counted}）"
        option = f"加 --year {d}，或" if has_option else ""
        advice = {
            YearSource.CLOCK: f"。如果这是 {d} 年的活动，请{option}运行 zjk-charity init --year {d}"
            f" 写入设置（已有 zjk-charity.toml 时，在其中写上 campaign_year = {d}）",
            YearSource.SETTINGS: f"。如果这是 {d} 年的活动，请把 zjk-charity.toml 中的 "
            f"campaign_year 改为 {d}" + (f"（或本次加 --year {d}）" if has_option else ""),
            YearSource.OPTION: "。请确认 --year 是否写对",
        }[source]
        return "注意：" + lead + facts + advice

    def _english(self, source: YearSource, has_option: bool) -> str:
        y, d = self.campaign_year, self.data_year
        lead = {
            YearSource.CLOCK: f"no campaign year is set, so this year, {y}, is used",
            YearSource.SETTINGS: f"the campaign year is {y} (campaign_year in zjk-charity.toml)",
            YearSource.OPTION: f"the campaign year is {y} (--year {y})",
        }[source]
        if self.in_data_year == self.dated:
            counted = f"all {self.dated} dated rows"
        else:
            counted = f"{self.in_data_year} of the {self.dated} dated rows"
            counted += f"; {self.in_campaign_year} in {y}"
        facts = f", but most {self.column} dates are in {d} ({counted})"
        option = f"add --year {d}, or " if has_option else ""
        advice = {
            YearSource.CLOCK: f". If this is the {d} campaign, {option}run zjk-charity init "
            f"--year {d} (or write campaign_year = {d} into an existing zjk-charity.toml)",
            YearSource.SETTINGS: f". If this is the {d} campaign, set campaign_year = {d} in "
            "zjk-charity.toml" + (f" (or add --year {d})" if has_option else ""),
            YearSource.OPTION: ". Please check --year",
        }[source]
        return "warning: " + lead + facts + advice


YearWarning = Callable[[YearMismatch], object]


def mismatch_in_counts(years: Mapping[int, int], year: int, column: str) -> YearMismatch | None:
    """The warning when more than half of the dated rows lie outside ``year``, else None.

    ``years`` counts the dated rows by the year of their date (rows without a date are
    not in it). See the module's docstring for the rule.
    """
    counts = {y: n for y, n in years.items() if n > 0}
    dated = sum(counts.values())
    inside = counts.get(year, 0)
    if dated == 0 or 2 * (dated - inside) <= dated:
        return None
    other = max((y for y in counts if y != year), key=lambda y: (counts[y], y))
    return YearMismatch(year, other, column, dated, counts[other], inside)


def year_mismatch(dates: Iterable[date | None], year: int, column: str) -> YearMismatch | None:
    """:func:`mismatch_in_counts` of the rows' dates (None: a row without a readable date)."""
    return mismatch_in_counts(Counter(d.year for d in dates if d is not None), year, column)


def check_years(years: Mapping[int, int], year: int, column: str, warn: YearWarning | None) -> None:
    """Hand ``warn`` the warning for these counts of dated rows by year, if there is one
    (nothing when ``warn`` is None)."""
    if warn is None:
        return
    found = mismatch_in_counts(years, year, column)
    if found is not None:
        warn(found)


def column_years(sheets: Iterable[Sheet], column: str) -> Counter[int]:
    """How many rows of ``sheets`` have a date in ``column``, by its year, as read.

    Sheets missing a required column are skipped, as their rows are not checked either;
    a cell is read as the checks read it (:func:`zjk_charity.dates.parse_date`), once
    per distinct value (about 15 ms for 100,000 rows).
    """
    cells: Counter[Cell] = Counter()
    for sheet in sheets:
        position = sheet.columns.get(column)
        if sheet.missing or position is None:
            continue
        lines = [row.values for row in sheet.rows]
        if all(len(line) > position for line in lines):
            cells.update(map(itemgetter(position), lines))
        else:  # rows built by hand can be short
            cells.update(line[position] if len(line) > position else None for line in lines)
    years: Counter[int] = Counter()
    for cell, count in cells.items():
        day = parse_date(cell)
        if day is not None:
            years[day.year] += count
    return years
