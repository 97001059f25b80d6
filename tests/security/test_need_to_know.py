"""知悉范围 (need to know) beyond 密级 (issue 31).

Every person below is cleared to 机密, so clearance alone would show them everything. Each
module's 机密 record is given a 知悉范围 naming one user and one unit; then a cleared user outside
it must find it nowhere — search hits and group counts, lists and list counts, the workbench,
the 督办 export, an exchange package and the audit viewer — and be refused a read by id, while
the drafter (creator), the named user and a member of the named unit see it everywhere. A
second 机密 record without a scope stays visible to all (clearance only, as before). Widening a
scope needs a reason and is audited with it. Runs on SQLite and, with ``GOVDESK_TEST_PG_URL``,
PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.domain.security import Clearance, Role
from app.errors import InputError, PermissionDenied
from app.services import need_to_know
from app.services.accounts import users as accounts
from app.services.audit_review import review as audit_log
from app.services.context import Actor
from app.services.documents import drafts as documents
from app.services.duty import desk as duty_desk
from app.services.exchange import packages as exchange
from app.services.incidents import reports as incidents
from app.services.incoming import book as incoming
from app.services.minutes import meetings as minutes
from app.services.search import index as search
from app.services.workbench import items as workbench
from app.storage.models import AuditEvent, PaperCopy, RecordScope, UserRole
from tests.services.documents_helpers import notice, person

TOP = int(Clearance.CONFIDENTIAL)
MARK = "密椟"  # in every scoped record's title/text
OPEN_MARK = "明档"  # in the unscoped 机密 records


def _records(who, mark: str) -> dict[str, int]:
    """One 机密 record of each kind carrying ``mark``, created by ``who``."""
    doc = documents.create_document(who, notice(f"关于{mark}事项的通知", secrecy="机密"))
    received = dt.datetime.now(dt.UTC)
    today = received.astimezone().date()
    inc_doc = incoming.register(who, incoming.IncomingIn(
        sender="省保密局", title=f"关于{mark}的来函", received_at=received,
        classification=TOP, deadline=today))
    mtype = minutes.create_type(who, "保密专题会" if mark == MARK else "例行专题会")  # unclassified
    meeting = minutes.create_meeting(who, mtype.id, today, classification=TOP)
    topic = minutes.save_topic(who, meeting.id, f"{mark}议题")
    decision = minutes.add_decision(who, topic.id, f"落实{mark}整改。", lead_unit="保密办",
                                    deadline=today + dt.timedelta(days=1))
    now = dt.datetime.now()
    inc = incidents.create_incident(who, incidents.IncidentData(
        title=f"{mark}泄露事件", occurred_at=now, received_at=now, place="某地",
        summary=f"{mark}经过。"), classification=TOP)
    log = duty_desk.add_log_entry(who, duty_desk.LogEntry(
        content=f"{mark}来电", caller_unit="某单位", classification=TOP))
    item = duty_desk.add_open_item(who, f"跟进{mark}", log_id=log.id,
                                   deadline=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    return {"document": doc.id, "incoming": inc_doc.id, "meeting": meeting.id,
            "incident": inc.id, "duty_log": log.id, "decision": decision.id, "item": item.id}


@pytest.fixture
def world(admin_ctx):
    def cleared(name: str, unit: str, role: Role = Role.CLERK):
        """A user cleared to 机密 in ``unit`` who also takes duty and reports incidents."""
        c = person(admin_ctx, name, role, Clearance.CONFIDENTIAL, name)
        accounts.set_unit(admin_ctx, c.actor.user_id, unit)
        roles = {role, Role.DUTY, Role.LEADER}
        with Session(admin_ctx.engine) as s, s.begin():
            s.add_all(UserRole(user_id=c.actor.user_id, role_code=r.value) for r in roles - {role})
        return c.with_actor(Actor(c.actor.user_id, name, roles, Clearance.CONFIDENTIAL, name))

    drafter = cleared("zuozhe", "办公室")
    named = cleared("zhiqing", "财务科")
    unitmate = cleared("tongshi", "保密办")
    outsider = cleared("waiyuan", "财务科", Role.LEADER)
    scoped = _records(drafter, MARK)
    plain = _records(drafter, OPEN_MARK)
    for kind in need_to_know.KINDS:
        need_to_know.set_scope(drafter, kind, scoped[kind], [named.actor.user_id], ["保密办"])
    return {"admin": admin_ctx, "drafter": drafter, "named": named, "unitmate": unitmate,
            "outsider": outsider, "scoped": scoped, "plain": plain}


def _everything(c, tmp: Path) -> dict[str, object]:
    """What ``c`` can find of the marked records, through every path a user has."""
    out: dict[str, object] = {}
    today = dt.date.today()  # one day for every view: a run may cross midnight
    for mark in (MARK, OPEN_MARK):
        res = search.search(c, mark)
        out[f"search {mark}"] = sorted((h.kind, h.record_id) for h in res.hits)
        out[f"search counts {mark}"] = dict(sorted(res.counts.items()))
        out[f"search total {mark}"] = res.total
    out["documents"] = sorted(d.id for d in documents.list_documents(c))
    out["documents count"] = documents.count_documents(c)
    out["incoming"] = sorted(d.id for d in incoming.list_page(c))
    out["incoming count"] = incoming.count(c)
    out["meetings"] = sorted(m.id for m in minutes.list_meetings(c))
    out["meetings count"] = minutes.count_meetings(c)
    board = minutes.board(c, minutes.BoardFilter(), today)
    out["board"] = sorted(r.decision.id for r in board)
    out["board count"] = minutes.count_board(c, minutes.BoardFilter(), today)
    out["unit stats"] = {u.unit: u.total for u in minutes.unit_stats(c, today)}
    out["incidents"] = sorted(r.id for r in incidents.list_incidents(c))
    out["incidents count"] = incidents.count_incidents(c)
    out["duty log"] = sorted(e.id for e in duty_desk.list_log(c))
    out["duty log count"] = duty_desk.count_log(c)
    out["open items"] = sorted(i.id for i in duty_desk.list_open_items(c))
    out["due items"] = sorted(i.id for i in duty_desk.list_due_items(c))
    out["week"] = workbench.week_counts(c)
    items, _skipped = workbench.items(c)
    out["workbench"] = sorted((i.kind, i.record_id) for i in items)
    xlsx = tmp / f"board-{c.actor.username}.xlsx"
    minutes.export_xlsx(c, xlsx, today)
    wb = load_workbook(xlsx, read_only=True)
    out["board export"] = sorted(str(v) for ws in wb.worksheets for row in ws.iter_rows(
        values_only=True) for v in row if v is not None and (MARK in str(v) or OPEN_MARK in str(v)))
    wb.close()
    return out


def test_outside_the_scope_nothing_shows_not_even_a_count(world, tmp_path):
    scoped, plain = world["scoped"], world["plain"]
    seen = {who: _everything(world[who], tmp_path)
            for who in ("drafter", "named", "unitmate", "outsider")}
    # the people inside see exactly what the drafter sees
    assert seen["named"] == seen["unitmate"] == seen["drafter"]
    inside, outside = seen["drafter"], seen["outsider"]
    # positive control: the scoped records are there for those inside
    assert ("document", scoped["document"]) in inside[f"search {MARK}"]
    assert inside[f"search counts {MARK}"]["document"] == 1
    assert scoped["document"] in inside["documents"] and scoped["decision"] in inside["board"]
    assert scoped["item"] in inside["open items"] and scoped["item"] in inside["due items"]
    assert any(MARK in v for v in inside["board export"])
    # outside: the scoped record of every kind is gone — hits, group counts, totals
    assert outside[f"search {MARK}"] == []
    assert outside[f"search counts {MARK}"] == {}
    assert outside[f"search total {MARK}"] == 0
    # … while the unscoped 机密 records stay, hit for hit, as for those inside
    for key in (f"search {OPEN_MARK}", f"search counts {OPEN_MARK}", f"search total {OPEN_MARK}"):
        assert outside[key] == inside[key]
    for kind, key in (("document", "documents"), ("incoming", "incoming"),
                      ("meeting", "meetings"), ("incident", "incidents"),
                      ("duty_log", "duty log"), ("decision", "board"), ("item", "open items"),
                      ("item", "due items")):
        assert scoped[kind] not in outside[key], key
        assert plain[kind] in outside[key], key
        assert set(outside[key]) == set(inside[key]) - {scoped[kind]}, key
    for key in ("documents count", "incoming count", "meetings count", "board count",
                "incidents count", "duty log count"):
        assert outside[key] == inside[key] - 1, key
    assert inside["unit stats"]["保密办"] == 2 and outside["unit stats"]["保密办"] == 1
    assert {k: inside["week"][k] - outside["week"][k] for k in inside["week"]} == {
        k: 1 for k in inside["week"]}
    hidden_work = set(inside["workbench"]) - set(outside["workbench"])
    assert ("incoming", scoped["incoming"]) in hidden_work
    assert ("decision", scoped["decision"]) in hidden_work
    assert ("incoming", plain["incoming"]) in outside["workbench"]
    assert ("decision", plain["decision"]) in outside["workbench"]
    assert not any(MARK in v for v in outside["board export"])
    assert any(OPEN_MARK in v for v in outside["board export"])


def test_reads_by_id_are_refused_outside_the_scope(world, tmp_path):
    out, scoped = world["outsider"], world["scoped"]
    refused = [
        lambda: documents.get_document(out, scoped["document"]),
        lambda: documents.list_steps(out, scoped["document"]),
        lambda: incoming.get(out, scoped["incoming"]),
        lambda: minutes.get_meeting(out, scoped["meeting"]),
        lambda: incidents.get_incident(out, scoped["incident"]),
        lambda: duty_desk.get_log_entry(out, scoped["duty_log"]),
        lambda: duty_desk.close_open_item(out, scoped["item"]),
        lambda: need_to_know.get_scope(out, "document", scoped["document"]),
    ]
    for call in refused:
        with pytest.raises(PermissionDenied, match="知悉范围"):
            call()
    # an exchange package cannot carry it either (the same words as for a missing record)
    with pytest.raises(InputError, match="不存在或超出您的知悉范围"):
        exchange.export_package(out, {"documents": [scoped["document"]]},
                                tmp_path / "x.gdx", "shared-desk-key-2026")
    # the people inside read it
    for who in ("drafter", "named", "unitmate"):
        assert documents.get_document(world[who], scoped["document"]).id == scoped["document"]
        assert duty_desk.get_log_entry(world[who], scoped["duty_log"]).id == scoped["duty_log"]


def test_the_audit_viewer_masks_entries_about_records_outside_the_scope(world):
    admin, scoped = world["admin"], world["scoped"]
    # an auditor cleared to 机密 but outside the scope: a second administrator
    auditor = person(admin, "shenji", Role.ADMIN, Clearance.CONFIDENTIAL, "审计员")
    documents.get_document(world["named"], scoped["document"])  # a doc.view about it
    rows = audit_log.page(auditor, audit_log.AuditFilter(), 0, 500)
    about = [r for r in rows if r.object_type == "document"]
    assert about, "the log has events about documents"
    plain_ids = {str(world["plain"]["document"])}
    # every event naming the scoped document is masked; those about the unscoped one are not
    assert not [r for r in rows if r.object_id == str(scoped["document"])
                and r.object_type == "document"]
    assert not [(r.action, r.object_type, r.object_id, r.detail) for r in rows if MARK in r.detail]
    assert any(r.object_id in plain_ids for r in about)
    masked = [r for r in rows if r.object_id == audit_log.OBJECT_HIDDEN]
    assert len(masked) >= 3  # doc.create, scope.set, doc.view about the scoped document
    # inside the scope (the named user as an auditor would be; here the drafter's own view)
    insider = person(admin, "shenji2", Role.ADMIN, Clearance.CONFIDENTIAL, "审计员二")
    need_to_know.set_scope(admin, "document", scoped["document"],
                           [world["named"].actor.user_id, insider.actor.user_id], ["保密办"],
                           reason="审计核查需要")
    rows = audit_log.page(insider, audit_log.AuditFilter(), 0, 500)
    assert [r for r in rows if r.object_id == str(scoped["document"])
            and r.object_type == "document"]


def test_widening_needs_a_reason_and_is_audited(world):
    drafter, scoped = world["drafter"], world["scoped"]
    outsider = world["outsider"]
    doc = scoped["document"]
    named = world["named"].actor.user_id
    # narrowing (dropping the unit) needs no reason
    need_to_know.set_scope(drafter, "document", doc, [named], [])
    with pytest.raises(PermissionDenied):
        documents.get_document(world["unitmate"], doc)
    # widening without a reason is refused and changes nothing
    with pytest.raises(InputError, match="理由"):
        need_to_know.set_scope(drafter, "document", doc, [named, outsider.actor.user_id], [])
    with pytest.raises(PermissionDenied):
        documents.get_document(outsider, doc)
    # a reader outside the scope cannot widen it to themselves
    with pytest.raises(PermissionDenied):
        need_to_know.set_scope(outsider, "document", doc, [named, outsider.actor.user_id], [],
                               reason="我想看")
    scope = need_to_know.set_scope(drafter, "document", doc, [named, outsider.actor.user_id], [],
                                   reason="会同财务科办理")
    assert {u.username for u in scope.users} == {"zhiqing", "waiyuan"}
    assert documents.get_document(outsider, doc).id == doc
    with Session(world["admin"].engine) as s:
        events = s.execute(select(AuditEvent).where(AuditEvent.action.like("scope.%"),
                                                    AuditEvent.object_type == "document",
                                                    AuditEvent.object_id == str(doc))
                           .order_by(AuditEvent.seq)).scalars().all()
        assert [(e.action, e.outcome) for e in events] == [
            ("scope.set", "success"), ("scope.set", "success"),
            ("scope.set", "refused"),  # the outsider's attempt to widen it to themselves
            ("scope.widen", "success")]
        assert events[2].actor == "waiyuan" and MARK not in events[2].detail
        events = [e for e in events if e.outcome == "success"]
        last = json.loads(events[-1].detail)
        assert last["reason"] == "会同财务科办理" and last["users_added"] == ["waiyuan"]
        assert events[-1].actor_id == drafter.actor.user_id
        assert events[-1].classification == TOP  # the entry itself is as secret as the record
        # the owner stays inside: a row on the drafter's account
        owners = s.execute(select(RecordScope.user_id).where(
            RecordScope.kind == "document", RecordScope.record_id == doc,
            RecordScope.basis == "owner")).scalars().all()
        assert owners == [drafter.actor.user_id]
    # removing the scope altogether is widening too
    with pytest.raises(InputError, match="理由"):
        need_to_know.set_scope(drafter, "document", doc, [], [])
    need_to_know.set_scope(drafter, "document", doc, [], [], reason="解除限定")
    assert documents.get_document(world["unitmate"], doc).id == doc


def test_only_secret_records_carry_a_scope_and_units_follow_the_account(world):
    drafter, admin = world["drafter"], world["admin"]
    low = documents.create_document(drafter, notice("内部通知"), classification=1)
    with pytest.raises(InputError, match="秘密、机密"):
        need_to_know.set_scope(drafter, "document", low.id, [world["named"].actor.user_id], [])
    # moving the outsider into the named unit lets them see it at once; moving them out hides it
    doc = world["scoped"]["document"]
    outsider = world["outsider"]
    accounts.set_unit(admin, outsider.actor.user_id, "保密办")
    assert documents.get_document(outsider, doc).id == doc
    assert ("document", doc) in [(h.kind, h.record_id) for h in search.search(outsider, MARK).hits]
    accounts.set_unit(admin, outsider.actor.user_id, "财务科")
    with pytest.raises(PermissionDenied):
        documents.get_document(outsider, doc)
    with Session(admin.engine) as s:
        changes = s.execute(select(AuditEvent.detail).where(
            AuditEvent.action == "user.set_unit")).scalars().all()
    assert any(json.loads(d)["to"] == "保密办" for d in changes)


def test_is_widening():
    w = need_to_know.is_widening
    assert not w([], [], [1], [])  # a first scope narrows
    assert not w([1, 2], ["甲"], [1], ["甲"])
    assert w([1], [], [1, 2], [])
    assert w([1], [], [1], ["甲"])
    assert w([1], ["甲"], [], [])  # removing the scope: everyone cleared may know it again


# ---------------------------------------------------------------- the walk, outside the scope
# The clearance walk (tests/security/test_clearance_walk.py) calls every public service function
# that names a classified record with the seeded 机密 record's id, as users cleared to 公开. Here
# the same calls are made by users cleared to 机密 — every role — who are outside the 知悉范围
# that each seeded 机密 record is given: each call must be refused (for the scope, by at least
# one role whose role allows the act) and change nothing.

from tests.security import test_clearance_walk  # noqa: E402
from tests.security.test_clearance_walk import (  # noqa: E402
    _calls,
    _last_seq,
    _snapshot,
    audit_problems,
    refused_entries,
    walked,
)

walk_world = test_clearance_walk.world  # the clearance walk's seeded office, used here by name

#: seeded table → the scope kind its 机密 row gets
SCOPED_TABLES = {"documents": "document", "incoming_docs": "incoming", "meetings": "meeting",
                 "incidents": "incident", "duty_log": "duty_log"}


@pytest.mark.slow
def test_no_service_acts_on_a_record_outside_the_callers_scope(walk_world, tmp_path):
    admin_ctx, seeded, _low = walk_world
    engine = admin_ctx.engine
    with Session(engine) as s, s.begin():
        for table, kind in SCOPED_TABLES.items():  # known only to the administrator
            s.add(RecordScope(kind=kind, record_id=seeded[table][TOP], basis="user",
                              user_id=admin_ctx.actor.user_id, unit=""))
        # the printed copies in the 涉密文件登记簿 are copies of the seeded 公文, level by level
        for level, copy_id in enumerate(seeded.get("paper_copies", [])):
            s.execute(update(PaperCopy).where(PaperCopy.id == copy_id).values(
                object_type="document", object_id=seeded["documents"][level]))
    actors = {}
    for role in (Role.CLERK, Role.LEADER, Role.DUTY, Role.READER):
        c = person(admin_ctx, f"top_{role.value}", role, Clearance.CONFIDENTIAL)
        actors[role] = c
    problems: list[str] = []
    functions = walked()
    after = _snapshot(engine)  # each call's "before" is the last call's "after" (one per call)
    for qualname in sorted(functions):
        if qualname.startswith("need_to_know."):
            continue  # its own tests above (an administrator may manage any scope)
        fn = functions[qualname]
        calls = _calls(qualname, fn, seeded, engine, tmp_path)
        assert calls is not None, qualname
        for args in calls:
            refused_for_scope = False
            for role, ctx in actors.items():
                before = after
                seq = _last_seq(engine)
                try:
                    fn(ctx, **args)
                except PermissionDenied as exc:
                    if "知悉范围" in str(exc) and "密级为" not in str(exc):
                        refused_for_scope = True
                        # and the refused attempt is in the audit log (issue 31)
                        problems += audit_problems(
                            f"{qualname} as {role.value}",
                            refused_entries(engine, seq, ctx.actor.username), "outside_scope")
                except InputError:
                    pass  # e.g. a frozen record, or a deadline the act does not accept
                except Exception as exc:  # noqa: BLE001 - a crash is a failure too
                    problems.append(f"{qualname} as {role.value} crashed: "
                                    f"{type(exc).__name__}: {exc}"[:300])
                else:
                    problems.append(f"{qualname}{args!r} as {role.value}/机密: NOT refused")
                after = _snapshot(engine)
                changed = [t for t in before if before[t] != after[t]]
                if changed:
                    problems.append(f"{qualname} as {role.value} changed {changed}")
                for p in tmp_path.glob("*.*"):
                    problems.append(f"{qualname} as {role.value} wrote {p.name}")
                    p.unlink()
            if not refused_for_scope:
                problems.append(f"{qualname}: no role was refused for the 知悉范围")
    assert not problems, "\n".join(problems)


def test_many_hidden_entries_go_through_a_temporary_table(world, monkeypatch):
    """Past ``FTS_INLINE_MAX`` hidden entries the SQLite search filters through a temporary
    table instead of literals: the same hits and counts."""
    out = world["outsider"]
    inline = search.search(out, OPEN_MARK), search.search(out, MARK)
    monkeypatch.setattr(need_to_know, "FTS_INLINE_MAX", 0)
    table = search.search(out, OPEN_MARK), search.search(out, MARK)
    assert [(r.hits, r.counts, r.total) for r in table] == [
        (r.hits, r.counts, r.total) for r in inline]
    assert table[1].total == 0 and table[0].total > 0
