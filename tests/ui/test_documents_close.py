"""Closing a 公文 editor with qtbot: the "*" marker, the 保存 / 不保存 / 取消 question (a window-modal
box opened with open(), answered by clicking its buttons), Ctrl+S, undo kept across a save, and a
concurrent save met while closing — the user's text is never lost. Rows read back from the
database."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.documents import drafts as docs
from app.storage.models import AuditEvent, Document
from app.ui.qt import QMessageBox, Qt
from tests.services.documents_helpers import notice, people


@pytest.fixture
def clerk(app_env):
    _config, ctx = app_env
    return people(ctx)["clerk"]


def _open(qtbot, ctx, doc_id):
    from app.ui.documents.page import DocumentsPage

    page = DocumentsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    return page, page.open_document(doc_id)


def _click(qtbot, box: QMessageBox, text: str) -> None:
    (button,) = [b for b in box.buttons() if b.text() == text]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _title(ctx, doc_id) -> str:
    with Session(ctx.engine) as s:
        return s.get(Document, doc_id).title


def test_close_asks_save_discard_or_cancel(qtbot, clerk):
    info = docs.create_document(clerk, notice(title="关于甲的通知"))
    page, editor = _open(qtbot, clerk, info.id)
    assert editor.ask_close() is None and page.tabs.count() == 2  # unchanged: closes at once
    editor = page.open_document(info.id)
    tab = page.tabs.indexOf(editor)
    editor.form.text["title"].setText("关于乙的通知")
    assert page.tabs.tabText(tab).startswith("* ") and editor.isWindowModified()
    assert editor.windowTitle() == "关于乙的通知[*] — 公文"

    page.close_tab(tab)
    box = editor.close_box
    assert box.isVisible() and box.windowModality() == Qt.WindowModality.WindowModal
    assert sorted(b.text() for b in box.buttons()) == sorted(["保存", "不保存", "取消"])
    assert box.defaultButton().text() == "保存" and box.escapeButton().text() == "取消"
    _click(qtbot, box, "取消")
    assert page.tabs.indexOf(editor) == tab and editor.dirty
    assert editor.form.text["title"].text() == "关于乙的通知"

    page.close_tab(tab)
    _click(qtbot, editor.close_box, "不保存")
    assert page.tabs.indexOf(editor) == -1 and page.tabs.count() == 2
    assert _title(clerk, info.id) == "关于甲的通知"

    editor = page.open_document(info.id)
    editor.form.text["title"].setText("关于丙的通知")
    page.tabs.setCurrentWidget(editor)
    page.activateWindow()
    field = editor.form.text["title"]
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    qtbot.keyClick(field, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert editor.close_box is not None and editor.close_box.isVisible()
    _click(qtbot, editor.close_box, "保存")
    assert page.tabs.count() == 2 and _title(clerk, info.id) == "关于丙的通知"
    with Session(clerk.engine) as s:
        assert len(s.execute(select(AuditEvent).where(
            AuditEvent.action == "doc.update")).all()) == 1


def test_ctrl_s_clears_the_marker_and_keeps_undo(qtbot, clerk):
    info = docs.create_document(clerk, notice())
    page, editor = _open(qtbot, clerk, info.id)
    body = editor.form.body
    body.moveCursor(body.textCursor().MoveOperation.End)
    body.insertPlainText("补充一句。")
    assert editor.isWindowModified()
    page.activateWindow()
    body.setFocus()
    qtbot.waitUntil(body.hasFocus)
    qtbot.keyClick(body, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not editor.dirty and not editor.isWindowModified()
    assert not page.tabs.tabText(page.tabs.indexOf(editor)).startswith("*")
    with Session(clerk.engine) as s:
        assert s.get(Document, info.id).description["body"].endswith("补充一句。")
    assert body.document().isUndoAvailable()  # saving does not wipe the undo history
    body.undo()
    assert not body.toPlainText().endswith("补充一句。") and editor.dirty


def test_a_conflict_met_while_closing_keeps_the_tab_and_the_text(qtbot, clerk):
    from app.ui.conflict_dialog import ConflictDialog

    info = docs.create_document(clerk, notice(title="关于甲的通知"))
    page, editor = _open(qtbot, clerk, info.id)
    editor.form.text["title"].setText("关于我的修改的通知")
    docs.update_document(clerk, info.id, notice(title="关于他人修改的通知"),
                         expected_version=info.version)  # another desk saves meanwhile
    page.close_tab(page.tabs.indexOf(editor))
    _click(qtbot, editor.close_box, "保存")
    conflict = editor.conflict_dialog
    assert isinstance(conflict, ConflictDialog) and conflict.isVisible()
    assert "标题" in conflict.differing
    assert page.tabs.indexOf(editor) >= 2  # not closed
    assert editor.form.text["title"].text() == "关于我的修改的通知"
    assert _title(clerk, info.id) == "关于他人修改的通知"
    qtbot.mouseClick(conflict.reapply_button, Qt.MouseButton.LeftButton)
    assert editor.dirty and editor.form.text["title"].text() == "关于我的修改的通知"
    assert editor.info.version == docs.get_document(clerk, info.id).version
    page.close_tab(page.tabs.indexOf(editor))
    _click(qtbot, editor.close_box, "保存")  # a deliberate save on top of the saved version
    assert page.tabs.count() == 2 and _title(clerk, info.id) == "关于我的修改的通知"


def test_taking_the_saved_version_is_an_explicit_choice(qtbot, clerk):
    info = docs.create_document(clerk, notice(title="关于甲的通知"))
    page, editor = _open(qtbot, clerk, info.id)
    docs.update_document(clerk, info.id, notice(title="关于他人修改的通知"),
                         expected_version=info.version)
    editor.form.text["title"].setText("关于我的修改的通知")
    assert not editor.save()
    assert editor.form.text["title"].text() == "关于我的修改的通知"  # kept until the choice
    qtbot.mouseClick(editor.conflict_dialog.reload_button, Qt.MouseButton.LeftButton)
    assert editor.form.text["title"].text() == "关于他人修改的通知" and not editor.dirty
    assert "已采用他人保存的版本" in editor.message.text()
    assert page.tabs.tabText(page.tabs.indexOf(editor)) == "关于他人修改的通知"


def test_leaving_the_main_window_asks_about_unsaved_editors(qtbot, clerk, tmp_path):
    from app.ui.main_window import MainWindow

    info = docs.create_document(clerk, notice(title="关于甲的通知"))
    other = docs.create_document(clerk, notice(title="关于乙的通知"))
    win = MainWindow(clerk, "test", tmp_path / "ui.ini")
    qtbot.addWidget(win)
    win.show()
    closed, logouts = [], []
    win.closed.connect(lambda: closed.append(1))
    win.logout_requested.connect(lambda: logouts.append(1))
    page = win.show_page("documents")
    editor = page.open_document(info.id)
    page.open_document(other.id)  # opened, not changed: not asked about
    editor.form.text["title"].setText("关于甲（修改）的通知")
    assert win.unsaved_titles() == ["关于甲（修改）的通知"]

    assert not win.close() and win.isVisible() and not closed
    box = win.unsaved_box
    assert box.isVisible() and "关于甲（修改）的通知" in box.text()
    _click(qtbot, box, "取消")
    assert win.isVisible() and not closed and editor.dirty

    win.logout_action.trigger()
    _click(qtbot, win.unsaved_box, "不保存")
    assert logouts == [1] and _title(clerk, info.id) == "关于甲的通知"

    # 全部保存 meets a concurrent save: the window stays, showing the editor with the text
    docs.update_document(clerk, info.id, notice(title="关于他人修改的通知"),
                         expected_version=info.version)
    win.show_page("workbench")
    win.close()
    _click(qtbot, win.unsaved_box, "全部保存")
    assert win.isVisible() and not closed and win.current_key() == "documents"
    assert page.tabs.currentWidget() is editor and editor.conflict_dialog.isVisible()
    assert editor.form.text["title"].text() == "关于甲（修改）的通知"
    qtbot.mouseClick(editor.conflict_dialog.reapply_button, Qt.MouseButton.LeftButton)
    win.close()
    _click(qtbot, win.unsaved_box, "全部保存")
    assert closed == [1] and _title(clerk, info.id) == "关于甲（修改）的通知"


def test_a_proofreading_fix_is_one_undo_step(qtbot, clerk):
    """The one-click fixes edit only what differs, as typing would: Ctrl+Z takes a fix back,
    and the earlier typing stays undoable behind it."""
    body_text = "现将有关事项通知如下,请遵照执行."
    info = docs.create_document(clerk, notice(to="各区人民政府", body=body_text))
    _page, editor = _open(qtbot, clerk, info.id)
    qtbot.waitUntil(lambda: any(f.rule == "punct.halfwidth" for f in editor.findings),
                    timeout=20_000)
    body, to = editor.form.body, editor.form.text["to"]
    body.moveCursor(body.textCursor().MoveOperation.End)
    body.insertPlainText("特此通知")
    typed = body.toPlainText()
    editor.fix_all()
    assert body.toPlainText() == "现将有关事项通知如下，请遵照执行。特此通知"
    assert to.text() == "各区人民政府："
    body.undo()
    assert body.toPlainText() == typed  # the fix is taken back …
    body.undo()
    assert body.toPlainText() == body_text  # … and the typing before it too
    to.undo()
    assert to.text() == "各区人民政府"
    assert editor.dirty
