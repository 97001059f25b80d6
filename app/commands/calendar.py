"""``calendar``: the office's holiday tables (节假日安排) from the command line.

    calendar parse NOTICE.txt                    the notice read as JSON (nothing stored)
    calendar import NOTICE.txt --admin NAME      store its year as the office's table
    calendar show YEAR                           the year's rest days and make-up workdays
    calendar list                                each year known and its source
    calendar set DATE rest|work|clear --reason R --admin NAME   a local change
    calendar add-workdays DATE N                 the date N working days after DATE

``parse`` needs no database. The others open the office's database (``GOVDESK_DB_URL`` or the
data folder); ``show``, ``list`` and ``add-workdays`` need no sign-in (a holiday table is not
secret). ``add-workdays`` answers even across a year with no table and warns on stderr
(``警告：2027年节假日安排尚未录入，按周末计算``). Bad input: exit 2 and a Chinese message.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from app.errors import InputError

NOTICE_HELP = "通知文本文件（.txt / .docx / 有文字层的 .pdf；“-” 为标准输入）"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calendar", help="节假日安排：录入国务院通知、查看、本地调整、推算工作日")
    cmds = p.add_subparsers(dest="calendar_command", metavar="子命令", required=True)
    c = cmds.add_parser("parse", help="解析节假日安排通知，输出 JSON（不保存）")
    c.add_argument("notice", help=NOTICE_HELP)
    c.set_defaults(func=cmd_parse)
    c = cmds.add_parser("import", help="把通知所属年份存为本单位节假日安排（再次导入同一年则显示变化并替换）")
    c.add_argument("notice", help=NOTICE_HELP)
    c.add_argument("--admin", default="admin", help="执行操作的管理员用户名（默认 admin）")
    c.set_defaults(func=cmd_import)
    c = cmds.add_parser("show", help="显示一年的放假日和调休上班日")
    c.add_argument("year", type=_year, help="年份，如 2027")
    c.set_defaults(func=cmd_show)
    c = cmds.add_parser("list", help="列出已知年份及其来源（程序自带 / 本单位录入）")
    c.set_defaults(func=cmd_list)
    c = cmds.add_parser("set", help="本地调整某一天（如本单位闭馆、地方性节日）")
    c.add_argument("date", type=_date, help="日期，如 2027-03-05")
    c.add_argument("state", choices=["rest", "work", "clear"],
                   help="rest 放假，work 上班，clear 取消本地调整")
    c.add_argument("--reason", default="", help="调整原因（rest/work 必填）")
    c.add_argument("--admin", default="admin", help="执行操作的管理员用户名（默认 admin）")
    c.set_defaults(func=cmd_set)
    c = cmds.add_parser("add-workdays", help="推算 DATE 之后第 N 个工作日")
    c.add_argument("date", type=_date, help="起算日期，如 2026-12-25")
    c.add_argument("n", type=_count, help="工作日数（可为负数，表示向前推算）")
    c.set_defaults(func=cmd_add_workdays)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期“{value}”无效，请写作 YYYY-MM-DD") from None


def _year(value: str) -> int:
    try:
        year = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"年份“{value}”无效") from None
    if not 1900 <= year <= 2200:
        raise argparse.ArgumentTypeError(f"年份 {year} 超出范围（1900–2200）")
    return year


def _count(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"工作日数“{value}”不是整数") from None
    if abs(n) > 3650:
        raise argparse.ArgumentTypeError("工作日数过大（最多 3650）")
    return n


def _notice_text(path: str) -> str:
    from app.services.holidays import MAX_FILE_BYTES, read_notice_file

    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # a text stream (tests, embedding)
            text = sys.stdin.read(MAX_FILE_BYTES + 1)
            if len(text) > MAX_FILE_BYTES:
                raise InputError("标准输入内容过长，不是一份节假日安排通知。")
            return text
        data = stream.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise InputError("标准输入内容过长，不是一份节假日安排通知。")
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
        raise InputError("标准输入不是文本（无法按 UTF-8 或 GB18030 读取）。")
    return read_notice_file(path)


def cmd_parse(args: argparse.Namespace) -> int:
    from app.domain.holiday_notice import notice_json
    from app.services.holidays import parse

    notice = parse(_notice_text(args.notice))
    print(json.dumps(notice_json(notice), ensure_ascii=False))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from app.commands.admin import _admin_ctx, _open
    from app.services import holidays

    text = _notice_text(args.notice)
    holidays.parse(text)  # a bad notice is refused before any password is asked for
    engine = _open()
    try:
        ctx = _admin_ctx(engine, args.admin)
        pre = holidays.preview_notice(ctx, text)
        print(pre.summary())
        for change in pre.changes:
            print("  " + change.describe())
        for _kind, _rid, label, old, new in pre.deadline_changes:
            print(f"  {label}：办理期限 {old.isoformat()} → {new.isoformat()}")
        result = holidays.import_notice(ctx, text, source_name=args.notice)
        print(f"已导入{result.year}年节假日安排，即时生效。")
        return 0
    finally:
        engine.dispose()


def _ctx():  # type: ignore[no-untyped-def]
    from app.commands.admin import _open
    from app.services.context import ServiceContext

    engine = _open()
    return engine, ServiceContext(engine)


def cmd_show(args: argparse.Namespace) -> int:
    from app.services import holidays

    engine, ctx = _ctx()
    try:
        source, days = holidays.year_days(ctx, args.year)
    finally:
        engine.dispose()
    if source is None:
        print(f"警告：{args.year}年节假日安排尚未录入，按周末计算", file=sys.stderr)
        return 1
    label = {"office": "本单位录入", "package": "程序自带"}[source]
    print(f"{args.year}年节假日安排（{label}）")
    for d in days:
        print(f"{d.day.isoformat()}\t{d.mark}\t{d.name}")
    rest = sum(1 for d in days if d.mark == "休")
    work = sum(1 for d in days if d.mark == "班")
    print(f"放假 {rest} 天（不含普通周末），调休上班 {work} 天。")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from app.services import holidays

    engine, ctx = _ctx()
    try:
        for info in holidays.list_years(ctx):
            when = info.imported_at.astimezone().strftime("%Y-%m-%d %H:%M") \
                if info.imported_at else ""
            extra = "\t".join(x for x in (when, info.imported_by, info.digest) if x)
            print(f"{info.year}\t{info.source_label}" + (f"\t{extra}" if extra else ""))
        return 0
    finally:
        engine.dispose()


def cmd_set(args: argparse.Namespace) -> int:
    from app.commands.admin import _admin_ctx, _open
    from app.services import holidays

    engine = _open()
    try:
        ctx = _admin_ctx(engine, args.admin)
        holidays.set_day(ctx, args.date, args.state, args.reason)
        word = {"rest": "放假", "work": "上班", "clear": "取消本地调整"}[args.state]
        print(f"已设置 {args.date.isoformat()}：{word}。")
        return 0
    finally:
        engine.dispose()


def cmd_add_workdays(args: argparse.Namespace) -> int:
    from app.services import holidays

    engine, ctx = _ctx()
    try:
        end, unknown = holidays.add_workdays(ctx, args.date, args.n)
    finally:
        engine.dispose()
    print(end.isoformat())
    for year in unknown:
        print(f"警告：{year}年节假日安排尚未录入，按周末计算", file=sys.stderr)
    return 0
