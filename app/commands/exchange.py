"""``python -m app exchange export|import`` — air-gap exchange packages (app.services.exchange).

    python -m app exchange export --select documents:1,2 --select incidents:7 -o 交换包.zip
    python -m app exchange import 交换包.zip

The acting user is ``--user`` (default ``admin``), password from ``GOVDESK_ADMIN_PASSWORD`` or
asked for. The shared key is ``--key``, else ``GOVDESK_EXCHANGE_KEY``, else the security setting.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from app.commands.admin import _admin_ctx, _open
from app.errors import InputError
from app.services import exchange, security
from app.services import settings as office_settings
from app.services.context import ServiceContext

KEY_ENV = "GOVDESK_EXCHANGE_KEY"


def register(sub: argparse._SubParsersAction) -> None:
    p_ex = sub.add_parser("exchange", help="离线交换包（导出到移动介质 / 从移动介质导入）")
    e_sub = p_ex.add_subparsers(dest="exchange_command", metavar="子命令", required=True)
    p = e_sub.add_parser("export", help="导出所选记录为一个交换包文件")
    p.add_argument("--select", action="append", default=[], metavar="类型:编号,…",
                   help=f"要导出的记录，可多次给出；类型：{'、'.join(exchange.kinds())}")
    p.add_argument("-o", "--output", type=Path, required=True, help="交换包文件")
    p.set_defaults(func=cmd_export)
    p = e_sub.add_parser("import", help="校验并导入交换包（校验不通过则不写入任何内容）")
    p.add_argument("file", type=Path)
    p.set_defaults(func=cmd_import)
    for p in e_sub.choices.values():
        p.add_argument("--key", default=None, help=f"交换密钥（默认取 {KEY_ENV} 或安全设置）")
        p.add_argument("--user", default="admin", help="执行操作的用户名（默认 admin）")


def parse_selection(items: list[str]) -> dict[str, list[int]]:
    selection: dict[str, list[int]] = {}
    for item in items:
        kind, sep, ids = item.partition(":")
        if not sep or kind.strip() not in exchange.kinds():
            raise InputError(f"选择“{item}”格式有误：应为 类型:编号,编号（类型："
                             f"{'、'.join(exchange.kinds())}）。")
        try:
            numbers = [int(x) for x in ids.replace("，", ",").split(",") if x.strip()]
        except ValueError:
            raise InputError(f"选择“{item}”中的编号须为整数。") from None
        if not numbers:
            raise InputError(f"选择“{item}”没有给出编号。")
        selection.setdefault(kind.strip(), []).extend(numbers)
    if not selection:
        raise InputError("请用 --select 类型:编号 指定要导出的记录。")
    return selection


def _key(args: argparse.Namespace, ctx: ServiceContext) -> str:
    key = args.key or os.environ.get(KEY_ENV) or security.get_settings(ctx).exchange_key
    if not key:
        raise InputError(f"未设置交换密钥：请用 --key 给出，或设置 {KEY_ENV}，或由管理员在安全设置中填写。")
    return key


def cmd_export(args: argparse.Namespace) -> int:
    selection = parse_selection(args.select)
    if args.output.is_dir():
        raise InputError(f"“{args.output}”是文件夹，请给出交换包文件名。")
    engine = _open()
    try:
        ctx = _admin_ctx(engine, args.user)
        office = office_settings.get_office(ctx).office_name
        result = exchange.export_package(ctx, selection, args.output, _key(args, ctx), office)
    finally:
        engine.dispose()
    counts = "，".join(f"{exchange.kinds()[k].label} {n} 条" for k, n in result.counts.items())
    print(f"已导出交换包：{result.path}（{counts}；编号 {result.package_id[:8]}）")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        raise InputError(f"找不到交换包文件：{args.file}")
    engine = _open()
    try:
        ctx = _admin_ctx(engine, args.user)
        report = exchange.import_package(ctx, args.file, _key(args, ctx))
    finally:
        engine.dispose()
    print(report.message())
    return 0
