"""Bring a database to the current schema — automatically, safely, at every start.

``open_database(url, backup_dir)`` is what the app, the CLI and the self-test call:

1. refuse (``UserError``, in Chinese) a database written by a newer GovDesk — its Alembic revision
   is unknown to this program or its ``govdesk_meta.schema_version`` is higher than
   ``SCHEMA_VERSION``; opening it could destroy data the newer program relies on;
2. if the schema is behind and the database is a SQLite file that already holds data, copy it
   with the online backup API to ``backup_dir/govdesk-<revision>-<UTC time>.sqlite3`` first;
3. run the Alembic revisions, one transaction each.

PostgreSQL databases are migrated the same way but not copied (back them up with the server's
tools; the app has no ``pg_dump``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from app import __version__
from app.errors import UserError
from app.paths import migrations_dir
from app.storage.db import backup_sqlite, make_engine, sqlite_path

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

# Alembic (~0.25 s to import) is loaded only when a database has to be checked against the
# revision scripts or migrated; opening an up-to-date database reads two rows instead.

#: The schema version this program writes (raised by one in every new revision).
SCHEMA_VERSION = 24
#: The head revision's id: revisions are numbered "0001", "0002", … like the schema version.
HEAD_REVISION = f"{SCHEMA_VERSION:04d}"


@dataclass(frozen=True)
class MigrationResult:
    from_revision: str | None
    to_revision: str
    backup: Path | None

    @property
    def migrated(self) -> bool:
        return self.from_revision != self.to_revision


def alembic_config() -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(migrations_dir()))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def stored_schema_version(engine: Engine) -> int | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("govdesk_meta"):
            return None
        value = conn.execute(
            text("SELECT value FROM govdesk_meta WHERE key = 'schema_version'")
        ).scalar()
    return int(value) if value is not None else None


def check_not_newer(engine: Engine) -> None:
    """Raise ``UserError`` if the database was written by a newer GovDesk."""
    from alembic.script import ScriptDirectory

    rev = current_revision(engine)
    known = {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    stored = stored_schema_version(engine)
    if (rev is not None and rev not in known) or (stored is not None and stored > SCHEMA_VERSION):
        raise UserError(
            f"该数据库由更高版本的公文值守台写入（数据库结构版本 {stored if stored else rev}，"
            f"本程序 {__version__} 支持到版本 {SCHEMA_VERSION}）。为避免损坏数据，拒绝打开。"
            "请安装新版本程序后再打开。",
            exit_code=3,
        )


def _has_user_tables(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(inspect(conn).get_table_names())


def _up_to_date(engine: Engine) -> bool:
    """True when the database is exactly at ``HEAD_REVISION`` and ``SCHEMA_VERSION`` (the common
    case at every start), read without Alembic; anything else goes the full way."""
    try:
        with engine.connect() as conn:
            revs = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
            stored = conn.execute(
                text("SELECT value FROM govdesk_meta WHERE key = 'schema_version'")).scalar()
    except DBAPIError:  # no such table yet: a new database
        return False
    return revs == [HEAD_REVISION] and stored == str(SCHEMA_VERSION)


def upgrade(engine: Engine, backup_dir: Path | None = None) -> MigrationResult:
    """Migrate ``engine``'s database to the head revision (see the module docstring)."""
    if _up_to_date(engine):
        return MigrationResult(HEAD_REVISION, HEAD_REVISION, None)
    from alembic import command

    check_not_newer(engine)
    before = current_revision(engine)
    head = head_revision()
    if before == head:
        return MigrationResult(before, head, None)
    backup: Path | None = None
    path = sqlite_path(engine)
    if path is not None and path.exists() and _has_user_tables(engine):
        folder = backup_dir or path.parent / "backups"
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        backup = backup_sqlite(path, folder / f"govdesk-{before or 'none'}-{stamp}.sqlite3")
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        if conn.in_transaction():
            conn.commit()
    with engine.begin() as conn:
        updated = conn.execute(
            text("UPDATE govdesk_meta SET value = :v WHERE key = 'app_version'"), {"v": __version__}
        ).rowcount
        if not updated:
            conn.execute(
                text("INSERT INTO govdesk_meta (key, value) VALUES ('app_version', :v)"),
                {"v": __version__},
            )
    return MigrationResult(before, head, backup)


def open_database(url: str, backup_dir: Path | None = None) -> Engine:
    """Create the engine for ``url`` and migrate it; the one way the program opens a database."""
    engine = make_engine(url)
    try:
        upgrade(engine, backup_dir)
    except BaseException:
        engine.dispose()
        raise
    return engine
