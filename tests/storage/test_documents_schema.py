"""The 0003 migration creates exactly what the 公文 models declare (SQLite and PostgreSQL):
tables, columns, types, indexes and the UNIQUE constraints numbering relies on."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.storage.models import Base

TABLES = {"documents", "document_versions", "document_steps", "docno_series", "docno_entries"}


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


def test_number_uniqueness_is_in_the_schema(engine):
    uniques = {tuple(u["column_names"])
               for u in inspect(engine).get_unique_constraints("docno_entries")}
    assert ("prefix", "year", "seq") in uniques
