"""值班记录 tab: a lazy list of the log (pages fetched from the database as the view scrolls) and a
quick entry form beside it — Ctrl+Enter saves, the form clears for the next call. Selecting an
entry loads it into the form to complete it (passed to whom, result)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from app.services import duty
from app.services.context import ServiceContext
from app.services.duty import LOG_KINDS, LogEntry, log_key
from app.services.paging import Seek
from app.ui.chinese import chinese_dates
from app.ui.duty.common import from_datetime, local, to_datetime
from app.ui.kit import FormRows, MessageLine, TaskHandle
from app.ui.lazy_table import LazyTableModel
from app.ui.qt import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTime,
    QDateTimeEdit,
    QEvent,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QObject,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from app.ui.security.scope_dialog import ScopeDialog
from app.ui.sizing import size_columns

PAGE = 100
COLUMNS = ["接报时间", "类别", "来电单位", "姓名", "职务", "电话", "内容", "转交", "办理结果", "记录人"]

_WIDTHS: dict[str, float | str] = {
    "接报时间": "2026-12-31 23:59", "类别": 3, "来电单位": 8, "姓名": 4, "职务": 5,
    "电话": "0571-88888888", "内容": 16, "转交": 4, "办理结果": 8, "记录人": 4}


class LogModel(LazyTableModel):
    """The log, newest first, read a page at a time in the worker (20 000 entries at office
    scale: the count and the pages never run on the GUI thread)."""

    HEADERS = COLUMNS

    def __init__(self, ctx: ServiceContext, parent=None,  # type: ignore[no-untyped-def]
                 *, load: bool = True) -> None:
        super().__init__(ctx, PAGE, 24, parent)
        self.text = ""
        if load:
            self.reload()

    def reload(self, text: str | None = None) -> TaskHandle:  # type: ignore[override]
        if text is not None:
            self.text = text
        return super().reload()

    def snapshot(self) -> str:
        return self.text

    def count_rows(self, query: str) -> int:
        return duty.count_log(self.ctx, query)

    def fetch_rows(self, query: str, offset: int, limit: int,
                   seek: Seek | None = None) -> list[LogEntry]:
        return duty.list_log(self.ctx, offset, limit, query, seek=seek)

    def key_of(self, query: str, row: LogEntry) -> tuple[Any, ...]:
        return log_key(row)

    def cell(self, e: LogEntry, column: int, role: int) -> Any:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        values = [local(e.received_at, "%Y-%m-%d %H:%M"), e.kind, e.caller_unit, e.caller_name,
                  e.caller_post, e.caller_phone, e.content, e.passed_to
                  + (f"（{local(e.passed_at, '%H:%M')}）" if e.passed_at else ""), e.result,
                  e.author_name]
        value = values[column]
        if role == Qt.ItemDataRole.DisplayRole and column == 6 and len(value) > 40:
            return value[:40] + "…"
        return value


class _CtrlEnter(QObject):
    """Ctrl+Enter (either Enter key) in any field of the form saves it — also inside the
    multi-line content box, where a plain Enter starts a new line."""

    def __init__(self, action, parent: QObject) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.action = action

    def eventFilter(self, obj, event) -> bool:  # type: ignore[no-untyped-def]
        if (event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            self.action()
            return True
        return False


class LogTab(QWidget):
    """``load=False``: the list is read by whoever builds the tab (the 值班 page reads the tab
    it shows; read here too, the first choice of the tab read the log twice at once)."""

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None, *,
                 load: bool = True) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.editing: LogEntry | None = None
        outer = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("搜索内容、单位、姓名、电话……（回车）")
        self.search.returnPressed.connect(lambda: self.model.reload(self.search.text()))
        self.count_label = QLabel()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.count_label)
        outer.addLayout(bar)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.model = LogModel(ctx, self, load=load)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        size_columns(self.view, COLUMNS, _WIDTHS)  # user-resizable, never measured from rows
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.selectionModel().selectionChanged.connect(self._selected)
        split.addWidget(self.view)
        split.addWidget(self._form())
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        outer.addWidget(split, 1)
        self.model.loaded.connect(self._count)
        self.model.failed.connect(self.message.error)
        self.count_label.setText("正在读取…")

    # ------------------------------------------------------------------ form
    def _form(self) -> QWidget:
        box = QWidget()
        form = FormRows(box)
        self.kind = QComboBox()
        self.kind.addItems(LOG_KINDS)
        self.received = QDateTimeEdit(QDateTime.currentDateTime())
        chinese_dates(self.received)
        self.received.setCalendarPopup(True)
        self.unit, self.name, self.post, self.phone = (QLineEdit() for _ in range(4))
        self.content = QPlainTextEdit()
        self.content.setPlaceholderText("来电（来文）内容")
        self.passed_to = QLineEdit()
        self.passed_to.setPlaceholderText("转交何人（如 带班领导王建国）")
        self.passed_now = QCheckBox("转交时间记为现在")
        self.result = QPlainTextEdit()
        self.result.setMaximumHeight(60)
        self.secret = QComboBox()
        self.secret.addItems(["公开", "内部", "秘密", "机密"][: int(self.ctx.actor.clearance) + 1]
                             if self.ctx.actor else ["公开"])
        form.row("类别", self.kind)
        form.row("接报时间", self.received)
        form.row("来电单位", self.unit)
        form.row("姓名", self.name)
        form.row("职务", self.post)
        form.row("电话", self.phone)
        form.row("内容", self.content)
        form.row("转交", self.passed_to)
        form.field(self.passed_now)
        form.row("办理结果", self.result)
        form.row("密级", self.secret)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("保存（Ctrl+Enter）")
        self.save_button.clicked.connect(self.save)
        self.new_button = QPushButton("新记录")
        self.new_button.clicked.connect(self.clear_form)
        self.scope_button = QPushButton("知悉范围…")  # 秘密/机密 entries (need_to_know)
        self.scope_button.setEnabled(False)
        self.scope_button.clicked.connect(self.edit_scope)
        self.scope_dialog: ScopeDialog | None = None
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.scope_button)
        form.span(buttons)
        self.message = MessageLine(name="logMessage")
        form.span(self.message)
        self.ctrl_enter = _CtrlEnter(self.save, box)
        for w in (self.kind, self.received, self.unit, self.name, self.post, self.phone,
                  self.content, self.passed_to, self.result, self.secret):
            w.installEventFilter(self.ctrl_enter)
        self.form_box = box
        return box

    def _count(self) -> None:
        self.count_label.setText(f"共{self.model.total}条")
        if self.editing is not None:  # the entry being completed stays selected if still listed
            editing = self.editing.id
            i = self.model.find(lambda e: e.id == editing)
            if i >= 0:  # shown selected; the form keeps what is being typed
                selection = self.view.selectionModel()
                selection.blockSignals(True)
                self.view.selectRow(i)
                selection.blockSignals(False)

    def clear_form(self) -> None:
        self.editing = None
        self.scope_button.setEnabled(False)
        for w in (self.unit, self.name, self.post, self.phone, self.passed_to):
            w.clear()
        self.content.clear()
        self.result.clear()
        self.passed_now.setChecked(False)
        self.received.setDateTime(from_datetime(self.ctx.now()))
        self.view.clearSelection()
        self.save_button.setText("保存（Ctrl+Enter）")
        self.unit.setFocus()

    def _selected(self) -> None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return
        e = self.model.row(rows[0].row())
        if e is None:  # its page is still being read
            return
        self.editing = e
        self.kind.setCurrentText(e.kind)
        if e.received_at:
            self.received.setDateTime(from_datetime(e.received_at))
        self.unit.setText(e.caller_unit)
        self.name.setText(e.caller_name)
        self.post.setText(e.caller_post)
        self.phone.setText(e.caller_phone)
        self.content.setPlainText(e.content)
        self.passed_to.setText(e.passed_to)
        self.passed_now.setChecked(False)
        self.result.setPlainText(e.result)
        self.secret.setCurrentIndex(min(e.classification, self.secret.count() - 1))
        self.save_button.setText(f"保存修改（第{e.id}号，Ctrl+Enter）")
        self.scope_button.setEnabled(e.classification >= 2)

    def edit_scope(self) -> None:
        """The 知悉范围 of the selected 秘密/机密 entry (its 交接事项 take it too)."""
        if self.editing is not None and self.editing.classification >= 2:
            self.scope_dialog = ScopeDialog(self.ctx, "duty_log", self.editing.id, self)
            self.scope_dialog.open()

    def entry(self) -> LogEntry:
        base = self.editing or LogEntry()
        passed_at = base.passed_at
        if self.passed_now.isChecked() or (self.passed_to.text().strip() and not passed_at):
            passed_at = self.ctx.now()
        return replace(
            base, kind=self.kind.currentText(), received_at=to_datetime(self.received.dateTime()),
            caller_unit=self.unit.text(), caller_name=self.name.text(), caller_post=self.post.text(),
            caller_phone=self.phone.text(), content=self.content.toPlainText(),
            passed_to=self.passed_to.text(), passed_at=passed_at if self.passed_to.text().strip()
            else None, result=self.result.toPlainText(), classification=self.secret.currentIndex())

    def save(self) -> None:
        try:
            e = self.entry()
            saved = duty.update_log_entry(self.ctx, e) if e.id else duty.add_log_entry(self.ctx, e)
        except Exception as exc:  # noqa: BLE001 - shown in Chinese
            self.message.error(exc)
            return
        self.message.ok(f"已保存第{saved.id}号记录（{saved.author_name}，"
                        f"{local(saved.received_at, '%H:%M')}）。")
        self.model.reload()
        self.clear_form()

    def refresh(self) -> TaskHandle:
        """Re-read the list in the worker; a refusal shows in the form's message line."""
        return self.model.reload()

