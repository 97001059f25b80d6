"""Reading the audit log (administrators and leaders): filter, page, export.

The viewer pages through the log from the database (``page``), newest first, never loading the
whole log. Filters: user (part of the login or of the person's name), action (prefix, e.g.
``login``), a date range in local days. Looking at the log and exporting it are themselves
audited. The user is shown as ``姓名（login）`` (``app.services.people``): the log keeps the login.

Every view of the log — ``page``, ``export_xlsx``, ``print_description``/``render_print`` — masks
an event above the reader's clearance: the level it recorded (``audit_events.classification``,
hashed with the event), or what the records it names are classified now (older events recorded
none; ``audit.levels``). Such an event keeps its time, user and action (the reader sees that
something happened) but not which record or what: the object id reads ``OBJECT_HIDDEN``, the
detail ``HIDDEN``.

三员分立 (issue 31): what a reader sees also depends on whose entry it is (``_scope``). The
安全审计员 sees the 系统管理员's and 安全保密管理员's entries (and the program's own); the
安全保密管理员 sees the 安全审计员's and the business users'; a business user (a 领导) in a 涉密
office sees business users' entries only, never an administrator's; the all-in-one 管理员 of a
普通 office sees everything, as before. Filters: user, action, outcome (``success``/``refused``)
and period. The auditor's review tools: ``mark_reviewed`` (kept apart from the chained entry,
in ``audit_reviews``; audited), ``review_report_pdf`` (the periodic review report; one function
so it can be routed through the one output path), ``store_status`` (warning when the store passes
its threshold). ``purge`` refuses — entries younger than ``RETENTION_DAYS`` can never be purged,
and the program deletes none at all (they are links of the hash chain).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.domain.audit_wording import action_label, describe_detail, object_label
from app.domain.security import ADMIN_ROLES, Action, Role, SeparationDenied
from app.errors import InputError, PermissionDenied
from app.services import audit, need_to_know, paging
from app.services.context import Actor, ServiceContext
from app.services.people import Names, matches_person
from app.storage.models import AuditEvent, AuditReview, UserRole

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
    outcome: str = ""  # "" all, "success", "refused"

    def describe(self) -> dict[str, str]:
        return {k: str(v) for k, v in (("user", self.user), ("action", self.action),
                                       ("since", self.since), ("until", self.until),
                                       ("outcome", self.outcome)) if v}


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    detail: str
    outcome: str = audit.SUCCESS
    desk: str = ""
    reviewed: bool = False


OUTCOME_LABELS = {audit.SUCCESS: "成功", audit.REFUSED: "拒绝"}
#: 网络安全法: logs are kept at least six months.
RETENTION_DAYS = 180


def _ids_with(roles: set[Role]) -> Select:
    return select(UserRole.user_id).where(UserRole.role_code.in_(sorted(r.value for r in roles)))


def _scope(stmt: Select, actor: Actor, classified: bool) -> Select:
    """Only the entries ``actor``'s roles may review (module docstring)."""
    roles = actor.roles
    if Role.ADMIN in roles:
        return stmt
    admins = _ids_with(set(ADMIN_ROLES))
    conds = []
    if Role.AUDITOR in roles:  # the 系统管理员's and 安全保密管理员's acts, and the program's
        conds.append(AuditEvent.actor_id.in_(_ids_with({Role.SYSADMIN, Role.SECADMIN})))
        conds.append(AuditEvent.actor_id.is_(None))
    if Role.SECADMIN in roles:  # the 安全审计员's acts and the business users'
        conds.append(AuditEvent.actor_id.in_(_ids_with({Role.AUDITOR})))
        conds.append(AuditEvent.actor_id.not_in(admins))
        conds.append(AuditEvent.actor_id.is_(None))
    if roles - ADMIN_ROLES:  # a business reader (领导)
        if not classified:
            return stmt  # a 普通 office: as before
        conds.append(AuditEvent.actor_id.not_in(admins))
    if not conds:
        return stmt.where(AuditEvent.id.is_(None))  # nothing
    from sqlalchemy import or_

    return stmt.where(or_(*conds))


def _scoped(s: Session, stmt: Select, actor: Actor) -> Select:
    from app.services import accounts

    return _scope(stmt, actor, accounts.is_classified(s))


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
    if f.outcome:
        if f.outcome not in OUTCOME_LABELS:
            raise InputError("结果只能是“成功”(success)或“拒绝”(refused)。")
        stmt = stmt.where(AuditEvent.outcome == f.outcome)
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


def _masked(s: Session, events: list[AuditEvent], clearance: int, actor: Any = None
            ) -> list[tuple[AuditEvent, str, str]]:
    """Each event with the object id and detail the reader may see (``HIDDEN`` above their
    clearance, or about a record outside ``actor``'s 知悉范围)."""
    details = {e.seq: _parsed(e.detail) for e in events}
    levels = audit.levels(s, events, details)
    unknown = need_to_know.hidden_events(s, actor, events, details) if actor else set()
    out = []
    for e in events:
        if levels[e.seq] > clearance or e.seq in unknown:
            out.append((e, OBJECT_HIDDEN if e.object_id else "", HIDDEN))
        else:
            out.append((e, e.object_id, _detail(e.detail, clearance, e.action)))
    return out


def count(ctx: ServiceContext, f: AuditFilter) -> int:
    actor = ctx.require(Action.VIEW_AUDIT)
    with ctx.session() as s, s.begin():
        stmt = _scoped(s, _where(select(func.count()).select_from(AuditEvent), f), actor)
        return int(s.execute(stmt).scalar_one())


def _reviewed(s: Session, seqs: list[int]) -> set[int]:
    if not seqs:
        return set()
    return set(s.execute(select(AuditReview.event_seq)
                         .where(AuditReview.event_seq.in_(seqs))).scalars())


def page(ctx: ServiceContext, f: AuditFilter, offset: int, limit: int = 200,
         seek: paging.Seek | None = None) -> list[AuditRow]:
    """One page, newest first: at ``offset``, or beside the event ``seek.key == (seq,)``
    (keyset paging). Opening the first page of a filter is audited (``audit.view``)."""
    actor = ctx.require(Action.VIEW_AUDIT)
    with ctx.session() as s, s.begin():
        stmt, backwards = paging.window(_scoped(s, _where(select(AuditEvent), f), actor),
                                        (AuditEvent.seq,), True, offset=offset, limit=limit,
                                        seek=seek)
        who = Names(s)
        events = list(s.execute(stmt).scalars())
        if backwards:
            events.reverse()
        done = _reviewed(s, [e.seq for e in events])
        rows = [AuditRow(e.seq, e.at, who.name_and_login(e.actor), e.action, e.object_type, oid,
                         detail, e.outcome, e.desk, e.seq in done)
                for e, oid, detail in _masked(s, events, int(actor.clearance), actor)]
        if offset == 0:
            audit.append(s, actor, "audit.view", "audit_log", "", f.describe(), at=ctx.now())
        return rows


def export_xlsx(ctx: ServiceContext, f: AuditFilter, path: Path, progress=None) -> int:
    """``export_sheet``, returning the number of rows only."""
    return export_sheet(ctx, f, path, progress)[0]


def export_sheet(ctx: ServiceContext, f: AuditFilter, path: Path,
                 progress=None) -> tuple[int, Any]:
    """Write the filtered log to an XLSX workbook through the paper path (marked with the
    highest 密级 among the rows the reader may see, written atomically and privately);
    audited. Returns the rows written and the paper path's ``Output`` (its template and typed
    warnings, for the page to say)."""
    from openpyxl import Workbook

    from app.services import output

    actor = ctx.require(Action.VIEW_AUDIT)
    total = count(ctx, f)
    if total > MAX_EXPORT:
        raise InputError(f"符合条件的记录有 {total} 条，超过单次导出上限 {MAX_EXPORT} 条，请缩小范围。")
    clearance = int(actor.clearance)
    with ctx.session() as s, s.begin():
        level = int(s.execute(_where(select(func.max(AuditEvent.classification)), f)).scalar() or 0)
    level = min(level, clearance)  # what is above the reader's clearance is hidden, not printed
    wb = Workbook(write_only=True)
    ws = output.marked_sheet(wb, "审计日志", level)
    ws.append(["序号", "时间", "用户", "操作", "对象类型", "对象编号", "详情", "事件代码"])
    done = 0
    with ctx.session() as s, s.begin():
        stmt = _scoped(s, _where(select(AuditEvent), f), actor).order_by(AuditEvent.seq)
        who = Names(s)
        result = s.execute(stmt.execution_options(yield_per=2000)).scalars()
        while batch := result.fetchmany(2000):
            for e, oid, detail in _masked(s, list(batch), int(actor.clearance), actor):
                ws.append([e.seq, e.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                           who.name_and_login(e.actor), action_label(e.action),
                           object_label(e.object_type), oid, detail, e.action])
                done += 1
                if progress is not None and done % 2000 == 0:
                    progress(done, total)
    done_output = output.finish(ctx, actor, kind="audit_xlsx", fmt="xlsx",
                                data=output.workbook_bytes(wb), action="audit.export",
                                object_type="audit_log", classification=level, title="审计日志",
                                detail={**f.describe(), "rows": done, "file": path.name})
    output.save(done_output, path, private=True)  # an export of the log: 0600 whatever its 密级
    return done, done_output


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
        stmt = _scoped(s, _where(select(AuditEvent), f), actor).order_by(
            AuditEvent.seq).limit(MAX_PRINT)
        who = Names(s)
        events = list(s.execute(stmt).scalars())
        rows = [[e.at.astimezone().strftime("%Y-%m-%d %H:%M"), who.name_and_login(e.actor),
                 action_label(e.action), object_label(e.object_type, oid), detail]
                for e, oid, detail in _masked(s, events, clearance, actor)]
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
    """Render the filtered log to PDF through the paper path (marked with the highest 密级 the
    reader may see, watermarked when classified); with ``path`` also save it there (atomically,
    private).

    Audited as ``audit.print`` (for the print preview) or ``audit.export`` with ``format=pdf``
    (saved file) — only after the PDF exists, so a failed render leaves no false record.
    """
    from app.services import output
    from app.typeset import render

    actor = ctx.require(Action.VIEW_AUDIT)
    description, rows = print_description(ctx, f)
    with ctx.session() as s, s.begin():
        level = int(s.execute(_where(select(func.max(AuditEvent.classification)), f)).scalar() or 0)
    level = min(level, int(actor.clearance))
    result = render(description, "pdf")
    detail: dict[str, Any] = {**f.describe(), "rows": rows}
    if path is not None:
        detail.update(file=path.name)
    done = output.finish(ctx, actor, kind="audit_print", fmt="pdf", data=result.data,
                         action="audit.export" if path is not None else "audit.print",
                         object_type="audit_log", classification=level,
                         title=str(description["title"]), warnings=result.warnings,
                         detail=detail, series=[output.Series("audit_print", 0)])
    if path is not None:
        output.save(done, path, private=True)
    return done


# ---------------------------------------------------------------- review tools (issue 31)

MAX_MARK = 1_000


def mark_reviewed(ctx: ServiceContext, seqs: list[int], note: str = "") -> int:
    """Mark the entries ``seqs`` as reviewed (``Action.REVIEW_AUDIT``): a row in
    ``audit_reviews`` each — the chained entry itself never changes — and one ``audit.review``
    event. Only entries the reviewer may see (``_scope``) can be marked; already marked ones are
    skipped. Returns how many were newly marked."""
    actor = ctx.require(Action.REVIEW_AUDIT)
    wanted = sorted({int(q) for q in seqs})
    if not wanted:
        raise InputError("请选择要标记为已审阅的审计记录。")
    if len(wanted) > MAX_MARK:
        raise InputError(f"一次最多标记 {MAX_MARK} 条审计记录。")
    note = note.strip()[:200]
    with ctx.session() as s, s.begin():
        stmt = _scoped(s, select(AuditEvent.seq).where(AuditEvent.seq.in_(wanted)), actor)
        visible = set(s.execute(stmt).scalars())
    outside = [q for q in wanted if q not in visible]
    if outside:  # whose entries one reviews is a 三员分立 rule: refused as one (CLI exit 2)
        exc = SeparationDenied(
            "三员分立：第 " + "、".join(map(str, outside[:10])) + " 条审计记录不存在或不在您的"
            "审阅范围内（安全审计员审阅系统管理员和安全保密管理员的记录，安全保密管理员审阅"
            "安全审计员和业务用户的记录）。")
        audit.record_refused(ctx, "audit.review", "audit_log", "",
                             {"seqs": outside[:50], "reason": exc.message})
        raise exc
    with ctx.session() as s, s.begin():
        done = _reviewed(s, wanted)
        new = [q for q in wanted if q not in done]
        for q in new:
            s.add(AuditReview(event_seq=q, reviewer_id=actor.user_id, reviewer=actor.username,
                              reviewed_at=ctx.now(), note=note))
        s.flush()
        audit.append(s, actor, "audit.review", "audit_log", "",
                     {"seqs": new[:200], "count": len(new), **({"note": note} if note else {})},
                     at=ctx.now())
    return len(new)


def purge(ctx: ServiceContext, before: date) -> None:
    """Requests to delete entries older than ``before``: always refused, and audited.

    Entries younger than ``RETENTION_DAYS`` (网络安全法: six months) can never be purged; older
    ones are links of the hash chain (deleting them would break every later link), so the
    program deletes none: the whole store is archived with the database backups instead."""
    ctx.require(Action.REVIEW_AUDIT)
    cutoff = (ctx.now() - timedelta(days=RETENTION_DAYS)).astimezone().date()
    if before > cutoff:
        reason = (f"网络安全法要求网络日志留存不少于六个月：{RETENTION_DAYS} 天内（{cutoff} 之后）的"
                  "审计记录不能删除。")
    else:
        reason = ("审计记录是哈希链的一环，删除任何一条都会使其后的校验失败；本程序不删除审计记录，"
                  "请随数据库备份归档保存。")
    audit.record_refused(ctx, "audit.purge", "audit_log", "",
                         {"before": before.isoformat(), "reason": reason})
    raise PermissionDenied(reason)


@dataclass(frozen=True)
class StoreStatus:
    rows: int
    threshold: int
    warning: str | None


def store_status(ctx: ServiceContext) -> StoreStatus:
    """How large the audit store is against its warning threshold (``audit_warn_rows``); a
    warning for the auditor once it passes it."""
    from app.storage.models import SecuritySettings

    ctx.require(Action.VIEW_AUDIT)
    with ctx.session() as s, s.begin():
        rows = int(s.execute(select(func.count()).select_from(AuditEvent)).scalar_one())
        row = s.get(SecuritySettings, 1)
        threshold = int(row.audit_warn_rows) if row is not None else 500_000
    warning = None
    if rows >= threshold:
        warning = (f"审计记录已有 {rows} 条，超过告警阈值 {threshold} 条：请安全审计员导出归档，"
                   "并检查数据库所在磁盘的剩余空间。")
    return StoreStatus(rows, threshold, warning)


def review_report_description(ctx: ServiceContext, f: AuditFilter) -> tuple[dict[str, Any], int]:
    """The periodic review report (审计审阅报告) for the reader's scope and ``f``'s period: the
    counts (entries, refused attempts, reviewed, not yet reviewed), the refused attempts and the
    entries not yet reviewed, as a typesetting description."""
    from app.storage.models import OfficeSettings

    actor = ctx.require(Action.REVIEW_AUDIT)
    clearance = int(actor.clearance)
    with ctx.session() as s, s.begin():
        office = s.get(OfficeSettings, 1)
        issuer = office.office_name.strip() if office is not None else ""
        base = _scoped(s, _where(select(AuditEvent), f), actor)
        total = int(s.execute(select(func.count()).select_from(base.subquery())).scalar_one())
        if total == 0:
            raise InputError("所选期间内没有您审阅范围内的审计记录。")
        refused = int(s.execute(select(func.count()).select_from(
            base.where(AuditEvent.outcome == audit.REFUSED).subquery())).scalar_one())
        reviewed_q = base.where(AuditEvent.seq.in_(select(AuditReview.event_seq)))
        reviewed = int(s.execute(select(func.count()).select_from(
            reviewed_q.subquery())).scalar_one())
        listed = base.where(
            (AuditEvent.outcome == audit.REFUSED)
            | AuditEvent.seq.not_in(select(AuditReview.event_seq))
        ).order_by(AuditEvent.seq).limit(MAX_PRINT)
        events = list(s.execute(listed).scalars())
        who = Names(s)
        done = _reviewed(s, [e.seq for e in events])
        rows = [[e.at.astimezone().strftime("%Y-%m-%d %H:%M"), who.name_and_login(e.actor),
                 action_label(e.action), OUTCOME_LABELS.get(e.outcome, e.outcome),
                 e.desk or "—", "已审阅" if e.seq in done else "未审阅"]
                for e, _oid, _detail in _masked(s, events, clearance, actor)]
    period = print_title(f).replace("审计日志", "", 1)
    description: dict[str, Any] = {
        "title": f"审计审阅报告{period}",
        "body": [
            f"审阅人：{actor.label}（{actor.roles_label}）。",
            f"审阅范围内共有审计记录 {total} 条，其中被拒绝的操作 {refused} 条；"
            f"已审阅 {reviewed} 条，未审阅 {total - reviewed} 条。",
            "下表列出被拒绝的操作和尚未审阅的记录，按时间先后排列"
            + (f"（仅列前 {MAX_PRINT} 条）" if len(rows) >= MAX_PRINT else "") + "。",
            {"table": {"header": ["时间", "用户", "操作", "结果", "终端", "审阅"],
                       "rows": rows or [["—", "—", "无", "—", "—", "—"]]}},
        ],
        "date": ctx.now().astimezone().date().isoformat(),
    }
    if issuer:
        description["issuer"] = issuer
    return description, total


def review_report_pdf(ctx: ServiceContext, f: AuditFilter, path: Path | None = None) -> bytes:
    """The periodic review report as PDF (the one function that makes it), through the paper
    path: marked with the highest 密级 among the entries in the reviewer's range, watermarked when
    classified; with ``path`` also saved there (atomically, private). Audited as
    ``audit.report`` once the PDF exists."""
    from app.services import output
    from app.typeset import render

    actor = ctx.require(Action.REVIEW_AUDIT)
    description, total = review_report_description(ctx, f)
    with ctx.session() as s, s.begin():
        level = int(s.execute(_scoped(s, _where(select(func.max(AuditEvent.classification)), f),
                                      actor)).scalar() or 0)
    level = min(level, int(actor.clearance))
    result = render(description, "pdf")
    detail: dict[str, Any] = {**f.describe(), "rows": total}
    if path is not None:
        detail.update(file=path.name)
    done = output.finish(ctx, actor, kind="audit_review", fmt="pdf", data=result.data,
                         action="audit.report", object_type="audit_log", classification=level,
                         title=str(description["title"]), warnings=result.warnings,
                         detail=detail, series=[output.Series("audit_review", 0)])
    if path is not None:
        output.save(done, path, private=True)
    return done
