"""A table model over a long database list that never reads on the GUI thread.

``rowCount`` is the filtered total; rows live in a ``PageCache``. ``reload()`` reads the count
and the first page in the worker (``run_task``) and resets the model when they arrive;
``data()`` for a row whose page is not held answers "…" and asks the worker for that page, and
the rows appear (``dataChanged``) when it comes. So a duty log of 20 000 entries or an audit log
that grows forever costs the GUI thread nothing but painting, and memory stays at a few pages.

Subclasses say what to read:

* ``snapshot()`` (GUI thread): the query as an immutable value — the worker reads with it while
  the user may already be typing the next filter;
* ``count_rows(query)`` and ``fetch_rows(query, offset, limit)`` (worker): service calls, nothing
  else (no Qt, no model state but ``self.ctx``); ``open_query(query)`` (worker) combines them
  for a reload and may return a refined query (the audit log pins its newest event);
* ``cell(row, column, role)``: what a held row shows;
* ``key_of(query, row)`` (optional): the row's sort key for keyset paging
  (``app.services.paging``). When it gives one, a page next to a held page is read with
  ``fetch_rows(query, offset, limit, seek)`` from that page's edge row — scrolling page by page
  to the end of 100 000 rows costs each page what the first cost — and only a page with no
  neighbour held (a jump of the scroll bar) is read by offset.

A result that arrives after a newer ``reload()`` is dropped (``generation``). A refused read
(``UserError``) is kept in ``error`` and signalled in Chinese through ``failed``; a failed page
is not asked for again until the next reload (no retry storm on every repaint).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from app.errors import UserError
from app.services.context import ServiceContext
from app.services.paging import Seek
from app.ui.kit import TaskHandle, run_task
from app.ui.paging import PageCache
from app.ui.qt import QAbstractTableModel, QBrush, QColor, QModelIndex, QObject, Qt, Signal
from app.ui.roles import BACKGROUND, DISPLAY

LOADING = "…"
READ_FAILED = "读取列表时出错，请稍后重试。"


class LazyTableModel(QAbstractTableModel):
    loaded = Signal()  # a reload's count and first page are in the model
    page_arrived = Signal(int)  # page number: its rows are in the model (after dataChanged)
    failed = Signal(str)  # a read was refused or failed: the message to show

    HEADERS: Sequence[str] = ()
    #: Roles this model never answers, answered here without looking up the row: the view asks
    #: for seven roles per cell on every paint (font, alignment, check state, icon, text colour
    #: …), and the lists show text, backgrounds and tooltips. A subclass that shows one of these
    #: (a text colour, an icon) takes it out.
    UNSERVED_ROLES: frozenset[int] = frozenset(int(r) for r in (
        Qt.ItemDataRole.FontRole, Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.CheckStateRole, Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.SizeHintRole, Qt.ItemDataRole.ForegroundRole))

    def __init__(self, ctx: ServiceContext, page_size: int = 200, max_pages: int = 16,
                 parent: QObject | None = None, *, keep_first: bool = False) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.total = 0
        self.cache: PageCache[Any] = PageCache(None, page_size, max_pages, keep_first)
        self.error = ""
        self.generation = 0
        self.page_reads = 0  # pages asked of the worker (tests and benchmarks read it)
        self.seeks = 0  # of them, read by keyset from a held neighbour
        self._query: Any = None
        self._reload: TaskHandle | None = None
        self._pending: set[int] = set()
        self._failed: set[int] = set()
        self._after_load: list[Callable[[], None]] = []

    # ---- for subclasses --------------------------------------------------------------------
    def snapshot(self) -> Any:
        return None

    def count_rows(self, query: Any) -> int:
        raise NotImplementedError

    def fetch_rows(self, query: Any, offset: int, limit: int) -> Sequence[Any]:
        raise NotImplementedError

    def open_query(self, query: Any) -> tuple[int, Sequence[Any], Any]:
        total = self.count_rows(query)
        rows = self.fetch_rows(query, 0, self.cache.page_size) if total else []
        return total, rows, query

    def cell(self, row: Any, column: int, role: int) -> Any:
        raise NotImplementedError

    def key_of(self, query: Any, row: Any) -> tuple[Any, ...] | None:
        """The seek key of ``row`` under ``query``; None: this list pages by offset only."""
        return None

    def seek_for(self, number: int) -> Seek | None:
        """How to read page ``number`` from a held neighbour: after the last row of page
        ``number - 1`` (when it is full), or before the first row of page ``number + 1``."""
        size = self.cache.page_size
        before = self.cache.held(number - 1)
        if before is not None and len(before) == size:
            key = self.key_of(self._query, before[-1])
            if key is not None:
                return Seek(tuple(key), after=True)
        after = self.cache.held(number + 1)
        if after:
            key = self.key_of(self._query, after[0])
            if key is not None:
                return Seek(tuple(key), after=False)
        return None

    # ---- reading ---------------------------------------------------------------------------
    @property
    def loading(self) -> bool:
        """A reload or a page read is under way."""
        return bool(self._pending) or (self._reload is not None and not self._reload.finished)

    @property
    def reloading(self) -> bool:
        """A reload's count and first page are still being read (rows may all change)."""
        return self._reload is not None and not self._reload.finished

    def when_loaded(self, fn: Callable[[], None]) -> None:
        """Call ``fn`` now, or once the reload under way has put its first page in (to select a
        record after a refresh); dropped if that reload fails."""
        if self.reloading:
            self._after_load.append(fn)
        else:
            fn()

    def reload(self) -> TaskHandle:
        """Read the count and the first page of ``snapshot()`` in the worker."""
        self.generation += 1
        gen, query = self.generation, self.snapshot()
        self._pending.clear()
        self._failed.clear()
        self._reload = run_task(lambda _control: self.open_query(query),
                                on_result=lambda r: self._opened(gen, r),
                                on_error=lambda e: self._read_failed(gen, None, e), parent=self)
        self._reload.done.connect(self._reload.deleteLater)  # not one QObject per read, forever
        return self._reload

    def _opened(self, gen: int, result: tuple[int, Sequence[Any], Any]) -> None:
        if gen != self.generation:
            return
        total, rows, query = result
        self.beginResetModel()
        self._query = query
        self.total = total
        self.cache.clear()
        self.cache.store(0, rows)
        self.error = ""
        self.endResetModel()
        self.loaded.emit()
        waiting, self._after_load = self._after_load, []
        for fn in waiting:
            fn()

    def _read_failed(self, gen: int, number: int | None, exc: BaseException) -> None:
        if gen != self.generation:
            return
        if number is not None:
            self._pending.discard(number)
            self._failed.add(number)
        else:
            self._after_load.clear()
        self.error = exc.message if isinstance(exc, UserError) else READ_FAILED
        self.failed.emit(self.error)

    def _request(self, number: int) -> None:
        if number in self._pending or number in self._failed or self.cache.has_page(number):
            return
        self._pending.add(number)
        self.page_reads += 1
        gen, query, size = self.generation, self._query, self.cache.page_size
        seek = self.seek_for(number)
        if seek is not None:
            self.seeks += 1

        def read(_control: Any) -> Sequence[Any]:
            if seek is None:
                return self.fetch_rows(query, number * size, size)
            return self.fetch_rows(query, number * size, size, seek)  # type: ignore[call-arg]

        task = run_task(read,
                        on_result=lambda rows: self._arrived(gen, number, rows),
                        on_error=lambda e: self._read_failed(gen, number, e), parent=self)
        task.done.connect(task.deleteLater)

    def _arrived(self, gen: int, number: int, rows: Sequence[Any]) -> None:
        if gen != self.generation:
            return
        self._pending.discard(number)
        self.cache.store(number, rows)
        first = number * self.cache.page_size
        last = min(first + self.cache.page_size, self.total) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, self.columnCount() - 1))
        self.page_arrived.emit(number)

    def row(self, i: int) -> Any:
        """The row at ``i`` if its page is held, else None (and its page is asked for)."""
        if not 0 <= i < self.total:
            return None
        item = self.cache.peek(i)
        if item is None:
            self._request(i // self.cache.page_size)
        return item

    def find(self, match) -> int:  # type: ignore[no-untyped-def]
        """Index of the first held row that ``match``es, -1 if none."""
        return self.cache.find(match)

    def replace_row(self, i: int, item: Any) -> None:
        """Show ``item`` (a fresh read of the same record) at ``i``, if its page is held."""
        if self.cache.replace(i, item):
            self.dataChanged.emit(self.index(i, 0), self.index(i, self.columnCount() - 1))

    # ---- Qt --------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.total

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex, role: int = DISPLAY) -> Any:
        if role in self.UNSERVED_ROLES:
            return None
        item = self.row(index.row())  # an invalid index's row, -1, is no row
        if item is None:
            return LOADING if role == DISPLAY and index.column() == 0 else None
        return self.cell(item, index.column(), role)


class ServiceListModel(LazyTableModel):
    """A ``LazyTableModel`` made from service calls, for lists that need nothing more:

    * ``params()`` (GUI thread): the filters as a value, taken at each ``reload``;
    * ``count(params)``, ``fetch(params, offset, limit, seek)`` (worker): the service's count and
      page (``seek`` None: by offset);
    * ``key(row)``: the row's seek key, or None for a list that pages by offset only;
    * ``values(row)`` (worker, plain Python): the row's texts, made once per row read, not on
      every paint; ``background(row)``: a colour or None.

    Pages hold ``(row, texts)`` pairs; ``item(i)`` is the row alone."""

    def __init__(self, ctx: ServiceContext, columns: Sequence[str],
                 params: Callable[[], Any], count: Callable[[Any], int],
                 fetch: Callable[[Any, int, int, Seek | None], Sequence[Any]],
                 values: Callable[[Any], Sequence[str]],
                 background: Callable[[Any], QColor | None] | None = None,
                 key: Callable[[Any], tuple[Any, ...] | None] | None = None,
                 page_size: int = 200, max_pages: int = 16,
                 parent: QObject | None = None) -> None:
        super().__init__(ctx, page_size, max_pages, parent)
        self.HEADERS = tuple(columns)
        self._params, self._count, self._fetch = params, count, fetch
        self._values, self._background, self._key = values, background, key
        self._brushes: dict[str, QBrush] = {}

    def snapshot(self) -> Any:
        return self._params()

    def count_rows(self, query: Any) -> int:
        return self._count(query)

    def fetch_rows(self, query: Any, offset: int, limit: int,
                   seek: Seek | None = None) -> list[tuple[Any, tuple[str, ...]]]:
        return [(r, tuple(self._values(r))) for r in self._fetch(query, offset, limit, seek)]

    def key_of(self, query: Any, row: tuple[Any, tuple[str, ...]]) -> tuple[Any, ...] | None:
        return None if self._key is None else self._key(row[0])

    def item(self, i: int) -> Any:
        """The record at ``i`` if its page is held (else None, and its page is asked for)."""
        held = self.row(i)
        return None if held is None else held[0]

    def find_item(self, match: Callable[[Any], bool]) -> int:
        return self.find(lambda pair: match(pair[0]))

    def held_items(self) -> list[Any]:
        """The records held from the top of the list down to the first gap (tests, and
        selecting a record among the rows already read)."""
        out = []
        for i in range(self.total):
            pair = self.cache.peek(i)
            if pair is None:
                break
            out.append(pair[0])
        return out

    def replace_item(self, i: int, item: Any) -> None:
        self.replace_row(i, (item, tuple(self._values(item))))

    def cell(self, row: tuple[Any, tuple[str, ...]], column: int, role: int) -> Any:
        if role == DISPLAY:
            return row[1][column]
        if role == BACKGROUND and self._background is not None:
            colour = self._background(row[0])
            if colour is None:
                return None
            brush = self._brushes.get(colour.name())
            if brush is None:
                brush = self._brushes[colour.name()] = QBrush(colour)
            return brush
        return None
