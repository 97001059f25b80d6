"""Audit events: append-only and hash-chained (see ``app.services.audit.chain`` for the rules).

``seq`` is unique and gapless (1, 2, 3 …): two desks that raced to append the same ``seq`` could
not both commit, so the chain cannot fork even if the serialising lock were missing.

``hash_alg`` names how ``hash`` was made: ``sha256`` (rows written before the chain was keyed,
plain SHA-256) or ``hmac-sm3`` (HMAC-SM3 with the office's audit key, which the database does not
hold); ``key_id`` identifies that key (empty for ``sha256`` rows).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.models.base import Base, IdMixin, UTCDateTime


class AuditEvent(IdMixin, Base):
    __tablename__ = "audit_events"
    seq: Mapped[int] = mapped_column(Integer, unique=True, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    action: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    object_type: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    object_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash_alg: Mapped[str] = mapped_column(String(16), nullable=False, default="sha256",
                                          server_default="sha256")
    key_id: Mapped[str] = mapped_column(String(32), nullable=False, default="", server_default="")
    #: 密级 of what the event touches (0 公开 … 3 机密; ``app.services.audit.scope``), covered by
    #: the hash. Added in revision 0015; older events have 0 and are masked by a look-up instead.
    classification: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=0,
                                                server_default=text("0"))
    #: ``success`` or ``refused`` (revision 0020); hashed when not ``success``.
    outcome: Mapped[str] = mapped_column(String(16), nullable=False, default="success",
                                         server_default="success")
    #: Where: the desk (host name) that wrote the event (revision 0020); hashed when set.
    desk: Mapped[str] = mapped_column(String(64), nullable=False, default="", server_default="")


class AuditPending(IdMixin, Base):
    """An audit event written by a desk's transaction but not yet in the chain (PostgreSQL,
    revision 0018; see ``app.services.audit.chain``): appended without any lock, each with its own
    HMAC-SM3 (``mac``, over the same fields as a chained event), and moved into
    ``audit_events`` — given its ``seq`` and chained — by the sealer right after the commit."""

    __tablename__ = "audit_pending"
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    object_type: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    object_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    classification: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=0,
                                                server_default=text("0"))
    key_id: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    mac: Mapped[str] = mapped_column(String(64), nullable=False)
    #: as in ``AuditEvent`` (revision 0020), covered by ``mac`` when not the defaults
    outcome: Mapped[str] = mapped_column(String(16), nullable=False, default="success",
                                         server_default="success")
    desk: Mapped[str] = mapped_column(String(64), nullable=False, default="", server_default="")
