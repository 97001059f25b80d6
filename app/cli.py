"""Command line: ``python -m app COMMAND …``.

Each area contributes its sub-commands through a ``register(subparsers)`` function in its own
module; ``COMMANDS`` lists every top-level command with its one-line help and that module, so the
top-level parser (``--help``, an unknown command) is built without importing any command module,
and only the chosen command's module is imported to build its sub-parser (issue 30: the command
line starts at once). A sub-command sets ``func`` (args → exit code). Errors meant for the user
are ``app.errors.UserError``: printed as ``错误：…`` on stderr, with its exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from app import APP_NAME, __version__
from app.errors import UserError, storage_problem

# (command, one-line help, module whose register(subparsers) adds it). A module may add several
# commands (admin: audit, user, db); the help here must equal the help it registers (a test
# checks). Add a line when an area adds a command.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("audit", "审计日志", "app.commands.admin"),
    ("user", "用户账户管理", "app.commands.admin"),
    ("db", "数据库", "app.commands.admin"),
    ("office", "单位模式：普通/涉密（三员分立）", "app.commands.office"),
    ("render", "按 GB/T 9704-2012 排版公文描述文件，输出 PDF 或 DOCX", "app.commands.render"),
    ("template", "公文模板和 Word 表单：列出、检查、批量生成", "app.commands.template"),
    ("roster", "值班排班", "app.commands.roster"),
    ("backup", "数据库备份与恢复（SQLite）", "app.commands.backup"),
    ("exchange", "离线交换包（导出到移动介质 / 从移动介质导入）", "app.commands.exchange"),
    ("incident", "突发事件", "app.commands.incident"),
    ("search", "全文检索（公文、收文、纪要、值班日志、突发事件…）", "app.commands.search"),
    ("docno", "发文字号台账：查看、预留、作废", "app.commands.docno"),
    ("calendar", "节假日安排：录入国务院通知、查看、本地调整、推算工作日", "app.commands.calendar"),
)

# One line per area (each module has register(subparsers)), in the order of COMMANDS.
COMMAND_MODULES: list[str] = list(dict.fromkeys(module for _n, _h, module in COMMANDS))


class _Parser(argparse.ArgumentParser):
    """argparse with Chinese errors and exit code 2, never a traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"错误：命令参数有误：{message}", file=sys.stderr)
        raise SystemExit(2)


def chosen_command(argv: list[str]) -> str | None:
    """The command ``argv`` names (its first word that is not an option), if it is one of ours.

    The top-level parser has no option taking a value (only ``-h`` and ``--version``), so the
    first such word is what argparse will take as the command."""
    words = iter(argv)
    for word in words:
        if word == "--":  # everything after it is positional: the next word is the command
            word = next(words, "")
        elif word.startswith("-"):
            continue
        return word if any(word == name for name, _h, _m in COMMANDS) else None
    return None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``: the full sub-parser of the command it names, a name-and-help
    stand-in for every other command (no module imported). ``argv=None`` builds every command's
    full sub-parser (all command modules imported)."""
    parser = _Parser(prog="python -m app", description=f"{APP_NAME} 命令行")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)
    if argv is None:
        for name in COMMAND_MODULES:
            importlib.import_module(name).register(sub)
        return parser
    chosen = chosen_command(argv)
    if chosen is not None:
        module = next(m for n, _h, m in COMMANDS if n == chosen)
        importlib.import_module(module).register(sub)
    for name, helptext, _module in COMMANDS:
        if name not in sub.choices:  # listed with its help; never parsed (not the chosen one)
            sub.add_parser(name, help=helptext)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return int(func(args) or 0)
    except UserError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except Exception as exc:  # a locked database or a full disk outside the engine (backup, files)
        problem = storage_problem(exc)
        if problem is None:
            raise
        print(f"错误：{problem.message}", file=sys.stderr)
        return problem.exit_code
