"""模板 page driven with qtbot: problems shown with the right line and clicked to, the PDF
preview, saving a shipped template as an office copy, version restore, default protection."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.services.templates import library as tm
from app.storage.models import OfficeTemplate, TemplateVersion
from app.ui.qt import QMessageBox, QPdfDocument, Qt
from app.ui.templates.page import TemplatesPage

WAIT = 20_000


@pytest.fixture
def page(qtbot, admin_ui_ctx):
    p = TemplatesPage(admin_ui_ctx)
    qtbot.addWidget(p)
    p.resize(1400, 900)
    p.show()
    return p


def _open(qtbot, page: TemplatesPage, ref: str):
    page.select(ref)
    editor = page.editor
    assert editor is not None and editor.content.info.ref == ref
    qtbot.waitUntil(lambda: editor.task is not None and editor.task.finished, timeout=WAIT)
    return editor


def _type(qtbot, editor, text: str) -> None:
    with qtbot.waitSignal(editor.checked, timeout=WAIT):
        editor.textEdit.setPlainText(text)


def _line_containing(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _rows(ctx, model, *where):
    with ctx.session() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_list_by_kind_and_preview_appears(qtbot, page):
    qtbot.waitUntil(lambda: not page.reading)  # the list is read in the worker
    kinds = [page.tree.topLevelItem(i).text(0) for i in range(page.tree.topLevelItemCount())]
    assert kinds[:3] == ["通知", "通报", "请示"] and "值班表" in kinds
    editor = _open(qtbot, page, "shipped:notice")
    qtbot.waitUntil(lambda: editor.pdfDocument.status() == QPdfDocument.Status.Ready
                    and editor.pdfDocument.pageCount() >= 1, timeout=WAIT)
    assert editor.problemList.count() == 0
    # the preview shows the filled title from the sample data
    text = editor.pdfDocument.getAllText(0).text().replace("\n", "")
    assert "关于" in text and "通知" in text
    assert editor.previewLabel.text() == "预览（示例数据）"
    # the placeholder picker lists what the template expects, with its explanation
    picker = [editor.pickerList.item(i).text() for i in range(editor.pickerList.count())]
    assert any(t.startswith("office.name") and "发文机关全称" in t for t in picker)
    # … and what the sample data holds, with an example value
    sample_only = [t for t in picker if "例：" in t]
    assert sample_only, picker

    # double-clicking a placeholder inserts it at the cursor; the check runs again (the
    # picker shows beside the code, the advanced mode; 常用设置 comes first)
    assert editor.picker.isHidden()
    editor.tabs.setCurrentIndex(1)
    assert not editor.picker.isHidden()
    text = editor.textEdit.toPlainText()
    at = text.index("的通知")
    cursor = editor.textEdit.textCursor()
    cursor.setPosition(at)
    editor.textEdit.setTextCursor(cursor)
    row = next(i for i in range(editor.pickerList.count())
               if editor.pickerList.item(i).data(Qt.ItemDataRole.UserRole) == "doc.year")
    item = editor.pickerList.item(row)
    editor.pickerList.scrollToItem(item)
    pos = editor.pickerList.visualItemRect(item).center()
    with qtbot.waitSignal(editor.checked, timeout=WAIT):
        qtbot.mouseClick(editor.pickerList.viewport(), Qt.MouseButton.LeftButton, pos=pos)
        qtbot.mouseDClick(editor.pickerList.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert editor.textEdit.toPlainText() == text[:at] + "{{ doc.year }}" + text[at:]
    assert editor.dirty and editor.problemList.count() == 0


def test_syntax_error_is_shown_with_its_line_and_clicking_moves_there(qtbot, page):
    editor = _open(qtbot, page, "shipped:notice")
    broken = editor.textEdit.toPlainText().replace("{{ office.name }}关于", "{{ office.name }关于", 1)
    _type(qtbot, editor, broken)
    assert editor.problemList.count() == 1
    item = editor.problemList.item(0)
    line = _line_containing(broken, '"title"')
    assert "字段 title" in item.text() and f"第 {line} 行" in item.text()
    assert "语法错误" in item.text()
    assert editor.previewLabel.text().startswith("模板有问题")
    qtbot.mouseClick(editor.problemList.viewport(), Qt.MouseButton.LeftButton,
                     pos=editor.problemList.visualItemRect(item).center())
    assert editor.textEdit.textCursor().blockNumber() + 1 == line

    # an error on the 2nd line of a multi-line body: the cursor lands after the first "\n"
    body = broken.replace("{{ office.name }关于", "{{ office.name }}关于", 1).replace(
        '"body": "{{ doc.body }}"', '"body": "第一段\\n第二段{{ doc.nosuch }}\\n第三段"', 1)
    _type(qtbot, editor, body)
    assert editor.problemList.count() == 1
    assert "nosuch" in editor.problemList.item(0).text()
    editor.go_to_problem(editor.problemList.item(0))
    cursor = editor.textEdit.textCursor()
    assert body[cursor.position():].startswith("第二段{{ doc.nosuch }}")


def _save(qtbot, editor, draft: str | None = None) -> None:
    """Click 保存 and wait until the save (checked and written in the worker) has ended; with
    ``draft``, the 模板有问题 question must come and is answered by clicking that button."""
    with qtbot.waitSignal(editor.save_done, timeout=WAIT):
        qtbot.mouseClick(editor.saveButton, Qt.MouseButton.LeftButton)
        if draft is not None:
            qtbot.waitUntil(lambda: editor.draft_box is not None and editor.draft_box.isVisible(),
                            timeout=WAIT)
            _click(qtbot, editor.draft_box, draft)
            editor.draft_box = None


def _click(qtbot, box: QMessageBox, text: str) -> None:
    assert box.isVisible() and box.windowModality() == Qt.WindowModality.WindowModal
    (button,) = [b for b in box.buttons() if b.text() == text]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_shipped_edit_saves_office_copy_and_version_restore(qtbot, page, admin_ui_ctx):
    ctx = admin_ui_ctx
    editor = _open(qtbot, page, "shipped:letter")
    v1_text = editor.textEdit.toPlainText().replace("特此函告", "特此函告（一）", 1)
    assert v1_text != editor.textEdit.toPlainText()
    _type(qtbot, editor, v1_text)
    editor.commentEdit.setText("第一次修改")
    _save(qtbot, editor)
    # a new office copy, selected and opened in the editor
    with ctx.session() as s:
        row = s.execute(select(OfficeTemplate).where(OfficeTemplate.based_on == "letter")).scalar_one()
        template_id = row.id
    assert page.selected_ref() == f"office:{template_id}"
    editor = page.editor
    assert editor.content.info.ref == f"office:{template_id}"
    qtbot.waitUntil(lambda: editor.task is not None and editor.task.finished, timeout=WAIT)

    v2_text = v1_text.replace("特此函告（一）", "特此函告（二）", 1)
    _type(qtbot, editor, v2_text)
    _save(qtbot, editor)
    assert _rows(ctx, TemplateVersion, TemplateVersion.template_id == template_id) == 2

    editor = page.editor
    assert editor.historyTable.rowCount() == 2
    assert editor.historyTable.item(1, 3).text() == "第一次修改"
    editor.tabs.setCurrentWidget(editor.history_page)
    editor.historyTable.selectRow(1)  # version 1
    assert "特此函告（一）" in editor.versionView.toPlainText()
    assert editor.restoreButton.isEnabled()
    qtbot.mouseClick(editor.restoreButton, Qt.MouseButton.LeftButton)

    with ctx.session() as s:
        row = s.get(OfficeTemplate, template_id)
        assert row.current_version == 3 and row.text == v1_text
    assert _rows(ctx, TemplateVersion, TemplateVersion.template_id == template_id) == 3
    editor = page.editor
    assert editor.textEdit.toPlainText() == v1_text
    assert editor.historyTable.item(0, 0).text() == "第 3 版（当前）"
    assert editor.historyTable.item(0, 3).text() == "恢复第 1 版"


def test_broken_default_is_never_saved_and_drafts_need_confirmation(qtbot, page, admin_ui_ctx):
    ctx = admin_ui_ctx
    info = tm.duplicate(ctx, "shipped:request")
    page.select(info.ref)
    qtbot.mouseClick(page.defaultButton, Qt.MouseButton.LeftButton)
    assert tm.default_info(ctx, "请示").ref == info.ref
    editor = page.editor
    qtbot.waitUntil(lambda: editor.task is not None and editor.task.finished, timeout=WAIT)
    broken = editor.textEdit.toPlainText().replace('"{{ office.name }}', '"{{ office.nam }}', 1)
    _type(qtbot, editor, broken)
    _save(qtbot, editor)
    assert editor.draft_box is None  # not even offered as a draft
    assert "默认模板" in editor.previewLabel.text()
    assert tm.get(ctx, info.ref).info.current_version == 1

    # the same change on a template that is not the default: saved as a confirmed draft
    other = tm.duplicate(ctx, "shipped:request", "请示草稿")
    page.select(other.ref)
    editor = page.editor
    qtbot.waitUntil(lambda: editor.task is not None and editor.task.finished, timeout=WAIT)
    _type(qtbot, editor, broken)
    _save(qtbot, editor, draft="取消")  # declined
    assert tm.get(ctx, other.ref).info.current_version == 1 and editor.saveButton.isEnabled()
    with qtbot.waitSignal(editor.save_done, timeout=WAIT):
        qtbot.mouseClick(editor.saveButton, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: editor.draft_box is not None, timeout=WAIT)
        box = editor.draft_box
        assert "1 处问题" in box.text() and "草稿不能设为默认" in box.informativeText()
        assert not editor.saveButton.isEnabled()  # the save waits for the answer
        assert tm.get(ctx, other.ref).info.current_version == 1
        _click(qtbot, box, "保存为草稿")  # confirmed
    assert tm.get(ctx, other.ref).info.current_version == 2
    # and the draft cannot become the default
    qtbot.mouseClick(page.defaultButton, Qt.MouseButton.LeftButton)
    assert "不能设为默认" in page.statusLabel.text()
    assert tm.default_info(ctx, "请示").ref == info.ref


def test_duplicate_import_export(qtbot, page, admin_ui_ctx, tmp_path):
    ctx = admin_ui_ctx
    page.select("shipped:form_roster")
    qtbot.mouseClick(page.duplicateButton, Qt.MouseButton.LeftButton)
    assert _rows(ctx, OfficeTemplate, OfficeTemplate.format == tm.WORDFORM) == 1
    assert page.selected().name == "值班表（副本）"
    editor = page.editor
    assert editor.formPanel.isVisibleTo(editor)
    assert not editor.textEdit.isVisibleTo(editor)

    # replacing the form with a .docx whose placeholder the data lacks: the problem names the
    # part and paragraph; saving needs the draft confirmation and makes version 2
    from docx import Document

    doc = Document()
    doc.core_properties.title = "值班表"
    doc.core_properties.category = "值班表"
    doc.add_paragraph("标题")
    doc.add_paragraph("值班电话：{{ office.nosuch_phone }}")
    path = tmp_path / "新值班表.docx"
    doc.save(path)
    with qtbot.waitSignal(editor.checked, timeout=WAIT):
        editor.use_docx_file(str(path))
    texts = [editor.problemList.item(i).text() for i in range(editor.problemList.count())]
    assert len(texts) == 1 and "正文" in texts[0] and "nosuch_phone" in texts[0], texts
    assert editor.dirty
    _save(qtbot, editor, draft="保存为草稿")
    copy = page.selected()
    assert copy is not None and copy.current_version == 2
    assert tm.get(ctx, copy.ref).data == path.read_bytes()
    # renamed in place in the list (F2)
    page.tree.currentItem().setText(0, "防汛值班表")
    with ctx.session() as s:
        assert s.get(OfficeTemplate, copy.id).name == "防汛值班表"
    qtbot.waitUntil(lambda: page.selected() is not None and page.selected().name == "防汛值班表")
    assert "防汛值班表" in page.editor.titleLabel.text()

    out = tm.export_file(ctx, "shipped:minutes", tmp_path / "纪要.json")
    new = page.import_path(str(out))
    assert new is not None and page.selected_ref() == new.ref
    assert _rows(ctx, OfficeTemplate, OfficeTemplate.kind == "会议纪要") == 1
    bad = tmp_path / "坏.json"
    bad.write_text("{\n  \"kind\": \n", encoding="utf-8")
    assert page.import_path(str(bad)) is None
    assert "第 3 行" in page.statusLabel.text() or "JSON" in page.statusLabel.text()


def test_save_checks_in_the_worker_with_the_button_off(qtbot, page, admin_ui_ctx, monkeypatch):
    """The save's re-check runs in the worker: meanwhile 保存 is off, the text read-only, a
    second Ctrl+S does nothing, and exactly one version is written."""
    import threading

    ctx = admin_ui_ctx
    info = tm.duplicate(ctx, "shipped:letter", "函（测试）")
    page.select(info.ref)
    editor = page.editor
    qtbot.waitUntil(lambda: editor.task is not None and editor.task.finished, timeout=WAIT)
    gate, gui, threads, real = threading.Event(), threading.get_ident(), [], tm.check

    def slow_check(content):  # type: ignore[no-untyped-def]
        threads.append(threading.get_ident())
        assert gate.wait(10)
        return real(content)

    monkeypatch.setattr(tm, "check", slow_check)
    text = editor.textEdit.toPlainText().replace("特此函告", "特此函达", 1)
    _type(qtbot, editor, text)
    editor.activateWindow()
    qtbot.mouseClick(editor.saveButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(threads) == 1)  # the event loop serves while the check waits
    assert threads[0] != gui
    assert not editor.saveButton.isEnabled() and editor.textEdit.isReadOnly()
    assert editor.previewLabel.text() == "正在检查模板……"
    editor.save()  # what a second Ctrl+S calls: ignored while the first save runs
    with qtbot.waitSignal(editor.save_done, timeout=WAIT):
        gate.set()
    assert len(threads) == 1
    assert _rows(ctx, TemplateVersion, TemplateVersion.template_id == info.id) == 2
    assert tm.get(ctx, info.ref).text == text
    editor = page.editor
    assert editor.saveButton.isEnabled() and not editor.textEdit.isReadOnly()
    assert "已保存" in page.statusLabel.text()


def test_delete_asks_first_and_deletes_only_on_its_button(qtbot, page, admin_ui_ctx):
    ctx = admin_ui_ctx
    info = tm.duplicate(ctx, "shipped:letter", "函（待删除）")
    page.refresh()
    page.select(info.ref)
    qtbot.mouseClick(page.deleteButton, Qt.MouseButton.LeftButton)
    box = page.delete_box
    assert "函（待删除）" in box.text() and box.defaultButton().text() == "取消"
    _click(qtbot, box, "取消")
    assert _rows(ctx, OfficeTemplate, OfficeTemplate.id == info.id) == 1
    qtbot.mouseClick(page.deleteButton, Qt.MouseButton.LeftButton)
    _click(qtbot, page.delete_box, "删除")
    assert _rows(ctx, OfficeTemplate, OfficeTemplate.id == info.id) == 0
    assert page.statusLabel.text() == "已删除“函（待删除）”。" and page.statusLabel.kind == "ok"
    assert info.ref not in page.items and page.editor is None


def test_leaving_unsaved_edits_asks_and_cancel_keeps_them(qtbot, page):
    editor = _open(qtbot, page, "shipped:letter")
    with qtbot.waitSignal(editor.checked, timeout=WAIT):
        editor.textEdit.textCursor().insertText(" ")  # typed: the document is modified
    edited = editor.textEdit.toPlainText()
    assert editor.dirty
    page.select("shipped:notice")
    box = page.discard_box
    assert box.text().startswith("当前模板的修改尚未保存")
    _click(qtbot, box, "取消")  # the edits stay, and so does the selection
    assert page.editor is editor and editor.textEdit.toPlainText() == edited
    assert page.selected_ref() == "shipped:letter"
    page.select("shipped:notice")
    _click(qtbot, page.discard_box, "放弃修改")
    assert page.editor is not editor and page.editor.content.info.ref == "shipped:notice"
