"""公文 list figures: seed N documents (bulk insert), then time what the list does — open (count +
first page), sort by each column (first page), filter (count + first page), jump to the last page —
through the service, as a 内部-cleared clerk (so the clearance filter is in every query), and
through the Qt model (open, scroll to the end). Target: each ≤ 300 ms on 100 000 documents.

    .venv/bin/python benchmarks/bench_documents.py [N=100000] [DB_URL]

Without DB_URL a temporary SQLite file is used.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.domain.security import Clearance, Role
from app.services.context import Actor, ServiceContext
from app.services.documents import drafts as docs
from app.services.documents.drafts import ListQuery
from app.storage.migrate import open_database
from app.storage.models import Document, User

GENRES = ["通知", "通报", "请示", "报告", "函", "意见", "决定", "纪要", "批复"]
TOPICS = ["春节期间值班值守", "防汛抗旱", "安全生产大检查", "森林防火", "财政预算执行", "道路交通安全",
          "消防安全隐患排查", "重大活动安保", "政务公开", "应急预案修订", "突发事件信息报送"]
DRAFTERS = [("wenshu", "王文书"), ("zhang", "张秘书"), ("li", "李科员"), ("zhao", "赵干事")]
STATUSES = ["draft", "reviewed", "signed", "issued", "archived"]
TARGET_MS = 300


def seed(engine, n: int) -> float:
    rnd = random.Random(7)
    start = time.perf_counter()
    base = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    batch = []
    with Session(engine) as s, s.begin():
        for i in range(n):
            genre = rnd.choice(GENRES)
            title = f"关于{rnd.choice(TOPICS)}的{genre}（{i}）"
            level = rnd.choices([0, 1, 2, 3], [60, 25, 10, 5])[0]
            desc = {"title": title, "body": "现将有关事项通知如下。"}
            if level >= 2:
                desc["secrecy"] = "秘密" if level == 2 else "机密"
            when = base + dt.timedelta(minutes=37 * i)
            status = rnd.choice(STATUSES)
            drafter = rnd.choice(DRAFTERS)
            batch.append({
                "genre": genre, "status": status, "year": when.year, "title": title,
                "doc_no": f"临政办发〔{when.year}〕{i + 1}号" if status != "draft" else "",
                "urgency": rnd.choices(["", "加急", "特急"], [85, 10, 5])[0],
                "drafter": drafter[0], "drafter_name": drafter[1], "series_prefix": "临政办发",
                "description": desc, "content_version": 1, "classification": level,
                "created_at": when, "updated_at": when, "version": 1})
            if len(batch) == 5000:
                s.execute(insert(Document), batch)
                batch.clear()
        if batch:
            s.execute(insert(Document), batch)
        s.add(User(username="bench", display_name="测试文书", password_hash="x", role_code="clerk",
                   clearance_level=int(Clearance.INTERNAL), active=True, failed_logins=0,
                   must_change_password=False))
    with engine.begin() as conn:  # fresh statistics for the planner, as a live database has
        conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - start


def timed(fn, repeat: int = 5) -> float:
    """Median wall time in ms."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    tmp = tempfile.TemporaryDirectory()
    url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{tmp.name}/bench.sqlite3"
    engine = open_database(url)
    print(f"seeding {n} documents … {seed(engine, n):.1f} s")
    with Session(engine) as s:
        uid = s.query(User.id).filter(User.username == "bench").scalar()
    ctx = ServiceContext(engine, Actor(uid, "bench", Role.CLERK, Clearance.INTERNAL, "测试文书"))
    q = ListQuery(limit=200)
    figures: list[tuple[str, float]] = []

    def measure(label: str, query: ListQuery) -> None:
        def run() -> None:
            total = docs.count_documents(ctx, query)
            docs.list_documents(ctx, query, total=total)

        figures.append((label, timed(run)))

    measure("open list (count + first page, newest first)", q)
    for col in docs.SORT_COLUMNS:
        measure(f"sort by {col} ↑ (count + first page)", replace(q, sort=col, descending=False))
    measure("filter 文种=请示", replace(q, genre="请示"))
    measure("filter 状态=已签发 + 年度=2024", replace(q, status="signed", year=2024))
    measure("filter 紧急程度=特急, sort by title", replace(q, urgency="特急", sort="title"))
    measure("filter 拟稿人=zhang, sort by doc_no", replace(q, drafter="zhang", sort="doc_no"))
    measure("filter 密级=内部", replace(q, classification=1))
    total = docs.count_documents(ctx, q)
    measure("last page (offset = total − 200)", replace(q, offset=max(0, total - 200)))
    measure("middle page (offset = total / 2), sort by title",
            replace(q, offset=total // 2, sort="title"))

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from app.ui.documents.model import DocumentListModel
    from app.ui.qt import QApplication, QEventLoop, Qt, QTimer

    app = QApplication.instance() or QApplication([])  # noqa: F841 - the model needs one
    model = DocumentListModel(ctx)

    def settle() -> None:
        """The model reads in the worker: run the event loop until its rows are in."""
        loop, poll = QEventLoop(), QTimer()
        poll.timeout.connect(lambda: None if model.loading else loop.quit())
        poll.start(1)
        loop.exec()
        poll.stop()

    def open_model() -> None:
        model.refresh()
        settle()
        model.index(0, 2).data()

    def last_row() -> None:
        model.cache.clear()
        model.index(model.total - 1, 2).data()  # asks the worker for the last page
        settle()

    figures.append(("Qt model: open (count + first page)", timed(open_model)))
    figures.append(("Qt model: sort by title ↓",
                    timed(lambda: (model.sort(2, Qt.SortOrder.DescendingOrder), settle()))))
    figures.append(("Qt model: scroll to the last row", timed(last_row)))

    print(f"\n{n} documents, user cleared 内部 ({total} visible); median of 5 runs; target "
          f"≤ {TARGET_MS} ms")
    worst = 0.0
    for label, ms in figures:
        worst = max(worst, ms)
        print(f"  {ms:8.1f} ms  {label}{'  ← over target' if ms > TARGET_MS else ''}")
    print(f"worst: {worst:.1f} ms")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
