"""公文 page driven with qtbot: list (filters, sort, lazy window, clearance), editor (template,
live preview, save with Ctrl+S), proofreading panel (select the place, fix), workflow buttons by
role, versions diff, print painting, 发文字号 register — read back from the database."""

from __future__ import annotations

import io
import json

import pdfplumber
import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.services.documents import drafts as docs
from app.storage.models import AuditEvent, Document, DocumentVersion
from app.ui.qt import QPrinter, Qt
from tests.services.documents_helpers import notice, people


@pytest.fixture
def team(app_env):
    _config, ctx = app_env
    return people(ctx)


def _page(qtbot, ctx):
    from app.ui.documents.page import DocumentsPage

    page = DocumentsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    _listed(qtbot, page)
    return page


def _listed(qtbot, page) -> None:
    """The list is counted and read in the worker: wait until it shows the last read."""
    qtbot.waitUntil(lambda: not page.model.loading, timeout=10_000)


def _wait_preview(qtbot, editor):
    qtbot.waitUntil(lambda: editor.pdf_bytes is not None and editor.preview_status.text()
                    .startswith("共"), timeout=20_000)


def _seed(engine, n: int, **extra) -> None:
    """Bulk-insert ``n`` documents (the list only needs the rows)."""
    now = docs.dt.datetime(2026, 3, 1, tzinfo=docs.dt.UTC)
    base = {"genre": "通知", "status": "draft", "year": 2026, "doc_no": "", "urgency": "",
            "drafter": "wenshu", "drafter_name": "王文书", "series_prefix": "",
            "description": notice(), "content_version": 1, "classification": 0,
            "created_at": now, "updated_at": now, "version": 1}
    rows = [base | {"title": f"关于第{i:05d}项工作的通知"} | extra for i in range(n)]
    with Session(engine) as s, s.begin():
        s.execute(insert(Document), rows)


def test_list_filters_sort_and_clearance(qtbot, team):
    clerk, low = team["clerk"], team["low"]
    for i in range(6):
        docs.create_document(clerk, notice(title=f"关于第{i}项工作的通知",
                                           **({"secrecy": "秘密"} if i < 2 else {})))
    docs.create_document(clerk, notice(title="关于增设备勤点的请示", body="妥否，请批示。"),
                         genre="请示")
    page = _page(qtbot, clerk)
    assert page.model.rowCount() == 7 and page.count_label.text() == "共 7 件"
    page.genre_filter.setCurrentIndex(page.genre_filter.findData("请示"))
    assert page.count_label.text() == "正在读取…"
    _listed(qtbot, page)
    assert page.model.rowCount() == 1 and page.count_label.text() == "共 1 件"
    assert page.model.index(0, 2).data() == "关于增设备勤点的请示"
    page.genre_filter.setCurrentIndex(0)
    page.level_filter.setCurrentIndex(page.level_filter.findData(2))
    _listed(qtbot, page)
    assert page.model.rowCount() == 2
    page.level_filter.setCurrentIndex(0)
    page.view.sortByColumn(2, Qt.SortOrder.AscendingOrder)  # 标题
    _listed(qtbot, page)
    titles = [page.model.index(r, 2).data() for r in range(7)]
    assert titles == sorted(titles) and page.model.query.sort == "title"
    # the year and drafter choices are read in the worker and filled in when they come
    qtbot.waitUntil(lambda: page.choices_task.finished, timeout=10_000)
    assert [page.year_filter.itemData(i) for i in range(page.year_filter.count())] == [
        None, *docs.years(clerk)]
    page.drafter_filter.setCurrentIndex(page.drafter_filter.findData(clerk.actor.username))
    _listed(qtbot, page)
    assert page.model.rowCount() == 7 and page.model.query.drafter == clerk.actor.username
    low_page = _page(qtbot, low)  # 内部 clearance: the 秘密 ones are not even counted
    assert low_page.model.rowCount() == 5


def test_list_is_a_lazy_window_read_in_the_worker(qtbot, team, monkeypatch):
    import threading

    from app.ui.lazy_table import LOADING

    clerk = team["clerk"]
    _seed(clerk.engine, 1000)
    gui, reads, real = threading.get_ident(), [], docs.list_documents

    def list_documents(ctx, q, total=None):  # type: ignore[no-untyped-def]
        assert threading.get_ident() != gui  # never on the GUI thread
        reads.append(q.offset)
        return real(ctx, q, total=total)

    monkeypatch.setattr(docs, "list_documents", list_documents)
    page = _page(qtbot, clerk)
    page.show()
    assert page.model.rowCount() == 1000 and page.count_label.text() == "共 1000 件"
    assert page.model.queries == 0 and reads[-1] == 0  # the first page came with the count
    page.view.scrollToBottom()
    last = page.model.index(999, 0)
    qtbot.waitUntil(lambda: last.data() not in (None, LOADING), timeout=10_000)
    assert last.data() == str(page.model.row(999).id)
    assert 1 <= page.model.queries <= 2 and reads[-1] == 800  # the last page, not all five
    assert len(page.model.cache) <= 3


def test_new_request_from_template_preview_and_save(qtbot, team):
    clerk = team["clerk"]
    page = _page(qtbot, clerk)
    page.show()
    editor = page.new_document("请示")
    _wait_preview(qtbot, editor)
    assert editor.form.body.toPlainText().rstrip().endswith("妥否，请批示。")
    assert editor.pdf_view.document().pageCount() >= 1
    editor.form.text["title"].clear()
    editor.form.text["title"].insert("关于增设春节备勤点的请示")  # QTest types ASCII only
    page.activateWindow()
    editor.form.text["title"].setFocus()
    qtbot.waitUntil(editor.form.text["title"].hasFocus)
    qtbot.keyClick(editor.form.text["title"], Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert editor.info is not None and not editor.dirty
    with Session(clerk.engine) as s:
        row = s.get(Document, editor.info.id)
        assert row.title == "关于增设春节备勤点的请示" and row.genre == "请示"
        assert row.description["body"].rstrip().endswith("妥否，请批示。")
    _listed(qtbot, page)
    assert page.model.rowCount() == 1


def test_typing_restarts_the_debounce_and_preview_follows(qtbot, team):
    clerk = team["clerk"]
    info = docs.create_document(clerk, notice())
    page = _page(qtbot, clerk)
    editor = page.open_document(info.id)
    _wait_preview(qtbot, editor)
    first = editor.pdf_bytes
    gen = editor._generation
    for ch in "（补充）":  # one edit per character, as typing does (QTest types ASCII only)
        editor.form.text["title"].insert(ch)
    assert editor._generation == gen  # typing does not render on every key
    qtbot.waitUntil(lambda: editor.pdf_bytes != first, timeout=20_000)
    assert editor._generation == gen + 1


def test_proofreading_selects_the_place_and_fixes(qtbot, team):
    clerk = team["clerk"]
    info = docs.create_document(clerk, notice(to="各区人民政府",
                                              body="现将有关事项通知如下,请遵照执行."))
    page = _page(qtbot, clerk)
    editor = page.open_document(info.id)
    _wait_preview(qtbot, editor)
    rules = [f.rule for f in editor.findings]
    assert "to.colon" in rules and "punct.halfwidth" in rules
    row = rules.index("punct.halfwidth")
    editor.findings_list.setCurrentRow(row)
    f = editor.findings[row]
    cursor = editor.form.body.textCursor()
    assert cursor.selectedText() == f.text and cursor.selectionStart() == f.offset
    qtbot.mouseClick(editor.fix_button, Qt.MouseButton.LeftButton)
    assert "," not in editor.form.body.toPlainText()[f.offset:f.offset + 1]
    editor.fix_all()
    assert editor.form.text["to"].text() == "各区人民政府："
    assert editor.form.body.toPlainText() == "现将有关事项通知如下，请遵照执行。"
    assert editor.save()
    with Session(clerk.engine) as s:
        assert s.get(Document, info.id).description["to"] == "各区人民政府："


def test_workflow_buttons_follow_roles(qtbot, team):
    clerk, leader, reader = team["clerk"], team["leader"], team["reader"]
    info = docs.create_document(clerk, notice(), series_prefix="临政办发")
    editor = _page(qtbot, clerk).open_document(info.id)
    visible = [s for s, b in editor.step_buttons.items() if not b.isHidden()]
    assert visible == ["review"]
    qtbot.mouseClick(editor.step_buttons["review"], Qt.MouseButton.LeftButton)
    assert docs.get_document(clerk, info.id).status == "reviewed"
    lead = _page(qtbot, leader).open_document(info.id)
    assert [s for s, b in lead.step_buttons.items() if not b.isHidden()] == ["sign", "return"]
    assert not lead.reserved_row.isHidden() and lead.reserved.value() == 0
    assert not lead.form.isEnabled()  # a leader signs, does not draft
    lead.comment.setText("同意")
    qtbot.mouseClick(lead.step_buttons["sign"], Qt.MouseButton.LeftButton)
    box = lead.sign_box  # 签发 takes a number for good: asked first
    assert box.isVisible() and "取用下一个发文字号" in box.informativeText()
    assert docs.get_document(clerk, info.id).status != "signed"  # nothing taken before the answer
    box.buttons()[0].click()
    qtbot.waitUntil(lambda: docs.get_document(clerk, info.id).status == "signed")
    signed = docs.get_document(clerk, info.id)
    assert signed.status == "signed" and signed.doc_no == "临政办发〔2026〕1号"
    assert "临政办发〔2026〕1号" in lead.state_label.text()
    assert lead.reserved_row.isHidden()  # signed: no more signing controls
    viewer = _page(qtbot, reader)
    assert viewer.model.rowCount() == 1 and not viewer.new_button.isEnabled()
    ro = viewer.open_document(info.id)
    assert not ro.form.isEnabled()
    # the step the document is at is shown to every role; a reader's is disabled, saying why
    shown = {s: b for s, b in ro.step_buttons.items() if not b.isHidden()}
    assert list(shown) == ["issue"] and not shown["issue"].isEnabled()
    assert shown["issue"].toolTip() == "需要“文书”角色"


def test_signed_change_makes_new_version_and_diff(qtbot, team):
    clerk, leader = team["clerk"], team["leader"]
    info = docs.create_document(clerk, notice(), series_prefix="临政办发")
    docs.workflow_step(clerk, info.id, "review")
    docs.sign(leader, info.id)
    editor = _page(qtbot, clerk).open_document(info.id)
    assert "冻结" in editor.state_label.text()
    editor.form.text["title"].setText("关于做好春节值班工作的通知")
    assert editor.save()
    with Session(clerk.engine) as s:
        numbers = s.execute(select(DocumentVersion.number, DocumentVersion.frozen).where(
            DocumentVersion.document_id == info.id).order_by(DocumentVersion.number)).all()
    assert [tuple(n) for n in numbers] == [(1, True), (2, False)]
    editor.tabs.setCurrentIndex(3)
    editor.compare_selected()
    text = editor.diff_view.toPlainText()
    assert "+标题：关于做好春节值班工作的通知" in text and "-标题：" in text


def test_stale_save_shows_conflict(qtbot, team):
    clerk = team["clerk"]
    info = docs.create_document(clerk, notice())
    editor = _page(qtbot, clerk).open_document(info.id)
    docs.update_document(clerk, info.id, notice(title="关于甲的通知"),
                         expected_version=info.version)
    editor.form.text["title"].setText("关于乙的通知")
    assert not editor.save()
    assert "已被他人修改" in editor.message.text()
    assert "关于甲的通知" in editor.diff_view.toPlainText()
    assert docs.get_document(clerk, info.id).title == "关于甲的通知"


def test_print_copies_reach_the_printer(qtbot, team, tmp_path):
    from app.ui.documents.printing import paint_pdf

    clerk = team["clerk"]
    info = docs.create_document(clerk, notice(secrecy="秘密"))
    editor = _page(qtbot, clerk).open_document(info.id)
    handle = editor.start_print(preview=False, copies=2, first_copy_no=5, duplex=False)
    qtbot.waitUntil(lambda: handle.finished, timeout=30_000)
    pdf = editor.printed_pdf
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setResolution(96)
    target = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(target))
    pages = paint_pdf(printer, pdf)
    with pdfplumber.open(io.BytesIO(pdf)) as p:
        assert pages == len(p.pages) >= 2
    with pdfplumber.open(target) as p:
        assert len(p.pages) == pages
    with Session(clerk.engine) as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "doc.print")).scalar_one()
        assert json.loads(event.detail)["copy_nos"] == ["000005", "000006"]


def test_print_preview_opens_and_paints_every_page(qtbot, team):
    """The preview dialog paints the file's pages; the printer it paints on outlives the call
    that made it (a printer owned only by a local variable crashed the dialog)."""
    import gc

    from app.ui.qt import QPrintPreviewDialog

    clerk = team["clerk"]
    info = docs.create_document(clerk, notice())
    editor = _page(qtbot, clerk).open_document(info.id)
    handle = editor.start_print(preview=True, copies=1, first_copy_no=1, duplex=True)
    qtbot.waitUntil(lambda: handle.finished, timeout=30_000)
    dlg = editor.dialog
    assert isinstance(dlg, QPrintPreviewDialog)
    qtbot.waitUntil(dlg.isVisible, timeout=5_000)
    gc.collect()  # the printer must survive this: the dialog still paints on it
    from PySide6.QtPrintSupport import QPrintPreviewWidget

    preview = dlg.findChild(QPrintPreviewWidget)
    preview.updatePreview()
    with pdfplumber.open(io.BytesIO(editor.printed_pdf)) as p:
        pages = len(p.pages)
    qtbot.waitUntil(lambda: preview.pageCount() == pages, timeout=10_000)
    assert editor.printer.docName() == info.title
    dlg.close()


def test_export_writes_file_and_import_opens_editor(qtbot, team, tmp_path):
    clerk = team["clerk"]
    info = docs.create_document(clerk, notice(cc=["市委办公室"]))
    page = _page(qtbot, clerk)
    editor = page.open_document(info.id)
    target = tmp_path / "out.json"
    handle = editor.export_to(target, "json")
    qtbot.waitUntil(lambda: handle.finished, timeout=20_000)
    assert json.loads(target.read_text(encoding="utf-8")) == notice(cc=["市委办公室"])
    imported = page.import_file(target)
    assert imported is not None and imported.doc_id != info.id
    _listed(qtbot, page)
    assert page.model.rowCount() == 2
    bad = tmp_path / "bad.json"
    bad.write_text('{"title": "x", "body": "y", "colour": 1}', encoding="utf-8")
    assert page.import_file(bad) is None and "colour" in page.message.text()


def test_register_view_shows_reserved_void_and_issued(qtbot, team):
    """Reserve and void through their dialogs (opened with open(), answered here): a reason is
    required, a refusal keeps the dialog, the register refreshes, the audit keeps the reason."""
    from app.ui.documents.register import NumberDialog

    clerk, leader = team["clerk"], team["leader"]
    info = docs.create_document(clerk, notice(), series_prefix="临政办发")
    docs.workflow_step(clerk, info.id, "review")
    docs.sign(leader, info.id)
    page = _page(qtbot, clerk)
    page.show()
    view = page.register
    assert not view.isVisible() and view.busy  # hidden: nothing read yet
    page.tabs.setCurrentWidget(view)  # shown: read in the worker
    qtbot.waitUntil(lambda: not view.busy)
    assert view.model.rowCount() == 1
    qtbot.mouseClick(view.reserve_button, Qt.MouseButton.LeftButton)
    dlg = view.dialog
    assert isinstance(dlg, NumberDialog) and dlg.isVisible()  # open() returned: no nested loop
    assert dlg.windowModality() == Qt.WindowModality.WindowModal
    assert dlg.prefix.currentText() == "临政办发" and dlg.year.value() == 2026
    dlg.count.setValue(2)
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    assert dlg.isVisible() and "请填写预留原因" in dlg.error.text()
    assert view.model.rowCount() == 1  # nothing reserved without a reason
    dlg.reason.setText("纸质签发待补录")
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    assert not dlg.isVisible()
    qtbot.waitUntil(lambda: not view.busy)
    assert view.model.rowCount() == 3 and "已预留" in view.message.text()
    assert [view.model.text(r, 2) for r in range(3)] == ["已用", "预留", "预留"]

    view.table.selectRow(1)
    qtbot.mouseClick(view.void_button, Qt.MouseButton.LeftButton)
    dlg = view.dialog
    assert dlg.seq.value() == 2 and "预留" in dlg.note.text()
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    assert dlg.isVisible() and "请填写作废原因" in dlg.error.text()
    dlg.seq.setValue(1)  # the signed document's number: the dialog warns what voiding does
    assert "已用于公文" in dlg.note.text()
    dlg.seq.setValue(2)
    dlg.reason.setText("预留后未用")
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    assert not dlg.isVisible() and "已作废 临政办发〔2026〕2号" in view.message.text()
    qtbot.waitUntil(lambda: not view.busy)
    assert [view.model.text(r, 2) for r in range(3)] == ["已用", "作废", "预留"]
    assert view.model.text(1, 3) == "预留后未用"
    assert "作废 1 个" in view.summary.text() and "无缺号" in view.summary.text()
    with Session(clerk.engine) as s:
        events = {e.action: json.loads(e.detail) for e in s.execute(select(AuditEvent).where(
            AuditEvent.action.in_(["docno.reserve", "docno.void"]))).scalars()}
    assert events["docno.reserve"]["reason"] == "纸质签发待补录"
    assert events["docno.void"] == {"number": "临政办发〔2026〕2号", "reason": "预留后未用"}


def test_register_reserves_for_a_new_series_and_refusals_stay_in_the_dialog(qtbot, team):
    clerk, reader = team["clerk"], team["reader"]
    page = _page(qtbot, clerk)
    view = page.register
    page.show()
    page.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: not view.busy)
    assert view.series.count() == 0 and "也可先预留号码" in view.summary.text()
    assert view.ask_void() is None and "请先在台账中选择" in view.message.text()
    dlg = view.ask_reserve()
    dlg.prefix.setCurrentText("临政函")
    dlg.year.setValue(2027)
    dlg.reason.setText("年初预留")
    dlg.accept()
    qtbot.waitUntil(lambda: not view.busy)
    assert view.series.currentData() == ("临政函", 2027) and view.model.rowCount() == 1
    dlg = view.ask_reserve()
    dlg.prefix.setCurrentText("临政〔函")  # the service refuses a malformed 机关代字
    dlg.reason.setText("测试")
    dlg.accept()
    assert dlg.isVisible() and "不能含有空格或括号" in dlg.error.text()
    assert dlg.reason.text() == "测试"  # what was typed is still there to correct
    assert view.model.rowCount() == 1
    ro = _page(qtbot, reader).register  # no 印发 right: the buttons are off
    assert not ro.reserve_button.isEnabled() and not ro.void_button.isEnabled()


def test_sign_with_a_reserved_number_from_the_editor(qtbot, team):
    from app.services.documents import numbers as docnumbers

    clerk, leader = team["clerk"], team["leader"]
    docnumbers.reserve_numbers(clerk, "临政办发", 2026, 2, "纸质签发待补录")
    info = docs.create_document(clerk, notice(), series_prefix="临政办发")
    docs.workflow_step(clerk, info.id, "review")
    lead = _page(qtbot, leader).open_document(info.id)
    lead.reserved.setValue(2)
    qtbot.mouseClick(lead.step_buttons["sign"], Qt.MouseButton.LeftButton)
    assert "预留号" in lead.sign_box.informativeText()
    lead.sign_box.buttons()[0].click()
    assert docs.get_document(clerk, info.id).doc_no == "临政办发〔2026〕2号"


def test_print_options_build_the_watermark(qtbot):
    from app.ui.documents.printing import PrintOptionsDialog

    dlg = PrintOptionsDialog(classified=True)
    qtbot.addWidget(dlg)
    dlg.copies.setValue(3)
    dlg.first_no.setValue(11)
    dlg.mark_time.setChecked(False)
    opts = dlg.options()
    assert opts["copies"] == 3 and opts["first_copy_no"] == 11
    assert opts["watermark"].enabled and not opts["watermark"].time
    dlg.watermark.setChecked(False)
    assert not dlg.mark_user.isEnabled() and not dlg.options()["watermark"].enabled


def test_signer_may_override_proofreading_errors_with_a_reason(qtbot, team):
    clerk, leader = team["clerk"], team["leader"]
    info = docs.create_document(clerk, notice(to="各区人民政府"), series_prefix="临政办发")
    docs.workflow_step(clerk, info.id, "review")
    lead = _page(qtbot, leader).open_document(info.id)
    qtbot.mouseClick(lead.step_buttons["sign"], Qt.MouseButton.LeftButton)
    lead.sign_box.buttons()[0].click()
    assert "不能签发" in lead.message.text()
    assert docs.get_document(clerk, info.id).status == "reviewed"
    lead.override.setChecked(True)
    lead.comment.setText("内部传阅件")
    qtbot.mouseClick(lead.step_buttons["sign"], Qt.MouseButton.LeftButton)
    lead.sign_box.buttons()[0].click()
    assert docs.get_document(clerk, info.id).status == "signed"
