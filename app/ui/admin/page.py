"""系统管理 page: a tab for users (list, add, disable/enable, reset; role and clearance; verify the
audit log in the background) and a tab for the office settings. Every action goes through ``app.services.accounts`` (which checks
the permission and writes the audit event); dialogs open window-modal without blocking."""

from __future__ import annotations

import re
from datetime import datetime

from app.errors import UserError
from app.services import accounts, audit
from app.services import settings as office_settings
from app.services.accounts import UserInfo
from app.services.context import ServiceContext
from app.ui.accounts.dialogs import PasswordDialog, UserEditDialog, person
from app.ui.forms.ui_office_settings_page import Ui_OfficeSettingsPage
from app.ui.forms.ui_users_page import Ui_UsersPage
from app.ui.messages import describe
from app.ui.pages import register_page
from app.ui.qt import QDialog, QHeaderView, Qt, QTableWidgetItem, QTabWidget, QWidget
from app.ui.worker import TaskHandle, run_task

COLUMNS = ["用户名", "姓名", "所在单位", "角色", "密级", "状态", "最近登录"]


class UsersPage(QWidget):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ui = Ui_UsersPage()
        self.ui.setupUi(self)
        self.users: list[UserInfo] = []
        self.dialog: QDialog | None = None
        self.verify_task: TaskHandle | None = None
        t = self.ui.table
        t.setColumnCount(len(COLUMNS))
        t.setHorizontalHeaderLabels(COLUMNS)
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        t.verticalHeader().hide()
        self.ui.addButton.clicked.connect(self.add_user)
        self.ui.editButton.clicked.connect(self.edit_user)
        self.ui.toggleButton.clicked.connect(self.toggle_active)
        self.ui.resetButton.clicked.connect(self.reset_password)
        self.ui.refreshButton.clicked.connect(self.refresh)
        self.ui.verifyButton.clicked.connect(self.verify_audit)
        t.itemSelectionChanged.connect(self._update_buttons)
        t.doubleClicked.connect(lambda _index: self.edit_user())
        self.refresh()

    # ------------------------------------------------------------------ list
    def refresh(self) -> None:
        keep = self.selected().id if self.selected() else None
        self.users = accounts.list_users(self.ctx)
        now = self.ctx.now()
        t = self.ui.table
        t.setRowCount(len(self.users))
        for row, u in enumerate(self.users):
            state = "停用" if not u.active else ("锁定" if u.locked(now) else "正常")
            values = [u.username, u.display_name, u.unit or "—", u.roles_label, u.clearance.label,
                      state,
                      _when(u.last_login_at)]
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, u.id)
                t.setItem(row, col, item)
            if u.id == keep:
                t.selectRow(row)
        self._update_buttons()

    def selected(self) -> UserInfo | None:
        rows = self.ui.table.selectionModel().selectedRows() if self.ui.table.model() else []
        if not rows or rows[0].row() >= len(self.users):
            return None
        return self.users[rows[0].row()]

    def select_user(self, username: str) -> None:
        for row, u in enumerate(self.users):
            if u.username == username:
                self.ui.table.selectRow(row)
                return
        raise KeyError(username)

    def _update_buttons(self) -> None:
        user = self.selected()
        for b in (self.ui.editButton, self.ui.toggleButton, self.ui.resetButton):
            b.setEnabled(user is not None)
        self.ui.toggleButton.setText("启用(&D)" if user and not user.active else "停用(&D)")

    # ------------------------------------------------------------------ actions
    def _open(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.accepted.connect(self.refresh)
        dialog.open()

    def add_user(self) -> None:
        self._open(UserEditDialog(self.ctx, None, self))

    def edit_user(self) -> None:
        if (user := self.selected()) is not None:
            self._open(UserEditDialog(self.ctx, user, self))

    def reset_password(self) -> None:
        if (user := self.selected()) is not None:
            self._open(PasswordDialog(self.ctx, user, self))

    def toggle_active(self) -> None:
        user = self.selected()
        if user is None:
            return
        try:
            accounts.set_active(self.ctx, user.id, not user.active,
                                expected_version=user.version)
            self.ui.auditLabel.setText(
                f"已{'启用' if not user.active else '停用'}用户“{person(user)}”。")
        except UserError as exc:
            self.ui.auditLabel.setText(describe(exc))
        self.refresh()

    def verify_audit(self) -> None:
        self.ui.verifyButton.setEnabled(False)
        self.ui.auditLabel.setText("正在校验审计日志……")
        engine = self.ctx.engine

        def work(control):  # type: ignore[no-untyped-def]
            control.check()
            return audit.verify(engine)

        self.verify_task = run_task(work, on_result=self._verified, on_error=self._verify_failed,
                                    parent=self)

    def _verified(self, result: audit.VerifyResult) -> None:
        self.ui.verifyButton.setEnabled(True)
        self.ui.auditLabel.setText(result.message())

    def _verify_failed(self, exc: BaseException) -> None:
        self.ui.verifyButton.setEnabled(True)
        self.ui.auditLabel.setText(describe(exc))


def _when(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else "—"


class OfficeSettingsPage(QWidget):
    """Office name, 机关代字 series, default issuer mark, printer (``app.services.settings``)."""

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ui = Ui_OfficeSettingsPage()
        self.ui.setupUi(self)
        self.ui.saveButton.clicked.connect(self.save)
        self.load()

    def load(self) -> None:
        info = office_settings.get_office(self.ctx)
        self.ui.officeNameEdit.setText(info.office_name)
        self.ui.codeSeriesEdit.setText("、".join(info.code_series))
        self.ui.issuerMarkEdit.setText(info.default_issuer_mark)
        self.ui.printerEdit.setText(info.printer)

    def save(self) -> None:
        info = office_settings.OfficeInfo(
            self.ui.officeNameEdit.text(),
            re.split(r"[、,，;；\s]+", self.ui.codeSeriesEdit.text()),
            self.ui.issuerMarkEdit.text(),
            self.ui.printerEdit.text(),
        )
        try:
            office_settings.update_office(self.ctx, info)
        except UserError as exc:
            self.ui.messageLabel.setText(describe(exc))
            return
        self.load()
        self.ui.messageLabel.setText("已保存。")


class AdminPage(QTabWidget):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.users = UsersPage(ctx, self)
        self.office = OfficeSettingsPage(ctx, self)
        self.addTab(self.users, "用户与审计")
        self.addTab(self.office, "单位设置")


register_page("admin", lambda ctx, parent: AdminPage(ctx, parent))
