"""Issue 18 — restoring a backup needs an administrator and a backup that is what it claims.

Before: ``backup restore FILE --yes`` asked for no password and accepted a doctored copy, even
one with tables dropped, as long as SQLite's integrity check and the (unkeyed) audit chain
passed. Now the administrator signs in (as the other admin commands), the copy's signed
manifest (schema version, table set, row counts, audit tail) must match, the current schema's
tables must all be there, bad metadata is a Chinese message with exit code 2, the current
database is kept as a restorable copy, and the restore — or its refusal — is audited.
"""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest

from app.cli import main as cli_main
from app.config import load_config
from app.domain.security import Role
from app.errors import PermissionDenied
from app.services.accounts import users as accounts
from app.services.audit import chain as audit
from app.services.backup import files as backup
from app.services.context import ServiceContext
from app.storage.migrate import open_database
from tests.conftest import ADMIN_PASSWORD


@pytest.fixture
def office(monkeypatch):
    cfg = load_config()
    engine = open_database(cfg.db_url, cfg.backups_dir)
    ctx = ServiceContext(engine)
    accounts.create_first_admin(ctx, "admin", ADMIN_PASSWORD)
    admin = ctx.with_actor(accounts.login(ctx, "admin", ADMIN_PASSWORD))
    accounts.add_user(admin, "zhao", "Zhao-pass-1", display_name="赵", role=Role.CLERK,
                      must_change_password=False)
    good = backup.create_backup(engine, cfg.backups_dir).path
    accounts.add_user(admin, "qian", "Qian-pass-1")  # after the backup: restore removes it
    engine.dispose()
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    yield cfg, good
    engine.dispose()


def _users(cfg) -> list[str]:
    con = sqlite3.connect(cfg.db_url.removeprefix("sqlite:///"))
    try:
        return sorted(r[0] for r in con.execute("SELECT username FROM users"))
    finally:
        con.close()


def _actions(cfg, n=5) -> list[str]:
    engine = open_database(cfg.db_url)
    try:
        return [e.action for e in audit.recent(engine, n)]
    finally:
        engine.dispose()


def _doctor(src: Path, dest: Path, *sql: str) -> Path:
    """A doctored copy of ``src`` in the same format (a compressed backup is decompressed,
    changed and compressed again: the attacker has the compressor too)."""
    compressed = backup.is_compressed(src)
    work = dest.with_name(dest.name + ".work") if compressed else dest
    work.unlink(missing_ok=True)
    if compressed:
        backup.decompress_file(src, work)
    else:
        work.write_bytes(src.read_bytes())
    con = sqlite3.connect(str(work))
    try:
        con.execute("PRAGMA foreign_keys=OFF")
        for statement in sql:
            con.execute(statement)
        con.commit()
    finally:
        con.close()
    if compressed:
        backup.compress_file(work, dest)
        work.unlink()
    return dest


def _manifest(path: Path) -> dict:
    plain = path.with_name(path.name + ".m")
    backup.decompress_file(path, plain)
    try:
        return json.loads(sqlite3.connect(str(plain)).execute(
            "SELECT value FROM govdesk_meta WHERE key = 'backup_manifest'").fetchone()[0])
    finally:
        plain.unlink()


def test_restore_needs_an_administrators_password(office, monkeypatch, capsys):
    cfg, good = office
    before = _users(cfg)
    monkeypatch.delenv("GOVDESK_ADMIN_PASSWORD", raising=False)
    assert cli_main(["backup", "restore", str(good), "--yes"]) == 2  # no password given
    assert "密码" in capsys.readouterr().err
    monkeypatch.setenv("GOVDESK_ADMIN_PASSWORD", "wrong-Pass-9")
    assert cli_main(["backup", "restore", str(good), "--yes"]) == 4
    monkeypatch.setenv("GOVDESK_ADMIN_PASSWORD", "Zhao-pass-1")
    assert cli_main(["backup", "restore", str(good), "--yes", "--admin", "zhao"]) == 4
    assert "错误：" in capsys.readouterr().err
    assert _users(cfg) == before
    engine = open_database(cfg.db_url)
    try:
        clerk = ServiceContext(engine).with_actor(
            accounts.login(ServiceContext(engine), "zhao", "Zhao-pass-1"))
        with pytest.raises(PermissionDenied):
            backup.restore(clerk, good, cfg.backups_dir)
    finally:
        engine.dispose()
    assert _users(cfg) == before


@pytest.mark.parametrize("attack, words", [
    ("drop_table", "缺少数据表"),
    ("delete_rows", "记录数与校验清单不符"),
    ("add_rows", "记录数与校验清单不符"),
    ("resign_attempt", "校验码不符"),
    ("strip_manifest", "没有校验清单"),
    ("strip_and_drop", "缺少数据表"),
    ("bad_schema_version", "结构版本"),
    ("bad_manifest_json", "校验清单已损坏"),
    ("manifest_wrong_types", "校验清单已损坏"),
])
def test_a_doctored_backup_exits_2_and_nothing_is_replaced(office, tmp_path, monkeypatch, capsys,
                                                           attack, words):
    cfg, good = office
    monkeypatch.setenv("GOVDESK_ADMIN_PASSWORD", ADMIN_PASSWORD)
    manifest = _manifest(good)
    bad = tmp_path / f"{attack}.sqlite3"
    strip = "DELETE FROM govdesk_meta WHERE key = 'backup_manifest'"
    extra: list[str] = []
    if attack == "drop_table":
        sql = ["DROP TABLE documents"]
    elif attack == "delete_rows":
        sql = ["DELETE FROM users WHERE username = 'zhao'"]
    elif attack == "add_rows":
        sql = ["INSERT INTO govdesk_meta (key, value) VALUES ('x', 'y')"]
    elif attack == "resign_attempt":  # drop a table and fix the manifest's list, keep its mac
        del manifest["tables"]["documents"]
        sql = ["DROP TABLE documents", "UPDATE govdesk_meta SET value = '"
               + json.dumps(manifest).replace("'", "''") + "' WHERE key = 'backup_manifest'"]
    elif attack == "strip_manifest":
        sql = [strip]
    elif attack == "strip_and_drop":
        sql = [strip, "DROP TABLE documents"]
        extra = ["--without-manifest"]
    elif attack == "bad_schema_version":
        sql = ["UPDATE govdesk_meta SET value = 'abc' WHERE key = 'schema_version'"]
    elif attack == "bad_manifest_json":
        sql = ["UPDATE govdesk_meta SET value = '{not json' WHERE key = 'backup_manifest'"]
    else:
        manifest["tables"] = "all of them"
        sql = ["UPDATE govdesk_meta SET value = '" + json.dumps(manifest)
               + "' WHERE key = 'backup_manifest'"]
    _doctor(good, bad, *sql)
    before = _users(cfg)
    code = cli_main(["backup", "restore", str(bad), "--yes", *extra])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("错误：") and words in err and "Traceback" not in err
    assert _users(cfg) == before  # nothing replaced
    assert "backup.restore_refused" in _actions(cfg)


def test_a_good_restore_is_audited_and_keeps_a_restorable_copy(office, monkeypatch, capsys):
    cfg, good = office
    monkeypatch.setenv("GOVDESK_ADMIN_PASSWORD", ADMIN_PASSWORD)
    assert "qian" in _users(cfg)
    assert cli_main(["backup", "restore", str(good), "--yes", "--admin", "admin"]) == 0
    out = capsys.readouterr().out
    assert "校验清单一致" in out
    assert "qian" not in _users(cfg)
    engine = open_database(cfg.db_url)
    try:
        last = audit.recent(engine, 1)[0]
        assert last.action == "backup.restore" and last.actor == "admin"
        assert last.detail["manifest"] is True
        assert audit.verify(engine).ok
    finally:
        engine.dispose()
    # the replaced database was kept, with its own manifest: it can be restored back
    safety = next(b.path for b in backup.list_backups(cfg.backups_dir)
                  if b.kind == "before-restore")
    assert backup.verify_file(safety).manifest
    assert cli_main(["backup", "restore", str(safety), "--yes"]) == 0
    assert "qian" in _users(cfg)


def test_a_copy_without_manifest_is_restored_only_when_asked_and_that_is_recorded(
        office, tmp_path, monkeypatch, capsys):
    cfg, good = office
    monkeypatch.setenv("GOVDESK_ADMIN_PASSWORD", ADMIN_PASSWORD)
    old = _doctor(good, tmp_path / "old.sqlite3",
                  "DELETE FROM govdesk_meta WHERE key = 'backup_manifest'")
    assert cli_main(["backup", "restore", str(old), "--yes"]) == 2
    assert "--without-manifest" in capsys.readouterr().err
    assert cli_main(["backup", "restore", str(old), "--yes", "--without-manifest"]) == 0
    assert "未核对记录数" in capsys.readouterr().out
    engine = open_database(cfg.db_url)
    try:
        assert audit.recent(engine, 1)[0].detail["manifest"] is False
    finally:
        engine.dispose()


def test_an_older_schema_copy_is_checked_on_a_migrated_scratch_copy(office, tmp_path, monkeypatch,
                                                                     capsys):
    """A version-1 database (plain SHA-256 audit chain, no manifest, fewer tables): checked after
    migrating a scratch copy, restored only with --without-manifest; with a table dropped the
    migration or the table check refuses it."""
    cfg, _good = office
    monkeypatch.setenv("GOVDESK_ADMIN_PASSWORD", ADMIN_PASSWORD)
    v1 = Path(__file__).resolve().parent.parent / "fixtures" / "govdesk_v1.sqlite3"
    doctored = _doctor(v1, tmp_path / "v1-doctored.sqlite3", "DROP TABLE roles")
    assert cli_main(["backup", "restore", str(doctored), "--yes", "--without-manifest"]) == 2
    assert "拒绝恢复" in capsys.readouterr().err
    assert not [p for p in cfg.data_dir.iterdir() if p.name.startswith(".verify-")]
    copy = tmp_path / "v1.sqlite3"
    copy.write_bytes(v1.read_bytes())
    check = backup.verify_file(copy, require_manifest=False, scratch_dir=tmp_path)
    assert check.schema_version == 1 and not check.manifest and check.audit_events > 0
    assert copy.read_bytes() == v1.read_bytes()  # checked without being changed
