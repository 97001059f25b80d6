"""The 发文字号 register (台账): per series, every number from 1 to the highest with its state;
reserved, void and missing numbers are highlighted with their reasons. Reserve and void here.

Reserving and voiding happen in ``NumberDialog``, opened window-modal with ``open()`` (no nested
event loop, unlike ``QInputDialog.getText``): it checks its fields in Chinese (a reason is
required for both acts, as the register must say why a number was not used by a document),
calls the service itself and stays open with the service's refusal, so nothing typed is lost;
on success the register refreshes and shows the series it changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.domain import docnumber as dn
from app.domain.security import Action
from app.errors import UserError
from app.services import documents
from app.services import office as office_settings
from app.services.context import ServiceContext
from app.ui.kit import FormRows, LatestRead, MessageLine, TaskHandle
from app.ui.permissions import gate
from app.ui.qt import (
    QAbstractItemView,
    QAbstractTableModel,
    QBrush,
    QColor,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QModelIndex,
    QObject,
    QPushButton,
    QSpinBox,
    Qt,
    QTableView,
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


class RegisterModel(QAbstractTableModel):
    """The rows of one series' register (``dn.SeriesRegister.rows``): a year of a busy office
    is ~18 000 numbers, shown without an item object per cell."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[dn.RegisterRow] = []

    def set_rows(self, rows: list[dn.RegisterRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def text(self, row: int, column: int) -> str:
        r = self.rows[row]
        if column == 0:
            return str(r.seq)
        if column == 1:
            return r.text
        if column == 2:
            return r.label
        if column == 3:
            return r.reason or ""
        if column == 4:
            return str(r.document_id or "")
        if column == 5:
            return r.by or ""
        return r.at.astimezone().strftime("%Y-%m-%d %H:%M") if r.at else ""

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), index.column())
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 3:
            return self.rows[index.row()].reason or None
        if role == Qt.ItemDataRole.BackgroundRole:
            colour = COLOURS.get(self.rows[index.row()].state)
            return QBrush(colour) if colour is not None else None
        return None


class RegisterView(QWidget):
    """The register of the chosen series, read in the worker — and only while it is shown: the
    公文 page refreshes it after every save, and a hidden register just notes that it is stale
    and reads when it is next shown."""

    loaded = Signal()  # the series list and the chosen series' rows are in

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("docnoRegister")
        self.ctx = ctx
        self.reg: dn.SeriesRegister | None = None
        self.dialog: NumberDialog | None = None
        self._stale = True
        self._keep: tuple[str, int] | None = None  # the series to show when next read
        self.series = QComboBox()
        self.series.currentIndexChanged.connect(self.show_series)
        self.summary = QLabel("正在读取…")
        self.message = MessageLine(name="registerMessage")
        self.reads = LatestRead(self, on_error=self.message.error)
        self.reserve_button = QPushButton("预留号码…")
        self.void_button = QPushButton("作废所选号码…")
        for b in (self.reserve_button, self.void_button):
            gate(b, ctx.actor, Action.ISSUE)
        self.reserve_button.clicked.connect(self.ask_reserve)
        self.void_button.clicked.connect(self.ask_void)
        self.model = RegisterModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        # the number in full (it was cut while 原因 took the width); 原因 takes what is left,
        # its full text in the tooltip
        size_columns(self.table, COLUMNS, {"序号": 4, "发文字号": "江政办发〔2026〕9999号", "状态": 5,
                                           "公文编号": 6, "经办人": 6, "时间": "2026-12-07 08:30"},
                     stretch="原因", stretch_min=10)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(
            self.table.fontMetrics().height() + 8)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
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

    @property
    def busy(self) -> bool:
        return self._stale or self.reads.reading

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        if self._stale and not self.reads.reading:
            self.refresh()

    def refresh(self, select: tuple[str, int] | None = None) -> TaskHandle | None:
        """Read the series and the chosen one's register (``select``, else the one shown, else
        the first) in the worker; hidden, only note that it must be read when shown."""
        keep = select or self.series.currentData()
        if not self.isVisible():
            self._stale = True
            self._keep = keep
            return None
        keep = keep or self._keep
        self._stale = False
        ctx = self.ctx

        def read() -> tuple[list, tuple[str, int] | None, dn.SeriesRegister | None]:
            series = documents.list_series(ctx)
            keys = [(s.prefix, s.year) for s in series]
            key = keep if keep in keys else (keys[0] if keys else None)
            return series, key, (documents.series_register(ctx, *key) if key else None)

        return self._read(read, self._fill_all)

    def _read(self, read: Callable[[], Any], apply: Callable[[Any], None]) -> TaskHandle:
        """Run ``read`` in the worker and ``apply`` its result unless a newer read started."""

        def applied(result: Any) -> None:
            apply(result)
            self.loaded.emit()

        return self.reads.start(read, applied)

    def _fill_all(self, result: tuple[list, tuple[str, int] | None,
                                      dn.SeriesRegister | None]) -> None:
        series, key, reg = result
        self.series.blockSignals(True)
        self.series.clear()
        for s in series:
            self.series.addItem(f"{s.prefix} {s.year}年（至 {s.last_seq} 号）", (s.prefix, s.year))
        if key is not None:
            self.series.setCurrentIndex(max(self.series.findData(key), 0))
        self.series.blockSignals(False)
        self._show(reg)

    def show_series(self) -> TaskHandle | None:
        """The series chosen in the box: its register, read in the worker."""
        key = self.series.currentData()
        if key is None:
            self._show(None)
            return None
        ctx = self.ctx
        return self._read(lambda: documents.series_register(ctx, *key), self._show)

    def _show(self, reg: dn.SeriesRegister | None) -> None:
        self.reg = reg
        if reg is None:
            self.model.set_rows([])
            self.summary.setText("尚无发文字号。签发公文时自动取号，也可先预留号码。")
            return
        c = reg.counts()
        self.summary.setText(f"已用 {c['issued']} 个，预留 {c['reserved']} 个，作废 {c['void']} 个"
                             + (f"，缺号 {c['gap']} 个（异常）" if c["gap"] else "，无缺号"))
        self.model.set_rows(list(reg.rows))

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
        index = self.table.currentIndex()
        row = index.row() if index.isValid() else -1
        if row < 0 or self.reg is None or row >= self.model.rowCount():
            self.message.say("请先在台账中选择要作废的号码。")
            return None
        key = self.series.currentData()
        return self._open(NumberDialog(self.ctx, "void", prefixes=[key[0]], prefix=key[0],
                                       year=key[1], reg=self.reg,
                                       seq=self.model.rows[row].seq, parent=self))

    def _open(self, dlg: NumberDialog) -> NumberDialog:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = dlg
        dlg.completed.connect(self._done)
        dlg.open()
        return dlg
