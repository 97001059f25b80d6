"""The duty-roster solver (排班): every hard rule a CP-SAT constraint, fairness the target.

Hard rules: each shift gets exactly the number of people each role needs; people serve only in
their roles, at most once per day, never while unavailable; per role a minimum gap in days between
two duties (reaching back into ``prior`` duties) and a maximum per calendar month; fixed
assignments; pairs who must not serve the same day.

Fairness per role: the spread (max − min) over the role's holders of history + duties, for all
duties and for rest-day duties. Two phases, because CP-SAT is far better at satisfying count
bounds than at minimising a max − min:
1. the target as constraints — per-person count windows of width max(ideal, 1) from
   ``roster_fair`` (people on long leave held at their own maximum) — any roster inside them is
   final (one worker, no LP relaxation: a pure feasibility search);
2. if the windows cannot be met, minimise the sum of the spreads, each bounded below by its exact
   ideal so the search stops as soon as it gets there.
A greedy fill is the hint. Reproducible: fixed seed, one worker by default (interleaved search
with more), deterministic time budget; the wall-clock limit (3×) is only a safety net.

No roster: the pre-check (``roster_explain``) names fixed conflicts and dates nobody can serve;
when CP-SAT proves infeasibility, a relaxed model (shifts may stay short) finds the fewest empty
slots, each explained per date and role, and relaxing one rule at a time says which single change
would make a roster possible.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from app.domain.roster_explain import (
    DutyIndex,
    explain_shortage,
    max_duties_alone,
    precheck,
    why_not,
)
from app.domain.roster_fair import person_windows, spread_lower_bound
from app.domain.roster_model import (
    FULL_DAY,
    Assignment,
    History,
    Problem,
    RoleFairness,
    Solution,
    Staff,
    Unavailable,
    role_label,
)

__all__ = [
    "FULL_DAY",
    "Assignment",
    "History",
    "Problem",
    "RoleFairness",
    "Solution",
    "SolveProgress",
    "Staff",
    "Unavailable",
    "fairness",
    "regenerate",
    "solve",
    "person_windows",
    "spread_lower_bound",
]

DEFAULT_TIME_LIMIT = 10.0
DEFAULT_WORKERS = 1  # one worker: reproducible and, measured, as fast here as two


@dataclass(frozen=True)
class SolveProgress:
    """Reported on every improved roster: how many found, current objective (sum of spreads),
    best bound, seconds elapsed in this phase. Phase 1 looks for a roster inside the fairness
    target (objective and bound 0: any roster found is final); phase 2 minimises the spreads."""

    solutions: int
    objective: float
    bound: float
    elapsed: float
    phase: int = 2


ProgressFn = Callable[[SolveProgress], None]
CancelFlag = threading.Event | Callable[[], bool] | None


def _is_cancelled(cancel: CancelFlag) -> bool:
    if cancel is None:
        return False
    if isinstance(cancel, threading.Event):
        return cancel.is_set()
    return bool(cancel())


def fairness(problem: Problem, assignments: Iterable[Assignment]) -> dict[str, RoleFairness]:
    """Spread of history + duties per role, for all duties and for rest-day duties."""
    total: dict[tuple[str, str], int] = defaultdict(int)
    rest: dict[tuple[str, str], int] = defaultdict(int)
    for a in assignments:
        total[(a.role, a.staff_id)] += 1
        if problem.is_rest_day(a.date):
            rest[(a.role, a.staff_id)] += 1
    out = {}
    for role in problem.roles:
        holders = problem.holders(role)
        if not holders:
            out[role] = RoleFairness(0, 0)
            continue
        t = [problem.history_of(s.id).total + total[(role, s.id)] for s in holders]
        r = [problem.history_of(s.id).rest_day + rest[(role, s.id)] for s in holders]
        out[role] = RoleFairness(max(t) - min(t), max(r) - min(r))
    return out


def fair_inputs(problem: Problem) -> list[tuple[str, str, list[Staff], list[int], list[int], int]]:
    """Per role with two or more holders and per kind ("total", "rest"): the holders, their
    history, the most each could end with (history + duties they could do alone), and the number
    of duties the period hands out."""
    days = problem.days()
    rest_days = [d for d in days if problem.is_rest_day(d)]
    per_day = len(problem.shifts)
    out = []
    for role, need in problem.roles.items():
        holders = problem.holders(role)
        if len(holders) < 2:
            continue
        for kind, span in (("total", days), ("rest", rest_days)):
            hist = [
                problem.history_of(s.id).total
                if kind == "total"
                else problem.history_of(s.id).rest_day
                for s in holders
            ]
            upper = [h + max_duties_alone(problem, s.id, role, span) for h, s in zip(hist, holders, strict=True)]
            out.append((role, kind, holders, hist, upper, need * per_day * len(span)))
    return out


# ---------------------------------------------------------------- greedy fill (the hint)


def greedy_fill(problem: Problem, keep: Iterable[Assignment] = ()) -> list[Assignment]:
    """Day by day, give each shift to the free, rule-abiding holders with the fewest duties.

    Only a warm start: it may leave shifts short; the solver fixes that."""
    chosen: list[Assignment] = list(dict.fromkeys([*problem.fixed, *keep]))
    on_day: dict[dt.date, set[str]] = defaultdict(set)
    near: dict[tuple[str, str], set[dt.date]] = defaultdict(set)  # dates within a gap of a duty
    month: dict[tuple[str, str, int, int], int] = defaultdict(int)
    count: dict[tuple[str, str], int] = defaultdict(int)
    rest_count: dict[tuple[str, str], int] = defaultdict(int)
    in_slot: dict[tuple[dt.date, str, str], int] = defaultdict(int)

    rest_days: dict[dt.date, bool] = {}

    def is_rest(day: dt.date) -> bool:
        if day not in rest_days:
            rest_days[day] = problem.is_rest_day(day)
        return rest_days[day]

    def block(a: Assignment) -> None:
        gap = problem.min_gap_days.get(a.role, 1)
        mine = near[(a.staff_id, a.role)]
        for k in range(1 - gap, gap):
            mine.add(a.date + dt.timedelta(days=k))

    def add(a: Assignment) -> None:
        on_day[a.date].add(a.staff_id)
        block(a)
        month[(a.staff_id, a.role, a.date.year, a.date.month)] += 1
        count[(a.staff_id, a.role)] += 1
        if is_rest(a.date):
            rest_count[(a.staff_id, a.role)] += 1
        in_slot[(a.date, a.shift, a.role)] += 1

    for a in chosen:
        add(a)
    for a in problem.prior:  # gaps and monthly caps reach back before the period
        block(a)
        month[(a.staff_id, a.role, a.date.year, a.date.month)] += 1
    partners: dict[str, set[str]] = defaultdict(set)
    for one, other in problem.apart:
        partners[one].add(other)
        partners[other].add(one)
    holders = {r: problem.holders(r) for r in problem.roles}
    for day, shift in problem.slots():
        rest = is_rest(day)
        for role in sorted(problem.roles, key=lambda r: len(holders[r])):
            cap = problem.max_per_month.get(role)
            while in_slot[(day, shift, role)] < problem.roles[role]:
                best: tuple | None = None
                for s in holders[role]:
                    if s.id in on_day[day] or problem.unavailable_reason(s.id, day):
                        continue
                    if partners[s.id] & on_day[day]:
                        continue
                    if day in near[(s.id, role)]:
                        continue
                    if cap is not None and month[(s.id, role, day.year, day.month)] >= cap:
                        continue
                    h = problem.history_of(s.id)
                    key = (
                        h.rest_day + rest_count[(s.id, role)] if rest else 0,
                        h.total + count[(s.id, role)],
                        s.id,
                    )
                    if best is None or key < best:
                        best = key
                if best is None:
                    break
                a = Assignment(day, role, best[2], shift)
                chosen.append(a)
                add(a)  # now on duty that day, so never picked twice
    return chosen


# ---------------------------------------------------------------- the CP-SAT model


def _blocked_by_prior(problem: Problem) -> set[tuple[str, str, dt.date]]:
    """(person, role, date) in the period too close to a duty served before it."""
    out = set()
    for a in problem.prior:
        gap = problem.min_gap_days.get(a.role, 1)
        for k in range(1, gap):
            out.add((a.staff_id, a.role, a.date + dt.timedelta(days=k)))
    return out


class _Model:
    """Variables x[(staff, day index, shift, role)] and the hard rules over them."""

    def __init__(
        self, problem: Problem, *, relaxed: bool = False, fair: list | None = None
    ) -> None:
        self.p = problem
        self.fair = fair
        self.m = cp_model.CpModel()
        self.days = problem.days()
        self.x: dict[tuple[str, int, str, str], cp_model.IntVar] = {}
        self.short: dict[tuple[dt.date, str, str], cp_model.IntVar] = {}
        self._aux: list = []  # (max, min, spread, history, variables) per fairness term
        p, m = problem, self.m
        blocked = _blocked_by_prior(p)
        for s in p.staff:
            for di, day in enumerate(self.days):
                if p.unavailable_reason(s.id, day):
                    continue
                for shift in p.shifts:
                    for role in s.roles:
                        if role in p.roles and (s.id, role, day) not in blocked:
                            self.x[(s.id, di, shift, role)] = m.new_bool_var(
                                f"x_{s.id}_{di}_{shift}_{role}"
                            )
        by_slot: dict[tuple[int, str, str], list] = defaultdict(list)
        by_person_day: dict[tuple[str, int], list] = defaultdict(list)
        by_person_role_day: dict[tuple[str, str, int], list] = defaultdict(list)
        for (sid, di, shift, role), v in self.x.items():
            by_slot[(di, shift, role)].append(v)
            by_person_day[(sid, di)].append(v)
            by_person_role_day[(sid, role, di)].append(v)
        self.by_person_day = by_person_day
        self.by_person_role_day = by_person_role_day
        # coverage
        for di, day in enumerate(self.days):
            for shift in p.shifts:
                for role, need in p.roles.items():
                    vs = by_slot[(di, shift, role)]
                    if relaxed:
                        short = m.new_int_var(0, need, f"short_{di}_{shift}_{role}")
                        self.short[(day, shift, role)] = short
                        m.add(sum(vs) + short == need)
                    else:
                        m.add(sum(vs) == need)
        # at most once per day
        for vs in by_person_day.values():
            if len(vs) > 1:
                m.add_at_most_one(vs)
        # minimum gap per role: any gap-day window holds at most one duty
        for s in p.staff:
            for role in s.roles:
                gap = p.min_gap_days.get(role, 1)
                if role not in p.roles or gap <= 1:
                    continue
                for first in range(len(self.days)):
                    window = [
                        v
                        for di in range(first, min(first + gap, len(self.days)))
                        for v in by_person_role_day.get((s.id, role, di), ())
                    ]
                    if len(window) > 1:
                        m.add_at_most_one(window)
                    if first + gap >= len(self.days):
                        break
        # maximum per month per role
        months: dict[tuple[int, int], list[int]] = defaultdict(list)
        for di, day in enumerate(self.days):
            months[(day.year, day.month)].append(di)
        for s in p.staff:
            for role in s.roles:
                cap = p.max_per_month.get(role)
                if role not in p.roles or cap is None:
                    continue
                for (year, month), idx in months.items():
                    vs = [v for di in idx for v in by_person_role_day.get((s.id, role, di), ())]
                    left = cap - sum(
                        1
                        for a in p.prior
                        if (a.staff_id, a.role, a.date.year, a.date.month)
                        == (s.id, role, year, month)
                    )
                    if len(vs) > max(left, 0):
                        m.add(sum(vs) <= max(left, 0))
        # apart pairs
        for a, b in p.apart:
            for di in range(len(self.days)):
                vs = by_person_day.get((a, di), []) + by_person_day.get((b, di), [])
                if len(vs) > 1:
                    m.add_at_most_one(vs)
        # fixed
        day_index = {d: i for i, d in enumerate(self.days)}
        self.day_index = day_index
        for f in p.fixed:
            fixed = self.var(f)
            if fixed is None:  # unqualified or on leave: the pre-check explains it
                m.add_bool_or([])
            else:
                m.add(fixed == 1)

    def var(self, a: Assignment) -> cp_model.IntVar | None:
        di = self.day_index.get(a.date)
        return None if di is None else self.x.get((a.staff_id, di, a.shift, a.role))

    def _counts(self):
        """``fair_inputs`` with each holder's duty variables (all, or on rest days only)."""
        rest = {di for di, d in enumerate(self.days) if self.p.is_rest_day(d)}
        if self.fair is None:
            self.fair = fair_inputs(self.p)
        for role, kind, holders, hist, upper, duties in self.fair:
            vars_ = [
                [
                    v
                    for (_sid, di, _sh, _r), v in self._by_person_role(s.id, role)
                    if kind == "total" or di in rest
                ]
                for s in holders
            ]
            yield role, kind, hist, upper, vars_, duties

    def fairness_objective(self) -> list:
        """Spread variables per role (total, rest day), each bounded below by its ideal."""
        m = self.m
        terms = []
        for role, kind, hist, upper, vars_, duties in self._counts():
            lb = spread_lower_bound(hist, duties, upper)
            hi = max(hist) + duties + 1
            mx = m.new_int_var(0, hi, f"max_{role}_{kind}")
            mn = m.new_int_var(0, hi, f"min_{role}_{kind}")
            for base, vs in zip(hist, vars_, strict=True):
                m.add(mx >= base + sum(vs))
                m.add(mn <= base + sum(vs))
            spread = m.new_int_var(lb, hi, f"spread_{role}_{kind}")
            m.add(spread == mx - mn)
            terms.append(spread)
            self._aux.append((mx, mn, spread, hist, vars_))
        return terms

    def fairness_windows(self) -> bool:
        """Per-holder count windows of width max(ideal spread, 1), people on long leave held at
        their own maximum: the fairness target as constraints, which propagate far better than
        a max − min objective. False when no window fits, or fixed duties already overflow one
        (then phase 1 could only prove what this counting shows)."""
        fixed_vars = {v.index for a in self.p.fixed if (v := self.var(a)) is not None}
        for _role, _kind, hist, upper, vars_, duties in self._counts():
            target = max(spread_lower_bound(hist, duties), 1)  # leave handled by pinning
            windows = person_windows(hist, duties, upper, target)
            if windows is None:
                return False
            for base, vs, (lo, hi) in zip(hist, vars_, windows, strict=True):
                if base + sum(1 for v in vs if v.index in fixed_vars) > hi:
                    return False
                if vs:
                    self.m.add_linear_constraint(sum(vs), lo - base, hi - base)
                elif not lo <= base <= hi:
                    return False
        return True

    def _by_person_role(self, sid: str, role: str):
        if not hasattr(self, "_pr"):
            self._pr: dict[tuple[str, str], list] = defaultdict(list)
            for key, v in self.x.items():
                self._pr[(key[0], key[3])].append((key, v))
        return self._pr[(sid, role)]

    def add_hint(self, assignments: Iterable[Assignment]) -> None:
        """Hint every variable, the spread helpers included: CP-SAT takes a complete feasible
        hint as its first solution at once, while an incomplete one it may never complete
        (measured: a year with a valid greedy roster, no solution in 10 s)."""
        on = {v.index for a in assignments if (v := self.var(a)) is not None}
        for v in self.x.values():
            self.m.add_hint(v, 1 if v.index in on else 0)
        for mx, mn, spread, hist, vars_ in self._aux:
            counts = [h + sum(1 for v in vs if v.index in on) for h, vs in zip(hist, vars_, strict=True)]
            high, low = max(counts), min(counts)
            self.m.add_hint(mx, high)
            self.m.add_hint(mn, low)
            self.m.add_hint(spread, high - low)

    def read(self, solver: cp_model.CpSolver) -> list[Assignment]:
        return sorted(
            Assignment(self.days[di], role, sid, shift)
            for (sid, di, shift, role), v in self.x.items()
            if solver.boolean_value(v)
        )


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(self, progress: ProgressFn | None, cancel: CancelFlag) -> None:
        super().__init__()
        self.progress, self.cancel, self.count, self.phase = progress, cancel, 0, 1

    def on_solution_callback(self) -> None:
        self.count += 1
        if self.progress is not None:
            self.progress(
                SolveProgress(
                    self.count,
                    self.objective_value,
                    self.best_objective_bound,
                    self.wall_time,
                    self.phase,
                )
            )
        if _is_cancelled(self.cancel):
            self.stop_search()


def _params(
    solver: cp_model.CpSolver,
    time_limit: float,
    workers: int,
    seed: int,
    *,
    feasibility: bool = False,
) -> None:
    prm = solver.parameters
    prm.num_workers = workers
    prm.random_seed = seed
    if feasibility:
        # the fairness windows leave nothing to optimise: the LP relaxation only slows the
        # search down (measured: 0.8 → 0.12 deterministic s on the hardest benchmark quarters)
        prm.linearization_level = 0
    if workers > 1:
        prm.interleave_search = True  # deterministic multi-worker search
    # a deterministic budget keeps results reproducible; the wall-clock limit is a safety net
    prm.max_deterministic_time = max(time_limit, 0.1)
    prm.max_time_in_seconds = max(time_limit, 0.1) * 3


def _run(
    solver: cp_model.CpSolver, model: cp_model.CpModel, cb: _Callback | None, cancel: CancelFlag
) -> cp_model.CpSolverStatus:
    """Solve, stopping early when ``cancel`` is set (polled on a helper thread)."""
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.05):
            if _is_cancelled(cancel):
                solver.stop_search()
                return

    watcher = threading.Thread(target=watch, daemon=True) if cancel is not None else None
    if watcher:
        watcher.start()
    try:
        return solver.solve(model, cb)
    finally:
        done.set()
        if watcher:
            watcher.join()


def _diagnose(
    problem: Problem, time_limit: float, workers: int, seed: int, cancel: CancelFlag
) -> list[str]:
    """After CP-SAT proved infeasibility: the fewest shifts that must stay short, explained."""
    model = _Model(problem, relaxed=True)
    model.m.minimize(sum(model.short.values()))
    model.add_hint(greedy_fill(problem))
    solver = cp_model.CpSolver()
    _params(solver, time_limit, workers, seed)
    status = _run(solver, model.m, None, cancel)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return ["按现有规则无法排出完整的值班表（规则之间相互冲突，未能定位到具体日期）"]
    short = {k: solver.value(v) for k, v in model.short.items() if solver.value(v) > 0}
    lines = explain_shortage(problem, model.read(solver), short)
    total = sum(short.values())
    least = "至少" if status == cp_model.OPTIMAL else ""
    lines.insert(
        0,
        f"按现有规则无法排满所有班次：{least}有{total}个岗位空缺（以下为一种最接近的排法中的空缺）",
    )
    return lines + _suggest(problem, time_limit, seed, cancel)


def _feasible(problem: Problem, time_limit: float, seed: int, cancel: CancelFlag) -> bool:
    """Is there any roster at all (no fairness)? False also when undecided in time."""
    if precheck(problem):
        return False
    model = _Model(problem)
    model.add_hint(greedy_fill(problem))
    solver = cp_model.CpSolver()
    _params(solver, time_limit, 1, seed, feasibility=True)
    return _run(solver, model.m, None, cancel) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def _suggest(problem: Problem, time_limit: float, seed: int, cancel: CancelFlag) -> list[str]:
    """Relax one rule at a time and say which single change would make a roster possible."""
    trials: list[tuple[str, Problem]] = []
    for role, gap in problem.min_gap_days.items():
        if gap > 1 and role in problem.roles:
            gaps = dict(problem.min_gap_days)
            gaps[role] = gap - 1
            trials.append(
                (
                    f"把{role_label(role)}的最小间隔由{gap}天减为{gap - 1}天",
                    replace(problem, min_gap_days=gaps),
                )
            )
    for role, cap in problem.max_per_month.items():
        if role in problem.roles:
            caps = dict(problem.max_per_month)
            caps[role] = cap + 1
            trials.append(
                (
                    f"把{role_label(role)}每月上限由{cap}次增为{cap + 1}次",
                    replace(problem, max_per_month=caps),
                )
            )
    if len(problem.apart) <= 10:
        for a, b in problem.apart:
            rest = [pair for pair in problem.apart if pair != (a, b)]
            trials.append(
                (
                    f"取消“{problem.name_of(a)}与{problem.name_of(b)}不能同日值班”",
                    replace(problem, apart=rest),
                )
            )
    if problem.fixed:
        trials.append(("不保留固定安排", replace(problem, fixed=[])))
    found: list[str] = []
    deadline = time.perf_counter() + max(time_limit, 1.0)
    for text, relaxed in trials:
        remaining = deadline - time.perf_counter()
        if remaining <= 0 or _is_cancelled(cancel):
            break
        if _feasible(relaxed, min(remaining, max(time_limit / 4, 0.5)), seed, cancel):
            found.append(text)
    if not found:
        return []
    return ["以下任一项调整即可排出值班表：" + "；".join(found)]


def solve(
    problem: Problem,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    progress: ProgressFn | None = None,
    cancel: CancelFlag = None,
    workers: int = DEFAULT_WORKERS,
    seed: int = 0,
    keep: Sequence[tuple[Assignment, int]] = (),
    hint: Iterable[Assignment] | None = None,
) -> Solution:
    """Make the fairest roster that meets every hard rule, or explain why there is none.

    ``time_limit`` is in (deterministic) seconds. ``keep`` are soft assignments with weights (used
    by ``regenerate``): honoured unless a hard rule forbids. Never raises for a bad roster problem;
    invalid input is the reader's job (``roster_io``)."""
    started = time.perf_counter()
    reasons = precheck(problem)
    if reasons:
        if all("最多只能排" in line for line in reasons):
            # a role short for a whole month: the relaxed solve names the dates left empty
            reasons += _diagnose(problem, time_limit, workers, seed, cancel)[1:]
        return Solution(
            "infeasible", infeasible=_cap(reasons), wall_time=time.perf_counter() - started
        )
    if _is_cancelled(cancel):
        return Solution("cancelled", wall_time=time.perf_counter() - started)
    start_hint = list(hint) if hint is not None else greedy_fill(problem, [a for a, _ in keep])
    cb = _Callback(progress, cancel)
    used = 0.0

    # Phase 1: the fairness target as hard count windows (and every kept duty kept).
    fair = fair_inputs(problem)
    target = _Model(problem, fair=fair)
    if target.fairness_windows():
        for a, _w in keep:
            v = target.var(a)
            if v is not None:
                target.m.add(v == 1)
        target.add_hint(start_hint)
        solver = cp_model.CpSolver()
        _params(solver, time_limit * 0.5, 1, seed, feasibility=True)
        status = _run(solver, target.m, cb, cancel)
        used = solver.deterministic_time
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return _finish(problem, target.read(solver), started, reached=False, fair=fair)
        if _is_cancelled(cancel):
            return Solution("cancelled", wall_time=time.perf_counter() - started)
        # otherwise fall through: the windows, not the rules, may be what cannot be met

    if _is_cancelled(cancel):
        return Solution("cancelled", wall_time=time.perf_counter() - started)
    # Phase 2: minimise the spreads (and the dropped kept duties) under the hard rules only.
    model = _Model(problem, fair=fair)
    terms = model.fairness_objective()
    objective = sum(terms) if terms else 0
    if keep:
        bound = (
            2
            * len(problem.roles)
            * (
                max((h.total for h in problem.history), default=0)
                + len(model.days) * len(problem.shifts)
            )
            + 1
        )
        for a, weight in keep:
            v = model.var(a)
            if v is not None:
                objective = objective + bound * weight * (1 - v)
    model.m.minimize(objective)
    model.add_hint(start_hint)
    solver = cp_model.CpSolver()
    _params(solver, max(time_limit - used, time_limit * 0.25), workers, seed)
    cb.phase = 2
    status = _run(solver, model.m, cb, cancel)
    if status == cp_model.INFEASIBLE:
        lines = _diagnose(problem, time_limit, workers, seed, cancel)
        return Solution(
            "infeasible", infeasible=_cap(lines), wall_time=time.perf_counter() - started
        )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        elapsed = time.perf_counter() - started
        if _is_cancelled(cancel):
            return Solution("cancelled", wall_time=elapsed)
        return Solution(
            "timeout",
            infeasible=[f"在时限{time_limit:g}秒内未找到满足全部规则的排班，可延长求解时限后重试"],
            wall_time=elapsed,
        )
    result = _finish(
        problem, model.read(solver), started, reached=status == cp_model.OPTIMAL, fair=fair
    )
    if _is_cancelled(cancel):
        result.status = "cancelled"
    return result


MAX_REASONS = 60


def _cap(lines: list[str]) -> list[str]:
    """A year of missing people would be hundreds of lines: keep the first, count the rest."""
    if len(lines) <= MAX_REASONS:
        return lines
    return [*lines[:MAX_REASONS], f"……另有{len(lines) - MAX_REASONS}条原因未列出"]


def _ideal(problem: Problem, fair: list | None = None) -> int:
    """Sum over roles and kinds of the ideal spreads (what "optimal" means)."""
    return sum(
        spread_lower_bound(hist, duties, upper)
        for _r, _k, _h, hist, upper, duties in (fair if fair is not None else fair_inputs(problem))
    )


def _finish(
    problem: Problem,
    assignments: list[Assignment],
    started: float,
    *,
    reached: bool,
    fair: list | None = None,
) -> Solution:
    spreads = fairness(problem, assignments)
    achieved = sum(
        f.total_spread + f.rest_day_spread
        for r, f in spreads.items()
        if len(problem.holders(r)) >= 2
    )
    ideal = _ideal(problem, fair)
    # "optimal": proven by CP-SAT, or at the arithmetic ideal (nothing can be fairer)
    status = "optimal" if reached or achieved <= ideal else "feasible"
    return Solution(
        status,
        assignments=assignments,
        fairness=spreads,
        wall_time=time.perf_counter() - started,
        objective=float(achieved),
        bound=float(ideal),
    )


# ---------------------------------------------------------------- regeneration


def regenerate(
    problem: Problem,
    previous: Iterable[Assignment],
    *,
    keep_before: dt.date,
    swaps: Iterable[Assignment] = (),
    **solve_kw,
) -> Solution:
    """Re-solve ``problem`` keeping the published past (``previous`` before ``keep_before``) and
    the recorded swaps/substitutions (调班/代班). Kept duties that break a rule now (new leave, a
    role removed, …) are listed in ``Solution.dropped`` with the reason; the past outweighs swaps.
    The rest of ``previous`` serves as the warm start, so unchanged days tend to stay unchanged.
    Duties of ``previous`` before the period start become ``prior`` (gaps and monthly caps reach
    across the boundary)."""
    previous = list(previous)
    before = [a for a in previous if a.date < problem.start and a not in problem.prior]
    problem = replace(problem, prior=[*problem.prior, *before])
    wanted: list[tuple[Assignment, int, str]] = [
        (a, 2, "已发布") for a in previous if a.date < keep_before
    ] + [(a, 1, "调班/代班") for a in swaps]
    staff = problem.staff_by_id()
    dropped: list[tuple[Assignment, str]] = []
    keep: list[tuple[Assignment, int]] = []
    seen: set[Assignment] = set(problem.fixed)
    for a, weight, kind in wanted:
        if a in seen:
            continue
        seen.add(a)
        who = problem.name_of(a.staff_id)
        if not (problem.start <= a.date <= problem.end):
            continue  # outside this period: nothing to keep here
        person = staff.get(a.staff_id)
        if person is None:
            dropped.append((a, f"{kind}安排的人员{a.staff_id}已不在名单中"))
        elif (
            a.role not in problem.roles
            or a.role not in person.roles
            or a.shift not in problem.shifts
        ):
            dropped.append((a, f"{kind}安排：{who}现已不担任{role_label(a.role)}"))
        elif reason := problem.unavailable_reason(a.staff_id, a.date):
            dropped.append((a, f"{kind}安排：{who}当天{reason}"))
        else:
            keep.append((a, weight))
    hint = [a for a in previous if a.date >= keep_before] + [a for a, _ in keep]
    result = solve(
        problem, keep=keep, hint=greedy_fill(problem, hint) if hint else None, **solve_kw
    )
    if result.ok:
        chosen = set(result.assignments)
        for a, _w in keep:
            if a not in chosen:
                others = DutyIndex(
                    [b for b in result.assignments if b.staff_id != a.staff_id or b.date != a.date]
                    + problem.prior
                )
                why = why_not(problem, a.staff_id, a.role, a.date, others)
                slot_full = (
                    sum(
                        1
                        for b in result.assignments
                        if (b.date, b.shift, b.role) == (a.date, a.shift, a.role)
                    )
                    >= problem.roles[a.role]
                )
                detail = why or ("该班次已由其他保留安排占满" if slot_full else "与其他规则冲突")
                dropped.append(
                    (
                        a,
                        f"{a.date.isoformat()} {role_label(a.role)} "
                        f"{problem.name_of(a.staff_id)}无法保留：{detail}",
                    )
                )
    return replace(result, dropped=dropped)
