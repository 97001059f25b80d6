"""The 发文字号 register (台账): per series, every number from 1 to the highest with its state;
reserved, void and missing numbers are highlighted with their reasons. Reserve and void here.

Reserving and voiding happen in ``NumberDialog``, opened window-modal with ``open()`` (no nested
event loop, unlike ``QInputDialog.getText``): it checks its fields in Chinese (a reason is
required for both acts, as the register must say why a number was not used by a document),
calls the service itself and stays open with the service's refusal, so nothing typed is lost;
on success the register refreshes and shows the series it changed."""

from __future__ import annotations

from app.domain import docnumber as dn
from app.domain.security import Action
from app.errors import UserError
from app.services import documents
from app.services import office as office_settings
from app.services.context import ServiceContext
from app.ui.kit import FormRows, MessageLine
from app.ui.permissions import gate
from app.ui.qt import (
    QBrush,
    QColor,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.ui.sizing import size_columns

COLUMNS = ["序号", "发文字号", "状态", "原因", "公文编号", "经办人", "时间"]
COLOURS = {"reserved": QColor("#fff2a8"), "void": QColor("#e0e0e0"), "gap": QColor("#f4b6b6")}
MAX_RESERVE = 50


class NumberDialog(QDialog):
    """预留 (``mode="reserve"``) or 作废 (``mode="void"``) in one small form. ``completed`` carries
    (prefix, year, message) after the service accepted it; the dialog then closes."""

    completed = Signal(str, int, str)

    def __init__(self, ctx: ServiceContext, mode: str, *, prefixes: list[str], prefix: str,
                 year: int, reg: dn.SeriesRegister | None = None, seq: int = 0,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        assert mode in ("reserve", "void")
        self.ctx, self.mode, self.reg = ctx, mode, reg
        self.act = "预留" if mode == "reserve" else "作废"
        self.setObjectName(f"docno_{mode}_dialog")
        self.setWindowTitle(f"{self.act}发文字号")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        form = FormRows()
        self.prefix = QComboBox(self)
        self.prefix.setEditable(True)
        self.prefix.addItems(prefixes)
        self.prefix.setCurrentText(prefix)
        self.year = QSpinBox(self)
        self.year.setRange(1949, 2199)
        self.year.setValue(year)
        self.count = QSpinBox(self)
        self.count.setRange(1, MAX_RESERVE)
        self.seq = QSpinBox(self)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText(f"必填：{self.act}的原因，记入台账"
                                       + ("（如：纸质签发待补录）" if mode == "reserve"
                                          else "（如：预留后未用、文件撤销）"))
        if mode == "reserve":
            form.row("机关代字", self.prefix)
            form.row("年度", self.year)
            form.row("预留个数", self.count)
            self.count.valueChanged.connect(self._show_note)
            self.prefix.currentTextChanged.connect(self._show_note)
        else:
            last = max((r.seq for r in reg.rows), default=0) if reg else 0
            self.seq.setRange(1, max(last, 1))
            self.seq.setValue(seq or 1)
            self.seq.valueChanged.connect(self._show_note)
            series = QLabel(f"{reg.prefix} {reg.year}年" if reg else "")
            form.row("序列", series)
            form.row("作废号码", self.seq)
        form.field(self.note)
        form.row(f"{self.act}原因", self.reason)
        self.error = MessageLine(self, name="numberDialogError")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.act)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reason.textChanged.connect(lambda _t: self.error.clear())
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        self.resize(460, 240)
        self._show_note()

    def _show_note(self) -> None:
        if self.mode == "reserve":
            n = self.count.value()
            self.note.setText(f"从该序列当前最大号之后连续预留 {n} 个号码；签发时可选用预留号。")
            return
        row = next((r for r in self.reg.rows if r.seq == self.seq.value()), None) \
            if self.reg else None
        if row is None:
            self.note.setText("")
        elif row.state == "issued":
            self.note.setText(f"{row.text} 已用于公文（编号 {row.document_id}）：作废后该公文将没有"
                              "发文字号，须重新签发取号；已印发的公文不能作废其号码。")
        else:
            self.note.setText(f"{row.text} 当前状态：{row.label}"
                              + (f"（{row.reason}）" if row.reason else ""))

    def problem(self) -> str:
        """What is missing or wrong in the form, in Chinese ('' when it may be submitted)."""
        if self.mode == "reserve" and not self.prefix.currentText().strip():
            return "请填写机关代字。"
        if not self.reason.text().strip():
            return f"请填写{self.act}原因：台账要写明每个未用于公文的号码的原因。"
        return ""

    def accept(self) -> None:
        problem = self.problem()
        if problem:
            self.error.error(problem)
            (self.reason if "原因" in problem else self.prefix).setFocus()
            return
        reason = self.reason.text().strip()
        try:
            if self.mode == "reserve":
                prefix, year = self.prefix.currentText().strip(), self.year.value()
                made = documents.reserve_numbers(self.ctx, prefix, year, self.count.value(),
                                                  reason)
                text = "已预留：" + "、".join(made)
                prefix = dn.validate_prefix(prefix)
            else:
                assert self.reg is not None
                prefix, year = self.reg.prefix, self.reg.year
                text = "已作废 " + documents.void_number(self.ctx, prefix, year,
                                                         self.seq.value(), reason) + "。"
        except UserError as exc:
            self.error.error(exc)
            return
        self.completed.emit(prefix, year, text)
        super().accept()


class RegisterView(QWidget):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("docnoRegister")
        self.ctx = ctx
        self.reg: dn.SeriesRegister | None = None
        self.dialog: NumberDialog | None = None
        self.series = QComboBox()
        self.series.currentIndexChanged.connect(self.show_series)
        self.summary = QLabel()
        self.message = MessageLine(name="registerMessage")
        self.reserve_button = QPushButton("预留号码…")
        self.void_button = QPushButton("作废所选号码…")
        for b in (self.reserve_button, self.void_button):
            gate(b, ctx.actor, Action.ISSUE)
        self.reserve_button.clicked.connect(self.ask_reserve)
        self.void_button.clicked.connect(self.ask_void)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        # the number in full (it was cut while 原因 took the width); 原因 takes what is left,
        # its full text in the tooltip
        size_columns(self.table, COLUMNS, {"序号": 4, "发文字号": "江政办发〔2026〕9999号", "状态": 5,
                                           "公文编号": 6, "经办人": 6, "时间": "2026-12-07 08:30"},
                     stretch="原因", stretch_min=10)
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

    def refresh(self, select: tuple[str, int] | None = None) -> None:
        keep = select or self.series.currentData()
        self.series.blockSignals(True)
        self.series.clear()
        for s in documents.list_series(self.ctx):
            self.series.addItem(f"{s.prefix} {s.year}年（至 {s.last_seq} 号）", (s.prefix, s.year))
        if keep is not None:
            i = self.series.findData(keep)
            self.series.setCurrentIndex(max(i, 0))
        self.series.blockSignals(False)
        self.show_series()

    def show_series(self) -> None:
        key = self.series.currentData()
        self.table.setRowCount(0)
        self.reg = None
        if key is None:
            self.summary.setText("尚无发文字号。签发公文时自动取号，也可先预留号码。")
            return
        reg = self.reg = documents.series_register(self.ctx, *key)
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
                if j == 3 and v:
                    item.setToolTip(v)
                if r.state in COLOURS:
                    item.setBackground(QBrush(COLOURS[r.state]))
                self.table.setItem(i, j, item)

    def _done(self, prefix: str, year: int, text: str) -> None:
        self.message.ok(text)
        self.refresh(select=(prefix, year))

    def _prefixes(self) -> list[str]:
        seen = [s.prefix for s in documents.list_series(self.ctx)]
        try:
            seen += office_settings.get_office(self.ctx).code_series
        except UserError:
            pass
        return list(dict.fromkeys(p for p in seen if p))

    def ask_reserve(self) -> NumberDialog:
        key = self.series.currentData()
        prefixes = self._prefixes()
        prefix = key[0] if key else (prefixes[0] if prefixes else "")
        year = key[1] if key else self.ctx.now().astimezone().year
        return self._open(NumberDialog(self.ctx, "reserve", prefixes=prefixes, prefix=prefix,
                                       year=year, parent=self))

    def ask_void(self) -> NumberDialog | None:
        row = self.table.currentRow()
        if row < 0 or self.reg is None:
            self.message.say("请先在台账中选择要作废的号码。")
            return None
        key = self.series.currentData()
        return self._open(NumberDialog(self.ctx, "void", prefixes=[key[0]], prefix=key[0],
                                       year=key[1], reg=self.reg,
                                       seq=int(self.table.item(row, 0).text()), parent=self))

    def _open(self, dlg: NumberDialog) -> NumberDialog:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = dlg
        dlg.completed.connect(self._done)
        dlg.open()
        return dlg
