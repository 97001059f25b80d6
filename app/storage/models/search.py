"""The full-text index's plain tables (revision 0004).

``search_entries`` holds one row per indexed record of any module (``kind`` + ``record_id``) with
its clearance level and the text shown in results. The token index beside it is backend-specific
and lives outside the ORM (see ``app.storage.fulltext``): an FTS5 virtual table on SQLite, a
``tsvector`` column with a GIN index on PostgreSQL.

``search_kinds`` gives each kind a small code (< 64) that SQLite packs into the FTS5 rowid, so
counts per kind and the clearance filter are answered from the index alone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.models.base import Base, IdMixin, UTCDateTime, utcnow


class SearchKind(Base):
    __tablename__ = "search_kinds"
    code: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)


class SearchEntry(IdMixin, Base):
    __tablename__ = "search_entries"
    __table_args__ = (UniqueConstraint("kind", "record_id", name="uq_search_entries_kind"),)

    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    record_id: Mapped[int] = mapped_column(Integer, nullable=False)
    classification: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=0)
    title: Mapped[str] = mapped_column(Text, nullable=False, default="")
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    extra: Mapped[str] = mapped_column(Text, nullable=False, default="")
    updated: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
