"""The audit chain: tampering of every kind is detected; concurrent appends never fork it."""

from __future__ import annotations

import threading
from itertools import pairwise

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from app.services.audit import chain as audit
from app.services.context import SYSTEM
from app.storage.models import AuditEvent


def _fill(engine, n=5):
    for i in range(n):
        with Session(engine) as s, s.begin():
            audit.append(s, SYSTEM, f"test.e{i}", "thing", i, {"i": i, "文字": "中文"})


def test_intact_chain(engine):
    assert audit.verify(engine).ok and audit.verify(engine).count == 0
    _fill(engine)
    result = audit.verify(engine)
    assert result.ok and result.count == 5
    assert "完整" in result.message()
    with Session(engine) as s:
        rows = s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
        assert rows[0].prev_hash == audit.GENESIS
        assert all(b.prev_hash == a.hash for a, b in pairwise(rows))


def test_altered_detail_is_detected(engine):
    _fill(engine)
    with engine.begin() as conn:
        conn.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(detail='{"i":99}'))
    result = audit.verify(engine)
    assert (result.ok, result.broken_seq) == (False, 3)
    assert "第 3 条" in result.message() and "哈希不符" in result.message()


def test_altered_actor_with_recomputed_hash_breaks_the_next_link(engine):
    _fill(engine)
    with Session(engine) as s, s.begin():
        ev = s.execute(select(AuditEvent).where(AuditEvent.seq == 2)).scalar_one()
        ev.actor = "intruder"
        ev.hash = audit.compute_hash(ev)
    result = audit.verify(engine)
    assert (result.ok, result.broken_seq) == (False, 3)
    assert "不衔接" in result.reason


def test_deleted_row_is_detected(engine):
    _fill(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    result = audit.verify(engine)
    assert (result.ok, result.broken_seq) == (False, 2)
    assert "缺失" in result.reason


def test_reordered_rows_are_detected(engine):
    _fill(engine)
    with engine.begin() as conn:  # swap the positions of events 2 and 4
        conn.execute(text("UPDATE audit_events SET seq = -1 WHERE seq = 2"))
        conn.execute(text("UPDATE audit_events SET seq = 2 WHERE seq = 4"))
        conn.execute(text("UPDATE audit_events SET seq = 4 WHERE seq = -1"))
    result = audit.verify(engine)
    assert (result.ok, result.broken_seq) == (False, 2)


def test_concurrent_appends_form_one_chain(engine):
    errors = []

    def writer(k):
        try:
            for i in range(10):
                with Session(engine) as s, s.begin():
                    audit.append(s, SYSTEM, "test.concurrent", "w", k, {"i": i})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    result = audit.verify(engine)
    assert result.ok and result.count == 30


def test_rolled_back_act_leaves_no_event(engine):
    try:
        with Session(engine) as s, s.begin():
            audit.append(s, SYSTEM, "test.rollback")
            raise RuntimeError("act failed")
    except RuntimeError:
        pass
    assert audit.count(engine) == 0
