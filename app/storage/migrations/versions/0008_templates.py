"""Templates stored in the database, with version history.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.storage.models.base import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "templates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("based_on", sa.String(64), nullable=False),
        sa.Column("sample_json", sa.Text(), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_templates_kind", "templates", ["kind"])
    op.create_table(
        "template_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("template_id", sa.Integer(),
                  sa.ForeignKey("templates.id", ondelete="CASCADE",
                                name="fk_template_versions_template_id_templates"),
                  nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("comment", sa.String(500), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("template_id", "number", name="uq_template_versions_number"),
    )
    op.create_index("ix_template_versions_template_id", "template_versions", ["template_id"])
    op.execute("UPDATE govdesk_meta SET value = '8' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_index("ix_template_versions_template_id", "template_versions")
    op.drop_table("template_versions")
    op.drop_index("ix_templates_kind", "templates")
    op.drop_table("templates")
    op.execute("UPDATE govdesk_meta SET value = '7' WHERE key = 'schema_version'")
