"""The 发文字号 UNIQUE constraint that numbering relies on as its last line of defence is in the
schema the migrations build (SQLite and PostgreSQL). The whole schema is compared with the models
in tests/storage/test_schema.py."""

from __future__ import annotations

from sqlalchemy import inspect


def test_number_uniqueness_is_in_the_schema(engine):
    uniques = {tuple(u["column_names"])
               for u in inspect(engine).get_unique_constraints("docno_entries")}
    assert ("prefix", "year", "seq") in uniques
