"""Pieces the 会议纪要 widgets share: a lazy table model fed page by page from a service, the
inline message line (errors never as a traceback dialog, and never a blocking box), and the
painted on-time chart (QtCharts is left out of the offline bundle, so the chart is drawn with
QPainter and works frozen too)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from app.ui.messages import describe
from app.ui.qt import (
    QAbstractTableModel,
    QBrush,
    QColor,
    QFont,
    QLabel,
    QModelIndex,
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


class PagedModel(QAbstractTableModel):
    """Rows come from ``fetch(offset, limit)``; Qt asks for more as the view scrolls
    (``canFetchMore``/``fetchMore``), so a list of 100 000 meetings loads ``PAGE`` rows at a time."""

    def __init__(self, columns: Sequence[str], fetch: Callable[[int, int], list[Any]],
                 values: Callable[[Any], list[str]],
                 background: Callable[[Any], QColor | None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._fetch, self._values, self._background = fetch, values, background
        self.rows: list[Any] = []
        self._cells: list[list[str]] = []  # each row's texts, made once (not per paint)
        self._more = True

    def hold(self) -> None:
        """Read nothing until the next ``reload()`` (a view asks ``fetchMore`` on its own)."""
        self._more = False

    def reload(self) -> None:
        self.beginResetModel()
        self.rows, self._cells, self._more = [], [], True
        self.endResetModel()
        self.fetchMore(QModelIndex())

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def canFetchMore(self, parent: QModelIndex) -> bool:
        return not parent.isValid() and self._more

    def fetchMore(self, parent: QModelIndex) -> None:
        if parent.isValid() or not self._more:
            return
        page = self._fetch(len(self.rows), PAGE)
        self._more = len(page) == PAGE
        if page:
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(page) - 1)
            self.rows.extend(page)
            self._cells.extend(self._values(r) for r in page)
            self.endInsertRows()

    def replace(self, i: int, row: Any) -> None:
        """Show ``row`` (a fresh read of the same record) at ``i``."""
        self.rows[i] = row
        self._cells[i] = self._values(row)
        self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.columns) - 1))

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells[index.row()][index.column()]
        if role == Qt.ItemDataRole.BackgroundRole and self._background is not None:
            colour = self._background(row)
            return QBrush(colour) if colour is not None else None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section]
        return None


class MessageLine(QLabel):
    """One line under a form: green for done, red for a refusal (the service's own words)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)

    def ok(self, text: str) -> None:
        self.setStyleSheet("color: #1b6e20;")
        self.setText(text)

    def error(self, exc: BaseException | str) -> None:
        self.setStyleSheet("color: #b00020;")
        self.setText(exc if isinstance(exc, str) else describe(exc))


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
