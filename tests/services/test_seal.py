"""The office's seal image (issue 17): uploaded by an administrator and checked (a real PNG within
the limits; an opaque background warned about), kept encrypted in the database (SM4-GCM under a
key derived from the audit key; no file), printed only on signed documents, every use audited
(who, which document, 份号) — rows and PDFs read back."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path

import pdfplumber
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.errors import InputError, PermissionDenied, UserError
from app.services.documents import drafts as documents
from app.services.documents import printing as document_output
from app.services.documents import seal
from app.services.office import settings as office_settings
from app.storage.models import AuditEvent, Document, OfficeSeal
from tests.services.documents_helpers import notice, people

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "seal"
PNG = (FIXTURES / "seal.png").read_bytes()
OPAQUE = (FIXTURES / "opaque.png").read_bytes()


@pytest.fixture
def office(admin_ctx):
    office_settings.update_office(admin_ctx, office_settings.OfficeInfo(
        "临江市人民政府办公室", ["临政办发"], "临江市人民政府办公室文件"))
    return admin_ctx, people(admin_ctx)


def _events(ctx, action: str) -> list[tuple[str, int, dict]]:
    with Session(ctx.engine) as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.action == action)
                         .order_by(AuditEvent.seq)).all()
        return [(r.actor, int(r.object_id), json.loads(r.detail)) for r in rows]


def _images(pdf: bytes) -> list[int]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [len(p.images) for p in doc.pages]


def _signed(team, **extra) -> int:
    info = documents.create_document(team["clerk"], notice(**extra), series_prefix="临政办发")
    documents.workflow_step(team["leader"], info.id, "review")
    documents.sign(team["leader"], info.id)
    return info.id


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(
        ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def test_only_a_real_png_within_the_limits_is_accepted(office):
    admin, team = office
    bad = {
        b"": "为空",
        b"GIF89a" + b"\0" * 200: "不是 PNG",
        PNG[:-12]: "不完整",
        PNG[:40] + bytes([PNG[40] ^ 0xFF]) + PNG[41:]: "校验不符",
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", 50, 50, 8, 6, 0, 0, 0))
        + _chunk(b"IEND", b""): "100–2000 像素",
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", 600, 300, 8, 6, 0, 0, 0))
        + _chunk(b"IEND", b""): "正方形",
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", 300, 300, 8, 6, 0, 0, 0))
        + _chunk(b"IDAT", b"not deflate") + _chunk(b"IEND", b""): "无法解码",
        PNG + b"\0" * seal.MAX_BYTES: "过大",
    }
    for data, says in bad.items():
        with pytest.raises(InputError, match=says):
            seal.upload(admin, data)
    assert seal.status(admin).present is False
    with pytest.raises(PermissionDenied):
        seal.upload(team["clerk"], PNG)  # 设置 rights only
    opaque = seal.upload(admin, OPAQUE)
    assert not opaque.transparent and "透明背景" in opaque.warnings[0]
    done = seal.upload(admin, PNG)
    assert (done.present, done.width, done.height, done.transparent, done.warnings) == (
        True, 400, 400, True, [])
    assert seal.status(team["reader"]).uploaded_by == "系统管理员"
    uploads = _events(admin, "settings.seal")
    assert [d["replaced"] for _a, _o, d in uploads] == [False, True]


def test_kept_encrypted_in_the_database_never_as_a_file(office, tmp_path):
    admin, _team = office
    seal.upload(admin, PNG)
    with Session(admin.engine) as s:
        row = s.get(OfficeSeal, 1)
        assert row.alg == "sm4-gcm" and len(row.nonce) == 12
        assert PNG[8:40] not in row.ciphertext and b"IHDR" not in row.ciphertext
        assert row.digest == seal._sm3(PNG)
    data_dir = tmp_path / "data"
    assert not [p for p in data_dir.rglob("*") if p.is_file() and PNG[8:40] in p.read_bytes()]


def test_printed_only_on_signed_documents_and_every_use_audited(office):
    admin, team = office
    clerk = team["clerk"]
    seal.upload(admin, PNG)
    draft = documents.create_document(clerk, notice(), series_prefix="临政办发")
    # a draft prints with the seal's room only; asking for the seal is refused
    assert sum(_images(document_output.print_pdf(clerk, draft.id))) == 0
    with pytest.raises(UserError, match="尚未签发"):
        document_output.print_pdf(clerk, draft.id, seal=True)
    with Session(admin.engine) as s:
        with pytest.raises(UserError, match="尚未签发"):
            seal.image_for_document(s, s.get(Document, draft.id), notice())
    assert _events(admin, "doc.seal") == []

    doc_id = _signed(team)
    pdf = document_output.print_pdf(clerk, doc_id, copies=2, first_copy_no=3)
    assert sum(_images(pdf)) == 2  # one seal on each copy's signature page
    docx = document_output.export_file(clerk, doc_id, "docx")
    assert PNG in _docx_media(docx)
    no_seal = document_output.print_pdf(clerk, doc_id, seal=False)
    assert sum(_images(no_seal)) == 0
    uses = _events(admin, "doc.seal")
    info = documents.get_document(clerk, doc_id)
    assert [(actor, obj, d["purpose"], d["copies"], d["copy_nos"], d["doc_no"])
            for actor, obj, d in uses] == [
        ("wenshu", doc_id, "打印", 2, ["000003", "000004"], info.doc_no),
        ("wenshu", doc_id, "导出DOCX", 1, [], info.doc_no)]
    assert info.doc_no == "临政办发〔2026〕1号"


def test_joint_unsealed_or_no_image_refused_when_asked(office):
    admin, team = office
    single = _signed(team)
    joint = _signed(team, issuer=["临江市人民政府办公室", "临江市应急管理局"])
    unsealed = _signed(team, sealed=False)
    with pytest.raises(UserError, match=seal.NEEDED):
        document_output.print_pdf(team["clerk"], single, seal=True)
    assert sum(_images(document_output.print_pdf(team["clerk"], single))) == 0
    seal.upload(admin, PNG)
    with pytest.raises(UserError, match="联合行文"):
        document_output.print_pdf(team["clerk"], joint, seal=True)
    assert sum(_images(document_output.print_pdf(team["clerk"], joint))) == 0
    with pytest.raises(UserError, match="未设置“加盖印章”"):
        document_output.print_pdf(team["clerk"], unsealed, seal=True)
    seal.remove(admin)
    assert seal.status(admin).present is False
    assert [a for a, _o, _d in _events(admin, "settings.seal.remove")] == ["admin"]


def test_a_changed_ciphertext_is_refused(office):
    admin, team = office
    seal.upload(admin, PNG)
    doc_id = _signed(team)
    with Session(admin.engine) as s, s.begin():
        row = s.get(OfficeSeal, 1)
        flipped = bytes([row.ciphertext[0] ^ 1]) + row.ciphertext[1:]
        s.execute(update(OfficeSeal).values(ciphertext=flipped))
    with pytest.raises(UserError, match="已被改动"):
        document_output.print_pdf(team["clerk"], doc_id)
    assert _events(admin, "doc.seal") == [] and _events(admin, "doc.print") == []


def _docx_media(data: bytes) -> list[bytes]:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [z.read(n) for n in z.namelist() if n.startswith("word/media/")]
