"""Security settings (one row): idle-lock minutes, automatic backups kept, and the verifier of
the office's air-gap exchange passphrase.

Read by every signed-in user (the main window needs the idle interval); changed only by an
administrator (the idle lock: the 安全保密管理员, as part of the lockout policy), audited, with optimistic locking (``expected_version``): two administrators
editing at once — the second save gets ``ConflictError``, never a silent overwrite.

The exchange passphrase is never stored, shown or audited: the row keeps an argon2id verifier
(``exchange_verifier``), so export can check that a package is made under the office's
passphrase, and the settings page says only whether one is set. An administrator sets or
rotates it with ``set_exchange_passphrase`` (audited: that it changed, not what to); packages
written before a rotation still open with the passphrase they were made with.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app import passwords
from app.domain.security import Action
from app.errors import ConflictError, InputError
from app.services import audit
from app.services.accounts import passwords as password_policy
from app.services.accounts.mode import is_classified, row_to_update
from app.services.context import ServiceContext
from app.storage.models import SecuritySettings

DEFAULT_IDLE_MINUTES = 10
DEFAULT_BACKUP_KEEP = 14
MIN_PASSPHRASE = 12
MAX_PASSPHRASE = 256


@dataclass(frozen=True)
class SecurityInfo:
    idle_lock_minutes: int = DEFAULT_IDLE_MINUTES
    backup_keep: int = DEFAULT_BACKUP_KEEP
    #: whether the office has set an exchange passphrase (the passphrase itself is not kept)
    exchange_passphrase_set: bool = False
    version: int = 0  # 0: the row does not exist yet


def _info(row: SecuritySettings | None) -> SecurityInfo:
    if row is None:
        return SecurityInfo()
    return SecurityInfo(row.idle_lock_minutes, row.backup_keep, bool(row.exchange_verifier),
                        row.version)


def read_settings(session: Session) -> SecurityInfo:
    """For services and start-up code that already hold a session (no permission check:
    callers decide what to reveal)."""
    return _info(session.get(SecuritySettings, 1))


def get_settings(ctx: ServiceContext) -> SecurityInfo:
    actor = ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        info = _info(s.get(SecuritySettings, 1))
    if not ctx_can_manage(actor.roles):
        info = SecurityInfo(info.idle_lock_minutes, info.backup_keep, False, info.version)
    return info


def ctx_can_manage(role: object) -> bool:
    from app.domain.security import allowed

    return allowed(role, Action.MANAGE_SETTINGS)  # type: ignore[arg-type]


def update_settings(ctx: ServiceContext, info: SecurityInfo) -> SecurityInfo:
    """Save ``info``; ``info.version`` must be the version that was read (0 for none yet). The
    exchange passphrase is not changed here (``set_exchange_passphrase``)."""
    actor = ctx.require(Action.MANAGE_SETTINGS)
    if not 1 <= info.idle_lock_minutes <= 240:
        raise InputError("自动锁定时间须在 1 至 240 分钟之间。")
    if not 1 <= info.backup_keep <= 365:
        raise InputError("自动备份保留份数须在 1 至 365 之间。")
    with ctx.session() as s, s.begin():
        current = s.get(SecuritySettings, 1)
        idle_changes = (current.idle_lock_minutes if current is not None
                        else DEFAULT_IDLE_MINUTES) != info.idle_lock_minutes
    if idle_changes:
        _check_idle_change(ctx, info.idle_lock_minutes)
    try:
        with ctx.session() as s, s.begin():
            row = row_to_update(s, info.version)
            row.idle_lock_minutes = info.idle_lock_minutes
            row.backup_keep = info.backup_keep
            s.flush()
            audit.append(s, actor, "settings.security", "security_settings", 1,
                         {"idle_lock_minutes": info.idle_lock_minutes,
                          "backup_keep": info.backup_keep}, at=ctx.now())
            return _info(row)
    except StaleDataError:
        raise ConflictError("安全设置已被他人修改，请刷新后重试。") from None


def _check_idle_change(ctx: ServiceContext, minutes: int) -> None:
    """The idle lock is part of the lockout policy (安全保密管理员, ``Action.MANAGE_POLICY``);
    a 涉密 office allows at most ``password_policy.CLASSIFIED_LIMITS``."""
    ctx.require(Action.MANAGE_POLICY)  # a refusal is audited and raised
    with ctx.session() as s, s.begin():
        classified = is_classified(s)
    if classified:
        low, high, label = password_policy.CLASSIFIED_LIMITS["idle_lock_minutes"]
        if not low <= minutes <= high:
            raise InputError(f"涉密单位{label}须在 {low} 至 {high} 之间。")


def set_exchange_passphrase(ctx: ServiceContext, passphrase: str, confirm: str) -> SecurityInfo:
    """Set or rotate the office's exchange passphrase (administrator): only its argon2id
    verifier is stored; audited without the passphrase. An empty ``passphrase`` (and
    ``confirm``) removes it: export then takes any passphrase of 12 characters or more."""
    actor = ctx.require(Action.MANAGE_SETTINGS)
    new = (passphrase or "").strip()
    if new != (confirm or "").strip():
        raise InputError("两次输入的交换口令不一致。")
    if new and not MIN_PASSPHRASE <= len(new) <= MAX_PASSPHRASE:
        raise InputError(f"交换口令须为 {MIN_PASSPHRASE} 至 {MAX_PASSPHRASE} 个字符。")
    verifier = passwords.hasher().hash(new) if new else ""
    try:
        with ctx.session() as s, s.begin():
            row = s.get(SecuritySettings, 1)
            if row is None:
                row = SecuritySettings(id=1)
                s.add(row)
            what = "cleared" if not new else ("rotated" if row.exchange_verifier else "set")
            row.exchange_verifier = verifier
            s.flush()
            audit.append(s, actor, "settings.exchange_passphrase", "security_settings", 1,
                         {"change": what}, at=ctx.now())
            return _info(row)
    except StaleDataError:
        raise ConflictError("安全设置已被他人修改，请刷新后重试。") from None


def exchange_passphrase_matches(session: Session, passphrase: str) -> bool | None:
    """Whether ``passphrase`` is the office's exchange passphrase; None when none is set (for
    services that already hold a session: no permission check, reveals one bit)."""
    row = session.get(SecuritySettings, 1)
    if row is None or not row.exchange_verifier:
        return None
    try:
        return passwords.hasher().verify(row.exchange_verifier, (passphrase or "").strip())
    except (VerificationError, InvalidHashError):
        return False


def record_session(ctx: ServiceContext, action: str) -> None:
    """Audit a screen lock (``session.lock``) or unlock (``session.unlock``) by the actor."""
    if action not in ("session.lock", "session.unlock"):
        raise ValueError(action)
    if ctx.actor is None:
        return
    with ctx.session() as s, s.begin():
        audit.append(s, ctx.actor, action, "user", ctx.actor.user_id, {}, at=ctx.now())
