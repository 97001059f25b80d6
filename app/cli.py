"""Command line: ``python -m app COMMAND …``.

Each area contributes its sub-commands through a ``register(subparsers)`` function in its own
module, listed in ``COMMAND_MODULES``; a sub-command sets ``func`` (args → exit code). Errors meant
for the user are ``app.errors.UserError``: printed as ``错误：…`` on stderr, with its exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from app import APP_NAME, __version__
from app.errors import UserError

# One line per area; each module has register(subparsers).
COMMAND_MODULES: list[str] = [
    "app.commands.admin",
    "app.commands.render",
    "app.commands.template",
    "app.commands.roster",
    "app.commands.backup",
    "app.commands.exchange",
    "app.commands.incident",
    "app.commands.search",
    "app.commands.docno",
    "app.commands.calendar",
]


class _Parser(argparse.ArgumentParser):
    """argparse with Chinese errors and exit code 2, never a traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"错误：命令参数有误：{message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m app", description=f"{APP_NAME} 命令行")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
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
