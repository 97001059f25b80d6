"""What the 知悉范围 predicate costs on an office made by ``benchmarks/generate.py`` (medians).

Times, as a 机密-cleared user with an account (so the need-to-know EXISTS is in every query):
the 公文 list (count + first page of 100), the 收文 count, the 督办 board count, the workbench's
week counts, a search for a common two-character word, and the audit viewer's first page. Then,
with ``--scopes N``, gives N random 秘密/机密 公文 a 知悉范围 the user is outside of, and times the
same again. Run it on a COPY of the office (the scopes and the user are written into it).

    .venv/bin/python -m benchmarks.bench_need_to_know DB_URL [--scopes 1000] [--runs 5] [--ab]

Works on a program without ``app.services.need_to_know`` too (the "before" figures): then the
scopes are skipped. On a loaded machine separate runs differ by more than the predicate costs;
``--ab`` times each figure with and without the 知悉范围 condition alternately in one process
(the condition switched off by putting the clearance-only ``visible`` back into the modules and
an empty hidden set into the search), which is the comparison to trust.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def _user(engine):  # type: ignore[no-untyped-def]
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.domain.security import Clearance, Role
    from app.services.context import Actor
    from app.storage.models import User, UserRole

    with Session(engine) as s, s.begin():
        uid = s.scalar(select(User.id).where(User.username == "bench_ntk"))
        if uid is None:
            u = User(username="bench_ntk", display_name="测评", password_hash="x",
                     role_code="leader", clearance_level=3, active=True, failed_logins=0,
                     must_change_password=False)
            s.add(u)
            s.flush()
            s.add_all([UserRole(user_id=u.id, role_code="leader"),
                       UserRole(user_id=u.id, role_code="admin")])
            uid = u.id
    return Actor(uid, "bench_ntk", {Role.LEADER, Role.ADMIN}, Clearance.CONFIDENTIAL, "测评")


def figures(ctx, runs: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from app.services.audit_review import review as audit_log
    from app.services.documents import drafts as documents
    from app.services.incoming import book as incoming
    from app.services.minutes import meetings as minutes
    from app.services.search import index as search
    from app.services.workbench import items as workbench

    today = ctx.now().date()
    return {
        "公文 list (count + page)": _median_ms(
            lambda: (documents.count_documents(ctx), documents.list_documents(ctx)), runs),
        "收文 count": _median_ms(lambda: incoming.count(ctx), runs),
        "督办 board count": _median_ms(
            lambda: minutes.count_board(ctx, minutes.BoardFilter(), today), runs),
        "workbench week counts": _median_ms(lambda: workbench.week_counts(ctx), runs),
        "search 通知": _median_ms(lambda: search.search(ctx, "通知"), runs),
        # offset 1: the first page would append an audit.view event each time
        "audit viewer page": _median_ms(
            lambda: audit_log.page(ctx, audit_log.AuditFilter(), 1, 200), runs),
    }


def ab(ctx, runs: int) -> None:  # type: ignore[no-untyped-def]
    """Median of each figure with the condition (on) and without it (off), alternating."""
    import app.services as services_pkg
    from app.services import context, need_to_know

    def plain(stmt, model, actor):  # type: ignore[no-untyped-def]
        return stmt.where(model.classification <= int(actor.clearance))

    modules = [m for m in vars(services_pkg).values()
               if getattr(m, "visible", None) is context.visible]
    real_hidden = need_to_know.hidden_search_entries
    on: dict[str, list[float]] = {}
    off: dict[str, list[float]] = {}
    for _ in range(runs):
        for name, ms in figures(ctx, 1).items():
            on.setdefault(name, []).append(ms)
        for m in modules:
            m.visible = plain
        need_to_know.hidden_search_entries = lambda s, actor: []
        try:
            for name, ms in figures(ctx, 1).items():
                off.setdefault(name, []).append(ms)
        finally:
            for m in modules:
                m.visible = context.visible
            need_to_know.hidden_search_entries = real_hidden
    for name in on:
        a, b = statistics.median(on[name]), statistics.median(off[name])
        print(f"  {name:28s} with {a:8.1f} ms  without {b:8.1f} ms  ({a - b:+.1f})")


def add_scopes(engine, n: int, seed: int = 7) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import insert, select
    from sqlalchemy.orm import Session

    from app.storage.models import Document, RecordScope, User

    with Session(engine) as s, s.begin():
        ids = list(s.execute(select(Document.id).where(Document.classification >= 2)).scalars())
        other = s.scalar(select(User.id).where(User.username != "bench_ntk").limit(1))
        chosen = random.Random(seed).sample(ids, min(n, len(ids)))
        s.execute(insert(RecordScope), [
            {"kind": "document", "record_id": i, "basis": "user", "user_id": other, "unit": ""}
            for i in chosen])
    return len(chosen)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--scopes", type=int, default=0)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--ab", action="store_true")
    args = ap.parse_args(argv)
    from app.services.context import ServiceContext
    from app.storage.migrate import open_database

    engine = open_database(args.url, Path(tempfile.mkdtemp()) / "backups")
    actor = _user(engine)
    ctx = ServiceContext(engine, actor)
    try:
        import app.services.need_to_know  # noqa: F401
        have = True
    except ImportError:
        have = False
    print(f"need_to_know: {'yes' if have else 'no (before)'}")
    if have and args.ab:
        print("A/B, no scope yet:")
        ab(ctx, args.runs)
    else:
        for name, ms in figures(ctx, args.runs).items():
            print(f"  {name:28s} {ms:8.1f} ms")
    if have and args.scopes:
        done = add_scopes(engine, args.scopes)
        print(f"with {done} 公文 scoped away from the user:")
        if args.ab:
            ab(ctx, args.runs)
        else:
            for name, ms in figures(ctx, args.runs).items():
                print(f"  {name:28s} {ms:8.1f} ms")


if __name__ == "__main__":
    main()
