"""Template manager speed: the editor's per-pause work (check + locate every problem) on each
shipped 公文 template, and the service calls the page and the modules make, on a SQLite database
holding 200 office templates with 5 versions each. Prints figures; run
``python -m benchmarks.bench_template_manager``.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from app.services.accounts import users as accounts
from app.services.context import ServiceContext
from app.services.templates import library as tm
from app.storage.migrate import open_database
from app.templating import DescriptionTemplate, load_template, shipped_templates
from app.ui.templates.locate import locate


def _ms(func, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def editor_figures() -> None:
    print(f"{'template':<18}{'check ms':>10}{'check+locate (broken) ms':>28}")
    for item in shipped_templates():
        template = load_template(item.stem)
        if not isinstance(template, DescriptionTemplate) or template.source is None:
            continue
        broken_text = template.source.replace("}}", "}", 1)
        broken = DescriptionTemplate.from_text(broken_text)

        def broken_pass(b: DescriptionTemplate = broken, text: str = broken_text,
                        sample: dict = template.sample or {}) -> None:
            for p in b.check(sample):
                locate(text, p.field, p.line)

        ok = _ms(lambda t=template: t.check(t.sample), 5)
        print(f"{item.stem:<18}{ok:>10.1f}{_ms(broken_pass, 5):>28.1f}")


def service_figures() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_database(f"sqlite:///{Path(tmp) / 'g.sqlite3'}", Path(tmp) / "backups")
        ctx = ServiceContext(engine)
        accounts.create_first_admin(ctx, "admin", "Admin-pass-1", "管理员")
        ctx = ctx.with_actor(accounts.login(ctx, "admin", "Admin-pass-1"))
        base = (load_template("notice").source or "")
        start = time.perf_counter()
        ids = []
        for i in range(200):
            info = tm.create(ctx, text=base, name=f"通知{i}")
            for v in range(4):
                tm.save(ctx, info.ref, text=base.replace("的通知", f"的通知{v}", 1))
            ids.append(info.id)
        seeded = time.perf_counter() - start
        tm.set_default(ctx, f"office:{ids[100]}")
        print(f"\nseeded 200 templates × 5 versions in {seeded:.1f} s")
        print(f"list_templates          {_ms(lambda: tm.list_templates(ctx), 10):8.1f} ms")
        print(f"default_for('通知')      {_ms(lambda: tm.default_for(ctx, '通知'), 10):8.1f} ms")
        print(f"default_for('值班表')    {_ms(lambda: tm.default_for(ctx, '值班表'), 10):8.1f} ms")
        print(f"history (5 versions)    {_ms(lambda: tm.history(ctx, ids[5]), 10):8.1f} ms")
        print(f"save (new version)      {_ms(lambda: tm.save(ctx, f'office:{ids[7]}', text=base), 5):8.1f} ms")
        engine.dispose()


def main() -> None:
    editor_figures()
    service_figures()


if __name__ == "__main__":
    main()
