"""The paper path in the GUI (issue 20), driven with qtbot:

* the 突发事件统计 dialog and the 督办 board say where an export went and show the paper path's
  typed warnings (a 督办 item whose deadline is 待定 is one), like every other page;
* a 秘密 纪要 printed in 3 copies from its page (the 份数 box): the page names the 份号 range, the
  涉密文件登记簿 window lists the three copies, one is handed out and 清退, another is 销毁 with
  a second person confirming in their own window;
* a handover given 秘密 in the 交接班 tab prints marked, numbered and registered; a roster given
  a 密级 in the 新建值班表 dialog shows it in the list.
"""

from __future__ import annotations

import datetime as dt
import io

import pdfplumber
import pytest

from app.domain.security import Clearance, Role
from app.services import accounts, output
from app.services import incidents as svc
from app.services import minutes as mn
from app.services.context import ServiceContext
from app.services.output import paper
from app.ui.qt import QMessageBox
from tests.test_one_paper_path import MM, _band, _meeting

D = dt.date
PW = "Pass-word-1"


class Clock:
    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


@pytest.fixture
def two(admin_ui_ctx):
    """wang (文书, 值班员, 领导; cleared for 机密) and li (文书, cleared for 机密), 2026-03-02."""
    base = ServiceContext(admin_ui_ctx.engine, None,
                          Clock(dt.datetime(2026, 3, 2, 10, 0).astimezone()))
    users = {}
    for name, display, roles in (("wang", "王机要", [Role.CLERK, Role.DUTY, Role.LEADER]),
                                 ("li", "李监销", [Role.CLERK])):
        accounts.add_user(admin_ui_ctx, name, PW, display_name=display, roles=roles,
                          clearance=Clearance.CONFIDENTIAL, must_change_password=False)
        users[name] = base.with_actor(accounts.login(base, name, PW))
    return users["wang"], users["li"]


# ---------------------------------------------------------------- statistics and the board
def test_statistics_export_says_where_it_went_and_its_warnings(qtbot, two, tmp_path,
                                                               monkeypatch):
    from app.ui.incidents.stats import StatisticsDialog
    from tests.test_one_paper_path import _incident

    wang, _li = two
    _incident(wang)
    dlg = StatisticsDialog(wang, 2026)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.stats is not None, timeout=10_000)
    target = tmp_path / "统计.xlsx"
    task = dlg.export_to(target)
    assert task is not None
    qtbot.waitUntil(lambda: task.finished, timeout=10_000)
    assert dlg.status.text() == f"已导出：{target}"
    assert target.read_bytes()[:2] == b"PK"

    # a warning the paper path hands back is shown, in the same words
    real = svc.export_statistics
    note = output.OutputWarning(output.WarningKind.LAYOUT, "统计表第 3 列过宽，已缩小字号。")

    def warned(ctx, stats, path):
        out = real(ctx, stats, path)
        return output.Output(bytes(out), kind=out.kind, fmt=out.fmt,
                             classification=out.classification, warnings=(note,))

    monkeypatch.setattr(svc, "export_statistics", warned)
    task = dlg.export_to(target)
    qtbot.waitUntil(lambda: task.finished, timeout=10_000)
    assert dlg.status.text() == f"已导出：{target}；注意：统计表第 3 列过宽，已缩小字号"


def test_board_export_shows_an_uncertain_deadline(qtbot, two, tmp_path):
    from app.ui.minutes.board import BoardTab

    wang, _li = two
    t = mn.create_type(wang, "常务会议", organ="市政府")
    m = mn.create_meeting(wang, t.id, D(2026, 12, 25))
    tp = mn.save_topic(wang, m.id, "元旦春节安全生产")
    mn.add_decision(wang, tp.id, "各单位落实节日值班。", lead_unit="市应急局", workdays=10)
    board = BoardTab(wang, today=D(2026, 12, 25))
    qtbot.addWidget(board)
    board.show()
    qtbot.waitUntil(lambda: not board.model.loading, timeout=10_000)
    target = tmp_path / "通报.xlsx"
    board.export(str(target))
    qtbot.waitUntil(lambda: board.last_export is not None, timeout=30_000)
    text = board.message.text()
    assert text.startswith(f"已导出：{target}；注意：1 项督办事项的办理期限待定（2027年节假日安排尚未录入")
    assert "台账“提醒”栏已注明" in text


# ---------------------------------------------------------------- a 纪要's copies in the register
def _table(win) -> list[list[str]]:
    t = win.table
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def test_a_secret_minutes_printed_in_three_copies_is_followed_in_the_register(qtbot, two,
                                                                           tmp_path):
    from app.ui.documents.page import DocumentsPage
    from app.ui.minutes.meeting import MeetingPanel

    wang, li = two
    m = _meeting(wang)
    panel = MeetingPanel(wang)
    qtbot.addWidget(panel)
    panel.show()
    panel.load(m.id)
    ed = panel.minutes
    assert ed.pdf_button.isEnabled()
    ed.copies.setValue(3)
    target = tmp_path / "纪要.pdf"
    ed.export_pdf(str(target))
    qtbot.waitUntil(lambda: ed.last_export is not None, timeout=30_000)
    assert "份号 000001-000003（共 3 份，已登记到涉密文件登记簿）" in panel.message.text()
    with pdfplumber.open(target) as pdf:
        corners = [_band(p, 12 * MM, 24 * MM, x1=120 * MM).replace(" ", "") for p in pdf.pages]
    assert [c for c in corners if c] == ["秘密第000001份", "秘密第000002份", "秘密第000003份"]

    page = DocumentsPage(wang)
    qtbot.addWidget(page)
    win = page.open_paper_register()
    qtbot.waitUntil(lambda: win.table.rowCount() == 3, timeout=10_000)
    assert [(r[0], r[1], r[2], r[8]) for r in _table(win)] == [
        (f"00000{n}", "市政府第三次常务会议纪要", "秘密", "在办公室") for n in (1, 2, 3)]

    # 分发 the first copy, then 清退 it
    win.table.selectRow(0)
    win.issue_button.click()
    dlg = win.dialog
    dlg.unit.setText("市水利局")
    dlg.person.setText("钱国华")
    dlg.signed.setChecked(True)
    with qtbot.waitSignal(win.loaded, timeout=10_000):
        dlg.accept()
    assert _table(win)[0][4] == "市水利局/钱国华" and _table(win)[0][8] == "已分发"
    win.table.selectRow(0)
    with qtbot.waitSignal(win.loaded, timeout=10_000):
        win.return_button.click()
    assert _table(win)[0][8] == "已清退"

    # 申请销毁 the second, confirmed by another person in their own window
    win.table.selectRow(1)
    win.destroy_button.click()
    box = win.dialog
    assert isinstance(box, QMessageBox)
    with qtbot.waitSignal(win.loaded, timeout=10_000):
        next(b for b in box.buttons() if b.text() == "申请销毁").click()
    win.table.selectRow(1)
    win.confirm_button.click()
    qtbot.waitUntil(lambda: "另一人" in win.message.text(), timeout=10_000)
    page2 = DocumentsPage(li)
    qtbot.addWidget(page2)
    win2 = page2.open_paper_register()
    qtbot.waitUntil(lambda: win2.table.rowCount() == 3, timeout=10_000)
    win2.table.selectRow(1)
    with qtbot.waitSignal(win2.loaded, timeout=10_000):
        win2.confirm_button.click()
    assert [r[8] for r in _table(win2)] == ["已清退", "已销毁", "在办公室"]
    copies = paper.list_copies(wang, object_type="meeting", object_id=m.id)
    assert [(c.status, c.destroy_confirmed_by) for c in copies] == [
        ("returned", ""), ("destroyed", "李监销"), ("held", "")]


# ---------------------------------------------------------------- 值班: handover and roster
def test_a_handover_given_secret_prints_marked_and_registered(qtbot, two, tmp_path):
    from app.services import duty
    from app.ui.duty.handover_tab import HandoverTab

    wang, _li = two
    tab = HandoverTab(wang)
    qtbot.addWidget(tab)
    tab.show()
    assert [tab.secret.itemText(i) for i in range(tab.secret.count())] == [
        "公开", "内部", "秘密", "机密"]
    tab.summary.setPlainText("交班：重要目标警卫情况正常。")
    tab.secret.setCurrentIndex(2)
    tab.hand_button.click()
    assert "等待接班人确认" in tab.message.text() and tab.secret.currentIndex() == 0
    (h,) = duty.list_handovers(wang)
    assert h.classification == 2
    assert tab.handovers.itemText(0).endswith("（秘密）")

    tab.record_copies.setValue(2)
    target = tmp_path / "交接班记录.pdf"
    task = tab.print_record(target)
    assert task is not None
    qtbot.waitUntil(lambda: task.finished, timeout=30_000)
    assert "份号 000001-000002（共 2 份，已登记到涉密文件登记簿）" in tab.report_status.text()
    with pdfplumber.open(io.BytesIO(target.read_bytes())) as pdf:
        assert all("秘密" in _band(p, 0, 12 * MM) for p in pdf.pages)
    assert [(c.object_type, c.copy_text) for c in paper.list_copies(wang)] == [
        ("duty_handover", "000001"), ("duty_handover", "000002")]


def test_a_roster_gets_its_level_in_the_new_roster_dialog(qtbot, two):
    from app.services import duty
    from app.ui.duty.roster_tab import RosterTab

    wang, _li = two
    tab = RosterTab(wang)
    qtbot.addWidget(tab)
    tab.new_roster()
    dlg = tab.dialog
    dlg.title.setText("重大活动值班表")
    dlg.secret.setCurrentIndex(2)
    dlg.accept()
    (r,) = duty.list_rosters(wang)
    assert (r.title, r.classification) == ("重大活动值班表", 2)
    assert tab.rosters.currentText() == "重大活动值班表（草稿，秘密）"
    assert tab.set_level(0)
    assert duty.get_roster(wang, r.id).classification == 0
    assert tab.rosters.currentText() == "重大活动值班表（草稿）"
