"""交接班 tab: the outgoing officer writes the summary, gives it a 密级 and adds open items (each
with an optional 办理时限; overdue ones shown red, those due within two hours amber); every open
item is carried to the next shift until someone closes it; the incoming officer confirms. Prints
a handover's 交接班记录 and the 值班日报 for a date range, in as many copies as asked (rendered
in the background; a 秘密/机密 print's copies are numbered and registered)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from app.domain.security import Action, allowed
from app.services import duty, duty_publish, output
from app.services.context import ServiceContext
from app.services.duty import HandoverInfo, OpenItem
from app.ui.chinese import chinese_dates
from app.ui.duty.common import from_date, from_datetime, local, to_date, to_datetime
from app.ui.kit import (
    PDF,
    FileKind,
    FormRows,
    LatestRead,
    MessageLine,
    TaskHandle,
    ask_save_path,
    ask_text,
    copies_box,
    run_busy,
    saved_text,
)
from app.ui.permissions import gate
from app.ui.qt import (
    QBrush,
    QCheckBox,
    QColor,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
)

#: what the tab shows: the handover waiting for this desk, the open items, the recent handovers
_Read = tuple[HandoverInfo | None, list[OpenItem], list[HandoverInfo]]

#: 密级 names, by level (a combo's index is the level)
LEVELS = ["公开", "内部", "秘密", "机密"]
#: Row colours of open items by deadline state (the 工作台's red and amber).
ITEM_COLOURS = {"red": QColor("#f8d7da"), "amber": QColor("#fff3cd")}


class ItemDialog(QDialog):
    """An open item's text (new items only) and its optional 办理时限."""

    def __init__(self, now: dt.datetime, item: OpenItem | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("办理时限" if item else "添加事项")
        form = FormRows(self)
        self.text = QLineEdit(item.text if item else "")
        self.text.setReadOnly(item is not None)
        self.has_deadline = QCheckBox("设定办理时限")
        default = (now + dt.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
        self.deadline = QDateTimeEdit(from_datetime(item.deadline if item and item.deadline
                                                    else default))
        chinese_dates(self.deadline)
        self.deadline.setCalendarPopup(True)
        self.has_deadline.toggled.connect(self.deadline.setEnabled)
        # a new item has no deadline unless asked for; "办理时限…" on an item is there to set one
        self.has_deadline.setChecked(item is not None)
        self.deadline.setEnabled(self.has_deadline.isChecked())
        form.row("待办事项", self.text)
        form.field(self.has_deadline)
        form.row("办理时限", self.deadline)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.span(buttons)

    def value(self) -> dt.datetime | None:
        return to_datetime(self.deadline.dateTime()) if self.has_deadline.isChecked() else None


def item_label(i: OpenItem, now: dt.datetime) -> str:
    """“核实水位（张三，03-04 09:10）〔时限 03-04 17:00，剩余 2 小时〕”."""
    label = f"{i.text}（{i.opened_by}，{local(i.opened_at)}）"
    if i.deadline is not None:
        label += f"〔时限 {local(i.deadline)}，{i.due_text(now)}〕"
    return label


class HandoverTab(QWidget):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None, *,
                 load: bool = True) -> None:
        """``load=False``: read nothing until ``refresh()`` (the 值班 page refreshes a tab when
        it is chosen, so opening the page does not read the tabs nobody looks at)."""
        super().__init__(parent)
        self.ctx = ctx
        #: the role may write the log and hand over (else the page is read-only)
        self.can_write = ctx.actor is not None and allowed(ctx.actor.roles, Action.EDIT_DUTY_LOG)
        self.pending: HandoverInfo | None = None
        self.task: TaskHandle | None = None
        layout = QVBoxLayout(self)

        incoming = QGroupBox("接班确认")
        inc = QVBoxLayout(incoming)
        self.pending_label = QLabel()
        self.pending_label.setWordWrap(True)
        self.pending_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.ack_button = QPushButton("确认接班")
        self.ack_button.clicked.connect(self.acknowledge)
        inc.addWidget(self.pending_label)
        inc.addWidget(self.ack_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(incoming)

        items = QGroupBox("未办结事项（随交班移交，直至办结）")
        it = QVBoxLayout(items)
        self.items = QListWidget()
        row = QHBoxLayout()
        self.add_item_button = QPushButton("添加事项…")
        self.add_item_button.clicked.connect(self.add_item)
        self.close_item_button = QPushButton("办结所选…")
        self.close_item_button.clicked.connect(lambda: self.close_item())  # not (checked)
        self.deadline_button = QPushButton("办理时限…")
        self.deadline_button.clicked.connect(self.edit_deadline)
        row.addWidget(self.add_item_button)
        row.addWidget(self.deadline_button)
        row.addWidget(self.close_item_button)
        row.addStretch(1)
        it.addWidget(self.items)
        it.addLayout(row)
        layout.addWidget(items)

        outgoing = QGroupBox("交班")
        out = QVBoxLayout(outgoing)
        self.summary = QPlainTextEdit()
        self.summary.setPlaceholderText("本班值守情况：来电来文、领导批示办理、突发事件、设备情况……")
        self.new_items = QPlainTextEdit()
        self.new_items.setPlaceholderText("新增待办事项（每行一项，可不填）")
        self.new_items.setMaximumHeight(70)
        self.hand_button = QPushButton("交班")
        self.hand_button.clicked.connect(self.hand_over)
        self.secret = QComboBox()  # the handover's 密级: up to the officer's clearance
        self.secret.setObjectName("handoverSecret")
        self.secret.addItems(LEVELS[: int(ctx.actor.clearance) + 1] if ctx.actor else LEVELS[:1])
        out.addWidget(self.summary)
        out.addWidget(self.new_items)
        hand_row = QHBoxLayout()
        hand_row.addWidget(QLabel("密级"))
        hand_row.addWidget(self.secret)
        hand_row.addWidget(self.hand_button)
        hand_row.addStretch(1)
        out.addLayout(hand_row)
        layout.addWidget(outgoing, 1)

        record = QGroupBox("交接班记录")
        rec = QHBoxLayout(record)
        self.handovers = QComboBox()
        self.handovers.setMinimumWidth(320)
        self.record_button = QPushButton("打印交接班记录（PDF）…")
        self.record_button.clicked.connect(self.choose_record_file)
        self.record_copies = copies_box()
        rec.addWidget(self.handovers)
        rec.addWidget(self.record_copies)
        rec.addWidget(self.record_button)
        rec.addStretch(1)
        layout.addWidget(record)

        report = QGroupBox("值班日报")
        rep = QHBoxLayout(report)
        self.report_start = QDateEdit(from_date(ctx.now().astimezone().date()))
        self.report_end = QDateEdit(from_date(ctx.now().astimezone().date()))
        for w in (self.report_start, self.report_end):
            w.setCalendarPopup(True)
            chinese_dates(w)
        self.report_button = QPushButton("打印值班日报（PDF）…")
        self.report_button.clicked.connect(self.choose_report_file)
        self.report_copies = copies_box()
        self.report_status = MessageLine(name="reportMessage")  # the print's progress, result
        rep.addWidget(QLabel("从"))
        rep.addWidget(self.report_start)
        rep.addWidget(QLabel("至"))
        rep.addWidget(self.report_end)
        rep.addWidget(self.report_copies)
        rep.addWidget(self.report_button)
        rep.addWidget(self.report_status, 1)
        layout.addWidget(report)
        self.message = MessageLine(name="handoverMessage")
        layout.addWidget(self.message)
        for w in (self.hand_button, self.add_item_button, self.close_item_button,
                  self.deadline_button):
            gate(w, ctx.actor, Action.EDIT_DUTY_LOG)
        self.dialog: QWidget | None = None
        self.open_items: list[OpenItem] = []
        self.reads = LatestRead(self, on_error=self.message.error)
        if load:
            self.refresh()

    @staticmethod
    def _read(ctx: ServiceContext) -> _Read:
        return (duty.pending_handover(ctx), duty.list_open_items(ctx),
                duty.list_handovers(ctx, limit=50))

    @property
    def reading(self) -> bool:
        return self.reads.reading

    def read_in_background(self) -> TaskHandle:
        """Read the pending handover, the open items and the recent handovers in the worker
        (the tab chosen); shown when they come, unless a ``refresh`` (after an act) came first."""
        ctx = self.ctx
        return self.reads.start(lambda: self._read(ctx), lambda result: self._show(*result))

    def refresh(self) -> None:
        self.reads.supersede()
        try:
            read = self._read(self.ctx)
        except Exception as exc:  # noqa: BLE001
            self.message.error(exc)
            return
        self._show(*read)

    def _show(self, pending: HandoverInfo | None, open_items: list[OpenItem],
              handovers: list[HandoverInfo]) -> None:
        self.pending = pending
        now = self.ctx.now().astimezone()
        self.open_items = open_items
        p = self.pending
        if p is None:
            self.pending_label.setText("没有待确认的交班。")
            gate(self.ack_button, self.ctx.actor, Action.EDIT_DUTY_LOG, False)
        else:
            carried = "；".join(
                i.text + (f"（时限{local(i.deadline)}）" if i.deadline else "")
                for i in p.open_items) or "无"
            self.pending_label.setText(
                f"{p.outgoing_name}于{local(p.handed_at, '%m月%d日%H:%M')}交班：{p.summary}\n"
                f"移交事项：{carried}")
            gate(self.ack_button, self.ctx.actor, Action.EDIT_DUTY_LOG)
        self.handovers.clear()
        for h in handovers:
            who = f"{h.outgoing_name}→{h.incoming_name or '待接班'}"
            level = f"（{LEVELS[min(h.classification, 3)]}）" if h.classification else ""
            self.handovers.addItem(f"{local(h.handed_at, '%Y-%m-%d %H:%M')} {who}{level}", h.id)
        self.record_button.setEnabled(self.handovers.count() > 0)
        self.items.clear()
        for i in open_items:
            item = QListWidgetItem(item_label(i, now))
            item.setData(Qt.ItemDataRole.UserRole, i.id)
            state = i.due_state(now)
            item.setData(Qt.ItemDataRole.UserRole + 1, state)
            if state in ITEM_COLOURS:
                item.setBackground(QBrush(ITEM_COLOURS[state]))
                item.setToolTip("已逾期" if state == "red" else "即将到期")
            self.items.addItem(item)

    def _run(self, fn, *args, done: str = "") -> bool:  # type: ignore[no-untyped-def]
        try:
            fn(self.ctx, *args)
        except Exception as exc:  # noqa: BLE001
            self.message.error(exc)
            return False
        self.message.ok(done)
        self.refresh()
        return True

    def hand_over(self) -> None:
        items = [x for x in self.new_items.toPlainText().splitlines() if x.strip()]
        level = self.secret.currentIndex()
        if self._run(lambda ctx, text, new: duty.hand_over(ctx, text, new, classification=level),
                     self.summary.toPlainText(), items, done="已交班，等待接班人确认。"):
            self.summary.clear()
            self.new_items.clear()
            self.secret.setCurrentIndex(0)

    def acknowledge(self) -> None:
        if self.pending is not None:
            self._run(duty.acknowledge_handover, self.pending.id, done="已确认接班。")

    def add_item(self) -> None:
        """Ask for the text and an optional 办理时限 (window-modal dialog)."""
        self.dialog = dlg = ItemDialog(self.ctx.now().astimezone(), parent=self)
        dlg.accepted.connect(lambda: self._run(duty.add_open_item, dlg.text.text(), None,
                                               dlg.value(), done="已添加。")
                             if dlg.text.text().strip() else None)
        dlg.open()

    def edit_deadline(self) -> None:
        """Set, change or clear the selected item's 办理时限."""
        current = self.items.currentItem()
        if current is None:
            self.message.say("请先选择一项。")
            return
        item_id = current.data(Qt.ItemDataRole.UserRole)
        item = next((i for i in self.open_items if i.id == item_id), None)
        if item is None:
            return
        self.dialog = dlg = ItemDialog(self.ctx.now().astimezone(), item, parent=self)
        dlg.accepted.connect(lambda: self._run(duty.set_item_deadline, item_id, dlg.value(),
                                               done="已更新办理时限。"))
        dlg.open()

    def close_item(self, note: str | None = None) -> None:
        """Close the selected item with ``note``; without one, ask for it first (办理结果,
        non-blocking: ``self.dialog``)."""
        item = self.items.currentItem()
        if item is None:
            self.message.say("请先选择一项。")
            return
        item_id = item.data(Qt.ItemDataRole.UserRole)
        if note is None:
            self.dialog = ask_text(self, "办结", "办理结果：", lambda text: self._run(
                duty.close_open_item, item_id, text, done="已办结。"), ok_label="办结",
                name="closeItemQuestion")
            return
        self._run(duty.close_open_item, item_id, note, done="已办结。")

    # ------------------------------------------------------------------ printing
    def choose_record_file(self) -> None:
        self.file_dialog = ask_save_path(self, FileKind.PRINTS, "保存交接班记录",
                                         lambda path: self.print_record(Path(path)),
                                         name="交接班记录.pdf", filters=[PDF], suffix="pdf")

    def print_record(self, path: Path) -> TaskHandle | None:
        hid = self.handovers.currentData()
        if hid is None:
            return None
        ctx, copies = self.ctx, self.record_copies.value()

        def work(control):  # type: ignore[no-untyped-def]
            data = duty_publish.render_handover(ctx, hid, copies=copies)
            control.check()
            output.save(data, path)
            return saved_text(path, data)

        self.task = run_busy(self.report_status, work, busy="正在排印……", parent=self)
        return self.task

    def choose_report_file(self) -> None:
        start = to_date(self.report_start.date())
        self.file_dialog = ask_save_path(self, FileKind.PRINTS, "保存值班日报",
                                         lambda path: self.print_report(Path(path)),
                                         name=f"值班日报{start:%Y%m%d}.pdf", filters=[PDF],
                                         suffix="pdf")

    def print_report(self, path: Path) -> TaskHandle:
        start, end = to_date(self.report_start.date()), to_date(self.report_end.date())
        ctx, copies = self.ctx, self.report_copies.value()

        def work(control):  # type: ignore[no-untyped-def]
            control.progress(10, "正在排印值班日报……")
            data = duty_publish.render_daily(ctx, start, end, copies=copies)
            control.check()
            output.save(data, path)
            return saved_text(path, data)

        self.report_button.setEnabled(False)
        self.task = run_busy(self.report_status, work, busy="正在排印……", parent=self)
        self.task.done.connect(lambda: self.report_button.setEnabled(True))
        return self.task
