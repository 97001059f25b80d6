"""收文: the incoming register, its attachments, deadlines and 催办. Its public face: other areas, the
UI and the command line import from here, never from the modules inside.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.lazy import public_face

if TYPE_CHECKING:
    from app.services.incoming.book import (
        AttachmentIn,
        IncomingDetail,
        IncomingFilter,
        IncomingIn,
        IncomingInfo,
        add_attachments,
        count,
        due_summary,
        get,
        list_page,
        register,
        save_attachment,
        set_done,
        update,
        urge,
    )

__getattr__, __dir__ = public_face(__name__, {
    "AttachmentIn": "book",
    "IncomingDetail": "book",
    "IncomingFilter": "book",
    "IncomingIn": "book",
    "IncomingInfo": "book",
    "add_attachments": "book",
    "count": "book",
    "due_summary": "book",
    "get": "book",
    "list_page": "book",
    "register": "book",
    "save_attachment": "book",
    "set_done": "book",
    "update": "book",
    "urge": "book",
})
__all__ = ["AttachmentIn", "IncomingDetail", "IncomingFilter", "IncomingIn", "IncomingInfo", "add_attachments", "count", "due_summary", "get", "list_page", "register", "save_attachment", "set_done", "update", "urge"]
