"""Alembic environment: runs on the connection handed over by ``app.storage.migrate``, one
transaction per revision (a failed step leaves the database at the previous revision)."""

from __future__ import annotations

from alembic import context

from app.storage.db import make_engine
from app.storage.models import Base

config = context.config


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        transaction_per_migration=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():  # pragma: no cover - we never emit SQL scripts
    raise SystemExit("GovDesk migrations run online only.")

_connection = config.attributes.get("connection")
if _connection is None:
    _engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with _engine.connect() as _conn:
            _run(_conn)
    finally:
        _engine.dispose()
else:
    _run(_connection)
