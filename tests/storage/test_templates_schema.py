"""The 0008 migration creates exactly what the template models declare (SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.storage.models import Base

TABLES = {"templates", "template_versions"}


def _tables_of(diff) -> set[str]:
    names: set[str] = set()
    for item in diff if isinstance(diff, list) else [diff]:
        for part in item[1:]:
            if isinstance(part, str):
                names.add(part)
            for obj in (part, getattr(part, "table", None)):
                name = getattr(obj, "name", None)
                if isinstance(name, str):
                    names.add(name)
    return names


def test_migration_matches_the_models(engine):
    assert TABLES <= set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        mc = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = [d for d in compare_metadata(mc, Base.metadata) if _tables_of(d) & TABLES]
    assert diffs == []
