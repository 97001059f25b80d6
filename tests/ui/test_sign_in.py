"""First run, login (right and wrong passwords, lockout), forced password change, logout —
driven through AppController exactly as ``run_gui`` uses it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.accounts import users as accounts
from app.services.audit import chain as audit
from app.storage.models import User
from app.ui.accounts.dialogs import FirstAdminDialog, LoginDialog, PasswordDialog
from app.ui.application import AppController
from app.ui.main_window import MainWindow
from app.ui.qt import Qt
from tests.conftest import ADMIN_PASSWORD


def _controller(qtbot, app_env):
    config, ctx = app_env
    c = AppController(ctx, config)
    c.start()
    qtbot.addWidget(c.dialog)
    return c


def _fill(qtbot, widget, text):
    """Type ASCII for real; Chinese arrives through an input method, so set it directly."""
    widget.clear()
    if text.isascii():
        qtbot.keyClicks(widget, text)
    else:
        widget.setText(text)


def _submit(qtbot, dlg) -> None:
    """Press OK and wait until the attempt ended (the service call runs in the worker)."""
    with qtbot.waitSignal(dlg.settled, timeout=10_000):
        dlg.ok_button().click()


def _close(qtbot, controller):
    if controller.window is not None:
        qtbot.addWidget(controller.window)


def test_first_run_creates_data_folder_database_and_administrator(qtbot, app_env):
    config, ctx = app_env
    assert Path(config.data_dir).is_dir() and (config.data_dir / "govdesk.sqlite3").exists()
    c = _controller(qtbot, app_env)
    dlg = c.dialog
    assert isinstance(dlg, FirstAdminDialog) and dlg.isVisible()
    assert dlg.ui.usernameEdit.text() == "admin"
    _fill(qtbot, dlg.ui.displayNameEdit, "王主任")
    _fill(qtbot, dlg.ui.passwordEdit, "short")
    _fill(qtbot, dlg.ui.confirmEdit, "short")
    _submit(qtbot, dlg)
    assert "至少需要 8" in dlg.message() and dlg.isVisible()
    _fill(qtbot, dlg.ui.passwordEdit, ADMIN_PASSWORD)
    _fill(qtbot, dlg.ui.confirmEdit, ADMIN_PASSWORD + "x")
    _submit(qtbot, dlg)
    assert "不一致" in dlg.message()
    assert accounts.needs_first_admin(ctx.engine)
    _fill(qtbot, dlg.ui.confirmEdit, ADMIN_PASSWORD)
    with qtbot.waitSignal(c.signed_in, timeout=5000):
        dlg.ok_button().click()
    _close(qtbot, c)
    win = c.window
    assert isinstance(win, MainWindow) and win.isVisible() and not dlg.isVisible()
    assert win.user_label.text() == "用户：王主任（管理员）"
    assert win.clearance_label.text() == "密级：机密"
    assert str(config.data_dir / "govdesk.sqlite3") in win.db_label.text()
    with Session(ctx.engine) as s:
        user = s.execute(select(User)).scalar_one()
        assert (user.username, user.display_name, user.role_code) == ("admin", "王主任", "admin")
    assert [e.action for e in audit.recent(ctx.engine)] == ["login", "user.first_admin"]


def test_login_wrong_password_then_lockout_then_right_one_refused(qtbot, app_env):
    _config, ctx = app_env
    accounts.create_first_admin(ctx, "admin", ADMIN_PASSWORD)
    c = _controller(qtbot, app_env)
    dlg = c.dialog
    assert isinstance(dlg, LoginDialog)
    _fill(qtbot, dlg.ui.usernameEdit, "admin")
    for attempt in range(1, 6):
        _fill(qtbot, dlg.ui.passwordEdit, "not-the-password")
        _submit(qtbot, dlg)
        assert dlg.isVisible() and dlg.ui.passwordEdit.text() == ""
        if attempt < 5:
            assert dlg.message() == "用户名或密码错误。"
    assert "锁定" in dlg.message()
    _fill(qtbot, dlg.ui.passwordEdit, ADMIN_PASSWORD)
    _submit(qtbot, dlg)
    assert "锁定" in dlg.message() and c.window is None
    with Session(ctx.engine) as s:
        assert s.execute(select(User.locked_until)).scalar_one() is not None
    failed = [e for e in audit.recent(ctx.engine) if e.action == "login.failed"]
    assert len(failed) == 6
    dlg.reject()


def test_login_right_password_opens_window_and_logout_returns_to_login(qtbot, app_env):
    _config, ctx = app_env
    accounts.create_first_admin(ctx, "admin", ADMIN_PASSWORD, "管理员甲")
    c = _controller(qtbot, app_env)
    dlg = c.dialog
    _fill(qtbot, dlg.ui.usernameEdit, "admin")
    _fill(qtbot, dlg.ui.passwordEdit, ADMIN_PASSWORD)
    with qtbot.waitSignal(c.signed_in, timeout=5000) as blocker:
        qtbot.keyClick(dlg.ui.passwordEdit, "\r")
    assert blocker.args[0].username == "admin"
    win = c.window
    qtbot.addWidget(win)
    win.logout_action.trigger()
    assert c.window is None and not win.isVisible()
    assert isinstance(c.dialog, LoginDialog) and c.dialog.isVisible()
    qtbot.addWidget(c.dialog)
    actions = [e.action for e in audit.recent(ctx.engine)]
    assert actions[:2] == ["logout", "login"]
    c.dialog.reject()


def test_reset_user_must_choose_a_new_password(qtbot, app_env, admin_ui_ctx):
    _config, ctx = app_env
    li = accounts.add_user(admin_ui_ctx, "li", "Clerk-pass-1")
    accounts.reset_password(admin_ui_ctx, li.id, "Reset-pass-1")
    c = _controller(qtbot, app_env)
    _fill(qtbot, c.dialog.ui.usernameEdit, "li")
    _fill(qtbot, c.dialog.ui.passwordEdit, "Reset-pass-1")
    _submit(qtbot, c.dialog)
    dlg = c.dialog
    qtbot.addWidget(dlg)
    assert isinstance(dlg, PasswordDialog) and "重置" in dlg.ui.introLabel.text()
    assert c.window is None
    _fill(qtbot, dlg.ui.oldEdit, "Reset-pass-1")
    _fill(qtbot, dlg.ui.newEdit, "Own-pass-123")
    _fill(qtbot, dlg.ui.confirmEdit, "Own-pass-123")
    with qtbot.waitSignal(c.signed_in, timeout=5000):
        dlg.ok_button().click()
    _close(qtbot, c)
    assert accounts.login(ctx, "li", "Own-pass-123").must_change_password is False


def test_sign_in_runs_in_the_worker_and_the_dialog_is_busy_meanwhile(qtbot, app_env,
                                                                     monkeypatch):
    """argon2 verification takes 100–600 ms: it runs in the worker; meanwhile the dialog says
    so, OK and Cancel are off, a second Enter and Esc do nothing, and one attempt is made."""
    import threading

    _config, ctx = app_env
    accounts.create_first_admin(ctx, "admin", ADMIN_PASSWORD, "管理员甲")
    c = _controller(qtbot, app_env)
    dlg = c.dialog
    gate, gui, calls, real = threading.Event(), threading.get_ident(), [], accounts.login

    def slow_login(ctx, username, password):  # type: ignore[no-untyped-def]
        calls.append((threading.get_ident(), username))
        assert gate.wait(10)
        return real(ctx, username, password)

    monkeypatch.setattr(accounts, "login", slow_login)
    _fill(qtbot, dlg.ui.usernameEdit, "admin")
    _fill(qtbot, dlg.ui.passwordEdit, ADMIN_PASSWORD)
    qtbot.keyClick(dlg.ui.passwordEdit, "\r")
    qtbot.waitUntil(lambda: len(calls) == 1)  # the event loop serves while the check waits
    assert calls[0][0] != gui
    assert dlg.message() == "正在验证，请稍候……" and not dlg.ok_button().isEnabled()
    assert dlg.ui.passwordEdit.text() == ""  # the password is not left in the field
    qtbot.keyClick(dlg.ui.usernameEdit, "\r")
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    assert dlg.isVisible() and c.window is None
    with qtbot.waitSignal(c.signed_in, timeout=10_000):
        gate.set()
    _close(qtbot, c)
    assert len(calls) == 1 and not dlg.isVisible() and c.window is not None
