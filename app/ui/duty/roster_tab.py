"""值班表 tab: pick a roster, see it as a month calendar grid and as a list, generate it in the
background (progress, cancel; no roster → the reasons in plain words), edit a duty or record a
调班/代班 (validated at once against the rules), publish, and export the notice, the calendar print
and the XLSX."""

from __future__ import annotations

import calendar as pycal
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from app.domain.duty_hours import ShiftHours
from app.domain.security import Action, allowed
from app.domain.workdays import DEFAULT_CALENDAR
from app.errors import InputError, UserError
from app.services import duty, duty_publish, holidays, output
from app.services.context import ServiceContext
from app.services.duty import Duty, GenerateOutcome, RosterInfo
from app.services.placeholders import UnfilledPlaceholders
from app.ui.chinese import chinese_dates
from app.ui.duty.common import explain, from_date, to_date
from app.ui.duty.ledger_dialog import LedgerDialog
from app.ui.kit import (
    DOCX,
    PDF,
    XLSX,
    FileKind,
    FormRows,
    LatestRead,
    MessageLine,
    TaskHandle,
    ask_print_anyway,
    ask_save_path,
    confirm,
    copies_box,
    run_busy,
    run_task,
    saved_text,
)
from app.ui.permissions import gate
from app.ui.qt import (
    QAbstractItemView,
    QColor,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTime,
    QTimeEdit,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.ui.sizing import fit_dialog, size_columns

WEEK = "一二三四五六日"
LIST_COLUMNS = ["日期", "星期", "班次", "岗位", "姓名", "来源"]
_LIST_WIDTHS: dict[str, float | str] = {"日期": "2026-12-31", "星期": "星期三", "班次": 3,
                                        "岗位": "带班领导", "姓名": 4, "来源": "调班/代班"}
SOURCES = {"solver": "自动", "manual": "手工调整", "swap": "调班/代班"}
#: Statutory holidays on fixed dates (全国年节及纪念日放假办法): shown even for a year whose holiday
#: arrangement is not loaded yet (the default new roster is next month: January's 元旦 was left
#: unshaded). Lunar holidays need the year's arrangement.
FIXED_HOLIDAYS = {(1, 1): "元旦", (5, 1): "劳动节", (5, 2): "劳动节", (10, 1): "国庆节",
                  (10, 2): "国庆节", (10, 3): "国庆节"}
HOLIDAY_SHADE = QColor(253, 226, 222)  # a holiday: light red, unlike a weekend's grey
REST_SHADE = QColor(238, 238, 238)


def day_kind(day: dt.date) -> tuple[str, str]:
    """(kind, label) of a date in the roster grid: ``holiday`` with its name, ``rest`` (a
    weekend), ``makeup`` (调休上班日) or ``work``."""
    name = DEFAULT_CALENDAR.holiday_name(day)
    if name is None and not DEFAULT_CALENDAR.is_known_year(day.year):
        name = FIXED_HOLIDAYS.get((day.month, day.day))
    if name:
        return "holiday", name
    if DEFAULT_CALENDAR.is_makeup_workday(day):
        return "makeup", "调休上班"
    if DEFAULT_CALENDAR.is_rest_day(day):
        return "rest", ""
    return "work", ""
SHIFT_PATTERNS = {"24小时一班": ("全天",), "白班、夜班": ("白班", "夜班")}
#: 密级 names, by level (a combo's index is the level)
LEVELS = ["公开", "内部", "秘密", "机密"]


def level_combo(ctx: ServiceContext, level: int = 0) -> QComboBox:
    """The 密级 a roster may be given: up to the user's clearance."""
    box = QComboBox()
    box.setObjectName("rosterSecret")
    box.addItems(LEVELS[: int(ctx.actor.clearance) + 1] if ctx.actor else LEVELS[:1])
    box.setCurrentIndex(min(level, box.count() - 1))
    return box


class LevelDialog(QDialog):
    """Change the 密级 of a roster (its prints are marked with it)."""

    def __init__(self, ctx: ServiceContext, roster: RosterInfo,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("值班表密级")
        form = FormRows(self)
        self.secret = level_combo(ctx, roster.classification)
        form.span(QLabel(roster.title))
        form.row("密级", self.secret)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.span(buttons)


class NewRosterDialog(QDialog):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("新建值班表")
        form = FormRows(self)
        today = ctx.now().astimezone().date()
        first = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        self.start, self.end = QDateEdit(from_date(first)), QDateEdit(from_date(last))
        for w in (self.start, self.end):
            w.setCalendarPopup(True)
            chinese_dates(w)
        self.title = QLineEdit()
        self.title.setPlaceholderText("如 2026年春节值班表（可不填）")
        self.secret = level_combo(ctx)
        form.row("开始日期", self.start)
        form.row("结束日期", self.end)
        form.row("名称", self.title)
        form.row("密级", self.secret)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.span(buttons)
        fit_dialog(self, 24)


class RulesDialog(QDialog):
    """Shift pattern, people per role per shift, minimum gap, monthly cap, pairs kept apart."""

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("排班规则")
        self.rules = duty.get_rules(ctx)
        self.roles = duty.list_roles(ctx)
        self.staff = {p.id: p.name for p in duty.list_staff(ctx)}
        layout = QVBoxLayout(self)
        form = FormRows()
        self.pattern = QComboBox()
        self.pattern.addItems(list(SHIFT_PATTERNS))
        for label, shifts in SHIFT_PATTERNS.items():
            if shifts == tuple(self.rules.shifts):
                self.pattern.setCurrentText(label)
        form.row("班次", self.pattern)
        layout.addLayout(form)
        # 班次时间: the 交接班 time (start of the first shift) and, with 白班/夜班, each start
        self.times_form = FormRows()
        self.time_edits: list[QTimeEdit] = []
        layout.addLayout(self.times_form)
        self.hours_label = QLabel()  # the resulting hours in words, e.g. 夜班 18:00–次日08:00
        layout.addWidget(self.hours_label)
        self.pattern.currentTextChanged.connect(lambda _t: self._build_times())
        self._build_times()
        grid = QGridLayout()
        for col, text in enumerate(["岗位", "每班人数", "最少间隔天数", "每月最多次数（0为不限）"]):
            head = QLabel(text)
            if col == 2:
                head.setToolTip("同一人两次值班至少相隔的天数：2 为值班后至少休息一天，"
                                "1 为可连日值班，0 为不限")
            grid.addWidget(head, 0, col)
        self.spins: dict[str, tuple[QSpinBox, QSpinBox, QSpinBox]] = {}
        for row, (code, name) in enumerate(self.roles.items(), start=1):
            need, gap, cap = QSpinBox(), QSpinBox(), QSpinBox()
            need.setRange(0, 20)
            gap.setRange(0, 60)
            cap.setRange(0, 31)
            need.setValue(self.rules.roles.get(code, 0))
            gap.setValue(self.rules.min_gap_days.get(code, 0))
            cap.setValue(self.rules.max_per_month.get(code, 0))
            grid.addWidget(QLabel(name), row, 0)
            for col, spin in enumerate((need, gap, cap), start=1):
                grid.addWidget(spin, row, col)
            self.spins[code] = (need, gap, cap)
        layout.addLayout(grid)
        layout.addWidget(QLabel("不能同日值班的人员（每行两人，用空格分隔，如：张伟 刘洋）："))
        self.apart = QPlainTextEdit("\n".join(
            f"{self.staff.get(a, a)} {self.staff.get(b, b)}" for a, b in self.rules.apart))
        layout.addWidget(self.apart)
        self.message = MessageLine(name="rulesMessage")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _build_times(self) -> None:
        """One time edit per shift of the chosen pattern, filled from the saved hours (for
        another pattern: shifts of equal length from the saved 交接班 time)."""
        while self.times_form.rowCount():
            self.times_form.removeRow(0)
        shifts = SHIFT_PATTERNS[self.pattern.currentText()]
        hours = ShiftHours.resolve(self.rules.starts, len(shifts)) if shifts == tuple(
            self.rules.shifts) else ShiftHours.even(self.rules.hours.handover, len(shifts))
        self.time_edits = []
        for i, (name, start) in enumerate(zip(shifts, hours.starts, strict=False)):
            edit = QTimeEdit(QTime(start.hour, start.minute))
            chinese_dates(edit)
            label = f"交接班时间（{name}开始）" if i == 0 else f"{name}开始时间"
            self.times_form.row(label, edit)
            self.time_edits.append(edit)
            edit.timeChanged.connect(lambda _t: self._show_hours())
        self._show_hours()

    def _show_hours(self) -> None:
        shifts = SHIFT_PATTERNS[self.pattern.currentText()]
        try:
            self.hours_label.setText("班次时间：" + ShiftHours(self.starts()).label(shifts))
        except InputError as exc:
            self.hours_label.setText(str(exc))

    def starts(self) -> tuple[dt.time, ...]:
        return tuple(dt.time(e.time().hour(), e.time().minute()) for e in self.time_edits)

    def save(self) -> None:
        by_name = {}
        for sid, name in self.staff.items():
            by_name.setdefault(name, sid)
        try:
            pairs = []
            for n, line in enumerate(self.apart.toPlainText().splitlines(), start=1):
                names = line.split()
                if not names:
                    continue
                if len(names) != 2 or any(x not in by_name for x in names):
                    raise InputError(f"第{n}行应为两位已登记人员的姓名。")
                pairs.append((by_name[names[0]], by_name[names[1]]))
            rules = duty.Rules(
                SHIFT_PATTERNS[self.pattern.currentText()],
                {c: s[0].value() for c, s in self.spins.items() if s[0].value()},
                {c: s[1].value() for c, s in self.spins.items() if s[1].value()},
                {c: s[2].value() for c, s in self.spins.items() if s[2].value()},
                tuple(pairs), self.rules.version, self.starts())
            duty.save_rules(self.ctx, rules)
        except Exception as exc:  # noqa: BLE001
            self.message.error(exc)
            return
        self.accept()


class SwapDialog(QDialog):
    """调班/代班 for one duty: who takes it, (调班) which of their days the first person takes
    in exchange, and why."""

    def __init__(self, ctx: ServiceContext, roster: RosterInfo, item: Duty,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("调班/代班")
        self.item = item
        form = FormRows(self)
        self.kind = QComboBox()
        self.kind.addItems(list(duty.SWAP_KINDS))
        self.to = QComboBox()
        for p in duty.list_staff(ctx, active_only=True):
            if item.role in p.roles and p.id != item.staff_id:
                self.to.addItem(p.name, p.id)
        self.other = QComboBox()
        self.to.currentIndexChanged.connect(lambda _i: self._other_days(roster))
        self.reason = QLineEdit()
        form.row("原值班", QLabel(f"{item.day.isoformat()} {item.staff_name}"))
        form.row("类型", self.kind)
        form.row("由谁值班", self.to)
        form.row("对方原值班日（调班）", self.other)
        form.row("原因", self.reason)
        self.kind.currentTextChanged.connect(lambda k: self.other.setEnabled(k == "调班"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.span(buttons)
        self._other_days(roster)

    def _other_days(self, roster: RosterInfo) -> None:
        self.other.clear()
        sid = self.to.currentData()
        for d in roster.duties:
            if d.staff_id == sid and d.role == self.item.role and d.shift == self.item.shift:
                self.other.addItem(d.day.isoformat(), d.day)


class NoticeDialog(QDialog):
    """What the notice needs beyond the roster: period wording, 主送, duty phone. No 发文字号 is
    typed here: a number comes only from the register at 签发 (“生成公文文稿” makes a 通知 draft
    in 公文; the notice printed from here carries none)."""

    def __init__(self, roster: RosterInfo, holiday: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("节假日值班表" if holiday else "值班安排通知")
        form = FormRows(self)
        self.period = QLineEdit(roster.title.replace("值班表", "") or roster.title)
        self.holiday = QLineEdit()
        self.holiday.setPlaceholderText("如 春节（可不填）")
        self.to = QLineEdit("各处室、各直属单位")
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("总值班室电话")
        form.row("值班期间（标题用语）", self.period)
        if holiday:
            form.row("节日名称", self.holiday)
        else:
            form.row("主送机关", self.to)
            hint = QLabel("发文字号在签发时从发文字号台账取得，此处直接打印的通知不带发文字号。")
            hint.setWordWrap(True)
            form.span(hint)
        form.row("值班电话", self.phone)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.span(buttons)
        self.is_holiday = holiday

    def options(self) -> duty_publish.NoticeOptions:
        return duty_publish.NoticeOptions(
            period=self.period.text().strip(), to=self.to.text().strip(),
            duty_phone=self.phone.text().strip(), holiday=self.holiday.text().strip(),
            template="holiday_roster" if self.is_holiday else "duty_notice")


class RosterTab(QWidget):
    published = Signal()  # a roster was published: the now-on-duty panel reads again

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.roster: RosterInfo | None = None
        self.month: tuple[int, int] | None = None
        self.task: TaskHandle | None = None
        self.check_task: TaskHandle | None = None  # the rule check of the shown roster
        self._checks = 0
        self.dialog: QDialog | None = None
        self.publish_box: QMessageBox | None = None
        self.rule_box: QMessageBox | None = None  # an edit breaks a rule: 仍要保存?
        self.outcome: GenerateOutcome | None = None
        #: the role may edit rosters (otherwise the tab is a read-only view)
        self.can_edit = ctx.actor is not None and allowed(ctx.actor.roles, Action.EDIT_ROSTER)
        layout = QVBoxLayout(self)

        bar = QHBoxLayout()
        self.rosters = QComboBox()
        self.rosters.setMinimumWidth(260)
        self.rosters.currentIndexChanged.connect(lambda _i: self.load())
        self.new_button = QPushButton("新建…")
        self.new_button.clicked.connect(self.new_roster)
        self.rules_button = QPushButton("排班规则…")
        self.rules_button.clicked.connect(self.edit_rules)
        self.generate_button = QPushButton("生成排班")
        self.generate_button.setShortcut("Ctrl+G")
        self.generate_button.clicked.connect(self.generate)
        self.swap_button = QPushButton("调班/代班…")
        self.swap_button.clicked.connect(self.swap)
        self.ledger_button = QPushButton("公平台账…")
        self.ledger_button.clicked.connect(self.show_ledger)
        self.publish_button = QPushButton("发布")
        self.publish_button.clicked.connect(self.publish)
        self.level_button = QPushButton("密级…")
        self.level_button.clicked.connect(self.change_level)
        self.copies = copies_box()  # 份数 of the next PDF print (notice, calendar)
        # a push button with a menu: same height and look as its neighbours (a tool button
        # drew its arrow over the text)
        self.export_button = QPushButton("导出/打印(&E)")
        menu = QMenu(self.export_button)
        for text, kind in (("值班安排通知（PDF）…", "notice_pdf"), ("值班安排通知（Word）…", "notice_docx"),
                           ("节假日值班表（PDF）…", "holiday_pdf"), ("月历打印（PDF）…", "calendar"),
                           ("Excel 表格（XLSX）…", "xlsx")):
            menu.addAction(text, lambda k=kind: self.choose_export(k))
        # the notice as a 公文 draft: edited, proofread and numbered at 签发 from the register
        menu.addAction("值班安排通知（公文文稿，签发时取号）…", self.choose_notice_draft)
        self.export_button.setMenu(menu)
        for w in (QLabel("值班表"), self.rosters, self.new_button, self.rules_button,
                  self.generate_button, self.swap_button,
                  self.ledger_button, self.publish_button, self.level_button, self.copies,
                  self.export_button):
            bar.addWidget(w)
        for b in (self.new_button, self.rules_button, self.generate_button, self.swap_button,
                  self.publish_button, self.level_button):
            gate(b, ctx.actor, Action.EDIT_ROSTER)
        bar.addStretch(1)
        layout.addLayout(bar)

        # what the last act did; while a roster is generated, its progress with 取消
        self.status = MessageLine(name="rosterMessage")
        layout.addWidget(self.status)

        split = QSplitter(Qt.Orientation.Horizontal)
        cal_box = QWidget()
        cal = QVBoxLayout(cal_box)
        cal.setContentsMargins(0, 0, 0, 0)
        nav = QHBoxLayout()
        self.prev_button = QPushButton("◀ 上月")
        self.prev_button.clicked.connect(lambda: self.step_month(-1))
        self.month_label = QLabel()
        self.month_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.next_button = QPushButton("下月 ▶")
        self.next_button.clicked.connect(lambda: self.step_month(1))
        nav.addWidget(self.prev_button)
        nav.addWidget(self.month_label, 1)
        nav.addWidget(self.next_button)
        cal.addLayout(nav)
        self.grid = QTableWidget(6, 7)
        self.grid.setHorizontalHeaderLabels([f"星期{w}" for w in WEEK])
        self.grid.verticalHeader().hide()
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.grid.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.setWordWrap(True)
        self.grid.cellDoubleClicked.connect(self.select_day)
        cal.addWidget(self.grid)
        split.addWidget(cal_box)
        self.list = QTableWidget(0, len(LIST_COLUMNS))
        self.list.setHorizontalHeaderLabels(LIST_COLUMNS)
        self.list.verticalHeader().hide()
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        size_columns(self.list, LIST_COLUMNS, _LIST_WIDTHS)  # dates were cut to "2021-07…"
        self.list.horizontalHeader().setStretchLastSection(True)
        self.list.doubleClicked.connect(lambda _i: self.edit_selected())
        split.addWidget(self.list)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)
        self.problems = MessageLine(name="rosterProblems")  # the shown roster's rule check
        layout.addWidget(self.problems)
        self.reads = LatestRead(self, on_error=self.status.error)
        self.read_in_background()

    # ------------------------------------------------------------------ loading
    @property
    def reading(self) -> bool:
        """A read in the worker has not come yet."""
        return self.reads.reading

    def read_in_background(self) -> TaskHandle:
        """Read the rosters, the shown one's duties (else the first's), the duty roles and the
        office's holiday tables in the worker — at the 值班 page's first visit, which held the
        GUI thread for them (issue 30, ``benchmarks/bench_stall.py``), and when the tab is
        chosen again. A ``refresh``/``load`` made meanwhile (an act of the user's) wins."""
        ctx = self.ctx
        keep = self.roster.id if self.roster else None

        def read() -> tuple[list[RosterInfo], RosterInfo | None, dict[str, str]]:
            rosters = duty.list_rosters(ctx)
            ids = [r.id for r in rosters]
            rid = keep if keep in ids else (ids[0] if ids else None)
            roster = duty.get_roster(ctx, rid) if rid else None
            roles = duty.list_roles(ctx)
            holidays.calendar(ctx)  # the office's holiday tables, for the grid's day kinds
            return rosters, roster, roles

        def arrived(result: tuple[list[RosterInfo], RosterInfo | None, dict[str, str]]) -> None:
            rosters, roster, roles = result
            self._fill_rosters(rosters, roster.id if roster else None)
            self._show(roster, roles, calendar_read=True)

        return self.reads.start(read, arrived)

    def refresh(self, select_id: int | None = None) -> None:
        keep = select_id or (self.roster.id if self.roster else None)
        self.reads.supersede()
        self._fill_rosters(duty.list_rosters(self.ctx), keep)
        self.load()

    def _fill_rosters(self, rosters: list[RosterInfo], keep: int | None) -> None:
        self.rosters.blockSignals(True)
        self.rosters.clear()
        for r in rosters:
            level = f"，{LEVELS[min(r.classification, 3)]}" if r.classification else ""
            self.rosters.addItem(f"{r.title}（{r.status_label}{level}）", r.id)
        index = max(0, self.rosters.findData(keep)) if keep else 0
        self.rosters.setCurrentIndex(index if rosters else -1)
        self.rosters.blockSignals(False)

    def load(self) -> None:
        self.reads.supersede()
        rid = self.rosters.currentData()
        self._show(duty.get_roster(self.ctx, rid) if rid else None)

    def _show(self, roster: RosterInfo | None, roles: dict[str, str] | None = None, *,
              calendar_read: bool = False) -> None:
        self.roster = r = roster
        if r and (self.month is None or not (
                (r.start.year, r.start.month) <= self.month <= (r.end.year, r.end.month))):
            self.month = (r.start.year, r.start.month)
        self._fill_list(roles)
        self._fill_grid(roles, calendar_read=calendar_read)
        self._validate()
        busy = self.task is not None and not self.task.finished
        for b in (self.generate_button, self.swap_button, self.publish_button, self.level_button):
            gate(b, self.ctx.actor, Action.EDIT_ROSTER, r is not None and not busy)
        self.export_button.setEnabled(r is not None and not busy)

    def _fill_list(self, roles: dict[str, str] | None = None) -> None:
        duties = self.roster.duties if self.roster else ()
        roles = roles if roles is not None else duty.list_roles(self.ctx)
        self.list.setRowCount(len(duties))
        for row, d in enumerate(duties):
            for col, v in enumerate([d.day.isoformat(), f"星期{WEEK[d.day.weekday()]}", d.shift,
                                     duty.role_name(roles, d.role), d.staff_name,
                                     SOURCES.get(d.source, d.source)]):
                self.list.setItem(row, col, QTableWidgetItem(v))

    def _fill_grid(self, roles: dict[str, str] | None = None, *,
                   calendar_read: bool = False) -> None:
        self.grid.clearContents()
        if self.roster is None or self.month is None:
            self.month_label.setText("")
            return
        y, m = self.month
        self.month_label.setText(f"{y}年{m}月")
        if not calendar_read:
            holidays.calendar(self.ctx)  # the office's imported holiday tables, up to date
        by_day: dict[dt.date, list[Duty]] = defaultdict(list)
        for d in self.roster.duties:
            by_day[d.day].append(d)
        roles = roles if roles is not None else duty.list_roles(self.ctx)
        weeks = pycal.Calendar(0).monthdatescalendar(y, m)
        self.grid.setRowCount(len(weeks))
        for row, week in enumerate(weeks):
            for col, day in enumerate(week):
                if day.month != m:
                    continue
                kind, label = day_kind(day)
                lines = [f"{day.day}　{label}" if label else str(day.day)]
                per_role: dict[str, list[str]] = defaultdict(list)
                for d in by_day.get(day, []):
                    per_role[d.role].append(d.staff_name)
                for code in roles:
                    if per_role.get(code):
                        label = {"leader": "带班", "officer": "值班"}.get(code, roles[code])
                        lines.append(f"{label}：{'、'.join(per_role[code])}")
                item = QTableWidgetItem("\n".join(lines))
                item.setData(Qt.ItemDataRole.UserRole, day)
                item.setTextAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
                if kind == "holiday":
                    item.setBackground(HOLIDAY_SHADE)
                    item.setToolTip(f"{label}（法定节假日）")
                elif kind == "rest":
                    item.setBackground(REST_SHADE)
                elif kind == "makeup":
                    item.setToolTip("调休上班日")
                self.grid.setItem(row, col, item)

    def select_day(self, row: int, col: int) -> None:
        """Double-click on a day in the grid: its duties selected in the list, ready to edit."""
        item = self.grid.item(row, col)
        if item is None or self.roster is None:
            return
        day = item.data(Qt.ItemDataRole.UserRole)
        for i, d in enumerate(self.roster.duties):
            if d.day == day:
                self.list.selectRow(i)
                self.list.scrollToItem(self.list.item(i, 0))
                return

    def step_month(self, delta: int) -> None:
        if self.month is None:
            return
        y, m = self.month
        m += delta
        y, m = (y - 1, 12) if m == 0 else ((y + 1, 1) if m == 13 else (y, m))
        self.month = (y, m)
        self._fill_grid()

    def _validate(self) -> None:
        """Check the shown roster against the rules in the worker (the independent validator
        over a month took ~40 ms of the GUI thread at every load); the line below the calendar
        follows. An answer for a roster no longer shown, or an older load, is dropped."""
        self._checks += 1
        self.problems.clear()
        if not self.roster or not self.roster.duties:
            return
        ctx, rid, seq = self.ctx, self.roster.id, self._checks

        def checked(lines: list[str]) -> None:
            if seq != self._checks:
                return
            more = f"……共{len(lines)}处" if len(lines) > 8 else ""
            if lines:
                self.problems.error("不符合规则：" + "；".join(lines[:8]) + more)
            else:
                self.problems.clear()

        def start() -> None:
            if seq != self._checks:
                return  # another load came first
            task = run_task(lambda _c: duty.validate_roster(ctx, rid), on_result=checked,
                            on_error=lambda exc: seq == self._checks
                            and self.problems.error(exc), parent=self)
            task.done.connect(task.deleteLater)
            self.check_task = task

        # started once the page is built and shown: the validator is Python work that would
        # contend with the building for the interpreter lock (measured: the first visit took
        # longer with the check started at once)
        QTimer.singleShot(0, self, start)

    # ------------------------------------------------------------------ actions
    def new_roster(self) -> None:
        dlg = NewRosterDialog(self.ctx, self)
        self.dialog = dlg
        dlg.accepted.connect(lambda: self._create(dlg))
        dlg.open()

    def _create(self, dlg: NewRosterDialog) -> None:
        try:
            r = duty.create_roster(self.ctx, to_date(dlg.start.date()), to_date(dlg.end.date()),
                                   dlg.title.text(), classification=dlg.secret.currentIndex())
        except Exception as exc:  # noqa: BLE001
            self.status.error(exc)
            return
        self.refresh(r.id)

    def change_level(self) -> None:
        """Ask for the roster's 密级 (window-modal) and save it."""
        if self.roster is None:
            return
        roster = self.roster
        dlg = LevelDialog(self.ctx, roster, self)
        self.dialog = dlg
        dlg.accepted.connect(lambda: self.set_level(dlg.secret.currentIndex(), roster))
        dlg.open()

    def set_level(self, level: int, roster: RosterInfo | None = None) -> bool:
        roster = roster or self.roster
        if roster is None:
            return False
        try:
            duty.set_roster_classification(self.ctx, roster.id, level,
                                           expected_version=roster.version)
        except UserError as exc:
            self.status.setText(explain(exc))
            return False
        self.status.setText(f"值班表密级已设为{LEVELS[level]}，打印件将标注密级。")
        self.refresh(roster.id)
        return True

    def edit_rules(self) -> None:
        dlg = RulesDialog(self.ctx, self)
        self.dialog = dlg
        dlg.accepted.connect(lambda: (self.status.ok("排班规则已保存。"), self.load()))
        dlg.open()

    def generate(self, time_limit: float = 10.0, *,
                 unknown_years_confirmed: bool = False) -> TaskHandle | None:
        """Generate in the worker, its progress and 取消 on the message line. A period reaching
        into a year with no holiday table is asked about first (its weekends would be the only
        rest days)."""
        if self.roster is None:
            return None
        ctx, rid = self.ctx, self.roster.id
        if not unknown_years_confirmed:
            unknown = duty.roster_unknown_years(ctx, rid)
            if unknown:
                self._ask_unknown_years(unknown, time_limit)
                return None

        def work(control):  # type: ignore[no-untyped-def]
            return duty.generate(ctx, rid, progress=control.progress,
                                 cancel=lambda: control.cancelled, time_limit=time_limit,
                                 allow_unknown_years=unknown_years_confirmed)

        self.outcome = None
        self.task = run_busy(self.status, work, busy="正在排班……", cancellable=True,
                             on_result=self._generated,
                             on_cancelled=lambda: self.status.say("已取消排班，值班表未改动。"),
                             parent=self)
        self.task.done.connect(self.load)
        self.load()
        return self.task

    def _ask_unknown_years(self, years: list[int], time_limit: float) -> None:
        names = "、".join(f"{y}年" for y in years)
        self.question = confirm(
            self, "节假日安排尚未录入",
            f"值班表跨入{names}，而{names}节假日安排尚未录入：排班时只按周末计算休息日，法定节假日"
            "不会被识别。\n\n建议先由管理员在“节假日安排”中导入国务院通知。仍要现在排班吗？",
            "仍然排班", lambda: self.generate(time_limit, unknown_years_confirmed=True),
            icon=QMessageBox.Icon.Warning, default=None, name="unknownYearsQuestion",
            on_reject=lambda: self.status.say(f"已取消排班：{names}节假日安排尚未录入。"))

    def _generated(self, outcome: GenerateOutcome) -> None:
        self.outcome = outcome
        if outcome.status == "cancelled":
            self.status.say("已取消排班，值班表未改动。")
        elif not outcome.ok:
            self.status.error("无法排班：\n" + "\n".join(outcome.reasons))
        else:
            roles = duty.list_roles(self.ctx)
            fair = "；".join(f"{duty.role_name(roles, r)}次数差{t}、休息日差{s}"
                            for r, (t, s) in outcome.fairness.items())
            dropped = ("\n未能保留：" + "；".join(outcome.dropped)) if outcome.dropped else ""
            self.status.ok(f"已排{outcome.count}人次（{fair}），用时{outcome.seconds:.1f}秒。"
                           f"{dropped}")

    def selected_duty(self) -> Duty | None:
        rows = self.list.selectionModel().selectedRows()
        if not rows or not self.roster:
            return None
        return self.roster.duties[rows[0].row()]

    def _save_checked(self, save: Callable[[bool], list[str]], done: str) -> None:
        """Save an edit with the rules checked: ``save(allow_violations)`` returns the rules the
        edit breaks, and saves nothing when there are some unless allowed. Then the question
        (``rule_box``, window-modal): 仍要保存 saves it anyway, 取消 says what was not saved."""
        try:
            problems = save(False)
        except Exception as exc:  # noqa: BLE001
            self.status.error(exc)
            return
        if not problems:
            self._saved(done)
            return

        def anyway() -> None:
            try:
                save(True)
            except Exception as exc:  # noqa: BLE001
                self.status.error(exc)
                return
            self._saved(done)

        self.rule_box = confirm(
            self, "不符合排班规则", "此调整不符合排班规则：\n" + "\n".join(problems[:10]),
            "仍要保存", anyway, informative="仍要保存吗？", icon=QMessageBox.Icon.Warning,
            default="reject", name="rosterRuleQuestion",
            on_reject=lambda: self.status.say("未保存：" + "；".join(problems)))

    def _saved(self, done: str) -> None:
        self.status.ok(done)
        self.load()

    def edit_selected(self) -> None:
        item = self.selected_duty()
        if item is None or self.roster is None or not self.can_edit:
            return
        choices = [(p.name, p.id) for p in duty.list_staff(self.ctx, active_only=True)
                   if item.role in p.roles and p.id != item.staff_id]
        dlg = QDialog(self)
        dlg.setWindowTitle("调整值班人员")
        form = FormRows(dlg)
        combo = QComboBox()
        for name, sid in choices:
            combo.addItem(name, sid)
        form.row("原值班", QLabel(f"{item.day.isoformat()} {item.staff_name}"))
        form.row("改为", combo)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(dlg.accept)
        buttons.rejected.connect(dlg.reject)
        form.span(buttons)
        dlg.combo = combo  # type: ignore[attr-defined]
        dlg.accepted.connect(lambda: self.replace_duty(item, combo.currentData()))
        self.dialog = dlg
        dlg.open()

    def replace_duty(self, item: Duty, staff_id: int) -> None:
        """Put ``staff_id`` on ``item``'s duty; asks first (``rule_box``) when it breaks a rule."""
        assert self.roster is not None
        ctx, rid = self.ctx, self.roster.id
        self._save_checked(lambda allow: duty.set_duty(
            ctx, rid, item.day, item.shift, item.role, item.staff_id, staff_id,
            allow_violations=allow), "已调整。")

    def swap(self) -> None:
        item = self.selected_duty()
        if item is None or self.roster is None:
            self.status.say("请先在右侧列表中选择要调班/代班的值班。")
            return
        dlg = SwapDialog(self.ctx, self.roster, item, self)
        dlg.accepted.connect(lambda: self.record_swap(
            item, dlg.kind.currentText(), dlg.to.currentData(), dlg.reason.text(),
            dlg.other.currentData()))
        self.dialog = dlg
        dlg.open()

    def record_swap(self, item: Duty, kind: str, to_id: int, reason: str,
                    other_day: dt.date | None = None) -> None:
        """Record a 调班/代班; asks first (``rule_box``) when it breaks a rule."""
        assert self.roster is not None
        args = (self.ctx, self.roster.id, kind, item.day, item.shift, item.role, item.staff_id,
                to_id)
        self._save_checked(lambda allow: duty.record_swap(
            *args, other_day=other_day, reason=reason, allow_violations=allow), f"已记录{kind}。")

    def show_ledger(self) -> None:
        year = (self.roster.start.year if self.roster
                else self.ctx.now().astimezone().date().year)
        dlg = LedgerDialog(self.ctx, year, self.roster.id if self.roster else None, self)
        self.dialog = dlg
        dlg.open()

    def publish(self) -> QMessageBox | None:
        """Ask first (window-modal, ``open()``): publishing makes the roster what the desk, the
        handover and next year's fairness read. 发布 then calls ``do_publish``."""
        if self.roster is None:
            return None
        r = self.roster
        self.publish_box = confirm(
            self, "发布值班表",
            f"发布“{r.title}”（{r.start.month}月{r.start.day}日至{r.end.month}月{r.end.day}日）？",
            "发布", self.do_publish,
            informative="发布后，值班台“正在值班”、交接班和公平台账按此表执行；之后仍可调班/代班。")
        return self.publish_box

    def do_publish(self) -> bool:
        if self.roster is None:
            return False
        try:
            info = duty.publish(self.ctx, self.roster.id)
        except Exception as exc:  # noqa: BLE001
            self.status.error(exc)
            return False
        self.status.ok(f"已发布“{info.title}”。")
        self.refresh()
        self.published.emit()
        return True

    # ------------------------------------------------------------------ outputs
    def choose_export(self, kind: str) -> None:
        if self.roster is None:
            return
        if kind in ("notice_pdf", "notice_docx", "holiday_pdf"):
            dlg = NoticeDialog(self.roster, kind == "holiday_pdf", self)
            self.dialog = dlg
            dlg.accepted.connect(lambda: self._ask_path(kind, dlg.options()))
            dlg.open()
        else:
            self._ask_path(kind, None)

    def choose_notice_draft(self) -> None:
        if self.roster is None:
            return
        dlg = NoticeDialog(self.roster, False, self)
        self.dialog = dlg
        dlg.accepted.connect(lambda: self.notice_draft(dlg.options()))
        dlg.open()

    def notice_draft(self, opts: duty_publish.NoticeOptions) -> int | None:
        """Make the notice a 通知 draft in 公文 and open it there for editing (its 发文字号
        comes from the register when a leader signs it)."""
        if self.roster is None:
            return None
        try:
            info = duty_publish.draft_notice(self.ctx, self.roster.id, opts)
        except UserError as exc:
            self.status.error(exc)
            return None
        self.status.ok(f"已生成公文文稿“{info.title}”，请在“公文”中修改、校核后送签发。")
        window = self.window()
        if hasattr(window, "show_page") and "documents" in getattr(window, "page_keys", list)():
            page = window.show_page("documents")
            if hasattr(page, "open_document"):
                page.open_document(info.id)
        return info.id

    def _ask_path(self, kind: str, opts: duty_publish.NoticeOptions | None) -> None:
        assert self.roster is not None
        suffix = {"notice_docx": "docx", "xlsx": "xlsx"}.get(kind, "pdf")
        name = f"{self.roster.title}.{suffix}"
        self.file_dialog = ask_save_path(
            self, FileKind.SHEETS if suffix == "xlsx" else FileKind.PRINTS, "保存",
            lambda path: self.export(kind, Path(path), opts), name=name,
            filters=[{"docx": DOCX, "xlsx": XLSX}.get(suffix, PDF)], suffix=suffix)

    def export(self, kind: str, path: Path, opts: duty_publish.NoticeOptions | None = None, *,
               allow_placeholders: bool = False) -> TaskHandle | None:
        if self.roster is None:
            return None
        ctx, rid, copies = self.ctx, self.roster.id, self.copies.value()
        if opts is None and kind in ("notice_pdf", "notice_docx", "holiday_pdf"):
            opts = NoticeDialog(self.roster, kind == "holiday_pdf").options()

        def work(control):  # type: ignore[no-untyped-def]
            control.progress(10, "正在生成……")
            if opts is not None:
                fmt = "docx" if kind == "notice_docx" else "pdf"
                data = duty_publish.render_notice(ctx, rid, opts, fmt,
                                                  allow_placeholders=allow_placeholders,
                                                  copies=copies if fmt == "pdf" else 1)
            elif kind == "calendar":
                data = duty_publish.render_calendar(ctx, rid, copies=copies)
            else:
                data = duty_publish.export_xlsx(ctx, rid)
            control.check()
            output.save(data, path)
            return saved_text(path, data)

        def failed(exc: BaseException) -> None:
            self.status.error(exc)
            if isinstance(exc, UnfilledPlaceholders):
                self.placeholder_box = ask_print_anyway(
                    self, exc, lambda: self.export(kind, path, opts, allow_placeholders=True))

        self.task = run_busy(self.status, work, busy="正在导出……", on_error=failed, parent=self)
        return self.task
