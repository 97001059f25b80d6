"""Backups: round trip (backup → change → restore → identical content), verification before any
replacement, rotation, the CLI, and the PostgreSQL guidance."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.cli import main as cli_main
from app.config import load_config
from app.errors import InputError
from app.services.accounts import users as accounts
from app.services.audit import chain as audit
from app.services.backup import files as backup
from app.services.context import ServiceContext
from app.storage.migrate import open_database
from tests.conftest import ADMIN_PASSWORD, seed_sqlite


def _plain(path: Path) -> Path:
    """A backup as a database file to read (compressed backups are decompressed beside it)."""
    if not backup.is_compressed(path):
        return path
    plain = path.with_name(path.name + ".plain")
    plain.unlink(missing_ok=True)
    backup.decompress_file(path, plain)
    return plain


def _content(path: Path) -> dict[str, list[tuple]]:
    """Every table's rows, except the full-text index (a backup leaves it out, a restore
    rebuilds it: compared by searching instead)."""
    con = sqlite3.connect(str(_plain(path)))
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'search_fts%' "
            "ORDER BY name")]
        content = {t: con.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in tables}
        if "govdesk_meta" in content:  # a backup's manifest rides along in its govdesk_meta
            content["govdesk_meta"] = [r for r in content["govdesk_meta"]
                                       if r[0] != backup.MANIFEST_KEY]
        return content
    finally:
        con.close()


@pytest.fixture
def live(tmp_path):
    """The configured SQLite database with an administrator and one user."""
    cfg = load_config()
    seed_sqlite(cfg.db_url)
    engine = open_database(cfg.db_url, cfg.backups_dir)
    ctx = ServiceContext(engine)
    accounts.create_first_admin(ctx, "admin", ADMIN_PASSWORD)
    admin = ctx.with_actor(accounts.login(ctx, "admin", ADMIN_PASSWORD))
    accounts.add_user(admin, "zhao", "Zhao-pass-1", display_name="赵")
    yield cfg, engine, admin
    engine.dispose()


def test_round_trip_restores_identical_content(live):
    cfg, engine, admin = live
    db = Path(engine.url.database)
    info = backup.create_backup(engine, cfg.backups_dir)
    before = _content(info.path)
    assert before == _content(db)
    accounts.add_user(admin, "qian", "Qian-pass-1")
    zhao = accounts.find_user(admin, "zhao")
    accounts.set_active(admin, zhao.id, False)
    assert _content(db) != before
    check, safety = backup.restore(admin, info.path, cfg.backups_dir)
    after = _content(db)
    # the restore itself is the one audit event added on top of the backup's content
    assert after["audit_events"][:-1] == before["audit_events"]
    assert "backup.restore" in after["audit_events"][-1]
    assert {k: v for k, v in after.items() if k != "audit_events"} == \
        {k: v for k, v in before.items() if k != "audit_events"}
    assert check.audit_events == len(before["audit_events"])
    # the replaced database was kept, with the change in it
    assert {r for r in _content(safety)["users"] if "qian" in r}
    reopened = open_database(cfg.db_url, cfg.backups_dir)
    try:
        assert audit.verify(reopened).ok
        assert accounts.login(ServiceContext(reopened), "zhao", "Zhao-pass-1").username == "zhao"
    finally:
        reopened.dispose()


def _flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_bad_file_is_refused_and_nothing_is_replaced(live, tmp_path):
    cfg, engine, admin = live
    db = Path(engine.url.database)
    good = backup.create_backup(engine, cfg.backups_dir).path
    current = _content(db)

    not_db = tmp_path / "x.sqlite3"
    not_db.write_bytes(b"hello, not a database" * 100)
    truncated = tmp_path / "t.sqlite3"
    truncated.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    tampered_audit = tmp_path / "a.sqlite3"
    tampered_audit.write_bytes(_plain(good).read_bytes())
    con = sqlite3.connect(str(tampered_audit))
    con.execute("UPDATE audit_events SET actor = 'mallory' WHERE seq = 1")
    con.commit()
    con.close()
    newer = tmp_path / "n.sqlite3"
    newer.write_bytes(_plain(good).read_bytes())
    con = sqlite3.connect(str(newer))
    con.execute("UPDATE govdesk_meta SET value = '999' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    foreign = tmp_path / "f.sqlite3"
    con = sqlite3.connect(str(foreign))
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()

    for bad, words in [(not_db, "不是 SQLite"), (truncated, "拒绝恢复"),
                       (tampered_audit, "审计日志被篡改"), (newer, "更高版本"),
                       (foreign, "不是公文值守台"), (tmp_path / "missing.sqlite3", "找不到")]:
        with pytest.raises(InputError, match=words):
            backup.restore(admin, bad, cfg.backups_dir)
        current["audit_events"] = _content(db)["audit_events"]  # the refusal is audited
        assert _content(db) == current, bad
    assert not [p for p in db.parent.iterdir() if ".restore-" in p.name]
    assert [b.kind for b in backup.list_backups(cfg.backups_dir)] == ["manual"]


def test_automatic_backups_once_a_day_and_rotated(live):
    cfg, engine, _admin = live
    day = datetime(2026, 5, 1, 8, tzinfo=UTC)
    made = [backup.auto_backup(engine, cfg.backups_dir, keep=3, now=day + timedelta(days=i))
            for i in range(5)]
    assert all(made)
    assert backup.auto_backup(engine, cfg.backups_dir, keep=3, now=day + timedelta(days=4, hours=3)) is None
    autos = [b for b in backup.list_backups(cfg.backups_dir) if b.kind == "auto"]
    assert [b.created.date().day for b in autos] == [5, 4, 3]
    for b in autos:
        assert backup.verify_file(b.path).audit_events > 0
        assert not Path(f"{b.path}-wal").exists()


def test_cli_create_list_restore(live, capsys, monkeypatch):
    cfg, engine, admin = live
    assert cli_main(["backup", "create"]) == 0
    out = capsys.readouterr().out
    assert "已备份到" in out
    made = backup.list_backups(cfg.backups_dir)[0].path
    assert cli_main(["backup", "list"]) == 0
    assert made.name in capsys.readouterr().out
    accounts.add_user(admin, "sun", "Sun-pass-12")
    engine.dispose()
    import io

    monkeypatch.setenv("GOVDESK_ADMIN_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert cli_main(["backup", "restore", str(made)]) == 2
    assert "--yes" in capsys.readouterr().err
    assert cli_main(["backup", "restore", str(made), "--yes"]) == 0
    assert "原数据库已另存为" in capsys.readouterr().out
    names = [r[1] for r in _content(Path(engine.url.database))["users"]]
    assert "sun" not in names and "zhao" in names
    bogus = made.with_name("bogus.sqlite3")
    bogus.write_text("nope")
    assert cli_main(["backup", "restore", str(bogus), "--yes"]) == 2
    assert "错误：" in capsys.readouterr().err


def test_postgresql_is_told_to_use_pg_dump(monkeypatch, capsys):
    monkeypatch.setenv("GOVDESK_DB_URL", "postgresql+psycopg://u@127.0.0.1:1/none")
    for argv in (["backup", "create"], ["backup", "list"], ["backup", "restore", "x", "--yes"]):
        assert cli_main(argv) == 3
        assert "pg_dump" in capsys.readouterr().err


def _index_some(engine, n=30):
    from app.services.search import index as search

    ctx = ServiceContext(engine)
    with ctx.session() as s, s.begin():
        for i in range(1, n + 1):
            search.index_record(s, "document" if i % 3 else "incoming", i, i % 4,
                                f"关于安全生产第{i}号通知", f"各单位：请做好安全生产和值班工作（第{i}项）。",
                                f"府发〔2026〕{i}号")


def _search_all(engine, admin, query):
    from app.services.search import index as search

    ctx = ServiceContext(engine).with_actor(admin.actor)
    res = search.search(ctx, query, limit=500)
    return res.counts, [(h.kind, h.record_id, h.score) for h in res.hits]


def test_backup_leaves_the_index_out_compressed_and_restore_rebuilds_it(live):
    cfg, engine, admin = live
    _index_some(engine)
    before = {q: _search_all(engine, admin, q) for q in ("安全生产", "安", "府发", "第7号")}
    assert before["安全生产"][0] == {"document": 20, "incoming": 10}
    progress: list[int] = []
    info = backup.create_backup(engine, cfg.backups_dir,
                                progress=lambda pct, _t: progress.append(pct))
    assert info.path.name.endswith(".sqlite3.zst") and backup.is_compressed(info.path)
    assert progress == sorted(progress) and progress[-1] == 100
    plain = _plain(info.path)
    con = sqlite3.connect(str(plain))
    try:  # the index is not in the backup, the text it is built from is
        assert con.execute("SELECT count(*) FROM search_fts_docsize").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM search_entries").fetchone()[0] == 30
    finally:
        con.close()
    assert info.size < plain.stat().st_size / 2
    db = Path(engine.url.database)
    live_con = sqlite3.connect(str(db))
    indexed = live_con.execute("SELECT count(*) FROM search_fts_docsize").fetchone()[0]
    live_con.close()
    assert indexed == 30
    _index_some(engine, 40)  # changed after the backup
    assert _search_all(engine, admin, "安全生产")[0] == {"document": 27, "incoming": 13}
    steps: list[tuple[int, str]] = []
    backup.restore(admin, info.path, cfg.backups_dir, progress=lambda p, t: steps.append((p, t)))
    assert any("重建全文索引" in t for _p, t in steps) and steps[-1][0] == 100
    reopened = open_database(cfg.db_url, cfg.backups_dir)
    try:
        after = {q: _search_all(reopened, admin, q) for q in before}
    finally:
        reopened.dispose()
    assert after == before  # searches as before, ranking included


def test_an_old_plain_backup_still_restores(live):
    cfg, engine, admin = live
    _index_some(engine, 6)
    old = backup.copy_database(Path(engine.url.database),
                               cfg.backups_dir / "govdesk-manual-20250101T000000000000Z.sqlite3")
    assert not backup.is_compressed(old)
    assert [b.path for b in backup.list_backups(cfg.backups_dir)] == [old]
    accounts.add_user(admin, "li", "Li-pass-123")
    check, _safety = backup.restore(admin, old, cfg.backups_dir)
    assert check.manifest
    names = [r[1] for r in _content(Path(engine.url.database))["users"]]
    assert "li" not in names and "zhao" in names
    reopened = open_database(cfg.db_url, cfg.backups_dir)
    try:
        assert _search_all(reopened, admin, "安全生产")[0] == {"document": 4, "incoming": 2}
    finally:
        reopened.dispose()


def test_a_cancelled_backup_leaves_nothing(live):
    cfg, engine, _admin = live

    class Stop(Exception):
        pass

    def stop(pct, _text):
        if pct >= 70:
            raise Stop

    with pytest.raises(Stop):
        backup.create_backup(engine, cfg.backups_dir, progress=stop)
    assert list(cfg.backups_dir.iterdir()) == []


def test_automatic_backups_are_kept_by_generation(tmp_path):
    folder = tmp_path / "b"
    folder.mkdir()
    start = datetime(2026, 1, 1, 9, tzinfo=UTC)
    for day in range(120):  # one automatic copy a day for four months, two on 2026-04-30
        for hour in ((0, 5) if day == 119 else (0,)):
            when = start + timedelta(days=day, hours=hour)
            (folder / f"govdesk-auto-{when:%Y%m%dT%H%M%S}000000Z.sqlite3.zst").write_bytes(b"x")
    (folder / "govdesk-manual-20260101T000000000000Z.sqlite3.zst").write_bytes(b"x")
    removed = backup.rotate(folder, backup.Retention(daily=3, weekly=2, monthly=3))
    kept = sorted(b.created.strftime("%m-%d %H") for b in backup.list_backups(folder)
                  if b.kind == "auto")
    # daily: 04-30 (the later of the two), 04-29, 04-28; weekly: the week of 04-27 (→ 04-30)
    # and that of 04-20 (→ 04-26); monthly: April (→ 04-30), March (→ 03-31), February (→ 02-28)
    assert kept == ["02-28 09", "03-31 09", "04-26 09", "04-28 09", "04-29 09", "04-30 14"]
    assert len(removed) == 121 - 6
    assert any(b.kind == "manual" for b in backup.list_backups(folder))  # never rotated
