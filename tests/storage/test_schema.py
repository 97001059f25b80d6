"""The migrations build exactly the schema the models declare — every table of every module, on
SQLite and PostgreSQL: tables, columns, types, indexes, unique and foreign keys.

Alembic's autogenerate comparison is empty when the two agree. The only objects outside the models
are the search index's backend-specific parts, created by migration 0004 with raw SQL and skipped
here by name: on SQLite the FTS5 tables (a virtual table and its shadow tables), on PostgreSQL the
``search_entries.tsv`` and ``tsv_bucket`` columns (0004, 0010) and their GIN index.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from app.storage.models import Base

BACKEND_SPECIFIC = {("column", "tsv"), ("column", "tsv_bucket"), ("index", "ix_search_entries_tsv")}


def _not_fts(name, type_, parent_names) -> bool:
    table = name if type_ == "table" else parent_names.get("table_name")
    return not (table or "").startswith("search_fts")


def _not_backend_specific(obj, name, type_, reflected, compare_to) -> bool:
    table = getattr(getattr(obj, "table", None), "name", None)
    return not (table == "search_entries" and (type_, name) in BACKEND_SPECIFIC)


OPTS = {"compare_type": True, "include_name": _not_fts, "include_object": _not_backend_specific}


def _diffs(engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts=OPTS), Base.metadata)


def test_migrations_build_exactly_the_models(engine):
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    assert _diffs(engine) == []


def test_the_comparison_sees_a_difference(engine):
    """The check above can fail: a column the models lack is reported."""
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE office_settings ADD COLUMN stray_column INTEGER"))
    assert any(d[0] == "remove_column" and d[2] == "office_settings" and d[3].name == "stray_column"
               for d in _diffs(engine))
