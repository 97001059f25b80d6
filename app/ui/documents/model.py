"""The document list model: a window over the database, not a copy of it.

``rowCount`` is the filtered count (one indexed COUNT); ``data`` reads from pages of ``PAGE`` rows
fetched on demand (offset/limit, sorted and filtered in SQL by ``documents.list_documents``) and
kept in a small LRU cache, so scrolling anywhere in 100 000 rows costs one page query and memory
stays at a few pages. Sorting (a header click) and filters reset the window.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from app.domain.security import CLEARANCE_LABELS, Clearance
from app.errors import UserError
from app.services import documents as docs
from app.services.context import ServiceContext
from app.services.documents import DocumentRow, ListQuery
from app.ui.paging import PageCache
from app.ui.qt import QAbstractTableModel, QBrush, QColor, QModelIndex, QObject, Qt

PAGE = 200
MAX_PAGES = 24
COLUMNS: list[tuple[str, str]] = [
    ("id", "编号"), ("genre", "文种"), ("title", "标题"), ("doc_no", "发文字号"),
    ("status", "状态"), ("classification", "密级"), ("urgency", "紧急程度"),
    ("drafter", "拟稿人"), ("year", "年度"), ("updated_at", "修改时间"),
]
ID_ROLE = Qt.ItemDataRole.UserRole + 1
_SECRET = QColor("#fde8e8")


def _cell(row: DocumentRow, key: str) -> str:
    if key == "status":
        return row.status_label
    if key == "classification":
        return CLEARANCE_LABELS[Clearance(row.classification)]
    if key == "drafter":
        return row.drafter_name or row.drafter
    if key == "updated_at":
        return row.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
    return str(getattr(row, key))


class DocumentListModel(QAbstractTableModel):
    def __init__(self, ctx: ServiceContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.query = ListQuery(limit=PAGE)
        self.total = 0
        self.cache: PageCache[DocumentRow] = PageCache(self._fetch, PAGE, MAX_PAGES)
        self.error = ""  # the last refusal while reading a page

    # ---- window ---------------------------------------------------------------------------
    def refresh(self) -> None:
        self.beginResetModel()
        self.cache.clear()
        self.total = docs.count_documents(self.ctx, self.query)
        self.endResetModel()

    def set_query(self, **changes: Any) -> None:
        self.query = replace(self.query, **changes)
        self.refresh()

    @property
    def queries(self) -> int:
        """Page queries run (the benchmark and tests read it)."""
        return self.cache.queries

    def _fetch(self, offset: int, limit: int) -> list[DocumentRow]:
        return docs.list_documents(self.ctx, replace(self.query, offset=offset, limit=limit),
                                   total=self.total)

    def row(self, i: int) -> DocumentRow | None:
        if not 0 <= i < self.total:
            return None
        try:
            return self.cache.row(i)
        except UserError as exc:  # e.g. the account was disabled meanwhile: say so, once
            self.error = exc.message
            return None

    # ---- Qt -------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.total

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.row(index.row())
        if row is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _cell(row, COLUMNS[index.column()][0])
        if role == ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.BackgroundRole and row.classification >= 2:
            return QBrush(_SECRET)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 2:
            return row.title
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][1]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.set_query(sort=COLUMNS[column][0],
                       descending=order == Qt.SortOrder.DescendingOrder)
