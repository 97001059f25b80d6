"""Rest days in the roster follow the State Council calendar: statutory holidays count as rest
days, make-up Saturdays/Sundays (调休上班日) do not; fairness balances them separately."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from app.domain.roster import History, Problem, Staff, fairness, solve
from app.domain.roster_validate import spreads, validate
from app.domain.workdays import HolidayCalendar

D = dt.date


def _leaders(n: int) -> list[Staff]:
    return [Staff(f"L{i}", f"领导{i}", ("leader",)) for i in range(n)]


def _rest_duties(sol, rest_dates: set[dt.date]) -> Counter:
    return Counter(a.staff_id for a in sol.assignments if a.date in rest_dates)


def test_spring_festival_2026_rest_days_shared_evenly():
    # 2026-02-14 (Sat) and 02-28 (Sat) are make-up workdays; 02-15 … 02-23 is the holiday
    rest = {D(2026, 2, 15) + dt.timedelta(days=k) for k in range(9)}
    problem = Problem(
        D(2026, 2, 14), D(2026, 2, 28), {"leader": 1}, _leaders(3), min_gap_days={"leader": 2}
    )
    assert [d for d in problem.days() if problem.is_rest_day(d)] == sorted(rest)
    sol = solve(problem, time_limit=5)
    assert sol.ok and validate(problem, sol.assignments) == []
    assert _rest_duties(sol, rest) == {"L0": 3, "L1": 3, "L2": 3}
    assert sol.fairness["leader"].rest_day_spread == 0


def test_national_day_2025_counts_makeup_days_as_workdays():
    # 2025-09-28 (Sun) and 10-11 (Sat) are make-up workdays; 10-01 … 10-08 the holiday;
    # 09-27 (Sat) and 10-12 (Sun) ordinary weekends
    rest = {D(2025, 9, 27), D(2025, 10, 12)} | {
        D(2025, 10, 1) + dt.timedelta(days=k) for k in range(8)
    }
    problem = Problem(
        D(2025, 9, 27), D(2025, 10, 12), {"leader": 1}, _leaders(5), min_gap_days={"leader": 2}
    )
    assert {d for d in problem.days() if problem.is_rest_day(d)} == rest
    sol = solve(problem, time_limit=5)
    assert sol.ok and validate(problem, sol.assignments) == []
    assert _rest_duties(sol, rest) == {f"L{i}": 2 for i in range(5)}
    # the fairness report counts the same way
    counted = fairness(problem, sol.assignments)["leader"]
    assert counted.rest_day_spread == spreads(problem, sol.assignments)["leader"][1] == 0


def test_rest_day_history_carried_forward():
    """Whoever already served more weekends/holidays this year gets fewer now."""
    rest = {D(2025, 10, 1) + dt.timedelta(days=k) for k in range(8)}
    problem = Problem(
        D(2025, 10, 1),
        D(2025, 10, 8),
        {"leader": 1},
        _leaders(2),
        history=[History("L0", 16, 6), History("L1", 10, 0)],
    )
    sol = solve(problem, time_limit=5)
    got = _rest_duties(sol, rest)
    # rest days: 6 + 1 = 0 + 7 (and totals 16 + 1 = 10 + 7): L0 serves once, L1 seven times
    assert got["L0"] == 1 and got["L1"] == 7


def test_office_override_for_a_year_the_package_does_not_know():
    cal = HolidayCalendar()
    cal.override(D(2027, 2, 6), workday=True, name="春节调休")  # a Saturday made a workday
    cal.override(D(2027, 2, 8), workday=False, name="春节")  # a Monday made a holiday
    problem = Problem(D(2027, 2, 6), D(2027, 2, 8), {"leader": 1}, _leaders(3), calendar=cal)
    assert [problem.is_rest_day(d) for d in problem.days()] == [False, True, True]
    sol = solve(problem, time_limit=5)
    assert sol.ok and len(_rest_duties(sol, {D(2027, 2, 7), D(2027, 2, 8)})) == 2
