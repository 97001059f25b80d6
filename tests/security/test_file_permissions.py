"""Issue 18 — files on a shared workstation.

Before: the data folder was 0755 and the database, its WAL, backups, the anchor file and exports
were 0644 — any account on the machine could copy the office's records. Now the data folder and
the backups folder are 0700 and every file the program writes there (and every export) is 0600,
whatever the umask; a database left world-readable by an older version is narrowed when opened.
(Windows: ``app.fileperm`` sets an owner-only ACL instead; not exercised here.)
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from app.config import load_config, save_settings
from app.paths import resource
from app.services.accounts import users as accounts
from app.services.audit import anchor as audit_anchor
from app.services.audit import chain as audit
from app.services.audit import key as audit_key
from app.services.audit_review import review as audit_log
from app.services.audit_review.review import AuditFilter
from app.services.backup import files as backup
from app.services.context import SYSTEM, ServiceContext
from app.storage.migrate import open_database
from tests.conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)  # the usual default: files 0644, folders 0755
    yield
    os.umask(old)


def test_data_folder_database_backups_anchor_key_and_exports_are_private(loose_umask, tmp_path):
    cfg = load_config()
    assert _mode(cfg.data_dir) == 0o700
    engine = open_database(cfg.db_url, cfg.backups_dir)
    try:
        ctx = ServiceContext(engine)
        accounts.create_first_admin(ctx, "admin", ADMIN_PASSWORD)
        admin = ctx.with_actor(accounts.login(ctx, "admin", ADMIN_PASSWORD))
        for i in range(3):
            with Session(engine) as s, s.begin():
                audit.append(s, SYSTEM, "test.write", "thing", i)
        db = Path(engine.url.database)
        assert _mode(db) == 0o600
        for extra in ("-wal", "-shm"):
            side = Path(f"{db}{extra}")
            if side.exists():
                assert _mode(side) == 0o600, side
        assert _mode(cfg.backups_dir) == 0o700
        made = backup.create_backup(engine, cfg.backups_dir).path
        assert _mode(made) == 0o600
        assert _mode(audit_anchor.anchor_file()) == 0o600
        assert _mode(audit_key.key_file()) == 0o600
        save_settings({"x": 1}, cfg.data_dir)
        assert _mode(cfg.data_dir / "settings.json") == 0o600
        xlsx = tmp_path / "exports" / "log.xlsx"
        audit_log.export_xlsx(admin, AuditFilter(), xlsx)
        assert _mode(xlsx) == 0o600
        pdf = tmp_path / "exports" / "log.pdf"
        audit_log.render_print(admin, AuditFilter(), pdf)
        assert _mode(pdf) == 0o600
    finally:
        engine.dispose()
    others = [p for p in cfg.data_dir.rglob("*") if p.is_file() and _mode(p) & 0o077]
    assert not others, others


def test_a_world_readable_database_of_an_older_version_is_narrowed(loose_umask):
    cfg = load_config()
    db = Path(cfg.db_url.removeprefix("sqlite:///"))
    engine = open_database(cfg.db_url, cfg.backups_dir)
    engine.dispose()
    os.chmod(db, 0o644)
    os.chmod(cfg.data_dir, 0o755)
    cfg = load_config()
    engine = open_database(cfg.db_url, cfg.backups_dir)
    engine.dispose()
    assert _mode(db) == 0o600 and _mode(cfg.data_dir) == 0o700


def test_the_program_writes_exports_private_whatever_the_umask(loose_umask, tmp_path):
    out = tmp_path / "shared" / "notice.pdf"
    out.parent.mkdir()  # a folder others can read (0755 under this umask)
    env = {**os.environ, "GOVDESK_DATA_DIR": str(tmp_path / "data"), "QT_QPA_PLATFORM": "offscreen",
           "GOVDESK_SYSTEM_FONTS": "0"}
    done = subprocess.run([sys.executable, "-m", "app", "render",
                           str(resource("demo", "notice.json")), "-o", str(out),
                           "--allow-placeholders"],
                          cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert _mode(out) == 0o600
