"""Round trips per act of the many-desks loop (issue 32; benchmarks/bench_desks.py): SQL
statements and transactions each act sends, counted on the engine, with a ceiling per act so the
counts cannot creep back.

With 20 desks and the server on one machine every desk is short of CPU, and each statement and
each transaction (on PostgreSQL: the pool's ping, BEGIN, COMMIT) is a round trip that costs
client and server CPU. Counted: every statement the driver is given (``before_cursor_execute`` —
on SQLite that includes the ``BEGIN``/``BEGIN IMMEDIATE`` the engine's begin hook sends) and
every transaction begun (``begin``) and committed (``commit``) on the engine — the act's own
units of work, the sealing of the audit events (PostgreSQL) and the anchor's read. The loop is
run once before counting (a new 发文字号 series, search kind and audit key are first-time work).

Before issue 32's round-trip work, statements / transactions per act were
(SQLite; PostgreSQL): 公文 list 10/4; 6/4 — search 9/2; 7/2 — create 16/3; 20/5 —
edit 19/3; 22/5 — 核稿 14/3; 18/5 — 签发 28/4; 34/7 — 值班 log 14/3; 18/5 —
督办 progress 19/3; 22/5 — the loop 129/25; 147/38.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.domain.security import Clearance, Role
from app.services.context import Actor, ServiceContext
from app.services.documents import drafts as docs
from app.services.duty import desk as duty_desk
from app.services.minutes import meetings as mn
from app.services.search import index as search
from app.storage.models import AuditEvent, DecisionEvent, Document, DutyLogEntry
from tests.services.documents_helpers import person

#: act → (statements, transactions) at most: (SQLite, PostgreSQL)
CEILINGS: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "list": ((6, 2), (4, 2)),  # count + first page: two reads, each with the account check
    "search": ((7, 1), (6, 1)),
    "create": ((12, 1), (15, 2)),  # PostgreSQL: + the seal of the audit event after the commit
    "edit": ((15, 1), (14, 2)),
    "review": ((10, 1), (13, 2)),
    "sign": ((22, 2), (22, 4)),  # PostgreSQL: read, claim the number, 签发, seal
    "duty": ((10, 1), (13, 2)),
    "progress": ((14, 1), (13, 2)),
}
PREFIX = "临办发"


class Counter:
    """Statements and transactions on ``engine`` while ``run`` runs."""

    def __init__(self, engine: Any) -> None:
        self.statements: list[str] = []
        self.begins = 0
        self.commits = 0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "begin", self._begin)
        event.listen(engine, "commit", self._commit)
        self.engine = engine

    def _statement(self, conn, cursor, statement, params, context, executemany) -> None:
        self.statements.append(statement)

    def _begin(self, conn) -> None:
        self.begins += 1

    def _commit(self, conn) -> None:
        self.commits += 1

    def run(self, fn: Callable[[], Any]) -> tuple[Any, int, int, int]:
        self.statements.clear()
        self.begins = self.commits = 0
        value = fn()
        return value, len(self.statements), self.begins, self.commits

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "begin", self._begin)
        event.remove(self.engine, "commit", self._commit)


def _desk(ctx: ServiceContext) -> ServiceContext:
    """A desk as the benchmark signs in: 文书 + 值班员 + 领导, 机密."""
    one = person(ctx, "desk01", Role.CLERK, Clearance.CONFIDENTIAL, "坐席01")
    from app.storage.models import UserRole

    uid = one.actor.user_id
    with Session(ctx.engine) as s, s.begin():
        s.add_all([UserRole(user_id=uid, role_code=r) for r in ("duty", "leader")])
    return ctx.with_actor(Actor(uid, "desk01", frozenset({Role.CLERK, Role.DUTY, Role.LEADER}),
                                Clearance.CONFIDENTIAL, "坐席01"))


def _desc(n: int, body: str) -> dict[str, Any]:
    return {"issuer_mark": "临江市人民政府办公室文件",
            "title": f"临江市人民政府办公室关于第{n}项工作的通知",
            "to": "各区人民政府，市政府各部门：", "body": body,
            "issuer": "临江市人民政府办公室", "date": dt.date.today().isoformat(), "sealed": True}


def _loop(desk: ServiceContext, decision_id: int, n: int) -> list[tuple[str, Callable[[], Any]]]:
    """The benchmark's loop, act by act (each act reads what the one before returned)."""
    body = "为做好有关工作，现通知如下。\n一、提高认识\n各单位要高度重视。"
    made: dict[str, Any] = {}
    return [
        ("list", lambda: (docs.count_documents(desk), docs.list_documents(desk))),
        ("search", lambda: search.search(desk, "通知")),
        ("create", lambda: made.setdefault("doc", docs.create_document(
            desk, _desc(n, body), series_prefix=PREFIX))),
        ("edit", lambda: docs.update_document(
            desk, made["doc"].id, _desc(n, body + "\n二、加强值班\n要安排领导带班。"),
            expected_version=made["doc"].version)),
        ("review", lambda: docs.workflow_step(desk, made["doc"].id, "review")),
        ("sign", lambda: docs.sign(desk, made["doc"].id)),
        ("duty", lambda: duty_desk.add_log_entry(desk, duty_desk.LogEntry(
            kind="来电", received_at=dt.datetime.now(dt.UTC), caller_unit="市应急局",
            caller_name="张三", content=f"询问第{n}次值班安排。"))),
        ("progress", lambda: mn.report_progress(desk, decision_id, f"第{n}次推进，进展顺利。")),
    ]


def test_round_trips_per_act_stay_under_their_ceilings(ctx, engine, capsys):
    desk = _desk(ctx)
    t = mn.create_type(desk, "常务会议", organ="市政府")
    m = mn.create_meeting(desk, t.id, dt.date(2026, 2, 13))
    topic = mn.save_topic(desk, m.id, "议题")
    d = mn.add_decision(desk, topic.id, "会议同意。", lead_unit="市交通运输局", workdays=5)
    mn.register(desk, d.id, "列入督办")
    for _name, act in _loop(desk, d.id, 1):  # first-time work out of the way
        act()

    pg = engine.dialect.name == "postgresql"
    counter = Counter(engine)
    counts: dict[str, tuple[int, int, int]] = {}
    results: dict[str, Any] = {}
    try:
        for name, act in _loop(desk, d.id, 2):
            results[name], statements, begins, commits = counter.run(act)
            counts[name] = (statements, begins, commits)
    finally:
        counter.close()

    with capsys.disabled():
        print(f"\n  {engine.dialect.name}: act statements/transactions "
              + ", ".join(f"{k} {s}/{b}" for k, (s, b, _c) in counts.items())
              + f"; loop {sum(c[0] for c in counts.values())}/"
              f"{sum(c[1] for c in counts.values())}")
    over = {name: (s, b) for name, (s, b, _c) in counts.items()
            if s > CEILINGS[name][pg][0] or b > CEILINGS[name][pg][1]}
    assert not over, f"more round trips than the ceilings {CEILINGS}: {over}"
    assert all(c <= b for _s, b, c in counts.values())  # nothing left open

    # and the acts did what they say, read back
    signed = results["sign"]
    assert signed.status == "signed" and signed.doc_no == f"{PREFIX}〔{dt.date.today().year}〕2号"
    with Session(engine) as s:
        doc = s.get(Document, signed.id)
        assert doc is not None and doc.status == "signed" and doc.doc_no == signed.doc_no
        assert s.execute(select(DutyLogEntry.content).order_by(DutyLogEntry.id.desc())
                         .limit(1)).scalar() == "询问第2次值班安排。"
        assert s.execute(select(DecisionEvent.text).order_by(DecisionEvent.id.desc())
                         .limit(1)).scalar() == "第2次推进，进展顺利。"
        acts = list(s.execute(select(AuditEvent.action).order_by(AuditEvent.seq.desc())
                              .limit(6)).scalars())
    # every act's event chained (PostgreSQL: sealed after its commit), in order
    assert acts[::-1] == ["doc.create", "doc.update", "doc.review", "doc.sign", "duty.log.add",
                          "minutes.supervise.progress"]
    assert results["search"].total >= 1 and results["list"][0] == 1


@pytest.mark.parametrize("stale", ["disabled", "demoted"])
def test_the_account_read_inside_the_act_still_refuses_a_stale_session(ctx, engine, stale):
    """The account is re-read inside the act's own unit of work now: a desk disabled or demoted
    after signing in is refused by every act of the loop, nothing is written, and each refusal
    is audited once."""
    from sqlalchemy import delete, update

    from app.errors import PermissionDenied
    from app.storage.models import User, UserRole

    desk = _desk(ctx)
    t = mn.create_type(desk, "常务会议", organ="市政府")
    m = mn.create_meeting(desk, t.id, dt.date(2026, 2, 13))
    topic = mn.save_topic(desk, m.id, "议题")
    d = mn.add_decision(desk, topic.id, "会议同意。", lead_unit="市交通运输局", workdays=5)
    mn.register(desk, d.id, "列入督办")
    draft = docs.create_document(desk, _desc(1, "正文。"), series_prefix=PREFIX)
    docs.update_document(desk, draft.id, _desc(1, "正文。\n二、补充。"),
                         expected_version=draft.version)
    docs.workflow_step(desk, draft.id, "review")
    uid = desk.actor.user_id
    with Session(engine) as s, s.begin():
        if stale == "disabled":
            s.execute(update(User).where(User.id == uid).values(active=False))
        else:
            s.execute(delete(UserRole).where(UserRole.user_id == uid,
                                             UserRole.role_code == "leader"))
    with Session(engine) as s:
        before = s.execute(select(AuditEvent.seq).order_by(AuditEvent.seq.desc())).scalar()
        docs_before = s.execute(select(Document.id)).scalars().all()
    refused = 0
    for name, act in _loop(desk, d.id, 2):
        if name in ("edit", "review", "sign"):
            continue  # (they need the draft the refused create did not make; 签发: below)
        with pytest.raises(PermissionDenied, match="已被停用或权限已变更"):
            act()
        refused += 1
    with pytest.raises(PermissionDenied, match="已被停用或权限已变更"):
        docs.sign(desk, draft.id)
    refused += 1
    with Session(engine) as s:
        assert s.execute(select(Document.id)).scalars().all() == docs_before
        assert s.get(Document, draft.id).status == "reviewed"
        events = s.execute(select(AuditEvent.action, AuditEvent.outcome, AuditEvent.detail)
                           .where(AuditEvent.seq > before).order_by(AuditEvent.seq)).all()
    assert [(e.action, e.outcome) for e in events] == [("denied", "refused")] * refused
    assert all('"reason":"stale_session"' in e.detail for e in events)
