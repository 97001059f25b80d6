"""普通 / 涉密 office and 三员分立 (issue 31).

An office is 普通 (``normal``) until it is set up or switched to 涉密 (``classified``); a 涉密
office never switches back. In a 涉密 office:

* the three administrators — 系统管理员, 安全保密管理员, 安全审计员 — are three accounts: no account
  holds two of them, nor one of them with a business role, and the all-in-one 管理员 is not used
  (``app.domain.security.separation_problem``; ``accounts`` refuses such a grant);
* what each administrator may do is in ``app.domain.security.PERMISSIONS`` (in both modes: a
  普通 office's 管理员 holds the powers of all three, as before);
* a business user never sees the administrators' audit entries (``audit_log``).

``violations`` says what stops an office from being 涉密; setting one up and switching to it is
``classified``, the office's mode ``mode``.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.security import (
    THREE_ADMINS,
    Role,
    separation_problem,
    sorted_roles,
)
from app.storage.models import User, UserRole


def _roles_by_user(s: Session) -> dict[int, set[Role]]:
    held: dict[int, set[Role]] = {}
    for user_id, code in s.execute(select(UserRole.user_id, UserRole.role_code)):
        held.setdefault(user_id, set()).add(Role(code))
    return held


def violations(s: Session) -> list[str]:
    """What stops the office from being 涉密, one line each: an active account whose roles break
    三员分立 (named), or one of the three roles without an active holder."""
    held = _roles_by_user(s)
    problems: list[str] = []
    covered: set[Role] = set()
    for user in s.execute(select(User).where(User.active.is_(True))
                          .order_by(User.username)).scalars():
        roles = held.get(user.id, set())
        covered |= roles
        problem = separation_problem(roles)
        if problem is not None:
            problems.append(f"用户“{user.username}”：{problem.split('：', 1)[-1]}")
    for role in sorted_roles(THREE_ADMINS - covered):
        problems.append(f"没有启用的“{role.label}”账户")
    return problems
