"""Copies of one document in one PDF (issue 20): file size and time of a classified print.

Each copy of a 秘密 公文 is rendered with its own 份号 and watermarked; ``concatenate`` joins
them and merges identical objects (the embedded font subsets every copy repeats). Prints the
size of one copy, of N copies joined, and what joining them without merging would weigh.

Run ``python -m benchmarks.bench_copies [N]`` (default 3).
"""

from __future__ import annotations

import io
import json
import sys
import time

from pypdf import PdfReader, PdfWriter

from app import paths
from app.typeset import render
from app.typeset.watermark import concatenate, watermark_pdf


def _joined_plain(pdfs: list[bytes]) -> bytes:
    """The copies joined without merging shared objects (what the print did before)."""
    writer = PdfWriter()
    for data in pdfs:
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    copies = int((argv or sys.argv[1:] or ["3"])[0])
    desc = json.loads(paths.resource("demo", "notice.json").read_text("utf-8"))
    desc.update(secrecy="秘密", secrecy_term="1年")
    t0 = time.perf_counter()
    pdfs = []
    for n in range(1, copies + 1):
        data = render({**desc, "copy_no": f"{n:06d}"}, "pdf").data
        pdfs.append(watermark_pdf(data, ["张保密", "2026-03-02 10:00", f"第 {n:06d} 份"]))
    t1 = time.perf_counter()
    joined = concatenate(pdfs)
    t2 = time.perf_counter()
    plain = _joined_plain(pdfs)
    print(f"one copy: {len(pdfs[0]) / 1024:.0f} KB; render + watermark {copies} copies: "
          f"{(t1 - t0) * 1000:.0f} ms")
    print(f"{copies} copies joined, shared objects merged: {len(joined) / 1024:.0f} KB "
          f"({(t2 - t1) * 1000:.0f} ms)")
    print(f"{copies} copies joined without merging: {len(plain) / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
