"""UI fixtures: the real configuration path (data folder from GOVDESK_DATA_DIR, SQLite file in
it), opened like at start-up (a copy of the session's migrated template, so the start-up
finds it at head); dialogs and windows are driven with qtbot."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_PASSWORD, seed_sqlite


@pytest.fixture
def app_env(qapp):
    from app.config import load_config
    from app.services.context import ServiceContext
    from app.storage.migrate import open_database
    from app.ui.worker import wait_for_all

    config = load_config()
    seed_sqlite(config.db_url)  # a copy of the session's migrated template (tests/conftest.py)
    engine = open_database(config.db_url, config.backups_dir)
    yield config, ServiceContext(engine)
    wait_for_all()
    engine.dispose()


@pytest.fixture
def admin_ui_ctx(app_env):
    from app.services import accounts

    _config, ctx = app_env
    accounts.create_first_admin(ctx, "admin", ADMIN_PASSWORD, "系统管理员")
    return ctx.with_actor(accounts.login(ctx, "admin", ADMIN_PASSWORD))
