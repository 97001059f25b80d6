"""收文 page acts open window-modal dialogs with open() (no nested event loop): the test drives
each dialog after the call returned — 编辑, 催办, 办结, 另存附件 (pick, then target), and a
refusal shown in a non-blocking box. Rows and files read back."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from app.domain.incoming import Status
from app.services.incoming import book as incoming
from app.services.incoming.book import AttachmentIn, IncomingIn
from app.storage.models.incoming import IncomingDoc
from app.ui.incoming.dialogs import DoneDialog, IncomingDialog, UrgeDialog
from app.ui.qt import QApplication, QFileDialog, QInputDialog, QMessageBox, Qt
from tests.ui.test_incoming_page import NOW, _page, _settle, clerk  # noqa: F401  (fixture)


def _seed(ctx, title, files=()):
    data = IncomingIn(sender="市应急管理局", title=title, received_at=NOW - dt.timedelta(days=3),
                      handler_unit="办公室", handler_person="李四")
    return incoming.register(ctx, data, list(files))


def _modal(dialog, cls):
    assert isinstance(dialog, cls) and dialog.isVisible()
    assert dialog.windowModality() == Qt.WindowModality.WindowModal
    return dialog


def test_edit_urge_and_done_are_non_blocking(qtbot, clerk):  # noqa: F811
    info = _seed(clerk, "待办的件")
    page = _page(qtbot, clerk)
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    dlg = _modal(page.dialog, IncomingDialog)
    dlg.title_edit.setText("待办的件（更正）")
    dlg.accept()
    with Session(clerk.engine) as s:
        assert s.get(IncomingDoc, info.id).title == "待办的件（更正）"
    _settle(qtbot, page)
    assert "待办的件（更正）" in page.info_view.toPlainText()

    qtbot.mouseClick(page.urge_button, Qt.MouseButton.LeftButton)
    dlg = _modal(page.dialog, UrgeDialog)
    dlg.note.setPlainText("请今日反馈")
    dlg.accept()
    _settle(qtbot, page)
    assert page.selected().urge_count == 1 and "请今日反馈" in page.info_view.toPlainText()

    qtbot.mouseClick(page.done_button, Qt.MouseButton.LeftButton)
    dlg = _modal(page.dialog, DoneDialog)
    dlg.reject()  # cancelled: nothing changes
    with Session(clerk.engine) as s:
        assert s.get(IncomingDoc, info.id).status == Status.OPEN.value
    qtbot.mouseClick(page.done_button, Qt.MouseButton.LeftButton)
    dlg = page.dialog
    dlg.note.setPlainText("已落实")
    dlg.accept()
    with Session(clerk.engine) as s:
        assert s.get(IncomingDoc, info.id).status == Status.DONE.value


def test_save_one_of_several_attachments(qtbot, clerk, tmp_path):  # noqa: F811
    _seed(clerk, "带附件的件", [AttachmentIn("名单.xlsx", b"PK list"),
                                AttachmentIn("方案.docx", b"PK plan")])
    page = _page(qtbot, clerk)
    assert page.save_button.isEnabled()
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    pick = _modal(page.dialog, QInputDialog)
    assert pick.comboBoxItems() == ["名单.xlsx", "方案.docx"]
    pick.setTextValue("方案.docx")
    pick.accept()
    target = _modal(page.dialog, QFileDialog)
    dest = tmp_path / "另存的方案.docx"
    target.selectFile(str(dest))
    target.accept()
    assert dest.read_bytes() == b"PK plan"
    assert page.message.text() == f"附件已保存：{dest}" and page.message.kind == "ok"
    # a target that cannot be written: the refusal is on the page's message line, no box
    assert not page.write_attachment(page.detail.attachments[0].id,
                                     str(tmp_path / "无此目录" / "x.xlsx"))
    assert page.message.text().startswith("无法保存附件：") and page.message.kind == "error"
    assert not [w for w in QApplication.topLevelWidgets()
                if isinstance(w, QMessageBox) and w.isVisible()]


def test_a_file_that_cannot_be_added_is_reported_in_the_dialog(qtbot, clerk, tmp_path):  # noqa: F811
    dialog = IncomingDialog(clerk)
    qtbot.addWidget(dialog)
    dialog.add_file(str(tmp_path / "不存在.pdf"))
    assert "无法添加附件" in dialog.error.text() and dialog.files.count() == 0
    picker = dialog._add_files()
    assert picker.isVisible() and picker.fileMode() == QFileDialog.FileMode.ExistingFiles
    good = tmp_path / "通知.pdf"
    good.write_bytes(b"%PDF-1.4")
    picker.selectFile(str(good))
    picker.accept()
    assert dialog.files.count() == 1 and dialog.files.item(0).text().startswith("通知.pdf")
