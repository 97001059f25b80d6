"""发文字号 under concurrency: desks racing for numbers get each number once, with no gap.

SQLite: threads on one engine (each its own connection; ``BEGIN IMMEDIATE`` serialises them).
PostgreSQL: two engines — two desks — whose transactions race on the series row
(``SELECT … FOR UPDATE``)."""

from __future__ import annotations

import threading

import pytest

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services import audit, docnumbers
from app.services import documents as docs
from app.services.context import ServiceContext
from app.storage.db import make_engine
from app.storage.models import DocNoEntry
from tests.services.documents_helpers import notice, people


def _race(workers: list) -> list:
    """Run the callables at the same instant; return results (re-raise the first error)."""
    barrier = threading.Barrier(len(workers))
    results: list = [None] * len(workers)
    errors: list[BaseException] = []

    def run(i: int, fn) -> None:
        barrier.wait()
        try:
            results[i] = fn()
        except BaseException as exc:  # noqa: BLE001 - collected, re-raised on the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    if errors:
        raise errors[0]
    return results


def _entries(engine) -> list[tuple[int, str]]:
    with Session(engine) as s:
        return [(e.seq, e.state) for e in s.execute(
            select(DocNoEntry).where(DocNoEntry.prefix == "临政办发").order_by(DocNoEntry.seq)
        ).scalars()]


def test_desks_signing_at_once_get_distinct_consecutive_numbers(ctx, db_url):
    team = people(ctx)
    clerk, leader = team["clerk"], team["leader"]
    ids = []
    for i in range(6):
        info = docs.create_document(clerk, notice(title=f"关于第{i}项工作的通知"),
                                    series_prefix="临政办发")
        docs.workflow_step(clerk, info.id, "review")
        ids.append(info.id)
    second = make_engine(db_url)  # a second desk: its own engine and connections
    try:
        desks = [leader, ServiceContext(second, leader.actor)]
        signed = _race([lambda i=i: docs.sign(desks[i % 2], ids[i]) for i in range(6)])
    finally:
        second.dispose()
    numbers = sorted(int(s.doc_no.split("〕")[1].rstrip("号")) for s in signed)
    assert numbers == [1, 2, 3, 4, 5, 6]
    assert _entries(ctx.engine) == [(n, "issued") for n in range(1, 7)]


def test_two_desks_reserving_in_a_loop_never_duplicate_or_skip(ctx, db_url):
    clerk = people(ctx)["clerk"]
    second = make_engine(db_url)
    rounds = 10
    try:
        desks = [clerk, ServiceContext(second, clerk.actor)]

        def desk(d: ServiceContext):
            return lambda: [docnumbers.reserve_numbers(d, "临政办发", 2026, 1, "并发测试")[0]
                            for _ in range(rounds)]

        got = _race([desk(desks[0]), desk(desks[1])])
    finally:
        second.dispose()
    taken = got[0] + got[1]
    assert len(set(taken)) == 2 * rounds
    assert _entries(ctx.engine) == [(n, "reserved") for n in range(1, 2 * rounds + 1)]
    reg = docnumbers.series_register(clerk, "临政办发", 2026)
    assert not reg.anomalies and reg.counts()["reserved"] == 2 * rounds


def test_a_signing_that_fails_after_its_number_was_taken_voids_it_with_the_reason(
        ctx, monkeypatch):
    """签发 takes its number in a transaction of its own (the series lock is held for that
    alone); when the 签发 itself then fails, the number is voided with the reason — never a
    silent gap — and the document stays unsigned, ready to be signed again with the next one."""
    team = people(ctx)
    clerk, leader = team["clerk"], team["leader"]
    info = docs.create_document(clerk, notice(title="关于失败签发的通知"), series_prefix="临政办发")
    docs.workflow_step(clerk, info.id, "review")

    def broken_index(s, doc):
        raise docs.InputError("索引写入失败（测试）")

    with monkeypatch.context() as m:
        m.setattr(docs, "_index", broken_index)
        with pytest.raises(docs.InputError, match="索引写入失败"):
            docs.sign(leader, info.id)
    assert docs.get_document(clerk, info.id).status == "reviewed"
    assert _entries(ctx.engine) == [(1, "void")]
    signed = docs.sign(leader, info.id)
    assert signed.doc_no == "临政办发〔2026〕2号"
    reg = docnumbers.series_register(clerk, "临政办发", 2026)
    assert not reg.anomalies
    assert [(r.seq, r.state) for r in reg.rows] == [(1, "void"), (2, "issued")]
    assert reg.rows[0].reason.startswith("签发未完成，此号作废") and "索引写入失败" in reg.rows[0].reason
    assert [e.action for e in audit.recent(ctx.engine, 3)][:2] == ["doc.sign", "docno.void"]
