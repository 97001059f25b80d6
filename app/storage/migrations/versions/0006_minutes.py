"""会议纪要: meeting types, meetings, attendance, topics, decisions and the 督办 loop.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.storage.models.base import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column]:
    return [sa.Column("created_at", UTCDateTime(), nullable=False),
            sa.Column("updated_at", UTCDateTime(), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "meeting_types",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("organ", sa.String(64), nullable=False),
        sa.Column("mark", sa.String(128), nullable=False),
        *_stamps(),
    )
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("type_id", sa.Integer(), sa.ForeignKey("meeting_types.id"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("time", sa.String(16), nullable=False),
        sa.Column("venue", sa.String(128), nullable=False),
        sa.Column("host", sa.String(64), nullable=False),
        sa.Column("host_title", sa.String(64), nullable=False),
        sa.Column("recorder", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("minutes_year", sa.Integer(), nullable=True),
        sa.Column("minutes_no", sa.Integer(), nullable=True),
        sa.Column("draft_json", sa.Text(), nullable=True),
        sa.Column("issued_json", sa.Text(), nullable=True),
        sa.Column("issued_at", UTCDateTime(), nullable=True),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("classification", sa.SmallInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_stamps(),
        sa.UniqueConstraint("type_id", "seq", name="uq_meetings_type_seq"),
        sa.UniqueConstraint("type_id", "minutes_year", "minutes_no",
                            name="uq_meetings_type_minutes_no"),
    )
    op.create_index("ix_meetings_date", "meetings", ["date"])
    op.create_index("ix_meetings_classification", "meetings", ["classification"])
    op.create_table(
        "meeting_attendees",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("meeting_id", sa.Integer(),
                  sa.ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("title", sa.String(128), nullable=False),
        sa.Column("reason", sa.String(128), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
    )
    op.create_index("ix_meeting_attendees_meeting_id", "meeting_attendees", ["meeting_id"])
    op.create_table(
        "meeting_topics",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("meeting_id", sa.Integer(),
                  sa.ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("unit", sa.String(128), nullable=False),
        sa.Column("materials", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
    )
    op.create_index("ix_meeting_topics_meeting_id", "meeting_topics", ["meeting_id"])
    op.create_table(
        "meeting_decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("meeting_id", sa.Integer(),
                  sa.ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False),
        sa.Column("topic_id", sa.Integer(),
                  sa.ForeignKey("meeting_topics.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lead_unit", sa.String(128), nullable=False),
        sa.Column("lead_person", sa.String(64), nullable=False),
        sa.Column("coop_units", sa.String(512), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("deadline_workdays", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_stamps(),
    )
    for col in ("meeting_id", "topic_id", "lead_unit", "deadline", "status"):
        op.create_index(f"ix_meeting_decisions_{col}", "meeting_decisions", [col])
    op.create_table(
        "decision_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("decision_id", sa.Integer(),
                  sa.ForeignKey("meeting_decisions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("old_deadline", sa.Date(), nullable=True),
        sa.Column("new_deadline", sa.Date(), nullable=True),
        sa.Column("report_date", sa.Date(), nullable=True),
    )
    op.create_index("ix_decision_events_decision_id", "decision_events", ["decision_id"])
    op.execute("UPDATE govdesk_meta SET value = '6' WHERE key = 'schema_version'")


def downgrade() -> None:
    for table in ("decision_events", "meeting_decisions", "meeting_topics", "meeting_attendees",
                  "meetings", "meeting_types"):
        op.drop_table(table)
    op.execute("UPDATE govdesk_meta SET value = '5' WHERE key = 'schema_version'")
