"""``incident rules show|export|import``: the 突发事件 deadline rule table as JSON, so a province
or sector can hand its limits to every office as a file (import validates the whole table and
lists every problem; nothing is stored unless it is valid). Acts as an administrator like the
``user`` commands (``--admin``, password from ``GOVDESK_ADMIN_PASSWORD`` or asked for)."""

from __future__ import annotations

import argparse
import json

from app.commands.admin import _admin_ctx, _open
from app.errors import InputError
from app.services import incidents
from app.templating import load_data


def register(sub: argparse._SubParsersAction) -> None:
    p_inc = sub.add_parser("incident", help="突发事件")
    i_sub = p_inc.add_subparsers(dest="incident_command", metavar="子命令", required=True)
    p_rules = i_sub.add_parser("rules", help="报告时限规则表")
    r_sub = p_rules.add_subparsers(dest="rules_command", metavar="子命令", required=True)
    p = r_sub.add_parser("show", help="显示当前规则表")
    p.set_defaults(func=cmd_show)
    p = r_sub.add_parser("export", help="导出规则表为 JSON 文件")
    p.add_argument("file")
    p.set_defaults(func=cmd_export)
    p = r_sub.add_parser("import", help="从 JSON 文件导入规则表（先整体校验）")
    p.add_argument("file")
    p.set_defaults(func=cmd_import)
    for p in r_sub.choices.values():
        p.add_argument("--admin", default="admin", help="执行操作的管理员用户名（默认 admin）")


def _text(table) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(table.to_dict(), ensure_ascii=False, indent=2) + "\n"


def cmd_show(args: argparse.Namespace) -> int:
    engine = _open()
    try:
        ctx = _admin_ctx(engine, args.admin)
        table = incidents.get_rule_table(ctx)
    finally:
        engine.dispose()
    for r in table.rules:
        parts = [f"{r.level.label}", f"接收单位：{r.authority or '默认'}"]
        if r.phone_minutes:
            parts.append(f"电话 {r.phone_minutes} 分钟")
        if r.written_minutes:
            parts.append(f"书面 {r.written_minutes} 分钟")
        parts.append(f"续报间隔 {r.follow_up_hours} 小时" if r.follow_up_hours
                     else "情况变化时续报")
        print("，".join(parts))
    th = table.thresholds
    print(f"剩余不超过 {th.amber_minutes} 分钟或时限的 {th.amber_fraction:.0%} 时变黄。")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    engine = _open()
    try:
        ctx = _admin_ctx(engine, args.admin)
        table = incidents.get_rule_table(ctx)
    finally:
        engine.dispose()
    from app.services import output

    target = output.save(_text(table).encode("utf-8"), args.file)
    print(f"已导出报告时限规则表：{target}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    obj = load_data(args.file)
    if not isinstance(obj, dict):
        raise InputError("规则表应为 JSON 对象。")
    engine = _open()
    try:
        ctx = _admin_ctx(engine, args.admin)
        table = incidents.save_rule_table(ctx, obj)
    finally:
        engine.dispose()
    print(f"已导入报告时限规则表（{len(table.rules)} 条规则）；新登记的事件按新规则计时。")
    return 0
