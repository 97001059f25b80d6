"""Administration commands: ``audit verify|list|review|report|status|purge``,
``user add|list|roles|disable|enable|reset|passwd|policy``, ``db upgrade|info``.

Issue 31: the audit reviewer's tools (``audit list`` with user/action/outcome/period filters,
``audit review SEQ…`` marks entries reviewed, ``audit report FILE.pdf`` the periodic review
report, ``audit status`` the store's size against its warning threshold, ``audit purge`` — always
refused) and the password policy of the 安全保密管理员 (``user policy show|set``). A refusal by
三员分立 exits with code 2 and says which rule.

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
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from app.config import load_config
from app.domain.security import Role, parse_clearance, parse_roles, roles_label
from app.errors import InputError, PasswordChangeRequired
from app.services import accounts, audit
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

    _register_review(a_sub)

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
    p = u_sub.add_parser("policy", help="密码与锁定策略（安全保密管理员）：show 查看，set 修改")
    p.add_argument("policy_command", choices=["show", "set"], metavar="show|set")
    for name, label in _POLICY_OPTIONS:
        p.add_argument("--" + name.replace("_", "-"), type=int, default=None, help=label)
    p.set_defaults(func=cmd_user_policy)
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
                   help="角色：管理员/文书/值班员/领导/只读/系统管理员/安全保密管理员/安全审计员；"
                        "可重复给出以授予多个角色" + default_note)
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
    ctx = ctx.with_actor(actor)
    reminder = accounts.password_reminder(ctx)
    if reminder:
        print(f"提示：{reminder}", file=sys.stderr)
    return ctx


def _admin_ctx(engine: Engine, admin: str) -> ServiceContext:
    password = os.environ.get(ADMIN_PASSWORD_ENV)
    if password is None:
        password = _secret(f"管理员 {admin} 的密码：")
    return sign_in(engine, admin, password)


T = TypeVar("T")


def _as_admin(args: argparse.Namespace, act: Callable[[ServiceContext], T]) -> T:
    """Sign ``--admin`` in on a fresh engine, do ``act`` as them, then close the engine."""
    engine = _open()
    try:
        return act(_admin_ctx(engine, args.admin))
    finally:
        engine.dispose()


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
        key = audit.export_key(_admin_ctx(engine, args.admin), args.file)
    finally:
        engine.dispose()
    print(f"已导出审计密钥（标识 {key.key_id}）到：{args.file}。请用涉密介质传递，导入后删除该文件。")
    return 0


def cmd_audit_key_import(args: argparse.Namespace) -> int:
    engine = _open()
    try:
        key = audit.import_key(engine, args.file)
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




# ---------------------------------------------------------------- issue 31: review and policy

_POLICY_OPTIONS = [
    ("min_length", "密码最小长度"), ("min_classes", "密码须含字符类别数（3 或 4）"),
    ("max_age_days", "密码最长使用天数（0 不限；涉密单位 1–180）"),
    ("warn_days", "到期前提醒天数"), ("history", "不得重复使用的最近密码数"),
    ("lock_failures", "连续失败锁定次数"), ("lock_minutes", "锁定时长（分钟）"),
    ("idle_lock_minutes", "空闲自动锁定（分钟）"),
    ("audit_warn_rows", "审计记录告警阈值（条；超过时提醒安全审计员）"),
]


def _date(value: str):  # type: ignore[no-untyped-def]
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期“{value}”格式应为 YYYY-MM-DD") from None


def _filter_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", default="", help="用户（登录名或姓名的一部分）")
    p.add_argument("--action", default="", help="操作代码前缀，如 login、user.")
    p.add_argument("--outcome", default="", choices=["", "success", "refused"],
                   help="结果：success 成功，refused 被拒绝")
    p.add_argument("--since", type=_date, default=None, help="起始日期 YYYY-MM-DD")
    p.add_argument("--until", type=_date, default=None, help="截止日期 YYYY-MM-DD")


def _filter(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from app.services.audit_review import AuditFilter

    return AuditFilter(user=args.user, action=args.action, since=args.since, until=args.until,
                       outcome=args.outcome)


def _register_review(a_sub: argparse._SubParsersAction) -> None:
    p = a_sub.add_parser("list", help="按用户、操作、结果、期间列出审计记录（审阅范围内）")
    _filter_arguments(p)
    p.add_argument("--limit", type=int, default=200, help="最多列出条数（默认 200）")
    p.set_defaults(func=cmd_audit_list)
    p = a_sub.add_parser("review", help="将审计记录标记为已审阅")
    p.add_argument("seqs", nargs="+", type=int, metavar="序号")
    p.add_argument("--note", default="", help="审阅意见")
    p.set_defaults(func=cmd_audit_review)
    p = a_sub.add_parser("report", help="生成定期审计审阅报告（PDF）")
    p.add_argument("file", type=Path)
    _filter_arguments(p)
    p.set_defaults(func=cmd_audit_report)
    p = a_sub.add_parser("status", help="审计记录存储量与告警阈值")
    p.set_defaults(func=cmd_audit_status)
    p = a_sub.add_parser("purge", help="删除早于某日的审计记录（总是拒绝：180 天内不得删除）")
    p.add_argument("--before", type=_date, required=True, help="日期 YYYY-MM-DD")
    p.set_defaults(func=cmd_audit_purge)
    for name in ("list", "review", "report", "status", "purge"):
        a_sub.choices[name].add_argument("--admin", default="admin",
                                         help="执行操作的审阅人用户名（默认 admin）")


def cmd_audit_list(args: argparse.Namespace) -> int:
    from app.services import audit_review

    limit = max(1, min(args.limit, 5000))
    rows = _as_admin(args, lambda ctx: audit_review.page(ctx, _filter(args), 0, limit))
    print("序号\t时间\t用户\t操作\t结果\t终端\t审阅\t详情")
    for r in rows:
        print(f"{r.seq}\t{_fmt_time(r.at)}\t{r.actor}\t{r.action}\t"
              f"{audit_review.OUTCOME_LABELS.get(r.outcome, r.outcome)}\t{r.desk or '—'}\t"
              f"{'已审阅' if r.reviewed else '未审阅'}\t{r.detail}")
    return 0


def cmd_audit_review(args: argparse.Namespace) -> int:
    from app.services import audit_review

    done = _as_admin(args, lambda ctx: audit_review.mark_reviewed(ctx, args.seqs, args.note))
    print(f"已标记 {done} 条审计记录为已审阅。")
    return 0


def cmd_audit_report(args: argparse.Namespace) -> int:
    from app.services import audit_review

    _as_admin(args, lambda ctx: audit_review.review_report_pdf(ctx, _filter(args), args.file))
    print(f"已生成审计审阅报告：{args.file}")
    return 0


def cmd_audit_status(args: argparse.Namespace) -> int:
    from app.services import audit_review

    status = _as_admin(args, lambda ctx: audit_review.store_status(ctx))
    print(f"审计记录 {status.rows} 条，告警阈值 {status.threshold} 条。")
    if status.warning:
        print(f"警告：{status.warning}", file=sys.stderr)
        return 1
    return 0


def cmd_audit_purge(args: argparse.Namespace) -> int:
    from app.services import audit_review

    _as_admin(args, lambda ctx: audit_review.purge(ctx, args.before))
    return 0  # never reached: purge always refuses


def cmd_user_policy(args: argparse.Namespace) -> int:
    from app.services import accounts

    engine = _open()
    try:
        ctx = _admin_ctx(engine, args.admin)
        policy = accounts.get_policy(ctx)
        if args.policy_command == "set":
            values = {name: getattr(args, name) for name, _l in _POLICY_OPTIONS
                      if getattr(args, name) is not None}
            if not values:
                raise InputError("请至少给出一项要修改的策略，如 --min-length 12。")
            policy = accounts.update_policy(
                ctx, accounts.with_values(policy, **values))
    finally:
        engine.dispose()
    for name, label in _POLICY_OPTIONS:
        print(f"{label}：{getattr(policy, name)}")
    return 0
