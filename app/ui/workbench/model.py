"""The 工作台's clock list as a model over the snapshot the worker read.

The snapshot already holds every item (each source is capped at ``workbench.PER_SOURCE_LIMIT``,
most urgent first), so the model owns no query at all: a refresh swaps the tuple in one
``beginResetModel``/``endResetModel`` and Qt paints only the rows in view. The view's columns have
fixed, user-resizable widths (``app.ui.sizing``): the old ``QTableWidget`` sized every column to
its contents over every row on each 30 s refresh and froze the window for ≈ 1 s at full scale.
Texts and brushes are made on demand for the rows painted, never for the whole list.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.services import workbench
from app.ui.qt import QAbstractTableModel, QBrush, QColor, QModelIndex, QObject, Qt
from app.ui.roles import BACKGROUND, DISPLAY, TOOLTIP, USER

HEADERS = ("状态", "类别", "事项", "期限项目", "到期时间", "剩余/逾期")
COLOURS = {"red": "#f4c7c3", "amber": "#fce8b2", "green": "#d9ead3"}
#: Date deadlines (督办, 收文) fall due at the end of their day: show the date alone.
END_OF_DAY = dt.time(23, 59, 59)
#: Column widths: ems, or a sample of the widest usual value (the 事项 column stretches).
WIDTHS: dict[str, float | str] = {"状态": 3, "类别": 5, "期限项目": 6,
                                  "到期时间": "2026-12-31 23:59", "剩余/逾期": 9}


SERVED = frozenset((DISPLAY, TOOLTIP, BACKGROUND, USER))


def due_text(due: dt.datetime | None) -> str:
    if due is None:
        return ""
    return f"{due:%Y-%m-%d}" if due.time() == END_OF_DAY else f"{due:%m-%d %H:%M}"


class WorkItemModel(QAbstractTableModel):
    """Rows: ``workbench.WorkItem``s in urgency order; ``UserRole`` is the item itself."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.items: tuple[workbench.WorkItem, ...] = ()
        self._brushes = {state: QBrush(QColor(c)) for state, c in COLOURS.items()}

    def set_items(self, items: tuple[workbench.WorkItem, ...]) -> None:
        self.beginResetModel()
        self.items = tuple(items)
        self.endResetModel()

    def append(self, items: tuple[workbench.WorkItem, ...]) -> None:
        """Rows after the ones shown (the rest of a first fill painted in two frames)."""
        if items:
            first = len(self.items)
            self.beginInsertRows(QModelIndex(), first, first + len(items) - 1)
            self.items += tuple(items)
            self.endInsertRows()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None

    def text(self, row: int, column: int) -> str:
        it = self.items[row]
        if column == 0:
            return workbench.STATE_LABELS[it.state]
        if column == 1:
            return it.kind_label
        if column == 2:
            return it.title
        if column == 3:
            return it.label
        if column == 4:
            return due_text(it.due)
        return it.text

    def data(self, index: QModelIndex, role: int = DISPLAY) -> Any:
        # Qt asks for seven roles of every cell it paints (≈ 2 200 calls for the first frame at
        # 1400×900): the roles this model does not serve leave at the first comparison
        if role not in SERVED:
            return None
        row = index.row()  # -1 for an invalid index
        if not 0 <= row < len(self.items):
            return None
        if role == DISPLAY:
            return self.text(row, index.column())
        if role == BACKGROUND:
            return self._brushes[self.items[row].state]
        if role == TOOLTIP:
            return self.text(row, 2) if index.column() == 2 else None
        return self.items[row]  # UserRole
