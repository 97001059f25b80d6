"""The audit chain is keyed: each event records how its hash was made (``hash_alg``: ``sha256``
for the rows written so far, ``hmac-sm3`` from now on) and which audit key made it (``key_id``).

Existing rows keep their plain SHA-256 hashes and still verify; the server default marks them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("hash_alg", sa.String(16), nullable=False,
                                   server_default="sha256"))
        batch.add_column(sa.Column("key_id", sa.String(32), nullable=False, server_default=""))
    op.execute("UPDATE govdesk_meta SET value = '14' WHERE key = 'schema_version'")


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("key_id")
        batch.drop_column("hash_alg")
    op.execute("UPDATE govdesk_meta SET value = '13' WHERE key = 'schema_version'")
