"""Audit events record the 密级 of what they touch (``audit_events.classification``).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing events keep 0: their hashes were made without the column (a 0 is not hashed), and
    # the viewer masks them by looking up the records they name (app.services.audit.scope).
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("classification", sa.SmallInteger(), nullable=False,
                                   server_default=sa.text("0")))
    op.execute("UPDATE govdesk_meta SET value = '15' WHERE key = 'schema_version'")


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("classification")
    op.execute("UPDATE govdesk_meta SET value = '14' WHERE key = 'schema_version'")
