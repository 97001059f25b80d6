"""会议纪要 use cases: meetings, attendance, topics, decisions, the 纪要 and the 督办 loop.

Why this shape:

* Every function takes a ``ServiceContext``, checks the role (``EDIT_MINUTES`` to record,
  ``REVIEW`` to approve an extension or review a completion, ``ISSUE`` to issue the 纪要,
  ``VIEW`` to read, ``EXPORT`` for the 通报 workbook) and the meeting's classification, and runs
  one short transaction that also appends the audit event.
* A meeting's ordinal (第12次) is the next number of its type; the 纪要 number (〔2026〕2号) is the
  next number of the type's series for the year and is only taken when the 纪要 is issued, so an
  abandoned draft never leaves a gap.
* The 纪要 is generated from the shipped template (``minutes``) and kept as an editable
  description (``draft_json``); issuing copies it into ``issued_json`` and refuses all later edits.
* Each 督办 step is one ``DecisionEvent`` row (who, when, what) plus the status change that
  ``app.domain.supervision.next_status`` allows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import and_, case, extract, func, inspect, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.domain import supervision as sv
from app.domain.cnnum import to_chinese
from app.domain.security import Action, Clearance
from app.domain.workdays import DEFAULT_CALENDAR, HolidayCalendar
from app.errors import ConflictError, InputError, UserError
from app.services import audit, holidays, need_to_know, paging, search, templates
from app.services.context import Actor, ServiceContext, visible
from app.storage.models import (
    Attendee,
    Decision,
    DecisionEvent,
    Meeting,
    MeetingType,
    Topic,
)
from app.textsafe import clean_text

ATTENDANCE_KINDS = ("present", "absent", "attending")
ATTENDANCE_LABELS = {"present": "出席", "absent": "请假", "attending": "列席"}
MINUTES_TEMPLATE = "minutes"


# ---- data returned to callers ------------------------------------------------------------------
@dataclass(frozen=True)
class TypeInfo:
    id: int
    name: str
    organ: str
    mark: str


@dataclass(frozen=True)
class AttendeeIn:
    """One line of an attendance list as the clerk entered it."""

    name: str
    title: str = ""
    reason: str = ""
    staff_id: int | None = None


@dataclass(frozen=True)
class AttendeeInfo:
    kind: str
    position: int
    name: str
    title: str
    reason: str
    staff_id: int | None

    @property
    def display(self) -> str:
        """As the 纪要 prints it: 请假 names carry the reason in parentheses."""
        label = f"{self.title}{self.name}" if self.title else self.name
        return f"{label}（{self.reason}）" if self.reason else label


@dataclass(frozen=True)
class DecisionInfo:
    id: int
    meeting_id: int
    topic_id: int
    position: int
    text: str
    lead_unit: str
    lead_person: str
    coop_units: tuple[str, ...]
    deadline: dt.date | None
    deadline_workdays: int | None
    status: sv.Status
    completed_on: dt.date | None
    version: int
    #: Why the deadline is uncertain (counted across a year with no holiday table), or None.
    deadline_uncertain: str | None = None

    def reminder(self, today: dt.date) -> sv.Reminder:
        return sv.reminder(self.status, self.deadline, today)


@dataclass(frozen=True)
class TopicInfo:
    id: int
    position: int
    title: str
    unit: str
    materials: tuple[str, ...]
    summary: str
    decisions: tuple[DecisionInfo, ...] = ()


def ordinal(seq: int) -> str:
    """第十二次: the one way a meeting's ordinal is written — in the list, the dialogs and the
    printed 纪要 alike (the list said 第1次 while the title said 第一次)."""
    return f"第{to_chinese(seq)}次"


def meeting_name(organ: str, seq: int, type_name: str) -> str:
    return f"{organ}{ordinal(seq)}{type_name}"


_VERBS = ("研究", "审议", "听取", "讨论", "部署", "学习", "传达", "通报", "审定", "议定")


def topics_phrase(titles: list[str]) -> str:
    """What the meeting did, from its topic titles, without doubling a verb the title already
    has (“研究了研究…”): ``研究了甲、乙等事项``; a title that starts with its own verb keeps it
    (“审议了《…》”)."""
    plain: list[str] = []
    phrases: list[str] = []
    for title in (t.strip().rstrip("。；;，,") for t in titles):
        if not title:
            continue
        verb = next((v for v in _VERBS if title.startswith(v)), None)
        if verb is None:
            plain.append(title)
            continue
        rest = title[len(verb):].removeprefix("了").lstrip("，, ")
        phrases.append(f"{verb}了{rest}" if rest else title)
    if plain:
        many = len(plain) > 1 or phrases
        phrases.insert(0, "研究了" + "、".join(plain) + ("等事项" if many and len(plain) > 1 else ""))
    return "，".join(phrases)


def opening(info: MeetingInfo, titles: list[str]) -> str:
    """The 纪要's first sentence from what was entered; a missing host or venue is left out."""
    from app.templating.filters import cn_date

    host = f"{info.host_title}{info.host}" if info.host.strip() else ""
    venue = f"在{info.venue.strip()}" if info.venue.strip() else ""
    held = f"{host}{venue}主持召开" if host else f"{venue}召开"
    did = topics_phrase(titles)
    return f"{cn_date(info.date)}，{held}{info.title}" + (f"，{did}" if did else "") + "。"


@dataclass(frozen=True)
class MeetingInfo:
    id: int
    type_id: int
    type_name: str
    organ: str
    seq: int
    date: dt.date
    time: str
    venue: str
    host: str
    host_title: str
    recorder: str
    status: str
    minutes_year: int | None
    minutes_no: int | None
    classification: int
    version: int
    issued_at: dt.datetime | None = None
    issued_by: str = ""

    @property
    def title(self) -> str:
        return meeting_name(self.organ, self.seq, self.type_name)

    @property
    def issued(self) -> bool:
        return self.status == "issued"

    @property
    def minutes_number(self) -> str:
        if self.minutes_no is None:
            return ""
        return f"〔{self.minutes_year}〕{self.minutes_no}号"


@dataclass(frozen=True)
class MeetingDetail:
    meeting: MeetingInfo
    attendees: dict[str, tuple[AttendeeInfo, ...]]
    topics: tuple[TopicInfo, ...]
    has_draft: bool


@dataclass(frozen=True)
class EventInfo:
    step: sv.Step
    at: dt.datetime
    actor: str
    text: str
    old_deadline: dt.date | None
    new_deadline: dt.date | None
    report_date: dt.date | None


@dataclass(frozen=True)
class BoardRow:
    decision: DecisionInfo
    meeting_title: str
    meeting_date: dt.date
    topic_title: str
    reminder: sv.Reminder
    #: the meeting's 密级 (an export is marked with the highest)
    classification: int = 0


@dataclass(frozen=True)
class BoardFilter:
    """督办 board filters; ``None``/empty means "any". ``only_open`` hides 销号 decisions."""

    unit: str = ""
    status: sv.Status | None = None
    due_by: dt.date | None = None
    only_open: bool = True
    reminder: sv.Reminder | None = None


# ---- helpers -----------------------------------------------------------------------------------
def _clean(value: str | None, label: str, *, required: bool = False, limit: int = 128) -> str:
    out = clean_text(value or "").strip()  # control characters: dropped, never stored
    if required and not out:
        raise InputError(f"请填写{label}。")
    if len(out) > limit:
        raise InputError(f"{label}过长（最多 {limit} 字）。")
    return out


def _type_info(t: MeetingType) -> TypeInfo:
    return TypeInfo(t.id, t.name, t.organ, t.mark)


#: ``MeetingInfo``'s fields, in its order, as columns (``list_meetings``)
_LIST_COLUMNS = (Meeting.id, MeetingType.id, MeetingType.name, MeetingType.organ, Meeting.seq,
                 Meeting.date, Meeting.time, Meeting.venue, Meeting.host, Meeting.host_title,
                 Meeting.recorder, Meeting.status, Meeting.minutes_year, Meeting.minutes_no,
                 Meeting.classification, Meeting.version, Meeting.issued_at, Meeting.issued_by)


def _meeting_info(m: Meeting, t: MeetingType) -> MeetingInfo:
    return MeetingInfo(m.id, t.id, t.name, t.organ, m.seq, m.date, m.time, m.venue, m.host,
                       m.host_title, m.recorder, m.status, m.minutes_year, m.minutes_no,
                       m.classification, m.version, m.issued_at, m.issued_by)


def _decision_info(d: Decision) -> DecisionInfo:
    coop = tuple(u for u in d.coop_units.split("、") if u)
    return DecisionInfo(d.id, d.meeting_id, d.topic_id, d.position, d.text, d.lead_unit,
                        d.lead_person, coop, d.deadline, d.deadline_workdays,
                        sv.Status(d.status), d.completed_on, d.version,
                        holidays.deadline_uncertainty(DEFAULT_CALENDAR, d.deadline,
                                                      d.deadline_workdays))


def _load_meeting(s: Session, actor: Actor, meeting_id: int) -> tuple[Meeting, MeetingType]:
    row = s.execute(select(Meeting, MeetingType).join(MeetingType, Meeting.type_id == MeetingType.id)
                    .where(Meeting.id == meeting_id)).first()
    if row is None:
        raise InputError(f"找不到会议（编号 {meeting_id}）。")
    audit.require_clearance(actor, row[0].classification, "meeting", meeting_id)
    need_to_know.require(s, actor, "meeting", meeting_id)
    return row[0], row[1]


def _editable(m: Meeting) -> None:
    if m.status == "issued":
        raise UserError("该会议的纪要已印发，内容已冻结，不能再修改。")


def _editable_topic(s: Session, actor: Actor, topic_id: int) -> tuple[Topic, Meeting, MeetingType]:
    """The topic, its meeting and the meeting's type, for a change: refused when the topic is
    gone, the meeting is above the actor's clearance or its 纪要 is issued (frozen)."""
    tp = s.get(Topic, topic_id)
    if tp is None:
        raise InputError("找不到该议题。")
    m, t = _load_meeting(s, actor, tp.meeting_id)
    _editable(m)
    return tp, m, t


def _check_version(obj: Meeting | Decision, expected: int | None) -> None:
    if expected is not None and obj.version != expected:
        raise ConflictError("该记录已被他人修改，请刷新后重试。")


def _index(s: Session, kind: str, record_id: int, classification: int, title: str,
           body: str) -> None:
    search.index_record(s, kind, record_id, classification, title, body)


def _index_meeting(s: Session, m: Meeting, t: MeetingType) -> None:
    info = _meeting_info(m, t)
    topics = s.execute(select(Topic.title).where(Topic.meeting_id == m.id)
                       .order_by(Topic.position)).scalars().all()
    body = "\n".join([info.title, m.venue, m.host, *topics])
    _index(s, "meeting", m.id, m.classification, info.title, body)


def _index_decision(s: Session, d: Decision, classification: int) -> None:
    body = f"{d.text}\n{d.lead_unit}\n{d.lead_person}\n{d.coop_units}"
    _index(s, "decision", d.id, classification, d.text[:60], body)


# ---- meeting types -----------------------------------------------------------------------------
def list_types(ctx: ServiceContext) -> list[TypeInfo]:
    ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        return [_type_info(t) for t in s.execute(
            select(MeetingType).order_by(MeetingType.id)).scalars()]


def create_type(ctx: ServiceContext, name: str, *, organ: str = "", mark: str = "") -> TypeInfo:
    """A meeting type (常务会议 …) with its own numbering; ``mark`` is the 纪要 标志 in red."""
    actor = ctx.require(Action.EDIT_MINUTES)
    name = _clean(name, "会议类型名称", required=True, limit=64)
    organ = _clean(organ, "主办机关简称", limit=64)
    mark = _clean(mark, "纪要标志", limit=128) or f"{organ}{name}纪要"
    with ctx.session() as s, s.begin():
        if s.execute(select(MeetingType.id).where(MeetingType.name == name)).first():
            raise InputError(f"会议类型“{name}”已存在。")
        t = MeetingType(name=name, organ=organ, mark=mark)
        s.add(t)
        s.flush()
        audit.append(s, actor, "minutes.type.create", "meeting_type", t.id, {"name": name},
                     at=ctx.now())
        return _type_info(t)


# ---- meetings ----------------------------------------------------------------------------------
def create_meeting(ctx: ServiceContext, type_id: int, date: dt.date, *, time: str = "",
                   venue: str = "", host: str = "", host_title: str = "", recorder: str = "",
                   classification: int = 0, seq: int | None = None) -> MeetingInfo:
    """A new meeting; its ordinal is the next of its type unless ``seq`` is given. Two desks
    that take the same ordinal at once: the unique key refuses the second, which is told to retry."""
    try:
        return _create_meeting(ctx, type_id, date, time=time, venue=venue, host=host,
                               host_title=host_title, recorder=recorder,
                               classification=classification, seq=seq)
    except IntegrityError:
        raise ConflictError("会议次数刚被另一处占用，请重试。") from None


def _create_meeting(ctx: ServiceContext, type_id: int, date: dt.date, *, time: str,
                    venue: str, host: str, host_title: str, recorder: str,
                    classification: int, seq: int | None) -> MeetingInfo:
    actor = ctx.require(Action.EDIT_MINUTES)
    audit.require_level(ctx, classification, "minutes.meeting.create")
    Clearance(classification)
    with ctx.session() as s, s.begin():
        t = s.get(MeetingType, type_id)
        if t is None:
            raise InputError("请选择会议类型。")
        last = s.execute(select(func.max(Meeting.seq)).where(Meeting.type_id == type_id)).scalar()
        number = seq if seq is not None else (last or 0) + 1
        if number < 1:
            raise InputError("会议次数应为正整数。")
        if s.execute(select(Meeting.id).where(Meeting.type_id == type_id,
                                              Meeting.seq == number)).first():
            raise InputError(f"{ordinal(number)}{t.name}已存在。")
        m = Meeting(type_id=type_id, seq=number, date=date, time=_clean(time, "时间", limit=16),
                    venue=_clean(venue, "地点"), host=_clean(host, "主持人", limit=64),
                    host_title=_clean(host_title, "主持人职务", limit=64),
                    recorder=_clean(recorder, "记录人", limit=64), status="draft",
                    classification=int(classification), issued_by="")
        s.add(m)
        s.flush()
        audit.append(s, actor, "minutes.meeting.create", "meeting", m.id,
                     {"type": t.name, "seq": number, "date": date.isoformat()}, at=ctx.now())
        _index_meeting(s, m, t)
        return _meeting_info(m, t)


def update_meeting(ctx: ServiceContext, meeting_id: int, *, expected_version: int | None = None,
                   **changes: Any) -> MeetingInfo:
    """Change date, time, venue, host, host_title or recorder of a meeting not yet issued."""
    actor = ctx.require(Action.EDIT_MINUTES)
    allowed = {"date", "time", "venue", "host", "host_title", "recorder"}
    unknown = set(changes) - allowed
    if unknown:
        raise InputError(f"不能修改：{'、'.join(sorted(unknown))}。")
    with ctx.session() as s, s.begin():
        m, t = _load_meeting(s, actor, meeting_id)
        _editable(m)
        _check_version(m, expected_version)
        for key, value in changes.items():
            setattr(m, key, value if key == "date" else _clean(value, key, limit=128))
        s.flush()
        audit.append(s, actor, "minutes.meeting.update", "meeting", m.id,
                     {k: str(v) for k, v in changes.items()}, at=ctx.now())
        _index_meeting(s, m, t)
        return _meeting_info(m, t)


def count_meetings(ctx: ServiceContext, *, type_id: int | None = None) -> int:
    actor = ctx.require(Action.VIEW)
    stmt = visible(select(func.count()).select_from(Meeting), Meeting, actor)
    if type_id is not None:
        stmt = stmt.where(Meeting.type_id == type_id)
    with ctx.session() as s, s.begin():
        return int(s.execute(stmt).scalar_one())


def meeting_key(m: MeetingInfo) -> tuple[dt.date, int]:
    """The seek key of a meeting in ``list_meetings`` (newest date first, then id)."""
    return (m.date, m.id)


def list_meetings(ctx: ServiceContext, *, offset: int = 0, limit: int = 100,
                  type_id: int | None = None, seek: paging.Seek | None = None
                  ) -> list[MeetingInfo]:
    """One page of meetings, newest first (the list view fetches page by page): at ``offset``,
    or beside the meeting whose ``meeting_key`` is ``seek.key`` (keyset paging)."""
    actor = ctx.require(Action.VIEW)
    # a list row is read as the columns it shows, not as two mapped objects with the 纪要's
    # draft and issued text (JSON of the whole document): a page of 200 is a plain row scan
    stmt = visible(select(*_LIST_COLUMNS).join(MeetingType, Meeting.type_id == MeetingType.id),
                   Meeting, actor)
    if type_id is not None:
        stmt = stmt.where(Meeting.type_id == type_id)
    stmt, backwards = paging.window(stmt, (Meeting.date, Meeting.id), True, offset=offset,
                                    limit=limit, seek=seek)
    with ctx.session() as s, s.begin():
        rows = [MeetingInfo(*row) for row in s.execute(stmt)]
    return rows[::-1] if backwards else rows


def get_meeting(ctx: ServiceContext, meeting_id: int) -> MeetingDetail:
    holidays.calendar(ctx)  # the decisions' deadline uncertainty uses the office's tables
    actor = ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        m, t = _load_meeting(s, actor, meeting_id)
        return _detail(s, m, t)


def _detail(s: Session, m: Meeting, t: MeetingType) -> MeetingDetail:
    rows = s.execute(select(Attendee).where(Attendee.meeting_id == m.id)
                     .order_by(Attendee.kind, Attendee.position)).scalars().all()
    attendees = {k: tuple(AttendeeInfo(a.kind, a.position, a.name, a.title, a.reason, a.staff_id)
                          for a in rows if a.kind == k) for k in ATTENDANCE_KINDS}
    decisions = s.execute(select(Decision).where(Decision.meeting_id == m.id)
                          .order_by(Decision.position, Decision.id)).scalars().all()
    topics = tuple(
        TopicInfo(tp.id, tp.position, tp.title, tp.unit,
                  tuple(x for x in tp.materials.splitlines() if x.strip()), tp.summary,
                  tuple(_decision_info(d) for d in decisions if d.topic_id == tp.id))
        for tp in s.execute(select(Topic).where(Topic.meeting_id == m.id)
                            .order_by(Topic.position, Topic.id)).scalars())
    return MeetingDetail(_meeting_info(m, t), attendees, topics, m.draft_json is not None)


# ---- attendance --------------------------------------------------------------------------------
def staff_directory(ctx: ServiceContext) -> list[tuple[int, str, str]]:
    """(id, name, post/unit) of active staff when the duty module's directory exists, else []:
    names can always be typed freely."""
    ctx.require(Action.VIEW)
    if not inspect(ctx.engine).has_table("duty_staff"):
        return []
    with ctx.session() as s, s.begin():
        rows = s.execute(text("SELECT id, name, unit, post FROM duty_staff WHERE active "
                              "ORDER BY id")).all()
    return [(r.id, r.name, f"{r.unit}{r.post}") for r in rows]


def set_attendance(ctx: ServiceContext, meeting_id: int, kind: str,
                   entries: Sequence[AttendeeIn]) -> tuple[AttendeeInfo, ...]:
    """Replace one list (出席/请假/列席) with ``entries`` in protocol order."""
    actor = ctx.require(Action.EDIT_MINUTES)
    if kind not in ATTENDANCE_KINDS:
        raise InputError(f"未知的名单类别“{kind}”。")
    label = ATTENDANCE_LABELS[kind]
    cleaned = []
    for e in entries:
        name = _clean(e.name, f"{label}人员姓名", required=True, limit=64)
        cleaned.append(AttendeeIn(name, _clean(e.title, "职务", limit=128),
                                  _clean(e.reason, "请假事由", limit=128), e.staff_id))
        if kind == "absent" and not cleaned[-1].reason:
            raise InputError(f"请填写{name}的请假事由。")
    names = [c.name for c in cleaned]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputError(f"{label}名单中重复：{'、'.join(dupes)}。")
    with ctx.session() as s, s.begin():
        m, _t = _load_meeting(s, actor, meeting_id)
        _editable(m)
        others = s.execute(select(Attendee.name, Attendee.kind).where(
            Attendee.meeting_id == m.id, Attendee.kind != kind)).all()
        clash = sorted({r.name for r in others if r.name in names})
        if clash:
            raise InputError(f"{'、'.join(clash)}已在其他名单中，同一人只能出现在一个名单里。")
        for a in s.execute(select(Attendee).where(Attendee.meeting_id == m.id,
                                                  Attendee.kind == kind)).scalars():
            s.delete(a)
        s.flush()
        for pos, e in enumerate(cleaned, 1):
            s.add(Attendee(meeting_id=m.id, kind=kind, position=pos, name=e.name, title=e.title,
                           reason=e.reason if kind == "absent" else "", staff_id=e.staff_id))
        audit.append(s, actor, "minutes.attendance", "meeting", m.id,
                     {"kind": kind, "names": names}, at=ctx.now())
        s.flush()
        rows = s.execute(select(Attendee).where(Attendee.meeting_id == m.id, Attendee.kind == kind)
                         .order_by(Attendee.position)).scalars()
        return tuple(AttendeeInfo(a.kind, a.position, a.name, a.title, a.reason, a.staff_id)
                     for a in rows)


# ---- topics and decisions ----------------------------------------------------------------------
def save_topic(ctx: ServiceContext, meeting_id: int, title: str, *, topic_id: int | None = None,
               unit: str = "", materials: Sequence[str] = (), summary: str = "") -> TopicInfo:
    """Add a topic at the end, or change ``topic_id``."""
    actor = ctx.require(Action.EDIT_MINUTES)
    title = _clean(title, "议题名称", required=True, limit=255)
    mats = "\n".join(_clean(x, "材料名称", limit=255) for x in materials if x and x.strip())
    with ctx.session() as s, s.begin():
        m, t = _load_meeting(s, actor, meeting_id)
        _editable(m)
        if topic_id is None:
            last = s.execute(select(func.max(Topic.position))
                             .where(Topic.meeting_id == m.id)).scalar()
            tp = Topic(meeting_id=m.id, position=(last or 0) + 1, title=title, materials="",
                       unit="", summary="")
            s.add(tp)
        else:
            found = s.get(Topic, topic_id)
            if found is None or found.meeting_id != m.id:
                raise InputError("找不到该议题。")
            tp = found
        tp.title, tp.unit, tp.materials = title, _clean(unit, "汇报单位"), mats
        tp.summary = _clean(summary, "议题情况", limit=4000)
        s.flush()
        audit.append(s, actor, "minutes.topic.save", "meeting", m.id,
                     {"topic": tp.id, "title": title}, at=ctx.now())
        _index_meeting(s, m, t)
        return TopicInfo(tp.id, tp.position, tp.title, tp.unit,
                         tuple(x for x in tp.materials.splitlines() if x), tp.summary)


def move_topic(ctx: ServiceContext, topic_id: int, delta: int, *,
               expected_order: Sequence[int] | None = None) -> tuple[int, ...]:
    """Move a topic ``delta`` places up (negative) or down in the meeting's order (上会顺序), which
    the generated 纪要 follows. Returns the topic ids in their new order. ``expected_order`` is
    the order the caller showed: if another desk reordered, added or removed topics meanwhile the
    move is refused (optimistic locking without a version column on topics). Moving past either
    end leaves the order as it is."""
    actor = ctx.require(Action.EDIT_MINUTES)
    with ctx.session() as s, s.begin():
        tp, m, t = _editable_topic(s, actor, topic_id)
        rows = list(s.execute(select(Topic).where(Topic.meeting_id == m.id)
                              .order_by(Topic.position, Topic.id)).scalars())
        order = [r.id for r in rows]
        if expected_order is not None and list(expected_order) != order:
            raise ConflictError("议题已被他人调整，请刷新后重试。")
        old = order.index(tp.id)
        new = min(max(old + int(delta), 0), len(rows) - 1)
        if new == old:
            return tuple(order)
        rows.insert(new, rows.pop(old))
        for pos, r in enumerate(rows, 1):
            r.position = pos
        s.flush()
        audit.append(s, actor, "minutes.topic.move", "meeting", m.id,
                     {"topic": tp.id, "title": tp.title, "from": old + 1, "to": new + 1},
                     at=ctx.now())
        _index_meeting(s, m, t)
        return tuple(r.id for r in rows)


def add_decision(ctx: ServiceContext, topic_id: int, text_: str, *, lead_unit: str = "",
                 lead_person: str = "", coop_units: Sequence[str] = (),
                 deadline: dt.date | None = None, workdays: int | None = None,
                 calendar: HolidayCalendar = DEFAULT_CALENDAR) -> DecisionInfo:
    """A decision (议定事项) under a topic; the deadline is a date or N working days after the
    meeting (statutory holidays and make-up workdays counted by ``calendar``)."""
    calendar = holidays.resolve(ctx, calendar)
    actor = ctx.require(Action.EDIT_MINUTES)
    body = _clean(text_, "议定事项内容", required=True, limit=4000)
    coop = [_clean(u, "配合单位") for u in coop_units if u and u.strip()]
    with ctx.session() as s, s.begin():
        tp, m, _t = _editable_topic(s, actor, topic_id)
        due = sv.resolve_deadline(m.date, on=deadline, workdays=workdays, calendar=calendar)
        last = s.execute(select(func.max(Decision.position))
                         .where(Decision.topic_id == tp.id)).scalar()
        d = Decision(meeting_id=m.id, topic_id=tp.id, position=(last or 0) + 1, text=body,
                     lead_unit=_clean(lead_unit, "牵头单位"),
                     lead_person=_clean(lead_person, "责任人", limit=64),
                     coop_units="、".join(coop), deadline=due, deadline_workdays=workdays,
                     status=sv.Status.PENDING.value)
        s.add(d)
        s.flush()
        audit.append(s, actor, "minutes.decision.add", "decision", d.id,
                     {"meeting": m.id, "lead_unit": d.lead_unit,
                      "deadline": due.isoformat() if due else None}, at=ctx.now())
        _index_decision(s, d, m.classification)
        return _decision_info(d)


#: Why a decision's fields may change, in one place (the UI shows the same words):
#: the text is printed in the 纪要, so it is frozen with the 纪要 at issue; a decision the unit
#: has finished (待销号/已销号) is a record; and once 立项 the unit works to the deadline it was
#: given — a later deadline is the 督办 loop's 申请延期/批准延期 (it keeps the trail and the
#: 按期办结率 honest), not a correction.
EDIT_RULES = ("纪要印发前可修改议定事项的内容、牵头单位、责任人、配合单位；办理期限只能在立项督办前"
              "修改，立项后请走“申请延期”。已办结（待销号、已销号）的事项不能修改。")


def update_decision(ctx: ServiceContext, decision_id: int, text_: str, *, expected_version: int,
                    lead_unit: str = "", lead_person: str = "", coop_units: Sequence[str] = (),
                    deadline: dt.date | None = None, workdays: int | None = None,
                    calendar: HolidayCalendar = DEFAULT_CALENDAR) -> DecisionInfo:
    """Correct a decision (议定事项): its text, lead unit and person (承办), cooperating units and
    deadline, all given in full as the form holds them. See ``EDIT_RULES`` for when. A stale
    ``expected_version`` (someone saved the decision or moved it through the 督办 loop since it
    was read) raises ``ConflictError``. The audit event keeps each changed field's old and new
    value."""
    calendar = holidays.resolve(ctx, calendar)
    actor = ctx.require(Action.EDIT_MINUTES)
    body = _clean(text_, "议定事项内容", required=True, limit=4000)
    coop = "、".join(_clean(u, "配合单位") for u in coop_units if u and u.strip())
    new: dict[str, Any] = {"text": body, "lead_unit": _clean(lead_unit, "牵头单位"),
           "lead_person": _clean(lead_person, "责任人", limit=64), "coop_units": coop}
    try:
        with ctx.session() as s, s.begin():
            d = s.get(Decision, decision_id)
            if d is None:
                raise InputError(f"找不到议定事项（编号 {decision_id}）。")
            m, _t = _load_meeting(s, actor, d.meeting_id)
            if m.status == "issued":
                raise UserError("纪要已印发，议定事项随纪要冻结，不能再修改；办理期限如需调整，"
                                "请在督办中申请延期。")
            _check_version(d, expected_version)
            status = sv.Status(d.status)
            if status in sv.DONE_STATUSES:
                raise UserError(f"该事项已办结（{status.label}），不能修改。")
            due = sv.resolve_deadline(m.date, on=deadline, workdays=workdays, calendar=calendar)
            new["deadline"], new["deadline_workdays"] = due, workdays
            if due != d.deadline and status is not sv.Status.PENDING:
                raise UserError(f"该事项已立项督办（{status.label}），办理期限不能直接修改，"
                                "请在督办中申请延期。")
            changes = {k: (getattr(d, k), v) for k, v in new.items() if getattr(d, k) != v}
            if not changes:
                return _decision_info(d)
            for k, (_old, v) in changes.items():
                setattr(d, k, v)
            s.flush()
            audit.append(s, actor, "minutes.decision.update", "decision", d.id,
                         {"meeting": m.id, "status": status.value,
                          "changes": {k: [_plain(a), _plain(b)] for k, (a, b) in changes.items()}},
                         at=ctx.now())
            _index_decision(s, d, m.classification)
            return _decision_info(d)
    except StaleDataError:
        raise ConflictError("该记录已被他人修改，请刷新后重试。") from None


def _plain(value: Any) -> Any:
    """A value as the audit detail stores it (JSON: dates as ISO text, long text cut)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and len(value) > 200:
        return value[:200] + "…"
    return value


def delete_decision(ctx: ServiceContext, decision_id: int) -> None:
    """Remove a decision entered by mistake — only before 立项: once in the 督办 loop its trail
    is a record and stays."""
    actor = ctx.require(Action.EDIT_MINUTES)
    with ctx.session() as s, s.begin():
        d = s.get(Decision, decision_id)
        if d is None:
            raise InputError(f"找不到议定事项（编号 {decision_id}）。")
        m, _t = _load_meeting(s, actor, d.meeting_id)
        _editable(m)
        if d.status != sv.Status.PENDING.value:
            raise UserError("该事项已立项督办，不能删除；如已不需办理，请报告办结后销号。")
        _remove_index(s, "decision", d.id)
        s.delete(d)
        audit.append(s, actor, "minutes.decision.delete", "decision", decision_id,
                     {"meeting": m.id, "text": d.text[:200]}, at=ctx.now())


def delete_topic(ctx: ServiceContext, topic_id: int) -> None:
    """Remove a topic and its decisions (refused once any of them is in the 督办 loop)."""
    actor = ctx.require(Action.EDIT_MINUTES)
    with ctx.session() as s, s.begin():
        tp, m, t = _editable_topic(s, actor, topic_id)
        decisions = s.execute(select(Decision).where(Decision.topic_id == tp.id)).scalars().all()
        if any(d.status != sv.Status.PENDING.value for d in decisions):
            raise UserError("该议题下有已立项督办的事项，不能删除。")
        for d in decisions:
            _remove_index(s, "decision", d.id)
            s.delete(d)
        s.delete(tp)
        s.flush()
        for pos, other in enumerate(s.execute(select(Topic).where(Topic.meeting_id == m.id)
                                              .order_by(Topic.position)).scalars(), 1):
            other.position = pos
        audit.append(s, actor, "minutes.topic.delete", "meeting", m.id,
                     {"topic": topic_id, "title": tp.title}, at=ctx.now())
        _index_meeting(s, m, t)


def _remove_index(s: Session, kind: str, record_id: int) -> None:
    search.remove_record(s, kind, record_id)


# ---- the 纪要 ----------------------------------------------------------------------------------
def _template_data(detail: MeetingDetail, office_printer: str, issue_no: int) -> dict[str, Any]:
    m = detail.meeting
    topics: list[dict[str, Any]] = [{"title": t.title, "summary": t.summary,
                                     "decisions": [d.text for d in t.decisions]}
                                    for t in detail.topics]
    return {
        "office": {"printer": office_printer},
        "meeting": {
            "mark": "", "year": m.date.year, "issue": issue_no, "organ": m.organ, "seq": m.seq,
            "name": m.title, "opening": opening(m, [t["title"] for t in topics]),
            "type": m.type_name, "date": m.date.isoformat(), "venue": m.venue, "host": m.host,
            "host_title": m.host_title, "topics": topics, "recorder": m.recorder,
            "present": [a.display for a in detail.attendees["present"]],
            "absent": [a.display for a in detail.attendees["absent"]],
            "attending": [a.display for a in detail.attendees["attending"]],
        },
    }


def _office_printer(s: Session) -> str:
    from app.storage.models import OfficeSettings

    row = s.execute(select(OfficeSettings).limit(1)).scalars().first()
    return (row.printer or row.office_name) if row else ""


def _next_minutes_no(s: Session, type_id: int, year: int) -> int:
    last = s.execute(select(func.max(Meeting.minutes_no)).where(
        Meeting.type_id == type_id, Meeting.minutes_year == year)).scalar()
    return (last or 0) + 1


def generate_minutes(ctx: ServiceContext, meeting_id: int) -> dict[str, Any]:
    """Fill the office's 纪要 template (else the shipped one) from the meeting and keep it as the
    editable draft (replacing an earlier draft: the clerk regenerates after changing the meeting
    data). The audit names the template used."""

    actor = ctx.require(Action.EDIT_MINUTES)
    chosen = templates.template_for(ctx, "会议纪要", "description")
    with ctx.session() as s, s.begin():
        m, t = _load_meeting(s, actor, meeting_id)
        _editable(m)
        detail = _detail(s, m, t)
        if not detail.topics:
            raise UserError("请先录入议题，再生成纪要。")
        if not detail.attendees["present"]:
            raise UserError("请先录入出席人员，再生成纪要。")
        data = _template_data(detail, _office_printer(s), _next_minutes_no(s, t.id, m.date.year))
        data["meeting"]["mark"] = t.mark
        description = chosen.template.render(data)
        description.pop("doc_no", None)  # the number is taken at 印发 (issue_minutes), not shown before
        m.draft_json = json.dumps(description, ensure_ascii=False)
        audit.append(s, actor, "minutes.generate", "meeting", m.id,
                     {"template": chosen.used.ref}, at=ctx.now())
        return description


def _with_current_lists(detail: MeetingDetail, description: dict[str, Any]) -> dict[str, Any]:
    """The draft with 出席/请假/列席, 主持 and 记录 taken from the meeting as it is now: the
    clerk edits the text, the lists always follow the attendance records (no stale names)."""
    m = detail.meeting
    out = dict(description)
    out["minutes"] = {
        "present": [a.display for a in detail.attendees["present"]],
        "absent": [a.display for a in detail.attendees["absent"]],
        "attending": [a.display for a in detail.attendees["attending"]],
        "host": m.host, "recorder": m.recorder,
    }
    return out


def minutes_description(ctx: ServiceContext, meeting_id: int) -> dict[str, Any] | None:
    """The issued 纪要 if issued, else the draft with the current attendance lists (None before
    it is generated)."""
    actor = ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        m, t = _load_meeting(s, actor, meeting_id)
        if m.issued_json:
            return json.loads(m.issued_json)
        if m.draft_json is None:
            return None
        return _with_current_lists(_detail(s, m, t), json.loads(m.draft_json))


def edit_minutes(ctx: ServiceContext, meeting_id: int, *, body: str,
                 title: str | None = None) -> dict[str, Any]:
    """The clerk's edit of the draft's text (正文, optionally the title)."""
    actor = ctx.require(Action.EDIT_MINUTES)
    body = body.strip()
    if not body:
        raise InputError("纪要正文不能为空。")
    with ctx.session() as s, s.begin():
        m, _t = _load_meeting(s, actor, meeting_id)
        _editable(m)
        if m.draft_json is None:
            raise UserError("请先生成纪要。")
        description = json.loads(m.draft_json)
        description["body"] = body
        if title is not None and title.strip():
            description["title"] = title.strip()
        from app.typeset.spec import parse_description

        parse_description(description)  # refuse text the engine cannot lay out, now
        m.draft_json = json.dumps(description, ensure_ascii=False)
        audit.append(s, actor, "minutes.edit", "meeting", m.id, {"chars": len(body)},
                     at=ctx.now())
        return description


def issue_minutes(ctx: ServiceContext, meeting_id: int) -> MeetingInfo:
    """Take the next 纪要 number of the type's series for the meeting's year, write it into the
    draft and freeze it (no edit of the meeting, its lists, topics or decisions text after this).
    The unique key (type, year, number) refuses a number another desk took at the same moment."""
    try:
        return _issue_minutes(ctx, meeting_id)
    except IntegrityError:
        raise ConflictError("纪要编号刚被另一处占用，请重试。") from None


def _issue_minutes(ctx: ServiceContext, meeting_id: int) -> MeetingInfo:
    actor = ctx.require(Action.ISSUE)
    with ctx.session() as s, s.begin():
        m, t = _load_meeting(s, actor, meeting_id)
        _editable(m)
        if m.draft_json is None:
            raise UserError("请先生成并校对纪要，再印发。")
        number = _next_minutes_no(s, t.id, m.date.year)
        description = _with_current_lists(_detail(s, m, t), json.loads(m.draft_json))
        description["doc_no"] = f"〔{m.date.year}〕{number}号"
        description["print_date"] = ctx.now().astimezone().date().isoformat()
        m.minutes_year, m.minutes_no = m.date.year, number
        m.issued_json = json.dumps(description, ensure_ascii=False)
        m.status, m.issued_at, m.issued_by = "issued", ctx.now(), actor.label
        s.flush()
        audit.append(s, actor, "minutes.issue", "meeting", m.id,
                     {"number": description["doc_no"]}, at=ctx.now())
        _index(s, "meeting", m.id, m.classification, _meeting_info(m, t).title,
               str(description.get("body", "")))
        return _meeting_info(m, t)


def render_minutes(ctx: ServiceContext, meeting_id: int, fmt: str = "pdf", *,
                   allow_placeholders: bool = False, copies: int = 1) -> Any:
    """The 纪要 as PDF or DOCX (the issued text once issued), through the paper path: marked
    with the meeting's 密级, watermarked when classified, audited as a print/export; returns an
    ``output.Output``. A PDF holds ``copies`` copies; a 秘密/机密 one takes their 份号 from the
    meeting's series and registers them in the 涉密文件登记簿. Unfilled placeholders are refused
    unless ``allow_placeholders``."""
    from app import typeset
    from app.services import output, placeholders

    actor = ctx.require(Action.PRINT)
    description = minutes_description(ctx, meeting_id)
    if description is None:
        raise UserError("尚未生成纪要。")
    with ctx.session() as s, s.begin():
        m, _t = _load_meeting(s, actor, meeting_id)
        level, title = int(m.classification), _meeting_info(m, _t).title
    placeholders.check(description, allow_placeholders)
    result = typeset.render(description, fmt)
    return output.finish(ctx, actor, kind="minutes", fmt=fmt, data=result.data,
                         action="minutes.render", object_type="meeting", object_id=meeting_id,
                         classification=level, title=title, warnings=result.warnings,
                         copies=copies, series=[output.Series(
                             "meeting", meeting_id,
                             title if title.endswith("纪要") else f"{title}纪要")])


# ---- the 督办 loop -----------------------------------------------------------------------------
_STEP_ACTION = {
    sv.Step.EXTENSION_APPROVE: Action.REVIEW,
    sv.Step.EXTENSION_REFUSE: Action.REVIEW,
    sv.Step.ACCEPT: Action.REVIEW,
    sv.Step.SEND_BACK: Action.REVIEW,
}


def step_action(step: sv.Step) -> Action:
    """The right a 督办 step needs (the UI greys out what the role may not do)."""
    return _STEP_ACTION.get(step, Action.EDIT_MINUTES)


def _step(ctx: ServiceContext, decision_id: int, step: sv.Step, note: str = "", *,
          new_deadline: dt.date | None = None, report_date: dt.date | None = None,
          expected_version: int | None = None) -> DecisionInfo:
    actor = ctx.may(step_action(step))
    note = _clean(note, "说明", limit=4000)
    with ctx.session() as s, s.begin():
        ctx.require(step_action(step), s)
        d = s.get(Decision, decision_id)
        if d is None:
            raise InputError(f"找不到议定事项（编号 {decision_id}）。")
        m, _t = _load_meeting(s, actor, d.meeting_id)
        _check_version(d, expected_version)
        after = sv.next_status(d.status, step)
        old = d.deadline
        if step is sv.Step.EXTENSION_REQUEST:
            if not note:
                raise InputError("请填写延期理由。")
            if new_deadline is None or (old is not None and new_deadline <= old):
                raise InputError("请填写晚于原期限的新期限。")
        if step in (sv.Step.PROGRESS, sv.Step.COMPLETION, sv.Step.SEND_BACK) and not note:
            raise InputError(f"请填写{step.label}的内容。")
        if step is sv.Step.EXTENSION_APPROVE:
            new_deadline = _pending_extension(s, d.id)
            d.deadline = new_deadline
        if step is sv.Step.COMPLETION:
            report_date = report_date or ctx.now().astimezone().date()
        if step is sv.Step.ACCEPT:
            d.completed_on = _last_completion_date(s, d.id)
        if step is sv.Step.SEND_BACK:
            d.completed_on = None
        if step is sv.Step.CLOSE:
            d.closed_at = ctx.now()
        d.status = after.value
        s.add(DecisionEvent(decision_id=d.id, step=step.value, at=ctx.now(),
                            actor_id=actor.user_id, actor=actor.label, text=note,
                            old_deadline=old, new_deadline=new_deadline, report_date=report_date))
        s.flush()
        audit.append(s, actor, f"minutes.supervise.{step.value}", "decision", d.id,
                     {"status": after.value, "note": note[:200],
                      "deadline": d.deadline.isoformat() if d.deadline else None}, at=ctx.now())
        _index_decision(s, d, m.classification)
        return _decision_info(d)


def _pending_extension(s: Session, decision_id: int) -> dt.date | None:
    return s.execute(select(DecisionEvent.new_deadline).where(
        DecisionEvent.decision_id == decision_id,
        DecisionEvent.step == sv.Step.EXTENSION_REQUEST.value)
        .order_by(DecisionEvent.id.desc()).limit(1)).scalar()


def _last_completion_date(s: Session, decision_id: int) -> dt.date | None:
    return s.execute(select(DecisionEvent.report_date).where(
        DecisionEvent.decision_id == decision_id,
        DecisionEvent.step == sv.Step.COMPLETION.value)
        .order_by(DecisionEvent.id.desc()).limit(1)).scalar()


def register(ctx: ServiceContext, decision_id: int, note: str = "") -> DecisionInfo:
    """立项: the decision enters the 督办 loop."""
    return _step(ctx, decision_id, sv.Step.REGISTER, note)


def report_progress(ctx: ServiceContext, decision_id: int, note: str) -> DecisionInfo:
    return _step(ctx, decision_id, sv.Step.PROGRESS, note)


def request_extension(ctx: ServiceContext, decision_id: int, reason: str,
                      new_deadline: dt.date) -> DecisionInfo:
    return _step(ctx, decision_id, sv.Step.EXTENSION_REQUEST, reason, new_deadline=new_deadline)


def decide_extension(ctx: ServiceContext, decision_id: int, approve: bool,
                     note: str = "") -> DecisionInfo:
    step = sv.Step.EXTENSION_APPROVE if approve else sv.Step.EXTENSION_REFUSE
    return _step(ctx, decision_id, step, note)


def report_completion(ctx: ServiceContext, decision_id: int, note: str, *,
                      report_date: dt.date | None = None) -> DecisionInfo:
    return _step(ctx, decision_id, sv.Step.COMPLETION, note, report_date=report_date)


def review(ctx: ServiceContext, decision_id: int, accept: bool, note: str = "") -> DecisionInfo:
    return _step(ctx, decision_id, sv.Step.ACCEPT if accept else sv.Step.SEND_BACK, note)


def close(ctx: ServiceContext, decision_id: int, note: str = "") -> DecisionInfo:
    """销号: the decision leaves the board."""
    return _step(ctx, decision_id, sv.Step.CLOSE, note)


def history(ctx: ServiceContext, decision_id: int) -> list[EventInfo]:
    actor = ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        d = s.get(Decision, decision_id)
        if d is None:
            raise InputError(f"找不到议定事项（编号 {decision_id}）。")
        _load_meeting(s, actor, d.meeting_id)
        rows = s.execute(select(DecisionEvent).where(DecisionEvent.decision_id == decision_id)
                         .order_by(DecisionEvent.id)).scalars()
        return [EventInfo(sv.Step(e.step), e.at, e.actor, e.text, e.old_deadline,
                          e.new_deadline, e.report_date) for e in rows]


# ---- the 督办 board ----------------------------------------------------------------------------
def _board_stmt(actor: Actor, f: BoardFilter, today: dt.date):
    stmt = visible(select(Decision, Meeting, MeetingType, Topic)
                   .join(Meeting, Decision.meeting_id == Meeting.id)
                   .join(MeetingType, Meeting.type_id == MeetingType.id)
                   .join(Topic, Decision.topic_id == Topic.id), Meeting, actor)
    if f.unit:
        like = f"%{f.unit}%"
        stmt = stmt.where(or_(Decision.lead_unit.like(like), Decision.coop_units.like(like)))
    if f.status is not None:
        stmt = stmt.where(Decision.status == f.status.value)
    elif f.only_open:  # 待销号 stays on the board until the clerk 销号 it
        stmt = stmt.where(Decision.status != sv.Status.CLOSED.value)
    if f.due_by is not None:
        stmt = stmt.where(Decision.deadline <= f.due_by)
    open_ = [x.value for x in sv.OPEN_STATUSES]
    if f.reminder is sv.Reminder.OVERDUE:
        stmt = stmt.where(Decision.status.in_(open_), Decision.deadline < today)
    elif f.reminder is sv.Reminder.DUE_SOON:
        stmt = stmt.where(Decision.status.in_(open_), Decision.deadline >= today,
                          Decision.deadline <= today + dt.timedelta(days=sv.DUE_SOON_DAYS))
    return stmt


def count_board(ctx: ServiceContext, f: BoardFilter, today: dt.date) -> int:
    actor = ctx.require(Action.VIEW)
    stmt = _board_stmt(actor, f, today).with_only_columns(func.count(Decision.id))
    with ctx.session() as s, s.begin():
        return int(s.execute(stmt).scalar_one())


def board(ctx: ServiceContext, f: BoardFilter, today: dt.date, *, offset: int = 0,
          limit: int = 200) -> list[BoardRow]:
    """One page of decisions across meetings, earliest deadline first (no deadline last)."""
    actor = ctx.require(Action.VIEW)
    holidays.calendar(ctx)  # the deadlines' uncertainty is judged by the office's tables
    stmt = (_board_stmt(actor, f, today)
            .order_by(Decision.deadline.is_(None), Decision.deadline, Decision.id)
            .offset(offset).limit(limit))
    with ctx.session() as s, s.begin():
        out = []
        for d, m, t, tp in s.execute(stmt):
            info = _decision_info(d)
            out.append(BoardRow(info, _meeting_info(m, t).title, m.date, tp.title,
                                info.reminder(today), int(m.classification)))
        return out


def _facts(ctx: ServiceContext, f: BoardFilter, today: dt.date) -> list[sv.DecisionFacts]:
    """Every decision as the pure rules see it (the reference the SQL sums are tested against)."""
    actor = ctx.require(Action.VIEW)
    base = _board_stmt(actor, BoardFilter(unit=f.unit, only_open=False), today)
    stmt = base.with_only_columns(Decision.lead_unit, Decision.status, Decision.deadline,
                                  Decision.completed_on)
    with ctx.session() as s, s.begin():
        return [sv.DecisionFacts(r.lead_unit or NO_UNIT, sv.Status(r.status), r.deadline,
                                 r.completed_on) for r in s.execute(stmt)]


NO_UNIT = "（未定）"


def _sum(cond):
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _on_time_cond():
    return and_(Decision.completed_on.is_not(None),
                or_(Decision.deadline.is_(None), Decision.completed_on <= Decision.deadline))


def unit_stats(ctx: ServiceContext, today: dt.date, f: BoardFilter = BoardFilter()
               ) -> list[sv.UnitStats]:
    """Counts and 按期办结率 per lead unit over every decision (open or done), summed in SQL
    (one GROUP BY, so the board stays quick with tens of thousands of decisions); the same
    rules as ``supervision.unit_stats``."""
    actor = ctx.require(Action.VIEW)
    open_ = Decision.status.in_([x.value for x in sv.OPEN_STATUSES])
    done = Decision.status.in_([x.value for x in sv.DONE_STATUSES])
    soon = today + dt.timedelta(days=sv.DUE_SOON_DAYS)
    stmt = _board_stmt(actor, BoardFilter(unit=f.unit, only_open=False), today).with_only_columns(
        Decision.lead_unit, func.count(Decision.id), _sum(open_),
        _sum(and_(open_, Decision.deadline >= today, Decision.deadline <= soon)),
        _sum(and_(open_, Decision.deadline < today)), _sum(done),
        _sum(and_(done, _on_time_cond()))).group_by(Decision.lead_unit)
    with ctx.session() as s, s.begin():
        rows = s.execute(stmt).all()
    out = [sv.UnitStats(unit or NO_UNIT, *(int(v) for v in rest)) for unit, *rest in rows]
    return sorted(out, key=lambda u: u.unit)


def monthly_on_time(ctx: ServiceContext, year: int, today: dt.date,
                    f: BoardFilter = BoardFilter()) -> list[tuple[int, int, int]]:
    """(month, on-time, late) completions in ``year`` by completion date, grouped in SQL."""
    actor = ctx.require(Action.VIEW)
    month = extract("month", Decision.completed_on)
    stmt = _board_stmt(actor, BoardFilter(unit=f.unit, only_open=False), today).with_only_columns(
        month, _sum(_on_time_cond()), _sum(~_on_time_cond())).where(
        Decision.status.in_([x.value for x in sv.DONE_STATUSES]),
        Decision.completed_on >= dt.date(year, 1, 1),
        Decision.completed_on < dt.date(year + 1, 1, 1)).group_by(month)
    with ctx.session() as s, s.begin():
        got = {int(m): (int(a), int(b)) for m, a, b in s.execute(stmt)}
    return [(m, *got.get(m, (0, 0))) for m in range(1, 13)]


def export_xlsx(ctx: ServiceContext, path: str | Path, today: dt.date,
                f: BoardFilter = BoardFilter(),
                progress: Callable[[int, int], None] | None = None) -> Path:
    """``export_board``, returning where the file went."""
    export_board(ctx, path, today, f, progress)
    return Path(path)


def export_board(ctx: ServiceContext, path: str | Path, today: dt.date,
               f: BoardFilter = BoardFilter(),
               progress: Callable[[int, int], None] | None = None) -> Any:
    """The monthly 通报 workbook: sheets 督办事项 (the filtered board), 单位统计 (counts and
    按期办结率 per lead unit) and 按月按期办结 (this year, month by month). 期限 and 提醒 are
    filled yellow (due within 3 days) or red (overdue). The board is read page by page
    (``progress(done, total)`` after each page; a background task raises there to cancel), then
    written with openpyxl's write-only workbook to a temporary file beside ``path`` and moved
    into place (never half a file). Returns the ``Output``: items whose deadline is uncertain
    (counted into a year with no holiday table) are a typed warning the GUI shows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    actor = ctx.require(Action.EXPORT)
    total = count_board(ctx, f, today)
    rows: list[BoardRow] = []
    while len(rows) < total:  # read first (the cancellable part), then write in one go
        page = board(ctx, f, today, offset=len(rows), limit=1000)
        if not page:
            break
        rows.extend(page)
        if progress is not None:
            progress(len(rows), total)
    from app.services import output

    level = max((int(r.classification) for r in rows), default=0)
    wb = Workbook(write_only=True)
    ws = output.marked_sheet(wb, "督办事项", level)
    for col, width in zip("ABCDEFGHIJK", (6, 24, 12, 24, 50, 18, 10, 20, 12, 10, 8), strict=True):
        ws.column_dimensions[col].width = width
    bold = Font(bold=True)

    def styled(sheet, values: list, *, font=None, fill=None, fmt=None,
               wrap_col: int | None = None, fill_cols: tuple[int, ...] = ()) -> list:
        cells: list = []
        for i, v in enumerate(values):
            filled = fill is not None and i in fill_cols
            if font is None and not filled and i != wrap_col and not (
                    fmt is not None and isinstance(v, float)):
                cells.append(v)  # a plain value: no cell object, no style lookup
                continue
            c = WriteOnlyCell(sheet, v)
            if font is not None:
                c.font = font
            if filled:
                c.fill = fill
            if fmt is not None and isinstance(v, float):
                c.number_format = fmt
            if i == wrap_col:
                c.alignment = wrap
            cells.append(c)
        return cells

    wrap = Alignment(wrap_text=True, vertical="top")
    ws.append(styled(ws, ["序号", "会议", "会议日期", "议题", "议定事项", "牵头单位", "责任人",
                          "配合单位", "办理期限", "状态", "提醒"], font=bold))
    fills = {sv.Reminder.DUE_SOON: PatternFill("solid", fgColor="FFF2A8"),
             sv.Reminder.OVERDUE: PatternFill("solid", fgColor="F4B6B6")}
    for n, r in enumerate(rows, 1):
        d = r.decision
        ws.append(styled(ws, [n, r.meeting_title, r.meeting_date, r.topic_title, d.text,
                              d.lead_unit, d.lead_person, "、".join(d.coop_units), d.deadline,
                              d.status.label,
                              r.reminder.label + (f"；期限待定（{d.deadline_uncertain}）"
                                                   if d.deadline_uncertain else "")],
                         fill=fills.get(r.reminder), wrap_col=4, fill_cols=(8, 10)))
    rows_written = len(rows)
    st = output.marked_sheet(wb, "单位统计", level)
    st.column_dimensions["A"].width = 24
    st.append(styled(st, ["牵头单位", "事项总数", "在办", "临期", "逾期", "已办结", "按期办结",
                          "按期办结率"], font=bold))
    for u in unit_stats(ctx, today, f):
        st.append(styled(st, [u.unit, u.total, u.open, u.due_soon, u.overdue, u.completed,
                              u.on_time, u.on_time_rate], fmt="0.0%"))
    ms = output.marked_sheet(wb, "按月按期办结", level)
    ms.append(styled(ms, ["月份", "按期办结", "逾期办结", "按期办结率"], font=bold))
    for month, ok, late in monthly_on_time(ctx, today.year, today, f):
        ms.append(styled(ms, [f"{today.year}年{month}月", ok, late,
                              ok / (ok + late) if ok + late else None], fmt="0.0%"))
    target = Path(path)
    uncertain = [r.decision.deadline_uncertain for r in rows if r.decision.deadline_uncertain]
    warnings = [output.OutputWarning(output.WarningKind.DEADLINE_UNCERTAIN,
                                     f"{len(uncertain)} 项督办事项的办理期限待定（{uncertain[0]}），"
                                     "台账“提醒”栏已注明。")] if uncertain else []
    done = output.finish(ctx, actor, kind="supervision_xlsx", fmt="xlsx",
                         data=output.workbook_bytes(wb), action="minutes.export",
                         object_type="decision", classification=level, title="督办台账",
                         warnings=warnings, detail={"rows": rows_written, "file": target.name})
    output.save(done, target)
    return done
