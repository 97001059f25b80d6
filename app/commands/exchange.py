"""``python -m app exchange export|import|verify|passphrase`` — air-gap exchange packages
(app.services.exchange.packages).

    python -m app exchange export --select documents:1,2 --select incidents:7 -o 交换包.gdx
    python -m app exchange import 交换包.gdx
    python -m app exchange verify 交换包.gdx          # check a package, write nothing
    python -m app exchange passphrase --user admin    # set or rotate the office's passphrase

The acting user is ``--user`` (default ``admin``), password from ``GOVDESK_ADMIN_PASSWORD`` or
asked for. The exchange passphrase is ``GOVDESK_EXCHANGE_KEY``, else asked for (typed without
echo; read as a line from standard input when it is not a terminal); ``--key`` still works but
leaves the passphrase in the shell history. The program never stores it: the security settings
keep only a verifier, against which export checks it.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from app.commands.admin import _admin_ctx, _open, _secret
from app.errors import InputError
from app.services import accounts, exchange
from app.services import office as office_settings

KEY_ENV = "GOVDESK_EXCHANGE_KEY"


def register(sub: argparse._SubParsersAction) -> None:
    p_ex = sub.add_parser("exchange", help="离线交换包（导出到移动介质 / 从移动介质导入）")
    e_sub = p_ex.add_subparsers(dest="exchange_command", metavar="子命令", required=True)
    p = e_sub.add_parser("export", help="导出所选记录为一个加密的交换包文件（SM4-GCM）")
    p.add_argument("--select", action="append", default=[], metavar="类型:编号,…",
                   help=f"要导出的记录，可多次给出；类型：{'、'.join(exchange.kinds())}")
    p.add_argument("-o", "--output", type=Path, required=True, help="交换包文件")
    p.set_defaults(func=cmd_export)
    p = e_sub.add_parser("import", help="校验并导入交换包（有任何问题则不写入任何内容）")
    p.add_argument("file", type=Path)
    p.set_defaults(func=cmd_import)
    p = e_sub.add_parser("verify", help="只校验交换包并显示其格式、算法和记录数，不导入")
    p.add_argument("file", type=Path)
    p.set_defaults(func=cmd_verify)
    for name in ("export", "import", "verify"):
        e_sub.choices[name].add_argument(
            "--key", default=None, help=f"交换口令（不建议：会留在命令历史中；默认取 {KEY_ENV} 或提示输入）")
    p = e_sub.add_parser("passphrase", help="设置或更换本单位的交换口令（管理员；只保存校验值）")
    p.add_argument("--clear", action="store_true", help="清除已设置的交换口令")
    p.set_defaults(func=cmd_passphrase)
    for p in e_sub.choices.values():
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


def _key(args: argparse.Namespace) -> str:
    key = args.key or os.environ.get(KEY_ENV)
    if key is None:
        key = _secret("交换口令：")
    if not key.strip():
        raise InputError(f"未给出交换口令：请在提示时输入，或设置环境变量 {KEY_ENV}。")
    return key


def _package(path: Path) -> Path:
    if not path.is_file():
        raise InputError(f"找不到交换包文件：{path}")
    return path


def cmd_export(args: argparse.Namespace) -> int:
    selection = parse_selection(args.select)
    if args.output.is_dir():
        raise InputError(f"“{args.output}”是文件夹，请给出交换包文件名。")
    engine = _open()
    try:
        ctx = _admin_ctx(engine, args.user)
        office = office_settings.get_office(ctx).office_name
        result = exchange.export_package(ctx, selection, args.output, _key(args), office)
    finally:
        engine.dispose()
    counts = "，".join(f"{exchange.kinds()[k].label} {n} 条" for k, n in result.counts.items())
    print(f"已导出交换包：{result.path}（{counts}；{result.algorithm} 加密；"
          f"编号 {result.package_id[:8]}）")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    path = _package(args.file)
    engine = _open()
    try:
        ctx = _admin_ctx(engine, args.user)
        report = exchange.import_package(ctx, path, _key(args))
    finally:
        engine.dispose()
    print(report.message())
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    summary = exchange.read_package(_package(args.file), _key(args))
    info = summary.info
    counts = "，".join(f"{exchange.kinds()[k].label} {n} 条" for k, n in summary.counts.items())
    print(f"交换包校验通过：{info.describe()}；编号 {info.package_id[:8]}；"
          f"来源 {info.office or '未注明'}（{info.exported_by or '未注明'}）；{counts or '无记录'}。")
    return 0


def cmd_passphrase(args: argparse.Namespace) -> int:
    engine = _open()
    try:
        ctx = _admin_ctx(engine, args.user)
        if args.clear:
            accounts.set_exchange_passphrase(ctx, "", "")
            print("已清除交换口令。")
            return 0
        new = _secret("新的交换口令：")
        confirm = _secret("再次输入新的交换口令：")
        info = accounts.set_exchange_passphrase(ctx, new, confirm)
    finally:
        engine.dispose()
    print("交换口令已设置（本机只保存其校验值）。" if info.exchange_passphrase_set else "")
    return 0
