"""``python -m app template …``: list, check and render templates in batch.

    template list
    template render TEMPLATE [-d DATA.json] -o OUT.pdf|OUT.docx|OUT.json [--today YYYY-MM-DD]
    template check TEMPLATE [-d DATA.json]

TEMPLATE is a file (.json 公文模板 or .docx Word 表单) or a shipped template's name or stem.
Without ``-d`` a shipped template uses its demo data. Any error exits 2 with a message and leaves
no output file (the file is written to a temporary name and moved into place at the end).

With ``--office`` (or ``--db URL``) TEMPLATE is the office's template in the database (模板 page),
by its name or as ``office:ID``, read as ``--user`` (password from ``GOVDESK_PASSWORD`` or asked
for) through the templates service, so the same permission checks apply; without ``-d`` it uses
the office template's sample data. The database is the configured one (``GOVDESK_DB_URL``,
settings.json, the data folder) unless ``--db`` names another. ``list --office`` lists them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from app.errors import InputError

if TYPE_CHECKING:
    from app.services.context import ServiceContext

_SUFFIX_FORMATS = {".pdf": "pdf", ".docx": "docx", ".json": "json"}
PASSWORD_ENV = "GOVDESK_PASSWORD"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("template", help="公文模板和 Word 表单：列出、检查、批量生成")
    sub = parser.add_subparsers(dest="template_command", metavar="子命令")

    p_list = sub.add_parser("list", help="列出内置模板（加 --office 列出单位模板库中的模板）")
    p_list.set_defaults(func=_cmd_list)

    p_render = sub.add_parser("render", help="用数据填充模板，输出 PDF、Word 或公文描述 JSON")
    p_render.add_argument("template", help="模板文件（.json/.docx）、内置模板名称，"
                          "或（--office）单位模板名称")
    p_render.add_argument("-d", "--data", help="数据文件（JSON 对象）；内置模板可省略，使用演示数据")
    p_render.add_argument("-o", "--output", required=True, help="输出文件：.pdf、.docx 或 .json")
    p_render.add_argument("--today", help="把“今天”固定为某日（YYYY-MM-DD），便于重现")
    p_render.add_argument("--allow-placeholders", action="store_true",
                          help="填充结果中有未填写的占位符（×××、XX、（…）、__ 等）时仍然输出（默认拒绝）")
    p_render.set_defaults(func=_cmd_render)

    p_check = sub.add_parser("check", help="检查模板：语法、占位符、生成结果")
    p_check.add_argument("template", help="模板文件（.json/.docx）、内置模板名称，"
                         "或（--office）单位模板名称")
    p_check.add_argument("-d", "--data", help="示例数据文件；省略时用模板自带的示例数据")
    p_check.set_defaults(func=_cmd_check)

    for p in (p_list, p_render, p_check):
        p.add_argument("--office", action="store_true",
                       help="使用数据库中的单位模板（按名称，或 office:编号）")
        p.add_argument("--db", metavar="URL",
                       help="单位模板所在的数据库（默认为本机配置的数据库；给出即表示 --office）")
        p.add_argument("--user", help="以该用户的身份读取单位模板（密码取自环境变量 "
                       f"{PASSWORD_ENV}，或按提示输入）")

    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


def _today(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"--today 的日期“{text}”无效，应为 YYYY-MM-DD。") from None


def _data(template, path: str | None) -> dict:
    from app.templating import load_data

    if path:
        return load_data(path)
    if template.sample is None:
        raise InputError("请用 -d 指定数据文件（此模板没有自带示例数据）。")
    return dict(template.sample)


def _uses_office(args: argparse.Namespace) -> bool:
    return bool(args.office or args.db)


def _open_engine(url: str):  # type: ignore[no-untyped-def]
    """The database at ``url``, migrated like every command's; a typo never creates a new
    empty database file, and a database that cannot be reached is a message, not a traceback."""
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    from app.config import load_config
    from app.storage.db import sqlite_path
    from app.storage.migrate import open_database

    bad_url = InputError(f"数据库地址“{url}”无效，应形如 sqlite:///路径 或 "
                         "postgresql+psycopg://用户@主机/库名。")
    try:
        path = sqlite_path(url)
    except (ArgumentError, ValueError):
        raise bad_url from None
    if path is not None and not path.is_file():
        raise InputError(f"数据库文件不存在：{path}")
    try:
        return open_database(url, load_config().backups_dir)
    except (ArgumentError, NoSuchModuleError):
        raise bad_url from None
    except DBAPIError as exc:
        raise InputError(f"无法打开数据库：{exc.orig or exc}") from None


@contextmanager
def _office_ctx(args: argparse.Namespace) -> Iterator[ServiceContext]:
    """A signed-in context on the office's database (``--db`` or the configured one)."""
    from app.commands.admin import _secret, sign_in
    from app.config import load_config

    if not args.user:
        raise InputError("使用单位模板（--office/--db）须用 --user 指定以哪位用户的身份读取。")
    engine = _open_engine(args.db or load_config().db_url)
    try:
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            password = _secret(f"用户 {args.user} 的密码：")
        yield sign_in(engine, args.user, password)
    finally:
        engine.dispose()


def _load(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The template named on the command line: a file or shipped template, or (``--office``)
    the office's template from the database, with its sample data."""
    if not _uses_office(args):
        from app.templating import load_template

        return load_template(args.template)
    from app.services import templates

    with _office_ctx(args) as ctx:
        return templates.load(ctx, templates.find_office(ctx, args.template).ref)


def _cmd_list(args: argparse.Namespace) -> int:
    if _uses_office(args):
        from app.services import templates

        with _office_ctx(args) as ctx:
            rows = [t for t in templates.list_templates(ctx) if not t.shipped]
        for t in rows:
            default = "默认" if t.is_default else ""
            print(f"{t.ref}\t{t.name}\t{t.kind}\t{templates.FORMAT_LABELS[t.format]}\t"
                  f"{default}\t{t.description}")
        if not rows:
            print("单位模板库中还没有模板。")
        return 0
    from app.templating import shipped_templates

    for item in shipped_templates():
        print(f"{item.stem}\t{item.name}\t{item.kind}\t{item.form}\t{item.description}")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    template = _load(args)
    problems = template.check(_data(template, args.data) if args.data else None)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"错误：模板“{template.name}”有 {len(problems)} 处问题。", file=sys.stderr)
        return 2
    print(f"模板“{template.name}”检查通过。")
    return 0


def _cmd_render(args: argparse.Namespace) -> int:
    from app.templating import render_template
    from app.templating.wordform import WordForm

    out = Path(args.output)
    fmt = _SUFFIX_FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise InputError(f"输出文件 {out} 的扩展名应为 .pdf、.docx 或 .json。")
    if not out.parent.is_dir():
        raise InputError(f"输出文件夹不存在：{out.parent}")
    today = _today(args.today)
    template = _load(args)
    data = _data(template, args.data)
    if fmt != "json" and not isinstance(template, WordForm):
        from app.services import placeholders

        try:
            placeholders.check(template.render(data, today=today), args.allow_placeholders)
        except placeholders.UnfilledPlaceholders as exc:
            raise InputError(exc.message.replace("请确认后再打印", "请加 --allow-placeholders")) \
                from None
    result = render_template(template, data, fmt, today=today)
    _write_atomic(out, result.data)
    from app.services import output

    for warning in output.typed(result.warnings):
        print(f"警告：{warning.text}", file=sys.stderr)
    print(f"已生成 {out}")
    return 0


def _write_atomic(path: Path, data: bytes) -> None:
    """Through the paper path's writer (atomic: never a half-written file; a full disk says so,
    and that nothing was written)."""
    from app.services import output

    output.save(data, path)
