"""Audit chain and login figures: appends per second (one transaction each, as services do),
verify time for the whole chain, argon2 hash/verify time, --selftest-like start-up.

    .venv/bin/python benchmarks/bench_audit.py [N] [EMPTY_DB_URL]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.orm import Session

from app.services.accounts import users as accounts
from app.services.audit import chain as audit
from app.services.context import SYSTEM
from app.storage.migrate import open_database


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    with tempfile.TemporaryDirectory() as tmp:
        url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{tmp}/bench.sqlite3"
        t = time.perf_counter()
        engine = open_database(url, Path(tmp) / "backups")
        print(f"create + migrate database: {time.perf_counter() - t:.3f} s")
        t = time.perf_counter()
        for i in range(n):
            with Session(engine) as s, s.begin():
                audit.append(s, SYSTEM, "bench.event", "thing", i, {"i": i})
        dt = time.perf_counter() - t
        print(f"append {n} events (one transaction each): {dt:.2f} s = {n / dt:.0f} /s")
        t = time.perf_counter()
        result = audit.verify(engine)
        dt = time.perf_counter() - t
        print(f"verify {result.count} events: {dt:.3f} s = {result.count / dt:.0f} /s, ok={result.ok}")
        t = time.perf_counter()
        h = accounts.hash_password("Bench-pass-1")
        print(f"argon2id hash: {(time.perf_counter() - t) * 1000:.0f} ms ({h.split('$')[3]})")
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
