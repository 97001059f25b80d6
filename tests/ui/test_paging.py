"""PageCache: pages fetched once, the least recently used dropped, errors not cached."""

from __future__ import annotations

import pytest

from app.ui.paging import PageCache


def test_pages_are_fetched_once_and_evicted_least_recently_used():
    calls = []
    data = list(range(95))

    def fetch(offset, limit):
        calls.append(offset)
        return data[offset:offset + limit]

    cache = PageCache(fetch, page_size=10, max_pages=2)
    assert cache.row(3) == 3 and cache.row(9) == 9 and calls == [0]
    assert cache.row(94) == 94 and cache.row(95) is None and calls == [0, 90]
    assert cache.row(0) == 0 and calls == [0, 90]  # page 0 is now the most recent
    assert cache.row(15) == 15 and calls == [0, 90, 10]  # evicts page 9, not page 0
    assert len(cache) == 2 and cache.queries == 3
    assert cache.find(lambda x: x == 12) == 12 and cache.find(lambda x: x == 91) == -1
    cache.clear()
    assert len(cache) == 0 and cache.row(1) == 1 and calls[-1] == 0


def test_a_failed_fetch_is_not_cached():
    fail = [True]

    def fetch(offset, limit):
        if fail[0]:
            raise RuntimeError("refused")
        return list(range(offset, offset + limit))

    cache = PageCache(fetch, page_size=5)
    with pytest.raises(RuntimeError):
        cache.row(2)
    fail[0] = False
    assert cache.row(2) == 2 and cache.queries == 1


def test_pages_stored_from_elsewhere_and_the_first_page_kept():
    """The worker-fed models: no fetch, pages stored as they arrive; ``keep_first`` never drops
    page 0 (reading the audit log's first page again would record another view)."""
    cache = PageCache(None, page_size=10, max_pages=2, keep_first=True)
    assert cache.peek(3) is None and not cache.has_page(0)
    with pytest.raises(LookupError):
        cache.row(3)
    cache.store(0, list(range(10)))
    cache.store(1, list(range(10, 20)))
    assert cache.peek(3) == 3 and cache.peek(13) == 13 and cache.peek(25) is None
    cache.store(2, list(range(20, 25)))  # page 0 is the least recently used, but it stays
    assert cache.has_page(0) and not cache.has_page(1) and cache.has_page(2)
    assert cache.peek(24) == 24 and cache.peek(25) is None and cache.queries == 0
    plain = PageCache(None, page_size=10, max_pages=2)
    for n in range(3):
        plain.store(n, [n])
    assert not plain.has_page(0) and plain.has_page(1) and plain.has_page(2)


def test_peeking_marks_the_page_used_once_per_change_of_page():
    cache = PageCache(None, page_size=10, max_pages=3)
    for n in range(3):
        cache.store(n, list(range(n * 10, n * 10 + 10)))
    assert cache.peek(5) == 5 and cache.peek(6) == 6  # page 0: now the most recently used
    assert cache.peek(15) == 15 and cache.peek(3) == 3  # page 1, then page 0 again
    cache.store(3, list(range(30, 40)))  # evicts the least recently used: page 2
    assert [cache.has_page(n) for n in range(4)] == [True, True, False, True]
    cache.store(4, list(range(40, 50)))  # then page 1 (page 0 was peeked after it)
    assert [cache.has_page(n) for n in range(5)] == [True, False, False, True, True]
    assert cache.peek(25) is None  # not held: never fetched by a peek


def test_list_models_answer_unshown_roles_without_asking_for_rows(qtbot, admin_ui_ctx):
    from app.ui.documents.model import DocumentListModel
    from app.ui.qt import Qt, QWidget

    owner = QWidget()  # deleted by qtbot on the GUI thread, with the model, after the test
    qtbot.addWidget(owner)
    model = DocumentListModel(admin_ui_ctx, owner)
    asked: list[int] = []
    model.fetch_rows = lambda _q, offset, _limit, seek=None: asked.append(offset) or []
    model.total = 1000  # rows not read yet: a displayed cell asks the worker for its page
    index = model.index(500, 0)
    assert model.data(index, Qt.ItemDataRole.FontRole) is None
    assert model.data(index, Qt.ItemDataRole.DecorationRole) is None
    assert model.page_reads == 0
    assert model.data(index, Qt.ItemDataRole.DisplayRole) == "…" and model.page_reads == 1
    qtbot.waitUntil(lambda: asked == [400], timeout=15_000)  # (page 2 of 200 rows, in the worker)
