"""Engine and session factory — the storage conventions every module follows.

Conventions (read these before writing a service):

* **One short session per unit of work**::

      with Session(engine) as s, s.begin():
          ...  # read, check, write; commit on leaving the block, rollback on an exception

  Never keep a session open across user think-time, and never share one between threads:
  a background worker opens its own (``app.ui.kit.worker`` does not pass sessions around).
* **SQLite** (the default, one file in the data folder) runs with WAL, ``foreign_keys=ON``,
  ``busy_timeout`` and ``synchronous=FULL``, set in a connect hook so every pooled connection has
  them. Every transaction starts with ``BEGIN IMMEDIATE``: it takes the write lock up front, so a
  transaction never reads a snapshot that another desk's commit has made stale (the audit chain
  relies on this), and a busy database waits ``busy_timeout`` instead of failing half-way.
* **Locked database, full disk**: a driver error saying so (SQLite "database is locked" after
  ``busy_timeout``, "database or disk is full"; PostgreSQL lock timeout, disk_full) is raised as
  ``app.errors.StorageUnavailable`` (a ``UserError``: the GUI shows its Chinese message, the CLI
  exits 2) — the transaction was rolled back whole, so the message can say nothing was lost.
* **A broken connection** (PostgreSQL restarted, backend terminated, network gone) is raised as
  ``app.errors.ConnectionLost`` (a ``StorageUnavailable``, reason ``"connection"``): the
  transaction did not commit. Reads are retried once (``app.services.context.retry_read``);
  the pool drops the broken connection and ``pool_pre_ping`` checks the next one out.
* **PostgreSQL** is chosen by URL (``postgresql+psycopg://…``, psycopg 3). Nothing else changes.
* **Optimistic locking**: models with ``VersionMixin`` carry an integer ``version``; a stale update
  raises ``sqlalchemy.orm.exc.StaleDataError``, which services turn into ``ConflictError``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from app import pacing
from app.errors import ConnectionLost, storage_problem
from app.fileperm import create_private, private_file

BUSY_TIMEOUT_MS = 10_000


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


def sqlite_path(engine_or_url: Engine | str) -> Path | None:
    """The database file of a SQLite engine/URL (None for in-memory or other backends)."""
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # Driver-level autocommit: SQLAlchemy's "begin" hook below emits BEGIN itself.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    try:
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA synchronous = FULL")
        # 剩余信息保护: deleted content is overwritten with zeros, not left in free pages
        cur.execute("PRAGMA secure_delete = ON")
    finally:
        cur.close()


#: Execution option marking a connection whose transactions only read (``read_engine``).
READ_OPTION = "govdesk_read"


def _sqlite_on_begin(conn) -> None:  # type: ignore[no-untyped-def]
    if conn.get_execution_options().get(READ_OPTION):
        conn.exec_driver_sql("BEGIN")  # deferred: reads a WAL snapshot, never waits for a writer
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def read_engine(engine: Engine) -> Engine:
    """``engine`` for transactions that only read (same pool): on SQLite they begin DEFERRED —
    a reader sees the last committed snapshot and never queues behind a writer holding the write
    lock (WAL) — instead of ``BEGIN IMMEDIATE``. A write attempted in such a transaction may fail
    with "database is locked"; services open one only for pure reads (``ctx.reading()``)."""
    if engine.get_execution_options().get(READ_OPTION):
        return engine
    cached = engine.__dict__.get("_govdesk_read_engine")
    if cached is None:
        cached = engine.execution_options(**{READ_OPTION: True})
        engine.__dict__["_govdesk_read_engine"] = cached
    return cached


def _on_error(context) -> None:  # type: ignore[no-untyped-def]
    """A locked database or a full disk becomes ``StorageUnavailable`` (see above)."""
    sqlite = getattr(context.dialect, "name", "") == "sqlite"
    if context.is_disconnect and not sqlite:  # the pool drops the connection (SQLAlchemy)
        raise ConnectionLost() from context.original_exception
    problem = storage_problem(context.original_exception,
                              wait_seconds=BUSY_TIMEOUT_MS / 1000 if sqlite else None)
    if problem is not None:
        raise problem from context.original_exception


def _before_statement(*_args: object) -> None:
    pacing.checkpoint()  # a worker gives way to the GUI thread here (app/pacing.py)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create the engine for ``url`` with the connection settings above."""
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None and not str(path).startswith("file:"):
            path.parent.mkdir(parents=True, exist_ok=True)
            # 0600 before SQLite opens it; its -wal/-shm/journal files take the same mode
            try:
                create_private(path)
                for extra in ("-wal", "-shm", "-journal"):
                    private_file(Path(f"{path}{extra}"))
            except OSError:  # a read-only place: SQLite reports it in its own words
                pass
        engine = create_engine(url, echo=echo, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    else:
        engine = create_engine(url, echo=echo, pool_pre_ping=True)
    event.listen(engine, "handle_error", _on_error)
    event.listen(engine, "before_cursor_execute", _before_statement)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A ``sessionmaker`` bound to ``engine``; ``expire_on_commit=False`` so that objects
    returned from a finished unit of work can still be read (not lazily loaded) by the caller."""
    return sessionmaker(engine, expire_on_commit=False)


def backup_sqlite(src: Path, dest: Path) -> Path:
    """Copy a live SQLite database with the online backup API (consistent even while another
    desk writes; a plain file copy could miss WAL content). Writes to a temp file, then renames."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    tmp.unlink(missing_ok=True)
    create_private(tmp)  # a backup is the whole database: 0600 like it
    source = sqlite3.connect(str(src), timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        target = sqlite3.connect(str(tmp))
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
    tmp.replace(dest)
    return dest
