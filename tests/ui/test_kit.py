"""The UI kit (app/ui/kit): the message line, background work with progress and 取消, the
non-blocking questions and notices, the save-path chooser and form rows — driven with qtbot —
and a scan of app/ui that fails when a module outside the kit opens a blocking box."""

from __future__ import annotations

import ast
import logging
import sys
import threading
from pathlib import Path

import pytest

from app.errors import InputError
from app.ui.kit import (
    PDF,
    FileKind,
    FormRows,
    MessageLine,
    ask_save_path,
    ask_text,
    confirm,
    inform,
    label_text,
    messages,
    run_busy,
    warn,
)
from app.ui.kit.message_line import ERROR_COLOUR, OK_COLOUR
from app.ui.qt import (
    QApplication,
    QDialogButtonBox,
    QFileDialog,
    QLineEdit,
    QMessageBox,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
)

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "app" / "ui"
KIT = UI / "kit"

#: Blocking statics: each runs a nested event loop until the user answers.
BLOCKING_STATICS = {
    "QMessageBox": {"question", "warning", "information", "critical", "about", "aboutQt"},
    "QInputDialog": {"getText", "getInt", "getDouble", "getItem", "getMultiLineText"},
    "QFileDialog": {"getOpenFileName", "getOpenFileNames", "getSaveFileName",
                    "getExistingDirectory", "getOpenFileUrl", "getSaveFileUrl"},
    "QColorDialog": {"getColor"},
    "QFontDialog": {"getFont"},
}
#: ``exec()`` is allowed on the application object only (application.py's ``app.exec()``).
APPLICATION_NAMES = {"app", "qapp"}


def blocking_calls(source: str) -> list[tuple[int, str]]:
    """(line, call) for every blocking dialog call in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        attr, owner = node.func.attr, node.func.value
        owner_name = owner.id if isinstance(owner, ast.Name) else (
            owner.attr if isinstance(owner, ast.Attribute) else "")
        if attr in BLOCKING_STATICS.get(owner_name, ()):
            found.append((node.lineno, f"{owner_name}.{attr}"))
        elif attr in ("exec", "exec_") and owner_name not in APPLICATION_NAMES:
            found.append((node.lineno, f"{owner_name or '…'}.{attr}()"))
    return found


def test_no_blocking_boxes_outside_the_kit():
    offenders = []
    for path in sorted(UI.rglob("*.py")):
        if KIT in path.parents or path.parent.name == "forms":  # forms: compiled Designer files
            continue
        for line, call in blocking_calls(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {call}")
    assert not offenders, "blocking dialogs (use app.ui.kit: confirm/warn/ask_text/ask_file):\n" \
        + "\n".join(offenders)


@pytest.mark.parametrize("code", [
    "QMessageBox.question(self, 't', 'q')",
    "QtWidgets.QMessageBox.warning(None, 't', 'q')",
    "box = QMessageBox(); box.exec()",
    "self.dialog.exec_()",
    "name, ok = QInputDialog.getText(self, 't', 'l')",
    "path, _ = QFileDialog.getSaveFileName(self)",
])
def test_the_scan_finds_blocking_calls(code):
    assert blocking_calls(code)


def test_the_scan_leaves_non_blocking_calls_alone():
    assert blocking_calls("box = QMessageBox(); box.open()\napp.exec()\n"
                          "QMessageBox.Icon.Warning\nconfirm(self, 't', 'q', 'ok', f)") == []


# ---- the message line -----------------------------------------------------------------------
@pytest.fixture
def line(qtbot):
    page = QWidget()
    qtbot.addWidget(page)
    line = MessageLine(page, name="pageMessage")
    QVBoxLayout(page).addWidget(line)
    page.show()
    yield line


def test_message_line_says_done_refused_and_failed(qtbot, line, caplog):
    line.ok("已保存。")
    assert line.text() == "已保存。" and line.kind == "ok"
    assert OK_COLOUR in line.label.styleSheet()
    line.error(InputError("日期格式不对。"))
    assert line.text() == "日期格式不对。" and line.kind == "error"
    assert ERROR_COLOUR in line.label.styleSheet()
    with caplog.at_level(logging.ERROR):
        line.error(RuntimeError("secret internals"))
    assert "secret" not in line.text() and "内部错误" in line.text()
    assert any(r.exc_info and "secret internals" in str(r.exc_info[1]) for r in caplog.records)
    line.setText("<b>不是富文本</b>")  # a QLabel's setText: a neutral note, shown as typed
    assert line.kind == "note" and line.label.styleSheet() == ""
    assert line.label.textFormat() == Qt.TextFormat.PlainText
    line.clear()
    assert line.text() == "" and line.kind == ""


def _held_work():
    """A task that reports 40 %, then waits until released (or cancelled)."""
    started, release = threading.Event(), threading.Event()

    def work(control, answer):
        control.progress(40, "第 2 步，共 5 步")
        started.set()
        assert release.wait(5)
        control.check()
        return answer

    return work, started, release


def test_busy_shows_progress_then_the_result(qtbot, line):
    work, started, release = _held_work()
    handle = run_busy(line, work, "已导出：a.pdf", busy="正在导出……")
    assert line.is_busy and line.bar.isVisible() and line.text() == "正在导出……"
    assert not line.cancel_button.isVisible()  # not cancellable
    qtbot.waitUntil(lambda: line.bar.value() == 40)
    assert line.text() == "第 2 步，共 5 步"
    release.set()
    with qtbot.waitSignal(handle.done, timeout=5000):
        pass
    assert not line.is_busy and not line.bar.isVisible()
    assert line.text() == "已导出：a.pdf" and line.kind == "ok"  # a text result is said


def test_busy_cancel_button_stops_the_work(qtbot, line):
    work, started, release = _held_work()
    got = []
    handle = run_busy(line, work, "x", busy="正在排班……", cancellable=True,
                      on_result=got.append)
    assert line.cancel_button.isVisible() and line.cancel_button.isEnabled()
    assert started.wait(5)
    qtbot.mouseClick(line.cancel_button, Qt.MouseButton.LeftButton)
    assert line.text() == "正在取消……" and not line.cancel_button.isEnabled()
    release.set()
    with qtbot.waitSignal(handle.done, timeout=5000):
        pass
    assert got == [] and line.text() == "已取消。"
    assert not line.cancel_button.isVisible() and not line.bar.isVisible()


def test_busy_error_goes_to_the_line_or_the_callback(qtbot, line):

    def refused(_control):
        raise InputError("没有可导出的记录。")

    handle = run_busy(line, refused, busy="正在导出……")
    with qtbot.waitSignal(handle.done, timeout=5000):
        pass
    assert line.text() == "没有可导出的记录。" and line.kind == "error" and not line.is_busy
    seen = []
    handle = run_busy(line, refused, on_error=seen.append)
    with qtbot.waitSignal(handle.done, timeout=5000):
        pass
    assert [str(e) for e in seen] == ["没有可导出的记录。"] and line.text() == ""


def test_an_older_task_ending_leaves_the_newer_ones_bar(qtbot, line):
    first, _s1, release1 = _held_work()
    second, _s2, release2 = _held_work()
    h1 = run_busy(line, first, None, busy="一")
    h2 = run_busy(line, second, "二完成", busy="二")
    release1.set()
    with qtbot.waitSignal(h1.done, timeout=5000):
        pass
    assert line.is_busy and line.bar.isVisible()
    release2.set()
    with qtbot.waitSignal(h2.done, timeout=5000):
        pass
    assert not line.is_busy and line.text() == "二完成"


# ---- questions and notices -------------------------------------------------------------------
def _click(qtbot, box: QMessageBox, text: str) -> None:
    (button,) = [b for b in box.buttons() if b.text() == text]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_confirm_and_warn_are_window_modal_and_answer_by_callback(qtbot):
    page = QWidget()
    qtbot.addWidget(page)
    page.show()
    said = []
    box = confirm(page, "删除模板", "删除“甲”吗？", "删除", lambda: said.append("yes"),
                  on_reject=lambda: said.append("no"), name="deleteQuestion")
    assert box.isVisible() and box.windowModality() == Qt.WindowModality.WindowModal
    assert said == []  # open() returned at once: the answer comes later
    _click(qtbot, box, "删除")
    assert said == ["yes"]
    box = confirm(page, "删除模板", "删除“甲”吗？", "删除", lambda: said.append("yes"),
                  on_reject=lambda: said.append("no"))
    _click(qtbot, box, "取消")
    assert said == ["yes", "no"]

    box = warn(page, "无法保存附件", "目录不存在。", then=lambda: said.append("seen"))
    assert box.isVisible() and box.icon() == QMessageBox.Icon.Warning
    assert box.windowModality() == Qt.WindowModality.WindowModal
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert said[-1] == "seen" and not box.isVisible()
    box = inform(page, "关于", "公文值守台")
    assert box.icon() == QMessageBox.Icon.Information and box.isVisible()
    box.accept()


def test_ask_text_runs_the_continuation_on_ok_only(qtbot):
    page = QWidget()
    qtbot.addWidget(page)
    page.show()
    got = []
    dlg = ask_text(page, "办结", "办理结果：", got.append)
    assert dlg.isVisible() and dlg.windowModality() == Qt.WindowModality.WindowModal
    dlg.findChild(QLineEdit).setText("已电话告知")
    dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    assert got == ["已电话告知"]
    dlg = ask_text(page, "办结", "办理结果：", got.append)
    dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel).click()
    assert got == ["已电话告知"]


def test_excepthook_in_the_running_loop_opens_a_non_blocking_box(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    blocked = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *a: blocked.append(a))
    root = logging.getLogger()
    handlers = list(root.handlers)
    try:
        messages.install_excepthook(messages.setup_logging(tmp_path / "logs"))
        called = []

        def fail_in_a_slot():
            try:
                raise InputError("日期格式不对。")
            except InputError:
                sys.excepthook(*sys.exc_info())
            called.append(True)

        from app.ui.qt import QTimer

        QTimer.singleShot(0, fail_in_a_slot)
        qtbot.waitUntil(lambda: bool(called), timeout=5000)  # the hook runs inside the event loop
        (box,) = [w for w in QApplication.allWidgets()
                  if isinstance(w, QMessageBox) and w.objectName() == "errorBox" and w.isVisible()]
        assert box.text() == "日期格式不对。" and blocked == []
        assert box.windowModality() == Qt.WindowModality.WindowModal
        box.accept()
        assert not box.isVisible()
    finally:
        for h in root.handlers[:]:
            if h not in handlers:
                root.removeHandler(h)
                h.close()


# ---- save path, form rows ----------------------------------------------------------------------
def test_ask_save_path_proposes_a_safe_name_and_hands_back_the_path(qtbot, tmp_path, monkeypatch):
    from app.ui.kit import file_dialogs

    monkeypatch.setattr(file_dialogs, "start_folder", lambda kind: tmp_path)
    page = QWidget()
    qtbot.addWidget(page)
    page.show()
    got = []
    dlg = ask_save_path(page, FileKind.PRINTS, "导出公文", got.append, name="关于A/B的通知.pdf",
                        filters=[PDF], suffix="pdf")
    assert isinstance(dlg, QFileDialog) and dlg.isVisible()
    assert dlg.acceptMode() == QFileDialog.AcceptMode.AcceptSave
    assert dlg.windowModality() == Qt.WindowModality.WindowModal
    assert Path(dlg.selectedFiles()[0]).name == "关于A_B的通知.pdf"
    dlg.selectFile(str(tmp_path / "通知"))
    dlg.accept()
    assert got == [str(tmp_path / "通知.pdf")]


def test_form_rows_label_the_same_way(qtbot):
    dialog = QWidget()
    qtbot.addWidget(dialog)
    form = FormRows(dialog)
    sender, title = QLineEdit(), QLineEdit()
    label = form.row("来文单位(&S)", sender, tip="发文机关全称")
    form.row("标题：", title)
    form.field(QPushButton("附加"))
    form.span(QPushButton("确定"))
    assert label.text() == "来文单位(&S)：" and label.buddy() is sender
    assert sender.toolTip() == label.toolTip() == "发文机关全称"
    assert form.labelForField(title).text() == "标题：" and form.rowCount() == 4
    assert [label_text(t) for t in ("类别", "时间:", "密级：", "")] == \
        ["类别：", "时间：", "密级：", ""]
