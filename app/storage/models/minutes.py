"""会议纪要 tables: meeting types, meetings, attendance, topics, decisions and their 督办 steps.

* ``MeetingType`` owns two number series: the meeting's ordinal (第12次常务会议, ``Meeting.seq``,
  unique per type) and the 纪要 number per year (〔2026〕2号, assigned at issue, unique per type
  and year).
* ``Attendee.position`` keeps the protocol order (排名顺序) of each list (出席/请假/列席);
  ``staff_id`` is set when the name was picked from the staff directory, else the name is typed.
* ``Decision`` carries the deadline as a date (``deadline``); ``deadline_workdays`` remembers that
  it was given as N working days after the meeting. ``DecisionEvent`` is the append-only trail of
  the 督办 loop: who did which step when.
* ``Meeting.draft_json`` is the clerk's editable 纪要 description; ``issued_json`` is frozen at issue.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.models.base import (
    Base,
    ClassifiedMixin,
    IdMixin,
    TimestampMixin,
    UTCDateTime,
    VersionMixin,
)


class MeetingType(IdMixin, TimestampMixin, Base):
    __tablename__ = "meeting_types"
    name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    organ: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    mark: Mapped[str] = mapped_column(String(128), nullable=False, default="")


class Meeting(IdMixin, TimestampMixin, VersionMixin, ClassifiedMixin, Base):
    __tablename__ = "meetings"
    __table_args__ = (
        UniqueConstraint("type_id", "seq", name="uq_meetings_type_seq"),
        UniqueConstraint("type_id", "minutes_year", "minutes_no", name="uq_meetings_type_minutes_no"),
    )
    type_id: Mapped[int] = mapped_column(ForeignKey("meeting_types.id"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    date: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    time: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    venue: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    host: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    host_title: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    recorder: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")
    minutes_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    minutes_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    draft_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    issued_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    issued_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")


class Attendee(IdMixin, Base):
    __tablename__ = "meeting_attendees"
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # present / absent / attending
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    title: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    reason: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    staff_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Topic(IdMixin, Base):
    __tablename__ = "meeting_topics"
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    unit: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    materials: Mapped[str] = mapped_column(Text, nullable=False, default="")
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Decision(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "meeting_decisions"
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False, index=True)
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_topics.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    lead_unit: Mapped[str] = mapped_column(String(128), nullable=False, default="", index=True)
    lead_person: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    coop_units: Mapped[str] = mapped_column(String(512), nullable=False, default="")
    deadline: Mapped[dt.date | None] = mapped_column(Date, nullable=True, index=True)
    deadline_workdays: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending", index=True)
    completed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DecisionEvent(IdMixin, Base):
    __tablename__ = "decision_events"
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_decisions.id", ondelete="CASCADE"), nullable=False, index=True)
    step: Mapped[str] = mapped_column(String(32), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    old_deadline: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    new_deadline: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    report_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
