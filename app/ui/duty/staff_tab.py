"""人员 tab: the staff directory (name, unit, post, phones, duty roles, active) edited in a form
beside the list, and unavailability (请假、出差、培训) by date range."""

from __future__ import annotations

from app.services import duty
from app.services.context import ServiceContext
from app.services.duty import StaffInfo
from app.ui.chinese import chinese_dates
from app.ui.duty.common import from_date, to_date
from app.ui.kit import FormRows, LatestRead, MessageLine, TaskHandle, ask_text
from app.ui.qt import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

STAFF_COLUMNS = ["姓名", "单位", "职务", "手机", "办公电话", "值班岗位", "状态"]
UNAVAILABLE_COLUMNS = ["姓名", "原因", "开始", "结束", "说明"]


def _table(columns: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(columns))
    t.setHorizontalHeaderLabels(columns)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.verticalHeader().hide()
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    return t


class StaffTab(QWidget):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None, *,
                 load: bool = True) -> None:
        """``load=False``: read nothing until ``refresh()`` (the 值班 page refreshes a tab when
        it is chosen, so opening the page does not read the tabs nobody looks at)."""
        super().__init__(parent)
        self.ctx = ctx
        self.staff: list[StaffInfo] = []
        self.editing: StaffInfo | None = None
        self.dialog: QWidget | None = None  # the open 新增岗位 question
        layout = QVBoxLayout(self)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.table = _table(STAFF_COLUMNS)
        self.table.itemSelectionChanged.connect(self._selected)
        split.addWidget(self.table)
        split.addWidget(self._form())
        split.setStretchFactor(0, 3)
        layout.addWidget(split, 2)

        leave = QGroupBox("不能值班的日期（请假、出差、培训）")
        lv = QVBoxLayout(leave)
        self.leave_table = _table(UNAVAILABLE_COLUMNS)
        lv.addWidget(self.leave_table)
        row = QHBoxLayout()
        self.leave_person = QComboBox()
        self.leave_reason = QComboBox()
        self.leave_reason.addItems(duty.UNAVAILABLE_REASONS)
        today = from_date(ctx.now().astimezone().date())
        self.leave_start, self.leave_end = QDateEdit(today), QDateEdit(today)
        for w in (self.leave_start, self.leave_end):
            w.setCalendarPopup(True)
            chinese_dates(w)
        self.leave_note = QLineEdit()
        self.leave_note.setPlaceholderText("说明")
        self.leave_add = QPushButton("登记")
        self.leave_add.clicked.connect(self.add_leave)
        self.leave_delete = QPushButton("删除所选")
        self.leave_delete.clicked.connect(self.delete_leave)
        for w in (self.leave_person, self.leave_reason, QLabel("从"), self.leave_start,
                  QLabel("至"), self.leave_end, self.leave_note, self.leave_add,
                  self.leave_delete):
            row.addWidget(w)
        lv.addLayout(row)
        layout.addWidget(leave, 1)
        self.message = MessageLine(name="staffMessage")
        layout.addWidget(self.message)
        self.reads = LatestRead(self, on_error=self.message.error)
        if load:
            self.refresh()

    def _form(self) -> QWidget:
        box = QGroupBox("人员信息")
        form = FormRows(box)
        self.name, self.unit, self.post, self.mobile, self.phone = (QLineEdit() for _ in range(5))
        self.roles_box = QWidget()
        self.roles_layout = QVBoxLayout(self.roles_box)
        self.roles_layout.setContentsMargins(0, 0, 0, 0)
        self.role_checks: dict[str, QCheckBox] = {}
        self.active = QCheckBox("参加排班")
        self.active.setChecked(True)
        form.row("姓名", self.name)
        form.row("单位", self.unit)
        form.row("职务", self.post)
        form.row("手机", self.mobile)
        form.row("办公电话", self.phone)
        form.row("值班岗位", self.roles_box)
        form.field(self.active)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("保存")
        self.save_button.clicked.connect(self.save)
        self.new_button = QPushButton("新增人员")
        self.new_button.clicked.connect(self.clear_form)
        self.role_button = QPushButton("新增岗位…")
        self.role_button.clicked.connect(self.add_role)
        for b in (self.save_button, self.new_button, self.role_button):
            buttons.addWidget(b)
        form.span(buttons)
        return box

    def _role_checks(self, roles: dict[str, str] | None = None) -> None:
        roles = roles if roles is not None else duty.list_roles(self.ctx)
        for code, name in roles.items():
            if code not in self.role_checks:
                check = QCheckBox(name)
                self.role_checks[code] = check
                self.roles_layout.addWidget(check)

    @staticmethod
    def _read(ctx: ServiceContext) -> tuple[dict[str, str], list, list]:
        return duty.list_roles(ctx), duty.list_staff(ctx), duty.list_unavailability(ctx)

    @property
    def reading(self) -> bool:
        return self.reads.reading

    def read_in_background(self) -> TaskHandle:
        """Read the people, their roles and leaves in the worker (the tab chosen), and show
        them when they come — unless a ``refresh`` (after an act of the user's) came first."""
        ctx = self.ctx
        return self.reads.start(lambda: self._read(ctx), lambda result: self._show(*result))

    def refresh(self) -> None:
        self.reads.supersede()
        self._show(*self._read(self.ctx))

    def _show(self, roles: dict[str, str], staff: list, leaves: list) -> None:
        self._role_checks(roles)
        self.staff = staff
        t = self.table
        t.setRowCount(len(self.staff))
        for r, p in enumerate(self.staff):
            values = [p.name, p.unit, p.post, p.mobile, p.phone,
                      "、".join(duty.role_name(roles, x) for x in p.roles),
                      "参加排班" if p.active else "停排"]
            for c, v in enumerate(values):
                item = QTableWidgetItem(v)
                item.setData(Qt.ItemDataRole.UserRole, p.id)
                t.setItem(r, c, item)
        self.leave_person.clear()
        for p in self.staff:
            self.leave_person.addItem(p.name, p.id)
        self.leaves = leaves
        lt = self.leave_table
        lt.setRowCount(len(self.leaves))
        for r, u in enumerate(self.leaves):
            for c, v in enumerate([u.staff_name, u.reason, u.start.isoformat(),
                                   u.end.isoformat(), u.note]):
                item = QTableWidgetItem(v)
                item.setData(Qt.ItemDataRole.UserRole, u.id)
                lt.setItem(r, c, item)

    def clear_form(self) -> None:
        self.editing = None
        for w in (self.name, self.unit, self.post, self.mobile, self.phone):
            w.clear()
        for check in self.role_checks.values():
            check.setChecked(False)
        self.active.setChecked(True)
        self.table.clearSelection()
        self.name.setFocus()

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        p = self.staff[rows[0].row()]
        self.editing = p
        self.name.setText(p.name)
        self.unit.setText(p.unit)
        self.post.setText(p.post)
        self.mobile.setText(p.mobile)
        self.phone.setText(p.phone)
        for code, check in self.role_checks.items():
            check.setChecked(code in p.roles)
        self.active.setChecked(p.active)

    def save(self) -> None:
        base = self.editing
        info = StaffInfo(base.id if base else 0, self.name.text(), self.unit.text(),
                         self.post.text(), self.phone.text(), self.mobile.text(),
                         tuple(c for c, check in self.role_checks.items() if check.isChecked()),
                         self.active.isChecked(), base.version if base else 0)
        try:
            saved = duty.save_staff(self.ctx, info)
        except Exception as exc:  # noqa: BLE001
            self.message.error(exc)
            return
        self.message.ok(f"已保存：{saved.name}")
        self.refresh()
        self.clear_form()

    def add_role(self) -> QWidget:
        """Ask the new role's name, then its code (two non-blocking questions, ``self.dialog``
        holds the open one), then add it."""
        def named(name: str) -> None:
            if name.strip():
                self.dialog = ask_text(self, "新增值班岗位", "岗位代码（英文，如 driver）：",
                                       lambda code: self.save_role(code, name),
                                       name="roleCodeQuestion")

        self.dialog = ask_text(self, "新增值班岗位", "岗位名称（如 值班司机）：", named,
                               ok_label="下一步", name="roleNameQuestion")
        return self.dialog

    def save_role(self, code: str, name: str) -> bool:
        try:
            duty.add_role(self.ctx, code, name)
        except Exception as exc:  # noqa: BLE001
            self.message.error(exc)
            return False
        self.message.ok(f"已新增值班岗位：{name.strip()}")
        self.refresh()
        return True

    def add_leave(self) -> None:
        try:
            duty.add_unavailability(self.ctx, self.leave_person.currentData(),
                                    to_date(self.leave_start.date()),
                                    to_date(self.leave_end.date()),
                                    self.leave_reason.currentText(), self.leave_note.text())
        except Exception as exc:  # noqa: BLE001
            self.message.error(exc)
            return
        self.message.ok("已登记。")
        self.leave_note.clear()
        self.refresh()

    def delete_leave(self) -> None:
        rows = self.leave_table.selectionModel().selectedRows()
        if not rows:
            return
        try:
            duty.delete_unavailability(self.ctx, self.leaves[rows[0].row()].id)
        except Exception as exc:  # noqa: BLE001
            self.message.error(exc)
            return
        self.refresh()
