"""Initial schema: meta, roles, clearances, users, audit events.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.storage.models.base import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ROLES = [
    ("admin", "管理员"),
    ("clerk", "文书"),
    ("duty", "值班员"),
    ("leader", "领导"),
    ("reader", "只读"),
]
CLEARANCES = [(0, "公开"), (1, "内部"), (2, "秘密"), (3, "机密")]


def upgrade() -> None:
    meta = op.create_table(
        "govdesk_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    roles = op.create_table(
        "roles",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(32), nullable=False),
    )
    clearances = op.create_table(
        "clearances",
        sa.Column("level", sa.SmallInteger(), primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(16), nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role_code", sa.String(32), sa.ForeignKey("roles.code"), nullable=False),
        sa.Column(
            "clearance_level", sa.SmallInteger(), sa.ForeignKey("clearances.level"), nullable=False
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.Column("last_login_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object_type", sa.String(64), nullable=False),
        sa.Column("object_id", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("seq", name="uq_audit_events_seq"),
    )
    op.create_index("ix_audit_events_action", "audit_events", ["action"])
    op.bulk_insert(roles, [{"code": c, "name": n} for c, n in ROLES])
    op.bulk_insert(clearances, [{"level": lv, "name": n} for lv, n in CLEARANCES])
    op.bulk_insert(meta, [{"key": "schema_version", "value": "1"}])


def downgrade() -> None:
    op.drop_index("ix_audit_events_action", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_table("users")
    op.drop_table("clearances")
    op.drop_table("roles")
    op.drop_table("govdesk_meta")
