"""Correcting a decision (议定事项) and reordering topics (议题): when each is allowed, the rows
read back from the database, the audit events, optimistic locking, and the generated 纪要
following the topic order."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from app.errors import ConflictError, PermissionDenied, UserError
from app.services.minutes import meetings as mn
from app.storage.models import AuditEvent, Decision, Topic

D = dt.date


def _meeting(clerk):
    t = mn.create_type(clerk, "常务会议", organ="市政府", mark="临江市人民政府常务会议纪要")
    return mn.create_meeting(clerk, t.id, D(2026, 2, 13), venue="第一会议室", host="赵志远")


def _audit(ctx, action):
    with ctx.session() as s:
        return [json.loads(e.detail) for e in s.execute(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
            .scalars()]


def test_a_pending_decision_is_corrected_in_full(people):
    clerk, _leader = people
    m = _meeting(clerk)
    tp = mn.save_topic(clerk, m.id, "春节安全生产")
    d = mn.add_decision(clerk, tp.id, "会议同意检查方案。", lead_unit="市应急局", workdays=2)
    assert d.deadline == D(2026, 2, 24)  # across the Spring Festival
    got = mn.update_decision(clerk, d.id, "会议同意节日安全生产大检查方案。", expected_version=d.version,
                             lead_unit="市应急管理局", lead_person="李强",
                             coop_units=["市公安局", "市消防救援支队"], deadline=D(2026, 3, 6))
    with clerk.session() as s:
        row = s.get(Decision, d.id)
        assert (row.text, row.lead_unit, row.lead_person, row.coop_units, row.deadline,
                row.deadline_workdays) == ("会议同意节日安全生产大检查方案。", "市应急管理局", "李强",
                                           "市公安局、市消防救援支队", D(2026, 3, 6), None)
        assert row.version == d.version + 1 == got.version
    (event,) = _audit(clerk, "minutes.decision.update")
    assert event["changes"]["lead_unit"] == ["市应急局", "市应急管理局"]
    assert event["changes"]["deadline"] == ["2026-02-24", "2026-03-06"]
    assert event["changes"]["deadline_workdays"] == [2, None]
    assert "lead_person" in event["changes"] and event["status"] == "pending"
    # the same values again: nothing changes, nothing is audited
    same = mn.update_decision(clerk, d.id, got.text, expected_version=got.version,
                              lead_unit=got.lead_unit, lead_person=got.lead_person,
                              coop_units=got.coop_units, deadline=got.deadline)
    assert same.version == got.version and len(_audit(clerk, "minutes.decision.update")) == 1
    # back to working days, and the generated 纪要 carries the corrected text
    mn.update_decision(clerk, d.id, got.text, expected_version=got.version, workdays=5)
    with clerk.session() as s:
        assert s.get(Decision, d.id).deadline_workdays == 5
    mn.set_attendance(clerk, m.id, "present", [mn.AttendeeIn("赵志远")])
    assert "节日安全生产大检查方案" in mn.generate_minutes(clerk, m.id)["body"]


def test_a_stale_decision_edit_is_refused(people):
    clerk, _ = people
    m = _meeting(clerk)
    tp = mn.save_topic(clerk, m.id, "议题")
    d = mn.add_decision(clerk, tp.id, "甲", lead_unit="综合科")
    mn.update_decision(clerk, d.id, "甲（改）", expected_version=d.version, lead_unit="综合科")
    with pytest.raises(ConflictError, match="已被他人修改"):
        mn.update_decision(clerk, d.id, "甲（另一处的修改）", expected_version=d.version)
    mn.register(clerk, mn.get_meeting(clerk, m.id).topics[0].decisions[0].id)
    fresh = mn.get_meeting(clerk, m.id).topics[0].decisions[0]
    # a 督办 step moves the version too: an edit based on the old read is refused
    with pytest.raises(ConflictError):
        mn.update_decision(clerk, d.id, "甲", expected_version=fresh.version - 1)
    with clerk.session() as s:
        assert s.get(Decision, d.id).text == "甲（改）"


def test_after_registration_the_deadline_moves_only_by_extension(people):
    clerk, leader = people
    m = _meeting(clerk)
    tp = mn.save_topic(clerk, m.id, "议题")
    d = mn.add_decision(clerk, tp.id, "乙", lead_unit="综合科", deadline=D(2026, 3, 2))
    d = mn.register(clerk, d.id)
    with pytest.raises(UserError, match="申请延期"):
        mn.update_decision(clerk, d.id, "乙", expected_version=d.version, lead_unit="综合科",
                           deadline=D(2026, 3, 20))
    # the text and the owner may still be corrected before issue; the deadline stays
    d = mn.update_decision(clerk, d.id, "乙（更正）", expected_version=d.version,
                           lead_unit="办公室", lead_person="王五", deadline=D(2026, 3, 2))
    assert (d.text, d.lead_unit, d.deadline) == ("乙（更正）", "办公室", D(2026, 3, 2))
    assert _audit(clerk, "minutes.decision.update")[-1]["status"] == "open"
    with pytest.raises(PermissionDenied):  # a leader reviews, does not record
        mn.update_decision(leader, d.id, "乙", expected_version=d.version)
    mn.report_completion(clerk, d.id, "已办结")
    d = mn.review(leader, d.id, True)
    with pytest.raises(UserError, match="已办结（待销号）"):
        mn.update_decision(clerk, d.id, "乙", expected_version=d.version, lead_unit="办公室",
                           deadline=D(2026, 3, 2))
    with clerk.session() as s:
        assert s.get(Decision, d.id).text == "乙（更正）"


def test_decisions_freeze_with_the_issued_minutes(people):
    clerk, _ = people
    m = _meeting(clerk)
    tp = mn.save_topic(clerk, m.id, "议题")
    d = mn.add_decision(clerk, tp.id, "丙", deadline=D(2026, 3, 2))
    mn.set_attendance(clerk, m.id, "present", [mn.AttendeeIn("赵志远")])
    mn.generate_minutes(clerk, m.id)
    mn.issue_minutes(clerk, m.id)
    with pytest.raises(UserError, match="已印发.*申请延期"):
        mn.update_decision(clerk, d.id, "丙（改）", expected_version=d.version,
                           deadline=D(2026, 3, 2))
    # the extension flow still works after issue
    d = mn.register(clerk, d.id)
    d = mn.request_extension(clerk, d.id, "需协调", D(2026, 3, 20))
    assert d.status.value == "extension"


def test_topics_move_and_the_minutes_follow(people):
    clerk, _ = people
    m = _meeting(clerk)
    ids = [mn.save_topic(clerk, m.id, title).id for title in ("议题甲", "议题乙", "议题丙")]
    for tid, text in zip(ids, ("甲项", "乙项", "丙项"), strict=True):
        mn.add_decision(clerk, tid, f"会议同意{text}。")
    order = mn.move_topic(clerk, ids[2], -1, expected_order=ids)
    assert order == (ids[0], ids[2], ids[1])
    order = mn.move_topic(clerk, ids[2], -1, expected_order=order)
    assert order == (ids[2], ids[0], ids[1])
    assert mn.move_topic(clerk, ids[2], -1) == order  # already first: nothing moves
    with clerk.session() as s:
        rows = s.execute(select(Topic.title, Topic.position).where(Topic.meeting_id == m.id)
                         .order_by(Topic.position)).all()
    assert [tuple(r) for r in rows] == [("议题丙", 1), ("议题甲", 2), ("议题乙", 3)]
    moves = _audit(clerk, "minutes.topic.move")
    assert [(e["title"], e["from"], e["to"]) for e in moves] == [("议题丙", 3, 2), ("议题丙", 2, 1)]
    with pytest.raises(ConflictError, match="已被他人调整"):
        mn.move_topic(clerk, ids[0], 1, expected_order=ids)  # the order the caller saw is old
    mn.set_attendance(clerk, m.id, "present", [mn.AttendeeIn("赵志远")])
    body = mn.generate_minutes(clerk, m.id)["body"]
    assert body.index("议题丙") < body.index("议题甲") < body.index("议题乙")
    assert body.index("丙项") < body.index("甲项") < body.index("乙项")
    mn.issue_minutes(clerk, m.id)
    with pytest.raises(UserError, match="已印发"):
        mn.move_topic(clerk, ids[0], 1)
