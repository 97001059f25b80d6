"""Offline by construction: start-up and a scripted session with socket creation forbidden.

Any attempt to create a socket, connect or resolve a name raises and is recorded; the test fails
if the list is not empty. (This guards Python-level networking; the app links no networking Qt
module either.)
"""

from __future__ import annotations

import socket

import pytest

from tests.conftest import ADMIN_PASSWORD


@pytest.fixture
def no_network(monkeypatch):
    attempts: list[str] = []

    def forbid(name):
        def refuse(*args, **kwargs):
            attempts.append(f"{name}{args!r}")
            raise OSError(f"network access forbidden in GovDesk: {name}")
        return refuse

    real_socket = socket.socket

    class ForbiddenSocket(real_socket):  # a class, so modules may still subclass it (ssl)
        def __init__(self, *args, **kwargs):
            attempts.append(f"socket.socket{args!r}")
            raise OSError("network access forbidden in GovDesk: socket.socket")

    monkeypatch.setattr(socket, "socket", ForbiddenSocket)
    monkeypatch.setattr(socket, "create_connection", forbid("socket.create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", forbid("socket.getaddrinfo"))
    monkeypatch.setattr(socket, "socketpair", forbid("socket.socketpair"))
    return attempts


def test_start_up_and_scripted_session_open_no_socket(qtbot, no_network):
    from app.config import load_config
    from app.services import accounts, audit
    from app.services.context import ServiceContext
    from app.storage.migrate import open_database
    from app.ui.application import AppController, install_translations
    from app.ui.qt import QApplication
    from app.ui.worker import wait_for_all

    install_translations(QApplication.instance())
    config = load_config()
    engine = open_database(config.db_url, config.backups_dir)
    try:
        controller = AppController(ServiceContext(engine), config)
        controller.start()
        dlg = controller.dialog
        qtbot.addWidget(dlg)
        dlg.ui.passwordEdit.setText(ADMIN_PASSWORD)
        dlg.ui.confirmEdit.setText(ADMIN_PASSWORD)
        with qtbot.waitSignal(controller.signed_in, timeout=5000):
            dlg.ok_button().click()
        win = controller.window
        qtbot.addWidget(win)
        for key in win.page_keys():
            win.show_page(key)
        users = win.show_page("admin").users
        users.ui.addButton.click()
        add = users.dialog
        add.ui.usernameEdit.setText("zhao")
        add.ui.passwordEdit.setText("Zhao-pass-1")
        add.ui.confirmEdit.setText("Zhao-pass-1")
        add.ok_button().click()
        users.ui.verifyButton.click()
        with qtbot.waitSignal(users.verify_task.done, timeout=10_000):
            pass
        assert "审计日志完整" in users.ui.auditLabel.text()
        win.logout_action.trigger()
        login = controller.dialog
        qtbot.addWidget(login)
        login.ui.usernameEdit.setText("zhao")
        login.ui.passwordEdit.setText("Zhao-pass-1")
        login.ok_button().click()
        assert accounts.login(ServiceContext(engine), "zhao", "Zhao-pass-1").username == "zhao"
        if controller.window is not None:
            qtbot.addWidget(controller.window)
        if controller.dialog is not None:
            qtbot.addWidget(controller.dialog)
        wait_for_all()
        assert audit.verify(engine).ok
    finally:
        engine.dispose()
    assert no_network == []


def test_selftest_opens_no_socket(no_network, qapp, capsys):
    from app.selftest import run_selftest

    assert run_selftest([]) == 0
    assert "自检通过" in capsys.readouterr().out
    assert no_network == []


def test_the_guard_itself_catches_an_attempt(no_network):
    with pytest.raises(OSError, match="forbidden"):
        socket.create_connection(("127.0.0.1", 9))
    assert len(no_network) == 1
