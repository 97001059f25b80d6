"""Backups of a SQLite office: compressed snapshots without the rebuildable index, generations,
verification and restore. Its public face: other areas, the UI and the command line import from
here, never from the modules inside.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.lazy import public_face

if TYPE_CHECKING:
    from app.services.backup.files import (
        PG_GUIDANCE,
        auto_backup,
        create_backup,
        list_backups,
        record_refusal,
        restore,
        verify_file,
    )

__getattr__, __dir__ = public_face(__name__, {
    "PG_GUIDANCE": "files",
    "auto_backup": "files",
    "create_backup": "files",
    "list_backups": "files",
    "record_refusal": "files",
    "restore": "files",
    "verify_file": "files",
})
__all__ = ["PG_GUIDANCE", "auto_backup", "create_backup", "list_backups", "record_refusal", "restore", "verify_file"]
