"""The password and lockout policy (身份鉴别), set by the 安全保密管理员 (``Action.MANAGE_POLICY``),
with the audit store's warning threshold.

One row (``security_settings``, revision 0020) holds: the minimum length, how many character
classes (大写、小写、数字、符号) a password needs, the maximum age in days (0: no limit; a 涉密
office must set one) with a reminder that many days before it runs out, how many earlier
passwords may not be reused (stored as argon2id hashes in ``password_history``), and the lockout:
failed attempts in a row and minutes locked. The idle lock (``idle_lock_minutes``) belongs to it
too, and so does the audit store's warning threshold (``audit_warn_rows``: past it the 安全审计员
is warned at sign-in, ``audit_log.store_status``; a 系统管理员 who could raise it could silence
the warning, so it is the 安全保密管理员's). Every value must lie within ``LIMITS`` (tighter in a
涉密 office: ``CLASSIFIED_LIMITS``); changes are audited with optimistic locking (``version``).

``check_password`` applies the rules to a new password (``accounts`` calls it for every new
password); a password that equals the user name (letters compared without case, digits and
symbols ignored) is refused too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.domain.security import Action
from app.errors import ConflictError, InputError
from app.services import audit
from app.services.accounts.mode import is_classified, row_to_update
from app.services.context import ServiceContext
from app.storage.models import SecuritySettings


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 8
    min_classes: int = 3
    max_age_days: int = 0
    warn_days: int = 7
    history: int = 5
    lock_failures: int = 5
    lock_minutes: int = 15
    idle_lock_minutes: int = 10
    audit_warn_rows: int = 500_000
    version: int = 0  # of the security_settings row (0: none yet)


#: (lowest, highest) allowed for each rule, with its name in messages.
LIMITS: dict[str, tuple[int, int, str]] = {
    "min_length": (8, 64, "密码最小长度"),
    "min_classes": (3, 4, "密码须含字符类别数"),
    "max_age_days": (0, 365, "密码最长使用天数"),
    "warn_days": (0, 30, "密码到期前提醒天数"),
    "history": (1, 24, "不得重复使用的最近密码数"),
    "lock_failures": (3, 10, "连续失败锁定次数"),
    "lock_minutes": (5, 1440, "锁定时长（分钟）"),
    "idle_lock_minutes": (1, 240, "空闲自动锁定（分钟）"),
    "audit_warn_rows": (10_000, 20_000_000, "审计记录告警阈值（条）"),
}
#: Tighter limits in a 涉密 office: the password must expire, the idle lock comes sooner.
CLASSIFIED_LIMITS: dict[str, tuple[int, int, str]] = {
    **LIMITS,
    "max_age_days": (1, 180, "密码最长使用天数"),
    "idle_lock_minutes": (1, 30, "空闲自动锁定（分钟）"),
}
#: What a 涉密 office starts with when its policy had no maximum age.
CLASSIFIED_MAX_AGE = 90

_FIELDS = ("min_length", "min_classes", "max_age_days", "warn_days", "history", "lock_failures",
           "lock_minutes", "idle_lock_minutes", "audit_warn_rows")
_COLUMNS = {"min_length": "pw_min_length", "min_classes": "pw_min_classes",
            "max_age_days": "pw_max_age_days", "warn_days": "pw_warn_days",
            "history": "pw_history", "lock_failures": "lock_failures",
            "lock_minutes": "lock_minutes", "idle_lock_minutes": "idle_lock_minutes",
            "audit_warn_rows": "audit_warn_rows"}


def _policy(row: SecuritySettings | None) -> PasswordPolicy:
    if row is None:
        return PasswordPolicy()
    return PasswordPolicy(**{f: int(getattr(row, _COLUMNS[f])) for f in _FIELDS},
                          version=row.version)


def read_policy(session: Session) -> PasswordPolicy:
    """For services that already hold a session (no permission check)."""
    return _policy(session.get(SecuritySettings, 1))


def get_policy(ctx: ServiceContext) -> PasswordPolicy:
    """Everyone signed in may read the rules their passwords must meet."""
    ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        return read_policy(s)


def check_limits(policy: PasswordPolicy, classified: bool) -> None:
    limits = CLASSIFIED_LIMITS if classified else LIMITS
    for name in _FIELDS:
        low, high, label = limits[name]
        value = getattr(policy, name)
        if not isinstance(value, int) or not low <= value <= high:
            where = "涉密单位" if classified and limits[name] != LIMITS[name] else ""
            raise InputError(f"{where}{label}须在 {low} 至 {high} 之间（现为 {value}）。")
    if policy.max_age_days and policy.warn_days >= policy.max_age_days:
        raise InputError("密码到期前提醒天数须小于密码最长使用天数。")


def update_policy(ctx: ServiceContext, policy: PasswordPolicy) -> PasswordPolicy:
    """Save ``policy`` (安全保密管理员); ``policy.version`` must be the version read."""
    actor = ctx.require(Action.MANAGE_POLICY)
    try:
        with ctx.session() as s, s.begin():
            check_limits(policy, is_classified(s))
            row = row_to_update(s, policy.version)
            old = _policy(row)
            for name in _FIELDS:
                setattr(row, _COLUMNS[name], getattr(policy, name))
            s.flush()
            changes = {name: [getattr(old, name), getattr(policy, name)] for name in _FIELDS
                       if getattr(old, name) != getattr(policy, name)}
            audit.append(s, actor, "settings.password_policy", "security_settings", 1,
                         {"changes": changes}, at=ctx.now())
            return _policy(row)
    except StaleDataError:
        raise ConflictError("安全设置已被他人修改，请刷新后重试。") from None


def as_dict(policy: PasswordPolicy) -> dict[str, int]:
    return {k: v for k, v in asdict(policy).items() if k != "version"}


def with_values(policy: PasswordPolicy, **values: int) -> PasswordPolicy:
    return replace(policy, **values)


def _letters(text: str) -> str:
    return "".join(c for c in text if c.isalpha()).casefold()


def check_password(password: str, policy: PasswordPolicy, username: str = "") -> None:
    """``InputError`` (Chinese, naming the rule) unless ``password`` meets ``policy``."""
    if len(password) < policy.min_length:
        raise InputError(f"密码至少需要 {policy.min_length} 个字符。")
    if password.strip() != password:
        raise InputError("密码首尾不能有空格。")
    classes = sum((
        any(c.isupper() for c in password),
        any(c.islower() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ))
    if classes < policy.min_classes:
        raise InputError(
            f"密码须包含大写字母、小写字母、数字、符号中的至少 {policy.min_classes} 类。")
    name = username.strip()
    if name and (password.casefold() == name.casefold()
                 or password.casefold() == name.casefold()[::-1]
                 or (_letters(name) and _letters(password) == _letters(name))):
        raise InputError("密码不能与用户名相同（不论大小写、数字和符号）。")
