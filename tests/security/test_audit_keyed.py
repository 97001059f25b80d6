"""Issue 18 — an audit log that a database owner cannot rewrite.

The attacker here can write the database (SQL, any tool) and this desk's anchor file, but cannot
read the office's audit key (``audit.key``, 0600, outside the database). Before the chain was
keyed, recomputing every SHA-256 after an edit or a deletion and re-anchoring made verification
pass; now each attack is reported at its first bad row. Old (SHA-256) rows still verify, a
malformed row is reported instead of raising, and a desk without the key cannot sign the chain.
"""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.cli import main as cli_main
from app.config import load_config
from app.services.accounts import users as accounts
from app.services.audit import anchor as audit_anchor
from app.services.audit import chain as audit
from app.services.audit import key as audit_key
from app.services.context import SYSTEM, ServiceContext
from app.storage.migrate import open_database
from tests.conftest import ADMIN_PASSWORD

COLS = ("seq", "at", "actor_id", "actor", "action", "object_type", "object_id", "detail",
        "prev_hash", "hash", "hash_alg", "key_id", "outcome", "desk")


def _fill(engine, n=8, what="test"):
    for i in range(n):
        with Session(engine) as s, s.begin():
            audit.append(s, SYSTEM, f"{what}.e{i}", "thing", i, {"i": i, "文字": "中文"})


def _rows(engine) -> list[dict]:
    with Session(engine) as s:
        from app.storage.models import AuditEvent

        return [{c: getattr(e, c) for c in COLS}
                for e in s.query(AuditEvent).order_by(AuditEvent.seq)]


def _plain_hash(row: dict) -> str:
    """What an attacker without the key can compute: the unkeyed SHA-256 of the old format."""
    payload = {k: row[k] for k in ("seq", "actor_id", "actor", "action", "object_type",
                                   "object_id", "detail", "prev_hash")}
    payload["at"] = audit._at_text(row["at"])
    for name, default in (("outcome", "success"), ("desk", "")):  # hashed when set (0020)
        if row.get(name, default) != default:
            payload[name] = row[name]
    return hashlib.sha256(audit.canonical(payload)).hexdigest()


def _write_back(engine, rows: list[dict], *, downgrade: bool, from_seq: int = 1) -> None:
    """Replace the whole table by ``rows`` with every hash from ``from_seq`` on recomputed
    (SHA-256 — the attacker has no key), as ``sha256`` rows (``downgrade``) or still labelled
    ``hmac-sm3``; the rows before keep theirs."""
    prev = audit.GENESIS
    for r in rows:
        if r["seq"] >= from_seq:
            r["prev_hash"] = prev
            if downgrade:
                r["hash_alg"], r["key_id"] = "sha256", ""
            r["hash"] = _plain_hash(r)
        prev = r["hash"]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events"))
        for r in rows:
            r.setdefault("outcome", "success")
            r.setdefault("desk", "")
            conn.execute(text(
                "INSERT INTO audit_events (seq, at, actor_id, actor, action, object_type, "
                "object_id, detail, prev_hash, hash, hash_alg, key_id, outcome, desk) VALUES "
                "(:seq, :at, :actor_id, :actor, :action, :object_type, :object_id, :detail, "
                ":prev_hash, :hash, :hash_alg, :key_id, :outcome, :desk)"), r)


def _reanchor_without_key(engine, rows: list[dict]) -> None:
    """The attacker points this desk's anchor at the rewritten chain's end (keeping the fields
    the file had: any mac it carried no longer matches)."""
    path = audit_anchor.anchor_file()
    data = json.loads(path.read_text(encoding="utf-8"))
    entry = data["chains"][audit_anchor.database_key(engine)]
    entry.update(seq=rows[-1]["seq"], hash=rows[-1]["hash"])
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize("downgrade", [False, True], ids=["relabelled", "downgraded"])
def test_an_edit_with_every_hash_recomputed_and_reanchored_is_caught_at_that_row(engine, downgrade):
    _fill(engine)
    rows = _rows(engine)
    rows[3]["actor"] = "mallory"  # seq 4
    _write_back(engine, rows, downgrade=downgrade, from_seq=4)
    _reanchor_without_key(engine, rows)
    result = audit.verify(engine, anchor=False)  # the chain alone, whatever the anchor says
    assert not result.ok and result.broken_seq == 4, result.message()
    result = audit.verify(engine)
    assert not result.ok
    assert "mallory" in [r["actor"] for r in _rows(engine)]  # nothing was "repaired"


def test_a_deletion_with_renumbering_and_recomputed_hashes_is_caught(engine):
    _fill(engine)
    rows = [r for r in _rows(engine) if r["seq"] != 5]
    for r in rows:
        if r["seq"] > 5:
            r["seq"] -= 1
    _write_back(engine, rows, downgrade=False, from_seq=5)
    _reanchor_without_key(engine, rows)
    result = audit.verify(engine, anchor=False)
    assert (result.ok, result.broken_seq) == (False, 5)
    assert "第 5 条" in result.message()


def test_the_whole_chain_rewritten_unkeyed_is_caught_by_the_keyed_anchor(engine):
    _fill(engine)
    rows = _rows(engine)[:-2]  # the last two acts removed, everything rehashed as SHA-256
    _write_back(engine, rows, downgrade=True)
    _reanchor_without_key(engine, rows)
    result = audit.verify(engine)
    assert not result.ok and result.anchor == "tampered"
    assert result.message().startswith(audit.ANCHOR_TAMPERED)
    # and the forged anchor is evidence: new acts do not overwrite it
    _fill(engine, 1, "after")
    assert audit.verify(engine).anchor == "tampered"


def test_a_keyed_row_relabelled_as_plain_sha256_is_a_downgrade(engine):
    _fill(engine, 4)
    rows = _rows(engine)
    last = rows[-1]
    last.update(hash_alg="sha256", key_id="", detail='{"i":99}')
    last["hash"] = _plain_hash(last)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET hash_alg = 'sha256', key_id = '', "
                          "detail = :d, hash = :h WHERE seq = :s"),
                     {"d": last["detail"], "h": last["hash"], "s": last["seq"]})
    result = audit.verify(engine, anchor=False)
    assert (result.ok, result.broken_seq) == (False, 4) and "降级" in result.reason


def test_first_bad_row_is_reported_when_several_are_bad(engine):
    _fill(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'x' WHERE seq IN (3, 6)"))
    result = audit.verify(engine)
    assert (result.ok, result.broken_seq) == (False, 3)


@pytest.mark.parametrize("column, value, words", [
    ("at", "not a time", "格式错误"),
    ("at", "", "格式错误"),
    ("seq_text", "abc", "格式错误"),
    ("hash_alg", "md5", "未知的哈希算法"),
    ("detail", b"\xff\xfe", "记录"),
])
def test_a_malformed_row_is_reported_not_raised(engine, column, value, words):
    if engine.dialect.name == "postgresql" and column in ("at", "seq_text"):
        pytest.skip("PostgreSQL's column types refuse such a value: the row cannot be stored there")
    _fill(engine, 5)
    with engine.begin() as conn:
        if column == "seq_text":
            conn.execute(text("UPDATE audit_events SET seq = :v WHERE seq = 5"), {"v": value})
        else:
            conn.execute(text(f"UPDATE audit_events SET {column} = :v WHERE seq = 3"), {"v": value})
    result = audit.verify(engine)  # must not raise
    assert not result.ok and words in result.message(), result.message()
    assert result.broken_seq in (3, 5)


def test_old_sha256_rows_still_verify_and_new_rows_are_hmac_sm3(engine):
    # a chain written before the key existed: plain SHA-256 rows, no key file on the desk yet
    rows = []
    prev = audit.GENESIS
    for i in range(1, 4):
        r = {"seq": i, "at": audit.utcnow(), "actor_id": None, "actor": "old", "action": "login",
             "object_type": "user", "object_id": str(i), "detail": "{}", "prev_hash": prev,
             "hash_alg": "sha256", "key_id": ""}
        r["hash"] = prev = _plain_hash(r)
        rows.append(r)
    _write_back(engine, rows, downgrade=True)
    assert audit_key.load() is None
    assert audit.verify(engine).ok
    _fill(engine, 2, "new")
    key = audit_key.load()
    assert key is not None
    stored = _rows(engine)
    assert [r["hash_alg"] for r in stored] == ["sha256"] * 3 + ["hmac-sm3"] * 2
    assert {r["key_id"] for r in stored[3:]} == {key.key_id}
    assert audit.verify(engine).ok
    # the key is kept outside the database, private to the desk, with its own checksum
    path = audit_key.key_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["checksum"]
    if engine.dialect.name == "sqlite":  # the raw file (PostgreSQL: the rows hold only MACs)
        db_bytes = Path(engine.url.database).read_bytes()
        wal = Path(f"{engine.url.database}-wal")
        db_bytes += wal.read_bytes() if wal.exists() else b""
        assert key.key not in db_bytes and base64.b64encode(key.key) not in db_bytes
    # and the anchor is keyed
    entry = json.loads(audit_anchor.anchor_file().read_text())["chains"].popitem()[1]
    assert entry["key_id"] == key.key_id and len(entry["mac"]) == 64


def test_a_damaged_key_file_is_reported_not_raised(engine):
    _fill(engine, 3)
    path = audit_key.key_file()
    data = json.loads(path.read_text())
    data["key"] = base64.b64encode(b"\x00" * 32).decode()
    path.write_text(json.dumps(data))
    result = audit.verify(engine)
    assert not result.ok and result.kind == "unverifiable"
    assert "已损坏" in result.message() and "无法校验" in result.message()
    with pytest.raises(audit_key.AuditKeyError), Session(engine) as s, s.begin():
        audit.append(s, SYSTEM, "test.more")


def test_a_desk_without_the_key_cannot_sign_and_imports_only_the_real_key(
        tmp_path, monkeypatch, capsys):
    cfg = load_config()
    engine = open_database(cfg.db_url, cfg.backups_dir)
    try:
        ctx = ServiceContext(engine)
        accounts.create_first_admin(ctx, "admin", ADMIN_PASSWORD)
        _fill(engine, 2)
    finally:
        engine.dispose()
    monkeypatch.setenv("GOVDESK_ADMIN_PASSWORD", ADMIN_PASSWORD)
    exported = tmp_path / "carry" / "office.key"
    assert cli_main(["audit", "key", "export", str(exported)]) == 0
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    capsys.readouterr()

    # desk B: same database (as on a shared PostgreSQL server), its own data folder, no key
    monkeypatch.setenv("GOVDESK_DB_URL", cfg.db_url)
    monkeypatch.setenv("GOVDESK_DATA_DIR", str(tmp_path / "desk_b"))
    assert cli_main(["user", "list"]) == 2
    assert "本机没有审计密钥" in capsys.readouterr().err
    assert cli_main(["audit", "verify"]) == 1
    assert "无法校验" in capsys.readouterr().err
    wrong = tmp_path / "wrong.key"
    other = audit_key.AuditKey(b"\x01" * 32, audit_key.key_id_of(b"\x01" * 32), "x")
    wrong.write_bytes(audit_key.dumps(other))
    assert cli_main(["audit", "key", "import", str(wrong)]) == 2
    assert "不是本数据库审计日志所用的密钥" in capsys.readouterr().err
    broken = tmp_path / "broken.key"
    broken.write_text("{oops")
    assert cli_main(["audit", "key", "import", str(broken)]) == 2
    assert "格式不正确" in capsys.readouterr().err
    assert cli_main(["audit", "key", "import", str(exported)]) == 0
    capsys.readouterr()
    assert cli_main(["user", "list"]) == 0
    assert cli_main(["audit", "verify"]) == 0
    engine = open_database(cfg.db_url)
    try:
        actions = [e.action for e in audit.recent(engine, 10)]
        assert "audit.key_import" in actions and "audit.key_export" in actions
    finally:
        engine.dispose()
