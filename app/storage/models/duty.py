"""值班 tables (revision 0005): staff directory, unavailability, office-defined duty roles, the
roster rules (one row), rosters and their assignments, recorded swaps (调班/代班), the duty log
(值班记录), handovers (交接班) and the open items they carry (with an optional deadline since
revision 0011).

Staff are not login accounts: a duty roster names people (leaders included) who may never sign in.
Log entries and handovers record who wrote them by account id *and* name, so the record still
reads right after an account is renamed or removed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
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


class DutyRole(Base):
    """A duty role an office defines beyond the built-in 带班领导 (leader) and 值班员 (officer)."""

    __tablename__ = "duty_roles"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), nullable=False)
    sort: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class DutyStaff(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "duty_staff"
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    unit: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    post: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    phone: Mapped[str] = mapped_column(String(64), nullable=False, default="")  # office line
    mobile: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    roles: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # role codes
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class DutyOpening(IdMixin, Base):
    """Duties a person served in ``year`` before the office kept rosters here (the opening
    balance of the fairness ledger, e.g. when the program is adopted mid-year)."""

    __tablename__ = "duty_opening"
    __table_args__ = (UniqueConstraint("staff_id", "year", name="uq_duty_opening_staff_year"),)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("duty_staff.id", ondelete="CASCADE"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rest_day: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class DutyUnavailability(IdMixin, Base):
    __tablename__ = "duty_unavailability"
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("duty_staff.id", ondelete="CASCADE"), nullable=False, index=True)
    start: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end: Mapped[dt.date] = mapped_column(Date, nullable=False)
    reason: Mapped[str] = mapped_column(String(16), nullable=False, default="请假")
    note: Mapped[str] = mapped_column(String(200), nullable=False, default="")


class DutyRules(TimestampMixin, VersionMixin, Base):
    """The office's roster rules (one row, id 1). ``roles`` maps a role code to people per shift;
    ``apart`` is a list of [staff id, staff id] pairs who must not share a day."""

    __tablename__ = "duty_rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False, default=1)
    shifts: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    roles: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    min_gap_days: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    max_per_month: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    apart: Mapped[list] = mapped_column(JSON, nullable=False, default=list)


class DutyRoster(IdMixin, TimestampMixin, VersionMixin, ClassifiedMixin, Base):
    """A roster; its 密级 (revision 0023) marks its prints and hides it from those not cleared."""

    __tablename__ = "duty_rosters"
    title: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    start: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end: Mapped[dt.date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    published_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")


class DutyAssignment(IdMixin, Base):
    __tablename__ = "duty_assignments"
    __table_args__ = (
        UniqueConstraint("roster_id", "day", "shift", "role", "staff_id",
                         name="uq_duty_assignments_slot"),
        Index("ix_duty_assignments_day", "day"),
    )
    roster_id: Mapped[int] = mapped_column(
        ForeignKey("duty_rosters.id", ondelete="CASCADE"), nullable=False, index=True)
    day: Mapped[dt.date] = mapped_column(Date, nullable=False)
    shift: Mapped[str] = mapped_column(String(16), nullable=False)
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    staff_id: Mapped[int] = mapped_column(ForeignKey("duty_staff.id"), nullable=False, index=True)
    source: Mapped[str] = mapped_column(String(16), nullable=False, default="solver")


class DutySwap(IdMixin, Base):
    """A recorded 调班 (two people exchange duties) or 代班 (someone stands in). The assignments
    it produced are re-kept by every regeneration of the roster."""

    __tablename__ = "duty_swaps"
    roster_id: Mapped[int] = mapped_column(
        ForeignKey("duty_rosters.id", ondelete="CASCADE"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)  # 调班 / 代班
    day: Mapped[dt.date] = mapped_column(Date, nullable=False)
    shift: Mapped[str] = mapped_column(String(16), nullable=False)
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    from_staff_id: Mapped[int] = mapped_column(ForeignKey("duty_staff.id"), nullable=False)
    to_staff_id: Mapped[int] = mapped_column(ForeignKey("duty_staff.id"), nullable=False)
    other_day: Mapped[dt.date | None] = mapped_column(Date, nullable=True)  # 调班: B's day
    reason: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    recorded_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


class DutyLogEntry(IdMixin, TimestampMixin, VersionMixin, ClassifiedMixin, Base):
    """One 值班记录 entry: a call, fax, instruction or visit, and what was done with it."""

    __tablename__ = "duty_log"
    kind: Mapped[str] = mapped_column(String(8), nullable=False, default="来电")
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    caller_unit: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    caller_name: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    caller_post: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    caller_phone: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    content: Mapped[str] = mapped_column(Text, nullable=False, default="")
    passed_to: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    passed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    result: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: indexed (revision 0021): the 知悉范围 rule asks which entries a user wrote
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True)
    author_name: Mapped[str] = mapped_column(String(64), nullable=False, default="")


class DutyHandover(IdMixin, TimestampMixin, ClassifiedMixin, Base):
    """A handover; its 密级 (revision 0023) is the outgoing officer's choice for the summary."""

    __tablename__ = "duty_handovers"
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    outgoing_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    outgoing_name: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    handed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    incoming_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    incoming_name: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    open_items: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # ids carried


class DutyOpenItem(IdMixin, TimestampMixin, Base):
    """Something a shift could not finish: carried from handover to handover until closed."""

    __tablename__ = "duty_open_items"
    text: Mapped[str] = mapped_column(Text, nullable=False)
    log_id: Mapped[int | None] = mapped_column(
        ForeignKey("duty_log.id", ondelete="SET NULL"), nullable=True)
    opened_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    closed_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: 办理时限 (revision 0011): by when the item must be dealt with; None = no deadline
    deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
