"""工作台 service against a real database (SQLite and, in CI, PostgreSQL): clocks from every module
merged in urgency order, clearance applied by each module, week counts, and the notification rule
(each amber/red transition exactly once)."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from app.domain.incoming import Urgency
from app.domain.security import Clearance, Role
from app.services.context import Actor, ServiceContext
from app.services.duty import desk as duty_desk
from app.services.incidents import reports as incidents
from app.services.incoming import book as incoming
from app.services.minutes import meetings as minutes
from app.services.workbench import items as workbench

CST = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=CST)  # a Monday


class Clock:
    def __init__(self, t: dt.datetime = NOW) -> None:
        self.t = t

    def __call__(self) -> dt.datetime:
        return self.t


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield Clock()
    monkeypatch.delenv("TZ")
    time.tzset()


def _as(ctx, clock, role, clearance=Clearance.SECRET, name="王文书"):
    return ServiceContext(ctx.engine, Actor(None, name, role, clearance, name), clock)


def _world(ctx, clock):
    """One clock or deadline from each module, some red, some amber, some not due at all."""
    clerk = _as(ctx, clock, Role.CLERK)
    duty = _as(ctx, clock, Role.DUTY, name="值班员甲")
    # 收文: overdue since 26 Feb (internal), and one far off (not on the workbench)
    base = {"sender": "省应急管理厅", "sender_ref": "应急函〔2026〕8号", "title": "关于报送防汛物资的函",
                "classification": 1, "urgency": Urgency.URGENT, "pages": 2, "summary": "报送清单。",
                "proposal": "", "handler_unit": "办公室", "handler_person": "李四",
                "received_at": dt.datetime(2026, 2, 20, 9, 0, tzinfo=CST)}
    late = incoming.register(clerk, incoming.IncomingIn(**base, deadline=dt.date(2026, 2, 26)))
    incoming.register(clerk, incoming.IncomingIn(**(base | {"title": "远期事项"}),
                                                 deadline=dt.date(2026, 6, 30)))
    # 督办: one overdue (27 Feb), one due in two days, one far off; the meeting is internal
    t = minutes.create_type(clerk, "常务会议", organ="市政府")
    m = minutes.create_meeting(clerk, t.id, dt.date(2026, 2, 20), classification=1)
    tp = minutes.save_topic(clerk, m.id, "防汛准备")
    d_red = minutes.add_decision(clerk, tp.id, "完成物资盘点。", deadline=dt.date(2026, 2, 27))
    d_amber = minutes.add_decision(clerk, tp.id, "修订应急预案。", deadline=dt.date(2026, 3, 4))
    minutes.add_decision(clerk, tp.id, "开展演练。", deadline=dt.date(2026, 4, 30))
    # 突发事件: received 09:10, level 3 — the written 首报 is due at 10:10 (10 minutes left: amber)
    inc = incidents.create_incident(duty, incidents.IncidentData(
        title="临江路燃气爆燃事故", category="事故灾难", subtype="火灾事故", level=3,
        occurred_at=dt.datetime(2026, 3, 2, 9, 0), received_at=dt.datetime(2026, 3, 2, 9, 10),
        place="临江路128号", summary="发生燃气爆燃。"))
    # 交接班: handed over at 08:30, not yet taken over — 90 minutes waiting: red
    clock.t = dt.datetime(2026, 3, 2, 8, 30, tzinfo=CST)
    h = duty_desk.hand_over(duty, "夜间平稳。")
    clock.t = NOW
    return {"incoming": late.id, "red": d_red.id, "amber": d_amber.id, "incident": inc.id,
            "handover": h.id}


def test_items_from_every_module_in_urgency_order(ctx, clock):
    ids = _world(ctx, clock)
    leader = _as(ctx, clock, Role.LEADER)
    got, skipped = workbench.items(leader)
    assert skipped == {}
    assert [(i.kind, i.record_id, i.state) for i in got] == [
        ("incoming", ids["incoming"], "red"),   # due 26 Feb
        ("decision", ids["red"], "red"),        # due 27 Feb
        ("handover", ids["handover"], "red"),   # due 09:30 today
        ("incident", ids["incident"], "amber"),  # due 10:10 today
        ("decision", ids["amber"], "amber"),    # due 4 Mar
    ]
    assert [i.area for i in got] == ["incoming", "minutes", "duty", "incidents", "minutes"]
    assert got[0].text == "逾期 4 天" and got[4].text == "剩余 2 天"
    assert got[3].due == dt.datetime(2026, 3, 2, 10, 10, tzinfo=CST)
    assert got[2].text == "已等待 90 分钟"


def test_clearance_applied_through_the_services(ctx, clock):
    ids = _world(ctx, clock)
    public = _as(ctx, clock, Role.LEADER, Clearance.PUBLIC, name="公开读者")
    got, _ = workbench.items(public)
    # the internal 收文 and the internal meeting's decisions are not shown
    assert [(i.kind, i.record_id) for i in got] == [("handover", ids["handover"]),
                                                     ("incident", ids["incident"])]
    snap = workbench.snapshot(public)
    assert snap.week["收文"] == 0 and snap.week["突发事件"] == 1
    assert snap.week["会议"] == 0  # the meeting was last week anyway


def test_snapshot_week_counts_recent_documents_and_on_duty(ctx, clock):
    _world(ctx, clock)
    leader = _as(ctx, clock, Role.LEADER)
    snap = workbench.snapshot(leader)
    # 收文 were received last week; the incident came in this Monday
    assert dict(snap.week) == {"公文": 0, "收文": 0, "会议": 0, "值班记录": 0, "突发事件": 1}
    assert snap.recent == ()
    assert snap.on_duty is not None and snap.on_duty.people == ()  # no roster published
    assert len(snap.items) == 5
    clock.t = dt.datetime(2026, 3, 9, 10, 0, tzinfo=CST)  # next Monday: a new week
    assert workbench.snapshot(leader).week["突发事件"] == 0


def test_notifications_once_per_transition(ctx, clock):
    ids = _world(ctx, clock)
    leader = _as(ctx, clock, Role.LEADER)
    clock.t = dt.datetime(2026, 3, 2, 9, 40, tzinfo=CST)  # 30 minutes left: the clock is green
    first, _ = workbench.items(leader)
    seen, notes = workbench.notifications(None, first)
    assert notes == []  # the first look is the baseline
    assert seen[f"incident:{ids['incident']}:首报（书面）"] == "green"
    again, notes = workbench.notifications(seen, workbench.items(leader)[0])
    assert notes == []  # nothing changed
    clock.t = NOW  # 10 minutes left: amber
    seen, notes = workbench.notifications(again, workbench.items(leader)[0])
    assert [(n.item.kind, n.state) for n in notes] == [("incident", "amber")]
    assert "临江路燃气爆燃事故" in notes[0].message
    seen, notes = workbench.notifications(seen, workbench.items(leader)[0])
    assert notes == []  # still amber: told once
    clock.t = dt.datetime(2026, 3, 2, 10, 11, tzinfo=CST)  # past due: red
    seen, notes = workbench.notifications(seen, workbench.items(leader)[0])
    assert [(n.item.kind, n.state) for n in notes] == [("incident", "red")]


def test_shift_change_without_a_handover(ctx, clock):
    from sqlalchemy.orm import Session

    from app.storage.models import DutyAssignment, DutyRoster, DutyStaff

    with Session(ctx.engine) as s, s.begin():  # a published roster: 1 March, 全天 shift
        staff = DutyStaff(name="张值班", roles=["officer"], active=True)
        roster = DutyRoster(title="三月", start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31),
                            status="published", published_at=NOW - dt.timedelta(days=9))
        s.add_all([staff, roster])
        s.flush()
        s.add(DutyAssignment(roster_id=roster.id, day=dt.date(2026, 3, 1), shift="全天",
                             role="officer", staff_id=staff.id))
    leader = _as(ctx, clock, Role.LEADER)
    clock.t = dt.datetime(2026, 3, 2, 8, 20, tzinfo=CST)  # before the 08:30 change: nothing yet
    assert workbench.items(leader)[0] == []
    clock.t = dt.datetime(2026, 3, 2, 8, 45, tzinfo=CST)
    got = workbench.items(leader)[0]
    assert [(i.kind, i.area, i.state, i.text) for i in got] == [
        ("handover", "duty", "amber", "已过交班时间 15 分钟")]
    assert "张值班" in got[0].title
    clock.t = dt.datetime(2026, 3, 2, 9, 5, tzinfo=CST)
    assert [i.state for i in workbench.items(leader)[0]] == ["red"]
    duty_desk.hand_over(_as(ctx, clock, Role.DUTY, name="张值班"), "夜间平稳。")
    got = workbench.items(leader)[0]  # now recorded: only "waiting to be taken over" remains
    assert [(i.label, i.state) for i in got] == [("交接班确认", "amber")]
    clock.t = dt.datetime(2026, 3, 3, 8, 20, tzinfo=CST)  # no one on duty on 2 March
    assert [i.label for i in workbench.items(leader)[0]] == ["交接班确认"]


def test_one_failing_source_does_not_blank_the_desk(ctx, clock, monkeypatch, caplog):
    ids = _world(ctx, clock)

    def broken(_ctx):
        raise ValueError("'very_urgent' is not a valid Urgency")

    monkeypatch.setitem(workbench.SOURCES, "incoming", broken)
    got, skipped = workbench.items(_as(ctx, clock, Role.LEADER))
    assert skipped == {"incoming": "读取出错"}
    assert "incoming" not in {i.kind for i in got}
    assert ("incident", ids["incident"]) in {(i.kind, i.record_id) for i in got}
    assert "workbench source incoming failed" in caplog.text


def test_capped_sources_count_what_they_leave_out(ctx, clock, monkeypatch):
    """At most ``PER_SOURCE_LIMIT`` clocks per source, most urgent first; the snapshot says how
    many more each capped kind has (exact: counted in SQL), and nothing for an uncapped one."""
    monkeypatch.setattr(workbench, "PER_SOURCE_LIMIT", 2)
    clerk = _as(ctx, clock, Role.CLERK)
    today = NOW.date()
    for i in range(5):
        incoming.register(clerk, incoming.IncomingIn(
            sender="省应急管理厅", sender_ref=f"应急函〔2026〕{i}号", title=f"来文{i}",
            urgency=Urgency.URGENT, pages=1, summary="", proposal="", handler_unit="办公室",
            handler_person="李四",
            received_at=NOW - dt.timedelta(days=10), deadline=today - dt.timedelta(days=1 + i)))
    snap = workbench.snapshot(clerk)
    listed = [i for i in snap.items if i.kind == "incoming"]
    assert [i.title.split(" ")[1] for i in listed] == ["来文4", "来文3"]  # the most overdue
    assert snap.unlisted == {"incoming": 3}
    monkeypatch.setattr(workbench, "PER_SOURCE_LIMIT", 50)
    assert workbench.snapshot(clerk).unlisted == {}
