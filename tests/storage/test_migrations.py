"""Migrations: fresh databases, the kept 0.1 database file, backups, refusal of newer schemas."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from app.domain.security import Role
from app.errors import UserError
from app.services.accounts import users as accounts
from app.services.audit import chain as audit
from app.services.context import ServiceContext
from app.storage.db import make_engine
from app.storage.migrate import (
    HEAD_REVISION,
    SCHEMA_VERSION,
    current_revision,
    head_revision,
    open_database,
    stored_schema_version,
    upgrade,
)
from app.storage.models import OfficeSettings, User, UserRole


def _revision_ids() -> list[str]:
    from alembic.script import ScriptDirectory

    from app.storage.migrate import alembic_config

    return [s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()]


FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "govdesk_v1.sqlite3"


def test_fresh_database_is_at_head_with_schema_version(engine):
    assert current_revision(engine) == head_revision()
    assert head_revision() == max(_revision_ids()) == HEAD_REVISION  # the fast path's constant
    assert stored_schema_version(engine) == SCHEMA_VERSION
    tables = set(inspect(engine).get_table_names())
    assert {"users", "roles", "clearances", "audit_events", "office_settings",
            "govdesk_meta", "alembic_version"} <= tables


def test_second_open_does_not_migrate_or_back_up(tmp_path):
    url = f"sqlite:///{tmp_path / 'g.sqlite3'}"
    open_database(url, tmp_path / "backups").dispose()
    engine = make_engine(url)
    result = upgrade(engine, tmp_path / "backups")
    engine.dispose()
    assert not result.migrated and result.backup is None
    assert not (tmp_path / "backups").exists() or not list((tmp_path / "backups").iterdir())


def test_opening_an_up_to_date_database_does_not_load_alembic(tmp_path):
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'g.sqlite3'}"
    open_database(url, tmp_path / "backups").dispose()
    code = ("import sys; from app.storage.migrate import open_database; "
            f"open_database({url!r}).dispose(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]", out.stdout


def test_old_database_file_is_upgraded_with_backup_and_data_intact(tmp_path):
    db = tmp_path / "govdesk.sqlite3"
    shutil.copy(FIXTURE, db)
    engine = make_engine(f"sqlite:///{db}")
    assert current_revision(engine) == "0001"
    result = upgrade(engine, tmp_path / "backups")
    assert (result.from_revision, result.to_revision) == ("0001", head_revision())

    # the backup is a complete copy of the database as it was before the migration
    assert result.backup is not None and result.backup.parent == tmp_path / "backups"
    with sqlite3.connect(result.backup) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
        assert raw.execute("SELECT count(*) FROM users").fetchone() == (2,)
        assert "office_settings" not in {
            r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}

    # the data survived and the new schema is usable
    assert stored_schema_version(engine) == SCHEMA_VERSION
    with Session(engine) as s:
        users = {u.username: u for u in s.execute(select(User)).scalars()}
        assert users["li"].display_name == "李文书" and users["li"].clearance_level == 1
        assert users["admin"].must_change_password is False
        # several roles per user (0013): each old user keeps exactly the role they had
        held = {(u, r) for u, r in s.execute(
            select(User.username, UserRole.role_code).join(UserRole, UserRole.user_id == User.id))}
        assert held == {("admin", "admin"), ("li", "clerk")}
        s.rollback()
    with Session(engine) as s, s.begin():
        s.add(OfficeSettings(id=1, office_name="某市人民政府办公室", code_series=["某政办发"]))
    assert audit.verify(engine).ok and audit.count(engine) == 3
    # old password hashes still work, and the login is chained onto the old events
    ctx = ServiceContext(engine)
    actor = accounts.login(ctx, "admin", "Old-pass-1")
    assert actor.roles == {Role.ADMIN}
    assert accounts.login(ctx, "li", "Clerk-pass-1").roles == {Role.CLERK}
    result = audit.verify(engine)
    assert result.ok and result.count == 5
    engine.dispose()


def test_fixture_itself_is_untouched():
    with sqlite3.connect(f"file:{FIXTURE}?mode=ro", uri=True) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]


def test_newer_database_is_refused_in_chinese(engine):
    with engine.begin() as conn:
        conn.execute(text("UPDATE govdesk_meta SET value = '99' WHERE key = 'schema_version'"))
    with pytest.raises(UserError, match="更高版本") as info:
        upgrade(engine)
    assert "拒绝打开" in info.value.message


def test_unknown_revision_is_refused(engine):
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(UserError, match="更高版本"):
        upgrade(engine)
