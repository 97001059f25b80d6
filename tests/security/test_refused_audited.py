"""Refused attempts are audited (安全审计, issue 31) — also those refused deep inside a service,
not by ``ServiceContext.require``: a record opened, printed or exported by id above one's 密级 or
outside its 知悉范围, new content above one's clearance. Each leaves exactly one
``outcome=refused`` entry that names the record by kind and id — never its title — at the
record's 密级, so a reviewer who may not see the record sees the entry masked. In the services,
through the CLI and in the GUI. (Every walked service function is checked the same way by the
walks in test_clearance_walk.py and test_need_to_know.py.)"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.security import Clearance, Role
from app.errors import InputError, PermissionDenied
from app.services import exchange, need_to_know
from app.services.accounts import users as accounts
from app.services.audit import chain as audit
from app.services.audit_review import review as audit_log
from app.services.audit_review.review import OBJECT_HIDDEN, AuditFilter
from app.services.documents import drafts as documents
from app.services.documents import printing as document_output
from app.storage.models import AuditEvent, Document
from tests.services.documents_helpers import notice, person

TITLE = "关于绝密甲项目选址的通知"  # the hidden record's title: in no refused entry
KEY = "shared-desk-key-2026"


def _refused(engine, after: int = 0) -> list[AuditEvent]:
    with Session(engine) as s:
        return list(s.execute(select(AuditEvent).where(
            AuditEvent.outcome == audit.REFUSED, AuditEvent.seq > after)
            .order_by(AuditEvent.seq)).scalars())


def _last(engine) -> int:
    with Session(engine) as s:
        return int(s.execute(select(AuditEvent.seq).order_by(AuditEvent.seq.desc())
                             .limit(1)).scalar() or 0)


@pytest.fixture
def office(admin_ctx):
    """A 机密 notice whose 知悉范围 names one user; a cleared outsider; a 内部 clerk."""
    drafter = person(admin_ctx, "zuozhe", Role.CLERK, Clearance.CONFIDENTIAL, "拟稿人")
    named = person(admin_ctx, "zhiqing", Role.CLERK, Clearance.CONFIDENTIAL, "知情人")
    outsider = person(admin_ctx, "waiyuan", Role.CLERK, Clearance.CONFIDENTIAL, "局外人")
    low = person(admin_ctx, "neibu", Role.CLERK, Clearance.INTERNAL, "内部文书")
    doc = documents.create_document(drafter, notice(TITLE, secrecy="机密"))
    need_to_know.set_scope(drafter, "document", doc.id, [named.actor.user_id], [])
    return {"admin": admin_ctx, "drafter": drafter, "named": named, "outsider": outsider,
            "low": low, "doc": doc.id}


def test_open_print_and_export_by_id_outside_the_scope_are_audited(office, tmp_path):
    out, doc = office["outsider"], office["doc"]
    engine = out.engine
    start = _last(engine)
    attempts = [
        ("denied", lambda: documents.get_document(out, doc)),
        ("denied", lambda: document_output.print_pdf(out, doc)),
        ("denied", lambda: document_output.export_file(out, doc, "pdf")),
    ]
    for _action, attempt in attempts:
        with pytest.raises(PermissionDenied, match="超出您的知悉范围"):
            attempt()
    # an exchange package: the same words as for a missing record, but audited
    with pytest.raises(InputError, match="不存在或超出您的知悉范围"):
        exchange.export_package(out, {"documents": [doc]}, tmp_path / "x.gdx", KEY)
    assert not (tmp_path / "x.gdx").exists()
    entries = _refused(engine, start)
    # exactly one entry per attempt, by the outsider, naming the document by kind and id
    assert [(e.action, e.actor, e.object_type, e.object_id) for e in entries] == [
        *[(a, "waiyuan", "document", str(doc)) for a, _ in attempts],
        ("exchange.export", "waiyuan", "document", str(doc))]
    for e in entries:
        assert TITLE not in e.detail and "选址" not in e.detail
        assert e.classification == int(Clearance.CONFIDENTIAL)  # the record's 密级
    assert json.loads(entries[0].detail) == {"why": "outside_scope",
                                             "reason": need_to_know.DENIED}
    assert audit.verify(engine).ok  # written into the chain like any other entry


def test_a_record_above_ones_clearance_and_new_content_above_it(office):
    low, doc = office["low"], office["doc"]
    start = _last(low.engine)
    with pytest.raises(PermissionDenied, match="密级为“机密”"):
        documents.get_document(low, doc)
    with pytest.raises(PermissionDenied, match="超出您的知悉范围"):
        documents.create_document(low, notice("机密通知", secrecy="机密"))
    entries = _refused(low.engine, start)
    assert [(e.action, e.object_type, e.object_id, json.loads(e.detail)["why"])
            for e in entries] == [("denied", "document", str(doc), "above_clearance"),
                                  ("doc.create", "", "", "above_clearance")]
    assert all(TITLE not in e.detail for e in entries)
    with Session(low.engine) as s:  # the refused draft was not stored
        assert s.execute(select(Document.id).where(Document.title == "机密通知")).first() is None


def test_a_refusal_inside_a_write_is_recorded_once_after_the_rollback(office):
    """Raising a draft's 密级 above one's own clearance is refused inside the save's unit of
    work: the save rolls back, and the refused entry is written after it (one, not two)."""
    admin, drafter = office["admin"], office["drafter"]
    secret = person(admin, "mimi", Role.CLERK, Clearance.SECRET, "秘密文书")
    doc = documents.create_document(secret, notice("内部通知"), classification=1)
    start = _last(admin.engine)
    with pytest.raises(PermissionDenied, match="密级为“机密”"):
        documents.update_document(secret, doc.id, notice("内部通知", secrecy="机密"),
                                  expected_version=doc.version)
    assert documents.get_document(secret, doc.id).classification == 1  # unchanged
    entries = _refused(admin.engine, start)
    assert [(e.action, e.object_id, e.actor) for e in entries] == [
        ("doc.update", str(doc.id), "mimi")]
    del drafter


def test_reviewers_see_the_entry_masked_unless_they_may_see_the_record(office):
    admin, out, doc = office["admin"], office["outsider"], office["doc"]
    with pytest.raises(PermissionDenied):
        documents.get_document(out, doc)

    def refused_rows(ctx) -> list[audit_log.AuditRow]:
        return [r for r in audit_log.page(ctx, AuditFilter(user="waiyuan", outcome="refused"), 0)
                if r.action == "denied"]

    # the administrator (cleared 机密) is outside the document's 知悉范围: masked
    rows = refused_rows(admin)
    assert len(rows) == 1 and rows[0].object_id == OBJECT_HIDDEN
    assert rows[0].detail == audit_log.HIDDEN
    # a leader cleared only to 内部 reads the log too: masked for the 密级
    leader = person(admin, "lingdao", Role.LEADER, Clearance.INTERNAL, "内部领导")
    rows = refused_rows(leader)
    assert len(rows) == 1 and rows[0].object_id == OBJECT_HIDDEN
    # once inside the scope, the reviewer sees which record and why — still not its title
    need_to_know.set_scope(office["drafter"], "document", doc,
                           [office["named"].actor.user_id, admin.actor.user_id], [],
                           reason="审计核查")
    rows = refused_rows(admin)
    assert len(rows) == 1 and rows[0].object_id == str(doc)
    assert "不在该记录的知悉范围内" in rows[0].detail and TITLE not in rows[0].detail


def test_refused_through_the_cli_is_audited(monkeypatch, capsys, tmp_path):
    """``exchange export`` of a record outside one's 知悉范围: exit 2, the Chinese message, and
    the refused entry in the log."""
    from app.config import load_config
    from app.services.context import ServiceContext
    from app.storage.migrate import open_database
    from tests.test_cli_admin import _rows, run

    code, _, err = run(monkeypatch, capsys, ["user", "add", "admin"], "Admin-pass-1\n", None)
    assert code == 0, err
    config = load_config()
    engine = open_database(config.db_url, config.backups_dir)
    try:
        ctx = ServiceContext(engine)
        admin = ctx.with_actor(accounts.login(ctx, "admin", "Admin-pass-1"))
        drafter = person(admin, "zuozhe", Role.CLERK, Clearance.CONFIDENTIAL)
        accounts.add_user(admin, "waiyuan", "Outs-pass-11", role=Role.CLERK,
                          clearance=Clearance.CONFIDENTIAL, must_change_password=False)
        doc = documents.create_document(drafter, notice(TITLE, secrecy="机密"))
        need_to_know.set_scope(drafter, "document", doc.id, [admin.actor.user_id], [])
    finally:
        engine.dispose()
    monkeypatch.setenv(exchange_key_env(), KEY)
    code, _, err = run(monkeypatch, capsys, ["exchange", "export", "--select",
                                             f"documents:{doc.id}", "-o",
                                             str(tmp_path / "x.gdx"), "--user", "waiyuan"],
                       admin_pw="Outs-pass-11")
    assert code == 2 and "不存在或超出您的知悉范围" in err and TITLE not in err
    assert not (tmp_path / "x.gdx").exists()
    refused = _rows("SELECT actor, action, object_type, object_id, detail FROM audit_events "
                    "WHERE outcome = 'refused'")
    assert [r[:4] for r in refused] == [("waiyuan", "exchange.export", "document", str(doc.id))]
    assert TITLE not in refused[0][4]


def exchange_key_env() -> str:
    from app.commands.exchange import KEY_ENV

    return KEY_ENV


def test_refused_in_the_gui_is_audited(qtbot, app_env, tmp_path):
    """Opening a record outside one's 知悉范围 from the 公文 page: the page says so, in Chinese
    and without the title, and the attempt is in the log."""
    from app.ui.application import db_label
    from app.ui.main_window import MainWindow

    _config, ctx = app_env
    accounts.create_first_admin(ctx, "admin", "Admin-pass-1", "管理员")
    admin = ctx.with_actor(accounts.login(ctx, "admin", "Admin-pass-1"))
    drafter = person(admin, "zuozhe", Role.CLERK, Clearance.CONFIDENTIAL)
    outsider = person(admin, "waiyuan", Role.CLERK, Clearance.CONFIDENTIAL)
    doc = documents.create_document(drafter, notice(TITLE, secrecy="机密"))
    need_to_know.set_scope(drafter, "document", doc.id, [admin.actor.user_id], [])
    start = _last(ctx.engine)
    win = MainWindow(outsider, db_label(str(ctx.engine.url)), tmp_path / "ui.ini")
    qtbot.addWidget(win)
    win.show()
    page = win.show_page("documents")
    assert page.open_document(doc.id) is None
    assert page.message.text() == need_to_know.DENIED
    entries = _refused(ctx.engine, start)
    assert [(e.actor, e.action, e.object_type, e.object_id) for e in entries] == [
        ("waiyuan", "denied", "document", str(doc.id))]
    assert TITLE not in entries[0].detail


from tests.ui import conftest as ui_conftest  # noqa: E402

app_env = ui_conftest.app_env  # the UI tests' fixture, used here by name
_collect_on_the_gui_thread = ui_conftest._collect_on_the_gui_thread
