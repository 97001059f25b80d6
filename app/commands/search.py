"""``search QUERY``: the global full-text search from the command line, as the signed-in user
``--user`` sees it (password from ``GOVDESK_PASSWORD`` or asked for; the clearance filter is the
service's, so nothing above the user's clearance is printed or counted). Matches are bracketed
【like this】. Exit code 0 with hits, 1 without."""

from __future__ import annotations

import argparse
import os

from app.commands.admin import _open, _secret, sign_in
from app.services import search

PASSWORD_ENV = "GOVDESK_PASSWORD"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("search", help="全文检索（公文、收文、纪要、值班日志、突发事件…）")
    p.add_argument("query", help="检索词（一个字、两个字或更长；空格分隔的词须同时出现）")
    p.add_argument("--user", required=True, help="以该用户的身份和知悉范围检索")
    p.add_argument("--kind", action="append", help="只检索该类别（可重复）：" + "、".join(
        f"{k}={v}" for k, v in search.KIND_LABELS.items()))
    p.add_argument("--limit", type=int, default=20, help="最多显示条数（默认 20）")
    p.set_defaults(func=cmd_search)


def cmd_search(args: argparse.Namespace) -> int:
    engine = _open()
    try:
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            password = _secret(f"用户 {args.user} 的密码：")
        ctx = sign_in(engine, args.user, password)
        res = search.search(ctx, args.query, kinds=args.kind, limit=max(1, args.limit))
        # a broad query's window counts only its newest hits: count them all (issue 30)
        hc = (search.HitCounts(res.query, res.counts) if res.counts_exact
              else search.count_hits(ctx, args.query))
    finally:
        engine.dispose()
    kinds = [k for k in hc.counts if not args.kind or k in args.kind]
    counts = "，".join(f"{search.KIND_LABELS.get(k, k)} {hc.label(k)}" for k in kinds)
    total = sum(hc.counts[k] for k in kinds)
    capped = any(k in hc.capped for k in kinds)
    print(f"共 {'至少 ' if capped else ''}{total} 条" + (f"（{counts}）" if counts else "") + "。")
    for h in res.hits:
        print(f"[{h.kind_label} #{h.record_id}] {h.title.marked()}")
        if h.snippet.text:
            print(f"    {h.snippet.marked()}")
    return 0 if res.hits else 1
