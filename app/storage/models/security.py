"""Security and reliability tables (revision 0009).

* ``password_history``: the argon2 hashes of a user's previous passwords, so a new password
  cannot repeat one of the last ``app.services.accounts.users.HISTORY`` (5).
* ``security_settings`` (one row, id 1): idle-lock minutes, how many automatic backups to keep,
  the argon2id verifier of the shared air-gap exchange passphrase (revision 0016: the
  passphrase itself was stored before, in ``exchange_key``; it is never stored now). A
  separate row from ``office_settings`` so that the office's letterhead settings and the
  security knobs have their own optimistic-locking version.
* ``exchange_imports``: each imported exchange package (its id and manifest digest), so the same
  package imported twice is reported as a duplicate, not written twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.models.base import Base, IdMixin, TimestampMixin, UTCDateTime, VersionMixin, utcnow


class PasswordHistory(IdMixin, Base):
    __tablename__ = "password_history"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True,
                                         nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class SecuritySettings(TimestampMixin, VersionMixin, Base):
    __tablename__ = "security_settings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False, default=1)
    idle_lock_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=10)
    backup_keep: Mapped[int] = mapped_column(Integer, nullable=False, default=14)
    exchange_verifier: Mapped[str] = mapped_column(String(256), nullable=False, default="")
    # revision 0020 (issue 31): 普通/涉密 office, password rules, lockout, audit store warning
    office_mode: Mapped[str] = mapped_column(String(16), nullable=False, default="normal",
                                             server_default="normal")
    pw_min_length: Mapped[int] = mapped_column(Integer, nullable=False, default=8,
                                               server_default="8")
    pw_min_classes: Mapped[int] = mapped_column(Integer, nullable=False, default=3,
                                                server_default="3")
    pw_max_age_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                                 server_default="0")
    pw_warn_days: Mapped[int] = mapped_column(Integer, nullable=False, default=7,
                                              server_default="7")
    pw_history: Mapped[int] = mapped_column(Integer, nullable=False, default=5,
                                            server_default="5")
    lock_failures: Mapped[int] = mapped_column(Integer, nullable=False, default=5,
                                               server_default="5")
    lock_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=15,
                                              server_default="15")
    audit_warn_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=500_000,
                                                 server_default="500000")


class AuditReview(IdMixin, Base):
    """An audit entry marked as reviewed (revision 0020): kept apart from the chained entry,
    which never changes; the marking is itself an audit event (``audit.review``)."""

    __tablename__ = "audit_reviews"
    event_seq: Mapped[int] = mapped_column(Integer, unique=True, nullable=False)
    reviewer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reviewer: Mapped[str] = mapped_column(String(64), nullable=False, default="",
                                          server_default="")
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    note: Mapped[str] = mapped_column(String(200), nullable=False, default="", server_default="")


class ExchangeImport(IdMixin, Base):
    __tablename__ = "exchange_imports"
    package_id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    manifest_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    actor: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    summary: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
