"""值班安排 and 交接班 carry a 密级: ``duty_rosters.classification`` and
``duty_handovers.classification`` (0 公开 … 3 机密, indexed like every classified table).

A roster or a handover note may itself be classified (the duties of a 重大活动, a shift's summary
of a 秘密 matter): its prints and exports are then marked, watermarked and their copies registered
in the 涉密文件登记簿 like any other classified record. Existing rows are 公开 (0), as they were
printed until now.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

TABLES = ("duty_rosters", "duty_handovers")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("classification", sa.SmallInteger(), nullable=False,
                                       server_default=sa.text("0")))
        op.create_index(f"ix_{table}_classification", table, ["classification"])
    op.execute("UPDATE govdesk_meta SET value = '23' WHERE key = 'schema_version'")


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_index(f"ix_{table}_classification", table)
        # a plain DROP COLUMN (SQLite 3.35+): a batch rebuild would drop the rows' children
        # (duty_assignments and duty_swaps cascade from duty_rosters)
        op.execute(f"ALTER TABLE {table} DROP COLUMN classification")
    op.execute("UPDATE govdesk_meta SET value = '22' WHERE key = 'schema_version'")
