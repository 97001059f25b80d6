"""Refused attempts are audited too (安全审计, issue 31): one event with ``outcome=refused``.

``record`` writes it in its own short transaction — the refused act's own transaction (if it
had one) rolls back, the record of the attempt must not. ``ServiceContext.require`` calls it for
every act a user's roles do not allow; services call it for refusals of their own rules (三员分立,
a reused password, …). The event's action is the act attempted (``denied`` with the permission
in the detail when only the permission is known), its detail says why.

**Refusals raised inside a unit of work.** A record loaded by id above one's 密级 or outside its
知悉范围 is refused deep inside a service's ``with ctx.session() as s`` (the loaders
``documents._load``, ``minutes._load_meeting``, …), where no second transaction can be opened
(on SQLite the unit holds the write lock). Such a refusal carries its entry instead
(``refused(exc, …)`` attaches a ``Refusal``; ``require_clearance`` and
``need_to_know.require`` do it): the unit's session records it once the outermost unit of work
has rolled back and closed (``ServiceContext``), exactly once. The entry names the record by
kind and id — never its title — and takes the record's 密级 (``audit_events.classification``),
so the viewer masks it from a reviewer not cleared for the record or outside its 知悉范围.
A refusal raised outside any unit (a new record above one's clearance) is recorded at once by
``refuse``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from app.domain import security
from app.errors import PermissionDenied, UserError
from app.services.audit import chain as audit

E = TypeVar("E", bound=UserError)

#: The detail's reason codes (``audit_wording.VALUE_WORDS`` says them in Chinese).
CLEARANCE = "above_clearance"
NEED_TO_KNOW = "outside_scope"


@dataclass
class Refusal:
    """The entry a refused attempt leaves: ``action`` on each of ``objects`` (kind, id)."""

    action: str
    objects: list[tuple[str, str]]
    detail: dict[str, Any]
    classification: int | None = None
    recorded: bool = False


def refused(exc: E, action: str = "denied", object_type: str = "", object_id: object = "",
            *, classification: int | None = None, more: Iterable[tuple[str, object]] = (),
            **detail: Any) -> E:
    """Attach the entry ``exc`` leaves when it reaches the user (recorded by the unit of work
    it is raised in, or by ``refuse``); returns ``exc`` to raise. ``more``: further records the
    same refusal names (one entry each)."""
    objects = [(object_type, "" if object_id is None else str(object_id))]
    objects += [(k, str(i)) for k, i in more]
    exc.refusal = Refusal(action, objects, {**detail, "reason": exc.message}, classification)
    return exc


def require_clearance(actor: Any, level: int, object_type: str = "", object_id: object = "",
                      *, action: str = "denied") -> None:
    """``PermissionDenied`` (the words of ``app.domain.security.require_clearance``) unless
    ``actor``'s clearance allows ``level``, carrying its entry (``refused``): the record by
    kind and id, the reason ``clearance``, at the record's 密级."""
    try:
        security.require_clearance(actor.clearance, level)
    except PermissionDenied as exc:
        raise refused(exc, action, object_type, object_id, classification=int(level),
                      why=CLEARANCE) from None


def require_level(ctx: Any, level: int, action: str) -> None:
    """New content at ``level`` (a record being made, received or raised to it) is refused above
    the actor's clearance, and the attempt recorded (``refuse``). The entry names no record
    (none was stored)."""
    try:
        security.require_clearance(ctx.actor.clearance, level)
    except PermissionDenied as exc:
        raise refuse(ctx, refused(exc, action, why=CLEARANCE)) from None


def refuse(ctx: Any, exc: E) -> E:
    """For a refusal raised outside any unit of work: record its entry now (inside one, the
    unit records it when it closes). Returns ``exc`` to raise."""
    if not ctx.in_unit():
        record_refusal(ctx, exc)
    return exc


def record_refusal(ctx: Any, exc: BaseException) -> None:
    """Record the entry ``exc`` carries (``refused``), once; nothing for other exceptions."""
    refusal = getattr(exc, "refusal", None)
    if not isinstance(refusal, Refusal) or refusal.recorded or ctx.actor is None:
        return
    with ctx.session() as s, s.begin():
        for object_type, object_id in refusal.objects:
            audit.append(s, ctx.actor, refusal.action, object_type, object_id, refusal.detail,
                         at=ctx.now(), classification=refusal.classification,
                         outcome=audit.REFUSED)
    refusal.recorded = True


def record(ctx: Any, action: str, object_type: str = "", object_id: object = "",
           detail: dict[str, Any] | None = None) -> None:
    """Append a refused attempt by ``ctx.actor`` (nothing when nobody is signed in: the sign-in
    itself records failed logins)."""
    if ctx.actor is None:
        return
    with ctx.session() as s, s.begin():
        audit.append(s, ctx.actor, action, object_type, object_id, detail or {}, at=ctx.now(),
                     outcome=audit.REFUSED)
