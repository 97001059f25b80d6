"""涉密文件登记簿: ``paper_copies``, one row per printed 份号 of a classified record.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "paper_copies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("object_type", sa.String(32), nullable=False),
        sa.Column("object_id", sa.Integer, nullable=False),
        sa.Column("copy_no", sa.Integer, nullable=False),
        sa.Column("title", sa.String(256), nullable=False, server_default=""),
        sa.Column("classification", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("printed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("printed_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("status", sa.String(24), nullable=False, server_default="held"),
        sa.Column("recipient_unit", sa.String(128), nullable=False, server_default=""),
        sa.Column("recipient_person", sa.String(64), nullable=False, server_default=""),
        sa.Column("issued_on", sa.Date, nullable=True),
        sa.Column("signed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("due_back", sa.Date, nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("destroy_requested_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("destroy_requested_by_id", sa.Integer, nullable=True),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("destroy_confirmed_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.UniqueConstraint("object_type", "object_id", "copy_no",
                            name="uq_paper_copies_object_copy_no"),
    )
    op.create_index("ix_paper_copies_object_id", "paper_copies", ["object_id"])
    op.create_index("ix_paper_copies_classification", "paper_copies", ["classification"])
    op.create_index("ix_paper_copies_status", "paper_copies", ["status"])
    op.create_index("ix_paper_copies_due_back", "paper_copies", ["due_back"])
    op.execute("UPDATE govdesk_meta SET value = '22' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_table("paper_copies")
    op.execute("UPDATE govdesk_meta SET value = '21' WHERE key = 'schema_version'")
