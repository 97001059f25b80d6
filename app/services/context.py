"""What every service receives: the engine and who is acting.

Conventions for all service modules (公文, 会议纪要, 值班, 突发事件, templates, …):

* A service function takes a ``ServiceContext`` first: ``def issue(ctx, doc_id, …)``.
* It checks permission itself: ``actor = ctx.require(Action.ISSUE)`` (raises ``PermissionDenied``
  with a Chinese message). The UI may hide a button, but the service is what refuses. Acts done
  all day long save the account's transaction: ``actor = ctx.may(Action.ISSUE)`` before the
  input is checked, then ``ctx.require(Action.ISSUE, s)`` as the first step of the unit of work
  (the account read there; a refusal audited once the unit has closed).
* It opens one short unit of work: ``with ctx.session() as s, s.begin(): …`` and returns plain
  data (dataclasses), not live ORM objects, so nothing lazy-loads after the session has closed.
* A unit of work that only reads says so: ``with ctx.reading() as s: …`` (transaction begun and
  ended for you). On SQLite it begins DEFERRED and reads the last committed WAL snapshot, so it
  never waits for another desk's write (``app.storage.db.read_engine``); writes — anything that
  appends an audit event included — keep ``ctx.session()`` and its ``BEGIN IMMEDIATE``.
* Reads of classified tables apply the clearance and 知悉范围 filters inside the SQL with
  ``visible(select(Doc), Doc, actor)``; single records are checked with
  ``app.domain.security.require_clearance`` and ``need_to_know.require``.
* Sensitive acts append an audit event in the SAME transaction
  (``app.services.audit.chain.append(s, actor, "doc.issue", "document", doc.id, {...})``), so the act and
  its record commit or roll back together.
* Time comes from ``ctx.now()`` (tests pass a fixed clock).
* A refusal raised inside a unit of work (a record above one's 密级 or outside its 知悉范围,
  found by a loader) carries its audit entry (``audit.refused``); the session records it
  once the outermost unit of work has rolled back and closed — refused attempts are audited
  (``outcome=refused``) without a second transaction inside the first.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, Select, select
from sqlalchemy.orm import Session

from app.domain.security import (
    Action,
    Clearance,
    Role,
    allowed,
    denied_reason,
    require,
    role_set,
    roles_label,
)
from app.errors import (
    CONNECTION_READ_MESSAGE,
    ConnectionLost,
    PasswordChangeRequired,
    PermissionDenied,
)
from app.storage.db import read_engine
from app.storage.models import User, UserRole, utcnow

S = TypeVar("S", bound=Select)
F = TypeVar("F", bound=Callable)


def configure_mapping() -> None:
    """Set up the ORM's mapped classes now rather than in the first query (≈ 35 ms, once per
    process; a no-op after that). The desk calls it before its window shows: done by the
    工作台's first read instead, it ran in the worker beside the window's first frames."""
    from sqlalchemy.orm import configure_mappers

    configure_mappers()


def retry_read(fn: F) -> F:
    """For service functions that only read: a broken database connection (``ConnectionLost``)
    is retried once by itself — the pool has dropped the dead connection and checks out a live
    one — and only a second failure reaches the user, saying the data could not be read."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ConnectionLost:
            pass
        try:
            return fn(*args, **kwargs)
        except ConnectionLost as exc:
            raise ConnectionLost(CONNECTION_READ_MESSAGE) from exc

    return wrapper  # type: ignore[return-value]

#: Why a user with a pending password change is refused (services, CLI and GUI say the same).
PASSWORD_CHANGE_MESSAGE = ("您的密码由管理员设置（新建账户或重置密码），须先修改密码才能继续操作。")


@dataclass(frozen=True)
class Actor:
    """The signed-in user as services see them (a snapshot taken at login).

    ``roles`` is the set of roles the user holds (given as one role or any iterable of them, it
    is stored as a ``frozenset[Role]``); they may do what any of them may do."""

    user_id: int | None
    username: str
    roles: frozenset[Role]
    clearance: Clearance
    display_name: str = ""
    #: An administrator reset the password: the UI asks for a new one before going on.
    must_change_password: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", role_set(self.roles))

    @property
    def label(self) -> str:
        return self.display_name or self.username

    @property
    def roles_label(self) -> str:
        """``管理员、文书``: the roles in ``Role`` order."""
        return roles_label(self.roles)

    def may(self, action: Action | str) -> bool:
        return allowed(self.roles, action)

    def denied_reason(self, action: Action | str) -> str | None:
        """None if the user may do ``action``, else ``需要“文书”角色``."""
        return denied_reason(self.roles, action)


#: Used for acts the program does on its own behalf (creating the first administrator).
SYSTEM = Actor(None, "system", frozenset({Role.ADMIN}), Clearance.PUBLIC, "系统")


def account_of(s: Session, user_id: int) -> tuple[Any, frozenset[Role]]:
    """(active, clearance_level, must_change_password) of user ``user_id`` (None when there is
    no such user) and the roles they hold: one statement (the account joined to its roles)."""
    rows = s.execute(select(User.active, User.clearance_level, User.must_change_password,
                            UserRole.role_code)
                     .outerjoin(UserRole, UserRole.user_id == User.id)
                     .where(User.id == user_id)).all()
    if not rows:
        return None, frozenset()
    return rows[0], frozenset(Role(r.role_code) for r in rows if r.role_code is not None)


def roles_of(s: Session, user_id: int) -> frozenset[Role]:
    """The roles user ``user_id`` holds, read from ``user_roles``."""
    return frozenset(Role(c) for c in s.execute(
        select(UserRole.role_code).where(UserRole.user_id == user_id)).scalars())


#: Units of work (``ServiceContext.session``/``reading``) open in this thread or task.
_UNITS: ContextVar[int] = ContextVar("govdesk_open_units", default=0)


def in_unit() -> bool:
    """True inside a unit of work: a refusal raised now is recorded when it closes."""
    return _UNITS.get() > 0


def _closed(ctx: ServiceContext, exc: BaseException | None) -> None:
    """A unit of work has closed: the outermost records the refusal ``exc`` carries (its lock
    is released, its changes rolled back)."""
    _UNITS.set(_UNITS.get() - 1)
    if exc is not None and _UNITS.get() == 0 and getattr(exc, "refusal", None) is not None:
        from app.services import audit

        audit.record_refusal(ctx, exc)


class _Unit(Session):
    """``ServiceContext.session()``: a session that counts as a unit of work (``_closed``)."""

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx.engine)
        self._service_ctx = ctx

    def __enter__(self) -> _Unit:
        _UNITS.set(_UNITS.get() + 1)
        return self

    def __exit__(self, type_: Any, value: Any, traceback: Any) -> None:
        try:
            super().__exit__(type_, value, traceback)
        finally:
            _closed(self._service_ctx, value)


@dataclass(frozen=True)
class ServiceContext:
    engine: Engine
    actor: Actor | None = None
    clock: Callable[[], datetime] = field(default=utcnow)

    def in_unit(self) -> bool:
        """Whether a unit of work (``session``/``reading``) is open on this thread now."""
        return in_unit()

    def session(self) -> Session:
        return _Unit(self)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session in a read-only unit of work (see the module notes): ``with ctx.reading()
        as s: …``. Do not write in it."""
        _UNITS.set(_UNITS.get() + 1)
        failure: BaseException | None = None
        try:
            with Session(read_engine(self.engine)) as s, s.begin():
                yield s
        except BaseException as exc:
            failure = exc
            raise
        finally:
            _closed(self, failure)

    def now(self) -> datetime:
        return self.clock()

    def ping(self) -> None:
        """One trivial read: raises ``ConnectionLost`` while the database cannot be reached
        (the status bar's connection check)."""
        with self.reading() as s:
            s.execute(select(1))

    def with_actor(self, actor: Actor | None) -> ServiceContext:
        return ServiceContext(self.engine, actor, self.clock)

    def require(self, action: Action | str, session: Session | None = None) -> Actor:
        """The acting user, after checking one of their roles allows ``action``.

        The actor is a snapshot taken at login, so this also re-reads the account: a user an
        administrator has disabled, demoted or re-cleared since is refused at once (one indexed
        read of the account and its roles per call), instead of keeping the old rights until
        they log out.

        The same read enforces a pending password change (``users.must_change_password``, set
        when an administrator creates the account or resets its password): such a user is
        refused everything (``PasswordChangeRequired``) until they change it with
        ``accounts.change_password``, which does not call ``require``. The flag is read from the
        database, not from the login snapshot, so a reset made while the user is signed in takes
        effect on their next act, and the change clears it for a session already open.

        ``session``: the account is read inside that unit of work (its first statement, no
        transaction of its own); a refusal then carries its audit entry and is recorded once the
        unit has rolled back (``audit.refused``). Services call ``may`` first (the roles, before
        any input is checked), then ``require(action, s)`` as the unit's first step: one
        transaction per act instead of two (issue 32)."""
        if self.actor is None:
            raise PermissionDenied("请先登录。")
        if self.actor.user_id is not None:
            if session is None:
                row, roles = retry_read(self._account)(self.actor.user_id)
            else:
                row, roles = account_of(session, self.actor.user_id)
            if row is None or not row.active or roles != self.actor.roles or (
                    row.clearance_level != int(self.actor.clearance)):
                raise self._refuse(action, "stale_session", PermissionDenied(
                    "您的账户已被停用或权限已变更，请重新登录。"), session)
            if row.must_change_password:
                raise PasswordChangeRequired(PASSWORD_CHANGE_MESSAGE)
        try:
            require(self.actor.roles, action)
        except PermissionDenied as exc:
            raise self._refuse(action, exc.message, exc, session) from None
        return self.actor

    def may(self, action: Action | str) -> Actor:
        """The acting user if the roles they signed in with allow ``action`` — the account is
        re-read later, in the act's unit of work (``require(action, s)``). When they do not, this
        is ``require(action)``: the account read, the refusal and its audit entry as always."""
        if self.actor is None or not allowed(self.actor.roles, action):
            return self.require(action)
        return self.actor

    def _account(self, user_id: int) -> tuple[Any, Any]:
        with self.reading() as s:
            return account_of(s, user_id)

    def _refuse(self, action: Action | str, reason: str, exc: PermissionDenied,
                session: Session | None) -> PermissionDenied:
        """``exc`` after its audit entry was recorded (no ``session``) or attached, to be
        recorded when the unit of work it is raised in has closed."""
        if session is None:
            self._refused(action, reason)
            return exc
        from app.services import audit

        act = Action(action)
        exc.refusal = audit.Refusal("denied", [("permission", act.label)],
                                    {"permission": act.value, "reason": reason})
        return exc

    def _refused(self, action: Action | str, reason: str) -> None:
        """Audit the refused attempt (``outcome=refused``) in its own transaction."""
        from app.services import audit

        act = Action(action)
        audit.record_refused(self, "denied", "permission", act.label,
                             {"permission": act.value, "reason": reason})


def visible(stmt: S, model: type, actor: Actor) -> S:
    """Restrict ``stmt`` to rows of ``model`` (a ``ClassifiedMixin`` table) that ``actor``'s
    clearance allows — as a WHERE clause, so counts, paging and sorting are all correct — and
    whose 知悉范围 (need to know) includes ``actor`` (``need_to_know.allows``: ``id NOT IN``
    one uncorrelated subquery over ``record_scopes``, beside the clearance filter, in the same
    SQL)."""
    from app.services import need_to_know  # local: need_to_know imports the models

    return stmt.where(model.classification <= int(actor.clearance),  # type: ignore[attr-defined]
                      need_to_know.allows(model, actor))
