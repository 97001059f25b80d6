"""GUI side of two service rules: the forced password change (the window opens only after it and
then works; before it the services refuse), and a cut-off end of the audit log shown by the
audit viewer and the start-up check."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from app.errors import PasswordChangeRequired
from app.services.accounts import users as accounts
from app.services.audit import chain as audit
from app.services.documents import drafts as documents
from app.ui.accounts.dialogs import PasswordDialog
from app.ui.application import AppController
from app.ui.kit.worker import wait_for_all
from app.ui.main_window import MainWindow
from app.ui.qt import QLabel, QMessageBox
from app.ui.security.guard import StartupChecks, attach
from app.ui.security.page import AuditViewer


def _fill(widget, value):
    widget.clear()
    widget.setText(value)


def test_forced_change_then_the_window_works(qtbot, app_env, admin_ui_ctx):
    _config, ctx = app_env
    accounts.add_user(admin_ui_ctx, "li", "Clerk-pass-1", role="clerk", clearance=1)
    c = AppController(ctx, app_env[0])
    c.start()
    qtbot.addWidget(c.dialog)
    _fill(c.dialog.ui.usernameEdit, "li")
    _fill(c.dialog.ui.passwordEdit, "Clerk-pass-1")
    c.dialog.ok_button().click()
    qtbot.waitUntil(lambda: isinstance(c.dialog, PasswordDialog), timeout=10_000)
    dlg = c.dialog
    qtbot.addWidget(dlg)
    assert isinstance(dlg, PasswordDialog) and c.window is None
    # behind the dialog the services refuse this user everything but the change
    with pytest.raises(PasswordChangeRequired):
        documents.count_documents(dlg.ctx)
    _fill(dlg.ui.oldEdit, "Clerk-pass-1")
    _fill(dlg.ui.newEdit, "Own-pass-123")
    _fill(dlg.ui.confirmEdit, "Own-pass-123")
    with qtbot.waitSignal(c.signed_in, timeout=5000) as blocker:
        dlg.ok_button().click()
    qtbot.addWidget(c.window)
    assert blocker.args[0].must_change_password is False
    assert documents.count_documents(c.window.ctx) == 0  # the window's user may act now
    c.window.close()
    wait_for_all()


def _cut_last_two(engine) -> int:
    total = audit.count(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq >= :s"), {"s": total - 1})
    return total


def test_viewer_and_startup_report_a_cut_off_end(qtbot, app_env, admin_ui_ctx):
    config, _ = app_env
    ctx = admin_ui_ctx
    total = _cut_last_two(ctx.engine)
    viewer = AuditViewer(ctx)
    qtbot.addWidget(viewer)
    with qtbot.waitSignal(viewer.verify().done, timeout=20_000):
        pass
    assert viewer.status.text().startswith("审计日志末尾记录缺失")
    assert f"已记录到第 {total} 条" in viewer.status.text()
    with qtbot.waitSignal(viewer.model.loaded, timeout=10_000):
        viewer.search()  # a list read that ends after the check does not hide its finding
    assert viewer.status.text().startswith("审计日志末尾记录缺失")
    assert f"共 {viewer.model.total} 条记录" in viewer.status.text()

    checks = StartupChecks(ctx, config)
    with qtbot.waitSignal(checks.chain_checked, timeout=10_000) as blocker:
        checks.start()
    assert blocker.args[0].tail_missing
    wait_for_all()
    window = MainWindow(ctx, "test", Path(config.data_dir) / "ui.ini")
    qtbot.addWidget(window)
    attach(window, ctx, checks)
    assert window.statusBar().findChild(QLabel, "auditBrokenLabel") is not None
    assert isinstance(checks.notice, QMessageBox)
    assert "审计日志末尾记录缺失" in checks.notice.text()
    window.close()
    wait_for_all()
