"""run_gui's refusals and the excepthook: short Chinese messages, details only in the log."""

from __future__ import annotations

import logging
import sys
import time

import pytest
from sqlalchemy import text

from app.config import load_config
from app.errors import InputError
from app.storage.migrate import open_database
from app.ui import application
from app.ui.kit import messages
from app.ui.qt import QMessageBox


@pytest.fixture(autouse=True)
def _restore_logging_and_hook(monkeypatch):
    """run_gui/install_excepthook change process-wide state: put it back."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    yield
    for h in root.handlers[:]:
        if h not in before:
            root.removeHandler(h)
            h.close()
    root.setLevel(level)


def test_newer_database_is_refused_with_a_message(qapp, monkeypatch):
    config = load_config()
    engine = open_database(config.db_url, config.backups_dir)
    with engine.begin() as conn:
        conn.execute(text("UPDATE govdesk_meta SET value = '99' WHERE key = 'schema_version'"))
    engine.dispose()
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, msg: shown.append(msg))
    assert application.run_gui([]) == 3
    assert len(shown) == 1 and "更高版本" in shown[0] and "拒绝打开" in shown[0]


def test_excepthook_logs_the_traceback_and_shows_a_short_message(qapp, monkeypatch, tmp_path):
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, msg: shown.append(msg))
    log_path = messages.setup_logging(tmp_path / "logs")
    messages.install_excepthook(log_path)
    try:
        raise RuntimeError("secret internals")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    try:
        raise InputError("日期格式不对。")
    except InputError:
        sys.excepthook(*sys.exc_info())
    for h in logging.getLogger().handlers:
        h.flush()
    assert "内部错误" in shown[0] and str(log_path) in shown[0]
    assert "secret internals" not in shown[0] and "Traceback" not in shown[0]
    assert shown[1] == "日期格式不对。"
    logged = log_path.read_text(encoding="utf-8")
    assert "Traceback" in logged and "secret internals" in logged


def test_qt_standard_buttons_speak_chinese(qapp, qtbot):
    from app.ui.qt import QApplication, QDialogButtonBox

    translators = application.install_translations(qapp)
    try:
        assert translators, "qtbase_zh_CN.qm not found in PySide6's translations folder"
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel)
        qtbot.addWidget(box)
        texts = {b.text().replace("&", "") for b in box.buttons()}
        assert texts == {"确定", "取消"}
    finally:
        for tr in translators:
            QApplication.removeTranslator(tr)


def test_run_gui_first_run_then_quit(qapp, qtbot):
    """The real entry point: the first-run dialog appears, is filled in, the main window opens;
    closing it signs out and ends the event loop with exit code 0."""
    from app.services.audit import chain as audit
    from app.ui.accounts.dialogs import FirstAdminDialog
    from app.ui.main_window import MainWindow
    from app.ui.qt import QApplication, QTimer

    seen = []
    # Windows of earlier tests may still be open: act only on the ones this run creates.
    before = {id(w) for w in QApplication.topLevelWidgets()}
    deadline = time.monotonic() + 60

    def top(kind):
        return [w for w in QApplication.topLevelWidgets()
                if isinstance(w, kind) and w.isVisible() and id(w) not in before]

    def step():
        if time.monotonic() > deadline:  # fail instead of hanging the suite
            seen.append("timeout")
            QApplication.instance().exit(99)
            return
        dialogs, windows = top(FirstAdminDialog), top(MainWindow)
        if dialogs and not seen:
            d = dialogs[0]
            d.ui.passwordEdit.setText("Admin-pass-1")
            d.ui.confirmEdit.setText("Admin-pass-1")
            seen.append("dialog")
            d.ok_button().click()
        elif windows:
            seen.append(windows[0].user_label.text())
            windows[0].close()
            return
        QTimer.singleShot(20, step)

    QTimer.singleShot(0, step)
    assert application.run_gui([]) == 0
    assert seen == ["dialog", "用户：admin（管理员）"]
    config = load_config()
    engine = open_database(config.db_url)
    try:
        assert [e.action for e in audit.recent(engine)] == ["logout", "login", "user.first_admin"]
    finally:
        engine.dispose()
    for w in QApplication.topLevelWidgets():
        w.deleteLater()
