"""Reading the audit log (administrators and leaders): filter, page, export.

The viewer pages through the log from the database (``page``), newest first, never loading the
whole log. Filters: user (part of the login or of the person's name), action (prefix, e.g.
``login``), a date range in local days. Looking at the log and exporting it are themselves
audited. The user is shown as ``姓名（login）`` (``app.services.people``): the log keeps the login.

Every view of the log — ``page``, ``export_xlsx``, ``print_description``/``render_print`` — masks
an event above the reader's clearance: the level it recorded (``audit_events.classification``,
hashed with the event), or what the records it names are classified now (older events recorded
none; ``audit_scope.levels``). Such an event keeps its time, user and action (the reader sees that
something happened) but not which record or what: the object id reads ``OBJECT_HIDDEN``, the
detail ``HIDDEN``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.domain.audit_wording import action_label, describe_detail, object_label
from app.domain.security import Action
from app.errors import InputError
from app.fileperm import create_private
from app.services import audit, audit_scope
from app.services.context import ServiceContext
from app.services.people import Names, matches_person
from app.storage.models import AuditEvent

HIDDEN = "（内容超出您的知悉范围）"
#: What the object id of such an event reads (which record it was is not shown either).
OBJECT_HIDDEN = "（已隐藏）"
MAX_EXPORT = 200_000


@dataclass(frozen=True)
class AuditFilter:
    user: str = ""
    action: str = ""
    since: date | None = None  # local days, inclusive
    until: date | None = None
    upto_seq: int | None = None  # events up to this one: a viewer's pages stay put while the
    #                              log grows (each first page read appends an audit.view)

    def describe(self) -> dict[str, str]:
        return {k: str(v) for k, v in (("user", self.user), ("action", self.action),
                                       ("since", self.since), ("until", self.until)) if v}


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    detail: str


def _local_midnight(d: date) -> datetime:
    return datetime.combine(d, time()).astimezone()


def _where(stmt: Select, f: AuditFilter) -> Select:
    if f.user.strip():
        stmt = stmt.where(matches_person(AuditEvent.actor, f.user))
    if f.action.strip():
        stmt = stmt.where(AuditEvent.action.startswith(f.action.strip(), autoescape=True))
    if f.since:
        stmt = stmt.where(AuditEvent.at >= _local_midnight(f.since))
    if f.until:
        stmt = stmt.where(AuditEvent.at < _local_midnight(f.until + timedelta(days=1)))
    if f.upto_seq is not None:
        stmt = stmt.where(AuditEvent.seq <= f.upto_seq)
    if f.since and f.until and f.since > f.until:
        raise InputError("起始日期晚于截止日期。")
    return stmt


def _detail(raw: str, clearance: int, action: str = "") -> str:
    """The event's detail in Chinese words (``app.domain.audit_wording``)."""
    try:
        data: Any = json.loads(raw)
    except ValueError:
        return raw
    if isinstance(data, dict):
        level = data.get("classification")
        if isinstance(level, int) and level > clearance:
            return HIDDEN
        return describe_detail(data, action)
    return str(data)


def _parsed(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _masked(s: Session, events: list[AuditEvent], clearance: int
            ) -> list[tuple[AuditEvent, str, str]]:
    """Each event with the object id and detail the reader may see (``HIDDEN`` above their
    clearance)."""
    details = {e.seq: _parsed(e.detail) for e in events}
    levels = audit_scope.levels(s, events, details)
    out = []
    for e in events:
        if levels[e.seq] > clearance:
            out.append((e, OBJECT_HIDDEN if e.object_id else "", HIDDEN))
        else:
            out.append((e, e.object_id, _detail(e.detail, clearance, e.action)))
    return out


def count(ctx: ServiceContext, f: AuditFilter) -> int:
    ctx.require(Action.VIEW_AUDIT)
    with ctx.session() as s, s.begin():
        return int(s.execute(_where(select(func.count()).select_from(AuditEvent), f)).scalar_one())


def page(ctx: ServiceContext, f: AuditFilter, offset: int, limit: int = 200) -> list[AuditRow]:
    """One page, newest first. Opening the first page of a filter is audited (``audit.view``)."""
    actor = ctx.require(Action.VIEW_AUDIT)
    with ctx.session() as s, s.begin():
        stmt = _where(select(AuditEvent), f).order_by(AuditEvent.seq.desc())
        who = Names(s)
        events = list(s.execute(stmt.offset(offset).limit(limit)).scalars())
        rows = [AuditRow(e.seq, e.at, who.name_and_login(e.actor), e.action, e.object_type, oid,
                         detail)
                for e, oid, detail in _masked(s, events, int(actor.clearance))]
        if offset == 0:
            audit.append(s, actor, "audit.view", "audit_log", "", f.describe(), at=ctx.now())
        return rows


def export_xlsx(ctx: ServiceContext, f: AuditFilter, path: Path, progress=None) -> int:
    """Write the filtered log to an XLSX workbook (temp file + rename); audited. Returns rows."""
    from openpyxl import Workbook

    actor = ctx.require(Action.VIEW_AUDIT)
    total = count(ctx, f)
    if total > MAX_EXPORT:
        raise InputError(f"符合条件的记录有 {total} 条，超过单次导出上限 {MAX_EXPORT} 条，请缩小范围。")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("审计日志")
    ws.append(["序号", "时间", "用户", "操作", "对象类型", "对象编号", "详情", "事件代码"])
    done = 0
    with ctx.session() as s, s.begin():
        stmt = _where(select(AuditEvent), f).order_by(AuditEvent.seq)
        who = Names(s)
        result = s.execute(stmt.execution_options(yield_per=2000)).scalars()
        while batch := result.fetchmany(2000):
            for e, oid, detail in _masked(s, list(batch), int(actor.clearance)):
                ws.append([e.seq, e.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                           who.name_and_login(e.actor), action_label(e.action),
                           object_label(e.object_type), oid, detail, e.action])
                done += 1
                if progress is not None and done % 2000 == 0:
                    progress(done, total)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    try:
        create_private(tmp)  # an export of the log: 0600 from the first byte
        wb.save(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    with ctx.session() as s, s.begin():
        audit.append(s, actor, "audit.export", "audit_log", "",
                     {**f.describe(), "rows": done, "file": path.name}, at=ctx.now())
    return done


MAX_PRINT = 5_000  # a printed log is paper: beyond this the reader should narrow it or use XLSX
PRINT_HEADER = ["时间", "用户", "操作", "对象", "详情"]


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def print_title(f: AuditFilter) -> str:
    """“审计日志（2026年11月1日至2026年11月21日）” — the period the printed table covers."""
    if f.since and f.until:
        return f"审计日志（{_cn_date(f.since)}至{_cn_date(f.until)}）"
    if f.since:
        return f"审计日志（{_cn_date(f.since)}起）"
    if f.until:
        return f"审计日志（截至{_cn_date(f.until)}）"
    return "审计日志（全部）"


def print_description(ctx: ServiceContext, f: AuditFilter) -> tuple[dict[str, Any], int]:
    """The filtered log as a typesetting description (a formal table document) and its row count.

    Oldest first, as a paper record reads; details above the reader's clearance are replaced by
    the same ``HIDDEN`` text the viewer shows. The issuer is the office name from the office
    settings. Not audited by itself: ``render_print`` records what was done with it.
    """
    from app.storage.models import OfficeSettings

    actor = ctx.require(Action.VIEW_AUDIT)
    total = count(ctx, f)
    if total == 0:
        raise InputError("没有符合条件的审计记录可打印。")
    if total > MAX_PRINT:
        raise InputError(f"符合条件的记录有 {total} 条，超过打印上限 {MAX_PRINT} 条，"
                         "请缩小范围或导出 XLSX。")
    clearance = int(actor.clearance)
    with ctx.session() as s, s.begin():
        office = s.get(OfficeSettings, 1)
        issuer = office.office_name.strip() if office is not None else ""
        stmt = _where(select(AuditEvent), f).order_by(AuditEvent.seq).limit(MAX_PRINT)
        who = Names(s)
        events = list(s.execute(stmt).scalars())
        rows = [[e.at.astimezone().strftime("%Y-%m-%d %H:%M"), who.name_and_login(e.actor),
                 action_label(e.action), object_label(e.object_type, oid), detail]
                for e, oid, detail in _masked(s, events, clearance)]
    conditions = [f"用户含“{f.user.strip()}”" if f.user.strip() else "",
                  f"操作为“{action_label(f.action.strip().rstrip('.'))}”" if f.action.strip() else ""]
    intro = "；".join(c for c in conditions if c) or "全部用户、全部操作"
    description: dict[str, Any] = {
        "title": print_title(f),
        "body": [f"查询条件：{intro}。共 {len(rows)} 条记录，按时间先后排列。",
                 {"table": {"header": PRINT_HEADER, "rows": rows}}],
        "date": ctx.now().astimezone().date().isoformat(),
    }
    if issuer:
        description["issuer"] = issuer
    return description, len(rows)


def render_print(ctx: ServiceContext, f: AuditFilter, path: Path | None = None) -> bytes:
    """Render the filtered log to PDF; with ``path`` also save it there (temp file + rename).

    Audited as ``audit.print`` (for the print preview) or ``audit.export`` with ``format=pdf``
    (saved file) — only after the PDF exists, so a failed render leaves no false record.
    """
    from app.typeset import render_pdf

    actor = ctx.require(Action.VIEW_AUDIT)
    description, rows = print_description(ctx, f)
    data = render_pdf(description)
    detail: dict[str, Any] = {**f.describe(), "rows": rows}
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        try:
            create_private(tmp)
            tmp.write_bytes(data)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        detail.update(format="pdf", file=path.name)
    with ctx.session() as s, s.begin():
        audit.append(s, actor, "audit.export" if path is not None else "audit.print",
                     "audit_log", "", detail, at=ctx.now())
    return data
