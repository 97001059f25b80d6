"""The audit log: append-only and hash-chained.

Every event row stores ``prev_hash`` (the ``hash`` of the event before it; 64 zeros for the first)
and its own ``hash`` = SHA-256 over a canonical serialisation (``canonical``: JSON with sorted keys,
no whitespace, UTF-8) of ``seq``, ``at``, the actor, action, object and detail plus ``prev_hash``.
Changing, deleting or reordering any row breaks a link that ``verify`` reports. Cutting events
off the END of the log leaves a shorter valid chain: for that each desk keeps an anchor outside
the database, the last event it saw (``app.services.audit_anchor``, moved after every commit that
appended an event), and ``verify`` also requires the chain to still contain it.

Appends are serialised so two desks cannot fork the chain: on PostgreSQL ``append`` takes a
transaction-level advisory lock; SQLite transactions start with ``BEGIN IMMEDIATE`` (see
``app.storage.db``) so the writer already holds the lock. ``seq`` is unique as a last line of
defence. ``append`` runs inside the caller's transaction: the act and its record commit together.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from app.services import audit_anchor, audit_scope
from app.services.context import Actor
from app.storage.models import AuditEvent, utcnow

GENESIS = "0" * 64
#: Arbitrary constant identifying the audit chain's advisory lock on PostgreSQL.
_PG_LOCK_KEY = 0x60D35C_A0D1


def canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _at_text(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compute_hash(event: AuditEvent) -> str:
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
    if event.classification:  # 密级 (revision 0014): hashed when set, so it cannot be lowered
        payload["classification"] = event.classification
    return hashlib.sha256(canonical(payload)).hexdigest()


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
) -> AuditEvent:
    """Append one event in ``session``'s transaction. ``actor_name`` records who claimed to act
    when there is no signed-in actor (e.g. the username typed at a failed login). The event's 密级
    is worked out from what it names (``audit_scope.level_of``); ``classification`` raises it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    when = (at or utcnow()).astimezone(UTC)
    event = AuditEvent(
        seq=(last.seq + 1) if last else 1,
        at=when,
        actor_id=actor.user_id if actor else None,
        actor=actor_name if actor_name is not None else (actor.username if actor else ""),
        action=action,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        detail=canonical(detail or {}).decode(),
        prev_hash=last.hash if last else GENESIS,
        classification=audit_scope.level_of(session, object_type, object_id, detail,
                                            classification),
    )
    event.hash = compute_hash(event)
    session.add(event)
    session.flush()
    _anchor_on_commit(session, event.seq, event.hash)
    return event


_LAST = "govdesk_audit_last"  # session.info key: (seq, hash) of the last event appended


def _anchor_on_commit(session: Session, seq: int, hash_: str) -> None:
    """Once the session commits, anchor its last event outside the database (see
    ``audit_anchor.note_commit``, which reads it back first, so a rolled-back append is never
    anchored). One listener per session."""
    if _LAST not in session.info:
        sa_event.listen(session, "after_commit", _after_commit)
        sa_event.listen(session, "after_rollback", _after_rollback)
    session.info[_LAST] = (seq, hash_)


def _after_commit(session: Session) -> None:
    last = session.info.get(_LAST)
    if last is None:
        return
    session.info[_LAST] = None
    try:
        bind = session.get_bind()
    except Exception:  # noqa: BLE001 - committed already; an unanchored event only weakens the check
        return
    audit_anchor.note_commit(getattr(bind, "engine", bind), *last)  # a Connection has .engine


def _after_rollback(session: Session) -> None:
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
    #: no claim about the end), ``""`` (not checked, e.g. a backup file).
    anchor: str = ""
    anchor_seq: int | None = None
    anchor_note: str = ""

    @property
    def tail_missing(self) -> bool:
        return self.anchor == "missing"

    def message(self) -> str:
        if self.tail_missing:
            return f"{TAIL_MISSING}：{self.reason}。"
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


def verify(engine: Engine, *, batch: int = 2000, anchor: bool = True) -> VerifyResult:
    """Walk the chain in ``seq`` order and report the first broken link; then (``anchor``) check
    that the chain still contains this desk's anchor, and move the anchor to the chain's end.
    ``anchor=False`` for a database that is not this desk's own (a backup file being checked)."""
    loaded = audit_anchor.load(engine) if anchor else None
    mark = loaded.anchor if loaded else None
    at_mark: str | None = None
    prev = GENESIS
    expected_seq = 1
    count = 0
    with Session(engine) as s:
        result = s.execute(
            select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch)
        )
        try:  # close the (server-side, on PostgreSQL) cursor even on an early return
            for ev in result.scalars():
                if ev.seq != expected_seq:
                    return VerifyResult(False, count, expected_seq,
                                        f"序号应为 {expected_seq}，实为 {ev.seq}：记录缺失或被移动")
                if ev.prev_hash != prev:
                    return VerifyResult(False, count, ev.seq, "与前一条记录的哈希不衔接")
                if compute_hash(ev) != ev.hash:
                    return VerifyResult(False, count, ev.seq, "记录内容与其哈希不符")
                if mark is not None and ev.seq == mark.seq:
                    at_mark = ev.hash
                prev = ev.hash
                expected_seq += 1
                count += 1
        finally:
            result.close()
    if loaded is None:
        return VerifyResult(True, count)
    if mark is None:  # no claim about the end this time; anchor it for the next
        if count:
            audit_anchor.advance(engine, count, prev)
        return VerifyResult(True, count, anchor="none", anchor_note=loaded.problem)
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
    return VerifyResult(True, count, anchor="ok", anchor_seq=mark.seq)


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
