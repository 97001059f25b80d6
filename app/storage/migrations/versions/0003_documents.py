"""公文: outgoing documents, versions, workflow steps, 发文字号 series and entries.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.storage.models.base import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_DOC_INDEXED = ("classification", "genre", "status", "year", "title", "doc_no", "urgency",
                "drafter", "drafter_name", "updated_at")


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("genre", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("doc_no", sa.String(64), nullable=False),
        sa.Column("urgency", sa.String(8), nullable=False),
        sa.Column("drafter", sa.String(64), nullable=False),
        sa.Column("drafter_name", sa.String(64), nullable=False),
        sa.Column("series_prefix", sa.String(32), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("content_version", sa.Integer(), nullable=False),
        sa.Column("classification", sa.SmallInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    for col in _DOC_INDEXED:
        op.create_index(f"ix_documents_{col}", "documents", [col])
    op.create_table(
        "document_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(),
                  sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("frozen", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("note", sa.String(255), nullable=False),
        sa.UniqueConstraint("document_id", "number"),
    )
    op.create_index("ix_document_versions_document_id", "document_versions", ["document_id"])
    op.create_table(
        "document_steps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(),
                  sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("actor_name", sa.String(64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
    )
    op.create_index("ix_document_steps_document_id", "document_steps", ["document_id"])
    op.create_table(
        "docno_series",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("prefix", sa.String(32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.UniqueConstraint("prefix", "year"),
    )
    op.create_table(
        "docno_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("series_id", sa.Integer(), sa.ForeignKey("docno_series.id"), nullable=False),
        sa.Column("prefix", sa.String(32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(255), nullable=True),
        sa.Column("document_id", sa.Integer(),
                  sa.ForeignKey("documents.id", ondelete="SET NULL"), nullable=True),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("prefix", "year", "seq"),
    )
    op.create_index("ix_docno_entries_series_id", "docno_entries", ["series_id"])
    op.create_index("ix_docno_entries_document_id", "docno_entries", ["document_id"])
    op.execute("UPDATE govdesk_meta SET value = '3' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_table("docno_entries")
    op.drop_table("docno_series")
    op.drop_table("document_steps")
    op.drop_table("document_versions")
    op.drop_table("documents")
    op.execute("UPDATE govdesk_meta SET value = '2' WHERE key = 'schema_version'")
