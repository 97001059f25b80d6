"""Workdays, rest days and statutory holidays (法定节假日, 调休上班日).

The State Council publishes each year's holiday arrangement late in the previous year. The
``chinesecalendar`` package carries the published years; an office can add or correct days with
``HolidayCalendar.override`` (e.g. a year the package does not know yet, loaded from the office
settings). The office's own year tables, entered from the notice (``app.domain.holiday_notice``,
stored by ``app.services.holidays.tables``), replace the package's data for their years. For a year
neither knows, Saturdays and Sundays are rest days and ``HolidayCalendar.unknown_years`` /
``uncertainty`` tell every caller that a date computed across it is uncertain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import chinese_calendar

_PKG_FIRST = min(chinese_calendar.holidays).year
_PKG_LAST = max(chinese_calendar.holidays).year

# The package's answers never change while we run; each call of its own takes min() and max()
# over its whole holiday table (~30 µs), which made validating a month's roster spend 30 ms here.
_pkg_is_workday = lru_cache(maxsize=16384)(chinese_calendar.is_workday)
_pkg_holiday_detail = lru_cache(maxsize=4096)(chinese_calendar.get_holiday_detail)


@dataclass
class HolidayCalendar:
    """Which dates are rest days.

    Three layers, the first that speaks wins:

    1. ``overrides``: the office's local changes (an office closure, a regional holiday), a date
       mapped to (workday?, name);
    2. the office's year tables (``set_year_tables``), entered from the State Council's notice: for
       a year with a table, the table alone decides (a day it does not name follows the week);
    3. the chinese-calendar package, for the years it carries.

    A year in none of them is *unknown*: Saturdays and Sundays are rest days, and everything that
    computes a date across it must say so (``unknown_years``, ``uncertainty``).
    """

    overrides: dict[dt.date, tuple[bool, str]] = field(default_factory=dict)
    #: Days of the office's year tables: date → (workday?, festival).
    office_days: dict[dt.date, tuple[bool, str]] = field(default_factory=dict)
    office_years: frozenset[int] = frozenset()

    def override(self, day: dt.date, *, workday: bool, name: str = "") -> None:
        self.overrides[day] = (workday, name)

    def load_overrides(self, rows: Iterable[tuple[dt.date, bool, str]]) -> None:
        for day, workday, name in rows:
            self.override(day, workday=workday, name=name)

    def set_year_tables(self, years: Iterable[int],
                        days: Iterable[tuple[dt.date, bool, str]]) -> None:
        """Replace the office's year tables: the years they cover, and their named days."""
        self.office_years = frozenset(years)
        self.office_days = {d: (work, name) for d, work, name in days}

    def replace_with(self, other: HolidayCalendar) -> None:
        """Take ``other``'s tables and overrides (the office's tables reloaded in place, so that
        every holder of this object sees them at once)."""
        self.office_years = other.office_years
        self.office_days = dict(other.office_days)
        self.overrides = dict(other.overrides)

    def source_of(self, year: int) -> str | None:
        """Where ``year``'s arrangement comes from: "office", "package", or None (unknown)."""
        if year in self.office_years:
            return "office"
        if _PKG_FIRST <= year <= _PKG_LAST:
            return "package"
        return None

    def is_known_year(self, year: int) -> bool:
        return self.source_of(year) is not None

    def unknown_years(self, start: dt.date, end: dt.date) -> list[int]:
        """The years from ``start`` to ``end`` (either order) that have no holiday table."""
        lo, hi = sorted((start.year, end.year))
        return [y for y in range(lo, hi + 1) if not self.is_known_year(y)]

    def uncertainty(self, start: dt.date, end: dt.date) -> str | None:
        """None when every year from ``start`` to ``end`` has a table, else the Chinese reason
        a date computed over that span is uncertain."""
        years = self.unknown_years(start, end)
        return uncertain_reason(years) if years else None

    def add_workdays_checked(self, start: dt.date, n: int) -> tuple[dt.date, str | None]:
        """``add_workdays`` and, when the span touches a year with no table, the reason the
        answer is uncertain (None when it is certain)."""
        end = self.add_workdays(start, n)
        return end, self.uncertainty(start, end)

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day][0]
        office = self.office_days.get(day)
        if office is not None:
            return office[0]
        if day.year in self.office_years:
            return day.weekday() < 5
        if _PKG_FIRST <= day.year <= _PKG_LAST:
            return _pkg_is_workday(day)
        return day.weekday() < 5

    def is_rest_day(self, day: dt.date) -> bool:
        """Saturday, Sunday or statutory holiday that is not a make-up workday."""
        return not self.is_workday(day)

    def is_makeup_workday(self, day: dt.date) -> bool:
        """A Saturday or Sunday that is an official workday (调休上班)."""
        return day.weekday() >= 5 and self.is_workday(day)

    def holiday_name(self, day: dt.date) -> str | None:
        """Chinese name of the statutory holiday on ``day`` (e.g. 春节), or None."""
        if day in self.overrides:
            workday, name = self.overrides[day]
            return None if workday else (name or None)
        office = self.office_days.get(day)
        if office is not None:
            return None if office[0] else (office[1] or None)
        if day.year in self.office_years:
            return None
        if _PKG_FIRST <= day.year <= _PKG_LAST:
            on_holiday, name = _pkg_holiday_detail(day)
            if on_holiday and name:
                return _HOLIDAY_ZH.get(name, name)
        return None

    def add_workdays(self, start: dt.date, n: int) -> dt.date:
        """The date ``n`` working days after ``start`` (``start`` itself not counted).

        ``n = 0`` gives ``start`` if it is a workday, else the next workday. Negative ``n`` counts
        backwards.
        """
        day = start
        if n == 0:
            while not self.is_workday(day):
                day += dt.timedelta(days=1)
            return day
        step = dt.timedelta(days=1 if n > 0 else -1)
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_workday(day):
                remaining -= 1
        return day

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]: how many workdays remain from ``start`` until ``end``.
        Negative when ``end`` is before ``start``."""
        if end == start:
            return 0
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        count = sum(1 for d in iter_days(start + dt.timedelta(days=1), end) if self.is_workday(d))
        return sign * count


def uncertain_reason(years: Iterable[int]) -> str:
    """``2027年节假日安排尚未录入，按周末计算`` (one sentence per year)."""
    return "；".join(f"{y}年节假日安排尚未录入，按周末计算" for y in sorted(set(years)))


def package_year(year: int) -> tuple[list[tuple[dt.date, str]], list[tuple[dt.date, str]]]:
    """The chinese-calendar package's rest days and make-up workdays of ``year`` (Chinese
    festival names), e.g. as the base a supplementary notice amends."""
    rest = [(d, _HOLIDAY_ZH.get(n, n)) for d, n in chinese_calendar.holidays.items()
            if d.year == year]
    work = [(d, _HOLIDAY_ZH.get(n, n)) for d, n in chinese_calendar.workdays.items()
            if d.year == year]
    return sorted(rest), sorted(work)


def package_years() -> tuple[int, int]:
    return _PKG_FIRST, _PKG_LAST


def iter_days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """Every date from ``start`` to ``end`` inclusive."""
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


_HOLIDAY_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}

DEFAULT_CALENDAR = HolidayCalendar()
