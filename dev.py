#!/usr/bin/env python3
"""GovDesk developer entry point. Needs only python3 (3.11+).

    python3 dev.py start      set up .venv (first time or when pyproject.toml changed), start the app
    python3 dev.py test [...] set up .venv the same way, run the whole test suite on every core
                              (pytest args pass through; ``-n 0`` runs it in one process; its
                              temporary files in a private folder on /dev/shm, see test_tmpdir)
    python3 dev.py setup      only set up .venv
    python3 dev.py run ARGS   set up, then ``python -m app ARGS`` (the command line)
    python3 dev.py build [--check]  build the offline bundle dist/GovDesk (tools/build_installer.py)
    python3 dev.py lock       refresh requirements.lock from pyproject.toml (needs the index)

Set-up installs exactly the locked set: ``requirements.lock`` pins every dependency (runtime, test
and build extras) with its hashes (``pip install --require-hashes``), then the project itself
without dependencies. It is idempotent: a stamp in .venv records the hash of pyproject.toml and
the lock file, so the second run starts at once. ``python3 dev.py lock`` regenerates the lock with
uv (``uv pip compile --universal --generate-hashes``, Python 3.11 as the floor); commit both files.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("GOVDESK_VENV", ROOT / ".venv"))
STAMP = VENV / ".govdesk-setup"
LOCK = ROOT / "requirements.lock"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def setup() -> Path:
    if sys.version_info < (3, 11):
        sys.exit("错误：需要 Python 3.11 或更高版本。")
    py = venv_python()
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()
                          + LOCK.read_bytes()).hexdigest()
    if py.exists() and STAMP.exists() and STAMP.read_text().strip() == want:
        return py
    if not py.exists():
        print(f"[dev] 创建虚拟环境 {VENV} …", flush=True)
        try:
            venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
        except Exception as exc:  # ensurepip missing on some distributions
            sys.exit(f"错误：无法创建虚拟环境（{exc}）。Debian/Ubuntu 请先安装 python3-venv。")
    print("[dev] 安装依赖 …", flush=True)
    pip = [str(py), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run(pip + ["--upgrade", "pip>=23.1", "setuptools>=77"], check=True)
    # exactly the locked set, every file checked against its hash; then the project itself
    subprocess.run(pip + ["--require-hashes", "--no-deps", "-r", str(LOCK)], check=True)
    subprocess.run(pip + ["--no-deps", "-e", str(ROOT)], check=True)
    STAMP.write_text(want)
    return py


def parallel(args: list[str]) -> list[str]:
    """``-n auto``: the suite on every core (pytest-xdist, one worker process per core, each with
    its own template database, data folders and offscreen QApplication). Not when the arguments
    choose for themselves (``-n 0``, ``-n 4``, ``-p no:xdist``) or debug in the terminal (``--pdb``,
    ``-s``), which needs the one process."""
    for arg in args:
        if (arg.startswith(("-n", "--numprocesses", "--pdb", "--trace"))
                or arg in {"-s", "--capture=no", "no:xdist", "-pno:xdist"}):
            return []
    return ["-n", "auto"]


#: A memory file system for the test run's temporary files, and the free space it must have.
SHM = Path("/dev/shm")
SHM_MIN_FREE = 2 * 1024 ** 3


def test_tmpdir() -> Path | None:
    """A private folder under /dev/shm for the test run's temporary files (``TMPDIR``: pytest's
    ``tmp_path`` folders, the template database, every ``tempfile``), when ``TMPDIR`` is not set
    and /dev/shm is a writable folder with at least 2 GiB free (a container's is often 64 MB).
    The suite commits to SQLite and writes files atomically thousands of times, each with
    fsyncs; on a memory file system an fsync costs nothing. Nothing else changes: the same
    tests, the same files, only where they live. ``main`` removes the folder after the run."""
    if os.environ.get("TMPDIR") or os.name == "nt":
        return None
    try:
        if not (SHM.is_dir() and os.access(SHM, os.W_OK | os.X_OK)):
            return None
        st = os.statvfs(SHM)
        if st.f_bavail * st.f_frsize < SHM_MIN_FREE:
            return None
        return Path(tempfile.mkdtemp(prefix="govdesk-test-", dir=SHM))
    except OSError:
        return None


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "start"
    rest = argv[1:]
    py = setup()
    env = dict(os.environ)
    if cmd == "setup":
        return 0
    if cmd == "start":
        return subprocess.call([str(py), "-m", "app", *rest], cwd=ROOT, env=env)
    if cmd == "run":
        return subprocess.call([str(py), "-m", "app", *rest], cwd=ROOT, env=env)
    if cmd == "test":
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        # compiled once, reused by both workers and by every `python -m app` the tests start
        # (with PYTHONDONTWRITEBYTECODE each process compiled the program again, and pytest
        # rewrote every test module again: ≈ 12 % of the CPU of the tests that start processes)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        # compiled before the workers start, on every core, instead of by each of them at once
        subprocess.run([str(py), "-m", "compileall", "-q", "-j", "0", "app", "benchmarks"],
                       cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL)
        tmp = test_tmpdir()
        if tmp is not None:
            env["TMPDIR"] = str(tmp)
        try:
            return subprocess.call([str(py), "-m", "pytest", *parallel(rest), *rest], cwd=ROOT,
                                   env=env)
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
    if cmd == "build":
        return subprocess.call([sys.executable, str(ROOT / "tools" / "build_installer.py"), *rest],
                               cwd=ROOT, env=env)
    if cmd == "lock":
        subprocess.run([str(py), "-m", "pip", "install", "-q", "uv"], check=True)
        return subprocess.call([str(py), "-m", "uv", "pip", "compile", "pyproject.toml",
                                "--extra", "test", "--extra", "build", "--universal",
                                "--python-version", "3.11", "--generate-hashes",
                                "-o", str(LOCK)], cwd=ROOT, env=env)
    if cmd == "bench":
        return subprocess.call([str(py), "-m", "benchmarks", *rest], cwd=ROOT, env=env)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
