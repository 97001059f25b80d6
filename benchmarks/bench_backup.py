"""Backups of a whole office (issue 30): size and time of the old plain copy and of the new
backup, and of a restore with its index rebuild; the restored office must search the same.

    .venv/bin/python -m benchmarks.bench_backup OFFICE.sqlite3 [--work FOLDER] [--skip-plain]

``OFFICE.sqlite3`` (made by ``benchmarks.generate``) is never written: it is copied into
``--work`` (default: a temporary folder beside it) and everything happens on the copy, in a
private data folder with its own audit key (so backups carry a signed manifest and the restore
verifies it, as on a desk). Opening the copy migrates it to the current schema first (timed: at
full scale that is revision 0019, which stores 公文 bodies once). Printed:

* the database file (and how much of it is in use after the migration);
* the old format: the online-backup copy of the whole file (``backup.copy_database``);
* the new format: ``backup.create_backup`` (snapshot without the index, Zstandard) and its
  share of the database file (goal ≤ 20 %), with the time per stage;
* ``backup.restore`` of the new backup into the live copy: decompress, verify (manifest, audit
  chain, table set), rebuild the full-text index, the safety copy of what it replaces;
* exact search counts and the first page of hits of a few queries, before and after: equal.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

QUERIES = ["安全生产", "值班", "政", "应急管理", "春节"]


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


class Stages:
    """Seconds spent in each stage text reported through ``progress``."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self.text = ""
        self.at = time.perf_counter()

    def __call__(self, _percent: int, text: str) -> None:
        now = time.perf_counter()
        if self.text:
            self.times[self.text] = self.times.get(self.text, 0.0) + now - self.at
        self.text, self.at = text, now

    def done(self) -> str:
        self("", "")
        return "，".join(f"{t} {s:.1f} s" for t, s in self.times.items() if t)


def _answers(ctx, search) -> dict[str, tuple]:  # type: ignore[no-untyped-def]
    out = {}
    for q in QUERIES:
        counts = search.count_hits(ctx, q)
        res = search.search(ctx, q)
        out[q] = (counts.counts, [(h.kind, h.record_id) for h in res.hits])
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="整库备份与恢复的大小和用时（不改动给定的数据库文件）。")
    p.add_argument("office", help="benchmarks.generate 生成的 SQLite 数据库文件（或其 sqlite:/// URL）")
    p.add_argument("--work", type=Path, default=None, help="工作文件夹（默认：其旁的临时文件夹）")
    p.add_argument("--skip-plain", action="store_true", help="不测旧格式（整库复制）")
    args = p.parse_args(argv)
    args.office = Path(args.office.removeprefix("sqlite:///"))
    if not args.office.is_file():
        print(f"错误：找不到数据库文件 {args.office}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench-backup-", dir=args.work or args.office.parent))
    data = work / "data"
    data.mkdir()
    os.environ["GOVDESK_DATA_DIR"] = str(data)
    try:
        return _run(args, work, data)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(args: argparse.Namespace, work: Path, data: Path) -> int:
    from app.domain.security import Clearance, Role
    from app.services.audit import key as audit_key
    from app.services.backup import files as backup
    from app.services.context import Actor, ServiceContext
    from app.services.search import index as search
    from app.storage.migrate import open_database

    live = data / "govdesk.sqlite3"
    office_bytes = _size(args.office)
    print(f"办公室数据库文件：{_mb(office_bytes)}")
    t = time.perf_counter()
    subprocess.run(["cp", "--reflink=auto", str(args.office), str(live)], check=True)
    print(f"复制办公室数据（不计时）：{time.perf_counter() - t:.1f} s")
    audit_key.create()
    folder = data / "backups"
    url = f"sqlite:///{live}"
    t = time.perf_counter()
    engine = open_database(url, folder / "pre-migration")
    print(f"打开（含迁移到当前结构）：{time.perf_counter() - t:.1f} s")
    import sqlite3

    con = sqlite3.connect(str(live))
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages, free, size = (con.execute(f"PRAGMA {x}").fetchone()[0]
                         for x in ("page_count", "freelist_count", "page_size"))
    con.close()
    print(f"迁移后数据库文件：{_mb(_size(live))}（其中在用 {_mb((pages - free) * size)}）")
    db_bytes = office_bytes  # the share is of the office's file as it was (issue 30: 2.9 GB)
    admin = ServiceContext(engine, Actor(None, "bench", Role.ADMIN, Clearance.CONFIDENTIAL,
                                         "基准"))
    reader = ServiceContext(engine, Actor(None, "reader", Role.CLERK, Clearance.CONFIDENTIAL,
                                          "读者"))
    before = _answers(reader, search)
    for q in QUERIES:
        print(f"  检索“{q}”：" + "，".join(f"{search.KIND_LABELS.get(k, k)} {n}"
                                        for k, n in before[q][0].items()))

    if not args.skip_plain:
        plain = folder / "plain" / "govdesk-manual-plain.sqlite3"
        t = time.perf_counter()
        backup.copy_database(live, plain)
        secs = time.perf_counter() - t
        print(f"旧格式（整库联机复制）：{_mb(plain.stat().st_size)}，{secs:.1f} s，"
              f"占数据库文件 {plain.stat().st_size / db_bytes:.0%}")
        plain.unlink()

    stages = Stages()
    t = time.perf_counter()
    info = backup.create_backup(engine, folder, progress=stages)
    secs = time.perf_counter() - t
    share = info.size / db_bytes
    print(f"新格式（不含索引，Zstandard 压缩）：{_mb(info.size)}，{secs:.1f} s"
          f"（{stages.done()}），占数据库文件 {share:.1%}（目标 ≤ 20%）"
          f"{'' if share <= 0.20 else '　未达标'}")
    print(f"  14 份自动备份：旧格式约 {_mb(14 * db_bytes)}，新格式约 {_mb(14 * info.size)}")

    stages = Stages()
    t = time.perf_counter()
    check, safety = backup.restore(admin, info.path, folder, progress=stages)
    secs = time.perf_counter() - t
    print(f"恢复（解压、校验、重建全文索引、保留原库副本）：{secs:.1f} s（{stages.done()}）；"
          f"审计记录 {check.audit_events} 条，校验清单{'已核对' if check.manifest else '缺失'}")
    engine.dispose()
    engine = open_database(url, folder)
    try:
        reader = ServiceContext(engine, reader.actor)
        after = _answers(reader, search)
    finally:
        engine.dispose()
    same = after == before
    print(f"恢复后检索结果与恢复前{'一致' if same else '不一致！'}（{len(QUERIES)} 个检索词的计数与首页）")
    return 0 if same and share <= 0.20 else 1


if __name__ == "__main__":
    sys.exit(main())
