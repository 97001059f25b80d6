"""督办 board figures on a seeded database: N decisions over N/10 meetings (bulk-inserted, the
service is not what is measured here), then the timings of what the UI does — first board page,
count, per-unit statistics, the monthly chart, the meetings list page — and the XLSX 通报.

    .venv/bin/python benchmarks/bench_minutes.py [N] [EMPTY_DB_URL]
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

from app.domain import supervision as sv
from app.domain.security import Clearance, Role
from app.services.context import Actor, ServiceContext
from app.services.minutes import meetings as mn
from app.storage.migrate import open_database
from app.storage.models.minutes import Decision, Meeting, MeetingType, Topic

UNITS = [f"市{n}局" for n in ("交通运输", "民政", "财政", "应急管理", "公安", "教育", "卫健",
                              "住建", "生态环境", "农业农村", "商务", "文旅")]


def seed(engine, n: int) -> None:
    rnd = random.Random(1)
    statuses = list(sv.Status)
    now = dt.datetime.now(dt.UTC)
    with Session(engine) as s, s.begin():
        t = MeetingType(name="常务会议", organ="市政府", mark="临江市人民政府常务会议纪要")
        s.add(t)
        s.flush()
        for k in range(max(n // 10, 1)):
            day = dt.date(2024, 1, 1) + dt.timedelta(days=k % 900)
            m = Meeting(type_id=t.id, seq=k + 1, date=day, time="", venue="第一会议室", host="赵志远",
                        host_title="市长", recorder="卫晓东", status="draft", classification=0,
                        issued_by="")
            s.add(m)
            s.flush()
            tp = Topic(meeting_id=m.id, position=1, title=f"议题{k}", unit="", materials="",
                       summary="")
            s.add(tp)
            s.flush()
            for j in range(10):
                st = rnd.choice(statuses)
                due = day + dt.timedelta(days=rnd.randint(5, 60))
                done = due + dt.timedelta(days=rnd.randint(-10, 5)) if st in sv.DONE_STATUSES \
                    else None
                s.add(Decision(meeting_id=m.id, topic_id=tp.id, position=j + 1,
                               text=f"议定事项{k}-{j}", lead_unit=rnd.choice(UNITS),
                               lead_person="", coop_units="", deadline=due, status=st.value,
                               completed_on=done, created_at=now, updated_at=now, version=1))


def timed(label: str, fn, repeat: int = 3):  # type: ignore[no-untyped-def]
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    print(f"{label}: {best * 1000:.1f} ms")
    return out


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    with tempfile.TemporaryDirectory() as tmp:
        url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{tmp}/bench.sqlite3"
        engine = open_database(url, Path(tmp) / "backups")
        t = time.perf_counter()
        seed(engine, n)
        print(f"seed {n} decisions / {max(n // 10, 1)} meetings: {time.perf_counter() - t:.1f} s")
        ctx = ServiceContext(engine, Actor(None, "bench", Role.CLERK, Clearance.CONFIDENTIAL))
        today = dt.date(2025, 6, 30)
        f = mn.BoardFilter()
        timed("board first page (200 rows)", lambda: mn.board(ctx, f, today, limit=200))
        timed("board count", lambda: mn.count_board(ctx, f, today))
        timed("board filtered by unit + overdue", lambda: mn.board(
            ctx, mn.BoardFilter(unit="民政", reminder=sv.Reminder.OVERDUE), today, limit=200))
        timed("per-unit statistics (all decisions)", lambda: mn.unit_stats(ctx, today))
        timed("monthly on-time chart", lambda: mn.monthly_on_time(ctx, 2024, today))
        timed("meetings list first page", lambda: mn.list_meetings(ctx, limit=200))
        timed("XLSX 通报 (open decisions)", lambda: mn.export_xlsx(
            ctx, Path(tmp) / "通报.xlsx", today, f), repeat=1)
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
