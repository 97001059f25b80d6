"""The office's own holiday tables (节假日安排), imported from the State Council's notice.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.storage.models.base import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "holiday_years",
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("title", sa.String(200), nullable=False, server_default=""),
        sa.Column("source_text", sa.Text(), nullable=False, server_default=""),
        sa.Column("source_digest", sa.String(80), nullable=False, server_default=""),
        sa.Column("supplements", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False, server_default=""),
    )
    op.create_table(
        "holiday_days",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("source", sa.String(8), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("workday", sa.Boolean(), nullable=False),
        sa.Column("festival", sa.String(64), nullable=False, server_default=""),
        sa.Column("reason", sa.String(200), nullable=False, server_default=""),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False, server_default=""),
    )
    op.create_index("ix_holiday_days_year", "holiday_days", ["year"])
    op.execute("UPDATE govdesk_meta SET value = '12' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_index("ix_holiday_days_year", "holiday_days")
    op.drop_table("holiday_days")
    op.drop_table("holiday_years")
