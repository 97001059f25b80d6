"""What every service receives: the engine and who is acting.

Conventions for all service modules (公文, 会议纪要, 值班, 突发事件, templates, …):

* A service function takes a ``ServiceContext`` first: ``def issue(ctx, doc_id, …)``.
* It checks permission itself: ``actor = ctx.require(Action.ISSUE)`` (raises ``PermissionDenied``
  with a Chinese message). The UI may hide a button, but the service is what refuses.
* It opens one short unit of work: ``with ctx.session() as s, s.begin(): …`` and returns plain
  data (dataclasses), not live ORM objects, so nothing lazy-loads after the session has closed.
* Reads of classified tables apply the clearance filter inside the SQL with
  ``visible(select(Doc), Doc, actor)``; single records are checked with
  ``app.domain.security.require_clearance``.
* Sensitive acts append an audit event in the SAME transaction
  (``app.services.audit.append(s, actor, "doc.issue", "document", doc.id, {...})``), so the act and
  its record commit or roll back together.
* Time comes from ``ctx.now()`` (tests pass a fixed clock).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Engine, Select, select
from sqlalchemy.orm import Session

from app.domain.security import Action, Clearance, Role, require
from app.errors import PasswordChangeRequired, PermissionDenied
from app.storage.models.accounts import User
from app.storage.models.base import utcnow

S = TypeVar("S", bound=Select)

#: Why a user with a pending password change is refused (services, CLI and GUI say the same).
PASSWORD_CHANGE_MESSAGE = ("您的密码由管理员设置（新建账户或重置密码），须先修改密码才能继续操作。")


@dataclass(frozen=True)
class Actor:
    """The signed-in user as services see them (a snapshot taken at login)."""

    user_id: int | None
    username: str
    role: Role
    clearance: Clearance
    display_name: str = ""
    #: An administrator reset the password: the UI asks for a new one before going on.
    must_change_password: bool = False

    @property
    def label(self) -> str:
        return self.display_name or self.username


#: Used for acts the program does on its own behalf (creating the first administrator).
SYSTEM = Actor(None, "system", Role.ADMIN, Clearance.PUBLIC, "系统")


@dataclass(frozen=True)
class ServiceContext:
    engine: Engine
    actor: Actor | None = None
    clock: Callable[[], datetime] = field(default=utcnow)

    def session(self) -> Session:
        return Session(self.engine)

    def now(self) -> datetime:
        return self.clock()

    def with_actor(self, actor: Actor | None) -> ServiceContext:
        return ServiceContext(self.engine, actor, self.clock)

    def require(self, action: Action | str) -> Actor:
        """The acting user, after checking their role allows ``action``.

        The actor is a snapshot taken at login, so this also re-reads the account: a user an
        administrator has disabled, demoted or re-cleared since is refused at once (one indexed
        primary-key read per call), instead of keeping the old rights until they log out.

        The same read enforces a pending password change (``users.must_change_password``, set
        when an administrator creates the account or resets its password): such a user is
        refused everything (``PasswordChangeRequired``) until they change it with
        ``accounts.change_password``, which does not call ``require``. The flag is read from the
        database, not from the login snapshot, so a reset made while the user is signed in takes
        effect on their next act, and the change clears it for a session already open."""
        if self.actor is None:
            raise PermissionDenied("请先登录。")
        if self.actor.user_id is not None:
            with self.session() as s, s.begin():
                row = s.execute(
                    select(User.active, User.role_code, User.clearance_level,
                           User.must_change_password).where(User.id == self.actor.user_id)
                ).first()
            if row is None or not row.active or row.role_code != self.actor.role.value or (
                    row.clearance_level != int(self.actor.clearance)):
                raise PermissionDenied("您的账户已被停用或权限已变更，请重新登录。")
            if row.must_change_password:
                raise PasswordChangeRequired(PASSWORD_CHANGE_MESSAGE)
        require(self.actor.role, action)
        return self.actor


def visible(stmt: S, model: type, actor: Actor) -> S:
    """Restrict ``stmt`` to rows of ``model`` (a ``ClassifiedMixin`` table) that ``actor``'s
    clearance allows — as a WHERE clause, so counts, paging and sorting are all correct."""
    return stmt.where(model.classification <= int(actor.clearance))  # type: ignore[attr-defined]
