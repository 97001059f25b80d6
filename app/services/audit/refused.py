"""Refused attempts are audited too (安全审计, issue 31): one event with ``outcome=refused``.

``record`` writes it in its own short transaction — the refused act's own transaction (if it
had one) rolls back, the record of the attempt must not. ``ServiceContext.require`` calls it for
every act a user's roles do not allow; services call it for refusals of their own rules (三员分立,
a reused password, …). The event's action is the act attempted (``denied`` with the permission
in the detail when only the permission is known), its detail says why.
"""

from __future__ import annotations

from typing import Any

from app.services.audit import chain as audit


def record(ctx: Any, action: str, object_type: str = "", object_id: object = "",
           detail: dict[str, Any] | None = None) -> None:
    """Append a refused attempt by ``ctx.actor`` (nothing when nobody is signed in: the sign-in
    itself records failed logins)."""
    if ctx.actor is None:
        return
    with ctx.session() as s, s.begin():
        audit.append(s, ctx.actor, action, object_type, object_id, detail or {}, at=ctx.now(),
                     outcome=audit.REFUSED)
