"""突发事件: incidents, the report chain, deadline rule table, missed deadlines.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.storage.models.base import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("category", sa.String(32), nullable=False, index=True),
        sa.Column("subtype", sa.String(64), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False, index=True),
        sa.Column("occurred_at", sa.DateTime(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False, index=True),
        sa.Column("place", sa.String(300), nullable=False),
        sa.Column("county", sa.String(100), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("impact", sa.Text(), nullable=False),
        sa.Column("dead", sa.Integer(), nullable=True),
        sa.Column("missing", sa.Integer(), nullable=True),
        sa.Column("injured", sa.Integer(), nullable=True),
        sa.Column("property_loss", sa.Text(), nullable=False),
        sa.Column("trend", sa.Text(), nullable=False),
        sa.Column("leaders_on_site", sa.JSON(), nullable=False),
        sa.Column("commander", sa.JSON(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("next_steps", sa.Text(), nullable=False),
        sa.Column("reporter_unit", sa.String(200), nullable=False),
        sa.Column("reporter_name", sa.String(64), nullable=False),
        sa.Column("reporter_phone", sa.String(64), nullable=False),
        sa.Column("authority", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("daily_mode", sa.Boolean(), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("change_times", sa.JSON(), nullable=False),
        sa.Column("duty_log_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("classification", sa.SmallInteger(), nullable=False, index=True),
        *_stamps(),
    )
    op.create_table(
        "incident_reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "incident_id",
            sa.Integer(),
            sa.ForeignKey("incidents.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("daily", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("progress", sa.Text(), nullable=False),
        sa.Column("drafted_by", sa.String(64), nullable=False),
        sa.Column("signed_by", sa.String(64), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.Column("issue_no", sa.Integer(), nullable=True),
        sa.Column("sent_to", sa.String(200), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True, index=True),
        sa.Column("sent_by", sa.String(64), nullable=False),
        sa.Column("classification", sa.SmallInteger(), nullable=False, index=True),
        *_stamps(),
        sa.UniqueConstraint("incident_id", "seq", name="uq_incident_reports_seq"),
    )
    op.create_table(
        "incident_rule_table",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("table", sa.JSON(), nullable=False),
        *_stamps(),
    )
    op.create_table(
        "incident_missed_deadlines",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "incident_id",
            sa.Integer(),
            sa.ForeignKey("incidents.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("label", sa.String(32), nullable=False),
        sa.Column("due", sa.DateTime(), nullable=False),
        sa.Column("satisfied_at", sa.DateTime(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("incident_id", "key", name="uq_incident_missed_key"),
    )
    op.execute("UPDATE govdesk_meta SET value = '7' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_table("incident_missed_deadlines")
    op.drop_table("incident_rule_table")
    op.drop_table("incident_reports")
    op.drop_table("incidents")
    op.execute("UPDATE govdesk_meta SET value = '6' WHERE key = 'schema_version'")
