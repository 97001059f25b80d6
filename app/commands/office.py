"""``office show|setup-classified|classify``: the office's 普通/涉密 mode (issue 31).

* ``office show`` prints the mode (no sign-in needed).
* ``office setup-classified --sysadmin A --secadmin B --auditor C`` is the first run of a 涉密
  office: it creates the three administrator accounts in an empty database (three initial
  passwords: asked twice each on a terminal, or three lines on standard input); each must change
  the password at first sign-in (``user passwd``).
* ``office classify --yes --admin NAME`` switches a 普通 office to 涉密 with an administrator's
  consent (``--yes``), audited; refused (exit 2, naming each account that breaks 三员分立) while
  the rules do not hold. There is no way back.
"""

from __future__ import annotations

import argparse

from app.domain.security import Role
from app.errors import InputError
from app.services import accounts
from app.services.context import ServiceContext


def register(sub: argparse._SubParsersAction) -> None:
    p_office = sub.add_parser("office", help="单位模式：普通/涉密（三员分立）")
    o_sub = p_office.add_subparsers(dest="office_command", metavar="子命令", required=True)
    p = o_sub.add_parser("show", help="显示本单位是普通单位还是涉密单位")
    p.set_defaults(func=cmd_show)
    p = o_sub.add_parser("setup-classified",
                         help="首次运行：设置涉密单位，创建系统管理员、安全保密管理员、安全审计员三个账户")
    p.add_argument("--sysadmin", required=True, metavar="用户名", help="系统管理员的用户名")
    p.add_argument("--secadmin", required=True, metavar="用户名", help="安全保密管理员的用户名")
    p.add_argument("--auditor", required=True, metavar="用户名", help="安全审计员的用户名")
    p.set_defaults(func=cmd_setup)
    p = o_sub.add_parser("classify", help="将普通单位切换为涉密单位（不可撤回，须管理员同意）")
    p.add_argument("--yes", action="store_true", help="确认切换（切换后不能改回普通单位）")
    p.add_argument("--admin", default="admin", help="执行操作的管理员用户名（默认 admin）")
    p.set_defaults(func=cmd_classify)


def cmd_show(args: argparse.Namespace) -> int:
    from app.commands.admin import _open

    engine = _open()
    try:
        mode = accounts.office_mode(ServiceContext(engine))
    finally:
        engine.dispose()
    print(f"本单位为{accounts.MODE_LABELS[mode]}单位。")
    return 0


def cmd_setup(args: argparse.Namespace) -> int:
    from app.commands.admin import _open, _secret
    from app.services import accounts

    engine = _open()
    try:
        if not accounts.needs_first_admin(engine):
            raise InputError("数据库中已有用户账户，不能按首次运行设置涉密单位；"
                             "请用 office classify 切换。")
        admins = []
        for role, name in ((Role.SYSADMIN, args.sysadmin), (Role.SECADMIN, args.secadmin),
                           (Role.AUDITOR, args.auditor)):
            password = _secret(f"{role.label} {name} 的初始密码：", confirm=True)
            admins.append(accounts.NewAdmin(role, name, password))
        names = accounts.setup_classified(ServiceContext(engine), admins)
    finally:
        engine.dispose()
    print("已设置为涉密单位，创建账户：" + "、".join(
        f"{a.role.label} {n}" for a, n in zip(admins, names, strict=True))
        + "。每个账户首次登录须修改密码（python -m app user passwd 用户名）。")
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    from app.commands.admin import _admin_ctx, _open

    engine = _open()
    try:
        ctx = _admin_ctx(engine, args.admin)
        accounts.switch_to_classified(ctx, consent=bool(args.yes))
    finally:
        engine.dispose()
    print("本单位已切换为涉密单位（三员分立），不能再改回普通单位。")
    return 0
