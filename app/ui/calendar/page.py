"""节假日安排 page (administrators): enter next year's holiday table from the State Council's
notice, see each known year as a calendar, make local changes.

* 导入通知: paste the notice or open a .txt/.docx/.pdf file; 解析 (Ctrl+Enter) reads it in the
  worker and shows the year as twelve month grids (休 rest days, 班 make-up workdays, festival in
  the tooltip), what changes against the year's current table and which stored deadlines move;
  导入 asks once (non-blocking) and stores it. A notice that does not add up shows the reason,
  naming the line, and nothing is stored.
* 已知年份: every year with a table and where it comes from (程序自带 / 本单位录入, who, when, SM3
  digest); choosing one shows its calendar.
* 本地调整: one day made a rest day or a workday for this office, with the reason.
"""

from __future__ import annotations

import calendar as pycal
import datetime as dt

from app.domain.holiday_notice import YearTable
from app.errors import UserError
from app.services import holidays
from app.services.context import ServiceContext
from app.ui.chinese import chinese_dates
from app.ui.kit import (
    FileKind,
    FormRows,
    LazyTab,
    MessageLine,
    TaskHandle,
    ask_file,
    confirm,
    describe,
    run_busy,
    run_task,
)
from app.ui.pages import register_page
from app.ui.qt import (
    QAbstractItemView,
    QBrush,
    QColor,
    QComboBox,
    QDate,
    QDateEdit,
    QFont,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QShortcut,
    QSplitter,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

REST_BG = QColor("#fde2e1")
WORK_BG = QColor("#e3ecfa")
LOCAL_FG = QColor("#8a4b00")
WEEKDAYS = "一二三四五六日"


class MonthGrid(QTableWidget):
    """One month: 7 columns (一…日), each day's number with 休/班 and its festival as tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(6, 7, parent)
        self.setHorizontalHeaderLabels(list(WEEKDAYS))
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        em = self.fontMetrics().horizontalAdvance("国")
        self.setMinimumSize(em * 16, em * 11)

    def show_month(self, year: int, month: int,
                   marks: dict[dt.date, tuple[str, str, bool]]) -> None:
        self.clearContents()
        weeks = pycal.Calendar(0).monthdatescalendar(year, month)
        for r in range(6):
            for c in range(7):
                if r >= len(weeks) or weeks[r][c].month != month:
                    self.setItem(r, c, QTableWidgetItem(""))
                    continue
                day = weeks[r][c]
                mark, name, local = marks.get(day, ("", "", False))
                item = QTableWidgetItem(f"{day.day}{mark}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setData(Qt.ItemDataRole.UserRole, day.isoformat())
                if mark == "休":
                    item.setBackground(QBrush(REST_BG))
                elif mark == "班":
                    item.setBackground(QBrush(WORK_BG))
                if local:
                    item.setForeground(QBrush(LOCAL_FG))
                if name or mark:
                    word = {"休": "放假", "班": "调休上班"}.get(mark, "")
                    item.setToolTip(f"{day.month}月{day.day}日 {name or ''}{word}".strip()
                                    + ("（本单位调整）" if local else ""))
                self.setItem(r, c, item)


class YearView(QWidget):
    """Twelve month grids of one year, with a title line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("")
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        self.months: list[MonthGrid] = []
        grid = QGridLayout()
        grid.setSpacing(6)
        for m in range(12):
            box = QGroupBox(f"{m + 1}月")
            month = MonthGrid()
            QVBoxLayout(box).addWidget(month)
            self.months.append(month)
            grid.addWidget(box, m // 4, m % 4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(grid, 1)
        self.marks: dict[dt.date, tuple[str, str, bool]] = {}

    def show_year(self, year: int, marks: dict[dt.date, tuple[str, str, bool]],
                  title: str) -> None:
        self.marks = marks
        self.title.setText(title)
        for m, grid in enumerate(self.months, 1):
            grid.show_month(year, m, marks)

    def cell_text(self, day: dt.date) -> str:
        """The text shown for ``day`` (tests and accessibility)."""
        grid = self.months[day.month - 1]
        for r in range(grid.rowCount()):
            for c in range(grid.columnCount()):
                item = grid.item(r, c)
                if item is not None and item.data(Qt.ItemDataRole.UserRole) == day.isoformat():
                    return item.text()
        return ""


def table_marks(table: YearTable) -> dict[dt.date, tuple[str, str, bool]]:
    out: dict[dt.date, tuple[str, str, bool]] = {}
    for d, name in table.rest.items():
        out[d] = ("休", name, False)
    for d, name in table.work.items():
        out[d] = ("班", name, False)
    return out


class CalendarPage(QWidget):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.preview: holidays.ImportPreview | None = None
        self.text_previewed = ""
        self.task: TaskHandle | None = None
        self.years: list[holidays.YearInfo] = []
        self.question: QMessageBox | None = None

        self.tabs = QTabWidget()
        self.tabs.addTab(self._import_tab(), "导入通知")
        self.tabs.addTab(self._years_tab(), "已知年份")
        self.tabs.addTab(self._local_tab(), "本地调整")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self.load_years()

    # ------------------------------------------------------------------ import tab
    def _import_tab(self) -> QWidget:
        self.notice_edit = QPlainTextEdit()
        self.notice_edit.setObjectName("noticeText")
        self.notice_edit.setPlaceholderText(
            "将国务院办公厅关于××××年部分节假日安排的通知全文粘贴在这里（含标题），"
            "或点击“打开文件”读取 .txt / .docx / .pdf 文件。补充通知（如调整、延长假期）同样在此导入。")
        self.notice_edit.textChanged.connect(self._text_changed)
        self.open_button = QPushButton("打开文件(&O)…")
        self.open_button.clicked.connect(self.open_file)
        self.parse_button = QPushButton("解析(&P)")
        self.parse_button.setToolTip("Ctrl+Enter")
        self.parse_button.clicked.connect(self.parse)
        self.import_button = QPushButton("导入(&I)")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.confirm_import)
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(key), self.notice_edit, activated=self.parse)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(self.parse_button)
        buttons.addWidget(self.import_button)
        self.message = MessageLine(name="importMessage")
        self.changes = QListWidget()
        self.changes.setObjectName("changes")
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.notice_edit, 3)
        lv.addLayout(buttons)
        lv.addWidget(self.message)
        lv.addWidget(QLabel("变化与受影响的期限："))
        lv.addWidget(self.changes, 1)
        # the twelve months are built when a notice is first parsed (a first visit builds none)
        self.parsed_place: LazyTab[YearView] = LazyTab(
            YearView, when_shown=False, placeholder="解析通知后，这里按月显示全年的放假与调休上班安排。")
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.parsed_place)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        em = self.fontMetrics().horizontalAdvance("国")
        split.setSizes([em * 30, em * 60])
        return split

    @property
    def parsed_view(self) -> YearView:
        """The parsed notice's year, month by month (built at the first parse)."""
        return self.parsed_place.content()

    @property
    def year_view(self) -> YearView:
        """The chosen known year, month by month (built when a year is first chosen)."""
        return self.year_place.content()

    def _text_changed(self) -> None:
        if self.preview is not None and self.notice_edit.toPlainText() != self.text_previewed:
            self.import_button.setEnabled(False)
            self.message.say("通知文字已修改，请重新解析。")

    def open_file(self) -> QWidget:
        """Pick the notice file (non-blocking; the folder last used for notices)."""
        self.file_dialog = ask_file(self, FileKind.NOTICES, "打开节假日安排通知", self.load_file,
                                    filters=["通知文件 (*.txt *.docx *.pdf)", "所有文件 (*)"])
        return self.file_dialog

    def load_file(self, path: str) -> TaskHandle:
        self.task = run_busy(self.message, lambda _c: holidays.read_notice_file(path),
                             busy="正在读取文件…", on_result=self._file_read,
                             on_error=self._failed, parent=self)
        return self.task

    def _file_read(self, text: str) -> None:
        self.notice_edit.setPlainText(text)
        self.parse()

    def parse(self) -> TaskHandle | None:
        text = self.notice_edit.toPlainText()
        if not text.strip():
            self.message.say("请先粘贴通知全文或打开通知文件。")
            return None
        self.import_button.setEnabled(False)
        ctx = self.ctx
        self.task = run_busy(self.message, lambda _c: holidays.preview_notice(ctx, text),
                             busy="正在解析…", on_result=lambda pre: self._previewed(text, pre),
                             on_error=self._parse_failed, parent=self)
        return self.task

    def _parse_failed(self, exc: BaseException) -> None:
        self.preview = None
        self.changes.clear()
        self.message.error("无法导入：" + describe(exc))

    def _previewed(self, text: str, pre: holidays.ImportPreview) -> None:
        self.preview, self.text_previewed = pre, text
        self.message.say(pre.summary() + "\n确认无误后点击“导入”。")
        self.changes.clear()
        if pre.current_source is not None:  # a new year's days are all on the calendar
            for change in pre.changes:
                self.changes.addItem(change.describe())
        for _kind, _rid, label, old, new in pre.deadline_changes:
            self.changes.addItem(f"{label}：办理期限 {old:%Y-%m-%d} → {new:%Y-%m-%d}")
        if not pre.changes and not pre.deadline_changes:
            self.changes.addItem("（无）")
        kind = "补充通知并入后的" if pre.notice.supplementary else ""
        self.parsed_view.show_year(pre.year, table_marks(pre.table),
                                   f"{pre.year}年（{kind}解析结果）：休＝放假，班＝调休上班")
        self.import_button.setEnabled(True)

    def confirm_import(self) -> None:
        if self.preview is None:
            return
        self.question = confirm(
            self, "导入节假日安排",
            f"导入后，{self.preview.year}年的工作日计算立即按此安排执行（所有终端同时生效）。确定导入吗？",
            "导入", self.do_import)

    def do_import(self) -> TaskHandle | None:
        if self.preview is None:
            return None
        text, ctx = self.text_previewed, self.ctx
        self.import_button.setEnabled(False)
        self.task = run_busy(self.message, lambda _c: holidays.import_notice(
            ctx, text, source_name="界面导入"), busy="正在导入…", on_result=self._imported,
            on_error=self._parse_failed, parent=self)
        return self.task

    def _imported(self, result: holidays.ImportResult) -> None:
        moved = f"，重新计算了 {result.deadlines_moved} 个办理期限" if result.deadlines_moved else ""
        self.message.ok(f"已导入{result.year}年节假日安排，即时生效{moved}。")
        self.preview = None
        self.load_years(select=result.year)

    # ------------------------------------------------------------------ years tab
    def _years_tab(self) -> QWidget:
        self.years_table = QTableWidget(0, 5)
        self.years_table.setObjectName("years")
        self.years_table.setHorizontalHeaderLabels(["年份", "来源", "录入人", "录入时间", "通知摘要（SM3）"])
        self.years_table.verticalHeader().setVisible(False)
        self.years_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.years_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.years_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        em = self.fontMetrics().horizontalAdvance("国")
        for col, width in enumerate((5, 9, 6, 10)):
            self.years_table.setColumnWidth(col, em * width)
        self.years_table.horizontalHeader().setStretchLastSection(True)
        self.years_table.itemSelectionChanged.connect(self._year_chosen)
        self.year_place: LazyTab[YearView] = LazyTab(
            YearView, when_shown=False, placeholder="在上表中选择年份，这里按月显示该年的安排。")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.years_table)
        split.addWidget(self.year_place)
        split.setStretchFactor(1, 3)
        return split

    def load_years(self, select: int | None = None) -> TaskHandle:
        ctx = self.ctx
        self.task = run_task(lambda _c: holidays.list_years(ctx), parent=self,
                             on_result=lambda ys: self._show_years(ys, select),
                             on_error=self._failed)
        return self.task

    def _show_years(self, years: list[holidays.YearInfo], select: int | None) -> None:
        self.years = years
        t = self.years_table
        t.setRowCount(len(years))
        for row, y in enumerate(years):
            when = y.imported_at.astimezone().strftime("%Y-%m-%d %H:%M") if y.imported_at else ""
            for col, value in enumerate((f"{y.year}", y.source_label, y.imported_by, when,
                                         y.digest)):
                item = QTableWidgetItem(value)
                if col == 4 and y.title:
                    item.setToolTip(y.title)
                t.setItem(row, col, item)
        if select is not None:
            for row, y in enumerate(years):
                if y.year == select:
                    t.selectRow(row)
                    self.tabs.setCurrentIndex(1)
                    break

    def year_row(self, year: int) -> holidays.YearInfo | None:
        return next((y for y in self.years if y.year == year), None)

    def _year_chosen(self) -> None:
        rows = self.years_table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.years):
            return
        self.show_year(self.years[rows[0].row()].year)

    def show_year(self, year: int) -> TaskHandle:
        ctx = self.ctx
        self.task = run_task(lambda _c: holidays.year_days(ctx, year), parent=self,
                             on_result=lambda r: self._year_days(year, *r),
                             on_error=self._failed)
        return self.task

    def _year_days(self, year: int, source: str | None, days: list[holidays.DayInfo]) -> None:
        marks = {d.day: (d.mark, d.name, d.local) for d in days}
        label = {"office": "本单位录入", "package": "程序自带", None: "尚未录入，按周末计算"}[source]
        self.year_view.show_year(year, marks, f"{year}年（{label}）：休＝放假，班＝调休上班，"
                                              "棕色字为本单位调整")
        self.local_list.clear()
        for d in days:
            if d.local:
                self.local_list.addItem(f"{d.day:%Y-%m-%d}  {'上班' if d.workday else '放假'}  "
                                        f"{d.name}")

    # ------------------------------------------------------------------ local changes tab
    def _local_tab(self) -> QWidget:
        self.local_date = QDateEdit()
        self.local_date.setCalendarPopup(True)
        chinese_dates(self.local_date)
        self.local_date.setDate(QDate.currentDate())
        self.local_state = QComboBox()
        for text, value in (("放假（本单位闭馆、地方节日）", "rest"), ("上班", "work"),
                            ("取消本地调整", "clear")):
            self.local_state.addItem(text, value)
        self.local_reason = QLineEdit()
        self.local_reason.setPlaceholderText("如：本单位搬迁闭馆；本地法定节日")
        self.local_reason.setMaxLength(200)
        self.local_save = QPushButton("保存调整(&S)")
        self.local_save.clicked.connect(self.save_local)
        self.local_message = MessageLine(name="localMessage")
        form = FormRows()
        form.row("日期", self.local_date)
        form.row("调整为", self.local_state)
        form.row("原因", self.local_reason)
        self.local_list = QListWidget()
        w = QWidget()
        v = QVBoxLayout(w)
        v.addLayout(form)
        v.addWidget(self.local_save, 0, Qt.AlignmentFlag.AlignLeft)
        v.addWidget(self.local_message)
        v.addWidget(QLabel("所选年份的本单位调整（在“已知年份”中选择年份）："))
        v.addWidget(self.local_list, 1)
        return w

    def save_local(self) -> TaskHandle:
        q = self.local_date.date()
        day = dt.date(q.year(), q.month(), q.day())
        state, reason, ctx = self.local_state.currentData(), self.local_reason.text(), self.ctx

        def saved(_r: object) -> None:
            self.local_message.ok(f"已保存：{day:%Y年%m月%d日} {self.local_state.currentText()}。")
            self.show_year(day.year)

        self.task = run_busy(self.local_message, lambda _c: holidays.set_day(
            ctx, day, state, reason), busy="正在保存…", on_result=saved, parent=self)
        return self.task

    def _failed(self, exc: BaseException) -> None:
        self.message.error(exc if isinstance(exc, UserError)
                           else "读取节假日安排时出错：" + describe(exc))


register_page("calendar", lambda ctx, parent: CalendarPage(ctx, parent), title="节假日安排")
