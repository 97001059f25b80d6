"""Storage: SQLAlchemy models, engine and sessions, Alembic migrations.

Start with ``db.py`` (engine settings, one short session per unit of work), ``models/base.py``
(mixins: id, timestamps, optimistic-locking ``version``, ``classification``) and ``migrate.py``
(automatic, backed-up migrations; ``open_database`` is the only way the program opens a database).
"""
