"""Offline by construction: start-up and a scripted session with socket creation forbidden.

Any attempt to create a socket, connect or resolve a name raises and is recorded; the test fails
if the list is not empty. (This guards Python-level networking; the app links no networking Qt
module either.)
"""

from __future__ import annotations

import socket
from pathlib import Path

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
    from app.services.accounts import users as accounts
    from app.services.audit import chain as audit
    from app.services.context import ServiceContext
    from app.storage.migrate import open_database
    from app.ui.application import AppController, install_translations
    from app.ui.kit.worker import wait_for_all
    from app.ui.qt import QApplication

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
        win = controller.window  # not given to qtbot: signing out below deletes it
        for key in win.page_keys():
            win.show_page(key)
        users = win.show_page("admin").users
        users.ui.addButton.click()
        add = users.dialog
        add.ui.usernameEdit.setText("zhao")
        add.ui.passwordEdit.setText("Zhao-pass-1")
        add.ui.confirmEdit.setText("Zhao-pass-1")
        with qtbot.waitSignal(add.settled, timeout=10_000):  # the service call runs in the worker
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
        with qtbot.waitSignal(login.settled, timeout=10_000):
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


def test_selftest_opens_no_socket(no_network, qapp, capsys, monkeypatch):
    from app.passwords import WEAK_ENV
    from app.selftest import run_selftest

    monkeypatch.delenv(WEAK_ENV)  # an installation runs at production cost (the self-test says)
    assert run_selftest([]) == 0
    assert "自检通过" in capsys.readouterr().out
    assert no_network == []


def test_the_guard_itself_catches_an_attempt(no_network):
    with pytest.raises(OSError, match="forbidden"):
        socket.create_connection(("127.0.0.1", 9))
    assert len(no_network) == 1


def test_every_module_and_the_security_features_open_no_socket(no_network, tmp_path, qtbot,
                                                               monkeypatch):
    """A scripted session through every service module that exists (each read entry point that
    needs no arguments, as the administrator and as a clerk), the security page, the idle lock,
    a backup and restore, an exchange round trip, an audit export and a PDF rendering — all
    with socket creation forbidden."""
    import inspect

    from app.cli import main as cli_main
    from app.config import load_config
    from app.domain.security import Clearance, Role
    from app.errors import UserError
    from app.services.accounts import security
    from app.services.accounts import users as accounts
    from app.services.audit import chain as audit
    from app.services.audit_review import review as audit_log
    from app.services.backup import files as backup
    from app.services.context import ServiceContext
    from app.services.exchange import packages as exchange
    from app.storage.migrate import open_database
    from app.ui.kit.worker import wait_for_all
    from app.ui.main_window import MainWindow
    from app.ui.security.guard import attach
    from app.ui.security.page import SecurityPage
    from tests.security.test_clearance_matrix import entry_points, is_read

    config = load_config()
    engine = open_database(config.db_url, config.backups_dir)
    try:
        ctx = ServiceContext(engine)
        accounts.create_first_admin(ctx, "admin", ADMIN_PASSWORD)
        admin = ctx.with_actor(accounts.login(ctx, "admin", ADMIN_PASSWORD))
        accounts.add_user(admin, "clerk", "Clerk-pass-1", role=Role.CLERK,
                          clearance=Clearance.SECRET, must_change_password=False)
        clerk = ctx.with_actor(accounts.login(ctx, "clerk", "Clerk-pass-1"))
        called = 0
        for qualname, fn in sorted(entry_points().items()):
            params = list(inspect.signature(fn).parameters.values())[1:]
            if not is_read(qualname) or any(p.default is inspect.Parameter.empty for p in params):
                continue
            for who in (admin, clerk):
                try:
                    fn(who)
                    called += 1
                except UserError:
                    pass
        assert called >= 10
        security.update_settings(admin, security.SecurityInfo(10, 5, "offline-shared-key", 0))
        audit_log.export_xlsx(admin, audit_log.AuditFilter(), tmp_path / "audit.xlsx")
        info = backup.create_backup(engine, config.backups_dir)
        page = SecurityPage(admin)
        qtbot.addWidget(page)
        win = MainWindow(admin, "offline", tmp_path / "ui.ini")
        qtbot.addWidget(win)
        win.show()
        lock = attach(win, admin, interval_ms=10)
        with qtbot.waitSignal(lock.locked, timeout=3000):
            pass
        lock.overlay.password.setText(ADMIN_PASSWORD)
        with qtbot.waitSignal(lock.unlocked, timeout=10_000):  # checked in the worker
            assert lock.try_unlock()
        wait_for_all()
        if "documents" in exchange.kinds():
            from sqlalchemy.orm import Session

            from app.storage.models.documents import Document

            with Session(engine) as s, s.begin():
                doc = Document(genre="通知", status="draft", year=2026, title="离线测试",
                               drafter="clerk", description={"title": "离线测试"})
                s.add(doc)
                s.flush()
                doc_id = doc.id
            exchange.export_package(clerk, {"documents": [doc_id]}, tmp_path / "x.zip",
                                    "offline-shared-key")
            assert exchange.import_package(clerk, tmp_path / "x.zip", "offline-shared-key")
    finally:
        engine.dispose()
    monkeypatch.setenv("GOVDESK_ADMIN_PASSWORD", ADMIN_PASSWORD)  # restore: an administrator's act
    assert cli_main(["backup", "restore", str(info.path), "--yes"]) == 0
    notice = Path(__file__).resolve().parents[1] / "resources" / "demo" / "notice.json"
    assert cli_main(["render", str(notice), "-o", str(tmp_path / "n.pdf"),
                     "--allow-placeholders"]) == 0  # the demo writes ××市: a placeholder
    reopened = open_database(config.db_url, config.backups_dir)
    try:
        assert audit.verify(reopened).ok
    finally:
        reopened.dispose()
    assert no_network == []
