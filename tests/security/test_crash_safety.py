"""No committed record is lost when the process dies.

200 times: a child process writes a burst of transactions (a user row and its audit event in
one transaction, as the services do) and reports each id on a pipe only after the commit
returned; the parent SIGKILLs it at a random moment. Then ``PRAGMA integrity_check`` must say
``ok``, every reported id must be there, no transaction may be half there (every row has its
audit event), and the audit hash chain must verify.

The child is forked from the test process (``os.fork``): the program's modules are already
imported and the ORM mappers configured (``configure_mappers`` before the first fork, or every
child would configure them again, a quarter of a second each), so each round costs milliseconds
instead of a second of interpreter start-up. It opens its own engine after the fork (no
connection crosses the fork) and leaves with ``os._exit``. The database starts as a copy of the
session's migrated template (``seed_sqlite``): migrating is not what is tested here.
"""

from __future__ import annotations

import os
import random
import select as selectors_
import shutil
import signal
import sqlite3
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import configure_mappers

from tests.conftest import seed_sqlite

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)"),
]

ROUNDS = 200
BURST = 20


def _child(url: str, fd: int, start: int) -> None:
    from sqlalchemy.orm import Session

    from app.services.audit import chain as audit
    from app.storage.db import make_engine
    from app.storage.models import User

    engine = make_engine(url)
    for n in range(start, start + BURST):
        with Session(engine) as s, s.begin():
            user = User(username=f"crash{n}", password_hash="x", role_code="reader",
                        clearance_level=0)
            s.add(user)
            s.flush()
            audit.append(s, None, "crash.write", "user", user.id, {"n": n}, actor_name="child")
        os.write(fd, f"{n}\n".encode())  # only after the commit returned


@pytest.fixture
def crash_dir(tmp_path):
    """Where the database lives: a memory file system (``/dev/shm``) when there is one. A killed
    process loses nothing the kernel holds already, on disk or in memory (this is not a power
    cut), so the test is the same; only the 4000 fsyncs of the bursts (each commit and audit
    anchor is synced) cost nothing there instead of most of a minute on a busy disk."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="govdesk-crash-", dir=shm))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_sigkill_during_bursts_loses_no_committed_write(crash_dir, monkeypatch):
    from app.services.audit import chain as audit
    from app.storage.db import make_engine
    from app.storage.migrate import open_database

    tmp_path = crash_dir
    monkeypatch.setenv("GOVDESK_DATA_DIR", str(tmp_path / "data"))  # the audit anchor, too
    url = f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    seed_sqlite(url)
    open_database(url, tmp_path / "b").dispose()
    configure_mappers()  # once here, not in each of the 200 children
    db = str(tmp_path / "crash.sqlite3")
    rng = random.Random(20261122)
    reported: set[int] = set()
    next_n = 0
    kills_mid_burst = 0
    for _round in range(ROUNDS):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            os.close(r)
            try:
                _child(url, w, next_n)
            finally:
                os._exit(0)
        os.close(w)
        # let a random number of commits through, then kill at a random moment within the
        # next transaction (one commit takes a few milliseconds with synchronous=FULL)
        wanted = rng.randrange(BURST)
        data = b""
        deadline = time.monotonic() + 10
        while data.count(b"\n") < wanted and time.monotonic() < deadline:
            if selectors_.select([r], [], [], 0.5)[0]:
                data += os.read(r, 65536)
        time.sleep(rng.uniform(0.0, 0.008))  # random kill timing: the sleep is under test
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        while chunk := os.read(r, 65536):
            data += chunk
        os.close(r)
        got = [int(x) for x in data.decode().split()]
        kills_mid_burst += os.WIFSIGNALED(status)
        reported.update(got)
        next_n += BURST

        con = sqlite3.connect(db)
        try:
            assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            present = {int(name[5:]) for (name,) in con.execute(
                "SELECT username FROM users WHERE username LIKE 'crash%'")}
            n_events = con.execute(
                "SELECT count(*) FROM audit_events WHERE action = 'crash.write'").fetchone()[0]
        finally:
            con.close()
        missing = reported - present
        assert not missing, f"round {_round}: committed and reported, but lost: {sorted(missing)}"
        assert n_events == len(present), f"round {_round}: a half-written transaction"
    assert kills_mid_burst >= ROUNDS // 2, "the kills should mostly land during a burst"
    assert len(reported) > ROUNDS  # the children did write
    engine = make_engine(url)
    try:
        assert audit.verify(engine).ok
        with engine.connect() as conn:
            from app.storage.models import User

            names = set(conn.execute(select(User.username)).scalars())
        assert {f"crash{n}" for n in reported} <= names
    finally:
        engine.dispose()
