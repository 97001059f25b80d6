"""Backups of the SQLite database: automatic rotating copies, manual copies, verified restore.

* **Copies** use SQLite's online backup API, so they are consistent even while another desk
  writes (a plain file copy can miss what is still in the WAL). A copy is written to
  ``NAME.part`` and renamed, and switched to ``journal_mode=DELETE`` so the single file is the
  whole backup (no ``-wal`` beside it).
* **Automatic** copies (``govdesk-auto-…``) are made at start and once a day; only the newest
  ``keep`` (security setting, default 14) are kept. Manual copies and the safety copies taken
  before a restore or a migration are never rotated away.
* **Manifest.** Every copy this module makes carries a manifest in its ``govdesk_meta`` table
  (key ``backup_manifest``): schema version, every table with its row count, the audit chain's
  length and last hash, signed with HMAC-SM3 under the office's audit key (``audit_key``). A
  table dropped, rows deleted or added, a different schema — anything changed after the copy —
  no longer matches it, and without the key a matching manifest cannot be forged.
* **Restore** is an administrator's act (``Action.MANAGE_SETTINGS``) and never touches the live
  database until the chosen file has passed every check: it is copied next to the database, the
  copy must pass ``PRAGMA integrity_check``, must be a GovDesk database with a well-formed schema
  version not newer than this program's, its manifest must be intact and match the copy (table
  set, row counts, schema version, audit tail), the full table set of the current schema must be
  there (an older copy is migrated on a scratch copy first), and its audit chain must verify.
  A copy without a manifest (made by an older version, or the copies taken before a migration)
  is refused unless the administrator says so explicitly (``without_manifest``; recorded in the
  audit event). Then a safety copy of the current database is taken (with its own manifest, so
  it is restorable), the current database's WAL is checkpointed, and the verified copy replaces
  it with one atomic rename. The restore is audited in the restored database; a refused restore
  is audited in the current one. Every desk must have closed the program first.
* **Files** are 0600 in a 0700 folder (``app.fileperm``).
* **PostgreSQL** is backed up with the server's own tools (``pg_dump``/``pg_restore``); the
  commands say so instead of pretending (see ``PG_GUIDANCE``).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine

from app.domain.security import Action
from app.errors import InputError, UserError
from app.fileperm import create_private, private_dir
from app.services import audit, audit_anchor, audit_key
from app.services.context import Actor, ServiceContext
from app.storage.db import BUSY_TIMEOUT_MS, sqlite_path

PG_GUIDANCE = (
    "PostgreSQL 数据库请使用服务器自带工具备份与恢复：\n"
    "  备份：pg_dump -Fc -f govdesk-YYYYMMDD.dump 数据库名\n"
    "  恢复：先停止所有客户端，再 pg_restore --clean --if-exists -d 数据库名 govdesk-YYYYMMDD.dump\n"
    "建议每日由计划任务执行 pg_dump，并将备份文件保存在另一块磁盘上。"
)
PREFIX = "govdesk-"
SUFFIX = ".sqlite3"


class NotSqlite(UserError):
    exit_code = 3


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    kind: str  # auto / manual / before-restore / a migration revision
    created: datetime
    size: int


@dataclass(frozen=True)
class BackupCheck:
    schema_version: int | None
    audit_events: int
    manifest: bool = True  # False: checked without a manifest (row counts not checked)


MANIFEST_KEY = "backup_manifest"
MANIFEST_FORMAT = 1


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _db_path(engine: Engine) -> Path:
    path = sqlite_path(engine)
    if path is None:
        raise NotSqlite("当前使用的是 PostgreSQL 数据库，本程序不直接备份。\n" + PG_GUIDANCE)
    return path


def _tables(con: sqlite3.Connection) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _counts(con: sqlite3.Connection) -> dict[str, int]:
    counts = {t: int(con.execute(f"SELECT COUNT(*) FROM {_quote(t)}").fetchone()[0])
              for t in _tables(con)}
    if "govdesk_meta" in counts:  # the manifest's own row is not counted
        counts["govdesk_meta"] -= int(con.execute(
            "SELECT COUNT(*) FROM govdesk_meta WHERE key = ?", (MANIFEST_KEY,)).fetchone()[0])
    return counts


def _audit_tail(con: sqlite3.Connection) -> dict[str, object]:
    row = con.execute("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
    return {"seq": row[0], "hash": row[1]} if row else {"seq": 0, "hash": ""}


def _manifest_body(con: sqlite3.Connection, created: str) -> dict[str, object]:
    version = con.execute("SELECT value FROM govdesk_meta WHERE key = 'schema_version'").fetchone()
    return {"format": MANIFEST_FORMAT, "created": created,
            "schema_version": version[0] if version else None,
            "tables": _counts(con), "audit": _audit_tail(con)}


def _sign(body: dict[str, object], key: audit_key.AuditKey) -> dict[str, object]:
    return {**body, "alg": audit_key.ALG, "key_id": key.key_id,
            "mac": key.mac(audit.canonical(body))}


def _write_manifest(con: sqlite3.Connection) -> None:
    """Record the copy's manifest in its own ``govdesk_meta`` (see the module docstring)."""
    tables = set(_tables(con))
    if not {"govdesk_meta", "audit_events"} <= tables:
        return  # not a GovDesk database (yet): nothing to vouch for
    key = audit_key.load()
    if key is None:
        return  # no audit key on this desk yet: the copy is checked without a manifest
    con.execute("DELETE FROM govdesk_meta WHERE key = ?", (MANIFEST_KEY,))
    body = _manifest_body(con, datetime.now(UTC).isoformat())
    con.execute("INSERT INTO govdesk_meta (key, value) VALUES (?, ?)",
                (MANIFEST_KEY, json.dumps(_sign(body, key), ensure_ascii=False)))
    con.commit()


def copy_database(src: Path, dest: Path) -> Path:
    """Online-backup ``src`` to ``dest`` (temp file 0600 + rename), as a single-file database
    carrying its manifest."""
    private_dir(dest.parent)
    tmp = dest.with_name(dest.name + ".part")
    tmp.unlink(missing_ok=True)
    create_private(tmp)
    source = sqlite3.connect(str(src), timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        target = sqlite3.connect(str(tmp))
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")
            target.commit()
            _write_manifest(target)
        finally:
            target.close()
    finally:
        source.close()
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, dest)
    return dest


def create_backup(engine: Engine, folder: Path, kind: str = "manual",
                  now: datetime | None = None) -> BackupInfo:
    src = _db_path(engine)
    when = now or datetime.now(UTC)
    dest = folder / f"{PREFIX}{kind}-{_stamp(when)}{SUFFIX}"
    copy_database(src, dest)
    return BackupInfo(dest, kind, when, dest.stat().st_size)


def _parse(path: Path) -> BackupInfo | None:
    name = path.name
    if not (name.startswith(PREFIX) and name.endswith(SUFFIX)):
        return None
    kind, _, stamp = name[len(PREFIX):-len(SUFFIX)].rpartition("-")
    try:
        created = datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    return BackupInfo(path, kind or "?", created, path.stat().st_size)


def list_backups(folder: Path) -> list[BackupInfo]:
    """Backups in ``folder``, newest first."""
    if not folder.is_dir():
        return []
    found = [b for p in folder.glob(f"{PREFIX}*{SUFFIX}") if (b := _parse(p)) is not None]
    return sorted(found, key=lambda b: b.created, reverse=True)


def rotate(folder: Path, keep: int) -> list[Path]:
    """Delete automatic backups beyond the newest ``keep``; return what was deleted."""
    autos = [b for b in list_backups(folder) if b.kind == "auto"]
    removed = []
    for b in autos[max(keep, 1):]:
        b.path.unlink(missing_ok=True)
        removed.append(b.path)
    return removed


def auto_backup(engine: Engine, folder: Path, keep: int,
                now: datetime | None = None) -> BackupInfo | None:
    """Make today's automatic backup unless one exists (UTC day); rotate. None on PostgreSQL
    or when today's copy is already there."""
    if sqlite_path(engine) is None:
        return None
    when = now or datetime.now(UTC)
    today = when.astimezone(UTC).date()
    if any(b.kind == "auto" and b.created.date() == today for b in list_backups(folder)):
        return None
    info = create_backup(engine, folder, "auto", when)
    rotate(folder, keep)
    return info


def _bad(text: str) -> InputError:
    return InputError(text + "拒绝恢复。")


def _read_manifest(con: sqlite3.Connection) -> dict | None:
    row = con.execute("SELECT value FROM govdesk_meta WHERE key = ?", (MANIFEST_KEY,)).fetchone()
    if row is None:
        return None
    try:
        data = json.loads(row[0])
        if not isinstance(data, dict):
            raise TypeError
        body = {k: data[k] for k in ("format", "created", "schema_version", "tables", "audit")}
        tables, tail = body["tables"], body["audit"]
        if (body["format"] != MANIFEST_FORMAT or not isinstance(tables, dict)
                or not all(isinstance(k, str) and type(v) is int for k, v in tables.items())
                or not isinstance(tail, dict) or set(tail) != {"seq", "hash"}
                or not isinstance(data["mac"], str) or not isinstance(data["key_id"], str)):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise _bad("备份文件的校验清单已损坏，无法读取（文件被改动或不完整），") from None
    return data


def _check_manifest(con: sqlite3.Connection, data: dict) -> None:
    """The manifest is this office's (its HMAC verifies) and matches the file."""
    body = {k: data[k] for k in ("format", "created", "schema_version", "tables", "audit")}
    try:
        key = audit_key.load()
    except audit_key.AuditKeyError as exc:
        raise _bad(f"无法校验备份文件的校验清单：{exc.message}") from None
    if key is None:
        raise _bad("本机没有审计密钥，无法校验备份文件的校验清单，")
    if data.get("alg") != audit_key.ALG or data["key_id"] != key.key_id:
        raise _bad(f"备份文件的校验清单不是用本单位的审计密钥签署的（密钥标识 {data['key_id']}，"
                   f"本机 {key.key_id}），")
    if not audit_key.same(key.mac(audit.canonical(body)), data["mac"]):
        raise _bad("备份文件的校验清单与其校验码不符：备份文件被改动，")
    counts = _counts(con)
    listed: dict[str, int] = body["tables"]
    missing = sorted(set(listed) - set(counts))
    extra = sorted(set(counts) - set(listed))
    if missing:
        raise _bad(f"备份文件缺少数据表：{'、'.join(missing)}（与校验清单不符），")
    if extra:
        raise _bad(f"备份文件多出数据表：{'、'.join(extra)}（与校验清单不符），")
    changed = [f"{t}（清单 {listed[t]} 行，实有 {counts[t]} 行）" for t in sorted(listed)
               if listed[t] != counts[t]]
    if changed:
        raise _bad(f"备份文件的记录数与校验清单不符：{'；'.join(changed)}，")
    version = con.execute("SELECT value FROM govdesk_meta WHERE key = 'schema_version'").fetchone()
    if (version[0] if version else None) != body["schema_version"]:
        raise _bad("备份文件的结构版本与校验清单不符，")
    if _audit_tail(con) != body["audit"]:
        raise _bad("备份文件的审计日志末条与校验清单不符，")


def _schema_version(con: sqlite3.Connection) -> int:
    rows = con.execute("SELECT value FROM govdesk_meta WHERE key = 'schema_version'").fetchall()
    if not rows:
        raise _bad("备份文件没有记录数据库结构版本，")
    value = rows[0][0]
    try:
        version = int(value)
    except (TypeError, ValueError):
        version = -1
    if version < 1 or str(value).strip() != str(version):
        raise _bad(f"备份文件记录的数据库结构版本“{value}”无效，")
    return version


def _expected_tables() -> set[str]:
    from app.storage.models import Base

    return set(Base.metadata.tables) | {"alembic_version"}


def verify_file(path: Path, *, require_manifest: bool = True,
                scratch_dir: Path | None = None) -> BackupCheck:
    """Check a database file without changing it (``InputError`` in Chinese when it fails):
    SQLite integrity, a GovDesk schema version that is well formed and not newer than this
    program's, its manifest (see the module docstring; required unless ``require_manifest`` is
    False), the current schema's full table set, an intact audit chain. An older copy is
    migrated in a private scratch folder (in ``scratch_dir``: the data folder, not the backup's
    medium) and checked there."""
    from app.storage.migrate import SCHEMA_VERSION, check_not_newer

    if not path.is_file():
        raise InputError(f"找不到备份文件：{path}")
    with open(path, "rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise InputError(f"“{path.name}”不是 SQLite 数据库文件，拒绝恢复。")
    uri = f"file:{path}?mode=ro"
    manifest: dict | None = None
    version = 0
    try:
        con = sqlite3.connect(uri, uri=True)
        try:
            rows = con.execute("PRAGMA integrity_check").fetchall()
            tables = {r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")}
            if rows == [("ok",)] and {"govdesk_meta", "audit_events", "users"} <= tables:
                version = _schema_version(con)
                if version <= SCHEMA_VERSION:  # a newer one is refused below, in those words
                    manifest = _read_manifest(con)
                    if manifest is not None:
                        _check_manifest(con, manifest)
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise InputError(f"备份文件已损坏，无法读取（{exc}），拒绝恢复。") from None
    if rows != [("ok",)]:
        raise InputError(f"备份文件未通过完整性检查（{rows[0][0] if rows else '无结果'}），拒绝恢复。")
    if not {"govdesk_meta", "audit_events", "users"} <= tables:
        raise InputError("该文件不是公文值守台的数据库，拒绝恢复。")
    engine = create_engine(f"sqlite:///{uri}&uri=true")
    try:
        check_not_newer(engine)
    except UserError as exc:
        raise InputError("备份文件" + exc.message.removeprefix("该数据库")) from None
    finally:
        engine.dispose()
    if manifest is None and require_manifest:
        raise InputError("备份文件没有校验清单（由旧版本程序生成，或是升级前自动保留的副本），"
                         "无法核对其中的数据表与记录数，拒绝恢复。如确认该文件来源可靠，"
                         "可加 --without-manifest 恢复（将记入审计日志）。")
    if version < SCHEMA_VERSION:
        with tempfile.TemporaryDirectory(dir=scratch_dir, prefix=".verify-") as scratch:
            copy = Path(scratch) / "migrated.sqlite3"
            create_private(copy)
            with open(path, "rb") as src, open(copy, "wb") as dst:
                shutil.copyfileobj(src, dst)
            result = _check_current(copy, migrate=True)
    else:
        result = _check_current(path, migrate=False)
    return BackupCheck(version, result.count, manifest is not None)


def _check_current(path: Path, *, migrate: bool) -> audit.VerifyResult:
    """The current schema's tables are all there and the audit chain verifies (``migrate``: bring
    this scratch copy to the current schema first)."""
    from app.storage.db import make_engine
    from app.storage.migrate import upgrade

    if migrate:
        engine = make_engine(f"sqlite:///{path}")
        try:
            upgrade(engine, path.parent)
        except UserError:
            raise
        except Exception as exc:  # noqa: BLE001 - a doctored old copy may break a migration
            raise _bad(f"备份文件无法升级到当前数据库结构（{type(exc).__name__}），") from None
        finally:
            engine.dispose()
        url = f"sqlite:///{path}"
    else:
        url = f"sqlite:///file:{path}?mode=ro&uri=true"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            present = {r[0] for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type='table'")}
        missing = sorted(_expected_tables() - present)
        if missing:
            raise _bad(f"备份文件缺少数据表：{'、'.join(missing)}，")
        result = audit.verify(engine, anchor=False)  # not this desk's database (yet)
        if not result.ok:
            raise InputError("备份文件中的" + result.message() + "拒绝恢复。")
    finally:
        engine.dispose()
    return result


def restore(ctx: ServiceContext, backup_file: Path, folder: Path, *,
            without_manifest: bool = False, now: datetime | None = None
            ) -> tuple[BackupCheck, Path]:
    """Replace the SQLite database of ``ctx`` by ``backup_file`` after verifying it (see the
    module docstring): an administrator's act, audited whether it succeeds or is refused. Returns
    the check and the safety copy of the database as it was. ``ctx.engine`` is disposed: open
    the database again afterwards."""
    actor = ctx.require(Action.MANAGE_SETTINGS)
    engine = ctx.engine
    _db_path(engine)
    when = now or datetime.now(UTC)
    try:
        return _restore(engine, backup_file, folder, actor.username, actor.user_id,
                        without_manifest, when)
    except InputError as exc:
        record_refusal(ctx, actor, backup_file, exc.message)
        raise


def record_refusal(ctx: ServiceContext, actor: Actor | None, backup_file: Path, why: str) -> None:
    """Audit a refused restore in the current database (best effort)."""
    try:
        with ctx.session() as s, s.begin():
            audit.append(s, actor, "backup.restore_refused", "database", "",
                         {"file": backup_file.name, "reason": why[:500]}, at=ctx.now())
    except Exception:  # noqa: BLE001 - the refusal itself is what the user must see
        pass


def _restore(engine: Engine, backup_file: Path, folder: Path, actor_name: str,
             actor_id: int | None, without_manifest: bool, when: datetime
             ) -> tuple[BackupCheck, Path]:
    db = _db_path(engine)
    if not backup_file.is_file():
        raise InputError(f"找不到备份文件：{backup_file}")
    staged = db.with_name(f".{db.name}.restore-{_stamp(when)}")
    try:
        create_private(staged)
        shutil.copyfile(backup_file, staged)
    except OSError as exc:
        staged.unlink(missing_ok=True)
        raise InputError(f"无法读取备份文件“{backup_file}”：{exc.strerror or exc}") from None
    try:
        check = verify_file(staged, require_manifest=not without_manifest, scratch_dir=db.parent)
        # a copy of what is replaced, then the live file's WAL folded in before the swap
        safety = create_backup(engine, folder, "before-restore", when).path
        engine.dispose()
        con = sqlite3.connect(str(db), timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            con.close()
        with open(staged, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(staged, db)
        for extra in ("-wal", "-shm"):
            Path(f"{db}{extra}").unlink(missing_ok=True)
    finally:
        staged.unlink(missing_ok=True)
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from app.storage.db import make_engine

    restored = make_engine(f"sqlite:///{db}")
    try:
        with Session(restored) as s, s.begin():
            s.execute(text("DELETE FROM govdesk_meta WHERE key = :k"), {"k": MANIFEST_KEY})
            audit.append(s, None, "backup.restore", "database", "",
                         {"file": backup_file.name, "safety_copy": safety.name,
                          "admin_id": actor_id, "manifest": check.manifest},
                         at=when, actor_name=actor_name or "system")
        # the restored chain is shorter on purpose (and says so in its last event): anchor it,
        # or the next verification would report the events after the backup as cut off
        audit_anchor.reset(restored)
    finally:
        restored.dispose()
    return check, safety
