"""Every service that takes a record id checks clearance — writes and acts too, not only the reads
that return the record (issue 18: a 公开 clerk could void the 发文字号 of a 机密 document).

The walk (same discovery and seeding as ``test_clearance_matrix``): every public service function
with a parameter that names a classified record (or a record hanging off one: a 议题, a 议定事项,
an attachment, a 交接事项, the 发文字号 of a document, a 值班日志 entry passed whole) is called, as
each role cleared only to 公开, with the id of the seeded 机密 record and otherwise plausible
arguments. Every call must be refused with a ``UserError`` and must change nothing (every table
but the audit log compared before and after); and at least one role — the one whose role allows
the act — must be refused for the clearance (``PermissionDenied`` that is not a role refusal), so
the walk cannot pass on synthetic arguments that fail validation first. A function that gains an
id parameter must be mapped here (``test_every_id_parameter_is_walked``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.domain.security import Clearance, Role
from app.errors import PermissionDenied, UserError
from app.services.accounts import users as accounts
from app.storage.models import Base
from tests.security.test_clearance_matrix import MARK, entry_points, seed

#: parameter name → the seeded table whose 机密 row it names (for every module).
CLASSIFIED_IDS: dict[str, str] = {
    "doc_id": "documents",
    "incident_id": "incidents",
    "report_id": "incident_reports",
    "incoming_id": "incoming_docs",
    "attachment_id": "incoming_attachments",
    "meeting_id": "meetings",
    "decision_id": "meeting_decisions",
    "topic_id": "meeting_topics",
    "entry_id": "duty_log",
    "log_id": "duty_log",
    "duty_log_id": "duty_log",
    "copy_id": "paper_copies",
}
#: (function, parameter) pairs whose id names something else than the table above.
PER_FUNCTION: dict[tuple[str, str], str | None] = {
    ("duty.desk.close_open_item", "item_id"): "duty_open_items",
    ("duty.desk.set_item_deadline", "item_id"): "duty_open_items",
    ("duty.roster.delete_unavailability", "item_id"): None,  # a staff member's leave: unclassified
    # 知悉范围 functions name any kind of record by (kind, record_id): walked with a 公文
    **{(f"need_to_know.{f}", "record_id"): "documents"
       for f in ("get_scope", "may_change", "set_scope", "candidates")},
    # a filter on the register: what comes back is filtered by clearance (test_paper_register)
    ("output.paper.list_copies", "object_id"): None,
    ("output.paper.print_register", "object_id"): None,
    # the record an output is of, named in its audit entry: finish reads nothing by it
    ("output.path.finish", "object_id"): None,
}
#: Id parameters naming unclassified records (accounts, rosters, staff, handovers, templates…).
UNCLASSIFIED = {"user_id", "roster_id", "staff_id", "handover_id", "template_id", "type_id",
                "from_staff_id", "to_staff_id", "old_staff_id", "new_staff_id", "expected_version",
                "reserved_seq", "user_ids"}
#: Functions that name a classified record other than by an ``…_id`` parameter.
SPECIAL = {"documents.numbers.void_number", "duty.desk.update_log_entry", "need_to_know.get_scope",
           "need_to_know.may_change", "need_to_know.set_scope", "need_to_know.candidates"}

TOP = int(Clearance.CONFIDENTIAL)


def _target(qualname: str, param: str) -> str | None:
    if (qualname, param) in PER_FUNCTION:
        return PER_FUNCTION[(qualname, param)]
    return CLASSIFIED_IDS.get(param)


def _id_params(fn) -> list[str]:
    return [p.name for p in list(inspect.signature(fn).parameters.values())[1:]
            if p.name.endswith("_id") or p.name.endswith("_ids") or p.name == "id"]


def walked() -> dict[str, Any]:
    return {q: fn for q, fn in entry_points().items()
            if q in SPECIAL or any(_target(q, n) for n in _id_params(fn))}


def test_every_id_parameter_is_walked():
    unknown = sorted(f"{q}({n})" for q, fn in entry_points().items() for n in _id_params(fn)
                     if (q, n) not in PER_FUNCTION and n not in CLASSIFIED_IDS
                     and n not in UNCLASSIFIED)
    assert not unknown, ("map these id parameters in CLASSIFIED_IDS/PER_FUNCTION, or declare "
                         f"them UNCLASSIFIED, in {__file__}: {unknown}")
    assert {"documents.numbers.void_number", "documents.drafts.update_document", "minutes.meetings.add_decision",
            "incoming.book.save_attachment", "duty.desk.close_open_item"} <= set(walked())


# ---------------------------------------------------------------- the world

@pytest.fixture
def world(admin_ctx):
    seeded = seed(admin_ctx.engine, admin_ctx.actor.user_id)
    with Session(admin_ctx.engine) as s, s.begin():
        # a 发文字号 series the services can read, whose numbers belong to the seeded documents
        s.execute(text("UPDATE docno_series SET prefix = '临政发', year = 2026"))
        s.execute(text("UPDATE docno_entries SET prefix = '临政发', year = 2026, state = 'issued', "
                       "reason = NULL"))
        s.execute(text("UPDATE duty_open_items SET closed_at = NULL"))  # still open
        s.execute(text("DELETE FROM incident_rule_table"))  # the built-in rules, not a marker
        # an attachment on each level's 收文 (the generic seeder cannot fill the binary column)
        from app.storage.models import IncomingAttachment

        atts = []
        for level, incoming_id in enumerate(seeded["incoming_docs"]):
            data = f"附件{level}".encode()
            att = IncomingAttachment(incoming_id=incoming_id, filename=f"附件{level}.txt",
                                     size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                                     data=data)
            s.add(att)
            s.flush()
            atts.append(att.id)
        seeded["incoming_attachments"] = atts
    actors = {}
    for role in (Role.CLERK, Role.LEADER, Role.DUTY, Role.ADMIN, Role.READER):
        name = f"low_{role.value}"
        accounts.add_user(admin_ctx, name, "Probe-pass-1", role=role, clearance=Clearance.PUBLIC,
                          must_change_password=False)
        actors[role] = admin_ctx.with_actor(
            accounts.login(admin_ctx.with_actor(None), name, "Probe-pass-1"))
    return admin_ctx, seeded, actors


def _top(seeded: dict[str, list[int]], table: str) -> int:
    ids = seeded.get(table) or []
    assert len(ids) == 4, f"the seeder made no 机密 row in {table}: {ids}"
    return ids[TOP]


def _snapshot(engine) -> dict[str, list[str]]:
    """Every row of every table but the audit log (one connection, Core statements: no ORM)."""
    out = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in ("audit_events",):
                continue
            rows = conn.execute(select(table)).all()
            out[table.name] = sorted(repr(tuple(r)) for r in rows)
    return out


def _last_seq(engine) -> int:
    with Session(engine) as s:
        return int(s.execute(text("SELECT COALESCE(MAX(seq), 0) FROM audit_events")).scalar_one())


def refused_entries(engine, after: int, username: str) -> list[Any]:
    """The refused attempts ``username`` left in the audit log after event ``after``."""
    with Session(engine) as s:
        return list(s.execute(text(
            "SELECT action, object_type, object_id, detail, classification FROM audit_events "
            "WHERE seq > :after AND actor = :who AND outcome = 'refused' ORDER BY seq"),
            {"after": after, "who": username}))


def audit_problems(qualname: str, entries: list[Any], why: str) -> list[str]:
    """A refusal about a classified record must leave a refused entry that names the record by
    kind and id, at the record's 密级, for ``why`` — and never its title or text (the seeded
    records carry ``MARK``)."""
    about = [e for e in entries if json.loads(e.detail).get("why") == why]
    if not about:
        return [f"{qualname}: the refusal ({why}) left no refused audit entry: {entries}"]
    problems = [f"{qualname}: a refused entry shows the record's text: {e.detail}"
                for e in entries if MARK in e.detail]
    problems += [f"{qualname}: the refused entry names no record: {tuple(e)}"
                 for e in about if not e.object_type or not e.object_id]
    problems += [f"{qualname}: the refused entry is not at the record's 密级: {tuple(e)}"
                 for e in about if e.classification < TOP]
    return problems


def _value(qualname: str, param, seeded, engine, tmp: Path) -> Any:
    name, ann = param.name, str(param.annotation).strip("'\"")
    target = _target(qualname, name)
    if target:
        return _top(seeded, target)
    if name == "expected_version":
        return None
    if "Path" in ann:
        return tmp / f"{qualname}_{name}.pdf"
    if name == "description":
        from tests.services.documents_helpers import notice

        return notice("改写的标题")
    if name == "step":
        return "review"
    if ann.startswith("bool"):
        return True
    if ann.startswith("int"):
        return 1
    if ann.startswith(("dt.datetime", "datetime")):
        return dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    if ann.startswith(("dt.date", "date")):
        return dt.date.today() + dt.timedelta(days=30)
    if "Sequence" in ann or ann.startswith("list"):
        return []
    if ann.startswith("dict"):
        return {}
    if name == "kind":
        return "present"
    if name == "method":
        return "phone"
    if name == "fmt":
        return "pdf"
    if ann.startswith("str"):
        return "测试说明"
    if ann == "Any":
        return {}
    if ann == "IncidentData":
        from app.services.incidents.reports import IncidentData

        now = dt.datetime.now(dt.UTC)
        return IncidentData(title="改写的标题", occurred_at=now, received_at=now, place="某地",
                            summary="改写")
    if ann == "IncomingIn":
        from app.services.incoming.book import IncomingIn

        return IncomingIn(sender="某单位", title="改写的标题", received_at=dt.datetime.now(dt.UTC))
    return None


def _special_calls(qualname: str, seeded, engine) -> list[tuple]:
    if qualname == "documents.numbers.void_number":
        doc = _top(seeded, "documents")
        with Session(engine) as s:
            seq = s.execute(text("SELECT seq FROM docno_entries WHERE document_id = :d"),
                            {"d": doc}).scalar_one()
        return [("临政发", 2026, seq, "作废试探")]
    if qualname == "duty.desk.update_log_entry":
        from app.services.duty.desk import LogEntry

        return [(LogEntry(id=_top(seeded, "duty_log"), content="改写", classification=0,
                          received_at=dt.datetime.now(dt.UTC)),)]
    if qualname.startswith("need_to_know."):  # a record's 知悉范围: (kind, record_id, …)
        doc = _top(seeded, "documents")
        if qualname == "need_to_know.set_scope":
            return [("document", doc, [], ["保密办"], "试探")]
        return [("document", doc)]
    raise AssertionError(qualname)


def _calls(qualname: str, fn, seeded, engine, tmp: Path) -> list[dict] | None:
    """Keyword arguments: every required parameter, and optional ones naming a classified
    record (``add_open_item(text, log_id=…)``)."""
    if qualname in SPECIAL:
        names = list(inspect.signature(fn).parameters)[1:]
        return [dict(zip(names, args, strict=False))
                for args in _special_calls(qualname, seeded, engine)]
    kwargs = {}
    for p in list(inspect.signature(fn).parameters.values())[1:]:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        optional = p.default is not inspect.Parameter.empty
        if optional and not _target(qualname, p.name):
            continue
        v = _value(qualname, p, seeded, engine, tmp)
        if v is None and p.name != "expected_version":
            return None
        kwargs[p.name] = v
    return [kwargs]


@pytest.mark.slow
def test_no_service_acts_on_a_record_above_the_callers_clearance(world, tmp_path):
    admin_ctx, seeded, actors = world
    engine = admin_ctx.engine
    problems: list[str] = []
    unprobed: list[str] = []
    functions = walked()
    walked_names = sorted(functions)
    # the state before each call is the state after the one before it (nothing else writes
    # between them): one snapshot per call, not two
    after = _snapshot(engine)
    for qualname in walked_names:
        fn = functions[qualname]
        calls = _calls(qualname, fn, seeded, engine, tmp_path)
        if calls is None:
            unprobed.append(qualname)
            continue
        for args in calls:
            refused_for_clearance = False
            for role, ctx in actors.items():
                before = after
                seq = _last_seq(engine)
                try:
                    fn(ctx, **args)
                except PermissionDenied as exc:
                    if "无权" not in str(exc):  # not a role refusal
                        refused_for_clearance = True
                        # and the refused attempt is in the audit log (issue 31)
                        problems += audit_problems(
                            f"{qualname} as {role.value}",
                            refused_entries(engine, seq, ctx.actor.username), "above_clearance")
                except UserError as exc:
                    problems.append(f"{qualname} as {role.value}/公开: refused for another reason "
                                    f"before the clearance check: {exc}")
                except Exception as exc:  # noqa: BLE001 - a crash is a failure too
                    problems.append(f"{qualname} as {role.value}/公开 crashed: "
                                    f"{type(exc).__name__}: {exc}"[:300])
                else:
                    problems.append(f"{qualname}{args!r} as {role.value}/公开: NOT refused")
                after = _snapshot(engine)
                changed = [t for t in before if before[t] != after[t]]
                if changed:
                    problems.append(f"{qualname} as {role.value}/公开 changed {changed}")
                for p in tmp_path.glob("*.*"):
                    problems.append(f"{qualname} as {role.value}/公开 wrote {p.name}")
                    p.unlink()
            if not refused_for_clearance:
                problems.append(f"{qualname}: no role was refused for the clearance")
    print(f"\nwalked {len(walked_names) - len(unprobed)} functions: {walked_names}")
    assert not unprobed, f"no arguments could be made for: {unprobed}"
    assert not problems, "\n".join(problems)


def test_the_walk_reaches_the_records(world, tmp_path):
    """Positive control: the same calls made by a 机密 caller of the right role are not refused
    for clearance (so the records and arguments are real)."""
    admin_ctx, seeded, _actors = world
    from app.services.documents import drafts as documents
    from app.services.documents import numbers as docnumbers
    from app.services.incoming import book as incoming

    clerk = admin_ctx.with_actor(None)
    accounts.add_user(admin_ctx, "top_clerk", "Probe-pass-1", role=Role.CLERK,
                      clearance=Clearance.CONFIDENTIAL, must_change_password=False)
    clerk = clerk.with_actor(accounts.login(clerk, "top_clerk", "Probe-pass-1"))
    assert documents.get_document(clerk, _top(seeded, "documents")).classification == TOP
    assert incoming.read_attachment(clerk, _top(seeded, "incoming_attachments"))
    args = _special_calls("documents.numbers.void_number", seeded, admin_ctx.engine)[0]
    assert docnumbers.void_number(clerk, *args).startswith("临政发")


def test_the_number_register_names_only_documents_the_reader_may_see(world):
    """The 发文字号 register lists every number (a series has no unexplained holes) but names
    the document only to a reader cleared for it."""
    admin_ctx, seeded, actors = world
    from app.services.documents import numbers as docnumbers

    docs = seeded["documents"]
    low = docnumbers.series_register(actors[Role.CLERK], "临政发", 2026)
    named = {r.document_id for r in low.rows if r.document_id}
    assert named == {str(docs[0])}  # the 公开 one only
    assert len([r for r in low.rows if r.state == "issued"]) == 4  # every number still listed
    top = docnumbers.series_register(admin_ctx, "临政发", 2026)
    assert {r.document_id for r in top.rows if r.document_id} == {str(d) for d in docs}
