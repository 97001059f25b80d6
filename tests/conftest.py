"""Shared fixtures. Every test runs offscreen with its own data folder; nothing touches the
user's real data.

Database fixtures (storage and service tests):

* ``db_url`` — parametrised: a fresh SQLite file per test, and, when ``GOVDESK_TEST_PG_URL``
  (an admin URL, e.g. ``postgresql+psycopg://postgres@127.0.0.1:55432/postgres``) is set, a fresh
  PostgreSQL database per test, dropped afterwards. Without the variable the PostgreSQL case is
  skipped, so a newcomer's ``python3 dev.py test`` stays green; ``.ci/run`` sets it.
* ``engine`` — ``db_url`` opened the way the program opens it (``open_database``), on a copy of
  a template database migrated once per session (see "Speed" below).
* ``ctx`` — a ``ServiceContext`` on ``engine`` with nobody signed in;
  ``admin_ctx`` — the first administrator (``admin`` / ``ADMIN_PASSWORD``) signed in.

Speed (the same tests, cheaper fixtures):

* Migrating a fresh database runs every Alembic revision (1–2.5 s per test on a busy machine).
  Instead one template is migrated per session and copied: for SQLite the file is checkpointed
  and copied (``seed_sqlite``; ``open_database`` then finds it at head, as it finds a desk's
  database at every start), for PostgreSQL ``CREATE DATABASE … TEMPLATE`` of a template database
  migrated once. Tests of migrating itself (tests/storage/test_migrations.py, start-up tests that
  create the database) still start from nothing.
* Passwords are hashed at the weak test cost (``GOVDESK_TEST_WEAK_ARGON2=1``, see
  ``app/passwords.py``): hashes record their parameters, so the rules tested are the same. The
  same profile writes exchange packages at scrypt N = 2^14, the lowest cost a reader accepts (the
  header records it; the production N = 2^15 is checked in tests/security/test_exchange.py).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import uuid
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Argon2 at test cost (app/passwords.py); set it to 0 to run the suite at production cost.
os.environ.setdefault("GOVDESK_TEST_WEAK_ARGON2", "1")

import pytest

ADMIN_PASSWORD = "Admin-pass-1"
PG_ENV = "GOVDESK_TEST_PG_URL"


_EXIT_STATUS: list[int] = []


def pytest_sessionfinish(session, exitstatus):
    _EXIT_STATUS.append(int(exitstatus))
    _drop_templates()


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """Leave without interpreter finalisation once the results are reported.

    PySide6 6.12 on Python 3.11 over-releases a reference to ``True`` (and ``None``; see
    ``processEvents(flags, ms)``), so after a long Qt session the garbage collection during
    finalisation aborts with "bool_dealloc: deallocating True" (exit 134) although every test
    passed. Everything worth keeping is written by now, so exit with pytest's own status.
    """
    import sys

    if "PySide6" in sys.modules and _EXIT_STATUS:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT_STATUS[-1])


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Long tests (marked ``slow``) first, the rest in their order. Spread over workers
    (``-n auto``), a long test picked up near the end keeps one worker busy while the others
    have finished; started first, it runs while the others share out the short ones."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_configure(config):
    # The offscreen platform plugin (not our code) warns whenever a dialog is shown; every other
    # Qt warning still fails the test (qt_log_level_fail = WARNING in pyproject.toml).
    config.addinivalue_line("qt_log_ignore", r"This plugin does not support propagateSizeHints\(\)")


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, monkeypatch):
    """Each test gets a fresh data folder and never sees a developer's GOVDESK_DB_URL."""
    monkeypatch.setenv("GOVDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GOVDESK_DB_URL", raising=False)
    yield


_tests_since_full_pass = [0]


@pytest.fixture(autouse=True)
def _collect_on_the_main_thread():
    """Once a main window has been shown the process runs the desk's collector policy
    (``app/heap.py``): no automatic collection, passes on the GUI thread only. Its timer runs only
    while an event loop does, so each test's cycles are collected here, on the main thread, once
    it is over (the young generations; everything every hundred tests)."""
    yield
    import gc

    if not gc.isenabled():
        _tests_since_full_pass[0] += 1
        full = _tests_since_full_pass[0] >= 100
        if full:
            _tests_since_full_pass[0] = 0
        gc.collect(2 if full else 1)


@pytest.fixture(autouse=True)
def _pristine_holiday_calendar():
    """The process-wide calendar (``DEFAULT_CALENDAR``) holds the office tables of the database a
    service last read; every test starts and ends with the package's data only."""
    yield
    import sys

    if "app.services.holidays.tables" in sys.modules:
        from app.domain.workdays import DEFAULT_CALENDAR, HolidayCalendar
        from app.services.holidays import tables as holidays

        holidays.invalidate()
        DEFAULT_CALENDAR.replace_with(HolidayCalendar())


# --- template databases: migrated once per session, copied per test ---------------------------

_TEMPLATES: dict[str, str] = {}  # "sqlite" -> template file; admin URL -> template database name
_TEMPLATE_DIR: list[Path] = []


def _sqlite_template() -> Path:
    """A SQLite file migrated to head once per session, checkpointed so that the main file alone
    holds everything (WAL folded in, no -wal/-shm to copy)."""
    if "sqlite" not in _TEMPLATES:
        from app.storage.migrate import open_database

        folder = Path(tempfile.mkdtemp(prefix="govdesk-test-template-"))
        _TEMPLATE_DIR.append(folder)
        path = folder / "template.sqlite3"
        open_database(f"sqlite:///{path}", folder / "backups").dispose()
        conn = sqlite3.connect(str(path))  # no SQLAlchemy "begin" hook: a checkpoint needs none
        try:
            busy, _log, _moved = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            conn.close()
        wal = path.with_name(path.name + "-wal")
        assert busy == 0 and (not wal.exists() or wal.stat().st_size == 0), "template not folded"
        _TEMPLATES["sqlite"] = str(path)
    return Path(_TEMPLATES["sqlite"])


def seed_sqlite(target: str | Path) -> None:
    """Put a migrated database at ``target`` (a database URL or a file path) unless one is there:
    a copy of the session's template, so ``open_database`` on it finds the schema at head.
    Anything but a SQLite file URL is left alone."""
    if isinstance(target, Path):
        path: Path | None = target
    else:
        from app.storage.db import sqlite_path

        path = sqlite_path(target)
    if path is None:
        return
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    shutil.copyfile(_sqlite_template(), part)
    part.replace(path)


def _pg_template(admin_url: str) -> str:
    """The name of a PostgreSQL database migrated to head once per session (per admin URL); new
    test databases are made from it with ``CREATE DATABASE … TEMPLATE`` (no connection to it
    stays open, as PostgreSQL requires)."""
    if admin_url not in _TEMPLATES:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        from app.storage.migrate import open_database

        name = f"govdesk_template_{uuid.uuid4().hex[:12]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        open_database(url).dispose()
        _TEMPLATES[admin_url] = name
    return _TEMPLATES[admin_url]


def _drop_templates() -> None:
    for folder in _TEMPLATE_DIR:
        shutil.rmtree(folder, ignore_errors=True)
    for admin_url, name in list(_TEMPLATES.items()):
        if admin_url == "sqlite":
            continue
        from sqlalchemy import create_engine, text

        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()
    _TEMPLATES.clear()
    _TEMPLATE_DIR.clear()


def _pg_database(admin_url: str, template: str | None = None):
    """Create a uniquely named database from the admin URL (empty, or a copy of ``template``);
    yield its URL; drop it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"govdesk_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            suffix = f' TEMPLATE "{template}"' if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _wants_engine(request) -> bool:
    """Whether the test's database will be opened by the ``engine`` fixture (then it may start
    as a copy of the migrated template; a test using ``db_url`` alone gets an empty database)."""
    return "engine" in request.fixturenames


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'db' / 'govdesk.sqlite3'}"
        if _wants_engine(request):
            seed_sqlite(url)
        yield url
        return
    admin_url = os.environ.get(PG_ENV)
    if not admin_url:
        pytest.skip(f"PostgreSQL: {PG_ENV} is not set")
    template = _pg_template(admin_url) if _wants_engine(request) else None
    yield from _pg_database(admin_url, template)


@pytest.fixture
def engine(db_url, tmp_path):
    from app.storage.migrate import open_database

    eng = open_database(db_url, tmp_path / "backups")
    yield eng
    eng.dispose()


@pytest.fixture
def ctx(engine):
    from app.services.context import ServiceContext

    return ServiceContext(engine)


@pytest.fixture
def admin_ctx(ctx):
    from app.services.accounts import users as accounts

    accounts.create_first_admin(ctx, "admin", ADMIN_PASSWORD, "系统管理员")
    return ctx.with_actor(accounts.login(ctx, "admin", ADMIN_PASSWORD))
