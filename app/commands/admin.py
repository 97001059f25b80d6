"""Administration commands: ``audit verify``, ``user add|list|roles|disable|enable|reset|passwd``,
``db upgrade|info``.

A user may hold several roles: ``--role admin --role clerk`` or ``--roles 管理员,文书`` (both
forms may be mixed; ``user roles NAME …`` replaces a user's roles).

User commands act as an administrator: ``--admin NAME`` (default ``admin``), password from the
``GOVDESK_ADMIN_PASSWORD`` environment variable or asked for. New passwords are asked for (twice)
on a terminal, or read as one line from standard input when it is not a terminal. When the
database has no user yet, ``user add`` creates the first administrator without asking for one.

Every command that acts as a user signs in through ``sign_in``: a user whose password was set by
an administrator (new account, reset) is refused there with a Chinese message and exit code 4
(the services would refuse each act anyway) and pointed to ``user passwd``, which changes one's
own password (old password, then the new one).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from app.config import load_config
from app.domain.security import Role, parse_clearance, parse_roles, roles_label
from app.errors import InputError, PasswordChangeRequired
from app.services import accounts, audit, audit_key
from app.services.context import PASSWORD_CHANGE_MESSAGE, ServiceContext
from app.storage.db import make_engine
from app.storage.migrate import (
    SCHEMA_VERSION,
    check_not_newer,
    current_revision,
    head_revision,
    stored_schema_version,
    upgrade,
)

ADMIN_PASSWORD_ENV = "GOVDESK_ADMIN_PASSWORD"


def register(sub: argparse._SubParsersAction) -> None:
    p_audit = sub.add_parser("audit", help="审计日志")
    a_sub = p_audit.add_subparsers(dest="audit_command", metavar="子命令", required=True)
    p = a_sub.add_parser("verify", help="校验审计日志哈希链（完整返回 0，断裂返回 1）")
    p.set_defaults(func=cmd_audit_verify)
    p = a_sub.add_parser("key", help="审计密钥：在共用 PostgreSQL 数据库的终端之间导出、导入")
    k_sub = p.add_subparsers(dest="key_command", metavar="子命令", required=True)
    p = k_sub.add_parser("export", help="导出本机审计密钥到文件（管理员；请用涉密介质传递，导入后删除）")
    p.add_argument("file", type=Path)
    p.add_argument("--admin", default="admin", help="执行操作的管理员用户名（默认 admin）")
    p.set_defaults(func=cmd_audit_key_export)
    p = k_sub.add_parser("import", help="导入审计密钥（须与数据库审计日志相符）")
    p.add_argument("file", type=Path)
    p.set_defaults(func=cmd_audit_key_import)

    p_user = sub.add_parser("user", help="用户账户管理")
    u_sub = p_user.add_subparsers(dest="user_command", metavar="子命令", required=True)
    p = u_sub.add_parser("add", help="添加用户（数据库中尚无用户时创建初始管理员）")
    p.add_argument("username")
    _role_arguments(p, "（默认 只读）")
    p.add_argument("--clearance", default="公开", help="密级：公开/内部/秘密/机密")
    p.add_argument("--display-name", default="", help="姓名")
    p.set_defaults(func=cmd_user_add)
    p = u_sub.add_parser("list", help="列出用户")
    p.set_defaults(func=cmd_user_list)
    p = u_sub.add_parser("roles", help="设置用户的角色（可多个，替换原有角色）")
    p.add_argument("username")
    _role_arguments(p, "")
    p.set_defaults(func=cmd_user_roles)
    for name, helptext, func in [("disable", "停用用户", cmd_user_disable),
                                 ("enable", "启用用户", cmd_user_enable),
                                 ("reset", "重置密码并解除锁定", cmd_user_reset)]:
        p = u_sub.add_parser(name, help=helptext)
        p.add_argument("username")
        p.set_defaults(func=func)
    for p in u_sub.choices.values():
        p.add_argument("--admin", default="admin", help="执行操作的管理员用户名（默认 admin）")
    p = u_sub.add_parser("passwd", help="修改本人密码（管理员设置或重置的密码须先修改）")
    p.add_argument("username")
    p.set_defaults(func=cmd_user_passwd)

    p_db = sub.add_parser("db", help="数据库")
    d_sub = p_db.add_subparsers(dest="db_command", metavar="子命令", required=True)
    p = d_sub.add_parser("upgrade", help="升级数据库结构（升级前自动备份 SQLite 文件）")
    p.set_defaults(func=cmd_db_upgrade)
    p = d_sub.add_parser("info", help="显示数据库位置与结构版本")
    p.set_defaults(func=cmd_db_info)


# ---------------------------------------------------------------- helpers

def _role_arguments(p: argparse.ArgumentParser, default_note: str) -> None:
    p.add_argument("--role", action="append", default=[], metavar="角色",
                   help="角色：管理员/文书/值班员/领导/只读；可重复给出以授予多个角色" + default_note)
    p.add_argument("--roles", action="append", default=[], metavar="角色,角色",
                   help="多个角色，以逗号或顿号分隔，如 管理员,文书")


def _roles(args: argparse.Namespace) -> frozenset[Role] | None:
    """The roles given by ``--role``/``--roles`` (None: none given)."""
    given = [*args.role, *args.roles]
    return parse_roles(given) if given else None


def _open() -> Engine:
    from app import bootstrap

    return bootstrap.open_engine()


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _secret(prompt: str, *, confirm: bool = False) -> str:
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line:
            raise InputError("未从标准输入读到密码。")
        return line.rstrip("\r\n")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("再次输入：") != first:
        raise InputError("两次输入的密码不一致。")
    return first


def sign_in(engine: Engine, username: str, password: str) -> ServiceContext:
    """Log ``username`` in for one command. A pending password change is refused here, before
    the command does anything, with the way out (``user passwd``) in the message."""
    ctx = ServiceContext(engine)
    actor = accounts.login(ctx, username, password)
    if actor.must_change_password:
        raise PasswordChangeRequired(
            f"{PASSWORD_CHANGE_MESSAGE}请先运行 python -m app user passwd {username} 修改密码。")
    return ctx.with_actor(actor)


def _admin_ctx(engine: Engine, admin: str) -> ServiceContext:
    password = os.environ.get(ADMIN_PASSWORD_ENV)
    if password is None:
        password = _secret(f"管理员 {admin} 的密码：")
    return sign_in(engine, admin, password)


def _fmt_time(value) -> str:  # type: ignore[no-untyped-def]
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else "—"


# ---------------------------------------------------------------- commands

def cmd_audit_verify(args: argparse.Namespace) -> int:
    engine = _open()
    try:
        result = audit.verify(engine)
    finally:
        engine.dispose()
    print(result.message(), file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1


def cmd_audit_key_export(args: argparse.Namespace) -> int:
    engine = _open()
    try:
        key = audit_key.export_key(_admin_ctx(engine, args.admin), args.file)
    finally:
        engine.dispose()
    print(f"已导出审计密钥（标识 {key.key_id}）到：{args.file}。请用涉密介质传递，导入后删除该文件。")
    return 0


def cmd_audit_key_import(args: argparse.Namespace) -> int:
    engine = _open()
    try:
        key = audit_key.import_key(engine, args.file)
    finally:
        engine.dispose()
    print(f"已导入审计密钥（标识 {key.key_id}）。请删除传递用的密钥文件。")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    roles = _roles(args) or frozenset({Role.READER})
    clearance = parse_clearance(args.clearance)
    engine = _open()
    try:
        if accounts.needs_first_admin(engine):
            password = _secret(f"{args.username} 的新密码：", confirm=True)
            accounts.create_first_admin(ServiceContext(engine), args.username, password,
                                        args.display_name)
            print(f"已创建初始管理员 {args.username}（管理员，机密）。")
            return 0
        ctx = _admin_ctx(engine, args.admin)
        password = _secret(f"{args.username} 的新密码：", confirm=True)
        info = accounts.add_user(ctx, args.username, password, display_name=args.display_name,
                                 roles=roles, clearance=clearance)
        print(f"已添加用户 {info.username}（{info.roles_label}，{info.clearance.label}），"
              "首次登录须修改密码。")
        return 0
    finally:
        engine.dispose()


def cmd_user_list(args: argparse.Namespace) -> int:
    engine = _open()
    try:
        ctx = _admin_ctx(engine, args.admin)
        now = ctx.now()
        print("用户名\t姓名\t角色\t密级\t状态\t最近登录")
        for u in accounts.list_users(ctx):
            state = "停用" if not u.active else ("锁定" if u.locked(now) else "正常")
            print(f"{u.username}\t{u.display_name or '—'}\t{u.roles_label}\t{u.clearance.label}"
                  f"\t{state}\t{_fmt_time(u.last_login_at)}")
        return 0
    finally:
        engine.dispose()


def cmd_user_roles(args: argparse.Namespace) -> int:
    roles = _roles(args)
    if roles is None:
        raise InputError("请用 --role 或 --roles 给出至少一个角色。")
    engine = _open()
    try:
        ctx = _admin_ctx(engine, args.admin)
        user = accounts.find_user(ctx, args.username)
        info = accounts.set_roles(ctx, user.id, roles, expected_version=user.version)
        print(f"用户 {info.username} 的角色：{roles_label(info.roles)}。")
        return 0
    finally:
        engine.dispose()


def _set_active(args: argparse.Namespace, active: bool) -> int:
    engine = _open()
    try:
        ctx = _admin_ctx(engine, args.admin)
        user = accounts.find_user(ctx, args.username)
        accounts.set_active(ctx, user.id, active, expected_version=user.version)
        print(f"已{'启用' if active else '停用'}用户 {user.username}。")
        return 0
    finally:
        engine.dispose()


def cmd_user_disable(args: argparse.Namespace) -> int:
    return _set_active(args, False)


def cmd_user_enable(args: argparse.Namespace) -> int:
    return _set_active(args, True)


def cmd_user_reset(args: argparse.Namespace) -> int:
    engine = _open()
    try:
        ctx = _admin_ctx(engine, args.admin)
        user = accounts.find_user(ctx, args.username)
        password = _secret(f"{user.username} 的新密码：", confirm=True)
        accounts.reset_password(ctx, user.id, password, expected_version=user.version)
        print(f"已重置用户 {user.username} 的密码并解除锁定，下次登录须修改密码。")
        return 0
    finally:
        engine.dispose()


def cmd_user_passwd(args: argparse.Namespace) -> int:
    """Change one's own password (asks the current one, then the new one twice on a terminal;
    from a pipe: two lines, current then new)."""
    engine = _open()
    try:
        ctx = ServiceContext(engine)
        old = _secret(f"{args.username} 的原密码：")
        ctx = ctx.with_actor(accounts.login(ctx, args.username, old))
        new = _secret("新密码：", confirm=True)
        accounts.change_password(ctx, old, new)
        print(f"已修改用户 {args.username} 的密码。")
        return 0
    finally:
        engine.dispose()


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    cfg = load_config()
    engine = make_engine(cfg.db_url)
    try:
        result = upgrade(engine, cfg.backups_dir)
    finally:
        engine.dispose()
    if not result.migrated:
        print(f"数据库已是最新结构（修订 {result.to_revision}）。")
    else:
        print(f"数据库已由修订 {result.from_revision or '（空）'} 升级到 {result.to_revision}。")
        if result.backup:
            print(f"升级前备份：{result.backup}")
    return 0


def cmd_db_info(args: argparse.Namespace) -> int:
    cfg = load_config()
    engine = make_engine(cfg.db_url)
    try:
        rev = current_revision(engine)
        stored = stored_schema_version(engine)
        print(f"数据库：{_safe_url(cfg.db_url)}")
        print(f"数据文件夹：{cfg.data_dir}")
        print(f"结构修订：{rev or '（尚未创建）'}（本程序：{head_revision()}）")
        print(f"结构版本：{stored if stored is not None else '—'}（本程序支持：{SCHEMA_VERSION}）")
        check_not_newer(engine)
        if rev is not None and rev != head_revision():
            print("需要升级：运行 python -m app db upgrade，或直接启动程序（自动升级并备份）。")
        return 0
    finally:
        engine.dispose()


