"""How long each page holds the GUI thread when it is first opened, on an office made by
``benchmarks/generate.py`` — and the longest event-loop gap in the 2 s after (lists read in the
worker; the gap shows what still runs on the GUI thread as their rows arrive). Also: building
and showing the main window, and the 工作台's refresh (its 30 s timer's work): the longest gap
of a 5 ms ticker while ``refresh()`` runs until the new snapshot is painted, three times. Then
the global search (Ctrl+K) with queries typed key by key, each until its results — and, for a
broad one, its true counts — are shown; and the peak memory of the process after all of it
(issue 30: ≤ 200 MB at full scale), with the resident size after each step.

The window starts as ``run_gui`` starts it: Qt's Chinese translations, and the bundled 黑体 as
the interface font when the desk has no Chinese font (as this test machine has none; with boxes
for every character, Qt would rasterise no Chinese glyph and the memory figure would be low).

Each run is a fresh process (offscreen main window, administrator with 秘密 clearance, the
工作台 already up), so "first visit" includes importing the page's module — pages are built
on first use, not at start (cold start). Medians over the runs.

    .venv/bin/python -m benchmarks.bench_pages DB_URL [--runs 3] [PAGE ...]

No time target of its own: the brief asks that the GUI thread stay free of slow work (a gap
over 100 ms is felt as a stutter).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.gui import installed_env, warm_page_cache  # noqa: E402

FELT_MS = 100
MEMORY_TARGET_MB = 200  # issue 30: after every page and searching, full-scale office
#: typed key by key into the global search (the first two broad: their counts come afterwards)
QUERIES = ("安全生产", "值班", "应急管理", "春节", "政")
KEY_MS = 150  # between two keys: a brisk typist


def _rss_mb() -> float:
    """The resident size now (``ru_maxrss`` is the peak)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def child(url: str, keys: list[str]) -> None:
    from benchmarks.gui import office_ctx, start_qt

    _qapp, bundled_font = start_qt()
    from app.ui import pages
    from app.ui.main_window import MainWindow
    from app.ui.qt import QEventLoop, QTimer

    ctx = office_ctx(url)
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
    rss: dict[str, float] = {"main window": _rss_mb()}
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
    rss["workbench refresh"] = _rss_mb()
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
        rss[key] = _rss_mb()
    # the global search, typed: the longest gap from the first key until the last query's
    # results (and counts) are shown
    dialog = win.open_search()
    gaps.clear()
    last[0] = time.perf_counter()
    t = time.perf_counter()
    for query in QUERIES:
        dialog.query.clear()
        for n in range(1, len(query) + 1):
            dialog.query.setText(query[:n])
            spin(KEY_MS)
        deadline = time.perf_counter() + 60
        while time.perf_counter() < deadline and (
                dialog.results is None or dialog.results.query != query
                or (not dialog.results.counts_exact and dialog.hit_counts is None)):
            spin(10)
    out["search (typed)"] = ((time.perf_counter() - t) * 1000, max(gaps, default=0.0))
    rss["search (typed)"] = _rss_mb()
    import resource

    out["peak memory (MB)"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                               float(len(sys.modules)))
    print(json.dumps({"times": out, "rss": rss, "font": bundled_font}))
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
    env = installed_env()
    for run in range(args.runs + 1):
        warm_page_cache(args.url)  # a desk's program files are cached (benchmarks/gui.py)
        got = subprocess.run([sys.executable, "-m", "benchmarks.bench_pages", args.url, "--child",
                              *args.pages], capture_output=True, text=True, check=True,
                             cwd=Path(__file__).resolve().parent.parent, env=env)
        if run:
            runs.append(json.loads(got.stdout.strip().splitlines()[-1]))
    print(f"{'page':18s} {'first visit (GUI thread)':>26s} {'longest gap in the 2 s after':>30s}"
          f" {'RSS after':>10s}")
    print("(main window: building and showing it; workbench refresh: the call, and the longest "
          "gap until the snapshot is painted — worst of 3; search (typed): from the first key "
          f"until the last of {len(QUERIES)} queries is shown with its counts, and the longest "
          "gap meanwhile)")
    worst = 0
    times = [r["times"] for r in runs]
    for key in times[0]:
        if key == "peak memory (MB)":
            continue
        shown = statistics.median(r[key][0] for r in times)
        gap = statistics.median(r[key][1] for r in times)
        if key != "search (typed)":
            worst = max(worst, shown, gap)
        rss = statistics.median(r["rss"][key] for r in runs)
        print(f"{key:18s} {shown:23.0f} ms {gap:27.0f} ms {rss:7.0f} MB")
    print(f"(medians of {args.runs} fresh processes; over {FELT_MS} ms is felt as a stutter: "
          f"worst {worst:.0f} ms; interface font: {runs[0]['font']})")
    peaks = [r["peak memory (MB)"][0] for r in times]
    peak = max(peaks)
    verdict = "OK" if peak <= MEMORY_TARGET_MB else "MISSED"
    print(f"peak memory after every page and searching: {peak:.0f} MB (ru_maxrss, worst of "
          f"{', '.join(f'{p:.0f}' for p in peaks)}; {times[0]['peak memory (MB)'][1]:.0f} "
          f"modules)   ≤ {MEMORY_TARGET_MB} MB  {verdict}")
    return int(verdict == "MISSED")


if __name__ == "__main__":
    raise SystemExit(main())
