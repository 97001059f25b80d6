"""工作台: the first page after login — who is on duty, every clock in one list, recent documents,
the week's counts, and notices when a clock turns amber or red.

The page never queries on the GUI thread: a ``QTimer`` asks the worker for a
``workbench.snapshot`` and only paints what comes back (one refresh at a time; a tick while one
is running is skipped). The clocks are shown through ``WorkItemModel`` in a ``QTableView`` with
fixed column widths, so a refresh costs one model reset and the painting of the rows in view;
a capped source's clocks not listed are counted, with a link to the page that lists them all.
Double-click or Enter on an item switches to the item's page and shows the record when that
page can (the same ``open_search_hit`` / ``open_record`` protocol as the global search, plus the
pages' own selectors).
"""

from __future__ import annotations

from collections.abc import Mapping

from app.errors import UserError
from app.services import office, workbench
from app.services.context import ServiceContext
from app.services.office import Step
from app.ui.kit import MessageLine, TaskHandle, after_paints, run_task
from app.ui.pages import register_page
from app.ui.qt import (
    QAbstractItemView,
    QBrush,
    QColor,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QKeyEvent,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QShowEvent,
    QStyle,
    QSystemTrayIcon,
    Qt,
    QTableView,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.ui.sizing import size_columns
from app.ui.workbench.model import COLOURS, HEADERS, WIDTHS, WorkItemModel

#: Live refresh interval; short enough that a clock's colour change shows within a minute.
REFRESH_MS = 30_000
MAX_NOTICES = 50
#: Items the first fill shows in its first frame (about half a screenful at 1400×900)
FIRST_FRAME_ROWS = 24
#: Where all the clocks of a kind are listed (``Snapshot.unlisted`` links).
UNLISTED_PAGES = {"incident": "incidents", "decision": "minutes", "incoming": "incoming",
                  "handover": "duty"}


class ItemTable(QTableView):
    """The clock list; Enter activates the current row like a double-click."""

    activated_row = Signal(int)

    def currentRow(self) -> int:
        return self.currentIndex().row()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentRow() >= 0:
            self.activated_row.emit(self.currentRow())
            return
        super().keyPressEvent(event)


def _duty_text(day, shift: str, people) -> str:  # type: ignore[no-untyped-def]
    if day is None or not people:
        return "（未排班或值班表未发布）"
    names = "；".join(f"{p.role_name} {p.name}" + (f"（{p.phones}）" if p.phones else "")
                     for p in people)
    return f"{day:%m月%d日} {shift}：{names}"


class WorkbenchPage(QWidget):
    """Signals: ``refreshed`` after each snapshot is painted (``refresh_failed(message)`` when the
    read failed), ``notified(list)`` with the new
    ``workbench.Notification``s (tests and the tray listen)."""

    refreshed = Signal()
    refresh_failed = Signal(str)
    notified = Signal(list)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None,
                 interval_ms: int = REFRESH_MS) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.snapshot: workbench.Snapshot | None = None
        self._states: dict[str, str] | None = None  # baseline for notifications
        self._filled = False  # the first fill is painted in two frames (``_fill_items``)
        self._task: TaskHandle | None = None
        self._tray: QSystemTrayIcon | None = None

        self.now_label = QLabel("正在读取…")
        self.next_label = QLabel("")
        for w in (self.now_label, self.next_label):
            w.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            w.setWordWrap(True)
        duty_box = QGroupBox("值班")
        grid = QGridLayout(duty_box)
        grid.addWidget(QLabel("当前值班："), 0, 0)
        grid.addWidget(self.now_label, 0, 1)
        grid.addWidget(QLabel("下一班："), 1, 0)
        grid.addWidget(self.next_label, 1, 1)
        grid.setColumnStretch(1, 1)

        self.notices = QListWidget()
        self.notices.setObjectName("notices")
        self.notices.setMaximumHeight(90)
        self.notices.setStyleSheet("QListWidget { background: #fff4e5; }")
        self.clear_notices = QPushButton("清除提醒")
        self.clear_notices.clicked.connect(self._clear_notices)
        self.notice_box = QFrame()
        nrow = QHBoxLayout(self.notice_box)
        nrow.setContentsMargins(0, 0, 0, 0)
        nrow.addWidget(self.notices, 1)
        nrow.addWidget(self.clear_notices, 0, Qt.AlignmentFlag.AlignTop)
        self.notice_box.setVisible(False)

        # next year's holiday table missing (from 1 November): every deadline into it is a guess
        self.holiday_label = QLabel("")
        self.holiday_label.setObjectName("holidayBanner")
        self.holiday_label.setWordWrap(True)
        self.holiday_button = QPushButton("导入节假日安排通知…")
        self.holiday_button.clicked.connect(lambda: self._show_page("calendar"))
        self.holiday_box = QFrame()
        self.holiday_box.setStyleSheet("QFrame { background: #fdecea; border-radius: 4px; }")
        hrow = QHBoxLayout(self.holiday_box)
        hrow.addWidget(self.holiday_label, 1)
        hrow.addWidget(self.holiday_button)
        self.holiday_box.setVisible(False)

        self.model = WorkItemModel(self)
        self.table = ItemTable()
        self.table.setObjectName("workItems")
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        # one line per row, fixed height: nothing is measured when the rows change
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        # fixed, user-resizable widths; 事项 takes the rest (never sized to the contents)
        size_columns(self.table, HEADERS, WIDTHS, stretch="事项")
        self.table.doubleClicked.connect(lambda idx: self.open_item(idx.row()))
        self.table.activated_row.connect(self.open_item)
        # a capped source's clocks not listed: how many, and a link to the page that has them all
        self.more_label = QLabel("")
        self.more_label.setObjectName("unlisted")
        self.more_label.setWordWrap(True)
        self.more_label.setTextFormat(Qt.TextFormat.RichText)
        self.more_label.linkActivated.connect(self._see_all)
        self.more_label.setVisible(False)
        clocks_box = QGroupBox("期限与提醒（按紧急程度）")
        clocks = QVBoxLayout(clocks_box)
        clocks.addWidget(self.table)
        clocks.addWidget(self.more_label)

        self.recent = QListWidget()
        self.recent.setObjectName("recentDocuments")
        self.recent.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.recent.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.recent.setSpacing(2)
        self.recent.itemActivated.connect(self._open_document)
        recent_box = QGroupBox("最近公文")
        QVBoxLayout(recent_box).addWidget(self.recent)
        self.week_label = QLabel("")
        week_box = QGroupBox("本周")
        QVBoxLayout(week_box).addWidget(self.week_label)
        side = QVBoxLayout()
        side.addWidget(week_box)
        side.addWidget(recent_box, 1)

        self.status = MessageLine(name="workbenchMessage")  # when it was read, or why not
        self.refresh_button = QPushButton("刷新(&R)")
        self.refresh_button.setShortcut("F5")
        self.refresh_button.clicked.connect(self.refresh)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.refresh_button)

        body = QHBoxLayout()
        body.addWidget(clocks_box, 3)
        body.addLayout(side, 1)
        from app.ui.workbench.getting_started import GettingStartedPanel

        self.getting_started = GettingStartedPanel(ctx, self)  # first run: shown while open
        layout = QVBoxLayout(self)
        layout.addWidget(self.getting_started)
        layout.addWidget(self.holiday_box)
        layout.addWidget(duty_box)
        layout.addWidget(self.notice_box)
        layout.addLayout(body, 1)
        layout.addLayout(bottom)

        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self.refresh()

    # ------------------------------------------------------------------ refresh
    def _tick(self) -> None:
        if self.isVisible():  # a hidden page (other page shown, window closed) reads nothing
            self.refresh()

    def refresh(self) -> None:
        """Ask the worker for a new snapshot (skipped while one is still being read)."""
        if self._task is not None and not self._task.finished:
            return
        self.status.say("正在更新…")
        # the getting-started steps are read right after the snapshot, in the same task (≈ 5 ms
        # then) and shown in the same frame: read in a task of their own beside the snapshot,
        # the two took the GIL in turns and the items came 50–80 ms later; read after it, the
        # panel appeared ≈ 100 ms after the items and pushed the list down under the pointer
        ctx, steps = self.ctx, self.getting_started.wanted

        def read(_control: object) -> tuple[workbench.Snapshot, list[Step] | None]:
            snap = workbench.snapshot(ctx)
            try:
                return snap, office.steps(ctx) if steps else None
            except UserError:  # the panel is optional: it reads again on its own (``_show``)
                return snap, None

        self._task = run_task(read, on_result=lambda r: self._show(*r), on_error=self._failed,
                              parent=self)
        self._task.done.connect(self._task.deleteLater)  # one per refresh, all day

    def _show_holiday_banner(self, year: int | None) -> None:
        if year is None:
            self.holiday_box.setVisible(False)
            return
        window = self.window()
        can_import = hasattr(window, "page_keys") and "calendar" in window.page_keys()
        ask = "" if can_import else "请联系管理员导入国务院节假日安排通知。"
        self.holiday_label.setText(
            f"{year}年节假日安排尚未录入：跨入{year}年的办理期限暂按周末计算，可能不准确。{ask}")
        self.holiday_button.setVisible(can_import)
        self.holiday_box.setVisible(True)

    def _failed(self, exc: object) -> None:
        msg = exc.message if isinstance(exc, UserError) else "读取工作台数据时出错，请稍后重试。"
        self.status.error(msg)
        self.getting_started.refresh()
        self.refresh_failed.emit(msg)

    def _show(self, snap: workbench.Snapshot, steps: list[Step] | None = None) -> None:
        self.snapshot = snap
        if steps is not None:
            self.getting_started.show_steps(steps)
        else:
            self.getting_started.refresh()  # (nothing when the user hid it for the session)
        self._show_holiday_banner(snap.holidays_missing)
        d = snap.on_duty
        self.now_label.setText(_duty_text(d.day, d.shift, d.people) if d else "（无权查看）")
        self.next_label.setText(_duty_text(d.next_day, d.next_shift, d.next_people) if d else "")
        self._fill_items(snap.items)
        self._show_unlisted(snap.unlisted)
        self.recent.clear()
        for r in snap.recent:
            # two lines, cut at the right edge (no sideways scrolling); the tooltip has it all
            title = r.title or "（无标题）"
            facts = "　".join(x for x in (r.doc_no, r.status_label,
                                          f"{r.updated_at.astimezone():%Y-%m-%d}") if x)
            item = QListWidgetItem(f"{title}\n{facts}", self.recent)
            item.setToolTip(f"{title}\n{facts}")
            item.setData(Qt.ItemDataRole.UserRole, r.id)
        self.week_label.setText("\n".join(f"{k}：{v}" for k, v in snap.week.items()))
        red = sum(1 for i in snap.items if i.state == "red")
        amber = sum(1 for i in snap.items if i.state == "amber")
        self.status.say(f"更新于 {snap.taken_at.astimezone():%H:%M:%S}　红 {red} 项　黄 {amber} 项"
                            + ("　（部分模块无权查看或读取出错）" if snap.skipped else ""))
        self._states, notes = workbench.notifications(self._states, snap.items)
        if notes:
            self._notify(notes)
        if self.model.rowCount() < len(snap.items):  # a first fill: the rest after its paint
            after_paints(self, lambda: self._fill_rest(snap))
        else:
            self.refreshed.emit()

    def _fill_rest(self, snap: workbench.Snapshot) -> None:
        if self.snapshot is snap:  # (else a newer snapshot is shown, whole)
            self.model.append(snap.items[self.model.rowCount():])
        self.refreshed.emit()

    def _fill_items(self, items: tuple[workbench.WorkItem, ...]) -> None:
        """One model reset; the selection follows the same clock (else stays on its row).

        The first fill shows ``FIRST_FRAME_ROWS`` and the rest after their paint (``_show``):
        every glyph of a screenful of items drawn for the first time held the GUI thread
        40–50 ms in one frame at full scale (``benchmarks/bench_stall.py``, 主窗口显示)."""
        current = self.table.currentRow()
        key = self.model.items[current].key if 0 <= current < len(self.model.items) else None
        if not self._filled:
            self._filled = True
            items = items[:FIRST_FRAME_ROWS]
        self.model.set_items(items)
        if key is not None:
            row = next((r for r, it in enumerate(items) if it.key == key), current)
            if 0 <= row < len(items):
                self.table.selectRow(row)

    def _show_unlisted(self, unlisted: Mapping[str, int]) -> None:
        links = [f"<a href='{kind}'>{workbench.KIND_LABELS[kind]} {n} 项</a>"
                 for kind, n in unlisted.items() if n > 0 and kind in UNLISTED_PAGES]
        self.more_label.setText(f"每类最多列出最紧急的 {workbench.PER_SOURCE_LIMIT} 项；另有未列出："
                                f"{'　'.join(links)}（点击到相应页面查看全部）。")
        self.more_label.setVisible(bool(links))

    def _see_all(self, kind: str) -> None:
        """Show the page that lists every clock of ``kind`` (the 督办 board for decisions)."""
        page = self._show_page(UNLISTED_PAGES[kind])
        if kind == "decision" and page is not None and hasattr(page, "board"):
            page.setCurrentWidget(page.board)

    # ------------------------------------------------------------------ notices
    def _notify(self, notes: list[workbench.Notification]) -> None:
        for n in notes:
            item = QListWidgetItem(f"{self.snapshot.taken_at.astimezone():%H:%M} {n.message}")
            item.setBackground(QBrush(QColor(COLOURS[n.state])))
            self.notices.insertItem(0, item)
        while self.notices.count() > MAX_NOTICES:
            self.notices.takeItem(self.notices.count() - 1)
        self.notice_box.setVisible(True)
        self._tray_message(notes)
        self.notified.emit(notes)

    def _clear_notices(self) -> None:
        self.notices.clear()
        self.notice_box.setVisible(False)

    def _tray_message(self, notes: list[workbench.Notification]) -> None:
        """A system-tray balloon, only while the window is minimised (no network involved)."""
        window = self.window()
        if not window.isMinimized() or not QSystemTrayIcon.isSystemTrayAvailable():
            return
        if self._tray is None:
            icon = window.windowIcon()
            if icon.isNull():
                icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
            self._tray = QSystemTrayIcon(icon, self)
            self._tray.activated.connect(lambda _reason: (window.showNormal(),
                                                          window.activateWindow()))
        self._tray.show()
        worst = min(notes, key=lambda n: workbench.STATE_RANK[n.state])
        icon_kind = QSystemTrayIcon.MessageIcon.Critical if worst.state == "red" \
            else QSystemTrayIcon.MessageIcon.Warning
        body = "\n".join(n.message for n in notes[:5])
        if len(notes) > 5:
            body += f"\n……共 {len(notes)} 项"
        self._tray.showMessage("工作台提醒", body, icon_kind, 10_000)

    # ------------------------------------------------------------------ navigation
    def open_item(self, row: int) -> None:
        """Switch to the item's page and show the record there when the page can."""
        if not 0 <= row < len(self.model.items):
            return
        item = self.model.items[row]
        page = self._show_page(item.area)
        if page is None:
            return
        if item.kind == "incident" and hasattr(page, "select_incident"):
            page.select_incident(item.record_id)
        elif item.kind == "decision" and hasattr(page, "board"):
            page.setCurrentWidget(page.board)
            try:
                page.board.select_decision(item.record_id)
            except KeyError:
                pass  # filtered out of the board as it stands: the board is still shown
        elif item.kind == "handover" and callable(getattr(page, "show_handover", None)):
            page.show_handover()
        elif item.kind == "paper" and callable(getattr(page, "open_paper_register", None)):
            page.open_paper_register()  # the copy due back, in the 涉密文件登记簿
        elif callable(getattr(page, "open_search_hit", None)):
            page.open_search_hit(item.kind, item.record_id)
        elif callable(getattr(page, "open_record", None)):
            page.open_record(item.record_id)

    def _open_document(self, list_item: QListWidgetItem) -> None:
        page = self._show_page("documents")
        if page is not None and hasattr(page, "open_document"):
            page.open_document(int(list_item.data(Qt.ItemDataRole.UserRole)))

    def _show_page(self, key: str) -> QWidget | None:
        window = self.window()
        if not hasattr(window, "show_page") or key not in window.page_keys():
            return None
        return window.show_page(key)

    def showEvent(self, event: QShowEvent) -> None:
        # refresh at once when the user comes back to the page (no stale colours)
        super().showEvent(event)
        if self.snapshot is not None:
            self.refresh()


register_page("workbench", lambda ctx, parent: WorkbenchPage(ctx, parent), title="工作台")
