"""涉密文件登记簿: 份号 from the record's series, where each copy went, 清退, 销毁 confirmed by a
second person, copies due back, the register printed through the paper path, and the audit
tying it together — all read back from the database and the PDF."""

from __future__ import annotations

import datetime as dt
import io
import json

import pdfplumber
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.security import Clearance, Role
from app.errors import ConflictError, InputError, PermissionDenied
from app.services.accounts import users as accounts
from app.services.context import ServiceContext
from app.services.documents import drafts as docs
from app.services.documents import printing as out
from app.services.output import paper
from app.storage.models import AuditEvent, PaperCopy
from tests.services.documents_helpers import notice


@pytest.fixture
def two(admin_ctx):
    clock = lambda: dt.datetime(2026, 3, 2, 10, 0).astimezone()  # noqa: E731
    base = ServiceContext(admin_ctx.engine, None, clock)
    users = {}
    for name, display in (("wang", "王机要"), ("li", "李监销")):
        accounts.add_user(admin_ctx, name, "Pass-word-1", display_name=display,
                          roles=[Role.CLERK], clearance=Clearance.CONFIDENTIAL,
                          must_change_password=False)
        users[name] = base.with_actor(accounts.login(base, name, "Pass-word-1"))
    accounts.add_user(admin_ctx, "low", "Pass-word-1", display_name="赵内部",
                      roles=[Role.CLERK], clearance=Clearance.INTERNAL, must_change_password=False)
    users["low"] = base.with_actor(accounts.login(base, "low", "Pass-word-1"))
    return users


def _events(engine, prefix: str) -> list[tuple[str, str, dict]]:
    with Session(engine) as s:
        rows = s.execute(select(AuditEvent).where(AuditEvent.action.like(f"{prefix}%"))
                         .order_by(AuditEvent.seq)).scalars()
        return [(e.action, e.actor, json.loads(e.detail)) for e in rows]


def test_printing_takes_copy_numbers_from_the_series(two):
    wang = two["wang"]
    d = docs.create_document(wang, notice(secrecy="秘密", secrecy_term="1年"))
    first = out.print_pdf(wang, d.id, copies=3)
    assert first.copy_nos == ("000001", "000002", "000003")
    again = out.print_pdf(wang, d.id, copies=2)
    assert again.copy_nos == ("000004", "000005")
    with Session(wang.engine) as s:
        rows = s.execute(select(PaperCopy).order_by(PaperCopy.copy_no)).scalars().all()
        assert [(r.copy_no, r.status, r.printed_by) for r in rows] == [
            (n, "held", "王机要") for n in range(1, 6)]
    prints = [d for a, _who, d in _events(wang.engine, "doc.print")]
    assert [p["copy_range"] for p in prints] == ["000001-000003", "000004-000005"]
    # a number already in the register is never printed twice
    with pytest.raises(ConflictError, match="000002"):
        out.print_pdf(wang, d.id, copies=1, first_copy_no=2)
    # a public document is not registered
    pub = docs.create_document(wang, notice())
    out.print_pdf(wang, pub.id, copies=2)
    assert len(paper.list_copies(wang, object_id=pub.id)) == 0


def test_lifecycle_issue_return_destroy_with_a_second_person(two):
    wang, li = two["wang"], two["li"]
    d = docs.create_document(wang, notice(secrecy="机密", secrecy_term="10年"))
    out.print_pdf(wang, d.id, copies=2)
    c1, c2 = paper.list_copies(wang, object_id=d.id)
    with pytest.raises(InputError, match="接收单位"):
        paper.issue(wang, c1.id, unit="", person="张三", on=dt.date(2026, 3, 2), signed=True)
    c1 = paper.issue(wang, c1.id, unit="市应急管理局", person="张三", on=dt.date(2026, 3, 2),
                     signed=True, due_back=dt.date(2026, 3, 9))
    assert (c1.status, c1.recipient_unit, c1.signed) == ("issued", "市应急管理局", True)
    # due back: on the workbench from the due day
    assert paper.list_due(wang, dt.date(2026, 3, 8)) == []
    assert [c.id for c in paper.list_due(wang, dt.date(2026, 3, 9))] == [c1.id]
    # an issued copy cannot be destroyed before it is back
    with pytest.raises(InputError, match="清退"):
        paper.request_destroy(wang, c1.id)
    c1 = paper.return_copy(wang, c1.id)
    assert c1.status == "returned" and paper.list_due(wang, dt.date(2026, 3, 9)) == []
    c1 = paper.request_destroy(wang, c1.id)
    with pytest.raises(PermissionDenied, match="另一人"):
        paper.confirm_destroy(wang, c1.id)
    c1 = paper.confirm_destroy(li, c1.id)
    assert (c1.status, c1.destroy_confirmed_by) == ("destroyed", "李监销")
    with pytest.raises(InputError):
        paper.issue(wang, c1.id, unit="x", person="y", on=dt.date(2026, 3, 3), signed=False)
    trail = [(a, who, e["copy_no"]) for a, who, e in _events(wang.engine, "paper.")]
    assert trail == [("paper.issue", "wang", "000001"), ("paper.return", "wang", "000001"),
                     ("paper.destroy.request", "wang", "000001"),
                     ("paper.destroy.confirm", "wang", "000001"),  # refused: audited too
                     ("paper.destroy.confirm", "li", "000001")]  # (the audit names logins)
    with Session(wang.engine) as s:
        outcomes = s.execute(select(AuditEvent.outcome).where(
            AuditEvent.action == "paper.destroy.confirm").order_by(AuditEvent.seq)).scalars()
        assert list(outcomes) == ["refused", "success"]
    # stale edits are refused
    with pytest.raises(ConflictError):
        paper.issue(wang, c2.id, unit="a", person="b", on=dt.date(2026, 3, 2), signed=False,
                    expected_version=c2.version + 5)


def test_register_hidden_above_clearance(two):
    wang, low = two["wang"], two["low"]
    d = docs.create_document(wang, notice(secrecy="秘密", secrecy_term="1年"))
    out.print_pdf(wang, d.id, copies=1)
    (c,) = paper.list_copies(wang)
    assert paper.list_copies(low) == []
    with pytest.raises(PermissionDenied):
        paper.issue(low, c.id, unit="a", person="b", on=dt.date(2026, 3, 2), signed=True)


def test_register_prints_as_a_marked_table(two):
    wang = two["wang"]
    d = docs.create_document(wang, notice(secrecy="秘密", secrecy_term="1年"))
    out.print_pdf(wang, d.id, copies=2)
    c1, _c2 = paper.list_copies(wang)
    paper.issue(wang, c1.id, unit="市应急管理局", person="张三", on=dt.date(2026, 3, 2),
                signed=True, due_back=dt.date(2026, 3, 9))
    pdf = paper.print_register(wang)
    assert pdf.kind == "paper_register" and pdf.classification == 2

    def upright(o):
        m = o.get("matrix") or (1, 0, 0, 1)
        return o.get("object_type") != "char" or (abs(m[1]) < 1e-6 and abs(m[2]) < 1e-6)

    with pdfplumber.open(io.BytesIO(bytes(pdf))) as doc:
        rows = [["".join((c or "").split()) for c in r] for p in doc.pages
                for t in p.filter(upright).extract_tables() for r in t]
        head = "".join(c["text"] for c in doc.pages[0].chars if c["top"] < 34)
    assert rows[0] == paper.REGISTER_HEADER
    body = [r for r in rows[1:] if r[0].isdigit()]
    assert [r[0] for r in body] == ["000001", "000002"]
    assert body[0][2] == "市应急管理局/张三，2026-03-02分发，已签收"
    assert body[0][1].endswith("（秘密）") and body[0][3] == "2026-03-09"
    assert body[1][4] == "在办公室"
    assert "秘密" in head  # the 密级 in the header
    _a, _who, detail = _events(wang.engine, "paper.register.print")[-1]
    assert detail["rows"] == 2 and detail["classification"] == 2


# ---- every kind of record, not only 公文 (issue 20) ---------------------------------------------
def _secret_minutes(u):
    from tests.test_one_paper_path import _meeting

    return _meeting(u)


def _corners(pdf: bytes) -> list[str]:
    """The top-left text of every page (where a non-公文 print's 密级 and 份号 stand)."""
    from tests.test_one_paper_path import MM, _band

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [_band(p, 12 * MM, 24 * MM, x1=120 * MM) for p in doc.pages]


def test_a_secret_minutes_in_three_copies_is_followed_to_return_and_destruction(two, tmp_path):
    from app.services import minutes as mn
    from app.services.workbench import items as workbench

    wang, li = two["wang"], two["li"]
    m = _secret_minutes(wang)
    pdf = mn.render_minutes(wang, m.id, "pdf", copies=3)
    assert pdf.copy_nos == ("000001", "000002", "000003")
    corners = [c for c in _corners(bytes(pdf)) if c]
    assert [c.replace(" ", "") for c in corners] == [
        f"秘密第00000{n}份" for n in (1, 2, 3)]  # each copy's first page, its own 份号
    rows = paper.list_copies(wang, object_type="meeting", object_id=m.id)
    assert [(c.copy_text, c.status, c.classification) for c in rows] == [
        (f"00000{n}", "held", 2) for n in (1, 2, 3)]
    assert rows[0].title == "市政府第三次常务会议纪要"
    _a, _who, printed = _events(wang.engine, "minutes.render")[-1]
    assert printed["copy_range"] == "000001-000003" and printed["copies"] == 3

    c1, c2, _c3 = rows
    paper.issue(wang, c1.id, unit="市水利局", person="钱国华", on=dt.date(2026, 3, 2),
                signed=True, due_back=dt.date(2026, 3, 4))
    due = workbench.paper_items(wang)  # the workbench's copies due back
    assert [(i.kind, i.label) for i in due] == [("paper", "涉密文件清退")]
    assert "第000001份" in due[0].title and "市水利局" in due[0].title
    assert paper.return_copy(wang, c1.id).status == "returned"
    assert workbench.paper_items(wang) == []
    paper.request_destroy(wang, c2.id)
    with pytest.raises(PermissionDenied, match="另一人"):
        paper.confirm_destroy(wang, c2.id)
    assert paper.confirm_destroy(li, c2.id).destroy_confirmed_by == "李监销"
    after = {c.copy_text: c.status for c in paper.list_copies(wang, object_type="meeting")}
    assert after == {"000001": "returned", "000002": "destroyed", "000003": "held"}
    trail = [(a, e["copy_no"]) for a, _who, e in _events(wang.engine, "paper.")]
    assert trail == [("paper.issue", "000001"), ("paper.return", "000001"),
                     ("paper.destroy.request", "000002"),
                     ("paper.destroy.confirm", "000002"),  # the requester's own: refused, audited
                     ("paper.destroy.confirm", "000002")]

    # the next print continues the meeting's series; the register prints the 纪要's copies
    assert mn.render_minutes(wang, m.id, "pdf").copy_nos == ("000004",)
    register = paper.print_register(wang, object_type="meeting", object_id=m.id)

    def upright(o):
        mtx = o.get("matrix") or (1, 0, 0, 1)
        return o.get("object_type") != "char" or (abs(mtx[1]) < 1e-6 and abs(mtx[2]) < 1e-6)

    with pdfplumber.open(io.BytesIO(bytes(register))) as doc:
        table = [["".join((c or "").split()) for c in r] for p in doc.pages
                 for t in p.filter(upright).extract_tables() for r in t]
    body = [r for r in table if r and r[0].isdigit()]
    assert [(r[0], r[4]) for r in body] == [
        ("000001", "已清退"), ("000002", "已销毁（监销：李监销）"), ("000003", "在办公室"),
        ("000004", "在办公室")]
    # a DOCX is an export, not a print: no 份号 taken
    assert mn.render_minutes(wang, m.id, "docx").copy_nos == ()
    assert len(paper.list_copies(wang, object_type="meeting")) == 4


def test_copies_outside_ones_scope_are_hidden_for_children_too(two):
    """A 纪要's copies are in its meeting's 知悉范围; a 信息专报's in its incident's."""
    from app.services import incidents as inc
    from app.services import minutes as mn
    from app.services import need_to_know
    from tests.test_one_paper_path import _incident

    wang, li = two["wang"], two["li"]
    m = _secret_minutes(wang)
    mn.render_minutes(wang, m.id, "pdf", copies=2)
    i = _incident(wang)
    rep = inc.draft_report(wang, i.id)
    out = inc.render_report(wang, rep.id, "pdf", copies=2)
    assert out.copy_nos == ("000001", "000002")
    assert {c.object_type for c in paper.list_copies(li)} == {"meeting", "incident_report"}
    need_to_know.set_scope(wang, "meeting", m.id, [wang.actor.user_id], [])
    need_to_know.set_scope(wang, "incident", i.id, [wang.actor.user_id], [])
    assert paper.list_copies(li) == []
    assert len(paper.list_copies(wang)) == 4
    hidden = paper.list_copies(wang, object_type="incident_report")[0]
    with pytest.raises(PermissionDenied):
        paper.issue(li, hidden.id, unit="a", person="b", on=dt.date(2026, 3, 2), signed=True)


def test_copies_share_their_resources_and_are_refused_outside_one_to_five_hundred(two):
    from app.services import minutes as mn

    wang = two["wang"]
    m = _secret_minutes(wang)
    for bad in (0, 501):
        with pytest.raises(InputError, match="份数"):
            mn.render_minutes(wang, m.id, "pdf", copies=bad)
    assert paper.list_copies(wang) == []
    one = mn.render_minutes(wang, m.id, "pdf")
    three = mn.render_minutes(wang, m.id, "pdf", copies=3)
    assert three.copy_nos == ("000002", "000003", "000004")
    # the copies share their fonts (identical objects merged): far less than three times one
    assert len(three) < 2 * len(one)
