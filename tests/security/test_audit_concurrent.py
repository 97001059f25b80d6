"""Issue 32 — the audit chain without one lock for the whole office.

Desks (separate processes) append events at once; afterwards the chain verifies and holds every
event each desk committed. On PostgreSQL an append takes no lock (a transaction that appended
and is still open does not hold up another desk's append), and an event changed while it waited
to be sealed is reported by ``verify`` after the fact, like a change to a chained one.
"""

from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.services.audit import chain as audit
from app.services.context import SYSTEM
from app.storage.db import make_engine

DESKS = 4
EVENTS = 15


def _desk(url: str, desk: int, n: int) -> None:
    """One desk's process: ``n`` write transactions, each appending two events."""
    engine = make_engine(url)
    try:
        for i in range(n):
            with Session(engine) as s, s.begin():
                audit.append(s, SYSTEM, "test.desk", "desk", desk, {"desk": desk, "i": i})
                audit.append(s, SYSTEM, "test.desk2", "desk", desk, {"desk": desk, "i": i})
    finally:
        engine.dispose()


def _fill(engine, n: int = 3) -> None:
    for i in range(n):
        with Session(engine) as s, s.begin():
            audit.append(s, SYSTEM, "test.e", "thing", i, {"i": i})


@pytest.mark.slow
def test_desks_appending_at_once_leave_a_chain_that_verifies_and_holds_every_event(engine,
                                                                                    db_url):
    _fill(engine, 1)  # the office's audit key exists before the desks start (they share it)
    mp = multiprocessing.get_context("spawn")
    procs = [mp.Process(target=_desk, args=(db_url, d, EVENTS)) for d in range(DESKS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(300)
    assert [p.exitcode for p in procs] == [0] * DESKS
    result = audit.verify(engine)
    assert result.ok, result.message()
    assert result.count == 1 + DESKS * EVENTS * 2
    with Session(engine) as s:
        got = s.execute(text("SELECT detail FROM audit_events WHERE action = 'test.desk'")
                        ).scalars().all()
        pending = s.execute(text("SELECT COUNT(*) FROM audit_pending")).scalar_one()
    import json

    assert sorted((d["desk"], d["i"]) for d in map(json.loads, got)) == [
        (d, i) for d in range(DESKS) for i in range(EVENTS)]
    assert pending == 0


def _pg_only(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite chains inline: its writer holds the database lock anyway")


def test_an_open_transaction_that_appended_does_not_hold_up_another_desk(engine, db_url):
    _pg_only(db_url)
    _fill(engine, 1)
    other = make_engine(db_url)
    try:
        with Session(engine) as slow, slow.begin():
            audit.append(slow, SYSTEM, "test.slow", "thing", 1, {})
            # the slow desk has not committed; another desk appends and commits meanwhile
            with Session(other) as s, s.begin():
                s.execute(text("SET LOCAL lock_timeout = '3s'"))
                audit.append(s, SYSTEM, "test.fast", "thing", 2, {})
        assert [e.action for e in audit.recent(engine, 2)] == ["test.slow", "test.fast"]
        assert audit.verify(engine).ok
    finally:
        other.dispose()


def test_a_pending_event_changed_before_it_was_sealed_is_reported(engine, db_url, monkeypatch):
    _pg_only(db_url)
    _fill(engine, 2)
    with monkeypatch.context() as m:
        m.setattr(audit, "seal", lambda *a, **k: 0)  # the desk died between commit and seal
        with Session(engine) as s, s.begin():
            audit.append(s, SYSTEM, "doc.view", "document", 7, {"title": "机密文件"})
    with Session(engine) as s, s.begin():  # the attacker rewrites who looked at what
        assert s.execute(text("UPDATE audit_pending SET actor = 'nobody', detail = :d"),
                         {"d": '{"title":"公开文件"}'}).rowcount == 1
    result = audit.verify(engine)  # seals first: the changed event is chained as a finding
    assert not result.ok and result.broken_seq == 3
    assert "封存入链之前被改动" in result.message()


def test_a_chained_event_changed_after_the_fact_is_reported(engine, db_url):
    _fill(engine, 4)
    with Session(engine) as s, s.begin():
        s.execute(text("UPDATE audit_events SET detail = :d WHERE seq = 2"), {"d": '{"i":9}'})
    result = audit.verify(engine)
    assert not result.ok and result.broken_seq == 2


def test_an_event_removed_from_the_middle_is_reported(engine, db_url):
    _fill(engine, 4)
    with Session(engine) as s, s.begin():
        s.execute(text("DELETE FROM audit_events WHERE seq = 3"))
    result = audit.verify(engine)
    assert not result.ok and result.broken_seq == 3


