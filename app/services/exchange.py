"""Air-gap exchange: records to ONE package file for removable media, and back.

**Package** (a zip file): ``records/<kind>.json`` (a list of records per kind) and
``manifest.json`` (format, package id, origin office, time, counts, and the SHA-256 of every
member), plus ``manifest.hmac``: HMAC-SHA256 over the exact bytes of ``manifest.json`` under a
key the two desks share (security setting, or given on the command line). The manifest names
every member, so a changed, added, removed or truncated member — or a manifest changed without
the key — is caught. The zip comment (the file's last 64 bytes) is a seal: HMAC-SHA256 over
every byte before it, so even a flipped byte in a header or a timestamp is refused.

**Import verifies everything before writing anything**: the zip structure, the HMAC, every
member's hash and size, the JSON, every kind known, every field known, the importer's clearance
for every record. Only then one transaction writes: new records are added, identical ones are
reported as duplicates, ones whose key exists with different content are reported as conflicts
and left alone (never overwritten). A package already imported is reported, not written twice.

**Registry**: modules make their records exchangeable with ``register_kind(table_kind(...))`` or
their own ``ExchangeKind`` (``dump``/``load``). Documents and incidents are registered here as
single-table kinds (their rows reference no other table).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import uuid
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.security import Action, Clearance, require_clearance
from app.errors import InputError, PermissionDenied
from app.services import audit
from app.services.context import Actor, ServiceContext
from app.storage.models import ExchangeImport

FORMAT = "govdesk-exchange"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.hmac"
MAX_MEMBER = 64 * 1024 * 1024
MAX_TOTAL = 256 * 1024 * 1024
MAX_MEMBERS = 64
_SKIP = {"id", "version"}
_TIMESTAMPS = {"created_at", "updated_at"}

TAMPERED = "交换包校验失败：{}。该文件可能被篡改、损坏或未完整拷贝，未导入任何内容。"


@dataclass
class ExchangeKind:
    """How one kind of record leaves and enters a database.

    ``dump(session, ids, actor)`` returns plain JSON-able dicts (refusing records above the
    actor's clearance); ``check(record)`` raises ``InputError`` for a malformed record;
    ``load(session, record)`` writes one record and returns ``"new"``, ``"duplicate"`` or
    ``"conflict"``."""

    name: str
    label: str
    dump: Callable[[Session, list[int], Actor], list[dict]]
    check: Callable[[dict], None]
    load: Callable[[Session, dict], str]
    write_action: Action = Action.REGISTER_INCOMING


_KINDS: dict[str, ExchangeKind] = {}


def register_kind(kind: ExchangeKind) -> None:
    _KINDS[kind.name] = kind


def kinds() -> dict[str, ExchangeKind]:
    return dict(_KINDS)


# ---------------------------------------------------------------- single-table kinds

def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        (tag, text), = value.items()
        if tag in ("$datetime", "$date") and not isinstance(text, str):
            raise InputError("交换包中的日期字段格式错误。")
        try:
            if tag == "$datetime":
                return datetime.fromisoformat(text)
            if tag == "$date":
                return date.fromisoformat(text)
        except ValueError:
            raise InputError(f"交换包中的日期“{text[:40]}”格式错误。") from None
    return value


def table_kind(name: str, label: str, model: type, key: tuple[str, ...],
               write_action: Action = Action.REGISTER_INCOMING) -> ExchangeKind:
    """A kind made of one table's rows (no foreign keys), matched across desks by ``key``."""
    table = model.__table__  # type: ignore[attr-defined]
    columns = [c.name for c in table.columns if c.name not in _SKIP]
    required = {c.name for c in table.columns
                if c.name not in _SKIP and not c.nullable and c.default is None
                and c.server_default is None}
    classified = "classification" in columns

    def dump(s: Session, ids: list[int], actor: Actor) -> list[dict]:
        rows = s.execute(select(model).where(table.c.id.in_(ids))).scalars().all()
        found = {r.id for r in rows}
        if missing := [i for i in ids if i not in found]:
            raise InputError(f"{label}（编号 {'、'.join(map(str, missing))}）不存在。")
        out = []
        for r in sorted(rows, key=lambda r: r.id):
            if classified:
                require_clearance(actor.clearance, r.classification)
            out.append({c: _encode(getattr(r, c)) for c in columns})
        return out

    def check(record: dict) -> None:
        if not isinstance(record, dict):
            raise InputError(f"交换包中的{label}记录格式错误。")
        unknown = set(record) - set(columns)
        if unknown:
            raise InputError(f"交换包中的{label}记录含未知字段：{'、'.join(sorted(unknown))}。")
        if missing := required - set(record):
            raise InputError(f"交换包中的{label}记录缺少字段：{'、'.join(sorted(missing))}。")
        for k in key:
            if record.get(k) is None:
                raise InputError(f"交换包中的{label}记录缺少关键字段“{k}”。")
        if classified:
            level = record.get("classification")
            if not isinstance(level, int) or level not in {int(c) for c in Clearance}:
                raise InputError(f"交换包中的{label}记录密级无效。")
        for v in record.values():
            _decode(v)

    def load(s: Session, record: dict) -> str:
        values = {c: _decode(v) for c, v in record.items()}
        stmt = select(model)
        for k in key:
            stmt = stmt.where(table.c[k] == values[k])
        existing = s.execute(stmt.limit(1)).scalar_one_or_none()
        if existing is not None:
            same = all(_encode(getattr(existing, c)) == _encode(values.get(c))
                       for c in columns if c not in _TIMESTAMPS and c in values)
            return "duplicate" if same else "conflict"
        s.add(model(**values))
        s.flush()
        return "new"

    return ExchangeKind(name, label, dump, check, load, write_action)


def _register_builtin() -> None:
    from app.storage.models import documents, incidents

    register_kind(table_kind("documents", "公文", documents.Document,
                             ("genre", "year", "title", "doc_no"), Action.DRAFT))
    register_kind(table_kind("incidents", "突发事件", incidents.Incident,
                             ("title", "received_at"), Action.REPORT_INCIDENT))


try:  # the module tables exist from revisions 0003/0007 on
    _register_builtin()
except ImportError:  # pragma: no cover - a build without those modules
    pass


# ---------------------------------------------------------------- package writing

def _key(key: str) -> bytes:
    key = key.strip()
    if len(key) < 12:
        raise InputError("交换密钥至少需要 12 个字符（两台终端须使用同一密钥）。")
    return key.encode()


def _sign(manifest: bytes, key: str) -> str:
    return hmac.new(_key(key), manifest, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ExportResult:
    path: Path
    package_id: str
    counts: dict[str, int]


def export_package(ctx: ServiceContext, selection: dict[str, list[int]], path: Path,
                   key: str, office: str = "") -> ExportResult:
    """Write the selected records to ``path`` (temp file + rename); audited."""
    actor = ctx.require(Action.EXPORT)
    _key(key)
    unknown = [k for k in selection if k not in _KINDS]
    if unknown:
        raise InputError(f"未知的记录类型：{'、'.join(unknown)}；可选：{'、'.join(_KINDS)}。")
    if not any(selection.values()):
        raise InputError("没有选择要导出的记录。")
    members: dict[str, bytes] = {}
    counts: dict[str, int] = {}
    with ctx.session() as s, s.begin():
        for name, ids in selection.items():
            if not ids:
                continue
            records = _KINDS[name].dump(s, sorted(set(ids)), actor)
            members[f"records/{name}.json"] = json.dumps(
                records, ensure_ascii=False, sort_keys=True).encode()
            counts[name] = len(records)
    package_id = uuid.uuid4().hex
    manifest = json.dumps({
        "format": FORMAT, "version": FORMAT_VERSION, "package_id": package_id,
        "created_at": ctx.now().astimezone(UTC).isoformat(), "office": office,
        "exported_by": actor.username, "counts": counts,
        "members": {n: {"sha256": hashlib.sha256(b).hexdigest(), "size": len(b)}
                    for n, b in members.items()},
    }, ensure_ascii=False, sort_keys=True, indent=1).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    try:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(MANIFEST, manifest)
            z.writestr(SIGNATURE, _sign(manifest, key))
            for n, b in members.items():
                z.writestr(n, b)
            z.comment = b"0" * 64  # replaced by the seal below
        raw = buf.getvalue()
        sealed = raw[:-64] + _sign(raw[:-64], key).encode()
        with open(tmp, "wb") as fh:
            fh.write(sealed)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    with ctx.session() as s, s.begin():
        audit.append(s, actor, "exchange.export", "exchange", package_id,
                     {"counts": counts, "file": path.name}, at=ctx.now())
    return ExportResult(path, package_id, counts)


# ---------------------------------------------------------------- package reading

@dataclass(frozen=True)
class Package:
    package_id: str
    manifest_sha256: str
    office: str
    exported_by: str
    records: dict[str, list[dict]]


def read_package(data: bytes | Path, key: str) -> Package:
    """Verify and parse a package; any problem is an ``InputError`` in Chinese. Pure: touches
    no database and writes nothing."""
    raw = data.read_bytes() if isinstance(data, Path) else data
    key_bytes = _key(key)
    try:
        z = zipfile.ZipFile(io.BytesIO(raw))
        infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError, OSError):
        raise InputError(TAMPERED.format("文件不是完整的交换包")) from None
    with z:
        names = [i.filename for i in infos]
        if len(infos) > MAX_MEMBERS or len(set(names)) != len(names):
            raise InputError(TAMPERED.format("包内文件数量或名称异常"))
        if sum(i.file_size for i in infos) > MAX_TOTAL or any(
                i.file_size > MAX_MEMBER for i in infos):
            raise InputError(TAMPERED.format("包内文件过大"))

        def member(name: str) -> bytes:
            try:
                return z.read(name)
            except KeyError:
                raise InputError(TAMPERED.format(f"缺少“{name}”")) from None
            except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, ValueError, EOFError,
                    OSError, NotImplementedError, RuntimeError):
                raise InputError(TAMPERED.format(f"“{name}”已损坏")) from None

        manifest_bytes = member(MANIFEST)
        signature = member(SIGNATURE).decode("ascii", "replace").strip()
        expected = hmac.new(key_bytes, manifest_bytes, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature, expected):
            raise InputError("交换包签名不符：两台终端的交换密钥不一致，或清单被篡改。未导入任何内容。")
        # the seal in the zip comment covers every byte before it (headers, names, times too)
        seal = hmac.new(key_bytes, raw[:-64], hashlib.sha256).hexdigest().encode()
        if len(raw) < 64 or z.comment != raw[-64:] or not hmac.compare_digest(raw[-64:], seal):
            raise InputError(TAMPERED.format("文件内容与封签不符"))
        try:
            manifest = json.loads(manifest_bytes)
        except ValueError:
            raise InputError(TAMPERED.format("清单无法解析")) from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise InputError(TAMPERED.format("不是公文值守台交换包"))
        if manifest.get("version") != FORMAT_VERSION:
            raise InputError(f"交换包格式版本 {manifest.get('version')} 不受本程序支持。")
        listed = manifest.get("members")
        if not isinstance(listed, dict):
            raise InputError(TAMPERED.format("清单缺少文件列表"))
        extra = set(names) - set(listed) - {MANIFEST, SIGNATURE}
        if extra:
            raise InputError(TAMPERED.format(f"包内有清单未列出的文件“{min(extra)}”"))
        records: dict[str, list[dict]] = {}
        for name, meta in listed.items():
            if not isinstance(meta, dict) or not isinstance(name, str):
                raise InputError(TAMPERED.format("清单格式错误"))
            body = member(name)
            if len(body) != meta.get("size") or \
                    hashlib.sha256(body).hexdigest() != meta.get("sha256"):
                raise InputError(TAMPERED.format(f"“{name}”的内容与清单中的哈希不符"))
            kind = name.removeprefix("records/").removesuffix(".json")
            if not name.startswith("records/") or kind not in _KINDS:
                raise InputError(f"交换包含本程序不认识的记录类型“{kind}”，未导入任何内容。")
            try:
                items = json.loads(body)
            except ValueError:
                raise InputError(TAMPERED.format(f"“{name}”无法解析")) from None
            if not isinstance(items, list):
                raise InputError(TAMPERED.format(f"“{name}”格式错误"))
            for item in items:
                _KINDS[kind].check(item)
            records[kind] = items
    package_id = manifest.get("package_id")
    if not isinstance(package_id, str) or not 1 <= len(package_id) <= 64:
        raise InputError(TAMPERED.format("清单缺少交换包编号"))
    return Package(package_id, hashlib.sha256(manifest_bytes).hexdigest(),
                   str(manifest.get("office", "")), str(manifest.get("exported_by", "")), records)


@dataclass
class ImportReport:
    package_id: str
    already_imported: bool = False
    new: dict[str, int] = field(default_factory=dict)
    duplicates: dict[str, int] = field(default_factory=dict)
    conflicts: dict[str, list[str]] = field(default_factory=dict)

    def message(self) -> str:
        if self.already_imported:
            return f"该交换包（{self.package_id[:8]}）此前已导入，本次未写入任何内容。"
        parts = []
        for name in sorted(set(self.new) | set(self.duplicates) | set(self.conflicts)):
            label = _KINDS[name].label if name in _KINDS else name
            parts.append(f"{label}：新增 {self.new.get(name, 0)} 条，重复 "
                         f"{self.duplicates.get(name, 0)} 条，冲突 {len(self.conflicts.get(name, []))} 条")
        text = "导入完成。" + "；".join(parts) + "。"
        if any(self.conflicts.values()):
            text += "冲突的记录与本机已有记录内容不同，未覆盖，请人工核对。"
        return text


def import_package(ctx: ServiceContext, data: bytes | Path, key: str) -> ImportReport:
    """Verify ``data`` completely, then write it in one transaction (audited)."""
    actor = ctx.require(Action.VIEW)
    package = read_package(data, key)
    for name, items in package.records.items():
        ctx.require(_KINDS[name].write_action)
        for item in items:
            level = item.get("classification", 0)
            if int(level) > int(actor.clearance):
                raise PermissionDenied(
                    f"交换包中有密级为“{Clearance(level).label}”的{_KINDS[name].label}，超出您的知悉"
                    "范围，未导入任何内容。")
    report = ImportReport(package.package_id)
    with ctx.session() as s, s.begin():
        if s.execute(select(ExchangeImport.id).where(
                ExchangeImport.package_id == package.package_id)).first():
            report.already_imported = True
            return report
        for name, items in package.records.items():
            kind = _KINDS[name]
            for item in items:
                outcome = kind.load(s, item)
                if outcome == "new":
                    report.new[name] = report.new.get(name, 0) + 1
                elif outcome == "duplicate":
                    report.duplicates[name] = report.duplicates.get(name, 0) + 1
                else:
                    report.conflicts.setdefault(name, []).append(
                        str(item.get("title") or item.get("doc_no") or "")[:60])
        summary = {"new": report.new, "duplicates": report.duplicates,
                   "conflicts": {k: len(v) for k, v in report.conflicts.items()},
                   "office": package.office, "exported_by": package.exported_by}
        s.add(ExchangeImport(package_id=package.package_id,
                             manifest_sha256=package.manifest_sha256, imported_at=ctx.now(),
                             actor=actor.username, summary=summary))
        audit.append(s, actor, "exchange.import", "exchange", package.package_id, summary,
                     at=ctx.now())
    return report
