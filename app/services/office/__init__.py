"""The office itself: its name and settings, and the first-day steps of a newcomer. Its public
face: other areas, the UI and the command line import from here, never from the modules inside.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.lazy import public_face

if TYPE_CHECKING:
    from app.services.office.getting_started import Step, may_do, steps
    from app.services.office.settings import OfficeInfo, get_office, update_office

__getattr__, __dir__ = public_face(__name__, {
    "OfficeInfo": "settings",
    "Step": "getting_started",
    "get_office": "settings",
    "may_do": "getting_started",
    "steps": "getting_started",
    "update_office": "settings",
})
__all__ = ["OfficeInfo", "Step", "get_office", "may_do", "steps", "update_office"]
