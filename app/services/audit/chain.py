"""The audit log: append-only, hash-chained and keyed.

Every event row stores ``prev_hash`` (the ``hash`` of the event before it; 64 zeros for the first)
and its own ``hash`` over a canonical serialisation (``canonical``: JSON with sorted keys, no
whitespace, UTF-8) of ``seq``, ``at``, the actor, action, object and detail plus ``prev_hash``.
Changing, deleting or reordering any row breaks a link that ``verify`` reports.

**Keyed.** ``hash_alg`` on each row says how its hash was made. New rows are ``hmac-sm3``:
HMAC-SM3 with the office's audit key (``app.services.audit.key``; a file outside the database)
over the fields above plus ``alg`` and ``key_id`` — so whoever can only write the database cannot
recompute the chain after an edit or a deletion. Rows written before the chain was keyed are
``sha256`` (plain SHA-256 of the fields, as before) and still verify; the first keyed row's MAC
covers their last hash, so they are protected from then on too. A ``sha256`` row after a keyed row
is a downgrade and is reported. ``verify`` reads raw rows and reports the first bad one — a
malformed row (unreadable time, wrong types) included — instead of raising. Cutting events
off the END of the log leaves a shorter valid chain: for that each desk keeps an anchor outside
the database, the last event it saw (``app.services.audit.anchor``, moved after every commit that
appended an event), and ``verify`` also requires the chain to still contain it.

Appending without an office-wide lock (issue 32; docs/foundation.md "Audit chain"):

* **SQLite** — every write transaction already holds the database's write lock (``BEGIN
  IMMEDIATE``, ``app.storage.db``), so ``append`` chains the event inline: it reads the last row
  and writes the next ``seq``/``prev_hash``/``hash`` in the caller's transaction.
* **PostgreSQL** — ``append`` takes no lock: it writes the event to ``audit_pending`` with its own
  HMAC-SM3 (``mac``, over the same fields plus ``alg``/``key_id``), in the caller's transaction,
  so the act and its record still commit or roll back together. Right after that commit the
  desk runs the **sealer** (``seal``): in a short transaction of its own, under a
  transaction-level advisory lock it only *tries* to take (a desk that finds another sealing
  goes on — that sealer picks its events up), it moves the pending events in the order they were
  written into ``audit_events``, checking each one's MAC, giving it the next ``seq`` and chaining
  it exactly as before. A pending event whose MAC fails is not chained as it stands: an
  ``audit.pending_tampered`` event naming it is, and ``verify`` reports it. ``verify`` (the
  ``audit verify`` command, the start-up check) seals first, waiting for the lock.

What this guarantees: a sealed event cannot be changed, removed or reordered undetected (the
chain, plus the anchor for the end); a pending one cannot be changed undetected (its MAC). Order
between desks is the order of sealing, which follows the order of writing to within the sealing
interval — normally the few milliseconds between a desk's commit and its seal. ``seq`` is unique
as a last line of defence.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    Engine,
    String,
    Table,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy import event as sa_event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.services.audit import anchor as audit_anchor
from app.services.audit import key as audit_key
from app.services.audit import scope as audit_scope
from app.services.audit.key import ALG, LEGACY_ALG, AuditKey, AuditKeyError, canonical
from app.storage.models import AuditEvent, AuditPending, utcnow

if TYPE_CHECKING:
    from app.services.context import Actor

GENESIS = "0" * 64
#: ``audit_events.outcome``: the act was done, or it was refused (a refused attempt is audited too).
SUCCESS = "success"
REFUSED = "refused"


def desk_name() -> str:
    """Where an event was written: ``GOVDESK_DESK`` when set, else this computer's host name."""
    import os
    import socket

    name = os.environ.get("GOVDESK_DESK", "").strip() or socket.gethostname()
    return name[:64]
#: Arbitrary constant identifying the audit chain's advisory lock on PostgreSQL.
_PG_LOCK_KEY = 0x60D35C_A0D1


def _at_text(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _payload(event: Any) -> dict[str, Any]:
    """The hashed fields (``event``: an ``AuditEvent`` or a raw row with the same names)."""
    payload = {
        "seq": event.seq,
        "at": _at_text(event.at),
        "actor_id": event.actor_id,
        "actor": event.actor,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "detail": event.detail,
        "prev_hash": event.prev_hash,
    }
    # 密级 (revision 0015): hashed when set, so it cannot be lowered undetected; 0 (every row
    # written before the column existed) leaves the payload as it was
    level = getattr(event, "classification", 0) or 0
    if level:
        payload["classification"] = int(level)
    # outcome and desk (revision 0020): hashed when not the defaults every older row has
    outcome = getattr(event, "outcome", None) or SUCCESS
    if outcome != SUCCESS:
        payload["outcome"] = outcome
    desk = getattr(event, "desk", None) or ""
    if desk:
        payload["desk"] = desk
    return payload


def compute_hash(event: Any, key: AuditKey | None = None) -> str:
    """The hash ``event`` should carry under its ``hash_alg``: plain SHA-256 for ``sha256`` rows,
    HMAC-SM3 with ``key`` (default: this desk's key) for ``hmac-sm3`` rows."""
    alg = getattr(event, "hash_alg", None) or LEGACY_ALG
    payload = _payload(event)
    if alg == LEGACY_ALG:
        return hashlib.sha256(canonical(payload)).hexdigest()
    if alg != ALG:
        raise ValueError(f"unknown audit hash algorithm {alg!r}")
    key = key or audit_key.load()
    if key is None:
        raise AuditKeyError(audit_key.MISSING)
    return key.mac(canonical({**payload, "alg": alg, "key_id": event.key_id}))


def _signing_key(session: Session, last_alg: str | None, last_key_id: str | None) -> AuditKey:
    """This desk's key for a new row; made on the first keyed write of a chain, refused when the
    chain is keyed by a key this desk does not hold."""
    key = audit_key.load()
    if key is None:
        keyed = last_alg == ALG or session.execute(
            select(AuditEvent.seq).where(AuditEvent.hash_alg != LEGACY_ALG).limit(1)).first()
        if keyed:
            # another writer of this desk may have made the key between our look and its first
            # event reaching the chain (it makes the key before it writes): look once more
            key = audit_key.load()
            if key is None:
                raise AuditKeyError(audit_key.MISSING)
        else:
            key = audit_key.create()
            audit_anchor.adopt_legacy(key)  # this desk's anchors, written before, keyed now
    if last_alg == ALG and last_key_id != key.key_id:
        raise AuditKeyError(
            f"本机审计密钥（标识 {key.key_id}）与数据库审计日志所用密钥（标识 {last_key_id}）不符，"
            "不能写入审计记录。请管理员从其他终端导出正确的密钥后在本机导入。")
    return key


def append(
    session: Session,
    actor: Actor | None,
    action: str,
    object_type: str = "",
    object_id: object = "",
    detail: dict[str, Any] | None = None,
    *,
    at: datetime | None = None,
    actor_name: str | None = None,
    classification: int | None = None,
    outcome: str = SUCCESS,
) -> AuditEvent:
    """Append one event in ``session``'s transaction. ``actor_name`` records who claimed to act
    when there is no signed-in actor (e.g. the username typed at a failed login). The event's 密级
    is worked out from what it names (``audit_scope.level_of``); ``classification`` raises it.
    ``outcome``: ``SUCCESS`` or ``REFUSED`` (a refused attempt); the desk is recorded too."""
    when = (at or utcnow()).astimezone(UTC)
    fields = dict(
        at=when,
        actor_id=actor.user_id if actor else None,
        actor=actor_name if actor_name is not None else (actor.username if actor else ""),
        action=action,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        detail=canonical(detail or {}).decode(),
        classification=audit_scope.level_of(session, object_type, object_id, detail,
                                            classification),
        outcome=outcome,
        desk=desk_name(),
    )
    if not chained_inline(session):
        return _append_pending(session, fields)
    last = _last(session)
    key = _signing_key(session, last.hash_alg if last else None, last.key_id if last else None)
    event = _chain(fields, last, key)
    _insert_events(session, [event])
    _anchor_on_commit(session, event.seq, event.hash)
    return event


#: column → the value an unset attribute gets (the column's scalar default, as the ORM inserts it)
_EVENT_COLUMNS = {c.key: (c.default.arg if c.default is not None and c.default.is_scalar
                          else None)
                  for c in AuditEvent.__table__.columns if c.key != "id"}


def _insert_events(session: Session, events: list[AuditEvent]) -> None:
    """Write ``events`` (made by ``_chain``, not added to the session) with one INSERT: the
    session's pending changes first, as a flush would; no unit-of-work bookkeeping per event."""
    session.flush()
    rows = []
    for e in events:
        given = e.__dict__
        rows.append({name: given[name] if given.get(name) is not None else default
                     for name, default in _EVENT_COLUMNS.items()})
    session.execute(insert(cast(Table, AuditEvent.__table__)), rows)


def chained_inline(session: Session) -> bool:
    """True where the writer already holds the database's write lock (SQLite): events are
    chained in the writing transaction; elsewhere they are appended pending and sealed."""
    return session.get_bind().dialect.name != "postgresql"


def _last(session: Session) -> Any:
    return session.execute(
        select(AuditEvent.seq, AuditEvent.hash, AuditEvent.hash_alg, AuditEvent.key_id)
        .order_by(AuditEvent.seq.desc()).limit(1)
    ).first()


def _chain(fields: dict[str, Any], last: Any, key: AuditKey) -> AuditEvent:
    """The event after ``last`` (a row with seq and hash, or None) with ``fields``, keyed."""
    event = AuditEvent(seq=(last.seq + 1) if last else 1,
                       prev_hash=last.hash if last else GENESIS,
                       hash_alg=ALG, key_id=key.key_id, **fields)
    event.hash = compute_hash(event, key)
    return event


_FIELDS = ("at", "actor_id", "actor", "action", "object_type", "object_id", "detail",
           "classification")


def pending_mac(row: Any, key: AuditKey) -> str:
    """The HMAC-SM3 a pending event carries (``row``: an ``AuditPending`` or a row like it);
    outcome and desk are covered when not the defaults, as in a chained event's hash."""
    payload = {name: getattr(row, name) for name in _FIELDS}
    payload["at"] = _at_text(row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC))
    payload["classification"] = int(row.classification or 0)
    for name, default in (("outcome", SUCCESS), ("desk", "")):
        value = getattr(row, name, None) or default
        if value != default:
            payload[name] = value
    return key.mac(canonical({**payload, "pending": True, "alg": ALG, "key_id": row.key_id}))


class _Fields:
    """Attribute access to a dict of column values (what ``pending_mac`` reads)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


_PENDING = "govdesk_audit_pending"  # session.info key: this transaction appended pending events


#: engine → the key id its chain was last seen signed with by this process (``_pending_key``)
_CHAIN_KEY: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def _engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def _pending_key(session: Session) -> AuditKey:
    """The key a pending event is signed with: this desk's, once the chain's last event was seen
    signed with it. That look (``_last``) is made once per engine, not per event: a chain keyed
    with a key never goes back to another (a change of key is refused, a downgrade reported), and
    the sealer checks every pending event's key against the chain anyway."""
    key = audit_key.load()
    engine = _engine_of(session)
    if key is not None and _CHAIN_KEY.get(engine) == key.key_id:
        return key
    last = _last(session)  # no lock: only to know which key the chain is signed with
    key = _signing_key(session, last.hash_alg if last else None, last.key_id if last else None)
    if last is not None and last.hash_alg == ALG and last.key_id == key.key_id:
        _CHAIN_KEY[engine] = key.key_id
    return key


def _append_pending(session: Session, fields: dict[str, Any]) -> AuditEvent:
    key = _pending_key(session)
    values = dict(fields, key_id=key.key_id)
    values["mac"] = pending_mac(_Fields(values), key)
    session.flush()  # (the act's own changes first, as before)
    session.execute(insert(cast(Table, AuditPending.__table__)).values(**values))
    if _PENDING not in session.info:
        sa_event.listen(session, "after_commit", _seal_after_commit)
        sa_event.listen(session, "after_rollback", _forget_pending)
    session.info[_PENDING] = True
    # what the caller gets: the event as it will be chained (seq and hash come with the seal)
    return AuditEvent(seq=None, prev_hash="", hash="", hash_alg=ALG, key_id=key.key_id, **fields)


def _seal_after_commit(session: Session) -> None:
    if not session.info.get(_PENDING):
        return
    session.info[_PENDING] = False
    try:
        seal(_engine_of(session))
    except Exception:  # noqa: BLE001 - committed already; the next seal (any desk's) chains it
        return


def _forget_pending(session: Session) -> None:
    session.info[_PENDING] = False


#: Arbitrary constant identifying the sealer's advisory lock on PostgreSQL.
_SEAL_LOCK_KEY = _PG_LOCK_KEY
#: Events moved per seal transaction.
SEAL_BATCH = 500
TAMPERED_PENDING = "audit.pending_tampered"


def seal(engine: Engine, *, wait: bool = False, rounds: int = 20) -> int:
    """Chain the pending events (PostgreSQL; see the module notes) and anchor the last one.
    ``wait``: wait for another sealer instead of leaving the work to it. Returns how many events
    were chained. Raises only database errors (the callers after a commit swallow them)."""
    if engine.dialect.name != "postgresql":
        return 0
    total = 0
    for _ in range(rounds):
        done, last, found = _seal_once(engine, wait)
        if done < 0:
            break  # another desk is sealing: it picks the rest up
        total += done
        if last is not None:
            audit_anchor.note_commit(engine, last[0], last[1], found=found)
        if done < SEAL_BATCH:
            break  # else more were waiting than one transaction moves
    return total


def _seal_once(engine: Engine, wait: bool
               ) -> tuple[int, tuple[int, str] | None, dict[int, str]]:
    """One seal transaction: the pending events in order, then once more those committed
    meanwhile (READ COMMITTED: each statement sees the commits made before it), up to
    ``SEAL_BATCH`` events; the hashes the anchor needs are read before it commits."""
    with Session(engine) as s, s.begin():
        if wait:
            s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SEAL_LOCK_KEY})
        elif not s.execute(text("SELECT pg_try_advisory_xact_lock(:k)"),
                           {"k": _SEAL_LOCK_KEY}).scalar():
            return -1, None, {}
        done = 0
        last: Any = None
        key: AuditKey | None = None
        found: dict[int, str] = {}
        while done < SEAL_BATCH:
            rows = list(s.execute(select(AuditPending.__table__).order_by(AuditPending.id)
                                  .limit(SEAL_BATCH - done)))
            if not rows:
                break
            if key is None:
                last, found = _last_and_anchor(engine, s)
                key = _signing_key(s, last.hash_alg if last else None,
                                   last.key_id if last else None)
            last = _seal_rows(s, rows, last, key)
            done += len(rows)
        if not done:
            return 0, None, {}
        found[last.seq] = last.hash  # (written in this transaction: it is there when it commits)
        return done, (last.seq, last.hash), found


def _last_and_anchor(engine: Engine, s: Session) -> tuple[Any, dict[int, str]]:
    """The chain's last event, and the hash of the event this desk's anchor names (what
    anchoring after the commit checks is still there; ``anchor.note_commit``), in one read."""
    anchored = audit_anchor.current(engine)
    if anchored is None:
        return _last(s), {}
    cols = (AuditEvent.seq, AuditEvent.hash, AuditEvent.hash_alg, AuditEvent.key_id)
    newest = select(func.max(AuditEvent.seq)).scalar_subquery()
    rows = s.execute(select(*cols).where(or_(AuditEvent.seq == newest,
                                             AuditEvent.seq == anchored))).all()
    last = max(rows, key=lambda r: r.seq, default=None)
    return last, {r.seq: r.hash for r in rows if r.seq == anchored}


def _seal_rows(s: Session, rows: list[Any], last: Any, key: AuditKey) -> Any:
    """Chain ``rows`` (of ``audit_pending``) after ``last`` and delete them from
    ``audit_pending``, one INSERT and one DELETE; the new last."""
    events = []
    for row in rows:
        fields = {name: getattr(row, name) for name in (*_FIELDS, "outcome", "desk")}
        if row.key_id != key.key_id or not audit_key.same(pending_mac(row, key), row.mac):
            fields = dict(
                at=utcnow(), actor_id=None, actor="system", action=TAMPERED_PENDING,
                object_type="audit_pending", object_id=str(row.id),
                detail=canonical({
                    "action": row.action, "actor": row.actor, "at": _at_text(row.at),
                    "problem": "待封存的审计记录与其校验码不符"}).decode(),
                classification=int(row.classification or 0))
        event = _chain(fields, last, key)
        events.append(event)
        last = event
    _insert_events(s, events)
    s.execute(delete(AuditPending).where(AuditPending.id.in_([r.id for r in rows])))
    return last


_LAST = "govdesk_audit_last"  # session.info key: (seq, hash) of the last event appended


def _anchor_on_commit(session: Session, seq: int, hash_: str) -> None:
    """Once the session commits, anchor its last event outside the database (see
    ``audit_anchor.note_commit``, which reads it back first, so a rolled-back append is never
    anchored). One listener per session."""
    if _LAST not in session.info:
        sa_event.listen(session, "before_commit", _before_commit)
        sa_event.listen(session, "after_commit", _after_commit)
        sa_event.listen(session, "after_rollback", _after_rollback)
    session.info[_LAST] = (seq, hash_)


_FOUND = "govdesk_audit_anchor_found"  # session.info key: hashes read for the anchor


def _before_commit(session: Session) -> None:
    """Read what anchoring needs inside the committing transaction (``anchor.prefetch``), so the
    anchor after the commit costs no transaction of its own."""
    last = session.info.get(_LAST)
    if last is None:
        return
    try:
        engine = _engine_of(session)
        with session.no_autoflush:
            session.flush()  # (the commit flushes next anyway; the read must see every row)
            session.info[_FOUND] = audit_anchor.prefetch(engine, session, last[0])
    except Exception:  # noqa: BLE001 - read again after the commit
        session.info[_FOUND] = None


def no_anchor(session: Session) -> None:
    """``session`` anchors nothing when it commits: it joins a larger transaction as a savepoint
    (releasing one is no commit), and the outer session anchors the last event at its own
    commit."""
    session.info[_LAST] = None


def _after_commit(session: Session) -> None:
    last = session.info.get(_LAST)
    if last is None:
        return
    session.info[_LAST] = None
    found = session.info.pop(_FOUND, None)
    try:
        bind = session.get_bind()
    except Exception:  # noqa: BLE001 - committed already; an unanchored event only weakens the check
        return
    seq, hash_ = last
    audit_anchor.note_commit(bind.engine, seq, hash_, found=found)  # an Engine's .engine is itself


def _after_rollback(session: Session) -> None:
    session.info.pop(_FOUND, None)
    if session.info.get(_LAST) is not None:
        session.info[_LAST] = None


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    broken_seq: int | None = None
    reason: str = ""
    #: The end-of-log check against this desk's anchor: ``"ok"`` (the anchored event is still in
    #: the chain), ``"missing"`` (it is not: rows were cut off the end), ``"none"`` (no anchor:
    #: no claim about the end), ``"tampered"`` (the anchor file's entry fails its HMAC), ``""``
    #: (not checked, e.g. a backup file).
    anchor: str = ""
    anchor_seq: int | None = None
    anchor_note: str = ""
    #: ``"unverifiable"`` when keyed rows could not be checked (no key, or a damaged key file):
    #: not proof of tampering, but no proof of integrity either.
    kind: str = ""
    #: The hash of the intact chain's last row.
    last_hash: str = ""

    @property
    def tail_missing(self) -> bool:
        return self.anchor == "missing"

    def message(self) -> str:
        if self.tail_missing:
            return f"{TAIL_MISSING}：{self.reason}。"
        if self.anchor == "tampered":
            return f"{ANCHOR_TAMPERED}：{self.reason}。"
        if self.kind == "unverifiable":
            return f"审计日志无法校验：{self.reason}"
        if not self.ok:
            return f"审计日志被篡改：第一个断点在第 {self.broken_seq} 条记录（{self.reason}）。"
        text = f"审计日志完整：共 {self.count} 条记录，哈希链无断点。"
        if self.anchor == "ok":
            text += f"本机记录的末条（第 {self.anchor_seq} 条）仍在链中。"
        elif self.anchor == "none":
            text += (f"（{self.anchor_note or '本机没有审计锚点记录'}，"
                     "无法判断末尾记录是否被删除。）")
        return text


TAIL_MISSING = "审计日志末尾记录缺失"
ANCHOR_TAMPERED = "本机审计锚点记录被改动"


def _raw_rows(engine: Engine, batch: int):
    """Audit rows as read, without type processing of ``at`` (a malformed time must be reported
    as that row's fault, not raised by the driver layer)."""
    t = AuditEvent.__table__
    cols = [t.c.seq, type_coerce(t.c.at, String).label("at"), t.c.actor_id, t.c.actor, t.c.action,
            t.c.object_type, t.c.object_id, t.c.detail, t.c.prev_hash, t.c.hash, t.c.hash_alg,
            t.c.key_id, t.c.classification, t.c.outcome, t.c.desk]
    return select(*cols).order_by(t.c.seq).execution_options(yield_per=batch)


class _Row:
    __slots__ = ("seq", "at", "actor_id", "actor", "action", "object_type", "object_id", "detail",
                 "prev_hash", "hash", "hash_alg", "key_id", "classification", "outcome", "desk")
    seq: int
    at: datetime
    actor_id: int | None
    actor: str
    action: str
    object_type: str | None
    object_id: str | None
    detail: str | None
    prev_hash: str | None
    hash: str
    hash_alg: str | None
    key_id: str | None
    classification: int | None
    outcome: str | None
    desk: str | None

    def __init__(self, row: Any, parse_at: Any) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(row, name))
        at = self.at
        if isinstance(at, str):
            at = parse_at(at)
        if not isinstance(at, datetime):
            raise ValueError("时间为空或不是时间")
        self.at = at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _check_rows(engine: Engine, key: AuditKey | None, key_problem: str, batch: int,
                mark_seq: int | None) -> tuple[VerifyResult | None, int, str, str | None]:
    """Walk the chain; return (a failure or None, count, last hash, hash of row ``mark_seq``)."""
    parse_at = AuditEvent.__table__.c.at.type._cached_result_processor(engine.dialect, None)
    prev = GENESIS
    expected_seq = 1
    count = 0
    keyed_seen = False
    at_mark: str | None = None

    def bad(seq: int, reason: str, kind: str = "") -> tuple[VerifyResult, int, str, str | None]:
        return VerifyResult(False, count, seq, reason, kind=kind), count, prev, at_mark

    with engine.connect() as conn:
        try:
            result = conn.execute(_raw_rows(engine, batch))
        except DBAPIError as exc:
            return bad(expected_seq, f"审计记录无法读取：{exc.orig}")
        try:  # close the (server-side, on PostgreSQL) cursor even on an early return
            while True:
                try:
                    raw = next(result, None)
                except DBAPIError as exc:  # e.g. bytes that are not UTF-8 in a text column
                    return bad(expected_seq, f"记录无法读取（{exc.orig}）")
                if raw is None:
                    break
                if not isinstance(raw.seq, int) or isinstance(raw.seq, bool):
                    return bad(expected_seq, f"记录格式错误：序号“{raw.seq}”不是整数")
                if raw.seq != expected_seq:
                    return bad(expected_seq,
                               f"序号应为 {expected_seq}，实为 {raw.seq}：记录缺失或被移动")
                try:
                    ev = _Row(raw, parse_at)
                except (TypeError, ValueError, AttributeError, OverflowError) as exc:
                    return bad(raw.seq, f"记录格式错误：时间“{raw.at}”无法识别（{exc}）")
                if ev.prev_hash != prev:
                    return bad(ev.seq, "与前一条记录的哈希不衔接")
                alg = ev.hash_alg or LEGACY_ALG
                if alg == LEGACY_ALG:
                    if keyed_seen:
                        return bad(ev.seq, "已加密钥的记录之后出现未加密钥的记录（降级篡改）")
                elif alg == ALG:
                    keyed_seen = True
                    if key is None:
                        return bad(ev.seq, f"{key_problem}，第 {ev.seq} 条起由审计密钥签署的记录"
                                           "无法校验。", kind="unverifiable")
                    if ev.key_id != key.key_id:
                        return bad(ev.seq, f"该记录的密钥标识 {ev.key_id} 与本机审计密钥 "
                                           f"{key.key_id} 不符：记录被伪造，或本机密钥不是本单位的")
                else:
                    return bad(ev.seq, f"记录格式错误：未知的哈希算法“{alg}”")
                try:
                    expected = compute_hash(ev, key)
                except (TypeError, ValueError, AttributeError, OverflowError) as exc:
                    return bad(ev.seq, f"记录格式错误（{exc}）")
                if not audit_key.same(expected, ev.hash):
                    return bad(ev.seq, "记录内容与其哈希不符")
                if ev.action == TAMPERED_PENDING:
                    return bad(ev.seq, "该记录在封存入链之前被改动（待封存记录与其校验码不符）")
                prev = ev.hash
                if ev.seq == mark_seq:
                    at_mark = ev.hash
                expected_seq += 1
                count += 1
        finally:
            result.close()
    return None, count, prev, at_mark


def verify(engine: Engine, *, batch: int = 2000, anchor: bool = True) -> VerifyResult:
    """Walk the chain in ``seq`` order and report the first bad row (changed, missing, moved,
    malformed, unkeyed after keyed, or keyed with another key); then (``anchor``) check that the
    chain still contains this desk's anchor, and move the anchor to the chain's end.
    ``anchor=False`` for a database that is not this desk's own (a backup file being checked).
    Never raises for what is in the database."""
    key_problem = ""
    try:
        key = audit_key.load()
    except AuditKeyError as exc:
        key, key_problem = None, exc.message.rstrip("。")
    if key is None and not key_problem:
        key_problem = "本机没有审计密钥"
    if key is not None:
        try:  # pending events (PostgreSQL) join the chain before it is checked
            seal(engine, wait=True)
        except Exception:  # noqa: BLE001 - e.g. a read-only account: check what is chained
            pass
    loaded = audit_anchor.load(engine, key=key) if anchor else None
    mark = loaded.anchor if loaded else None
    failure, count, prev, at_mark = _check_rows(engine, key, key_problem, batch,
                                                mark.seq if mark else None)
    if failure is not None:
        return failure
    if loaded is None:
        return VerifyResult(True, count, last_hash=prev)
    if loaded.tampered:
        return VerifyResult(False, count, None, loaded.problem, anchor="tampered")
    if mark is None:  # no claim about the end this time; anchor it for the next
        if count:
            audit_anchor.advance(engine, count, prev)
        return VerifyResult(True, count, anchor="none", anchor_note=loaded.problem, last_hash=prev)
    if at_mark != mark.hash:
        when = _anchor_time(mark.at)
        if at_mark is None:
            why = (f"本机{when}已记录到第 {mark.seq} 条，数据库中现仅有 {count} 条，"
                   f"第 {count + 1} 条起的记录已被删除")
        else:
            why = (f"本机{when}记录的第 {mark.seq} 条与数据库中的同号记录不符，"
                   "末尾记录被删除后又写入了新记录，或数据库被替换")
        return VerifyResult(False, count, min(mark.seq, count + 1), why, anchor="missing",
                            anchor_seq=mark.seq)
    if count:
        audit_anchor.advance(engine, count, prev)
    return VerifyResult(True, count, anchor="ok", anchor_seq=mark.seq, last_hash=prev)


def _anchor_time(at: str) -> str:
    try:
        return datetime.fromisoformat(at).astimezone().strftime("于 %Y-%m-%d %H:%M ")
    except ValueError:
        return ""


@dataclass(frozen=True)
class EventInfo:
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    detail: dict[str, Any]


def recent(engine: Engine, limit: int = 100, action_prefix: str = "") -> list[EventInfo]:
    """The latest events, newest first (for the admin page and tests)."""
    with Session(engine) as s:
        stmt = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)
        if action_prefix:
            stmt = stmt.where(AuditEvent.action.startswith(action_prefix))
        return [
            EventInfo(e.seq, e.at, e.actor, e.action, e.object_type, e.object_id,
                      json.loads(e.detail))
            for e in s.execute(stmt).scalars()
        ]


def count(engine: Engine) -> int:
    with Session(engine) as s:
        return int(s.execute(select(func.count()).select_from(AuditEvent)).scalar_one())
