"""How long each page holds the GUI thread when it is first opened, on an office made by
``benchmarks/generate.py`` — and the longest event-loop gap in the 2 s after (lists read in the
worker; the gap shows what still runs on the GUI thread as their rows arrive). Also: building
and showing the main window, and the 工作台's refresh (its 30 s timer's work): the longest gap
of a 5 ms ticker while ``refresh()`` runs until the new snapshot is painted, three times.

Each run is a fresh process (offscreen main window, administrator with 秘密 clearance, the
工作台 already up), so "first visit" includes importing the page's module — pages are built
on first use, not at start (cold start). Medians over the runs.

    .venv/bin/python -m benchmarks.bench_pages DB_URL [--runs 3] [PAGE ...]

No target of its own: the brief asks that the GUI thread stay free of slow work (a gap over
100 ms is felt as a stutter).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FELT_MS = 100


def child(url: str, keys: list[str]) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from app.ui.qt import QApplication, QEventLoop, QTimer

    qapp = QApplication([])  # noqa: F841 (kept alive for the run)
    from app.domain.security import Clearance, Role
    from app.services.context import Actor, ServiceContext
    from app.storage.migrate import open_database
    from app.ui import pages
    from app.ui.main_window import MainWindow

    engine = open_database(url, Path(tempfile.mkdtemp()) / "backups")
    ctx = ServiceContext(engine, Actor(None, "bench", Role.ADMIN, Clearance.SECRET, "测试"))
    loop = QEventLoop()

    def spin(ms: int) -> None:
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000)
        last[0] = now

    ticker = QTimer()
    ticker.timeout.connect(tick)
    ticker.start(5)
    t = time.perf_counter()
    win = MainWindow(ctx, "bench")
    win.resize(1400, 900)
    win.show()
    built = (time.perf_counter() - t) * 1000
    spin(2000)  # the 工作台's first snapshot
    out: dict[str, tuple[float, float]] = {"main window": (built, 0.0)}
    bench = win.show_page("workbench")
    refreshes = []
    for _ in range(3):
        done = [False]

        def painted() -> None:
            done[0] = True

        bench.refreshed.connect(painted)
        gaps.clear()
        last[0] = time.perf_counter()
        t = time.perf_counter()
        bench.refresh()
        called = (time.perf_counter() - t) * 1000
        while not done[0]:
            spin(5)
        spin(50)  # the ticks after the paint
        bench.refreshed.disconnect(painted)
        refreshes.append((called, max(gaps, default=0.0)))
    out["workbench refresh"] = max(refreshes, key=lambda r: r[1])
    for key in keys or [p.key for p in pages.pages_for(ctx.actor)]:
        if key in ("workbench", "main window", "workbench refresh", "peak memory (MB)"):
            continue
        gaps.clear()
        last[0] = time.perf_counter()
        t = time.perf_counter()
        win.show_page(key)
        shown = (time.perf_counter() - t) * 1000
        gaps.clear()
        last[0] = time.perf_counter()
        spin(2000)
        out[key] = (shown, max(gaps, default=0.0))
    import resource

    out["peak memory (MB)"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0.0)
    print(json.dumps(out))
    sys.stdout.flush()
    os._exit(0)  # (PySide6 6.12 may abort in interpreter finalisation; see app/__main__.py)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_pages")
    ap.add_argument("url")
    ap.add_argument("pages", nargs="*")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_intermixed_args(argv)
    if args.child:
        child(args.url, args.pages)
        return 0
    runs: list[dict[str, list[float]]] = []
    # as bench_office: from compiled bytecode, as an installed app starts (a first run fills the
    # cache; PYTHONDONTWRITEBYTECODE would make each visit compile its page's modules)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "govdesk-bench-pycache")
    for run in range(args.runs + 1):
        got = subprocess.run([sys.executable, "-m", "benchmarks.bench_pages", args.url, "--child",
                              *args.pages], capture_output=True, text=True, check=True,
                             cwd=Path(__file__).resolve().parent.parent, env=env)
        if run:
            runs.append(json.loads(got.stdout.strip().splitlines()[-1]))
    print(f"{'page':18s} {'first visit (GUI thread)':>26s} {'longest gap in the 2 s after':>30s}")
    print("(main window: building and showing it; workbench refresh: the call, and the longest "
          "gap until the snapshot is painted — worst of 3)")
    worst = 0
    for key in runs[0]:
        if key == "peak memory (MB)":
            print(f"peak memory after every page: {max(r[key][0] for r in runs):.0f} MB "
                  "(ru_maxrss, worst run)")
            continue
        shown = statistics.median(r[key][0] for r in runs)
        gap = statistics.median(r[key][1] for r in runs)
        worst = max(worst, shown, gap)
        print(f"{key:18s} {shown:23.0f} ms {gap:27.0f} ms")
    print(f"(medians of {args.runs} fresh processes; over {FELT_MS} ms is felt as a stutter: "
          f"worst {worst:.0f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
