"""A new account's first day, end to end through the real dialogs: the administrator creates the
account on 系统管理, signs out; the newcomer signs in with the password the administrator set, must
choose an own password, and lands in the main window — and no 出错了 box appears on the way.

The dialogs are reached only through the controller (``c.dialog``), never kept in a variable of
the test while their work runs: the controller drops a dialog once its outcome is known, and a
reference held here would keep it alive where the real program lets it go (that hid the crash
``RuntimeError: Signal source has been deleted`` of issue 17)."""

from __future__ import annotations

import gc

from app.services.accounts import users as accounts
from app.services.audit import chain as audit
from app.ui.accounts.dialogs import LoginDialog, PasswordDialog, UserEditDialog
from app.ui.application import AppController
from app.ui.main_window import MainWindow
from app.ui.qt import QApplication, QMessageBox
from tests.conftest import ADMIN_PASSWORD


def _error_boxes() -> list[str]:
    return [w.text() for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible()]


def _sign_in(qtbot, c, username, password) -> None:
    assert isinstance(c.dialog, LoginDialog) and c.dialog.isVisible()
    c.dialog.ui.usernameEdit.clear()
    qtbot.keyClicks(c.dialog.ui.usernameEdit, username)
    qtbot.keyClicks(c.dialog.ui.passwordEdit, password)
    with qtbot.waitSignal(c.dialog.settled, timeout=10_000):
        c.dialog.ok_button().click()


def test_new_account_first_sign_in_reaches_the_main_window_without_error(qtbot, app_env):
    _config, ctx = app_env
    accounts.create_first_admin(ctx, "admin", ADMIN_PASSWORD, "王主任")
    c = AppController(ctx, _config)
    c.start()

    # the administrator signs in and creates the account on 系统管理
    with qtbot.waitSignal(c.signed_in, timeout=10_000):
        _sign_in(qtbot, c, "admin", ADMIN_PASSWORD)
    win = c.window
    qtbot.addWidget(win)
    users = win.show_page("admin").users
    users.ui.addButton.click()
    add = users.dialog
    assert isinstance(add, UserEditDialog)
    qtbot.keyClicks(add.ui.usernameEdit, "chengang")
    add.ui.displayNameEdit.setText("陈刚")
    qtbot.keyClicks(add.ui.passwordEdit, "Given-pass-1")
    qtbot.keyClicks(add.ui.confirmEdit, "Given-pass-1")
    with qtbot.waitSignal(add.settled, timeout=10_000):
        add.ok_button().click()
    assert not add.isVisible()
    users.select_user("chengang")
    del add, users
    win.logout_action.trigger()
    del win

    # the newcomer signs in with the given password: the forced change comes first
    _sign_in(qtbot, c, "chengang", "Given-pass-1")
    assert isinstance(c.dialog, PasswordDialog) and c.dialog.isVisible() and c.window is None
    assert "由管理员设置" in c.dialog.ui.introLabel.text()
    qtbot.keyClicks(c.dialog.ui.oldEdit, "Given-pass-1")
    qtbot.keyClicks(c.dialog.ui.newEdit, "Own-pass-123")
    qtbot.keyClicks(c.dialog.ui.confirmEdit, "Own-pass-123")
    with qtbot.waitSignal(c.signed_in, timeout=10_000):
        c.dialog.ok_button().click()
    # the dialog is let go (the crash came right here, from the rest of the result's delivery)
    assert c.dialog is None
    gc.collect()

    win = c.window
    qtbot.addWidget(win)
    assert isinstance(win, MainWindow) and win.isVisible()
    assert win.user_label.text().startswith("用户：陈刚")
    assert _error_boxes() == []
    assert accounts.login(ctx, "chengang", "Own-pass-123").must_change_password is False
    actions = [e.action for e in audit.recent(ctx.engine)]
    assert actions[:2] == ["login", "user.change_password"]
