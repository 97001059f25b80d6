"""公文 (outgoing documents): the document, its frozen versions, its workflow steps, and the
发文字号 series with one entry per number ever taken. Added in revision 0003.

Why the description is stored whole (``description`` JSON) *and* in columns: the JSON is the
interchange format of shared/docspec.md, kept verbatim so an export rebuilds the exact object
that was imported or typed; the columns (genre, status, year, title, doc_no, urgency, drafter,
classification) are copies the list needs to filter and sort in SQL on 100 000 rows, each with
an index. The service writes both in the same statement, so they cannot drift.

Numbering: ``docno_series`` has one row per (机关代字, year) holding the highest number taken;
the service moves it on in one UPDATE, which locks that row (PostgreSQL; SQLite's ``BEGIN
IMMEDIATE`` serialises writers), and looks entries up by key (revision 0018).
``docno_entries`` has one row per number with a UNIQUE (prefix, year, seq) as
the last line of defence against a duplicate.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.models.base import (
    Base,
    ClassifiedMixin,
    IdMixin,
    TimestampMixin,
    UTCDateTime,
    VersionMixin,
)


class Document(IdMixin, TimestampMixin, VersionMixin, ClassifiedMixin, Base):
    __tablename__ = "documents"
    genre: Mapped[str] = mapped_column(String(16), nullable=False, index=True)  # 文种
    status: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(500), nullable=False, index=True)
    doc_no: Mapped[str] = mapped_column(String(64), nullable=False, default="", index=True)
    urgency: Mapped[str] = mapped_column(String(8), nullable=False, default="", index=True)
    drafter: Mapped[str] = mapped_column(String(64), nullable=False, index=True)  # username
    drafter_name: Mapped[str] = mapped_column(String(64), nullable=False, default="", index=True)
    #: 机关代字 the document is numbered in at 签发 (chosen while drafting).
    series_prefix: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    description: Mapped[dict] = mapped_column(JSON, nullable=False)
    #: number of the current (latest) version row
    content_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __table_args__ = (
        Index("ix_documents_updated_at", "updated_at"),
    )


class DocumentVersion(IdMixin, Base):
    """One version of a document's text. The latest version may change while the document is a
    draft; once signed (签发) it is frozen and a change makes a new version.

    ``description`` is NULL for the current version (``number == Document.content_version``):
    its text is the document's own ``description``, stored once (revision 0019). Read a
    version's text through ``app.services.documents.drafts.version_text``."""

    __tablename__ = "document_versions"
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    description: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    frozen: Mapped[bool] = mapped_column(nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    note: Mapped[str] = mapped_column(String(255), nullable=False, default="")

    __table_args__ = (UniqueConstraint("document_id", "number"),)


class DocumentStep(IdMixin, Base):
    """A workflow step: 拟稿 / 核稿 / 签发 / 印发 / 归档 / 退回 — who, when, comment."""

    __tablename__ = "document_steps"
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True)
    step: Mapped[str] = mapped_column(String(16), nullable=False)
    #: indexed (revision 0021): the 知悉范围 rule asks which documents a user acted on
    actor: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    actor_name: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    version_number: Mapped[int] = mapped_column(Integer, nullable=False)


class DocNoSeries(IdMixin, Base):
    """A 发文字号 series: one 机关代字 in one year (numbers restart every year)."""

    __tablename__ = "docno_series"
    prefix: Mapped[str] = mapped_column(String(32), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    #: highest number recorded (issued, reserved or void): the next number is ``last_seq + 1``,
    #: taken by moving it on in one UPDATE (``app.services.documents.numbers.advance_series``).
    last_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __table_args__ = (UniqueConstraint("prefix", "year"),)


class DocNoEntry(IdMixin, Base):
    """One number of a series: issued (已用), reserved (预留) or void (作废), with a reason."""

    __tablename__ = "docno_entries"
    series_id: Mapped[int] = mapped_column(ForeignKey("docno_series.id"), nullable=False,
                                           index=True)
    prefix: Mapped[str] = mapped_column(String(32), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(255), nullable=True)
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL"), nullable=True, index=True)
    by: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (UniqueConstraint("prefix", "year", "seq"),)
