"""会议纪要 page, driven with qtbot: topics moved with the buttons and with Ctrl+↑/↓, a decision
corrected in its dialog (opened with open(), answered programmatically), a refused save that keeps
the dialog and the text, and a concurrent save resolved in the conflict dialog — rows and audit
events read back from the database."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from app.services.minutes import meetings as mn
from app.storage.models import Attendee, AuditEvent, Decision, Topic
from app.ui.qt import QDate, Qt
from tests.ui.test_minutes_page import _clerk

D = dt.date


def _panel(qtbot, ctx, meeting_id):
    from app.ui.minutes.meeting import MeetingPanel

    panel = MeetingPanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(1100, 700)
    panel.show()
    panel.load(meeting_id)
    return panel


def _meeting(ctx):
    t = mn.create_type(ctx, "常务会议", organ="市政府")
    return mn.create_meeting(ctx, t.id, D(2026, 2, 13), host="赵志远")


def _focus(qtbot, widget):
    widget.window().activateWindow()
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)


def _titles(ctx, meeting_id):
    with ctx.session() as s:
        return s.execute(select(Topic.title).where(Topic.meeting_id == meeting_id)
                         .order_by(Topic.position)).scalars().all()


def test_topics_move_with_buttons_and_keys_and_the_minutes_follow(qtbot, app_env):
    ctx = _clerk(app_env)
    m = _meeting(ctx)
    for title in ("议题甲", "议题乙", "议题丙"):
        mn.save_topic(ctx, m.id, title)
    mn.set_attendance(ctx, m.id, "present", [mn.AttendeeIn("赵志远")])
    panel = _panel(qtbot, ctx, m.id)
    topics = panel.topics
    panel.tabs.setCurrentWidget(topics)
    topics.list.setCurrentRow(2)
    qtbot.mouseClick(topics.topic_up, Qt.MouseButton.LeftButton)
    assert _titles(ctx, m.id) == ["议题甲", "议题丙", "议题乙"]
    assert topics.list.currentRow() == 1 and topics.title.text() == "议题丙"
    assert topics.list.item(0).text().startswith("1. 议题甲")
    _focus(qtbot, topics.list)
    qtbot.keyClick(topics.list, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert _titles(ctx, m.id) == ["议题丙", "议题甲", "议题乙"]
    assert topics.list.currentRow() == 0
    qtbot.keyClick(topics.list, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)  # first
    assert _titles(ctx, m.id) == ["议题丙", "议题甲", "议题乙"]
    with ctx.session() as s:
        assert len(s.execute(select(AuditEvent).where(
            AuditEvent.action == "minutes.topic.move")).all()) == 2
    # a draft already generated: the page says to regenerate, and the new 纪要 follows the order
    qtbot.mouseClick(panel.minutes.generate_button, Qt.MouseButton.LeftButton)
    topics.list.setCurrentRow(2)
    _focus(qtbot, topics.list)
    qtbot.keyClick(topics.list, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert _titles(ctx, m.id) == ["议题丙", "议题乙", "议题甲"]
    assert "重新生成纪要" in panel.message.text()
    qtbot.mouseClick(panel.minutes.generate_button, Qt.MouseButton.LeftButton)
    box = panel.minutes.confirm_box  # over an existing draft: asked first, non-blocking
    assert box.isVisible() and box.windowModality() == Qt.WindowModality.WindowModal
    (go,) = [b for b in box.buttons() if b.text() == "重新生成"]
    qtbot.mouseClick(go, Qt.MouseButton.LeftButton)
    body = panel.minutes.body.toPlainText()
    assert body.index("议题丙") < body.index("议题乙") < body.index("议题甲")
    # another desk reorders meanwhile: the move is refused and the list shows the real order
    mn.move_topic(ctx, topics.topics[2].id, -2)
    topics.list.setCurrentRow(0)
    qtbot.mouseClick(topics.topic_down, Qt.MouseButton.LeftButton)
    assert "已被他人调整" in panel.message.text()
    assert _titles(ctx, m.id) == ["议题甲", "议题丙", "议题乙"]
    assert [topics.list.item(i).text()[3:] for i in range(3)] == _titles(ctx, m.id)


def test_attendance_ctrl_arrows_reach_the_focused_list(qtbot, app_env):
    """Three lists in one tab use Ctrl+↑/↓: each acts only on the focused list (window-wide
    shortcuts with the same keys were ambiguous and did nothing)."""
    ctx = _clerk(app_env)
    m = _meeting(ctx)
    mn.set_attendance(ctx, m.id, "present", [mn.AttendeeIn(n) for n in ("赵志远", "钱国华")])
    mn.set_attendance(ctx, m.id, "attending", [mn.AttendeeIn(n) for n in ("孙丽", "周敏")])
    panel = _panel(qtbot, ctx, m.id)
    panel.tabs.setCurrentIndex(1)
    present = panel.attendance["present"].list
    present.setCurrentRow(1)
    _focus(qtbot, present)
    qtbot.keyClick(present, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    with ctx.session() as s:
        rows = s.execute(select(Attendee.kind, Attendee.name).order_by(
            Attendee.kind, Attendee.position)).all()
    assert [tuple(r) for r in rows] == [("attending", "孙丽"), ("attending", "周敏"),
                                        ("present", "钱国华"), ("present", "赵志远")]


def _decision_panel(qtbot, ctx):
    m = _meeting(ctx)
    tp = mn.save_topic(ctx, m.id, "春运保障")
    d = mn.add_decision(ctx, tp.id, "会议同意春运方案。", lead_unit="市交通局", workdays=2)
    panel = _panel(qtbot, ctx, m.id)
    panel.tabs.setCurrentWidget(panel.topics)
    panel.topics.decisions.selectRow(0)
    return m, d, panel


def test_a_decision_is_corrected_in_its_dialog(qtbot, app_env):
    from app.ui.minutes.decision_dialog import DecisionDialog

    ctx = _clerk(app_env)
    _m, d, panel = _decision_panel(qtbot, ctx)
    topics = panel.topics
    qtbot.mouseClick(topics.edit_decision, Qt.MouseButton.LeftButton)
    dlg = topics.dialog
    assert isinstance(dlg, DecisionDialog) and dlg.isVisible() and dlg.by_days.isChecked()
    assert dlg.days.value() == 2 and dlg.date.isEnabled()
    # a refusal keeps the dialog open with the text typed so far
    dlg.text.setPlainText("  ")
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    assert dlg.isVisible() and "请填写议定事项内容" in dlg.error.text()
    dlg.text.setPlainText("会议同意春运保障方案，由市交通运输局牵头落实。")
    dlg.lead.setText("市交通运输局")
    dlg.person.setText("李强")
    dlg.coop.setText("市公安局，市卫健委")
    dlg.by_date.setChecked(True)
    dlg.date.setDate(QDate(2026, 3, 6))
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    assert not dlg.isVisible()
    with ctx.session() as s:
        row = s.get(Decision, d.id)
        assert (row.text, row.lead_unit, row.lead_person, row.coop_units, row.deadline) == (
            "会议同意春运保障方案，由市交通运输局牵头落实。", "市交通运输局", "李强",
            "市公安局、市卫健委", D(2026, 3, 6))
        event = s.execute(select(AuditEvent).where(
            AuditEvent.action == "minutes.decision.update")).scalar_one()
    assert json.loads(event.detail)["changes"]["lead_person"] == ["", "李强"]
    assert topics.decisions.item(0, 1).text() == "市交通运输局"
    assert topics.decisions.item(0, 4).text() == "2026-03-06"
    assert "议定事项已修改" in panel.message.text()

    # once 立项 the deadline is greyed out and saving keeps it
    mn.register(ctx, d.id)
    panel.reload()
    topics.decisions.selectRow(0)
    dlg = topics.open_decision()
    assert not dlg.date.isEnabled() and not dlg.by_days.isEnabled()
    assert "申请延期" in dlg.state.text()
    dlg.person.setText("王五")
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    with ctx.session() as s:
        row = s.get(Decision, d.id)
        assert (row.lead_person, row.deadline, row.status) == ("王五", D(2026, 3, 6), "open")


def test_a_concurrent_save_is_resolved_without_losing_the_text(qtbot, app_env):
    from app.ui.conflict_dialog import ConflictDialog

    ctx = _clerk(app_env)
    _m, d, panel = _decision_panel(qtbot, ctx)
    dlg = panel.topics.open_decision()
    # another desk corrects the owner while this dialog is open
    mn.update_decision(ctx, d.id, d.text, expected_version=d.version, lead_unit="市交通运输局",
                       workdays=2)
    dlg.text.setPlainText("我的修改：会议同意春运方案并要求加强值守。")
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    conflict = dlg.conflict
    assert isinstance(conflict, ConflictDialog) and conflict.isVisible() and dlg.isVisible()
    assert "内容" in conflict.differing and "牵头单位" in conflict.differing
    qtbot.mouseClick(conflict.reapply_button, Qt.MouseButton.LeftButton)
    assert dlg.isVisible() and dlg.text.toPlainText() == "我的修改：会议同意春运方案并要求加强值守。"
    with ctx.session() as s:
        assert s.get(Decision, d.id).text == "会议同意春运方案。"  # nothing overwritten yet
    dlg.lead.setText("市交通运输局")
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    assert not dlg.isVisible()
    with ctx.session() as s:
        row = s.get(Decision, d.id)
        assert (row.text, row.lead_unit) == ("我的修改：会议同意春运方案并要求加强值守。", "市交通运输局")

    # the other choice: take the saved version into the form
    panel.topics.decisions.selectRow(0)
    dlg = panel.topics.open_decision()
    mn.update_decision(ctx, d.id, "他人的版本", expected_version=row.version,
                       lead_unit="市交通运输局", workdays=2)
    dlg.text.setPlainText("再次修改")
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dlg.conflict.reload_button, Qt.MouseButton.LeftButton)
    assert dlg.isVisible() and dlg.text.toPlainText() == "他人的版本"
    assert "已采用他人保存的版本" in dlg.error.text()


def test_issued_minutes_lock_the_edit_and_move_buttons(qtbot, app_env):
    ctx = _clerk(app_env)
    m, _d, panel = _decision_panel(qtbot, ctx)
    mn.set_attendance(ctx, m.id, "present", [mn.AttendeeIn("赵志远")])
    mn.generate_minutes(ctx, m.id)
    mn.issue_minutes(ctx, m.id)
    panel.reload()
    topics = panel.topics
    assert not any(b.isEnabled() for b in (topics.edit_decision, topics.topic_up,
                                           topics.topic_down))


def test_exports_ask_for_the_file_without_a_nested_loop(qtbot, app_env, tmp_path):
    from app.ui.minutes.board import BoardTab
    from app.ui.qt import QFileDialog

    ctx = _clerk(app_env)
    m, _d, panel = _decision_panel(qtbot, ctx)
    mn.set_attendance(ctx, m.id, "present", [mn.AttendeeIn("赵志远")])
    mn.generate_minutes(ctx, m.id)
    panel.reload()
    qtbot.mouseClick(panel.minutes.pdf_button, Qt.MouseButton.LeftButton)
    dlg = panel.minutes.file_dialog
    assert isinstance(dlg, QFileDialog) and dlg.isVisible()
    assert dlg.windowModality() == Qt.WindowModality.WindowModal
    out = tmp_path / "纪要.pdf"
    dlg.selectFile(str(out))
    dlg.accept()
    qtbot.waitUntil(lambda: panel.minutes.last_export is not None, timeout=30_000)
    assert out.read_bytes().startswith(b"%PDF")

    board = BoardTab(ctx, today=D(2026, 2, 25))
    qtbot.addWidget(board)
    board.show()
    qtbot.mouseClick(board.export_button, Qt.MouseButton.LeftButton)
    dlg = board.file_dialog
    assert isinstance(dlg, QFileDialog) and dlg.isVisible()
    xlsx = tmp_path / "通报.xlsx"
    dlg.selectFile(str(xlsx))
    dlg.accept()
    # written in the worker: meanwhile the message line shows the progress, with 取消
    assert board.message.is_busy and board.message.cancel_button.isVisibleTo(board)
    assert not board.export_button.isEnabled()
    qtbot.waitUntil(lambda: board.last_export is not None, timeout=30_000)
    assert xlsx.read_bytes().startswith(b"PK")
    assert board.message.text() == f"已导出：{xlsx}" and not board.message.is_busy


def _click(qtbot, box, text):
    (button,) = [b for b in box.buttons() if b.text() == text]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_unsaved_minutes_text_survives_reloads_and_switching_asks(qtbot, app_env):
    """The clerk's unsaved 纪要 text is not wiped when another part of the meeting is saved
    (the panel re-reads the meeting), switching to another meeting asks 保存 / 不保存 / 取消, and
    regenerating over a draft asks before replacing the text."""
    from app.storage.models import Meeting
    from app.ui.minutes.page import MinutesPage

    ctx = _clerk(app_env)
    t = mn.create_type(ctx, "常务会议", organ="市政府")
    first = mn.create_meeting(ctx, t.id, D(2026, 2, 13), host="赵志远")
    mn.create_meeting(ctx, t.id, D(2026, 2, 20), host="赵志远")
    mn.save_topic(ctx, first.id, "议题甲")
    mn.set_attendance(ctx, first.id, "present", [mn.AttendeeIn("赵志远")])
    mn.generate_minutes(ctx, first.id)
    page = MinutesPage(ctx, today=D(2026, 2, 25))
    qtbot.addWidget(page)
    page.show()
    tab = page.meetings
    qtbot.waitUntil(lambda: not tab.model.loading, timeout=10_000)  # (read in the worker)
    row_of = {m.id: i for i, m in enumerate(tab.model.held_items())}
    tab.table.selectRow(row_of[first.id])
    panel, ed = tab.panel, tab.panel.minutes
    assert panel.meeting_id == first.id and "现纪要如下" in ed.body.toPlainText()
    ed.body.moveCursor(ed.body.textCursor().MoveOperation.End)
    ed.body.insertPlainText("\n会议要求加强值守。")
    typed = ed.body.toPlainText()
    # another change on the meeting re-reads it: the typed text stays
    panel.venue.setText("第二会议室")
    qtbot.mouseClick(panel.save_basic, Qt.MouseButton.LeftButton)
    assert ed.body.toPlainText() == typed and "未保存的修改" in ed.status.text()
    assert page.unsaved_titles() == ["市政府第一次常务会议纪要"]

    # regenerate: asked, 取消 keeps the text
    qtbot.mouseClick(ed.generate_button, Qt.MouseButton.LeftButton)
    _click(qtbot, ed.confirm_box, "取消")
    assert ed.body.toPlainText() == typed

    # switching meetings asks; 取消 stays on the meeting with the text
    second_row = next(i for i, m in enumerate(tab.model.held_items()) if m.id != first.id)
    tab.table.selectRow(second_row)
    box = tab.switch_box
    assert box.isVisible() and "市政府第一次常务会议纪要" in box.text()
    _click(qtbot, box, "取消")
    assert panel.meeting_id == first.id and ed.body.toPlainText() == typed
    assert tab.table.currentIndex().row() == row_of[first.id]
    # 保存 saves, then switches
    tab.table.selectRow(second_row)
    _click(qtbot, tab.switch_box, "保存")
    assert panel.meeting_id != first.id and not page.unsaved_titles()
    with ctx.session() as s:
        draft = json.loads(s.get(Meeting, first.id).draft_json)
    assert draft["body"].endswith("会议要求加强值守。")


def test_basic_data_edits_survive_reloads_and_a_concurrent_change_is_asked(qtbot, app_env):
    from app.storage.models import Meeting

    ctx = _clerk(app_env)
    m = _meeting(ctx)
    mn.save_topic(ctx, m.id, "议题甲")
    mn.set_attendance(ctx, m.id, "present", [mn.AttendeeIn("赵志远")])
    panel = _panel(qtbot, ctx, m.id)
    panel.tabs.setCurrentIndex(0)
    _focus(qtbot, panel.venue)
    qtbot.keyClicks(panel.venue, "Room 2")  # typed: the form now holds unsaved edits
    assert panel.unsaved_titles() == ["市政府第一次常务会议基本情况"]
    # our own act elsewhere (the 纪要 moves the meeting's version) re-reads the meeting
    qtbot.mouseClick(panel.minutes.generate_button, Qt.MouseButton.LeftButton)
    assert panel.venue.text() == "Room 2"
    qtbot.mouseClick(panel.save_basic, Qt.MouseButton.LeftButton)  # no false conflict
    with ctx.session() as s:
        assert s.get(Meeting, m.id).venue == "Room 2"
    assert not panel.unsaved_titles()

    _focus(qtbot, panel.recorder)
    qtbot.keyClicks(panel.recorder, "Wei")
    info = mn.get_meeting(ctx, m.id).meeting
    mn.update_meeting(ctx, m.id, expected_version=info.version, host="钱国华")  # another desk
    panel.reload()
    assert panel.recorder.text() == "Wei" and panel.host.text() == "赵志远"
    qtbot.mouseClick(panel.save_basic, Qt.MouseButton.LeftButton)
    conflict = panel.conflict
    assert conflict.isVisible() and conflict.differing == ["主持人", "记录人"]
    with ctx.session() as s:
        assert (s.get(Meeting, m.id).host, s.get(Meeting, m.id).recorder) == ("钱国华", "")
    qtbot.mouseClick(conflict.reapply_button, Qt.MouseButton.LeftButton)
    assert panel.recorder.text() == "Wei"
    panel.host.setText("钱国华")  # the user takes the other desk's host and keeps the recorder
    qtbot.mouseClick(panel.save_basic, Qt.MouseButton.LeftButton)
    with ctx.session() as s:
        row = s.get(Meeting, m.id)
        assert (row.host, row.recorder, row.venue) == ("钱国华", "Wei", "Room 2")


def test_topic_form_edits_are_kept_and_switching_topics_asks(qtbot, app_env):
    ctx = _clerk(app_env)
    m = _meeting(ctx)
    first = mn.save_topic(ctx, m.id, "议题甲")
    mn.save_topic(ctx, m.id, "议题乙")
    panel = _panel(qtbot, ctx, m.id)
    topics = panel.topics
    panel.tabs.setCurrentWidget(topics)
    topics.list.setCurrentRow(0)
    _focus(qtbot, topics.title)
    topics.title.end(False)
    qtbot.keyClicks(topics.title, " (A)")
    # adding a decision re-reads the meeting: the unsaved topic title stays in the form
    topics.d_text.setPlainText("会议同意。")
    qtbot.mouseClick(topics.add_decision, Qt.MouseButton.LeftButton)
    assert topics.title.text() == "议题甲 (A)" and topics.decisions.rowCount() == 1
    assert panel.unsaved_titles() == ["市政府第一次常务会议议题"]
    # picking another topic asks; 取消 keeps the edits and the selection
    topics.list.setCurrentRow(1)
    box = topics.switch_box
    assert box.isVisible() and "议题甲 (A)" in box.text()
    _click(qtbot, box, "取消")
    assert topics.list.currentRow() == 0 and topics.title.text() == "议题甲 (A)"
    topics.list.setCurrentRow(1)
    _click(qtbot, topics.switch_box, "保存")
    assert _titles(ctx, m.id) == ["议题甲 (A)", "议题乙"]
    assert topics.list.currentRow() == 1 and topics.title.text() == "议题乙"
    # a new topic over unsaved edits: asked too; 不保存 drops them
    topics.summary.setPlainText("未保存的情况说明")
    qtbot.mouseClick(topics.new_topic, Qt.MouseButton.LeftButton)
    _click(qtbot, topics.switch_box, "不保存")
    assert topics.list.currentRow() == -1 and topics.summary.toPlainText() == ""
    assert topics.topic_for is None and not topics.topic_dirty
    topics.title.setText("议题丙")
    qtbot.mouseClick(topics.save_topic, Qt.MouseButton.LeftButton)
    assert _titles(ctx, m.id) == ["议题甲 (A)", "议题乙", "议题丙"]
    with ctx.session() as s:  # the dropped summary was saved nowhere
        assert s.execute(select(Topic.summary).where(Topic.meeting_id == m.id)).scalars().all() \
            == ["", "", ""]
        assert s.get(Topic, first.id).title == "议题甲 (A)"
