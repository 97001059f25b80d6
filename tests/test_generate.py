"""benchmarks/generate.py at a tiny scale (0.1 %): the row counts read back match the scale, every
record is in the full-text index and findable through the search service, clearance-filtered."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.security import Clearance, Role
from app.services.accounts import users as accounts
from app.services.context import Actor, ServiceContext
from app.services.documents import drafts as documents
from app.services.incidents import reports as incidents
from app.services.incoming import book as incoming
from app.services.search import index as search
from app.services.workbench import items as workbench
from app.storage.migrate import open_database
from app.storage.models import Document
from benchmarks import generate


def test_generator_tiny_scale_counts_index_and_search(db_url, tmp_path):
    said: list[str] = []
    got = generate.generate(db_url, scale=0.001, seed=7, log=said.append)
    assert {k: got[k] for k in ("documents", "document_versions", "incoming", "meetings",
                                "staff", "rosters", "assignments", "duty_log", "incidents")} == {
        "documents": 100, "document_versions": 100, "incoming": 20, "meetings": 3, "staff": 8,
        "rosters": 1, "assignments": 31 * 3, "duty_log": 20, "incidents": 2}
    assert got["decisions"] >= 3 * 2  # at least two topics with one decision each per meeting
    assert 2 * 2 <= got["incident_reports"] <= 2 * 5  # 首报 … 终报 per incident
    assert got["search_entries"] == sum(got[k] for k in (
        "documents", "incoming", "meetings", "decisions", "duty_log", "incidents"))

    engine = open_database(db_url, tmp_path / "backups")
    try:
        with Session(engine) as s:
            first, title = s.execute(select(Document.id, Document.title)
                                     .where(Document.classification == 0)
                                     .order_by(Document.id).limit(1)).one()
            public = s.scalar(select(func.count()).select_from(Document)
                              .where(Document.classification == 0))
        reader = ServiceContext(engine, Actor(None, "r", Role.READER, Clearance.PUBLIC))
        hits = search.search(reader, title, kinds=["document"], limit=200).hits
        assert first in [h.record_id for h in hits]
        assert {h.title.text for h in hits} == {title}  # titles repeat: all hits carry it
        assert {h.classification for h in hits} == {0}
        assert 0 < public < 100 and documents.count_documents(reader) == public
        # every generated row reads back through the services (valid enum values and all)
        boss = ServiceContext(engine, Actor(None, "b", Role.LEADER, Clearance.CONFIDENTIAL))
        assert len(incoming.list_page(boss, limit=1000)) == got["incoming"]
        # 收文 are indexed as the service indexes them: the list's text filter finds 承办人 too
        rec = incoming.list_page(boss, limit=1)[0]
        flt = incoming.IncomingFilter(text=f"{rec.handler_person} {rec.sender_ref}")
        assert rec.id in [r.id for r in incoming.list_page(boss, flt, limit=1000)]
        assert len(documents.list_documents(boss, documents.ListQuery(limit=1000))) == 100
        # the administrator it printed can sign in (so `python -m app user add` works on it)
        line = next(m for m in said if m.startswith("管理员账户："))
        name, password = line.split("：")[1].split()[0], line.split("密码：")[1].split("（")[0]
        admin = accounts.login(ServiceContext(engine), name, password)
        assert name == "admin" and Role.ADMIN in admin.roles
        assert incidents.count_incidents(boss) == got["incidents"]
        assert len(incidents.list_incidents(boss, limit=100)) == got["incidents"]
        assert len(workbench.snapshot(boss).recent) == workbench.RECENT_DOCUMENTS
        assert generate.counts(engine)["documents"] == 100
    finally:
        engine.dispose()
