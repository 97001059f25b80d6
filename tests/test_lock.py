"""The locked dependency set (requirements.lock, issue 19): Qt stays on the 6.8 LTS line.

The desks in service run glibc 2.28. PySide6 6.8 ships manylinux_2_28 wheels; later lines need a
newer glibc. pyproject.toml keeps the range, requirements.lock (what dev.py, .ci/run and the
installer build install) pins one 6.8.x release for the binding and every wheel it pulls.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QT_PACKAGES = {"pyside6", "pyside6-essentials", "pyside6-addons", "shiboken6"}


def _pins() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    return {m[1].lower(): m[2] for m in re.finditer(r"^([A-Za-z0-9._-]+)==(\S+)", text, re.M)}


def test_the_lock_pins_pyside6_on_the_6_8_line():
    pins = _pins()
    qt = {name: pins.get(name) for name in QT_PACKAGES}
    assert all(v is not None and re.fullmatch(r"6\.8\.\d+(\.\d+)?", v) for v in qt.values()), qt
    assert len(set(qt.values())) == 1, f"one Qt release for every wheel: {qt}"
    # no wheel of a later line sneaks in beside it (6.9+ split off e.g. pyside6-pdf)
    others = {n: v for n, v in pins.items() if n.startswith(("pyside6", "shiboken6"))
              and n not in QT_PACKAGES}
    assert others == {}


def test_pyproject_keeps_pyside6_below_6_9():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    deps = [d.replace(" ", "") for d in data["project"]["dependencies"]]
    assert [d for d in deps if d.lower().startswith("pyside6")] == ["PySide6>=6.8,<6.9"]


def test_every_locked_package_has_hashes():
    """``pip install --require-hashes`` refuses a lock with a bare pin; catch it before CI."""
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=[A-Za-z0-9._-]+==)", text.split("\n", 2)[2])
    bare = [b.split()[0] for b in blocks if "==" in b.split()[0] and "--hash=sha256:" not in b]
    assert bare == []
