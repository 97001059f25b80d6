"""``python -m app template list|check|render``: exit codes, messages, and never a partial file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest
from docx import Document

from app.cli import main
from app.typeset.spec import parse_description

ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *argv):
    code = main(["template", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def broken_template(tmp_path: Path) -> Path:
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({
        "govdesk_template": 1, "name": "坏通知", "kind": "通知",
        "document": {"title": "关于{{ doc.subject }}的通知", "body": "第一段\n第二段\n{{ doc.venue|cn_date }}"},
    }, ensure_ascii=False), encoding="utf-8")
    return path


def test_list_shows_every_shipped_template(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    stems = [line.split("\t")[0] for line in out.splitlines()]
    assert len(stems) == 16 and {"notice", "minutes", "form_roster", "form_incident", "form_handover"} <= set(stems)


def test_render_a_shipped_template_by_chinese_name_to_json_pdf_and_docx(capsys, tmp_path):
    code, _, err = run(capsys, "render", "会议纪要", "-o", str(tmp_path / "m.json"), "--today", "2026-02-20")
    assert code == 0, err
    description = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert parse_description(description).kind == "minutes"
    assert run(capsys, "render", "notice", "-o", str(tmp_path / "n.pdf"))[0] == 0
    with pdfplumber.open(tmp_path / "n.pdf") as pdf:
        assert "通知" in (pdf.pages[0].extract_text() or "")
    assert run(capsys, "render", "notice", "-o", str(tmp_path / "n.docx"))[0] == 0
    assert any("通知" in p.text for p in Document(str(tmp_path / "n.docx")).paragraphs)
    assert run(capsys, "render", "值班表", "-o", str(tmp_path / "r.docx"))[0] == 0
    assert len(Document(str(tmp_path / "r.docx")).tables[0].rows) == 10


def test_render_with_a_data_file(capsys, tmp_path):
    data = json.loads((ROOT / "resources/demo/templates/letter.json").read_text(encoding="utf-8"))
    data["doc"]["subject"] = "商请借用会议室"
    (tmp_path / "d.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, _, err = run(capsys, "render", "函", "-d", str(tmp_path / "d.json"), "-o", str(tmp_path / "f.json"))
    assert code == 0, err
    assert json.loads((tmp_path / "f.json").read_text(encoding="utf-8"))["title"].endswith("关于商请借用会议室的函")


@pytest.mark.parametrize("fmt", ["pdf", "docx", "json"])
def test_broken_template_exits_2_names_field_and_line_and_writes_nothing(capsys, tmp_path, fmt):
    template = broken_template(tmp_path)
    data = tmp_path / "data.json"
    data.write_text('{"doc": {"subject": "值班"}}', encoding="utf-8")
    out = tmp_path / "out" / f"result.{fmt}"
    out.parent.mkdir()
    code, _, err = run(capsys, "render", str(template), "-d", str(data), "-o", str(out))
    assert code == 2
    assert "body 第 3 行" in err and "venue" in err
    assert list(out.parent.iterdir()) == []             # no output, no temporary file


def test_failed_render_leaves_an_existing_output_untouched(capsys, tmp_path):
    out = tmp_path / "result.pdf"
    out.write_bytes(b"previous good file")
    data = tmp_path / "data.json"
    data.write_text('{"doc": {"subject": "值班", "venue": "不是日期"}}', encoding="utf-8")
    code, _, err = run(capsys, "render", str(broken_template(tmp_path)), "-d", str(data), "-o", str(out))
    assert code == 2 and "cn_date" in err
    assert out.read_bytes() == b"previous good file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.json", "data.json", "result.pdf"]


@pytest.mark.parametrize("argv, words", [
    (["render", "没有这个模板", "-o", "{tmp}/x.pdf"], ["找不到模板"]),
    (["render", "notice", "-o", "{tmp}/x.txt"], [".pdf", ".docx"]),
    (["render", "notice", "-o", "{tmp}/missing/x.pdf"], ["文件夹不存在"]),
    (["render", "notice", "-d", "{tmp}/none.json", "-o", "{tmp}/x.pdf"], ["找不到数据文件"]),
    (["render", "notice", "-d", "{tmp}/bad.json", "-o", "{tmp}/x.pdf"], ["不是有效的 JSON", "第 1 行"]),
    (["render", "值班表", "-o", "{tmp}/x.json"], [".docx", ".pdf"]),
    (["render", "notice", "--today", "2026-13-01", "-o", "{tmp}/x.pdf"], ["--today"]),
])
def test_bad_input_exits_2_with_a_message_and_no_file(capsys, tmp_path, argv, words):
    (tmp_path / "bad.json").write_text("{oops", encoding="utf-8")
    code, _, err = run(capsys, *[a.replace("{tmp}", str(tmp_path)) for a in argv])
    assert code == 2
    assert err.startswith("错误：") and all(w in err for w in words)
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "x.json").exists()


def test_check_lists_problems_and_exits_2(capsys, tmp_path):
    data = tmp_path / "data.json"
    data.write_text('{"doc": {"subject": "值班"}}', encoding="utf-8")
    code, _, err = run(capsys, "check", str(broken_template(tmp_path)), "-d", str(data))
    assert code == 2 and "字段 body 第 3 行" in err
    code, out, _ = run(capsys, "check", "请示")
    assert code == 0 and "检查通过" in out


def test_real_process_exit_codes(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "app", "template", "render", "handover", "-o", str(tmp_path / "h.json")],
                        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run([sys.executable, "-m", "app", "template", "render", str(broken_template(tmp_path)),
                          "-o", str(tmp_path / "b.pdf")], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "请用 -d" in bad.stderr
    assert not (tmp_path / "b.pdf").exists()
