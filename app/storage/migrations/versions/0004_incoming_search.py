"""收文登记, 催办 records and the full-text search index.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.storage.models.base import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: Kinds known when this revision was written (others get the next free code on first use).
SEARCH_KINDS = [
    (1, "document"), (2, "incoming"), (3, "minutes"), (4, "decision"), (5, "duty_log"),
    (6, "incident"), (7, "template"),
]


def _search_upgrade() -> None:
    kinds = op.create_table(
        "search_kinds",
        sa.Column("code", sa.SmallInteger(), primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(32), nullable=False),
        sa.UniqueConstraint("name", name="uq_search_kinds_name"),
    )
    op.bulk_insert(kinds, [{"code": c, "name": n} for c, n in SEARCH_KINDS])
    op.create_table(
        "search_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("classification", sa.SmallInteger(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("extra", sa.Text(), nullable=False),
        sa.Column("updated", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("kind", "record_id", name="uq_search_entries_kind"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_entries ADD COLUMN tsv tsvector")
        op.execute("CREATE INDEX ix_search_entries_tsv ON search_entries USING gin (tsv)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "title_u, title_b, extra_u, extra_b, body_u, body_b, "
            "content='', tokenize='unicode61 remove_diacritics 0')"
        )


def _search_downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE search_fts")
    op.drop_table("search_entries")
    op.drop_table("search_kinds")


def _incoming_upgrade() -> None:
    op.create_table(
        "incoming_docs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reg_year", sa.SmallInteger(), nullable=False),
        sa.Column("reg_seq", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(128), nullable=False),
        sa.Column("sender_ref", sa.String(64), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("proposal", sa.Text(), nullable=False),
        sa.Column("instruction", sa.Text(), nullable=False),
        sa.Column("handler_unit", sa.String(128), nullable=False),
        sa.Column("handler_person", sa.String(64), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("deadline_workdays", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("done_note", sa.Text(), nullable=False),
        sa.Column("registered_by", sa.String(64), nullable=False),
        sa.Column("classification", sa.SmallInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("reg_year", "reg_seq", name="uq_incoming_docs_reg_year"),
    )
    for col in ("received_at", "deadline", "status", "classification"):
        op.create_index(f"ix_incoming_docs_{col}", "incoming_docs", [col])
    op.create_table(
        "incoming_attachments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incoming_id", sa.Integer(),
                  sa.ForeignKey("incoming_docs.id", ondelete="CASCADE",
                                name="fk_incoming_attachments_incoming_id_incoming_docs"),
                  nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_incoming_attachments_incoming_id", "incoming_attachments",
                    ["incoming_id"])
    op.create_table(
        "incoming_urges",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incoming_id", sa.Integer(),
                  sa.ForeignKey("incoming_docs.id", ondelete="CASCADE",
                                name="fk_incoming_urges_incoming_id_incoming_docs"),
                  nullable=False),
        sa.Column("urged_at", UTCDateTime(), nullable=False),
        sa.Column("urged_by", sa.String(64), nullable=False),
        sa.Column("target", sa.String(128), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
    )
    op.create_index("ix_incoming_urges_incoming_id", "incoming_urges", ["incoming_id"])


def upgrade() -> None:
    _search_upgrade()
    _incoming_upgrade()
    op.execute("UPDATE govdesk_meta SET value = '4' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_table("incoming_urges")
    op.drop_table("incoming_attachments")
    op.drop_table("incoming_docs")
    _search_downgrade()
    op.execute("UPDATE govdesk_meta SET value = '3' WHERE key = 'schema_version'")
