"""Seeded random roster instances for the roster tests (small: they must solve in well under a
second each)."""

from __future__ import annotations

import datetime as dt
import random

from app.domain.roster import Assignment, History, Problem, Staff, Unavailable


def random_problem(seed: int, *, days: int = 21, start: dt.date = dt.date(2026, 1, 26)) -> Problem:
    """Leaders and officers with leave, gaps, monthly caps, one dual-role person, apart pairs,
    a fixed duty and near-fair history: loose enough that a roster with spreads ≤ 1 exists."""
    rng = random.Random(seed)
    end = start + dt.timedelta(days=days - 1)
    n_lead, n_off = rng.randint(5, 7), rng.randint(9, 12)
    staff = [Staff(f"L{i}", f"领导{i}", ("leader",)) for i in range(n_lead)]
    staff += [Staff(f"O{i}", f"值班员{i}", ("officer",)) for i in range(n_off)]
    staff.append(Staff("X", "两岗者", ("leader", "officer")))
    unavailable = []
    for s in staff:
        if rng.random() < 0.4:
            first = start + dt.timedelta(days=rng.randrange(days))
            unavailable.append(
                Unavailable(s.id, first, first + dt.timedelta(days=rng.randint(0, 3)))
            )
    history = [History(s.id, 10 + rng.randint(0, 1), 3 + rng.randint(0, 1)) for s in staff]
    # one published duty on a workday, for the leader who served least on rest days
    workdays = [d for d in (start + dt.timedelta(days=k) for k in range(days)) if d.weekday() < 5]
    fixed_day = rng.choice(workdays)
    rest_hist = {h.staff_id: h.rest_day for h in history}
    lead = min(
        (
            s.id
            for s in staff
            if "leader" in s.roles
            and not any(u.staff_id == s.id and u.covers(fixed_day) for u in unavailable)
        ),
        key=lambda sid: (rest_hist[sid], sid),
    )
    return Problem(
        start=start,
        end=end,
        roles={"leader": 1, "officer": 2},
        staff=staff,
        unavailable=unavailable,
        min_gap_days={"leader": rng.randint(2, 3), "officer": rng.randint(2, 3)},
        max_per_month={"leader": 8, "officer": 6},
        fixed=[Assignment(fixed_day, "leader", lead)],
        history=history,
        apart=[("O0", "O1"), ("L0", "O2")],
    )


def small_problem(**changes) -> Problem:
    """Three leaders and five officers over one week of March 2026 (no holidays)."""
    staff = [Staff(f"L{i}", f"领导{i}", ("leader",)) for i in range(3)]
    staff += [Staff(f"O{i}", f"值班员{i}", ("officer",)) for i in range(5)]
    base = dict(
        start=dt.date(2026, 3, 2),
        end=dt.date(2026, 3, 8),
        roles={"leader": 1, "officer": 2},
        staff=staff,
        min_gap_days={"leader": 2, "officer": 2},
    )
    base.update(changes)
    return Problem(**base)
