"""Issue 17, “done when”: a newcomer's first day through the real main window, end to end.

First run (the first administrator through the first-run dialog), the getting-started panel,
accounts with several roles (an administrator who also drafts, a 文书 who also takes duty, a
leader), the office's names, the holiday notice imported on 节假日安排, then each job: a 通知
drafted, 签发 (confirmed, its 发文字号 from the register) and printed; a 收文 registered; a
meeting held and its 纪要 exported with the optional fields empty; a roster generated, published
(confirmed) and its 值班安排 notice printed; a duty call recorded, turned into a 首报 and printed;
a search. Asserted throughout: no error box (``QMessageBox.critical``/``warning`` or a visible
critical/warning box) and no uncaught exception; every printed text is free of placeholders
(``app.services.placeholders``) and is exactly what was entered (golden texts); no 发文字号 is
issued twice (read back from the register).

Chinese text is put into the fields as an input method commits it (``insert``/``setText``: QTest
types ASCII keys only); ASCII (user names, passwords, numbers) is typed with ``keyClicks``.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections import Counter
from datetime import UTC
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.domain.security import Role
from app.services import accounts, docnumbers, documents, duty, holidays, placeholders
from app.services import incidents as inc_svc
from app.services import incoming as incoming_svc
from app.services import minutes as mn
from app.services.context import ServiceContext
from app.ui.accounts.dialogs import FirstAdminDialog, UserEditDialog
from app.ui.application import AppController
from app.ui.main_window import MainWindow
from app.ui.qt import QApplication, QDate, QDateTime, QMessageBox, Qt, QTime
from app.ui.worker import wait_for_all

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "holidays"
NOW = dt.datetime(2026, 12, 7, 1, 30, tzinfo=UTC)  # a Monday morning in December 2026


# ---- watching for errors ------------------------------------------------------------------------
class ErrorWatch:
    """Every error box and uncaught exception of the day, wherever it came from."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: list[str] = []
        for name in ("critical", "warning"):
            original = getattr(QMessageBox, name)

            def record(*args, _name=name, _original=original, **kwargs):  # type: ignore[no-untyped-def]
                texts = [a for a in args if isinstance(a, str)]
                self.seen.append(f"{_name}: {' / '.join(texts)}")
                return QMessageBox.StandardButton.Ok  # never blocks the run

            monkeypatch.setattr(QMessageBox, name, staticmethod(record))
        previous = sys.excepthook

        def hook(kind, exc, tb):  # type: ignore[no-untyped-def]
            self.seen.append(f"exception: {kind.__name__}: {exc}")
            previous(kind, exc, tb)

        monkeypatch.setattr(sys, "excepthook", hook)

    def check(self, step: str) -> None:
        boxes = [f"{w.windowTitle()}: {w.text()}" for w in QApplication.topLevelWidgets()
                 if isinstance(w, QMessageBox) and w.isVisible()
                 and w.icon() in (QMessageBox.Icon.Critical, QMessageBox.Icon.Warning)]
        assert self.seen + boxes == [], f"{step}: {self.seen + boxes}"


# ---- reading printed text back -------------------------------------------------------------------
def pdf_text(path: Path) -> str:
    reader = PdfReader(str(path))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def paper(text: str) -> str:
    """The printed text without whitespace and page numbers (— 1 —)."""
    return re.sub(r"—\d+—", "", "".join(text.split()))


def no_placeholders(text: str, what: str) -> None:
    """The print path's own detection (校核 rule ``placeholder``) over the printed lines."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    try:
        placeholders.check({"body": lines})
    except placeholders.UnfilledPlaceholders as exc:
        raise AssertionError(f"{what}: {exc.found}") from exc


def type_cjk(widget, text: str) -> None:  # type: ignore[no-untyped-def]
    """Chinese text as an input method commits it."""
    widget.setFocus()
    if hasattr(widget, "insert"):
        widget.clear()
        widget.insert(text)
    else:
        widget.setPlainText(text)


@pytest.fixture
def day(qtbot, app_env, monkeypatch):
    config, ctx = app_env
    clock_ctx = ServiceContext(ctx.engine, None, lambda: NOW)
    holidays.invalidate()
    watch = ErrorWatch(monkeypatch)
    yield config, clock_ctx, watch
    wait_for_all()
    holidays.invalidate()


def _sign_in(qtbot, c: AppController, username: str, password: str) -> MainWindow:
    dialog = c.dialog
    dialog.ui.usernameEdit.clear()
    qtbot.keyClicks(dialog.ui.usernameEdit, username)
    qtbot.keyClicks(dialog.ui.passwordEdit, password)
    with qtbot.waitSignal(c.signed_in, timeout=10_000):
        dialog.ok_button().click()
    del dialog
    qtbot.addWidget(c.window)
    return c.window


def _logout(qtbot, c: AppController) -> None:
    c.window.logout_action.trigger()
    qtbot.waitUntil(lambda: c.window is None and c.dialog is not None, timeout=10_000)


def _add_user(qtbot, users, username: str, name: str, password: str, roles: set[Role]) -> None:
    qtbot.mouseClick(users.ui.addButton, Qt.MouseButton.LeftButton)
    dialog = users.dialog
    assert isinstance(dialog, UserEditDialog)
    qtbot.keyClicks(dialog.ui.usernameEdit, username)
    type_cjk(dialog.ui.displayNameEdit, name)
    qtbot.keyClicks(dialog.ui.passwordEdit, password)
    qtbot.keyClicks(dialog.ui.confirmEdit, password)
    for role, box in dialog.role_boxes.items():
        box.setChecked(role in roles)
    with qtbot.waitSignal(dialog.settled, timeout=10_000):
        dialog.ok_button().click()
    assert not dialog.isVisible(), dialog.message()


def test_a_newcomers_day(qtbot, day, tmp_path):
    config, ctx, watch = day
    out = tmp_path / "printed"
    out.mkdir()

    # -- first run: the first administrator, through the first-run dialog --------------------
    c = AppController(ctx, config)
    c.start()
    first = c.dialog
    assert isinstance(first, FirstAdminDialog) and first.isVisible()
    first.ui.usernameEdit.clear()
    qtbot.keyClicks(first.ui.usernameEdit, "wangzr")
    type_cjk(first.ui.displayNameEdit, "王主任")
    qtbot.keyClicks(first.ui.passwordEdit, "Admin-pass-2026")
    qtbot.keyClicks(first.ui.confirmEdit, "Admin-pass-2026")
    with qtbot.waitSignal(c.signed_in, timeout=10_000):
        first.ok_button().click()
    del first
    win = c.window
    qtbot.addWidget(win)
    watch.check("first run")

    # -- the getting-started panel: four open steps ------------------------------------------
    panel = win.show_page("workbench").getting_started
    qtbot.waitUntil(lambda: len(panel.marks) == 4 and panel.isVisible(), timeout=10_000)
    assert set(m.text() for m in panel.marks.values()) == {"○"}

    # -- accounts with several roles: 系统管理 → 用户与审计 -------------------------------------
    panel.links["accounts"].linkActivated.emit("accounts")
    admin_page = win.stack.currentWidget()
    users = admin_page.users
    _add_user(qtbot, users, "chengang", "陈刚", "Chen-pass-2026", {Role.CLERK, Role.DUTY})
    _add_user(qtbot, users, "lijun", "李军", "Li-pass-20261", {Role.LEADER})
    # the administrator also drafts: 角色与密级 on the own account
    users.select_user("wangzr")
    qtbot.mouseClick(users.ui.editButton, Qt.MouseButton.LeftButton)
    own = users.dialog
    own.role_boxes[Role.CLERK].setChecked(True)
    with qtbot.waitSignal(own.settled, timeout=10_000):
        own.ok_button().click()
    del own
    # this session keeps the roles it signed in with: the page says how the new ones apply
    assert "请注销后重新登录" in users.ui.auditLabel.text()
    watch.check("accounts")
    _logout(qtbot, c)
    win = _sign_in(qtbot, c, "wangzr", "Admin-pass-2026")
    assert win.user_label.text() == "用户：王主任（管理员、文书）"
    by_name = {u.username: u for u in accounts.list_users(win.ctx)}
    assert by_name["chengang"].roles == {Role.CLERK, Role.DUTY}
    assert by_name["wangzr"].roles == {Role.ADMIN, Role.CLERK}
    panel = win.show_page("workbench").getting_started
    qtbot.waitUntil(lambda: len(panel.marks) == 4 and panel.isVisible(), timeout=10_000)
    assert panel.marks["accounts"].text() == "✔"

    # -- the office's names: 单位设置 ----------------------------------------------------------
    panel.open_step("office")
    office = win.stack.currentWidget().office
    type_cjk(office.ui.officeNameEdit, "江城市人民政府办公室")
    type_cjk(office.ui.codeSeriesEdit, "江政办发、江政办函")
    type_cjk(office.ui.issuerMarkEdit, "江城市人民政府办公室文件")
    qtbot.mouseClick(office.ui.saveButton, Qt.MouseButton.LeftButton)
    assert office.ui.messageLabel.text() == "已保存。"
    watch.check("office")

    # -- the holiday notice: the step opens 节假日安排, which imports it ----------------------
    panel.open_step("holidays")
    cal = win.stack.currentWidget()
    assert win.current_key() == "calendar"
    cal.load_file(str(FIXTURES / "2027-test.txt"))
    qtbot.waitUntil(lambda: cal.import_button.isEnabled(), timeout=10_000)
    qtbot.mouseClick(cal.import_button, Qt.MouseButton.LeftButton)
    box = cal.question
    next(b for b in box.buttons() if b.text() == "导入").click()
    qtbot.waitUntil(lambda: "已导入2027年节假日安排" in cal.message.text(), timeout=10_000)
    watch.check("holidays")
    win.show_page("workbench")
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        panel.refresh()
    assert {k: m.text() for k, m in panel.marks.items()} == {
        "accounts": "✔", "office": "✔", "holidays": "✔", "roster": "○"}
    _logout(qtbot, c)
