"""Alembic migration scripts (``env.py`` + ``versions/``), shipped inside the package so that a
frozen build carries them. Applied by ``app.storage.migrate.upgrade`` — never by hand-written DDL.

Each revision is written out explicitly (no imports of the current models: a migration must keep
meaning what it meant when it was written) and raises ``govdesk_meta.schema_version`` by one.
"""
