"""值班 use cases: staff directory, unavailability, roster rules, rosters, generation, swaps and the
fairness ledger. The desk side (duty log, handover, now on duty) lives in ``duty_desk`` and the
outputs (notice, calendar, XLSX, daily report) in ``duty_publish``; the names other modules call
(``get_log_entry`` for 突发事件) are re-exported here so callers need one import.

Generation goes through the same solver code path as ``python -m app roster solve``: the database
is turned into a domain ``Problem`` (``build_problem``), ``app.domain.roster.regenerate`` solves it
(keeping published past duties and recorded swaps), and the independent validator
(``roster_validate.validate``) judges manual edits. Solving happens OUTSIDE any database
transaction (it may take seconds); the result is written in a second short transaction that
refuses if someone changed the roster meanwhile.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from app.domain.duty_hours import ShiftHours, format_time, parse_time
from app.domain.roster_model import (
    FULL_DAY,
    ROLE_NAMES_ZH,
    Assignment,
    History,
    Problem,
    Staff,
    Unavailable,
)
from app.domain.roster_validate import validate
from app.domain.security import Action, Clearance, require_clearance
from app.domain.workdays import DEFAULT_CALENDAR
from app.errors import ConflictError, HolidayTableMissing, InputError
from app.services import audit, holidays
from app.services.context import Actor, ServiceContext, visible
from app.storage.models import (
    DutyAssignment,
    DutyOpening,
    DutyRole,
    DutyRoster,
    DutyRules,
    DutyStaff,
    DutySwap,
    DutyUnavailability,
    Meta,
)

BUILTIN_ROLES = {"leader": ROLE_NAMES_ZH["leader"], "officer": ROLE_NAMES_ZH["officer"]}
UNAVAILABLE_REASONS = ("请假", "出差", "培训", "其他")
SWAP_KINDS = ("调班", "代班")
#: How far before a period published duties are read as ``prior`` (gaps and monthly caps).
PRIOR_DAYS = 62
#: Where the office's shift start times live: a JSON list of "HH:MM" in the key/value table
#: ``govdesk_meta`` (no schema change, so no migration; a program that predates the setting
#: ignores the key and keeps 08:30).
SHIFT_STARTS_KEY = "duty.shift_starts"


# ---------------------------------------------------------------- plain data returned


@dataclass(frozen=True)
class StaffInfo:
    id: int
    name: str
    unit: str = ""
    post: str = ""
    phone: str = ""
    mobile: str = ""
    roles: tuple[str, ...] = ()
    active: bool = True
    version: int = 0

    @property
    def phones(self) -> str:
        return "、".join(p for p in (self.mobile, self.phone) if p)


@dataclass(frozen=True)
class UnavailableInfo:
    id: int
    staff_id: int
    staff_name: str
    start: dt.date
    end: dt.date
    reason: str
    note: str = ""


@dataclass(frozen=True)
class Rules:
    shifts: tuple[str, ...] = (FULL_DAY,)
    roles: dict[str, int] = field(default_factory=lambda: {"leader": 1, "officer": 2})
    min_gap_days: dict[str, int] = field(default_factory=dict)
    max_per_month: dict[str, int] = field(default_factory=dict)
    apart: tuple[tuple[int, int], ...] = ()
    version: int = 0
    #: Start time of each shift, the first being the 交接班 time; one time = shifts of equal
    #: length from it; empty = 08:30. ``hours`` is what the desk computes with.
    starts: tuple[dt.time, ...] = ()

    @property
    def hours(self) -> ShiftHours:
        return ShiftHours.resolve(self.starts, len(self.shifts))


@dataclass(frozen=True)
class Duty:
    day: dt.date
    shift: str
    role: str
    staff_id: int
    staff_name: str = ""
    source: str = "solver"

    def key(self) -> Assignment:
        return Assignment(self.day, self.role, str(self.staff_id), self.shift)


@dataclass(frozen=True)
class RosterInfo:
    id: int
    title: str
    start: dt.date
    end: dt.date
    status: str
    published_at: dt.datetime | None
    published_by: str
    version: int
    duties: tuple[Duty, ...] = ()
    #: 密级 (revision 0023): marks the roster's prints; hidden from those not cleared for it
    classification: int = 0

    @property
    def status_label(self) -> str:
        if self.status == "published":
            return "已发布"
        return "已修改，待重新发布" if self.published_at else "草稿"


@dataclass(frozen=True)
class SwapInfo:
    id: int
    kind: str
    day: dt.date
    shift: str
    role: str
    from_staff_id: int
    to_staff_id: int
    other_day: dt.date | None
    reason: str
    recorded_by: str
    recorded_at: dt.datetime

    def results(self) -> list[Assignment]:
        """The duties this swap produced (what regeneration keeps)."""
        out = [Assignment(self.day, self.role, str(self.to_staff_id), self.shift)]
        if self.kind == "调班" and self.other_day is not None:
            out.append(Assignment(self.other_day, self.role, str(self.from_staff_id), self.shift))
        return out


@dataclass(frozen=True)
class GenerateOutcome:
    status: str  # optimal / feasible / infeasible / cancelled / timeout
    reasons: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    fairness: dict[str, tuple[int, int]] = field(default_factory=dict)
    count: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status in ("optimal", "feasible")


@dataclass(frozen=True)
class LedgerRow:
    staff_id: int
    name: str
    roles: tuple[str, ...]
    total: int  # opening balance included
    rest_day: int
    by_role: dict[str, int] = field(default_factory=dict)  # duties kept here, per role
    opening_total: int = 0
    opening_rest: int = 0


# ---------------------------------------------------------------- roles


def list_roles(ctx: ServiceContext) -> dict[str, str]:
    """Role code → Chinese name: the built-in two, then the office's own."""
    ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        rows = s.execute(select(DutyRole).order_by(DutyRole.sort, DutyRole.code)).scalars()
        return {**BUILTIN_ROLES, **{r.code: r.name for r in rows}}


def add_role(ctx: ServiceContext, code: str, name: str) -> dict[str, str]:
    actor = ctx.require(Action.EDIT_ROSTER)
    code, name = code.strip(), name.strip()
    if not code or not code.isascii() or not code.replace("_", "").isalnum():
        raise InputError("岗位代码应为英文字母、数字或下划线，如 driver。")
    if not name:
        raise InputError("请填写岗位名称。")
    with ctx.session() as s, s.begin():
        if code in BUILTIN_ROLES or s.get(DutyRole, code) is not None:
            raise InputError(f"岗位代码“{code}”已存在。")
        count = s.execute(select(func.count()).select_from(DutyRole)).scalar_one()
        s.add(DutyRole(code=code, name=name, sort=int(count) + 1))
        audit.append(s, actor, "duty.role.add", "duty_role", code, {"name": name}, at=ctx.now())
    return list_roles(ctx)


def role_name(roles: dict[str, str], code: str) -> str:
    return roles.get(code) or ROLE_NAMES_ZH.get(code) or code


# ---------------------------------------------------------------- staff


def _staff_info(r: DutyStaff) -> StaffInfo:
    return StaffInfo(r.id, r.name, r.unit, r.post, r.phone, r.mobile, tuple(r.roles or ()),
                     r.active, r.version)


def list_staff(ctx: ServiceContext, *, active_only: bool = False) -> list[StaffInfo]:
    ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        stmt = select(DutyStaff).order_by(DutyStaff.id)
        if active_only:
            stmt = stmt.where(DutyStaff.active.is_(True))
        return [_staff_info(r) for r in s.execute(stmt).scalars()]


def get_staff(ctx: ServiceContext, staff_id: int) -> StaffInfo:
    ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        row = s.get(DutyStaff, staff_id)
        if row is None:
            raise InputError(f"找不到值班人员（编号{staff_id}）。")
        return _staff_info(row)


def save_staff(ctx: ServiceContext, info: StaffInfo) -> StaffInfo:
    """Create (``info.id == 0``) or update a person; ``info.version`` guards against a stale
    edit."""
    actor = ctx.require(Action.EDIT_ROSTER)
    name = info.name.strip()
    if not name:
        raise InputError("请填写姓名。")
    known = list_roles(ctx)
    for role in info.roles:
        if role not in known:
            raise InputError(f"未知的值班岗位“{role}”。")
    with ctx.session() as s, s.begin():
        if info.id:
            row = s.get(DutyStaff, info.id)
            if row is None:
                raise InputError(f"找不到值班人员（编号{info.id}）。")
            if info.version and row.version != info.version:
                raise ConflictError("该人员信息已被他人修改，请刷新后重试。")
            action = "duty.staff.edit"
        else:
            row = DutyStaff()
            s.add(row)
            action = "duty.staff.add"
        row.name, row.unit, row.post = name, info.unit.strip(), info.post.strip()
        row.phone, row.mobile = info.phone.strip(), info.mobile.strip()
        row.roles = list(dict.fromkeys(info.roles))
        row.active = bool(info.active)
        s.flush()
        audit.append(s, actor, action, "duty_staff", row.id,
                     {"name": name, "roles": row.roles, "active": row.active}, at=ctx.now())
        return _staff_info(row)


def add_unavailability(ctx: ServiceContext, staff_id: int, start: dt.date, end: dt.date,
                       reason: str = "请假", note: str = "") -> UnavailableInfo:
    actor = ctx.require(Action.EDIT_ROSTER)
    if end < start:
        raise InputError("结束日期不能早于开始日期。")
    if reason not in UNAVAILABLE_REASONS:
        raise InputError(f"原因应为{'、'.join(UNAVAILABLE_REASONS)}之一。")
    with ctx.session() as s, s.begin():
        person = s.get(DutyStaff, staff_id)
        if person is None:
            raise InputError(f"找不到值班人员（编号{staff_id}）。")
        row = DutyUnavailability(staff_id=staff_id, start=start, end=end, reason=reason,
                                 note=note.strip())
        s.add(row)
        s.flush()
        audit.append(s, actor, "duty.unavailable.add", "duty_staff", staff_id,
                     {"start": start.isoformat(), "end": end.isoformat(), "reason": reason},
                     at=ctx.now())
        return UnavailableInfo(row.id, staff_id, person.name, start, end, reason, row.note)


def list_unavailability(ctx: ServiceContext, start: dt.date | None = None,
                        end: dt.date | None = None) -> list[UnavailableInfo]:
    ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        return _unavailability(s, start, end)


def _unavailability(s: Session, start: dt.date | None, end: dt.date | None
                    ) -> list[UnavailableInfo]:
    stmt = select(DutyUnavailability, DutyStaff.name).join(
        DutyStaff, DutyStaff.id == DutyUnavailability.staff_id)
    if start is not None:
        stmt = stmt.where(DutyUnavailability.end >= start)
    if end is not None:
        stmt = stmt.where(DutyUnavailability.start <= end)
    stmt = stmt.order_by(DutyUnavailability.start, DutyUnavailability.id)
    return [UnavailableInfo(u.id, u.staff_id, name, u.start, u.end, u.reason, u.note)
            for u, name in s.execute(stmt)]


def delete_unavailability(ctx: ServiceContext, item_id: int) -> None:
    actor = ctx.require(Action.EDIT_ROSTER)
    with ctx.session() as s, s.begin():
        row = s.get(DutyUnavailability, item_id)
        if row is None:
            return
        audit.append(s, actor, "duty.unavailable.delete", "duty_staff", row.staff_id,
                     {"start": row.start.isoformat(), "end": row.end.isoformat(),
                      "reason": row.reason}, at=ctx.now())
        s.delete(row)


# ---------------------------------------------------------------- rules


def get_rules(ctx: ServiceContext) -> Rules:
    ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        return _rules(s)


def _stored_starts(s: Session) -> tuple[dt.time, ...]:
    meta = s.get(Meta, SHIFT_STARTS_KEY)
    if meta is None:
        return ()
    try:
        return tuple(parse_time(t) for t in json.loads(meta.value))
    except (ValueError, TypeError, InputError):  # a hand-edited value: fall back to 08:30
        return ()


#: The office's rules until it saves its own: two duties of one person at least two days apart,
#: i.e. a day off after each 24-hour duty (a gap of 0 or 1 allowed seven 24-hour duties in a row).
DEFAULT_MIN_GAP_DAYS = {"leader": 2, "officer": 2}


def _rules(s: Session) -> Rules:
    starts = _stored_starts(s)
    row = s.get(DutyRules, 1)
    if row is None:
        return Rules(min_gap_days=dict(DEFAULT_MIN_GAP_DAYS), starts=starts)
    return Rules(tuple(row.shifts) or (FULL_DAY,), dict(row.roles), dict(row.min_gap_days),
                 dict(row.max_per_month), tuple((int(a), int(b)) for a, b in row.apart),
                 row.version, starts)


def _check_starts(starts: tuple[dt.time, ...], shifts: tuple[str, ...]) -> tuple[dt.time, ...]:
    """One time (the handover; shifts of equal length) or one per shift, in order."""
    if not starts:
        return ()
    if len(starts) not in (1, len(shifts)):
        raise InputError(f"班次开始时间应填1个（交接班时间）或{len(shifts)}个（每个班次一个）。")
    ShiftHours(tuple(starts))  # raises InputError when the order is wrong
    if len(starts) > 1 and len(set(starts)) != len(starts):
        raise InputError("各班次的开始时间不能相同。")
    return tuple(dt.time(t.hour, t.minute) for t in starts)


def save_rules(ctx: ServiceContext, rules: Rules) -> Rules:
    actor = ctx.require(Action.EDIT_ROSTER)
    shifts = tuple(x.strip() for x in rules.shifts if x.strip()) or (FULL_DAY,)
    if len(set(shifts)) != len(shifts):
        raise InputError("班次名称不能重复。")
    known = list_roles(ctx)
    roles = {r: int(n) for r, n in rules.roles.items() if int(n) > 0}
    if not roles:
        raise InputError("至少要有一个岗位每班安排1人以上。")
    for table in (roles, rules.min_gap_days, rules.max_per_month):
        for r, n in table.items():
            if r not in known:
                raise InputError(f"未知的值班岗位“{r}”。")
            if int(n) < 0:
                raise InputError("天数和次数不能为负数。")
    pairs = []
    for a, b in rules.apart:
        if a == b:
            raise InputError("不能同日值班的两人不能是同一人。")
        pairs.append(sorted((int(a), int(b))))
    starts = _check_starts(tuple(rules.starts), shifts)
    with ctx.session() as s, s.begin():
        row = s.get(DutyRules, 1)
        if row is None:
            row = DutyRules(id=1)
            s.add(row)
        elif rules.version and row.version != rules.version:
            raise ConflictError("排班规则已被他人修改，请刷新后重试。")
        row.shifts = list(shifts)
        row.roles = roles
        row.min_gap_days = {r: int(n) for r, n in rules.min_gap_days.items() if int(n) > 0}
        row.max_per_month = {r: int(n) for r, n in rules.max_per_month.items()}
        row.apart = pairs
        # The start times live in govdesk_meta; touching the rules row keeps one optimistic
        # lock (its version) over all the rules, the times included.
        flag_modified(row, "shifts")
        stored = json.dumps([format_time(t) for t in starts])
        meta = s.get(Meta, SHIFT_STARTS_KEY)
        if not starts:
            if meta is not None:
                s.delete(meta)
        elif meta is None:
            s.add(Meta(key=SHIFT_STARTS_KEY, value=stored))
        else:
            meta.value = stored
        s.flush()
        audit.append(s, actor, "duty.rules", "duty_rules", 1,
                     {"shifts": row.shifts, "roles": roles, "min_gap_days": row.min_gap_days,
                      "max_per_month": row.max_per_month, "apart": pairs,
                      "starts": [format_time(t) for t in starts]}, at=ctx.now())
        return _rules(s)


# ---------------------------------------------------------------- rosters


def _roster_info(s: Session, r: DutyRoster, *, with_duties: bool = True) -> RosterInfo:
    duties: tuple[Duty, ...] = ()
    if with_duties:
        rows = s.execute(
            select(DutyAssignment, DutyStaff.name)
            .join(DutyStaff, DutyStaff.id == DutyAssignment.staff_id)
            .where(DutyAssignment.roster_id == r.id)
            .order_by(DutyAssignment.day, DutyAssignment.shift, DutyAssignment.role,
                      DutyAssignment.staff_id)
        )
        duties = tuple(Duty(a.day, a.shift, a.role, a.staff_id, name, a.source)
                       for a, name in rows)
    return RosterInfo(r.id, r.title, r.start, r.end, r.status, r.published_at, r.published_by,
                      r.version, duties, int(r.classification))


def _level(actor: Actor, classification: int) -> int:
    """A 密级 someone may give a record: a known level, not above their own clearance."""
    try:
        level = int(Clearance(int(classification)))
    except ValueError:
        raise InputError("密级无效。") from None
    require_clearance(actor.clearance, level)
    return level


def create_roster(ctx: ServiceContext, start: dt.date, end: dt.date, title: str = "", *,
                  classification: int = 0) -> RosterInfo:
    """A new draft roster of ``start``–``end``; ``classification`` its 密级 (公开 by default; not
    above the creator's clearance)."""
    actor = ctx.require(Action.EDIT_ROSTER)
    level = _level(actor, classification)
    if end < start:
        raise InputError("结束日期不能早于开始日期。")
    if (end - start).days > 366:
        raise InputError("一次排班最长一年。")
    title = title.strip() or f"{start:%Y年%m月%d日}至{end:%Y年%m月%d日}值班表"
    with ctx.session() as s, s.begin():
        row = DutyRoster(title=title, start=start, end=end, status="draft", published_by="",
                         classification=level)
        s.add(row)
        s.flush()
        audit.append(s, actor, "duty.roster.create", "duty_roster", row.id,
                     {"start": start.isoformat(), "end": end.isoformat(),
                      "classification": level}, at=ctx.now(), classification=level)
        return _roster_info(s, row, with_duties=False)


def set_roster_classification(ctx: ServiceContext, roster_id: int, classification: int, *,
                              expected_version: int | None = None) -> RosterInfo:
    """Change a roster's 密级 (audited, old and new; not above the editor's clearance)."""
    actor = ctx.require(Action.EDIT_ROSTER)
    level = _level(actor, classification)
    with ctx.session() as s, s.begin():
        roster = _load_roster(s, roster_id, actor)
        if expected_version is not None and roster.version != expected_version:
            raise ConflictError("值班表已被他人修改，请刷新后再试。")
        before = int(roster.classification)
        roster.classification = level
        s.flush()
        audit.append(s, actor, "duty.roster.classification", "duty_roster", roster_id,
                     {"from": before, "to": level}, at=ctx.now(),
                     classification=max(before, level))
        return _roster_info(s, roster, with_duties=False)


def list_rosters(ctx: ServiceContext) -> list[RosterInfo]:
    """The rosters the reader is cleared for, latest period first."""
    actor = ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        rows = s.execute(visible(select(DutyRoster), DutyRoster, actor)
                         .order_by(DutyRoster.start.desc(), DutyRoster.id))
        return [_roster_info(s, r, with_duties=False) for r in rows.scalars()]


def get_roster(ctx: ServiceContext, roster_id: int) -> RosterInfo:
    actor = ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        return _roster_info(s, _load_roster(s, roster_id, actor))


def _load_roster(s: Session, roster_id: int, actor: Actor | None) -> DutyRoster:
    """The roster, refused to an ``actor`` not cleared for its 密级."""
    row = s.get(DutyRoster, roster_id)
    if row is None:
        raise InputError(f"找不到值班表（编号{roster_id}）。")
    if actor is not None:
        require_clearance(actor.clearance, row.classification)
    return row


def list_swaps(ctx: ServiceContext, roster_id: int) -> list[SwapInfo]:
    ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        return _swaps(s, roster_id)


def _swaps(s: Session, roster_id: int) -> list[SwapInfo]:
    rows = s.execute(select(DutySwap).where(DutySwap.roster_id == roster_id)
                     .order_by(DutySwap.recorded_at, DutySwap.id)).scalars()
    return [SwapInfo(w.id, w.kind, w.day, w.shift, w.role, w.from_staff_id, w.to_staff_id,
                     w.other_day, w.reason, w.recorded_by, w.recorded_at) for w in rows]


# ---------------------------------------------------------------- ledger and the Problem


def _published_duties(s: Session, start: dt.date, end: dt.date,
                      exclude_roster: int | None = None) -> list[DutyAssignment]:
    stmt = (select(DutyAssignment).join(DutyRoster, DutyRoster.id == DutyAssignment.roster_id)
            .where(DutyRoster.published_at.is_not(None), DutyAssignment.day >= start,
                   DutyAssignment.day <= end))
    if exclude_roster is not None:
        stmt = stmt.where(DutyAssignment.roster_id != exclude_roster)
    return list(s.execute(stmt).scalars())


def ledger(ctx: ServiceContext, year: int, up_to: dt.date | None = None) -> list[LedgerRow]:
    """The fairness ledger: each person's published duties in ``year`` (before ``up_to`` when
    given) plus their opening balance, in total, on rest days (weekends and statutory holidays,
    make-up workdays excluded) and per role."""
    ctx.require(Action.VIEW)
    holidays.calendar(ctx)
    with ctx.session() as s, s.begin():
        return _ledger(s, year, up_to)


def _ledger(s: Session, year: int, up_to: dt.date | None, exclude_roster: int | None = None
            ) -> list[LedgerRow]:
    first = dt.date(year, 1, 1)
    last = dt.date(year, 12, 31)
    if up_to is not None:
        last = min(last, up_to - dt.timedelta(days=1))
    duties = _published_duties(s, first, last, exclude_roster) if last >= first else []
    total: Counter = Counter()
    rest: Counter = Counter()
    by_role: dict[int, Counter] = defaultdict(Counter)
    for a in duties:
        total[a.staff_id] += 1
        by_role[a.staff_id][a.role] += 1
        if DEFAULT_CALENDAR.is_rest_day(a.day):
            rest[a.staff_id] += 1
    opening = {o.staff_id: o for o in s.execute(
        select(DutyOpening).where(DutyOpening.year == year)).scalars()}
    out = []
    for p in s.execute(select(DutyStaff).order_by(DutyStaff.id)).scalars():
        o = opening.get(p.id)
        o_total, o_rest = (o.total, o.rest_day) if o else (0, 0)
        if not p.active and not total[p.id] and not o_total:
            continue
        out.append(LedgerRow(p.id, p.name, tuple(p.roles or ()), total[p.id] + o_total,
                             rest[p.id] + o_rest, dict(by_role[p.id]), o_total, o_rest))
    return out


def set_opening(ctx: ServiceContext, staff_id: int, year: int, total: int, rest_day: int) -> None:
    """The opening balance of a person's ledger for ``year``: duties served before this office
    kept its rosters in the program (so a mid-year start is still fair)."""
    actor = ctx.require(Action.EDIT_ROSTER)
    if total < 0 or rest_day < 0 or rest_day > total:
        raise InputError("次数不能为负，休息日次数不能多于总次数。")
    with ctx.session() as s, s.begin():
        if s.get(DutyStaff, staff_id) is None:
            raise InputError(f"找不到值班人员（编号{staff_id}）。")
        row = s.execute(select(DutyOpening).where(DutyOpening.staff_id == staff_id,
                                                  DutyOpening.year == year)).scalar_one_or_none()
        if row is None:
            row = DutyOpening(staff_id=staff_id, year=year)
            s.add(row)
        row.total, row.rest_day = total, rest_day
        audit.append(s, actor, "duty.ledger.opening", "duty_staff", staff_id,
                     {"year": year, "total": total, "rest_day": rest_day}, at=ctx.now())


def _problem(s: Session, roster: DutyRoster, today: dt.date) -> Problem:
    rules = _rules(s)
    served = defaultdict(set)  # duties of this roster already served, by person
    for sid, day in s.execute(select(DutyAssignment.staff_id, DutyAssignment.day).where(
            DutyAssignment.roster_id == roster.id, DutyAssignment.day < today)):
        served[sid].add(day)
    people = [p for p in s.execute(select(DutyStaff).order_by(DutyStaff.id)).scalars()
              if p.active or p.id in served]
    staff = [Staff(str(p.id), p.name, tuple(r for r in (p.roles or ()) if r in rules.roles))
             for p in people]
    staff = [p for p in staff if p.roles]
    ids = {p.id for p in staff}
    unavailable = [Unavailable(str(u.staff_id), u.start, u.end, u.reason)
                   for u in _unavailability(s, roster.start - dt.timedelta(days=PRIOR_DAYS),
                                            roster.end) if str(u.staff_id) in ids]
    # someone taken off the roster since keeps the duties they served, and gets no new ones
    for p in people:
        if not p.active and str(p.id) in ids:
            day = roster.start
            while day <= roster.end:
                if day not in served[p.id]:
                    unavailable.append(Unavailable(str(p.id), day, day, "已停排"))
                day += dt.timedelta(days=1)
    history = [History(str(r.staff_id), r.total, r.rest_day)
               for r in _ledger(s, roster.start.year, roster.start, roster.id)
               if str(r.staff_id) in ids and r.total]
    prior = [Assignment(a.day, a.role, str(a.staff_id), a.shift)
             for a in _published_duties(s, roster.start - dt.timedelta(days=PRIOR_DAYS),
                                        roster.start - dt.timedelta(days=1), roster.id)]
    apart = [(str(a), str(b)) for a, b in rules.apart if str(a) in ids and str(b) in ids]
    return Problem(
        start=roster.start, end=roster.end, roles=dict(rules.roles), staff=staff,
        unavailable=unavailable, min_gap_days=dict(rules.min_gap_days),
        max_per_month=dict(rules.max_per_month), history=history, apart=apart, prior=prior,
        shifts=tuple(rules.shifts) or (FULL_DAY,), calendar=DEFAULT_CALENDAR,
    )


def build_problem(ctx: ServiceContext, roster_id: int) -> Problem:
    """The roster's period and the office's rules as the solver's ``Problem``: active staff in
    the rule's roles, their leave/trips/training, this year's published duties before the period
    as history (the fairness ledger carried forward), and the published weeks just before the
    period as ``prior`` (so the minimum gap and the monthly cap reach across the boundary)."""
    actor = ctx.require(Action.VIEW)
    holidays.calendar(ctx)
    with ctx.session() as s, s.begin():
        return _problem(s, _load_roster(s, roster_id, actor), ctx.now().astimezone().date())


# ---------------------------------------------------------------- generation


def roster_unknown_years(ctx: ServiceContext, roster_id: int) -> list[int]:
    """The years the roster's period reaches that have no holiday table (asked before
    generating)."""
    actor = ctx.require(Action.VIEW)
    cal = holidays.calendar(ctx)
    with ctx.session() as s:
        roster = _load_roster(s, roster_id, actor)
        return cal.unknown_years(roster.start, roster.end)


ProgressFn = Callable[[int, str], None]


def generate(ctx: ServiceContext, roster_id: int, *, today: dt.date | None = None,
             progress: ProgressFn | None = None, cancel: Callable[[], bool] | None = None,
             time_limit: float | None = None,
             allow_unknown_years: bool = False) -> GenerateOutcome:
    """(Re)generate a roster and save it when the solver finds one.

    A roster reaching into a year with no holiday table is refused with ``HolidayTableMissing``
    (the user is asked) unless ``allow_unknown_years``: its weekends would be the only rest days.

    A roster that was ever published keeps its duties before ``today`` (they happened); recorded
    swaps are kept too; what cannot be kept is listed in ``dropped``. The rest of the current
    duties is the warm start. Nothing is saved when there is no roster or the user cancelled.
    ``time_limit`` defaults to the solver's (``app.domain.roster.DEFAULT_TIME_LIMIT``)."""
    # The CP-SAT solver (OR-Tools, with pandas and numpy: ~0.8 s and ~90 MB to import) is loaded
    # here, on the first generation, not when the 值班 page or the workbench imports this module.
    from app.domain import roster as solver

    if time_limit is None:
        time_limit = solver.DEFAULT_TIME_LIMIT
    actor = ctx.require(Action.EDIT_ROSTER)
    today = today or ctx.now().astimezone().date()
    cal = holidays.calendar(ctx)
    with ctx.session() as s, s.begin():
        roster = _load_roster(s, roster_id, actor)
        unknown = cal.unknown_years(roster.start, roster.end)
        if unknown and not allow_unknown_years:
            raise HolidayTableMissing(unknown)
        problem = _problem(s, roster, today)
        version = roster.version
        previous = [Assignment(a.day, a.role, str(a.staff_id), a.shift)
                    for a in s.execute(select(DutyAssignment)
                                       .where(DutyAssignment.roster_id == roster_id)).scalars()]
        swaps = [a for w in _swaps(s, roster_id) for a in w.results()]
        keep_before = today if roster.published_at is not None else roster.start
    if keep_before > problem.start:
        # what was served stands: leave recorded afterwards does not rewrite the past
        problem.unavailable = [dc_replace(u, start=max(u.start, keep_before))
                               for u in problem.unavailable if u.end >= keep_before]
    if not problem.staff:
        raise InputError("没有可排班的人员：请先在“人员”中登记人员并设置其值班岗位。")
    if progress:
        progress(0, "正在排班……")

    def on_progress(p: solver.SolveProgress) -> None:
        if progress:
            phase = "寻找公平排班" if p.phase == 1 else "缩小值班次数差距"
            progress(min(95, 10 + int(p.elapsed / max(time_limit, 0.1) * 85)),
                     f"{phase}：已找到{p.solutions}个方案")

    result = solver.regenerate(problem, previous, keep_before=keep_before, swaps=swaps,
                               time_limit=time_limit, progress=on_progress, cancel=cancel)
    dropped = tuple(reason for _a, reason in result.dropped)
    fair = {r: (f.total_spread, f.rest_day_spread) for r, f in result.fairness.items()}
    if cancel is not None and cancel():
        return GenerateOutcome("cancelled", seconds=result.wall_time)
    if not result.ok:
        return GenerateOutcome(result.status, tuple(result.infeasible), dropped, fair, 0,
                               result.wall_time)
    swapped = set(swaps)
    with ctx.session() as s, s.begin():
        roster = _load_roster(s, roster_id, actor)
        if roster.version != version:
            raise ConflictError("排班期间值班表已被他人修改，请刷新后重新生成。")
        old = {(a.day, a.shift, a.role, a.staff_id): a.source for a in s.execute(
            select(DutyAssignment).where(DutyAssignment.roster_id == roster_id)).scalars()}
        s.execute(delete(DutyAssignment).where(DutyAssignment.roster_id == roster_id))
        for a in result.assignments:
            key = (a.date, a.shift, a.role, int(a.staff_id))
            source = "swap" if a in swapped else old.get(key, "solver")
            if source not in ("swap", "manual") and a.date < keep_before:
                source = old.get(key, "solver")
            s.add(DutyAssignment(roster_id=roster_id, day=a.date, shift=a.shift, role=a.role,
                                 staff_id=int(a.staff_id), source=source))
        roster.status = "draft"
        roster.updated_at = ctx.now()
        audit.append(s, actor, "duty.roster.generate", "duty_roster", roster_id,
                     {"status": result.status, "duties": len(result.assignments),
                      "dropped": list(dropped), "fairness": fair}, at=ctx.now())
    if progress:
        progress(100, "排班完成")
    return GenerateOutcome(result.status, (), dropped, fair, len(result.assignments),
                           result.wall_time)


# ---------------------------------------------------------------- edits, swaps, validation


def validate_roster(ctx: ServiceContext, roster_id: int,
                    duties: Iterable[Duty] | None = None) -> list[str]:
    """Every hard-rule violation of the roster (or of ``duties`` proposed for it), in Chinese,
    by the independent validator."""
    actor = ctx.require(Action.VIEW)
    holidays.calendar(ctx)
    with ctx.session() as s, s.begin():
        roster = _load_roster(s, roster_id, actor)
        problem = _problem(s, roster, ctx.now().astimezone().date())
        if duties is None:
            duties = _roster_info(s, roster).duties
        return validate(problem, [d.key() for d in duties])


def _apply(current: list[Duty], remove: list[tuple[dt.date, str, str, int]],
           add: list[Duty]) -> list[Duty]:
    gone = set(remove)
    kept = [d for d in current if (d.day, d.shift, d.role, d.staff_id) not in gone]
    return kept + add


def _change(ctx: ServiceContext, roster_id: int, remove: list[tuple[dt.date, str, str, int]],
            add: list[Duty], *, allow_violations: bool, action: str, detail: dict,
            swap: DutySwap | None = None) -> list[str]:
    actor = ctx.require(Action.EDIT_ROSTER)
    with ctx.session() as s, s.begin():
        roster = _load_roster(s, roster_id, actor)
        info = _roster_info(s, roster)
        present = {(d.day, d.shift, d.role, d.staff_id) for d in info.duties}
        for key in remove:
            if key not in present:
                raise InputError(f"{key[0].isoformat()} 没有这条值班安排，可能已被他人修改，请刷新。")
        for d in add:
            if not (roster.start <= d.day <= roster.end):
                raise InputError(f"{d.day.isoformat()} 不在本值班表期间内。")
            if s.get(DutyStaff, d.staff_id) is None:
                raise InputError(f"找不到值班人员（编号{d.staff_id}）。")
        problem = _problem(s, roster, ctx.now().astimezone().date())
        before = set(validate(problem, [d.key() for d in info.duties]))
        after = validate(problem, [d.key() for d in _apply(list(info.duties), remove, add)])
        new = [line for line in after if line not in before]
        if new and not allow_violations:
            return new
        for day, shift, role, sid in remove:
            s.execute(delete(DutyAssignment).where(
                DutyAssignment.roster_id == roster_id, DutyAssignment.day == day,
                DutyAssignment.shift == shift, DutyAssignment.role == role,
                DutyAssignment.staff_id == sid))
        s.flush()
        for d in add:
            s.add(DutyAssignment(roster_id=roster_id, day=d.day, shift=d.shift, role=d.role,
                                 staff_id=d.staff_id, source=d.source))
        if swap is not None:
            s.add(swap)
        roster.updated_at = ctx.now()  # bumps the version: a concurrent generation refuses
        s.flush()
        audit.append(s, actor, action, "duty_roster", roster_id,
                     {**detail, "violations": new}, at=ctx.now())
        return new


def set_duty(ctx: ServiceContext, roster_id: int, day: dt.date, shift: str, role: str,
             old_staff_id: int | None, new_staff_id: int, *,
             allow_violations: bool = False) -> list[str]:
    """A manual edit: put ``new_staff_id`` in place of ``old_staff_id`` (or add them). Returns
    the rule violations the edit would introduce; when there are some and ``allow_violations``
    is False, nothing is saved (the UI asks, then calls again with True)."""
    remove = [(day, shift, role, old_staff_id)] if old_staff_id else []
    return _change(ctx, roster_id, remove, [Duty(day, shift, role, new_staff_id, "", "manual")],
                   allow_violations=allow_violations, action="duty.roster.edit",
                   detail={"day": day.isoformat(), "shift": shift, "role": role,
                           "from": old_staff_id, "to": new_staff_id})


def record_swap(ctx: ServiceContext, roster_id: int, kind: str, day: dt.date, shift: str,
                role: str, from_staff_id: int, to_staff_id: int, *,
                other_day: dt.date | None = None, reason: str = "",
                allow_violations: bool = False) -> list[str]:
    """Record 代班 (``to`` stands in for ``from`` on ``day``) or 调班 (``from`` and ``to``
    exchange: ``to`` serves ``day``, ``from`` serves ``other_day`` — ``to``'s duty). Who, when
    and why are stored; every later regeneration keeps the result."""
    actor = ctx.require(Action.EDIT_ROSTER)
    if kind not in SWAP_KINDS:
        raise InputError("类型应为“调班”或“代班”。")
    if from_staff_id == to_staff_id:
        raise InputError("调班/代班的双方不能是同一人。")
    if not reason.strip():
        raise InputError("请填写调班/代班的原因。")
    remove = [(day, shift, role, from_staff_id)]
    add = [Duty(day, shift, role, to_staff_id, "", "swap")]
    if kind == "调班":
        if other_day is None:
            raise InputError("调班需要填写对方原定的值班日期。")
        remove.append((other_day, shift, role, to_staff_id))
        add.append(Duty(other_day, shift, role, from_staff_id, "", "swap"))
    else:
        other_day = None
    swap = DutySwap(roster_id=roster_id, kind=kind, day=day, shift=shift, role=role,
                    from_staff_id=from_staff_id, to_staff_id=to_staff_id, other_day=other_day,
                    reason=reason.strip(), recorded_by=actor.label, recorded_at=ctx.now())
    return _change(ctx, roster_id, remove, add, allow_violations=allow_violations,
                   action="duty.roster.swap", swap=swap,
                   detail={"kind": kind, "day": day.isoformat(), "role": role,
                           "from": from_staff_id, "to": to_staff_id,
                           "other_day": other_day.isoformat() if other_day else None,
                           "reason": reason.strip()})


def publish(ctx: ServiceContext, roster_id: int) -> RosterInfo:
    """Mark the roster published (what the desk's now-on-duty panel and next year's fairness
    read). Refused while any hard rule is broken."""
    actor = ctx.require(Action.EDIT_ROSTER)
    problems = validate_roster(ctx, roster_id)
    if problems:
        raise InputError("值班表不符合排班规则，不能发布：\n" + "\n".join(problems[:10]))
    with ctx.session() as s, s.begin():
        roster = _load_roster(s, roster_id, actor)
        overlap = s.execute(select(DutyRoster.id, DutyRoster.title).where(
            DutyRoster.published_at.is_not(None), DutyRoster.id != roster_id,
            DutyRoster.start <= roster.end, DutyRoster.end >= roster.start)).first()
        if overlap:
            raise InputError(f"与已发布的“{overlap.title}”期间重叠，请先调整期间。")
        roster.status = "published"
        roster.published_at = ctx.now()
        roster.published_by = actor.label
        s.flush()
        audit.append(s, actor, "duty.roster.publish", "duty_roster", roster_id,
                     {"start": roster.start.isoformat(), "end": roster.end.isoformat()},
                     at=ctx.now())
        return _roster_info(s, roster)


def duties_between(ctx: ServiceContext, start: dt.date, end: dt.date) -> list[Duty]:
    """Duties of published rosters in a date range (the desk's view of who is on duty). A roster
    that was published and is being regenerated still counts: the desk never goes blank while
    the office revises next week's duties. Rosters above the reader's clearance are left out."""
    actor = ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        rows = s.execute(
            select(DutyAssignment, DutyStaff.name)
            .join(DutyStaff, DutyStaff.id == DutyAssignment.staff_id)
            .join(DutyRoster, DutyRoster.id == DutyAssignment.roster_id)
            .where(DutyRoster.published_at.is_not(None), DutyAssignment.day >= start,
                   DutyAssignment.day <= end,
                   DutyRoster.classification <= int(actor.clearance))
            .order_by(DutyAssignment.day, DutyAssignment.shift, DutyAssignment.role))
        return [Duty(a.day, a.shift, a.role, a.staff_id, name, a.source) for a, name in rows]


def duties_level(ctx: ServiceContext, start: dt.date, end: dt.date) -> int:
    """The highest 密级 among the published rosters (those the reader may see) with duties in
    ``start``–``end``: a 值班日报 naming those duties is marked with it."""
    actor = ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        level = s.execute(
            select(func.max(DutyRoster.classification))
            .join(DutyAssignment, DutyAssignment.roster_id == DutyRoster.id)
            .where(DutyRoster.published_at.is_not(None), DutyAssignment.day >= start,
                   DutyAssignment.day <= end,
                   DutyRoster.classification <= int(actor.clearance))).scalar()
        return int(level or 0)

