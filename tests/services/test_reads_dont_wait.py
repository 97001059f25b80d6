"""Issue 32 — on SQLite a reader never waits for a writer.

Another desk holds the write lock (``BEGIN IMMEDIATE``, a row written, not committed): the 公文
list, its count, a search and the permission check behind each of them read the last committed
snapshot at once, instead of queuing for the lock (``busy_timeout``, then “数据库正被…占用”). A
write still queues behind it, as it must.
"""

from __future__ import annotations

import sqlite3

import pytest

from app.errors import StorageUnavailable
from app.services.documents import drafts as docs
from app.services.search import index as search
from app.storage import db as storage_db
from app.storage.db import sqlite_path
from tests.services.documents_helpers import notice, people


def test_a_reader_is_not_held_up_by_a_desk_holding_the_write_lock(ctx, db_url, monkeypatch):
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    clerk = people(ctx)["clerk"]
    docs.create_document(clerk, notice(title="关于防汛值班安排的通知"))
    writer = sqlite3.connect(str(sqlite_path(ctx.engine)), isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE documents SET title = '未提交的标题'")
        # a write would wait busy_timeout: made short here so that the test of it is quick
        monkeypatch.setattr(storage_db, "BUSY_TIMEOUT_MS", 300)
        ctx.engine.dispose()
        assert docs.count_documents(clerk) == 1
        assert [r.title for r in docs.list_documents(clerk)] == ["关于防汛值班安排的通知"]
        assert search.search(clerk, "防汛").total == 1
        with pytest.raises(StorageUnavailable):  # a writer still queues behind the lock
            with ctx.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA busy_timeout = 300")
                conn.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        writer.rollback()
        writer.close()
