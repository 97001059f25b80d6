"""The office's seal image: ``office_seal`` (one row), the PNG encrypted with SM4-GCM under a key
derived from the audit key (``app.services.documents.seal``).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.storage.models.base import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "office_seal",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("alg", sa.String(32), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("nonce", sa.LargeBinary(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("transparent", sa.Boolean(), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_office_seal"),
    )
    op.execute("UPDATE govdesk_meta SET value = '17' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_table("office_seal")
    op.execute("UPDATE govdesk_meta SET value = '16' WHERE key = 'schema_version'")
