"""The audit trail: the keyed hash chain (``chain``), its key file (``key``) and moving it between
desks (``keyring``), the desk's anchor (``anchor``), refused attempts (``refusals``) and which
records an event names (``scope``). It depends on nothing above it; the auditors' tools are the
``audit_review`` area. Its public face: other areas, the UI and the command line import from
here, never from the modules inside.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.lazy import public_face

if TYPE_CHECKING:
    from app.services.audit.anchor import reset as reset_anchor
    from app.services.audit.chain import (
        REFUSED,
        SUCCESS,
        VerifyResult,
        append,
        count,
        desk_name,
        no_anchor,
        recent,
        verify,
    )
    from app.services.audit.key import (
        ALG,
        MISSING,
        AuditKey,
        AuditKeyError,
        canonical,
        hmac_sm3,
        sm3_hex,
    )
    from app.services.audit.key import load as load_key
    from app.services.audit.key import same as same_mac
    from app.services.audit.keyring import export_key, import_key
    from app.services.audit.refusals import (
        CLEARANCE,
        NEED_TO_KNOW,
        Refusal,
        record_refusal,
        refuse,
        refused,
        require_clearance,
        require_level,
    )
    from app.services.audit.refusals import record as record_refused
    from app.services.audit.scope import by_parent, event_refs, levels

__getattr__, __dir__ = public_face(__name__, {
    "ALG": "key",
    "AuditKey": "key",
    "AuditKeyError": "key",
    "CLEARANCE": "refusals",
    "MISSING": "key",
    "NEED_TO_KNOW": "refusals",
    "REFUSED": "chain",
    "Refusal": "refusals",
    "SUCCESS": "chain",
    "VerifyResult": "chain",
    "append": "chain",
    "by_parent": "scope",
    "canonical": "key",
    "count": "chain",
    "desk_name": "chain",
    "event_refs": "scope",
    "export_key": "keyring",
    "hmac_sm3": "key",
    "import_key": "keyring",
    "levels": "scope",
    "load_key": "key:load",
    "no_anchor": "chain",
    "recent": "chain",
    "record_refusal": "refusals",
    "record_refused": "refusals:record",
    "refuse": "refusals",
    "refused": "refusals",
    "require_clearance": "refusals",
    "require_level": "refusals",
    "reset_anchor": "anchor:reset",
    "same_mac": "key:same",
    "sm3_hex": "key",
    "verify": "chain",
})
__all__ = ["ALG", "AuditKey", "AuditKeyError", "CLEARANCE", "MISSING", "NEED_TO_KNOW", "REFUSED", "Refusal", "SUCCESS", "VerifyResult", "append", "by_parent", "canonical", "count", "desk_name", "event_refs", "export_key", "hmac_sm3", "import_key", "levels", "load_key", "no_anchor", "recent", "record_refusal", "record_refused", "refuse", "refused", "require_clearance", "require_level", "reset_anchor", "same_mac", "sm3_hex", "verify"]
