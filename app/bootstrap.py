"""The composition root: how the GUI and the command line get their configuration, database and
service context. Entry points call these instead of assembling storage themselves (the UI never
imports ``app.storage``; import-linter checks it)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from app.config import Config, load_config
from app.services.context import ServiceContext
from app.storage.db import sqlite_path
from app.storage.migrate import open_database


def config() -> Config:
    """Settings from the environment and the platform's folders."""
    return load_config()


def open_engine(cfg: Config | None = None) -> Engine:
    """The office database, migrated (the one way an entry point opens it)."""
    cfg = cfg or load_config()
    return open_database(cfg.db_url, cfg.backups_dir)


def service_context(cfg: Config | None = None) -> ServiceContext:
    """A context with nobody signed in, on a freshly opened database."""
    return ServiceContext(open_engine(cfg))


def database_file(url: str) -> Path | None:
    """The SQLite file behind ``url`` (None for a server database)."""
    return sqlite_path(url)


def database_label(url: str) -> str:
    """What the status bar shows: the file for SQLite, the URL without password otherwise."""
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    return make_url(url).render_as_string(hide_password=True)
