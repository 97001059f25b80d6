"""Audit log reading and tamper detection.

Alter / delete / reorder are each detected (the foundation's tests cover single rows; these cover
the middle and the end of a longer chain, a forged row inserted, and the viewer's filters)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from app.domain.security import Clearance, Role
from app.errors import PermissionDenied
from app.services.accounts import users as accounts
from app.services.audit import chain as audit
from app.services.audit_review import review as audit_log
from app.services.audit_review.review import AuditFilter


def _seed(admin_ctx, n=6):
    for i in range(n):
        accounts.add_user(admin_ctx, f"user{i}", f"User-pass-{i}x")


def _exec(engine, sql, **params):
    with engine.begin() as conn:
        conn.execute(text(sql), params)


def test_alter_delete_reorder_insert_each_detected(admin_ctx):
    _seed(admin_ctx)
    engine = admin_ctx.engine
    assert audit.verify(engine).ok
    total = audit.count(engine)
    assert total >= 8

    _exec(engine, "UPDATE audit_events SET object_id = '999' WHERE seq = 4")
    r = audit.verify(engine)
    assert (r.ok, r.broken_seq) == (False, 4)
    # the last event altered (nothing after it to break a link) is still caught by its own hash
    _exec(engine, "UPDATE audit_events SET actor = 'mallory' WHERE seq = :s", s=total)
    assert not audit.verify(engine).ok


@pytest.mark.parametrize("attack", ["alter_time", "delete_middle", "swap", "insert_forged"])
def test_each_attack_is_detected(admin_ctx, attack):
    _seed(admin_ctx)
    engine = admin_ctx.engine
    assert audit.verify(engine).ok
    if attack == "alter_time":  # back-date an event by a year
        with engine.begin() as conn:
            at = conn.execute(text("SELECT at FROM audit_events WHERE seq = 3")).scalar_one()
            older = (at - timedelta(days=365) if not isinstance(at, str)
                     else str(int(at[:4]) - 1) + at[4:])
            conn.execute(text("UPDATE audit_events SET at = :at WHERE seq = 3"), {"at": older})
    elif attack == "delete_middle":
        _exec(engine, "DELETE FROM audit_events WHERE seq = 5")
    elif attack == "swap":  # swap the seq numbers of two rows (a reordering)
        _exec(engine, "UPDATE audit_events SET seq = -1 WHERE seq = 3")
        _exec(engine, "UPDATE audit_events SET seq = 3 WHERE seq = 4")
        _exec(engine, "UPDATE audit_events SET seq = 4 WHERE seq = -1")
    else:  # a forged event at the end that does not link to the real last hash
        last = audit.count(engine)
        _exec(engine, "INSERT INTO audit_events (seq, at, actor_id, actor, action, object_type, "
                      "object_id, detail, prev_hash, hash) VALUES (:seq, :at, NULL, 'x', 'login', "
                      "'user', '1', '{}', :p, :h)",
              seq=last + 1, at=admin_ctx.now(), p="f" * 64, h="e" * 64)
    result = audit.verify(engine)
    assert not result.ok
    assert "篡改" in result.message()


def test_filters_paging_and_view_is_audited(admin_ctx):
    _seed(admin_ctx, 5)
    ctx = admin_ctx
    everything = audit_log.count(ctx, AuditFilter())
    assert everything == audit.count(ctx.engine)
    adds = audit_log.page(ctx, AuditFilter(action="user.add"), 0, 3)
    assert [r.action for r in adds] == ["user.add"] * 3
    assert adds[0].seq > adds[1].seq > adds[2].seq  # newest first
    more = audit_log.page(ctx, AuditFilter(action="user.add"), 3, 3)
    assert len(more) == 2 and more[0].seq < adds[-1].seq
    assert audit_log.count(ctx, AuditFilter(user="admin", action="user.add")) == 5
    assert audit_log.count(ctx, AuditFilter(user="nobody")) == 0
    today = ctx.now().astimezone().date()
    assert audit_log.count(ctx, AuditFilter(until=today - timedelta(days=1))) == 0
    assert audit_log.count(ctx, AuditFilter(since=today)) > 0
    assert "audit.view" in [e.action for e in audit.recent(ctx.engine, 20)]
    assert audit.verify(ctx.engine).ok


def test_export_xlsx_and_permission(admin_ctx, tmp_path):
    _seed(admin_ctx, 3)
    ctx = admin_ctx
    out = tmp_path / "out" / "审计.xlsx"
    n = audit_log.export_xlsx(ctx, AuditFilter(action="user.add"), out)
    assert n == 3
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][0] == "序号" and [r[3] for r in rows[1:]] == ["新建账户"] * 3
    assert [r[7] for r in rows[1:]] == ["user.add"] * 3  # the code stays, in its own column
    assert audit.recent(ctx.engine, 1)[0].action == "audit.export"
    accounts.add_user(ctx, "reader", "Reader-pass-1", role=Role.READER, must_change_password=False)
    reader = ctx.with_actor(accounts.login(ctx, "reader", "Reader-pass-1"))
    with pytest.raises(PermissionDenied):
        audit_log.page(reader, AuditFilter(), 0)
    with pytest.raises(PermissionDenied):
        audit_log.export_xlsx(reader, AuditFilter(), tmp_path / "no.xlsx")
    assert not (tmp_path / "no.xlsx").exists()


def test_classified_detail_is_hidden_above_clearance(admin_ctx):
    ctx = admin_ctx
    accounts.add_user(ctx, "leader", "Leader-pass-1", role=Role.LEADER,
                      clearance=Clearance.INTERNAL, must_change_password=False)
    with ctx.session() as s, s.begin():
        audit.append(s, ctx.actor, "doc.view", "document", 7,
                     {"classification": 3, "title": "绝密标题XYZ"})
    leader = ctx.with_actor(accounts.login(ctx, "leader", "Leader-pass-1"))
    rows = audit_log.page(leader, AuditFilter(action="doc.view"), 0)
    assert rows[0].detail == audit_log.HIDDEN
    assert "绝密标题XYZ" in audit_log.page(ctx, AuditFilter(action="doc.view"), 0)[0].detail
