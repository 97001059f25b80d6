"""The audit chain's anchor: the last event this desk saw, kept outside the database.

The hash chain proves that nothing was changed, removed or reordered *before* its last row, but
rows cut off the END leave a shorter chain that still verifies. So each desk remembers the last
(``seq``, ``hash``) it saw in a small file in its data folder (``audit_anchor.json``, one entry per
database) and ``audit.verify`` requires the database's chain to still contain exactly that event:
if the chain is shorter, or holds a different event at that number, the end of the log is missing
(“审计日志末尾记录缺失”).

When the anchor moves:

* after every commit that appended an audit event (``note_commit``, hooked by ``audit.append``) —
  so an act is protected as soon as it is recorded, not only at logout;
* after a verification that found the chain intact and the anchor in it (``advance``);
* after a restore from backup, which shortens the chain on purpose (``reset``).

Rules that keep it free of false alarms:

* Only events read back from the database after their commit are anchored (a rolled-back act or
  savepoint leaves nothing to anchor).
* It never moves away from an anchor the database no longer contains: that anchor is the evidence.
* Several desks on one PostgreSQL database: each desk's anchor only proves what that desk saw.
  Rows other desks add make the chain longer and still contain this desk's anchor — no alarm.
  Two processes of one desk (the GUI and a CLI command) may race on the file; either value they
  write is an event of the chain, so a race can only make the anchor older, never wrong.

**Keyed.** Once the desk holds the office's audit key (``app.services.audit.key``) every entry
carries ``key_id`` and ``mac`` = HMAC-SM3(key, database + seq + hash + time): an entry edited to
match a shortened chain, moved from another database, or stripped of its ``mac`` is reported
(“本机审计锚点记录被改动”) and never overwritten (it is the evidence; delete the file after the
investigation). Entries written before the key existed are signed when the key is made or
imported (``adopt_legacy``); the file is 0600 in the 0700 data folder.

What it cannot do: someone able to edit both the database and this desk's data folder (and read
its key) can hide a truncation (for SQLite both usually sit in the same folder, so the anchor
mainly guards against a
database edited or replaced by itself, and on PostgreSQL against the server side). With no anchor
file (new desk, file deleted) ``verify`` makes no claim about the end of the log and says so.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from app.atomicfile import atomic_write
from app.config import data_dir
from app.services.audit import key as audit_key
from app.services.audit.key import canonical
from app.storage.db import read_engine, sqlite_path
from app.storage.models import AuditEvent

log = logging.getLogger(__name__)

FILE = "audit_anchor.json"
FORMAT = 2  # 2: entries carry key_id + mac (HMAC-SM3); 1: unkeyed (read, then signed)
_NO_KEY = object()
_lock = threading.Lock()  # worker threads of one process commit concurrently


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str = ""  # when it was recorded (UTC, ISO), for the message


@dataclass(frozen=True)
class Loaded:
    """The anchor of one database, or why there is none (``problem``: a message)."""

    anchor: Anchor | None
    problem: str = ""
    #: the entry fails its HMAC (or lost it): evidence of an edit, reported and never overwritten
    tampered: bool = False


def anchor_file() -> Path:
    return data_dir() / FILE


def database_key(engine: Engine) -> str:
    """Which database an anchor belongs to: the SQLite file, or server/port/database (no user,
    no password). A copy restored over the same file is the same database."""
    path = sqlite_path(engine)
    if path is not None:
        return f"sqlite:{path.resolve()}"
    url = engine.url
    return f"{url.get_backend_name()}://{url.host or ''}:{url.port or ''}/{url.database or ''}"


def _read_all(path: Path) -> tuple[dict[str, dict], str]:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, ""
    except OSError as exc:
        return {}, f"无法读取本机审计锚点文件（{exc.strerror or exc}）"
    try:
        data = json.loads(raw)
        chains = data["chains"]
        if not isinstance(chains, dict):
            raise TypeError
        return chains, ""
    except (ValueError, KeyError, TypeError):
        return {}, "本机审计锚点文件已损坏"


def _this_key(key: object):
    if key is not _NO_KEY:
        return key
    try:
        return audit_key.load()
    except audit_key.AuditKeyError:
        return None


def _mac(key, db: str, seq: int, hash_: str, at: str) -> str:
    return key.mac(canonical({"db": db, "seq": seq, "hash": hash_, "at": at}))


def _entry(key, db: str, anchor: Anchor) -> dict:
    at = anchor.at or datetime.now(UTC).isoformat()
    entry: dict = {"seq": anchor.seq, "hash": anchor.hash, "at": at}
    if key is not None:
        entry.update(key_id=key.key_id, mac=_mac(key, db, anchor.seq, anchor.hash, at))
    return entry


def load(engine: Engine, path: Path | None = None, *, key: object = _NO_KEY) -> Loaded:
    """This database's anchor. With this desk's audit key (read unless given), the entry must
    carry a valid HMAC; one that does not is ``tampered``."""
    chains, problem = _read_all(path or anchor_file())
    db = database_key(engine)
    entry = chains.get(db)
    if problem or entry is None:
        return Loaded(None, problem)
    try:
        anchor = Anchor(int(entry["seq"]), str(entry["hash"]), str(entry.get("at", "")))
    except (KeyError, TypeError, ValueError):
        return Loaded(None, "本机审计锚点文件已损坏")
    k = _this_key(key)
    if k is None:
        if "mac" in entry:
            return Loaded(None, "本机没有审计密钥，无法校验审计锚点")
        return Loaded(anchor)
    if "mac" not in entry:
        return Loaded(None, f"第 {anchor.seq} 条的锚点记录缺少校验码", tampered=True)
    if entry.get("key_id") != k.key_id or not audit_key.same(
            _mac(k, db, anchor.seq, anchor.hash, anchor.at), entry.get("mac")):
        return Loaded(None, f"第 {anchor.seq} 条的锚点记录与其校验码不符", tampered=True)
    return Loaded(anchor)


def _save(engine: Engine, anchor: Anchor, path: Path, key: object = _NO_KEY) -> None:
    """Replace this database's entry atomically (temp file 0600 in the same folder +
    ``os.replace``). Entries of SQLite files that no longer exist are dropped (tests,
    benchmarks)."""
    chains, _problem = _read_all(path)
    chains = {k: v for k, v in chains.items()
              if not k.startswith("sqlite:") or Path(k[len("sqlite:"):]).exists()}
    db = database_key(engine)
    chains[db] = _entry(_this_key(key), db, anchor)
    _write(path, chains)


def _write(path: Path, chains: dict) -> None:
    atomic_write(path, json.dumps({"format": FORMAT, "chains": chains}, ensure_ascii=False,
                                  indent=1).encode("utf-8"), private=True)


def adopt_legacy(key, path: Path | None = None) -> None:
    """Sign the entries written before this desk had its audit key (made or imported now)."""
    path = path or anchor_file()
    try:
        with _lock:
            chains, problem = _read_all(path)
            if problem or not any(isinstance(v, dict) and "mac" not in v for v in chains.values()):
                return
            for db, entry in list(chains.items()):
                if not isinstance(entry, dict) or "mac" in entry:
                    continue
                try:
                    anchor = Anchor(int(entry["seq"]), str(entry["hash"]), str(entry.get("at", "")))
                except (KeyError, TypeError, ValueError):
                    continue
                chains[db] = _entry(key, db, anchor)
            _write(path, chains)
    except OSError as exc:
        log.warning("audit anchors not signed: %s", exc)


def _hashes(engine: Engine, seqs: set[int]) -> dict[int, str]:
    # a read: on SQLite a deferred transaction (no write lock taken for it)
    with read_engine(engine).connect() as conn:
        return _read_hashes(conn, seqs)


def _read_hashes(conn: Any, seqs: set[int]) -> dict[int, str]:
    rows = conn.execute(select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq.in_(seqs)))
    return {int(r.seq): r.hash for r in rows}


def current(engine: Engine, path: Path | None = None) -> int | None:
    """The seq this desk's anchor names for ``engine``'s database (None: none, or not
    readable)."""
    try:
        loaded = load(engine, path or anchor_file())
    except Exception:  # noqa: BLE001 - note_commit looks again
        return None
    return None if loaded.tampered or loaded.anchor is None else loaded.anchor.seq


def prefetch(engine: Engine, conn: Any, seq: int, path: Path | None = None) -> dict[int, str]:
    """Inside the transaction that appended (or sealed) event ``seq``, just before it commits:
    the hashes ``note_commit`` will need (that event's and the current anchor's), read on
    ``conn`` (a Session or Connection in that transaction) — so that anchoring after the commit
    needs no transaction of its own (issue 32). {} when they cannot be read here."""
    try:
        loaded = load(engine, path or anchor_file())
        if loaded.tampered:
            return {}
        current = loaded.anchor
        return _read_hashes(conn, {seq} | ({current.seq} if current else set()))
    except Exception:  # noqa: BLE001 - note_commit reads them itself after the commit
        return {}


def note_commit(engine: Engine, seq: int, hash_: str, path: Path | None = None,
                found: dict[int, str] | None = None) -> bool:
    """After a commit that appended event ``seq``: anchor it if it is really in the database and
    the current anchor (if any) is still there too; keep the further one. True when written.
    ``found``: those hashes as ``prefetch`` read them in the committed transaction (read again
    here when they do not cover the anchor as it is now). Never raises: the act is committed
    already, and a missing anchor only weakens the check."""
    path = path or anchor_file()
    try:
        with _lock:
            loaded = load(engine, path)
            if loaded.tampered:
                log.warning("audit anchor fails its HMAC; kept as evidence")
                return False
            current = loaded.anchor
            wanted = {seq} | ({current.seq} if current else set())
            if not found or not wanted <= found.keys():
                found = _hashes(engine, wanted)
            if found.get(seq) != hash_:
                return False  # rolled back (a savepoint) or already replaced: nothing to anchor
            if current is not None:
                if found.get(current.seq) != current.hash:
                    log.warning("audit anchor %s no longer in the database; kept", current.seq)
                    return False
                if current.seq >= seq:
                    return False
            _save(engine, Anchor(seq, hash_), path)
            return True
    except Exception as exc:  # noqa: BLE001 - the act is committed; log and go on
        log.warning("audit anchor not written: %s", exc)
        return False


def advance(engine: Engine, seq: int, hash_: str, path: Path | None = None) -> None:
    """After a full verification that found the chain intact up to ``seq`` and containing the
    anchor: move the anchor to the chain's end (the caller checked containment)."""
    try:
        with _lock:
            loaded = load(engine, path or anchor_file())
            if loaded.tampered:
                return
            current = loaded.anchor
            if current is None or current.seq < seq:
                _save(engine, Anchor(seq, hash_), path or anchor_file())
    except OSError as exc:
        log.warning("audit anchor not written: %s", exc)


def reset(engine: Engine, path: Path | None = None) -> Anchor | None:
    """Anchor the database's current last event, whatever was anchored before: for acts that
    shorten the chain on purpose and are audited themselves (restoring a backup)."""
    with engine.connect() as conn:
        last = conn.execute(select(AuditEvent.seq, AuditEvent.hash)
                            .order_by(AuditEvent.seq.desc()).limit(1)).first()
    if last is None:
        return None
    anchor = Anchor(int(last.seq), last.hash)
    with _lock:
        _save(engine, anchor, path or anchor_file())
    return anchor
