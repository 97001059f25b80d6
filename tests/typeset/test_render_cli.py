"""``python -m app render IN.json -o OUT.pdf``: exit codes, warnings, and no output on error."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from app import paths
from app.cli import main
from app.typeset import render


def write(tmp_path, obj, name="in.json"):
    p = tmp_path / name
    p.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return p


GOOD = {"title": "关于做好防汛工作的通知", "body": "请认真落实。", "date": "2024-06-03"}


def test_render_pdf_exit_0_with_warnings_on_stderr(tmp_path, capsys):
    src = write(tmp_path, GOOD)
    out = tmp_path / "out.pdf"
    assert main(["render", str(src), "-o", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    err = capsys.readouterr().err
    warnings = render(GOOD, "pdf").warnings
    assert all(f"警告：{w}" in err for w in warnings)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json", "out.pdf"]


@pytest.mark.parametrize("bad, field", [
    ({**GOOD, "colour": "red"}, "colour"),
    ({**GOOD, "title": 12}, "title"),
    ({**GOOD, "date": "2024-02-30"}, "date"),
    ({**GOOD, "date": "2024/06/03"}, "date"),
    ({**GOOD, "secrecy": "内部"}, "secrecy"),
    ({**GOOD, "title": "   "}, "title"),
    ({**GOOD, "cc": "市委"}, "cc"),
    ({"title": "无正文"}, "body"),
])
def test_bad_input_exit_2_names_the_field_and_writes_nothing(tmp_path, capsys, bad, field):
    src = write(tmp_path, bad)
    out = tmp_path / "out.pdf"
    out_existing = tmp_path / "keep.pdf"
    out_existing.write_bytes(b"old")
    assert main(["render", str(src), "-o", str(out)]) == 2
    assert main(["render", str(src), "-o", str(out_existing)]) == 2
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 2 and lines[0].startswith("错误：") and field in lines[0]
    assert "Traceback" not in err
    assert not out.exists()
    assert out_existing.read_bytes() == b"old"  # an existing file is left untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json", "keep.pdf"]


def test_unreadable_or_invalid_files_exit_2(tmp_path, capsys):
    out = tmp_path / "out.pdf"
    assert main(["render", str(tmp_path / "missing.json"), "-o", str(out)]) == 2
    (tmp_path / "broken.json").write_text("{\"title\": ", encoding="utf-8")
    assert main(["render", str(tmp_path / "broken.json"), "-o", str(out)]) == 2
    (tmp_path / "gbk.json").write_bytes('{"title": "公文"}'.encode("gbk"))
    assert main(["render", str(tmp_path / "gbk.json"), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "找不到文件" in err and "不是有效的 JSON" in err and "UTF-8" in err
    assert not out.exists()


def test_unknown_suffix_exit_2_without_output(tmp_path, capsys):
    src = write(tmp_path, GOOD)
    assert main(["render", str(src), "-o", str(tmp_path / "out.txt")]) == 2
    assert ".pdf 或 .docx" in capsys.readouterr().err
    assert not (tmp_path / "out.txt").exists()


def test_module_entry_point_renders_the_demo(tmp_path):
    out = tmp_path / "notice.pdf"
    proc = subprocess.run(
        [sys.executable, "-m", "app", "render", str(paths.resource("demo", "notice.json")),
         "--allow-placeholders",  # the demo writes ××市 for the office: a placeholder
         "-o", str(out)], check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes().startswith(b"%PDF")
    assert all(ln.startswith("警告：") for ln in proc.stderr.splitlines() if ln.strip())


def test_render_api_accepts_description_or_document():
    from app.typeset import RenderResult, render_pdf
    from app.typeset.spec import parse_description

    data = render_pdf(GOOD)
    assert data.startswith(b"%PDF")
    result = render(parse_description(GOOD), "pdf")
    assert isinstance(result, RenderResult) and result.data.startswith(b"%PDF")


def test_render_docx_by_suffix(tmp_path):
    import zipfile

    src = write(tmp_path, GOOD)
    out = tmp_path / "out.DOCX"
    assert main(["render", str(src), "-o", str(out)]) == 0
    with zipfile.ZipFile(out) as z:
        assert "word/document.xml" in z.namelist()
        assert "关于做好防汛工作的通知" in z.read("word/document.xml").decode("utf-8")


def test_same_description_gives_the_same_bytes():
    desc = json.loads(paths.resource("demo", "request.json").read_text("utf-8"))
    assert render(desc, "pdf").data == render(desc, "pdf").data


def test_placeholders_are_refused_unless_allowed(tmp_path, capsys):
    """Issue 17: the print path refuses an unfilled placeholder without an explicit override."""
    src = write(tmp_path, {**GOOD, "body": "请于XX月XX日前报送。", "note": "联系人：×××"})
    out = tmp_path / "out.pdf"
    assert main(["render", str(src), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "×××" in err and "--allow-placeholders" in err and "Traceback" not in err
    assert not out.exists()
    assert main(["render", str(src), "-o", str(out), "--allow-placeholders"]) == 0
    assert out.read_bytes().startswith(b"%PDF")
