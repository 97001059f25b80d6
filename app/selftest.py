"""``python -m app --selftest``: check an installation without touching the user's data.

Opens a temporary SQLite database (created and migrated like a real one), creates an
administrator, signs in, builds the main window offscreen and visits every page, verifies the
audit chain, and exits 0 — or prints what failed and exits 1.

Later issues add their own checks: append a function to ``CHECKS``. Each check receives the
``SelfTest`` (``ctx`` signed in as administrator, ``window``, ``tmp`` folder) and returns a short
line describing what it verified; it raises on failure. Checks run in list order after the
built-in ones.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import APP_NAME, __version__

PASSWORD = "Selftest-pass-1"


@dataclass
class SelfTest:
    ctx: Any  # ServiceContext (signed in as administrator)
    window: Any  # MainWindow
    tmp: Path


CHECKS: list[Callable[[SelfTest], str]] = []


def run_selftest(argv: list[str] | None = None) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="govdesk-selftest-") as tmp_name:
        tmp = Path(tmp_name)
        try:
            lines = _run(tmp)
        except Exception:  # report, do not crash
            print(f"{APP_NAME} {__version__} 自检失败：", file=sys.stderr)
            traceback.print_exc()
            return 1
    for line in lines:
        print(f"  ✓ {line}")
    print(f"{APP_NAME} {__version__} 自检通过（{time.perf_counter() - started:.1f} 秒）。")
    return 0


def _run(tmp: Path) -> list[str]:
    from app.services import accounts, audit
    from app.services.context import ServiceContext
    from app.storage.migrate import current_revision, open_database
    from app.ui.application import install_translations
    from app.ui.main_window import MainWindow
    from app.ui.qt import QApplication

    lines = []
    engine = open_database(f"sqlite:///{tmp / 'selftest.sqlite3'}", tmp / "backups")
    try:
        lines.append(f"临时数据库已创建并迁移到修订 {current_revision(engine)}")
        ctx = ServiceContext(engine)
        accounts.create_first_admin(ctx, "selftest", PASSWORD, "自检")
        ctx = ctx.with_actor(accounts.login(ctx, "selftest", PASSWORD))
        lines.append("管理员账户创建与登录正常")
        app = QApplication.instance() or QApplication([sys.argv[0], "-platform", "offscreen"])
        install_translations(app)
        window = MainWindow(ctx, str(tmp / "selftest.sqlite3"), tmp / "ui.ini")
        window.show()
        for key in window.page_keys():
            window.show_page(key)
            app.processEvents()
        lines.append(f"主窗口已构建，{len(window.page_keys())} 个页面可打开")
        for check in CHECKS:
            lines.append(check(SelfTest(ctx, window, tmp)))
        window.close()
        window.deleteLater()
        app.processEvents()
        result = audit.verify(engine)
        if not result.ok:
            raise RuntimeError(result.message())
        lines.append(result.message())
    finally:
        engine.dispose()
    return lines
