"""突发事件: incidents, the report chain, deadline rule table, missed deadlines.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op

from app.storage.models.base import UTCDateTime  # noqa: F401

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE govdesk_meta SET value = '7' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.execute("UPDATE govdesk_meta SET value = '6' WHERE key = 'schema_version'")
