"""Small things a clerk notices: dialogs sized to their content, the 发文字号台账 shows numbers in
full, a read-only field's hint does not look like a value, the 首报 claims no changes."""

from __future__ import annotations

import datetime as dt

from app.domain.security import Clearance, Role
from app.services.accounts import users as accounts
from app.services.documents import numbers as docnumbers
from app.services.incidents import reports as incidents
from app.ui.qt import QColor, QLineEdit, QPalette, Qt
from app.ui.sizing import em


def _clerk(ctx):
    accounts.add_user(ctx, "wangfang", "Wang-pass-12345", role=Role.CLERK,
                      clearance=Clearance.SECRET, display_name="王芳", must_change_password=False)
    return ctx.with_actor(accounts.login(ctx, "wangfang", "Wang-pass-12345"))


def _hints_fit(dialog) -> list[str]:
    cut = []
    for edit in dialog.findChildren(QLineEdit):
        hint = edit.placeholderText()
        if hint and edit.isVisible() and edit.width() < edit.fontMetrics().horizontalAdvance(hint):
            cut.append(hint)
    return cut


def test_new_meeting_and_new_roster_dialogs_fit_their_hints(qtbot, admin_ui_ctx):
    from app.ui.duty.roster_tab import NewRosterDialog
    from app.ui.minutes.page import NewMeetingDialog

    clerk = _clerk(admin_ui_ctx)
    meeting = NewMeetingDialog(clerk)  # no type yet: the organ and 纪要 mark hints show
    qtbot.addWidget(meeting)
    meeting.show()
    qtbot.waitExposed(meeting)
    assert meeting.organ.isEnabled() and meeting.mark.placeholderText()
    assert _hints_fit(meeting) == [] and meeting.width() >= 30 * em(meeting)
    roster = NewRosterDialog(clerk)
    qtbot.addWidget(roster)
    roster.show()
    qtbot.waitExposed(roster)
    assert _hints_fit(roster) == [] and roster.width() >= 24 * em(roster)


def test_a_known_meeting_type_shows_its_values_not_hints(qtbot, admin_ui_ctx):
    from app.services.minutes import meetings as minutes
    from app.ui.minutes.page import NewMeetingDialog

    clerk = _clerk(admin_ui_ctx)
    minutes.create_type(clerk, "常务会议", organ="市政府", mark="临江市人民政府常务会议纪要")
    dialog = NewMeetingDialog(clerk)
    qtbot.addWidget(dialog)
    assert not dialog.organ.isEnabled() and dialog.organ.text() == "市政府"
    assert dialog.organ.placeholderText() == "" and dialog.mark.placeholderText() == ""
    dialog.type.setCurrentText("专题会议")  # a new type: editable, empty, with hints
    assert dialog.organ.isEnabled() and dialog.organ.text() == ""
    assert dialog.organ.placeholderText().startswith("新类型时填写")


def test_the_register_shows_the_number_in_full(qtbot, admin_ui_ctx):
    from app.ui.documents.register import COLUMNS, RegisterView

    clerk = _clerk(admin_ui_ctx)
    docnumbers.reserve_numbers(clerk, "江政办发", 2026, 1, reason="预留给年度工作要点，" * 4)
    tab = RegisterView(clerk)
    qtbot.addWidget(tab)
    tab.resize(900, 400)
    tab.show()
    qtbot.waitExposed(tab)
    qtbot.waitUntil(lambda: not tab.busy)  # (read in the worker)
    column = COLUMNS.index("发文字号")
    text = tab.model.text(0, column)
    assert "江政办发" in text
    assert tab.table.columnWidth(column) > tab.table.fontMetrics().horizontalAdvance(text)
    reason = tab.model.index(0, COLUMNS.index("原因"))
    assert reason.data(Qt.ItemDataRole.ToolTipRole) == reason.data() == "预留给年度工作要点，" * 4


def test_read_only_number_field_hint_is_light_and_italic(qtbot, admin_ui_ctx):
    from app.ui.documents.form import DocumentForm

    form = DocumentForm()
    qtbot.addWidget(form)
    doc_no = form.text["doc_no"]
    assert doc_no.isReadOnly() and doc_no.placeholderText() == "签发时自动编号"
    assert doc_no.font().italic()
    assert doc_no.palette().color(QPalette.ColorRole.PlaceholderText) == QColor(150, 150, 150)
    doc_no.setText("江政办发〔2026〕1号")  # a value: upright
    assert not doc_no.font().italic()


def test_the_first_report_claims_no_changes(admin_ui_ctx):
    from app.ui.incidents.page import report_html

    clerk = _clerk(admin_ui_ctx)
    now = dt.datetime.now().astimezone()
    inc = incidents.create_incident(clerk, incidents.IncidentData(
        title="临江路火灾", occurred_at=now, received_at=now, place="临江路128号",
        summary="一餐馆起火。"))
    first = incidents.draft_report(clerk, inc.id)
    page = report_html(first)
    assert "处变化" not in page and "#fff3b0" not in page and "临江路128号" in page


def test_the_seal_box_says_what_it_will_do(qtbot):
    """加盖印章 (issue 17): with the office's seal image stored it prints the image once the
    document is 签发; without one it keeps the sealed layout's room for a seal stamped by hand —
    and says which, in the tooltip and the status line, so ticking it promises nothing false."""
    from app.ui.documents.form import DocumentForm

    form = DocumentForm()
    qtbot.addWidget(form)
    assert form.sealed.text() == "加盖印章" and form.sealed.isEnabled()
    assert form.sealed.statusTip() == "本机关尚未上传印章图片：按盖章版式留出印章位置，打印后手工加盖。"
    form.set_seal_available(True)
    assert form.sealed.isEnabled() and "记入审计" in form.sealed.toolTip()
    assert form.sealed.statusTip().startswith("签发后打印、导出时加盖本机关印章")
    form.set_seal_available(False)
    assert "手工加盖" in form.sealed.toolTip()
