"""Air-gap exchange: records to ONE package file for removable media, and back.

**Package, format 2** (written since 2026-12; 国密 by default). One file, read front to back::

    MAGIC  "GOVDESK-XCHG\\n"
    header length (4 bytes, big-endian) + header (JSON, plain): format, version 2,
           cipher "SM4-GCM", kdf {"name": "scrypt", n, r, p, salt}, nonce prefix, compression
    frames: length (4 bytes; the top bit marks the last frame) + SM4-GCM ciphertext and tag

The key is derived from the office's exchange passphrase with scrypt and the package's own
random salt, so no two packages share a key and the passphrase itself is in neither the file
nor any database. Every frame is one entry: frame 0 the manifest (package id, office, who,
when), then one frame per record (``{"kind": …, "record": {…}}``), then the end frame with the
counts. Each frame's nonce is the header's prefix and the frame number; its associated data is
the SM3 digest of the header, the frame number and the last-frame flag — so a changed header
(algorithm, salt), a frame reordered, dropped, duplicated or cut off, or bytes after the end are
all refused, as is a wrong passphrase (the first frame does not open).

**Format 1** (before 2026-12: a zip, unencrypted, HMAC-SHA256 keyed with the raw passphrase over
the manifest and over the whole file) is still verified and imported, and reported as such
(``PackageInfo.algorithm``); nothing writes it any more.

**Bounded memory.** Import reads the file entry by entry: one frame at most ``MAX_ENTRY`` bytes
stored and ``MAX_RECORD`` bytes of JSON, refused (with its position) before it is read when its
length says more; a package of any size costs one entry of memory. Format 1 members are limited
as before (``MAX_MEMBER``).

**Import goes through the services the GUI uses** (``receive_document``,
``receive_incident``: validation, versions, the search index, audit), all inside ONE database
transaction (``_Joined`` binds every service call to it; each call is a savepoint): a package
that fails anywhere — a bad frame, a malformed record (``第3条记录：年份无效…``), a record above
the importer's clearance — writes nothing. A package imported before is reported, not written
twice. Existing records are matched only among those the importer may see, so neither a report
nor an error tells whether a record above their clearance exists; export refuses ids that do not
exist and ids above the exporter's clearance with the same message.

**Record kinds** are a registry (``register_kind``): a kind is a name (stable, written in
packages), a Chinese label, the action an importer needs, and four functions — ``dump`` (the
records to export, clearance-filtered), ``check`` (pure: a raw JSON record → a clean value, or
``InputError`` naming the field), ``level`` (the clean value's 密级) and ``load`` (write it
through the module's service; returns new / duplicate / conflict). Adding a kind is one
``register_kind(ExchangeKind(...))`` in the module that owns the records; the package format,
the verification and the import transaction do not change, and an older program refuses a
package with a kind it does not know (naming it) without writing anything.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import re
import struct
import uuid
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import passwords
from app.atomicfile import atomic_writer
from app.domain.security import Action, Clearance
from app.errors import InputError, PermissionDenied, UserError
from app.services import audit, need_to_know
from app.services.context import Actor, ServiceContext, visible
from app.storage.models import ExchangeImport

FORMAT = "govdesk-exchange"
FORMAT_VERSION = 2
LEGACY_VERSION = 1
MAGIC = b"GOVDESK-XCHG\n"
CIPHER = "SM4-GCM"
KDF = "scrypt"
#: scrypt cost (N = 2^15, r = 8: 32 MiB, about 0.15 s); a reader accepts only these bounds, so a
#: doctored header cannot make it spend gigabytes or minutes before the first frame fails.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 15, 8, 1
_SCRYPT_N_ALLOWED = {2 ** 14, 2 ** 15, 2 ** 16}
#: Under the test suite's weak-cost profile (``app.passwords.weak_profile``: never in the frozen
#: bundle, refused by ``--selftest``) packages are written at the lowest cost every reader accepts:
#: the header records N, so the reader's rules are the same; each derivation costs half.
SCRYPT_N_TEST = 2 ** 14


def _scrypt_n() -> int:
    """The N a new package is written with."""
    return SCRYPT_N_TEST if passwords.weak_profile() else SCRYPT_N


ALGORITHM = f"{CIPHER}+{KDF}"
LEGACY_ALGORITHM = "HMAC-SHA256（未加密）"
MAX_HEADER = 16 * 1024
MAX_ENTRY = 16 * 1024 * 1024  # one stored frame
MAX_RECORD = 32 * 1024 * 1024  # one frame's JSON, decompressed
MAX_RECORDS = 2_000_000
_LAST = 0x8000_0000
_TAG = 16
MIN_PASSPHRASE = 12

# format 1 (legacy)
MANIFEST = "manifest.json"
SIGNATURE = "manifest.hmac"
MAX_MEMBER = 64 * 1024 * 1024
MAX_TOTAL = 256 * 1024 * 1024
MAX_MEMBERS = 64

NOTHING = "未导入任何内容。"
TAMPERED = "交换包校验失败：{}。该文件可能被篡改、损坏或未完整拷贝，" + NOTHING
WRONG_KEY = ("交换包无法打开：交换口令与导出时的口令不一致（两台终端须使用同一口令），"
             "或文件被篡改。" + NOTHING)


def _sm3(*parts: bytes) -> bytes:
    h = hashes.Hash(hashes.SM3())
    for p in parts:
        h.update(p)
    return h.finalize()


def _secret(passphrase: str) -> bytes:
    text = (passphrase or "").strip()
    if len(text) < MIN_PASSPHRASE:
        raise InputError(f"交换口令至少需要 {MIN_PASSPHRASE} 个字符（两台终端须使用同一口令）。")
    return text.encode("utf-8", "surrogatepass")


# ---------------------------------------------------------------- record kinds

@dataclass(frozen=True)
class ExchangeKind:
    """How one kind of record leaves a database and enters another (see the module docstring).

    ``dump(session, actor, ids)`` yields JSON-able dicts, refusing an id that does not exist or
    is above ``actor``'s clearance with one message for both; ``check(record)`` is pure and
    returns the clean value or raises ``InputError`` naming the field (no position: the
    importer adds it); ``level(value)`` is its 密级; ``load(ctx, value, origin)`` writes it with
    the module's service and returns ``"new"``, ``"duplicate"`` or ``"conflict"``;
    ``describe(value)`` is a short text for the conflict list."""

    name: str
    label: str
    import_action: Action
    dump: Callable[[Session, Actor, list[int]], Iterable[dict]]
    check: Callable[[Any], Any]
    level: Callable[[Any], int]
    load: Callable[[ServiceContext, Any, str], str]
    describe: Callable[[Any], str] = lambda _value: ""


_KINDS: dict[str, ExchangeKind] = {}


def register_kind(kind: ExchangeKind) -> None:
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", kind.name):
        raise ValueError(f"bad exchange kind name {kind.name!r}")
    _KINDS[kind.name] = kind


def _kinds() -> dict[str, ExchangeKind]:
    """The registered kinds; the built-in ones (公文, 突发事件, holiday tables) are registered on
    first use, not at import (their areas import this one)."""
    if not _BUILTIN:
        _BUILTIN.append(True)
        _register_builtin()
    return _KINDS


_BUILTIN: list[bool] = []


def kinds() -> dict[str, ExchangeKind]:
    return dict(_kinds())


# ---------------------------------------------------------------- checking raw records

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    return value


class Fields:
    """Typed reads of one raw record; every problem is an ``InputError`` naming the field in
    Chinese (``年份无效，应为 …``). For kinds' ``check`` functions."""

    def __init__(self, raw: Any, known: set[str], ignored: frozenset[str] = frozenset()) -> None:
        if not isinstance(raw, dict):
            raise InputError("记录格式错误，应为 JSON 对象")
        unknown = sorted(str(k)[:40] for k in set(raw) - known - ignored)
        if unknown:
            raise InputError(f"含本程序不认识的字段：{'、'.join(unknown[:5])}")
        self.raw = raw

    def _get(self, key: str, label: str, required: bool) -> Any:
        if key not in self.raw or self.raw[key] is None:
            if required:
                raise InputError(f"缺少{label}")
            return None
        return self.raw[key]

    def text(self, key: str, label: str, max_len: int, *, required: bool = False,
             multiline: bool = False) -> str:
        value = self._get(key, label, required)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise InputError(f"{label}无效，应为文字")
        if len(value) > max_len:
            raise InputError(f"{label}过长（{len(value)} 字，最多 {max_len} 字）")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InputError(f"{label}含无效字符") from None
        if _CONTROL.search(value) or (not multiline and ("\n" in value or "\r" in value)):
            raise InputError(f"{label}含控制字符")
        if required and not value.strip():
            raise InputError(f"缺少{label}")
        return value

    def integer(self, key: str, label: str, lo: int, hi: int, *,
                required: bool = True) -> int | None:
        value = self._get(key, label, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise InputError(f"{label}无效，应为 {lo} 至 {hi} 之间的整数")
        return value

    def choice(self, key: str, label: str, choices: Iterable[str], *,
               default: str | None = None) -> str:
        value = self._get(key, label, default is None)
        if value is None:
            return default  # type: ignore[return-value]
        options = tuple(choices)
        if value not in options:
            raise InputError(f"{label}无效，应为 {'、'.join(o or '（空）' for o in options)} 之一")
        return value

    def flag(self, key: str, label: str) -> bool:
        value = self._get(key, label, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise InputError(f"{label}无效，应为是或否")
        return value

    def when(self, key: str, label: str, *, required: bool = False) -> datetime | None:
        value = self._get(key, label, required)
        if value is None:
            return None
        text = value.get("$datetime") if isinstance(value, dict) and len(value) == 1 else value
        if isinstance(text, str) and len(text) <= 40:
            with suppress(ValueError):
                return datetime.fromisoformat(text)
        raise InputError(f"{label}无效，应为日期时间")

    def json(self, key: str, label: str, kind: type, max_bytes: int = 64 * 1024 * 1024) -> Any:
        value = self._get(key, label, False)
        if value is None:
            return kind()
        if not isinstance(value, kind):
            raise InputError(f"{label}格式错误")
        if len(json.dumps(value, ensure_ascii=False)) > max_bytes:
            raise InputError(f"{label}过大")
        return value

    def level(self) -> int:
        value = self._get("classification", "密级", False)
        value = 0 if value is None else value
        if isinstance(value, bool) or value not in {int(c) for c in Clearance}:
            raise InputError("密级无效")
        return int(value)


def _missing(label: str, ids: Iterable[int]) -> InputError:
    return InputError(f"{label}（编号 {'、'.join(map(str, ids))}）不存在或超出您的知悉范围。")


def _hidden(s: Session, model: type[Any], exc: InputError, missing: list[int]) -> InputError:
    """The ids among ``missing`` that exist are records the actor may not see: the refusal (in
    the same words as for a missing one) is audited, one refused ``exchange.export`` entry
    each, naming the record by kind and id."""
    hidden = list(s.execute(select(model.id).where(model.id.in_(missing))).scalars())
    if not hidden:
        return exc
    kind = need_to_know.KIND_OF.get(model, model.__tablename__)
    return audit.refused(exc, "exchange.export", kind, hidden[0],
                                 more=[(kind, h) for h in hidden[1:]])


def _rows(s: Session, model: type[Any], actor: Actor, ids: list[int], label: str) -> Iterator[Any]:
    """The rows of ``ids`` the actor may see, in id order, read 500 at a time; an id missing OR
    above their clearance is refused with one message (its existence is not told)."""
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows: Sequence[Any] = s.execute(visible(select(model), model, actor)
                         .where(model.id.in_(chunk)).order_by(model.id)).scalars().all()
        if missing := sorted(set(chunk) - {r.id for r in rows}):
            raise _hidden(s, model, _missing(label, missing), missing)
        yield from rows


# ---- 公文

_DOC_FIELDS = {"genre", "status", "year", "title", "doc_no", "urgency", "drafter", "drafter_name",
               "series_prefix", "description", "classification"}
#: bookkeeping fields that format-1 packages carry; the receiving desk sets its own
_ROW_IGNORED = frozenset({"content_version", "created_at", "updated_at", "duty_log_id"})


def _doc_kind() -> ExchangeKind:
    from app.services import documents
    from app.storage.models import Document

    def dump(s: Session, actor: Actor, ids: list[int]) -> Iterator[dict]:
        for r in _rows(s, Document, actor, ids, "公文"):
            yield {c: _encode(getattr(r, c)) for c in sorted(_DOC_FIELDS)}

    def check(raw: Any) -> dict:
        f = Fields(raw, _DOC_FIELDS, _ROW_IGNORED)
        v = {
            "genre": f.choice("genre", "文种", documents.GENRES),
            "status": f.choice("status", "状态", documents.STATUSES),
            "year": f.integer("year", "年份", 1900, 2100),
            "title": f.text("title", "标题", 500, required=True),
            "doc_no": f.text("doc_no", "发文字号", 64),
            "urgency": f.choice("urgency", "紧急程度", ("", *documents.URGENCIES), default=""),
            "drafter": f.text("drafter", "拟稿人", 64, required=True),
            "drafter_name": f.text("drafter_name", "拟稿人姓名", 64),
            "series_prefix": f.text("series_prefix", "机关代字", 32),
            "description": f.json("description", "公文描述", dict),
            "classification": f.level(),
        }
        desc = v["description"]
        if not desc:
            raise InputError("缺少公文描述")
        # the service takes title, 发文字号 and urgency from the description (the columns are
        # its copies), so duplicates are matched on those
        v["title"] = str(desc.get("title", ""))[:500]
        v["doc_no"] = str(desc.get("doc_no", ""))
        return v

    def load(ctx: ServiceContext, v: dict, origin: str) -> str:
        assert ctx.actor is not None
        with ctx.session() as s, s.begin():
            same_key = visible(select(Document), Document, ctx.actor).where(
                Document.genre == v["genre"], Document.year == v["year"],
                Document.title == v["title"], Document.doc_no == v["doc_no"])
            existing = s.execute(same_key.order_by(Document.id).limit(1)).scalar_one_or_none()
            if existing is not None:
                same = (existing.description, existing.status, existing.classification) == (
                    v["description"], v["status"], v["classification"])
                return "duplicate" if same else "conflict"
        documents.receive_document(
            ctx, v["description"], genre=v["genre"], status=v["status"], year=v["year"],
            classification=v["classification"], drafter=v["drafter"],
            drafter_name=v["drafter_name"], series_prefix=v["series_prefix"], origin=origin)
        return "new"

    return ExchangeKind("documents", "公文", Action.DRAFT, dump, check,
                        lambda v: v["classification"], load,
                        lambda v: (v["doc_no"] + " " + v["title"]).strip()[:60])


# ---- 突发事件

def _incident_kind() -> ExchangeKind:
    from app.services import incidents
    from app.storage.models import Incident

    texts = {"title": ("事件名称", 200, False), "category": ("事件类别", 32, False),
             "subtype": ("事件子类", 64, False), "place": ("地点", 300, False),
             "county": ("县（市、区）", 100, False), "unit": ("涉事单位", 200, False),
             "source": ("信息来源", 200, False), "cause": ("原因", 20_000, True),
             "summary": ("事件经过", 100_000, True), "impact": ("影响", 20_000, True),
             "property_loss": ("财产损失", 2_000, True), "trend": ("发展趋势", 20_000, True),
             "measures": ("处置措施", 50_000, True), "next_steps": ("下一步工作", 20_000, True),
             "reporter_unit": ("报送单位", 200, False), "reporter_name": ("报送人", 64, False),
             "reporter_phone": ("报送人电话", 64, False), "authority": ("接收单位", 100, False)}
    people = ("姓名", "职务", "电话")
    fields_ = {*texts, "level", "occurred_at", "received_at", "dead", "missing", "injured",
               "leaders_on_site", "commander", "status", "daily_mode", "rule", "change_times",
               "created_by", "classification"}

    def dump(s: Session, actor: Actor, ids: list[int]) -> Iterator[dict]:
        for r in _rows(s, Incident, actor, ids, "突发事件"):
            yield {c: _encode(getattr(r, c)) for c in sorted(fields_)}

    def person(value: Any, label: str) -> incidents.Person:
        if not isinstance(value, dict) or set(value) - set(people) or any(
                not isinstance(x, str) or len(x) > 100 or _CONTROL.search(x)
                for x in value.values()):
            raise InputError(f"{label}格式错误")
        return incidents.Person.from_json(value)

    def check(raw: Any) -> dict:
        f = Fields(raw, fields_, _ROW_IGNORED)
        values: dict[str, Any] = {k: f.text(k, label, n, required=k in ("title", "category"),
                                             multiline=multi)
                                  for k, (label, n, multi) in texts.items()}
        values["level"] = f.integer("level", "事件级别", 1, 4)
        values["occurred_at"] = f.when("occurred_at", "事发时间")
        values["received_at"] = f.when("received_at", "接报时间", required=True)
        for k, label in (("dead", "死亡人数"), ("missing", "失踪人数"), ("injured", "受伤人数")):
            values[k] = f.integer(k, label, 0, 10 ** 7, required=False)
        leaders = f.json("leaders_on_site", "到场领导", list, 64 * 1024)
        if len(leaders) > 50:
            raise InputError("到场领导过多")
        values["leaders_on_site"] = tuple(person(p, "到场领导") for p in leaders)
        values["commander"] = person(f.json("commander", "现场指挥", dict, 4096), "现场指挥")
        data = incidents.IncidentData(**values)
        times = f.json("change_times", "情况变化时间", list, 64 * 1024)
        if not all(isinstance(t, str) and len(t) <= 40 for t in times):
            raise InputError("情况变化时间格式错误")
        return {"data": data, "classification": f.level(),
                "status": f.choice("status", "事件状态", ("open", "closed"), default="open"),
                "daily_mode": f.flag("daily_mode", "日报模式"),
                "rule": f.json("rule", "报告时限规则", dict, 16 * 1024),
                "change_times": list(times),
                "created_by": f.text("created_by", "登记人", 64)}

    def load(ctx: ServiceContext, v: dict, origin: str) -> str:
        assert ctx.actor is not None
        data: incidents.IncidentData = v["data"]
        with ctx.session() as s, s.begin():
            same_key = visible(select(Incident), Incident, ctx.actor).where(
                Incident.title == data.title.strip(), Incident.received_at == data.received_at)
            existing = s.execute(same_key.order_by(Incident.id).limit(1)).scalar_one_or_none()
            if existing is not None:
                try:
                    theirs = check({c: _encode(getattr(existing, c)) for c in fields_})
                except InputError:  # a row this check would refuse: not the same record
                    return "conflict"
                same = [theirs[k] for k in ("data", "status", "classification")] == [
                    v[k] for k in ("data", "status", "classification")]
                return "duplicate" if same else "conflict"
        incidents.receive_incident(
            ctx, data, classification=v["classification"], status=v["status"],
            daily_mode=v["daily_mode"], rule=v["rule"], change_times=v["change_times"],
            created_by=v["created_by"], origin=origin)
        return "new"

    return ExchangeKind("incidents", "突发事件", Action.REPORT_INCIDENT, dump, check,
                        lambda v: v["classification"], load, lambda v: v["data"].title[:60])


def _holiday_kind() -> ExchangeKind:
    """The ``holiday_years`` kind: a superior office sends its desks a year's table
    (``exchange export --select holiday_years:2027``); ``holidays.receive_year`` stores it."""
    from app.domain import holiday_notice as hn
    from app.services import holidays

    fields_ = {"year", "title", "source_text", "rest", "work"}

    def dump(s: Session, _actor: Actor, ids: list[int]) -> Iterator[dict]:
        for year in ids:
            yield holidays.export_year(s, int(year))

    def days(f: Fields, key: str, label: str, year: int) -> dict[date, str]:
        out: dict[date, str] = {}
        for item in f.json(key, label, list, 64 * 1024):
            if (not isinstance(item, list) or len(item) != 2 or not isinstance(item[0], str)
                    or not isinstance(item[1], str) or len(item[1]) > 64):
                raise InputError(f"{label}格式错误")
            try:
                day = date.fromisoformat(item[0])
            except ValueError:
                raise InputError(f"{label}含无效日期“{item[0][:20]}”") from None
            if abs(day.year - year) > 1:
                raise InputError(f"{label}的日期 {day.isoformat()} 不属于{year}年")
            out[day] = item[1]
        if len(out) > 80:
            raise InputError(f"{label}过多")
        return out

    def check(raw: Any) -> dict[str, Any]:
        f = Fields(raw, fields_)
        year = f.integer("year", "年份", 1999, 2200)
        assert year is not None  # required
        rest = days(f, "rest", "放假日", year)
        work = days(f, "work", "调休上班日", year)
        if not rest:
            raise InputError("放假日为空")
        for d in work:
            if d.weekday() < 5:
                raise InputError(f"调休上班日 {d.isoformat()} 不在周末")
        if set(rest) & set(work):
            raise InputError("有日期既是放假日又是上班日")
        return {"table": hn.YearTable(year, rest, work),
                "title": f.text("title", "标题", 200),
                "source_text": f.text("source_text", "通知原文", hn.MAX_NOTICE_CHARS * 4,
                                      multiline=True)}

    def load(ctx: ServiceContext, v: dict, origin: str) -> str:
        return holidays.receive_year(ctx, v["table"], v["title"], v["source_text"], origin)

    return ExchangeKind(
        "holiday_years", "节假日安排", Action.MANAGE_SETTINGS, dump, check, lambda _v: 0, load,
        lambda v: f"{v['table'].year}年")


def _register_builtin() -> None:
    register_kind(_doc_kind())
    register_kind(_incident_kind())
    register_kind(_holiday_kind())


# ---------------------------------------------------------------- format 2: writing

def _derive(secret: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=16, n=n, r=r, p=p).derive(secret)


def _aad(header_digest: bytes, index: int, last: bool) -> bytes:
    return header_digest + struct.pack(">QB", index, 1 if last else 0)


class _Writer:
    """Frames to ``fh`` under a fresh salt and nonce prefix (one key per package)."""

    def __init__(self, fh: BinaryIO, passphrase: str) -> None:
        salt, self.prefix = os.urandom(16), os.urandom(4)
        n = _scrypt_n()
        self.key = _derive(_secret(passphrase), salt, n, SCRYPT_R, SCRYPT_P)
        header = json.dumps({
            "format": FORMAT, "version": FORMAT_VERSION, "cipher": CIPHER,
            "kdf": {"name": KDF, "n": n, "r": SCRYPT_R, "p": SCRYPT_P,
                    "salt": salt.hex()},
            "nonce": self.prefix.hex(), "compression": "zlib",
        }, sort_keys=True).encode()
        head = MAGIC + struct.pack(">I", len(header)) + header
        self.digest = _sm3(head)
        self.fh = fh
        self.index = 0
        fh.write(head)

    def frame(self, obj: Any, *, last: bool = False) -> None:
        plain = zlib.compress(json.dumps(obj, ensure_ascii=False, sort_keys=True).encode(), 6)
        nonce = self.prefix + struct.pack(">Q", self.index)
        enc = Cipher(algorithms.SM4(self.key), modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(_aad(self.digest, self.index, last))
        sealed = enc.update(plain) + enc.finalize() + enc.tag
        if len(sealed) > MAX_ENTRY:
            raise InputError(f"第 {self.index} 条记录过大（超过 {MAX_ENTRY // 1024 // 1024} MB），"
                             "不能放入交换包。")
        self.fh.write(struct.pack(">I", len(sealed) | (_LAST if last else 0)) + sealed)
        self.index += 1


@dataclass(frozen=True)
class ExportResult:
    path: Path
    package_id: str
    counts: dict[str, int]
    algorithm: str = ALGORITHM


def export_package(ctx: ServiceContext, selection: dict[str, list[int]], path: Path,
                   key: str, office: str = "") -> ExportResult:
    """Write the selected records to ``path`` (format 2, encrypted under ``key``, the exchange
    passphrase; temp file + rename, owner-only); audited. When the office has set a passphrase
    (``accounts.set_exchange_passphrase``), ``key`` must be it."""
    from app.services import accounts

    actor = ctx.require(Action.EXPORT)
    _secret(key)
    unknown = [k for k in selection if k not in _kinds()]
    if unknown:
        raise InputError(f"未知的记录类型：{'、'.join(unknown)}；可选：{'、'.join(_kinds())}。")
    if not any(selection.values()):
        raise InputError("没有选择要导出的记录。")
    with ctx.session() as s, s.begin():
        if accounts.exchange_passphrase_matches(s, key) is False:
            raise InputError("交换口令与本单位设置的交换口令不符，未导出。")
    package_id = uuid.uuid4().hex
    counts: Counter[str] = Counter()
    path = Path(path)
    with atomic_writer(path, private=True) as fh, ctx.session() as s, s.begin():
        w = _Writer(fh, key)
        w.frame({"package_id": package_id, "office": office,
                 "exported_by": actor.username,
                 "created_at": ctx.now().astimezone(UTC).isoformat()})
        for name, ids in selection.items():
            for record in _kinds()[name].dump(s, actor, sorted(set(ids))):
                w.frame({"kind": name, "record": record})
                counts[name] += 1
        w.frame({"end": True, "counts": dict(counts), "records": sum(counts.values())},
                last=True)
    with ctx.session() as s, s.begin():
        audit.append(s, actor, "exchange.export", "exchange", package_id,
                     {"counts": dict(counts), "file": path.name, "algorithm": ALGORITHM},
                     at=ctx.now())
    return ExportResult(path, package_id, dict(counts))


# ---------------------------------------------------------------- reading (both formats)

@dataclass(frozen=True)
class PackageInfo:
    package_id: str
    digest: str  # of the manifest: SM3 (format 2) or SHA-256 (format 1), hex
    office: str
    exported_by: str
    created_at: str
    format_version: int
    algorithm: str

    @property
    def encrypted(self) -> bool:
        return self.format_version >= 2

    def describe(self) -> str:
        if self.encrypted:
            return f"格式 {self.format_version}（{CIPHER} 加密，{KDF} 口令派生密钥）"
        return f"旧格式 {self.format_version}（未加密，{LEGACY_ALGORITHM.split('（')[0]} 签名）"


class _Source:
    """``bytes`` or a path, as one readable binary file."""

    def __init__(self, data: bytes | Path | str) -> None:
        if isinstance(data, bytes | bytearray):
            self.fh: BinaryIO = io.BytesIO(bytes(data))
        else:
            try:
                self.fh = open(data, "rb")  # noqa: SIM115 - closed by close()
            except OSError as exc:
                raise InputError(f"无法读取交换包文件：{exc.strerror or exc}。{NOTHING}") from None

    def close(self) -> None:
        self.fh.close()


def _read_exact(fh: IO[bytes], n: int, what: str) -> bytes:
    data = fh.read(n)
    if len(data) != n:
        raise InputError(TAMPERED.format(f"{what}不完整"))
    return data


def _loads(data: bytes, what: str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        raise InputError(TAMPERED.format(f"{what}无法解析")) from None


def _v2_entries(fh: IO[bytes], passphrase: str) -> tuple[dict, bytes, Iterator[tuple[int, Any]]]:
    """Format 2: (manifest, its SM3 digest, the frames after it as (number, object))."""
    secret = _secret(passphrase)
    (size,) = struct.unpack(">I", _read_exact(fh, 4, "文件头"))
    if size > MAX_HEADER:
        raise InputError(TAMPERED.format("文件头过大"))
    header_bytes = _read_exact(fh, size, "文件头")
    digest = _sm3(MAGIC, struct.pack(">I", size), header_bytes)
    header = _loads(header_bytes, "文件头")
    bad = InputError(TAMPERED.format("文件头格式错误"))
    if not isinstance(header, dict) or header.get("format") != FORMAT or \
            header.get("version") != FORMAT_VERSION:
        raise bad
    cipher, kdf = header.get("cipher"), header.get("kdf")
    if cipher != CIPHER:
        raise InputError(f"交换包使用本程序不支持的加密算法“{str(cipher)[:20]}”。{NOTHING}")
    if not isinstance(kdf, dict) or kdf.get("name") != KDF or \
            kdf.get("n") not in _SCRYPT_N_ALLOWED or kdf.get("r") != SCRYPT_R or \
            kdf.get("p") not in (1, 2) or header.get("compression") != "zlib":
        raise bad
    try:
        salt, prefix = bytes.fromhex(kdf["salt"]), bytes.fromhex(header["nonce"])
    except (KeyError, TypeError, ValueError):
        raise bad from None
    if not 16 <= len(salt) <= 64 or len(prefix) != 4:
        raise bad
    key = _derive(secret, salt, kdf["n"], kdf["r"], kdf["p"])

    def frame(index: int) -> tuple[Any, bool] | None:
        head = fh.read(4)
        if not head:
            return None
        if len(head) != 4:
            raise InputError(TAMPERED.format("文件末尾不完整"))
        (word,) = struct.unpack(">I", head)
        last, size = bool(word & _LAST), word & ~_LAST
        if size > MAX_ENTRY:
            raise InputError(
                f"交换包第 {index} 项过大（{size // 1024 // 1024} MB，上限 "
                f"{MAX_ENTRY // 1024 // 1024} MB），拒绝读取。{NOTHING}")
        if size < _TAG:
            raise InputError(TAMPERED.format(f"第 {index} 项长度异常"))
        sealed = _read_exact(fh, size, f"第 {index} 项")
        nonce = prefix + struct.pack(">Q", index)
        dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, sealed[-_TAG:])).decryptor()
        dec.authenticate_additional_data(_aad(digest, index, last))
        try:
            plain = dec.update(sealed[:-_TAG]) + dec.finalize()
        except InvalidTag:
            if index == 0:
                raise InputError(WRONG_KEY) from None
            raise InputError(TAMPERED.format(f"第 {index} 项校验不符")) from None
        z = zlib.decompressobj()
        try:
            data = z.decompress(plain, MAX_RECORD + 1)
        except zlib.error:
            raise InputError(TAMPERED.format(f"第 {index} 项无法解压")) from None
        if len(data) > MAX_RECORD or z.unconsumed_tail or not z.eof:
            raise InputError(f"交换包第 {index} 项解压后过大或不完整，拒绝读取。{NOTHING}")
        return _loads(data, f"第 {index} 项"), last

    first = frame(0)
    if first is None or first[1] or not isinstance(first[0], dict):
        raise InputError(TAMPERED.format("缺少清单"))
    manifest = first[0]

    def rest() -> Iterator[tuple[int, Any]]:
        index = 1
        while True:
            got = frame(index)
            if got is None:
                raise InputError(TAMPERED.format("文件不完整（缺少结尾）"))
            obj, last = got
            if last and fh.read(1):
                raise InputError(TAMPERED.format("结尾之后还有多余的数据"))
            yield index, (obj, last)
            if last:
                return
            index += 1

    return manifest, _sm3(json.dumps(manifest, sort_keys=True).encode()), rest()


def _v2_records(frames: Iterator[tuple[int, Any]]) -> Iterator[tuple[str, Any]]:
    counts: Counter[str] = Counter()
    for index, (obj, last) in frames:
        if last:
            if not isinstance(obj, dict) or obj.get("end") is not True or \
                    obj.get("counts") != dict(counts):
                raise InputError(TAMPERED.format("结尾的记录数与内容不符"))
            return
        if not isinstance(obj, dict) or set(obj) != {"kind", "record"} or \
                not isinstance(obj["kind"], str):
            raise InputError(TAMPERED.format(f"第 {index} 项格式错误"))
        if index > MAX_RECORDS:
            raise InputError(f"交换包记录过多（上限 {MAX_RECORDS} 条）。{NOTHING}")
        counts[obj["kind"]] += 1
        yield obj["kind"], obj["record"]


def _v1_entries(fh: BinaryIO, passphrase: str) -> tuple[dict, bytes, Iterator[tuple[str, Any]]]:
    """Format 1 (zip, HMAC-SHA256 under the raw passphrase): verified without reading the file
    into memory (the seal is computed over a stream; members are read one at a time)."""
    key = _secret(passphrase)
    fh.seek(0, os.SEEK_END)
    total = fh.tell()
    if total < 64 + 22:
        raise InputError(TAMPERED.format("文件不是完整的交换包"))
    try:
        z = zipfile.ZipFile(fh)
        infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, NotImplementedError):
        raise InputError(TAMPERED.format("文件不是完整的交换包")) from None
    names = [i.filename for i in infos]
    if len(infos) > MAX_MEMBERS or len(set(names)) != len(names):
        raise InputError(TAMPERED.format("包内文件数量或名称异常"))
    if sum(i.file_size for i in infos) > MAX_TOTAL or any(
            i.file_size > MAX_MEMBER for i in infos):
        raise InputError(TAMPERED.format("包内文件过大"))

    def member(name: str) -> bytes:
        try:
            with z.open(name) as m:
                data = m.read(MAX_MEMBER + 1)
        except KeyError:
            raise InputError(TAMPERED.format(f"缺少“{name[:40]}”")) from None
        except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, ValueError, EOFError,
                OSError, NotImplementedError, RuntimeError):
            raise InputError(TAMPERED.format(f"“{name[:40]}”已损坏")) from None
        if len(data) > MAX_MEMBER:
            raise InputError(TAMPERED.format("包内文件过大"))
        return data

    manifest_bytes = member(MANIFEST)
    signature = member(SIGNATURE).decode("ascii", "replace").strip()
    expected = hmac.new(key, manifest_bytes, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(signature, expected):
        raise InputError("交换包签名不符：两台终端的交换口令不一致，或清单被篡改。" + NOTHING)
    seal = hmac.new(key, digestmod=hashlib.sha256)
    fh.seek(0)
    left = total - 64
    while left > 0:
        chunk = fh.read(min(left, 1 << 20))
        if not chunk:
            break
        seal.update(chunk)
        left -= len(chunk)
    tail = fh.read(64)
    if left or z.comment != tail or not hmac.compare_digest(tail, seal.hexdigest().encode()):
        raise InputError(TAMPERED.format("文件内容与封签不符"))
    manifest = _loads(manifest_bytes, "清单")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(TAMPERED.format("不是公文值守台交换包"))
    if manifest.get("version") != LEGACY_VERSION:
        raise InputError(f"交换包格式版本 {str(manifest.get('version'))[:10]} 不受本程序支持。"
                         + NOTHING)
    listed = manifest.get("members")
    if not isinstance(listed, dict) or not all(
            isinstance(n, str) and isinstance(m, dict) for n, m in listed.items()):
        raise InputError(TAMPERED.format("清单缺少文件列表"))
    extra = set(names) - set(listed) - {MANIFEST, SIGNATURE}
    if extra:
        raise InputError(TAMPERED.format(f"包内有清单未列出的文件“{min(extra)[:40]}”"))

    def records() -> Iterator[tuple[str, Any]]:
        with z:
            for name, meta in listed.items():
                body = member(name)
                if len(body) != meta.get("size") or \
                        hashlib.sha256(body).hexdigest() != meta.get("sha256"):
                    raise InputError(TAMPERED.format(f"“{name[:40]}”的内容与清单中的哈希不符"))
                if not name.startswith("records/") or not name.endswith(".json"):
                    raise InputError(TAMPERED.format(f"包内文件“{name[:40]}”不是记录"))
                items = _loads(body, f"“{name[:40]}”")
                del body
                if not isinstance(items, list):
                    raise InputError(TAMPERED.format(f"“{name[:40]}”格式错误"))
                kind = name.removeprefix("records/").removesuffix(".json")
                items.reverse()
                while items:
                    yield kind, items.pop()

    return manifest, hashlib.sha256(manifest_bytes).digest(), records()


@contextmanager
def _opened(data: bytes | Path | str, passphrase: str
            ) -> Iterator[tuple[PackageInfo, Iterator[tuple[str, Any]]]]:
    """The package's info and its records as (kind name, raw record), streamed; every problem
    is an ``InputError`` that ends with “未导入任何内容”."""
    source = _Source(data)
    try:
        start = source.fh.read(len(MAGIC))
        if start == MAGIC:
            manifest, digest, frames = _v2_entries(source.fh, passphrase)
            version, algorithm, records = FORMAT_VERSION, ALGORITHM, _v2_records(frames)
        elif start[:4] == b"PK\x03\x04":
            manifest, digest, records = _v1_entries(source.fh, passphrase)
            version, algorithm = LEGACY_VERSION, LEGACY_ALGORITHM
        else:
            raise InputError(TAMPERED.format("文件不是公文值守台交换包"))
        package_id = manifest.get("package_id")
        if not isinstance(package_id, str) or not re.fullmatch(r"[0-9a-f]{8,64}", package_id):
            raise InputError(TAMPERED.format("清单缺少交换包编号"))
        info = PackageInfo(package_id, digest.hex(), str(manifest.get("office", ""))[:200],
                           str(manifest.get("exported_by", ""))[:64],
                           str(manifest.get("created_at", ""))[:40], version, algorithm)
        yield info, records
    finally:
        source.close()


def _checked(records: Iterator[tuple[str, Any]]) -> Iterator[tuple[int, ExchangeKind, Any]]:
    """(position, kind, clean value); a malformed record is refused with its position."""
    for position, (name, raw) in enumerate(records, 1):
        kind = _kinds().get(name)
        if kind is None:
            raise InputError(f"交换包第{position}条记录的类型“{name[:40]}”本程序不认识"
                             f"（可能来自更新版本的程序）。{NOTHING}")
        try:
            value = kind.check(raw)
        except InputError as exc:
            raise InputError(f"交换包第{position}条记录：{exc.message.rstrip('。')}"
                             f"（{kind.label}）。{NOTHING}") from None
        yield position, kind, value


@dataclass(frozen=True)
class PackageSummary:
    info: PackageInfo
    counts: dict[str, int]


def read_package(data: bytes | Path | str, key: str) -> PackageSummary:
    """Verify a package completely (authenticity, every frame, every record's shape) without
    touching a database; memory stays one entry whatever its size."""
    counts: Counter[str] = Counter()
    with _opened(data, key) as (info, records):
        for _position, kind, _value in _checked(records):
            counts[kind.name] += 1
    return PackageSummary(info, dict(counts))


# ---------------------------------------------------------------- import

@dataclass
class ImportReport:
    package_id: str
    already_imported: bool = False
    new: dict[str, int] = field(default_factory=dict)
    duplicates: dict[str, int] = field(default_factory=dict)
    conflicts: dict[str, list[str]] = field(default_factory=dict)
    info: PackageInfo | None = None

    def message(self) -> str:
        if self.already_imported:
            return f"该交换包（{self.package_id[:8]}）此前已导入，本次未写入任何内容。"
        parts = []
        for name in sorted(set(self.new) | set(self.duplicates) | set(self.conflicts)):
            label = _kinds()[name].label if name in _kinds() else name
            conflicts = len(self.conflicts.get(name, []))
            parts.append(f"{label}：新增 {self.new.get(name, 0)} 条，重复 "
                         f"{self.duplicates.get(name, 0)} 条，冲突 {conflicts} 条")
        text = "导入完成。" + "；".join(parts) + "。"
        if any(self.conflicts.values()):
            text += "冲突的记录与本机已有记录内容不同，未覆盖，请人工核对。"
        if self.info is not None and not self.info.encrypted:
            text += f"注意：这是{self.info.describe()}交换包，请改用新格式重新导出。"
        return text


@dataclass(frozen=True)
class _Joined(ServiceContext):
    """A context whose every session joins one open connection's transaction (as a
    savepoint): services run as usual, and the whole import commits or rolls back at once."""

    bind: Connection | None = None

    def session(self) -> Session:
        s = Session(bind=self.bind, join_transaction_mode="create_savepoint")
        # ``audit.append`` anchors the chain once a session commits, reading the event back
        # through another connection; releasing a savepoint is no commit (that read would wait
        # for this very transaction's lock). The outer session anchors the last event when the
        # whole import commits.
        audit.no_anchor(s)
        return s

    def with_actor(self, actor: Actor | None) -> ServiceContext:
        return _Joined(self.engine, actor, self.clock, self.bind)


def import_package(ctx: ServiceContext, data: bytes | Path | str, key: str) -> ImportReport:
    """Read ``data`` entry by entry and import every record through its module's service, in
    one transaction (see the module docstring); audited."""
    actor = ctx.require(Action.VIEW)
    try:
        return _import_package(ctx, actor, data, key)
    except PermissionDenied as exc:  # the import rolled back whole, with what it had recorded:
        audit.record_refused(ctx, "exchange.import", "exchange", "", {"reason": exc.message})
        if exc.refusal is not None:
            exc.refusal.recorded = True
        raise


def _import_package(ctx: ServiceContext, actor: Actor, data: bytes | Path | str,
                    key: str) -> ImportReport:
    with _opened(data, key) as (info, records), Session(ctx.engine) as outer:
        report = ImportReport(info.package_id, info=info)
        try:
            with outer.begin():
                if outer.execute(select(ExchangeImport.id).where(
                        ExchangeImport.package_id == info.package_id)).first():
                    report.already_imported = True
                    return report
                mark = ExchangeImport(package_id=info.package_id, manifest_sha256=info.digest,
                                      imported_at=ctx.now(), actor=actor.username, summary={})
                outer.add(mark)
                outer.flush()  # a second desk importing it right now collides here
                _import_records(ctx, actor, outer, records, info, report)
                mark.summary = summary = {
                    "new": report.new, "duplicates": report.duplicates,
                    "conflicts": {k: len(v) for k, v in report.conflicts.items()},
                    "office": info.office, "exported_by": info.exported_by,
                    "format": info.format_version, "algorithm": info.algorithm}
                audit.append(outer, actor, "exchange.import", "exchange", info.package_id,
                             summary, at=ctx.now())
        except IntegrityError:
            return ImportReport(info.package_id, already_imported=True, info=info)
    return report


def _import_records(ctx: ServiceContext, actor: Actor, outer: Session,
                    records: Iterator[tuple[str, Any]], info: PackageInfo,
                    report: ImportReport) -> None:
    joined = _Joined(ctx.engine, actor, ctx.clock, outer.connection())
    origin = "、".join(p for p in (info.office, info.exported_by) if p) or "未注明"
    allowed: set[str] = set()
    for position, kind, value in _checked(records):
        if kind.name not in allowed:
            joined.require(kind.import_action)
            allowed.add(kind.name)
        level = kind.level(value)
        if level > int(actor.clearance):
            raise PermissionDenied(
                f"交换包第{position}条记录（{kind.label}）的密级为“{Clearance(level).label}”，"
                f"超出您的知悉范围。{NOTHING}")
        try:
            outcome = kind.load(joined, value, origin)
        except InputError as exc:
            raise InputError(f"交换包第{position}条记录：{exc.message.rstrip('。')}"
                             f"（{kind.label}）。{NOTHING}") from None
        except UserError as exc:
            exc.message = f"交换包第{position}条记录（{kind.label}）：{exc.message}{NOTHING}"
            raise
        if outcome == "new":
            report.new[kind.name] = report.new.get(kind.name, 0) + 1
        elif outcome == "duplicate":
            report.duplicates[kind.name] = report.duplicates.get(kind.name, 0) + 1
        else:
            report.conflicts.setdefault(kind.name, []).append(kind.describe(value))
