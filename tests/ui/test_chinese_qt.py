"""Chinese all the way through Qt's own widgets (issue 17): the file and print dialogs' labels,
dates in Chinese forms, and file dialogs that start in the documents folder and remember the
last folder for each kind of file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.ui import application
from app.ui.application import db_label
from app.ui.chinese import DATE_FORMAT, DATETIME_FORMAT, TIME_FORMAT
from app.ui.kit import file_dialogs
from app.ui.kit.file_dialogs import FileKind
from app.ui.main_window import MainWindow
from app.ui.qt import (
    QApplication,
    QCoreApplication,
    QDate,
    QDateEdit,
    QDateTime,
    QDateTimeEdit,
    QFileDialog,
    QLabel,
    QLocale,
    QPrintDialog,
    QPrinter,
    QTime,
    QTimeEdit,
)

ASCII_WORD = re.compile(r"[A-Za-z]{2,}")


@pytest.fixture
def chinese_qt(qapp):
    """Qt's Chinese catalogue as ``run_gui`` installs it; removed again after the test."""
    before = QLocale()
    translators = application.install_translations(qapp)
    yield translators
    for tr in translators:
        QApplication.removeTranslator(tr)
    QLocale.setDefault(before)


def _labels(widget) -> list[str]:
    return [w.text() for w in widget.findChildren(QLabel) if w.text()]


def test_file_and_print_dialogs_have_no_english_labels(qtbot, chinese_qt, tmp_path):
    assert chinese_qt, "qtbase_zh_CN.qm not found in PySide6's translations folder"
    dlg = QFileDialog(None, "保存", str(tmp_path), "PDF 文件 (*.pdf)")
    dlg.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    qtbot.addWidget(dlg)
    labels = _labels(dlg)
    # Newer Qt (6.12) gave these a mnemonic the catalogue lacks: 'Look in:' is '&Look in:' there,
    # answered by MnemonicFallback as 查找范围(&L)：. The 6.8 LTS line still has the plain form.
    assert "文件名称(&N)：" in labels
    assert {"查找范围(&L)：", "查找范围："} & set(labels)
    assert {"文件类型(&T)：", "文件类型："} & set(labels)
    # the fallback answers the newer source text whichever Qt is installed
    assert QCoreApplication.translate("QFileDialog", "&Look in:") == "查找范围(&L)："
    assert QCoreApplication.translate("QFileDialog", "Files of &type:") == "文件类型(&T)："
    assert [t for t in labels if ASCII_WORD.search(t)] == []
    printer = QPrinter()
    pd = QPrintDialog(printer)
    qtbot.addWidget(pd)
    labels = _labels(pd)
    assert {"页面组(&S)：", "页面组："} & set(labels)  # 'Page &Set:' on newer Qt, 'Page Set:' on 6.8
    assert QCoreApplication.translate("QPrintSettingsOutput", "Page &Set:") == "页面组(&S)："
    assert [t for t in labels if ASCII_WORD.search(t.replace("PDF", ""))] == []


def test_catalogue_is_in_the_wheel_and_the_bundle():
    """The installer keeps exactly the catalogue the program loads."""
    from app.ui.qt import QLibraryInfo

    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    assert (folder / "qtbase_zh_CN.qm").is_file()
    spec = (Path(__file__).parents[2] / "build_installer.spec").read_text(encoding="utf-8")
    assert 'KEEP_TRANSLATIONS = ("qtbase_zh_CN.qm",)' in spec


def test_other_strings_are_left_alone(chinese_qt):
    """The fallback answers only what it knows: a form's own text (the first-run dialog's
    default user name ``admin``) and unknown strings come back unchanged, never blank."""
    from app.ui.qt import QCoreApplication

    assert QCoreApplication.translate("FirstAdminDialog", "admin") == "admin"
    assert QCoreApplication.translate("NoSuchContext", "&Nothing:") == "&Nothing:"


def test_default_locale_is_chinese_after_install(chinese_qt):
    assert QLocale().language() == QLocale.Language.Chinese
    assert QLocale().territory() == QLocale.Country.China


def _date_edits(widget) -> list[QDateTimeEdit]:
    return widget.findChildren(QDateTimeEdit)


def _check_chinese(edit: QDateTimeEdit) -> None:
    if isinstance(edit, QDateEdit):
        assert edit.displayFormat() == DATE_FORMAT, edit
    elif isinstance(edit, QTimeEdit):
        assert edit.displayFormat() == TIME_FORMAT, edit
    else:
        assert edit.displayFormat() == DATETIME_FORMAT, edit
    assert edit.locale().language() == QLocale.Language.Chinese


def test_every_date_editor_of_every_page_shows_chinese_dates(qtbot, admin_ui_ctx, tmp_path):
    """Without the Chinese default locale (as in this test process), every date editor on
    every page the administrator can open shows 2026年3月1日, and its calendar speaks Chinese."""
    win = MainWindow(admin_ui_ctx, db_label(str(admin_ui_ctx.engine.url)), tmp_path / "ui.ini")
    qtbot.addWidget(win)
    win.show()
    seen = 0
    for key in win.page_keys():
        page = win.show_page(key)
        for edit in _date_edits(page):
            _check_chinese(edit)
            seen += 1
    assert seen >= 6  # 值班 (请假, 日报), 会议纪要, 安全审计, …
    edit = _date_edits(win.show_page("security"))[0]
    edit.setDate(QDate(2026, 3, 1))
    assert edit.text() == "2026年3月1日"
    cal = edit.calendarWidget()
    assert cal.locale().language() == QLocale.Language.Chinese


def test_dialog_date_editors_show_chinese_dates(qtbot, admin_ui_ctx):
    from app.ui.duty.roster_tab import NewRosterDialog, RulesDialog
    from app.ui.incoming.dialogs import IncomingDialog

    dlg = IncomingDialog(admin_ui_ctx)
    qtbot.addWidget(dlg)
    edits = _date_edits(dlg)
    assert len(edits) >= 2
    for edit in edits:
        _check_chinese(edit)
    dlg.received.setDateTime(QDateTime(QDate(2026, 12, 6), QTime(9, 5)))
    assert dlg.received.text() == "2026年12月6日 09:05"
    new = NewRosterDialog(admin_ui_ctx)
    qtbot.addWidget(new)
    for edit in _date_edits(new):
        _check_chinese(edit)
    rules = RulesDialog(admin_ui_ctx)
    qtbot.addWidget(rules)
    assert rules.time_edits and all(e.displayFormat() == TIME_FORMAT for e in rules.time_edits)


def test_display_formats_are_set_in_one_place():
    """A new date editor cannot quietly bring back 2026-12-06 or 6 12 2026: display formats
    are set by ``app.ui.chinese`` only."""
    root = Path(application.__file__).parent
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if p.name != "chinese.py" and "setDisplayFormat(" in p.read_text(encoding="utf-8")]
    assert offenders == []


# ---------------------------------------------------------------------- file dialogs

def test_file_dialog_starts_in_documents_and_remembers_per_kind(qtbot, admin_ui_ctx, tmp_path,
                                                                monkeypatch):
    """The audit viewer's export: the first dialog opens in the documents folder (not the
    folder the program runs in), the chosen folder is offered next time, for that kind only,
    and survives a new session (kept in the desk's ui.ini)."""
    from app.ui.security.page import AuditViewer

    monkeypatch.chdir(Path(application.__file__).parents[2])  # as when started from a checkout
    docs = file_dialogs.documents_folder()
    viewer = AuditViewer(admin_ui_ctx)
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitUntil(lambda: not viewer.model.loading, timeout=10_000)

    viewer.export_button.click()
    dlg = viewer.file_dialog
    assert isinstance(dlg, QFileDialog) and dlg.isVisible()
    assert Path(dlg.directory().absolutePath()) == docs != Path.cwd()
    assert [Path(f).name for f in dlg.selectedFiles()] == ["审计日志.xlsx"]
    target = tmp_path / "出口" / "审计"
    target.mkdir(parents=True)
    dlg.selectFile(str(target / "三月审计"))
    dlg.accept()
    qtbot.waitUntil(lambda: (target / "三月审计.xlsx").exists() and viewer.export_button.isEnabled(),
                    timeout=20_000)
    assert load_workbook(target / "三月审计.xlsx").active.max_row >= 2  # suffix added, written

    viewer.export_button.click()
    again = viewer.file_dialog
    assert Path(again.directory().absolutePath()) == target.resolve()
    again.reject()
    # another kind of file still starts in documents
    assert file_dialogs.start_folder(FileKind.PRINTS) == docs
    # a new viewer (a later session) is offered the same folder: it is in ui.ini
    ini = Path(file_dialogs.data_dir()) / file_dialogs.SETTINGS_FILE
    assert str(target.resolve()) in ini.read_text(encoding="utf-8")
    other = AuditViewer(admin_ui_ctx)
    qtbot.addWidget(other)
    other.show()
    other._ask_save_pdf()
    assert Path(other.file_dialog.directory().absolutePath()) == target.resolve()
    other.file_dialog.reject()


def test_a_remembered_folder_that_is_gone_falls_back_to_documents(qtbot, tmp_path):
    gone = tmp_path / "U盘"
    gone.mkdir()
    file_dialogs.remember(FileKind.ATTACHMENTS, gone / "附件.pdf")
    assert file_dialogs.start_folder(FileKind.ATTACHMENTS) == gone
    gone.rmdir()
    assert file_dialogs.start_folder(FileKind.ATTACHMENTS) == file_dialogs.documents_folder()


def test_attachment_dialogs_share_their_folder(qtbot, admin_ui_ctx, tmp_path):
    """Adding an attachment from a folder makes 另存附件 offer the same folder; a proposed name
    with a slash stays a file name in that folder."""
    from app.ui.incoming.dialogs import IncomingDialog

    src = tmp_path / "来文"
    src.mkdir()
    (src / "通知.pdf").write_bytes(b"%PDF-1.4")
    dlg = IncomingDialog(admin_ui_ctx)
    qtbot.addWidget(dlg)
    picker = dlg._add_files()
    assert Path(picker.directory().absolutePath()) == file_dialogs.documents_folder()
    picker.selectFile(str(src / "通知.pdf"))
    picker.accept()
    assert dlg.files.count() == 1
    save = file_dialogs.file_dialog(dlg, FileKind.ATTACHMENTS, "另存附件", save=True,
                                    name="关于A/B的通知.pdf")
    qtbot.addWidget(save)
    assert Path(save.directory().absolutePath()) == src.resolve()
    assert [Path(f).name for f in save.selectedFiles()] == ["关于A_B的通知.pdf"]
