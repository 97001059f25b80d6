"""A meeting's page: basic data, the three attendance lists in protocol order, topics with their
decisions, and the 纪要 (generate → edit → issue). Every change goes straight to the service (one
short transaction each) so nothing typed is lost; a refusal shows in the message line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from app.domain.security import Action
from app.errors import ConflictError, UserError
from app.services import minutes as mn
from app.services import output
from app.services.context import ServiceContext
from app.services.placeholders import UnfilledPlaceholders
from app.ui.chinese import chinese_dates
from app.ui.conflict_dialog import REAPPLY, ConflictDialog
from app.ui.kit import (
    DISCARD,
    PDF,
    SAVE,
    FileKind,
    FormRows,
    MessageLine,
    ask_print_anyway,
    ask_save_path,
    ask_unsaved,
    confirm,
    copies_box,
    run_busy,
    saved_text,
)
from app.ui.minutes.decision_dialog import DecisionDialog, DecisionFields
from app.ui.permissions import gate
from app.ui.qt import (
    QAbstractItemView,
    QCompleter,
    QDate,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QShortcut,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.ui.security.scope_dialog import ScopeDialog
from app.ui.sizing import size_columns

ROLE = Qt.ItemDataRole.UserRole


def qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def pydate(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


def list_shortcuts(widget: QWidget, *pairs) -> None:  # type: ignore[no-untyped-def]
    """Shortcuts that act only while ``widget`` has focus: the three attendance lists and the
    topic list all use Ctrl+↑/↓, and window-wide shortcuts with the same keys would be ambiguous
    (Qt then runs none of them)."""
    for keys, slot in pairs:
        sc = QShortcut(QKeySequence(keys), widget)
        sc.setContext(Qt.ShortcutContext.WidgetShortcut)
        sc.activated.connect(slot)


class AttendanceEditor(QGroupBox):
    """One list (出席/请假/列席): pick from the staff directory or type a name; drag or
    Ctrl+↑/↓ to put it in protocol order. Saved after every change."""

    changed = Signal()

    def __init__(self, panel: MeetingPanel, kind: str) -> None:
        super().__init__(mn.ATTENDANCE_LABELS[kind], panel)
        self.panel, self.kind = panel, kind
        self.list = QListWidget(self)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.model().rowsMoved.connect(lambda *_: self.save())
        self.name = QLineEdit(self)
        self.name.setPlaceholderText("姓名")
        self.name.setToolTip("可从人员名录选择，也可直接输入；回车添加")
        self.title_edit = QLineEdit(self)
        self.title_edit.setPlaceholderText("职务")
        self.title_edit.setToolTip("列席人员写单位和职务，如：市应急管理局局长")
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText("事由")
        self.reason.setVisible(kind == "absent")
        self.add_button = QPushButton("添加", self)
        self.remove_button = QPushButton("移除", self)
        self.up_button = QPushButton("上移", self)
        self.down_button = QPushButton("下移", self)
        row = QHBoxLayout()
        for w in (self.name, self.title_edit, self.reason, self.add_button):
            row.addWidget(w)
        moves = QHBoxLayout()
        for w in (self.up_button, self.down_button, self.remove_button):
            moves.addWidget(w)
        moves.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.list)
        lay.addLayout(moves)
        self.add_button.clicked.connect(self.add)
        self.name.returnPressed.connect(self.add)
        self.reason.returnPressed.connect(self.add)
        self.remove_button.clicked.connect(self.remove)
        self.up_button.clicked.connect(lambda: self.move(-1))
        self.down_button.clicked.connect(lambda: self.move(1))
        list_shortcuts(self.list, ("Ctrl+Up", lambda: self.move(-1)),
                       ("Ctrl+Down", lambda: self.move(1)),
                       (QKeySequence.StandardKey.Delete, self.remove))
        self.staff: dict[str, tuple[int, str]] = {}

    def set_staff(self, staff: list[tuple[int, str, str]]) -> None:
        self.staff = {name: (sid, post) for sid, name, post in staff}
        completer = QCompleter(sorted(self.staff), self.name)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.name.setCompleter(completer)

    def set_entries(self, entries: tuple[mn.AttendeeInfo, ...]) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for a in entries:
            self._append(mn.AttendeeIn(a.name, a.title, a.reason, a.staff_id))
        self.list.blockSignals(False)

    def _append(self, entry: mn.AttendeeIn) -> None:
        label = f"{entry.title}{entry.name}" if entry.title else entry.name
        item = QListWidgetItem(f"{label}（{entry.reason}）" if entry.reason else label)
        item.setData(ROLE, entry)
        self.list.addItem(item)

    def entries(self) -> list[mn.AttendeeIn]:
        return [self.list.item(i).data(ROLE) for i in range(self.list.count())]

    def names(self) -> list[str]:
        return [e.name for e in self.entries()]

    def add(self) -> None:
        name = self.name.text().strip()
        if not name:
            self.panel.message.error("请输入姓名。")
            return
        staff_id, post = self.staff.get(name, (None, ""))
        title = self.title_edit.text().strip() or (post if self.kind == "attending" else "")
        self._append(mn.AttendeeIn(name, title, self.reason.text().strip(), staff_id))
        if self.save():
            self.name.clear()
            self.title_edit.clear()
            self.reason.clear()
        else:
            self.list.takeItem(self.list.count() - 1)

    def remove(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            item = self.list.takeItem(row)
            if not self.save():
                self.list.insertItem(row, item)

    def move(self, delta: int) -> None:
        row = self.list.currentRow()
        target = row + delta
        if row < 0 or not 0 <= target < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(target, item)
        self.list.setCurrentRow(target)
        self.save()

    def save(self) -> bool:
        try:
            mn.set_attendance(self.panel.ctx, self.panel.meeting_id, self.kind, self.entries())
        except UserError as exc:
            self.panel.message.error(exc)
            return False
        self.panel.message.ok(f"{mn.ATTENDANCE_LABELS[self.kind]}名单已保存。")
        self.changed.emit()
        return True


class TopicsEditor(QWidget):
    """Topics (议题) with submitting unit and materials; the decisions of the selected topic."""

    def __init__(self, panel: MeetingPanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.topics: tuple[mn.TopicInfo, ...] = ()
        self.list = QListWidget(self)
        self.title = QLineEdit(self)
        self.unit = QLineEdit(self)
        self.materials = QPlainTextEdit(self)
        self.materials.setPlaceholderText("每行一份材料")
        self.materials.setMaximumHeight(60)
        self.summary = QPlainTextEdit(self)
        self.summary.setPlaceholderText("议题情况（写入纪要，可省略）")
        self.summary.setMaximumHeight(60)
        self.new_topic = QPushButton("新议题", self)
        self.save_topic = QPushButton("保存议题", self)
        self.delete_topic = QPushButton("删除议题", self)
        self.topic_up = QPushButton("上移", self)
        self.topic_down = QPushButton("下移", self)
        for b, where in ((self.topic_up, "前"), (self.topic_down, "后")):
            b.setToolTip(f"把选中的议题往{where}移（Ctrl+{'↑' if where == '前' else '↓'}）；"
                         "生成的纪要按此顺序排列")
        form = FormRows()
        form.row("议题", self.title)
        form.row("汇报单位", self.unit)
        form.row("材料", self.materials)
        form.row("情况", self.summary)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_topic)
        buttons.addWidget(self.save_topic)
        buttons.addWidget(self.delete_topic)
        buttons.addStretch(1)
        buttons.addWidget(self.topic_up)
        buttons.addWidget(self.topic_down)
        left = QVBoxLayout()
        left.addWidget(QLabel("议题（按上会顺序）"))
        left.addWidget(self.list)
        left.addLayout(form)
        left.addLayout(buttons)

        self.decisions = QTableWidget(0, 5, self)
        self.decisions.setHorizontalHeaderLabels(["议定事项", "牵头单位", "责任人", "配合单位", "期限"])
        size_columns(self.decisions, ["议定事项", "牵头单位", "责任人", "配合单位", "期限"],
                     {"牵头单位": 5, "责任人": 3.5, "配合单位": 5, "期限": "2026-12-31"},
                     stretch="议定事项")
        self.decisions.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.decisions.verticalHeader().hide()
        self.decisions.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.fields = f = DecisionFields(self)  # the same fields as the edit dialog's
        self.d_text, self.d_lead, self.d_person, self.d_coop = f.text, f.lead, f.person, f.coop
        self.by_days, self.by_date, self.no_deadline = f.by_days, f.by_date, f.no_deadline
        self.d_days, self.d_date = f.days, f.date
        self.d_text.setMaximumHeight(70)
        self.d_text.setPlaceholderText("议定事项内容，如：会议同意……，由……牵头落实。")
        self.add_decision = QPushButton("添加议定事项", self)
        self.delete_decision = QPushButton("删除选中事项", self)
        self.delete_decision.setToolTip("只能删除尚未立项督办的事项")
        self.edit_decision = QPushButton("修改选中事项…", self)
        self.edit_decision.setToolTip(mn.EDIT_RULES)
        self.dialog: DecisionDialog | None = None
        dl = QGridLayout()
        f.lay_out(dl, text_span=4)
        dl.addWidget(self.edit_decision, 3, 3)
        dl.addWidget(self.delete_decision, 4, 3)
        dl.addWidget(self.add_decision, 5, 3)
        right = QVBoxLayout()
        right.addWidget(QLabel("本议题的议定事项"))
        right.addWidget(self.decisions)
        right.addLayout(dl)
        lay = QHBoxLayout(self)
        lay.addLayout(left, 2)
        lay.addLayout(right, 3)
        self.list.currentRowChanged.connect(self._row_changed)
        self.new_topic.clicked.connect(self._clear_topic)
        self.save_topic.clicked.connect(lambda: self.save())
        # the topic form: which topic it edits (None: a new one) and whether it holds unsaved
        # edits — kept across the panel's reloads, asked about before showing another topic
        self.topic_for: int | None = None
        self.topic_dirty = False
        self._filling = False
        self.switch_box: QMessageBox | None = None
        for w in (self.title, self.unit):
            w.textEdited.connect(self._topic_edited)
        for w in (self.materials, self.summary):
            w.textChanged.connect(self._topic_edited)
        self.add_decision.clicked.connect(self.add)
        self.delete_topic.clicked.connect(self.remove_topic)
        self.delete_decision.clicked.connect(self.remove_decision)
        self.edit_decision.clicked.connect(self.open_decision)
        self.decisions.doubleClicked.connect(lambda _i: self.open_decision())
        self.topic_up.clicked.connect(lambda: self.move(-1))
        self.topic_down.clicked.connect(lambda: self.move(1))
        list_shortcuts(self.list, ("Ctrl+Up", lambda: self.move(-1)),
                       ("Ctrl+Down", lambda: self.move(1)))

    def reset(self) -> None:
        """Another meeting: the form starts clean."""
        self.topic_for, self.topic_dirty = None, False
        self.topics = ()

    def _topic_edited(self, *_args: object) -> None:
        if not self._filling:
            self.topic_dirty = True

    def set_topics(self, topics: tuple[mn.TopicInfo, ...], meeting_date: dt.date) -> None:
        """Show the meeting's topics, keeping the topic being edited selected (by id: a move or
        a deletion changes the rows) and its unsaved edits in the form."""
        current = self.current()
        keep_id = self.topic_for if self.topic_dirty else (current.id if current else None)
        keep_row = self.list.currentRow()
        self.topics = topics
        self.d_date.setDate(qdate(meeting_date))
        self.list.blockSignals(True)
        self.list.clear()
        for n, t in enumerate(topics, 1):
            self.list.addItem(f"{n}. {t.title}" + (f"（{t.unit}）" if t.unit else ""))
        ids = [t.id for t in topics]
        if self.topic_dirty and self.topic_for is None:
            row = -1  # a new topic being typed: nothing selected, the form kept
        elif keep_id in ids:
            row = ids.index(keep_id)
        else:
            row = min(max(keep_row, 0), len(topics) - 1) if topics else -1
        self.list.setCurrentRow(row)
        self.list.blockSignals(False)
        self._show_topic(row)

    def _row_changed(self, row: int) -> QMessageBox | None:
        """The user picked another topic: with unsaved edits of the one in the form, ask
        保存 / 不保存 / 取消 first (window-modal, ``open()``)."""
        target = self.topics[row] if 0 <= row < len(self.topics) else None
        if not self.topic_dirty or (target is not None and target.id == self.topic_for):
            self._show_topic(row)
            return None
        target_id = target.id if target is not None else None

        def answered(choice: str) -> None:
            if choice == SAVE and self.save(select=target_id):
                return
            if choice == DISCARD:
                self.topic_dirty = False
                self._select_topic(target_id)
                return
            self._select_topic(self.topic_for, show=False)  # cancelled or refused: stay

        self.switch_box = ask_unsaved(
            self, "议题未保存", f"议题“{self.title.text().strip() or '新议题'}”有未保存的修改。",
            "是否先保存？不保存，修改将丢失。", answered)
        return self.switch_box

    def _select_topic(self, topic_id: int | None, *, show: bool = True) -> None:
        ids = [t.id for t in self.topics]
        row = ids.index(topic_id) if topic_id in ids else -1
        self.list.blockSignals(True)
        self.list.setCurrentRow(row)
        self.list.blockSignals(False)
        if show:
            self._show_topic(row)

    def current(self) -> mn.TopicInfo | None:
        row = self.list.currentRow()
        return self.topics[row] if 0 <= row < len(self.topics) else None

    def _clear_topic(self) -> None:
        self.list.setCurrentRow(-1)  # asks first when the form holds unsaved edits
        if self.topic_dirty:
            return
        self._fill_topic(None)
        self.title.setFocus()

    def _fill_topic(self, t: mn.TopicInfo | None) -> None:
        self._filling = True
        try:
            self.title.setText(t.title if t else "")
            self.unit.setText(t.unit if t else "")
            self.materials.setPlainText("\n".join(t.materials) if t else "")
            self.summary.setPlainText(t.summary if t else "")
        finally:
            self._filling = False
        self.topic_for, self.topic_dirty = (t.id if t else None), False

    def _show_topic(self, row: int) -> None:
        t = self.topics[row] if 0 <= row < len(self.topics) else None
        if not (self.topic_dirty and t is not None and t.id == self.topic_for) and not (
                self.topic_dirty and t is None and self.topic_for is None):
            self._fill_topic(t)
        if t is None:
            self.decisions.setRowCount(0)
            return
        self.decisions.setRowCount(len(t.decisions))
        for r, d in enumerate(t.decisions):
            due = d.deadline.isoformat() if d.deadline else "—"
            if d.deadline_uncertain:
                due += "（待定）"
            if d.deadline_workdays:
                due += f"（{d.deadline_workdays}个工作日）"
            for c, v in enumerate([d.text, d.lead_unit, d.lead_person, "、".join(d.coop_units),
                                   due]):
                item = QTableWidgetItem(v)
                tip = v + (f"\n期限待定：{d.deadline_uncertain}" if c == 4 and d.deadline_uncertain
                           else "")
                item.setToolTip(tip)  # the columns are narrow beside the topic form
                self.decisions.setItem(r, c, item)

    def save(self, select: int | None | bool = True) -> bool:
        """Save the form to the topic it edits (a new one when none). Afterwards show the saved
        topic (``select=True``) or the topic of id ``select`` (the one the user picked)."""
        try:
            saved = mn.save_topic(self.panel.ctx, self.panel.meeting_id, self.title.text(),
                                  topic_id=self.topic_for, unit=self.unit.text(),
                                  materials=self.materials.toPlainText().splitlines(),
                                  summary=self.summary.toPlainText())
        except UserError as exc:
            self.panel.message.error(exc)
            return False
        self.topic_dirty, self.topic_for = False, saved.id
        self.panel.message.ok(f"议题“{saved.title}”已保存。")
        self.panel.reload()
        self._select_topic(saved.id if select is True else select)
        return True

    def remove_topic(self) -> None:
        t = self.current()
        if t is None:
            return
        try:
            mn.delete_topic(self.panel.ctx, t.id)
        except UserError as exc:
            self.panel.message.error(exc)
            return
        self.panel.message.ok(f"已删除议题“{t.title}”。")
        self.panel.reload()

    def remove_decision(self) -> None:
        t, row = self.current(), self.decisions.currentRow()
        if t is None or not 0 <= row < len(t.decisions):
            self.panel.message.error("请先选中一项议定事项。")
            return
        try:
            mn.delete_decision(self.panel.ctx, t.decisions[row].id)
        except UserError as exc:
            self.panel.message.error(exc)
            return
        self.panel.message.ok("已删除该议定事项。")
        self.panel.reload()

    def move(self, delta: int) -> None:
        """Move the selected topic up (-1) or down (+1); saved at once."""
        t = self.current()
        if t is None:
            return
        try:
            order = mn.move_topic(self.panel.ctx, t.id, delta,
                                  expected_order=[tp.id for tp in self.topics])
        except UserError as exc:
            self.panel.message.error(exc)
            self.panel.reload()  # show the order as it is now
            return
        self.panel.reload()
        self.list.setCurrentRow(order.index(t.id))
        self.list.setFocus()
        again = "；纪要草稿已生成，请重新生成纪要以采用新顺序" if self.panel.has_draft else ""
        self.panel.message.ok(f"议题顺序已调整{again}。")

    def open_decision(self) -> DecisionDialog | None:
        """The selected decision in a window-modal dialog (``open()``, no nested loop)."""
        t, row = self.current(), self.decisions.currentRow()
        if t is None or not 0 <= row < len(t.decisions) or self.panel.info is None:
            self.panel.message.error("请先选中一项议定事项。")
            return None
        dlg = self.dialog = DecisionDialog(self.panel.ctx, t.decisions[row],
                                           self.panel.info.date, self)
        dlg.saved.connect(self._decision_saved)
        dlg.open()
        return dlg

    def _decision_saved(self, d: mn.DecisionInfo) -> None:
        self.panel.reload()
        again = "；纪要草稿已生成，请重新生成纪要以采用修改" if self.panel.has_draft else ""
        self.panel.message.ok(f"议定事项已修改{again}。")
        t = self.current()
        if t is not None:
            rows = [x.id for x in t.decisions]
            if d.id in rows:
                self.decisions.selectRow(rows.index(d.id))

    def add(self) -> None:
        t = self.current()
        if t is None:
            self.panel.message.error("请先选择或保存一个议题。")
            return
        try:
            d = mn.add_decision(self.panel.ctx, t.id, self.d_text.toPlainText(),
                                **self.fields.values())
        except UserError as exc:
            self.panel.message.error(exc)
            return
        due = f"，办理期限 {d.deadline:%Y年%m月%d日}" if d.deadline else ""
        self.panel.message.ok(f"已添加议定事项{due}。")
        self.d_text.clear()
        self.panel.reload()


class MinutesEditor(QWidget):
    """The 纪要: generated from the template, edited by the clerk, frozen when issued.

    The clerk's unsaved text survives the page's reloads (every change elsewhere on the meeting
    re-reads it): ``show_state`` keeps the title and body while they hold unsaved edits of the
    same meeting. Regenerating over an existing draft asks first (it replaces the text)."""

    def __init__(self, panel: MeetingPanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.status = QLabel(self)
        self.title = QLineEdit(self)
        self.body = QPlainTextEdit(self)
        self.body.setPlaceholderText("点击“生成纪要”，由会议数据按纪要模板生成正文，再校对修改。")
        self.generate_button = QPushButton("生成纪要", self)
        self.save_button = QPushButton("保存修改", self)
        self.save_button.setShortcut(QKeySequence.StandardKey.Save)
        self.issue_button = QPushButton("印发", self)
        self.pdf_button = QPushButton("导出 PDF…", self)
        self.copies = copies_box(self)
        buttons = QHBoxLayout()
        for b in (self.generate_button, self.save_button, self.issue_button, self.copies,
                  self.pdf_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.status)
        form = FormRows()
        form.row("标题", self.title)
        lay.addLayout(form)
        lay.addWidget(self.body)
        lay.addLayout(buttons)
        self.generate_button.clicked.connect(self.generate)
        self.save_button.clicked.connect(self.save)
        self.issue_button.clicked.connect(self.issue)
        self.pdf_button.clicked.connect(lambda: self.export_pdf())
        self.export_task = None
        self.last_export: Path | None = None
        self.file_dialog: QFileDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.shown_for = 0  # the meeting whose 纪要 the fields hold
        self.has_draft = False

    def has_unsaved(self) -> bool:
        """Edits of the draft's title or body not saved yet."""
        return (not self.body.isReadOnly() and self.shown_for != 0
                and (self.body.document().isModified() or self.title.isModified()))

    def _mark_saved(self) -> None:
        self.body.document().setModified(False)
        self.title.setModified(False)

    def show_state(self, info: mn.MeetingInfo, description: dict | None) -> None:
        if info.issued:
            self.status.setText(f"已印发：{info.minutes_number}（{info.issued_by}），内容已冻结。")
        elif description is None:
            self.status.setText("尚未生成纪要。")
        else:
            self.status.setText("纪要草稿：可修改标题和正文后印发；出席、请假、列席名单和主持、记录"
                                "按“出席人员”“基本情况”页的记录自动排入。")
        keep = (self.has_unsaved() and self.shown_for == info.id and not info.issued
                and description is not None)
        if keep:
            self.status.setText(self.status.text() + "（正文有未保存的修改）")
        else:
            self.title.setText(str(description.get("title", "")) if description else "")
            self.body.setPlainText(str(description.get("body", "")) if description else "")
            self._mark_saved()
        self.shown_for, self.has_draft = info.id, description is not None
        for w in (self.title, self.body):
            w.setReadOnly(info.issued)
        actor = self.panel.ctx.actor  # what the roles do not allow is off and says why
        gate(self.generate_button, actor, Action.EDIT_MINUTES, not info.issued)
        gate(self.save_button, actor, Action.EDIT_MINUTES,
             not info.issued and description is not None)
        gate(self.issue_button, actor, Action.ISSUE, not info.issued and description is not None)
        gate(self.pdf_button, actor, Action.PRINT, description is not None)

    def generate(self) -> QMessageBox | None:
        """Fill the 纪要 from the meeting data. Over an existing draft this replaces the text
        (saved edits included): ask first, in a window-modal box opened with ``open()``."""
        if not self.has_draft:
            self._generate()
            return None
        self.confirm_box = confirm(
            self, "重新生成纪要",
            "重新生成将按会议数据替换现有纪要草稿的标题和正文，草稿中已保存和未保存的修改都将被替换。",
            "重新生成", self._generate, default="reject")
        return self.confirm_box

    def _generate(self) -> None:
        self._do(lambda: mn.generate_minutes(self.panel.ctx, self.panel.meeting_id),
                 "纪要已生成。", replace=True)

    def save(self) -> bool:
        return self._do(lambda: mn.edit_minutes(self.panel.ctx, self.panel.meeting_id,
                                                body=self.body.toPlainText(),
                                                title=self.title.text()),
                        "修改已保存。", replace=True)

    def issue(self) -> None:
        if not self.has_unsaved() or self._do(
                lambda: mn.edit_minutes(self.panel.ctx, self.panel.meeting_id,
                                        body=self.body.toPlainText(), title=self.title.text()),
                "", replace=True):
            self._do(lambda: mn.issue_minutes(self.panel.ctx, self.panel.meeting_id),
                     "纪要已印发，编号已取，内容已冻结。")

    def _do(self, fn, done: str, *, replace: bool = False) -> bool:  # type: ignore[no-untyped-def]
        """Run ``fn``; a refusal leaves the text as it is. ``replace``: the saved text is now
        what the fields should show (a save or a regeneration)."""
        try:
            fn()
        except UserError as exc:
            self.panel.message.error(exc)
            return False
        if replace:
            self._mark_saved()
        if done:
            self.panel.message.ok(done)
        self.panel.reload()
        return True

    def export_pdf(self, path: str | None = None, *,
                   allow_placeholders: bool = False) -> QFileDialog | None:
        """Render to ``path``; without one, ask for it in a window-modal file dialog opened
        with ``open()`` (no nested event loop) and export when a file is chosen."""
        if not path:
            dlg = self.file_dialog = ask_save_path(
                self, FileKind.PRINTS, "导出纪要", lambda p: self.export_pdf(p),
                name="会议纪要.pdf", filters=[PDF], suffix="pdf")
            return dlg
        self.pdf_button.setEnabled(False)
        self.export_task = run_busy(self.panel.message, _write_pdf, self.panel.ctx,
                                    self.panel.meeting_id, path, allow_placeholders,
                                    self.copies.value(), busy="正在排版……", on_result=self._exported,
                                    on_error=lambda e: self._failed(e, path), parent=self)
        return None

    def _exported(self, result: tuple[Path, str]) -> None:
        path, text = result
        self.last_export = path
        self.pdf_button.setEnabled(True)
        self.panel.message.ok(text)

    def _failed(self, exc: BaseException, path: str | None = None) -> None:
        self.pdf_button.setEnabled(True)
        self.panel.message.error(exc)
        if isinstance(exc, UnfilledPlaceholders) and path:
            self.placeholder_box = ask_print_anyway(
                self, exc, lambda: self.export_pdf(path, allow_placeholders=True))


def _write_pdf(_control, ctx: ServiceContext, meeting_id: int, path: str,  # type: ignore[no-untyped-def]
               allow_placeholders: bool = False, copies: int = 1) -> tuple[Path, str]:
    """Render ``copies`` copies in the background and save through the paper path (never half
    a file; a 秘密/机密 纪要's copies get their 份号 and are registered)."""
    data = mn.render_minutes(ctx, meeting_id, "pdf", allow_placeholders=allow_placeholders,
                             copies=copies)
    target = output.save(data, path)
    return target, saved_text(target, data, "已导出")


class MeetingPanel(QWidget):
    """Everything about one meeting; ``load(id)`` shows it, ``reload()`` re-reads it."""

    changed = Signal()

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.meeting_id = 0
        self.info: mn.MeetingInfo | None = None
        self.header = QLabel(self)
        font = self.header.font()
        font.setPointSize(font.pointSize() + 3)
        font.setBold(True)
        self.header.setFont(font)
        self.message = MessageLine(self, name="minutesMessage")
        self.tabs = QTabWidget(self)

        basic = QWidget(self)
        self.date = QDateEdit(basic)
        self.date.setCalendarPopup(True)
        chinese_dates(self.date)
        self.time = QLineEdit(basic)
        self.venue = QLineEdit(basic)
        self.host = QLineEdit(basic)
        self.host_title = QLineEdit(basic)
        self.recorder = QLineEdit(basic)
        self.save_basic = QPushButton("保存", basic)
        form = FormRows(basic)
        form.row("日期", self.date)
        form.row("时间", self.time)
        form.row("地点", self.venue)
        form.row("主持人", self.host)
        form.row("主持人职务", self.host_title)
        form.row("记录人", self.recorder)
        form.field(self.save_basic)
        self.save_basic.clicked.connect(self._save_basic)
        # the 基本情况 form: what it was filled from, and whether the user changed it since
        self.basic_base: dict[str, object] = {}
        self.basic_version = 0
        self.basic_dirty = False
        self._basic_for = 0
        self._filling = False
        self.conflict: ConflictDialog | None = None
        for w in (self.time, self.venue, self.host, self.host_title, self.recorder):
            w.textEdited.connect(self._basic_edited)
        self.date.dateChanged.connect(self._basic_edited)

        people = QWidget(self)
        self.attendance = {k: AttendanceEditor(self, k) for k in mn.ATTENDANCE_KINDS}
        pl = QHBoxLayout(people)
        for ed in self.attendance.values():
            pl.addWidget(ed)
        self.topics = TopicsEditor(self)
        self.minutes = MinutesEditor(self)
        self.tabs.addTab(basic, "基本情况")
        self.tabs.addTab(people, "出席人员")
        self.tabs.addTab(self.topics, "议题与议定事项")
        self.tabs.addTab(self.minutes, "纪要")
        self.scope_button = QPushButton("知悉范围…", self)  # 秘密/机密 only (need_to_know)
        self.scope_button.setObjectName("meetingScopeButton")
        self.scope_button.setEnabled(False)
        self.scope_button.clicked.connect(self.edit_scope)
        self.scope_dialog: ScopeDialog | None = None
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.scope_button)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.tabs)
        lay.addWidget(self.message)
        self._staff_loaded = False
        self.has_draft = False

    def edit_scope(self) -> None:
        """The 知悉范围 of this 秘密/机密 meeting (its 纪要 and 督办 items take it too)."""
        if self.info is not None and self.info.classification >= 2:
            self.scope_dialog = ScopeDialog(self.ctx, "meeting", self.meeting_id, self)
            self.scope_dialog.open()

    def unsaved_titles(self) -> list[str]:
        """For the questions on switching meetings and on leaving the window."""
        if self.info is None:
            return []
        return ([f"{self.info.title}基本情况"] if self.basic_dirty else []) + (
            [f"{self.info.title}议题"] if self.topics.topic_dirty else []) + (
            [f"{self.info.title}纪要"] if self.minutes.has_unsaved() else [])

    def save_all(self) -> bool:
        if self.basic_dirty and not self._save_basic():
            self.tabs.setCurrentIndex(0)
            return False
        if self.topics.topic_dirty and not self.topics.save():
            self.tabs.setCurrentWidget(self.topics)
            return False
        if not self.minutes.has_unsaved() or self.minutes.save():
            return True
        self.tabs.setCurrentWidget(self.minutes)
        return False

    # ---- 基本情况 -------------------------------------------------------------------------
    def _basic_edited(self, *_args: object) -> None:
        if not self._filling:
            self.basic_dirty = True

    def basic_values(self) -> dict[str, object]:
        return {"date": pydate(self.date.date()), "time": self.time.text().strip(),
                "venue": self.venue.text().strip(), "host": self.host.text().strip(),
                "host_title": self.host_title.text().strip(),
                "recorder": self.recorder.text().strip()}

    def _fill_basic(self, m: mn.MeetingInfo) -> None:
        self._filling = True
        try:
            self.date.setDate(qdate(m.date))
            for w, v in ((self.time, m.time), (self.venue, m.venue), (self.host, m.host),
                         (self.host_title, m.host_title), (self.recorder, m.recorder)):
                w.setText(v)
        finally:
            self._filling = False
        self.basic_base, self.basic_version = _meeting_basics(m), m.version
        self.basic_dirty, self._basic_for = False, m.id

    def _show_basic(self, m: mn.MeetingInfo) -> None:
        """Refill the form, unless it holds the user's unsaved edits of this meeting: then keep
        them. If nobody else changed these fields meanwhile, the edits now apply to the current
        version (our own acts — 纪要, lists — also move the meeting's version); if someone did,
        the old version stays the base and saving meets the conflict dialog."""
        if not (self.basic_dirty and self._basic_for == m.id and not m.issued):
            self._fill_basic(m)
        elif _meeting_basics(m) == self.basic_base:
            self.basic_version = m.version

    def _save_basic(self) -> bool:
        assert self.info is not None
        try:
            mn.update_meeting(self.ctx, self.meeting_id, expected_version=self.basic_version,
                              **self.basic_values())
        except ConflictError:
            self._basic_conflict()
            return False
        except UserError as exc:
            self.message.error(exc)
            return False
        self.basic_dirty = False
        self.message.ok("会议情况已保存。")
        self.reload()
        return True

    def _basic_conflict(self) -> ConflictDialog:
        theirs = mn.get_meeting(self.ctx, self.meeting_id).meeting
        labels = {"date": "日期", "time": "时间", "venue": "地点", "host": "主持人",
                  "host_title": "主持人职务", "recorder": "记录人"}
        mine, saved = self.basic_values(), _meeting_basics(theirs)
        fields = [(label, str(mine[k]), str(saved[k])) for k, label in labels.items()]
        dlg = self.conflict = ConflictDialog("会议基本情况", fields, self)
        dlg.setWindowModality(Qt.WindowModality.WindowModal)

        def decided(_result: int) -> None:
            if dlg.choice == REAPPLY:
                self.basic_base, self.basic_version = saved, theirs.version
                self.message.ok("已载入他人保存的版本号，您的修改仍在表单中，请检查后再保存。")
            else:
                self._fill_basic(theirs)
                self.message.ok("已采用他人保存的版本。")

        dlg.finished.connect(decided)
        dlg.open()
        return dlg

    def load(self, meeting_id: int) -> None:
        if meeting_id != self.meeting_id:
            self.topics.reset()
            self.basic_dirty = False
        self.meeting_id = meeting_id
        self.message.clear()
        if not self._staff_loaded:
            staff = mn.staff_directory(self.ctx)
            for ed in self.attendance.values():
                ed.set_staff(staff)
            self._staff_loaded = True
        self.reload(emit=False)

    def reload(self, emit: bool = True) -> None:
        detail = mn.get_meeting(self.ctx, self.meeting_id)
        m = self.info = detail.meeting
        self.has_draft = detail.has_draft
        state = f"已印发 {m.minutes_number}" if m.issued else "草稿"
        self.header.setText(f"{m.title}　{m.date:%Y年%m月%d日}　{state}")
        self.scope_button.setEnabled(m.classification >= 2)
        self._show_basic(m)
        for k, ed in self.attendance.items():
            ed.set_entries(detail.attendees[k])
            ed.setEnabled(not m.issued)
        self.topics.set_topics(detail.topics, m.date)
        for w in (self.save_basic, self.topics.save_topic, self.topics.add_decision,
                  self.topics.new_topic, self.topics.delete_topic, self.topics.delete_decision,
                  self.topics.edit_decision, self.topics.topic_up, self.topics.topic_down):
            w.setEnabled(not m.issued)
        self.minutes.show_state(m, mn.minutes_description(self.ctx, m.id))
        if emit:
            self.changed.emit()


def _meeting_basics(m: mn.MeetingInfo) -> dict[str, object]:
    return {"date": m.date, "time": m.time, "venue": m.venue, "host": m.host,
            "host_title": m.host_title, "recorder": m.recorder}
