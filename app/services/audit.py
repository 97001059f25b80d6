"""The audit log: append-only and hash-chained.

Every event row stores ``prev_hash`` (the ``hash`` of the event before it; 64 zeros for the first)
and its own ``hash`` = SHA-256 over a canonical serialisation (``canonical``: JSON with sorted keys,
no whitespace, UTF-8) of ``seq``, ``at``, the actor, action, object and detail plus ``prev_hash``.
Changing, deleting or reordering any row breaks a link that ``verify`` reports. (Cutting events
off the END of the log leaves a shorter valid chain; the count in backups and reports shows it.)

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
from sqlalchemy.orm import Session

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
) -> AuditEvent:
    """Append one event in ``session``'s transaction. ``actor_name`` records who claimed to act
    when there is no signed-in actor (e.g. the username typed at a failed login)."""
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
    )
    event.hash = compute_hash(event)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    broken_seq: int | None = None
    reason: str = ""

    def message(self) -> str:
        if self.ok:
            return f"审计日志完整：共 {self.count} 条记录，哈希链无断点。"
        return f"审计日志被篡改：第一个断点在第 {self.broken_seq} 条记录（{self.reason}）。"


def verify(engine: Engine, *, batch: int = 2000) -> VerifyResult:
    """Walk the chain in ``seq`` order and report the first broken link."""
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
                prev = ev.hash
                expected_seq += 1
                count += 1
        finally:
            result.close()
    return VerifyResult(True, count)


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
