"""收文登记: register incoming documents, keep their attachments, track deadlines and 催办.

Every write checks ``Action.REGISTER_INCOMING``, every read ``Action.VIEW`` plus the clearance
filter in SQL; views, attachment reads and every change are audited in the same transaction; each
record is (re)indexed for the global search (kind ``incoming``) in the same transaction too.

Attachments are stored in the database with their SHA-256; ``read_attachment`` recomputes it and
refuses (in Chinese) bytes that no longer match, so a damaged file is never handed out silently.
Dates of receipt and deadlines are local calendar dates (the workstation's time zone).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.domain import incoming as rules
from app.domain.incoming import DueState, Status, UrgeMethod, Urgency
from app.domain.security import Action, Clearance
from app.domain.textindex import parse_query
from app.domain.workdays import DEFAULT_CALENDAR, HolidayCalendar
from app.errors import ConflictError, InputError, UserError
from app.services import audit, holidays, need_to_know, search
from app.services.context import Actor, ServiceContext, visible
from app.storage import fulltext
from app.storage.models import IncomingAttachment, IncomingDoc, IncomingUrge
from app.textsafe import clean_text

KIND = "incoming"
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024
_PG_LOCK_KEY = 0x1C0_4E6


@dataclass(frozen=True)
class AttachmentIn:
    filename: str
    data: bytes

    @classmethod
    def from_path(cls, path: str | Path) -> AttachmentIn:
        p = Path(path)
        try:
            return cls(p.name, p.read_bytes())
        except OSError as exc:
            raise InputError(f"无法读取附件“{p.name}”：{exc.strerror or exc}") from exc


@dataclass
class IncomingIn:
    """What a clerk types at registration (and may edit later)."""

    sender: str
    title: str
    received_at: dt.datetime
    sender_ref: str = ""
    classification: int = 0
    urgency: Urgency | str = Urgency.NORMAL
    pages: int = 0
    summary: str = ""
    proposal: str = ""
    instruction: str = ""
    handler_unit: str = ""
    handler_person: str = ""
    #: Either a date, or a number of working days from receipt (not both).
    deadline: dt.date | None = None
    deadline_workdays: int | None = None


@dataclass(frozen=True)
class IncomingInfo:
    id: int
    reg_no: str
    reg_year: int
    reg_seq: int
    sender: str
    sender_ref: str
    received_at: dt.datetime
    title: str
    classification: int
    urgency: Urgency
    pages: int
    summary: str
    proposal: str
    instruction: str
    handler_unit: str
    handler_person: str
    deadline: dt.date | None
    deadline_workdays: int | None
    status: Status
    done_at: dt.datetime | None
    done_note: str
    registered_by: str
    version: int
    due: DueState
    urge_count: int = 0
    attachment_count: int = 0
    #: Why the deadline is uncertain (counted across a year with no holiday table), or None.
    deadline_uncertain: str | None = None

    @property
    def classification_label(self) -> str:
        return Clearance(self.classification).label


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    filename: str
    size: int
    sha256: str


@dataclass(frozen=True)
class UrgeInfo:
    id: int
    urged_at: dt.datetime
    urged_by: str
    target: str
    method: UrgeMethod
    note: str
    recorded_by: str


@dataclass(frozen=True)
class IncomingDetail:
    info: IncomingInfo
    attachments: list[AttachmentInfo] = field(default_factory=list)
    urges: list[UrgeInfo] = field(default_factory=list)


@dataclass
class IncomingFilter:
    status: Status | None = None
    #: Only items in this due state (OVERDUE / DUE_SOON / ON_TRACK / NONE / DONE).
    due: DueState | None = None
    urgency: Urgency | None = None
    year: int | None = None
    handler_unit: str = ""
    #: Words that must all appear in the record (title, sender, 来文字号, 收文编号, 承办, 摘要,
    #: 拟办, 批示): matched through the full-text index like the global search.
    text: str = ""


#: Sortable columns of the list (key → column).
SORT_COLUMNS = {
    "reg_no": (IncomingDoc.reg_year, IncomingDoc.reg_seq),
    "received_at": (IncomingDoc.received_at,),
    "sender": (IncomingDoc.sender,),
    "title": (IncomingDoc.title,),
    "urgency": (IncomingDoc.urgency,),
    "classification": (IncomingDoc.classification,),
    "handler": (IncomingDoc.handler_unit, IncomingDoc.handler_person),
    "deadline": (IncomingDoc.deadline,),
    "status": (IncomingDoc.status,),
}


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone().date()


def reg_no(year: int, seq: int) -> str:
    return f"收〔{year}〕{seq}号"


# --- helpers ----------------------------------------------------------------------------------


def _clean(value: str | None, label: str, limit: int, *, required: bool = False) -> str:
    value = clean_text(value or "")  # control characters: dropped, never stored
    out = " ".join(value.split()) if limit <= 500 else value.strip()
    if required and not out:
        raise InputError(f"请填写{label}。")
    if len(out) > limit:
        raise InputError(f"{label}过长（最多 {limit} 字）。")
    return out


def _check(ctx: ServiceContext, data: IncomingIn, actor: Actor, calendar: HolidayCalendar,
           action: str) -> dict:
    if data.received_at.tzinfo is None:
        raise InputError("收文时间缺少时区。")
    level = int(data.classification)
    if level not in {int(c) for c in Clearance}:
        raise InputError("密级无效。")
    audit.require_level(ctx, level, action)
    urgency = rules.parse_enum(Urgency, str(data.urgency), "紧急程度")
    if not 0 <= int(data.pages) <= 100_000:
        raise InputError("页数无效。")
    if data.deadline is not None and data.deadline_workdays:
        raise InputError("办理时限请填写日期或工作日数之一。")
    received = local_date(data.received_at)
    deadline, workdays = data.deadline, None
    if data.deadline_workdays:
        workdays = int(data.deadline_workdays)
        deadline = rules.deadline_from_receipt(received, workdays, calendar)
    if deadline is not None and deadline < received:
        raise InputError("办理时限不能早于收文日期。")
    return {
        "sender": _clean(data.sender, "来文单位", 128, required=True),
        "sender_ref": _clean(data.sender_ref, "来文字号", 64),
        "title": _clean(data.title, "标题", 500, required=True),
        "received_at": data.received_at,
        "classification": level,
        "urgency": urgency.value,
        "pages": int(data.pages),
        "summary": _clean(data.summary, "内容摘要", 20_000),
        "proposal": _clean(data.proposal, "拟办意见", 5_000),
        "instruction": _clean(data.instruction, "领导批示", 5_000),
        "handler_unit": _clean(data.handler_unit, "承办单位", 128),
        "handler_person": _clean(data.handler_person, "承办人", 64),
        "deadline": deadline,
        "deadline_workdays": workdays,
    }


def _info(d: IncomingDoc, today: dt.date, calendar: HolidayCalendar, urges: int = 0,
          attachments: int = 0) -> IncomingInfo:
    return IncomingInfo(
        d.id, reg_no(d.reg_year, d.reg_seq), d.reg_year, d.reg_seq, d.sender, d.sender_ref,
        d.received_at, d.title, d.classification, Urgency(d.urgency), d.pages, d.summary,
        d.proposal, d.instruction, d.handler_unit, d.handler_person, d.deadline,
        d.deadline_workdays, Status(d.status), d.done_at, d.done_note, d.registered_by,
        d.version,
        rules.due_state(d.deadline, today, done=d.status == Status.DONE, calendar=calendar),
        urges, attachments,
        holidays.deadline_uncertainty(calendar, d.deadline, d.deadline_workdays))


def index_text(d: IncomingDoc) -> tuple[str, str]:
    """The ``(body, extra)`` a record is indexed with — what the list's text filter and the
    global search find (the bulk generator in benchmarks/ indexes the same way)."""
    body = "\n".join(x for x in (d.summary, d.proposal, d.instruction, d.done_note) if x)
    extra = " ".join(x for x in (d.sender, d.sender_ref, reg_no(d.reg_year, d.reg_seq),
                                 d.handler_unit, d.handler_person) if x)
    return body, extra


def _index(s: Session, d: IncomingDoc) -> None:
    body, extra = index_text(d)
    search.index_record(s, KIND, d.id, d.classification, d.title, body, extra,
                        updated=d.updated_at)


def _load(s: Session, actor: Actor, incoming_id: int) -> IncomingDoc:
    d = s.get(IncomingDoc, incoming_id)
    if d is None:
        raise InputError(f"收文记录 {incoming_id} 不存在。")
    audit.require_clearance(actor, d.classification, "incoming", d.id)
    need_to_know.require(s, actor, "incoming", d.id)
    return d


def _expect(d: IncomingDoc, expected_version: int | None) -> None:
    if expected_version is not None and d.version != expected_version:
        raise ConflictError("该收文已被他人修改，请刷新后重试。")


def _attachment(s: Session, d: IncomingDoc, att: AttachmentIn, now: dt.datetime) -> dict:
    name = _clean(Path(att.filename or "").name, "附件文件名", 255, required=True)
    if len(att.data) > MAX_ATTACHMENT_BYTES:
        raise InputError(f"附件“{name}”超过 {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB。")
    digest = hashlib.sha256(att.data).hexdigest()
    s.add(IncomingAttachment(incoming_id=d.id, filename=name, size=len(att.data), sha256=digest,
                             data=att.data, created_at=now))
    return {"filename": name, "size": len(att.data), "sha256": digest}


def _counts(s: Session, ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    if not ids:
        return {}, {}
    urges = dict(s.execute(select(IncomingUrge.incoming_id, func.count()).where(
        IncomingUrge.incoming_id.in_(ids)).group_by(IncomingUrge.incoming_id)).all())
    atts = dict(s.execute(select(IncomingAttachment.incoming_id, func.count()).where(
        IncomingAttachment.incoming_id.in_(ids)).group_by(IncomingAttachment.incoming_id)).all())
    return urges, atts


# --- writes -----------------------------------------------------------------------------------


def register(ctx: ServiceContext, data: IncomingIn, attachments: list[AttachmentIn] | None = None,
             *, calendar: HolidayCalendar = DEFAULT_CALENDAR) -> IncomingInfo:
    """Register one incoming document with its attachments; it gets the next 收文编号 of its
    year of receipt."""
    calendar = holidays.resolve(ctx, calendar)
    actor = ctx.require(Action.REGISTER_INCOMING)
    values = _check(ctx, data, actor, calendar, "incoming.register")
    now = ctx.now()
    year = local_date(data.received_at).year
    with ctx.session() as s, s.begin():
        if s.get_bind().dialect.name == "postgresql":  # two desks: never the same number
            s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        seq = (s.scalar(select(func.max(IncomingDoc.reg_seq)).where(
            IncomingDoc.reg_year == year)) or 0) + 1
        d = IncomingDoc(reg_year=year, reg_seq=seq, status=Status.OPEN.value, done_note="",
                        registered_by=actor.label, created_at=now, updated_at=now, **values)
        s.add(d)
        s.flush()
        files = [_attachment(s, d, a, now) for a in attachments or []]
        _index(s, d)
        audit.append(s, actor, "incoming.register", "incoming", d.id,
                     {"reg_no": reg_no(year, seq), "title": d.title,
                      "classification": d.classification, "attachments": files}, at=now)
        return _info(d, local_date(now), calendar, 0, len(files))


def update(ctx: ServiceContext, incoming_id: int, data: IncomingIn, *,
           expected_version: int | None = None,
           calendar: HolidayCalendar = DEFAULT_CALENDAR) -> IncomingInfo:
    """Change the registered fields (拟办意见, 领导批示, 承办, deadline, …); the audit event lists
    what changed."""
    calendar = holidays.resolve(ctx, calendar)
    actor = ctx.require(Action.REGISTER_INCOMING)
    values = _check(ctx, data, actor, calendar, "incoming.update")
    now = ctx.now()
    try:
        with ctx.session() as s, s.begin():
            d = _load(s, actor, incoming_id)
            _expect(d, expected_version)
            if local_date(values["received_at"]).year != d.reg_year:
                raise InputError("收文时间不能改到另一年（收文编号按年编排）。")
            changed = {}
            for key, value in values.items():
                if getattr(d, key) != value:
                    before = getattr(d, key)
                    changed[key] = [_plain(before), _plain(value)]
                    setattr(d, key, value)
            if not changed:
                return _info(d, local_date(now), calendar, *_one_count(s, d.id))
            d.updated_at = now
            s.flush()
            _index(s, d)
            audit.append(s, actor, "incoming.update", "incoming", d.id, {"changed": changed},
                         at=now)
            return _info(d, local_date(now), calendar, *_one_count(s, d.id))
    except StaleDataError as exc:
        raise ConflictError("该收文已被他人修改，请刷新后重试。") from exc


def _plain(value: object) -> object:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _one_count(s: Session, incoming_id: int) -> tuple[int, int]:
    urges, atts = _counts(s, [incoming_id])
    return urges.get(incoming_id, 0), atts.get(incoming_id, 0)


def add_attachments(ctx: ServiceContext, incoming_id: int,
                    attachments: list[AttachmentIn]) -> list[AttachmentInfo]:
    actor = ctx.require(Action.REGISTER_INCOMING)
    now = ctx.now()
    with ctx.session() as s, s.begin():
        d = _load(s, actor, incoming_id)
        files = [_attachment(s, d, a, now) for a in attachments]
        d.updated_at = now
        s.flush()
        audit.append(s, actor, "incoming.attachment.add", "incoming", d.id, {"files": files},
                     at=now)
        return _attachment_infos(s, d.id)


def _attachment_infos(s: Session, incoming_id: int) -> list[AttachmentInfo]:
    rows = s.execute(select(IncomingAttachment.id, IncomingAttachment.filename,
                            IncomingAttachment.size, IncomingAttachment.sha256)
                     .where(IncomingAttachment.incoming_id == incoming_id)
                     .order_by(IncomingAttachment.id)).all()
    return [AttachmentInfo(*r) for r in rows]


def read_attachment(ctx: ServiceContext, attachment_id: int) -> tuple[str, bytes]:
    """The attachment's file name and bytes, after checking them against the stored SHA-256."""
    actor = ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        att = s.get(IncomingAttachment, attachment_id)
        if att is None:
            raise InputError(f"附件 {attachment_id} 不存在。")
        d = _load(s, actor, att.incoming_id)
        ok = hashlib.sha256(att.data).hexdigest() == att.sha256 and len(att.data) == att.size
        audit.append(s, actor, "incoming.attachment.read", "incoming", d.id,
                     {"attachment": att.id, "filename": att.filename, "intact": ok},
                     at=ctx.now())
        name, data = att.filename, bytes(att.data)
    if not ok:
        raise UserError(f"附件“{name}”已损坏（SHA-256 校验不符），请联系管理员从备份恢复。")
    return name, data


def save_attachment(ctx: ServiceContext, attachment_id: int, dest: str | Path) -> Path:
    """Write a verified attachment to ``dest`` (temp file in the same folder, then rename)."""
    _name, data = read_attachment(ctx, attachment_id)
    from app.services import output

    target = Path(dest)
    if not target.parent.is_dir():  # a folder is chosen, never made up on the way
        raise UserError(f"无法保存附件到“{target}”：文件夹不存在。")
    try:
        return output.save(data, target)
    except UserError as exc:
        raise UserError(f"无法保存附件到“{target}”：{exc.message}") from exc


def urge(ctx: ServiceContext, incoming_id: int, *, target: str, method: UrgeMethod | str,
         note: str = "", urged_by: str = "", urged_at: dt.datetime | None = None) -> UrgeInfo:
    """Record a 催办: ``urged_by`` (default: the signed-in user) urged ``target`` (unit or person)
    by ``method`` (电话/短信/当面/书面) at ``urged_at`` (default: now)."""
    actor = ctx.require(Action.REGISTER_INCOMING)
    how = rules.parse_enum(UrgeMethod, str(method), "催办方式")
    who = _clean(urged_by, "催办人", 64) or actor.label
    whom = _clean(target, "被催办对象", 128, required=True)
    memo = _clean(note, "催办说明", 2_000)
    now = ctx.now()
    when = urged_at or now
    if when.tzinfo is None:
        raise InputError("催办时间缺少时区。")
    with ctx.session() as s, s.begin():
        d = _load(s, actor, incoming_id)
        if d.status == Status.DONE:
            raise InputError("该收文已办结，无需催办。")
        u = IncomingUrge(incoming_id=d.id, urged_at=when, urged_by=who, target=whom,
                         method=how.value, note=memo, recorded_by=actor.label)
        s.add(u)
        s.flush()
        audit.append(s, actor, "incoming.urge", "incoming", d.id,
                     {"urge": u.id, "by": who, "target": whom, "method": how.value}, at=now)
        return UrgeInfo(u.id, u.urged_at, who, whom, how, memo, actor.label)


def set_done(ctx: ServiceContext, incoming_id: int, done: bool = True, *, note: str = "",
             expected_version: int | None = None,
             calendar: HolidayCalendar = DEFAULT_CALENDAR) -> IncomingInfo:
    """Mark 已办结 (with an optional note on how it was handled), or reopen (办理中)."""
    calendar = holidays.resolve(ctx, calendar)
    actor = ctx.require(Action.REGISTER_INCOMING)
    memo = _clean(note, "办结说明", 2_000)
    now = ctx.now()
    try:
        with ctx.session() as s, s.begin():
            d = _load(s, actor, incoming_id)
            _expect(d, expected_version)
            if (d.status == Status.DONE) == done:
                raise InputError("该收文已办结。" if done else "该收文仍在办理中。")
            d.status = (Status.DONE if done else Status.OPEN).value
            d.done_at = now if done else None
            d.done_note = memo if done else ""
            d.updated_at = now
            s.flush()
            _index(s, d)
            audit.append(s, actor, "incoming.done" if done else "incoming.reopen", "incoming",
                         d.id, {"note": memo} if done else {}, at=now)
            return _info(d, local_date(now), calendar, *_one_count(s, d.id))
    except StaleDataError as exc:
        raise ConflictError("该收文已被他人修改，请刷新后重试。") from exc


# --- reads ------------------------------------------------------------------------------------


def _filtered(s: Session, stmt: Select, actor: Actor, flt: IncomingFilter | None,
              today: dt.date, calendar: HolidayCalendar) -> Select:
    stmt = visible(stmt, IncomingDoc, actor)
    if flt is None:
        return stmt
    if flt.status is not None:
        stmt = stmt.where(IncomingDoc.status == Status(flt.status).value)
    if flt.urgency is not None:
        stmt = stmt.where(IncomingDoc.urgency == Urgency(flt.urgency).value)
    if flt.year is not None:
        stmt = stmt.where(IncomingDoc.reg_year == int(flt.year))
    if flt.handler_unit.strip():
        stmt = stmt.where(IncomingDoc.handler_unit == flt.handler_unit.strip())
    terms = parse_query(flt.text)[:search.MAX_QUERY_TERMS]
    if terms:
        # The full-text index (kind "incoming", same tokens as the global search): an index
        # lookup instead of LIKE '%…%' over every row; a trailing ASCII word matches as a prefix
        # since the list filters while the user types.
        stmt = stmt.where(IncomingDoc.id.in_(
            fulltext.record_ids(s, KIND, terms, prefix=True)))
    if flt.due is not None:
        is_open = IncomingDoc.status == Status.OPEN.value
        soon = rules.soon_limit(today, calendar)
        stmt = stmt.where({
            DueState.DONE: IncomingDoc.status == Status.DONE.value,
            DueState.NONE: is_open & IncomingDoc.deadline.is_(None),
            DueState.OVERDUE: is_open & (IncomingDoc.deadline < today),
            DueState.DUE_SOON: is_open & IncomingDoc.deadline.between(today, soon),
            DueState.ON_TRACK: is_open & (IncomingDoc.deadline > soon),
        }[DueState(flt.due)])
    return stmt


def count(ctx: ServiceContext, flt: IncomingFilter | None = None, *,
          calendar: HolidayCalendar = DEFAULT_CALENDAR) -> int:
    calendar = holidays.resolve(ctx, calendar)
    actor = ctx.require(Action.VIEW)
    today = local_date(ctx.now())
    with ctx.session() as s, s.begin():
        stmt = _filtered(s, select(func.count()).select_from(IncomingDoc), actor, flt, today,
                         calendar)
        return int(s.scalar(stmt) or 0)


def list_page(ctx: ServiceContext, flt: IncomingFilter | None = None, *, offset: int = 0,
              limit: int = 100, sort: str = "received_at", descending: bool = True,
              calendar: HolidayCalendar = DEFAULT_CALENDAR) -> list[IncomingInfo]:
    """One page of the register (for the lazy table model), newest first by default."""
    calendar = holidays.resolve(ctx, calendar)
    actor = ctx.require(Action.VIEW)
    cols = SORT_COLUMNS.get(sort)
    if cols is None:
        raise InputError(f"无法按“{sort}”排序。")
    today = local_date(ctx.now())
    order: list[ColumnElement[Any]] = [c.desc() if descending else c.asc() for c in cols]
    if sort == "deadline":  # no deadline sorts last either way
        order.insert(0, IncomingDoc.deadline.is_(None))
    order.append(IncomingDoc.id.desc() if descending else IncomingDoc.id.asc())
    with ctx.session() as s, s.begin():
        stmt = _filtered(s, select(IncomingDoc), actor, flt, today, calendar)
        rows = list(s.scalars(stmt.order_by(*order).offset(max(0, offset)).limit(
            max(0, min(limit, 1000)))))
        urges, atts = _counts(s, [d.id for d in rows])
        return [_info(d, today, calendar, urges.get(d.id, 0), atts.get(d.id, 0)) for d in rows]


def get(ctx: ServiceContext, incoming_id: int, *,
        calendar: HolidayCalendar = DEFAULT_CALENDAR) -> IncomingDetail:
    """One record with its attachments and 催办 history (the view is audited)."""
    calendar = holidays.resolve(ctx, calendar)
    actor = ctx.require(Action.VIEW)
    now = ctx.now()
    with ctx.session() as s, s.begin():
        d = _load(s, actor, incoming_id)
        atts = _attachment_infos(s, d.id)
        urges = [UrgeInfo(u.id, u.urged_at, u.urged_by, u.target, UrgeMethod(u.method), u.note,
                          u.recorded_by)
                 for u in s.scalars(select(IncomingUrge).where(IncomingUrge.incoming_id == d.id)
                                    .order_by(IncomingUrge.urged_at, IncomingUrge.id))]
        audit.append(s, actor, "incoming.view", "incoming", d.id, {}, at=now)
        return IncomingDetail(_info(d, local_date(now), calendar, len(urges), len(atts)), atts,
                              urges)


def due_summary(ctx: ServiceContext, *,
                calendar: HolidayCalendar = DEFAULT_CALENDAR) -> dict[DueState, int]:
    """Open items the user may see, by due state (for the page header and the workbench)."""
    calendar = holidays.resolve(ctx, calendar)
    return {state: count(ctx, IncomingFilter(status=Status.OPEN, due=state), calendar=calendar)
            for state in (DueState.OVERDUE, DueState.DUE_SOON)}
