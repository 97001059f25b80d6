"""The audit trail: the keyed hash chain (``chain``), its key and anchors, refused attempts,
scopes, and the auditors' review tools. Its public face: other areas, the UI and the command
line import from here, never from the modules inside.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.lazy import public_face

if TYPE_CHECKING:
    from app.services.audit.anchor import reset as reset_anchor
    from app.services.audit.chain import REFUSED, VerifyResult, append, canonical, no_anchor, verify
    from app.services.audit.key import (
        ALG,
        MISSING,
        AuditKey,
        AuditKeyError,
        export_key,
        hmac_sm3,
        import_key,
        sm3_hex,
    )
    from app.services.audit.key import load as load_key
    from app.services.audit.key import same as same_mac
    from app.services.audit.refused import record as record_refused
    from app.services.audit.review import (
        OUTCOME_LABELS,
        AuditFilter,
        AuditRow,
        StoreStatus,
        count,
        export_xlsx,
        mark_reviewed,
        page,
        purge,
        render_print,
        review_report_pdf,
        store_status,
    )
    from app.services.audit.scope import by_parent, event_refs

__getattr__, __dir__ = public_face(__name__, {
    "ALG": "key",
    "AuditFilter": "review",
    "AuditKey": "key",
    "AuditKeyError": "key",
    "AuditRow": "review",
    "MISSING": "key",
    "OUTCOME_LABELS": "review",
    "REFUSED": "chain",
    "StoreStatus": "review",
    "VerifyResult": "chain",
    "append": "chain",
    "by_parent": "scope",
    "canonical": "chain",
    "count": "review",
    "event_refs": "scope",
    "export_key": "key",
    "export_xlsx": "review",
    "hmac_sm3": "key",
    "import_key": "key",
    "load_key": "key:load",
    "mark_reviewed": "review",
    "no_anchor": "chain",
    "page": "review",
    "purge": "review",
    "record_refused": "refused:record",
    "render_print": "review",
    "reset_anchor": "anchor:reset",
    "review_report_pdf": "review",
    "same_mac": "key:same",
    "sm3_hex": "key",
    "store_status": "review",
    "verify": "chain",
})
__all__ = ["ALG", "AuditFilter", "AuditKey", "AuditKeyError", "AuditRow", "MISSING", "OUTCOME_LABELS", "REFUSED", "StoreStatus", "VerifyResult", "append", "by_parent", "canonical", "count", "event_refs", "export_key", "export_xlsx", "hmac_sm3", "import_key", "load_key", "mark_reviewed", "no_anchor", "page", "purge", "record_refused", "render_print", "reset_anchor", "review_report_pdf", "same_mac", "sm3_hex", "store_status", "verify"]
