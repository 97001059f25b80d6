"""交接班 open items get an optional deadline (办理时限).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.storage.models.base import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable, no default: every existing item simply has no deadline.
    with op.batch_alter_table("duty_open_items") as batch:
        batch.add_column(sa.Column("deadline", UTCDateTime(), nullable=True))
    op.execute("UPDATE govdesk_meta SET value = '11' WHERE key = 'schema_version'")


def downgrade() -> None:
    with op.batch_alter_table("duty_open_items") as batch:
        batch.drop_column("deadline")
    op.execute("UPDATE govdesk_meta SET value = '10' WHERE key = 'schema_version'")
