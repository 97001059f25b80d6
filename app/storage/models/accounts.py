"""Users, roles and clearance levels.

A user holds a set of roles: one ``user_roles`` row per role (revision 0013). ``users.role_code``
predates it and is kept, filled with the first of the user's roles in ``Role`` order, only because
SQLite cannot drop a column with a foreign key without rebuilding ``users`` — and a rebuild would
cascade to ``password_history`` and clear the duty handover signatures. Nothing reads it for
permissions: ``user_roles`` is the truth (``app.services.accounts.users`` keeps the two in step).

``roles`` and ``clearances`` are lookup tables seeded by the migrations from
``app.domain.security`` (the rules live there; the tables give foreign keys and readable SQL).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.models.base import Base, IdMixin, TimestampMixin, UTCDateTime, VersionMixin


class Role(Base):
    __tablename__ = "roles"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), nullable=False)


class Clearance(Base):
    __tablename__ = "clearances"
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(16), nullable=False)


class User(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "users"
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role_code: Mapped[str] = mapped_column(ForeignKey("roles.code"), nullable=False)
    clearance_level: Mapped[int] = mapped_column(ForeignKey("clearances.level"), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Added in revision 0002: set by an administrator's reset, cleared by a password change.
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Added in revision 0020: when the password was last set (maximum password age).
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: 所在单位 (revision 0021): matched against the units a record's 知悉范围 names.
    unit: Mapped[str] = mapped_column(String(128), nullable=False, default="", server_default="")


class UserRole(Base):
    """One role a user holds (added in revision 0013)."""

    __tablename__ = "user_roles"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    role_code: Mapped[str] = mapped_column(ForeignKey("roles.code"), primary_key=True)
