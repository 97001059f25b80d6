"""Full-text search at scale on PostgreSQL: id buckets inside the GIN index.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22

The newest-hits window of a broad query (one common character matches most of 100 000
documents) used to walk the primary key backwards and de-TOAST each row's positional
``tsv`` to test it (~0.6 s p95), or, planned the other way, visit every matching row. Now each
entry also carries ``tsv_bucket`` = ``ARRAY[id >> 10]`` (its block of 1 024 ids), and one GIN index
covers ``(tsv, tsv_bucket)``: ``tsv @@ q AND tsv_bucket && ARRAY[newest blocks]`` is intersected
inside the index, so only the hits of the newest blocks reach the table (see
``app.storage.fulltext``). The old single-column GIN index is dropped first so that filling the
column does not re-insert every lexeme; building the new one takes minutes on a large office.

SQLite (FTS5) needs nothing: its rowid order already gives the newest hits.
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

#: Ids per bucket, as a shift (kept in step with ``app.storage.fulltext.BUCKET_SHIFT``).
BUCKET_SHIFT = 10


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL maintenance_work_mem = '256MB'")
        op.execute("DROP INDEX IF EXISTS ix_search_entries_tsv")
        op.execute("ALTER TABLE search_entries ADD COLUMN tsv_bucket integer[]")
        op.execute(f"UPDATE search_entries SET tsv_bucket = ARRAY[id >> {BUCKET_SHIFT}]")
        op.execute("CREATE INDEX ix_search_entries_tsv ON search_entries "
                   "USING gin (tsv, tsv_bucket)")
        op.execute("ANALYZE search_entries")
    op.execute("UPDATE govdesk_meta SET value = '10' WHERE key = 'schema_version'")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_entries_tsv")
        op.execute("ALTER TABLE search_entries DROP COLUMN tsv_bucket")
        op.execute("CREATE INDEX ix_search_entries_tsv ON search_entries USING gin (tsv)")
    op.execute("UPDATE govdesk_meta SET value = '9' WHERE key = 'schema_version'")
