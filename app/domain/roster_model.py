"""The duty-roster problem (排班问题) as plain data.

Kept apart from the solver so that the validator, the pre-check and the file reader can depend on
the data without depending on OR-Tools or on how the model is built. Everything here is pure and
immutable enough to be shared between the GUI thread and a background solve.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from app.domain.workdays import DEFAULT_CALENDAR, HolidayCalendar, iter_days

FULL_DAY = "全天"
"""The one shift of the default pattern: a 24-hour duty. Day/night: ("白班", "夜班")."""

ROLE_NAMES_ZH = {
    "leader": "带班领导",
    "officer": "值班员",
    "driver": "值班司机",
    "backup": "备勤人员",
}


def role_label(role: str) -> str:
    """“带班领导（leader）” for known role ids, the id itself otherwise."""
    zh = ROLE_NAMES_ZH.get(role)
    return f"{zh}（{role}）" if zh else role


@dataclass(frozen=True)
class Staff:
    id: str
    name: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Unavailable:
    """Leave, business trip, training: inclusive date range."""

    staff_id: str
    start: dt.date
    end: dt.date
    reason: str = "请假"

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, order=True)
class Assignment:
    """One person serving one role on one shift of one date. Orders by date, role, id."""

    date: dt.date
    role: str
    staff_id: str
    shift: str = FULL_DAY


@dataclass(frozen=True)
class History:
    """Duties already served this year, counted into fairness."""

    staff_id: str
    total: int = 0
    rest_day: int = 0


@dataclass
class Problem:
    """One roster period and its rules.

    ``roles`` maps a role id to how many people each shift needs. ``shifts`` is the daily shift
    pattern: one 24-hour shift by default; with several shifts a person still serves at most one
    shift per day and ``min_gap_days`` still counts in days. ``prior`` is not part of the JSON
    format: the GUI and ``regenerate`` fill it.
    """

    start: dt.date
    end: dt.date
    roles: dict[str, int]
    staff: list[Staff]
    unavailable: list[Unavailable] = field(default_factory=list)
    min_gap_days: dict[str, int] = field(default_factory=dict)
    max_per_month: dict[str, int] = field(default_factory=dict)
    fixed: list[Assignment] = field(default_factory=list)
    history: list[History] = field(default_factory=list)
    apart: list[tuple[str, str]] = field(default_factory=list)
    prior: list[Assignment] = field(default_factory=list)
    """Duties served before ``start`` (the published weeks before a regenerated period): they
    count for the minimum gap and the monthly cap; fairness counts them through ``history``."""
    shifts: tuple[str, ...] = (FULL_DAY,)
    calendar: HolidayCalendar = field(default_factory=lambda: DEFAULT_CALENDAR)

    # -- convenience views (cheap, recomputed; the problem is small) --
    def days(self) -> list[dt.date]:
        return list(iter_days(self.start, self.end))

    def slots(self) -> Iterator[tuple[dt.date, str]]:
        for day in iter_days(self.start, self.end):
            for shift in self.shifts:
                yield day, shift

    def staff_by_id(self) -> dict[str, Staff]:
        return {s.id: s for s in self.staff}

    def name_of(self, staff_id: str) -> str:
        for s in self.staff:
            if s.id == staff_id:
                return s.name or s.id
        return staff_id

    def holders(self, role: str) -> list[Staff]:
        return [s for s in self.staff if role in s.roles]

    def _index(self, name: str, rows: list, key_of) -> dict:
        """Rows grouped by person, rebuilt when the list is replaced or grows/shrinks (the solver
        asks these questions hundreds of thousands of times on a year's roster)."""
        stamp = (id(rows), len(rows))
        cached = self.__dict__.get(name)
        if cached is None or cached[0] != stamp:
            index: dict[str, list] = {}
            for row in rows:
                index.setdefault(key_of(row), []).append(row)
            cached = (stamp, index)
            self.__dict__[name] = cached
        return cached[1]

    def unavailable_reason(self, staff_id: str, day: dt.date) -> str | None:
        """Why ``staff_id`` cannot serve on ``day`` (请假, 出差, …), or None."""
        if self.start <= day <= self.end:
            stamp = (id(self.unavailable), len(self.unavailable), self.start, self.end)
            cached = self.__dict__.get("_unavailable_days")
            if cached is None or cached[0] != stamp:
                days: dict[tuple[str, dt.date], str] = {}
                for u in reversed(self.unavailable):  # the first listed reason wins
                    for d in iter_days(max(u.start, self.start), min(u.end, self.end)):
                        days[(u.staff_id, d)] = u.reason
                cached = (stamp, days)
                self.__dict__["_unavailable_days"] = cached
            return cached[1].get((staff_id, day))
        for u in self._index("_unavailable_ix", self.unavailable, lambda u: u.staff_id).get(
            staff_id, ()
        ):
            if u.covers(day):
                return u.reason
        return None

    def history_of(self, staff_id: str) -> History:
        total = rest = 0
        for h in self._index("_history_ix", self.history, lambda h: h.staff_id).get(staff_id, ()):
            total += h.total
            rest += h.rest_day
        return History(staff_id, total, rest)

    def is_rest_day(self, day: dt.date) -> bool:
        return self.calendar.is_rest_day(day)


@dataclass(frozen=True)
class RoleFairness:
    total_spread: int
    rest_day_spread: int


@dataclass
class Solution:
    """What a solve returns. ``status``: "optimal", "feasible", "infeasible", "cancelled",
    "timeout" (no roster found in time). ``infeasible`` holds the Chinese reasons when there is no
    roster; ``dropped`` lists kept assignments (fixed/swaps) a regeneration could not honour."""

    status: str
    assignments: list[Assignment] = field(default_factory=list)
    fairness: dict[str, RoleFairness] = field(default_factory=dict)
    infeasible: list[str] = field(default_factory=list)
    dropped: list[tuple[Assignment, str]] = field(default_factory=list)
    wall_time: float = 0.0
    objective: float | None = None
    bound: float | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("optimal", "feasible")
