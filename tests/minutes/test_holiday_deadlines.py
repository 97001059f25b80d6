"""议定事项 deadlines and the holiday tables (issue 16): a deadline of N working days that
crosses into a year with no table is uncertain (on the board and in the 通报 workbook), and
importing that year's notice recomputes it — unless it was moved by an approved extension."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import load_workbook

from app.services.holidays import tables as holidays
from app.services.minutes import meetings as mn

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "holidays"
D = dt.date


def test_decision_deadline_into_an_unknown_year(people, admin_ctx, tmp_path):
    clerk, _leader = people
    t = mn.create_type(clerk, "常务会议", organ="市政府")
    m = mn.create_meeting(clerk, t.id, D(2026, 12, 25))
    tp = mn.save_topic(clerk, m.id, "关于元旦春节期间安全生产工作")
    d = mn.add_decision(clerk, tp.id, "各单位落实节日值班。", lead_unit="市应急局", workdays=10)
    fixed = mn.add_decision(clerk, tp.id, "报送总结。", lead_unit="市应急局",
                            deadline=D(2027, 1, 8))
    assert d.deadline == D(2027, 1, 8) and d.deadline_uncertain.startswith("2027年节假日安排尚未录入")
    assert fixed.deadline_uncertain is None

    today = D(2026, 12, 25)
    row = next(r for r in mn.board(clerk, mn.BoardFilter(), today) if r.decision.id == d.id)
    assert row.decision.deadline_uncertain is not None
    out = mn.export_xlsx(clerk, tmp_path / "通报.xlsx", today)
    sheet = load_workbook(out)["督办事项"]
    reminders = [c.value for c in sheet["K"][1:]]
    assert any("期限待定（2027年节假日安排尚未录入" in (v or "") for v in reminders)

    result = holidays.import_notice(admin_ctx, (FIX / "2027-test.txt").read_text("utf-8"))
    assert result.deadlines_moved == 1
    detail = mn.get_meeting(clerk, m.id)
    moved = {x.id: x for x in detail.topics[0].decisions}
    assert moved[d.id].deadline == D(2027, 1, 11) and moved[d.id].deadline_uncertain is None
    assert moved[fixed.id].deadline == D(2027, 1, 8)
