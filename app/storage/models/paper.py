"""涉密文件登记簿: one row per printed copy (份号) of a classified record, followed from printing
to where it went and back (清退) or to its destruction (销毁, confirmed by a second person)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.models.base import Base, IdMixin, TimestampMixin, UTCDateTime, VersionMixin


class PaperCopy(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "paper_copies"
    __table_args__ = (UniqueConstraint("object_type", "object_id", "copy_no",
                                       name="uq_paper_copies_object_copy_no"),)

    #: the record the copy is of (``document`` 12): its 份号 series
    object_type: Mapped[str] = mapped_column(String(32), nullable=False)
    object_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    copy_no: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(256), nullable=False, default="")
    classification: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=0, index=True)
    printed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    printed_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    #: held (in the office) | issued (handed out) | returned (清退) | destroy_requested | destroyed
    status: Mapped[str] = mapped_column(String(24), nullable=False, default="held", index=True)
    recipient_unit: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    recipient_person: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    issued_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    signed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    due_back: Mapped[dt.date | None] = mapped_column(Date, nullable=True, index=True)
    returned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    returned_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    destroy_requested_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    destroy_requested_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    destroyed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    destroy_confirmed_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")


class PaperSeriesRecord(IdMixin, Base):
    """A record whose text a print of a series holds, when the series is not itself a record that
    carries a 知悉范围: a 值班日报 (``duty_daily`` 20260302) prints that day's 值班日志 and
    突发事件, each of which may carry one. A copy of the series goes only to a recipient inside
    every such record's 知悉范围 (``need_to_know.recipient_problem``). Rows are added by each
    print (the union: a later print of the same day may hold more), never removed."""

    __tablename__ = "paper_series_records"
    __table_args__ = (UniqueConstraint("object_type", "object_id", "kind", "record_id",
                                       name="uq_paper_series_records"),)

    object_type: Mapped[str] = mapped_column(String(32), nullable=False)
    object_id: Mapped[int] = mapped_column(Integer, nullable=False)
    #: the record printed: a kind that carries a 知悉范围 (``duty_log``, ``incident``, …)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    record_id: Mapped[int] = mapped_column(Integer, nullable=False)
