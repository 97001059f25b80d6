"""Workdays, rest days and statutory holidays (法定节假日, 调休上班日).

The State Council publishes each year's holiday arrangement late in the previous year. The
``chinesecalendar`` package carries the published years; an office can add or correct days with
``HolidayCalendar.override`` (e.g. a year the package does not know yet, loaded from the office
settings). For a year neither knows, Saturdays and Sundays are rest days and
``HolidayCalendar.is_known_year`` tells the UI to warn that the holiday table is missing.
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
    """Which dates are rest days. ``overrides`` maps a date to True (workday) / False (rest day)
    with a name, and wins over the packaged data."""

    overrides: dict[dt.date, tuple[bool, str]] = field(default_factory=dict)

    def override(self, day: dt.date, *, workday: bool, name: str = "") -> None:
        self.overrides[day] = (workday, name)

    def load_overrides(self, rows: Iterable[tuple[dt.date, bool, str]]) -> None:
        for day, workday, name in rows:
            self.override(day, workday=workday, name=name)

    def is_known_year(self, year: int) -> bool:
        return _PKG_FIRST <= year <= _PKG_LAST or any(d.year == year for d in self.overrides)

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day][0]
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
