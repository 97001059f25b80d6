"""The gate CI puts on the frozen bundle (tools/build_installer.py): what it accepts and refuses.

Building the real bundle takes a minute or more on 2 cores, so CI does that as its own step
(.ci/run: ``python3 dev.py build --check``) rather than inside pytest. These tests drive the same
``smoke_test`` on a stand-in bundle: a shell script in place of the frozen program, with the
files the manifest requires, so every way the gate can fail is exercised in milliseconds.
"""

from __future__ import annotations

import importlib.util
import os
import stat
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(os.name == "nt", reason="the stand-in program is a shell script")

GOOD_OUTPUT = """\
  ✓ PDF 已生成（4 页；水印叠加正常）
  ✓ DOCX 已生成并可重新读取
  ✓ Qt 中文翻译（1 个）、界面中文字体（内置 FandolHei）
  ✓ 打印路径正常
  ✓ 排班求解器可用
  ✓ 审计日志完整：共 2 条记录，哈希链无断点。
公文值守台 0.1.0 自检通过（2.0 秒）。"""


@pytest.fixture(scope="module")
def bi():
    spec = importlib.util.spec_from_file_location("build_installer", ROOT / "tools" / "build_installer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake_bundle(bi, tmp_path: Path, script: str, *, skip: str | None = None) -> Path:
    bundle = tmp_path / "GovDesk"
    internal = bundle / "_internal"
    for src in (ROOT / "resources").rglob("*"):
        if src.is_file():
            (internal / src.relative_to(ROOT)).parent.mkdir(parents=True, exist_ok=True)
            (internal / src.relative_to(ROOT)).write_bytes(b"")
    for pattern in bi.REQUIRED:
        if pattern == skip:
            continue
        path = internal / pattern.replace("**/", "Qt/plugins/" if "platforms" in pattern or
                                          "printsupport" in pattern or "imageformats" in pattern
                                          else "Qt/").replace("*", "x")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    exe = bi.executable(bundle)
    exe.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return bundle


def _ok_script(stderr: str = "") -> str:
    out = f"cat <<'EOF'\n{GOOD_OUTPUT}\nEOF\n"
    if stderr:
        out += f"cat >&2 <<'EOF'\n{stderr}\nEOF\n"
    return out + "exit 0\n"


def test_a_complete_bundle_passes_and_sees_a_bare_environment(bi, tmp_path, monkeypatch):
    script = _ok_script("This plugin does not support propagateSizeHints()")
    script = script.replace("exit 0", 'env > "$GOVDESK_DATA_DIR.env"; pwd >> "$GOVDESK_DATA_DIR.env"\n'
                                      "exit 0")
    bundle = _fake_bundle(bi, tmp_path, script)
    seen: list[str] = []
    real_run = bi.subprocess.run

    def spy(cmd, **kw):
        result = real_run(cmd, **kw)
        if "env" in kw:  # the self-test run (not the unshare probe)
            seen.append(Path(kw["env"]["GOVDESK_DATA_DIR"] + ".env").read_text(encoding="utf-8"))
        return result

    monkeypatch.setattr(bi.subprocess, "run", spy)
    assert bi.smoke_test(bundle) == []
    env = seen[0]
    assert "QT_QPA_PLATFORM=offscreen" in env and "FONTCONFIG_FILE=" in env
    assert "PATH=/usr/bin:/bin\n" in env
    assert "VIRTUAL_ENV" not in env and "PYTHONPATH" not in env
    assert str(ROOT) not in env.splitlines()[-1]  # started outside the checkout


def test_non_zero_exit_and_unexpected_stderr_fail(bi, tmp_path):
    bundle = _fake_bundle(bi, tmp_path, _ok_script("QFont: no such font family").replace(
        "exit 0", "exit 3"))
    problems = bi.smoke_test(bundle)
    assert "退出码 3" in problems
    assert any("意外的错误输出：QFont: no such font family" in p for p in problems)


def test_missing_selftest_lines_fail(bi, tmp_path):
    bundle = _fake_bundle(bi, tmp_path, "echo '公文值守台 0.1.0 自检通过'\nexit 0\n")
    problems = bi.smoke_test(bundle)
    assert any("水印叠加正常" in p for p in problems)
    assert any("排班求解器可用" in p for p in problems)


def test_missing_or_forbidden_files_fail(bi, tmp_path):
    bundle = _fake_bundle(bi, tmp_path, _ok_script(), skip="PySide6/**/translations/qtbase_zh_CN.qm")
    (bundle / "_internal" / "resources" / "fonts" / "FandolFang-Regular.ttf").unlink()
    quick = bundle / "_internal" / "PySide6" / "Qt" / "lib" / "libQt6Quick.so.6"
    quick.parent.mkdir(parents=True, exist_ok=True)
    quick.write_bytes(b"")
    problems = bi.smoke_test(bundle)
    assert "缺少资源文件 resources/fonts/FandolFang-Regular.ttf" in problems
    assert "缺少 PySide6/**/translations/qtbase_zh_CN.qm" in problems
    assert any(p.startswith("不应打包 PySide6/Qt/lib/libQt6Quick") for p in problems)


def test_missing_program_is_reported(bi, tmp_path):
    assert bi.smoke_test(tmp_path / "nowhere")[0].startswith("找不到")


def test_strip_keeps_only_loadable_copies(tmp_path):
    """The spec's ELF check: a shared object of this Python passes, a misaligned one does not."""
    import struct

    source = (ROOT / "build_installer.spec").read_text(encoding="utf-8")
    start = source.index("def _loadable(")
    end = source.index("\ndef stripped(")
    ns: dict = {"Path": Path}
    exec(source[start:end], ns)  # noqa: S102 - our own spec file
    loadable = ns["_loadable"]
    import _ctypes

    lib = Path(_ctypes.__file__)
    assert loadable(lib)
    data = bytearray(lib.read_bytes())
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        base = phoff + i * phentsize
        if struct.unpack_from("<I", data, base)[0] == 1:  # first PT_LOAD: shift its offset
            off, = struct.unpack_from("<Q", data, base + 8)
            struct.pack_into("<Q", data, base + 8, off + 8)
            break
    broken = tmp_path / "broken.so"
    broken.write_bytes(bytes(data))
    assert not loadable(broken)
