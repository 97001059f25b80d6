"""The office's seal (印章) image: uploaded by an administrator, kept encrypted in the database,
printed only on signed documents, every use audited.

* ``upload(ctx, png)`` (设置 rights): the file must be a real PNG (signature, chunk CRCs, IHDR,
  IEND, decodable), at most ``MAX_BYTES``, ``MIN_PX``–``MAX_PX`` pixels a side and roughly
  square (a round or oval seal); a transparent background is recommended (an opaque one hides the
  署名 and date under the seal) and said in the result's ``warnings``. Audited as
  ``settings.seal``; ``remove(ctx)`` as ``settings.seal.remove``.
* ``status(ctx)`` — whether there is one (for the 加盖印章 box; no image bytes).
* ``image_for_document(ctx, session, actor, doc, copy_nos)`` — the PNG, for the print path only:
  refused for a document that is not 签发 (signed, issued or archived) and for a joint document
  (one seal per organ: this program holds only the office's own), audited as ``doc.seal`` with
  the document, its 发文字号 and the 份号 of the copies it is printed on.

At rest: SM4-GCM (``alg`` ``sm4-gcm``) with a 16-byte key derived from the office's audit key
(``app.services.audit.key``): HMAC-SM3(audit key, ``govdesk-seal-key:v1``), first 16 bytes; the
row records the audit key's id, the nonce, and the SM3 digest of the PNG (checked after
decryption). Every desk that may write audit rows holds that key (several desks on one
PostgreSQL database import it), so every desk can print the seal, and the database alone — a
copied file, a backup, the server's owner — cannot show it. The GCM associated data binds the
ciphertext to the row (``govdesk-seal:<key id>:<digest>``).
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from sqlalchemy.orm import Session

from app.domain.security import Action
from app.errors import InputError, UserError
from app.services import audit
from app.services.context import Actor, ServiceContext
from app.storage.models import OfficeSeal

ALG = "sm4-gcm"
MAX_BYTES = 2 * 1024 * 1024
MIN_PX, MAX_PX = 100, 2000
#: width / height of a round or oval seal
MIN_RATIO, MAX_RATIO = 0.8, 1.25
SIGNED = ("signed", "issued", "archived")
NEEDED = "需要先在“设置”中上传本机关印章图片"
_PNG = b"\x89PNG\r\n\x1a\n"
_TAG = 16
_KEY_INFO = b"govdesk-seal-key:v1"


@dataclass(frozen=True)
class SealStatus:
    present: bool
    width: int = 0
    height: int = 0
    transparent: bool = False
    uploaded_by: str = ""
    uploaded_at: str = ""
    warnings: list[str] = field(default_factory=list)


# ---- checking the file -----------------------------------------------------------------------
def check_png(data: bytes) -> tuple[int, int, bool]:
    """(width, height, has transparency) of a real PNG within the limits, else ``InputError``."""
    if not isinstance(data, bytes | bytearray) or not data:
        raise InputError("印章图片为空。")
    if len(data) > MAX_BYTES:
        raise InputError(f"印章图片过大（{len(data) // 1024} 千字节），"
                         f"不能超过 {MAX_BYTES // 1024} 千字节。")
    if not data.startswith(_PNG):
        raise InputError("印章图片应为 PNG 格式（所选文件不是 PNG 图片）。")
    pos, chunks, ihdr, alpha = len(_PNG), 0, None, False
    while True:
        if pos + 12 > len(data):
            raise InputError("PNG 图片不完整（缺少结束块），请重新导出后再上传。")
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if len(body) != length or pos + 12 + length > len(data):
            raise InputError("PNG 图片不完整，请重新导出后再上传。")
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise InputError("PNG 图片已损坏（校验不符），请重新导出后再上传。")
        chunks += 1
        if chunks > 10_000:
            raise InputError("PNG 图片的数据块过多，不能作为印章图片。")
        if chunks == 1:
            if kind != b"IHDR" or length != 13:
                raise InputError("PNG 图片缺少文件头，请重新导出后再上传。")
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"tRNS":
            alpha = True
        pos += 12 + length
        if kind == b"IEND":
            break
    assert ihdr is not None
    width, height, _depth, colour = ihdr[:4]
    alpha = alpha or colour in (4, 6)  # grey + alpha, RGBA
    if not (MIN_PX <= width <= MAX_PX and MIN_PX <= height <= MAX_PX):
        raise InputError(f"印章图片应为 {MIN_PX}–{MAX_PX} 像素见方，实际为 {width}×{height} 像素。")
    if not MIN_RATIO <= width / height <= MAX_RATIO:
        raise InputError(f"印章图片应大致为正方形（圆形或椭圆形印章），实际为 {width}×{height} 像素。")
    try:
        from PIL import Image  # reportlab's own image reader

        with Image.open(io.BytesIO(data)) as img:
            img.load()
    except Exception as exc:  # noqa: BLE001 - any decoder failure is a broken file
        raise InputError("PNG 图片无法解码，请重新导出后再上传。") from exc
    return width, height, alpha


# ---- the key -----------------------------------------------------------------------------------
def _key() -> audit.AuditKey:
    key = audit.load_key()
    if key is None:
        raise audit.AuditKeyError(audit.MISSING)
    return key


def _seal_key(key: audit.AuditKey) -> bytes:
    return bytes.fromhex(audit.hmac_sm3(key.key, _KEY_INFO))[:16]


def _sm3(data: bytes) -> str:
    return audit.sm3_hex(data)


def _aad(key_id: str, digest: str) -> bytes:
    return f"govdesk-seal:{key_id}:{digest}".encode()


def _encrypt(key: audit.AuditKey, data: bytes, digest: str) -> tuple[bytes, bytes]:
    nonce = os.urandom(12)
    enc = Cipher(algorithms.SM4(_seal_key(key)), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(_aad(key.key_id, digest))
    body = enc.update(data) + enc.finalize()
    return nonce, body + enc.tag


def _decrypt(row: OfficeSeal) -> bytes:
    key = _key()
    if row.alg != ALG:
        raise UserError(f"印章图片的加密算法“{row.alg}”无法识别，请管理员重新上传印章图片。")
    if row.key_id != key.key_id:
        raise UserError("印章图片由另一审计密钥加密，本机无法使用；请管理员在本机重新上传印章图片，"
                        "或导入本单位的审计密钥。")
    body, tag = row.ciphertext[:-_TAG], row.ciphertext[-_TAG:]
    dec = Cipher(algorithms.SM4(_seal_key(key)), modes.GCM(row.nonce, tag)).decryptor()
    dec.authenticate_additional_data(_aad(row.key_id, row.digest))
    try:
        data = dec.update(body) + dec.finalize()
    except InvalidTag as exc:
        raise UserError("印章图片数据已被改动，拒绝使用；请管理员重新上传印章图片。") from exc
    if _sm3(data) != row.digest:
        raise UserError("印章图片数据已被改动，拒绝使用；请管理员重新上传印章图片。")
    return data


# ---- services ----------------------------------------------------------------------------------
def status(ctx: ServiceContext) -> SealStatus:
    ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        row = s.get(OfficeSeal, 1)
        if row is None:
            return SealStatus(False)
        return SealStatus(True, row.width, row.height, row.transparent, row.uploaded_by,
                          row.uploaded_at.astimezone().strftime("%Y-%m-%d %H:%M"))


def upload(ctx: ServiceContext, data: bytes) -> SealStatus:
    """Store ``data`` (a PNG) as the office's seal, replacing any before."""
    actor = ctx.require(Action.MANAGE_SETTINGS)
    width, height, transparent = check_png(bytes(data))
    key = _key()
    digest = _sm3(bytes(data))
    nonce, sealed = _encrypt(key, bytes(data), digest)
    now = ctx.now()
    with ctx.session() as s, s.begin():
        row = s.get(OfficeSeal, 1)
        replaced = row is not None
        if row is None:
            row = OfficeSeal(id=1)
            s.add(row)
        row.alg, row.key_id, row.nonce, row.ciphertext, row.digest = (
            ALG, key.key_id, nonce, sealed, digest)
        row.width, row.height, row.transparent = width, height, transparent
        row.uploaded_by, row.uploaded_at = actor.label, now
        audit.append(s, actor, "settings.seal", "office_seal", 1,
                     {"width": width, "height": height, "transparent": transparent,
                      "bytes": len(data), "digest": digest, "replaced": replaced}, at=now)
    warnings = [] if transparent else [
        "印章图片没有透明背景：打印时会遮住印章下的署名和成文日期。建议使用透明背景的 PNG 图片。"]
    return SealStatus(True, width, height, transparent, actor.label,
                      now.astimezone().strftime("%Y-%m-%d %H:%M"), warnings)


def remove(ctx: ServiceContext) -> None:
    actor = ctx.require(Action.MANAGE_SETTINGS)
    with ctx.session() as s, s.begin():
        row = s.get(OfficeSeal, 1)
        if row is None:
            return
        s.delete(row)
        audit.append(s, actor, "settings.seal.remove", "office_seal", 1,
                     {"digest": row.digest}, at=ctx.now())


def image_for_document(s: Session, doc: Any, description: dict[str, Any]) -> tuple[bytes, str]:
    """(PNG, its SM3 digest) of the seal for printing ``doc`` (its stored row). Refused
    (``UserError``) for a document not yet 签发, for a joint document, and when no seal image is
    stored. The caller records the use with ``record_use`` once the pages exist."""
    if doc.status not in SIGNED:
        raise UserError("公文尚未签发，不能加盖印章：请先签发；打印文稿请取消勾选“加盖印章”。")
    issuers = description.get("issuer") or []
    if isinstance(issuers, str):
        issuers = [issuers]
    if len([i for i in issuers if str(i).strip()]) > 1:
        raise UserError("联合行文须由各机关分别加盖印章，本程序只存有本机关印章：请取消“加盖印章”，"
                        "打印后手工盖章。")
    row = s.get(OfficeSeal, 1)
    if row is None:
        raise UserError(NEEDED + "。")
    return _decrypt(row), row.digest


def record_use(s: Session, actor: Actor, doc: tuple[int, str, str], digest: str, purpose: str,
               copy_nos: list[str], copies: int, at: Any) -> None:
    """Audit one use of the seal: who, which document (``doc``: id, title, 发文字号), what for
    (打印 / 导出PDF / 导出DOCX), how many copies and their 份号."""
    doc_id, title, doc_no = doc
    audit.append(s, actor, "doc.seal", "document", doc_id,
                 {"title": title, "doc_no": doc_no, "purpose": purpose,
                  "copies": copies, "copy_nos": copy_nos, "digest": digest}, at=at)
