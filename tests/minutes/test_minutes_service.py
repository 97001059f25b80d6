"""会议纪要 service: numbering, attendance order, the 督办 lifecycle with refusal and send-back,
the board, statistics and the XLSX 通报 — all read back from the database."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.domain import supervision as sv
from app.errors import InputError, PermissionDenied, UserError
from app.services.minutes import meetings as mn
from app.storage.models import Attendee, AuditEvent, DecisionEvent, Meeting

D = dt.date


def _meeting(clerk, **kw):
    t = mn.create_type(clerk, "常务会议", organ="市政府", mark="临江市人民政府常务会议纪要")
    m = mn.create_meeting(clerk, t.id, kw.pop("date", D(2026, 2, 13)), time="09:00",
                          venue="市政府第一会议室", host="赵志远", host_title="市长",
                          recorder="卫晓东", **kw)
    return t, m


def test_meeting_numbering_per_type_and_minutes_series_at_issue(people):
    clerk, _leader = people
    t, m1 = _meeting(clerk, seq=11)
    m2 = mn.create_meeting(clerk, t.id, D(2026, 2, 20))
    other = mn.create_type(clerk, "专题会议", organ="市政府")
    m3 = mn.create_meeting(clerk, other.id, D(2026, 2, 20))
    assert (m1.seq, m2.seq, m3.seq) == (11, 12, 1)
    assert m2.title == "市政府第十二次常务会议"
    with pytest.raises(InputError, match="第十二次常务会议已存在"):
        mn.create_meeting(clerk, t.id, D(2026, 2, 21), seq=12)
    numbers = []
    for m in (m2, m1):  # issued out of order: the series follows issue order
        tp = mn.save_topic(clerk, m.id, "议题")
        mn.add_decision(clerk, tp.id, "会议同意。")
        mn.set_attendance(clerk, m.id, "present", [mn.AttendeeIn("赵志远")])
        mn.generate_minutes(clerk, m.id)
        numbers.append(mn.issue_minutes(clerk, m.id).minutes_number)
    assert numbers == ["〔2026〕1号", "〔2026〕2号"]
    assert json.loads(_row(clerk, m1.id).issued_json)["doc_no"] == "〔2026〕2号"


def _row(ctx, meeting_id):
    with ctx.session() as s:
        return s.get(Meeting, meeting_id)


def test_attendance_keeps_protocol_order_and_checks_entries(people):
    clerk, _ = people
    _t, m = _meeting(clerk)
    names = ["赵志远", "钱国华", "孙丽"]
    mn.set_attendance(clerk, m.id, "present", [mn.AttendeeIn(n) for n in names])
    mn.set_attendance(clerk, m.id, "present", [mn.AttendeeIn(n) for n in reversed(names)])
    with clerk.session() as s:
        got = s.execute(select(Attendee.name).where(Attendee.meeting_id == m.id)
                        .order_by(Attendee.position)).scalars().all()
    assert got == list(reversed(names))
    with pytest.raises(InputError, match="请假事由"):
        mn.set_attendance(clerk, m.id, "absent", [mn.AttendeeIn("郑明")])
    with pytest.raises(InputError, match="孙丽已在其他名单中"):
        mn.set_attendance(clerk, m.id, "absent", [mn.AttendeeIn("孙丽", reason="出差")])
    got = mn.set_attendance(clerk, m.id, "absent", [mn.AttendeeIn("郑明", reason="出差")])
    assert got[0].display == "郑明（出差）"
    attending = mn.set_attendance(clerk, m.id, "attending",
                                  [mn.AttendeeIn("冯涛", title="市应急管理局局长")])
    assert attending[0].display == "市应急管理局局长冯涛"


def test_supervision_lifecycle_with_refusal_and_send_back(people, clock):
    clerk, leader = people
    _t, m = _meeting(clerk)
    tp = mn.save_topic(clerk, m.id, "春运交通保障方案", unit="市交通运输局",
                       materials=["春运方案（送审稿）", "情况说明"])
    d = mn.add_decision(clerk, tp.id, "请市交通运输局修改完善方案后印发实施。",
                        lead_unit="市交通运输局", lead_person="陈斌",
                        coop_units=["市公安局", "市城管局"], workdays=5)
    assert d.deadline == D(2026, 2, 27) and d.status is sv.Status.PENDING
    assert d.coop_units == ("市公安局", "市城管局")

    with pytest.raises(UserError, match="不能报告办结"):
        mn.report_completion(clerk, d.id, "已印发")
    with pytest.raises(PermissionDenied):
        mn.register(leader, d.id)  # 领导 does not record; 文书 does
    steps = []

    def step(fn, *args, **kw):
        clock.advance(hours=1)
        steps.append(clock.now)
        return fn(*args, **kw)

    assert step(mn.register, clerk, d.id, "列入督办").status is sv.Status.OPEN
    step(mn.report_progress, clerk, d.id, "已征求公安、城管意见")
    ext = step(mn.request_extension, clerk, d.id, "需补充征求意见", D(2026, 3, 6))
    assert ext.status is sv.Status.EXTENSION and ext.deadline == D(2026, 2, 27)
    with pytest.raises(PermissionDenied):
        mn.decide_extension(leader.with_actor(_reader(people)), d.id, True)
    refused = step(mn.decide_extension, leader, d.id, False, "期限内可以完成")
    assert refused.status is sv.Status.OPEN and refused.deadline == D(2026, 2, 27)
    step(mn.request_extension, clerk, d.id, "方案需报市委审定", D(2026, 3, 6))
    approved = step(mn.decide_extension, leader, d.id, True, "同意")
    assert approved.deadline == D(2026, 3, 6)
    step(mn.report_completion, clerk, d.id, "方案已印发", report_date=D(2026, 3, 4))
    back = step(mn.review, leader, d.id, False, "未附印发文件")
    assert back.status is sv.Status.OPEN and back.completed_on is None
    step(mn.report_completion, clerk, d.id, "已附印发文件", report_date=D(2026, 3, 5))
    ok = step(mn.review, leader, d.id, True, "同意办结")
    assert ok.status is sv.Status.ACCEPTED and ok.completed_on == D(2026, 3, 5)
    done = step(mn.close, clerk, d.id, "销号")
    assert done.status is sv.Status.CLOSED
    with pytest.raises(UserError, match="已销号"):
        mn.report_progress(clerk, d.id, "再报")

    hist = mn.history(clerk, d.id)
    assert [h.step.value for h in hist] == [
        "register", "progress", "extension_request", "extension_refuse", "extension_request",
        "extension_approve", "completion", "send_back", "completion", "accept", "close"]
    assert [h.at for h in hist] == steps
    assert [h.actor for h in hist] == ["卫晓东", "卫晓东", "卫晓东", "钱国华", "卫晓东", "钱国华",
                                       "卫晓东", "钱国华", "卫晓东", "钱国华", "卫晓东"]
    assert hist[5].old_deadline == D(2026, 2, 27) and hist[5].new_deadline == D(2026, 3, 6)
    with clerk.session() as s:
        assert s.execute(select(DecisionEvent).where(
            DecisionEvent.decision_id == d.id)).scalars().all().__len__() == 11
        actions = s.execute(select(AuditEvent.action).where(
            AuditEvent.action.like("minutes.supervise.%")).order_by(AuditEvent.seq)).scalars().all()
    assert len(actions) == 11 and actions[-1] == "minutes.supervise.close"
    stats = mn.unit_stats(clerk, D(2026, 3, 10))
    assert [(u.unit, u.completed, u.on_time) for u in stats] == [("市交通运输局", 1, 1)]
    assert mn.monthly_on_time(clerk, 2026, D(2026, 3, 10))[2] == (3, 1, 0)


def _reader(people):
    from app.domain.security import Role
    from app.services.context import Actor

    a = people[0].actor
    return Actor(None, "reader", Role.READER, a.clearance, "只读")


def test_board_filters_and_xlsx_export(people, tmp_path):
    clerk, leader = people
    _t, m = _meeting(clerk)
    tp = mn.save_topic(clerk, m.id, "节日安全")
    a = mn.add_decision(clerk, tp.id, "甲事项", lead_unit="市应急管理局", deadline=D(2026, 2, 24))
    b = mn.add_decision(clerk, tp.id, "乙事项", lead_unit="市民政局", deadline=D(2026, 3, 20),
                        coop_units=["市应急管理局"])
    c = mn.add_decision(clerk, tp.id, "丙事项", lead_unit="市民政局", deadline=D(2026, 2, 27))
    for x in (a, b, c):
        mn.register(clerk, x.id)
    mn.report_completion(clerk, c.id, "完成", report_date=D(2026, 2, 26))
    mn.review(leader, c.id, True)
    today = D(2026, 2, 25)
    rows = mn.board(clerk, mn.BoardFilter(), today)
    assert [r.decision.text for r in rows] == ["甲事项", "丙事项", "乙事项"]  # 丙 awaits 销号
    assert [r.reminder for r in rows] == [sv.Reminder.OVERDUE, sv.Reminder.DONE,
                                          sv.Reminder.NONE]
    unit = mn.board(clerk, mn.BoardFilter(unit="应急"), today)
    assert {r.decision.text for r in unit} == {"甲事项", "乙事项"}  # lead or cooperating
    mn.close(clerk, c.id)
    assert "丙事项" not in [r.decision.text for r in mn.board(clerk, mn.BoardFilter(), today)]
    assert [r.decision.text for r in mn.board(clerk, mn.BoardFilter(
        reminder=sv.Reminder.OVERDUE), today)] == ["甲事项"]
    assert [r.decision.text for r in mn.board(clerk, mn.BoardFilter(
        status=sv.Status.CLOSED), today)] == ["丙事项"]
    assert [r.decision.text for r in mn.board(clerk, mn.BoardFilter(
        due_by=D(2026, 3, 1)), today)] == ["甲事项"]
    assert mn.count_board(clerk, mn.BoardFilter(only_open=False), today) == 3
    assert [r.reminder for r in mn.board(clerk, mn.BoardFilter(), D(2026, 3, 18))][1] \
        is sv.Reminder.DUE_SOON

    out = mn.export_xlsx(clerk, tmp_path / "通报.xlsx", today, mn.BoardFilter(only_open=False))
    wb = load_workbook(out)
    ws = wb["督办事项"]
    assert [c.value for c in ws[1]][:6] == ["序号", "会议", "会议日期", "议题", "议定事项", "牵头单位"]
    assert [ws.cell(r, 5).value for r in range(2, 5)] == ["甲事项", "丙事项", "乙事项"]
    assert ws.cell(2, 11).value == "逾期" and ws.cell(2, 11).fill.fgColor.rgb.endswith("F4B6B6")
    assert ws.cell(2, 9).fill.fgColor.rgb.endswith("F4B6B6")
    assert ws.cell(2, 5).alignment.wrap_text and ws.cell(4, 11).fill.fill_type is None
    st = {r[0].value: [c.value for c in r] for r in wb["单位统计"].iter_rows(min_row=2)}
    assert st["市民政局"][1:8] == [2, 1, 0, 0, 1, 1, 1.0]
    assert st["市应急管理局"][4] == 1  # one overdue
    months = list(wb["按月按期办结"].iter_rows(min_row=2, values_only=True))
    assert len(months) == 12 and months[1] == ("2026年2月", 1, 0, 1.0) and months[0][3] is None
    assert not list(tmp_path.glob("*.tmp"))


def test_issued_minutes_are_frozen(people):
    clerk, _ = people
    _t, m = _meeting(clerk)
    with pytest.raises(UserError, match="先录入议题"):
        mn.generate_minutes(clerk, m.id)
    tp = mn.save_topic(clerk, m.id, "议题甲")
    mn.add_decision(clerk, tp.id, "会议同意。")
    mn.set_attendance(clerk, m.id, "present", [mn.AttendeeIn("赵志远")])
    desc = mn.generate_minutes(clerk, m.id)
    assert desc["kind"] == "minutes" and desc["minutes"]["present"] == ["赵志远"]
    mn.edit_minutes(clerk, m.id, body=desc["body"] + "\n会议还要求加强值守。")
    # attendance corrected after the text was generated: the lists follow, the edit stays
    mn.set_attendance(clerk, m.id, "present", [mn.AttendeeIn("赵志远"), mn.AttendeeIn("孙丽")])
    assert mn.minutes_description(clerk, m.id)["minutes"]["present"] == ["赵志远", "孙丽"]
    mn.issue_minutes(clerk, m.id)
    issued = mn.minutes_description(clerk, m.id)
    assert issued["minutes"]["present"] == ["赵志远", "孙丽"]
    for attempt in (lambda: mn.edit_minutes(clerk, m.id, body="改"),
                    lambda: mn.save_topic(clerk, m.id, "新议题"),
                    lambda: mn.set_attendance(clerk, m.id, "present", []),
                    lambda: mn.generate_minutes(clerk, m.id),
                    lambda: mn.issue_minutes(clerk, m.id)):
        with pytest.raises(UserError, match="已印发"):
            attempt()
    assert "会议还要求加强值守。" in mn.minutes_description(clerk, m.id)["body"]


def test_delete_only_before_supervision_starts(people):
    clerk, _ = people
    _t, m = _meeting(clerk)
    t1 = mn.save_topic(clerk, m.id, "议题一")
    t2 = mn.save_topic(clerk, m.id, "议题二")
    t3 = mn.save_topic(clerk, m.id, "议题三")
    a = mn.add_decision(clerk, t1.id, "甲")
    b = mn.add_decision(clerk, t2.id, "乙")
    mn.register(clerk, a.id)
    with pytest.raises(UserError, match="已立项督办"):
        mn.delete_decision(clerk, a.id)
    with pytest.raises(UserError, match="已立项督办"):
        mn.delete_topic(clerk, t1.id)
    mn.delete_topic(clerk, t2.id)
    topics = mn.get_meeting(clerk, m.id).topics
    assert [(t.title, t.position) for t in topics] == [("议题一", 1), ("议题三", 2)]
    assert t3.id == topics[1].id
    with pytest.raises(InputError, match="找不到"):
        mn.delete_decision(clerk, b.id)
    c = mn.add_decision(clerk, t3.id, "丙")
    mn.delete_decision(clerk, c.id)
    assert mn.get_meeting(clerk, m.id).topics[1].decisions == ()


def test_classified_meetings_are_hidden_from_lower_clearance(people, admin_ctx, clock):
    from app.domain.security import Clearance, Role
    from app.services.context import ServiceContext
    from tests.minutes.conftest import make_user

    clerk, _ = people
    secret = ServiceContext(admin_ctx.engine, make_user(admin_ctx, "mimi", Role.CLERK, "保密文书",
                                                        Clearance.SECRET), clock)
    t = mn.create_type(secret, "专题会议", organ="市政府")
    m = mn.create_meeting(secret, t.id, D(2026, 3, 2), classification=int(Clearance.SECRET))
    tp = mn.save_topic(secret, m.id, "涉密议题")
    d = mn.add_decision(secret, tp.id, "涉密事项", lead_unit="市国安局", deadline=D(2026, 3, 3))
    with pytest.raises(PermissionDenied):
        mn.create_meeting(clerk, t.id, D(2026, 3, 3), classification=int(Clearance.SECRET))
    assert mn.count_meetings(clerk) == 0 and mn.list_meetings(clerk) == []
    assert mn.count_meetings(secret) == 1
    assert mn.board(clerk, mn.BoardFilter(), D(2026, 3, 5)) == []
    assert mn.unit_stats(clerk, D(2026, 3, 5)) == []
    assert [u.overdue for u in mn.unit_stats(secret, D(2026, 3, 5))] == [1]
    for attempt in (lambda: mn.get_meeting(clerk, m.id), lambda: mn.history(clerk, d.id),
                    lambda: mn.register(clerk, d.id)):
        with pytest.raises(PermissionDenied, match="秘密"):
            attempt()


def test_export_reports_progress_and_a_cancel_leaves_no_file(people, tmp_path):
    clerk, _ = people
    _t, m = _meeting(clerk)
    tp = mn.save_topic(clerk, m.id, "议题")
    for n in range(3):
        mn.add_decision(clerk, tp.id, f"事项{n}", lead_unit="市民政局")
    folder = tmp_path / "out"
    folder.mkdir()
    seen = []
    out = mn.export_xlsx(clerk, folder / "a.xlsx", D(2026, 2, 20),
                         progress=lambda done, total: seen.append((done, total)))
    assert seen == [(3, 3)] and load_workbook(out)["督办事项"].max_row == 4

    class Stop(Exception):
        pass

    def stop(_done, _total):
        raise Stop

    with pytest.raises(Stop):
        mn.export_xlsx(clerk, folder / "b.xlsx", D(2026, 2, 20), progress=stop)
    assert sorted(p.name for p in folder.iterdir()) == ["a.xlsx"]


def test_sql_statistics_agree_with_the_rules(people):
    """Per-unit and monthly sums done in SQL give what the pure rules give, on varied data."""
    import random

    from app.storage.models import Decision as DecisionRow

    clerk, _ = people
    _t, m = _meeting(clerk)
    tp = mn.save_topic(clerk, m.id, "议题")
    rnd = random.Random(7)
    units = ["市民政局", "市财政局", ""]
    for n in range(120):
        due = rnd.choice([None, D(2026, 2, 13) + dt.timedelta(days=rnd.randint(0, 120))])
        mn.add_decision(clerk, tp.id, f"事项{n}", lead_unit=rnd.choice(units), deadline=due)
    with clerk.session() as s, s.begin():
        for d in s.execute(select(DecisionRow)).scalars():
            d.status = rnd.choice(list(sv.Status)).value
            if d.status in ("accepted", "closed"):
                d.completed_on = D(2026, 2, 13) + dt.timedelta(days=rnd.randint(0, 150))
    for today in (D(2026, 2, 20), D(2026, 4, 1), D(2026, 7, 1)):
        facts = mn._facts(clerk, mn.BoardFilter(), today)
        assert mn.unit_stats(clerk, today) == sv.unit_stats(facts, today)
        assert mn.monthly_on_time(clerk, 2026, today) == sv.monthly_on_time(facts, 2026)
    facts = mn._facts(clerk, mn.BoardFilter(unit="民政"), D(2026, 4, 1))
    assert mn.unit_stats(clerk, D(2026, 4, 1), mn.BoardFilter(unit="民政")) == \
        sv.unit_stats(facts, D(2026, 4, 1))
    assert {u.unit for u in mn.unit_stats(clerk, D(2026, 4, 1))} == {"市民政局", "市财政局",
                                                                      "（未定）"}


def test_stale_edits_are_refused(people):
    from app.errors import ConflictError

    clerk, _ = people
    _t, m = _meeting(clerk)
    mn.update_meeting(clerk, m.id, expected_version=m.version, venue="第二会议室")
    with pytest.raises(ConflictError, match="已被他人修改"):
        mn.update_meeting(clerk, m.id, expected_version=m.version, venue="第三会议室")
    assert mn.get_meeting(clerk, m.id).meeting.venue == "第二会议室"
