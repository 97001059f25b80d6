"""An independent check of a roster against the hard rules.

Deliberately written without the solver's model-building code or the pre-check: it walks the
assignments directly, rule by rule, so a bug in the model cannot hide itself. Used by tests, by the
benchmark, and by the GUI for instant validation of manual edits and swaps.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable

from app.domain.roster_model import Assignment, Problem, role_label


def validate(problem: Problem, assignments: Iterable[Assignment]) -> list[str]:
    """Every hard-rule violation of ``assignments`` as a Chinese sentence; empty when valid."""
    rows = list(assignments)
    out: list[str] = []
    names = {s.id: s.name or s.id for s in problem.staff}
    roles_of = {s.id: set(s.roles) for s in problem.staff}

    def who(sid: str) -> str:
        return names.get(sid, sid)

    # duplicates, period, shift, qualification, leave
    for a, n in Counter(rows).items():
        if n > 1:
            out.append(f"{a.date} {who(a.staff_id)}的{role_label(a.role)}安排重复了{n}次")
    for a in rows:
        if a.date < problem.start or a.date > problem.end:
            out.append(
                f"{a.date} 不在排班期间 {problem.start}～{problem.end} 内（{who(a.staff_id)}）"
            )
        if a.shift not in problem.shifts:
            out.append(f"{a.date} 班次“{a.shift}”不存在（{who(a.staff_id)}）")
        if a.role not in problem.roles:
            out.append(f"{a.date} 岗位 {a.role} 不在本次排班的岗位中")
        if a.staff_id not in roles_of:
            out.append(f"{a.date} 人员 {a.staff_id} 不在名单中")
        elif a.role not in roles_of[a.staff_id]:
            out.append(f"{a.date} {who(a.staff_id)}不担任{role_label(a.role)}")
        for u in problem.unavailable:
            if u.staff_id == a.staff_id and u.start <= a.date <= u.end:
                out.append(f"{a.date} {who(a.staff_id)}{u.reason}，不能值班")
                break

    # every shift staffed exactly
    filled: Counter = Counter((a.date, a.shift, a.role) for a in rows)
    day = problem.start
    while day <= problem.end:
        for shift in problem.shifts:
            for role, need in problem.roles.items():
                got = filled[(day, shift, role)]
                if got != need:
                    when = f"{day} {shift}" if len(problem.shifts) > 1 else f"{day}"
                    out.append(f"{when} {role_label(role)}应排{need}人，实排{got}人")
        day += dt.timedelta(days=1)

    # at most once per day
    per_day: Counter = Counter((a.staff_id, a.date) for a in rows)
    for (sid, d), n in sorted(per_day.items()):
        if n > 1:
            out.append(f"{d} {who(sid)}一天内值班{n}次")

    # gaps and monthly caps, per person and role; duties served before the period (prior) count
    dates: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for a in [*rows, *problem.prior]:
        dates[(a.staff_id, a.role)].append(a.date)
    for (sid, role), ds in sorted(dates.items()):
        ds.sort()
        gap = problem.min_gap_days.get(role)
        if gap:
            for i in range(len(ds)):
                for j in range(i + 1, len(ds)):
                    if (ds[j] - ds[i]).days >= gap:
                        break
                    if ds[j] != ds[i] and ds[j] >= problem.start:
                        out.append(
                            f"{who(sid)}的{role_label(role)}值班 {ds[i]} 与 {ds[j]} 间隔不足{gap}天"
                        )
        cap = problem.max_per_month.get(role)
        if cap is not None:
            months = Counter((d.year, d.month) for d in ds)
            in_period = {(d.year, d.month) for d in ds if d >= problem.start}
            for (y, m), n in sorted(months.items()):
                if n > cap and (y, m) in in_period:
                    out.append(f"{who(sid)}{y}年{m}月值{role_label(role)}{n}次，超过上限{cap}次")

    # fixed assignments present
    present = set(rows)
    for f in problem.fixed:
        if f not in present:
            out.append(f"固定安排 {f.date} {role_label(f.role)} {who(f.staff_id)} 未保留")

    # apart pairs
    on_day: dict[dt.date, set[str]] = defaultdict(set)
    for a in rows:
        on_day[a.date].add(a.staff_id)
    for one, other in problem.apart:
        for d in sorted(on_day):
            if one in on_day[d] and other in on_day[d]:
                out.append(f"{d} {who(one)}与{who(other)}不能同日值班")
    return out


def spreads(problem: Problem, assignments: Iterable[Assignment]) -> dict[str, tuple[int, int]]:
    """(total spread, rest-day spread) per role, history included; computed here independently
    of the solver so tests can check the promised fairness."""
    hist_total: Counter = Counter()
    hist_rest: Counter = Counter()
    for h in problem.history:
        hist_total[h.staff_id] += h.total
        hist_rest[h.staff_id] += h.rest_day
    total: Counter = Counter()
    rest: Counter = Counter()
    for a in assignments:
        total[(a.role, a.staff_id)] += 1
        if not problem.calendar.is_workday(a.date):
            rest[(a.role, a.staff_id)] += 1
    out = {}
    for role in problem.roles:
        ids = [s.id for s in problem.staff if role in s.roles]
        if not ids:
            continue
        t = [hist_total[i] + total[(role, i)] for i in ids]
        r = [hist_rest[i] + rest[(role, i)] for i in ids]
        out[role] = (max(t) - min(t), max(r) - min(r))
    return out
