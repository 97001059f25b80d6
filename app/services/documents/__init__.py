"""公文: drafts, 核稿 and 签发 with 发文字号 (``numbers``), printing and the office seal, document templates.
Its public face: other areas, the UI and the command line import from here, never from the
modules inside.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.lazy import public_face

if TYPE_CHECKING:
    from app.services.documents.drafts import (
        GENRES,
        STATUS_LABELS,
        STATUSES,
        URGENCIES,
        DocumentConflict,
        DocumentInfo,
        DocumentRow,
        ListQuery,
        apply_fix,
        available_steps,
        count_documents,
        create_document,
        diff_versions,
        drafters,
        fix_all_safe,
        get_document,
        import_json,
        list_documents,
        list_steps,
        list_versions,
        plain_text,
        proofread,
        receive_document,
        row_key,
        sign,
        status_steps,
        step_action,
        update_document,
        workflow_step,
        years,
    )
    from app.services.documents.numbers import (
        list_series,
        reserve_numbers,
        series_register,
        void_number,
    )
    from app.services.documents.printing import export_file, print_pdf, render_preview
    from app.services.documents.seal import MAX_BYTES, remove, status, upload
    from app.services.documents.templates import starter

__getattr__, __dir__ = public_face(__name__, {
    "DocumentConflict": "drafts",
    "DocumentInfo": "drafts",
    "DocumentRow": "drafts",
    "GENRES": "drafts",
    "ListQuery": "drafts",
    "MAX_BYTES": "seal",
    "STATUSES": "drafts",
    "STATUS_LABELS": "drafts",
    "URGENCIES": "drafts",
    "apply_fix": "drafts",
    "available_steps": "drafts",
    "count_documents": "drafts",
    "create_document": "drafts",
    "diff_versions": "drafts",
    "drafters": "drafts",
    "export_file": "printing",
    "fix_all_safe": "drafts",
    "get_document": "drafts",
    "import_json": "drafts",
    "list_documents": "drafts",
    "list_series": "numbers",
    "list_steps": "drafts",
    "list_versions": "drafts",
    "plain_text": "drafts",
    "print_pdf": "printing",
    "proofread": "drafts",
    "receive_document": "drafts",
    "remove": "seal",
    "render_preview": "printing",
    "reserve_numbers": "numbers",
    "row_key": "drafts",
    "series_register": "numbers",
    "sign": "drafts",
    "starter": "templates",
    "status": "seal",
    "status_steps": "drafts",
    "step_action": "drafts",
    "update_document": "drafts",
    "upload": "seal",
    "void_number": "numbers",
    "workflow_step": "drafts",
    "years": "drafts",
})
__all__ = ["DocumentConflict", "DocumentInfo", "DocumentRow", "GENRES", "ListQuery", "MAX_BYTES", "STATUSES", "STATUS_LABELS", "URGENCIES", "apply_fix", "available_steps", "count_documents", "create_document", "diff_versions", "drafters", "export_file", "fix_all_safe", "get_document", "import_json", "list_documents", "list_series", "list_steps", "list_versions", "plain_text", "print_pdf", "proofread", "receive_document", "remove", "render_preview", "reserve_numbers", "row_key", "series_register", "sign", "starter", "status", "status_steps", "step_action", "update_document", "upload", "void_number", "workflow_step", "years"]
