"""Declarative base and the mixins every table uses.

* ``IdMixin``: integer primary key ``id``.
* ``TimestampMixin``: ``created_at`` / ``updated_at`` in UTC (timezone-aware on the way out, on
  SQLite too, thanks to ``UTCDateTime``).
* ``VersionMixin``: integer ``version`` used as SQLAlchemy's ``version_id_col``: an UPDATE whose row
  was changed by someone else since it was read raises ``StaleDataError`` (optimistic locking).
* ``ClassifiedMixin``: ``classification`` level (0 公开 … 3 机密, see ``app.domain.security``).
  Queries over classified tables go through ``app.services.context.visible`` so the clearance
  filter is part of the SQL, never a Python loop after the fact.

Constraint names follow ``NAMING`` so Alembic migrations can refer to them on both backends.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer, MetaData, SmallInteger
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always returns an aware UTC datetime (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class IdMixin:
    id: Mapped[int] = mapped_column(Integer, primary_key=True)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


class VersionMixin:
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class ClassifiedMixin:
    classification: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=0, index=True)
