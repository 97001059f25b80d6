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
    """The folder that holds ``resources/`` and ``forms/``.

    Frozen: PyInstaller 6 sets ``sys._MEIPASS`` to the ``_internal/`` folder beside the
    executable (onedir) or to the unpack folder (onefile); without it (other freezers, or
    PyInstaller 5's flat layout) the files sit in ``_internal/`` or next to the executable.
    """
    if is_frozen():
        meipass = getattr(sys, "_MEIPASS", None)
        if meipass:
            return Path(meipass)
        exe_dir = Path(sys.executable).resolve().parent
        return exe_dir / "_internal" if (exe_dir / "_internal").is_dir() else exe_dir
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
    """Alembic scripts live inside the package so that they travel with it.

    Alembic reads them as ``.py`` files at run time, so the bundle ships them as data files under
    the same relative path (build_installer.spec); frozen modules have no source folder.
    """
    if is_frozen():
        return bundle_root() / "app" / "storage" / "migrations"
    return Path(__file__).resolve().parent / "storage" / "migrations"
