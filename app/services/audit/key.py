"""The office's audit key: the secret that keys the audit chain (HMAC-SM3), kept out of the
database.

Without a key, whoever can write to the database can edit or delete audit rows and recompute
every hash after them. With it, each row's ``hash`` is HMAC-SM3(key, row) (``app.services.audit.chain``)
and the anchors are keyed too (``app.services.audit.anchor``): the database's owner cannot make a
changed chain verify without the key.

Where it lives: ``audit.key`` in the desk's data folder (0600, the folder 0700), a small JSON file
with the key (base64), its id (the first 16 hex digits of SM3("govdesk-audit-key-id:" + key),
recorded on every row it keyed) and its own SM3 checksum, so a damaged file is told apart from a
wrong key. The database holds only the key id.

How it is made: on the first audit event written to a chain that has no keyed row yet (a new
office, or the first start after the upgrade), 32 random bytes from ``os.urandom``. A desk that
has no key while the chain already holds keyed rows does not make one: it refuses to write audit
events (and so every audited act) with a message saying how to import the key — otherwise two
desks would sign one chain with two keys.

Several desks on one PostgreSQL database need the same key. An administrator exports it on a desk
that has it (``python -m app audit key export FILE --admin NAME``, audited), carries the file on
the office's confidential media and imports it on the other desk (``python -m app audit key
import FILE``); the import checks the key against the chain (the key id and the HMAC of the
newest row it keyed must match), so only the office's real key is accepted, then deletes nothing
and is audited. Delete the carried file afterwards. Keep a copy of the key with the backups'
media: a backup's keyed rows verify only with it.

What it does not protect against: someone who can read this desk's key file (the desk's own
account, or an administrator of the machine) can forge rows. The key guards the log against the
database's owner (a PostgreSQL server, a copied or doctored database or backup file), not against
the desk's own account.

Exporting and importing the key, which involve the chain, are ``keyring``; this module only
reads and writes the key file.
"""

from __future__ import annotations

import base64
import hmac as std_hmac
import json
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as c_hmac

from app.atomicfile import atomic_write
from app.config import data_dir
from app.errors import UserError

FILE = "audit.key"
FORMAT = 1
ALG = "hmac-sm3"
LEGACY_ALG = "sha256"
KEY_BYTES = 32
_ID_PREFIX = b"govdesk-audit-key-id:"

_lock = threading.Lock()
_cache: dict[Path, tuple[tuple[int, int], AuditKey]] = {}


class AuditKeyError(UserError):
    """The audit key is missing where it is needed, damaged, or not this office's."""


@dataclass(frozen=True)
class AuditKey:
    key: bytes
    key_id: str
    created: str = ""

    def mac(self, data: bytes) -> str:
        return hmac_sm3(self.key, data)


def canonical(data: dict[str, Any]) -> bytes:
    """The bytes a hash or MAC is taken over: JSON with sorted keys, no whitespace, UTF-8."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def hmac_sm3(key: bytes, data: bytes) -> str:
    h = c_hmac.HMAC(key, hashes.SM3())
    h.update(data)
    return h.finalize().hex()


def same(a: str, b: object) -> bool:
    """Constant-time comparison of two hex strings (``b`` may be anything read from a row)."""
    return isinstance(b, str) and std_hmac.compare_digest(a.encode(), b.encode())


def key_id_of(key: bytes) -> str:
    return sm3_hex(_ID_PREFIX + key)[:16]


def key_file() -> Path:
    return data_dir() / FILE


def _checksum(body: dict) -> str:
    return sm3_hex(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())


def _body(key: AuditKey) -> dict:
    return {"format": FORMAT, "alg": ALG, "key_id": key.key_id,
            "key": base64.b64encode(key.key).decode(), "created": key.created}


def dumps(key: AuditKey) -> bytes:
    body = _body(key)
    return json.dumps({**body, "checksum": _checksum(body)}, indent=1).encode()


def parse(raw: bytes, where: str = "审计密钥文件") -> AuditKey:
    """Read a key file's bytes; ``AuditKeyError`` in Chinese when damaged."""
    try:
        data = json.loads(raw.decode("utf-8"))
        body = {k: data[k] for k in ("format", "alg", "key_id", "key", "created")}
        checksum = data["checksum"]
        key = base64.b64decode(body["key"], validate=True)
    except (ValueError, KeyError, TypeError, UnicodeError):
        raise AuditKeyError(f"{where}格式不正确，无法读取。") from None
    if body["format"] != FORMAT or body["alg"] != ALG:
        raise AuditKeyError(f"{where}的格式版本（{body['format']}/{body['alg']}）不受本程序支持。")
    if (not same(_checksum(body), checksum) or len(key) != KEY_BYTES
            or key_id_of(key) != body["key_id"]):
        raise AuditKeyError(f"{where}已损坏（校验和不符）：请从保存的密钥副本重新导入。")
    return AuditKey(key, body["key_id"], str(body["created"]))


def load(path: Path | None = None) -> AuditKey | None:
    """This desk's key, or None when there is no key file; ``AuditKeyError`` when it is damaged.
    Cached per file (re-read when its size or time changes)."""
    path = path or key_file()
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    stamp = (st.st_mtime_ns, st.st_size)
    hit = _cache.get(path)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise AuditKeyError(f"无法读取审计密钥文件（{exc.strerror or exc}）。") from None
    key = parse(raw)
    _cache[path] = (stamp, key)
    return key


def install(key: AuditKey, path: Path | None = None) -> Path:
    """Write ``key`` as this desk's key file (0600, atomic). The caller then keys the desk's
    legacy anchors (``anchor.adopt_legacy``; ``keyring.import_key`` and the chain do)."""
    path = path or key_file()
    with _lock:
        atomic_write(path, dumps(key), private=True)
        _cache.pop(path, None)
    return path


def create(path: Path | None = None) -> AuditKey:
    """Make a new random key and install it (only when none exists)."""
    path = path or key_file()
    with _lock:
        existing = load(path)
        if existing is not None:
            return existing
        raw = os.urandom(KEY_BYTES)
        key = AuditKey(raw, key_id_of(raw), datetime.now(UTC).isoformat())
        # exclusive: if another process of this desk made one meanwhile, theirs is the key
        tmp = atomic_write(path.with_name(f".{path.name}.{os.getpid()}.new"), dumps(key),
                           private=True)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
        _cache.pop(path, None)
        key = load(path) or key
    return key


MISSING = ("本机没有审计密钥，而数据库中的审计日志已由密钥签署：本机不能再写入审计记录。"
           "请管理员在已有密钥的终端运行 python -m app audit key export 文件 --admin 用户名 导出密钥，"
           "再在本机运行 python -m app audit key import 文件 导入。")
