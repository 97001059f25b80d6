"""``python -m app template …``: list, check and render templates in batch.

    template list
    template render TEMPLATE [-d DATA.json] -o OUT.pdf|OUT.docx|OUT.json [--today YYYY-MM-DD]
    template check TEMPLATE [-d DATA.json]

TEMPLATE is a file (.json 公文模板 or .docx Word 表单) or a shipped template's name or stem.
Without ``-d`` a shipped template uses its demo data. Any error exits 2 with a message and leaves
no output file (the file is written to a temporary name and moved into place at the end).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from app.errors import InputError

_SUFFIX_FORMATS = {".pdf": "pdf", ".docx": "docx", ".json": "json"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("template", help="公文模板和 Word 表单：列出、检查、批量生成")
    sub = parser.add_subparsers(dest="template_command", metavar="子命令")

    p_list = sub.add_parser("list", help="列出内置模板")
    p_list.set_defaults(func=_cmd_list)

    p_render = sub.add_parser("render", help="用数据填充模板，输出 PDF、Word 或公文描述 JSON")
    p_render.add_argument("template", help="模板文件（.json/.docx）或内置模板名称")
    p_render.add_argument("-d", "--data", help="数据文件（JSON 对象）；内置模板可省略，使用演示数据")
    p_render.add_argument("-o", "--output", required=True, help="输出文件：.pdf、.docx 或 .json")
    p_render.add_argument("--today", help="把“今天”固定为某日（YYYY-MM-DD），便于重现")
    p_render.set_defaults(func=_cmd_render)

    p_check = sub.add_parser("check", help="检查模板：语法、占位符、生成结果")
    p_check.add_argument("template", help="模板文件（.json/.docx）或内置模板名称")
    p_check.add_argument("-d", "--data", help="示例数据文件；省略时用模板自带的示例数据")
    p_check.set_defaults(func=_cmd_check)

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


def _cmd_list(args: argparse.Namespace) -> int:
    from app.templating import shipped_templates

    for item in shipped_templates():
        print(f"{item.stem}\t{item.name}\t{item.kind}\t{item.form}\t{item.description}")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from app.templating import load_template

    template = load_template(args.template)
    problems = template.check(_data(template, args.data) if args.data else None)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"错误：模板“{template.name}”有 {len(problems)} 处问题。", file=sys.stderr)
        return 2
    print(f"模板“{template.name}”检查通过。")
    return 0


def _cmd_render(args: argparse.Namespace) -> int:
    from app.templating import load_template, render_template

    out = Path(args.output)
    fmt = _SUFFIX_FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise InputError(f"输出文件 {out} 的扩展名应为 .pdf、.docx 或 .json。")
    if not out.parent.is_dir():
        raise InputError(f"输出文件夹不存在：{out.parent}")
    today = _today(args.today)
    template = load_template(args.template)
    data = _data(template, args.data)
    result = render_template(template, data, fmt, today=today)
    _write_atomic(out, result.data)
    for warning in result.warnings:
        print(f"警告：{warning}", file=sys.stderr)
    print(f"已生成 {out}")
    return 0


def _write_atomic(path: Path, data: bytes) -> None:
    """The render command's temp-file-then-replace writer: never a half-written file."""
    from app.commands.render import write_atomic

    try:
        write_atomic(path, data)
    except OSError as exc:
        raise InputError(f"无法写入输出文件 {path}：{exc.strerror or exc}") from None
