"""First run: the workbench's getting-started panel (each step a link to its page, ticked when
the records say it is done, gone when all are) and the offline user guide on F1."""

from __future__ import annotations

import datetime as dt
from datetime import UTC

from app.domain.security import Clearance, Role
from app.services import duty
from app.services.accounts import users as accounts
from app.services.context import ServiceContext
from app.services.holidays import tables as holidays
from app.services.office import settings
from app.ui.application import db_label
from app.ui.kit.worker import wait_for_all
from app.ui.main_window import MainWindow
from app.ui.qt import QKeySequence, QTabWidget, QTextBrowser

NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知
国办发明电〔2026〕9号

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
　　经国务院批准，现将2027年元旦放假日期的具体安排通知如下。
　　一、元旦：1月1日（周五）至3日（周日）放假，共3天。

国务院办公厅
2026年11月4日
"""


def _window(qtbot, ctx, tmp_path):
    win = MainWindow(ctx, db_label(str(ctx.engine.url)), tmp_path / "ui.ini")
    qtbot.addWidget(win)
    win.show()
    return win


def _marks(panel):
    return {key: label.text() for key, label in panel.marks.items()}


def _reload(qtbot, panel):
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        panel.refresh()


def test_the_steps_link_to_their_pages_and_tick_when_done(qtbot, admin_ui_ctx, tmp_path):
    # December 2026: the notice that matters is 2027's (published in November)
    ctx = ServiceContext(admin_ui_ctx.engine, admin_ui_ctx.actor,
                         lambda: dt.datetime(2026, 12, 7, 2, 0, tzinfo=UTC))
    holidays.invalidate()
    win = _window(qtbot, ctx, tmp_path)
    panel = win.show_page("workbench").getting_started
    qtbot.waitUntil(lambda: len(panel.marks) == 4, timeout=10_000)
    assert panel.isVisible()
    assert set(_marks(panel).values()) == {"○"}
    assert "导入2027年节假日安排通知" in panel.links["holidays"].text()
    assert "<a href='accounts'>" in panel.links["accounts"].text()

    # a link opens the page and the tab that does the step
    panel.links["office"].linkActivated.emit("office")
    admin = win.stack.currentWidget()
    assert win.current_key() == "admin" and isinstance(admin, QTabWidget)
    assert admin.tabText(admin.currentIndex()) == "单位设置"
    panel.open_step("accounts")
    assert admin.tabText(admin.currentIndex()) == "用户与审计"
    panel.open_step("roster")
    duty_page = win.stack.currentWidget()
    assert win.current_key() == "duty" and duty_page.tabs.tabText(
        duty_page.tabs.currentIndex()) == "值班表"

    # done from anywhere: the records tick the steps
    accounts.add_user(ctx, "chengang", "Chen-pass-12345", role=Role.CLERK,
                      clearance=Clearance.INTERNAL, display_name="陈刚")
    settings.update_office(ctx, settings.OfficeInfo("临江市人民政府办公室", ["江政办发"],
                                                    "临江市人民政府办公室文件"))
    _reload(qtbot, panel)
    assert _marks(panel) == {"accounts": "✔", "office": "✔", "holidays": "○", "roster": "○"}
    assert "已完成" in panel.links["accounts"].text() and not panel.isHidden()
    # the holiday step opens the 节假日安排 page (which imports notices); imported there, it ticks
    panel.open_step("holidays")
    assert win.current_key() == "calendar"
    holidays.import_notice(ctx, NOTICE_2027, source_name="2027年放假通知.txt")
    _reload(qtbot, panel)
    assert _marks(panel)["holidays"] == "✔"
    start = dt.date(2027, 1, 1)
    duty.create_roster(ctx, start, start + dt.timedelta(days=6))
    _reload(qtbot, panel)
    assert set(_marks(panel).values()) == {"✔"}
    assert panel.isHidden()  # all done: the panel is gone
    holidays.invalidate()


def test_a_duty_officer_is_not_asked_to_set_up_the_office(qtbot, admin_ui_ctx, tmp_path):
    accounts.add_user(admin_ui_ctx, "duty1", "Duty-pass-1234", role=Role.DUTY,
                      must_change_password=False)
    ctx = admin_ui_ctx.with_actor(accounts.login(admin_ui_ctx, "duty1", "Duty-pass-1234"))
    win = _window(qtbot, ctx, tmp_path)
    panel = win.show_page("workbench").getting_started
    qtbot.waitUntil(lambda: len(panel.marks) == 4, timeout=10_000)
    assert not panel.isVisible()
    assert "请系统管理员完成" in panel.links["office"].text()


def test_hidden_for_the_session(qtbot, admin_ui_ctx, tmp_path):
    win = _window(qtbot, admin_ui_ctx, tmp_path)
    panel = win.show_page("workbench").getting_started
    qtbot.waitUntil(panel.isVisible, timeout=10_000)
    panel.hide_button.click()
    assert not panel.isVisible() and panel.refresh() is None
    wait_for_all()
    assert not panel.isVisible()


def test_f1_opens_the_offline_user_guide(qtbot, admin_ui_ctx, tmp_path):
    win = _window(qtbot, admin_ui_ctx, tmp_path)
    assert win.guide_action.shortcut() == QKeySequence("F1")
    win.guide_action.trigger()
    guide = win.findChild(QTextBrowser).window()
    assert guide.windowTitle() == "用户指南" and guide.isVisible()
    text = guide.browser.toPlainText()
    assert "开始使用" in text and "发文字号台账" in text and "值班表" in text
    assert guide.width() > 40 * guide.fontMetrics().horizontalAdvance("国")
    assert win.open_guide() is guide  # raised again, not opened twice


def test_the_steps_come_with_the_first_items_in_the_same_frame(qtbot, admin_ui_ctx, tmp_path,
                                                                 monkeypatch):
    """The steps are read with the 工作台's snapshot, in the same task, and shown with its items:
    when the items are in, the panel is already there (read after the items, it appeared a
    frame or more later and pushed the list down under the pointer); one read of the steps."""
    from app.services.office import getting_started as office_steps

    reads = []
    real = office_steps.steps
    monkeypatch.setattr(office_steps, "steps", lambda ctx: reads.append(1) or real(ctx))
    win = _window(qtbot, admin_ui_ctx, tmp_path)
    page = win.show_page("workbench")
    seen = []
    page.refreshed.connect(lambda: seen.append(page.getting_started.isVisibleTo(page)))
    qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    assert seen == [True] and reads == [1]
    assert set(page.getting_started.marks) == {"accounts", "office", "holidays", "roster"}
