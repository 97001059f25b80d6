"""Security and reliability: password history, backups, exchange imports.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op

from app.storage.models.base import UTCDateTime  # noqa: F401

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE govdesk_meta SET value = '9' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.execute("UPDATE govdesk_meta SET value = '8' WHERE key = 'schema_version'")
