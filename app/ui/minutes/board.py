"""督办 board: every decision across meetings, filtered by unit, status, deadline and reminder,
yellow when due within three days and red when overdue; the selected decision's trail and the
steps of the loop; counts and 按期办结率 per unit; the monthly chart; the XLSX 通报 export."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from app.domain import supervision as sv
from app.domain.security import Action
from app.errors import UserError
from app.services import minutes as mn
from app.services.context import ServiceContext
from app.ui.chinese import chinese_dates
from app.ui.kit import XLSX, FileKind, MessageLine, ask_save_path, run_busy, run_task, saved_text
from app.ui.lazy_table import ServiceListModel
from app.ui.minutes.common import PAGE, RED, YELLOW, OnTimeChart
from app.ui.minutes.meeting import pydate, qdate
from app.ui.permissions import gate
from app.ui.qt import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QShortcut,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.ui.sizing import size_columns

COLUMNS = ["会议", "议定事项", "牵头单位", "责任人", "期限", "状态", "提醒"]
_COLUMN_EMS: dict[str, float | str] = {
    "会议": 10, "议定事项": 16, "牵头单位": 7, "责任人": 4, "期限": "2026-12-31",
    "状态": max((s.label for s in sv.Status), key=len), "提醒": 4}
REMINDER_COLOURS = {sv.Reminder.DUE_SOON: YELLOW, sv.Reminder.OVERDUE: RED}

#: Step buttons: (label, step); each uses the note (and the new date for an extension).
STEPS = [
    ("立项", sv.Step.REGISTER),
    ("进展报告", sv.Step.PROGRESS),
    ("申请延期", sv.Step.EXTENSION_REQUEST),
    ("批准延期", sv.Step.EXTENSION_APPROVE),
    ("不批准延期", sv.Step.EXTENSION_REFUSE),
    ("报告办结", sv.Step.COMPLETION),
    ("审核通过", sv.Step.ACCEPT),
    ("退回重办", sv.Step.SEND_BACK),
    ("销号", sv.Step.CLOSE),
]


class BoardTab(QWidget):
    #: (overdue, due within 3 days) after each refresh, for the tab's badge
    counts_changed = Signal(int, int)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None,
                 today: dt.date | None = None, *, load: bool = True) -> None:
        """``load=False``: leave the board empty until ``refresh()`` (the 会议纪要 page reads
        only the badge counts, in the worker, until the tab is chosen)."""
        super().__init__(parent)
        self.ctx = ctx
        self.refreshes = 0  # a counts read that a full refresh overtook is dropped
        self._today = today
        self.overdue = self.due_soon = 0
        self.unit = QLineEdit(self)
        self.unit.setPlaceholderText("单位（牵头或配合）")
        self.status = QComboBox(self)
        self.status.addItem("在办事项", None)
        self.status.addItem("全部事项", "all")
        for st in sv.Status:
            self.status.addItem(st.label, st.value)
        self.reminder = QComboBox(self)
        self.reminder.addItem("不限提醒", None)
        self.reminder.addItem("临期（3天内）", sv.Reminder.DUE_SOON.value)
        self.reminder.addItem("逾期", sv.Reminder.OVERDUE.value)
        self.use_due = QCheckBox("期限不晚于", self)
        self.due = QDateEdit(self)
        self.due.setCalendarPopup(True)
        chinese_dates(self.due)
        self.due.setDate(qdate(self.today() + dt.timedelta(days=30)))
        self.refresh_button = QPushButton("刷新", self)
        self.refresh_button.setShortcut(QKeySequence("F5"))
        self.export_button = QPushButton("导出通报（XLSX）…", self)
        gate(self.export_button, ctx.actor, Action.EXPORT)
        filters = QHBoxLayout()
        for w in (QLabel("筛选："), self.unit, self.status, self.reminder, self.use_due, self.due,
                  self.refresh_button, self.export_button):
            filters.addWidget(w)
        filters.addStretch(1)
        self.count_label = QLabel(self)

        # read in the worker a page at a time with the filters of the last refresh (offset:
        # the board's order puts undated decisions last, a key with no value to seek from)
        self.model = ServiceListModel(
            ctx, COLUMNS, params=lambda: (self.filter(), self.today()),
            count=lambda p: mn.count_board(ctx, *p),
            fetch=lambda p, o, n, _seek: mn.board(ctx, *p, offset=o, limit=n),
            values=_values, background=_colour, page_size=PAGE, parent=self)
        self.model.loaded.connect(self._listed)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # widths in ems, not ResizeToContents (which measured every loaded row on each change)
        size_columns(self.table, COLUMNS, _COLUMN_EMS, stretch="议定事项")
        self.table.verticalHeader().hide()
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())

        side = QWidget(self)
        self.detail = QLabel(side)
        self.detail.setWordWrap(True)
        self.trail = QTableWidget(0, 4, side)
        self.trail.setHorizontalHeaderLabels(["时间", "环节", "办理人", "内容"])
        self.trail.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.trail.verticalHeader().hide()
        self.note = QPlainTextEdit(side)
        self.note.setPlaceholderText("进展、延期理由、办结情况或审核意见")
        self.note.setMaximumHeight(70)
        self.new_date = QDateEdit(side)
        self.new_date.setCalendarPopup(True)
        chinese_dates(self.new_date)
        # until a decision is chosen (then: its deadline + 7 days), not Qt's 2000-01-01
        self.new_date.setDate(qdate(self.today() + dt.timedelta(days=7)))
        self.report_date = QDateEdit(side)
        self.report_date.setCalendarPopup(True)
        chinese_dates(self.report_date)
        self.report_date.setDate(qdate(self.today()))
        self.step_buttons: dict[sv.Step, QPushButton] = {}
        grid = QGridLayout()
        for i, (label, step) in enumerate(STEPS):
            b = QPushButton(label, side)
            b.clicked.connect(lambda _=False, s=step: self.do_step(s))
            self.step_buttons[step] = b
            grid.addWidget(b, i // 3, i % 3)
        dates = QHBoxLayout()
        dates.addWidget(QLabel("延期至"))
        dates.addWidget(self.new_date)
        dates.addWidget(QLabel("办结日期"))
        dates.addWidget(self.report_date)
        self.message = MessageLine(side, name="boardMessage")
        sl = QVBoxLayout(side)
        sl.addWidget(self.detail)
        sl.addWidget(self.trail)
        sl.addWidget(self.note)
        sl.addLayout(dates)
        sl.addLayout(grid)
        sl.addWidget(self.message)

        split = QSplitter(self)
        split.addWidget(self.table)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([760, 480])

        self.stats = QTableWidget(0, 8, self)
        self.stats.setHorizontalHeaderLabels(["牵头单位", "总数", "在办", "临期", "逾期", "已办结",
                                              "按期办结", "按期办结率"])
        self.stats.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.stats.verticalHeader().hide()
        self.chart = OnTimeChart(self)
        lower = QTabWidget(self)
        lower.addTab(self.stats, "单位统计")
        lower.addTab(self.chart, "按月按期办结")
        lower.setMaximumHeight(260)

        lay = QVBoxLayout(self)
        lay.addLayout(filters)
        lay.addWidget(self.count_label)
        lay.addWidget(split, 1)
        lay.addWidget(lower)
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button.clicked.connect(lambda: self.export())
        for sig in (self.status.currentIndexChanged, self.reminder.currentIndexChanged,
                    self.use_due.toggled):
            sig.connect(lambda *_: self.refresh())
        self.unit.returnPressed.connect(self.refresh)
        QShortcut(QKeySequence("Ctrl+E"), self, lambda: self.export())
        self.export_task = None
        self.last_export: Path | None = None
        self.file_dialog: QFileDialog | None = None
        if load:
            self.refresh()

    def refresh_counts(self):  # type: ignore[no-untyped-def]
        """Read only the overdue / due-soon counts, in the worker (the three queries of a full
        refresh took ~0.15 s of the GUI thread at office scale); ``counts_changed`` follows."""
        ctx, today, f, seen = self.ctx, self.today(), self.filter(), self.refreshes

        def arrived(stats: list) -> None:  # type: ignore[type-arg]
            if seen == self.refreshes:
                self.overdue = sum(u.overdue for u in stats)
                self.due_soon = sum(u.due_soon for u in stats)
                self.counts_changed.emit(self.overdue, self.due_soon)

        task = run_task(lambda _c: mn.unit_stats(ctx, today, f), on_result=arrived,
                        on_error=lambda _e: None, parent=self)  # the tab shows errors on refresh
        task.done.connect(task.deleteLater)
        return task

    def today(self) -> dt.date:
        return self._today or self.ctx.now().astimezone().date()

    def filter(self) -> mn.BoardFilter:
        st = self.status.currentData()
        rem = self.reminder.currentData()
        return mn.BoardFilter(
            unit=self.unit.text().strip(),
            status=sv.Status(st) if st not in (None, "all") else None,
            only_open=st is None,
            due_by=pydate(self.due.date()) if self.use_due.isChecked() else None,
            reminder=sv.Reminder(rem) if rem else None)

    def _listed(self) -> None:
        self.count_label.setText(f"共 {self.model.total} 项（黄色：3天内到期；红色：已逾期）")
        self._show_selected()

    def refresh(self) -> None:
        """The list (count and pages) is read in the worker; the per-unit statistics and the
        chart here."""
        self.refreshes += 1
        f, today = self.filter(), self.today()
        self.model.reload()
        self.count_label.setText("正在读取…")
        stats = mn.unit_stats(self.ctx, today, f)
        self.stats.setRowCount(len(stats))
        for r, u in enumerate(stats):
            rate = "—" if u.on_time_rate is None else f"{u.on_time_rate:.0%}"
            for c, v in enumerate([u.unit, u.total, u.open, u.due_soon, u.overdue, u.completed,
                                   u.on_time, rate]):
                self.stats.setItem(r, c, QTableWidgetItem(str(v)))
        self.chart.set_data(today.year, mn.monthly_on_time(self.ctx, today.year, today, f))
        self.overdue = sum(u.overdue for u in stats)
        self.due_soon = sum(u.due_soon for u in stats)
        self.counts_changed.emit(self.overdue, self.due_soon)
        self._show_selected()

    def selected(self) -> mn.BoardRow | None:
        idx = self.table.currentIndex()
        return self.model.item(idx.row()) if idx.isValid() else None

    def select_decision(self, decision_id: int) -> None:
        """Select the decision among the rows read. Right after ``refresh`` (the list is read
        in the worker) it is selected when the list is in, if it is listed; otherwise a
        decision not among the rows read raises KeyError."""
        if self.model.reloading:
            self.model.when_loaded(lambda: self._select(decision_id))
        elif not self._select(decision_id):
            raise KeyError(decision_id)

    def _select(self, decision_id: int) -> bool:
        i = self.model.find_item(lambda r: r.decision.id == decision_id)
        if i >= 0:
            self.table.selectRow(i)
        return i >= 0

    def _show_selected(self) -> None:
        row = self.selected()
        for step, b in self.step_buttons.items():
            gate(b, self.ctx.actor, mn.step_action(step),
                 row is not None and (row.decision.status, step) in sv.TRANSITIONS)
        if row is None:
            self.detail.setText("选择一项议定事项查看督办记录。")
            self.trail.setRowCount(0)
            return
        d = row.decision
        due = f"{d.deadline:%Y年%m月%d日}" if d.deadline else "未设期限"
        coop = f"；配合：{'、'.join(d.coop_units)}" if d.coop_units else ""
        self.detail.setText(f"{row.meeting_title} · {row.topic_title}\n{d.text}\n"
                            f"牵头：{d.lead_unit or '—'} {d.lead_person}{coop}；期限：{due}；"
                            f"状态：{d.status.label}")
        if d.deadline:
            self.new_date.setDate(qdate(d.deadline + dt.timedelta(days=7)))
        trail = mn.history(self.ctx, d.id)
        self.trail.setRowCount(len(trail))
        for r, e in enumerate(trail):
            extra = ""
            if e.new_deadline:
                extra = f"（新期限 {e.new_deadline:%Y-%m-%d}）"
            if e.report_date:
                extra = f"（办结日期 {e.report_date:%Y-%m-%d}）"
            for c, v in enumerate([f"{e.at.astimezone():%Y-%m-%d %H:%M}", e.step.label, e.actor,
                                   e.text + extra]):
                self.trail.setItem(r, c, QTableWidgetItem(v))

    def do_step(self, step: sv.Step) -> None:
        row = self.selected()
        if row is None:
            return
        note, did = self.note.toPlainText(), row.decision.id
        try:
            if step is sv.Step.EXTENSION_REQUEST:
                mn.request_extension(self.ctx, did, note, pydate(self.new_date.date()))
            elif step is sv.Step.COMPLETION:
                mn.report_completion(self.ctx, did, note,
                                     report_date=pydate(self.report_date.date()))
            else:
                {sv.Step.REGISTER: lambda: mn.register(self.ctx, did, note),
                 sv.Step.PROGRESS: lambda: mn.report_progress(self.ctx, did, note),
                 sv.Step.EXTENSION_APPROVE: lambda: mn.decide_extension(self.ctx, did, True, note),
                 sv.Step.EXTENSION_REFUSE: lambda: mn.decide_extension(self.ctx, did, False, note),
                 sv.Step.ACCEPT: lambda: mn.review(self.ctx, did, True, note),
                 sv.Step.SEND_BACK: lambda: mn.review(self.ctx, did, False, note),
                 sv.Step.CLOSE: lambda: mn.close(self.ctx, did, note)}[step]()
        except UserError as exc:
            self.message.error(exc)
            return
        self.note.clear()
        self.message.ok(f"已{step.label}。")
        self.refresh()
        try:
            self.select_decision(did)
        except KeyError:  # filtered out by its new status (e.g. 销号 on the open list)
            pass

    def export(self, path: str | None = None) -> QFileDialog | None:
        """Write the 通报 to ``path``; without one, ask in a window-modal file dialog opened with
        ``open()`` (no nested event loop) and export when a file is chosen. The progress and
        取消 are on the message line."""
        if not path:
            dlg = self.file_dialog = ask_save_path(
                self, FileKind.SHEETS, "导出督办通报", lambda p: self.export(p),
                name=f"督办通报{self.today():%Y年%m月}.xlsx", filters=[XLSX], suffix="xlsx")
            return dlg
        self.export_button.setEnabled(False)
        self.export_task = run_busy(self.message, _export, self.ctx, path, self.today(),
                                    self.filter(), busy="正在导出……", cancellable=True,
                                    on_result=self._exported, on_error=self._failed,
                                    on_cancelled=self._cancelled, parent=self)
        return None

    def _cancelled(self) -> None:
        self.export_button.setEnabled(True)
        self.message.say("已取消导出。")

    def _exported(self, result: tuple[Path, str]) -> None:
        path, text = result
        self.last_export = path
        self.export_button.setEnabled(True)
        self.message.ok(text)  # where it went and the paper path's typed warnings

    def _failed(self, exc: BaseException) -> None:
        self.export_button.setEnabled(True)
        self.message.error(exc)


def _export(control, ctx: ServiceContext, path: str, today: dt.date,  # type: ignore[no-untyped-def]
            f: mn.BoardFilter) -> tuple[Path, str]:
    def progress(done: int, total: int) -> None:
        control.check()
        control.progress(int(100 * done / max(total, 1)), f"已导出 {done}/{total} 项")

    out = mn.export_board(ctx, path, today, f, progress)
    return Path(path), saved_text(path, out, "已导出")


def _values(r: mn.BoardRow) -> list[str]:
    d = r.decision
    return [r.meeting_title, d.text, d.lead_unit, d.lead_person,
            (f"{d.deadline:%Y-%m-%d}" + ("（待定）" if d.deadline_uncertain else ""))
            if d.deadline else "—", d.status.label, r.reminder.label]


def _colour(r: mn.BoardRow):  # type: ignore[no-untyped-def]
    return REMINDER_COLOURS.get(r.reminder)
