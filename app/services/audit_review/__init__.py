"""The auditors' tools (安全审计, issue 31): the audit log read within the reader's role and 知悉范围
(``page``, ``count``), marks of review, the periodic review report and prints through the one
paper path, the store's size against its threshold, and the purge of entries past 180 days. Its
public face: other areas, the UI and the command line import from here, never from the modules
inside.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.lazy import public_face

if TYPE_CHECKING:
    from app.services.audit_review.review import (
        OUTCOME_LABELS,
        AuditFilter,
        AuditRow,
        StoreStatus,
        count,
        export_sheet,
        export_xlsx,
        mark_reviewed,
        page,
        purge,
        render_print,
        review_report_pdf,
        store_status,
    )

__getattr__, __dir__ = public_face(__name__, {
    "AuditFilter": "review",
    "AuditRow": "review",
    "OUTCOME_LABELS": "review",
    "StoreStatus": "review",
    "count": "review",
    "export_sheet": "review",
    "export_xlsx": "review",
    "mark_reviewed": "review",
    "page": "review",
    "purge": "review",
    "render_print": "review",
    "review_report_pdf": "review",
    "store_status": "review",
})
__all__ = ["AuditFilter", "AuditRow", "OUTCOME_LABELS", "StoreStatus", "count", "export_sheet", "export_xlsx", "mark_reviewed", "page", "purge", "render_print", "review_report_pdf", "store_status"]
