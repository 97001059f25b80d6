"""Issue 32 — a lost database connection.

Real conditions on PostgreSQL: the desk's own server process is killed
(``pg_terminate_backend``) in the middle of its transaction. A write says in Chinese that it was
not saved (“数据库连接中断，本次操作未保存，请重试”) and nothing of it is in the database; a read
is retried once by itself and succeeds; the GUI's sentence for the error (also when it reaches
the GUI as the raw driver error) is the same, not 程序内部错误.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.errors import CONNECTION_MESSAGE, ConnectionLost, is_connection_lost
from app.services.documents import drafts as docs
from app.storage.models import Document
from tests.services.documents_helpers import notice, people


def _pg_only(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("a server connection to lose: PostgreSQL")


@pytest.fixture
def kill_on(ctx, db_url):
    """``kill_on(marker)``: terminate the desk's server process just before its first statement
    containing ``marker`` runs (once); returns the list the killed pids go into."""
    _pg_only(db_url)
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")

    def arm(marker: str) -> list[int]:
        killed: list[int] = []

        def before(conn, cursor, statement, params, context, executemany):  # noqa: ARG001
            if marker in statement and not killed:
                pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
                with admin.connect() as a:
                    a.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
                killed.append(pid)

        event.listen(ctx.engine, "before_cursor_execute", before)
        return killed

    yield arm
    admin.dispose()
    ctx.engine.dispose()


def test_a_write_cut_off_by_a_lost_connection_says_so_and_saves_nothing(ctx, kill_on):
    clerk = people(ctx)["clerk"]
    killed = kill_on("INSERT INTO documents")
    with pytest.raises(ConnectionLost) as caught:
        docs.create_document(clerk, notice(title="断线时保存的通知"))
    assert killed and caught.value.message == CONNECTION_MESSAGE == "数据库连接中断，本次操作未保存，请重试。"
    assert caught.value.exit_code == 2
    with Session(ctx.engine) as s:  # the pool has dropped the dead connection; nothing was saved
        assert s.execute(select(func.count()).select_from(Document)).scalar_one() == 0
    again = docs.create_document(clerk, notice(title="断线时保存的通知"))  # the retry succeeds
    assert docs.get_document(clerk, again.id).title == "断线时保存的通知"


def test_a_read_cut_off_by_a_lost_connection_is_retried_once_by_itself(ctx, kill_on):
    clerk = people(ctx)["clerk"]
    docs.create_document(clerk, notice(title="关于读取重试的通知"))
    killed = kill_on("FROM documents")
    rows = docs.list_documents(clerk)
    assert killed and [r.title for r in rows] == ["关于读取重试的通知"]


def test_the_gui_says_the_same_sentence_for_a_lost_connection():
    pytest.importorskip("PySide6")
    from app.ui.kit.messages import describe

    assert describe(ConnectionLost()) == CONNECTION_MESSAGE
    raw = OperationalError("COMMIT", {}, Exception(
        "terminating connection due to administrator command"))
    assert describe(raw) == CONNECTION_MESSAGE  # not 程序内部错误
    assert is_connection_lost(ConnectionLost())
    assert describe(RuntimeError("x")).startswith("程序内部错误")
