"""No roster exists: the reasons name the date, the role and why each person cannot serve."""

from __future__ import annotations

import datetime as dt
import random

from app.domain.roster import (
    Assignment,
    History,
    Problem,
    Staff,
    Unavailable,
    solve,
)
from app.domain.roster_validate import validate
from tests.domain.roster_data import small_problem

D = dt.date


def test_role_nobody_holds():
    problem = small_problem(roles={"leader": 1, "driver": 1})
    sol = solve(problem, time_limit=5)
    assert sol.status == "infeasible" and not sol.assignments
    assert "没有人担任值班司机（driver），无法排班" in sol.infeasible


def test_everyone_on_leave_names_date_and_people():
    leave = [Unavailable(f"L{i}", D(2026, 3, 4), D(2026, 3, 5)) for i in range(3)]
    leave[2] = Unavailable("L2", D(2026, 3, 4), D(2026, 3, 4), "出差")
    sol = solve(small_problem(unavailable=leave), time_limit=5)
    assert sol.status == "infeasible"
    assert (
        "2026-03-04 没有可排的带班领导（leader）：领导0请假，领导1请假，领导2出差" in sol.infeasible
    )
    assert not any(line.startswith("2026-03-05") for line in sol.infeasible)  # 领导2 is back


def test_gap_too_large_names_month_and_dates():
    problem = small_problem(min_gap_days={"leader": 4, "officer": 2})
    sol = solve(problem, time_limit=5)
    assert sol.status == "infeasible"
    assert sol.infeasible[0].startswith("2026年3月 带班领导（leader）共需7人次")
    dated = [line for line in sol.infeasible if line.startswith("2026-03-")]
    assert dated and all("间隔不足" in line for line in dated)


def test_gap_conflict_found_by_solver_is_explained():
    """Two leaders, gap 3 days: A is away on the 8th, B on the 9th. Every day someone is free and
    the monthly capacity suffices (2 + 2 duties), yet the 7th can go to neither. CP-SAT proves
    it; the relaxed solve names the empty date and why each leader cannot take it."""
    staff = [Staff("A", "张甲", ("leader",)), Staff("B", "李乙", ("leader",))]
    problem = Problem(
        D(2025, 2, 7),
        D(2025, 2, 10),
        {"leader": 1},
        staff,
        unavailable=[
            Unavailable("A", D(2025, 2, 8), D(2025, 2, 8)),
            Unavailable("B", D(2025, 2, 9), D(2025, 2, 9)),
        ],
        min_gap_days={"leader": 3},
    )
    sol = solve(problem, time_limit=5)
    assert sol.status == "infeasible"
    assert sol.infeasible[0].startswith("按现有规则无法排满所有班次：至少有1个岗位空缺")
    assert len(sol.infeasible) == 3
    assert sol.infeasible[1].startswith("2025-02-")
    assert "没有可排的带班领导（leader）：" in sol.infeasible[1]
    assert "间隔不足" in sol.infeasible[1]
    # relaxing one rule at a time: a 2-day gap would do
    assert (
        sol.infeasible[2]
        == "以下任一项调整即可排出值班表：把带班领导（leader）的最小间隔由3天减为2天"
    )


def test_apart_pair_blocks_a_shift():
    staff = [
        Staff("A", "张甲", ("leader",)),
        Staff("B", "李乙", ("leader",)),
        Staff("C", "王丙", ("officer",)),
    ]
    problem = Problem(
        D(2025, 2, 7),
        D(2025, 2, 9),
        {"leader": 1, "officer": 1},
        staff,
        unavailable=[Unavailable("B", D(2025, 2, 8), D(2025, 2, 8))],
        apart=[("A", "C")],
    )
    sol = solve(problem, time_limit=5)
    assert sol.status == "infeasible"
    assert any("2025-02-08" in line and "不能同日值班" in line for line in sol.infeasible)
    assert sol.infeasible[-1] == "以下任一项调整即可排出值班表：取消“张甲与王丙不能同日值班”"


def test_fixed_conflicts_listed():
    problem = small_problem(
        unavailable=[Unavailable("L0", D(2026, 3, 3), D(2026, 3, 3))],
        fixed=[
            Assignment(D(2026, 3, 3), "leader", "L0"),
            Assignment(D(2026, 3, 4), "officer", "L1"),
            Assignment(D(2026, 3, 6), "officer", "O0"),
            Assignment(D(2026, 3, 7), "officer", "O0"),
        ],
        apart=[("O1", "O2")],
    )
    sol = solve(problem, time_limit=5)
    assert sol.status == "infeasible"
    text = "\n".join(sol.infeasible)
    assert "固定安排 2026-03-03 带班领导（leader） 领导0：此人当天请假" in text
    assert "固定安排 2026-03-04 值班员（officer） 领导1：此人不担任值班员（officer）" in text
    assert "值班员0的固定安排 2026-03-06 与 2026-03-07 间隔不足2天" in text


def test_random_rules_never_raise_and_results_are_honest():
    """Whatever the rules, solve returns: a valid roster, or reasons (never an exception)."""
    rng = random.Random(7)
    for _ in range(12):
        staff = [
            Staff(f"P{i}", f"人员{i}", tuple(rng.sample(["leader", "officer"], rng.randint(1, 2))))
            for i in range(rng.randint(2, 6))
        ]
        start = D(2026, 4, 27)
        leave = [
            Unavailable(
                s.id,
                start + dt.timedelta(days=rng.randrange(8)),
                start + dt.timedelta(days=rng.randrange(8, 10)),
            )
            for s in staff
            if rng.random() < 0.3
        ]
        problem = Problem(
            start,
            start + dt.timedelta(days=9),
            {"leader": 1, "officer": rng.randint(1, 2)},
            staff,
            unavailable=leave,
            min_gap_days={"leader": rng.randint(1, 4), "officer": rng.randint(1, 3)},
            max_per_month={"officer": rng.randint(1, 5)},
            fixed=[Assignment(start, "leader", staff[0].id)] if rng.random() < 0.5 else [],
            history=[History(s.id, rng.randint(0, 3), 0) for s in staff],
            apart=[(staff[0].id, staff[1].id)] if rng.random() < 0.5 else [],
        )
        sol = solve(problem, time_limit=2)
        if sol.ok:
            assert validate(problem, sol.assignments) == []
        else:
            assert sol.status == "infeasible" and sol.infeasible and not sol.assignments


def test_one_person_cannot_hold_two_roles_the_same_day():
    staff = [Staff("A", "张甲", ("leader", "officer")), Staff("B", "李乙", ("leader",))]
    problem = Problem(
        D(2026, 3, 2),
        D(2026, 3, 2),
        {"leader": 1, "officer": 1},
        staff,
        unavailable=[Unavailable("B", D(2026, 3, 2), D(2026, 3, 2), "出差")],
    )
    sol = solve(problem, time_limit=5)
    assert sol.status == "infeasible"
    assert sol.infeasible[1] in (
        "2026-03-02 没有可排的值班员（officer）：张甲当天已排带班领导",
        "2026-03-02 没有可排的带班领导（leader）：张甲当天已排值班员，李乙出差",
    )
