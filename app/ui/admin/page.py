"""系统管理 page: a tab for users (list, add, disable/enable, reset; role and clearance; verify the
audit log in the background) and a tab for the office settings. Every action goes through ``app.services.accounts.users`` (which checks
the permission and writes the audit event); dialogs open window-modal without blocking."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from app.domain.security import THREE_ADMINS, Action, active_change_problem
from app.errors import UserError
from app.services import accounts, audit, documents
from app.services import office as office_settings
from app.services.accounts import UserInfo
from app.services.context import ServiceContext
from app.ui.accounts.dialogs import PasswordDialog, UserEditDialog, person
from app.ui.forms.ui_office_settings_page import Ui_OfficeSettingsPage
from app.ui.forms.ui_users_page import Ui_UsersPage
from app.ui.kit import (
    PNG,
    FileKind,
    LatestRead,
    MessageLine,
    TaskHandle,
    add_lazy_tab,
    ask_file,
    confirm,
    describe,
    run_busy,
)
from app.ui.pages import register_page
from app.ui.permissions import gate, refuse
from app.ui.qt import (
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPixmap,
    QPushButton,
    QSize,
    Qt,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

COLUMNS = ["用户名", "姓名", "所在单位", "角色", "密级", "状态", "最近登录"]


def _read_users(ctx: ServiceContext) -> tuple[list[UserInfo], bool]:
    """The accounts, and whether the office is 涉密 (its rules on administrators apply)."""
    return accounts.list_users(ctx), accounts.office_mode(ctx) == accounts.CLASSIFIED


class UsersPage(QWidget):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ui = Ui_UsersPage()
        self.ui.setupUi(self)
        self.users: list[UserInfo] = []
        self.classified = False
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
        # the first list is read in the worker; an act's own refresh reads at once
        self.reads = LatestRead(self, on_error=self._read_failed)
        self.read_in_background()

    # ------------------------------------------------------------------ list
    def read_in_background(self) -> None:
        ctx = self.ctx  # (the worker holds the context, never the page)
        self.reads.start(lambda: _read_users(ctx), lambda got: self._show(*got))

    @property
    def reading(self) -> bool:
        return self.reads.reading

    def _read_failed(self, exc: BaseException) -> None:
        # e.g. the own roles just changed: the session must sign in again
        self.ui.auditLabel.error(exc if isinstance(exc, UserError) else describe(exc))

    def refresh(self) -> None:
        """Read the list again now (after an act of the user's)."""
        self.reads.supersede()
        try:
            users, classified = _read_users(self.ctx)
        except UserError as exc:
            self._read_failed(exc)
            return
        self._show(users, classified)

    def _show(self, users: list[UserInfo], classified: bool) -> None:
        keep = self.selected().id if self.selected() else None
        self.users = users
        self.classified = classified
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
        """三员分立: accounts (add, disable, reset) are the 系统管理员's, roles and clearances the
        安全保密管理员's; a button the user's roles do not allow stays disabled with the reason."""
        user = self.selected()
        actor = self.ctx.actor
        gate(self.ui.addButton, actor, Action.MANAGE_USERS)
        gate(self.ui.editButton, actor, Action.GRANT_ROLES, user is not None)
        may_toggle = gate(self.ui.toggleButton, actor, Action.MANAGE_USERS, user is not None)
        toggle_problem = (active_change_problem(user.roles, not user.active)
                          if may_toggle and user is not None and self.classified else None)
        if toggle_problem is not None:  # 三员 accounts: two people (the service refuses too)
            refuse(self.ui.toggleButton, toggle_problem)
        may_reset = gate(self.ui.resetButton, actor, Action.MANAGE_USERS, user is not None)
        if (may_reset and user is not None and self.classified and actor is not None
                and user.id != actor.user_id and user.roles & THREE_ADMINS):
            refuse(self.ui.resetButton, "三员分立：不能重置另一名管理员的密码")
        self.ui.toggleButton.setText("启用(&D)" if user and not user.active else "停用(&D)")

    # ------------------------------------------------------------------ actions
    def _open(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.accepted.connect(self.refresh)
        dialog.open()

    def add_user(self) -> None:
        self._open(UserEditDialog(self.ctx, None, self))

    def edit_user(self) -> None:
        if (user := self.selected()) is None:
            return
        if self.ctx.actor is not None and user.id == self.ctx.actor.user_id:
            # the own roles: this session keeps the roles it signed in with (the services
            # refuse a session whose roles changed), so say how the new ones take effect
            dialog = UserEditDialog(self.ctx, user, self)
            self.dialog = dialog
            dialog.accepted.connect(lambda: self.ui.auditLabel.ok(
                "已更改您自己的角色和密级：请注销后重新登录，新的角色即生效。"))
            dialog.open()
            return
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
            self.ui.auditLabel.ok(
                f"已{'启用' if not user.active else '停用'}用户“{person(user)}”。")
        except UserError as exc:
            self.ui.auditLabel.error(exc)
        self.refresh()

    def verify_audit(self) -> None:
        self.ui.verifyButton.setEnabled(False)
        engine = self.ctx.engine

        def work(control):  # type: ignore[no-untyped-def]
            control.check()
            return audit.verify(engine)

        self.verify_task = run_busy(self.ui.auditLabel, work, busy="正在校验审计日志……",
                                    on_result=self._verified, on_error=self._verify_failed,
                                    parent=self)

    def _verified(self, result: audit.VerifyResult) -> None:
        self.ui.verifyButton.setEnabled(True)
        if result.ok:
            self.ui.auditLabel.ok(result.message())
        else:
            self.ui.auditLabel.error(result.message())

    def _verify_failed(self, exc: BaseException) -> None:
        self.ui.verifyButton.setEnabled(True)
        self.ui.auditLabel.error(exc)


def _when(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else "—"


class SealBox(QGroupBox):
    """本机关印章: upload the seal image (PNG, checked by ``app.services.documents.seal``), see what was
    uploaded, remove it. The stored image is never shown again here (it is kept encrypted and
    leaves the database only onto a signed document's paper, audited)."""

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__("本机关印章", parent)
        self.setObjectName("sealBox")
        self.ctx = ctx
        self.file_dialog: QWidget | None = None
        self.remove_box: QMessageBox | None = None
        self.intro = QLabel(
            "上传本机关印章的 PNG 图片（建议透明背景、红色印文，100–2000 像素见方，不超过 2 兆字节）。\n"
            "公文勾选“加盖印章”并经签发后，打印、导出时即按 GB/T 9704 加盖；每次使用均记入审计。\n"
            "图片加密保存在数据库中，不另存文件。")
        self.intro.setWordWrap(True)
        self.preview = QLabel()
        self.preview.setObjectName("sealPreview")
        self.preview.setFixedSize(120, 120)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("border: 1px solid #ccc; background: #f4f4f4;")
        self.state = QLabel()
        self.state.setObjectName("sealState")
        self.state.setWordWrap(True)
        self.upload_button = QPushButton("上传印章图片(&U)…")
        self.upload_button.setObjectName("sealUpload")
        self.upload_button.clicked.connect(self.choose_file)
        self.remove_button = QPushButton("删除印章图片")
        self.remove_button.setObjectName("sealRemove")
        self.remove_button.clicked.connect(self.ask_remove)
        buttons = QVBoxLayout()
        buttons.addWidget(self.upload_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.preview)
        row.addWidget(self.state, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(row)
        self.load()

    def load(self) -> None:
        try:
            st = documents.status(self.ctx)
        except UserError as exc:
            self.state.setText(describe(exc))
            return
        if st.present:
            self.state.setText(f"已上传：{st.width}×{st.height} 像素，"
                               f"{'透明背景' if st.transparent else '不透明背景'}；"
                               f"{st.uploaded_by} 于 {st.uploaded_at} 上传。")
            if self.preview.pixmap().isNull():
                self.preview.setText("（已加密保存）")
        else:
            self.preview.clear()
            self.preview.setText("（尚未上传）")
            self.state.setText("尚未上传本机关印章图片：公文的“加盖印章”暂不可选。")
        self.remove_button.setEnabled(st.present)

    def choose_file(self) -> None:
        self.file_dialog = ask_file(self, FileKind.IMAGES, "选择本机关印章图片", self.upload_file,
                                    filters=[PNG])

    def upload_file(self, path: str) -> bool:
        try:
            size = Path(path).stat().st_size
            if size > documents.MAX_BYTES:
                raise UserError(f"印章图片过大（{size // 1024} 千字节），不能超过 "
                                f"{documents.MAX_BYTES // 1024} 千字节。")
            data = Path(path).read_bytes()
            done = documents.upload(self.ctx, data)
        except OSError:
            self.state.setText(f"无法读取文件：{path}")
            return False
        except UserError as exc:
            self.state.setText("未上传：" + describe(exc))
            return False
        pixmap = QPixmap()
        pixmap.loadFromData(data, "PNG")
        self.preview.setPixmap(pixmap.scaled(
            self.preview.size() - QSize(8, 8), Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation))
        self.load()
        if done.warnings:
            self.state.setText(self.state.text() + "\n" + "\n".join(done.warnings))
        return True

    def ask_remove(self) -> None:
        self.remove_box = confirm(
            self, "删除印章图片", "删除本机关印章图片？", "删除", self.remove,
            informative="删除后，公文不能再选择“加盖印章”，已打印的文件不受影响。",
            name="removeSealQuestion")

    def remove(self) -> None:
        try:
            documents.remove(self.ctx)
        except UserError as exc:
            self.state.setText(describe(exc))
            return
        self.preview.clear()
        self.load()


class OfficeSettingsPage(QWidget):
    """Office name, 机关代字 series, default issuer mark, printer (``app.services.office.settings``);
    the office's seal image (``SealBox``)."""

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ui = Ui_OfficeSettingsPage()
        self.ui.setupUi(self)
        self.ui.saveButton.clicked.connect(self.save)
        self.seal = SealBox(ctx, self)
        self.ui.verticalLayout.insertWidget(self.ui.verticalLayout.count() - 1, self.seal)
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
            self.ui.messageLabel.error(exc)
            return
        self.load()
        self.ui.messageLabel.ok("已保存。")


class OfficeModeBox(QWidget):
    """普通/涉密: the office's mode and, in a 普通 office, the switch to 涉密 (an administrator's
    consent through ``confirm``; refused by the service while an account breaks 三员分立)."""

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        from app.ui.qt import QHBoxLayout

        super().__init__(parent)
        self.ctx = ctx
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.modeLabel = QLabel(self)
        self.modeLabel.setObjectName("officeModeLabel")
        self.switchButton = QPushButton("切换为涉密单位(&M)…", self)
        self.switchButton.setObjectName("classifyButton")
        self.switchButton.setToolTip("涉密单位实行三员分立，切换后不能改回普通单位")
        self.messageLabel = MessageLine(self, name="officeModeMessage")
        layout.addWidget(self.modeLabel)
        layout.addWidget(self.switchButton)
        layout.addWidget(self.messageLabel, 1)
        self.switchButton.clicked.connect(self.ask_switch)
        self.question = None
        self.load()

    def load(self) -> None:
        mode = accounts.office_mode(self.ctx)
        self.modeLabel.setText(f"本单位：{accounts.MODE_LABELS[mode]}单位")
        gate(self.switchButton, self.ctx.actor, Action.MANAGE_SETTINGS,
             mode == accounts.NORMAL)

    def ask_switch(self) -> None:
        self.question = confirm(
            self, "切换为涉密单位",
            "涉密单位实行三员分立：系统管理员、安全保密管理员、安全审计员由三个不同账户担任，"
            "管理员不得兼任业务角色。切换后不能改回普通单位。确定切换吗？",
            "切换为涉密单位", self.switch, default="reject", name="confirmClassify")

    def switch(self) -> None:
        try:
            accounts.switch_to_classified(self.ctx, consent=True)
        except UserError as exc:
            self.messageLabel.error(exc)
            return
        self.messageLabel.ok("本单位已切换为涉密单位。")
        self.load()


class AdminPage(QTabWidget):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.users = UsersPage(ctx, self)
        self.addTab(self.users, "用户与审计")
        # the office's settings, seal and mode are built (and read) when the tab is first chosen
        self.office_place = add_lazy_tab(self, "单位设置", self._office_tab)

    def _office_tab(self) -> OfficeSettingsPage:
        office = OfficeSettingsPage(self.ctx, self)
        self.mode = OfficeModeBox(self.ctx, office)
        office.layout().addWidget(self.mode)
        return office

    @property
    def office(self) -> OfficeSettingsPage:
        return self.office_place.content()


register_page("admin", lambda ctx, parent: AdminPage(ctx, parent))
