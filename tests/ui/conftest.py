"""UI fixtures: the real configuration path (data folder from GOVDESK_DATA_DIR, SQLite file in
it), opened like at start-up (a copy of the session's migrated template, so the start-up
finds it at head); dialogs and windows are driven with qtbot."""

from __future__ import annotations

import gc
import threading

import pytest
from sqlalchemy import Engine, event

from tests.conftest import ADMIN_PASSWORD, seed_sqlite


@pytest.fixture(autouse=True)
def _collect_on_the_gui_thread():
    """Collect each test's garbage here, on the GUI thread. Left to chance, Python's cyclic
    collector runs in whichever thread allocates next — often a worker of the next test — and
    freeing Qt wrappers there crashed the run (segfault in "Garbage-collecting" inside a worker's
    SQL compile while the GUI thread waited; seen on main too).

    Cheap: before each test what is garbage by now (the last test's objects, released once its
    fixtures were) is collected, and everything still alive (modules, classes, caches) is frozen
    out of the collector; the collection after the test then walks only what the test made. (A
    full collection walks the whole heap: 0.1–0.5 s a test once the program's modules are
    loaded.) A frozen object that becomes garbage later is not collected: memory, never a
    collection in a worker thread."""
    gc.collect()
    gc.freeze()
    yield
    gc.collect()


@pytest.fixture
def app_env(qapp):
    from app.config import load_config
    from app.services.context import ServiceContext
    from app.storage.migrate import open_database
    from app.ui.kit.worker import wait_for_all

    config = load_config()
    seed_sqlite(config.db_url)  # a copy of the session's migrated template (tests/conftest.py)
    engine = open_database(config.db_url, config.backups_dir)
    yield config, ServiceContext(engine)
    wait_for_all()
    engine.dispose()


@pytest.fixture
def admin_ui_ctx(app_env):
    from app.services.accounts import users as accounts

    _config, ctx = app_env
    accounts.create_first_admin(ctx, "admin", ADMIN_PASSWORD, "系统管理员")
    return ctx.with_actor(accounts.login(ctx, "admin", ADMIN_PASSWORD))


class GuiThreadSql:
    """Statements run on the main thread while ``recording``."""

    def __init__(self) -> None:
        self.recording = False
        self.where = ""
        self.seen: list[tuple[str, str]] = []
        self.anywhere = 0

    def __call__(self, _conn, _cursor, statement, _params, _context,  # type: ignore[no-untyped-def]
                 _many) -> None:
        if not self.recording:
            return
        self.anywhere += 1
        if threading.current_thread() is threading.main_thread():
            self.seen.append((self.where, statement.split("\n")[0][:120]))


@pytest.fixture
def sql_watch():
    watch = GuiThreadSql()
    event.listen(Engine, "before_cursor_execute", watch)
    yield watch
    event.remove(Engine, "before_cursor_execute", watch)
