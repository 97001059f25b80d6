"""At the duty desk: who is on duty now, the duty log (值班记录) and the handover (交接班).

Shift hours are the office's (``duty.Rules.hours``, set in 排班规则): by default duty changes
hands at 08:30 and several shifts divide the 24 hours evenly (08:30–20:30, 20:30–08:30); an office
may hand over at 08:00 or 09:00 or split 白班 08:00–18:00 / 夜班 18:00–08:00
(``app.domain.duty_hours``). A duty belongs to the date its first shift starts: at 03:00 the
night shift of the previous date is still on.

Log entries are attributed (account id and name at the time) and classified; reads go through the
clearance filter in SQL. Each entry is indexed for the global search (``search.index_record``)
in the same transaction. ``get_log_entry`` is the API the 突发事件 module uses to start a report
from a call.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.domain.duty_hours import ShiftHours
from app.domain.security import Action, Clearance
from app.errors import ConflictError, InputError
from app.services import audit, need_to_know, paging, search
from app.services.context import Actor, ServiceContext, visible
from app.services.duty import roster as duty
from app.storage.models import DutyHandover, DutyLogEntry, DutyOpenItem, DutyStaff

log = logging.getLogger(__name__)

LOG_KINDS = ("来电", "传真", "来文", "批示", "来访", "其他")


# ---------------------------------------------------------------- now on duty


@dataclass(frozen=True)
class OnDutyPerson:
    role: str
    role_name: str
    name: str
    phones: str


@dataclass(frozen=True)
class OnDuty:
    """The shift on duty at a moment and the one after it (``day`` None: nothing published)."""

    day: dt.date | None
    shift: str
    people: tuple[OnDutyPerson, ...]
    next_day: dt.date | None
    next_shift: str
    next_people: tuple[OnDutyPerson, ...]


def shift_at(moment: dt.datetime, hours: ShiftHours) -> tuple[dt.date, int]:
    """(duty date, index of the shift) on at a local ``moment`` under the office's hours."""
    return hours.at(moment)


def now_on_duty(ctx: ServiceContext, at: dt.datetime | None = None) -> OnDuty:
    ctx.require(Action.VIEW)
    moment = (at or ctx.now()).astimezone()
    rules = duty.get_rules(ctx)
    shifts, hours = rules.shifts, rules.hours
    roles = duty.list_roles(ctx)
    day, index = hours.at(moment)
    next_day, next_index = hours.following(day, index)
    duties = duty.duties_between(ctx, day, next_day)
    with ctx.session() as s, s.begin():
        phones = {p.id: "、".join(x for x in (p.mobile, p.phone) if x)
                  for p in s.execute(select(DutyStaff)).scalars()}
    order = list(roles)

    def people(d: dt.date, shift: str) -> tuple[OnDutyPerson, ...]:
        rows = [x for x in duties if x.day == d and x.shift == shift]
        rows.sort(key=lambda x: (order.index(x.role) if x.role in order else 99, x.staff_id))
        return tuple(OnDutyPerson(x.role, duty.role_name(roles, x.role), x.staff_name,
                                  phones.get(x.staff_id, "")) for x in rows)

    now_people = people(day, shifts[index])
    after = people(next_day, shifts[next_index])
    return OnDuty(day if now_people else None, shifts[index], now_people,
                  next_day if after else None, shifts[next_index], after)


# ---------------------------------------------------------------- duty log


@dataclass(frozen=True)
class LogEntry:
    """One 值班记录 entry; also the input of ``add_log_entry`` (id 0) and ``update_log_entry``."""

    id: int = 0
    kind: str = "来电"
    received_at: dt.datetime | None = None
    caller_unit: str = ""
    caller_name: str = ""
    caller_post: str = ""
    caller_phone: str = ""
    content: str = ""
    passed_to: str = ""
    passed_at: dt.datetime | None = None
    result: str = ""
    classification: int = 0
    author_name: str = ""
    version: int = 0

    @property
    def caller(self) -> str:
        return "".join(x for x in (self.caller_unit, self.caller_post, self.caller_name) if x)

    def title(self) -> str:
        return f"{self.kind}：{self.caller or '（未留姓名）'}"


def _entry(r: DutyLogEntry) -> LogEntry:
    return LogEntry(r.id, r.kind, r.received_at, r.caller_unit, r.caller_name, r.caller_post,
                    r.caller_phone, r.content, r.passed_to, r.passed_at, r.result,
                    r.classification, r.author_name, r.version)


def _check_entry(ctx: ServiceContext, actor: Actor, e: LogEntry, now: dt.datetime,
                 action: str) -> LogEntry:
    if e.kind not in LOG_KINDS:
        raise InputError(f"记录类别应为{'、'.join(LOG_KINDS)}之一。")
    if not e.content.strip():
        raise InputError("请填写来电（来文）内容。")
    received = e.received_at or now
    if received.tzinfo is None:
        raise InputError("接报时间缺少时区。")
    if received > now + dt.timedelta(minutes=5):
        raise InputError("接报时间不能晚于现在。")
    if e.passed_at is not None and e.passed_at < received:
        raise InputError("转交时间不能早于接报时间。")
    if int(e.classification) > int(actor.clearance):
        raise audit.refuse(ctx, audit.refused(
            InputError("记录的密级不能高于本人的知悉范围。"), action))
    Clearance(int(e.classification))  # a bad level is a programming error, raise ValueError
    strip = {k: getattr(e, k).strip() for k in (
        "caller_unit", "caller_name", "caller_post", "caller_phone", "content", "passed_to",
        "result")}
    return replace(e, received_at=received, **strip)


def _index(s: Session, row: DutyLogEntry) -> None:
    """Index the entry in the global search, in the same transaction as the write."""
    e = _entry(row)
    text = "\n".join(x for x in (e.caller, e.caller_phone, e.content, e.passed_to, e.result) if x)
    search.index_record(s, "duty_log", row.id, row.classification, e.title(), text,
                        e.received_at.astimezone().strftime("%Y-%m-%d %H:%M") if e.received_at
                        else "")


def add_log_entry(ctx: ServiceContext, entry: LogEntry) -> LogEntry:
    actor = ctx.may(Action.EDIT_DUTY_LOG)
    e = _check_entry(ctx, actor, entry, ctx.now(), "duty.log.add")
    with ctx.session() as s, s.begin():
        ctx.require(Action.EDIT_DUTY_LOG, s)
        row = DutyLogEntry(
            kind=e.kind, received_at=e.received_at, caller_unit=e.caller_unit,
            caller_name=e.caller_name, caller_post=e.caller_post, caller_phone=e.caller_phone,
            content=e.content, passed_to=e.passed_to, passed_at=e.passed_at, result=e.result,
            classification=int(e.classification), author_id=actor.user_id,
            author_name=actor.label)
        s.add(row)
        s.flush()
        _index(s, row)
        audit.append(s, actor, "duty.log.add", "duty_log", row.id,
                     {"kind": e.kind, "caller": e.caller}, at=ctx.now())
        return _entry(row)


def update_log_entry(ctx: ServiceContext, entry: LogEntry) -> LogEntry:
    """Complete an entry (passed to whom, result). The author stays the original author; the
    audit log records who changed it."""
    actor = ctx.require(Action.EDIT_DUTY_LOG)
    e = _check_entry(ctx, actor, entry, ctx.now(), "duty.log.edit")
    with ctx.session() as s, s.begin():
        row = s.get(DutyLogEntry, entry.id)
        if row is None:
            raise InputError(f"找不到值班记录（编号{entry.id}）。")
        audit.require_clearance(actor, row.classification, "duty_log", row.id)
        need_to_know.require(s, actor, "duty_log", row.id)
        if entry.version and row.version != entry.version:
            raise ConflictError("该记录已被他人修改，请刷新后重试。")
        for k in ("kind", "received_at", "caller_unit", "caller_name", "caller_post",
                  "caller_phone", "content", "passed_to", "passed_at", "result"):
            setattr(row, k, getattr(e, k))
        row.classification = int(e.classification)
        s.flush()
        _index(s, row)
        audit.append(s, actor, "duty.log.edit", "duty_log", row.id,
                     {"passed_to": e.passed_to, "result": e.result}, at=ctx.now())
        return _entry(row)


def get_log_entry(ctx: ServiceContext, entry_id: int) -> LogEntry:
    """One entry (caller's unit/name/post/phone, received time, content, …), clearance checked.
    Called by the 突发事件 module to start a report from a call."""
    actor = ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        row = s.get(DutyLogEntry, entry_id)
        if row is None:
            raise InputError(f"找不到值班记录（编号{entry_id}）。")
        audit.require_clearance(actor, row.classification, "duty_log", row.id)
        need_to_know.require(s, actor, "duty_log", row.id)
        if row.classification > 0:  # reading a classified record is itself audited
            audit.append(s, actor, "duty.log.view", "duty_log", row.id,
                         {"classification": row.classification}, at=ctx.now())
        return _entry(row)


def _log_query(actor: Actor, text: str, start: dt.datetime | None, end: dt.datetime | None):
    stmt = visible(select(DutyLogEntry), DutyLogEntry, actor)
    if text.strip():
        like = f"%{text.strip()}%"
        stmt = stmt.where(or_(DutyLogEntry.content.like(like), DutyLogEntry.caller_unit.like(like),
                              DutyLogEntry.caller_name.like(like),
                              DutyLogEntry.caller_phone.like(like),
                              DutyLogEntry.passed_to.like(like)))
    if start is not None:
        stmt = stmt.where(DutyLogEntry.received_at >= start)
    if end is not None:
        stmt = stmt.where(DutyLogEntry.received_at < end)
    return stmt


def count_log(ctx: ServiceContext, text: str = "", start: dt.datetime | None = None,
              end: dt.datetime | None = None) -> int:
    actor = ctx.require(Action.VIEW)
    stmt = _log_query(actor, text, start, end)
    with ctx.session() as s, s.begin():
        return int(s.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())


def log_key(entry: LogEntry) -> tuple[dt.datetime | None, int]:
    """The seek key of an entry in ``list_log`` (接报时间, then id)."""
    return (entry.received_at, entry.id)


def list_log(ctx: ServiceContext, offset: int = 0, limit: int = 100, text: str = "",
             start: dt.datetime | None = None, end: dt.datetime | None = None,
             newest_first: bool = True, seek: paging.Seek | None = None) -> list[LogEntry]:
    """One page of the log (the UI's lazy model fetches pages): at ``offset``, or beside the
    entry whose ``log_key`` is ``seek.key`` (keyset paging)."""
    actor = ctx.require(Action.VIEW)
    stmt, backwards = paging.window(_log_query(actor, text, start, end),
                                    (DutyLogEntry.received_at, DutyLogEntry.id), newest_first,
                                    offset=offset, limit=limit, seek=seek)
    with ctx.session() as s, s.begin():
        rows = [_entry(r) for r in s.execute(stmt).scalars()]
    return rows[::-1] if backwards else rows


# ---------------------------------------------------------------- open items and handover


#: An open item with a deadline turns amber this long before it (red once it has passed).
ITEM_DUE_SOON = dt.timedelta(hours=2)


@dataclass(frozen=True)
class OpenItem:
    id: int
    text: str
    log_id: int | None
    opened_by: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None = None
    closed_by: str = ""
    closed_note: str = ""
    deadline: dt.datetime | None = None

    def due_state(self, now: dt.datetime) -> str:
        """"red" (past its deadline), "amber" (due within ``ITEM_DUE_SOON``), "green", or ""
        (no deadline, or closed)."""
        if self.deadline is None or self.closed_at is not None:
            return ""
        if now >= self.deadline:
            return "red"
        return "amber" if self.deadline - now <= ITEM_DUE_SOON else "green"

    def due_text(self, now: dt.datetime) -> str:
        """“逾期 1 小时 5 分钟” / “剩余 40 分钟” (empty without a deadline)."""
        if self.deadline is None:
            return ""
        minutes = int(abs((self.deadline - now).total_seconds()) // 60)
        days, rest = divmod(minutes, 24 * 60)
        hours, mins = divmod(rest, 60)
        parts = [f"{days} 天" if days else "", f"{hours} 小时" if hours else "",
                 f"{mins} 分钟" if mins or not (days or hours) else ""]
        span = " ".join(p for p in parts if p)
        return f"逾期 {span}" if now >= self.deadline else f"剩余 {span}"


@dataclass(frozen=True)
class HandoverInfo:
    id: int
    summary: str
    outgoing_name: str
    handed_at: dt.datetime
    incoming_name: str
    acknowledged_at: dt.datetime | None
    open_items: tuple[OpenItem, ...]
    outgoing_id: int | None = None
    #: the 密级 the outgoing officer gave the handover (revision 0023)
    classification: int = 0
    #: the highest 密级 of the 值班记录 the shown open items were opened on
    items_level: int = 0
    #: False when the reader is not cleared for ``classification``: the summary is withheld
    readable: bool = True

    @property
    def level(self) -> int:
        """The 密级 its print carries: its own, or higher for what it shows."""
        return max(self.classification, self.items_level)


def _item(r: DutyOpenItem) -> OpenItem:
    return OpenItem(r.id, r.text, r.log_id, r.opened_by, r.opened_at, r.closed_at, r.closed_by,
                    r.closed_note, r.deadline)


def _check_deadline(deadline: dt.datetime | None, now: dt.datetime) -> dt.datetime | None:
    if deadline is None:
        return None
    if deadline.tzinfo is None:
        raise InputError("办理时限缺少时区。")
    if deadline <= now:
        raise InputError("办理时限应晚于现在。")
    return deadline.replace(second=0, microsecond=0)


def add_open_item(ctx: ServiceContext, text: str, log_id: int | None = None,
                  deadline: dt.datetime | None = None) -> OpenItem:
    """A new open item, optionally with a deadline (办理时限, aware time later than now)."""
    actor = ctx.require(Action.EDIT_DUTY_LOG)
    if not text.strip():
        raise InputError("请填写待办事项。")
    deadline = _check_deadline(deadline, ctx.now())
    with ctx.session() as s, s.begin():
        if log_id is not None:
            entry = s.get(DutyLogEntry, log_id)
            if entry is None:
                raise InputError(f"找不到值班记录（编号{log_id}）。")
            audit.require_clearance(actor, entry.classification, "duty_log", entry.id)
            need_to_know.require(s, actor, "duty_log", entry.id)
        row = DutyOpenItem(text=text.strip(), log_id=log_id, opened_by=actor.label,
                           opened_at=ctx.now(), closed_by="", closed_note="", deadline=deadline)
        s.add(row)
        s.flush()
        audit.append(s, actor, "duty.item.open", "duty_open_item", row.id,
                     {"text": row.text, "deadline": _iso(deadline)}, at=ctx.now())
        return _item(row)


def _load_item(s: Session, actor: Actor, item_id: int) -> DutyOpenItem:
    """An open item to change: one opened on a 值班记录 takes that record's clearance."""
    row = s.get(DutyOpenItem, item_id)
    if row is None:
        raise InputError(f"找不到待办事项（编号{item_id}）。")
    if row.log_id is not None:
        entry = s.get(DutyLogEntry, row.log_id)
        if entry is not None:
            audit.require_clearance(actor, entry.classification, "duty_log", entry.id)
            need_to_know.require(s, actor, "duty_log", entry.id)
    return row


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone().isoformat(timespec="minutes") if moment else None


def set_item_deadline(ctx: ServiceContext, item_id: int,
                      deadline: dt.datetime | None) -> OpenItem:
    """Set, change or clear (None) the deadline of an item still open (audited, old and new)."""
    actor = ctx.require(Action.EDIT_DUTY_LOG)
    deadline = _check_deadline(deadline, ctx.now())
    with ctx.session() as s, s.begin():
        row = _load_item(s, actor, item_id)
        if row.closed_at is not None:
            raise InputError("该事项已办结，不能再修改办理时限。")
        before = row.deadline
        row.deadline = deadline
        audit.append(s, actor, "duty.item.deadline", "duty_open_item", row.id,
                     {"from": _iso(before), "to": _iso(deadline)}, at=ctx.now())
        return _item(row)


def list_due_items(ctx: ServiceContext, limit: int = 50) -> list[OpenItem]:
    """Open items that have a deadline, the earliest first (the 工作台 watches them); items
    opened on a 值班记录 the actor may not see (密级 or 知悉范围) are left out."""
    actor = ctx.require(Action.VIEW)
    stmt = (select(DutyOpenItem).where(DutyOpenItem.closed_at.is_(None),
                                       DutyOpenItem.deadline.is_not(None),
                                       need_to_know.linked_visible(DutyOpenItem, actor))
            .order_by(DutyOpenItem.deadline, DutyOpenItem.id).limit(limit))
    with ctx.session() as s, s.begin():
        return [_item(r) for r in s.execute(stmt).scalars()]


def close_open_item(ctx: ServiceContext, item_id: int, note: str = "") -> OpenItem:
    actor = ctx.require(Action.EDIT_DUTY_LOG)
    with ctx.session() as s, s.begin():
        row = _load_item(s, actor, item_id)
        if row.closed_at is not None:
            raise InputError("该事项已办结。")
        row.closed_at, row.closed_by, row.closed_note = ctx.now(), actor.label, note.strip()
        audit.append(s, actor, "duty.item.close", "duty_open_item", row.id,
                     {"note": row.closed_note}, at=ctx.now())
        return _item(row)


def list_open_items(ctx: ServiceContext, *, include_closed: bool = False,
                    at: dt.datetime | None = None) -> list[OpenItem]:
    """Items still open (at ``at`` when given: opened before it and not closed by then); items
    opened on a 值班记录 the actor may not see (密级 or 知悉范围) are left out."""
    actor = ctx.require(Action.VIEW)
    stmt = (select(DutyOpenItem).where(need_to_know.linked_visible(DutyOpenItem, actor))
            .order_by(DutyOpenItem.opened_at, DutyOpenItem.id))
    if at is not None:
        stmt = stmt.where(DutyOpenItem.opened_at <= at, or_(
            DutyOpenItem.closed_at.is_(None), DutyOpenItem.closed_at > at))
    elif not include_closed:
        stmt = stmt.where(DutyOpenItem.closed_at.is_(None))
    with ctx.session() as s, s.begin():
        return [_item(r) for r in s.execute(stmt).scalars()]


def _handover(s: Session, r: DutyHandover, actor: Actor) -> HandoverInfo:
    """The handover as ``actor`` may see it: carried items opened on a 值班记录 they may not see
    (密级 or 知悉范围) are left out; the summary of a handover above their clearance is
    withheld (they still see that there is one, and may take over the shift)."""
    items: tuple[OpenItem, ...] = ()
    items_level = 0
    if r.open_items:
        rows = list(s.execute(select(DutyOpenItem).where(
            DutyOpenItem.id.in_(r.open_items), need_to_know.linked_visible(DutyOpenItem, actor))
            .order_by(DutyOpenItem.id)).scalars())
        items = tuple(_item(x) for x in rows)
        logs = [x.log_id for x in rows if x.log_id is not None]
        if logs:
            items_level = int(s.execute(select(func.max(DutyLogEntry.classification)).where(
                DutyLogEntry.id.in_(logs))).scalar() or 0)
    level = int(r.classification)
    readable = level <= int(actor.clearance)
    summary = r.summary if readable else f"（交班内容为{Clearance(level).label}，您无权查看）"
    return HandoverInfo(r.id, summary, r.outgoing_name, r.handed_at, r.incoming_name,
                        r.acknowledged_at, items, r.outgoing_id, level, items_level, readable)


def hand_over(ctx: ServiceContext, summary: str, new_items: Sequence[str] = (), *,
              classification: int = 0) -> HandoverInfo:
    """The outgoing officer hands over: their summary, plus every item still open (new ones
    added here) carried to the next shift. Refused while the previous handover waits for its
    acknowledgement, so no shift's summary is skipped. ``classification``: the handover's 密级
    (公开 by default; not above the officer's clearance)."""
    actor = ctx.require(Action.EDIT_DUTY_LOG)
    if not summary.strip():
        raise InputError("请填写本班值守情况。")
    try:
        level = int(Clearance(int(classification)))
    except ValueError:
        raise InputError("密级无效。") from None
    audit.require_level(ctx, level, "duty.handover")
    for text in new_items:
        if text.strip():
            add_open_item(ctx, text)
    with ctx.session() as s, s.begin():
        waiting = s.execute(select(DutyHandover.id).where(
            DutyHandover.acknowledged_at.is_(None))).first()
        if waiting:
            raise InputError("上一次交班尚未接班确认，请先由接班人确认。")
        open_ids = list(s.execute(select(DutyOpenItem.id).where(
            DutyOpenItem.closed_at.is_(None)).order_by(DutyOpenItem.id)).scalars())
        row = DutyHandover(summary=summary.strip(), outgoing_id=actor.user_id,
                           outgoing_name=actor.label, handed_at=ctx.now(), incoming_name="",
                           open_items=open_ids, classification=level)
        s.add(row)
        s.flush()
        audit.append(s, actor, "duty.handover", "duty_handover", row.id,
                     {"open_items": open_ids, "classification": level}, at=ctx.now())
        return _handover(s, row, actor)


def pending_handover(ctx: ServiceContext) -> HandoverInfo | None:
    actor = ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        row = s.execute(select(DutyHandover).where(DutyHandover.acknowledged_at.is_(None))
                        .order_by(DutyHandover.id.desc()).limit(1)).scalar_one_or_none()
        return _handover(s, row, actor) if row else None


def acknowledge_handover(ctx: ServiceContext, handover_id: int) -> HandoverInfo:
    """The incoming officer confirms they took over (and saw the open items)."""
    actor = ctx.require(Action.EDIT_DUTY_LOG)
    with ctx.session() as s, s.begin():
        row = s.get(DutyHandover, handover_id)
        if row is None:
            raise InputError(f"找不到交班记录（编号{handover_id}）。")
        if row.acknowledged_at is not None:
            raise InputError(f"该交班已由{row.incoming_name}确认接班。")
        if actor.user_id is not None and row.outgoing_id == actor.user_id:
            raise InputError("交班人不能自己确认接班，请由接班人登录后确认。")
        row.incoming_id, row.incoming_name = actor.user_id, actor.label
        row.acknowledged_at = ctx.now()
        audit.append(s, actor, "duty.handover.ack", "duty_handover", row.id, {}, at=ctx.now())
        return _handover(s, row, actor)


def get_handover(ctx: ServiceContext, handover_id: int) -> HandoverInfo:
    """One handover, refused above the reader's clearance (its print reads it here)."""
    actor = ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        row = s.get(DutyHandover, handover_id)
        if row is None:
            raise InputError(f"找不到交班记录（编号{handover_id}）。")
        audit.require_clearance(actor, row.classification, "duty_handover", row.id)
        return _handover(s, row, actor)


def list_handovers(ctx: ServiceContext, start: dt.datetime | None = None,
                   end: dt.datetime | None = None, limit: int = 200) -> list[HandoverInfo]:
    """Handovers the reader is cleared for, latest first."""
    actor = ctx.require(Action.VIEW)
    stmt = (visible(select(DutyHandover), DutyHandover, actor)
            .order_by(DutyHandover.handed_at.desc()).limit(limit))
    if start is not None:
        stmt = stmt.where(DutyHandover.handed_at >= start)
    if end is not None:
        stmt = stmt.where(DutyHandover.handed_at < end)
    with ctx.session() as s, s.begin():
        return [_handover(s, r, actor) for r in s.execute(stmt).scalars()]
