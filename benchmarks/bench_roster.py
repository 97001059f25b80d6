"""Roster solver benchmark: 60 officers and 12 leaders, roles {"leader": 1, "officer": 2}.

Targets (issue 6): one quarter with every hard rule met and spreads ≤ 1 in under 2 s; a full year
in under 15 s. Run: ``python -m benchmarks.bench_roster`` (``--seed N``, ``--workers N``).
The instance is seeded: realistic leave (annual leave blocks, short trips), min gaps (leader 3,
officer 7 days), monthly caps (leader 4, officer 2), a few apart pairs, a few published fixed days,
and history for the year so far (near-fair counts, as a previous fair roster leaves them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from app.domain.roster import Assignment, History, Problem, Staff, Unavailable, solve
from app.domain.roster_validate import validate


def make_problem(start: dt.date, end: dt.date, *, seed: int = 1, history_days: int = 0) -> Problem:
    rng = random.Random(seed)
    staff = [Staff(f"L{i:02d}", f"领导{i:02d}", ("leader",)) for i in range(1, 13)]
    staff += [Staff(f"O{i:02d}", f"值班员{i:02d}", ("officer",)) for i in range(1, 61)]
    days = (end - start).days + 1
    unavailable = []
    for s in staff:
        # one annual-leave block per quarter (3–7 days) and sometimes a 1–3 day trip
        for _ in range(max(1, days // 91)):
            first = start + dt.timedelta(days=rng.randrange(days))
            unavailable.append(
                Unavailable(s.id, first, first + dt.timedelta(days=rng.randint(2, 6)))
            )
            if rng.random() < 0.5:
                first = start + dt.timedelta(days=rng.randrange(days))
                unavailable.append(
                    Unavailable(s.id, first, first + dt.timedelta(days=rng.randint(0, 2)), "出差")
                )
    history = []
    if history_days:
        for _role, people, need in (("leader", staff[:12], 1), ("officer", staff[12:], 2)):
            per = history_days * need // len(people)
            rest_per = per * 115 // 365
            for s in people:
                history.append(History(s.id, per + rng.randint(0, 1), rest_per + rng.randint(0, 1)))
    fixed = []
    free = lambda sid, d: not any(u.staff_id == sid and u.covers(d) for u in unavailable)  # noqa: E731
    leaders = [s.id for s in staff[:12]]
    officers = [s.id for s in staff[12:]]
    for k in range(3):  # the first three days are already published
        d = start + dt.timedelta(days=k)
        lead = next(x for x in leaders[k * 3 :] if free(x, d))
        offs = [x for x in officers[k * 10 + 6 :] if free(x, d)][:2]
        fixed.append(Assignment(d, "leader", lead))
        fixed += [Assignment(d, "officer", o) for o in offs]
    apart = [("L01", "O01"), ("L02", "O02"), ("O03", "O04"), ("O05", "O06")]
    return Problem(
        start=start,
        end=end,
        roles={"leader": 1, "officer": 2},
        staff=staff,
        unavailable=unavailable,
        min_gap_days={"leader": 3, "officer": 7},
        max_per_month={"leader": 4, "officer": 2},
        fixed=fixed,
        history=history,
        apart=apart,
    )


def run(label: str, problem: Problem, time_limit: float, workers: int) -> None:
    t0 = time.perf_counter()
    sol = solve(problem, time_limit=time_limit, workers=workers)
    wall = time.perf_counter() - t0
    problems = validate(problem, sol.assignments) if sol.ok else ["(无排班)"] + sol.infeasible[:5]
    spreads = ", ".join(
        f"{r}: total {f.total_spread} rest {f.rest_day_spread}" for r, f in sol.fairness.items()
    )
    print(f"{label}: {wall:.2f} s  status={sol.status}  duties={len(sol.assignments)}  [{spreads}]")
    print(f"  validator: {'OK, every hard rule holds' if not problems else problems[:5]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=10.0)
    args = ap.parse_args()
    q = make_problem(dt.date(2025, 10, 1), dt.date(2025, 12, 31), seed=args.seed, history_days=273)
    run("quarter 2025-Q4 (国庆, history Jan–Sep)", q, args.time_limit, args.workers)
    again = solve(q, time_limit=args.time_limit, workers=args.workers).assignments
    same = again == solve(q, time_limit=args.time_limit, workers=args.workers).assignments
    print(f"  reproducible (two more solves, same roster): {same}")
    q.unavailable.append(Unavailable("O30", dt.date(2025, 10, 20), dt.date(2026, 1, 31), "休产假"))
    q.unavailable.append(Unavailable("L05", dt.date(2025, 11, 1), dt.date(2025, 12, 15), "培训"))
    run(
        "quarter + an officer on maternity leave, a leader on training",
        q,
        args.time_limit,
        args.workers,
    )
    y = make_problem(dt.date(2026, 1, 1), dt.date(2026, 12, 31), seed=args.seed)
    run("year 2026 (春节, 国庆)", y, args.time_limit, args.workers)
    # one leader agreed to 14 Saturdays: spread ≤ 1 is impossible, so phase 2 minimises it
    sats = [
        d
        for d in y.days()
        if d.weekday() == 5 and y.is_rest_day(d) and not y.unavailable_reason("L12", d)
    ][:14]
    taken = {f.date for f in y.fixed if f.role == "leader"}
    y.fixed += [Assignment(d, "leader", "L12") for d in sats if d not in taken]
    run("year + one leader fixed on 14 Saturdays", y, args.time_limit, args.workers)


if __name__ == "__main__":
    main()
