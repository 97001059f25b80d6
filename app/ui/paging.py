"""A window over a long database list: fixed-size pages fetched on demand, a few kept (LRU).

List models (公文, 收文, …) keep ``rowCount`` at the filtered total (one indexed COUNT) and read
rows through a ``PageCache``, so scrolling anywhere in 100 000 rows costs one page query and
memory stays at ``max_pages`` pages. A sort or filter change calls ``clear()``.

Models that read in the worker (``app.ui.lazy_table``) give no ``fetch``: they ``peek`` for a row
and ``store`` the pages the worker delivers. ``keep_first`` never evicts page 0 (the audit log
records a view each time its first page is read, and the top of a list is what people go back
to).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class PageCache(Generic[T]):
    def __init__(self, fetch: Callable[[int, int], Sequence[T]] | None, page_size: int = 200,
                 max_pages: int = 16, keep_first: bool = False) -> None:
        self._fetch = fetch  # (offset, limit) -> rows; None: pages come through store()
        self.page_size = page_size
        self.max_pages = max_pages
        self.keep_first = keep_first
        self._pages: OrderedDict[int, Sequence[T]] = OrderedDict()
        self._last = -1  # the page marked most recently used last
        self.queries = 0  # page queries run (benchmarks and tests read it)

    def __len__(self) -> int:
        """Pages held now."""
        return len(self._pages)

    def clear(self) -> None:
        self._pages.clear()
        self._last = -1

    def row(self, i: int) -> T | None:
        """Row ``i`` (0-based), fetching its page if needed; None past the end of the result.
        Exceptions of ``fetch`` propagate and nothing is cached."""
        number, k = divmod(i, self.page_size)
        page = self._pages.get(number)
        if page is None:
            if self._fetch is None:
                raise LookupError(f"page {number} is not loaded")
            page = self._fetch(number * self.page_size, self.page_size)
            self.queries += 1
            self.store(number, page)
        else:
            self._touch(number)
        return page[k] if k < len(page) else None

    def peek(self, i: int) -> T | None:
        """Row ``i`` if its page is held (marked recently used), else None; never fetches."""
        number, k = divmod(i, self.page_size)
        page = self._pages.get(number)
        if page is None:
            return None
        self._touch(number)
        return page[k] if k < len(page) else None

    def _touch(self, number: int) -> None:
        """Mark held page ``number`` most recently used (once per change of page: a paint asks
        for rows of the same page thousands of times)."""
        if number != self._last:
            self._pages.move_to_end(number)
            self._last = number

    def held(self, number: int) -> Sequence[T] | None:
        """Page ``number`` if held (its use is not recorded), else None."""
        return self._pages.get(number)

    def replace(self, i: int, item: T) -> bool:
        """Put ``item`` at row ``i`` if its page is held (True), else do nothing (False)."""
        number, k = divmod(i, self.page_size)
        page = self._pages.get(number)
        if page is None or k >= len(page):
            return False
        rows = list(page)
        rows[k] = item
        self._pages[number] = rows
        return True

    def has_page(self, number: int) -> bool:
        return number in self._pages

    def store(self, number: int, rows: Sequence[T]) -> None:
        """Keep page ``number`` (fetched elsewhere), dropping the least recently used beyond
        ``max_pages`` (page 0 stays when ``keep_first``)."""
        self._pages[number] = rows
        self._pages.move_to_end(number)
        while len(self._pages) > self.max_pages:
            oldest = next(iter(self._pages))
            if self.keep_first and oldest == 0:
                self._pages.move_to_end(0)
                oldest = next(iter(self._pages))
            del self._pages[oldest]
        self._last = next(reversed(self._pages))

    def find(self, match: Callable[[T], bool]) -> int:
        """The index of the first cached row that ``match``es (-1 if none is cached)."""
        for number, page in self._pages.items():
            for k, item in enumerate(page):
                if match(item):
                    return number * self.page_size + k
        return -1
