"""Typesetting speed: a 6-page notice to PDF and DOCX, LibreOffice's conversion of that DOCX for
comparison, and a batch of 200 documents with the fonts loaded once.

Run ``python -m benchmarks.bench_render`` (add ``--no-libreoffice`` to skip the conversion).
Targets (issue 3): PDF under 60 ms for 6 pages after warm-up; at least 30× faster than LibreOffice
converting the same document; 200 documents in one process without reloading fonts.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import time

from app import paths
from app.typeset import render
from app.typeset.fonts import font_set


def six_page_notice() -> dict:
    """The demo notice with its body repeated until the PDF has 6 pages."""
    base = json.loads(paths.resource("demo", "notice.json").read_text("utf-8"))
    paras = base["body"].splitlines()
    for reps in range(1, 20):
        desc = copy.deepcopy(base)
        desc["body"] = "\n".join(paras * reps)
        from app.typeset.layout import layout
        from app.typeset.spec import parse_description

        if len(layout(parse_description(desc)).pages) >= 6:
            return desc
    return desc


def timed(func, runs: int) -> tuple[float, list[float]]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), samples


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_render")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--no-libreoffice", action="store_true")
    args = ap.parse_args(argv)

    start = time.perf_counter()
    font_set()
    print(f"fonts loaded once:            {(time.perf_counter() - start) * 1000:8.1f} ms")

    desc = six_page_notice()
    from app.typeset.layout import layout
    from app.typeset.spec import parse_description

    pages = len(layout(parse_description(desc)).pages)
    render(desc, "pdf")  # warm-up
    pdf_ms, _ = timed(lambda: render(desc, "pdf"), args.runs)
    pdf_bytes = render(desc, "pdf").data
    print(f"{pages}-page notice → PDF (median): {pdf_ms:8.1f} ms   ({len(pdf_bytes) / 1024:.0f} KiB)"
          f"   target < 60 ms: {'OK' if pdf_ms < 60 else 'MISSED'}")

    docx_bytes = None
    try:
        render(desc, "docx")
        docx_ms, _ = timed(lambda: render(desc, "docx"), max(5, args.runs // 2))
        docx_bytes = render(desc, "docx").data
        print(f"{pages}-page notice → DOCX (median): {docx_ms:7.1f} ms")
    except ImportError as exc:
        print(f"DOCX backend not available: {exc}")

    if docx_bytes is not None and not args.no_libreoffice:
        from app.typeset.libreoffice import convert_to_pdf, find_soffice

        if find_soffice() is None:
            print("LibreOffice not installed: conversion skipped")
        else:
            convert_to_pdf(docx_bytes)  # warm-up (first start builds caches)
            lo_ms, _ = timed(lambda: convert_to_pdf(docx_bytes), 3)
            ratio = lo_ms / pdf_ms
            print(f"LibreOffice DOCX → PDF (median of 3): {lo_ms:8.1f} ms   "
                  f"our PDF is {ratio:.0f}× faster   target ≥ 30×: {'OK' if ratio >= 30 else 'MISSED'}")

    demos = [json.loads(paths.resource("demo", f"{n}.json").read_text("utf-8"))
             for n in ("notice", "letter", "minutes", "order", "request")]
    batch = [demos[i % len(demos)] for i in range(200)]
    start = time.perf_counter()
    total_pages = 0
    for d in batch:
        data = render(d, "pdf").data
        total_pages += data.count(b"/Type /Page\n") or 1
    batch_s = time.perf_counter() - start
    print(f"batch of 200 documents → PDF:  {batch_s * 1000:8.0f} ms total, "
          f"{batch_s * 1000 / 200:.1f} ms per document (fonts loaded once)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
