"""值班 page driven with qtbot: quick log entry with Ctrl+Enter, completing an entry, the lazy
list; handover and acknowledgement; generation in the background; a manual edit refused by the
rules; the now-on-duty panel; exports written to disk."""

from __future__ import annotations

import datetime as dt
import threading
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.security import Clearance, Role
from app.services import duty
from app.services.accounts import users as accounts
from app.services.context import ServiceContext
from app.services.duty import desk as duty_desk
from app.services.duty import roster as duty_roster
from app.storage.models import DutyHandover, DutyLogEntry, DutyOpenItem
from app.ui.duty.handover_tab import HandoverTab
from app.ui.duty.log_tab import PAGE, LogTab
from app.ui.duty.page import DutyPage
from app.ui.kit import show_tab
from app.ui.qt import Qt

PW = "Duty-pass-123"


def _type(widget, text):
    """Type into a field (QTest cannot synthesise key events for Chinese characters)."""
    widget.setFocus()
    if hasattr(widget, "insertPlainText"):
        widget.insertPlainText(text)
    else:
        widget.insert(text)


def _officer(admin_ui_ctx, name="zhiban", label="值班员甲"):
    accounts.add_user(admin_ui_ctx, name, PW, display_name=label, role=Role.DUTY,
                      clearance=Clearance.INTERNAL, must_change_password=False)
    return admin_ui_ctx.with_actor(accounts.login(admin_ui_ctx, name, PW))


def test_quick_log_entry_ctrl_enter_and_complete(qtbot, admin_ui_ctx):
    ctx = _officer(admin_ui_ctx)
    tab = LogTab(ctx)
    qtbot.addWidget(tab)
    tab.show()
    tab.activateWindow()
    qtbot.waitActive(tab)
    _listed(qtbot, tab)
    assert tab.count_label.text() == "共0条"
    _type(tab.unit, "市应急管理局")
    _type(tab.name, "王强")
    _type(tab.post, "科长")
    _type(tab.phone, "0571-1234567")
    _type(tab.content, "某路段交通事故，请关注")
    with qtbot.waitSignal(tab.model.loaded):  # the list is read again in the worker
        qtbot.keyClick(tab.content, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    with Session(ctx.engine) as s:
        row = s.execute(select(DutyLogEntry)).scalar_one()
        assert (row.caller_unit, row.caller_name, row.caller_post, row.caller_phone,
                row.content, row.author_name) == ("市应急管理局", "王强", "科长", "0571-1234567",
                                                  "某路段交通事故，请关注", "值班员甲")
    assert tab.model.rowCount() == 1 and tab.unit.text() == "" and "已保存" in tab.message.text()
    assert tab.count_label.text() == "共1条"
    assert tab.model.data(tab.model.index(0, 2)) == "市应急管理局"
    # an empty entry is refused in Chinese, nothing written
    qtbot.keyClick(tab.content, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "内容" in tab.message.text()
    # select it, add who it was passed to and the result
    tab.view.selectRow(0)
    assert tab.unit.text() == "市应急管理局"
    _type(tab.passed_to, "带班领导王建国")
    _type(tab.result, "已转告")
    tab.save_button.click()
    with Session(ctx.engine) as s:
        row = s.execute(select(DutyLogEntry)).scalar_one()
        assert row.passed_to == "带班领导王建国" and row.result == "已转告"
        assert row.passed_at is not None
    assert duty.count_log(ctx) == 1


def _listed(qtbot, tab) -> None:
    """The log is read in the worker: wait until the list shows the last read."""
    qtbot.waitUntil(lambda: not tab.model.loading, timeout=10_000)


def test_choosing_the_log_tab_reads_the_log_once(qtbot, admin_ui_ctx, monkeypatch):
    """The 值班记录 tab is built when first chosen, and the page reads the tab it shows: the
    log is counted and its first page read once, not once by the build and again by the page
    (two reads at once beside the tab's first paint left the GUI thread waiting for a core)."""
    ctx = _officer(admin_ui_ctx)
    duty.add_log_entry(ctx, duty.LogEntry(received_at=datetime(2026, 3, 1, tzinfo=UTC),
                                          content="来电咨询"))
    counts: list[str] = []
    real = duty_desk.count_log

    def count_log(ctx, text=""):  # type: ignore[no-untyped-def]
        counts.append(text)
        return real(ctx, text)

    monkeypatch.setattr(duty_desk, "count_log", count_log)
    page = DutyPage(ctx)
    qtbot.addWidget(page)
    page.show()
    show_tab(page.tabs, page.log_place)
    tab = page.log_place.content()
    _listed(qtbot, tab)
    qtbot.wait(100)  # (a second read would have been started with the first)
    assert counts == [""] and tab.model.rowCount() == 1
    show_tab(page.tabs, page.roster)
    show_tab(page.tabs, page.log_place)  # chosen again: read again, as every tab is
    qtbot.waitUntil(lambda: len(counts) == 2, timeout=10_000)


def test_a_tab_change_reads_the_now_panel_only_when_its_last_read_is_old(qtbot, admin_ui_ctx,
                                                                        monkeypatch):
    from app.ui.duty import page as duty_page

    page = DutyPage(_officer(admin_ui_ctx))
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: not page.now.reading and page.now.state is not None)
    reads: list[int] = []
    real = page.now.refresh
    monkeypatch.setattr(page.now, "refresh", lambda: reads.append(1) or real())
    show_tab(page.tabs, page.log_place)  # the panel was read a moment ago: left alone
    assert reads == []
    monkeypatch.setattr(duty_page, "NOW_FRESH_S", 0)
    show_tab(page.tabs, page.roster)  # older than that: read again
    assert reads == [1]
    qtbot.waitUntil(lambda: not page.now.reading)


@pytest.mark.slow
def test_log_list_is_lazy_and_read_in_the_worker(qtbot, admin_ui_ctx, monkeypatch):
    ctx = _officer(admin_ui_ctx)
    base = datetime(2026, 3, 1, tzinfo=UTC)
    for i in range(3 * PAGE + 30):
        duty.add_log_entry(ctx, duty.LogEntry(received_at=base + dt.timedelta(minutes=i),
                                              content=f"咨询{i}"))
    gui = threading.get_ident()
    reads: list[tuple[int, int]] = []
    real = duty.list_log

    def list_log(ctx, offset=0, limit=100, text="", seek=None):  # type: ignore[no-untyped-def]
        assert threading.get_ident() != gui  # never on the GUI thread
        reads.append((offset, limit))
        return real(ctx, offset, limit, text, seek=seek)

    monkeypatch.setattr(duty_desk, "list_log", list_log)
    tab = LogTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(900, 400)
    tab.show()
    assert tab.count_label.text() == "正在读取…"
    _listed(qtbot, tab)
    m = tab.model
    assert m.rowCount() == 3 * PAGE + 30 and tab.count_label.text() == f"共{3 * PAGE + 30}条"
    assert reads == [(0, PAGE)]  # the count and the first page, nothing else yet
    assert m.data(m.index(0, 6)) == f"咨询{3 * PAGE + 29}"  # newest first
    # scrolling to the end asks for the last page only; its rows appear when it comes
    last = m.index(3 * PAGE + 29, 6)
    tab.view.scrollToBottom()
    qtbot.waitUntil(lambda: m.data(last) == "咨询0", timeout=10_000)
    assert reads[-1] == (3 * PAGE, PAGE) and (PAGE, PAGE) not in reads
    tab.view.selectRow(3 * PAGE + 29)
    assert tab.content.toPlainText() == "咨询0" and "第" in tab.save_button.text()
    # a search reads again; the rows of the old query are gone
    tab.search.setText("咨询7")
    with qtbot.waitSignal(m.loaded):
        qtbot.keyClick(tab.search, Qt.Key.Key_Return)
    assert m.total == 11 and tab.count_label.text() == "共11条"  # 咨询7, 咨询70–79
    assert {m.data(m.index(i, 6)) for i in range(11)} == {"咨询7", *(f"咨询{n}" for n in range(70, 80))}
    from app.ui.kit.worker import TaskHandle

    qtbot.waitUntil(lambda: not m.findChildren(TaskHandle))  # each read's handle is deleted


def test_a_refused_log_read_is_said_in_chinese(qtbot, admin_ui_ctx):
    ctx = _officer(admin_ui_ctx)
    tab = LogTab(ctx)
    qtbot.addWidget(tab)
    _listed(qtbot, tab)
    with admin_ui_ctx.session() as s, s.begin():
        from app.storage.models import User

        s.execute(select(User).where(User.username == "zhiban")).scalar_one().active = False
    with qtbot.waitSignal(tab.model.failed):
        tab.refresh()
    assert "停用" in tab.message.text()


def test_handover_and_acknowledgement(qtbot, admin_ui_ctx, tmp_path):
    a = _officer(admin_ui_ctx)
    b = _officer(admin_ui_ctx, "zhiban2", "值班员乙")
    tab = HandoverTab(a)
    qtbot.addWidget(tab)
    tab.show()
    assert not tab.ack_button.isEnabled()
    _type(tab.summary, "本班接电话3个，无突发事件。")
    _type(tab.new_items, "18时前报送值守情况")
    tab.hand_button.click()
    assert "等待接班人确认" in tab.message.text()
    assert tab.items.count() == 1 and tab.ack_button.isEnabled()
    tab.ack_button.click()  # the outgoing officer may not confirm their own handover
    assert "不能自己确认" in tab.message.text()
    tab2 = HandoverTab(b)
    qtbot.addWidget(tab2)
    assert "值班员甲" in tab2.pending_label.text() and "18时前报送值守情况" in tab2.pending_label.text()
    tab2.ack_button.click()
    with Session(a.engine) as s:
        h = s.execute(select(DutyHandover)).scalar_one()
        assert h.incoming_name == "值班员乙" and h.acknowledged_at is not None
    assert not tab2.ack_button.isEnabled()
    tab2.items.setCurrentRow(0)
    tab2.close_item_button.click()  # asks for the 办理结果 first (non-blocking)
    ask = tab2.dialog
    assert ask.isVisible() and ask.windowModality() == Qt.WindowModality.WindowModal
    assert tab2.items.count() == 1  # nothing closed while the question is open
    ask.setTextValue("已报送")
    ask.accept()
    assert tab2.items.count() == 0 and duty.list_open_items(b) == []
    assert tab2.message.text() == "已办结。"
    with Session(a.engine) as s:
        assert s.execute(select(DutyOpenItem.closed_note)).scalar_one() == "已报送"
    # the record and the daily report print in the background to files
    assert tab2.handovers.count() == 1
    target = tmp_path / "交接班记录.pdf"
    handle = tab2.print_record(target)
    qtbot.waitUntil(lambda: handle.finished, timeout=60_000)
    assert target.read_bytes().startswith(b"%PDF") and "已保存" in tab2.report_status.text()
    daily = tmp_path / "日报.pdf"
    handle = tab2.print_report(daily)
    qtbot.waitUntil(lambda: handle.finished, timeout=60_000)
    assert daily.read_bytes().startswith(b"%PDF")


def _seed(ctx, leaders=3, officers=6):
    for i in range(leaders):
        duty.save_staff(ctx, duty.StaffInfo(0, f"领导{i + 1}", mobile=f"1390000{i:04d}",
                                            roles=("leader",)))
    for i in range(officers):
        duty.save_staff(ctx, duty.StaffInfo(0, f"干部{i + 1}", phone=f"8700{i:04d}",
                                            roles=("officer",)))
    duty.save_rules(ctx, duty.Rules(roles={"leader": 1, "officer": 1},
                                    min_gap_days={"officer": 2}))


# The rosters here start today: from late December they reach into a year whose holiday table
# may not be entered yet, where generating asks first (tests/ui/test_calendar_page.py tests the
# question); these tests confirm it up front.


def test_roster_generate_edit_publish_export(qtbot, admin_ui_ctx, tmp_path):
    ctx = admin_ui_ctx
    _seed(ctx)
    today = ctx.now().astimezone().date()
    # from yesterday: before 08:30 yesterday's duty is still on
    roster = duty.create_roster(ctx, today - dt.timedelta(days=1), today + dt.timedelta(days=8),
                                "测试值班表")
    page = DutyPage(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: not page.roster.reading)  # (read in the worker)
    page.show()
    tab = page.roster
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == [
        "值班表", "人员", "值班记录", "交接班"]
    assert tab.roster.id == roster.id and tab.list.rowCount() == 0
    handle = tab.generate(time_limit=5, unknown_years_confirmed=True)
    qtbot.waitUntil(lambda: handle.finished, timeout=30_000)
    assert tab.outcome is not None and tab.outcome.ok
    assert tab.list.rowCount() == 20 and tab.problems.text() == ""
    first = tab.roster.duties[0]
    cell = next(tab.grid.item(r, c) for r in range(tab.grid.rowCount()) for c in range(7)
                if tab.grid.item(r, c) and tab.grid.item(r, c).data(Qt.ItemDataRole.UserRole)
                == first.day)
    assert first.staff_name in cell.text()
    tab.grid.cellDoubleClicked.emit(cell.row(), cell.column())
    assert tab.selected_duty().day == first.day
    # an officer on the next day would break the 2-day gap: refused when not confirmed
    officer = next(d for d in tab.roster.duties if d.role == "officer" and d.day == today)
    nxt = next(d for d in tab.roster.duties if d.role == "officer"
               and d.day == today + dt.timedelta(days=1))
    tab.replace_duty(nxt, officer.staff_id)
    box = tab.rule_box  # asked first (window-modal, non-blocking): nothing saved meanwhile
    assert box.isVisible() and box.windowModality() == Qt.WindowModality.WindowModal
    assert "间隔不足" in box.text() and box.defaultButton().text() == "取消"
    assert duty.validate_roster(ctx, roster.id) == []
    next(b for b in box.buttons() if b.text() == "取消").click()
    assert tab.status.text().startswith("未保存：") and "间隔不足" in tab.status.text()
    assert duty.validate_roster(ctx, roster.id) == []
    # publish (asked first), then the now-on-duty panel shows today's people
    tab.publish_button.click()
    assert tab.publish_box is not None and duty.get_roster(ctx, roster.id).status == "draft"
    next(b for b in tab.publish_box.buttons() if b.text() == "发布").click()
    qtbot.waitUntil(lambda: duty.get_roster(ctx, roster.id).status == "published")
    # the panel reads again in the worker
    qtbot.waitUntil(lambda: not page.now.reading and page.now.state is not None
                    and page.now.state.day is not None)
    leader = next(d for d in tab.roster.duties if d.role == "leader" and d.day == page.now.state.day)
    assert leader.staff_name in page.now.now_label.text()
    # XLSX export in the background, read back
    target = tmp_path / "roster.xlsx"
    handle = tab.export("xlsx", target)
    qtbot.waitUntil(lambda: handle.finished, timeout=30_000)
    ws = load_workbook(target)["值班表"]
    assert ws.max_row == 2 + 10
    # the notice with the options from its dialog
    from app.services.office import settings as office_settings
    from app.ui.duty.roster_tab import NoticeDialog

    office_settings.update_office(tab.ctx, office_settings.OfficeInfo(  # the notice names the office
        "临江市人民政府办公室", ["临政办发"], "临江市人民政府办公室文件", "临江市人民政府办公室"))
    dlg = NoticeDialog(tab.roster, False)
    qtbot.addWidget(dlg)
    dlg.period.setText("国庆期间")
    dlg.phone.setText("0571-87001100")
    notice = tmp_path / "notice.pdf"
    handle = tab.export("notice_pdf", notice, dlg.options())
    qtbot.waitUntil(lambda: handle.finished, timeout=60_000)
    import pdfplumber

    with pdfplumber.open(notice) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages).replace(" ", "").replace("\n", "")
    assert "关于国庆期间值班安排的通知" in text
    assert "发〔" not in text  # no hand-typed 发文字号: a number comes only from the register
    assert "0571-87001100" in text
    # the edit that breaks the gap rule, confirmed this time: saved with its violation
    tab.replace_duty(nxt, officer.staff_id)
    next(b for b in tab.rule_box.buttons() if b.text() == "仍要保存").click()
    assert tab.status.text() == "已调整。" and tab.status.kind == "ok"
    assert any("间隔不足" in p for p in duty.validate_roster(ctx, roster.id))


def test_generate_cancel_leaves_roster_unchanged(qtbot, admin_ui_ctx, monkeypatch):
    ctx = admin_ui_ctx
    real, gate = duty.generate, threading.Event()

    def held(*args, **kwargs):  # the solve starts only once the test has pressed 取消
        gate.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(duty_roster, "generate", held)
    _seed(ctx)
    today = ctx.now().astimezone().date()
    duty.create_roster(ctx, today, today + dt.timedelta(days=5))
    page = DutyPage(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: not page.roster.reading)  # (read in the worker)
    tab = page.roster
    handle = tab.generate(time_limit=5, unknown_years_confirmed=True)
    line = tab.status  # the message line shows the progress, with 取消
    assert line.cancel_button.isVisibleTo(tab) and line.bar.isVisibleTo(tab)
    assert line.text() == "正在排班……"
    line.cancel_button.click()
    gate.set()
    qtbot.waitUntil(lambda: handle.finished, timeout=30_000)
    assert tab.outcome is None
    assert tab.status.text() == "已取消排班，值班表未改动。"
    assert not line.cancel_button.isVisibleTo(tab) and not line.bar.isVisibleTo(tab)
    assert tab.list.rowCount() == 0


def test_infeasible_shown_in_plain_words(qtbot, admin_ui_ctx):
    ctx = admin_ui_ctx
    duty.save_staff(ctx, duty.StaffInfo(0, "张三", roles=("leader",)))
    duty.save_staff(ctx, duty.StaffInfo(0, "李四", roles=("officer",)))
    duty.save_rules(ctx, duty.Rules(roles={"leader": 1, "officer": 1}))
    start = ctx.now().astimezone().date()
    duty.add_unavailability(ctx, 1, start + dt.timedelta(days=1), start + dt.timedelta(days=1))
    duty.create_roster(ctx, start, start + dt.timedelta(days=2))
    page = DutyPage(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: not page.roster.reading)  # (read in the worker)
    tab = page.roster
    handle = tab.generate(time_limit=3, unknown_years_confirmed=True)
    qtbot.waitUntil(lambda: handle.finished, timeout=30_000)
    text = tab.status.text()
    assert text.startswith("无法排班") and "张三请假" in text


@pytest.mark.parametrize("role", [Role.DUTY])
def test_duty_officer_sees_roster_editing_disabled_with_the_reason(qtbot, admin_ui_ctx, role):
    ctx = _officer(admin_ui_ctx)
    page = DutyPage(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: not page.roster.reading)  # (read in the worker)
    # the same tabs as a 文书's, in the same places; the one they cannot use says why
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == [
        "值班表", "人员", "值班记录", "交接班"]
    staff = page.tabs.indexOf(page.staff_place)  # (its content is built when chosen)
    assert not page.tabs.isTabEnabled(staff)
    assert page.tabs.tabToolTip(staff) == "需要“管理员”或“文书”角色"
    b = page.roster.generate_button
    assert not b.isHidden() and not b.isEnabled() and not page.roster.can_edit
    assert b.toolTip() == b.statusTip() == "需要“管理员”或“文书”角色"
    assert page.log.form_box.isEnabled()  # 值班员 writes the log
    assert isinstance(ServiceContext, type)


def test_ledger_dialog_saves_opening_balance_and_lists_swaps(qtbot, admin_ui_ctx):
    from app.ui.duty.ledger_dialog import LedgerDialog

    ctx = admin_ui_ctx
    _seed(ctx)
    today = ctx.now().astimezone().date()
    roster = duty.create_roster(ctx, today, today + dt.timedelta(days=5))
    assert duty.generate(ctx, roster.id, time_limit=5, allow_unknown_years=True).ok
    d = next(x for x in duty.get_roster(ctx, roster.id).duties if x.role == "leader")
    other = next(p.id for p in duty.list_staff(ctx) if "leader" in p.roles and p.id != d.staff_id)
    duty.record_swap(ctx, roster.id, "代班", d.day, d.shift, "leader", d.staff_id, other,
                     reason="外出开会", allow_violations=True)
    page = DutyPage(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: not page.roster.reading)  # (read in the worker)
    page.roster.ledger_button.click()
    dlg = page.roster.dialog
    assert isinstance(dlg, LedgerDialog)
    assert dlg.swaps.rowCount() == 1 and dlg.swaps.item(0, 5).text() == "外出开会"
    first = dlg.rows[0]
    total, rest = dlg.spins[first.staff_id]
    total.setValue(5)
    rest.setValue(2)
    dlg.save()
    row = next(r for r in duty.ledger(ctx, today.year) if r.staff_id == first.staff_id)
    assert (row.opening_total, row.opening_rest) == (5, 2)


def test_staff_form_and_leave(qtbot, admin_ui_ctx):
    ctx = admin_ui_ctx
    page = DutyPage(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: not page.roster.reading)  # (read in the worker)
    tab = page.staff
    show_tab(page.tabs, tab)
    qtbot.waitUntil(lambda: not tab.reading and "officer" in tab.role_checks)  # (the worker)
    _type(tab.name, "张伟")
    _type(tab.unit, "秘书科")
    _type(tab.post, "科员")
    qtbot.keyClicks(tab.mobile, "13800000001")
    tab.role_checks["officer"].setChecked(True)
    tab.save_button.click()
    people = duty.list_staff(ctx)
    assert [(p.name, p.unit, p.post, p.mobile, p.roles) for p in people] == [
        ("张伟", "秘书科", "科员", "13800000001", ("officer",))]
    assert tab.table.rowCount() == 1 and tab.table.item(0, 5).text() == "值班员"
    # a name is required
    tab.clear_form()
    tab.save_button.click()
    assert "姓名" in tab.message.text() and len(duty.list_staff(ctx)) == 1
    # leave by date range
    tab.leave_person.setCurrentIndex(0)
    tab.leave_reason.setCurrentText("出差")
    tab.leave_start.setDate(tab.leave_start.date().addDays(3))
    tab.leave_end.setDate(tab.leave_start.date().addDays(4))
    tab.leave_add.click()
    leave = duty.list_unavailability(ctx)
    assert [(u.staff_name, u.reason, (u.end - u.start).days) for u in leave] == [("张伟", "出差", 4)]
    tab.leave_start.setDate(tab.leave_end.date().addDays(1))
    tab.leave_add.click()
    assert "结束日期不能早于开始日期" in tab.message.text()
    # select and deactivate
    tab.table.selectRow(0)
    assert tab.name.text() == "张伟"
    tab.active.setChecked(False)
    tab.save_button.click()
    assert duty.list_staff(ctx)[0].active is False
    # a new duty role: its name, then its code, each asked without blocking
    tab.role_button.click()
    ask = tab.dialog
    assert ask.isVisible() and ask.okButtonText() == "下一步"
    ask.setTextValue("值班司机")
    ask.accept()
    assert tab.dialog is not ask and tab.dialog.isVisible()
    tab.dialog.setTextValue("driver")
    tab.dialog.accept()
    assert duty.list_roles(ctx)["driver"] == "值班司机"
    assert "值班司机" in tab.message.text() and "driver" in tab.role_checks


def test_rules_dialog_and_swap_dialog(qtbot, admin_ui_ctx):
    from app.ui.duty.roster_tab import RulesDialog, SwapDialog

    ctx = admin_ui_ctx
    _seed(ctx)
    page = DutyPage(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: not page.roster.reading)  # (read in the worker)
    tab = page.roster
    tab.rules_button.click()
    dlg = tab.dialog
    assert isinstance(dlg, RulesDialog)
    dlg.pattern.setCurrentText("白班、夜班")
    dlg.spins["officer"][0].setValue(2)
    dlg.spins["officer"][2].setValue(8)
    dlg.apart.setPlainText("干部1 干部2\n")
    dlg.save()
    rules = duty.get_rules(ctx)
    names = {p.name: p.id for p in duty.list_staff(ctx)}
    assert rules.shifts == ("白班", "夜班") and rules.roles["officer"] == 2
    assert rules.max_per_month == {"officer": 8}
    assert rules.apart == ((names["干部1"], names["干部2"]),)
    tab.rules_button.click()
    bad = tab.dialog
    bad.apart.setPlainText("干部1 无此人")
    bad.save()
    assert "两位已登记人员" in bad.message.text() and bad.isVisible()
    bad.reject()
    duty.save_rules(ctx, duty.Rules(roles={"leader": 1, "officer": 1}, version=rules.version))
    today = ctx.now().astimezone().date()
    roster = duty.create_roster(ctx, today, today + dt.timedelta(days=7))
    assert duty.generate(ctx, roster.id, time_limit=5, allow_unknown_years=True).ok
    tab.refresh(roster.id)
    row = next(i for i, d in enumerate(tab.roster.duties) if d.role == "officer")
    tab.list.selectRow(row)
    item = tab.roster.duties[row]
    tab.swap_button.click()
    dlg = tab.dialog
    assert isinstance(dlg, SwapDialog)
    dlg.kind.setCurrentText("调班")
    partner = next(i for i in range(dlg.to.count()) if dlg.to.itemData(i) in
                   {d.staff_id for d in tab.roster.duties if d.role == "officer"
                    and abs((d.day - item.day).days) >= 3})
    dlg.to.setCurrentIndex(partner)
    assert dlg.other.count() >= 1
    dlg.reason.setText("家中有事")
    dlg.accept()
    assert tab.rule_box is None  # breaks no rule: saved without a question
    swaps = duty.list_swaps(ctx, roster.id)
    assert len(swaps) == 1 and swaps[0].kind == "调班" and swaps[0].reason == "家中有事"
    after = {(d.day, d.staff_id) for d in duty.get_roster(ctx, roster.id).duties}
    assert (item.day, swaps[0].to_staff_id) in after
    assert (swaps[0].other_day, item.staff_id) in after


def test_rule_check_of_the_shown_roster_runs_in_the_worker(qtbot, admin_ui_ctx):
    ctx = admin_ui_ctx
    _seed(ctx)
    today = ctx.now().astimezone().date()
    roster = duty.create_roster(ctx, today, today + dt.timedelta(days=6), "规则检查")
    page = DutyPage(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: not page.roster.reading)  # (read in the worker)
    page.show()
    tab = page.roster
    handle = tab.generate(time_limit=5, unknown_years_confirmed=True)
    qtbot.waitUntil(lambda: handle.finished, timeout=30_000)
    qtbot.waitUntil(lambda: tab.check_task is not None and tab.check_task.finished)
    assert tab.problems.text() == ""  # checked, and every rule holds
    # someone on duty goes on leave that day: the next load's check, read in the worker, says so
    on_duty = tab.roster.duties[0]
    duty.add_unavailability(ctx, on_duty.staff_id, on_duty.day, on_duty.day, "请假")
    tab.load()
    assert tab.problems.text() == ""  # not on the GUI thread: the answer follows
    qtbot.waitUntil(lambda: tab.problems.text().startswith("不符合规则"), timeout=10_000)
    assert on_duty.staff_name in tab.problems.text()
    assert duty.validate_roster(ctx, roster.id)  # the same finding as the service's
