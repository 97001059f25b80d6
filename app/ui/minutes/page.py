"""The 会议纪要 page: tab 会议 (the meetings list, lazily paged, beside the selected meeting's
page) and tab 督办 (the board across meetings). Registered as the ``minutes`` area."""

from __future__ import annotations

import datetime as dt

from app.domain.security import Action, Clearance
from app.errors import UserError
from app.services import minutes as mn
from app.services.context import ServiceContext
from app.ui.chinese import chinese_dates
from app.ui.kit import DISCARD, SAVE, FormRows, MessageLine, ask_unsaved
from app.ui.lazy_table import ServiceListModel
from app.ui.minutes.board import BoardTab
from app.ui.minutes.common import PAGE
from app.ui.minutes.meeting import MeetingPanel, pydate, qdate
from app.ui.pages import register_page
from app.ui.permissions import gate
from app.ui.qt import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    Qt,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from app.ui.sizing import em, fit_dialog, size_columns

COLUMNS = ["会议", "日期", "地点", "主持", "纪要", "密级"]
_COLUMN_EMS: dict[str, float | str] = {"会议": 13, "日期": "2026-12-31", "地点": 7, "主持": 4,
                                       "纪要": "〔2026〕12号", "密级": 3}


class NewMeetingDialog(QDialog):
    """New meeting (and, when the type is new, the type with its organ and 纪要 mark)."""

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("新建会议")
        self.types = mn.list_types(ctx)
        self.type = QComboBox(self)
        self.type.setEditable(True)
        for t in self.types:
            self.type.addItem(t.name, t.id)
        self.type.setCurrentText(self.types[0].name if self.types else "常务会议")
        self.organ = QLineEdit(self)
        self.organ.setPlaceholderText("新类型时填写，如：市政府")
        self.mark = QLineEdit(self)
        self.mark.setPlaceholderText("新类型时填写，如：临江市人民政府常务会议纪要")
        self.date = QDateEdit(self)
        self.date.setCalendarPopup(True)
        chinese_dates(self.date)
        self.date.setDate(qdate(ctx.now().astimezone().date()))
        self.time = QLineEdit("09:00", self)
        self.venue = QLineEdit(self)
        self.host = QLineEdit(self)
        self.host_title = QLineEdit(self)
        self.recorder = QLineEdit(ctx.actor.label if ctx.actor else "", self)
        self.classification = QComboBox(self)
        top = int(ctx.actor.clearance) if ctx.actor else 0
        for c in Clearance:
            if int(c) <= top:
                self.classification.addItem(c.label, int(c))
        self.message = MessageLine(self, name="newMeetingMessage")
        form = FormRows(self)
        form.row("会议类型", self.type)
        form.row("主办机关", self.organ)
        form.row("纪要标志", self.mark)
        form.row("日期", self.date)
        form.row("时间", self.time)
        form.row("地点", self.venue)
        form.row("主持人", self.host)
        form.row("主持人职务", self.host_title)
        form.row("记录人", self.recorder)
        form.row("密级", self.classification)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.span(self.message)
        form.span(buttons)
        self.created: mn.MeetingInfo | None = None
        self.type.currentTextChanged.connect(self._type_changed)
        fit_dialog(self, 30)  # (while the hints are set: the fields keep room for them)
        self._type_changed(self.type.currentText())

    def _type_changed(self, text: str) -> None:
        """A known type shows its organ and 纪要 mark (not editable here); a new type asks for
        them, with hints (a disabled field showing a hint read like a value)."""
        known = next((t for t in self.types if t.name == text.strip()), None)
        for edit, value, hint in ((self.organ, known.organ if known else "", "新类型时填写，如：市政府"),
                                  (self.mark, known.mark if known else "",
                                   "新类型时填写，如：临江市人民政府常务会议纪要")):
            edit.setEnabled(known is None)
            edit.setText(value)
            edit.setPlaceholderText("" if known else hint)

    def accept(self) -> None:
        name = self.type.currentText().strip()
        try:
            t = next((t for t in self.types if t.name == name), None)
            if t is None:
                t = mn.create_type(self.ctx, name, organ=self.organ.text(), mark=self.mark.text())
                self.types.append(t)
            self.created = mn.create_meeting(
                self.ctx, t.id, pydate(self.date.date()), time=self.time.text(),
                venue=self.venue.text(), host=self.host.text(),
                host_title=self.host_title.text(), recorder=self.recorder.text(),
                classification=self.classification.currentData())
        except UserError as exc:
            self.message.error(exc)
            return
        super().accept()


class MeetingsTab(QWidget):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.new_button = QPushButton("新建会议", self)
        self.new_button.setShortcut(QKeySequence.StandardKey.New)
        gate(self.new_button, ctx.actor, Action.EDIT_MINUTES)
        self.refresh_button = QPushButton("刷新", self)
        self.refresh_button.setShortcut(QKeySequence("F5"))
        self.type_filter = QComboBox(self)
        self._fill_types()
        bar = QHBoxLayout()
        bar.addWidget(self.new_button)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.type_filter)
        bar.addStretch(1)
        # read in the worker a page at a time (keyset from a held page), never on this thread
        self.model = ServiceListModel(
            ctx, COLUMNS, params=lambda: self.type_filter.currentData(),
            count=lambda type_id: mn.count_meetings(ctx, type_id=type_id),
            fetch=lambda type_id, o, n, seek: mn.list_meetings(ctx, offset=o, limit=n,
                                                               type_id=type_id, seek=seek),
            values=_values, key=mn.meeting_key, page_size=PAGE, parent=self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # widths in ems, not ResizeToContents (which measured every loaded row on each change)
        # (no stretched 会议 column: beside the meeting panel it would shrink to nothing)
        size_columns(self.table, COLUMNS, _COLUMN_EMS)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumWidth(34 * em(self.table))  # 会议, 日期, 地点 and 主持 in view
        self.table.verticalHeader().hide()
        # the meeting panel (four tabs of forms) is built when the first meeting is opened
        self._panel: MeetingPanel | None = None
        self.stack = QStackedWidget(self)
        self.empty = QLabel("选择左侧的会议，在这里查看和编辑其基本情况、出席人员、议题与纪要。", self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.stack.addWidget(self.empty)
        split = QSplitter(self)
        split.addWidget(self.table)
        split.addWidget(self.stack)
        split.setStretchFactor(0, 2)  # the list keeps room for its columns (≈ 45 em)
        split.setStretchFactor(1, 3)
        split.setSizes([45 * em(self.table), 60 * em(self.table)])  # (the panel comes later)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(split)
        self.dialog: NewMeetingDialog | None = None
        self.switch_box: QMessageBox | None = None
        self.new_button.clicked.connect(self.new_meeting)
        self.refresh_button.clicked.connect(self.refresh)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._open(cur.row()))
        self.type_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.refresh()

    @property
    def panel(self) -> MeetingPanel:
        """The meeting panel, built on first use (a first visit shows the list only)."""
        if self._panel is None:
            self._panel = MeetingPanel(self.ctx, self)
            self.stack.addWidget(self._panel)
            self._panel.changed.connect(self._panel_changed)
        return self._panel

    def unsaved_titles(self) -> list[str]:
        return self._panel.unsaved_titles() if self._panel is not None else []

    def save_all(self) -> bool:
        return self._panel is None or self._panel.save_all()

    def _fill_types(self) -> None:
        keep = self.type_filter.currentData()
        self.type_filter.blockSignals(True)
        self.type_filter.clear()
        self.type_filter.addItem("全部会议类型", None)
        for t in mn.list_types(self.ctx):
            self.type_filter.addItem(t.name, t.id)
        self.type_filter.setCurrentIndex(max(self.type_filter.findData(keep), 0))
        self.type_filter.blockSignals(False)

    def refresh(self) -> None:
        """Read the list again in the worker; the meeting shown is selected again when it is
        among the rows read."""
        keep = self._panel.meeting_id if self._panel is not None else None
        self.model.reload()

        def reselect() -> None:
            i = self.model.find_item(lambda m: m.id == keep)
            if keep is not None and i >= 0:
                self.table.selectRow(i)

        self.model.when_loaded(reselect)

    def _open(self, row: int) -> QMessageBox | None:
        """Show the meeting of ``row``. With unsaved 纪要 text of the meeting shown now, ask
        保存 / 不保存 / 取消 first (window-modal, ``open()``); 取消 keeps the old selection."""
        item = self.model.item(row) if row >= 0 else None
        if item is None:
            return None
        target = item.id
        if self._panel is None or target == self._panel.meeting_id \
                or not self._panel.unsaved_titles():
            self._show(target)
            return None
        (name,) = self._panel.unsaved_titles()

        def answered(choice: str) -> None:
            if (choice == SAVE and self.panel.save_all()) or choice == DISCARD:
                self._show(target)
            else:  # cancelled, or the save was refused (the message says why): stay
                self._select(self.panel.meeting_id)

        self.switch_box = ask_unsaved(self, "纪要未保存", f"“{name}”有未保存的修改。",
                                      "切换会议前是否保存？不保存，修改将丢失。", answered)
        return self.switch_box

    def _show(self, meeting_id: int) -> None:
        self.panel.load(meeting_id)
        self.stack.setCurrentWidget(self.panel)

    def _select(self, meeting_id: int) -> None:
        """Select the row of ``meeting_id`` without opening it again."""
        selection = self.table.selectionModel()
        selection.blockSignals(True)
        try:
            i = self.model.find_item(lambda m: m.id == meeting_id)
            if i >= 0:
                self.table.selectRow(i)
        finally:
            selection.blockSignals(False)

    def _panel_changed(self) -> None:
        i = self.model.find_item(lambda m: m.id == self.panel.meeting_id)
        if i >= 0 and self.panel.info is not None:
            self.model.replace_item(i, self.panel.info)

    def new_meeting(self) -> None:
        self.dialog = NewMeetingDialog(self.ctx, self)
        self.dialog.accepted.connect(self._created)
        self.dialog.open()

    def _created(self) -> None:
        assert self.dialog is not None and self.dialog.created is not None
        new_id = self.dialog.created.id
        self._fill_types()
        self.model.reload()

        def select_new() -> None:
            i = self.model.find_item(lambda m: m.id == new_id)
            if i >= 0:
                self._select(new_id)
                self._open(i)  # asks first when the meeting shown has unsaved 纪要 text

        self.model.when_loaded(select_new)


def _values(m: mn.MeetingInfo) -> list[str]:
    return [m.title, f"{m.date:%Y-%m-%d}", m.venue, m.host,
            m.minutes_number if m.issued else "草稿", Clearance(m.classification).label]


class MinutesPage(QTabWidget):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None,
                 today: dt.date | None = None) -> None:
        super().__init__(parent)
        self.meetings = MeetingsTab(ctx, self)
        self.board = BoardTab(ctx, self, today=today, load=False)  # filled when chosen
        self.addTab(self.meetings, "会议")
        self.addTab(self.board, "督办")
        self.board.counts_changed.connect(self._badge)
        self._badge(0, 0)
        self.board.refresh_counts()
        self.currentChanged.connect(lambda i: self.board.refresh() if i == 1 else None)

    def open_record(self, meeting_id: int) -> None:
        """Show meeting ``meeting_id`` (a global search hit): its row when listed, else the panel
        alone; unsaved 纪要 text of the meeting shown now is asked about first."""
        self.setCurrentWidget(self.meetings)

        def show() -> None:
            i = self.meetings.model.find_item(lambda m: m.id == meeting_id)
            if i >= 0:
                self.meetings.table.selectRow(i)
            elif not self.meetings.unsaved_titles():
                self.meetings._show(meeting_id)

        self.meetings.model.when_loaded(show)  # (the list is read in the worker)

    def unsaved_titles(self) -> list[str]:
        """For the main window's question on leaving (退出, 注销)."""
        return self.meetings.unsaved_titles()

    def save_all(self) -> bool:
        if self.meetings.save_all():
            return True
        self.setCurrentWidget(self.meetings)
        return False

    def _badge(self, overdue: int, due_soon: int) -> None:
        """The 督办 tab shows what needs attention: 逾期 (red) and 临期 counts."""
        parts = [f"逾期{overdue}"] if overdue else []
        parts += [f"临期{due_soon}"] if due_soon else []
        self.setTabText(1, f"督办（{'·'.join(parts)}）" if parts else "督办")


register_page("minutes", lambda ctx, parent: MinutesPage(ctx, parent))
