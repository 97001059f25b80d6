"""The duty workbench (工作台): one read of everything the desk must watch right now.

The workbench owns no tables. It asks each module's service for its clocks and deadlines
(incident report clocks, 督办 decisions, incoming documents, an unacknowledged handover, 交接班
items with a deadline) so each module's own rules and clearance filter apply, then merges them
into one list ordered by urgency: red before amber before green, and within a colour the earliest
due first. The week counts are the only queries of its own (read-only ``COUNT``s through
``visible``), because no module offers a "since Monday" count.

Everything here is plain data so the GUI can run ``snapshot`` in a background worker and only
paint the result; ``notifications`` is the pure rule for "a clock turned amber or red" (each
transition once), kept here so it is tested without Qt.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.domain import supervision as sv
from app.domain.incoming import DueState, Status
from app.domain.security import Action
from app.errors import UserError
from app.services import documents, duty, holidays, incidents, incoming, minutes
from app.services.context import ServiceContext, visible
from app.storage.models import (
    Document,
    DutyHandover,
    DutyLogEntry,
    Incident,
    IncomingDoc,
    Meeting,
)

log = logging.getLogger(__name__)

#: Traffic-light order: the most urgent colour sorts first.
STATE_RANK = {"red": 0, "amber": 1, "green": 2}
STATE_LABELS = {"red": "红", "amber": "黄", "green": "绿"}
#: At most this many items per source (most urgent first), so 10 000 overdue 收文 cannot flood
#: the list or the wire; how many more there are is counted (``Snapshot.unlisted``).
PER_SOURCE_LIMIT = 50
#: An unacknowledged handover turns red after this long.
HANDOVER_RED_AFTER = dt.timedelta(hours=1)
#: A shift change with no handover recorded is amber at once and red after this long.
MISSED_HANDOVER_GRACE = dt.timedelta(minutes=30)
#: A handover written this long before the shift change still counts for it.
HANDOVER_EARLY = dt.timedelta(hours=2)
RECENT_DOCUMENTS = 8


@dataclass(frozen=True)
class WorkItem:
    """One clock or deadline on the workbench; ``area``/``record_id`` say where a click goes."""

    kind: str  # incident | decision | incoming | handover | paper
    area: str  # navigation key of the page that shows it
    record_id: int
    title: str
    label: str  # what is due (首报, 督办事项, 收文办理, 交接班确认)
    due: dt.datetime | None  # aware local time
    state: str  # red | amber | green
    text: str  # human text: "剩余 25 分钟", "逾期 2 天"

    @property
    def key(self) -> str:
        """Stable identity of the clock (one incident has several report clocks)."""
        return f"{self.kind}:{self.record_id}:{self.label}"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


KIND_LABELS = {"incident": "突发事件", "decision": "督办", "incoming": "收文", "handover": "交接班"}


@dataclass(frozen=True)
class Snapshot:
    taken_at: dt.datetime
    on_duty: duty.OnDuty | None
    items: tuple[WorkItem, ...]
    recent: tuple[documents.DocumentRow, ...]
    week: Mapping[str, int]
    #: Sources that could not be read (e.g. the role may not see them), with the reason.
    skipped: Mapping[str, str] = field(default_factory=dict)
    #: Next year, from 1 November while it has no holiday table (the banner), else None.
    holidays_missing: int | None = None
    #: Clocks a capped source did not list (kind → how many more): the page says so and links
    #: to the area's page, where all of them are.
    unlisted: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Notification:
    key: str
    state: str
    item: WorkItem

    @property
    def message(self) -> str:
        word = "已逾期/到时" if self.state == "red" else "即将到期"
        return f"【{self.item.kind_label}】{self.item.title}：{self.item.label}{word}（{self.item.text}）"


class Capped(list[WorkItem]):
    """A source's items, at most ``PER_SOURCE_LIMIT`` of each kind, with how many there are."""

    def __init__(self, items: Iterable[WorkItem], total: int) -> None:
        super().__init__(items)
        self.total = max(total, len(self))


def _local(ctx: ServiceContext) -> dt.datetime:
    return ctx.now().astimezone()


def _end_of_day(day: dt.date, tz: dt.tzinfo | None) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tz)


def _days_text(deadline: dt.date, today: dt.date) -> str:
    left = (deadline - today).days
    if left < 0:
        return f"逾期 {-left} 天"
    return "今日到期" if left == 0 else f"剩余 {left} 天"


def incident_items(ctx: ServiceContext) -> list[WorkItem]:
    out = []
    clocks = incidents.open_clocks(ctx)
    for c in clocks[:PER_SOURCE_LIMIT]:
        due = c.due if c.due.tzinfo else c.due.astimezone()
        state = "green" if c.state == "ok" else c.state
        out.append(WorkItem("incident", "incidents", c.incident_id, c.title, c.label, due, state,
                            c.text))
    return Capped(out, len(clocks))


def decision_items(ctx: ServiceContext) -> list[WorkItem]:
    now = _local(ctx)
    today = now.date()
    out, total = [], 0
    for reminder, state in ((sv.Reminder.OVERDUE, "red"), (sv.Reminder.DUE_SOON, "amber")):
        f = minutes.BoardFilter(reminder=reminder)
        rows = minutes.board(ctx, f, today, limit=PER_SOURCE_LIMIT)
        total += len(rows) if len(rows) < PER_SOURCE_LIMIT else minutes.count_board(ctx, f, today)
        for r in rows:
            d = r.decision
            assert d.deadline is not None  # the reminder filters need a deadline
            title = f"{r.meeting_title}：{d.text[:40]}"
            out.append(WorkItem("decision", "minutes", d.id, title, "督办事项",
                                _end_of_day(d.deadline, now.tzinfo), state,
                                _days_text(d.deadline, today)))
    return Capped(out, total)


def incoming_items(ctx: ServiceContext) -> list[WorkItem]:
    now = _local(ctx)
    today = now.date()
    out, total = [], 0
    for due, state in ((DueState.OVERDUE, "red"), (DueState.DUE_SOON, "amber")):
        f = incoming.IncomingFilter(status=Status.OPEN, due=due)
        rows = incoming.list_page(ctx, f, limit=PER_SOURCE_LIMIT, sort="deadline",
                                  descending=False)
        total += len(rows) if len(rows) < PER_SOURCE_LIMIT else incoming.count(ctx, f)
        for r in rows:
            assert r.deadline is not None
            out.append(WorkItem("incoming", "incoming", r.id, f"{r.reg_no} {r.title}", "收文办理",
                                _end_of_day(r.deadline, now.tzinfo), state,
                                _days_text(r.deadline, today)))
    return Capped(out, total)


def paper_items(ctx: ServiceContext) -> list[WorkItem]:
    """Classified copies handed out and due back (涉密文件清退) within 3 days: red once overdue."""
    from app.services import output

    now = _local(ctx)
    today = now.date()
    out = []
    for c in output.list_due(ctx, today + dt.timedelta(days=3), limit=PER_SOURCE_LIMIT):
        assert c.due_back is not None
        state = "red" if c.due_back < today else "amber"
        out.append(WorkItem("paper", "documents", c.object_id,
                            f"{c.title} 第{c.copy_text}份（{c.recipient_unit} {c.recipient_person}）",
                            "涉密文件清退", _end_of_day(c.due_back, now.tzinfo), state,
                            _days_text(c.due_back, today)))
    return out


def handover_items(ctx: ServiceContext) -> list[WorkItem]:
    """The shift handed over but not yet taken over (接班人 has not confirmed)."""
    pending = duty.pending_handover(ctx)
    if pending is None:
        return []
    now = _local(ctx)
    handed = pending.handed_at.astimezone()
    due = handed + HANDOVER_RED_AFTER
    minutes_ago = max(0, int((now - handed).total_seconds() // 60))
    state = "red" if now >= due else "amber"
    return [WorkItem("handover", "duty", pending.id, f"{pending.outgoing_name} 已交班，待接班确认",
                     "交接班确认", due, state, f"已等待 {minutes_ago} 分钟")]


def due_handover_items(ctx: ServiceContext) -> list[WorkItem]:
    """交接班 open items with a deadline (办理时限): red once past it, amber within
    ``duty.ITEM_DUE_SOON`` of it, green before."""
    now = _local(ctx)
    out = []
    for item in duty.list_due_items(ctx, limit=PER_SOURCE_LIMIT):
        assert item.deadline is not None
        out.append(WorkItem("handover", "duty", item.id, item.text[:40], "交接事项",
                            item.deadline.astimezone(), item.due_state(now), item.due_text(now)))
    return out


def missed_handover_items(ctx: ServiceContext) -> list[WorkItem]:
    """The current shift began, someone was on duty in the shift before, and no handover was
    written around the change (the 值班 module records handovers but does not watch for the
    missing one: this reads its tables read-only)."""
    from app.services import duty

    ctx.require(Action.VIEW)
    now = _local(ctx)
    rules = duty.get_rules(ctx)
    shifts, hours = rules.shifts, rules.hours
    day, index = hours.at(now)
    start = hours.start(day, index, now.tzinfo)
    prev_day, prev_index = hours.preceding(day, index)
    before = [d for d in duty.duties_between(ctx, prev_day, prev_day)
              if d.shift == shifts[prev_index]]
    if not before:
        return []
    with ctx.session() as s, s.begin():
        written = s.scalar(select(func.count()).select_from(DutyHandover).where(
            DutyHandover.handed_at >= (start - HANDOVER_EARLY).astimezone(dt.UTC)))
    if written:
        return []
    due = start + MISSED_HANDOVER_GRACE
    late = max(0, int((now - start).total_seconds() // 60))
    names = "、".join(sorted({d.staff_name for d in before}))
    return [WorkItem("handover", "duty", 0, f"{start:%m月%d日%H:%M}交接班未记录（上一班：{names}）",
                     "交班记录", due, "red" if now >= due else "amber",
                     f"已过交班时间 {late} 分钟")]


def order(items: Iterable[WorkItem]) -> list[WorkItem]:
    """Red, then amber, then green; within a colour the earliest due first (no due last)."""
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(items, key=lambda i: (STATE_RANK[i.state], i.due or far, i.kind, i.record_id))


def _week_start(now: dt.datetime) -> dt.datetime:
    monday = now.date() - dt.timedelta(days=now.weekday())
    return dt.datetime.combine(monday, dt.time(), now.tzinfo)


def week_counts(ctx: ServiceContext) -> dict[str, int]:
    """What came in this week (Monday 00:00 local until now), clearance-filtered in SQL."""
    actor = ctx.require(Action.VIEW)
    now = _local(ctx)
    start = _week_start(now)
    start_utc = start.astimezone(dt.UTC)
    queries = {
        # created ≤ updated, so the updated_at bound changes nothing but lets the index serve
        "公文": visible(select(func.count()).select_from(Document), Document, actor)
        .where(Document.updated_at >= start_utc, Document.created_at >= start_utc),
        "收文": visible(select(func.count()).select_from(IncomingDoc), IncomingDoc, actor)
        .where(IncomingDoc.received_at >= start_utc),
        "会议": visible(select(func.count()).select_from(Meeting), Meeting, actor)
        .where(Meeting.date >= start.date(), Meeting.date <= now.date()),
        "值班记录": visible(select(func.count()).select_from(DutyLogEntry), DutyLogEntry, actor)
        .where(DutyLogEntry.received_at >= start_utc),
        # Incident times are stored as naive local wall-clock time.
        "突发事件": visible(select(func.count()).select_from(Incident), Incident, actor)
        .where(Incident.received_at >= start.replace(tzinfo=None)),
    }
    with ctx.session() as s, s.begin():
        return {name: int(s.execute(q).scalar_one()) for name, q in queries.items()}


SOURCES = {
    "incident": incident_items,
    "decision": decision_items,
    "incoming": incoming_items,
    "handover": handover_items,
    "paper": paper_items,
    "handover_open": due_handover_items,
    "missed_handover": missed_handover_items,
}


def items(ctx: ServiceContext, unlisted: dict[str, int] | None = None
          ) -> tuple[list[WorkItem], dict[str, str]]:
    """All clocks in urgency order, and the sources the actor could not read (with why).
    ``unlisted`` (if given) receives, per kind, how many clocks a capped source left out."""
    ctx.require(Action.VIEW)
    out: list[WorkItem] = []
    skipped: dict[str, str] = {}
    for name, source in SOURCES.items():
        try:
            got = source(ctx)
            out.extend(got)
            more = getattr(got, "total", len(got)) - len(got)
            if more > 0 and got and unlisted is not None:
                kind = got[0].kind
                unlisted[kind] = unlisted.get(kind, 0) + more
        except UserError as exc:  # e.g. PermissionDenied for one module: show the others
            skipped[name] = str(exc)
        except Exception:  # a bug or a bad row in one module must not blank the duty desk
            log.exception("workbench source %s failed", name)
            skipped[name] = "读取出错"
    return order(out), skipped


def snapshot(ctx: ServiceContext) -> Snapshot:
    """Everything the workbench shows, read in one go (call it off the GUI thread)."""
    unlisted: dict[str, int] = {}
    all_items, skipped = items(ctx, unlisted)
    try:
        on_duty: duty.OnDuty | None = duty.now_on_duty(ctx)
    except UserError as exc:
        on_duty, skipped["on_duty"] = None, str(exc)
    recent = tuple(documents.list_documents(ctx, documents.ListQuery(limit=RECENT_DOCUMENTS)))
    missing = holidays.missing_next_year(ctx, _local(ctx).date())
    return Snapshot(ctx.now(), on_duty, tuple(all_items), recent, week_counts(ctx), skipped,
                    missing, unlisted)


def notifications(previous: Mapping[str, str] | None, current: Iterable[WorkItem]
                  ) -> tuple[dict[str, str], list[Notification]]:
    """Which clocks turned amber or red since ``previous`` (key → state of the last look).

    ``previous`` None is the first look after login: it only sets the baseline (the list already
    shows what is amber or red). A clock notifies when it gets worse (green → amber → red, or
    appears already amber/red); staying the same or getting better says nothing, so each
    transition is notified exactly once."""
    current = list(current)
    seen = {i.key: i.state for i in current}
    if previous is None:
        return seen, []
    out = []
    for item in current:
        before = previous.get(item.key)
        if item.state in ("amber", "red") and (
                before is None or STATE_RANK[item.state] < STATE_RANK[before]):
            out.append(Notification(item.key, item.state, item))
    return seen, out
