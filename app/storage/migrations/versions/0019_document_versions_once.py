"""公文 bodies stored once: the current version's text is the document's (issue 30).

``document_versions.description`` becomes nullable; NULL means "the same as
``documents.description``" and is allowed only for the current version (``number ==
documents.content_version``, whose text the service keeps equal to the document's). The backfill
sets it to NULL where the current version's stored JSON is the document's, byte for byte; any
version that differs keeps its text. A version stops being current only when a newer one is made
after 签发, and the service writes its text back first (``app.services.documents.drafts``). At 100 000
公文 this halves what the bodies take (735 MB of the 2.9 GB office). On SQLite the freed pages are
reused by later writes (a backup never copies them); ``VACUUM`` returns them to the disk.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_SAME = ("UPDATE document_versions SET description = {value} WHERE description IS NOT NULL AND "
         "number = (SELECT d.content_version FROM documents d "
         "WHERE d.id = document_versions.document_id) AND CAST(description AS TEXT) = "
         "(SELECT CAST(d.description AS TEXT) FROM documents d "
         "WHERE d.id = document_versions.document_id)")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite rebuilds the table to drop NOT NULL: shrink the rows to be cleared first (to ''
        # — never a description, which is a JSON object), so the copy is small and the file does
        # not grow by a second copy of every body; then '' becomes NULL.
        op.execute(_SAME.format(value="''"))
        with op.batch_alter_table("document_versions") as batch:
            batch.alter_column("description", existing_type=sa.JSON(), nullable=True)
        op.execute("UPDATE document_versions SET description = NULL WHERE description = ''")
    else:
        op.alter_column("document_versions", "description", existing_type=sa.JSON(),
                        nullable=True)
        op.execute(_SAME.format(value="NULL"))
    op.execute("UPDATE govdesk_meta SET value = '19' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.execute("UPDATE document_versions SET description = (SELECT d.description FROM documents d "
               "WHERE d.id = document_versions.document_id) WHERE description IS NULL")
    with op.batch_alter_table("document_versions") as batch:
        batch.alter_column("description", existing_type=sa.JSON(), nullable=False)
    op.execute("UPDATE govdesk_meta SET value = '18' WHERE key = 'schema_version'")
