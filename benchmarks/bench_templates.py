"""Template speed: fill each shipped 公文 template from its demo data (description only), fill and
typeset to PDF, and fill each Word form. Prints figures; run ``python -m benchmarks.bench_templates``.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time

from app.templating import (
    DescriptionTemplate,
    WordForm,
    load_template,
    render_template,
    shipped_templates,
)

TODAY = dt.date(2026, 2, 20)


def _time(func, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    print(f"{'template':<18}{'fill ms':>10}{'fill+PDF ms':>14}")
    for item in shipped_templates():
        template = load_template(item.stem)
        if isinstance(template, DescriptionTemplate):
            fill = _time(lambda t=template: t.render(t.sample, today=TODAY), 20)
            pdf = _time(lambda t=template: render_template(t, t.sample, "pdf", today=TODAY), 5)
            print(f"{item.stem:<18}{fill:>10.1f}{pdf:>14.1f}")
        else:
            assert isinstance(template, WordForm)
            fill = _time(lambda t=template: t.render(t.sample, today=TODAY), 10)
            print(f"{item.stem:<18}{fill:>10.1f}{'(docx)':>14}")
    roster = load_template("duty_notice")
    big = dict(roster.sample)
    shift = roster.sample["roster"]["shifts"][0]
    big["roster"] = {**roster.sample["roster"], "shifts": [shift] * 365}
    fill = _time(lambda: roster.render(big, today=TODAY), 5)
    print(f"duty_notice with a 365-row roster: fill {fill:.1f} ms")


if __name__ == "__main__":
    main()
