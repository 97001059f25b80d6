"""Account dialogs. Each validates through the accounts service (which owns the rules), shows the
service's Chinese message inline and stays open on failure; on success it stores the outcome
(``actor`` / ``user``) and accepts. Blocking ``exec()`` is left to callers; tests drive the
dialogs directly with qtbot."""

from __future__ import annotations

from app.domain.security import Clearance, Role
from app.errors import InputError, UserError
from app.services import accounts
from app.services.accounts import UserInfo
from app.services.context import Actor, ServiceContext
from app.ui.forms.ui_first_admin_dialog import Ui_FirstAdminDialog
from app.ui.forms.ui_login_dialog import Ui_LoginDialog
from app.ui.forms.ui_password_dialog import Ui_PasswordDialog
from app.ui.forms.ui_user_edit_dialog import Ui_UserEditDialog
from app.ui.messages import describe
from app.ui.qt import QDialog, QDialogButtonBox, QWidget


class _ServiceDialog(QDialog):
    """Common plumbing: OK runs ``submit()``; a ``UserError`` is shown in ``messageLabel``."""

    ui: object

    def _wire(self) -> None:
        self.ui.buttonBox.accepted.connect(self._on_ok)  # type: ignore[attr-defined]
        self.ui.buttonBox.rejected.connect(self.reject)  # type: ignore[attr-defined]

    def ok_button(self):  # type: ignore[no-untyped-def]
        return self.ui.buttonBox.button(QDialogButtonBox.StandardButton.Ok)  # type: ignore

    def message(self) -> str:
        return self.ui.messageLabel.text()  # type: ignore[attr-defined]

    def _on_ok(self) -> None:
        try:
            self.submit()
        except UserError as exc:
            self.ui.messageLabel.setText(describe(exc))  # type: ignore[attr-defined]
            return
        self.accept()

    def submit(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


def _same(a: str, b: str) -> None:
    if a != b:
        raise InputError("两次输入的密码不一致。")


class FirstAdminDialog(_ServiceDialog):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.actor: Actor | None = None
        self.ui = Ui_FirstAdminDialog()
        self.ui.setupUi(self)
        self._wire()
        self.ui.passwordEdit.setFocus()

    def submit(self) -> None:
        _same(self.ui.passwordEdit.text(), self.ui.confirmEdit.text())
        self.actor = accounts.create_first_admin(
            self.ctx, self.ui.usernameEdit.text(), self.ui.passwordEdit.text(),
            self.ui.displayNameEdit.text())
        # sign in as well, so that the first session is recorded like every other one
        self.actor = accounts.login(self.ctx, self.actor.username, self.ui.passwordEdit.text())


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

    def submit(self) -> None:
        try:
            self.actor = accounts.login(self.ctx, self.ui.usernameEdit.text(),
                                        self.ui.passwordEdit.text())
        finally:
            self.ui.passwordEdit.clear()
            self.ui.passwordEdit.setFocus()


def _fill_combos(ui: Ui_UserEditDialog, max_clearance: Clearance) -> None:
    for role in Role:
        ui.roleCombo.addItem(role.label, role.value)
    for c in Clearance:
        if c <= max_clearance:
            ui.clearanceCombo.addItem(c.label, int(c))


class UserEditDialog(_ServiceDialog):
    """Add a user (``user is None``) or change an existing user's role and clearance."""

    def __init__(self, ctx: ServiceContext, user: UserInfo | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.user = user
        self.ui = Ui_UserEditDialog()
        self.ui.setupUi(self)
        self._wire()
        assert ctx.actor is not None
        _fill_combos(self.ui, ctx.actor.clearance)
        if user is None:
            self.setWindowTitle("添加用户")
            self.ui.roleCombo.setCurrentIndex(self.ui.roleCombo.findData(Role.CLERK.value))
        else:
            self.setWindowTitle(f"角色与密级 — {user.username}")
            self.ui.usernameEdit.setText(user.username)
            self.ui.usernameEdit.setReadOnly(True)
            self.ui.displayNameEdit.setText(user.display_name)
            self.ui.displayNameEdit.setReadOnly(True)
            self.ui.roleCombo.setCurrentIndex(self.ui.roleCombo.findData(user.role.value))
            index = self.ui.clearanceCombo.findData(int(user.clearance))
            if index < 0:  # above the admin's own clearance: show it, but it cannot be chosen
                self.ui.clearanceCombo.addItem(user.clearance.label, int(user.clearance))
                index = self.ui.clearanceCombo.count() - 1
            self.ui.clearanceCombo.setCurrentIndex(index)
            for w in (self.ui.passwordEdit, self.ui.confirmEdit, self.ui.passwordLabel,
                      self.ui.confirmLabel):
                w.hide()
            self.adjustSize()

    def submit(self) -> None:
        role = Role(self.ui.roleCombo.currentData())
        clearance = Clearance(self.ui.clearanceCombo.currentData())
        if self.user is None:
            _same(self.ui.passwordEdit.text(), self.ui.confirmEdit.text())
            self.user = accounts.add_user(
                self.ctx, self.ui.usernameEdit.text(), self.ui.passwordEdit.text(),
                display_name=self.ui.displayNameEdit.text(), role=role, clearance=clearance)
            return
        user = self.user
        if role != user.role:
            user = accounts.set_role(self.ctx, user.id, role, expected_version=user.version)
        if clearance != user.clearance:
            user = accounts.set_clearance(self.ctx, user.id, clearance,
                                          expected_version=user.version)
        self.user = user


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
                "管理员已重置您的密码，请设置新密码后继续。" if forced else "请输入原密码和新密码。")
            self.ui.oldEdit.setFocus()
        else:
            self.setWindowTitle(f"重置密码 — {user.username}")
            self.ui.introLabel.setText(
                f"为用户“{user.username}”设置新密码。账户将解除锁定，该用户下次登录时须修改密码。")
            self.ui.oldEdit.hide()
            self.ui.oldLabel.hide()
            self.ui.newEdit.setFocus()

    def submit(self) -> None:
        _same(self.ui.newEdit.text(), self.ui.confirmEdit.text())
        if self.user is None:
            accounts.change_password(self.ctx, self.ui.oldEdit.text(), self.ui.newEdit.text())
        else:
            self.user = accounts.reset_password(self.ctx, self.user.id, self.ui.newEdit.text(),
                                                expected_version=self.user.version)
