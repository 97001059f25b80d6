"""突发事件 figures: a year of seeded incidents (each with a sent 首报, some open, some with
follow-ups), then the duty screen's ``open_clocks``, one list page and the statistics of the
year.

    .venv/bin/python benchmarks/bench_incidents.py [N_INCIDENTS] [EMPTY_DB_URL]
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.orm import Session

from app.domain import incident_rules as R
from app.services.accounts import users as accounts
from app.services.context import ServiceContext
from app.services.incidents import reports as svc
from app.storage.migrate import open_database
from app.storage.models import Incident, IncidentReport


def seed(engine, n: int, now: dt.datetime) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    cats = list(R.CATEGORIES)
    with Session(engine) as s, s.begin():
        for i in range(n):
            level = rng.choice([2, 3, 3, 4, 4, 4])
            received = now - dt.timedelta(minutes=rng.randrange(10, 365 * 24 * 60))
            rule = svc._rule_json(R.DEFAULT_RULES.rule_for(level))
            closed = i % 20 != 0  # 5 % still open
            inc = Incident(title=f"事件{i}", category=rng.choice(cats), subtype="", level=level,
                           received_at=received, occurred_at=received - dt.timedelta(minutes=10),
                           place=f"某地{i}", summary="某事件。", status="closed" if closed else "open",
                           daily_mode=False, rule=rule, change_times=[], leaders_on_site=[],
                           commander={}, classification=rng.choice([0, 0, 0, 1]))
            s.add(inc)
            s.flush()
            sent = received + dt.timedelta(minutes=rng.randrange(20, 150))
            chain = [("first", None)] + [("follow_up", k) for k in range(1, rng.randrange(1, 4))]
            if closed:
                chain.append(("final", None))
            for seq, (kind, number) in enumerate(chain, 1):
                s.add(IncidentReport(incident_id=inc.id, seq=seq, kind=kind, number=number,
                                     channel="written", daily=False, status="sent", snapshot={},
                                     changes=[], progress="", drafted_by="", signed_by="领导",
                                     signed_at=sent, sent_to="市政府", sent_at=sent, sent_by="",
                                     classification=inc.classification))
                sent += dt.timedelta(hours=rng.choice([6, 20, 30]))


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    now = dt.datetime(2026, 12, 31, 12, 0)
    with tempfile.TemporaryDirectory() as tmp:
        url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{tmp}/bench.sqlite3"
        engine = open_database(url, Path(tmp) / "backups")
        base = ServiceContext(engine, None, lambda: now.astimezone())
        accounts.create_first_admin(base, "admin", "Admin-pass-1", "管理员")
        ctx = base.with_actor(accounts.login(base, "admin", "Admin-pass-1"))
        t = time.perf_counter()
        seed(engine, n, now)
        print(f"seed {n} incidents with their chains: {time.perf_counter() - t:.2f} s")
        for label in ("open_clocks (first: records misses)", "open_clocks (again)"):
            t = time.perf_counter()
            clocks = svc.open_clocks(ctx)
            print(f"{label}: {len(clocks)} clocks in {time.perf_counter() - t:.3f} s")
        t = time.perf_counter()
        rows = svc.list_incidents(ctx, 0, 100)
        total = svc.count_incidents(ctx)
        print(f"list page of {len(rows)} + count {total}: {time.perf_counter() - t:.3f} s")
        t = time.perf_counter()
        stats = svc.statistics(ctx, 2026)
        print(f"statistics of the year ({stats.total} incidents): {time.perf_counter() - t:.2f} s")
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
