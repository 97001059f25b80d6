"""Attacks on the office's seal image (issue 17): the database alone cannot show or swap it, a
crafted PNG is refused before it is decoded, only an administrator uploads, and the seal reaches
paper only on a signed document."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.errors import InputError, PermissionDenied, UserError
from app.services.audit import key as audit_key
from app.services.documents import drafts as documents
from app.services.documents import printing as document_output
from app.services.documents import seal
from app.services.office import settings as office_settings
from app.storage.models import OfficeSeal
from tests.services.documents_helpers import notice, people

PNG = (Path(__file__).resolve().parents[1] / "fixtures" / "seal" / "seal.png").read_bytes()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(
        ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


@pytest.fixture
def office(admin_ctx):
    office_settings.update_office(admin_ctx, office_settings.OfficeInfo(
        "临江市人民政府办公室", ["临政办发"], "临江市人民政府办公室文件"))
    team = people(admin_ctx)
    info = documents.create_document(team["clerk"], notice(), series_prefix="临政办发")
    documents.workflow_step(team["leader"], info.id, "review")
    documents.sign(team["leader"], info.id)
    return admin_ctx, team, info.id


def test_a_seal_swapped_in_from_another_office_is_refused(office):
    """A row encrypted under another office's audit key (copied in by the database's owner)."""
    admin, team, doc_id = office
    other = audit_key.AuditKey(b"\x07" * 32, audit_key.key_id_of(b"\x07" * 32))
    digest = seal._sm3(PNG)
    nonce, sealed = seal._encrypt(other, PNG, digest)
    seal.upload(admin, PNG)
    with Session(admin.engine) as s, s.begin():
        s.execute(update(OfficeSeal).values(key_id=other.key_id, nonce=nonce, ciphertext=sealed))
    with pytest.raises(UserError, match="另一审计密钥"):
        document_output.print_pdf(team["clerk"], doc_id)
    # the same row claiming this office's key id does not decrypt either
    with Session(admin.engine) as s, s.begin():
        s.execute(update(OfficeSeal).values(key_id=audit_key.load().key_id))
    with pytest.raises(UserError, match="已被改动"):
        document_output.print_pdf(team["clerk"], doc_id)


def test_a_png_claiming_huge_dimensions_is_refused_before_decoding(office, monkeypatch):
    admin, _team, _doc = office
    bomb = (b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 6, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(b"\0" * 100_000)) + _chunk(b"IEND", b""))
    import PIL.Image

    def never(*_a, **_k):  # the decoder must not even be reached
        raise AssertionError("decoded a PNG whose header is out of bounds")

    monkeypatch.setattr(PIL.Image, "open", never)
    with pytest.raises(InputError, match="100–2000 像素"):
        seal.upload(admin, bomb)
    many = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", 300, 300, 8, 6, 0, 0, 0))
    many += _chunk(b"tEXt", b"a\0b") * 10_001 + _chunk(b"IEND", b"")
    with pytest.raises(InputError, match="数据块过多"):
        seal.upload(admin, many)


def test_only_administrators_upload_and_drafts_never_carry_the_seal(office):
    admin, team, _doc = office
    for who in ("clerk", "leader", "reader"):
        with pytest.raises(PermissionDenied):
            seal.upload(team[who], PNG)
        with pytest.raises(PermissionDenied):
            seal.remove(team[who])
    seal.upload(admin, PNG)
    draft = documents.create_document(team["clerk"], notice(), series_prefix="临政办发")
    for fmt in ("pdf", "docx"):
        with pytest.raises(UserError, match="尚未签发"):
            document_output.export_file(team["clerk"], draft.id, fmt, seal=True)
    docx = document_output.export_file(team["clerk"], draft.id, "docx")  # the seal's room only
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        assert not [n for n in z.namelist() if n.startswith("word/media/")]
