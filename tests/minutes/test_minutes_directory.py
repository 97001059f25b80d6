"""Meetings and decisions are found by the search service, and attendance can come from the staff directory."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect, text

from app.services.minutes import meetings as mn


def test_meetings_and_decisions_are_searchable(people):
    from app.services.search import index as search

    clerk, _ = people
    t = mn.create_type(clerk, "专题会议", organ="市政府")
    m = mn.create_meeting(clerk, t.id, dt.date(2026, 2, 13), venue="市政府第三会议室")
    tp = mn.save_topic(clerk, m.id, "春运交通保障方案")
    d = mn.add_decision(clerk, tp.id, "请市交通运输局会同铁路部门做好旅客疏运。",
                        lead_unit="市交通运输局")
    hits = search.search(clerk, "春运").hits
    assert ("meeting", m.id) in {(h.kind, h.record_id) for h in hits}
    hits = search.search(clerk, "旅客疏运", kinds=["decision"]).hits
    assert [(h.kind, h.record_id) for h in hits] == [("decision", d.id)]


def test_attendance_from_the_staff_directory_and_typed(people):
    clerk, _ = people
    assert inspect(clerk.engine).has_table("duty_staff")
    with clerk.engine.begin() as conn:
        cols = {c["name"] for c in inspect(conn).get_columns("duty_staff")}
        values = {"name": "冯涛", "unit": "市应急管理局", "post": "局长", "phone": "",
                  "mobile": "", "roles": "[]", "active": True, "version": 1,
                  "created_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                  "updated_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}
        values = {k: v for k, v in values.items() if k in cols}
        conn.execute(text(f"INSERT INTO duty_staff ({', '.join(values)}) VALUES "
                          f"({', '.join(':' + k for k in values)})"), values)
    staff = mn.staff_directory(clerk)
    assert [(name, post) for _id, name, post in staff] == [("冯涛", "市应急管理局局长")]
    t = mn.create_type(clerk, "办公会议", organ="办公室")
    m = mn.create_meeting(clerk, t.id, dt.date(2026, 3, 2))
    got = mn.set_attendance(clerk, m.id, "attending", [
        mn.AttendeeIn("冯涛", "市应急管理局局长", staff_id=staff[0][0]),
        mn.AttendeeIn("外单位张三", "市气象局副局长")])
    assert [(a.name, a.staff_id) for a in got] == [("冯涛", staff[0][0]), ("外单位张三", None)]
