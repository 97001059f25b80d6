"""The air-gap exchange passphrase is no longer stored: ``security_settings.exchange_key`` (the
passphrase in plain text) becomes ``exchange_verifier`` (its argon2id hash). A passphrase set
before is hashed here, so the office keeps using it and nothing readable is left.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from argon2 import PasswordHasher

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    table = sa.table("security_settings", sa.column("id", sa.Integer),
                     sa.column("exchange_key", sa.String))
    hasher = PasswordHasher()
    for row_id, key in conn.execute(sa.select(table.c.id, table.c.exchange_key)).all():
        key = (key or "").strip()
        if key and not key.startswith("$argon2"):
            conn.execute(table.update().where(table.c.id == row_id)
                         .values(exchange_key=hasher.hash(key)))
    with op.batch_alter_table("security_settings") as batch:
        batch.alter_column("exchange_key", new_column_name="exchange_verifier",
                           existing_type=sa.String(256), existing_nullable=False,
                           existing_server_default="")
    op.execute("UPDATE govdesk_meta SET value = '13' WHERE key = 'schema_version'")


def downgrade() -> None:
    # The passphrase cannot be recovered from its verifier: a downgraded desk has no key set.
    with op.batch_alter_table("security_settings") as batch:
        batch.alter_column("exchange_verifier", new_column_name="exchange_key",
                           existing_type=sa.String(256), existing_nullable=False,
                           existing_server_default="")
    op.execute("UPDATE security_settings SET exchange_key = ''")
    op.execute("UPDATE govdesk_meta SET value = '12' WHERE key = 'schema_version'")
