"""Pieces the 会议纪要 widgets share: the page size of their lists (``ServiceListModel`` from
``app.ui.lazy_table``, read in the worker) and the painted on-time chart (QtCharts is left out of
the offline bundle, so the chart is drawn with QPainter and works frozen too). Their message line
is the kit's ``MessageLine``."""

from __future__ import annotations

from app.ui.qt import (
    QColor,
    QFont,
    QPainter,
    QPen,
    QRectF,
    QSize,
    Qt,
    QWidget,
)

PAGE = 200
YELLOW = QColor("#fff2a8")
RED = QColor("#f4b6b6")


class OnTimeChart(QWidget):
    """Stacked bars per month: on-time completions (green) under late ones (red)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: list[tuple[int, int, int]] = []
        self.year = 0
        self.setMinimumHeight(180)

    def set_data(self, year: int, data: list[tuple[int, int, int]]) -> None:
        self.year, self.data = year, data
        self.setToolTip("；".join(f"{m}月 按期{a} 逾期{b}" for m, a, b in data if a or b))
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(480, 220)

    def paintEvent(self, _event) -> None:  # type: ignore[no-untyped-def]
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        left, bottom, top = 36, 28, 26
        p.fillRect(self.rect(), QColor("white"))
        font = QFont(self.font())
        p.setFont(font)
        p.setPen(QPen(QColor("#333")))
        p.drawText(QRectF(0, 2, w, top - 4), Qt.AlignmentFlag.AlignCenter,
                   f"{self.year}年按期办结情况（按月）")
        for i, (name, colour) in enumerate((("按期", "#4c9a52"), ("逾期", "#d9534f"))):
            x = w - 120 + i * 58
            p.fillRect(QRectF(x, 8, 10, 10), QColor(colour))
            p.drawText(QRectF(x + 13, 4, 44, 18), Qt.AlignmentFlag.AlignLeft, name)
        top_val = max([a + b for _m, a, b in self.data] + [1])
        plot_h = h - top - bottom
        p.drawLine(left, h - bottom, w - 8, h - bottom)
        p.drawText(QRectF(0, top - 6, left - 4, 14), Qt.AlignmentFlag.AlignRight, str(top_val))
        p.drawText(QRectF(0, h - bottom - 8, left - 4, 14), Qt.AlignmentFlag.AlignRight, "0")
        n = max(len(self.data), 1)
        slot = (w - left - 8) / n
        for i, (month, ok, late) in enumerate(self.data):
            x = left + i * slot + slot * 0.2
            bw = slot * 0.6
            h_ok = plot_h * ok / top_val
            h_late = plot_h * late / top_val
            p.fillRect(QRectF(x, h - bottom - h_ok, bw, h_ok), QColor("#4c9a52"))
            p.fillRect(QRectF(x, h - bottom - h_ok - h_late, bw, h_late), QColor("#d9534f"))
            p.drawText(QRectF(x - 6, h - bottom + 2, bw + 12, 16), Qt.AlignmentFlag.AlignCenter,
                       f"{month}月")
        p.end()
