"""Run the benchmarks: ``python -m benchmarks`` (all) or ``python -m benchmarks render roster``.

Each ``benchmarks/bench_NAME.py`` has a ``main()`` that prints its figures; they can also be run
alone (``python -m benchmarks.bench_render``). Figures depend on the machine: record them in
benchmarks/README.md with the machine they ran on.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import sys
import tempfile
import time
from pathlib import Path


def available() -> list[str]:
    here = Path(__file__).resolve().parent
    return sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules([str(here)])
                  if m.name.startswith("bench_"))


def main(argv: list[str]) -> int:
    names = argv or available()
    unknown = [n for n in names if n not in available()]
    if unknown:
        print(f"错误：没有这些基准：{'、'.join(unknown)}。可选：{'、'.join(available())}", file=sys.stderr)
        return 2
    worst = 0
    with tempfile.TemporaryDirectory() as tmp:
        office: list[str] = []  # made once, for the benchmarks that need a whole office
        for name in names:
            print(f"\n=== {name} ===", flush=True)
            start = time.perf_counter()
            module = importlib.import_module(f"benchmarks.bench_{name}")
            # main(argv) takes its own options; give it none so it does not read ours (but
            # the office-scale ones the database URL they require)
            args = []
            if name in NEEDS_OFFICE:
                office = office or [_office_url(Path(tmp))]
                args = office
            code = module.main(args) if inspect.signature(module.main).parameters \
                else module.main()
            print(f"(bench_{name}: {time.perf_counter() - start:.1f} s)", flush=True)
            worst = max(worst, int(code or 0))
    return worst


#: Benchmarks that take the URL of an office made by ``benchmarks.generate``.
NEEDS_OFFICE = {"office", "pages", "backup", "stall"}


def _office_url(tmp: Path) -> str:
    """``GOVDESK_BENCH_OFFICE`` (a generated office's URL), else a 1 % office made now."""
    url = os.environ.get("GOVDESK_BENCH_OFFICE", "")
    if url:
        return url
    from benchmarks.generate import generate

    url = f"sqlite:///{tmp / 'office.sqlite3'}"
    print("（未设 GOVDESK_BENCH_OFFICE：现生成 1% 规模的办公室数据；全规模数据见 README）", flush=True)
    generate(url, 0.01)
    return url


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
