"""突发事件: incidents, their report chain (首报/续报/终报), the editable deadline rule table and
the missed deadlines (revision 0007).

Incident times (发生时间, 接报时间, 报送时间, 签发时间) are **naive local wall-clock times**, as the
duty officer writes them and as ``app.domain.incident_rules`` computes with them; bookkeeping
timestamps (created/updated) stay UTC like everywhere else.

A report's ``snapshot`` is the incident as it was when the report was drafted (JSON with ISO
times); once signed it never changes (the service refuses). ``changes`` is the diff against the
previous written report, kept with the report so the highlighting shows what the superiors were
told was new, even after later edits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
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
)


class Incident(IdMixin, TimestampMixin, VersionMixin, ClassifiedMixin, Base):
    __tablename__ = "incidents"
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    category: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    subtype: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    level: Mapped[int] = mapped_column(SmallInteger, nullable=False, index=True)  # 1..4
    occurred_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(), nullable=False, index=True)
    place: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    county: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    unit: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    source: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    cause: Mapped[str] = mapped_column(Text, nullable=False, default="")
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")  # 事件经过
    impact: Mapped[str] = mapped_column(Text, nullable=False, default="")
    dead: Mapped[int | None] = mapped_column(Integer, nullable=True)
    missing: Mapped[int | None] = mapped_column(Integer, nullable=True)
    injured: Mapped[int | None] = mapped_column(Integer, nullable=True)
    property_loss: Mapped[str] = mapped_column(Text, nullable=False, default="")
    trend: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: [{"姓名": …, "职务": …, "电话": …}, …]
    leaders_on_site: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    #: {"姓名": …, "职务": …, "电话": …}
    commander: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    measures: Mapped[str] = mapped_column(Text, nullable=False, default="")  # one per line
    next_steps: Mapped[str] = mapped_column(Text, nullable=False, default="")
    reporter_unit: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    reporter_name: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    reporter_phone: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    authority: Mapped[str] = mapped_column(String(100), nullable=False, default="")  # 接收单位
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open", index=True)
    daily_mode: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: The rule in force (a ``ReportingRule`` as in ``RuleTable.to_dict``), so an
    #: administrator's later edit of the table does not rewrite this incident's past deadlines.
    rule: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    #: ISO local times at which a significant change was logged (each calls for a 续报).
    change_times: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    duty_log_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")


class IncidentReport(IdMixin, TimestampMixin, VersionMixin, ClassifiedMixin, Base):
    __tablename__ = "incident_reports"
    __table_args__ = (UniqueConstraint("incident_id", "seq", name="uq_incident_reports_seq"),)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False, index=True
    )
    seq: Mapped[int] = mapped_column(Integer, nullable=False)  # position in the chain, 1-based
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # first | follow_up | final
    number: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 续报 number
    channel: Mapped[str] = mapped_column(String(16), nullable=False)  # phone | written
    daily: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft", index=True)
    snapshot: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    changes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    progress: Mapped[str] = mapped_column(Text, nullable=False, default="")  # 事件进展 / 处置结束
    drafted_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    signed_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)
    issue_no: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 信息专报期号
    sent_to: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True, index=True)
    sent_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")


class IncidentRuleTable(TimestampMixin, VersionMixin, Base):
    """One row (id 1): the deadline rule table as ``RuleTable.to_dict`` (absent: the defaults)."""

    __tablename__ = "incident_rule_table"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False, default=1)
    table: Mapped[dict] = mapped_column(JSON, nullable=False)


class IncidentMissedDeadline(IdMixin, Base):
    """A deadline that passed without its report: recorded once (by stable key), never deleted;
    a late report only fills in ``satisfied_at``."""

    __tablename__ = "incident_missed_deadlines"
    __table_args__ = (UniqueConstraint("incident_id", "key", name="uq_incident_missed_key"),)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False, index=True
    )
    key: Mapped[str] = mapped_column(String(64), nullable=False)
    label: Mapped[str] = mapped_column(String(32), nullable=False)
    due: Mapped[datetime] = mapped_column(DateTime(), nullable=False)
    satisfied_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
