"""突发事件统计: incidents by category, level and month and report timeliness — tables, a bar
chart, XLSX export. The figures are computed in the background (they walk every incident of the
year) and exported there too; the status line then says where the file went and the paper path's
typed warnings (``output_notes.saved_text``), as every other page does."""

from __future__ import annotations

from pathlib import Path

from app.domain import incident_rules as R
from app.services import incidents as svc
from app.services.context import ServiceContext
from app.ui.kit import (
    XLSX,
    FileKind,
    MessageLine,
    TaskHandle,
    ask_save_path,
    run_busy,
    saved_text,
)
from app.ui.qt import (
    QColor,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPainter,
    QPushButton,
    QRectF,
    QSpinBox,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)


class BarChart(QWidget):
    """A plain bar chart (labels under the bars, the count above), painted directly."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars: list[tuple[str, int, str]] = []  # label, value, colour
        self.setMinimumHeight(220)

    def set_bars(self, bars: list[tuple[str, int, str]]) -> None:
        self.bars = bars
        self.update()

    def paintEvent(self, _event) -> None:  # type: ignore[no-untyped-def]
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        if not self.bars:
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "暂无数据")
            return
        top, bottom, margin = 24.0, 36.0, 16.0
        width = (self.width() - 2 * margin) / len(self.bars)
        high = max(1, max(v for _, v, _ in self.bars))
        plot = self.height() - top - bottom
        for i, (label, value, colour) in enumerate(self.bars):
            h = plot * value / high
            x = margin + i * width + width * 0.15
            rect = QRectF(x, top + plot - h, width * 0.7, h)
            p.fillRect(rect, QColor(colour))
            p.setPen(QColor("#333"))
            p.drawText(QRectF(x - 10, top + plot - h - 20, width * 0.7 + 20, 18),
                       Qt.AlignmentFlag.AlignCenter, str(value))
            p.drawText(QRectF(margin + i * width, self.height() - bottom + 4, width, bottom - 4),
                       Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
                       | Qt.TextFlag.TextWordWrap, label)
        p.end()


def _table(header: list[str], rows) -> QTableWidget:  # type: ignore[no-untyped-def]
    t = QTableWidget(len(rows), len(header))
    t.setHorizontalHeaderLabels(header)
    t.verticalHeader().hide()
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    t.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            t.setItem(r, c, QTableWidgetItem(str(v)))
    return t


class StatisticsDialog(QDialog):
    def __init__(self, ctx: ServiceContext, year: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.stats: svc.Statistics | None = None
        self.task: TaskHandle | None = None
        self.setWindowTitle("突发事件统计")
        self.resize(760, 560)
        self.year = QSpinBox()
        self.year.setRange(0, 2100)
        self.year.setSpecialValueText("全部年份")
        self.year.setValue(year)
        self.chart_kind = QComboBox()
        self.chart_kind.addItems(["按月份", "按类别", "按级别"])
        self.refresh_button = QPushButton("统计(&R)")
        self.export_button = QPushButton("导出 Excel(&E)…")
        self.export_button.setEnabled(False)
        self.status = MessageLine(name="statsMessage")
        self.tabs = QTabWidget()
        self.chart = BarChart()
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button.clicked.connect(self._ask_export)
        self.chart_kind.currentIndexChanged.connect(self._draw)
        row = QHBoxLayout()
        for w in (QLabel("年份："), self.year, self.refresh_button, QLabel("图表："),
                  self.chart_kind):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.export_button)
        col = QVBoxLayout(self)
        col.addLayout(row)
        col.addWidget(self.chart, 2)
        col.addWidget(self.tabs, 3)
        col.addWidget(self.status)
        self.refresh()

    def refresh(self) -> None:
        self.refresh_button.setEnabled(False)
        ctx, year = self.ctx, self.year.value() or None

        def work(control):  # type: ignore[no-untyped-def]
            control.check()
            return svc.statistics(ctx, year)

        self.task = run_busy(self.status, work, busy="正在统计……", on_result=self._show,
                             on_error=self._failed, parent=self)

    def _failed(self, exc: BaseException) -> None:
        self.refresh_button.setEnabled(True)
        self.status.error(exc)

    def _show(self, stats: svc.Statistics) -> None:
        self.stats = stats
        self.refresh_button.setEnabled(True)
        self.export_button.setEnabled(True)
        self.status.say(f"共 {stats.total} 起。")
        self.tabs.clear()
        self.tabs.addTab(_table(["事件类别", "起数"], stats.by_category), "按类别")
        self.tabs.addTab(_table(["事件级别", "起数"], stats.by_level), "按级别")
        self.tabs.addTab(_table(["月份", "起数"], stats.by_month), "按月份")
        self.tabs.addTab(_table(["报送时限", "按时", "迟报", "漏报（未报）"], stats.timeliness),
                         "报送及时性")
        self._draw()

    def _draw(self) -> None:
        s = self.stats
        if s is None:
            return
        kind = self.chart_kind.currentText()
        if kind == "按类别":
            bars = [(k, v, "#4e79a7") for k, v in s.by_category]
        elif kind == "按级别":
            bars = [(k, v, lv.colour_hex) for (k, v), lv in zip(s.by_level, R.Level, strict=True)]
        else:
            bars = [(k, v, "#4e79a7") for k, v in s.by_month]
        self.chart.set_bars(bars)

    def _ask_export(self) -> None:
        self.file_dialog = ask_save_path(self, FileKind.SHEETS, "导出统计",
                                         lambda path: self.export_to(Path(path)),
                                         name="突发事件统计.xlsx", filters=[XLSX], suffix="xlsx")

    def export_to(self, path: Path) -> TaskHandle | None:
        if self.stats is None:
            return None
        ctx, stats = self.ctx, self.stats

        def work(control):  # type: ignore[no-untyped-def]
            control.check()
            return saved_text(path, svc.export_statistics(ctx, stats, path), "已导出")

        self.task = run_busy(self.status, work, busy="正在导出……", on_result=self.status.ok,
                             on_error=self._failed, parent=self)
        return self.task
