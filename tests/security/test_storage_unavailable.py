"""A locked database and a full disk: a Chinese message that says what happened and that nothing
was lost — on the command line (exit code 2, never a traceback) and in the GUI (the sentence
``app.ui.kit.messages.describe`` shows) — and indeed nothing is lost or half-written.

Real conditions, not mocks: another connection holds SQLite's exclusive lock; the disk is full
because ``PRAGMA max_page_count`` caps the database file at its current size and the users
table is filled to the last page (SQLite then fails exactly as on a full disk, SQLITE_FULL);
an output file's write fails with ENOSPC.
"""

from __future__ import annotations

import errno
import io
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import app.storage.db as storage_db
from app.cli import main as cli_main
from app.config import load_config
from app.errors import StorageUnavailable, UserError
from app.services.accounts import users as accounts
from app.services.context import ServiceContext
from app.storage.migrate import open_database
from app.storage.models import User
from tests.conftest import ADMIN_PASSWORD

LOCKED = "占用"
FULL = "磁盘空间已满"
SAFE = "已保存的数据没有丢失"


@pytest.fixture
def office_db(monkeypatch, tmp_path) -> Path:
    """The configured database (the one the CLI opens) with its first administrator."""
    url = load_config().db_url
    engine = open_database(url, tmp_path / "b")
    accounts.create_first_admin(ServiceContext(engine), "admin", ADMIN_PASSWORD)
    engine.dispose()
    monkeypatch.setenv("GOVDESK_ADMIN_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setattr("sys.stdin", io.StringIO("Bob-pass-12345\nBob-pass-12345\n"))
    path = storage_db.sqlite_path(url)
    assert path is not None and path.is_file()
    return path


def _usernames(path: Path) -> list[str]:
    con = sqlite3.connect(str(path))
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return sorted(r[0] for r in con.execute("SELECT username FROM users"))
    finally:
        con.close()


# ---------------------------------------------------------------- locked

@pytest.fixture
def locked(office_db, monkeypatch):
    """Another program holds the exclusive lock (e.g. a desk mid-transaction, a copy tool)."""
    monkeypatch.setattr(storage_db, "BUSY_TIMEOUT_MS", 300)  # the program waits 10 s
    holder = sqlite3.connect(str(office_db), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    yield office_db
    holder.rollback()
    holder.close()


@pytest.mark.parametrize("argv", [["user", "list"], ["user", "add", "bob"], ["audit", "verify"],
                                  ["docno", "list", "--user", "admin"]])
def test_cli_on_a_locked_database_exits_2_saying_nothing_was_lost(locked, capsys, argv):
    start = time.perf_counter()
    code = cli_main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert time.perf_counter() - start < 10  # the busy timeout (0.3 s here), once — not twice
    assert "Traceback" not in err
    assert err.startswith("错误：") and LOCKED in err and SAFE in err and "0.3 秒" in err, err


def test_a_write_refused_by_the_lock_leaves_nothing_behind(office_db, monkeypatch, capsys):
    monkeypatch.setattr(storage_db, "BUSY_TIMEOUT_MS", 300)
    holder = sqlite3.connect(str(office_db), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert cli_main(["user", "add", "bob"]) == 2
    finally:
        holder.rollback()
        holder.close()
    assert SAFE in capsys.readouterr().err
    assert _usernames(office_db) == ["admin"]
    assert cli_main(["audit", "verify"]) == 0  # the chain is whole


def test_gui_service_call_on_a_locked_database_says_so(office_db, monkeypatch):
    from app.ui.kit.messages import describe

    monkeypatch.setattr(storage_db, "BUSY_TIMEOUT_MS", 300)
    engine = storage_db.make_engine(load_config().db_url)
    ctx = ServiceContext(engine)
    admin = ctx.with_actor(accounts.login(ctx, "admin", ADMIN_PASSWORD))
    holder = sqlite3.connect(str(office_db), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(UserError) as info:  # what every page catches and shows
            accounts.add_user(admin, "bob", "Bob-pass-12345")
    finally:
        holder.rollback()
        holder.close()
        engine.dispose()
    assert isinstance(info.value, StorageUnavailable) and info.value.reason == "locked"
    text = describe(info.value)
    assert LOCKED in text and SAFE in text
    assert _usernames(office_db) == ["admin"]
    # the same sentence when a driver error reaches the GUI some other way (excepthook)
    raw = sqlite3.OperationalError("database is locked")
    assert LOCKED in describe(raw) and SAFE in describe(raw)


# ---------------------------------------------------------------- full disk

@pytest.fixture
def full_disk(office_db, monkeypatch):
    """The database cannot grow by one page: SQLITE_FULL, as on a full disk."""
    con = sqlite3.connect(str(office_db), isolation_level=None)
    con.execute("VACUUM")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    con.execute(f"PRAGMA max_page_count = {pages}")
    cols = [r[1] for r in con.execute("PRAGMA table_info(users)") if r[1] != "id"]
    n = 0
    with pytest.raises(sqlite3.OperationalError, match="full"):  # fill the last page
        while True:
            picked = ", ".join(f"'filler{n}'" if c == "username" else c for c in cols)
            con.execute(f"INSERT INTO users ({', '.join(cols)}) SELECT {picked} FROM users "
                        "WHERE username = 'admin'")
            n += 1
    con.close()
    before = _usernames(office_db)
    original = storage_db._sqlite_on_connect

    def capped(dbapi_connection, record):  # every connection the program opens
        original(dbapi_connection, record)
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    monkeypatch.setattr(storage_db, "_sqlite_on_connect", capped)
    return office_db, before


def test_cli_on_a_full_disk_exits_2_saying_nothing_was_lost(full_disk, capsys):
    path, before = full_disk
    code = cli_main(["user", "add", "bob"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert err.startswith("错误：") and FULL in err and SAFE in err, err
    assert _usernames(path) == before  # no bob, nobody lost, integrity ok


def test_gui_service_call_on_a_full_disk_says_so(full_disk):
    from app.ui.kit.messages import describe

    path, before = full_disk
    engine = storage_db.make_engine(load_config().db_url)
    try:
        ctx = ServiceContext(engine)
        with pytest.raises(UserError) as info:
            admin = ctx.with_actor(accounts.login(ctx, "admin", ADMIN_PASSWORD))
            accounts.add_user(admin, "bob", "Bob-pass-12345")
        with Session(engine) as s:
            assert s.execute(select(User).where(User.username == "bob")).first() is None
    finally:
        engine.dispose()
    assert isinstance(info.value, StorageUnavailable) and info.value.reason == "full"
    text = describe(info.value)
    assert FULL in text and SAFE in text
    assert _usernames(path) == before
    assert FULL in describe(OSError(errno.ENOSPC, "No space left on device"))


def test_render_output_on_a_full_disk_says_so_and_leaves_no_file(tmp_path, monkeypatch, capsys):
    """The output file's write fails with ENOSPC (injected at fsync, after the bytes went to
    the temporary file): no output, no temporary file, the disk-full sentence."""
    demo = Path(__file__).resolve().parents[2] / "resources" / "demo" / "notice.json"
    out = tmp_path / "out" / "notice.pdf"
    out.parent.mkdir()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("app.atomicfile.os.fsync", full)
    assert cli_main(["render", str(demo), "-o", str(out), "--allow-placeholders"]) == 2
    err = capsys.readouterr().err
    assert FULL in err and "Traceback" not in err
    assert list(out.parent.iterdir()) == []
