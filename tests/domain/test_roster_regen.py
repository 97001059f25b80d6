"""Regenerating a future period keeps the published past and recorded swaps (调班/代班), and lists
what it cannot keep, with the reason."""

from __future__ import annotations

import dataclasses
import datetime as dt

from app.domain.roster import Assignment, History, Problem, Staff, Unavailable, regenerate, solve
from app.domain.roster_validate import validate

D = dt.date
CUT = D(2026, 3, 15)


def _problem() -> Problem:
    staff = [Staff(f"L{i}", f"领导{i}", ("leader",)) for i in range(5)]
    staff += [Staff(f"O{i}", f"值班员{i}", ("officer",)) for i in range(10)]
    return Problem(
        D(2026, 3, 1),
        D(2026, 3, 31),
        {"leader": 1, "officer": 2},
        staff,
        min_gap_days={"leader": 3, "officer": 4},
    )


def _on(rows, day, role):
    return sorted(a.staff_id for a in rows if a.date == day and a.role == role)


def test_past_and_swaps_survive_new_leave():
    problem = _problem()
    first = solve(problem, time_limit=5)
    assert first.ok
    # a leader on duty on the 20th falls ill from the 18th to the 22nd
    ill = _on(first.assignments, D(2026, 3, 20), "leader")[0]
    problem.unavailable.append(Unavailable(ill, D(2026, 3, 18), D(2026, 3, 22), "病假"))
    # recorded swaps: an officer takes the 25th; the ill leader had agreed to take the 19th
    officer = next(
        s.id
        for s in problem.staff
        if s.id.startswith("O") and s.id not in _on(first.assignments, D(2026, 3, 25), "officer")
    )
    swap_ok = Assignment(D(2026, 3, 25), "officer", officer)
    swap_bad = Assignment(D(2026, 3, 19), "leader", ill)
    again = regenerate(problem, first.assignments, keep_before=CUT, swaps=[swap_ok, swap_bad])
    assert again.ok
    assert validate(problem, again.assignments) == []
    past = [a for a in first.assignments if a.date < CUT]
    assert set(past) <= set(again.assignments)
    assert swap_ok in again.assignments
    assert not any(
        a.staff_id == ill and D(2026, 3, 18) <= a.date <= D(2026, 3, 22) for a in again.assignments
    )
    assert [(a, why) for a, why in again.dropped] == [
        (swap_bad, f"调班/代班安排：领导{ill[1:]}当天病假")
    ]


def test_conflicting_swap_is_dropped_with_reason():
    problem = _problem()
    first = solve(problem, time_limit=5)
    before = _on(first.assignments, D(2026, 3, 14), "leader")[0]  # published, kept
    clash = Assignment(D(2026, 3, 16), "leader", before)  # 2 days later, gap is 3
    fine = Assignment(D(2026, 3, 28), "leader", before)
    again = regenerate(problem, first.assignments, keep_before=CUT, swaps=[clash, fine])
    assert again.ok and validate(problem, again.assignments) == []
    assert fine in again.assignments and clash not in again.assignments
    ((dropped, why),) = again.dropped
    assert dropped == clash
    assert why.startswith("2026-03-16 带班领导（leader）") and "间隔不足（2026-03-14已值班" in why


def test_regenerate_without_changes_keeps_everything_valid():
    problem = _problem()
    first = solve(problem, time_limit=5)
    again = regenerate(problem, first.assignments, keep_before=CUT)
    assert again.ok and again.dropped == []
    assert validate(problem, again.assignments) == []
    assert [a for a in again.assignments if a.date < CUT] == [
        a for a in first.assignments if a.date < CUT
    ]


def test_regenerating_from_the_cut_respects_gaps_across_the_boundary():
    """A new period starting at the cut: the published duties before it still count for the
    minimum gap and the monthly cap."""
    problem = _problem()
    first = solve(problem, time_limit=5)
    later = _problem()
    later.start = CUT
    later.max_per_month = {"leader": 9}
    # the leader on duty the day before the cut is the one fairness wants most (the others
    # already have 5 duties each): without the carried-in gap they would serve on the 15th
    recent = _on(first.assignments, CUT - dt.timedelta(days=1), "leader")[0]
    later.history = [History(s.id, 5, 0) for s in later.staff if s.id != recent]
    again = regenerate(later, first.assignments, keep_before=CUT)
    assert again.ok and validate(later, again.assignments) == []
    assert all(a.date >= CUT for a in again.assignments)
    combined = [a for a in first.assignments if a.date < CUT] + again.assignments
    # the whole month, old part + new part, meets every rule: gaps across the cut, the cap
    assert validate(dataclasses.replace(problem, max_per_month={"leader": 9}), combined) == []
    assert not any(
        a.staff_id == recent and a.date < CUT + dt.timedelta(days=2) for a in again.assignments
    )
    assert sum(1 for a in again.assignments if a.staff_id == recent) == 5  # 17th, 20th, … 29th


def test_validator_counts_prior_duties():
    problem = _problem()
    problem.start = CUT
    problem.prior = [Assignment(CUT - dt.timedelta(days=1), "leader", "L0")]
    on_cut = [Assignment(CUT, "leader", "L0")]
    assert any("2026-03-14 与 2026-03-15 间隔不足3天" in m for m in validate(problem, on_cut))
    problem.max_per_month = {"leader": 1}
    assert any("2026年3月值带班领导（leader）2次" in m for m in validate(problem, on_cut))
