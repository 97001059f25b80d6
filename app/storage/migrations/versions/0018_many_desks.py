"""Many desks on one database (issue 32).

* ``docno_series.last_seq`` becomes the series' counter (the next number is ``last_seq + 1``,
  taken in one UPDATE): set here from the entries, in case a series' column lags behind them.
* ``audit_pending``: audit events appended without a lock by desks on PostgreSQL, chained into
  ``audit_events`` by the sealer (``app.services.audit.chain``). Existing events are untouched.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE docno_series SET last_seq = "
        "(SELECT MAX(e.seq) FROM docno_entries e WHERE e.series_id = docno_series.id) "
        "WHERE last_seq < "
        "(SELECT COALESCE(MAX(e.seq), 0) FROM docno_entries e WHERE e.series_id = docno_series.id)")
    op.create_table(
        "audit_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object_type", sa.String(64), nullable=False),
        sa.Column("object_id", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("classification", sa.SmallInteger(), nullable=False,
                  server_default=sa.text("0")),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_pending"),
    )
    op.execute("UPDATE govdesk_meta SET value = '18' WHERE key = 'schema_version'")


def downgrade() -> None:
    # Events still pending would be lost: the sealer runs first (a downgrade is a developer's act).
    op.drop_table("audit_pending")
    op.execute("UPDATE govdesk_meta SET value = '17' WHERE key = 'schema_version'")
