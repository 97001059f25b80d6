"""Roles in the GUI (issue 17): a user with several roles can use all their roles' actions; an
action a user's roles do not allow is shown to everyone, disabled, and says why (tooltip and
status line: 需要“文书”角色); the accounts page edits several roles."""

from __future__ import annotations

from app.domain.security import Action, Clearance, Role
from app.services.accounts import users as accounts
from app.ui.application import db_label
from app.ui.duty.page import DutyPage
from app.ui.incoming.dialogs import IncomingDialog
from app.ui.main_window import MainWindow
from app.ui.permissions import REASON, gate
from app.ui.qt import QApplication, QEnterEvent, QPointF, QPushButton, Qt

PW = "Role-pass-123"


def _user(admin_ctx, name, roles):
    accounts.add_user(admin_ctx, name, PW, display_name=name, roles=roles,
                      clearance=Clearance.INTERNAL, must_change_password=False)
    return admin_ctx.with_actor(accounts.login(admin_ctx, name, PW))


def _window(qtbot, ctx, tmp_path):
    win = MainWindow(ctx, db_label(str(ctx.engine.url)), tmp_path / f"{ctx.actor.username}.ini")
    qtbot.addWidget(win)
    win.show()
    return win


def _hover(widget) -> None:
    """What the mouse entering ``widget`` does (Qt shows its status tip in the status line)."""
    QApplication.sendEvent(widget, QEnterEvent(QPointF(3, 3), QPointF(3, 3), QPointF(3, 3)))


def test_administrator_sees_register_incoming_disabled_with_the_reason(qtbot, admin_ui_ctx,
                                                                        tmp_path):
    win = _window(qtbot, admin_ui_ctx, tmp_path)
    page = win.show_page("incoming")
    qtbot.waitUntil(lambda: not page.busy, timeout=10_000)
    b = page.register_button
    assert b.isVisible() and not b.isEnabled()  # there, not silently missing
    assert b.toolTip() == "需要“文书”角色" and b.property(REASON) == "需要“文书”角色"
    _hover(b)
    assert win.statusBar().currentMessage() == "需要“文书”角色"
    for other in (page.edit_button, page.urge_button, page.done_button):
        assert other.isVisible() and not other.isEnabled()
        assert other.toolTip() == "需要“文书”角色"
    page.register()  # the shortcut path refuses too
    assert page.dialog is None


def test_administrator_who_is_also_clerk_can_do_both(qtbot, admin_ui_ctx, tmp_path):
    wang = _user(admin_ui_ctx, "wang", [Role.ADMIN, Role.CLERK])
    win = _window(qtbot, wang, tmp_path)
    assert win.user_label.text() == "用户：wang（管理员、文书）"
    assert {"admin", "incoming", "templates", "security"} <= set(win.page_keys())
    admin = win.show_page("admin")
    admin.users.ui.addButton.click()  # the administrator's act
    assert admin.users.dialog.isVisible()
    admin.users.dialog.reject()
    page = win.show_page("incoming")
    qtbot.waitUntil(lambda: not page.busy, timeout=10_000)
    b = page.register_button
    assert b.isEnabled() and b.toolTip() == "" and b.property(REASON) == ""
    qtbot.mouseClick(b, Qt.MouseButton.LeftButton)  # the 文书's act
    assert isinstance(page.dialog, IncomingDialog) and page.dialog.isVisible()
    page.dialog.reject()


def test_duty_tabs_stay_in_place_across_roles(qtbot, admin_ui_ctx):
    duty_only = _user(admin_ui_ctx, "zhiban", [Role.DUTY])
    clerk_on_duty = _user(admin_ui_ctx, "wenshu", [Role.CLERK, Role.DUTY])
    pages = {}
    for ctx in (duty_only, clerk_on_duty):
        page = pages[ctx.actor.username] = DutyPage(ctx)
        qtbot.addWidget(page)
        qtbot.waitUntil(lambda p=page: not p.roster.reading)
    tabs = {name: [p.tabs.tabText(i) for i in range(p.tabs.count())] for name, p in pages.items()}
    assert tabs["zhiban"] == tabs["wenshu"] == ["值班表", "人员", "值班记录", "交接班"]

    zb, ws = pages["zhiban"], pages["wenshu"]
    assert not zb.tabs.isTabEnabled(1) and zb.tabs.tabToolTip(1) == "需要“管理员”或“文书”角色"
    assert ws.tabs.isTabEnabled(1) and ws.tabs.tabToolTip(1) == ""
    for name in ("new_button", "rules_button", "publish_button"):
        assert not getattr(zb.roster, name).isEnabled()
        assert getattr(zb.roster, name).toolTip() == "需要“管理员”或“文书”角色"
        assert getattr(ws.roster, name).property(REASON) == ""
    assert ws.roster.new_button.isEnabled() and ws.roster.rules_button.isEnabled()
    assert not ws.roster.publish_button.isEnabled()  # no roster yet: off, but not for the role
    # both take duty: both write the log and hand over
    for p in (zb, ws):
        assert p.log.form_box.isEnabled() and p.handover.hand_button.isEnabled()


def test_reader_sees_the_handover_buttons_disabled_with_the_reason(qtbot, admin_ui_ctx):
    reader = _user(admin_ui_ctx, "duzhe", [Role.READER])
    page = DutyPage(reader)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: not page.roster.reading)  # (read in the worker)
    assert not page.log.form_box.isEnabled()
    assert page.log.form_box.toolTip() == "需要“值班员”角色"
    b = page.handover.hand_button
    assert not b.isHidden() and not b.isEnabled() and b.statusTip() == "需要“值班员”角色"


def test_gate_keeps_the_widgets_own_tooltip_and_state(qtbot, admin_ui_ctx):
    clerk = _user(admin_ui_ctx, "li", [Role.CLERK])
    b = QPushButton("签发")
    qtbot.addWidget(b)
    b.setToolTip("Ctrl+Shift+S")
    assert not gate(b, clerk.actor, Action.SIGN)
    assert not b.isEnabled() and b.toolTip() == "需要“领导”角色"
    assert gate(b, clerk.actor, Action.REGISTER_INCOMING, enabled=False)
    assert not b.isEnabled() and b.toolTip() == "Ctrl+Shift+S"  # off for the page's own reason
    assert gate(b, clerk.actor, Action.DRAFT)
    assert b.isEnabled() and b.toolTip() == "Ctrl+Shift+S" and b.statusTip() == ""


def test_minutes_actions_say_which_role_they_need(qtbot, admin_ui_ctx):
    import datetime as dt

    from app.ui.minutes.page import MinutesPage

    leader = _user(admin_ui_ctx, "lingdao", [Role.LEADER])
    page = MinutesPage(leader, today=dt.date(2026, 2, 25))
    qtbot.addWidget(page)
    b = page.meetings.new_button
    assert not b.isHidden() and not b.isEnabled() and b.toolTip() == "需要“文书”角色"
    assert page.board.export_button.isEnabled()  # a leader may export the 督办 report
    officer = _user(admin_ui_ctx, "zhiban", [Role.DUTY])
    page = MinutesPage(officer, today=dt.date(2026, 2, 25))
    qtbot.addWidget(page)
    assert page.board.export_button.toolTip() == "需要“管理员”或“文书”或“领导”角色"
