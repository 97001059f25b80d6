"""Several roles per user: ``user_roles`` (one row per role a user holds).

Every existing user keeps the role they had (``users.role_code`` is copied into ``user_roles``).
``users.role_code`` stays (see ``app.storage.models.accounts``): dropping it on SQLite would mean
rebuilding ``users``, which cascades to the tables that refer to it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.Integer,
                  sa.ForeignKey("users.id", ondelete="CASCADE",
                                name="fk_user_roles_user_id_users"), nullable=False),
        sa.Column("role_code", sa.String(32),
                  sa.ForeignKey("roles.code", name="fk_user_roles_role_code_roles"),
                  nullable=False),
        sa.PrimaryKeyConstraint("user_id", "role_code", name="pk_user_roles"),
    )
    op.execute("INSERT INTO user_roles (user_id, role_code) SELECT id, role_code FROM users")
    op.execute("UPDATE govdesk_meta SET value = '16' WHERE key = 'schema_version'")


def downgrade() -> None:
    # Back to one role: each user keeps the role already in users.role_code (the first of theirs).
    op.drop_table("user_roles")
    op.execute("UPDATE govdesk_meta SET value = '15' WHERE key = 'schema_version'")
