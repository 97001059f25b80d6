"""The records a print of a series holds (``paper_series_records``): a 值班日报's copies are
checked against the 知悉范围 of every 值班日志 and 突发事件 it printed.

A 值班日报 is not itself a record that carries a 知悉范围, but it prints records that may: until
now its copies could be handed out to anyone cleared for its 密级. Each print now lists what it
held; copies printed before this revision have no list and keep the old rule (their 密级 alone).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "paper_series_records",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("object_type", sa.String(32), nullable=False),
        sa.Column("object_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("record_id", sa.Integer, nullable=False),
        sa.UniqueConstraint("object_type", "object_id", "kind", "record_id",
                            name="uq_paper_series_records"),
    )
    op.execute("UPDATE govdesk_meta SET value = '24' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_table("paper_series_records")
    op.execute("UPDATE govdesk_meta SET value = '23' WHERE key = 'schema_version'")
