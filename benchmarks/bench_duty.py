"""值班 from the database: seed 60 officers and 12 leaders (with leave), then time building the
Problem, generating a quarter and a year through ``duty.generate`` (the GUI's path: read, solve,
write) and validating the saved roster. Prints figures; a SQLite file in a temporary folder.

    .venv/bin/python benchmarks/bench_duty.py [--year]
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.domain.roster_validate import spreads, validate
from app.services import duty
from app.services.accounts import users as accounts
from app.services.context import ServiceContext
from app.services.duty import roster as duty_roster
from app.storage.migrate import open_database


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    engine = open_database(f"sqlite:///{folder / 'bench.sqlite3'}", folder / "backups")
    ctx = ServiceContext(engine)
    accounts.create_first_admin(ctx, "admin", "Admin-pass-1", "管理员")
    ctx = ctx.with_actor(accounts.login(ctx, "admin", "Admin-pass-1"))
    rnd = random.Random(7)
    ids = []
    for i in range(72):
        role = "leader" if i < 12 else "officer"
        ids.append(duty.save_staff(ctx, duty.StaffInfo(0, f"人员{i + 1}", roles=(role,))).id)
    for sid in rnd.sample(ids, 20):
        start = dt.date(2026, 1, 1) + dt.timedelta(days=rnd.randrange(0, 340))
        duty.add_unavailability(ctx, sid, start, start + dt.timedelta(days=rnd.randrange(2, 10)))
    duty.save_rules(ctx, duty.Rules(roles={"leader": 1, "officer": 2},
                                    min_gap_days={"leader": 3, "officer": 7},
                                    max_per_month={"leader": 4, "officer": 3}))
    periods = [("一季度", dt.date(2026, 1, 1), dt.date(2026, 3, 31))]
    if "--year" in sys.argv:
        periods.append(("全年", dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
    for label, start, end in periods:
        roster = duty.create_roster(ctx, start, end, label)
        t0 = time.perf_counter()
        problem = duty_roster.build_problem(ctx, roster.id)
        t1 = time.perf_counter()
        out = duty.generate(ctx, roster.id, time_limit=15)
        t2 = time.perf_counter()
        saved = duty.get_roster(ctx, roster.id).duties
        bad = validate(problem, [d.key() for d in saved])
        t3 = time.perf_counter()
        print(f"{label}: {len(saved)} duties, status {out.status}; build problem "
              f"{t1 - t0:.2f} s, generate (read+solve+write) {t2 - t1:.2f} s "
              f"(solver {out.seconds:.2f} s), read back + validate {t3 - t2:.2f} s; "
              f"violations {len(bad)}; spreads {spreads(problem, [d.key() for d in saved])}")
    engine.dispose()


if __name__ == "__main__":
    main()
