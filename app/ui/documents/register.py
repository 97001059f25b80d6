"""The 发文字号 register (台账): per series, every number from 1 to the highest with its state;
reserved, void and missing numbers are highlighted with their reasons. Reserve and void here."""

from __future__ import annotations

from app.errors import UserError
from app.services import docnumbers
from app.services.context import ServiceContext
from app.ui.qt import (
    QBrush,
    QColor,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

COLUMNS = ["序号", "发文字号", "状态", "原因", "公文编号", "经办人", "时间"]
COLOURS = {"reserved": QColor("#fff2a8"), "void": QColor("#e0e0e0"), "gap": QColor("#f4b6b6")}


class RegisterView(QWidget):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("docnoRegister")
        self.ctx = ctx
        self.series = QComboBox()
        self.series.currentIndexChanged.connect(self.show_series)
        self.summary = QLabel()
        self.message = QLabel()
        self.reserve_button = QPushButton("预留号码…")
        self.void_button = QPushButton("作废所选号码…")
        self.reserve_button.clicked.connect(self.ask_reserve)
        self.void_button.clicked.connect(self.ask_void)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        top = QHBoxLayout()
        top.addWidget(QLabel("序列"))
        top.addWidget(self.series, 1)
        top.addWidget(self.reserve_button)
        top.addWidget(self.void_button)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.summary)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.message)
        self.refresh()

    def refresh(self) -> None:
        keep = self.series.currentData()
        self.series.blockSignals(True)
        self.series.clear()
        for s in docnumbers.list_series(self.ctx):
            self.series.addItem(f"{s.prefix} {s.year}年（至 {s.last_seq} 号）", (s.prefix, s.year))
        if keep is not None:
            i = self.series.findData(keep)
            self.series.setCurrentIndex(max(i, 0))
        self.series.blockSignals(False)
        self.show_series()

    def show_series(self) -> None:
        key = self.series.currentData()
        self.table.setRowCount(0)
        if key is None:
            self.summary.setText("尚无发文字号。签发公文时自动取号。")
            return
        reg = docnumbers.series_register(self.ctx, *key)
        c = reg.counts()
        self.summary.setText(f"已用 {c['issued']} 个，预留 {c['reserved']} 个，作废 {c['void']} 个"
                             + (f"，缺号 {c['gap']} 个（异常）" if c["gap"] else "，无缺号"))
        self.table.setRowCount(len(reg.rows))
        for i, r in enumerate(reg.rows):
            when = r.at.astimezone().strftime("%Y-%m-%d %H:%M") if r.at else ""
            values = [str(r.seq), r.text, r.label, r.reason or "", r.document_id or "",
                      r.by or "", when]
            for j, v in enumerate(values):
                item = QTableWidgetItem(v)
                if r.state in COLOURS:
                    item.setBackground(QBrush(COLOURS[r.state]))
                self.table.setItem(i, j, item)

    def reserve(self, count: int, reason: str) -> None:
        key = self.series.currentData()
        if key is None:
            return
        try:
            made = docnumbers.reserve_numbers(self.ctx, key[0], key[1], count, reason)
        except UserError as exc:
            self.message.setText(exc.message)
            return
        self.message.setText("已预留：" + "、".join(made))
        self.refresh()

    def void(self, seq: int, reason: str) -> None:
        key = self.series.currentData()
        try:
            text = docnumbers.void_number(self.ctx, key[0], key[1], seq, reason)
        except UserError as exc:
            self.message.setText(exc.message)
            return
        self.message.setText(f"已作废 {text}。")
        self.refresh()

    def ask_reserve(self) -> None:
        reason, ok = QInputDialog.getText(self, "预留发文字号", "预留原因：")
        if ok:
            self.reserve(1, reason)

    def ask_void(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            self.message.setText("请先选择要作废的号码。")
            return
        reason, ok = QInputDialog.getText(self, "作废发文字号", "作废原因：")
        if ok:
            self.void(int(self.table.item(row, 0).text()), reason)
