"""The document list model: a window over the database, not a copy of it.

``rowCount`` is the filtered count (one indexed COUNT); rows come in pages of ``PAGE`` (sorted and
filtered in SQL by ``documents.list_documents``; a page beside a held one by keyset, a jump by
offset) kept in a small LRU cache, so
scrolling anywhere in 100 000 rows costs one page query and memory stays at a few pages. The
count and every page are read in the worker (``app.ui.lazy_table``): dragging the scroll bar to
the middle of 85 000 documents read a page for 0.1–2.6 s on the GUI thread before. Sorting (a
header click) and filters reset the window.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from app.domain.security import CLEARANCE_LABELS, Clearance
from app.services import documents as docs
from app.services.context import ServiceContext
from app.services.documents import DocumentRow, ListQuery
from app.services.paging import Seek
from app.ui.kit import TaskHandle
from app.ui.lazy_table import LazyTableModel
from app.ui.qt import QBrush, QColor, QObject, Qt
from app.ui.roles import BACKGROUND, DISPLAY, TOOLTIP

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


class DocumentListModel(LazyTableModel):
    HEADERS = tuple(label for _key, label in COLUMNS)

    def __init__(self, ctx: ServiceContext, parent: QObject | None = None) -> None:
        super().__init__(ctx, PAGE, MAX_PAGES, parent)
        self.query = ListQuery(limit=PAGE)

    # ---- window ---------------------------------------------------------------------------
    def refresh(self) -> TaskHandle:
        """Count and read the first page in the worker; ``loaded`` when they are in."""
        return self.reload()

    def set_query(self, **changes: Any) -> TaskHandle:
        self.query = replace(self.query, **changes)
        return self.reload()

    @property
    def queries(self) -> int:
        """Page reads asked of the worker after the first page (the benchmark and tests)."""
        return self.page_reads

    def snapshot(self) -> ListQuery:
        return self.query

    def open_query(self, query: ListQuery) -> tuple[int, list[DocumentRow], tuple[ListQuery, int]]:
        total = docs.count_documents(self.ctx, query)
        rows = docs.list_documents(self.ctx, replace(query, offset=0, limit=PAGE), total=total) \
            if total else []
        return total, rows, (query, total)

    def fetch_rows(self, query: tuple[ListQuery, int], offset: int, limit: int,
                   seek: Seek | None = None) -> list[DocumentRow]:
        # from a held neighbour by keyset; else, with the total, a page in the second half is
        # read backwards from the end (as fast as the first page)
        q, total = query
        return docs.list_documents(self.ctx, replace(q, offset=offset, limit=limit, seek=seek),
                                   total=total)

    def key_of(self, query: tuple[ListQuery, int], row: DocumentRow) -> tuple[Any, ...]:
        return docs.row_key(row, query[0].sort)

    def cell(self, row: DocumentRow, column: int, role: int) -> Any:
        if role == DISPLAY:
            return _cell(row, COLUMNS[column][0])
        if role == ID_ROLE:
            return row.id
        if role == BACKGROUND and row.classification >= 2:
            return QBrush(_SECRET)
        if role == TOOLTIP and column == 2:
            return row.title
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.set_query(sort=COLUMNS[column][0],
                       descending=order == Qt.SortOrder.DescendingOrder)
