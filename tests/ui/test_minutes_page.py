"""The 会议纪要 page driven with qtbot: a meeting from creation to the issued 纪要, attendance
reordered, a decision taken through the 督办 board, the XLSX export — rows read back from the
database and the file."""

from __future__ import annotations

import datetime as dt
import json

from openpyxl import load_workbook
from sqlalchemy import select

from app.domain import supervision as sv
from app.services.minutes import meetings as mn
from app.storage.models import Attendee, Decision, Meeting
from app.ui.qt import QDate, QModelIndex, Qt
from tests.conftest import ADMIN_PASSWORD
from tests.minutes.conftest import Clock, make_user

D = dt.date


def _clerk(app_env):
    from app.domain.security import Role
    from app.services.accounts import users as accounts
    from app.services.context import ServiceContext

    _config, ctx = app_env
    accounts.create_first_admin(ctx, "admin", ADMIN_PASSWORD, "系统管理员")
    admin = ctx.with_actor(accounts.login(ctx, "admin", ADMIN_PASSWORD))
    clock = Clock(dt.datetime(2026, 2, 13, 1, 0, tzinfo=dt.UTC))
    clerk = make_user(admin, "wenshu", Role.CLERK, "卫晓东")
    return ServiceContext(ctx.engine, clerk, clock)


def _type(qtbot, widget, text):
    """Chinese text as an input method commits it (QTest can only type ASCII keys)."""
    widget.clear()
    widget.setFocus()
    widget.insert(text)


def _listed(qtbot, model) -> None:
    """Lists are counted and read in the worker: wait until the model shows the last read."""
    qtbot.waitUntil(lambda: not model.loading, timeout=10_000)


def test_meeting_from_creation_to_issued_minutes(qtbot, app_env, tmp_path):
    from app.ui.minutes.page import MinutesPage

    ctx = _clerk(app_env)
    page = MinutesPage(ctx, today=D(2026, 2, 25))
    qtbot.addWidget(page)
    page.show()
    tab = page.meetings

    # 新建会议 with a new type
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    dlg = tab.dialog
    dlg.type.setCurrentText("常务会议")
    _type(qtbot, dlg.organ, "市政府")
    _type(qtbot, dlg.mark, "临江市人民政府常务会议纪要")
    dlg.date.setDate(QDate(2026, 2, 13))
    _type(qtbot, dlg.venue, "市政府第一会议室")
    _type(qtbot, dlg.host, "赵志远")
    _type(qtbot, dlg.host_title, "市长")
    dlg.accept()
    _listed(qtbot, tab.model)
    assert tab.model.rowCount() == 1 and tab.model.item(0).title == "市政府第一次常务会议"
    panel = tab.panel
    assert panel.meeting_id == tab.model.item(0).id

    # attendance: typed names, then Ctrl+Down puts 孙丽 before 钱国华 (protocol order)
    present = panel.attendance["present"]
    for name in ("赵志远", "钱国华", "孙丽"):
        _type(qtbot, present.name, name)
        qtbot.keyClick(present.name, Qt.Key.Key_Return)
    present.list.setCurrentRow(1)
    qtbot.mouseClick(present.down_button, Qt.MouseButton.LeftButton)
    # a drop inside the list moves the row the same way (rowsMoved) and is saved at once
    present.list.model().moveRow(QModelIndex(), 0, QModelIndex(), 3)
    with ctx.session() as s:
        assert s.execute(select(Attendee.name).where(Attendee.kind == "present")
                         .order_by(Attendee.position)).scalars().all() == ["孙丽", "钱国华", "赵志远"]
    present.list.model().moveRow(QModelIndex(), 2, QModelIndex(), 0)
    absent = panel.attendance["absent"]
    _type(qtbot, absent.name, "郑明")
    qtbot.mouseClick(absent.add_button, Qt.MouseButton.LeftButton)
    assert "请假事由" in panel.message.text() and absent.list.count() == 0
    _type(qtbot, absent.reason, "出差")
    qtbot.mouseClick(absent.add_button, Qt.MouseButton.LeftButton)
    with ctx.session() as s:
        rows = s.execute(select(Attendee.kind, Attendee.name, Attendee.reason)
                         .order_by(Attendee.kind, Attendee.position)).all()
    assert [tuple(r) for r in rows] == [("absent", "郑明", "出差"), ("present", "赵志远", ""),
                                        ("present", "孙丽", ""), ("present", "钱国华", "")]

    # a topic and a decision due 2 working days after the meeting (across the Spring Festival)
    topics = panel.topics
    _type(qtbot, topics.title, "春节期间安全生产工作")
    _type(qtbot, topics.unit, "市应急管理局")
    topics.materials.setPlainText("安全生产检查方案")
    qtbot.mouseClick(topics.save_topic, Qt.MouseButton.LeftButton)
    assert topics.list.count() == 1 and topics.list.currentRow() == 0
    topics.d_text.setPlainText("会议同意节日期间安全生产大检查方案，由市应急管理局牵头组织实施。")
    _type(qtbot, topics.d_lead, "市应急管理局")
    _type(qtbot, topics.d_coop, "市公安局、市消防救援支队")
    topics.by_days.setChecked(True)
    topics.d_days.setValue(2)
    qtbot.mouseClick(topics.add_decision, Qt.MouseButton.LeftButton)
    assert "2026年02月24日" in panel.message.text()
    with ctx.session() as s:
        d = s.execute(select(Decision)).scalar_one()
        assert (d.deadline, d.coop_units) == (D(2026, 2, 24), "市公安局、市消防救援支队")
    assert topics.decisions.rowCount() == 1
    # a second decision typed by mistake is removed again (not yet in the 督办 loop)
    topics.d_text.setPlainText("误录事项")
    topics.no_deadline.setChecked(True)
    qtbot.mouseClick(topics.add_decision, Qt.MouseButton.LeftButton)
    assert topics.decisions.rowCount() == 2 and topics.decisions.item(1, 4).text() == "—"
    topics.decisions.selectRow(1)
    qtbot.mouseClick(topics.delete_decision, Qt.MouseButton.LeftButton)
    with ctx.session() as s:
        assert s.execute(select(Decision.text)).scalars().all() == [d.text]
    assert topics.decisions.rowCount() == 1

    # the 纪要: generate, edit, issue (frozen)
    ed = panel.minutes
    qtbot.mouseClick(ed.generate_button, Qt.MouseButton.LeftButton)
    assert "现纪要如下" in ed.body.toPlainText()
    ed.body.moveCursor(ed.body.textCursor().MoveOperation.End)
    ed.body.insertPlainText("\n会议要求各单位加强节日值守。")
    qtbot.mouseClick(ed.issue_button, Qt.MouseButton.LeftButton)
    assert ed.body.isReadOnly() and not ed.issue_button.isEnabled()
    assert not present.isEnabled() and not topics.add_decision.isEnabled()
    with ctx.session() as s:
        m = s.execute(select(Meeting)).scalar_one()
        issued = json.loads(m.issued_json)
    assert m.status == "issued" and m.minutes_no == 1
    assert issued["doc_no"] == "〔2026〕1号"
    assert issued["minutes"]["present"] == ["赵志远", "孙丽", "钱国华"]
    assert issued["minutes"]["absent"] == ["郑明（出差）"]
    assert issued["body"].endswith("会议要求各单位加强节日值守。")
    assert tab.model.data(tab.model.index(0, 4)) == "〔2026〕1号"

    # PDF export in the background
    out = tmp_path / "纪要.pdf"
    ed.export_pdf(str(out))
    qtbot.waitUntil(lambda: ed.last_export is not None, timeout=30_000)
    assert out.read_bytes().startswith(b"%PDF")


def test_board_drives_the_supervision_loop_and_exports(qtbot, app_env, tmp_path):
    from app.ui.minutes.board import BoardTab

    ctx = _clerk(app_env)
    t = mn.create_type(ctx, "专题会议", organ="市政府")
    m = mn.create_meeting(ctx, t.id, D(2026, 2, 13))
    tp = mn.save_topic(ctx, m.id, "春运保障")
    late = mn.add_decision(ctx, tp.id, "甲事项", lead_unit="市交通运输局", workdays=2)
    soon = mn.add_decision(ctx, tp.id, "乙事项", lead_unit="市民政局", deadline=D(2026, 2, 27))
    mn.add_decision(ctx, tp.id, "丙事项", lead_unit="市民政局", deadline=D(2026, 3, 31))
    board = BoardTab(ctx, today=D(2026, 2, 25))
    qtbot.addWidget(board)
    board.show()
    model = board.model
    _listed(qtbot, model)
    assert [r.decision.text for r in model.held_items()] == ["甲事项", "乙事项", "丙事项"]
    colours = [model.data(model.index(i, 0), Qt.ItemDataRole.BackgroundRole) for i in range(3)]
    assert colours[0].color().name() == "#f4b6b6" and colours[1].color().name() == "#fff2a8"
    assert colours[2] is None

    board.select_decision(late.id)
    assert board.step_buttons[sv.Step.REGISTER].isEnabled()
    assert not board.step_buttons[sv.Step.CLOSE].isEnabled()
    qtbot.mouseClick(board.step_buttons[sv.Step.REGISTER], Qt.MouseButton.LeftButton)
    _listed(qtbot, model)
    board.note.setPlainText("需协调铁路部门")
    board.new_date.setDate(QDate(2026, 3, 6))
    qtbot.mouseClick(board.step_buttons[sv.Step.EXTENSION_REQUEST], Qt.MouseButton.LeftButton)
    _listed(qtbot, model)
    qtbot.mouseClick(board.step_buttons[sv.Step.EXTENSION_APPROVE], Qt.MouseButton.LeftButton)
    _listed(qtbot, model)
    assert board.selected().decision.deadline == D(2026, 3, 6)
    assert board.trail.rowCount() == 3 and board.trail.item(2, 1).text() == "批准延期"
    qtbot.mouseClick(board.step_buttons[sv.Step.COMPLETION], Qt.MouseButton.LeftButton)
    _listed(qtbot, model)
    assert "请填写报告办结的内容" in board.message.text()
    board.note.setPlainText("保障方案已落实")
    board.report_date.setDate(QDate(2026, 3, 2))
    qtbot.mouseClick(board.step_buttons[sv.Step.COMPLETION], Qt.MouseButton.LeftButton)
    _listed(qtbot, model)
    qtbot.mouseClick(board.step_buttons[sv.Step.ACCEPT], Qt.MouseButton.LeftButton)
    _listed(qtbot, model)
    qtbot.mouseClick(board.step_buttons[sv.Step.CLOSE], Qt.MouseButton.LeftButton)
    _listed(qtbot, model)
    with ctx.session() as s:
        assert s.get(Decision, late.id).status == "closed"
    assert [r.decision.text for r in model.held_items()] == ["乙事项", "丙事项"]  # 销号 leaves
    stats = {board.stats.item(r, 0).text(): board.stats.item(r, 7).text()
             for r in range(board.stats.rowCount())}
    assert stats == {"市交通运输局": "100%", "市民政局": "—"}
    assert board.chart.data[2] == (3, 1, 0)

    board.unit.setText("民政")
    board.reminder.setCurrentIndex(board.reminder.findData(sv.Reminder.DUE_SOON.value))
    _listed(qtbot, model)
    assert [r.decision.id for r in model.held_items()] == [soon.id]

    out = tmp_path / "通报.xlsx"
    board.export(str(out))
    qtbot.waitUntil(lambda: board.last_export is not None, timeout=30_000)
    ws = load_workbook(out)["督办事项"]
    assert [ws.cell(2, c).value for c in (5, 6, 11)] == ["乙事项", "市民政局", "临期"]
    assert ws.max_row == 2


def test_main_window_opens_the_minutes_page(qtbot, app_env, tmp_path):
    from app.ui.main_window import MainWindow
    from app.ui.minutes.page import MinutesPage

    ctx = _clerk(app_env)
    win = MainWindow(ctx, "test", tmp_path / "w.ini")
    qtbot.addWidget(win)
    win.show()
    page = win.show_page("minutes")
    assert isinstance(page, MinutesPage)
    assert [page.tabText(i) for i in range(page.count())] == ["会议", "督办"]
    t = mn.create_type(ctx, "办公会议", organ="办公室")
    m = mn.create_meeting(ctx, t.id, D(2026, 1, 5))
    tp = mn.save_topic(ctx, m.id, "议题")
    mn.add_decision(ctx, tp.id, "早已到期的事项", lead_unit="综合科", deadline=D(2026, 1, 9))
    page.board.refresh()
    assert page.tabText(1) == "督办（逾期1）"
    assert page.meetings.new_button.isEnabled()
    page.setCurrentIndex(1)
    qtbot.waitUntil(lambda: page.board.count_label.text().startswith("共 1 项"),  # (worker)
                    timeout=10_000)


def test_board_buttons_follow_the_role(qtbot, app_env):
    from app.domain.security import Role
    from app.services.accounts import users as accounts
    from app.services.context import ServiceContext
    from app.ui.minutes.board import BoardTab

    clerk = _clerk(app_env)
    admin = clerk.with_actor(accounts.login(clerk, "admin", ADMIN_PASSWORD))
    leader = ServiceContext(clerk.engine, make_user(admin, "ld", Role.LEADER, "钱国华"), clerk.clock)
    t = mn.create_type(clerk, "办公会议", organ="办公室")
    m = mn.create_meeting(clerk, t.id, D(2026, 3, 2))
    tp = mn.save_topic(clerk, m.id, "议题")
    d = mn.add_decision(clerk, tp.id, "事项", lead_unit="综合科")
    board = BoardTab(leader, today=D(2026, 3, 3))
    qtbot.addWidget(board)
    assert board.new_date.date() == QDate(2026, 3, 10)  # nothing chosen: a week from today
    board.select_decision(d.id)  # selected when the list read in the worker is in
    _listed(qtbot, board.model)
    assert board.selected().decision.id == d.id
    assert not board.step_buttons[sv.Step.REGISTER].isEnabled()  # 领导 does not record
    mn.register(clerk, d.id)
    mn.report_completion(clerk, d.id, "已办结")
    board.refresh()
    board.select_decision(d.id)
    _listed(qtbot, board.model)
    assert board.step_buttons[sv.Step.ACCEPT].isEnabled()
    assert not board.step_buttons[sv.Step.CLOSE].isEnabled()
    qtbot.mouseClick(board.step_buttons[sv.Step.ACCEPT], Qt.MouseButton.LeftButton)
    _listed(qtbot, board.model)
    with clerk.session() as s:
        assert s.get(Decision, d.id).status == "accepted"
    assert board.trail.item(2, 2).text() == "钱国华"


def test_board_counts_arrive_from_the_worker_and_the_board_fills_when_chosen(qtbot, app_env):
    from app.ui.minutes.page import MinutesPage

    ctx = _clerk(app_env)
    t = mn.create_type(ctx, "办公会议", organ="办公室")
    m = mn.create_meeting(ctx, t.id, D(2026, 1, 5))
    tp = mn.save_topic(ctx, m.id, "议题")
    mn.add_decision(ctx, tp.id, "早已到期的事项", lead_unit="综合科", deadline=D(2026, 1, 9))
    page = MinutesPage(ctx, today=D(2026, 3, 1))
    qtbot.addWidget(page)
    board = page.board.model
    assert page.tabText(1) == "督办" and board.generation == 0 and board.total == 0  # nothing
    qtbot.waitUntil(lambda: page.tabText(1) == "督办（逾期1）", timeout=10_000)
    assert board.generation == 0 and board.held_items() == []  # only the counts
    page.setCurrentIndex(1)
    _listed(qtbot, board)
    assert [r.decision.text for r in board.held_items()] == ["早已到期的事项"]
    qtbot.waitUntil(lambda: page.board.count_label.text().startswith("共 1 项"),  # (worker)
                    timeout=10_000)
