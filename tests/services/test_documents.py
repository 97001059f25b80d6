"""公文 service: create/update with optimistic locking, list filters/sort/paging with clearance
in SQL, workflow with role checks, proofreading gate at 签发, versions and diff, import/export."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import ConflictError, InputError, PermissionDenied
from app.services.documents import drafts as docs
from app.services.documents import numbers as docnumbers
from app.services.documents.drafts import DocumentConflict, ListQuery
from app.storage.models import AuditEvent, DocNoEntry, Document, DocumentStep
from tests.services.documents_helpers import notice, people


@pytest.fixture
def team(ctx):
    return people(ctx)


def _actions(engine) -> list[str]:
    with Session(engine) as s:
        return list(s.execute(select(AuditEvent.action).order_by(AuditEvent.seq)).scalars())


def test_create_stores_description_exactly_and_columns(team):
    desc = notice(secrecy="秘密", secrecy_term="1年", urgency="加急", cc=["市委办公室"])
    info = docs.create_document(team["clerk"], desc, series_prefix="临政办发")
    assert info.status == "draft" and info.genre == "通知" and info.year == 2026
    assert info.classification == 2 and info.urgency == "加急"
    assert info.drafter == "wenshu" and info.drafter_name == "王文书"
    with Session(team["clerk"].engine) as s:
        row = s.get(Document, info.id)
        assert row.description == desc  # rebuilt exactly
        assert row.title == desc["title"] and row.classification == 2


def test_secrecy_maps_to_classification_and_top_secret_refused(team):
    assert docs.create_document(team["clerk"], notice(secrecy="机密")).classification == 3
    assert docs.create_document(team["clerk"], notice(), classification=1).classification == 1
    with pytest.raises(InputError, match="绝密"):
        docs.create_document(team["clerk"], notice(secrecy="绝密"))
    with pytest.raises(InputError, match="公开"):
        docs.create_document(team["clerk"], notice(), classification=3)


def test_invalid_description_names_field(team):
    with pytest.raises(InputError, match="colour"):
        docs.create_document(team["clerk"], notice(colour="red"))


def test_reader_cannot_draft_and_low_clearance_cannot_create_secret(team):
    with pytest.raises(PermissionDenied):
        docs.create_document(team["reader"], notice())
    with pytest.raises(PermissionDenied):
        docs.create_document(team["low"], notice(secrecy="秘密"))


def test_stale_save_raises_conflict_with_both_versions(team):
    clerk = team["clerk"]
    info = docs.create_document(clerk, notice())
    first = docs.update_document(clerk, info.id, notice(title="关于甲的通知"),
                                 expected_version=info.version)
    assert first.version == info.version + 1
    with pytest.raises(DocumentConflict) as err:
        docs.update_document(clerk, info.id, notice(title="关于乙的通知"),
                             expected_version=info.version)
    assert isinstance(err.value, ConflictError)
    assert err.value.mine["title"] == "关于乙的通知"
    assert err.value.theirs["title"] == "关于甲的通知"
    assert err.value.their_version == first.version
    assert docs.get_document(clerk, info.id).title == "关于甲的通知"


def test_list_filters_sort_paging_and_clearance_in_sql(team):
    clerk, low = team["clerk"], team["low"]
    made = []
    for i in range(12):
        extra = {"secrecy": "秘密"} if i % 4 == 0 else {}
        if i % 3 == 0:
            extra["urgency"] = "特急"
        made.append(docs.create_document(clerk, notice(title=f"关于第{i:02d}项工作的通知",
                                                       **extra)))
    docs.create_document(low, notice(title="关于内部事项的请示", body="妥否，请批示。"),
                         genre="请示", classification=1)
    assert docs.count_documents(clerk) == 13
    # the 内部 clerk does not see the 3 秘密 ones: count, pages and sort agree
    assert docs.count_documents(low) == 10
    rows = docs.list_documents(low, ListQuery(sort="title", descending=False, limit=100))
    assert len(rows) == 10 and all(r.classification <= 1 for r in rows)
    assert [r.title for r in rows] == sorted(r.title for r in rows)
    page1 = docs.list_documents(clerk, ListQuery(sort="title", offset=0, limit=5))
    page2 = docs.list_documents(clerk, ListQuery(sort="title", offset=5, limit=5))
    page3 = docs.list_documents(clerk, ListQuery(sort="title", offset=10, limit=5))
    titles = [r.title for r in page1 + page2 + page3]
    assert len(titles) == 13 and titles == sorted(titles, reverse=True)
    for sort in ("title", "updated_at", "urgency"):  # windows read backwards match forwards
        for off in (0, 4, 7, 10, 12):
            q = ListQuery(sort=sort, offset=off, limit=5)
            assert docs.list_documents(clerk, q, total=13) == docs.list_documents(clerk, q)
    assert docs.count_documents(clerk, ListQuery(urgency="特急")) == 4
    assert docs.count_documents(clerk, ListQuery(classification=2)) == 3
    assert docs.count_documents(clerk, ListQuery(genre="请示")) == 1
    assert docs.count_documents(clerk, ListQuery(drafter="neibu")) == 1
    assert docs.count_documents(clerk, ListQuery(year=2026, status="draft")) == 13
    assert docs.count_documents(clerk, ListQuery(year=2025)) == 0
    assert ("neibu", "钱内部") in docs.drafters(clerk)
    with pytest.raises(InputError):
        docs.list_documents(clerk, ListQuery(sort="password"))
    with pytest.raises(PermissionDenied):
        docs.get_document(low, made[0].id)


def test_workflow_with_roles_numbering_and_frozen_text(team):
    clerk, leader, reader = team["clerk"], team["leader"], team["reader"]
    info = docs.create_document(clerk, notice(), series_prefix="临政办发")
    assert docs.available_steps(clerk.actor, "draft") == ["review"]
    assert docs.available_steps(leader.actor, "reviewed") == ["sign", "return"]
    with pytest.raises(PermissionDenied):
        docs.workflow_step(reader, info.id, "review")
    with pytest.raises(InputError, match="不能签发"):
        docs.sign(leader, info.id)  # not reviewed yet
    docs.workflow_step(clerk, info.id, "review", "文字已核")
    with pytest.raises(PermissionDenied):
        docs.sign(clerk, info.id)  # a clerk may not sign
    signed = docs.sign(leader, info.id, "同意")
    assert signed.status == "signed" and signed.doc_no == "临政办发〔2026〕1号"
    assert signed.description["doc_no"] == "临政办发〔2026〕1号" and signed.frozen
    # a change to the signed text makes a new version and needs signing again
    changed = docs.update_document(clerk, info.id, notice(title="关于做好春节值班工作的通知"),
                                   expected_version=signed.version)
    assert changed.status == "draft" and changed.content_version == 2
    assert changed.doc_no == "临政办发〔2026〕1号"  # the number stays with the document
    versions = docs.list_versions(clerk, info.id)
    assert [(v.number, v.frozen) for v in versions] == [(1, True), (2, False)]
    assert versions[0].description["title"] == notice()["title"]
    diff = docs.diff_versions(clerk, info.id, 1, 2)
    assert "-标题：" + notice()["title"] in diff
    assert "+标题：关于做好春节值班工作的通知" in diff
    docs.workflow_step(clerk, info.id, "review")
    again = docs.sign(leader, info.id)
    assert again.doc_no == "临政办发〔2026〕1号"  # not numbered twice
    docs.workflow_step(clerk, info.id, "issue")
    archived = docs.workflow_step(clerk, info.id, "archive", "归档")
    assert archived.status == "archived"
    with pytest.raises(InputError, match="不能再修改"):
        docs.update_document(clerk, info.id, notice(), expected_version=archived.version)
    steps = [(s.step, s.actor) for s in docs.list_steps(clerk, info.id)]
    assert steps == [("draft", "wenshu"), ("review", "wenshu"), ("sign", "lingdao"),
                     ("revise", "wenshu"), ("review", "wenshu"), ("sign", "lingdao"),
                     ("issue", "wenshu"), ("archive", "wenshu")]
    with Session(clerk.engine) as s:
        assert s.execute(select(DocumentStep.comment).where(
            DocumentStep.step == "review")).scalars().first() == "文字已核"
        entries = s.execute(select(DocNoEntry)).scalars().all()
        assert [(e.seq, e.state, e.document_id) for e in entries] == [(1, "issued", info.id)]
    assert {"doc.create", "doc.review", "doc.sign", "doc.update", "doc.issue",
            "doc.archive"} <= set(_actions(clerk.engine))


def test_send_back_needs_comment(team):
    clerk, leader = team["clerk"], team["leader"]
    info = docs.create_document(clerk, notice())
    docs.workflow_step(clerk, info.id, "review")
    with pytest.raises(InputError, match="意见"):
        docs.workflow_step(leader, info.id, "return")
    back = docs.workflow_step(leader, info.id, "return", "请补充经费安排")
    assert back.status == "draft"


def test_proofreading_errors_block_signing_and_fixes_apply(team):
    bad = notice(title="关于做好春节期间值班工作", to="各区人民政府")
    findings = docs.proofread(bad, "通知")
    rules = {f.rule for f in findings}
    assert "title.genre" in rules and "to.colon" in rules
    fixed, applied = docs.fix_all_safe({**bad, "body": "现将有关事项通知如下,请遵照执行."}, "通知")
    assert applied and "," not in fixed["body"] and "，" in fixed["body"]
    colon = next(f for f in findings if f.rule == "to.colon")
    assert docs.apply_fix(bad, colon)["to"] == "各区人民政府："


def test_sign_blocked_by_error_finding(team):
    clerk, leader = team["clerk"], team["leader"]
    info = docs.create_document(clerk, notice(to="各区人民政府"), series_prefix="临政办发")
    assert any(f.severity == "error" for f in docs.proofread(
        docs.get_document(clerk, info.id).description, "通知"))
    docs.workflow_step(clerk, info.id, "review")
    with pytest.raises(InputError, match="不能签发"):
        docs.sign(leader, info.id)
    with Session(clerk.engine) as s:  # no number was taken
        assert s.execute(select(DocNoEntry)).first() is None
    signed = docs.sign(leader, info.id, "同意", override_reason="主送为内部传阅，不加冒号")
    assert signed.doc_no == "临政办发〔2026〕1号"
    with Session(clerk.engine) as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "doc.sign")).scalar_one()
        detail = json.loads(event.detail)
        assert detail["reason"] == "主送为内部传阅，不加冒号" and detail["overridden"]
        step = s.execute(select(DocumentStep).where(DocumentStep.step == "sign")).scalar_one()
        assert step.comment.startswith("同意；校核错误经签发人确认")


def test_import_export_json_roundtrip(team):
    from app.services.documents import printing as out

    clerk = team["clerk"]
    desc = notice(attachments=["值班表"], cc=["市委办公室", "市人大常委会办公室"],
                  note="联系人：李明")
    info = docs.import_json(clerk, json.dumps(desc, ensure_ascii=False).encode("utf-8"))
    exported = json.loads(out.export_file(clerk, info.id, "json"))
    assert exported == desc
    with pytest.raises(InputError, match="JSON"):
        docs.import_json(clerk, "{not json")
    assert _actions(clerk.engine)[-1] == "doc.export"


def test_delete_only_unnumbered_drafts(team):
    clerk, leader = team["clerk"], team["leader"]
    a = docs.create_document(clerk, notice(), series_prefix="临政办发")
    b = docs.create_document(clerk, notice())
    docs.delete_document(clerk, b.id)
    assert docs.count_documents(clerk) == 1
    docs.workflow_step(clerk, a.id, "review")
    docs.sign(leader, a.id)
    with pytest.raises(InputError):
        docs.delete_document(clerk, a.id)


def test_reserve_void_and_register_gaps(team):
    clerk, leader = team["clerk"], team["leader"]
    assert docnumbers.reserve_numbers(clerk, "临政办发", 2026, 2, "纸质签发待补录") == [
        "临政办发〔2026〕1号", "临政办发〔2026〕2号"]
    a = docs.create_document(clerk, notice(), series_prefix="临政办发")
    docs.workflow_step(clerk, a.id, "review")
    assert docs.sign(leader, a.id).doc_no == "临政办发〔2026〕3号"
    b = docs.create_document(clerk, notice(), series_prefix="临政办发")
    docs.workflow_step(clerk, b.id, "review")
    assert docs.sign(leader, b.id, reserved_seq=1).doc_no == "临政办发〔2026〕1号"
    with pytest.raises(InputError, match="原因"):
        docnumbers.void_number(clerk, "临政办发", 2026, 2, " ")
    docnumbers.void_number(clerk, "临政办发", 2026, 2, "预留后未使用")
    reg = docnumbers.series_register(clerk, "临政办发", 2026)
    assert [(r.seq, r.state, r.reason) for r in reg.rows] == [
        (1, "issued", "纸质签发待补录"), (2, "void", "预留后未使用"), (3, "issued", None)]
    assert [r.seq for r in reg.gaps] == [2] and not reg.anomalies
    assert [(x.prefix, x.year, x.last_seq) for x in docnumbers.list_series(clerk)] == [
        ("临政办发", 2026, 3)]
    with pytest.raises(PermissionDenied):
        docnumbers.reserve_numbers(team["reader"], "临政办发", 2026, 1, "x")


def test_documents_are_indexed_for_search(team):
    from app.services.search import index as search

    clerk, leader, low = team["clerk"], team["leader"], team["low"]
    a = docs.create_document(clerk, notice(title="关于增设春节备勤点的通知"),
                             series_prefix="临政办发")
    docs.create_document(clerk, notice(title="关于备勤经费的通知", secrecy="秘密"))
    hits = search.search(clerk, "备勤", kinds=["document"]).hits
    assert {h.record_id for h in hits} >= {a.id} and len(hits) == 2
    assert len(search.search(low, "备勤", kinds=["document"]).hits) == 1  # clearance applies
    docs.workflow_step(clerk, a.id, "review")
    docs.sign(leader, a.id)
    found = search.search(clerk, "临政办发〔2026〕1号", kinds=["document"]).hits
    assert [h.record_id for h in found][:1] == [a.id]  # the 发文字号 is indexed at 签发
    b = docs.create_document(clerk, notice(title="关于临时事项的通知"))
    docs.delete_document(clerk, b.id)
    assert not search.search(clerk, "临时事项", kinds=["document"]).hits


def test_a_body_is_stored_once_and_every_version_reads_back(team):
    """Revision 0019: the current version's text is the document's (NULL in document_versions);
    a version that stops being current keeps its own copy. Read back from the rows."""
    from app.storage.models import DocumentVersion

    clerk, leader = team["clerk"], team["leader"]
    info = docs.create_document(clerk, notice(), series_prefix="临政办发")
    docs.workflow_step(clerk, info.id, "review")
    signed = docs.sign(leader, info.id)
    first_text = signed.description
    changed = docs.update_document(clerk, info.id, notice(title="改过的标题"),
                                   expected_version=signed.version)
    docs.update_document(clerk, info.id, notice(title="又改过的标题"),
                         expected_version=changed.version)
    with Session(clerk.engine) as s:
        stored = dict(s.execute(select(DocumentVersion.number, DocumentVersion.description)
                                .where(DocumentVersion.document_id == info.id)).all())
        current = s.get(Document, info.id).description
    assert stored == {1: first_text, 2: None}  # version 2 is the document's own text
    assert current["title"] == "又改过的标题"
    versions = docs.list_versions(clerk, info.id)
    assert [v.description["title"] for v in versions] == [notice()["title"], "又改过的标题"]
    assert versions[0].description == first_text
    assert "+标题：又改过的标题" in docs.diff_versions(clerk, info.id, 1, 2)


def test_migration_0019_backfills_and_a_downgrade_restores_the_copies(team, engine):
    from alembic import command
    from sqlalchemy import text

    from app.storage.migrate import alembic_config, current_revision, upgrade
    from app.storage.models import DocumentVersion

    clerk, leader = team["clerk"], team["leader"]
    a = docs.create_document(clerk, notice(title="关于甲事项的通知"), series_prefix="临政办发")
    b = docs.create_document(clerk, notice(title="关于乙事项的通知"), series_prefix="临政办发")
    docs.workflow_step(clerk, b.id, "review")
    signed = docs.sign(leader, b.id)
    docs.update_document(clerk, b.id, notice(title="关于乙事项的补充通知"), expected_version=signed.version)
    before = {d: [(v.number, v.description) for v in docs.list_versions(clerk, d)]
              for d in (a.id, b.id)}
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0016")
        conn.commit()
    assert current_revision(engine) == "0016"
    with engine.connect() as conn:  # the old schema: every version has its text
        assert conn.execute(text("SELECT count(*) FROM document_versions "
                                 "WHERE description IS NULL")).scalar() == 0
    upgrade(engine)
    with Session(engine) as s:
        rows = {(r.document_id, r.number): r.description for r in s.scalars(
            select(DocumentVersion))}
    assert rows[(a.id, 1)] is None and rows[(b.id, 2)] is None  # the current ones: stored once
    assert rows[(b.id, 1)]["title"] == "关于乙事项的通知"  # the signed first version keeps its own text
    after = {d: [(v.number, v.description) for v in docs.list_versions(clerk, d)]
             for d in (a.id, b.id)}
    assert after == before
