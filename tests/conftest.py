"""Shared fixtures. Every test runs offscreen with its own data folder; nothing touches the
user's real data.

Database fixtures (storage and service tests):

* ``db_url`` — parametrised: a fresh SQLite file per test, and, when ``GOVDESK_TEST_PG_URL``
  (an admin URL, e.g. ``postgresql+psycopg://postgres@127.0.0.1:55432/postgres``) is set, a fresh
  PostgreSQL database per test, dropped afterwards. Without the variable the PostgreSQL case is
  skipped, so a newcomer's ``python3 dev.py test`` stays green; ``.ci/run`` sets it.
* ``engine`` — ``db_url`` opened the way the program opens it (migrated to head).
* ``ctx`` — a ``ServiceContext`` on ``engine`` with nobody signed in;
  ``admin_ctx`` — the first administrator (``admin`` / ``ADMIN_PASSWORD``) signed in.
"""

from __future__ import annotations

import os
import uuid

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

ADMIN_PASSWORD = "Admin-pass-1"
PG_ENV = "GOVDESK_TEST_PG_URL"


_EXIT_STATUS: list[int] = []


def pytest_sessionfinish(session, exitstatus):
    _EXIT_STATUS.append(int(exitstatus))


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


@pytest.fixture(autouse=True)
def _pristine_holiday_calendar():
    """The process-wide calendar (``DEFAULT_CALENDAR``) holds the office tables of the database a
    service last read; every test starts and ends with the package's data only."""
    yield
    import sys

    if "app.services.holidays" in sys.modules:
        from app.domain.workdays import DEFAULT_CALENDAR, HolidayCalendar
        from app.services import holidays

        holidays.invalidate()
        DEFAULT_CALENDAR.replace_with(HolidayCalendar())


def _pg_database(admin_url: str):
    """Create a uniquely named database from the admin URL; yield its URL; drop it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"govdesk_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'govdesk.sqlite3'}"
        return
    admin_url = os.environ.get(PG_ENV)
    if not admin_url:
        pytest.skip(f"PostgreSQL: {PG_ENV} is not set")
    yield from _pg_database(admin_url)


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
    from app.services import accounts

    accounts.create_first_admin(ctx, "admin", ADMIN_PASSWORD, "系统管理员")
    return ctx.with_actor(accounts.login(ctx, "admin", ADMIN_PASSWORD))
