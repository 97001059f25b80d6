"""常用设置: the common changes to a template (names, 印发机关, phones, 主送, 署名) as a form over
the template text, shown in the preview and saved like a code edit; clearing a field gives the
office settings back. The code editor stays, as the advanced mode."""

from __future__ import annotations

import json

import pytest

from app.ui.qt import QPdfDocument
from app.ui.templates.page import TemplatesPage
from app.ui.templates.simple_form import apply_form, check_value, read_form
from tests.ui.test_templates_page import WAIT, _open, _save


@pytest.fixture
def page(qtbot, admin_ui_ctx):
    p = TemplatesPage(admin_ui_ctx)
    qtbot.addWidget(p)
    p.resize(1400, 900)
    p.show()
    return p


def _pdf_text(editor) -> str:
    doc = editor.pdfDocument
    return "".join(doc.getAllText(i).text() for i in range(doc.pageCount())).replace("\n", "")


def test_form_values_go_into_the_template_and_come_back_out():
    from app.paths import templates_dir

    shipped = json.loads((templates_dir() / "notice.json").read_text(encoding="utf-8"))
    assert read_form(shipped) == {"name": "", "mark": "", "printer": "", "to": "", "issuer": ""}
    fixed = apply_form(shipped, {"name": "临江市人民政府办公室", "printer": "临江市政府办公室秘书科",
                                 "to": "各处室", "issuer": ""})
    assert fixed["document"]["to"] == "{{ doc.to|default('各处室', true) }}："
    assert read_form(fixed)["name"] == "临江市人民政府办公室"
    assert read_form(fixed)["printer"] == "临江市政府办公室秘书科"
    # clearing every field gives the shipped template back, byte for byte
    assert apply_form(fixed, {k: "" for k in read_form(fixed)}) == shipped
    assert check_value("署名", "某'局") != "" and check_value("署名", "临江市“应急”局") == ""


def test_editing_the_form_previews_and_saves(qtbot, page, admin_ui_ctx):
    editor = _open(qtbot, page, "shipped:notice")
    form = editor.simpleForm
    assert editor.tabs.currentWidget() is form  # the form first; the code is the advanced mode
    assert editor.tabs.tabText(1) == "代码（高级）"
    assert set(form.edits) == {"name", "mark", "printer", "to", "issuer"}
    with qtbot.waitSignal(editor.previewed, timeout=WAIT):
        form.edits["printer"].setText("临江市政府办公室秘书科")
        form.edits["issuer"].setText("临江市应急管理局")
        form.edits["issuer"].editingFinished.emit()
    qtbot.waitUntil(lambda: editor.pdfDocument.status() == QPdfDocument.Status.Ready, timeout=WAIT)
    assert editor.problemList.count() == 0
    text = _pdf_text(editor)
    assert "临江市政府办公室秘书科" in text and "临江市应急管理局" in text
    assert "临江市政府办公室秘书科" in editor.textEdit.toPlainText() and editor.dirty
    # a character the template language cannot take is refused with a reason
    form.edits["name"].setText("某{局")
    form.edits["name"].editingFinished.emit()
    assert "不能含有" in form.message.text()
    form.edits["name"].setText("")
    form.edits["name"].editingFinished.emit()
    assert form.message.text() == ""
    _save(qtbot, editor)
    saved = page.editor
    assert not saved.content.info.shipped  # an office copy
    assert read_form(json.loads(saved.content.text))["printer"] == "临江市政府办公室秘书科"
    assert saved.simpleForm.edits["issuer"].text() == "临江市应急管理局"
