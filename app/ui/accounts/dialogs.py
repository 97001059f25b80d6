"""Account dialogs. Each validates through the accounts service (which owns the rules), shows the
service's Chinese message inline and stays open on failure; on success it stores the outcome
(``actor`` / ``user``) and accepts. Blocking ``exec()`` is left to callers; tests drive the
dialogs directly with qtbot.

The service call runs in the worker (``run_task``): signing in, setting or changing a password
hashes or verifies with argon2id (100–600 ms, more on a busy machine), which froze the dialog.
Meanwhile the dialog says it is busy, its buttons are off, and a second Enter or Esc does nothing;
``settled`` is emitted when the attempt has ended (accepted, or the message shown)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.domain.security import Action, Clearance, Role
from app.errors import InputError, UserError
from app.services import accounts
from app.services.accounts import UserInfo
from app.services.context import Actor, ServiceContext
from app.ui.forms.ui_first_admin_dialog import Ui_FirstAdminDialog
from app.ui.forms.ui_login_dialog import Ui_LoginDialog
from app.ui.forms.ui_password_dialog import Ui_PasswordDialog
from app.ui.forms.ui_user_edit_dialog import Ui_UserEditDialog
from app.ui.kit import FormRows, MessageLine, TaskHandle, describe, run_task
from app.ui.permissions import gate
from app.ui.qt import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)

BUSY = "正在验证，请稍候……"


class _ServiceDialog(QDialog):
    """Common plumbing: OK runs ``submit()`` on the GUI thread (it reads and checks the fields
    and returns the service call), the call runs in the worker, ``finish(result)`` keeps its
    outcome. A ``UserError`` is shown in ``messageLabel`` (a ``MessageLine``, which shows a
    running bar while the service works)."""

    settled = Signal()  # an OK attempt ended: accepted, or its message is shown

    ui: object
    task: TaskHandle | None = None

    def _wire(self) -> None:
        self.ui.buttonBox.accepted.connect(self._on_ok)  # type: ignore[attr-defined]
        self.ui.buttonBox.rejected.connect(self.reject)  # type: ignore[attr-defined]

    def ok_button(self):  # type: ignore[no-untyped-def]
        return self.ui.buttonBox.button(QDialogButtonBox.StandardButton.Ok)  # type: ignore

    def message(self) -> str:
        return self.ui.messageLabel.text()  # type: ignore[attr-defined]

    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.finished

    def _on_ok(self) -> None:
        if self.busy:
            return
        try:
            work = self.submit()
        except UserError as exc:
            self._show(describe(exc))
            return
        self._set_busy(True)
        self.task = run_task(lambda _control: work(), on_result=self._succeeded,
                             on_error=self._failed, parent=self)

    def _set_busy(self, busy: bool) -> None:
        self.ui.buttonBox.setEnabled(not busy)  # type: ignore[attr-defined]
        if busy:
            self.ui.messageLabel.busy(BUSY)  # type: ignore[attr-defined]
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.ui.messageLabel.idle()  # type: ignore[attr-defined]
            self.unsetCursor()

    def _succeeded(self, result: Any) -> None:
        self._set_busy(False)
        self.ui.messageLabel.clear()  # type: ignore[attr-defined]
        self.finish(result)
        self.accept()
        self.settled.emit()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self._show(describe(exc))
        self.failed()

    def _show(self, message: str) -> None:
        self.ui.messageLabel.error(message)  # type: ignore[attr-defined]
        self.settled.emit()

    def reject(self) -> None:
        if not self.busy:  # Esc while the service works: the answer is on its way
            super().reject()

    def submit(self) -> Callable[[], Any]:  # pragma: no cover - overridden
        """Read and check the fields; return the service call to run in the worker."""
        raise NotImplementedError

    def finish(self, result: Any) -> None:
        """Keep the outcome of the service call (GUI thread)."""

    def failed(self) -> None:
        """After a refused attempt (GUI thread)."""


def person(user: UserInfo) -> str:
    """陈刚（chengang）: the name, and the login an administrator works with."""
    return f"{user.display_name}（{user.username}）" if user.display_name else user.username


def _same(a: str, b: str) -> None:
    if a != b:
        raise InputError("两次输入的密码不一致。")


class FirstAdminDialog(_ServiceDialog):
    #: The user chose to set up a 涉密 office instead (``ClassifiedSetupDialog``).
    classified_requested = Signal()

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.actor: Actor | None = None
        self.ui = Ui_FirstAdminDialog()
        self.ui.setupUi(self)
        self._wire()
        self.classified_button = QPushButton("本单位为涉密单位：设置三员账户(&M)…", self)
        self.classified_button.setObjectName("classifiedButton")
        self.classified_button.setToolTip(
            "涉密单位实行三员分立：分别创建系统管理员、安全保密管理员、安全审计员三个账户")
        self.layout().addWidget(self.classified_button)
        self.classified_button.clicked.connect(self._classified)
        self.ui.passwordEdit.setFocus()

    def _classified(self) -> None:
        if not self.busy:
            self.classified_requested.emit()
            super().reject()

    def submit(self) -> Callable[[], Actor]:
        _same(self.ui.passwordEdit.text(), self.ui.confirmEdit.text())
        ctx, name = self.ctx, self.ui.usernameEdit.text()
        password, display = self.ui.passwordEdit.text(), self.ui.displayNameEdit.text()

        def work() -> Actor:
            admin = accounts.create_first_admin(ctx, name, password, display)
            # sign in as well, so that the first session is recorded like every other one
            return accounts.login(ctx, admin.username, password)

        return work

    def finish(self, result: Actor) -> None:
        self.actor = result


class _SetupUi:
    """The widgets ``_ServiceDialog`` expects, for a dialog built in code."""

    buttonBox: QDialogButtonBox
    messageLabel: MessageLine


class ClassifiedSetupDialog(_ServiceDialog):
    """First run of a 涉密 office (``accounts.setup_classified``): the 系统管理员, the
    安全保密管理员 and the 安全审计员 — three accounts, each with an initial password that its
    holder must change at first sign-in. On success the sign-in dialog follows."""

    ROLES = (Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        from app.services import accounts

        super().__init__(parent)
        self._separation = accounts
        self.ctx = ctx
        self.names: list[str] = []
        self.setWindowTitle("设置涉密单位（三员分立）")
        self.setObjectName("ClassifiedSetupDialog")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "涉密单位实行三员分立：系统管理员负责设置、模板、备份恢复和账户的创建与停用；"
            "安全保密管理员负责授予角色和密级、设置密码与锁定策略；安全审计员审阅前两者的操作记录。"
            "三个账户互不兼任，也不兼任业务角色。每个账户首次登录时须修改这里设置的初始密码。"
            "设置后本单位不能改回普通单位。", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.fields: dict[Role, tuple[QLineEdit, QLineEdit, QLineEdit, QLineEdit]] = {}
        for role in self.ROLES:
            form = FormRows()
            title = QLabel(f"<b>{role.label}</b>", self)
            layout.addWidget(title)
            name, display, pw, again = (QLineEdit(self) for _ in range(4))
            for edit, key in ((name, "username"), (display, "display"), (pw, "password"),
                              (again, "confirm")):
                edit.setObjectName(f"{role.value}_{key}")
            for edit in (pw, again):
                edit.setEchoMode(QLineEdit.EchoMode.Password)
            form.row("用户名：", name)
            form.row("姓名：", display)
            form.row("初始密码：", pw)
            form.row("确认密码：", again)
            layout.addLayout(form)
            self.fields[role] = (name, display, pw, again)
        self.ui = _SetupUi()
        self.ui.messageLabel = MessageLine(self, name="messageLabel")
        layout.addWidget(self.ui.messageLabel)
        self.ui.buttonBox = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ui.buttonBox.button(QDialogButtonBox.StandardButton.Ok).setText("设置(&S)")
        self.ui.buttonBox.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        layout.addWidget(self.ui.buttonBox)
        self._wire()
        self.fields[Role.SYSADMIN][0].setFocus()

    def submit(self) -> Callable[[], list[str]]:
        admins = []
        for role in self.ROLES:
            name, display, pw, again = self.fields[role]
            if pw.text() != again.text():
                raise InputError(f"{role.label}：两次输入的密码不一致。")
            admins.append(self._separation.NewAdmin(role, name.text(), pw.text(),
                                                    display.text()))
        ctx, setup = self.ctx, self._separation.setup_classified
        for _n, _d, pw, again in self.fields.values():
            pw.clear()
            again.clear()
        return lambda: setup(ctx, admins)

    def finish(self, result: list[str]) -> None:
        self.names = result


class LoginDialog(_ServiceDialog):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None,
                 username: str = "") -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.actor: Actor | None = None
        self.ui = Ui_LoginDialog()
        self.ui.setupUi(self)
        self._wire()
        self.ui.usernameEdit.setText(username)
        (self.ui.passwordEdit if username else self.ui.usernameEdit).setFocus()

    def submit(self) -> Callable[[], Actor]:
        ctx, name, password = self.ctx, self.ui.usernameEdit.text(), self.ui.passwordEdit.text()
        self.ui.passwordEdit.clear()  # not left in the field, whatever the answer
        return lambda: accounts.login(ctx, name, password)

    def finish(self, result: Actor) -> None:
        self.actor = result

    def failed(self) -> None:
        self.ui.passwordEdit.setFocus()


def _fill_combos(ui: Ui_UserEditDialog, max_clearance: Clearance) -> dict[Role, QCheckBox]:
    """The role check boxes (a user may hold several) and the clearance choices."""
    boxes: dict[Role, QCheckBox] = {}
    for role in Role:
        box = boxes[role] = QCheckBox(role.label, ui.roleBox)
        box.setObjectName(f"role_{role.value}")
        ui.roleLayout.addWidget(box)
    ui.roleLayout.addStretch(1)
    for c in Clearance:
        if c <= max_clearance:
            ui.clearanceCombo.addItem(c.label, int(c))
    return boxes


class UserEditDialog(_ServiceDialog):
    """Add a user (``user is None``) or change an existing user's roles, clearance and unit
    (所在单位: a record whose 知悉范围 names the unit is known to its members)."""

    def __init__(self, ctx: ServiceContext, user: UserInfo | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.user = user
        self.ui = Ui_UserEditDialog()
        self.ui.setupUi(self)
        self._wire()
        assert ctx.actor is not None
        self.role_boxes = _fill_combos(self.ui, ctx.actor.clearance)
        if user is None:
            self.setWindowTitle("添加用户")
            if ctx.actor.may(Action.GRANT_ROLES):
                self.role_boxes[Role.CLERK].setChecked(True)
            else:  # 三员分立: the account starts as 只读/公开; the 安全保密管理员 grants the rest
                self.role_boxes[Role.READER].setChecked(True)
                for box in self.role_boxes.values():
                    gate(box, ctx.actor, Action.GRANT_ROLES)
                gate(self.ui.clearanceCombo, ctx.actor, Action.GRANT_ROLES)
        else:
            self.setWindowTitle(f"角色与密级 — {person(user)}")
            self.ui.usernameEdit.setText(user.username)
            self.ui.usernameEdit.setReadOnly(True)
            self.ui.displayNameEdit.setText(user.display_name)
            self.ui.displayNameEdit.setReadOnly(True)
            for role, box in self.role_boxes.items():
                box.setChecked(role in user.roles)
            index = self.ui.clearanceCombo.findData(int(user.clearance))
            if index < 0:  # above the admin's own clearance: show it, but it cannot be chosen
                self.ui.clearanceCombo.addItem(user.clearance.label, int(user.clearance))
                index = self.ui.clearanceCombo.count() - 1
            self.ui.clearanceCombo.setCurrentIndex(index)
            self.ui.unitEdit.setText(user.unit)
            for w in (self.ui.passwordEdit, self.ui.confirmEdit, self.ui.passwordLabel,
                      self.ui.confirmLabel):
                w.hide()
            self.adjustSize()

    def submit(self) -> Callable[[], UserInfo]:
        roles = self.roles()
        if not roles:
            raise InputError("请至少选择一个角色。")
        clearance = Clearance(self.ui.clearanceCombo.currentData())
        unit = " ".join(self.ui.unitEdit.text().split())
        ctx, current = self.ctx, self.user
        if current is None:
            _same(self.ui.passwordEdit.text(), self.ui.confirmEdit.text())
            name, password = self.ui.usernameEdit.text(), self.ui.passwordEdit.text()
            display = self.ui.displayNameEdit.text()
            return lambda: accounts.add_user(ctx, name, password, display_name=display,
                                             roles=roles, clearance=clearance, unit=unit)

        def change() -> UserInfo:
            user = current
            if roles != user.roles:
                user = accounts.set_roles(ctx, user.id, roles, expected_version=user.version)
            if clearance != user.clearance:
                user = accounts.set_clearance(ctx, user.id, clearance,
                                              expected_version=user.version)
            if unit != user.unit:
                user = accounts.set_unit(ctx, user.id, unit, expected_version=user.version)
            return user

        return change

    def roles(self) -> frozenset[Role]:
        """The roles ticked."""
        return frozenset(r for r, box in self.role_boxes.items() if box.isChecked())

    def finish(self, result: UserInfo) -> None:
        self.user = result


class PasswordDialog(_ServiceDialog):
    """Change one's own password (``user is None``) or reset someone's (administrators)."""

    def __init__(self, ctx: ServiceContext, user: UserInfo | None = None,
                 parent: QWidget | None = None, *, forced: bool = False) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.user = user
        self.ui = Ui_PasswordDialog()
        self.ui.setupUi(self)
        self._wire()
        if user is None:
            self.ui.introLabel.setText(
                "您的密码由管理员设置或重置，请先设置自己的新密码再继续。" if forced else "请输入原密码和新密码。")
            self.ui.oldEdit.setFocus()
        else:
            self.setWindowTitle(f"重置密码 — {person(user)}")
            self.ui.introLabel.setText(
                f"为用户“{person(user)}”设置新密码。账户将解除锁定，该用户下次登录时须修改密码。")
            self.ui.oldEdit.hide()
            self.ui.oldLabel.hide()
            self.ui.newEdit.setFocus()

    def submit(self) -> Callable[[], UserInfo | None]:
        _same(self.ui.newEdit.text(), self.ui.confirmEdit.text())
        ctx, user, new = self.ctx, self.user, self.ui.newEdit.text()
        if user is None:
            old = self.ui.oldEdit.text()
            return lambda: accounts.change_password(ctx, old, new)
        return lambda: accounts.reset_password(ctx, user.id, new, expected_version=user.version)

    def finish(self, result: UserInfo | None) -> None:
        if result is not None:
            self.user = result
