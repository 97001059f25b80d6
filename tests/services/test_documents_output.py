"""Printing and exporting 公文: 份号 per copy, watermark on classified pages, duplex padding,
audit records — all read back from the PDF and the database."""

from __future__ import annotations

import io
import json

import pdfplumber
import pytest
from docx import Document as Docx
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import InputError, PermissionDenied
from app.services.documents import drafts as docs
from app.services.documents import printing as out
from app.storage.models import AuditEvent
from tests.services.documents_helpers import notice, people


@pytest.fixture
def team(ctx):
    return people(ctx)


def _straight(char: dict) -> bool:
    return abs(char["matrix"][1]) < 1e-6


def _pages(pdf: bytes) -> list[str]:
    """Each page's upright text (the document; the watermark is drawn at 30°)."""
    with pdfplumber.open(io.BytesIO(pdf)) as p:
        return [page.filter(lambda o: o.get("object_type") != "char" or _straight(o)).extract_text() or ""
                for page in p.pages]


def _marks(pdf: bytes) -> list[str]:
    """Each page's rotated text, in drawing order: the watermark."""
    with pdfplumber.open(io.BytesIO(pdf)) as p:
        return ["".join(c["text"] for c in page.chars if not _straight(c)).replace(" ", "") for page in p.pages]


def _last_event(engine) -> AuditEvent:
    with Session(engine) as s:
        return s.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalars().first()


def test_copies_numbered_watermarked_and_audited(team, db_url):
    if "postgresql" in db_url:
        pytest.skip("rendering is database-independent; the SQLite run covers it")
    clerk = team["clerk"]
    info = docs.create_document(clerk, notice(secrecy="秘密", secrecy_term="1年"))
    single = out.print_pdf(clerk, info.id, copies=1, watermark=None)
    per_copy = len(_pages(single))
    pdf = out.print_pdf(clerk, info.id, copies=3, first_copy_no=7)
    pages, marks = _pages(pdf), _marks(pdf)
    assert len(pages) == 3 * per_copy
    for i, n in enumerate((7, 8, 9)):
        assert pages[i * per_copy].startswith(f"{n:06d}")  # 份号 on the copy's first page
        for page in range(i * per_copy, (i + 1) * per_copy):
            assert f"第{n:06d}份" in marks[page]  # every page names user and copy
            assert "王文书" in marks[page]
    assert "000008" not in pages[0] and not _marks(single)[0]
    event = _last_event(clerk.engine)
    assert event.action == "doc.print"
    assert json.loads(event.detail)["copy_nos"] == ["000007", "000008", "000009"]
    assert json.loads(event.detail)["watermark"] is True


def test_public_document_has_no_watermark_and_duplex_pads(team, db_url):
    if "postgresql" in db_url:
        pytest.skip("rendering is database-independent; the SQLite run covers it")
    clerk = team["clerk"]
    info = docs.create_document(clerk, notice())
    plain = out.print_pdf(clerk, info.id, copies=1)
    one = _pages(plain)
    assert not any(_marks(plain))
    assert len(one) % 2 == 1  # the sample notice fits one page: duplex must pad it
    two = _pages(out.print_pdf(clerk, info.id, copies=2, duplex=True))
    assert len(two) == 2 * (len(one) + 1)
    assert two[len(one)].strip() == ""  # the blank back side
    marked = _marks(out.print_pdf(clerk, info.id, copies=1,
                                  watermark=out.Watermark(all_documents=True)))
    assert "王文书" in marked[0]
    with pytest.raises(InputError):
        out.print_pdf(clerk, info.id, copies=0)


def test_export_formats_and_permissions(team, db_url):
    if "postgresql" in db_url:
        pytest.skip("rendering is database-independent; the SQLite run covers it")
    clerk = team["clerk"]
    info = docs.create_document(clerk, notice(secrecy="机密"))
    pdf = out.export_file(clerk, info.id, "pdf")
    assert pdf.startswith(b"%PDF") and "王文书" in _marks(pdf)[0]
    docx = Docx(io.BytesIO(out.export_file(clerk, info.id, "docx")))
    text = "".join(docx.element.body.itertext()).replace("\n", "")
    assert "做好春节期间值班工作的通知" in text and "机密" in text
    assert json.loads(out.export_file(clerk, info.id, "json"))["secrecy"] == "机密"
    event = _last_event(clerk.engine)
    assert (event.action, json.loads(event.detail)["format"]) == ("doc.export", "json")
    with pytest.raises(PermissionDenied):
        out.export_file(team["reader"], info.id, "pdf")  # role and clearance
    with pytest.raises(InputError):
        out.export_file(clerk, info.id, "odt")
