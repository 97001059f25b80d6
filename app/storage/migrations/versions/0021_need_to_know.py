"""知悉范围 (need to know): ``record_scopes`` and the user's unit (``users.unit``).

A 秘密 or 机密 record may name who may know it beyond the clearance rule: users (``user_id``)
and/or units (``unit``, matched against ``users.unit``). A record with no rows here is seen by
everyone cleared for it, as before. ``basis`` says why a row is there: ``user`` and ``unit`` were
chosen; ``owner`` is the record's creator, kept inside its own scope. Two indexes serve the
owners the rule finds by column: ``document_steps.actor`` and ``duty_log.author_id``.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("unit", sa.String(128), nullable=False, server_default=""))
    op.create_table(
        "record_scopes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("record_id", sa.Integer, nullable=False),
        sa.Column("basis", sa.String(8), nullable=False, server_default="user"),
        sa.Column("user_id", sa.Integer,
                  sa.ForeignKey("users.id", ondelete="CASCADE",
                                name="fk_record_scopes_user_id_users"), nullable=True),
        sa.Column("unit", sa.String(128), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name="pk_record_scopes"),
    )
    op.create_index("ix_record_scopes_kind_record", "record_scopes", ["kind", "record_id"])
    op.create_index("ix_record_scopes_user_id", "record_scopes", ["user_id"])
    # the owners the rule looks up by column: documents a user acted on, entries they wrote
    op.create_index("ix_document_steps_actor", "document_steps", ["actor"])
    op.create_index("ix_duty_log_author_id", "duty_log", ["author_id"])
    op.execute("UPDATE govdesk_meta SET value = '21' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_index("ix_duty_log_author_id", "duty_log")
    op.drop_index("ix_document_steps_actor", "document_steps")
    op.drop_index("ix_record_scopes_user_id", "record_scopes")
    op.drop_index("ix_record_scopes_kind_record", "record_scopes")
    op.drop_table("record_scopes")
    # a plain DROP COLUMN (SQLite 3.35+): a batch rebuild of ``users`` would cascade (see 0016)
    op.execute("ALTER TABLE users DROP COLUMN unit")
    op.execute("UPDATE govdesk_meta SET value = '20' WHERE key = 'schema_version'")
