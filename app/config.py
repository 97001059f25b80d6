"""Where the data lives and which database to use.

Order of precedence for the database URL: the ``GOVDESK_DB_URL`` environment variable, then the
``db_url`` key of ``settings.json`` in the data folder, then the embedded SQLite database
``govdesk.sqlite3`` in the data folder. The data folder is ``GOVDESK_DATA_DIR`` when set (tests,
portable installs), otherwise the platform's user data folder (platformdirs).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

from app import APP_ID
from app.atomicfile import atomic_write
from app.fileperm import private_dir

SETTINGS_FILE = "settings.json"
SQLITE_FILE = "govdesk.sqlite3"


def data_dir(create: bool = True) -> Path:
    env = os.environ.get("GOVDESK_DATA_DIR")
    path = Path(env) if env else Path(user_data_dir(APP_ID, appauthor=False))
    if create:
        private_dir(path)  # 0700: other accounts on the workstation cannot even list it
    return path


def load_settings(folder: Path | None = None) -> dict:
    path = (folder or data_dir()) / SETTINGS_FILE
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def save_settings(settings: dict, folder: Path | None = None) -> None:
    """Write settings atomically (temp file + rename), never a half-written file."""
    folder = folder or data_dir()
    atomic_write(folder / SETTINGS_FILE,
                 json.dumps(settings, ensure_ascii=False, indent=2).encode("utf-8"), private=True)


@dataclass(frozen=True)
class Config:
    data_dir: Path
    db_url: str

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")

    @property
    def backups_dir(self) -> Path:
        return private_dir(self.data_dir / "backups")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def load_config() -> Config:
    folder = data_dir()
    url = os.environ.get("GOVDESK_DB_URL") or load_settings(folder).get("db_url")
    if not url:
        url = sqlite_url(folder / SQLITE_FILE)
    return Config(data_dir=folder, db_url=url)
