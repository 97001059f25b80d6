"""Office templates kept in the database (revision 0008), with their version history.

A row of ``templates`` is one office template: a 公文 template (``format`` "description", the
JSON text) or a Word form (``format`` "wordform", the .docx bytes). Its current content is also
the newest row of ``template_versions``; every save, restore or import appends a version (who,
when, comment) and never rewrites an old one, so any earlier state can be restored.

Shipped defaults (resources/templates) are not copied in: they are read-only files, referred to
by their stem. ``is_default`` marks the office template used for its (kind, format); when none is
marked, the shipped one of that kind is the default.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.models.base import Base, IdMixin, TimestampMixin, UTCDateTime, VersionMixin, utcnow


class OfficeTemplate(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "templates"
    kind: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    format: Mapped[str] = mapped_column(String(16), nullable=False)  # description | wordform
    description: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: the shipped template this office copy started from (its stem), if any
    based_on: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    #: sample data (JSON object text) for the live preview; not versioned
    sample_json: Mapped[str] = mapped_column(Text, nullable=False, default="")
    current_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class TemplateVersion(IdMixin, Base):
    __tablename__ = "template_versions"
    __table_args__ = (UniqueConstraint("template_id", "number", name="uq_template_versions_number"),)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("templates.id", ondelete="CASCADE"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    author_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    author: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    comment: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
