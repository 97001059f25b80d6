"""涉密 conformance (issue 31): 三员 roles, office mode, password policy, audit outcome/desk and
reviews.

* ``roles``: 系统管理员 (sysadmin), 安全保密管理员 (secadmin), 安全审计员 (auditor).
* ``security_settings``: ``office_mode`` (``normal`` 普通 / ``classified`` 涉密; never back),
  the password rules set by the 安全保密管理员 (length, character classes, maximum age and the
  reminder before it, how many earlier passwords may not be reused), the lockout (failures,
  minutes) and the audit store's warning threshold.
* ``users.password_changed_at``: when the password was last set (maximum age); existing
  accounts count from the migration.
* ``audit_events.outcome`` (``success`` / ``refused``) and ``desk`` (where: the host name).
  Existing events keep ``success`` and ``''``: neither default is hashed, so their hashes hold.
* ``audit_reviews``: an entry marked as reviewed, kept apart from the chained entry.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.storage.models.base import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

NEW_ROLES = [("sysadmin", "系统管理员"), ("secadmin", "安全保密管理员"), ("auditor", "安全审计员")]


def upgrade() -> None:
    roles = sa.table("roles", sa.column("code", sa.String), sa.column("name", sa.String))
    op.bulk_insert(roles, [{"code": c, "name": n} for c, n in NEW_ROLES])
    with op.batch_alter_table("security_settings") as batch:
        batch.add_column(sa.Column("office_mode", sa.String(16), nullable=False,
                                   server_default="normal"))
        for name, default in (("pw_min_length", "8"), ("pw_min_classes", "3"),
                              ("pw_max_age_days", "0"), ("pw_warn_days", "7"),
                              ("pw_history", "5"), ("lock_failures", "5"),
                              ("lock_minutes", "15"), ("audit_warn_rows", "500000")):
            batch.add_column(sa.Column(name, sa.Integer, nullable=False,
                                       server_default=default))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("password_changed_at", UTCDateTime, nullable=True))
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("outcome", sa.String(16), nullable=False,
                                   server_default="success"))
        batch.add_column(sa.Column("desk", sa.String(64), nullable=False, server_default=""))
    with op.batch_alter_table("audit_pending") as batch:  # events not yet sealed (0018) carry both
        batch.add_column(sa.Column("outcome", sa.String(16), nullable=False,
                                   server_default="success"))
        batch.add_column(sa.Column("desk", sa.String(64), nullable=False, server_default=""))
    op.create_table(
        "audit_reviews",
        sa.Column("id", sa.Integer),
        sa.Column("event_seq", sa.Integer, nullable=False),
        sa.Column("reviewer_id", sa.Integer, nullable=True),
        sa.Column("reviewer", sa.String(64), nullable=False, server_default=""),
        sa.Column("reviewed_at", UTCDateTime, nullable=False),
        sa.Column("note", sa.String(200), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name="pk_audit_reviews"),
        sa.UniqueConstraint("event_seq", name="uq_audit_reviews_event_seq"),
    )
    op.execute("UPDATE govdesk_meta SET value = '20' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_table("audit_reviews")
    # plain DROP COLUMN (SQLite 3.35+): a batch rebuild of ``users`` would cascade to its
    # children (user_roles…, see 0016), one of ``audit_events`` would lose its triggers
    for table, column in (("audit_pending", "desk"), ("audit_pending", "outcome"),
                          ("audit_events", "desk"), ("audit_events", "outcome"),
                          ("users", "password_changed_at")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    with op.batch_alter_table("security_settings") as batch:
        for name in ("audit_warn_rows", "lock_minutes", "lock_failures", "pw_history",
                     "pw_warn_days", "pw_max_age_days", "pw_min_classes", "pw_min_length",
                     "office_mode"):
            batch.drop_column(name)
    op.execute("UPDATE users SET role_code = 'reader' "
               "WHERE role_code IN ('sysadmin', 'secadmin', 'auditor')")
    op.execute("DELETE FROM user_roles WHERE role_code IN ('sysadmin', 'secadmin', 'auditor')")
    op.execute("DELETE FROM roles WHERE code IN ('sysadmin', 'secadmin', 'auditor')")
    op.execute("UPDATE govdesk_meta SET value = '19' WHERE key = 'schema_version'")
