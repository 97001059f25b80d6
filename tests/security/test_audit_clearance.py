"""The audit log does not leak what it records (issue 18, Clearance).

A 机密 document's title went into its ``doc.view``/``doc.sign``… events, and the viewer, the XLSX
export and the PDF print hid an event's detail only when the detail happened to carry a
``classification`` key. Now every event records the 密级 of what it touches (a column covered by
the hash) and every view masks events above the reader's clearance."""

from __future__ import annotations

import html
import io
import zipfile

import pdfplumber
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.domain.security import Clearance, Role
from app.services.accounts import users as accounts
from app.services.audit import chain as audit
from app.services.audit_review import review as audit_log
from app.services.audit_review.review import AuditFilter
from app.services.documents import drafts as documents
from app.services.incidents import reports as incidents
from app.storage.models import AuditEvent
from tests.services.documents_helpers import notice, person
from tests.services.test_incidents import FULL

SECRET_TITLE = "关于绝密项目甲的通知"


def _upright(obj: dict) -> bool:
    """Page text, not the diagonal watermark a classified print carries."""
    if obj.get("object_type") != "char":
        return True
    m = obj.get("matrix") or (1, 0, 0, 1)
    return abs(m[1]) < 1e-6 and abs(m[2]) < 1e-6


def _pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "".join("".join((p.filter(_upright).extract_text() or "").split())
                       for p in pdf.pages)


def _xlsx_text(path) -> str:
    """Every cell and every part of the workbook (XML character references resolved)."""
    from openpyxl import load_workbook

    cells = [str(c) for row in load_workbook(path).active.iter_rows(values_only=True)
             for c in row]
    with zipfile.ZipFile(path) as z:
        parts = [html.unescape(z.read(n).decode("utf-8", "ignore")) for n in z.namelist()]
    return "\n".join(cells + parts)


@pytest.fixture
def log_with_secrets(admin_ctx):
    """A 机密 and a 内部 document, created and viewed by a 机密 clerk; a 内部 leader who may
    read the log."""
    clerk = person(admin_ctx, "wenshu", Role.CLERK, Clearance.CONFIDENTIAL, "王文书")
    top = documents.create_document(clerk, notice(SECRET_TITLE, secrecy="机密"))
    mid = documents.create_document(clerk, notice("关于内部事项乙的通知"), classification=1)
    documents.get_document(clerk, top.id)
    documents.get_document(clerk, mid.id)
    accounts.add_user(admin_ctx, "leader", "Leader-pass-1", role=Role.LEADER,
                      clearance=Clearance.INTERNAL, must_change_password=False)
    leader = admin_ctx.with_actor(accounts.login(admin_ctx, "leader", "Leader-pass-1"))
    return admin_ctx, leader, top, mid


def test_every_event_records_the_classification_of_what_it_touches(log_with_secrets):
    admin, _leader, top, mid = log_with_secrets
    with Session(admin.engine) as s:
        rows = s.execute(select(AuditEvent.action, AuditEvent.object_id,
                                AuditEvent.classification)
                         .where(AuditEvent.object_type == "document")).all()
    levels = {(a, oid): c for a, oid, c in rows}
    assert levels == {("doc.create", str(top.id)): 3, ("doc.create", str(mid.id)): 1,
                      ("doc.view", str(top.id)): 3}  # (viewing 公开/内部 is not audited)
    # events about a record that hangs off a classified one inherit its level
    duty = person(admin, "baosong", Role.DUTY, Clearance.CONFIDENTIAL)
    inc = incidents.create_incident(duty, incidents.IncidentData(**FULL), classification=3)
    with Session(admin.engine) as s:
        got = s.execute(select(AuditEvent.classification).where(
            AuditEvent.object_type == "incident", AuditEvent.object_id == str(inc.id))).scalars()
        assert set(got) == {3}


def test_lowering_an_events_classification_breaks_the_chain(log_with_secrets):
    admin, _leader, top, _mid = log_with_secrets
    assert audit.verify(admin.engine, anchor=False).ok
    with admin.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET classification = 0 "
                          "WHERE action = 'doc.view' AND object_id = :i"), {"i": str(top.id)})
    result = audit.verify(admin.engine, anchor=False)
    assert not result.ok and "哈希" in result.reason


def test_viewer_export_and_print_mask_events_above_the_readers_clearance(log_with_secrets,
                                                                          tmp_path):
    admin, leader, _top, _mid = log_with_secrets
    f = AuditFilter(action="doc.")
    rows = audit_log.page(leader, f, 0)
    assert len(rows) == 3
    shown = "\n".join(f"{r.object_id} {r.detail}" for r in rows)
    assert SECRET_TITLE not in shown and "关于内部事项乙的通知" in shown
    hidden = [r for r in rows if r.detail == audit_log.HIDDEN]
    assert len(hidden) == 2 and {r.object_id for r in hidden} == {audit_log.OBJECT_HIDDEN}
    assert {r.action for r in hidden} == {"doc.create", "doc.view"}  # that it happened stays

    out = tmp_path / "log.xlsx"
    assert audit_log.export_xlsx(leader, f, out) == 3
    sheet = _xlsx_text(out)
    assert SECRET_TITLE not in sheet and "关于内部事项乙的通知" in sheet

    pdf = audit_log.render_print(leader, f)
    printed = _pdf_text(pdf)
    assert "内部事项乙" in printed and "绝密项目甲" not in printed

    # the 机密 administrator sees everything (the masking is by clearance, not by role)
    full = "\n".join(r.detail for r in audit_log.page(admin, f, 0))
    assert SECRET_TITLE in full


def test_events_written_before_the_column_are_masked_by_what_they_name(log_with_secrets):
    """An event recorded with level 0 (as every event before revision 0015) naming a 机密
    record is masked too: the viewer looks the record up."""
    admin, leader, _top, _mid = log_with_secrets
    with admin.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET classification = 0"))
    rows = [r for r in audit_log.page(leader, AuditFilter(action="doc.view"), 0)
            if r.detail == audit_log.HIDDEN]
    assert len(rows) == 1
    shown = "\n".join(r.detail for r in audit_log.page(leader, AuditFilter(action="doc."), 0))
    assert SECRET_TITLE not in shown
