"""Why a roster cannot be made, in plain Chinese, per date and role.

Two uses: a cheap pre-check before solving (fixed assignments that break a rule, a date on which
too few qualified people are free, a role whose people cannot cover the period at all), and the
explanation of the slots a relaxed solve left empty (``why_not``: for every qualified person, why
they cannot take that slot given the other duties).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from itertools import pairwise

from app.domain.roster_model import FULL_DAY, ROLE_NAMES_ZH, Assignment, Problem, role_label
from app.domain.workdays import iter_days

MAX_NAMES = 8  # a reason line names at most this many people, then “等N人”


def _day(day: dt.date) -> str:
    return day.isoformat()


def slot_label(problem: Problem, day: dt.date, shift: str) -> str:
    if len(problem.shifts) == 1 and shift == FULL_DAY:
        return _day(day)
    return f"{_day(day)}{shift}"


class DutyIndex:
    """The duties in a set of assignments, looked up by person, date and role."""

    def __init__(self, assignments: Iterable[Assignment]) -> None:
        self.by_person_day: dict[tuple[str, dt.date], list[Assignment]] = defaultdict(list)
        self.by_person_role: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
        self.by_day: dict[dt.date, set[str]] = defaultdict(set)
        for a in assignments:
            self.by_person_day[(a.staff_id, a.date)].append(a)
            self.by_person_role[(a.staff_id, a.role)].append(a.date)
            self.by_day[a.date].add(a.staff_id)


def why_not(
    problem: Problem, staff_id: str, role: str, day: dt.date, others: DutyIndex
) -> str | None:
    """Why ``staff_id`` cannot serve ``role`` on ``day`` next to the duties in ``others``;
    None when nothing stops them."""
    name = problem.name_of(staff_id)
    reason = problem.unavailable_reason(staff_id, day)
    if reason:
        return f"{name}{reason}"
    same_day = others.by_person_day.get((staff_id, day))
    if same_day:
        return f"{name}当天已排{ROLE_NAMES_ZH.get(same_day[0].role, same_day[0].role)}"
    gap = problem.min_gap_days.get(role, 0)
    for other in sorted(others.by_person_role.get((staff_id, role), ())):
        if other != day and abs((other - day).days) < gap:
            return f"{name}间隔不足（{_day(other)}已值班，至少间隔{gap}天）"
    cap = problem.max_per_month.get(role)
    if cap is not None:
        in_month = [
            d
            for d in others.by_person_role.get((staff_id, role), ())
            if (d.year, d.month) == (day.year, day.month) and d != day
        ]
        if len(in_month) >= cap:
            return f"{name}本月已排满{cap}次"
    for a, b in problem.apart:
        partner = b if a == staff_id else a if b == staff_id else None
        if partner and partner in others.by_day.get(day, ()):
            return f"{name}与{problem.name_of(partner)}不能同日值班"
    return None


def _join(reasons: list[str]) -> str:
    if len(reasons) > MAX_NAMES:
        return "，".join(reasons[:MAX_NAMES]) + f"等{len(reasons)}人"
    return "，".join(reasons)


def slot_shortage(
    problem: Problem,
    day: dt.date,
    shift: str,
    role: str,
    others: Iterable[Assignment] | DutyIndex,
    missing: int | None = None,
) -> str:
    """The sentence for a slot that lacks people: who holds the role and why each cannot serve."""
    index = others if isinstance(others, DutyIndex) else DutyIndex(others)
    holders = problem.holders(role)
    label = f"{slot_label(problem, day, shift)} "
    if not holders:
        return f"{label}没有可排的{role_label(role)}：没有人具备该岗位"
    reasons = [r for s in holders if (r := why_not(problem, s.id, role, day, index))]
    need = problem.roles[role]
    if missing is None or missing >= need:
        head = f"{label}没有可排的{role_label(role)}"
    else:
        head = f"{label}{role_label(role)}需要{need}人，缺{missing}人"
    return f"{head}：{_join(reasons)}" if reasons else head


def check_fixed(problem: Problem) -> list[str]:
    """Fixed assignments that break a rule on their own or together."""
    out: list[str] = []
    staff = problem.staff_by_id()
    fixed = sorted(set(problem.fixed))
    per_slot: dict[tuple[dt.date, str, str], int] = defaultdict(int)
    per_day: dict[tuple[str, dt.date], list[Assignment]] = defaultdict(list)
    for a in fixed:
        who = problem.name_of(a.staff_id)
        where = f"{slot_label(problem, a.date, a.shift)} {role_label(a.role)}"
        if not (problem.start <= a.date <= problem.end):
            out.append(f"固定安排 {where} {who}：日期不在排班期间内")
            continue
        if a.shift not in problem.shifts:
            out.append(f"固定安排 {where} {who}：没有“{a.shift}”这个班次")
            continue
        person = staff.get(a.staff_id)
        if person is None or a.role not in person.roles:
            out.append(f"固定安排 {where} {who}：此人不担任{role_label(a.role)}")
        reason = problem.unavailable_reason(a.staff_id, a.date)
        if reason:
            out.append(f"固定安排 {where} {who}：此人当天{reason}")
        per_slot[(a.date, a.shift, a.role)] += 1
        per_day[(a.staff_id, a.date)].append(a)
    for (day, shift, role), n in sorted(per_slot.items()):
        if role in problem.roles and n > problem.roles[role]:
            out.append(
                f"{slot_label(problem, day, shift)} {role_label(role)}固定安排了{n}人，"
                f"超过每班需要的{problem.roles[role]}人"
            )
    for (sid, day), items in sorted(per_day.items()):
        if len(items) > 1:
            out.append(
                f"{_day(day)} {problem.name_of(sid)}被固定安排了{len(items)}个班次，"
                "每人每天最多一次"
            )
    index = DutyIndex(fixed)
    with_prior = DutyIndex([*fixed, *problem.prior])
    for (sid, role), days in sorted(with_prior.by_person_role.items()):
        days = sorted(days)
        gap = problem.min_gap_days.get(role, 0)
        for d1, d2 in pairwise(days):
            if d1 != d2 and (d2 - d1).days < gap and d2 >= problem.start:
                out.append(
                    f"{problem.name_of(sid)}的固定安排 {_day(d1)} 与 {_day(d2)} "
                    f"间隔不足{gap}天（{role_label(role)}）"
                )
        cap = problem.max_per_month.get(role)
        if cap is not None:
            months: dict[tuple[int, int], int] = defaultdict(int)
            for d in set(days):
                if d >= problem.start:
                    months[(d.year, d.month)] += 1
            for a in problem.prior:
                if (a.staff_id, a.role) == (sid, role) and (a.date.year, a.date.month) in months:
                    months[(a.date.year, a.date.month)] += 1
            for (y, m), n in sorted(months.items()):
                if n > cap:
                    out.append(
                        f"{problem.name_of(sid)}在{y}年{m}月固定安排了{n}次{role_label(role)}，"
                        f"超过每月上限{cap}次"
                    )
    for one, other in problem.apart:
        for day in sorted(set(index.by_day)):
            if one in index.by_day[day] and other in index.by_day[day]:
                out.append(
                    f"{_day(day)} {problem.name_of(one)}与{problem.name_of(other)}不能同日值班，"
                    "但两人都被固定安排"
                )
    return out


def check_slots(problem: Problem) -> list[str]:
    """Dates on which fewer qualified, free people exist than the shift needs (given fixed)."""
    out: list[str] = []
    index = DutyIndex([*problem.fixed, *problem.prior])
    fixed_in_slot: dict[tuple[dt.date, str, str], int] = defaultdict(int)
    for a in problem.fixed:
        fixed_in_slot[(a.date, a.shift, a.role)] += 1
    holders = {r: problem.holders(r) for r in problem.roles}
    for day, shift in problem.slots():
        for role, need in problem.roles.items():
            missing = need - fixed_in_slot[(day, shift, role)]
            if missing <= 0:
                continue
            free = sum(1 for s in holders[role] if why_not(problem, s.id, role, day, index) is None)
            if free < missing:
                out.append(slot_shortage(problem, day, shift, role, index, missing - free))
    return out


def max_duties_alone(problem: Problem, staff_id: str, role: str, days: list[dt.date]) -> int:
    """Most duties one person could do in ``role`` on ``days`` alone: earliest-first picking under
    leave, the minimum gap and the monthly cap (optimal for these rules)."""
    gap = max(problem.min_gap_days.get(role, 1), 1)
    cap = problem.max_per_month.get(role)
    last: dt.date | None = None
    month_count: dict[tuple[int, int], int] = defaultdict(int)
    n = 0
    for day in days:
        if problem.unavailable_reason(staff_id, day):
            continue
        if last is not None and (day - last).days < gap:
            continue
        if cap is not None and month_count[(day.year, day.month)] >= cap:
            continue
        last = day
        month_count[(day.year, day.month)] += 1
        n += 1
    return n


def check_capacity(problem: Problem) -> list[str]:
    """Per role and per month: can the people holding the role cover the shifts at all?"""
    out: list[str] = []
    days = list(iter_days(problem.start, problem.end))
    months: dict[tuple[int, int], list[dt.date]] = defaultdict(list)
    for d in days:
        months[(d.year, d.month)].append(d)
    per_day = len(problem.shifts)
    for role, need in problem.roles.items():
        holders = problem.holders(role)
        if not holders:
            continue  # check_slots already says so per date; one line here is clearer
        for (y, m), mdays in sorted(months.items()):
            needed = need * per_day * len(mdays)
            possible = sum(max_duties_alone(problem, s.id, role, mdays) for s in holders) * per_day
            if possible < needed:
                gap = problem.min_gap_days.get(role)
                cap = problem.max_per_month.get(role)
                rules = "、".join(
                    x
                    for x in (
                        "请假",
                        f"间隔{gap}天" if gap else "",
                        f"每月最多{cap}次" if cap else "",
                    )
                    if x
                )
                out.append(
                    f"{y}年{m}月 {role_label(role)}共需{needed}人次，{len(holders)}人按{rules}"
                    f"最多只能排{possible}人次"
                )
    return out


def precheck(problem: Problem) -> list[str]:
    """Every reason found without solving; empty when nothing obvious blocks a roster."""
    out = []
    for role in problem.roles:
        if not problem.holders(role):
            out.append(f"没有人担任{role_label(role)}，无法排班")
    fixed = check_fixed(problem)
    out += fixed
    if fixed:
        return out  # slot checks around broken fixed duties would only repeat them
    out += check_capacity(problem)
    if not any("没有人担任" in line for line in out):
        out += check_slots(problem)
    return out


def explain_shortage(
    problem: Problem, relaxed: list[Assignment], short: dict[tuple[dt.date, str, str], int]
) -> list[str]:
    """Sentences for the slots a best-effort (relaxed) roster leaves empty."""
    index = DutyIndex([*relaxed, *problem.prior])
    return [
        slot_shortage(problem, day, shift, role, index, n)
        for (day, shift, role), n in sorted(short.items())
        if n > 0
    ]
