"""``docno``: the 发文字号 register from the command line, as the signed-in ``--user`` (password
from ``GOVDESK_PASSWORD`` or asked for).

    docno list --user U                       the series (机关代字, year, highest number)
    docno register PREFIX YEAR --user U       every number with state and reason; exit 3 on a gap
    docno reserve PREFIX YEAR --reason R [--count N] --user U
    docno void PREFIX YEAR SEQ --reason R --user U

A gap (a number with no record) must never happen; ``register`` exits 3 so a scheduled check can
alert on it."""

from __future__ import annotations

import argparse
import os

from app.commands.admin import _open, _secret, sign_in
from app.services import documents
from app.services.context import ServiceContext

PASSWORD_ENV = "GOVDESK_PASSWORD"
EXIT_GAP = 3


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("docno", help="发文字号台账：查看、预留、作废")
    cmds = p.add_subparsers(dest="docno_command", required=True)
    c = cmds.add_parser("list", help="列出发文字号序列")
    c.set_defaults(func=_run(_list))
    c = cmds.add_parser("register", help="显示一个序列的台账（有缺号时退出码 3）")
    c.add_argument("prefix", help="机关代字，如 临政办发")
    c.add_argument("year", type=int, help="年份")
    c.set_defaults(func=_run(_register))
    c = cmds.add_parser("reserve", help="预留号码（须写原因）")
    c.add_argument("prefix")
    c.add_argument("year", type=int)
    c.add_argument("--count", type=int, default=1, help="预留个数（默认 1）")
    c.add_argument("--reason", required=True, help="预留原因")
    c.set_defaults(func=_run(_reserve))
    c = cmds.add_parser("void", help="作废一个号码（须写原因）")
    c.add_argument("prefix")
    c.add_argument("year", type=int)
    c.add_argument("seq", type=int, help="序号")
    c.add_argument("--reason", required=True, help="作废原因")
    c.set_defaults(func=_run(_void))
    for parser in cmds.choices.values():
        parser.add_argument("--user", required=True, help="以该用户的身份操作")


def _run(action):  # type: ignore[no-untyped-def]
    def cmd(args: argparse.Namespace) -> int:
        engine = _open()
        try:
            password = os.environ.get(PASSWORD_ENV)
            if password is None:
                password = _secret(f"用户 {args.user} 的密码：")
            return action(sign_in(engine, args.user, password), args)
        finally:
            engine.dispose()
    return cmd


def _list(ctx: ServiceContext, _args: argparse.Namespace) -> int:
    series = documents.list_series(ctx)
    for s in series:
        print(f"{s.prefix}\t{s.year}\t至 {s.last_seq} 号")
    if not series:
        print("尚无发文字号。")
    return 0


def _register(ctx: ServiceContext, args: argparse.Namespace) -> int:
    reg = documents.series_register(ctx, args.prefix, args.year)
    for r in reg.rows:
        doc = f"公文#{r.document_id}" if r.document_id else ""
        print("\t".join(x for x in (r.text, r.label, r.reason or "", doc, r.by or "") if x))
    c = reg.counts()
    print(f"已用 {c['issued']}，预留 {c['reserved']}，作废 {c['void']}，缺号 {c['gap']}。")
    return EXIT_GAP if reg.anomalies else 0


def _reserve(ctx: ServiceContext, args: argparse.Namespace) -> int:
    made = documents.reserve_numbers(ctx, args.prefix, args.year, args.count, args.reason)
    print("已预留：" + "、".join(made))
    return 0


def _void(ctx: ServiceContext, args: argparse.Namespace) -> int:
    print(f"已作废：{documents.void_number(ctx, args.prefix, args.year, args.seq, args.reason)}")
    return 0
