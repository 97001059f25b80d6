"""Backups of the SQLite database: automatic rotating copies, manual copies, verified restore.

* **Backups** (``govdesk-KIND-STAMP.sqlite3.zst``, issue 30) are a snapshot of the database
  without what can be rebuilt, compressed with Zstandard: every table is copied row for row
  inside ONE read transaction of the live file (WAL: consistent while other desks write, and no
  writer ever waits for it), except the FTS5 index ``search_fts`` (its shadow tables are left
  empty; ``search_entries``, the text it is built from, is kept), into a scratch file beside the
  backup, which is then compressed into the backup file (``app.atomicfile``) and removed. At
  full scale this is ≈ 10 % of the database file instead of 100 % (benchmarks/README.md). Work
  is reported through ``progress(percent, text)``, which may raise to cancel (the scratch file
  and any partial backup are removed).
* **Old backups** (a plain SQLite copy, ``….sqlite3``, made by the online backup API) are still
  listed, verified and restored as before; a file is recognised by its first bytes, not its name.
* **Automatic** copies (``govdesk-auto-…``) are made at start and once a day and kept by
  generation (``Retention``, like Anki's): the newest ``daily`` days (the security setting
  ``backup_keep``), then the newest copy of each of the last ``WEEKLY`` weeks and ``MONTHLY``
  months — see docs/foundation.md. Manual copies and the safety copies taken before a restore or
  a migration are never rotated away.
* **Manifest.** Every copy this module makes carries a manifest in its ``govdesk_meta`` table
  (key ``backup_manifest``): schema version, every table with its row count, the audit chain's
  length and last hash, signed with HMAC-SM3 under the office's audit key (``audit_key``). A
  table dropped, rows deleted or added, a different schema — anything changed after the copy —
  no longer matches it, and without the key a matching manifest cannot be forged.
* **Restore** is an administrator's act (``Action.MANAGE_SETTINGS``) and never touches the live
  database until the chosen file has passed every check: it is copied (decompressed) next to the
  database, the
  copy must pass ``PRAGMA integrity_check``, must be a GovDesk database with a well-formed schema
  version not newer than this program's, its manifest must be intact and match the copy (table
  set, row counts, schema version, audit tail), the full table set of the current schema must be
  there (an older copy is migrated on a scratch copy first), and its audit chain must verify.
  Then the full-text index is rebuilt in the staged copy from its ``search_entries``
  (``fulltext.rebuild_sqlite``, with progress) — the restored office searches exactly as before.
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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine

from app.atomicfile import atomic_writer
from app.domain.security import Action
from app.errors import InputError, UserError
from app.fileperm import create_private, private_dir
from app.services import audit
from app.services.context import Actor, ServiceContext
from app.storage import fulltext
from app.storage.db import BUSY_TIMEOUT_MS, sqlite_path

PG_GUIDANCE = (
    "PostgreSQL 数据库请使用服务器自带工具备份与恢复：\n"
    "  备份：pg_dump -Fc -f govdesk-YYYYMMDD.dump 数据库名\n"
    "  恢复：先停止所有客户端，再 pg_restore --clean --if-exists -d 数据库名 govdesk-YYYYMMDD.dump\n"
    "建议每日由计划任务执行 pg_dump，并将备份文件保存在另一块磁盘上。"
)
PREFIX = "govdesk-"
SUFFIX = ".sqlite3"  # a plain SQLite copy (older versions; the copies taken before a migration)
ZSUFFIX = ".sqlite3.zst"  # a snapshot without the rebuildable index, Zstandard-compressed
SQLITE_MAGIC = b"SQLite format 3\x00"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
#: Zstandard level: 3 compresses ≈ 6:1 here at ≈ 120 MB/s (level 9: 7:1 at a quarter the speed).
ZSTD_LEVEL = 3
#: FTS5 tables whose content is rebuilt on restore (from ``search_entries``), not backed up.
REBUILT = ("search_fts",)
#: A restore refuses to decompress more than this (a crafted file must not fill the disk).
MAX_RESTORED_BYTES = 256 * 1024**3
#: Rows copied per statement when making a snapshot (progress and cancel between them).
COPY_CHUNK = 20_000
#: Generations of automatic backups kept beyond the daily ones (see ``Retention``).
WEEKLY = 4
MONTHLY = 6

#: ``progress(percent 0–100, text)``; it may raise (e.g. ``Cancelled``) to stop the work.
Progress = Callable[[int, str], None]


def _no_progress(_percent: int, _text: str) -> None:
    return None


class Stage:
    """Scales a stage's own 0–100 % into a slice of the overall progress."""

    def __init__(self, progress: Progress | None, start: int, end: int, text: str) -> None:
        self.progress = progress or _no_progress
        self.start, self.end, self.text = start, end, text

    def __call__(self, done: float, total: float) -> None:
        frac = 0.0 if total <= 0 else min(1.0, max(0.0, done / total))
        self.progress(int(self.start + (self.end - self.start) * frac), self.text)


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


def _sign(body: dict[str, object], key: audit.AuditKey) -> dict[str, object]:
    return {**body, "alg": audit.ALG, "key_id": key.key_id,
            "mac": key.mac(audit.canonical(body))}


def _write_manifest(con: sqlite3.Connection) -> None:
    """Record the copy's manifest in its own ``govdesk_meta`` (see the module docstring)."""
    tables = set(_tables(con))
    if not {"govdesk_meta", "audit_events"} <= tables:
        return  # not a GovDesk database (yet): nothing to vouch for
    key = audit.load_key()
    if key is None:
        return  # no audit key on this desk yet: the copy is checked without a manifest
    con.execute("DELETE FROM govdesk_meta WHERE key = ?", (MANIFEST_KEY,))
    body = _manifest_body(con, datetime.now(UTC).isoformat())
    con.execute("INSERT INTO govdesk_meta (key, value) VALUES (?, ?)",
                (MANIFEST_KEY, json.dumps(_sign(body, key), ensure_ascii=False)))
    con.commit()


def create_backup(engine: Engine, folder: Path, kind: str = "manual",
                  now: datetime | None = None, progress: Progress | None = None) -> BackupInfo:
    """A compressed snapshot of the live database (see the module docstring) in ``folder``."""
    src = _db_path(engine)
    when = now or datetime.now(UTC)
    dest = folder / f"{PREFIX}{kind}-{_stamp(when)}{ZSUFFIX}"
    snapshot_database(src, dest, progress)
    return BackupInfo(dest, kind, when, dest.stat().st_size)


def _shadow_of(name: str, virtual: set[str]) -> bool:
    return any(name.startswith(v + "_") for v in virtual)


def snapshot_database(src: Path, dest: Path, progress: Progress | None = None) -> Path:
    """Write ``dest``: the database ``src`` as it is at one moment, without the content of the
    ``REBUILT`` index, with its signed manifest, Zstandard-compressed. ``progress`` may raise to
    cancel: then neither ``dest`` nor the scratch file remains."""
    private_dir(dest.parent)
    scratch = dest.with_name(f".{dest.name}.snapshot")
    for extra in ("", "-journal"):
        Path(f"{scratch}{extra}").unlink(missing_ok=True)
    create_private(scratch)
    try:
        _copy_rows(src, scratch, Stage(progress, 0, 70, "正在复制数据"))
        compress_file(scratch, dest, Stage(progress, 70, 100, "正在压缩"))
    finally:
        for extra in ("", "-journal"):
            Path(f"{scratch}{extra}").unlink(missing_ok=True)
    return dest


def _copy_rows(src: Path, scratch: Path, stage: Stage) -> None:
    target = sqlite3.connect(str(scratch), isolation_level=None)
    try:
        target.execute("PRAGMA journal_mode=OFF")  # a scratch file: nothing to roll back to
        target.execute("PRAGMA synchronous=OFF")
        target.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_MS)}")
        target.execute("ATTACH DATABASE ? AS src", (str(src),))
        target.execute("BEGIN")
        # every read below is in this one transaction: one consistent moment of the live file
        schema = target.execute(
            "SELECT type, name, tbl_name, sql FROM src.sqlite_master WHERE sql IS NOT NULL "
            "ORDER BY rowid").fetchall()
        virtual = {n for t, n, _tb, sql in schema
                   if t == "table" and sql.upper().startswith("CREATE VIRTUAL TABLE")}
        tables = [(n, sql) for t, n, _tb, sql in schema if t == "table"
                  and not n.startswith("sqlite_") and not _shadow_of(n, virtual)]
        for _name, sql in tables:
            target.execute(sql)
        version = target.execute("PRAGMA src.user_version").fetchone()[0]
        target.execute(f"PRAGMA main.user_version={int(version)}")
        plain = [n for n, sql in tables if n not in virtual]
        sizes = {n: int(target.execute(f"SELECT count(*) FROM src.{_quote(n)}").fetchone()[0])
                 for n in plain}
        total, done = sum(sizes.values()), 0
        for name in plain:
            q = _quote(name)
            if "WITHOUT ROWID" in dict(tables)[name].upper() or sizes[name] <= COPY_CHUNK:
                target.execute(f"INSERT INTO main.{q} SELECT * FROM src.{q}")
                done += sizes[name]
                stage(done, total)
                continue
            last = None
            while True:
                where = "" if last is None else f"WHERE rowid > {int(last)} "
                top = target.execute(
                    f"SELECT max(r) FROM (SELECT rowid AS r FROM src.{q} {where}"
                    f"ORDER BY rowid LIMIT {COPY_CHUNK})").fetchone()[0]
                if top is None:
                    break
                lower = "" if last is None else f"rowid > {int(last)} AND "
                cur = target.execute(f"INSERT INTO main.{q} SELECT * FROM src.{q} "
                                     f"WHERE {lower}rowid <= {int(top)}")
                done += max(cur.rowcount, 0)
                last = top
                stage(done, total)
        if target.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'"
                          ).fetchone():
            target.execute("DELETE FROM main.sqlite_sequence")
            target.execute("INSERT INTO main.sqlite_sequence SELECT * FROM src.sqlite_sequence")
        for kind, _name, tbl, sql in schema:
            if kind in ("index", "trigger", "view") and not _shadow_of(tbl, virtual):
                target.execute(sql)
        target.execute("COMMIT")
        target.execute("DETACH DATABASE src")
        _write_manifest(target)
    finally:
        target.close()


def compress_file(src: Path, dest: Path, stage: Stage | None = None) -> None:
    """Zstandard-compress ``src`` into ``dest`` (atomically, 0600)."""
    import zstandard

    total = src.stat().st_size
    done = 0
    cctx = zstandard.ZstdCompressor(level=ZSTD_LEVEL, threads=-1, write_checksum=True)
    with open(src, "rb") as fin, atomic_writer(dest, private=True) as fout:
        with cctx.stream_writer(fout, size=total, closefd=False) as writer:
            while chunk := fin.read(4 * 1024 * 1024):
                writer.write(chunk)
                done += len(chunk)
                if stage is not None:
                    stage(done, total)


def is_compressed(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) == ZSTD_MAGIC


def decompress_file(src: Path, dest: Path, stage: Stage | None = None,
                    limit: int = MAX_RESTORED_BYTES) -> None:
    """Decompress a backup ``src`` into ``dest`` (0600; ``InputError`` when it is damaged or
    would grow past ``limit``). ``dest`` is removed on failure."""
    import zstandard

    create_private(dest)
    total = max(src.stat().st_size, 1)
    out = 0
    try:
        with open(src, "rb") as fin, open(dest, "wb") as fout:
            reader = zstandard.ZstdDecompressor().stream_reader(fin, read_across_frames=True)
            while chunk := reader.read(4 * 1024 * 1024):
                out += len(chunk)
                if out > limit:
                    raise InputError("备份文件解压后超出大小上限，拒绝恢复。")
                fout.write(chunk)
                if stage is not None:
                    stage(fin.tell(), total)
            fout.flush()
            os.fsync(fout.fileno())
    except zstandard.ZstdError as exc:
        dest.unlink(missing_ok=True)
        raise InputError(f"备份文件已损坏，无法解压（{exc}），拒绝恢复。") from None
    except BaseException:
        dest.unlink(missing_ok=True)
        raise


def copy_database(src: Path, dest: Path) -> Path:
    """Online-backup ``src`` to ``dest`` (temp file 0600 + rename), as a single-file database
    carrying its manifest: the plain format of older versions (kept for tests and tools)."""
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


def _parse(path: Path) -> BackupInfo | None:
    name = path.name
    suffix = ZSUFFIX if name.endswith(ZSUFFIX) else SUFFIX if name.endswith(SUFFIX) else None
    if not name.startswith(PREFIX) or suffix is None:
        return None
    kind, _, stamp = name[len(PREFIX):-len(suffix)].rpartition("-")
    try:
        created = datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    return BackupInfo(path, kind or "?", created, path.stat().st_size)


def list_backups(folder: Path) -> list[BackupInfo]:
    """Backups in ``folder`` (both formats), newest first."""
    if not folder.is_dir():
        return []
    found = [b for p in folder.glob(f"{PREFIX}*") if (b := _parse(p)) is not None]
    return sorted(found, key=lambda b: b.created, reverse=True)


@dataclass(frozen=True)
class Retention:
    """Generations of automatic backups kept (like Anki's daily/weekly/monthly): the newest copy
    of each of the newest ``daily`` days, then the newest copy of each of the ``weekly`` ISO weeks
    and ``monthly`` months (counted from the newest copy; a copy kept by one generation may be
    the one another keeps too)."""

    daily: int = 7
    weekly: int = WEEKLY
    monthly: int = MONTHLY

    def keep(self, items: list[BackupInfo]) -> set[Path]:
        """Which of ``items`` (any order) are kept."""
        newest = sorted(items, key=lambda b: b.created, reverse=True)
        kept: set[Path] = set()
        for size, key in ((max(self.daily, 1), lambda d: d.isoformat()),
                          (max(self.weekly, 0), lambda d: tuple(d.isocalendar())[:2]),
                          (max(self.monthly, 0), lambda d: (d.year, d.month))):
            seen: set[object] = set()
            for b in newest:
                k = key(b.created.astimezone(UTC).date())
                if k in seen:
                    continue
                if len(seen) >= size:
                    break
                seen.add(k)
                kept.add(b.path)  # the newest copy of that period (already kept or not)
        return kept


def rotate(folder: Path, keep: int | Retention) -> list[Path]:
    """Delete the automatic backups the retention does not keep; return what was deleted. An
    ``int`` is the number of daily generations (the ``backup_keep`` setting)."""
    policy = keep if isinstance(keep, Retention) else Retention(daily=keep)
    autos = [b for b in list_backups(folder) if b.kind == "auto"]
    kept = policy.keep(autos)
    removed = []
    for b in autos:
        if b.path not in kept:
            b.path.unlink(missing_ok=True)
            removed.append(b.path)
    return removed


def auto_backup(engine: Engine, folder: Path, keep: int | Retention,
                now: datetime | None = None, progress: Progress | None = None
                ) -> BackupInfo | None:
    """Make today's automatic backup unless one exists (UTC day); rotate. None on PostgreSQL
    or when today's copy is already there."""
    if sqlite_path(engine) is None:
        return None
    when = now or datetime.now(UTC)
    today = when.astimezone(UTC).date()
    if any(b.kind == "auto" and b.created.date() == today for b in list_backups(folder)):
        return None
    info = create_backup(engine, folder, "auto", when, progress)
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
        key = audit.load_key()
    except audit.AuditKeyError as exc:
        raise _bad(f"无法校验备份文件的校验清单：{exc.message}") from None
    if key is None:
        raise _bad("本机没有审计密钥，无法校验备份文件的校验清单，")
    if data.get("alg") != audit.ALG or data["key_id"] != key.key_id:
        raise _bad(f"备份文件的校验清单不是用本单位的审计密钥签署的（密钥标识 {data['key_id']}，"
                   f"本机 {key.key_id}），")
    if not audit.same_mac(key.mac(audit.canonical(body)), data["mac"]):
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
    if is_compressed(path):
        with tempfile.TemporaryDirectory(dir=scratch_dir, prefix=".verify-") as scratch:
            plain = Path(scratch) / "backup.sqlite3"
            decompress_file(path, plain)
            return verify_file(plain, require_manifest=require_manifest, scratch_dir=scratch_dir)
    with open(path, "rb") as fh:
        if fh.read(16) != SQLITE_MAGIC:
            raise InputError(f"“{path.name}”不是 SQLite 数据库文件，也不是本程序的备份文件，拒绝恢复。")
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
            without_manifest: bool = False, now: datetime | None = None,
            progress: Progress | None = None) -> tuple[BackupCheck, Path]:
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
                        without_manifest, when, progress)
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
             actor_id: int | None, without_manifest: bool, when: datetime,
             progress: Progress | None = None) -> tuple[BackupCheck, Path]:
    db = _db_path(engine)
    if not backup_file.is_file():
        raise InputError(f"找不到备份文件：{backup_file}")
    staged = db.with_name(f".{db.name}.restore-{_stamp(when)}")
    try:
        if is_compressed(backup_file):
            decompress_file(backup_file, staged, Stage(progress, 0, 20, "正在解压备份"))
        else:
            create_private(staged)
            shutil.copyfile(backup_file, staged)
    except OSError as exc:
        staged.unlink(missing_ok=True)
        raise InputError(f"无法读取备份文件“{backup_file}”：{exc.strerror or exc}") from None
    try:
        (progress or _no_progress)(20, "正在校验备份")
        check = verify_file(staged, require_manifest=not without_manifest, scratch_dir=db.parent)
        rebuild_index(staged, Stage(progress, 30, 85, "正在重建全文索引"))
        # a copy of what is replaced, then the live file's WAL folded in before the swap
        safety = create_backup(engine, folder, "before-restore", when,
                               _scaled(progress, 85, 99, "正在备份当前数据库")).path
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
        audit.reset_anchor(restored)
    finally:
        restored.dispose()
    (progress or _no_progress)(100, "恢复完成")
    return check, safety


def _scaled(progress: Progress | None, start: int, end: int, text: str) -> Progress:
    def scaled(percent: int, _text: str) -> None:
        (progress or _no_progress)(start + (end - start) * percent // 100, text)
    return scaled


def rebuild_index(path: Path, stage: Stage | None = None) -> bool:
    """Rebuild the full-text index of the database file ``path`` from its ``search_entries``
    when the index does not hold every entry (a backup leaves it out). True if it was rebuilt."""
    con = sqlite3.connect(str(path), isolation_level=None)
    try:
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"search_fts", "search_fts_docsize", "search_entries", "search_kinds"} <= names:
            return False
        indexed = con.execute("SELECT count(*) FROM search_fts_docsize").fetchone()[0]
        entries = con.execute("SELECT count(*) FROM search_entries").fetchone()[0]
        if indexed == entries:
            return False
        con.execute("PRAGMA journal_mode=DELETE")
        con.execute("BEGIN")
        fulltext.rebuild_sqlite(con, stage)
        con.execute("COMMIT")
        return True
    finally:
        con.close()
