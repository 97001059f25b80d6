"""What the duty desk prints (值班): the 值班安排 notice and its draft as a 公文, the month calendar and
the roster as XLSX, the 值班日报 (with the day's incidents) and the 交接班记录 — each through the one
paper path. Above both ``duty`` and ``incidents``. Its public face: other areas, the UI and the
command line import from here, never from the modules inside.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.lazy import public_face

if TYPE_CHECKING:
    from app.services.duty_publish.publishing import (
        NoticeOptions,
        draft_notice,
        export_xlsx,
        render_calendar,
        render_daily,
        render_handover,
        render_notice,
    )

__getattr__, __dir__ = public_face(__name__, {
    "NoticeOptions": "publishing",
    "draft_notice": "publishing",
    "export_xlsx": "publishing",
    "render_calendar": "publishing",
    "render_daily": "publishing",
    "render_handover": "publishing",
    "render_notice": "publishing",
})
__all__ = ["NoticeOptions", "draft_notice", "export_xlsx", "render_calendar", "render_daily", "render_handover", "render_notice"]
