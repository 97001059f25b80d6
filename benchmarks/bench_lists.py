"""How long one page of each long list takes to read, by its position in the list: OFFSET
(what every list did before issue 30, and what a jump of the scroll bar still does) against
keyset paging (``app.services.paging``: the page read from the row beside it, what scrolling
does now).

    .venv/bin/python -m benchmarks.bench_lists DB_URL [--runs 5] [--page 200]

For each list the page at 0 %, 25 %, 50 %, 75 % and the last page is read ``--runs`` times both
ways (the seek key — the last row of the page before — is read first, outside the timing);
medians in ms. The 公文 list by offset is given the total, as its model does, so a page in the
second half is read backwards from the end (at most half the list is skipped). Target (issue
30): any page ≤ 10 ms at 100 000 rows. ``--cpu`` times the process's CPU instead of the wall
clock (SQLite reads in-process; on a loaded shared machine wall time mostly measures the others).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

POSITIONS = (0.0, 0.25, 0.5, 0.75, 1.0)


Fetch = Callable[..., list[Any]]


def lists(ctx, page: int) -> dict[str, tuple[int, Fetch, Callable[[Any], tuple]]]:  # type: ignore[no-untyped-def]
    """name → (total, fetch(offset, limit, seek), key(row))."""
    from app.services.audit_review import review as audit_log
    from app.services.documents import drafts as docs
    from app.services.duty import desk as duty_desk
    from app.services.incidents import reports as incidents
    from app.services.minutes import meetings as mn

    q = docs.ListQuery(limit=page)
    total_docs = docs.count_documents(ctx, q)
    newest = audit_log.page(ctx, audit_log.AuditFilter(), 0, 1)
    pinned = audit_log.AuditFilter(upto_seq=newest[0].seq if newest else 0)
    out = {
        "公文 (修改时间)": (total_docs, lambda o, n, seek: docs.list_documents(
            ctx, docs.ListQuery(offset=o, limit=n, seek=seek), total=total_docs),
            lambda r: docs.row_key(r, "updated_at")),
        "公文 (标题)": (total_docs, lambda o, n, seek: docs.list_documents(
            ctx, docs.ListQuery(sort="title", descending=False, offset=o, limit=n, seek=seek),
            total=total_docs), lambda r: docs.row_key(r, "title")),
        "突发事件": (incidents.count_incidents(ctx), lambda o, n, seek: incidents.list_incidents(
            ctx, o, n, seek=seek), incidents.list_key),
        "会议": (mn.count_meetings(ctx), lambda o, n, seek: mn.list_meetings(
            ctx, offset=o, limit=n, seek=seek), mn.meeting_key),
        "值班记录": (duty_desk.count_log(ctx), lambda o, n, seek: duty_desk.list_log(
            ctx, o, n, seek=seek), duty_desk.log_key),
        "审计日志": (audit_log.count(ctx, pinned), lambda o, n, seek: audit_log.page(
            ctx, pinned, o, n, seek=seek), lambda r: (r.seq,)),
    }
    return out


CLOCK = time.perf_counter


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = CLOCK()
        fn()
        times.append((CLOCK() - t) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_lists")
    ap.add_argument("url")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--page", type=int, default=200)
    ap.add_argument("--cpu", action="store_true",
                    help="CPU time of this process (SQLite reads in-process) instead of wall "
                         "time: on a loaded shared machine the wall clock mostly measures others")
    args = ap.parse_args(argv)
    global CLOCK
    CLOCK = time.process_time if args.cpu else time.perf_counter
    from app.domain.security import Clearance, Role
    from app.services.context import Actor, ServiceContext
    from app.services.paging import Seek
    from app.storage.migrate import open_database

    engine = open_database(args.url, Path(tempfile.mkdtemp()) / "backups")
    ctx = ServiceContext(engine, Actor(None, "bench", Role.ADMIN, Clearance.SECRET, "测试"))
    size = args.page
    print(f"one page of {size} rows, median of {args.runs} reads, ms "
          f"({'CPU' if args.cpu else 'wall'}): offset / keyset")
    print(f"{'list':14s} {'rows':>7s}  " + "  ".join(f"{p:>13.0%}" for p in POSITIONS))
    worst = 0.0
    for name, (total, fetch, key) in lists(ctx, size).items():
        if total <= size:
            print(f"{name:14s} {total:7d}  (one page: nothing to compare)")
            continue
        cells = []
        for p in POSITIONS:
            last_page = max(0, (total - 1) // size)
            number = min(last_page, round(p * last_page))
            offset = number * size
            by_offset = median_ms(lambda o=offset: fetch(o, size, None), args.runs)
            if number == 0:
                by_seek = by_offset  # the first page has nothing before it: read from the top
            else:
                before = fetch(offset - 1, 1, None)[0]
                seek = Seek(tuple(key(before)), after=True)
                got = fetch(offset, size, seek)
                assert [getattr(r, "id", getattr(r, "seq", None)) for r in got] == [
                    getattr(r, "id", getattr(r, "seq", None)) for r in fetch(offset, size, None)]
                by_seek = median_ms(lambda s=seek: fetch(0, size, s), args.runs)
            worst = max(worst, by_seek)
            cells.append(f"{by_offset:6.1f}/{by_seek:<6.1f}")
        print(f"{name:14s} {total:7d}  " + "  ".join(cells))
    print(f"(keyset: worst page {worst:.1f} ms; target ≤ 10 ms)")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
