"""Many desks on one database (issue 32): N desk processes running a realistic loop at once.

    python -m benchmarks.bench_desks DB_URL [--desks 4,10,20] [--seconds 25] [--fault]
    python3 dev.py bench desks DB_URL …

``DB_URL`` is an office made by ``benchmarks.generate`` (SQLite or PostgreSQL); its data is
changed (documents created and signed, log entries, progress reports), so use a copy. Each desk
is a process with its own engine, signed in as its own user (文书 + 值班员 + 领导, 机密), and loops
without pause through:

    list      the 公文 list: count + first page of 100
    search    a 1–4 character query, first page with counts
    create    a new 通知 (draft)
    edit      the draft changed once
    review    核稿
    sign      签发 with a 发文字号 (series 临办发, this year)
    duty      a 值班 log entry (来电)
    progress  a 督办 progress report on an open decision

Printed per configuration: p50/p95/p99/max per operation (ms) and the desk process's CPU per
operation, 签发 throughput (per second), errors by kind; the CPU seconds each desk used, and per
loop; on a PostgreSQL server of this machine, the server's CPU seconds, and per loop. Then the integrity check: every number of the series from 1 to the highest has
exactly one entry (no duplicate, no gap; numbers voided or left 预留 by failed 签发 are listed
with their reasons), every 签发 a desk reported as done is in the database with that number,
and the audit chain verifies. ``--fault`` restarts PostgreSQL (``pg_ctl restart``; ``--pg-data``,
run as root, the cluster's owner is ``postgres``) in the middle of the run and reports how long
each desk took to succeed again after the server came back.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

# GOVDESK_BENCH_ROOT: measure another checkout's app (e.g. main, for the "before" figures)
sys.path.insert(0, os.environ.get("GOVDESK_BENCH_ROOT")
                or str(Path(__file__).resolve().parent.parent))

OPS = ("list", "search", "create", "edit", "review", "sign", "duty", "progress")
PREFIX = "临办发"
QUERIES = ("通知", "值班", "防汛", "安全生产", "会议", "经费", "工作", "应急", "关于", "报告",
           "市", "区", "管理办法", "防汛抗旱", "督查", "春节")
PASSWORD = "Bench-desks-2026"


def _desc(title: str, body: str) -> dict[str, Any]:
    return {"issuer_mark": "临江市人民政府办公室文件", "title": title,
            "to": "各区人民政府，市政府各部门：", "body": body,
            "issuer": "临江市人民政府办公室", "date": dt.date.today().isoformat(), "sealed": True}


def _users(url: str, n: int) -> list[tuple[int, str]]:
    """Desk accounts ``desk01`` … (文书 + 值班员 + 领导, 机密), made once per office."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.services.accounts import users as accounts
    from app.services.audit import chain as audit
    from app.storage.migrate import open_database
    from app.storage.models import User, UserRole

    engine = open_database(url, Path(tempfile.mkdtemp(prefix="bench-desks-backup-")))
    out = []
    try:
        with Session(engine) as s, s.begin():
            pw = None
            for i in range(1, n + 1):
                name = f"desk{i:02d}"
                uid = s.execute(select(User.id).where(User.username == name)).scalar()
                if uid is None:
                    pw = pw or accounts.hash_password(PASSWORD)
                    user = User(username=name, display_name=f"坐席{i:02d}", password_hash=pw,
                                role_code="clerk", clearance_level=3, active=True,
                                failed_logins=0, must_change_password=False)
                    s.add(user)
                    s.flush()
                    uid = user.id
                    for role in ("clerk", "duty", "leader"):
                        s.add(UserRole(user_id=uid, role_code=role))
                out.append((uid, name))
            # the office's audit key is made here, once, before the desks (which share it) start
            audit.append(s, None, "user.add", "user", out[0][0], {"username": out[0][1]},
                         actor_name="bench")
    finally:
        engine.dispose()
    return out


def _desk(url: str, desk: int, user: tuple[int, str], seconds: float, ready: Any, go: Any,
          out_path: str, seed: int) -> None:
    """One desk process: loop until the deadline; write timings and outcomes to ``out_path``."""
    from app.domain.security import Clearance, Role
    from app.errors import UserError
    try:
        from app.errors import is_connection_lost
    except ImportError:  # a checkout from before issue 32
        def is_connection_lost(exc: BaseException) -> bool:
            return False
    from app.services.context import Actor, ServiceContext
    from app.services.documents import drafts as docs
    from app.services.duty import desk as duty_desk
    from app.services.minutes import meetings as minutes
    from app.services.search import index as search
    from app.storage.db import make_engine

    rng = random.Random(seed)
    engine = make_engine(url)
    actor = Actor(user[0], user[1], frozenset({Role.CLERK, Role.DUTY, Role.LEADER}),
                  Clearance.CONFIDENTIAL, f"坐席{desk:02d}")
    ctx = ServiceContext(engine, actor)
    times: dict[str, list[float]] = {op: [] for op in OPS}
    cpu: dict[str, float] = {op: 0.0 for op in OPS}  # this process's CPU seconds per operation
    errors: dict[str, int] = {}
    signed: list[tuple[int, str]] = []
    failures: list[float] = []  # when an operation failed for a lost connection
    recovered: list[float] = []  # the first success after such a failure
    open_decisions: list[int] = []
    from sqlalchemy import select

    from app.storage.models import Decision
    with engine.connect() as conn:
        open_decisions = list(conn.execute(select(Decision.id).where(
            Decision.status.in_(("open", "extension")))).scalars())
    ready.put(desk)  # imported and connected: the run starts when every desk is
    go.wait()
    deadline = time.time() + seconds
    cpu_start = time.process_time()
    pending_recovery = False
    i = 0
    doc_id = None

    def run(op: str, fn) -> Any:  # type: ignore[no-untyped-def]
        nonlocal pending_recovery
        t0 = time.perf_counter()
        c0 = time.process_time()
        try:
            value = fn()
        except UserError as exc:
            kind = "connection" if is_connection_lost(exc) else type(exc).__name__
            errors[f"{op}:{kind}"] = errors.get(f"{op}:{kind}", 0) + 1
            if kind == "connection" or getattr(exc, "reason", "") == "connection":
                failures.append(time.time())
                pending_recovery = True
            return None
        except Exception as exc:  # noqa: BLE001 - counted; the desk goes on like a user would
            errors[f"{op}:{type(exc).__name__}"] = errors.get(f"{op}:{type(exc).__name__}", 0) + 1
            failures.append(time.time())
            pending_recovery = True
            if os.environ.get("BENCH_DESKS_DEBUG"):
                traceback.print_exc()
            return None
        times[op].append((time.perf_counter() - t0) * 1000)
        cpu[op] += time.process_time() - c0
        if pending_recovery:
            recovered.append(time.time())
            pending_recovery = False
        return value

    while time.time() < deadline:
        i += 1
        run("list", lambda: (docs.count_documents(ctx), docs.list_documents(ctx)))
        q = rng.choice(QUERIES)
        q = q[:rng.randint(1, min(4, len(q)))]
        run("search", lambda: search.search(ctx, q))
        title = f"临江市人民政府办公室关于第{desk}席第{i}项工作的通知"
        body = "为做好有关工作，现通知如下。\n一、提高认识\n各单位要高度重视。"
        made = run("create", lambda: docs.create_document(ctx, _desc(title, body),
                                                          series_prefix=PREFIX))
        if made is not None:
            doc_id = made.id
            edited = run("edit", lambda: docs.update_document(
                ctx, doc_id, _desc(title, body + "\n二、加强值班\n要安排领导带班。"),
                expected_version=made.version))
            if edited is not None:
                reviewed = run("review", lambda: docs.workflow_step(ctx, doc_id, "review"))
                if reviewed is not None:
                    got = run("sign", lambda: docs.sign(ctx, doc_id))
                    if got is not None:
                        signed.append((got.id, got.doc_no))
        run("duty", lambda: duty_desk.add_log_entry(ctx, duty_desk.LogEntry(
            kind="来电", received_at=dt.datetime.now(dt.UTC), caller_unit="市应急局",
            caller_name="张三", content=f"询问第{desk}席第{i}次值班安排。")))
        if open_decisions:
            did = rng.choice(open_decisions)
            run("progress", lambda: minutes.report_progress(ctx, did, f"第{i}次推进，进展顺利。"))
    cpu_loop = time.process_time() - cpu_start
    engine.dispose()
    Path(out_path).write_text(json.dumps({
        "times": times, "errors": errors, "signed": signed, "failures": failures,
        "recovered": recovered, "loops": i, "cpu": cpu, "cpu_total": cpu_loop}),
        encoding="utf-8")


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def _integrity(url: str, signed: list[tuple[int, str]]) -> list[str]:
    """Problems found (empty: all good)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.services.audit import chain as audit
    from app.storage.db import make_engine
    from app.storage.models import DocNoEntry, DocNoSeries, Document

    problems: list[str] = []
    year = dt.date.today().year
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            entries = list(s.execute(select(DocNoEntry).where(
                DocNoEntry.prefix == PREFIX, DocNoEntry.year == year)).scalars())
            last = s.execute(select(DocNoSeries.last_seq).where(
                DocNoSeries.prefix == PREFIX, DocNoSeries.year == year)).scalar() or 0
            by_seq: dict[int, list] = {}
            for e in entries:
                by_seq.setdefault(e.seq, []).append(e)
            top = max([last, *by_seq]) if by_seq else last
            dup = [n for n, es in by_seq.items() if len(es) > 1]
            gaps = [n for n in range(1, top + 1) if n not in by_seq]
            if dup:
                problems.append(f"重复的发文字号：{dup[:10]}")
            if gaps:
                problems.append(f"缺号（无任何记录）：{gaps[:10]}（共 {len(gaps)} 个）")
            unused = [(e.seq, e.state, e.reason) for e in entries if e.state != "issued"]
            if unused:
                print(f"    未用于公文的号（有记录）：{len(unused)} 个，例如 {unused[:3]}")
            docs = {d.id: d for d in s.execute(select(Document).where(
                Document.id.in_([d for d, _ in signed]))).scalars()} if signed else {}
            missing = [(d, n) for d, n in signed
                       if d not in docs or docs[d].doc_no != n or docs[d].status != "signed"]
            if missing:
                problems.append(f"报告成功但库中不符的签发：{missing[:5]}（共 {len(missing)} 件）")
            issued = {e.seq: e.document_id for e in entries if e.state == "issued"}
            wrong = [n for d, n in signed if docs.get(d) is not None and issued.get(
                int(n.split("〕")[1].rstrip("号"))) != d]
            if wrong:
                problems.append(f"台账与公文不符：{wrong[:5]}")
        result = audit.verify(engine)
        if not result.ok:
            problems.append(f"审计日志校验未通过：{result.message()}")
        else:
            print(f"    审计日志：{result.count} 条，校验通过")
        print(f"    发文字号 {PREFIX}〔{year}〕：至 {top} 号，已用 {len(issued)}，"
              f"本轮报告签发 {len(signed)}")
    finally:
        engine.dispose()
    return problems


def _restart_pg(pg_data: str, after: float) -> tuple[float, float]:
    time.sleep(after)
    t0 = time.time()
    cmd = f"/usr/lib/postgresql/15/bin/pg_ctl -D {pg_data} restart -m fast -w"
    # output to /dev/null: the new postmaster inherits it (a captured pipe would never close)
    subprocess.run(["su", "postgres", "-c", cmd], check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return t0, time.time()


def _postmaster(url: str) -> int | None:
    """The PostgreSQL server's main process, when it runs on this machine (Linux), else None."""
    if not url.startswith("postgresql"):
        return None
    from sqlalchemy import text

    from app.storage.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            backend = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
        stat = Path(f"/proc/{backend}/stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None
    finally:
        engine.dispose()


def _server_cpu(postmaster: int | None) -> float | None:
    """CPU seconds the server has used so far: the postmaster, its live backends and the
    backends that have exited (reaped by the postmaster: its children's times)."""
    if postmaster is None:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    try:
        fields = Path(f"/proc/{postmaster}/stat").read_text().rsplit(")", 1)[1].split()
        total = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        for child in Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split():
            try:
                f = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(f[11]) + int(f[12])
            except (OSError, ValueError, IndexError):
                pass
        return total / tick
    except (OSError, ValueError, IndexError):
        return None


def run_config(url: str, n: int, seconds: float, *, fault: bool = False,
               pg_data: str = "", seed: int = 32) -> bool:
    users = _users(url, n)
    mp = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="bench-desks-") as tmp:
        ready, go = mp.Queue(), mp.Event()
        procs = []
        for d in range(n):
            p = mp.Process(target=_desk, args=(url, d + 1, users[d], seconds, ready, go,
                                               str(Path(tmp) / f"desk{d}.json"), seed + d))
            p.start()
            procs.append(p)
        for _ in range(n):  # every desk imported and connected before the clock starts
            ready.get(timeout=600)
        postmaster = None if fault else _postmaster(url)
        server_cpu = _server_cpu(postmaster)
        go.set()
        restart = None
        if fault:
            restart = _restart_pg(pg_data, seconds / 2)
        for p in procs:
            p.join(seconds + 300)
        if server_cpu is not None:
            time.sleep(0.5)  # the desks' backends exit and are reaped
            after = _server_cpu(postmaster)
            server_cpu = None if after is None else after - server_cpu
        results = []
        for d in range(n):
            f = Path(tmp) / f"desk{d}.json"
            if f.exists():
                results.append(json.loads(f.read_text(encoding="utf-8")))
            else:
                print(f"  坐席 {d + 1} 没有结果（进程退出码 {procs[d].exitcode}）")
    times: dict[str, list[float]] = {op: [] for op in OPS}
    errors: dict[str, int] = {}
    signed: list[tuple[int, str]] = []
    for r in results:
        for op in OPS:
            times[op] += r["times"][op]
        for k, v in r["errors"].items():
            errors[k] = errors.get(k, 0) + v
        signed += [tuple(x) for x in r["signed"]]
    backend = url.split(":", 1)[0].split("+")[0]
    sys.stdout.flush()
    print(f"\n== {backend}, {n} 个坐席, {seconds:g} 秒{'，中途重启 PostgreSQL' if fault else ''} ==")
    cpu: dict[str, float] = {op: sum(r.get("cpu", {}).get(op, 0.0) for r in results)
                             for op in OPS}
    print(f"  {'操作':<10}{'次数':>6}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}{'CPU/次':>9}"
          "  (ms; CPU: the desk process's own)")
    for op in OPS:
        v = times[op]
        if v:
            print(f"  {op:<10}{len(v):>6}{statistics.median(v):>9.0f}{_pct(v, 95):>9.0f}"
                  f"{_pct(v, 99):>9.0f}{max(v):>9.0f}{cpu[op] / len(v) * 1000:>9.1f}")
    print(f"  签发吞吐：{len(times['sign']) / seconds:.1f} 件/秒")
    loops = sum(r.get("loops", 0) for r in results)
    cpu_total = sum(r.get("cpu_total", 0.0) for r in results)
    if loops and results:
        print(f"  坐席 CPU：每坐席 {cpu_total / len(results):.2f} 秒（{seconds:g} 秒内，"
              f"占 {cpu_total / len(results) / seconds:.0%} 个核），"
              f"每轮 {cpu_total / loops * 1000:.0f} ms，共 {loops} 轮")
    if server_cpu is not None and loops:
        print(f"  服务器 CPU（PostgreSQL，本机）：{server_cpu:.1f} 秒，"
              f"每轮 {server_cpu / loops * 1000:.0f} ms")
    if errors:
        print(f"  出错：{dict(sorted(errors.items()))}")
    if restart is not None:
        t_down, t_up = restart
        print(f"  PostgreSQL 重启：{t_up - t_down:.2f} 秒")
        gaps = []
        for r in results:
            after = [t for t in r["recovered"] if t >= t_up - 0.001]
            if after:
                gaps.append(after[0] - t_up)
        if gaps:
            print(f"  恢复后各坐席首次成功：{min(gaps):.2f}–{max(gaps):.2f} 秒")
    problems = _integrity(url, signed)
    if problems:
        print("  完整性检查未通过：")
        for p in problems:
            print(f"    - {p}")
    else:
        print("  完整性检查通过：无重号、无缺号，报告成功的签发都在库中，审计日志校验通过")
    sys.stdout.flush()
    return not problems


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="多坐席共用一个数据库的性能测试（issue 32）。")
    p.add_argument("url", nargs="?", default=os.environ.get("GOVDESK_BENCH_DESKS", ""),
                   help="benchmarks.generate 生成的数据库 URL（数据会被改动，请用副本）；"
                        "不给则现生成一个 1%% 规模的 SQLite 办公室")
    p.add_argument("--desks", default="4,10,20", help="坐席数，逗号分隔（默认 4,10,20）")
    p.add_argument("--seconds", type=float, default=25.0, help="每种配置运行的秒数")
    p.add_argument("--fault", action="store_true", help="运行中途重启 PostgreSQL")
    p.add_argument("--pg-data", default="", help="--fault 时 PostgreSQL 的数据目录")
    args = p.parse_args(argv)
    tmp = None
    if not args.url:
        from benchmarks.generate import generate

        tmp = tempfile.TemporaryDirectory(prefix="bench-desks-office-")
        args.url = f"sqlite:///{Path(tmp.name) / 'office.sqlite3'}"
        print("（未给数据库：现生成 1% 规模的 SQLite 办公室）", flush=True)
        generate(args.url, 0.01, log=lambda _m: None)
    if args.fault and (not args.url.startswith("postgresql") or not args.pg_data):
        print("错误：--fault 需要 PostgreSQL 的 URL 和 --pg-data。", file=sys.stderr)
        return 2
    if not os.environ.get("GOVDESK_DATA_DIR"):
        # the desks' data folder (the office's audit key): one per office, kept between runs
        import hashlib

        tag = hashlib.sha256(args.url.encode()).hexdigest()[:12]
        os.environ["GOVDESK_DATA_DIR"] = str(Path(tempfile.gettempdir()) / f"bench-desks-{tag}")
    ok = True
    try:
        for n in [int(x) for x in args.desks.split(",") if x.strip()]:
            ok = run_config(args.url, n, args.seconds, fault=args.fault,
                            pg_data=args.pg_data) and ok
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
