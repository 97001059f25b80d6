"""The one atomic file writer: all or nothing, durable, private when asked."""

from __future__ import annotations

import os
import stat
import sys

import pytest

from app.atomicfile import atomic_write, atomic_writer


def test_writes_bytes_and_text(tmp_path):
    target = tmp_path / "sub" / "a.txt"
    atomic_write(target, "公文值守台")
    assert target.read_text(encoding="utf-8") == "公文值守台"
    atomic_write(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert [p.name for p in target.parent.iterdir()] == ["a.txt"]


def test_failure_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_writer(target) as fh:
        fh.write(b"half of the new")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]


def test_streaming_writer_appears_only_at_the_end(tmp_path):
    target = tmp_path / "out.bin"
    with atomic_writer(target) as fh:
        fh.write(b"abc")
        assert not target.exists()
    assert target.read_bytes() == b"abc"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_modes(tmp_path):
    umask = os.umask(0o022)
    try:
        public = atomic_write(tmp_path / "public.docx", b"x")
        private = atomic_write(tmp_path / "private.key", b"x", private=True)
    finally:
        os.umask(umask)
    assert stat.S_IMODE(public.stat().st_mode) == 0o644
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
