"""值班: staff directory, unavailability, roster rules, rosters, swaps, duty log, handover.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.storage.models.base import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "duty_roles",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("sort", sa.Integer(), nullable=False),
    )
    op.create_table(
        "duty_staff",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("unit", sa.String(128), nullable=False),
        sa.Column("post", sa.String(64), nullable=False),
        sa.Column("phone", sa.String(64), nullable=False),
        sa.Column("mobile", sa.String(64), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_stamps(),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "duty_opening",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("staff_id", sa.Integer(),
                  sa.ForeignKey("duty_staff.id", ondelete="CASCADE"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("rest_day", sa.Integer(), nullable=False),
        sa.UniqueConstraint("staff_id", "year", name="uq_duty_opening_staff_year"),
    )
    op.create_table(
        "duty_unavailability",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("staff_id", sa.Integer(),
                  sa.ForeignKey("duty_staff.id", ondelete="CASCADE"), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
    )
    op.create_index("ix_duty_unavailability_staff_id", "duty_unavailability", ["staff_id"])
    op.create_table(
        "duty_rules",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("shifts", sa.JSON(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("min_gap_days", sa.JSON(), nullable=False),
        sa.Column("max_per_month", sa.JSON(), nullable=False),
        sa.Column("apart", sa.JSON(), nullable=False),
        *_stamps(),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "duty_rosters",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(128), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("published_by", sa.String(64), nullable=False),
        *_stamps(),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "duty_assignments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("roster_id", sa.Integer(),
                  sa.ForeignKey("duty_rosters.id", ondelete="CASCADE"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shift", sa.String(16), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("duty_staff.id"), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.UniqueConstraint("roster_id", "day", "shift", "role", "staff_id",
                            name="uq_duty_assignments_slot"),
    )
    op.create_index("ix_duty_assignments_day", "duty_assignments", ["day"])
    op.create_index("ix_duty_assignments_roster_id", "duty_assignments", ["roster_id"])
    op.create_index("ix_duty_assignments_staff_id", "duty_assignments", ["staff_id"])
    op.create_table(
        "duty_swaps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("roster_id", sa.Integer(),
                  sa.ForeignKey("duty_rosters.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shift", sa.String(16), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("from_staff_id", sa.Integer(), sa.ForeignKey("duty_staff.id"), nullable=False),
        sa.Column("to_staff_id", sa.Integer(), sa.ForeignKey("duty_staff.id"), nullable=False),
        sa.Column("other_day", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_duty_swaps_roster_id", "duty_swaps", ["roster_id"])
    op.create_table(
        "duty_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("caller_unit", sa.String(128), nullable=False),
        sa.Column("caller_name", sa.String(64), nullable=False),
        sa.Column("caller_post", sa.String(64), nullable=False),
        sa.Column("caller_phone", sa.String(64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("passed_to", sa.String(128), nullable=False),
        sa.Column("passed_at", UTCDateTime(), nullable=True),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(),
                  sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("author_name", sa.String(64), nullable=False),
        *_stamps(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("classification", sa.SmallInteger(), nullable=False),
    )
    op.create_index("ix_duty_log_received_at", "duty_log", ["received_at"])
    op.create_index("ix_duty_log_classification", "duty_log", ["classification"])
    op.create_table(
        "duty_handovers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("outgoing_id", sa.Integer(),
                  sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("outgoing_name", sa.String(64), nullable=False),
        sa.Column("handed_at", UTCDateTime(), nullable=False),
        sa.Column("incoming_id", sa.Integer(),
                  sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("incoming_name", sa.String(64), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("open_items", sa.JSON(), nullable=False),
        *_stamps(),
    )
    op.create_index("ix_duty_handovers_handed_at", "duty_handovers", ["handed_at"])
    op.create_table(
        "duty_open_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("log_id", sa.Integer(),
                  sa.ForeignKey("duty_log.id", ondelete="SET NULL"), nullable=True),
        sa.Column("opened_by", sa.String(64), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("closed_by", sa.String(64), nullable=False),
        sa.Column("closed_note", sa.Text(), nullable=False),
        *_stamps(),
    )
    op.execute("UPDATE govdesk_meta SET value = '5' WHERE key = 'schema_version'")


def downgrade() -> None:
    for table in ("duty_open_items", "duty_handovers", "duty_log", "duty_swaps",
                  "duty_assignments", "duty_rosters", "duty_rules", "duty_unavailability",
                  "duty_opening", "duty_staff", "duty_roles"):
        op.drop_table(table)
    op.execute("UPDATE govdesk_meta SET value = '4' WHERE key = 'schema_version'")
