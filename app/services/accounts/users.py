"""Accounts: first administrator, login, user administration.

Rules kept here (below the UI): passwords hashed with argon2id (``app.passwords``: argon2-cffi
defaults, rehashed on login when the parameters change); ``MAX_FAILURES`` wrong passwords in a row
lock the account for ``LOCK_MINUTES``; every login, failed login and account change is an audit
event written in the same transaction as the change. A user holds a set of roles (``user_roles``;
at least one). Administrators cannot disable themselves or the last active administrator, nor
take the 管理员 role from themselves or from the last active administrator (the office would be
locked out), nor grant a clearance above their own.

三员分立 (issue 31; ``app.services.accounts.separation``): creating, disabling and resetting accounts is
the 系统管理员's (``Action.MANAGE_USERS``); granting roles and clearances the 安全保密管理员's
(``Action.GRANT_ROLES``) — an account created by someone who may not grant starts as 只读/公开.
In a 涉密 office no account may hold two of the three administrator roles, nor one with a
business role (refused with ``SeparationDenied``, audited), and the 系统管理员 may not reset
another administrator's password (they could then sign in as them). The office must always keep
an active account able to manage accounts and one able to grant roles.

The password rules, the number of earlier passwords refused and the lockout come from the
policy the 安全保密管理员 sets (``app.services.accounts.passwords``); the constants below are its
defaults. A password older than the policy's maximum age must be changed at sign-in
(``password_reminder`` warns the days before).
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from app import passwords
from app.domain.security import (
    ADMIN_ROLES,
    THREE_ADMINS,
    Action,
    Clearance,
    Role,
    SeparationDenied,
    active_change_problem,
    role_set,
    roles_label,
    separation_problem,
    sorted_roles,
)
from app.errors import ConflictError, InputError, PermissionDenied, UserError
from app.services import audit
from app.services.accounts import passwords as password_policy
from app.services.accounts.mode import is_classified
from app.services.context import SYSTEM, Actor, ServiceContext, roles_of
from app.storage.models import PasswordHistory, User, UserRole

MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 8
#: How many character classes (大写、小写、数字、符号) a password needs at least.
MIN_CLASSES = 3
#: A new password may not repeat the current one or any of the previous ones: the last 5 in all.
HISTORY = 5


class LoginFailed(UserError):
    """Wrong user name or password, account disabled or locked (exit code 4)."""

    exit_code = 4


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    roles: frozenset[Role]
    clearance: Clearance
    active: bool
    locked_until: datetime | None
    last_login_at: datetime | None
    must_change_password: bool
    version: int
    #: 所在单位 (revision 0021): what a record's 知悉范围 names units by
    unit: str = ""

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    @property
    def roles_label(self) -> str:
        """``管理员、文书``: the roles in ``Role`` order."""
        return roles_label(self.roles)


def _info(s: Session, u: User) -> UserInfo:
    return UserInfo(u.id, u.username, u.display_name, roles_of(s, u.id),
                    Clearance(u.clearance_level), u.active, u.locked_until, u.last_login_at,
                    u.must_change_password, u.version, u.unit)


def _actor(s: Session, u: User) -> Actor:
    return Actor(u.id, u.username, roles_of(s, u.id), Clearance(u.clearance_level),
                 u.display_name, bool(u.must_change_password))


def _check_roles(roles: Iterable[Role | str]) -> frozenset[Role]:
    chosen = role_set(roles)
    if not chosen:
        raise InputError("至少需要选择一个角色。")
    return chosen


def _store_roles(s: Session, user: User, roles: frozenset[Role]) -> None:
    """Make ``user_roles`` hold exactly ``roles`` for ``user`` (already flushed), and keep the
    legacy ``users.role_code`` at the first of them (flushed with the caller's other changes,
    so the row's version moves on once)."""
    have = roles_of(s, user.id)
    for r in have - roles:
        s.delete(s.get(UserRole, (user.id, r.value)))
    for r in sorted_roles(roles - have):
        s.add(UserRole(user_id=user.id, role_code=r.value))
    first = sorted_roles(roles)[0].value
    if user.role_code != first:
        user.role_code = first


def _read_policy(ctx: ServiceContext) -> password_policy.PasswordPolicy:
    with ctx.session() as s, s.begin():
        return password_policy.read_policy(s)


def _check_password(ctx: ServiceContext, password: str, username: str = "") -> None:
    """The policy's rules (length, classes, not the user name): ``InputError`` otherwise."""
    password_policy.check_password(password, _read_policy(ctx), username)


def _matches(pw_hash: str, password: str) -> bool:
    try:
        return bool(passwords.hasher().verify(pw_hash, password))
    except (VerificationError, InvalidHashError):
        return False


class _Reused(InputError):
    def __init__(self, user_id: int, username: str, history: int = HISTORY) -> None:
        super().__init__(f"新密码不能与最近 {history} 次使用过的密码相同。")
        self.user_id, self.username = user_id, username


def _audit_reuse(ctx: ServiceContext, exc: _Reused) -> None:
    with ctx.session() as s, s.begin():
        audit.append(s, ctx.actor, "user.password_rejected", "user", exc.user_id,
                     {"username": exc.username, "reason": "reused"}, at=ctx.now(),
                     outcome=audit.REFUSED)


def _recent_hashes(s: Session, user: User, history: int) -> list[str]:
    """The current hash and the previous ones, newest first: ``history`` in all."""
    older = s.execute(
        select(PasswordHistory.password_hash).where(PasswordHistory.user_id == user.id)
        .order_by(PasswordHistory.id.desc()).limit(max(0, history - 1))
    ).scalars()
    return [user.password_hash, *older]


def _replace_password(ctx: ServiceContext, s: Session, user: User, password: str,
                      pw_hash: str) -> None:
    """Refuse a password used in the last ``HISTORY`` (``_Reused``: the caller's transaction
    rolls back, then ``_audit_reuse`` records the refusal in its own); otherwise keep the old
    hash in the history and set the new one."""
    history = password_policy.read_policy(s).history
    if any(_matches(h, password) for h in _recent_hashes(s, user, history)):
        raise _Reused(user.id, user.username, history)
    s.add(PasswordHistory(user_id=user.id, password_hash=user.password_hash, created_at=ctx.now()))
    user.password_hash = pw_hash
    user.password_changed_at = ctx.now()


#: Characters refused in a user name even after NFKC: they are invisible or reorder the text, so
#: ``张三`` and ``张\u200b三`` (or a name with a right-to-left override) would look like one name
#: and be two accounts. Categories: Cc control, Cf format (zero-width, bidi marks and overrides,
#: the BOM), Cs surrogates, Co private use, Cn unassigned; Zl/Zp line and paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def normalize_username(username: str) -> str:
    """The stored form of a typed user name: NFKC (full-width ``ａｄｍｉｎ`` is ``admin``),
    surrounding blanks removed. Used for creating accounts and for every look-up by name."""
    return unicodedata.normalize("NFKC", username).strip()


def _by_name(s: Session, username: str, *, lock: bool = False) -> User | None:
    """The account a typed name means: its NFKC form; failing that, the name as typed (an account
    created before names were normalised keeps signing in). ``lock``: ``FOR UPDATE``."""
    names = [normalize_username(username)]
    if username.strip() not in names:
        names.append(username.strip())
    for name in names:
        stmt = select(User).where(User.username == name)
        user = s.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()
        if user is not None:
            return user
    return None


def _check_username(username: str) -> str:
    name = normalize_username(username)
    if not name:
        raise InputError("用户名不能为空。")
    bad = next((c for c in name if unicodedata.category(c) in _REFUSED_CATEGORIES), None)
    if bad is not None:
        raise InputError(f"用户名含不可见字符或控制字符（U+{ord(bad):04X}），"
                         "请只使用可见的文字、字母和数字。")
    if len(name) > 64 or any(c.isspace() for c in name):
        raise InputError("用户名不能含空格，且不超过 64 个字符。")
    return name


def _check_display_name(display_name: str) -> str:
    name = unicodedata.normalize("NFKC", display_name).strip()
    if any(unicodedata.category(c) in _REFUSED_CATEGORIES for c in name):
        raise InputError("姓名含不可见字符或控制字符，请只使用可见的文字。")
    if len(name) > 64:
        raise InputError("姓名不能超过 64 个字符。")
    return name


#: Public names for the first-run path (``classified.setup_classified``).
check_username = _check_username
check_display_name = _check_display_name


def hash_password(password: str) -> str:
    return passwords.hasher().hash(password)


def needs_first_admin(engine: Engine) -> bool:
    """True while the database has no user at all (first run)."""
    with Session(engine) as s:
        return not s.execute(select(func.count()).select_from(User)).scalar_one()


def create_first_admin(ctx: ServiceContext, username: str, password: str,
                       display_name: str = "") -> Actor:
    """Create the first administrator (clearance 机密). Refused once any user exists."""
    username = _check_username(username)
    display_name = _check_display_name(display_name)
    _check_password(ctx, password, username)
    pw_hash = hash_password(password)  # outside the transaction: slow on purpose
    with ctx.session() as s, s.begin():
        if s.execute(select(func.count()).select_from(User)).scalar_one():
            raise PermissionDenied("已存在用户账户，不能再创建初始管理员。")
        user = User(username=username, display_name=display_name.strip(), password_hash=pw_hash,
                    role_code=Role.ADMIN.value, clearance_level=int(Clearance.CONFIDENTIAL),
                    active=True, failed_logins=0, must_change_password=False,
                    password_changed_at=ctx.now())
        s.add(user)
        s.flush()
        _store_roles(s, user, frozenset({Role.ADMIN}))
        audit.append(s, SYSTEM, "user.first_admin", "user", user.id,
                     {"username": username}, at=ctx.now())
        return _actor(s, user)


#: The one answer to every refused sign-in whose reason would tell a stranger that the name
#: exists (unknown name, wrong password, disabled account). The reason is in the audit event.
LOGIN_FAILED_MESSAGE = "用户名或密码错误。"


def login(ctx: ServiceContext, username: str, password: str) -> Actor:
    """Check the password and return the signed-in ``Actor``; ``LoginFailed`` otherwise.
    The failure (and a lockout) is committed and audited before the exception leaves.

    Nothing tells a stranger which names exist: an unknown name, a wrong password and a disabled
    account get the same message (``LOGIN_FAILED_MESSAGE``; the audit event keeps the reason),
    and every attempt runs exactly one argon2 verification of the same cost — against the
    account's hash, or a dummy hash when there is no usable one — so they take the same time.

    Failures are counted under a row lock (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's
    ``BEGIN IMMEDIATE`` serialises writers) with an atomic ``failed_logins = failed_logins + 1``:
    concurrent wrong guesses are all counted and the lock-out comes after ``MAX_FAILURES``."""
    now = ctx.now()
    failure: str | None = None
    name = normalize_username(username)
    with ctx.session() as s, s.begin():
        policy = password_policy.read_policy(s)
        user = _by_name(s, username, lock=True)
        usable = user is not None and user.active and not (
            user.locked_until is not None and user.locked_until > now)
        # one verification whatever the case: the time does not depend on the name
        ok = _verify_same_cost(user.password_hash if usable and user is not None else None,
                               password)
        if user is None:
            audit.append(s, None, "login.failed", "user", "", {"reason": "unknown_user"},
                         at=now, actor_name=name[:64])
            failure = LOGIN_FAILED_MESSAGE
        elif not user.active:
            audit.append(s, _actor(s, user), "login.failed", "user", user.id,
                         {"reason": "disabled"}, at=now)
            failure = LOGIN_FAILED_MESSAGE
        elif user.locked_until is not None and user.locked_until > now:
            audit.append(s, _actor(s, user), "login.failed", "user", user.id,
                         {"reason": "locked"}, at=now)
            failure = _locked_message(user.locked_until)
        elif not ok:
            failures = _count_failure(s, user)
            detail: dict = {"reason": "wrong_password", "failures": failures}
            failure = LOGIN_FAILED_MESSAGE
            if failures >= policy.lock_failures:
                user.locked_until = now + timedelta(minutes=policy.lock_minutes)
                user.failed_logins = 0
                detail["locked_until"] = user.locked_until.isoformat()
                failure = (f"密码连续错误 {policy.lock_failures} 次，"
                           + _locked_message(user.locked_until))
            audit.append(s, _actor(s, user), "login.failed", "user", user.id, detail, at=now)
            if "locked_until" in detail:
                audit.append(s, _actor(s, user), "user.locked", "user", user.id,
                             {"minutes": policy.lock_minutes}, at=now)
        else:
            if passwords.needs_rehash(user.password_hash):
                user.password_hash = passwords.hasher().hash(password)
            user.failed_logins = 0
            user.locked_until = None
            user.last_login_at = now
            audit.append(s, _actor(s, user), "login", "user", user.id, {}, at=now)
            expires = _expires_at(user, policy)
            if expires is not None and expires <= now and not user.must_change_password:
                user.must_change_password = True  # too old: change it before anything else
                audit.append(s, _actor(s, user), "user.password_expired", "user", user.id,
                             {"max_age_days": policy.max_age_days}, at=now)
            return _actor(s, user)
    raise LoginFailed(failure)


def _expires_at(user: User, policy: password_policy.PasswordPolicy) -> datetime | None:
    """When ``user``'s password runs out under ``policy`` (None: no maximum age)."""
    if not policy.max_age_days:
        return None
    since = user.password_changed_at or user.created_at
    if since is None:
        return None
    return since + timedelta(days=policy.max_age_days)


def password_reminder(ctx: ServiceContext) -> str | None:
    """For the signed-in user: a reminder when their password runs out within the policy's
    reminder days (None otherwise)."""
    if ctx.actor is None or ctx.actor.user_id is None:
        return None
    now = ctx.now()
    with ctx.session() as s, s.begin():
        policy = password_policy.read_policy(s)
        user = s.get(User, ctx.actor.user_id)
        if user is None:
            return None
        expires = _expires_at(user, policy)
    if expires is None:
        return None
    left = expires - now
    if left.total_seconds() <= 0:
        return "您的密码已过期，请立即修改密码。"
    days = left.days + (1 if left.seconds else 0)
    if days <= policy.warn_days:
        return (f"您的密码将于 {days} 天后（{expires.astimezone():%Y-%m-%d}）过期，"
                "请及时修改密码。")
    return None


def _count_failure(s: Session, user: User) -> int:
    """Add one failed login in the database itself (``failed_logins = failed_logins + 1``, the
    row's version moved on as any update does) and return the new count."""
    s.flush()
    s.execute(update(User).where(User.id == user.id)
              .values(failed_logins=User.failed_logins + 1, version=User.version + 1)
              .execution_options(synchronize_session=False))
    s.refresh(user, ["failed_logins", "version"])
    return int(user.failed_logins)


_dummy_hashes: dict[bool, str] = {}
_dummy_lock = threading.Lock()


def _dummy() -> str:
    """A hash of the same parameters as real ones, made once per hashing cost in force
    (``app.passwords``; its making is not timed)."""
    weak = passwords.weak_profile()
    with _dummy_lock:
        if weak not in _dummy_hashes:
            _dummy_hashes[weak] = passwords.hasher().hash("govdesk-not-a-password")
        return _dummy_hashes[weak]


def _verify_same_cost(pw_hash: str | None, password: str) -> bool:
    """Exactly one argon2 verification: against ``pw_hash`` when given, else against a dummy
    hash of the same cost (an unknown, disabled or locked account is refused in the same time as
    a wrong password, so the delay does not tell which names exist). A hash of other parameters
    (an old one awaiting rehash) is verified as it is."""
    target = pw_hash if pw_hash else _dummy()
    try:
        return bool(passwords.hasher().verify(target, password)) and pw_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _locked_message(until: datetime) -> str:
    local = until.astimezone()
    return f"账户已锁定，请于 {local:%H:%M} 后再试，或请管理员重置密码。"


def logout(ctx: ServiceContext) -> None:
    if ctx.actor is None:
        return
    with ctx.session() as s, s.begin():
        audit.append(s, ctx.actor, "logout", "user", ctx.actor.user_id, {}, at=ctx.now())


def _require_accounts(ctx: ServiceContext) -> Actor:
    """Seeing the account list: the 系统管理员 (accounts) or the 安全保密管理员 (grants)."""
    return ctx.require(Action.VIEW_USERS)


def list_users(ctx: ServiceContext) -> list[UserInfo]:
    _require_accounts(ctx)
    with ctx.session() as s, s.begin():
        held: dict[int, set[Role]] = {}
        for user_id, code in s.execute(select(UserRole.user_id, UserRole.role_code)):
            held.setdefault(user_id, set()).add(Role(code))
        return [UserInfo(u.id, u.username, u.display_name, frozenset(held.get(u.id, ())),
                         Clearance(u.clearance_level), u.active, u.locked_until, u.last_login_at,
                         u.must_change_password, u.version, u.unit)
                for u in s.execute(select(User).order_by(User.username)).scalars()]


def get_user(ctx: ServiceContext, user_id: int) -> UserInfo:
    _require_accounts(ctx)
    with ctx.session() as s, s.begin():
        return _info(s, _load(s, user_id, None))


def find_user(ctx: ServiceContext, username: str) -> UserInfo:
    _require_accounts(ctx)
    with ctx.session() as s, s.begin():
        user = _by_name(s, username)
        if user is None:
            raise InputError(f"用户“{normalize_username(username)}”不存在。")
        return _info(s, user)


def _load(s: Session, user_id: int, expected_version: int | None) -> User:
    user = s.get(User, user_id)
    if user is None:
        raise InputError(f"用户（编号 {user_id}）不存在。")
    if expected_version is not None and user.version != expected_version:
        raise ConflictError(f"用户“{user.username}”已被他人修改，请刷新后重试。")
    return user


def _manage(s: Session, actor: Actor, user_id: int, expected_version: int | None) -> User:
    """The account ``actor`` is about to change, after checking they may: managing an account
    (disable, enable, reset its password, change its role or clearance) needs at least that
    account's clearance — otherwise an administrator cleared to 内部 could reset a 机密 user's
    password and sign in as them."""
    user = _load(s, user_id, expected_version)
    if user.clearance_level > int(actor.clearance):
        raise audit.refused(PermissionDenied(
            f"用户“{user.username}”的知悉范围为“{Clearance(user.clearance_level).label}”，"
            f"高于您的“{Clearance(actor.clearance).label}”，您不能管理该账户。"),
            "denied", "user", user.id, username=user.username)
    return user


#: Powers the office must always keep in an active account (else nobody could manage it).
_KEPT_POWERS = (Action.MANAGE_USERS, Action.GRANT_ROLES)


def _powers_lost(s: Session, user: User, roles_after: frozenset[Role], active_after: bool
                 ) -> list[Action]:
    """The powers no active account would hold if ``user`` had ``roles_after`` and
    ``active_after``."""
    from app.domain.security import allowed

    held: dict[int, set[Role]] = {}
    for user_id, code in s.execute(
            select(UserRole.user_id, UserRole.role_code).join(User, User.id == UserRole.user_id)
            .where(User.active.is_(True))):
        held.setdefault(user_id, set()).add(Role(code))
    held.pop(user.id, None)
    if active_after:
        held[user.id] = set(roles_after)
    return [p for p in _KEPT_POWERS if not any(allowed(r, p) for r in held.values())]


def _uncovered(s: Session, user: User, revoked: frozenset[Role]) -> list[Role]:
    """The 三员 roles among ``revoked`` that no other active account holds."""
    others = set(s.execute(
        select(UserRole.role_code).join(User, User.id == UserRole.user_id)
        .where(User.active.is_(True), User.id != user.id)).scalars())
    return [r for r in sorted_roles(revoked & THREE_ADMINS) if r.value not in others]


def _refuse(ctx: ServiceContext, exc: PermissionDenied, action: str, user: User | None,
            detail: dict | None = None) -> PermissionDenied:
    """Audit a refused account act (its own transaction) and return ``exc`` to raise."""
    audit.record_refused(ctx, action, "user", user.id if user is not None else "",
                         {**({"username": user.username} if user is not None else {}),
                          **(detail or {}), "reason": exc.message})
    return exc


def _classified(ctx: ServiceContext) -> bool:
    with ctx.session() as s, s.begin():
        return is_classified(s)


def add_user(ctx: ServiceContext, username: str, password: str, *, display_name: str = "",
             roles: Iterable[Role | str] | None = None, role: Role | None = None,
             clearance: Clearance = Clearance.PUBLIC,
             must_change_password: bool = True, unit: str = "") -> UserInfo:
    """Create an account holding ``roles`` (``role=`` is shorthand for a single one; neither:
    只读). By default its user must change the administrator-chosen password before doing
    anything else (``ServiceContext.require`` enforces it); an administrator may waive that
    (``must_change_password=False``, recorded in the audit event), as directory services allow —
    the administrator could set any password through a reset anyway."""
    actor = ctx.require(Action.MANAGE_USERS)
    username = _check_username(username)
    display_name = _check_display_name(display_name)
    chosen = _check_roles(roles if roles is not None else [role or Role.READER])
    _check_password(ctx, password, username)
    if int(clearance) > int(actor.clearance):
        raise audit.refuse(ctx, audit.refused(
            PermissionDenied("不能授予高于本人知悉范围的密级。"), "user.add", "user",
            username=username))
    unit = " ".join((unit or "").split())
    if len(unit) > MAX_UNIT:
        raise InputError(f"单位名称不能超过 {MAX_UNIT} 个字符。")
    if (chosen != {Role.READER} or int(clearance) != int(Clearance.PUBLIC)) and not actor.may(
            Action.GRANT_ROLES):
        raise _refuse(ctx, SeparationDenied(
            f"三员分立：“{actor.roles_label}”创建的账户只能是“只读”、“公开”，"
            "角色和密级须由安全保密管理员授予。"), "user.add", None, {"username": username})
    if _classified(ctx):
        problem = separation_problem(chosen)
        if problem is not None:
            raise _refuse(ctx, SeparationDenied(problem), "user.add", None,
                          {"username": username})
    pw_hash = hash_password(password)
    with ctx.session() as s, s.begin():
        if s.execute(select(User.id).where(User.username == username)).first():
            raise InputError(f"用户名“{username}”已被使用。")
        user = User(username=username, display_name=display_name.strip(), password_hash=pw_hash,
                    role_code=sorted_roles(chosen)[0].value, clearance_level=int(clearance),
                    active=True, failed_logins=0, must_change_password=must_change_password,
                    password_changed_at=ctx.now(), unit=unit)
        s.add(user)
        s.flush()
        _store_roles(s, user, chosen)
        audit.append(s, actor, "user.add", "user", user.id,
                     {"username": username, "roles": [r.value for r in sorted_roles(chosen)],
                      "clearance": int(clearance),
                      "must_change_password": bool(must_change_password),
                      **({"unit": unit} if unit else {})}, at=ctx.now())
        return _info(s, user)


def set_active(ctx: ServiceContext, user_id: int, active: bool,
               expected_version: int | None = None) -> UserInfo:
    actor = ctx.require(Action.MANAGE_USERS)
    with ctx.session() as s, s.begin():
        user = _manage(s, actor, user_id, expected_version)
        if user.active == active:
            return _info(s, user)
        if not active and user.id == actor.user_id:
            raise audit.refused(PermissionDenied("不能停用自己的账户。"),
                                        "user.disable", "user", user.id)
        problem = (active_change_problem(roles_of(s, user.id), active)
                   if is_classified(s) else None)
        if problem is not None:  # 三员: two people (accounts.set_roles, then this)
            raise audit.refused(SeparationDenied(problem), "user.enable" if active
                                        else "user.disable", "user", user.id,
                                        username=user.username)
        if not active:
            if _powers_lost(s, user, roles_of(s, user.id), False):
                raise audit.refused(PermissionDenied("不能停用最后一个管理员账户。"),
                                            "user.disable", "user", user.id)
        user.active = active
        if active:
            user.failed_logins = 0
            user.locked_until = None
        audit.append(s, actor, "user.enable" if active else "user.disable", "user", user.id,
                     {"username": user.username}, at=ctx.now())
        s.flush()
        return _info(s, user)


def reset_password(ctx: ServiceContext, user_id: int, new_password: str,
                   expected_version: int | None = None) -> UserInfo:
    """Set a new password, unlock the account and ask the user to change it at next login."""
    actor = ctx.require(Action.MANAGE_USERS)
    with ctx.session() as s, s.begin():
        target = _load(s, user_id, None)
        name, target_roles = target.username, roles_of(s, target.id)
        classified = is_classified(s)
    if classified and user_id != actor.user_id and target_roles & THREE_ADMINS:
        exc = SeparationDenied(f"三员分立：不能重置另一名管理员“{name}”的密码"
                               "（否则可冒用其身份）。")
        audit.record_refused(ctx, "user.reset_password", "user", user_id,
                             {"username": name, "reason": exc.message})
        raise exc
    _check_password(ctx, new_password, name)
    pw_hash = hash_password(new_password)
    try:
        with ctx.session() as s, s.begin():
            user = _manage(s, actor, user_id, expected_version)
            _replace_password(ctx, s, user, new_password, pw_hash)
            user.failed_logins = 0
            user.locked_until = None
            user.must_change_password = user.id != actor.user_id
            audit.append(s, actor, "user.reset_password", "user", user.id,
                         {"username": user.username}, at=ctx.now())
            s.flush()
            return _info(s, user)
    except _Reused as exc:
        _audit_reuse(ctx, exc)
        raise


def change_password(ctx: ServiceContext, old_password: str, new_password: str) -> None:
    """The signed-in user changes their own password."""
    if ctx.actor is None or ctx.actor.user_id is None:
        raise PermissionDenied("请先登录。")
    _check_password(ctx, new_password, ctx.actor.username)
    if old_password == new_password:
        raise InputError("新密码不能与原密码相同。")
    pw_hash = hash_password(new_password)
    try:
        with ctx.session() as s, s.begin():
            user = _load(s, ctx.actor.user_id, None)
            if not user.active:  # disabling ends every session, this one included
                raise PermissionDenied("您的账户已被停用或权限已变更，请重新登录。")
            try:
                passwords.hasher().verify(user.password_hash, old_password)
            except (VerificationError, InvalidHashError):
                raise InputError("原密码不正确。") from None
            _replace_password(ctx, s, user, new_password, pw_hash)
            user.must_change_password = False
            audit.append(s, ctx.actor, "user.change_password", "user", user.id, {},
                         at=ctx.now())
    except _Reused as exc:
        _audit_reuse(ctx, exc)
        raise


def set_roles(ctx: ServiceContext, user_id: int, roles: Iterable[Role | str],
              expected_version: int | None = None) -> UserInfo:
    """Give user ``user_id`` exactly ``roles`` (at least one)."""
    actor = ctx.require(Action.GRANT_ROLES)
    chosen = _check_roles(roles)
    with ctx.session() as s, s.begin():
        user = _manage(s, actor, user_id, expected_version)
        old = roles_of(s, user.id)
        if old == chosen:
            return _info(s, user)
        problem = separation_problem(chosen) if is_classified(s) else None
        name = user.username
    if problem is not None:
        raise _refuse_roles(ctx, user_id, name, chosen, problem)
    with ctx.session() as s, s.begin():
        user = _manage(s, actor, user_id, expected_version)
        old = roles_of(s, user.id)
        if old == chosen:
            return _info(s, user)
        if old & ADMIN_ROLES - chosen:
            def refused(exc: PermissionDenied) -> PermissionDenied:  # audited (issue 31)
                return audit.refused(exc, "user.set_role", "user", user.id,
                                             username=user.username)

            if user.id == actor.user_id and Role.ADMIN in old and Role.ADMIN not in chosen:
                raise refused(PermissionDenied("不能取消自己的管理员角色。"))
            lost = _powers_lost(s, user, chosen, user.active)
            if lost:
                if Role.ADMIN in old and Role.ADMIN not in chosen:
                    raise refused(PermissionDenied("不能取消最后一个管理员的管理员角色。"))
                raise refused(PermissionDenied("不能取消该角色：取消后将没有启用的账户能"
                                               + "、".join(a.label for a in lost) + "。"))
            uncovered = (_uncovered(s, user, old - chosen)
                         if user.active and is_classified(s) else [])
            if uncovered:  # the office always keeps an active holder of each of the 三员
                raise refused(SeparationDenied(
                    f"三员分立：取消后将没有启用的{'、'.join(f'“{r.label}”' for r in uncovered)}"
                    "账户；请先由另一账户担任该角色，再取消。"))
        _store_roles(s, user, chosen)
        user.updated_at = ctx.now()  # an UPDATE of the row: its version moves on (conflicts)
        audit.append(s, actor, "user.set_role", "user", user.id,
                     {"username": user.username, "from": [r.value for r in sorted_roles(old)],
                      "to": [r.value for r in sorted_roles(chosen)]}, at=ctx.now())
        s.flush()
        return _info(s, user)


def _refuse_roles(ctx: ServiceContext, user_id: int, username: str, chosen: frozenset[Role],
                  problem: str) -> SeparationDenied:
    audit.record_refused(ctx, "user.set_role", "user", user_id,
                         {"username": username, "to": [r.value for r in sorted_roles(chosen)],
                          "reason": problem})
    return SeparationDenied(problem)


def set_clearance(ctx: ServiceContext, user_id: int, clearance: Clearance,
                  expected_version: int | None = None) -> UserInfo:
    actor = ctx.require(Action.GRANT_ROLES)
    clearance = Clearance(clearance)
    if int(clearance) > int(actor.clearance):
        raise audit.refuse(ctx, audit.refused(
            PermissionDenied("不能授予高于本人知悉范围的密级。"), "user.set_clearance", "user",
            user_id))
    with ctx.session() as s, s.begin():
        user = _manage(s, actor, user_id, expected_version)
        if user.clearance_level == int(clearance):
            return _info(s, user)
        old = user.clearance_level
        user.clearance_level = int(clearance)
        audit.append(s, actor, "user.set_clearance", "user", user.id,
                     {"username": user.username, "from": old, "to": int(clearance)}, at=ctx.now())
        s.flush()
        return _info(s, user)


MAX_UNIT = 128


def set_unit(ctx: ServiceContext, user_id: int, unit: str,
             expected_version: int | None = None) -> UserInfo:
    """Set the account's 所在单位 (empty: none). A record whose 知悉范围 names that unit is
    known to its members, so a change is audited like a clearance change."""
    actor = ctx.require(Action.MANAGE_USERS)
    unit = " ".join((unit or "").split())
    if len(unit) > MAX_UNIT:
        raise InputError(f"单位名称不能超过 {MAX_UNIT} 个字符。")
    with ctx.session() as s, s.begin():
        user = _manage(s, actor, user_id, expected_version)
        if user.unit == unit:
            return _info(s, user)
        old = user.unit
        user.unit = unit
        audit.append(s, actor, "user.set_unit", "user", user.id,
                     {"username": user.username, "from": old, "to": unit}, at=ctx.now())
        s.flush()
        return _info(s, user)
