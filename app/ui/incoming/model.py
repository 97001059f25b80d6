"""The 收文 register model: a window over the database, not a copy of it.

``rowCount`` is the filtered count (one indexed COUNT); rows come in pages of ``PAGE`` fetched on
demand in the worker (``incoming.list_page``: filtered, sorted and clearance-limited in SQL) and
kept in a small LRU cache, so 100 000 registered documents cost a few pages of memory. Rows are coloured by due
state: red overdue, amber due within 3 working days.
"""

from __future__ import annotations

from typing import Any

from app.domain.incoming import DueState
from app.services import incoming as svc
from app.services.context import ServiceContext
from app.services.incoming import IncomingFilter, IncomingInfo
from app.ui.kit import TaskHandle
from app.ui.lazy_table import LazyTableModel
from app.ui.qt import QBrush, QColor, QObject, Qt
from app.ui.roles import BACKGROUND, DISPLAY, FOREGROUND, TOOLTIP

PAGE = 200
MAX_PAGES = 16
COLUMNS: list[tuple[str, str]] = [
    ("reg_no", "收文编号"), ("received_at", "收文时间"), ("sender", "来文单位"),
    ("sender_ref", "来文字号"), ("title", "标题"), ("classification", "密级"),
    ("urgency", "紧急程度"), ("handler", "承办"), ("deadline", "办理时限"),
    ("status", "状态"), ("urges", "催办"),
]
#: Columns the service can sort by (the others sort by their nearest sortable key).
_SORT_KEY = {"sender_ref": "sender", "urges": "deadline"}
ID_ROLE = Qt.ItemDataRole.UserRole + 1
DUE_ROLE = Qt.ItemDataRole.UserRole + 2
DUE_COLOURS = {DueState.OVERDUE: QColor("#f6c1c1"), DueState.DUE_SOON: QColor("#ffe0a3")}
DUE_TEXT = {DueState.OVERDUE: QColor("#a40000"), DueState.DUE_SOON: QColor("#7a4a00")}


#: After a deadline counted across a year with no holiday table (the reason is in the tooltip).
UNCERTAIN_MARK = "（待定）"


def cell(row: IncomingInfo, key: str) -> str:
    if key == "received_at":
        return row.received_at.astimezone().strftime("%Y-%m-%d %H:%M")
    if key == "classification":
        return row.classification_label
    if key == "urgency":
        return row.urgency.label
    if key == "handler":
        return " ".join(x for x in (row.handler_unit, row.handler_person) if x)
    if key == "deadline":
        if row.deadline is None:
            return "—"
        days = f"（{row.deadline_workdays}个工作日）" if row.deadline_workdays else ""
        unsure = UNCERTAIN_MARK if row.deadline_uncertain else ""
        return f"{row.deadline:%Y-%m-%d}{unsure}{days}"
    if key == "status":
        return row.status.label if row.due in (DueState.DONE, DueState.NONE, DueState.ON_TRACK) \
            else f"{row.status.label}·{row.due.label}"
    if key == "urges":
        return str(row.urge_count) if row.urge_count else ""
    return str(getattr(row, key))


class IncomingListModel(LazyTableModel):
    """The count, the due summary and every page are read in the worker (``LazyTableModel``):
    a page of the register took 15–124 ms of the GUI thread at 100 000 documents."""

    UNSERVED_ROLES = LazyTableModel.UNSERVED_ROLES - {FOREGROUND}  # coloured text

    HEADERS = tuple(label for _key, label in COLUMNS)

    def __init__(self, ctx: ServiceContext, parent: QObject | None = None) -> None:
        super().__init__(ctx, PAGE, MAX_PAGES, parent)
        self.filter = IncomingFilter()
        self.sort_key, self.descending = "received_at", True

    def refresh(self) -> TaskHandle:
        """Count, summarise and read the first page in the worker; ``loaded`` when they are in."""
        return self.reload()

    def set_filter(self, flt: IncomingFilter) -> TaskHandle:
        self.filter = flt
        return self.reload()

    @property
    def queries(self) -> int:
        return self.page_reads

    @property
    def due_counts(self) -> dict[DueState, int] | None:
        """The office-wide due summary read with the last reload (None before the first)."""
        return None if self._query is None else self._query[1]

    # ---- worker side ------------------------------------------------------------------------
    def snapshot(self) -> tuple[IncomingFilter, str, bool]:
        return self.filter, self.sort_key, self.descending

    def open_query(self, query: tuple[IncomingFilter, str, bool]) -> tuple[
            int, list[IncomingInfo], tuple[tuple[IncomingFilter, str, bool], dict[DueState, int]]]:
        total = svc.count(self.ctx, query[0])
        rows = self.fetch_rows((query, {}), 0, self.cache.page_size) if total else []
        return total, rows, (query, svc.due_summary(self.ctx))

    def fetch_rows(self, query: Any, offset: int, limit: int) -> list[IncomingInfo]:
        (flt, sort, descending), _counts = query
        return svc.list_page(self.ctx, flt, offset=offset, limit=limit, sort=sort,
                             descending=descending)

    # ---- rows -------------------------------------------------------------------------------
    def row_of(self, incoming_id: int) -> int:
        """The row showing ``incoming_id`` among the pages already fetched (-1 if none)."""
        return self.find(lambda info: info.id == incoming_id)

    def cell(self, row: IncomingInfo, column: int, role: int) -> Any:
        key = COLUMNS[column][0]
        if role == DISPLAY:
            return cell(row, key)
        if role == ID_ROLE:
            return row.id
        if role == DUE_ROLE:
            return row.due.value
        if role == BACKGROUND and row.due in DUE_COLOURS:
            return QBrush(DUE_COLOURS[row.due])
        if role == FOREGROUND and row.due in DUE_TEXT:
            return QBrush(DUE_TEXT[row.due])
        if role == TOOLTIP:
            if key == "deadline" and row.deadline_uncertain:
                return f"{row.title}\n{row.due.label}\n期限待定：{row.deadline_uncertain}"
            return f"{row.title}\n{row.due.label}" if key in ("title", "deadline") else None
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column][0]
        self.sort_key = _SORT_KEY.get(key, key)
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.reload()
