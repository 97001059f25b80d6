"""The one place that knows where the program's own files live.

Works from a source checkout and from a PyInstaller bundle (PyInstaller 6 puts data files under
``_internal/``, exposed as ``sys._MEIPASS``). No other module may look at ``sys._MEIPASS`` or
``__file__``-relative resource paths: ask this module instead.
"""

from __future__ import annotations

import sys
from pathlib import Path


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def bundle_root() -> Path:
    """The folder that holds ``resources/`` and ``forms/``."""
    if is_frozen():
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
    return Path(__file__).resolve().parent.parent


def resources_dir() -> Path:
    return bundle_root() / "resources"


def resource(*parts: str) -> Path:
    """Path of a shipped resource, e.g. ``resource("fonts", "FandolFang-Regular.ttf")``."""
    return resources_dir().joinpath(*parts)


def fonts_dir() -> Path:
    return resource("fonts")


def templates_dir() -> Path:
    return resource("templates")


def migrations_dir() -> Path:
    """Alembic scripts live inside the package so that they travel with it."""
    return Path(__file__).resolve().parent / "storage" / "migrations"
