"""公平台账 dialog: each person's duties this year (total and rest-day, opening balance included)
with the opening balance editable, and the roster's recorded 调班/代班 (who, when, why)."""

from __future__ import annotations

from app.services import duty
from app.services.context import ServiceContext
from app.ui.duty.common import local
from app.ui.kit import MessageLine
from app.ui.qt import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

LEDGER_COLUMNS = ["姓名", "岗位", "年初已值", "其中休息日", "本年合计", "休息日合计"]
SWAP_COLUMNS = ["类型", "日期", "原值班", "改由", "对方日期", "原因", "记录人", "记录时间"]


def _table(columns: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(columns))
    t.setHorizontalHeaderLabels(columns)
    t.verticalHeader().hide()
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    return t


class LedgerDialog(QDialog):
    def __init__(self, ctx: ServiceContext, year: int, roster_id: int | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.year = ctx, year
        self.setWindowTitle(f"{year}年值班公平台账")
        self.resize(820, 520)
        layout = QVBoxLayout(self)
        tabs = QTabWidget()
        self.ledger = _table(LEDGER_COLUMNS)
        self.spins: dict[int, tuple[QSpinBox, QSpinBox]] = {}
        tabs.addTab(self.ledger, "公平台账")
        self.swaps = _table(SWAP_COLUMNS)
        tabs.addTab(self.swaps, "调班/代班记录")
        layout.addWidget(tabs)
        layout.addWidget(QLabel("“年初已值”用于年中开始使用本程序时，录入此前已值班的次数，"
                                "排班时一并计入公平。"))
        self.message = MessageLine(name="ledgerMessage")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.load(roster_id)

    def load(self, roster_id: int | None) -> None:
        roles = duty.list_roles(self.ctx)
        rows = duty.ledger(self.ctx, self.year)
        self.rows = rows
        t = self.ledger
        t.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, v in ((0, row.name), (1, "、".join(duty.role_name(roles, x) for x in row.roles)),
                         (4, str(row.total)), (5, str(row.rest_day))):
                t.setItem(r, c, QTableWidgetItem(v))
            total, rest = QSpinBox(), QSpinBox()
            for spin, value in ((total, row.opening_total), (rest, row.opening_rest)):
                spin.setRange(0, 366)
                spin.setValue(value)
            t.setCellWidget(r, 2, total)
            t.setCellWidget(r, 3, rest)
            self.spins[row.staff_id] = (total, rest)
        names = {p.id: p.name for p in duty.list_staff(self.ctx)}
        swaps = duty.list_swaps(self.ctx, roster_id) if roster_id else []
        self.swaps.setRowCount(len(swaps))
        for r, w in enumerate(swaps):
            for c, v in enumerate([w.kind, w.day.isoformat(), names.get(w.from_staff_id, ""),
                                   names.get(w.to_staff_id, ""),
                                   w.other_day.isoformat() if w.other_day else "", w.reason,
                                   w.recorded_by, local(w.recorded_at, "%Y-%m-%d %H:%M")]):
                self.swaps.setItem(r, c, QTableWidgetItem(v))

    def save(self) -> None:
        try:
            for row in self.rows:
                total, rest = (s.value() for s in self.spins[row.staff_id])
                if (total, rest) != (row.opening_total, row.opening_rest):
                    duty.set_opening(self.ctx, row.staff_id, self.year, total, rest)
        except Exception as exc:  # noqa: BLE001
            self.message.error(exc)
            return
        self.accept()
