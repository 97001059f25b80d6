"""``python -m app`` starts the GUI; ``python -m app COMMAND …`` runs the command line;
``python -m app --selftest`` checks an installation (temporary database, offscreen window)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "--selftest":
        from app.selftest import run_selftest

        return run_selftest(argv[1:])
    if argv and not argv[0].startswith("-psn"):  # macOS passes -psn_… to GUI apps
        from app.cli import main as cli_main

        return cli_main(argv)
    from app.ui.application import run_gui

    return run_gui()


if __name__ == "__main__":
    sys.exit(main())
