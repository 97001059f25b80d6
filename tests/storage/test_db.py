"""Engine settings and the storage conventions, read back from the database itself."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.storage.db import backup_sqlite, make_engine, sqlite_path
from app.storage.models import Role, User


def test_sqlite_connection_pragmas(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    engine.dispose()


def test_foreign_keys_are_enforced(engine):
    with pytest.raises(IntegrityError), Session(engine) as s, s.begin():
        s.add(User(username="x", password_hash="h", role_code="nosuchrole",
                   clearance_level=0))


def test_roles_and_clearances_are_seeded(engine):
    with Session(engine) as s:
        codes = set(s.execute(select(Role.code)).scalars())
        levels = s.execute(text("SELECT level, name FROM clearances ORDER BY level")).all()
    assert codes == {"admin", "clerk", "duty", "leader", "reader",
                     "sysadmin", "secadmin", "auditor"}  # the 三员 (revision 0020)
    assert [tuple(r) for r in levels] == [(0, "公开"), (1, "内部"), (2, "秘密"), (3, "机密")]


def test_version_column_gives_optimistic_locking(engine):
    with Session(engine) as s, s.begin():
        s.add(User(username="v", password_hash="h", role_code="reader", clearance_level=0))
    stale = Session(engine, expire_on_commit=False)
    user = stale.execute(select(User).where(User.username == "v")).scalar_one()
    assert user.version == 1
    stale.commit()  # end its transaction (SQLite: release the lock) but keep the stale object
    with Session(engine) as s, s.begin():
        s.execute(select(User).where(User.username == "v")).scalar_one().display_name = "新"
    user.display_name = "旧"
    with pytest.raises(StaleDataError):
        stale.commit()
    stale.close()
    with Session(engine) as s:
        row = s.execute(select(User).where(User.username == "v")).scalar_one()
        assert (row.display_name, row.version) == ("新", 2)


def test_timestamps_come_back_timezone_aware(engine):
    with Session(engine) as s, s.begin():
        s.add(User(username="t", password_hash="h", role_code="reader", clearance_level=0))
    with Session(engine) as s:
        u = s.execute(select(User)).scalar_one()
        assert u.created_at.utcoffset().total_seconds() == 0


def test_online_backup_copies_committed_data_while_open(tmp_path):
    path = tmp_path / "live.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    assert sqlite_path(engine) == path
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        conn.exec_driver_sql("INSERT INTO t VALUES (42)")
    copy = backup_sqlite(path, tmp_path / "b" / "copy.sqlite3")
    engine.dispose()
    with sqlite3.connect(copy) as raw:
        assert raw.execute("SELECT x FROM t").fetchall() == [(42,)]
    assert not list((tmp_path / "b").glob("*.part"))


def test_writers_wait_for_each_other_instead_of_failing(tmp_path):
    """BEGIN IMMEDIATE + busy_timeout: two threads incrementing a counter never lose an update."""
    engine = make_engine(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE c (n INTEGER)")
        conn.exec_driver_sql("INSERT INTO c VALUES (0)")

    def bump():
        for _ in range(25):
            with engine.begin() as conn:
                n = conn.exec_driver_sql("SELECT n FROM c").scalar()
                conn.exec_driver_sql(f"UPDATE c SET n = {n + 1}")

    threads = [threading.Thread(target=bump) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT n FROM c").scalar() == 50
    engine.dispose()


def test_every_statement_passes_a_pacing_checkpoint(tmp_path):
    """Before each SQL statement a worker may give way to the GUI thread (``app.pacing``): the
    checkpoint is reached once per statement, on the thread that runs it."""
    from app import pacing

    engine = make_engine(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    seen: list[int] = []
    previous = pacing.install(lambda: seen.append(threading.get_ident()))
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
            conn.execute(text("select 2"))
        pacing.install(None)
        pacing.checkpoint()  # nothing installed: nothing happens
    finally:
        pacing.install(previous)
        engine.dispose()
    assert len(seen) >= 2 and set(seen) == {threading.get_ident()}
