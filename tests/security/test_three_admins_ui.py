"""三员分立 in the GUI (issue 31): each administrator sees the others' actions disabled with the
reason (tooltip, status tip and the status line on hover), and a newcomer sets up a 涉密 office
from the first-run screen."""

from __future__ import annotations

from app.domain.security import Role
from app.services.accounts import classified
from app.services.accounts import mode as office_mode_mod
from app.services.accounts import users as accounts
from app.ui.accounts.dialogs import ClassifiedSetupDialog, FirstAdminDialog
from app.ui.application import db_label
from app.ui.kit import index_of, tab_content
from app.ui.main_window import MainWindow
from app.ui.permissions import REASON
from app.ui.qt import QApplication, QDialogButtonBox, QEnterEvent, QPointF
from tests.ui import conftest as ui_conftest

# the UI tests' fixtures, used here by name
app_env = ui_conftest.app_env
_collect_on_the_gui_thread = ui_conftest._collect_on_the_gui_thread

INITIAL = {"xitong": "Sys-initial-1", "baomi": "Sec-initial-1", "shenji": "Aud-initial-1"}
FINAL = {"xitong": "Sys-changed-2", "baomi": "Sec-changed-2", "shenji": "Aud-changed-2"}


def _office(ctx) -> dict[str, object]:
    classified.setup_classified(ctx, [
        classified.NewAdmin(Role.SYSADMIN, "xitong", INITIAL["xitong"], "系统管理员甲"),
        classified.NewAdmin(Role.SECADMIN, "baomi", INITIAL["baomi"], "保密管理员乙"),
        classified.NewAdmin(Role.AUDITOR, "shenji", INITIAL["shenji"], "审计员丙")])
    out = {}
    for name in INITIAL:
        first = ctx.with_actor(accounts.login(ctx, name, INITIAL[name]))
        accounts.change_password(first, INITIAL[name], FINAL[name])
        out[name] = ctx.with_actor(accounts.login(ctx, name, FINAL[name]))
    return out


def _window(qtbot, ctx, tmp_path):
    win = MainWindow(ctx, db_label(str(ctx.engine.url)), tmp_path / f"{ctx.actor.username}.ini")
    qtbot.addWidget(win)
    win.show()
    return win


def _hover(widget) -> None:
    QApplication.sendEvent(widget, QEnterEvent(QPointF(3, 3), QPointF(3, 3), QPointF(3, 3)))


def _disabled_with(widget, *words: str) -> str:
    reason = widget.property(REASON)
    assert not widget.isEnabled() and reason, widget.objectName()
    assert widget.toolTip() == reason and widget.statusTip() == reason
    for word in words:
        assert word in reason, reason
    return reason


def test_system_administrator_sees_grants_and_the_audit_log_disabled(qtbot, app_env, tmp_path):
    _config, ctx = app_env
    office = _office(ctx)
    win = _window(qtbot, office["xitong"], tmp_path)
    admin = win.show_page("admin")
    users = admin.users
    qtbot.waitUntil(lambda: not users.reading)  # (the list is read in the worker)
    users.select_user("shenji")
    _disabled_with(users.ui.resetButton, "三员分立")  # another administrator: not theirs
    reason = _disabled_with(users.ui.editButton, "安全保密管理员")
    _hover(users.ui.editButton)
    assert win.statusBar().currentMessage() == reason
    assert users.ui.addButton.isEnabled()
    _disabled_with(users.ui.toggleButton, "三员分立")  # two people disable an administrator
    users.add_user()  # a new account starts 只读/公开: roles and clearance are not theirs
    dialog = users.dialog
    assert dialog.roles() == {Role.READER}
    _disabled_with(dialog.role_boxes[Role.CLERK], "安全保密管理员")
    _disabled_with(dialog.ui.clearanceCombo, "安全保密管理员")
    dialog.reject()
    security = win.show_page("security")  # open: the security settings are theirs
    assert not security.isTabEnabled(index_of(security, security.viewer))
    assert "安全审计员" in security.tabToolTip(index_of(security, security.viewer))
    assert not security.isTabEnabled(index_of(security, security.policy))
    assert tab_content(security.currentWidget()) is security.settings
    _disabled_with(security.settings.idle_spin, "安全保密管理员")
    # nothing was read (and refused) on sight: the viewer did not query
    assert security.viewer.model.total == 0


def test_security_administrator_sees_accounts_and_settings_disabled(qtbot, app_env, tmp_path):
    _config, ctx = app_env
    office = _office(ctx)
    win = _window(qtbot, office["baomi"], tmp_path)
    users = win.show_page("admin").users
    qtbot.waitUntil(lambda: not users.reading)
    users.select_user("shenji")
    for b in (users.ui.addButton, users.ui.toggleButton, users.ui.resetButton):
        _disabled_with(b, "系统管理员")
    assert users.ui.editButton.isEnabled()  # roles and clearances are theirs
    security = win.show_page("security")
    assert not security.isTabEnabled(index_of(security, security.settings))
    assert "系统管理员" in security.tabToolTip(index_of(security, security.settings))
    assert security.isTabEnabled(index_of(security, security.policy))
    assert security.policy.save_button.isEnabled()


def test_auditor_reads_and_reviews_only(qtbot, app_env, tmp_path):
    _config, ctx = app_env
    office = _office(ctx)
    import pytest

    from app.domain.security import SeparationDenied
    from app.services.audit_review import review as audit_log

    with pytest.raises(SeparationDenied):  # a refused entry for the auditor to read
        audit_log.page(office["xitong"], audit_log.AuditFilter(), 0)
    win = _window(qtbot, office["shenji"], tmp_path)
    assert "admin" not in win.page_keys()  # 系统管理 is there, disabled with its reason
    from app.ui.qt import Qt

    row = next(i for i in range(win.nav.count())
               if win.nav.item(i).data(Qt.ItemDataRole.UserRole) == "admin")
    item = win.nav.item(row)
    assert not item.flags() & Qt.ItemFlag.ItemIsEnabled
    assert "系统管理员" in item.toolTip() and item.statusTip() == item.toolTip()
    win.nav.setCurrentRow(row)  # chosen anyway (keyboard): the status line says why
    assert item.toolTip() in win.statusBar().currentMessage()
    security = win.show_page("security")
    viewer = security.viewer
    qtbot.waitUntil(lambda: viewer.model.total > 0, timeout=20_000)
    assert viewer.review_button.isEnabled() and viewer.report_button.isEnabled()
    # refusals, the office's switch and the desk read in Chinese (log-in and host names are data)
    import re

    from app.services.audit import chain as audit
    from tests.ui.ascii_walk import latin_words

    model = viewer.model
    rows = [" ".join(str(model.data(model.index(r, c))) for c in range(model.columnCount()))
            for r in range(model.rowCount())]
    data = set(INITIAL) | set(re.findall(r"[A-Za-z]+", audit.desk_name()))
    assert latin_words([("audit", row) for row in rows], data) == []
    assert not security.isTabEnabled(index_of(security, security.settings))
    assert "系统管理员" in security.tabToolTip(index_of(security, security.settings))
    assert not security.isTabEnabled(index_of(security, security.policy))
    assert "安全保密管理员" in security.tabToolTip(index_of(security, security.policy))
    # mark the newest entry reviewed through the page
    viewer.view.selectRow(0)
    task = viewer.mark_selected()
    qtbot.waitUntil(lambda: task.finished, timeout=20_000)
    assert "已标记 1 条" in viewer.status.text()


def test_a_newcomer_sets_up_a_classified_office_from_the_first_run_screen(qtbot, app_env):
    _config, ctx = app_env
    first = FirstAdminDialog(ctx)
    qtbot.addWidget(first)
    with qtbot.waitSignal(first.classified_requested, timeout=5_000):
        first.classified_button.click()
    dialog = ClassifiedSetupDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.open()
    for role, (name, display, pw) in {
            Role.SYSADMIN: ("xitong", "系统管理员甲", "Sys-initial-1"),
            Role.SECADMIN: ("baomi", "保密管理员乙", "Sec-initial-1"),
            Role.AUDITOR: ("shenji", "审计员丙", "Aud-initial-1")}.items():
        edits = dialog.fields[role]
        edits[0].setText(name)
        edits[1].setText(display)
        edits[2].setText(pw)
        edits[3].setText(pw)
    ok = dialog.ui.buttonBox.button(QDialogButtonBox.StandardButton.Ok)
    with qtbot.waitSignal(dialog.settled, timeout=30_000):
        ok.click()
    assert dialog.result() == 1, dialog.message()
    assert dialog.names == ["xitong", "baomi", "shenji"]
    assert office_mode_mod.office_mode(ctx) == office_mode_mod.CLASSIFIED
    assert accounts.login(ctx, "baomi", "Sec-initial-1").must_change_password


def test_the_setup_dialog_shows_the_rule_it_breaks(qtbot, app_env):
    _config, ctx = app_env
    dialog = ClassifiedSetupDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.open()
    for role in dialog.ROLES:
        edits = dialog.fields[role]
        edits[0].setText("same")
        edits[2].setText(f"{role.value}-Pass-11")
        edits[3].setText(f"{role.value}-Pass-11")
    with qtbot.waitSignal(dialog.settled, timeout=30_000):
        dialog.ui.buttonBox.button(QDialogButtonBox.StandardButton.Ok).click()
    assert "三员分立" in dialog.message() and dialog.isVisible()
    assert accounts.needs_first_admin(ctx.engine)


def test_the_first_run_screen_leads_a_newcomer_to_a_working_classified_desk(qtbot, app_env):
    """From the first-run screen, without reading code: choose 涉密, create the three accounts,
    sign in as the 安全保密管理员, change the initial password (required), reach the window; a
    password close to its maximum age is reminded in the status line at the next sign-in."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from app.storage.models import User
    from app.ui.accounts.dialogs import LoginDialog, PasswordDialog
    from app.ui.application import AppController

    config, ctx = app_env
    c = AppController(ctx, config)
    c.start()
    assert isinstance(c.dialog, FirstAdminDialog)
    c.dialog.classified_button.click()
    setup = c.dialog
    assert isinstance(setup, ClassifiedSetupDialog) and setup.isVisible()
    for role, name in zip(setup.ROLES, INITIAL, strict=True):
        name_edit, _display, pw, again = setup.fields[role]
        qtbot.keyClicks(name_edit, name)
        qtbot.keyClicks(pw, INITIAL[name])
        qtbot.keyClicks(again, INITIAL[name])
    with qtbot.waitSignal(setup.settled, timeout=30_000):
        setup.ok_button().click()
    login = c.dialog
    assert isinstance(login, LoginDialog) and login.ui.usernameEdit.text() == "xitong"
    login.ui.usernameEdit.setText("baomi")
    qtbot.keyClicks(login.ui.passwordEdit, INITIAL["baomi"])
    with qtbot.waitSignal(login.settled, timeout=30_000):
        login.ok_button().click()
    change = c.dialog
    assert isinstance(change, PasswordDialog) and "由管理员设置" in change.ui.introLabel.text()
    qtbot.keyClicks(change.ui.oldEdit, INITIAL["baomi"])
    qtbot.keyClicks(change.ui.newEdit, FINAL["baomi"])
    qtbot.keyClicks(change.ui.confirmEdit, FINAL["baomi"])
    with qtbot.waitSignal(c.signed_in, timeout=30_000):
        change.ok_button().click()
    win = c.window
    qtbot.addWidget(win)
    assert win.user_label.text().endswith("（安全保密管理员）")
    win.logout_action.trigger()

    with Session(ctx.engine) as s, s.begin():  # 86 of the 90 days gone
        s.execute(update(User).where(User.username == "baomi").values(
            password_changed_at=datetime.now(UTC) - timedelta(days=86)))
    login = c.dialog
    qtbot.keyClicks(login.ui.usernameEdit, "baomi")
    qtbot.keyClicks(login.ui.passwordEdit, FINAL["baomi"])
    with qtbot.waitSignal(c.signed_in, timeout=30_000):
        login.ok_button().click()
    win = c.window
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: bool(win.property("password_reminder")), timeout=20_000)
    assert "天后" in win.statusBar().currentMessage()


def test_disabling_an_administrator_shows_the_two_person_rule(qtbot, app_env, tmp_path):
    """The 系统管理员 sees 停用 disabled for the 三员 accounts, with the rule as the reason (the
    status line on hover), and enabled for a business account."""
    _config, ctx = app_env
    office = _office(ctx)
    accounts.add_user(office["xitong"], "wenshu", "Clerk-pass-11")
    win = _window(qtbot, office["xitong"], tmp_path)
    users = win.show_page("admin").users
    qtbot.waitUntil(lambda: not users.reading)
    for name in ("shenji", "baomi"):
        users.select_user(name)
        reason = _disabled_with(users.ui.toggleButton, "三员分立", "两人办理", "安全保密管理员")
        _hover(users.ui.toggleButton)
        assert win.statusBar().currentMessage() == reason
    users.select_user("wenshu")
    assert users.ui.toggleButton.isEnabled() and users.ui.toggleButton.text() == "停用(&D)"
    users.toggle_active()
    assert "已停用用户" in users.ui.auditLabel.text()
    assert not accounts.find_user(office["xitong"], "wenshu").active


def test_the_security_administrator_sets_the_store_threshold_in_the_gui(qtbot, app_env, tmp_path):
    from sqlalchemy.orm import Session

    from app.storage.models import SecuritySettings

    _config, ctx = app_env
    office = _office(ctx)
    win = _window(qtbot, office["baomi"], tmp_path)
    security = win.show_page("security")
    policy = security.policy
    assert security.tabText(index_of(security, policy)) == "安全策略"
    spin = policy.spins["audit_warn_rows"]
    assert (spin.minimum(), spin.maximum(), spin.value()) == (10_000, 20_000_000, 500_000)
    spin.setValue(5)  # below the limits: the control keeps to them
    assert spin.value() == 10_000
    spin.setValue(120_000)
    policy.save_button.click()
    assert "已保存" in policy.message.text()
    with Session(ctx.engine) as s:
        assert s.get(SecuritySettings, 1).audit_warn_rows == 120_000
    # the others see the tab disabled, with whose it is
    win2 = _window(qtbot, office["xitong"], tmp_path)
    security2 = win2.show_page("security")
    assert not security2.isTabEnabled(index_of(security2, security2.policy))
    assert "安全保密管理员" in security2.tabToolTip(index_of(security2, security2.policy))


def _sign_in(qtbot, ctx, config, name: str, *, keep: bool = True):
    from app.ui.accounts.dialogs import LoginDialog
    from app.ui.application import AppController

    c = AppController(ctx, config)
    c.start()
    login = c.dialog
    assert isinstance(login, LoginDialog)
    qtbot.keyClicks(login.ui.usernameEdit, name)
    qtbot.keyClicks(login.ui.passwordEdit, FINAL[name])
    with qtbot.waitSignal(c.signed_in, timeout=30_000):
        login.ok_button().click()
    if keep:  # (a window signed out of is deleted by the controller)
        qtbot.addWidget(c.window)
    return c


def test_the_auditor_is_warned_at_sign_in_when_the_store_passes_its_threshold(qtbot, app_env):
    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from app.services.audit_review import review as audit_log
    from app.storage.models import SecuritySettings
    from app.ui.qt import QLabel

    config, ctx = app_env
    _office(ctx)
    with Session(ctx.engine) as s, s.begin():  # a store already past its threshold
        s.execute(update(SecuritySettings).values(audit_warn_rows=3))
    # the 系统管理员 reviews nothing: not asked
    c = _sign_in(qtbot, ctx, config, "xitong", keep=False)
    assert not hasattr(c, "store_task") and c.window.property("audit_store_warning") is None
    c.window.logout_action.trigger()
    # the 安全审计员: told at once, in a notice on the window and a mark in the status bar
    c = _sign_in(qtbot, ctx, config, "shenji")
    win = c.window
    qtbot.waitUntil(lambda: bool(win.property("audit_store_warning")), timeout=20_000)
    warning = win.property("audit_store_warning")
    assert "超过告警阈值 3 条" in warning and "安全审计员" in warning
    notice = c.store_notice
    assert notice.isVisible() and notice.text() == warning
    assert notice.windowModality() == notice.windowModality().WindowModal
    label = win.statusBar().findChild(QLabel, "auditStoreLabel")
    assert label is not None and label.isVisible() and label.toolTip() == warning
    status = audit_log.store_status(win.ctx)
    assert status.rows >= status.threshold == 3
    notice.accept()


def test_administrators_see_business_actions_disabled_with_the_reason(qtbot, app_env, tmp_path):
    """None of the three drafts or takes duty: 新建公文 and the 值班记录 form are there for each,
    disabled, naming the role it takes (tooltip, and the status line on hover)."""
    _config, ctx = app_env
    office = _office(ctx)
    for name in INITIAL:
        win = _window(qtbot, office[name], tmp_path)
        docs = win.show_page("documents")
        reason = _disabled_with(docs.new_button, "文书")
        _hover(docs.new_button)
        assert win.statusBar().currentMessage() == reason
        _disabled_with(docs.import_button, "文书")
        duty = win.show_page("duty")
        _disabled_with(duty.log.form_box, "值班员")
        assert not duty.tabs.isTabEnabled(index_of(duty.tabs, duty.staff))
