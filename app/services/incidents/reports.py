"""突发事件 use cases: incidents, the 首报/续报/终报 chain, 签发 and 报送, deadline clocks, the rule
table, statistics and the printed 信息专报.

The chain. A report is drafted from the incident as it stands (a frozen snapshot plus the diff
against the previous written report, for highlighting); while it is a draft it may be refreshed
from the incident; a leader 签发 it (the 首报 checklist blocks only the elements the rule names);
then it is 报送 (sent-to and sent-at recorded) and only then counts for the clocks. A phone 首报
is recorded directly as sent (a call has nothing to sign). After the 终报 the incident is closed.

Clocks come from ``app.domain.incident_rules.evaluate_clocks`` with the rule snapshotted on the
incident (re-taken when its level or receiving authority changes); every evaluation records new
misses in ``incident_missed_deadlines`` — once, never deleted — and fills in when a late report
finally went. All incident times are naive local wall-clock times (see the domain module);
``local_now(ctx)`` converts the service clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from sqlalchemy import func, literal, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.domain import incident_rules as R
from app.domain.security import Action, Clearance
from app.errors import ConflictError, InputError, PermissionDenied, UserError
from app.services import audit, need_to_know, paging, search, templates
from app.services.context import Actor, ServiceContext, visible
from app.storage.models import (
    DutyLogEntry,
    Incident,
    IncidentMissedDeadline,
    IncidentReport,
    IncidentRuleTable,
    OfficeSettings,
    utcnow,
)
from app.textsafe import clean_text

# ---- time ---------------------------------------------------------------------------------------


def local_now(ctx: ServiceContext) -> dt.datetime:
    """The service clock as a naive local wall-clock time (minutes precision is enough)."""
    now = ctx.now()
    if now.tzinfo is not None:
        now = now.astimezone().replace(tzinfo=None)
    return now.replace(second=0, microsecond=0)


def minute_text(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def _parse_time(text: str, what: str) -> dt.datetime:
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise InputError(f"{what}“{text}”格式不对，应为 YYYY-MM-DD HH:MM。") from None


# ---- data ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Person:
    name: str = ""
    post: str = ""
    phone: str = ""

    def as_json(self) -> dict[str, str]:
        return {"姓名": self.name, "职务": self.post, "电话": self.phone}

    @classmethod
    def from_json(cls, obj: dict | None) -> Person:
        obj = obj or {}
        return cls(obj.get("姓名", ""), obj.get("职务", ""), obj.get("电话", ""))

    def text(self) -> str:
        return "，".join(p for p in (self.name, self.post, self.phone) if p)


@dataclass(frozen=True)
class IncidentData:
    """Everything a duty officer edits on an incident (the issue's list of fields)."""

    title: str = ""
    category: str = "事故灾难"
    subtype: str = ""
    level: int = 4
    occurred_at: dt.datetime | None = None
    received_at: dt.datetime | None = None
    place: str = ""
    county: str = ""
    unit: str = ""
    source: str = ""
    cause: str = ""
    summary: str = ""
    impact: str = ""
    dead: int | None = None
    missing: int | None = None
    injured: int | None = None
    property_loss: str = ""
    trend: str = ""
    leaders_on_site: tuple[Person, ...] = ()
    commander: Person = field(default_factory=Person)
    measures: str = ""
    next_steps: str = ""
    reporter_unit: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    authority: str = ""


MAX_TITLE = 120
_PLAIN = [f.name for f in fields(IncidentData) if f.name not in ("leaders_on_site", "commander")]


@dataclass(frozen=True)
class IncidentInfo:
    id: int
    version: int
    classification: int
    status: str
    daily_mode: bool
    data: IncidentData
    rule: dict
    duty_log_id: int | None

    @property
    def level(self) -> R.Level:
        return R.Level(self.data.level)


@dataclass(frozen=True)
class IncidentRow:
    id: int
    title: str
    category: str
    level: int
    received_at: dt.datetime
    place: str
    status: str
    classification: int
    reports_sent: int


@dataclass(frozen=True)
class ReportInfo:
    id: int
    incident_id: int
    version: int
    seq: int
    kind: R.ReportKind
    number: int | None
    channel: R.Channel
    daily: bool
    status: str  # draft | signed | sent
    snapshot: dict
    changes: tuple[dict, ...]
    progress: str
    drafted_by: str
    signed_by: str
    signed_at: dt.datetime | None
    issue_no: int | None
    sent_to: str
    sent_at: dt.datetime | None

    @property
    def name(self) -> str:
        base = R.report_name(self.kind, self.number)
        if self.channel is R.Channel.PHONE:
            return base + "（电话）"
        return base + ("（日报）" if self.daily else "")

    @property
    def status_label(self) -> str:
        return {"draft": "草稿", "signed": "已签发", "sent": "已报送"}[self.status]


@dataclass(frozen=True)
class IncidentClock:
    """One open deadline, for the duty screen and the workbench."""

    incident_id: int
    title: str
    level: int
    label: str
    due: dt.datetime
    state: str  # ok | amber | red
    time_left: dt.timedelta
    text: str


@dataclass(frozen=True)
class MissedInfo:
    key: str
    label: str
    due: dt.datetime
    satisfied_at: dt.datetime | None

    @property
    def text(self) -> str:
        if self.satisfied_at is None:
            return "漏报（尚未报送）"
        minutes = int((self.satisfied_at - self.due).total_seconds() // 60)
        return f"迟报 {minutes} 分钟"


@dataclass(frozen=True)
class ClockView:
    open: tuple[IncidentClock, ...]
    missed: tuple[MissedInfo, ...]
    met: tuple[tuple[str, dt.datetime, dt.datetime], ...]  # label, due, done


# ---- rule table ---------------------------------------------------------------------------------
def _load_table(s: Session) -> R.RuleTable:
    row = s.get(IncidentRuleTable, 1)
    return R.DEFAULT_RULES if row is None else R.RuleTable.from_dict(row.table)


def get_rule_table(ctx: ServiceContext) -> R.RuleTable:
    ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        return _load_table(s)


def save_rule_table(
    ctx: ServiceContext, table: dict | R.RuleTable, expected_version: int | None = None
) -> R.RuleTable:
    """Replace the rule table (administrator). Validated as a whole, with every problem listed.
    Incidents keep the rule they were opened under until their level or authority changes."""
    actor = ctx.require(Action.MANAGE_SETTINGS)
    obj = table.to_dict() if isinstance(table, R.RuleTable) else table
    parsed = R.RuleTable.from_dict(obj)
    try:
        with ctx.session() as s, s.begin():
            row = s.get(IncidentRuleTable, 1)
            if row is None:
                row = IncidentRuleTable(id=1, table=parsed.to_dict())
                s.add(row)
            else:
                if expected_version is not None and row.version != expected_version:
                    raise ConflictError("报告时限规则表已被他人修改，请重新打开后再改。")
                row.table = parsed.to_dict()
            audit.append(s, actor, "incident.rules", "incident_rule_table", 1,
                         parsed.to_dict(), at=ctx.now())
    except StaleDataError:
        raise ConflictError("报告时限规则表已被他人修改，请重新打开后再改。") from None
    return parsed


def rule_table_version(ctx: ServiceContext) -> int | None:
    ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        row = s.get(IncidentRuleTable, 1)
        return None if row is None else row.version


def _rule_json(rule: R.ReportingRule) -> dict:
    full = R.RuleTable((rule,)).to_dict()["rules"][0]
    return dict(full)


def _rule_from_json(obj: dict, daily: bool, level: int = 4) -> R.ReportingRule:
    if not obj:  # a row written without its rule (imported data): the shipped default
        obj = _rule_json(R.DEFAULT_RULES.rule_for(level))
    rule = R.ReportingRule(
        level=R.parse_level(obj["level"]),
        authority=obj.get("authority") or None,
        phone_minutes=obj.get("phone_minutes"),
        written_minutes=obj.get("written_minutes"),
        follow_up_hours=obj.get("follow_up_hours"),
        change_minutes=obj.get("change_minutes"),
        first_report_blocking=tuple(obj.get("first_report_blocking", R.DEFAULT_BLOCKING)),
    )
    if daily and (rule.follow_up_hours is None or rule.follow_up_hours > 24):
        rule = replace(rule, follow_up_hours=24)  # 日报: at least one report a day
    return rule


# ---- search index -------------------------------------------------------------------------------
def _index(s: Session, inc: Incident) -> None:
    """Keep the global search current (kind "incident"): one entry per incident whose text holds
    the incident and its report chain (names, progress, to whom sent)."""
    d = snapshot_of(_data(inc))
    body = "\n".join(str(d[k]) for k in ("place", "county", "unit", "source", "summary", "cause",
                                          "impact", "trend", "measures", "next_steps",
                                          "reporter_unit", "reporter_name") if d.get(k))
    chain = "\n".join(
        f"{_report_info(r).name} {r.progress} {r.sent_to}".strip()
        for r in _reports(s, inc.id))
    extra = f"{inc.category} {inc.subtype} {R.Level(inc.level).label}"
    search.index_record(s, "incident", inc.id, inc.classification, inc.title,
                 body + ("\n" + chain if chain else ""), extra)


# ---- incidents ----------------------------------------------------------------------------------
def _clean(data: IncidentData) -> IncidentData:
    # control characters: dropped, never stored (a DOCX cannot hold them)
    cleaned: dict[str, Any] = {n: clean_text(getattr(data, n), single_line=n == "title")
                               for n in _PLAIN if isinstance(getattr(data, n), str)}
    data = replace(data, **cleaned)
    title = data.title.strip() or title_from_data(data)
    if not title:
        raise InputError("请填写事件名称。")
    if len(title) > MAX_TITLE:  # it heads the printed 信息专报
        raise InputError(f"事件名称过长（{len(title)} 字，最多 {MAX_TITLE} 字）。")
    R.validate_category(data.category, data.subtype.strip() or None)
    level = R.parse_level(data.level).value
    if data.received_at is None:
        raise InputError("请填写接报时间。")
    for name, value in (("死亡", data.dead), ("失踪", data.missing), ("受伤", data.injured)):
        if value is not None and value < 0:
            raise InputError(f"{name}人数不能为负数。")
    if data.occurred_at and data.occurred_at > data.received_at:
        raise InputError("事发时间不能晚于接报时间。")
    strip = {n: getattr(data, n).strip() for n in _PLAIN if isinstance(getattr(data, n), str)}
    return replace(data, **(strip | {"title": title, "level": level}))


def _apply(row: Incident, data: IncidentData) -> None:
    for name in _PLAIN:
        setattr(row, name, getattr(data, name))
    row.leaders_on_site = [p.as_json() for p in data.leaders_on_site if p.text()]
    row.commander = data.commander.as_json()


def _data(row: Incident) -> IncidentData:
    values = {name: getattr(row, name) for name in _PLAIN}
    return IncidentData(
        **values,
        leaders_on_site=tuple(Person.from_json(p) for p in row.leaders_on_site or []),
        commander=Person.from_json(row.commander),
    )


def _info(row: Incident) -> IncidentInfo:
    return IncidentInfo(row.id, row.version, row.classification, row.status, row.daily_mode,
                        _data(row), dict(row.rule), row.duty_log_id)


def snapshot_of(data: IncidentData) -> dict[str, Any]:
    """The incident as a report records it: JSON-ready, with readable level and people."""
    snap: dict[str, Any] = {}
    for name in _PLAIN:
        value = getattr(data, name)
        if isinstance(value, dt.datetime):
            value = minute_text(value)
        snap[name] = value
    snap["level"] = R.Level(data.level).label
    snap["leaders_on_site"] = [p.text() for p in data.leaders_on_site if p.text()]
    snap["commander"] = data.commander.text()
    return snap


def _load(s: Session, actor: Actor, incident_id: int) -> Incident:
    row = s.get(Incident, incident_id)
    if row is None:
        raise InputError(f"找不到编号为 {incident_id} 的突发事件。")
    audit.require_clearance(actor, row.classification, "incident", row.id)
    need_to_know.require(s, actor, "incident", row.id)
    return row


def create_incident(
    ctx: ServiceContext, data: IncidentData, *, classification: int = 0,
    duty_log_id: int | None = None,
) -> IncidentInfo:
    actor = ctx.require(Action.REPORT_INCIDENT)
    clean = _clean(data)
    if int(classification) > int(actor.clearance):
        raise audit.refuse(ctx, audit.refused(
            PermissionDenied("不能登记高于本人知悉范围的密级。"), "incident.create"))
    Clearance(int(classification))
    with ctx.session() as s, s.begin():
        if duty_log_id is not None:  # linked to a 值班记录: the caller must be cleared for it
            entry = s.get(DutyLogEntry, duty_log_id)
            if entry is None:
                raise InputError(f"找不到值班记录（编号{duty_log_id}）。")
            audit.require_clearance(actor, entry.classification, "duty_log", entry.id)
            need_to_know.require(s, actor, "duty_log", entry.id)
        table = _load_table(s)
        row = Incident(status="open", daily_mode=False, change_times=[], created_by=actor.label,
                       classification=int(classification), duty_log_id=duty_log_id)
        _apply(row, clean)
        row.rule = _rule_json(table.rule_for(clean.level, clean.authority or None))
        s.add(row)
        s.flush()
        _index(s, row)
        audit.append(s, actor, "incident.create", "incident", row.id,
                     {"title": clean.title, "level": clean.level}, at=ctx.now())
        return _info(row)


def update_incident(
    ctx: ServiceContext, incident_id: int, data: IncidentData, *,
    expected_version: int | None = None, significant: bool | None = None,
) -> IncidentInfo:
    """Save edits. ``significant`` says whether the situation changed enough to call for a 续报;
    None lets the rules decide (level, casualties, impact, trend … changed). A significant change
    after a written 首报 starts a 续报（情况变化） clock."""
    actor = ctx.require(Action.REPORT_INCIDENT)
    clean = _clean(data)
    try:
        with ctx.session() as s, s.begin():
            row = _load(s, actor, incident_id)
            if expected_version is not None and row.version != expected_version:
                raise ConflictError("该事件已被他人修改，请刷新后再改。")
            if row.status == "closed":
                raise InputError("该事件已报送终报，不能再修改。")
            before = snapshot_of(_data(row))
            after = snapshot_of(clean)
            changes = R.diff_snapshots(before, after)
            if significant is None:
                significant = bool(R.significant_changes(changes))
            if (clean.level, clean.authority) != (row.level, row.authority):
                table = _load_table(s)
                row.rule = _rule_json(table.rule_for(clean.level, clean.authority or None))
            _apply(row, clean)
            if significant and changes and _written_first_sent(s, row.id):
                row.change_times = [*row.change_times, local_now(ctx).isoformat()]
            s.flush()
            _index(s, row)
            audit.append(s, actor, "incident.update", "incident", row.id,
                         {"changed": [c.key for c in changes], "significant": bool(significant)},
                         at=ctx.now())
            s.flush()
            return _info(row)
    except StaleDataError:
        raise ConflictError("该事件已被他人修改，请刷新后再改。") from None


def set_daily_mode(ctx: ServiceContext, incident_id: int, on: bool) -> IncidentInfo:
    """Long-running incidents switch to daily reports: at least one 续报（日报） every 24 hours."""
    actor = ctx.require(Action.REPORT_INCIDENT)
    with ctx.session() as s, s.begin():
        row = _load(s, actor, incident_id)
        row.daily_mode = bool(on)
        audit.append(s, actor, "incident.daily", "incident", row.id, {"on": bool(on)},
                     at=ctx.now())
        s.flush()
        return _info(row)


def get_incident(ctx: ServiceContext, incident_id: int) -> IncidentInfo:
    """One incident; opening a classified one (内部 and above) is audited."""
    actor = ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        row = _load(s, actor, incident_id)
        if row.classification > 0:
            audit.append(s, actor, "incident.view", "incident", row.id,
                         {"classification": row.classification}, at=ctx.now())
        return _info(row)


def _filtered(stmt, actor: Actor, status: str | None, text: str | None):
    stmt = visible(stmt, Incident, actor)
    if status:
        stmt = stmt.where(Incident.status == status)
    if text and text.strip():
        like = f"%{text.strip()}%"
        stmt = stmt.where(Incident.title.like(like) | Incident.place.like(like))
    return stmt


def count_incidents(ctx: ServiceContext, *, status: str | None = None,
                    text: str | None = None) -> int:
    actor = ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        stmt = _filtered(select(func.count()).select_from(Incident), actor, status, text)
        return int(s.execute(stmt).scalar_one())


#: The list's order: newest 接报 first, ties by id (the seek key of an ``IncidentRow``).
_LIST_KEYS = (Incident.received_at, Incident.id)


def list_key(row: IncidentRow) -> tuple[dt.datetime, int]:
    return (row.received_at, row.id)


def find_position(ctx: ServiceContext, incident_id: int, *, status: str | None = None,
                      text: str | None = None) -> int | None:
    """Where incident ``incident_id`` stands in ``list_incidents`` with these filters (0-based),
    None when the filters leave it out; an incident above the actor's clearance is refused as
    ``get_incident`` refuses it."""
    actor = ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        _load(s, actor, incident_id)
        row = s.execute(_filtered(select(*_LIST_KEYS), actor, status, text)
                        .where(Incident.id == incident_id)).first()
        if row is None:
            return None
        ahead = _filtered(select(func.count()).select_from(Incident), actor, status, text)
        return int(s.execute(ahead.where(paging.ahead_of(_LIST_KEYS, tuple(row), True)))
                   .scalar_one())


def list_incidents(ctx: ServiceContext, offset: int = 0, limit: int = 100, *,
                   status: str | None = None, text: str | None = None,
                   seek: paging.Seek | None = None) -> list[IncidentRow]:
    """One page of incidents the actor may see, newest 接报 first: at ``offset``, or beside the
    row whose ``list_key`` is ``seek.key`` (keyset paging)."""
    actor = ctx.require(Action.VIEW)
    sent = (
        select(func.count()).select_from(IncidentReport)
        .where(IncidentReport.incident_id == Incident.id, IncidentReport.status == "sent")
        .scalar_subquery()
    )
    with ctx.session() as s, s.begin():
        stmt = _filtered(
            select(Incident.id, Incident.title, Incident.category, Incident.level,
                   Incident.received_at, Incident.place, Incident.status,
                   Incident.classification, sent.label("sent")),
            actor, status, text,
        )
        stmt, backwards = paging.window(stmt, _LIST_KEYS, True, offset=offset, limit=limit,
                                        seek=seek)
        rows = [IncidentRow(*r) for r in s.execute(stmt).all()]
        return rows[::-1] if backwards else rows


def list_received_between(ctx: ServiceContext, start: dt.datetime, end: dt.datetime,
                     limit: int = 200) -> list[IncidentRow]:
    """Incidents received in ``[start, end)`` that the actor may see, oldest first (the
    值班日报 lists them). Aware bounds are taken as local wall-clock time (how 接报时间 is kept)."""
    actor = ctx.require(Action.VIEW)
    if start.tzinfo is not None:
        start = start.astimezone().replace(tzinfo=None)
    if end.tzinfo is not None:
        end = end.astimezone().replace(tzinfo=None)
    with ctx.session() as s, s.begin():
        stmt = _filtered(
            select(Incident.id, Incident.title, Incident.category, Incident.level,
                   Incident.received_at, Incident.place, Incident.status,
                   Incident.classification, literal(0)),
            actor, None, None,
        ).where(Incident.received_at >= start, Incident.received_at < end).order_by(
            Incident.received_at, Incident.id).limit(limit)
        return [IncidentRow(*r) for r in s.execute(stmt).all()]


def level_label(level: int) -> str:
    """``Ⅳ级（一般）``"""
    return R.Level(int(level)).label


def status_label(status: str) -> str:
    return {"open": "处置中", "closed": "已终结"}.get(status, status)


# ---- reports ------------------------------------------------------------------------------------
def _report_info(r: IncidentReport) -> ReportInfo:
    return ReportInfo(
        r.id, r.incident_id, r.version, r.seq, R.ReportKind(r.kind), r.number,
        R.Channel(r.channel), r.daily, r.status, dict(r.snapshot),
        tuple(r.changes or ()), r.progress, r.drafted_by, r.signed_by, r.signed_at, r.issue_no,
        r.sent_to, r.sent_at,
    )


def _reports(s: Session, incident_id: int) -> list[IncidentReport]:
    return list(s.execute(select(IncidentReport).where(IncidentReport.incident_id == incident_id)
                          .order_by(IncidentReport.seq)).scalars())


def _sent(reports: list[IncidentReport]) -> list[R.SentReport]:
    return [
        R.SentReport(R.ReportKind(r.kind), R.Channel(r.channel), r.sent_at, r.number)
        for r in reports if r.status == "sent" and r.sent_at is not None
    ]


def _written_first_sent(s: Session, incident_id: int) -> bool:
    return any(r.kind == "first" and r.channel == "written" for r in _reports(s, incident_id)
               if r.status == "sent")


def list_reports(ctx: ServiceContext, incident_id: int) -> list[ReportInfo]:
    actor = ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        _load(s, actor, incident_id)
        stmt = visible(select(IncidentReport), IncidentReport, actor).where(
            IncidentReport.incident_id == incident_id).order_by(IncidentReport.seq)
        return [_report_info(r) for r in s.execute(stmt).scalars()]


def _change_json(changes: list[R.Change]) -> list[dict]:
    def plain(v: Any) -> Any:
        return v if v is None or isinstance(v, (str, int, float, bool, list)) else str(v)

    return [{"key": c.key, "label": c.label, "old": plain(c.old), "new": plain(c.new),
             "kind": c.kind, "significant": c.key.split(".")[0] in R.SIGNIFICANT_FIELDS}
            for c in changes]


def _previous_snapshot(reports: list[IncidentReport], before_seq: int) -> dict | None:
    sent = [r for r in reports if r.status == "sent" and r.channel == "written"
            and r.seq < before_seq]
    return dict(sent[-1].snapshot) if sent else None


def _snapshot_now(ctx: ServiceContext, row: Incident) -> dict:
    snap = snapshot_of(_data(row))
    snap["as_of"] = minute_text(local_now(ctx))
    return snap


def draft_report(
    ctx: ServiceContext, incident_id: int, *, final: bool = False, progress: str = ""
) -> ReportInfo:
    """Open the next written report of the chain as a draft: 首报, 续报N (日报 in daily mode) or,
    with ``final``, the 终报. One draft at a time per incident."""
    actor = ctx.require(Action.REPORT_INCIDENT)
    with ctx.session() as s, s.begin():
        row = _load(s, actor, incident_id)
        reports = _reports(s, incident_id)
        if any(r.status != "sent" for r in reports):
            raise InputError("该事件已有未报送的报告，请先签发报送或修改该报告。")
        kind, number = R.next_report(_sent(reports))
        if final:
            if kind is R.ReportKind.FIRST:
                raise InputError("尚未报送书面首报，不能直接终报。")
            kind, number = R.ReportKind.FINAL, None
        seq = 1 + max((r.seq for r in reports), default=0)
        snap = _snapshot_now(ctx, row)
        rep = IncidentReport(
            incident_id=row.id, seq=seq, kind=kind.value, number=number,
            channel=R.Channel.WRITTEN.value,
            daily=bool(row.daily_mode and kind is R.ReportKind.FOLLOW_UP),
            status="draft", snapshot=snap,
            changes=_change_json(R.diff_snapshots(_previous_snapshot(reports, seq), snap,
                                                  ignore=("as_of",))),
            progress=progress.strip(), drafted_by=actor.label,
            classification=row.classification,
        )
        s.add(rep)
        s.flush()
        _index(s, row)
        audit.append(s, actor, "incident.report.draft", "incident_report", rep.id,
                     {"incident": row.id, "name": _report_info(rep).name}, at=ctx.now())
        return _report_info(rep)


def _load_report(s: Session, actor: Actor, report_id: int) -> IncidentReport:
    rep = s.get(IncidentReport, report_id)
    if rep is None:
        raise InputError(f"找不到编号为 {report_id} 的报告。")
    audit.require_clearance(actor, rep.classification, "incident_report", rep.id)
    need_to_know.require(s, actor, "incident", rep.incident_id)  # reports take the incident's
    return rep


def refresh_draft(ctx: ServiceContext, report_id: int, *, progress: str | None = None) -> ReportInfo:
    """Re-take a draft's snapshot from the incident as it stands now (a signed report is frozen)."""
    actor = ctx.require(Action.REPORT_INCIDENT)
    with ctx.session() as s, s.begin():
        rep = _load_report(s, actor, report_id)
        if rep.status != "draft":
            raise InputError("报告已签发，内容已固定，不能再修改；如有新情况请续报。")
        row = _load(s, actor, rep.incident_id)
        snap = _snapshot_now(ctx, row)
        rep.snapshot = snap
        rep.changes = _change_json(R.diff_snapshots(
            _previous_snapshot(_reports(s, row.id), rep.seq), snap, ignore=("as_of",)))
        if progress is not None:
            rep.progress = progress.strip()
        s.flush()
        return _report_info(rep)


def checklist(ctx: ServiceContext, report_id: int) -> R.Checklist:
    """The 要素 checklist of a report; only a 首报's missing elements named by its rule block."""
    actor = ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        rep = _load_report(s, actor, report_id)
        inc = _load(s, actor, rep.incident_id)
        return _checklist(rep, inc)


def _checklist(rep: IncidentReport, inc: Incident) -> R.Checklist:
    rule = _rule_from_json(inc.rule, inc.daily_mode, inc.level)
    blocking = rule.first_report_blocking if rep.kind == R.ReportKind.FIRST.value else ()
    return R.check_elements(rep.snapshot, blocking)


#: Serialises the 信息专报 期号 on PostgreSQL (SQLite writers are serialised already).
_ISSUE_LOCK_KEY = 0x1AC1_D0_07


def sign_report(ctx: ServiceContext, report_id: int, *,
                expected_version: int | None = None) -> ReportInfo:
    """签发 by a leader: freezes the report and gives it its 信息专报 期号 (per year)."""
    actor = ctx.require(Action.SIGN)
    try:
        with ctx.session() as s, s.begin():
            rep = _load_report(s, actor, report_id)
            if expected_version is not None and rep.version != expected_version:
                raise ConflictError("该报告已被他人修改，请刷新后再签发。")
            if rep.status != "draft":
                raise InputError("该报告已签发。")
            inc = _load(s, actor, rep.incident_id)
            check = _checklist(rep, inc)
            if not check.can_sign:
                raise InputError(check.message())
            now = local_now(ctx)
            if s.get_bind().dialect.name == "postgresql":  # two leaders signing at once
                s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ISSUE_LOCK_KEY})
            year_start = dt.datetime(now.year, 1, 1)
            last = s.execute(select(func.max(IncidentReport.issue_no)).where(
                IncidentReport.signed_at >= year_start)).scalar_one()
            rep.status = "signed"
            rep.signed_by = actor.label
            rep.signed_at = now
            rep.issue_no = (last or 0) + 1
            audit.append(s, actor, "incident.report.sign", "incident_report", rep.id,
                         {"incident": inc.id, "issue": rep.issue_no,
                          "missing": [i.key for i in check.missing]}, at=ctx.now())
            s.flush()
            return _report_info(rep)
    except StaleDataError:
        raise ConflictError("该报告已被他人修改，请刷新后再签发。") from None


def _recipient_and_time(ctx: ServiceContext, sent_to: str, sent_at: dt.datetime | None,
                        recipient: str, act: str) -> tuple[str, dt.datetime, dt.datetime]:
    """Check who a report went to and when (to the minute, not in the future) — the same rules
    for a written report being sent and a phone report being recorded. Returns the trimmed
    recipient, the local now and the report time; ``recipient``/``act`` word the messages."""
    to = sent_to.strip()
    if not to:
        raise InputError(f"请填写{recipient}。")
    now = local_now(ctx)
    when = (sent_at or now).replace(second=0, microsecond=0)
    if when > now + dt.timedelta(minutes=1):
        raise InputError(f"{act}时间不能晚于当前时间。")
    return to, now, when


def send_report(ctx: ServiceContext, report_id: int, sent_to: str,
                sent_at: dt.datetime | None = None) -> ReportInfo:
    """Record that a signed report went out (to whom, when). Only now does it count."""
    actor = ctx.require(Action.REPORT_INCIDENT)
    to, now, when = _recipient_and_time(ctx, sent_to, sent_at, "报送单位（报送对象）", "报送")
    with ctx.session() as s, s.begin():
        rep = _load_report(s, actor, report_id)
        if rep.status == "draft":
            raise InputError("报告尚未经领导签发，不能报送。")
        if rep.status == "sent":
            raise InputError("该报告已报送。")
        if rep.signed_at and when < rep.signed_at:
            raise InputError("报送时间不能早于签发时间。")
        inc = _load(s, actor, rep.incident_id)
        rep.status = "sent"
        rep.sent_to = to
        rep.sent_at = when
        rep.sent_by = actor.label
        if rep.kind == R.ReportKind.FINAL.value:
            inc.status = "closed"
        s.flush()
        _sync(s, inc, now)
        _index(s, inc)
        audit.append(s, actor, "incident.report.send", "incident_report", rep.id,
                     {"incident": inc.id, "to": to, "at": minute_text(when)}, at=ctx.now())
        return _report_info(rep)


def record_phone_report(ctx: ServiceContext, incident_id: int, sent_to: str,
                        sent_at: dt.datetime | None = None, note: str = "") -> ReportInfo:
    """A 首报 by telephone (Ⅰ/Ⅱ within 30 minutes): recorded as sent at once."""
    actor = ctx.require(Action.REPORT_INCIDENT)
    to, now, when = _recipient_and_time(ctx, sent_to, sent_at, "电话报告的对象", "报告")
    with ctx.session() as s, s.begin():
        inc = _load(s, actor, incident_id)
        if when < inc.received_at:
            raise InputError("报告时间不能早于接报时间。")
        reports = _reports(s, incident_id)
        if any(r.kind == "first" for r in reports if r.status == "sent"):
            raise InputError("该事件已报送首报，电话续报请直接起草书面续报。")
        snap = _snapshot_now(ctx, inc)
        rep = IncidentReport(
            incident_id=inc.id, seq=1 + max((r.seq for r in reports), default=0),
            kind=R.ReportKind.FIRST.value, number=None, channel=R.Channel.PHONE.value,
            daily=False, status="sent", snapshot=snap, changes=[], progress=note.strip(),
            drafted_by=actor.label, sent_to=to, sent_at=when, sent_by=actor.label,
            classification=inc.classification,
        )
        s.add(rep)
        s.flush()
        _sync(s, inc, now)
        _index(s, inc)
        audit.append(s, actor, "incident.report.phone", "incident_report", rep.id,
                     {"incident": inc.id, "to": to, "at": minute_text(when)}, at=ctx.now())
        return _report_info(rep)


# ---- clocks -------------------------------------------------------------------------------------
def _evaluate(s: Session, inc: Incident, now: dt.datetime,
              thresholds: R.Thresholds | None = None,
              reports: list[IncidentReport] | None = None) -> R.ClockReport:
    rule = _rule_from_json(inc.rule, inc.daily_mode, inc.level)
    th = thresholds or _load_table(s).thresholds
    changes = [dt.datetime.fromisoformat(t) for t in inc.change_times or []]
    chain = reports if reports is not None else _reports(s, inc.id)
    return R.evaluate_clocks(inc.received_at, _sent(chain), rule, now, th, changes)


def _sync(s: Session, inc: Incident, now: dt.datetime,
          thresholds: R.Thresholds | None = None) -> R.ClockReport:
    """Evaluate and record misses: new ones inserted, late reports fill ``satisfied_at``."""
    report = _evaluate(s, inc, now, thresholds)
    stored = {m.key: m for m in s.execute(select(IncidentMissedDeadline).where(
        IncidentMissedDeadline.incident_id == inc.id)).scalars()}
    for miss in report.missed:
        row = stored.get(miss.key)
        if row is None:
            s.add(IncidentMissedDeadline(
                incident_id=inc.id, key=miss.key, label=miss.deadline.label,
                due=miss.deadline.due, satisfied_at=miss.satisfied_at,
                recorded_at=utcnow()))
        elif row.satisfied_at is None and miss.satisfied_at is not None:
            row.satisfied_at = miss.satisfied_at
    s.flush()
    return report


def _clock(inc: Incident, c: R.OpenClock) -> IncidentClock:
    return IncidentClock(inc.id, inc.title, inc.level, c.deadline.label, c.deadline.due, c.state,
                         c.time_left, c.time_left_text())


def _retrying(fn):
    """Two desks evaluating the same clocks at once may both try to record the same miss; the
    unique key makes one of them fail — it simply evaluates again (and finds the miss stored)."""
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except IntegrityError:
            return fn(*args, **kwargs)

    run.__doc__, run.__name__ = fn.__doc__, fn.__name__
    return run


@_retrying
def open_clocks(ctx: ServiceContext) -> list[IncidentClock]:
    """Every open deadline of the incidents the actor may see, most urgent first (missed ones
    are recorded on the way)."""
    actor = ctx.require(Action.VIEW)
    now = local_now(ctx)
    out: list[IncidentClock] = []
    with ctx.session() as s, s.begin():
        th = _load_table(s).thresholds
        for inc in s.execute(visible(select(Incident), Incident, actor)
                             .where(Incident.status == "open")).scalars():
            out.extend(_clock(inc, c) for c in _sync(s, inc, now, th).open)
    return sorted(out, key=lambda c: (c.time_left, c.level))


@_retrying
def incident_clocks(ctx: ServiceContext, incident_id: int) -> ClockView:
    actor = ctx.require(Action.VIEW)
    now = local_now(ctx)
    with ctx.session() as s, s.begin():
        inc = _load(s, actor, incident_id)
        report = _sync(s, inc, now)
        missed = s.execute(select(IncidentMissedDeadline).where(
            IncidentMissedDeadline.incident_id == inc.id)
            .order_by(IncidentMissedDeadline.due)).scalars()
        return ClockView(
            tuple(_clock(inc, c) for c in report.open) if inc.status == "open" else (),
            tuple(MissedInfo(m.key, m.label, m.due, m.satisfied_at) for m in missed),
            tuple((d.label, d.due, done) for d, done in report.met),
        )


# ---- from the duty log --------------------------------------------------------------------------
_TIME_PREFIX = re.compile(
    r"^\s*(?:(?:\d{4}年)?\d{1,2}月\d{1,2}日|今天|今日|昨天|昨日|当日)?"
    r"(?:凌晨|早上|上午|中午|下午|傍晚|晚上|夜间|深夜)?(?:\d{1,2}(?:时|点)(?:\d{1,2}分|半)?)?许?"
    r"[，,、\s]*")
_CLAUSE = re.compile(r"[，,、；;：:]")


def title_from_text(text: str, limit: int = 30) -> str:
    """An incident's name from a call's words: the first sentence without its leading time
    (“12月6日13时40分许，”), cut at a clause boundary — “临江路128号一居民楼发生火灾”, never the
    first 30 characters (“…造成2人受伤，已”)."""
    first = re.split(r"[。！？!?\n]", str(text or "").strip(), maxsplit=1)[0]
    first = _TIME_PREFIX.sub("", first, count=1).strip()
    clauses = [c.strip() for c in _CLAUSE.split(first) if c.strip()]
    title = ""
    for clause in clauses:
        if not title:
            title = clause
        elif len(title) < 8 and len(title) + 1 + len(clause) <= limit:
            title += "，" + clause
        else:
            break
    return title[:limit * 2]


def title_from_data(data: IncidentData) -> str:
    """Place + event type (“临江区临江路128号火灾事故”), or the summary's first clause."""
    place = data.place if data.county and data.county in data.place else data.county + data.place
    kind = data.subtype if data.subtype and data.subtype != "其他" else ""
    if place.strip() and kind:
        return place.strip() + kind
    return title_from_text(data.summary) or (place.strip() + (kind or data.category)
                                             if place.strip() else "")


def draft_from_duty_log(ctx: ServiceContext, entry_id: int, *, title: str = "",
                        category: str = "事故灾难", level: int = 4) -> tuple[IncidentInfo, ReportInfo]:
    """One action: a phone-log entry becomes an incident and its 首报 draft, with the caller's
    unit, name, post and phone and the time received filled in. Before calling it, offer
    ``attach_candidates`` (the same fire reported twice must not get two deadline clocks)."""
    from app.services import duty

    entry = duty.get_log_entry(ctx, entry_id)
    unit, name = entry.caller_unit, entry.caller_name
    post, phone = entry.caller_post, entry.caller_phone
    received = entry.received_at
    if received is not None and received.tzinfo is not None:
        received = received.astimezone().replace(tzinfo=None)
    content = entry.content
    caller = f"{unit}{name}" + (f"（{post}）" if post else "")
    data = IncidentData(
        title=title.strip() or title_from_text(content) or "待核实事件",
        category=category, level=level, received_at=received or local_now(ctx),
        source=f"{caller}电话报告" if caller else "电话报告", summary=content,
        reporter_unit=str(unit), reporter_name=str(name) + (f"（{post}）" if post else ""),
        reporter_phone=str(phone),
    )
    info = create_incident(ctx, data, duty_log_id=entry_id,
                           classification=entry.classification)
    return info, draft_report(ctx, info.id)


@dataclass(frozen=True)
class AttachCandidate:
    """An open incident a duty call may be about, with why it matched."""

    incident_id: int
    title: str
    received_at: dt.datetime
    place: str
    score: float
    reasons: tuple[str, ...]

    @property
    def text(self) -> str:
        return f"{self.title}（{self.received_at:%m月%d日%H:%M}接报；{'；'.join(self.reasons)}）"


def _bigrams(text: str) -> set[str]:
    chars = re.sub(r"[^\u4e00-\u9fff0-9A-Za-z]", "", text)
    return {chars[i:i + 2] for i in range(len(chars) - 1)}


def _common_run(a: str, b: str) -> str:
    """The longest run of characters ``a`` and ``b`` share (a place such as 临江路128号)."""
    best = ""
    for i in range(len(a)):
        for j in range(i + len(best) + 1, len(a) + 1):
            if a[i:j] in b:
                best = a[i:j]
            else:
                break
    return best


#: Generic words a shared run must be more than (两次来电都说“发生”“受伤” proves nothing).
_GENERIC = re.compile(r"^(?:发生|造成|人员|受伤|死亡|现场|目前|正在|已经|报告|电话|情况|一名|[0-9]+人?)$")


def attach_candidates(ctx: ServiceContext, entry_id: int, *, hours: int = 12,
                      limit: int = 5) -> list[AttachCandidate]:
    """Open incidents the call may be about, best first: received within ``hours`` of the call
    and sharing its place (a run of 3+ characters of the incident's place or name in the call)
    or its words (character pairs in common with the incident's name and summary)."""
    from app.services import duty

    actor = ctx.require(Action.VIEW)
    entry = duty.get_log_entry(ctx, entry_id)
    at = entry.received_at
    if at is None:
        return []
    at = at.astimezone().replace(tzinfo=None) if at.tzinfo else at
    window = dt.timedelta(hours=hours)
    content = entry.content or ""
    words = _bigrams(content)
    out: list[AttachCandidate] = []
    with ctx.session() as s, s.begin():
        stmt = visible(select(Incident), Incident, actor).where(
            Incident.status == "open", Incident.received_at >= at - window,
            Incident.received_at <= at + window)
        for inc in s.execute(stmt).scalars():
            if inc.duty_log_id == entry_id:
                continue
            place = inc.place if inc.county and inc.county in inc.place else (
                (inc.county or "") + (inc.place or ""))
            run = max((_common_run(x, content) for x in (place, inc.title) if x), key=len,
                      default="")
            run = run if len(run) >= 3 and not _GENERIC.match(run) else ""
            theirs = _bigrams(f"{inc.title}{inc.summary}")
            shared = words & theirs
            overlap = len(shared) / max(1, min(len(words), len(theirs)))
            if not run and overlap < 0.2:
                continue
            minutes = abs(int((inc.received_at - at).total_seconds() // 60))
            score = (0.3 * (1 - minutes / (hours * 60)) + 0.4 * min(1.0, len(run) / 6)
                     + 0.3 * min(1.0, overlap * 2))
            reasons = [f"接报时间相差{minutes}分钟"]
            if run:
                reasons.append(f"地点相同：{run}")
            if overlap >= 0.2:
                reasons.append(f"内容相近（{round(overlap * 100)}%）")
            out.append(AttachCandidate(inc.id, inc.title, inc.received_at, place, round(score, 3),
                                       tuple(reasons)))
    out.sort(key=lambda c: (-c.score, c.incident_id))
    return out[:limit]


def attach_duty_log(ctx: ServiceContext, entry_id: int, incident_id: int) -> IncidentInfo:
    """Record a duty call as about an open incident instead of opening a new one (no second
    deadline clock): the call's 办理结果 notes the incident, the incident keeps its clocks, the
    act is audited."""
    from app.services import duty
    from app.storage.models import DutyLogEntry

    actor = ctx.require(Action.REPORT_INCIDENT)
    entry = duty.get_log_entry(ctx, entry_id)
    with ctx.session() as s, s.begin():
        row = _load(s, actor, incident_id)
        if row.status != "open":
            raise InputError("该事件已终报，不能再并入来电；如确属新情况请新建事件。")
        log = s.get(DutyLogEntry, entry_id)
        if log is None:
            raise InputError(f"找不到值班记录（编号{entry_id}）。")
        note = f"已并入突发事件“{row.title}”（编号{row.id}）"
        if note not in (log.result or ""):
            log.result = "；".join(x for x in (log.result, note) if x)
        if row.duty_log_id is None:
            row.duty_log_id = entry_id
        s.flush()
        _index(s, row)
        audit.append(s, actor, "incident.attach_call", "incident", row.id,
                     {"duty_log": entry_id, "caller": entry.caller}, at=ctx.now())
        return _info(row)


# ---- statistics ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Statistics:
    year: int | None
    total: int
    by_category: tuple[tuple[str, int], ...]
    by_level: tuple[tuple[str, int], ...]
    by_month: tuple[tuple[str, int], ...]
    #: (deadline label, 按时, 迟报, 漏报/未报)
    timeliness: tuple[tuple[str, int, int, int], ...]
    #: the highest 密级 among the incidents counted (the export is marked with it)
    classification: int = 0


@_retrying
def statistics(ctx: ServiceContext, year: int | None = None) -> Statistics:
    """Incidents by category, level and month (by 接报时间) and report timeliness, over what the
    actor may see."""
    actor = ctx.require(Action.VIEW)
    now = local_now(ctx)
    with ctx.session() as s, s.begin():
        stmt = visible(select(Incident), Incident, actor)
        if year:
            stmt = stmt.where(Incident.received_at >= dt.datetime(year, 1, 1),
                              Incident.received_at < dt.datetime(year + 1, 1, 1))
        cats: Counter[str] = Counter()
        levels: Counter[int] = Counter()
        months: Counter[str] = Counter()
        met: Counter[str] = Counter()
        late: Counter[str] = Counter()
        missed: Counter[str] = Counter()
        th = _load_table(s).thresholds
        incidents = list(s.execute(stmt).scalars())
        # open incidents first record their new misses; then chains and misses in two queries
        for inc in incidents:
            if inc.status == "open":
                _sync(s, inc, now, th)
        ids = select(stmt.with_only_columns(Incident.id).subquery().c.id)
        chains: dict[int, list[IncidentReport]] = {}
        for r in s.execute(select(IncidentReport).where(IncidentReport.incident_id.in_(ids))
                           .order_by(IncidentReport.seq)).scalars():
            chains.setdefault(r.incident_id, []).append(r)
        for m in s.execute(select(IncidentMissedDeadline).where(
                IncidentMissedDeadline.incident_id.in_(ids))).scalars():
            (late if m.satisfied_at else missed)[m.label] += 1
        total = len(incidents)
        top_level = max((int(i.classification) for i in incidents), default=0)
        for inc in incidents:
            cats[inc.category] += 1
            levels[inc.level] += 1
            months[inc.received_at.strftime("%Y-%m")] += 1
            for d, _done in _evaluate(s, inc, now, th, chains.get(inc.id, [])).met:
                met[d.label] += 1
    labels = ["首报（电话）", "首报（书面）", "续报", "续报（情况变化）"]
    return Statistics(
        year, total,
        tuple((c, cats[c]) for c in R.CATEGORIES),
        tuple((lv.label, levels[lv.value]) for lv in R.Level),
        tuple(sorted(months.items())),
        tuple((lb, met[lb], late[lb], missed[lb]) for lb in labels),
        top_level,
    )


def export_statistics_xlsx(ctx: ServiceContext, stats: Statistics, path: str | Path) -> Path:
    """``export_statistics``, returning where the file went."""
    export_statistics(ctx, stats, path)
    return Path(path)


def export_statistics(ctx: ServiceContext, stats: Statistics, path: str | Path) -> Any:
    """The statistics as an .xlsx workbook: one sheet per table, a bar chart by month; marked
    with the highest 密级 among the incidents counted; written through the paper path. Returns
    the ``Output`` (its typed warnings, for the GUI)."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference

    from app.services import output

    actor = ctx.require(Action.EXPORT)
    level = stats.classification
    wb = Workbook()
    first = True
    for title, header, rows in (
        ("按类别", ["事件类别", "起数"], stats.by_category),
        ("按级别", ["事件级别", "起数"], stats.by_level),
        ("按月份", ["月份", "起数"], stats.by_month),
        ("报送及时性", ["报送时限", "按时", "迟报", "漏报（未报）"], stats.timeliness),
    ):
        sheet = wb.active if first else wb.create_sheet()
        first = False
        top = output.start_sheet(sheet, title, level) + 1  # the header row
        sheet.append(header)
        for line in rows:
            sheet.append(list(line))
        if title == "按月份" and rows:
            chart = BarChart()
            chart.title = "突发事件起数（按月）"
            chart.add_data(Reference(sheet, min_col=2, min_row=top, max_row=top + len(rows)),
                           titles_from_data=True)
            chart.set_categories(Reference(sheet, min_col=1, min_row=top + 1,
                                           max_row=top + len(rows)))
            sheet.add_chart(chart, f"D{top + 1}")
    output.text_as_text(wb)
    target = Path(path)
    done = output.finish(ctx, actor, kind="incident_statistics", fmt="xlsx",
                         data=output.workbook_bytes(wb), action="incident.stats.export",
                         object_type="incident_statistics", object_id=stats.year or "",
                         classification=level, title=f"{stats.year or '全部'}年突发事件统计",
                         detail={"year": stats.year, "total": stats.total, "path": str(target)})
    output.save(done, target)
    return done


# ---- printing -----------------------------------------------------------------------------------
TEMPLATES = {
    R.ReportKind.FIRST: "incident_first",
    R.ReportKind.FOLLOW_UP: "incident_update",
    R.ReportKind.FINAL: "incident_final",
}


def _num(v: Any) -> int:
    return int(v) if isinstance(v, int) else 0


def report_data(rep: ReportInfo, chain: list[ReportInfo], office_name: str) -> dict[str, Any]:
    """The template data of one report (from its frozen snapshot, never the live incident).

    ``report.body`` is the whole text composed by ``incident_text`` (what was entered, nothing
    invented, empty sections left out); the other keys are the same facts for office templates,
    empty when not entered — never a stand-in such as 第__期, （待签发） or “正在组织处置。”."""
    from app.services.incidents import text as tx

    snap = rep.snapshot
    sent_first = next((r for r in chain if r.kind is R.ReportKind.FIRST
                       and r.channel is R.Channel.WRITTEN and r.sent_at), None)
    when = rep.signed_at or dt.datetime.fromisoformat(snap["as_of"])
    progress = rep.progress or "；".join(
        f"{c['label']}由“{c['old']}”变为“{c['new']}”" if c["kind"] == "changed"
        else f"{c['label']}：{c['new']}" for c in rep.changes if c["kind"] != "removed"
    ) or "事件情况无新变化。"
    first_date = minute_text(sent_first.sent_at) if sent_first else ""
    updates = sum(1 for r in chain if r.kind is R.ReportKind.FOLLOW_UP and r.status == "sent")
    if rep.kind is R.ReportKind.FIRST:
        body = tx.first_report(snap)
    elif rep.kind is R.ReportKind.FINAL:
        body = tx.final_report(snap, first_sent=first_date, updates=updates)
    else:
        body = tx.follow_up(snap, progress, first_sent=first_date, seq=rep.number or 1)
    reporter = str(snap.get("reporter_name") or rep.drafted_by or "")
    phone = str(snap.get("reporter_phone") or "")
    details = "\n".join(tx.sentence(snap.get(k)) for k in ("impact", "trend") if snap.get(k))
    return {
        "office": {"duty_room": f"{office_name}总值班室" if office_name else "总值班室",
                   "info_mark": "信息专报"},
        "report": {
            "issue": rep.issue_no or "",  # a draft has no 期号 yet: none is printed
            "to": rep.sent_to or snap.get("authority") or "",
            "date": when.strftime("%Y-%m-%d"),
            "as_of": snap["as_of"],
            "reporter": reporter,
            "approver": rep.signed_by or "",
            "signers": [rep.signed_by] if rep.signed_by else [],
            "phone": phone,
            "note": tx.note(reporter, phone),
            "seq": rep.number or 1,
            "first_date": first_date or snap["as_of"],
            "updates": updates,
            "body": body,
        },
        "incident": {
            "title": snap.get("title", ""),
            "occurred": snap.get("occurred_at") or "",
            "received": snap.get("received_at"),
            "place": tx.place(snap),
            "summary": str(snap.get("summary") or "").strip(),
            "details": details,
            "deaths": _num(snap.get("dead")),
            "injured": _num(snap.get("injured")),
            "missing": _num(snap.get("missing")),
            "casualties": tx.casualties(snap),
            "losses": f"财产损失：{tx.sentence(snap['property_loss'])}" if snap.get("property_loss")
            else "",
            "measures": [m.strip() for m in str(snap.get("measures", "")).splitlines()
                         if m.strip()],
            "next": str(snap.get("next_steps") or "").strip(),
            "progress": progress,
            "closed": snap["as_of"],
            "cause": str(snap.get("cause") or "").strip(),
            "followup": str(snap.get("next_steps") or "").strip(),
        },
    }


#: 文种 of the shipped 信息专报 templates, by report kind.
KINDS = {
    R.ReportKind.FIRST: "突发事件首报",
    R.ReportKind.FOLLOW_UP: "突发事件续报",
    R.ReportKind.FINAL: "突发事件终报",
}


def _template(ctx: ServiceContext, kind: R.ReportKind) -> Any:
    """The office's default 公文 template of the kind (edited in the template manager), else
    the shipped one (``templates.template_for``: the one way a print picks its template)."""

    return templates.template_for(ctx, KINDS[kind], "description")


def render_report(ctx: ServiceContext, report_id: int, fmt: str = "pdf", *,
                  allow_placeholders: bool = False, copies: int = 1) -> Any:
    """The report as a formal 突发事件信息报告（信息专报） through the office's template of the
    kind (else the shipped one) and the engine (PDF or DOCX). Printing is audited; a PDF holds
    ``copies`` copies, whose 份号 a 秘密/机密 report takes from its own series in the 涉密文件
    登记簿. Unfilled placeholders left by an office template are refused unless
    ``allow_placeholders``."""
    from app.templating import render_template

    actor = ctx.require(Action.PRINT)
    with ctx.session() as s, s.begin():
        rep = _load_report(s, actor, report_id)
        if rep.channel == R.Channel.PHONE.value:
            raise InputError("电话报告没有书面文本可打印。")
        _load(s, actor, rep.incident_id)
        info = _report_info(rep)
        chain = [_report_info(r) for r in _reports(s, rep.incident_id)]
        office = s.get(OfficeSettings, 1)
        office_name = office.office_name if office else ""
        level = max(int(rep.classification), int(_load(s, actor, rep.incident_id).classification))
    from app.services import output

    data = report_data(info, chain, office_name)
    chosen = _template(ctx, info.kind)
    _check_placeholders(chosen.template, data, allow_placeholders)
    result = render_template(chosen.template, data, fmt)
    return output.finish(ctx, actor, kind="incident_report", fmt=fmt, data=result.data,
                         action="incident.report.print", object_type="incident_report",
                         object_id=report_id, classification=level, title=info.name,
                         template=chosen.used, warnings=(*chosen.warnings, *result.warnings),
                         detail={"name": info.name}, copies=copies,
                         series=[output.Series("incident_report", report_id,
                                               f"{info.snapshot.get('title', '')}（{info.name}）")])


def _check_placeholders(template: Any, data: dict[str, Any], allow: bool) -> None:
    from app.services import placeholders
    from app.templating.wordform import WordForm

    if not allow and not isinstance(template, WordForm):
        placeholders.check(template.render(data), allow)


def export_report(ctx: ServiceContext, report_id: int, path: str | Path, *,
                  allow_placeholders: bool = False, copies: int = 1) -> Any:
    """Render report ``report_id`` as ``path``'s format (.pdf or .docx; a PDF in ``copies``
    copies) through the paper path and save it there; returns the ``Output`` (its template,
    份号 and typed warnings, for the GUI)."""
    target = Path(path)
    fmt = target.suffix.lower().lstrip(".") or "pdf"
    if fmt not in ("pdf", "docx"):
        raise InputError("只能保存为 .pdf 或 .docx。")
    from app.services import output

    done = render_report(ctx, report_id, fmt, allow_placeholders=allow_placeholders,
                         copies=copies)
    output.save(done, target)
    return done


def save_report(ctx: ServiceContext, report_id: int, path: str | Path, *,
                allow_placeholders: bool = False) -> Path:
    """``export_report``, returning where the file went."""
    export_report(ctx, report_id, path, allow_placeholders=allow_placeholders)
    return Path(path)



# ---- received from another desk (air-gap exchange) ----------------------------------------------
def receive_incident(
    ctx: ServiceContext, data: IncidentData, *, classification: int = 0, status: str = "open",
    daily_mode: bool = False, rule: dict | None = None, change_times: list[str] | None = None,
    created_by: str = "", origin: str = "",
) -> IncidentInfo:
    """An incident another desk sent in an exchange package (``app.services.exchange.packages``):
    validated like a typed one, kept in its state (open or closed) with the rule it was opened
    under (checked; none: this desk's rule table), indexed and audited."""
    actor = ctx.require(Action.REPORT_INCIDENT)
    clean = _clean(data)
    if int(classification) not in {int(c) for c in Clearance}:
        raise InputError("密级无效。")
    audit.require_level(ctx, int(classification), "incident.receive")
    if status not in ("open", "closed"):
        raise InputError(f"事件状态“{status}”无效。")
    try:
        if rule:
            _rule_from_json(rule, bool(daily_mode), clean.level)
        times = [dt.datetime.fromisoformat(t).isoformat() for t in change_times or []]
    except (KeyError, ValueError, TypeError, AttributeError, UserError):
        raise InputError("报告时限规则或情况变化时间格式错误。") from None
    with ctx.session() as s, s.begin():
        row = Incident(status=status, daily_mode=bool(daily_mode), change_times=times,
                       created_by=created_by, classification=int(classification))
        _apply(row, clean)
        row.rule = dict(rule) if rule else _rule_json(
            _load_table(s).rule_for(clean.level, clean.authority or None))
        s.add(row)
        s.flush()
        _index(s, row)
        audit.append(s, actor, "incident.receive", "incident", row.id,
                     {"title": clean.title, "level": clean.level,
                      "classification": int(classification), "origin": origin}, at=ctx.now())
        return _info(row)
