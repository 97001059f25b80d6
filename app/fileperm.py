"""Private files on a shared workstation: the data folder is 0700, every database, backup, export,
key and anchor file the program writes is 0600 — readable by the desk's own account only.

* ``private_dir(path)`` creates a folder (and its missing parents) and narrows it to 0700.
* ``create_private(path)`` creates an empty file 0600 *before* anything is written to it (a
  file created by SQLite or ``open()`` would get the umask's 0644 for a moment); SQLite gives its
  ``-wal``/``-shm``/journal files the mode of the database file, so they follow.
* ``private_file(path)`` narrows an existing file to 0600 (databases made by older versions).
* files written private go through ``app.atomicfile.atomic_write(path, data, private=True)``
  (temp file 0600 in the same folder, fsync, atomic rename), which narrows them here.

Windows has no POSIX modes: there the same calls set an ACL that grants the current user full
control and removes inherited entries (``icacls /inheritance:r /grant:r USER:F``), best effort —
a failure is logged, never raised (a folder on a share may refuse ACL changes). On a Windows desk
the data folder under ``%LOCALAPPDATA%`` is already private to the user by default.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600


def _windows_acl(path: Path) -> None:  # pragma: no cover - Windows only
    user = os.environ.get("USERNAME")
    if not user:
        return
    try:
        subprocess.run(["icacls", str(path), "/inheritance:r", "/grant:r", f"{user}:(OI)(CI)F"
                        if path.is_dir() else f"{user}:F"],
                       check=False, capture_output=True, timeout=10,
                       creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("could not restrict %s: %s", path, exc)


def _narrow(path: Path, mode: int) -> None:
    if sys.platform == "win32":  # pragma: no cover - Windows only
        _windows_acl(path)
        return
    try:
        if (path.stat().st_mode & 0o777) != mode:
            os.chmod(path, mode)
    except FileNotFoundError:
        pass
    except OSError as exc:  # not our file (a shared folder): keep working, say so in the log
        log.warning("could not restrict %s to %o: %s", path, mode, exc)


def private_dir(path: Path) -> Path:
    """Create ``path`` if needed (new folders 0700) and narrow it to 0700."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _narrow(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Narrow an existing file to 0600 (a no-op when it is already)."""
    _narrow(path, FILE_MODE)
    return path


def create_private(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 unless it exists; narrow it either way."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        pass
    else:
        os.close(fd)
    return private_file(path)
