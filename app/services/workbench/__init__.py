"""The 工作台: what is due for the signed-in user, most urgent first, and its notifications. Its
public face: other areas, the UI and the command line import from here, never from the modules
inside.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.lazy import public_face

if TYPE_CHECKING:
    from app.services.workbench.items import (
        KIND_LABELS,
        PER_SOURCE_LIMIT,
        STATE_LABELS,
        STATE_RANK,
        Notification,
        Snapshot,
        WorkItem,
        notifications,
        snapshot,
    )

__getattr__, __dir__ = public_face(__name__, {
    "KIND_LABELS": "items",
    "Notification": "items",
    "PER_SOURCE_LIMIT": "items",
    "STATE_LABELS": "items",
    "STATE_RANK": "items",
    "Snapshot": "items",
    "WorkItem": "items",
    "notifications": "items",
    "snapshot": "items",
})
__all__ = ["KIND_LABELS", "Notification", "PER_SOURCE_LIMIT", "STATE_LABELS", "STATE_RANK", "Snapshot", "WorkItem", "notifications", "snapshot"]
