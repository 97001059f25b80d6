"""Printing the audit log: a formal table document through the typesetting engine.

The rows are read back from the PDF with pdfplumber; a detail above the reader's clearance must
not be in the file, exactly as the viewer hides it; the print and the PDF export are audited."""

from __future__ import annotations

import io
from datetime import date

import pdfplumber
import pytest

from app.domain.security import Clearance, Role
from app.errors import InputError, PermissionDenied
from app.services.accounts import users as accounts
from app.services.audit import chain as audit
from app.services.audit_review import review as audit_log
from app.services.audit_review.review import AuditFilter
from app.services.office import settings


def _upright(obj: dict) -> bool:
    """Not a character of the (diagonal) watermark a classified print carries."""
    if obj.get("object_type") != "char":
        return True
    matrix = obj.get("matrix") or (1, 0, 0, 1)
    return abs(matrix[1]) < 1e-6 and abs(matrix[2]) < 1e-6


def _text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(p.filter(_upright).extract_text() or "" for p in doc.pages)


def _table_rows(pdf: bytes) -> list[list[str]]:
    rows: list[list[str]] = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for p in doc.pages:
            for t in p.filter(_upright).extract_tables():
                rows.extend([(c or "").replace("\n", "").replace(" ", "") for c in r] for r in t)
    return rows


def test_title_names_the_period():
    f = AuditFilter(since=date(2026, 11, 1), until=date(2026, 11, 21))
    assert audit_log.print_title(f) == "审计日志（2026年11月1日至2026年11月21日）"
    assert audit_log.print_title(AuditFilter(until=date(2026, 1, 5))) == "审计日志（截至2026年1月5日）"


def test_printed_rows_match_the_filter_and_hide_classified_detail(admin_ctx, tmp_path):
    ctx = admin_ctx
    settings.update_office(ctx, settings.OfficeInfo(office_name="某某县人民政府办公室"))
    accounts.add_user(ctx, "leader", "Leader-pass-1", role=Role.LEADER,
                      clearance=Clearance.INTERNAL, must_change_password=False)
    with ctx.session() as s, s.begin():
        audit.append(s, ctx.actor, "doc.view", "document", 7,
                     {"classification": 3, "title": "绝密标题XYZ"})
        audit.append(s, ctx.actor, "doc.view", "document", 8,
                     {"classification": 1, "title": "内部标题ABC"})
    leader = ctx.with_actor(accounts.login(ctx, "leader", "Leader-pass-1"))
    today = ctx.now().astimezone().date()
    f = AuditFilter(action="doc.view", since=today, until=today)

    description, n = audit_log.print_description(leader, f)
    assert n == 2 and description["issuer"] == "某某县人民政府办公室"
    assert description["title"] == audit_log.print_title(f)

    out = tmp_path / "sub" / "审计.pdf"
    pdf = audit_log.render_print(leader, f, out)
    assert out.read_bytes() == pdf and not list(out.parent.glob("*.part"))
    rows = _table_rows(pdf)
    body = [r for r in rows if len(r) == 5 and r[2] == "查看公文"]  # doc.view, in words
    # oldest first; the 机密 event does not even say which document it was
    assert [r[3] for r in body] == ["公文（已隐藏）", "公文8"]
    assert body[0][4] == audit_log.HIDDEN
    assert "内部标题ABC" in body[1][4]
    text = _text(pdf)
    assert "绝密标题XYZ" not in text and "某某县人民政府办公室" in text
    assert "审计日志" in text
    last = audit.recent(ctx.engine, 1)[0]
    assert (last.action, last.actor) == ("audit.export", "leader")

    # the administrator (clearance above 绝密) sees the detail in print, and printing is audited
    pdf = audit_log.render_print(ctx, f)
    # the detail cell wraps inside its column; read it back as a table cell, not as page text
    detail = [r[4] for r in _table_rows(pdf) if len(r) == 5 and r[3] == "公文7"]
    assert len(detail) == 1 and "绝密标题XYZ" in detail[0] and audit_log.HIDDEN not in detail[0]
    assert audit.recent(ctx.engine, 1)[0].action == "audit.print"
    assert audit.verify(ctx.engine).ok


def test_print_refused_without_permission_or_rows(admin_ctx, tmp_path):
    ctx = admin_ctx
    accounts.add_user(ctx, "reader", "Reader-pass-1", role=Role.READER, must_change_password=False)
    reader = ctx.with_actor(accounts.login(ctx, "reader", "Reader-pass-1"))
    before = audit.count(ctx.engine)
    with pytest.raises(PermissionDenied):
        audit_log.render_print(reader, AuditFilter(), tmp_path / "no.pdf")
    # the refused attempt is audited (issue 31), as refused — no print or export is recorded
    refused = audit.recent(ctx.engine, limit=1)[0]
    assert (refused.action, refused.actor, refused.detail["permission"]) == (
        "denied", "reader", "view_audit")
    assert audit.count(ctx.engine) == before + 1
    with pytest.raises(InputError):
        audit_log.render_print(ctx, AuditFilter(user="nobody-at-all"), tmp_path / "no.pdf")
    assert not (tmp_path / "no.pdf").exists()
    assert audit.count(ctx.engine) == before + 1
