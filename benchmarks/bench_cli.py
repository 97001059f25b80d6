"""The command line as whole processes (issue 30): how long before it does anything.

Run ``python -m benchmarks cli`` (or ``python -m benchmarks.bench_cli [--runs 7]
[--no-libreoffice]``). Each figure is the median wall time of ``--runs`` new processes, run
one after the other in the same run so they share the machine's load:

* a bare interpreter start (``python -c pass``), the unit of the first two targets;
* ``python -m app --help`` and an argument error (``python -m app render`` without its
  arguments: exit 2 and the Chinese message) — target: each within 8 bare starts;
* ``python -m app render letter.json -o out.pdf`` of the demo 函 (one page), and LibreOffice
  converting the same letter's DOCX (made by ``python -m app render … -o out.docx``) to PDF with
  ``soffice --headless --convert-to pdf`` (the command line of ``app.typeset.libreoffice``, with
  one private profile made by the warm-up run, as an office's installed LibreOffice has) —
  target: our PDF at least 3× faster. Skipped, with a note, without soffice. For information,
  the first render with an empty data folder (the font cache is written then) is printed too.

The processes start from a bytecode cache, as an installed program does: the environment's
``PYTHONDONTWRITEBYTECODE`` is dropped for them, and one warm-up run of each writes the cache
(and the font cache in a private data folder) before the timed runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LETTER = ROOT / "resources" / "demo" / "letter.json"
HELP_TARGET = 8.0  # bare interpreter starts
RENDER_TARGET = 3.0  # times faster than LibreOffice


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["GOVDESK_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def timed(cmd: list[str], env: dict[str, str], runs: int, expect: int = 0,
          cwd: Path = ROOT) -> tuple[float, list[float]]:
    """Median wall time (ms) of ``runs`` processes, after one warm-up."""
    samples = []
    for i in range(runs + 1):
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, timeout=600, check=False)
        elapsed = (time.perf_counter() - start) * 1000
        if proc.returncode != expect:
            raise SystemExit(f"错误：{' '.join(cmd)} 退出码 {proc.returncode}（应为 {expect}）："
                             f"{proc.stderr.decode('utf-8', 'replace')[-500:]}")
        if i:  # the first run is the warm-up
            samples.append(elapsed)
    return statistics.median(samples), samples


def _line(label: str, ms: float, samples: list[float], extra: str = "") -> None:
    spread = f"{min(samples):.0f}–{max(samples):.0f}"
    print(f"{label:<40} {ms:8.1f} ms   (runs {spread}){extra}", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_cli")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--no-libreoffice", action="store_true")
    args = ap.parse_args(argv)
    py = sys.executable
    missed = 0  # counted for the summary line
    with tempfile.TemporaryDirectory(prefix="govdesk-bench-cli-") as tmp:
        work = Path(tmp)
        env = _env(work / "data")
        print(f"load average before: {os.getloadavg()[0]:.2f}  (nproc {os.cpu_count()})")

        bare, s = timed([py, "-c", "pass"], env, args.runs)
        _line("bare interpreter start (python -c pass)", bare, s)

        hlp, s = timed([py, "-m", "app", "--help"], env, args.runs)
        ratio = hlp / bare
        ok = ratio <= HELP_TARGET
        missed += not ok
        _line("python -m app --help", hlp, s,
              f"   = {ratio:.1f} bare starts, target ≤ {HELP_TARGET:.0f}: {'OK' if ok else 'MISSED'}")

        err, s = timed([py, "-m", "app", "render"], env, args.runs, expect=2)
        ratio = err / bare
        ok = ratio <= HELP_TARGET
        missed += not ok
        _line("argument error (python -m app render)", err, s,
              f"   = {ratio:.1f} bare starts, target ≤ {HELP_TARGET:.0f}: {'OK' if ok else 'MISSED'}")

        pdf = work / "letter.pdf"
        ours, s = timed([py, "-m", "app", "render", str(LETTER), "-o", str(pdf)], env, args.runs)
        _line("python -m app render 函 → PDF (1 page)", ours, s)

        cold = []  # the first render on a workstation (or after a font changed): no font cache
        for i in range(3):
            cold_env = _env(work / f"cold-{i}")
            start = time.perf_counter()
            subprocess.run([py, "-m", "app", "render", str(LETTER), "-o", str(pdf)], env=cold_env,
                           cwd=ROOT, capture_output=True, check=True)
            cold.append((time.perf_counter() - start) * 1000)
        _line("  the same, first run (no font cache yet)", statistics.median(cold), cold)

        docx = work / "letter.docx"
        subprocess.run([py, "-m", "app", "render", str(LETTER), "-o", str(docx)], env=env,
                       cwd=ROOT, capture_output=True, check=True)
        sys.path.insert(0, str(ROOT))
        from app.typeset.libreoffice import find_soffice, fontconfig_xml

        soffice = None if args.no_libreoffice else find_soffice()
        if soffice is None:
            print("LibreOffice DOCX → PDF: skipped (" +
                  ("--no-libreoffice" if args.no_libreoffice else "soffice not installed") +
                  "); the render ratio needs it")
        else:
            (work / "fonts.conf").write_text(fontconfig_xml(), encoding="utf-8")
            lo_env = dict(env, FONTCONFIG_FILE=str(work / "fonts.conf"), HOME=str(work))
            profile = (work / "lo-profile").resolve().as_uri()
            cmd = [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                   "--nologo", "--nodefault", "--convert-to", "pdf:writer_pdf_Export",
                   "--outdir", str(work / "lo-out"), str(docx)]
            lo, s = timed(cmd, lo_env, max(3, args.runs // 2))
            ratio = lo / ours
            ok = ratio >= RENDER_TARGET
            missed += not ok
            _line("LibreOffice DOCX → PDF (same letter)", lo, s,
                  f"   ours is {ratio:.1f}× faster, target ≥ {RENDER_TARGET:.0f}×: "
                  f"{'OK' if ok else 'MISSED'}")
        print(f"load average after:  {os.getloadavg()[0]:.2f}   targets missed: {missed}")
    return 0  # the figures are the result (OK / MISSED per line), as in bench_render


if __name__ == "__main__":
    sys.exit(main())
