"""Roles, permissions and clearance levels — pure rules, no database.

Roles: 管理员 (admin), 文书 (clerk), 值班员 (duty officer), 领导 (leader), 只读 (reader).
``PERMISSIONS`` says which role may do which action; services call ``require(role, action)``
before doing it (the UI merely hides what the service would refuse). Later modules add their
actions to ``Action`` and a row to ``PERMISSIONS``.

Clearance levels, lowest to highest: 公开 0 < 内部 1 < 秘密 2 < 机密 3. A user with clearance
``c`` may see a record classified ``level`` exactly when ``level <= c`` (``can_see``).
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

from app.errors import InputError, PermissionDenied


class Role(StrEnum):
    ADMIN = "admin"
    CLERK = "clerk"
    DUTY = "duty"
    LEADER = "leader"
    READER = "reader"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "管理员",
    Role.CLERK: "文书",
    Role.DUTY: "值班员",
    Role.LEADER: "领导",
    Role.READER: "只读",
}


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
}

_A = Action
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(
        {_A.MANAGE_USERS, _A.MANAGE_SETTINGS, _A.VIEW_AUDIT, _A.VIEW, _A.MANAGE_TEMPLATES,
         _A.EDIT_ROSTER, _A.PRINT, _A.EXPORT}
    ),
    Role.CLERK: frozenset(
        {_A.VIEW, _A.DRAFT, _A.REVIEW, _A.ISSUE, _A.PRINT, _A.EXPORT, _A.REGISTER_INCOMING,
         _A.EDIT_MINUTES, _A.EDIT_ROSTER, _A.MANAGE_TEMPLATES, _A.REPORT_INCIDENT}
    ),
    Role.DUTY: frozenset({_A.VIEW, _A.EDIT_DUTY_LOG, _A.REPORT_INCIDENT, _A.PRINT}),
    Role.LEADER: frozenset({_A.VIEW, _A.REVIEW, _A.SIGN, _A.PRINT, _A.EXPORT, _A.VIEW_AUDIT}),
    Role.READER: frozenset({_A.VIEW}),
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


def allowed(role: Role | str, action: Action | str) -> bool:
    return Action(action) in PERMISSIONS.get(Role(role), frozenset())


def require(role: Role | str, action: Action | str) -> None:
    """Raise ``PermissionDenied`` (Chinese message) unless ``role`` may do ``action``."""
    if not allowed(role, action):
        raise PermissionDenied(
            f"当前角色“{Role(role).label}”无权{Action(action).label}。"
        )


def can_see(clearance: Clearance | int, level: Clearance | int) -> bool:
    """True when a user cleared to ``clearance`` may see a record classified ``level``."""
    return int(level) <= int(clearance)


def require_clearance(clearance: Clearance | int, level: Clearance | int) -> None:
    if not can_see(clearance, level):
        raise PermissionDenied(
            f"该内容密级为“{Clearance(level).label}”，超出您的知悉范围"
            f"（“{Clearance(clearance).label}”）。"
        )
