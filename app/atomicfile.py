"""The one way GovDesk writes a file: all of it or none of it.

A crash, a full disk or a refused write never leaves a half-written file under the target's name,
and never destroys the file that was there before:

1. the bytes go to a temporary file in the target's own folder (same file system, so the rename
   below is atomic), created 0600 by ``mkstemp``;
2. the temporary file is flushed and ``fsync``-ed;
3. ``os.replace`` puts it under the target's name in one step;
4. the folder is ``fsync``-ed, so the rename itself survives a power cut (POSIX; a no-op on
   Windows, where folders cannot be opened).

On any failure the temporary file is removed and the exception goes to the caller.

* ``atomic_write(path, data)`` writes bytes (or ``str``, as UTF-8);
* ``atomic_writer(path)`` is a context manager giving a binary file object, for writers that
  stream (reportlab, python-docx, openpyxl, zip files): the target appears only when the block
  ends without an exception.

``private=True`` keeps the result 0600 (databases, backups, keys, exports of classified records);
otherwise the file gets the usual mode for a new file (0666 less the umask), as ``open()`` would.
This module imports nothing of the application: every layer may use it.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_write", "atomic_writer", "fsync_dir"]


def fsync_dir(folder: Path) -> None:
    """Make a rename inside ``folder`` durable (POSIX); nothing to do on Windows."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems (network shares) refuse fsync on a folder
        pass
    finally:
        os.close(fd)


def _public_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_writer(path: str | os.PathLike[str], *, private: bool = False) -> Iterator[BinaryIO]:
    """Yield a binary file; on a clean exit it replaces ``path`` atomically and durably."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if not private and sys.platform != "win32":
            os.chmod(tmp, _public_mode())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(target.parent)
    if private:
        from app.fileperm import private_file  # noqa: PLC0415 - Windows ACLs live there

        private_file(target)


def atomic_write(path: str | os.PathLike[str], data: bytes | str, *,
                 private: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically; ``str`` is written as UTF-8. Returns the path."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_writer(path, private=private) as fh:
        fh.write(payload)
    return Path(path)
