"""发文字号 under concurrency: desks racing for numbers get each number once, with no gap.

SQLite: threads on one engine (each its own connection; ``BEGIN IMMEDIATE`` serialises them).
PostgreSQL: two engines — two desks — whose transactions race on the series row
(``SELECT … FOR UPDATE``)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.audit import chain as audit
from app.services.context import ServiceContext
from app.services.documents import drafts as docs
from app.services.documents import numbers as docnumbers
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
    """On PostgreSQL 签发 takes its number in a transaction of its own (the series lock is held
    for that alone); when the 签发 itself then fails, the number is voided with the reason —
    never a silent gap — and the document stays unsigned, ready to be signed again with the next
    one. On SQLite the number is taken inside the 签发 transaction and rolls back with it."""
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
    claimed = ctx.engine.dialect.name == "postgresql"
    assert _entries(ctx.engine) == ([(1, "void")] if claimed else [])
    signed = docs.sign(leader, info.id)
    assert signed.doc_no == f"临政办发〔2026〕{2 if claimed else 1}号"
    reg = docnumbers.series_register(clerk, "临政办发", 2026)
    assert not reg.anomalies
    if claimed:
        assert [(r.seq, r.state) for r in reg.rows] == [(1, "void"), (2, "issued")]
        assert reg.rows[0].reason.startswith("签发未完成，此号作废") and "索引写入失败" in reg.rows[0].reason
        assert [e.action for e in audit.recent(ctx.engine, 3)][:2] == ["doc.sign", "docno.void"]
    else:
        assert [(r.seq, r.state) for r in reg.rows] == [(1, "issued")]


def _signing_desk(url: str, actor, ids: list[int], out) -> None:  # noqa: ANN001
    """A desk process: sign ``ids`` one after another; report (id, 发文字号) of each."""
    engine = make_engine(url)
    try:
        ctx = ServiceContext(engine, actor)
        out.put([(i, docs.sign(ctx, i).doc_no) for i in ids])
    finally:
        engine.dispose()


def _reserving_desk(url: str, actor, out) -> None:  # noqa: ANN001
    engine = make_engine(url)
    try:
        ctx = ServiceContext(engine, actor)
        got = []
        for _ in range(3):
            texts = docnumbers.reserve_numbers(ctx, "临政办发", 2026, 2, "纸质签发备用")
            seq = int(texts[0].split("〕")[1].rstrip("号"))
            docnumbers.void_number(ctx, "临政办发", 2026, seq, "备用号作废")
            got.append(texts)
        out.put(got)
    finally:
        engine.dispose()


def test_desk_processes_signing_at_once_never_duplicate_or_skip(ctx, db_url):
    """Several desk processes (each its own engine, like separate workstations) sign at once
    while another reserves and voids numbers: every number from 1 to the highest is recorded
    exactly once — issued to the document that shows it, or reserved/void with its reason."""
    import multiprocessing

    if not db_url.startswith("postgresql"):
        pytest.skip("desks on separate workstations: PostgreSQL")
    team = people(ctx)
    clerk, leader = team["clerk"], team["leader"]
    ids = []
    for i in range(12):
        info = docs.create_document(clerk, notice(title=f"关于第{i}项并发工作的通知"),
                                    series_prefix="临政办发")
        docs.workflow_step(clerk, info.id, "review")
        ids.append(info.id)
    mp = multiprocessing.get_context("spawn")
    out = mp.Queue()
    procs = [mp.Process(target=_signing_desk, args=(db_url, leader.actor, ids[d::3], out))
             for d in range(3)]
    procs.append(mp.Process(target=_reserving_desk, args=(db_url, clerk.actor, out)))
    for p in procs:
        p.start()
    reported = [out.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0] * 4
    signed = dict(pair for r in reported if r and isinstance(r[0], tuple) for pair in r)
    assert sorted(signed) == sorted(ids)
    assert len(set(signed.values())) == 12  # no number twice
    reg = docnumbers.series_register(clerk, "临政办发", 2026)
    assert not reg.anomalies  # no number skipped silently
    assert [r.seq for r in reg.rows] == list(range(1, 12 + 6 + 1))
    counts = reg.counts()
    assert (counts["issued"], counts["reserved"], counts["void"]) == (12, 3, 3)
    for row in reg.rows:
        if row.state == "issued":
            assert signed[int(row.document_id)] == row.text
        else:
            assert row.reason in ("纸质签发备用", "备用号作废")
    assert audit.verify(ctx.engine).ok
