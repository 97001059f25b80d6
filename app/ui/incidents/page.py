"""突发事件 page: the open deadline clocks on top (time left, amber near the limit, red when
missed), the incident list (lazy: pages fetched from the database) and, for the selected
incident, its report chain — each report a frozen snapshot with what changed since the previous
one highlighted — with the actions of the chain: 起草首报/续报/终报, 更新草稿, 签发 (leader),
报送, 电话首报, 日报 mode, 打印 (信息专报 PDF/DOCX in the background); and the 规则表
(administrator) and 统计 dialogs. Every act goes through ``app.services.incidents.reports``."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

from app.domain import incident_rules as R
from app.domain.security import Action, Clearance
from app.errors import UserError
from app.services import duty
from app.services import incidents as svc
from app.services.context import ServiceContext
from app.services.paging import Seek
from app.services.placeholders import UnfilledPlaceholders
from app.ui.incidents.dialogs import IncidentDialog, SendDialog, SignDialog
from app.ui.incidents.rules_dialog import RuleTableDialog
from app.ui.incidents.stats import StatisticsDialog
from app.ui.kit import (
    DOCX,
    PDF,
    FileKind,
    MessageLine,
    TaskHandle,
    ask_print_anyway,
    ask_save_path,
    copies_box,
    describe,
    run_busy,
    run_task,
    saved_text,
)
from app.ui.lazy_table import LazyTableModel
from app.ui.pages import register_page
from app.ui.permissions import gate
from app.ui.qt import (
    QBrush,
    QColor,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QShortcut,
    QSplitter,
    Qt,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.ui.roles import BACKGROUND, DISPLAY, FOREGROUND, USER
from app.ui.security.scope_dialog import ScopeDialog
from app.ui.sizing import size_columns

STATE_COLOURS = {"ok": "#e8f5e9", "amber": "#ffd54f", "red": "#ef5350"}
STATE_LABELS = {"ok": "正常", "amber": "临近", "red": "已超时"}


# ---- the lazy incident list ---------------------------------------------------------------------
#: Incident list column widths: ems, or a sample of the widest usual value.
_LIST_WIDTHS: dict[str, float | str] = {
    "接报时间": "2026-12-31 23:59", "类别": "社会安全事件", "级别": "Ⅲ级（较大）", "状态": "已终报",
    "已报": 2, "密级": 2.5}


class IncidentListModel(LazyTableModel):
    """The incident list, read in the worker a page at a time (``LazyTableModel``): the count
    and first page on ``reload``, then each page as the view scrolls to it — beside a held page
    by keyset (``svc.list_key``), never on the GUI thread."""

    UNSERVED_ROLES = LazyTableModel.UNSERVED_ROLES - {FOREGROUND}  # coloured text

    HEADERS = ("接报时间", "事件名称", "类别", "级别", "状态", "已报", "密级")
    PAGE = 100

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, self.PAGE, 20, parent)
        self.text = ""
        self.status: str | None = None

    def reload(self, text: str | None = None) -> TaskHandle:  # type: ignore[override]
        if text is not None:
            self.text = text
        return super().reload()

    def set_status(self, status: str | None) -> TaskHandle:
        self.status = status
        return self.reload()

    def snapshot(self) -> tuple[str, str | None]:
        return self.text, self.status

    def count_rows(self, query: tuple[str, str | None]) -> int:
        text, status = query
        return svc.count_incidents(self.ctx, text=text, status=status)

    def fetch_rows(self, query: tuple[str, str | None], offset: int, limit: int,
                   seek: Seek | None = None) -> list[svc.IncidentRow]:
        text, status = query
        return svc.list_incidents(self.ctx, offset, limit, text=text, status=status, seek=seek)

    def key_of(self, query: Any, row: svc.IncidentRow) -> tuple[Any, ...]:
        return svc.list_key(row)

    def cell(self, r: svc.IncidentRow, column: int, role: int) -> Any:
        if role == DISPLAY:  # the one text asked for, not the row's seven
            if column == 0:  # the year too: five years of incidents in one list
                return r.received_at.strftime("%Y-%m-%d %H:%M")
            if column == 3:
                return R.Level(r.level).label
            if column == 4:
                return "已终报" if r.status == "closed" else "处置中"
            if column == 5:
                return str(r.reports_sent)
            if column == 6:
                return Clearance(r.classification).label
            return r.title if column == 1 else r.category
        if column != 3 or role not in (BACKGROUND, FOREGROUND):
            return r.id if role == USER else None
        lv = R.Level(r.level)
        if role == BACKGROUND:
            return QBrush(QColor(lv.colour_hex))
        return QBrush(QColor("black" if lv is R.Level.III else "white"))


# ---- report rendering ---------------------------------------------------------------------------
def _value(v: Any) -> str:
    if v is None or v == "" or v == []:
        return "—"
    if isinstance(v, list):
        return "；".join(str(x) for x in v)
    return str(v)


def report_html(rep: svc.ReportInfo) -> str:
    """The frozen snapshot as a table; fields changed since the previous report are highlighted
    (yellow), the ones that usually call for a 续报 in red, with the former value."""
    # the 首报 has nothing to compare with (its diff against nothing listed every field filled)
    first = rep.kind is R.ReportKind.FIRST
    shown = () if first else rep.changes
    changes = {c["key"].split(".")[0]: c for c in shown}
    head = (f"<h3>{html.escape(rep.name)}　<small>{rep.status_label}"
            f"{'　签发：' + html.escape(rep.signed_by) if rep.signed_by else ''}"
            f"{'　报送：' + html.escape(rep.sent_to) + ' ' + svc.minute_text(rep.sent_at) if rep.sent_at else ''}"
            f"</small></h3>")
    if shown:
        head += (f"<p style='background:#fff3b0'>较上次报告有 {len(shown)} 处变化（黄色标出，"
                 "红字为需续报的重要变化）。</p>")
    elif not first:
        head += "<p>较上次报告无变化。</p>"
    if rep.progress:
        head += f"<p><b>事件进展：</b>{html.escape(rep.progress)}</p>"
    rows = []
    for key, label in R.FIELD_LABELS.items():
        value = rep.snapshot.get(key)
        c = changes.get(key)
        style, note = "", ""
        if c is not None:
            style = " style='background:#fff3b0" + (";color:#b00020;font-weight:bold'"
                                                    if c["significant"] else "'")
            if c["kind"] == "changed":
                note = f"<br><small>（原：{html.escape(_value(c['old']))}）</small>"
            elif c["kind"] == "added":
                note = "<br><small>（新增）</small>"
        rows.append(f"<tr{style} data-key='{key}'><td width='28%'>{label}</td>"
                    f"<td>{html.escape(_value(value)).replace(chr(10), '<br>')}{note}</td></tr>")
    return head + "<table border='1' cellspacing='0' cellpadding='3' width='100%'>" + \
        "".join(rows) + "</table>"


# ---- picking a phone-log entry ------------------------------------------------------------------
class LogPickDialog(QDialog):
    """The latest 值班记录 entries; the chosen one becomes an incident and its 首报 draft."""

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("从值班记录生成首报")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.resize(720, 420)
        self.entries: list = []
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["接报时间", "来电单位和人员", "内容"])
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.message = MessageLine(name="logPickMessage")
        # the latest entries are read in the worker, never on the GUI thread
        self.load_task = run_busy(self.message, lambda _c: duty.list_log(ctx, 0, 200),
                                  busy="正在读取值班记录……", on_result=self._loaded, parent=self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        col = QVBoxLayout(self)
        col.addWidget(self.table, 1)
        col.addWidget(self.message)
        col.addWidget(buttons)
        self.table.doubleClicked.connect(lambda _i: self.accept())

    def _loaded(self, entries: list) -> None:
        self.entries = entries
        self.table.setRowCount(len(entries))
        for r, e in enumerate(entries):
            at = e.received_at.astimezone().strftime("%Y-%m-%d %H:%M") if e.received_at else ""
            for c, v in enumerate((at, e.caller, e.content)):
                self.table.setItem(r, c, QTableWidgetItem(v))
        if entries:
            self.table.selectRow(0)
            self.message.clear()
        else:
            self.message.say("没有可用的值班记录。")

    def chosen_id(self) -> int | None:
        r = self.table.currentRow()
        return self.entries[r].id if 0 <= r < len(self.entries) else None


class AttachDialog(QDialog):
    """Open incidents the call may be about (time, place, words), best first: 并入所选事件, or
    新建事件 (``chosen_id`` None)."""

    def __init__(self, candidates: list[svc.AttachCandidate], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("可能是同一事件")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.new = False
        col = QVBoxLayout(self)
        label = QLabel("这条来电可能与下列处置中的事件是同一事件。并入后不再新建事件，"
                       "也不会多出一套报送时限。")
        label.setWordWrap(True)
        col.addWidget(label)
        self.list = QListWidget()
        for c in candidates:
            item = QListWidgetItem(c.text)
            item.setData(Qt.ItemDataRole.UserRole, c.incident_id)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        col.addWidget(self.list, 1)
        buttons = QDialogButtonBox()
        self.attach_button = buttons.addButton("并入所选事件", QDialogButtonBox.ButtonRole.AcceptRole)
        self.new_button = buttons.addButton("新建事件", QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.new_button.clicked.connect(self._new)
        self.list.itemDoubleClicked.connect(lambda _i: self.accept())
        col.addWidget(buttons)
        self.resize(max(560, self.list.sizeHintForColumn(0) + 60), 320)

    def _new(self) -> None:
        self.new = True
        self.accept()

    def chosen_id(self) -> int | None:
        item = self.list.currentItem()
        return None if self.new or item is None else int(item.data(Qt.ItemDataRole.UserRole))


# ---- the page -----------------------------------------------------------------------------------
class IncidentsPage(QWidget):
    clocks_refreshed = Signal()  # the clock table shows the latest read (or its error)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._clock_task: TaskHandle | None = None
        self._clock_again = False
        assert ctx.actor is not None
        #: the permission each action button needs (``gate``: disabled with the reason if lacking)
        self._needs: dict[QPushButton, Action] = {}
        self.dialog: QDialog | None = None
        self.task: TaskHandle | None = None
        self.incident: svc.IncidentInfo | None = None
        self.reports: list[svc.ReportInfo] = []
        self.open_clock_list: list[svc.IncidentClock] = []

        # clocks
        self.clocks = QTableWidget(0, 5)
        self.clocks.setObjectName("clockTable")
        self.clocks.setHorizontalHeaderLabels(["事件", "应报", "截止时间", "剩余时间", "状态"])
        self.clocks.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.clocks.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.clocks.verticalHeader().hide()
        self.clocks.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.clocks.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.clocks.setMaximumHeight(150)
        self.clocks.setWordWrap(False)
        self.clocks.verticalHeader().setDefaultSectionSize(24)
        self.clocks.cellDoubleClicked.connect(self._clock_clicked)
        self.clock_label = QLabel()

        # list
        self.search = QLineEdit()
        self.search.setPlaceholderText("按名称或地点筛选")
        self.search.textChanged.connect(lambda t: self.model.reload(t))
        self.model = IncidentListModel(ctx, self)
        self.status_filter = QComboBox()
        for label, value in (("全部", None), ("处置中", "open"), ("已终报", "closed")):
            self.status_filter.addItem(label, value)
        self.status_filter.currentIndexChanged.connect(
            lambda _i: self.model.set_status(self.status_filter.currentData()))
        self.list = QTableView()
        self.list.setModel(self.model)
        self.list.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.list.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.list.verticalHeader().hide()
        # widths in ems or sample values, never measured from the rows (ResizeToContents cost
        # ~10 ms per page fetched); the name keeps at least 10 em beside the detail panel
        size_columns(self.list, IncidentListModel.HEADERS, _LIST_WIDTHS, stretch="事件名称",
                     stretch_min=10)
        self.list.verticalHeader().setDefaultSectionSize(24)
        self.list.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self._wanted: int | None = None  # an incident whose row is to be selected when listed
        self._locating: tuple[int, int] | None = None  # (incident, list generation) looked up
        self.model.loaded.connect(self._select_wanted)
        self.model.page_arrived.connect(lambda _n: self._select_wanted())
        self.list.doubleClicked.connect(lambda _i: self.edit_incident())

        # detail
        self.header = QLabel("请选择或新建事件。")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.chain = QTableWidget(0, 5)
        self.chain.setHorizontalHeaderLabels(["报告", "状态", "签发", "报送对象", "报送时间"])
        self.chain.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.chain.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.chain.verticalHeader().hide()
        self.chain.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.chain.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.chain.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.chain.setMaximumHeight(170)
        self.chain.setWordWrap(False)
        self.chain.verticalHeader().setDefaultSectionSize(24)
        self.chain.itemSelectionChanged.connect(self._show_report)
        self.view = QTextBrowser()
        self.missed_label = QLabel()
        self.missed_label.setWordWrap(True)
        self.missed_label.setStyleSheet("color: #b00020;")
        self.status = MessageLine(name="incidentsMessage")  # what the last act did

        def button(text: str, slot, key: str | None = None,  # type: ignore[no-untyped-def]
                   action: Action | None = None) -> QPushButton:
            b = QPushButton(text)
            b.clicked.connect(slot)
            if key:
                b.setShortcut(QKeySequence(key))
                b.setToolTip(key)
            if action is not None:
                self._needs[b] = action
                gate(b, ctx.actor, action)
            return b

        self.new_button = button("新建事件(&N)", self.new_incident, "Ctrl+N",
                                 Action.REPORT_INCIDENT)
        self.from_log_button = button("从值班记录生成首报(&L)", self.from_duty_log, None,
                                      Action.REPORT_INCIDENT)
        self.edit_button = button("编辑(&E)", self.edit_incident, "Ctrl+E", Action.REPORT_INCIDENT)
        self.phone_button = button("电话首报(&H)", self.phone_report, None, Action.REPORT_INCIDENT)
        self.draft_button = button("起草报告(&D)", self.draft, "Ctrl+D", Action.REPORT_INCIDENT)
        self.final_button = button("起草终报(&F)", self.draft_final, None, Action.REPORT_INCIDENT)
        self.update_button = button("按最新情况更新草稿(&U)", self.refresh_draft, None,
                                    Action.REPORT_INCIDENT)
        self.sign_button = button("签发(&S)", self.sign, "Ctrl+Shift+S", Action.SIGN)
        self.send_button = button("报送(&B)", self.send, None, Action.REPORT_INCIDENT)
        self.print_button = button("打印/另存(&P)…", self.print_report, "Ctrl+P", Action.PRINT)
        self.daily_button = button("日报模式(&Y)", self.toggle_daily, None, Action.REPORT_INCIDENT)
        self.daily_button.setCheckable(True)
        self.rules_button = button("时限规则(&R)…", self.edit_rules, None, Action.MANAGE_SETTINGS)
        self.stats_button = button("统计(&T)…", self.show_statistics, None, Action.VIEW)
        self.scope_button = button("知悉范围(&K)…", self.edit_scope)  # 秘密/机密 (need_to_know)
        self.scope_button.setEnabled(False)
        QShortcut(QKeySequence("F5"), self, activated=self.refresh)

        top = QHBoxLayout()
        for b in (self.new_button, self.from_log_button, self.rules_button, self.stats_button):
            top.addWidget(b)
        top.addStretch(1)
        top.addWidget(self.clock_label)
        left = QWidget()
        lcol = QVBoxLayout(left)
        lcol.setContentsMargins(0, 0, 0, 0)
        frow = QHBoxLayout()
        frow.addWidget(self.search, 1)
        frow.addWidget(self.status_filter)
        lcol.addLayout(frow)
        lcol.addWidget(self.list, 1)
        right = QWidget()
        rcol = QVBoxLayout(right)
        rcol.setContentsMargins(0, 0, 0, 0)
        rcol.addWidget(self.header)
        acts = QHBoxLayout()
        for b in (self.edit_button, self.phone_button, self.draft_button, self.final_button,
                  self.daily_button, self.scope_button):
            acts.addWidget(b)
        acts.addStretch(1)
        rcol.addLayout(acts)
        rcol.addWidget(self.chain)
        acts2 = QHBoxLayout()
        self.copies = copies_box(self)  # 份数 of the next print (PDF)
        for b in (self.update_button, self.sign_button, self.send_button, self.copies,
                  self.print_button):
            acts2.addWidget(b)
        acts2.addStretch(1)
        rcol.addLayout(acts2)
        rcol.addWidget(self.view, 1)
        rcol.addWidget(self.missed_label)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 2)
        split.setSizes([460, 840])
        col = QVBoxLayout(self)
        col.addLayout(top)
        col.addWidget(self.clocks)
        col.addWidget(split, 1)
        col.addWidget(self.status)

        self.timer = QTimer(self)
        self.timer.setInterval(30_000)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self.refresh()

    # ------------------------------------------------------------------ refresh
    def refresh(self) -> None:
        keep = self.incident.id if self.incident else None
        self.model.reload()
        self.refresh_clocks()
        if keep is not None:
            self.select_incident(keep)
        self._update_buttons()

    def _tick(self) -> None:
        # A page that is not on screen (another page shown, or its window closed or signed
        # out) reads nothing: its database may be gone, and nobody is looking. A tick while the
        # previous read still runs is dropped: the clocks move by minutes, not by ticks.
        if self.isVisible() and not self.clocks_pending:
            self.refresh_clocks()

    @property
    def clocks_pending(self) -> bool:
        """A clock read is running (or queued after the running one)."""
        return self._clock_task is not None and not self._clock_task.finished

    def refresh_clocks(self) -> None:
        """Read the open deadlines in the worker (with 2 000 incidents, 100 of them open, the
        read takes 0.7–1.2 s: on the GUI thread it froze the window every 30 s). One read at a
        time: asked again while one runs (an action changed the data), one more read follows it,
        so the table never shows clocks older than the last change."""
        if self.clocks_pending:
            self._clock_again = True
            return
        self._clock_again = False
        ctx = self.ctx
        self._clock_task = run_task(lambda _control: svc.open_clocks(ctx),
                                    on_result=self._show_clocks, on_error=self._clocks_failed,
                                    parent=self)
        self._clock_task.done.connect(self._clock_task.deleteLater)  # one every 30 s, all day

    def _clocks_done(self) -> None:
        if self._clock_again:
            self.refresh_clocks()
        else:
            self.clocks_refreshed.emit()

    def _clocks_failed(self, exc: BaseException) -> None:
        self.clock_label.setText(describe(exc) if isinstance(exc, UserError)
                                 else "读取待报时限时出错，请稍后重试。")
        self._clocks_done()

    def _show_clocks(self, clocks: list[svc.IncidentClock]) -> None:
        """Fill the table, keeping the selected clock (by incident and deadline) and the scroll
        position: the refresh comes every 30 s while someone may be reading the table."""
        t = self.clocks
        picked = self._clock_key(t.currentRow())
        scroll = t.verticalScrollBar().value()
        self.open_clock_list = clocks
        # Sized once after the fill: with ResizeToContents on, every setItem re-measured the
        # whole table (530 cells took 0.2–1.1 s of the GUI thread with 100 open incidents).
        header = t.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        t.setRowCount(len(clocks))
        for r, c in enumerate(clocks):
            values = [f"{R.Level(c.level).roman} {c.title}", c.label, svc.minute_text(c.due), c.text,
                      STATE_LABELS[c.state]]
            for col, v in enumerate(values):
                item = QTableWidgetItem(v)
                item.setBackground(QBrush(QColor(STATE_COLOURS[c.state])))
                item.setData(Qt.ItemDataRole.UserRole, c.incident_id)
                t.setItem(r, col, item)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        if picked is not None:
            keys = [(c.incident_id, c.label) for c in clocks]
            if picked in keys:
                t.setCurrentCell(keys.index(picked), max(t.currentColumn(), 0))
            else:
                t.clearSelection()
        t.verticalScrollBar().setValue(scroll)
        worst = {c.state for c in clocks}
        n = len(clocks)
        if "red" in worst:
            self.clock_label.setText(f"<b style='color:#b00020'>有 {n} 项待报，其中已超时！</b>")
        elif "amber" in worst:
            self.clock_label.setText(f"<b style='color:#8a5a00'>有 {n} 项待报，时限临近。</b>")
        else:
            self.clock_label.setText(f"待报时限 {n} 项。" if n else "当前没有待报时限。")
        self.clocks.setVisible(n > 0)  # an empty table took 150 px from the incident list
        self._clocks_done()

    def _clock_key(self, row: int) -> tuple[int, str] | None:
        """(incident id, deadline label) of a row of the clock table, None for no row."""
        first, label = self.clocks.item(row, 0), self.clocks.item(row, 1)
        if row < 0 or first is None or label is None:
            return None
        return int(first.data(Qt.ItemDataRole.UserRole)), label.text()

    def _clock_clicked(self, row: int, _col: int) -> None:
        item = self.clocks.item(row, 0)
        if item is not None:
            self.select_incident(int(item.data(Qt.ItemDataRole.UserRole)))

    def select_incident(self, incident_id: int) -> bool:
        """Show incident ``incident_id``: its details at once, and its row selected in the list
        as soon as the list has it — a held row now, else its position under the filters is read
        in the worker and its page loaded (the list never reads on the GUI thread). False when
        the incident cannot be read."""
        if not self._load(incident_id):
            return False
        self._wanted = incident_id
        self._select_wanted()
        return True

    def _select_wanted(self) -> None:
        want = self._wanted
        if want is None or self.model.reloading:  # (``loaded`` calls again)
            return
        row = self.model.find(lambda r: r.id == want)
        if row >= 0:
            self._wanted = None
            index = self.model.index(row, 0)
            self.list.scrollTo(index)
            self.list.selectRow(row)
            return
        if self._locating == (want, self.model.generation):
            return
        gen, (text, status) = self.model.generation, self.model.snapshot()
        self._locating = (want, gen)

        def found(position: int | None) -> None:
            if self._wanted != want or gen != self.model.generation:
                return  # another incident wanted, or the list reloaded (it asks again)
            if position is None:  # not listed under these filters: the details alone
                self._wanted = None
            elif self.model.row(position) is not None:  # its page is held after all
                self._select_wanted()
            # else its page was asked for: ``page_arrived`` selects it

        task = run_task(lambda _c: svc.find_position(self.ctx, want, text=text,
                                                         status=status),
                        on_result=found, on_error=self.status.error,
                        parent=self)
        task.done.connect(task.deleteLater)

    def _selected(self) -> None:
        rows = self.list.selectionModel().selectedRows()
        if not rows:
            self.incident, self.reports = None, []
            self.header.setText("请选择或新建事件。")
            self._fill_chain()
            return
        row = self.model.row(rows[0].row())
        if row is None or (self.incident is not None and self.incident.id == row.id):
            return  # (the row of the incident shown, selected again after a reload)
        self._load(row.id)

    def _load(self, iid: int) -> bool:
        """Read and show incident ``iid`` with its report chain and missed clocks."""
        try:
            self.incident = svc.get_incident(self.ctx, iid)
            self.reports = svc.list_reports(self.ctx, iid)
            clocks = svc.incident_clocks(self.ctx, iid)
        except UserError as exc:
            self.status.error(exc)
            return False
        inc = self.incident
        lv = inc.level
        d = inc.data
        self.header.setText(
            f"<span style='background:{lv.colour_hex};color:white;padding:2px'>&nbsp;{lv.label}"
            f"&nbsp;</span> <b>{html.escape(d.title)}</b>　{d.category}"
            f"{'·' + d.subtype if d.subtype else ''}　接报 {svc.minute_text(d.received_at)}"
            f"　{'已终报' if inc.status == 'closed' else '处置中'}"
            f"{'　（日报模式）' if inc.daily_mode else ''}")
        self.daily_button.setChecked(inc.daily_mode)
        self.missed_label.setText(
            "已记录的超时：" + "；".join(f"{m.label}（应于 {svc.minute_text(m.due)}）{m.text}"
                                     for m in clocks.missed) if clocks.missed else "")
        self._fill_chain()
        return True

    def edit_scope(self) -> None:
        """The 知悉范围 of the selected 秘密/机密 incident (its reports take it too)."""
        if self.incident is not None and self.incident.classification >= 2:
            self.dialog = ScopeDialog(self.ctx, "incident", self.incident.id, self)
            self.dialog.open()

    def _fill_chain(self) -> None:
        t = self.chain
        t.setRowCount(len(self.reports))
        for r, rep in enumerate(self.reports):
            for c, v in enumerate((rep.name, rep.status_label, rep.signed_by, rep.sent_to,
                                   svc.minute_text(rep.sent_at))):
                t.setItem(r, c, QTableWidgetItem(v))
        if self.reports:
            t.selectRow(len(self.reports) - 1)
        else:
            self.view.setHtml("")
        self._update_buttons()

    def current_report(self) -> svc.ReportInfo | None:
        r = self.chain.currentRow()
        return self.reports[r] if 0 <= r < len(self.reports) else None

    def _show_report(self) -> None:
        rep = self.current_report()
        self.view.setHtml(report_html(rep) if rep else "")
        self._update_buttons()

    def _enable(self, b: QPushButton, state: bool) -> None:
        """On when the page's state allows it and the roles do (else the reason shows)."""
        gate(b, self.ctx.actor, self._needs.get(b, Action.VIEW), state)

    def _update_buttons(self) -> None:
        inc, rep = self.incident, self.current_report()
        open_ = inc is not None and inc.status == "open"
        pending = any(r.status != "sent" for r in self.reports)
        first_sent = any(r.kind is R.ReportKind.FIRST and r.channel is R.Channel.WRITTEN
                         and r.status == "sent" for r in self.reports)
        self._enable(self.edit_button, open_)
        self.scope_button.setEnabled(inc is not None and inc.classification >= 2)
        self._enable(self.daily_button, open_)
        self._enable(self.phone_button, open_ and not any(
            r.kind is R.ReportKind.FIRST and r.status == "sent" for r in self.reports))
        self._enable(self.draft_button, open_ and not pending)
        self.draft_button.setText("起草续报(&D)" if first_sent else "起草首报(&D)")
        self.draft_button.setShortcut(QKeySequence("Ctrl+D"))  # setText set Alt+D
        self._enable(self.final_button, open_ and not pending and first_sent)
        self._enable(self.update_button, rep is not None and rep.status == "draft")
        self._enable(self.sign_button, rep is not None and rep.status == "draft")
        self._enable(self.send_button, rep is not None and rep.status == "signed")
        self._enable(self.print_button, rep is not None and rep.channel is R.Channel.WRITTEN)

    def _run(self, fn, *args, **kwargs) -> Any:  # type: ignore[no-untyped-def]
        try:
            result = fn(self.ctx, *args, **kwargs)
        except UserError as exc:
            self.status.error(exc)
            return None
        self.status.clear()
        return result

    # ------------------------------------------------------------------ actions
    def _open(self, dialog: QDialog, done) -> None:  # type: ignore[no-untyped-def]
        self.dialog = dialog
        dialog.accepted.connect(done)
        dialog.open()

    def new_incident(self) -> None:
        dlg = IncidentDialog(self.ctx, None, self)

        def done() -> None:
            self.model.reload()
            if dlg.result_info is not None:
                self.select_incident(dlg.result_info.id)
                self.status.ok(f"已登记事件“{dlg.result_info.data.title}”，请起草首报。")
            self.refresh_clocks()

        self._open(dlg, done)

    def edit_incident(self) -> None:
        if self.incident is None or self.incident.status != "open":
            return
        dlg = IncidentDialog(self.ctx, self.incident, self)
        self._open(dlg, self.refresh)

    def from_duty_log(self) -> None:
        try:
            dlg = LogPickDialog(self.ctx, self)
        except (ImportError, UserError) as exc:
            self.status.error(exc if isinstance(exc, UserError) else "值班记录模块不可用。")
            return

        def done() -> None:
            entry = dlg.chosen_id()
            if entry is None:
                return
            candidates = self._run(svc.attach_candidates, entry)
            if candidates:
                self.offer_attach(entry, candidates)
            else:
                self.new_from_log(entry)

        self._open(dlg, done)

    def offer_attach(self, entry: int, candidates: list[svc.AttachCandidate]) -> None:
        """The call may be about an incident already open: offer to attach it there (one fire,
        one set of deadline clocks) or to open a new incident."""
        dlg = AttachDialog(candidates, self)

        def answered(code: int) -> None:
            if code != QDialog.DialogCode.Accepted:
                return
            chosen = dlg.chosen_id()
            if chosen is None:
                self.new_from_log(entry)
                return
            info = self._run(svc.attach_duty_log, entry, chosen)
            if info is not None:
                self.model.reload()
                self.select_incident(info.id)
                self.status.ok(f"已将来电并入事件“{info.data.title}”，未新建事件和时限。")

        self.dialog = dlg
        dlg.finished.connect(answered)
        dlg.open()

    def new_from_log(self, entry: int) -> None:
        made = self._run(svc.draft_from_duty_log, entry)
        if made:
            self.model.reload()
            self.select_incident(made[0].id)
            self.refresh_clocks()
            self.status.ok("已根据值班记录生成事件和首报草稿，请补充要素后送领导签发。")

    def draft(self) -> None:
        if self.incident and self._run(svc.draft_report, self.incident.id):
            self.refresh()

    def draft_final(self) -> None:
        if self.incident and self._run(svc.draft_report, self.incident.id, final=True):
            self.refresh()

    def refresh_draft(self) -> None:
        rep = self.current_report()
        if rep and self._run(svc.refresh_draft, rep.id):
            self.refresh()

    def toggle_daily(self) -> None:
        if self.incident:
            self._run(svc.set_daily_mode, self.incident.id, self.daily_button.isChecked())
            self.refresh()

    def sign(self) -> None:
        rep = self.current_report()
        if rep is None:
            return
        try:
            dlg = SignDialog(self.ctx, rep, report_html(rep), self)
        except UserError as exc:
            self.status.error(exc)
            return
        self._open(dlg, self.refresh)

    def send(self) -> None:
        rep = self.current_report()
        if rep is None or self.incident is None:
            return
        rid = rep.id

        def act(to: str, at: dt.datetime, _note: str) -> None:
            svc.send_report(self.ctx, rid, to, at)

        dlg = SendDialog(self.ctx, f"报送 — {rep.name}", self.incident.data.authority,
                         svc.local_now(self.ctx), act, self)
        self._open(dlg, self.refresh)

    def phone_report(self) -> None:
        if self.incident is None:
            return
        iid = self.incident.id

        def act(to: str, at: dt.datetime, note: str) -> None:
            svc.record_phone_report(self.ctx, iid, to, at, note)

        dlg = SendDialog(self.ctx, "电话首报", self.incident.data.authority,
                         svc.local_now(self.ctx), act, self)
        self._open(dlg, self.refresh)

    def print_report(self) -> None:
        rep = self.current_report()
        if rep is None:
            return
        self.file_dialog = ask_save_path(
            self, FileKind.PRINTS, "保存信息专报", lambda path: self.save_report_to(Path(path)),
            name=f"{rep.snapshot.get('title', '突发事件')}（{rep.name}）.pdf",
            filters=[PDF, DOCX])

    def save_report_to(self, path: Path, *, allow_placeholders: bool = False) -> None:
        """Render the selected report to ``path`` in the background (.pdf or .docx). Unfilled
        placeholders (an office template's ×××) are printed only after “仍要打印”."""
        rep = self.current_report()
        if rep is None:
            return
        ctx, rid = self.ctx, rep.id
        copies = self.copies.value() if path.suffix.lower() == ".pdf" else 1
        self._enable(self.print_button, False)

        def work(control):  # type: ignore[no-untyped-def]
            control.check()
            return svc.export_report(ctx, rid, path, allow_placeholders=allow_placeholders,
                                     copies=copies)

        def done(out: object) -> None:  # where it went, the template used, typed warnings
            self.status.ok(saved_text(path, out))
            self._update_buttons()

        def failed(exc: BaseException) -> None:
            self.status.error(exc)
            self._update_buttons()
            if isinstance(exc, UnfilledPlaceholders):
                self.placeholder_box = ask_print_anyway(
                    self, exc, lambda: self.save_report_to(path, allow_placeholders=True))

        self.task = run_busy(self.status, work, busy="正在生成信息专报……", on_result=done,
                             on_error=failed, parent=self)

    def edit_rules(self) -> None:
        try:
            dlg = RuleTableDialog(self.ctx, self)
        except UserError as exc:
            self.status.error(exc)
            return
        self._open(dlg, lambda: self.status.ok("报告时限规则已保存，新登记的事件按新规则计时。"))

    def show_statistics(self) -> None:
        dlg = StatisticsDialog(self.ctx, svc.local_now(self.ctx).year, self)
        self.dialog = dlg
        dlg.open()


register_page("incidents", lambda ctx, parent: IncidentsPage(ctx, parent))
