"""Roles, permissions and clearance levels — pure rules, no database.

Roles: 管理员 (admin), 文书 (clerk), 值班员 (duty officer), 领导 (leader), 只读 (reader), and the
三员 of a 涉密 office (issue 31): 系统管理员 (sysadmin: settings, templates, backups and restore,
database upkeep, creating/disabling accounts), 安全保密管理员 (secadmin: roles, clearances, the
password and lockout policy, reviewing the 安全审计员's and business users' audit entries) and
安全审计员 (auditor: reviews the two other administrators' actions, only reads). The all-in-one
管理员 holds the powers of all three and exists in a 普通 office only.
A user holds a set of roles (a small office's administrator also drafts, a 文书 also takes duty);
what they may do is the union of their roles' permissions. ``PERMISSIONS`` says which role may do
which action; services call ``require(roles, action)`` before doing it, and the UI shows every
action to everyone, disabled with ``denied_reason`` (需要“文书”角色) when the roles lack it. Later
modules add their actions to ``Action`` and a row to ``PERMISSIONS``.

Clearance levels, lowest to highest: 公开 0 < 内部 1 < 秘密 2 < 机密 3. A user with clearance
``c`` may see a record classified ``level`` exactly when ``level <= c`` (``can_see``).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum, StrEnum

from app.errors import InputError, PermissionDenied


class Role(StrEnum):
    ADMIN = "admin"
    CLERK = "clerk"
    DUTY = "duty"
    LEADER = "leader"
    READER = "reader"
    SYSADMIN = "sysadmin"
    SECADMIN = "secadmin"
    AUDITOR = "auditor"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "管理员",
    Role.CLERK: "文书",
    Role.DUTY: "值班员",
    Role.LEADER: "领导",
    Role.READER: "只读",
    Role.SYSADMIN: "系统管理员",
    Role.SECADMIN: "安全保密管理员",
    Role.AUDITOR: "安全审计员",
}

#: The 三员 of a 涉密 office: no account holds two of them, nor one of them with a business role.
THREE_ADMINS: frozenset[Role] = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR})
#: Every administrator role: the 三员 and the all-in-one 管理员 of a 普通 office.
ADMIN_ROLES: frozenset[Role] = THREE_ADMINS | {Role.ADMIN}
#: The roles that do business work (drafting, signing, duty, reading records).
BUSINESS_ROLES: frozenset[Role] = frozenset(
    {Role.CLERK, Role.DUTY, Role.LEADER, Role.READER})


class Clearance(IntEnum):
    PUBLIC = 0
    INTERNAL = 1
    SECRET = 2
    CONFIDENTIAL = 3  # 机密

    @property
    def label(self) -> str:
        return CLEARANCE_LABELS[self]


CLEARANCE_LABELS: dict[Clearance, str] = {
    Clearance.PUBLIC: "公开",
    Clearance.INTERNAL: "内部",
    Clearance.SECRET: "秘密",
    Clearance.CONFIDENTIAL: "机密",
}


class Action(StrEnum):
    MANAGE_USERS = "manage_users"
    MANAGE_SETTINGS = "manage_settings"
    VIEW_AUDIT = "view_audit"
    VIEW = "view"
    DRAFT = "draft"
    REVIEW = "review"
    SIGN = "sign"
    ISSUE = "issue"
    PRINT = "print"
    EXPORT = "export"
    REGISTER_INCOMING = "register_incoming"
    EDIT_MINUTES = "edit_minutes"
    EDIT_ROSTER = "edit_roster"
    EDIT_DUTY_LOG = "edit_duty_log"
    REPORT_INCIDENT = "report_incident"
    MANAGE_TEMPLATES = "manage_templates"
    #: grant and revoke roles and clearances (安全保密管理员)
    GRANT_ROLES = "grant_roles"
    #: set the password, lockout and idle-lock policy (安全保密管理员)
    MANAGE_POLICY = "manage_policy"
    #: mark audit entries as reviewed and write the periodic review report
    REVIEW_AUDIT = "review_audit"
    #: see the accounts (系统管理员 to manage them, 安全保密管理员 to grant)
    VIEW_USERS = "view_users"

    @property
    def label(self) -> str:
        return ACTION_LABELS.get(self, self.value)


ACTION_LABELS: dict[Action, str] = {
    Action.MANAGE_USERS: "管理用户",
    Action.MANAGE_SETTINGS: "修改单位设置",
    Action.VIEW_AUDIT: "查看审计日志",
    Action.VIEW: "查看",
    Action.DRAFT: "拟稿",
    Action.REVIEW: "审核",
    Action.SIGN: "签发",
    Action.ISSUE: "印发",
    Action.PRINT: "打印",
    Action.EXPORT: "导出",
    Action.REGISTER_INCOMING: "收文登记",
    Action.EDIT_MINUTES: "编辑会议纪要",
    Action.EDIT_ROSTER: "编排值班表",
    Action.EDIT_DUTY_LOG: "填写值班日志",
    Action.REPORT_INCIDENT: "报送突发事件",
    Action.MANAGE_TEMPLATES: "管理模板",
    Action.GRANT_ROLES: "授予角色和密级",
    Action.MANAGE_POLICY: "设置密码与锁定策略",
    Action.REVIEW_AUDIT: "审阅审计记录",
    Action.VIEW_USERS: "查看用户账户",
}

_A = Action
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(
        {_A.MANAGE_USERS, _A.MANAGE_SETTINGS, _A.VIEW_AUDIT, _A.VIEW, _A.MANAGE_TEMPLATES,
         _A.EDIT_ROSTER, _A.PRINT, _A.EXPORT, _A.GRANT_ROLES, _A.MANAGE_POLICY, _A.REVIEW_AUDIT,
         _A.VIEW_USERS}
    ),
    Role.CLERK: frozenset(
        {_A.VIEW, _A.DRAFT, _A.REVIEW, _A.ISSUE, _A.PRINT, _A.EXPORT, _A.REGISTER_INCOMING,
         _A.EDIT_MINUTES, _A.EDIT_ROSTER, _A.MANAGE_TEMPLATES, _A.REPORT_INCIDENT}
    ),
    Role.DUTY: frozenset({_A.VIEW, _A.EDIT_DUTY_LOG, _A.REPORT_INCIDENT, _A.PRINT}),
    Role.LEADER: frozenset({_A.VIEW, _A.REVIEW, _A.SIGN, _A.PRINT, _A.EXPORT, _A.VIEW_AUDIT}),
    Role.READER: frozenset({_A.VIEW}),
    # 系统管理员: cannot grant roles or clearances, cannot read the audit log
    Role.SYSADMIN: frozenset({_A.VIEW, _A.MANAGE_USERS, _A.MANAGE_SETTINGS, _A.MANAGE_TEMPLATES,
                              _A.VIEW_USERS}),
    # 安全保密管理员: cannot change settings or restore
    Role.SECADMIN: frozenset({_A.VIEW, _A.GRANT_ROLES, _A.MANAGE_POLICY, _A.VIEW_AUDIT,
                              _A.REVIEW_AUDIT, _A.VIEW_USERS}),
    # 安全审计员: only reads (the other two administrators' audit entries)
    Role.AUDITOR: frozenset({_A.VIEW, _A.VIEW_AUDIT, _A.REVIEW_AUDIT}),
}


def parse_role(value: str) -> Role:
    """Accept the code (``admin``) or the Chinese label (``管理员``)."""
    for role in Role:
        if value in (role.value, role.label):
            return role
    names = "、".join(f"{r.label}({r.value})" for r in Role)
    raise InputError(f"未知角色“{value}”，可选：{names}。")


def parse_clearance(value: str | int) -> Clearance:
    """Accept the level (``2``), the code name (``secret``) or the Chinese label (``秘密``)."""
    for c in Clearance:
        if str(value) in (str(c.value), c.name.lower(), c.label):
            return c
    names = "、".join(f"{c.label}({c.value})" for c in Clearance)
    raise InputError(f"未知密级“{value}”，可选：{names}。")


RoleSet = Role | str | Iterable[Role | str]


def role_set(roles: RoleSet) -> frozenset[Role]:
    """``roles`` as a set: one role (code or ``Role``) or any iterable of them."""
    if isinstance(roles, str):
        return frozenset({Role(roles)})
    return frozenset(Role(r) for r in roles)


def sorted_roles(roles: RoleSet) -> list[Role]:
    """The roles in the fixed order of ``Role`` (管理员, 文书, 值班员, 领导, 只读)."""
    chosen = role_set(roles)
    return [r for r in Role if r in chosen]


def roles_label(roles: RoleSet) -> str:
    """``管理员、文书`` (``无`` for an empty set)."""
    return "、".join(r.label for r in sorted_roles(roles)) or "无"


def parse_roles(values: str | Iterable[str]) -> frozenset[Role]:
    """Several roles: ``admin,clerk``, ``管理员、文书`` or a list of such strings (each may
    itself hold several, separated by ``,``, ``，``, ``、`` or ``/``). At least one is needed."""
    items = [values] if isinstance(values, str) else list(values)
    parts = [p.strip() for v in items
             for p in v.replace("，", ",").replace("、", ",").replace("/", ",").split(",")]
    roles = frozenset(parse_role(p) for p in parts if p)
    if not roles:
        raise InputError("至少需要一个角色。")
    return roles


def permissions(roles: RoleSet) -> frozenset[Action]:
    """What a holder of ``roles`` may do: the union of the roles' permissions."""
    return frozenset().union(*(PERMISSIONS.get(r, frozenset()) for r in role_set(roles)))


def allowed(roles: RoleSet, action: Action | str) -> bool:
    return Action(action) in permissions(roles)


def roles_for(action: Action | str) -> list[Role]:
    """The roles that may do ``action``, in ``Role`` order."""
    return [r for r in Role if Action(action) in PERMISSIONS.get(r, frozenset())]


def denied_reason(roles: RoleSet, action: Action | str) -> str | None:
    """None when ``roles`` may do ``action``; otherwise why not, in the words the UI shows on a
    disabled action: ``需要“文书”角色`` (``需要“管理员”或“文书”角色`` when several would do)."""
    if allowed(roles, action):
        return None
    needed = roles_for(action)
    if not needed:
        return f"任何角色都不能{Action(action).label}"
    return "需要" + "或".join(f"“{r.label}”" for r in needed) + "角色"


class SeparationDenied(PermissionDenied):
    """A 三员分立 rule refused the act: CLI exit code 2, message naming the rule."""

    exit_code = 2


SEPARATION_RULE = "三员分立"


def require(roles: RoleSet, action: Action | str) -> None:
    """Raise ``PermissionDenied`` (Chinese message) unless ``roles`` may do ``action``; when the
    roles are 三员 administrator roles, ``SeparationDenied`` naming the 三员分立 rule."""
    reason = denied_reason(roles, action)
    if reason is not None:
        chosen = role_set(roles)
        if chosen & THREE_ADMINS and Role.ADMIN not in chosen:
            raise SeparationDenied(
                f"{SEPARATION_RULE}：“{roles_label(roles)}”不能{Action(action).label}"
                f"（{reason}）。")
        raise PermissionDenied(
            f"当前角色“{roles_label(roles)}”无权{Action(action).label}（{reason}）。"
        )


def separation_problem(roles: RoleSet) -> str | None:
    """In a 涉密 office: why an account may not hold ``roles`` together (None when it may).
    The 三员 are held by three different accounts, none of which holds a business role; the
    all-in-one 管理员 is not used."""
    chosen = role_set(roles)
    if Role.ADMIN in chosen:
        return (f"{SEPARATION_RULE}：涉密单位不使用合一的“管理员”角色，"
                "请分别授予“系统管理员”“安全保密管理员”“安全审计员”。")
    admins = sorted_roles(chosen & THREE_ADMINS)
    if len(admins) >= 2:
        return (f"{SEPARATION_RULE}：一个账户不能同时担任"
                + "和".join(f"“{r.label}”" for r in admins) + "。")
    business = sorted_roles(chosen & BUSINESS_ROLES)
    if admins and business:
        return (f"{SEPARATION_RULE}：“{admins[0].label}”不能兼任业务角色"
                + "、".join(f"“{r.label}”" for r in business) + "。")
    return None


def active_change_problem(roles: RoleSet, active: bool) -> str | None:
    """In a 涉密 office: why an account holding ``roles`` may not be disabled (``active`` False)
    or re-enabled (True) directly — None when it may.

    An account holding an administrator role (one of the 三员, or the all-in-one 管理员 of the
    office's 普通 days) is never disabled or re-enabled by one person: otherwise the 系统管理员,
    who manages accounts, could disable the 安全审计员 who reviews them (or the 安全保密管理员),
    or revive a dormant administrator account. It takes two of the three: the 安全保密管理员
    first takes the administrator role away (refused while no other active account holds it,
    ``accounts.set_roles``), then the 系统管理员 disables the account; to bring one back, the
    系统管理员 re-enables the account without the role and the 安全保密管理员 grants it again."""
    held = sorted_roles(role_set(roles) & ADMIN_ROLES)
    if not held:
        return None
    names = "、".join(f"“{r.label}”" for r in held)
    if active:
        return (f"{SEPARATION_RULE}：持有{names}角色的账户不能由一人直接启用（三员账户的停用、"
                "启用须两人办理）：请安全保密管理员先取消该账户的管理员角色，启用后再重新授予。")
    return (f"{SEPARATION_RULE}：{names}账户不能由一人直接停用（三员账户的停用、启用须两人办理，"
            "被审查的管理员不能停用审查者）：请安全保密管理员先取消该账户的管理员角色"
            "（另有启用的账户担任该角色时才能取消），再由系统管理员停用。")


def require_separation(roles: RoleSet) -> None:
    """``SeparationDenied`` when ``separation_problem`` finds one."""
    problem = separation_problem(roles)
    if problem is not None:
        raise SeparationDenied(problem)


def can_see(clearance: Clearance | int, level: Clearance | int) -> bool:
    """True when a user cleared to ``clearance`` may see a record classified ``level``."""
    return int(level) <= int(clearance)


def require_clearance(clearance: Clearance | int, level: Clearance | int) -> None:
    if not can_see(clearance, level):
        raise PermissionDenied(
            f"该内容密级为“{Clearance(level).label}”，超出您的知悉范围"
            f"（“{Clearance(clearance).label}”）。"
        )
