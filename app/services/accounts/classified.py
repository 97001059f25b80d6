"""Setting up a 涉密 office and switching to it (issue 31).

``setup_classified`` is the first-run path: it creates the three accounts (each must change its
password at first sign-in) in an empty database and marks the office 涉密. An existing 普通
office switches with ``switch_to_classified``: an administrator (``Action.MANAGE_SETTINGS``) gives
consent; the switch is refused — and the refusal audited — while some account breaks the rules
(``separation.violations`` says which) or one of the three roles has no active holder. Both are
audited. A 涉密 office never switches back (``switch_to_normal`` is refused).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.security import (
    THREE_ADMINS,
    Action,
    Clearance,
    Role,
    SeparationDenied,
)
from app.errors import InputError, PermissionDenied
from app.services import audit
from app.services.accounts import passwords as password_policy
from app.services.accounts import users as accounts
from app.services.accounts.mode import CLASSIFIED, NORMAL, is_classified
from app.services.accounts.passwords import CLASSIFIED_LIMITS, CLASSIFIED_MAX_AGE
from app.services.accounts.separation import violations
from app.services.context import SYSTEM, ServiceContext
from app.storage.models import SecuritySettings, User, UserRole


@dataclass(frozen=True)
class NewAdmin:
    """One of the three accounts of a 涉密 office set up at first run."""

    role: Role
    username: str
    password: str
    display_name: str = ""


def _set_classified(s: Session) -> None:
    row = s.get(SecuritySettings, 1)
    if row is None:
        row = SecuritySettings(id=1)
        s.add(row)
        s.flush()
    row.office_mode = CLASSIFIED
    if not row.pw_max_age_days:
        row.pw_max_age_days = CLASSIFIED_MAX_AGE
    high = CLASSIFIED_LIMITS["idle_lock_minutes"][1]
    if (row.idle_lock_minutes or 0) > high:
        row.idle_lock_minutes = high


def setup_classified(ctx: ServiceContext, admins: Iterable[NewAdmin]) -> list[str]:
    """First run of a 涉密 office: create the 系统管理员, 安全保密管理员 and 安全审计员 (clearance
    机密, each must change the password at first sign-in) and mark the office 涉密. Refused once any
    account exists. Returns the user names created."""
    admins = list(admins)
    if sorted(a.role for a in admins) != sorted(THREE_ADMINS) or len(admins) != 3:
        raise InputError("设置涉密单位须同时创建系统管理员、安全保密管理员、安全审计员三个账户。")
    names = [accounts.normalize_username(a.username) for a in admins]
    if len(set(names)) != 3:
        raise SeparationDenied("三员分立：三个管理员账户须使用三个不同的用户名。")
    policy = password_policy.PasswordPolicy()
    checked = []
    for a in admins:
        username = accounts.check_username(a.username)
        display = accounts.check_display_name(a.display_name)
        try:
            password_policy.check_password(a.password, policy, username)
        except InputError as exc:
            raise InputError(f"{a.role.label}“{username}”：{exc.message}") from None
        checked.append((a.role, username, display, accounts.hash_password(a.password)))
    if len({a.password for a in admins}) != 3:
        raise InputError("三个管理员账户的初始密码须各不相同。")
    with ctx.session() as s, s.begin():
        if s.execute(select(func.count()).select_from(User)).scalar_one():
            raise PermissionDenied("已存在用户账户，不能再按首次运行设置涉密单位；"
                                   "请由管理员将现有单位切换为涉密单位。")
        _set_classified(s)
        now = ctx.now()
        for role, username, display, pw_hash in checked:
            user = User(username=username, display_name=display, password_hash=pw_hash,
                        role_code=role.value, clearance_level=int(Clearance.CONFIDENTIAL),
                        active=True, failed_logins=0, must_change_password=True,
                        password_changed_at=now)
            s.add(user)
            s.flush()
            s.add(UserRole(user_id=user.id, role_code=role.value))
            audit.append(s, SYSTEM, "user.first_admin", "user", user.id,
                         {"username": username, "roles": [role.value]}, at=now)
        s.flush()
        audit.append(s, SYSTEM, "office.classified", "security_settings", 1,
                     {"from": NORMAL, "to": CLASSIFIED, "how": "first_run",
                      "accounts": [c[1] for c in checked]}, at=now)
    return [c[1] for c in checked]


def switch_to_classified(ctx: ServiceContext, *, consent: bool) -> None:
    """Switch a 普通 office to 涉密 (an administrator, with ``consent``; audited). Refused — and
    the refusal audited — while ``violations`` finds any; a 涉密 office stays 涉密."""
    actor = ctx.require(Action.MANAGE_SETTINGS)
    if not consent:
        raise InputError("切换为涉密单位后不能再改回普通单位，须由管理员明确同意后才能切换。")
    with ctx.session() as s, s.begin():
        if is_classified(s):
            raise InputError("本单位已是涉密单位。")
        problems = violations(s)
    if problems:
        message = "三员分立：以下账户或角色不符合涉密单位的要求，不能切换为涉密单位：" + \
            "；".join(problems) + "。"
        audit.record_refused(ctx, "office.classified", "security_settings", 1,
                             {"problems": problems})
        raise SeparationDenied(message)
    with ctx.session() as s, s.begin():
        if violations(s):  # changed in between: ask again
            raise SeparationDenied("账户在切换过程中被修改，请重试。")
        _set_classified(s)
        audit.append(s, actor, "office.classified", "security_settings", 1,
                     {"from": NORMAL, "to": CLASSIFIED, "how": "switch", "consent": True},
                     at=ctx.now())


def switch_to_normal(ctx: ServiceContext) -> None:
    """Always refused in a 涉密 office (audited); a no-op in a 普通 one."""
    ctx.require(Action.MANAGE_SETTINGS)
    with ctx.session() as s, s.begin():
        classified = is_classified(s)
    if classified:
        audit.record_refused(ctx, "office.normal", "security_settings", 1,
                             {"reason": "classified_is_final"})
        raise SeparationDenied("三员分立：涉密单位不能改回普通单位。")
