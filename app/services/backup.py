"""Backups of the SQLite database: automatic rotating copies, manual copies, verified restore.

* **Copies** use SQLite's online backup API, so they are consistent even while another desk
  writes (a plain file copy can miss what is still in the WAL). A copy is written to
  ``NAME.part`` and renamed, and switched to ``journal_mode=DELETE`` so the single file is the
  whole backup (no ``-wal`` beside it).
* **Automatic** copies (``govdesk-auto-…``) are made at start and once a day; only the newest
  ``keep`` (security setting, default 14) are kept. Manual copies and the safety copies taken
  before a restore or a migration are never rotated away.
* **Restore** never touches the live database until the chosen file has passed every check:
  it is copied next to the database, the copy must pass ``PRAGMA integrity_check``, must be a
  GovDesk database whose schema version is not newer than this program's, and its audit chain
  must verify. Then a safety copy of the current database is taken, the current database's WAL
  is checkpointed, and the verified copy replaces it with one atomic rename. The restore is
  audited in the restored database. Every desk must have closed the program first.
* **PostgreSQL** is backed up with the server's own tools (``pg_dump``/``pg_restore``); the
  commands say so instead of pretending (see ``PG_GUIDANCE``).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine

from app.errors import InputError, UserError
from app.services import audit, audit_anchor
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


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _db_path(engine: Engine) -> Path:
    path = sqlite_path(engine)
    if path is None:
        raise NotSqlite("当前使用的是 PostgreSQL 数据库，本程序不直接备份。\n" + PG_GUIDANCE)
    return path


def copy_database(src: Path, dest: Path) -> Path:
    """Online-backup ``src`` to ``dest`` (temp file + rename), as a single-file database."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    tmp.unlink(missing_ok=True)
    source = sqlite3.connect(str(src), timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        target = sqlite3.connect(str(tmp))
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")
            target.commit()
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


def verify_file(path: Path) -> BackupCheck:
    """Check a database file without changing it (``InputError`` in Chinese when it fails):
    SQLite integrity, a GovDesk schema not newer than this program's, an intact audit chain."""
    from app.storage.migrate import SCHEMA_VERSION, check_not_newer

    if not path.is_file():
        raise InputError(f"找不到备份文件：{path}")
    with open(path, "rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise InputError(f"“{path.name}”不是 SQLite 数据库文件，拒绝恢复。")
    uri = f"file:{path}?mode=ro"
    try:
        con = sqlite3.connect(uri, uri=True)
        try:
            rows = con.execute("PRAGMA integrity_check").fetchall()
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
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
        try:
            check_not_newer(engine)
        except UserError as exc:
            raise InputError("备份文件" + exc.message.removeprefix("该数据库")) from None
        from app.storage.migrate import stored_schema_version

        version = stored_schema_version(engine)
        if version is not None and version > SCHEMA_VERSION:  # pragma: no cover - checked above
            raise InputError("备份文件的数据库结构版本高于本程序，拒绝恢复。")
        result = audit.verify(engine, anchor=False)  # not this desk's database (yet)
        if not result.ok:
            raise InputError("备份文件中的" + result.message() + "拒绝恢复。")
    finally:
        engine.dispose()
    return BackupCheck(version, result.count)


def restore(engine: Engine, backup_file: Path, folder: Path, actor_name: str = "",
            now: datetime | None = None) -> tuple[BackupCheck, Path]:
    """Replace ``engine``'s SQLite database by ``backup_file`` after verifying it (see the module
    docstring). Returns the check and the safety copy of the database as it was. ``engine`` is
    disposed: open the database again afterwards."""
    db = _db_path(engine)
    when = now or datetime.now(UTC)
    if not backup_file.is_file():
        raise InputError(f"找不到备份文件：{backup_file}")
    staged = db.with_name(f".{db.name}.restore-{_stamp(when)}")
    try:
        shutil.copyfile(backup_file, staged)
    except OSError as exc:
        raise InputError(f"无法读取备份文件“{backup_file}”：{exc.strerror or exc}") from None
    try:
        check = verify_file(staged)
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
    from sqlalchemy.orm import Session

    from app.storage.db import make_engine

    restored = make_engine(f"sqlite:///{db}")
    try:
        with Session(restored) as s, s.begin():
            audit.append(s, None, "backup.restore", "database", "",
                         {"file": backup_file.name, "safety_copy": safety.name},
                         at=when, actor_name=actor_name or "system")
        # the restored chain is shorter on purpose (and says so in its last event): anchor it,
        # or the next verification would report the events after the backup as cut off
        audit_anchor.reset(restored)
    finally:
        restored.dispose()
    return check, safety
