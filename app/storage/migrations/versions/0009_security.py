"""Security and reliability: password history, backups, exchange imports.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.storage.models.base import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "password_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer,
                  sa.ForeignKey("users.id", ondelete="CASCADE",
                                name="fk_password_history_user_id_users"), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_password_history"),
    )
    op.create_index("ix_password_history_user_id", "password_history", ["user_id"])
    op.create_table(
        "security_settings",
        sa.Column("id", sa.Integer, autoincrement=False),
        sa.Column("idle_lock_minutes", sa.Integer, nullable=False, server_default="10"),
        sa.Column("backup_keep", sa.Integer, nullable=False, server_default="14"),
        sa.Column("exchange_key", sa.String(256), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.PrimaryKeyConstraint("id", name="pk_security_settings"),
    )
    op.create_table(
        "exchange_imports",
        sa.Column("id", sa.Integer),
        sa.Column("package_id", sa.String(64), nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
        sa.Column("imported_at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False, server_default=""),
        sa.Column("summary", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_exchange_imports"),
        sa.UniqueConstraint("package_id", name="uq_exchange_imports_package_id"),
    )
    op.execute("UPDATE govdesk_meta SET value = '9' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_table("exchange_imports")
    op.drop_table("security_settings")
    op.drop_index("ix_password_history_user_id", "password_history")
    op.drop_table("password_history")
    op.execute("UPDATE govdesk_meta SET value = '8' WHERE key = 'schema_version'")
