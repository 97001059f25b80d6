"""Security settings (one row): idle-lock minutes, automatic backups kept, exchange key.

Read by every signed-in user (the main window needs the idle interval); changed only by an
administrator, audited, with optimistic locking (``expected_version``): two administrators
editing at once — the second save gets ``ConflictError``, never a silent overwrite. The exchange
key itself is never put in the audit detail (only whether it changed).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.domain.security import Action
from app.errors import ConflictError, InputError
from app.services import audit
from app.services.context import ServiceContext
from app.storage.models import SecuritySettings

DEFAULT_IDLE_MINUTES = 10
DEFAULT_BACKUP_KEEP = 14


@dataclass(frozen=True)
class SecurityInfo:
    idle_lock_minutes: int = DEFAULT_IDLE_MINUTES
    backup_keep: int = DEFAULT_BACKUP_KEEP
    exchange_key: str = ""
    version: int = 0  # 0: the row does not exist yet


def _info(row: SecuritySettings | None) -> SecurityInfo:
    if row is None:
        return SecurityInfo()
    return SecurityInfo(row.idle_lock_minutes, row.backup_keep, row.exchange_key, row.version)


def read_settings(session: Session) -> SecurityInfo:
    """For services and start-up code that already hold a session (no permission check:
    callers decide what to reveal)."""
    return _info(session.get(SecuritySettings, 1))


def get_settings(ctx: ServiceContext) -> SecurityInfo:
    actor = ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        info = _info(s.get(SecuritySettings, 1))
    if not ctx_can_manage(actor.roles):
        info = SecurityInfo(info.idle_lock_minutes, info.backup_keep, "", info.version)
    return info


def ctx_can_manage(role: object) -> bool:
    from app.domain.security import allowed

    return allowed(role, Action.MANAGE_SETTINGS)  # type: ignore[arg-type]


def update_settings(ctx: ServiceContext, info: SecurityInfo) -> SecurityInfo:
    """Save ``info``; ``info.version`` must be the version that was read (0 for none yet)."""
    actor = ctx.require(Action.MANAGE_SETTINGS)
    if not 1 <= info.idle_lock_minutes <= 240:
        raise InputError("自动锁定时间须在 1 至 240 分钟之间。")
    if not 1 <= info.backup_keep <= 365:
        raise InputError("自动备份保留份数须在 1 至 365 之间。")
    key = info.exchange_key.strip()
    if key and len(key) < 12:
        raise InputError("交换密钥至少需要 12 个字符。")
    try:
        with ctx.session() as s, s.begin():
            row = s.get(SecuritySettings, 1)
            if row is None:
                if info.version != 0:
                    raise ConflictError("安全设置已被他人修改，请刷新后重试。")
                row = SecuritySettings(id=1)
                s.add(row)
            elif row.version != info.version:
                raise ConflictError("安全设置已被他人修改，请刷新后重试。")
            key_changed = row.exchange_key != key
            row.idle_lock_minutes = info.idle_lock_minutes
            row.backup_keep = info.backup_keep
            row.exchange_key = key
            s.flush()
            audit.append(s, actor, "settings.security", "security_settings", 1,
                         {"idle_lock_minutes": info.idle_lock_minutes,
                          "backup_keep": info.backup_keep, "exchange_key_changed": key_changed},
                         at=ctx.now())
            return _info(row)
    except StaleDataError:
        raise ConflictError("安全设置已被他人修改，请刷新后重试。") from None


def record_session(ctx: ServiceContext, action: str) -> None:
    """Audit a screen lock (``session.lock``) or unlock (``session.unlock``) by the actor."""
    if action not in ("session.lock", "session.unlock"):
        raise ValueError(action)
    if ctx.actor is None:
        return
    with ctx.session() as s, s.begin():
        audit.append(s, ctx.actor, action, "user", ctx.actor.user_id, {}, at=ctx.now())
