"""收文登记 tables (revision 0004): the register, its attachments (bytes kept in the database
with their SHA-256, checked on every read) and 催办 records."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
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
    utcnow,
)


class IncomingDoc(IdMixin, TimestampMixin, VersionMixin, ClassifiedMixin, Base):
    __tablename__ = "incoming_docs"
    __table_args__ = (UniqueConstraint("reg_year", "reg_seq", name="uq_incoming_docs_reg_year"),)

    #: 收文编号: year of receipt and a number restarting each year.
    reg_year: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    reg_seq: Mapped[int] = mapped_column(Integer, nullable=False)
    sender: Mapped[str] = mapped_column(String(128), nullable=False)
    sender_ref: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(500), nullable=False)
    urgency: Mapped[str] = mapped_column(String(16), nullable=False, default="normal")
    pages: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    proposal: Mapped[str] = mapped_column(Text, nullable=False, default="")  # 拟办意见
    instruction: Mapped[str] = mapped_column(Text, nullable=False, default="")  # 领导批示
    handler_unit: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    handler_person: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    deadline: Mapped[dt.date | None] = mapped_column(Date, nullable=True, index=True)
    #: Set when the deadline was given as "N working days from receipt".
    deadline_workdays: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open", index=True)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    done_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    registered_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")


class IncomingAttachment(IdMixin, Base):
    __tablename__ = "incoming_attachments"

    incoming_id: Mapped[int] = mapped_column(
        ForeignKey("incoming_docs.id", ondelete="CASCADE"), nullable=False, index=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class IncomingUrge(IdMixin, Base):
    """催办: who urged whom, when and how."""

    __tablename__ = "incoming_urges"

    incoming_id: Mapped[int] = mapped_column(
        ForeignKey("incoming_docs.id", ondelete="CASCADE"), nullable=False, index=True)
    urged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    urged_by: Mapped[str] = mapped_column(String(64), nullable=False)
    target: Mapped[str] = mapped_column(String(128), nullable=False)
    method: Mapped[str] = mapped_column(String(16), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    recorded_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")
