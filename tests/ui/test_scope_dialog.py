"""The 知悉范围 dialog (issue 31): the drafter limits a 机密 公文 to a user and a unit, then widens
it — the 理由 field appears only then, and saving stays off until it is filled; the change is
read back from the database and the audit log."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.security import Clearance, Role
from app.services.accounts import users as accounts
from app.services.documents import drafts as documents
from app.storage.models import AuditEvent, RecordScope
from app.ui.documents.editor import DocumentEditor
from app.ui.qt import QDialogButtonBox, Qt
from app.ui.security.scope_dialog import ScopeDialog
from tests.services.documents_helpers import notice, person


def _open(qtbot, ctx, doc_id) -> ScopeDialog:
    dlg = ScopeDialog(ctx, "document", doc_id)
    qtbot.addWidget(dlg)
    with qtbot.waitSignal(dlg.loaded, timeout=10_000):
        dlg.show()
    return dlg


def _tick(lst, text_part: str, on: bool = True) -> None:
    for i in range(lst.count()):
        if text_part in lst.item(i).text():
            lst.item(i).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            return
    raise AssertionError(f"{text_part} not in the list")


def _save(qtbot, dlg) -> None:
    with qtbot.waitSignal(dlg.settled, timeout=10_000):
        dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_limit_then_widen_with_a_reason(qtbot, admin_ui_ctx, tmp_path):
    admin = admin_ui_ctx
    drafter = person(admin, "zuozhe", Role.CLERK, Clearance.CONFIDENTIAL, "左拟稿")
    person(admin, "zhiqing", Role.CLERK, Clearance.CONFIDENTIAL, "知情人")
    low = person(admin, "dimi", Role.CLERK, Clearance.INTERNAL, "低密级")
    accounts.set_unit(admin, low.actor.user_id, "财务科")
    doc = documents.create_document(drafter, notice("关于保密检查的通知", secrecy="机密"))

    editor = DocumentEditor(drafter, doc.id)
    qtbot.addWidget(editor)
    assert editor.scope_button.isEnabled()  # a 机密 document may carry a scope

    dlg = _open(qtbot, drafter, doc.id)
    names = [dlg.users.item(i).text() for i in range(dlg.users.count())]
    assert any("知情人" in n for n in names)
    assert not any("低密级" in n for n in names)  # not cleared for 机密: not offered
    assert "财务科" in [dlg.units.item(i).text() for i in range(dlg.units.count())]
    assert not dlg.reason.isVisible()  # a first scope narrows: no reason asked
    _tick(dlg.users, "知情人")
    dlg.new_unit.setText("保密办")
    dlg.add_unit()
    assert not dlg.reason.isVisible()
    _save(qtbot, dlg)
    assert dlg.result() == dlg.DialogCode.Accepted
    with Session(admin.engine) as s:
        rows = s.execute(select(RecordScope.basis, RecordScope.unit).where(
            RecordScope.kind == "document", RecordScope.record_id == doc.id)
            .order_by(RecordScope.basis, RecordScope.unit)).all()
    assert [tuple(r) for r in rows] == [("owner", ""), ("unit", "保密办"), ("user", "")]

    dlg = _open(qtbot, drafter, doc.id)
    dlg.grab().save(str(tmp_path / "scope.png"))
    _tick(dlg.units, "财务科")  # widening: a unit more
    ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert dlg.reason.isVisible() and not ok.isEnabled()
    assert "理由" in ok.toolTip()
    dlg.reason.setPlainText("会同财务科核对经费")
    assert ok.isEnabled()
    _save(qtbot, dlg)
    with Session(admin.engine) as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "scope.widen")
                          ).scalar_one()
    detail = json.loads(event.detail)
    assert detail["reason"] == "会同财务科核对经费" and detail["units_added"] == ["财务科"]
    assert event.object_id == str(doc.id)


def test_a_reader_outside_the_scope_is_told_why(qtbot, admin_ui_ctx):
    admin = admin_ui_ctx
    drafter = person(admin, "zuozhe", Role.CLERK, Clearance.CONFIDENTIAL, "左拟稿")
    other = person(admin, "pangren", Role.CLERK, Clearance.CONFIDENTIAL, "旁人")
    doc = documents.create_document(drafter, notice("关于保密检查的通知", secrecy="机密"))
    from app.services import need_to_know

    need_to_know.set_scope(drafter, "document", doc.id, [], ["保密办"])
    dlg = _open(qtbot, other, doc.id)
    assert "知悉范围" in dlg.intro.text()
    assert not dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    assert dlg.users.count() == 0


def test_the_incoming_page_opens_it_for_a_secret_record_only(qtbot, admin_ui_ctx):
    import datetime as dt

    from app.services.incoming import book as incoming
    from app.ui.incoming.page import IncomingPage

    admin = admin_ui_ctx
    clerk = person(admin, "dengji", Role.CLERK, Clearance.CONFIDENTIAL, "登记员")
    now = dt.datetime.now(dt.UTC)
    secret = incoming.register(clerk, incoming.IncomingIn(
        sender="省保密局", title="机密来函", received_at=now, classification=3))
    plain = incoming.register(clerk, incoming.IncomingIn(
        sender="市应急局", title="普通来函", received_at=now - dt.timedelta(hours=1)))
    page = IncomingPage(clerk)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: not page.busy and page.selected() is not None, timeout=10_000)
    by_id = {page.model.row(r).id: r for r in range(page.model.rowCount())}
    page.table.selectRow(by_id[plain.id])
    assert page.selected().id == plain.id and not page.scope_button.isEnabled()
    page.table.selectRow(by_id[secret.id])
    assert page.selected().id == secret.id and page.scope_button.isEnabled()
    page.scope_button.click()
    dlg = page.dialog
    assert isinstance(dlg, ScopeDialog) and (dlg.kind, dlg.record_id) == ("incoming", secret.id)
    qtbot.waitUntil(lambda: dlg.scope is not None, timeout=10_000)
    assert dlg.users.isEnabled()  # the registering clerk may limit it


def test_meeting_log_and_incident_pages_offer_it_for_secret_records_only(qtbot, admin_ui_ctx):
    import datetime as dt

    from app.services.context import Actor
    from app.services.duty import desk as duty_desk
    from app.services.incidents import reports as incidents
    from app.services.minutes import meetings as minutes
    from app.storage.models import UserRole
    from app.ui.duty.log_tab import LogTab
    from app.ui.incidents.page import IncidentsPage
    from app.ui.minutes.meeting import MeetingPanel

    admin = admin_ui_ctx
    c = person(admin, "duoneng", Role.CLERK, Clearance.CONFIDENTIAL, "多能")
    with Session(admin.engine) as s, s.begin():
        s.add(UserRole(user_id=c.actor.user_id, role_code=Role.DUTY.value))
    who = c.with_actor(Actor(c.actor.user_id, "duoneng", {Role.CLERK, Role.DUTY},
                             Clearance.CONFIDENTIAL, "多能"))
    # meetings: a 机密 one offers it, an internal one does not
    t = minutes.create_type(who, "专题会")
    secret_m = minutes.create_meeting(who, t.id, dt.date.today(), classification=3)
    plain_m = minutes.create_meeting(who, t.id, dt.date.today(), classification=1)
    panel = MeetingPanel(who)
    qtbot.addWidget(panel)
    panel.load(plain_m.id)
    assert not panel.scope_button.isEnabled()
    panel.load(secret_m.id)
    assert panel.scope_button.isEnabled()
    panel.scope_button.click()
    assert (panel.scope_dialog.kind, panel.scope_dialog.record_id) == ("meeting", secret_m.id)
    # 值班记录
    secret_e = duty_desk.add_log_entry(who, duty_desk.LogEntry(content="机密来电",
                                                               classification=3))
    duty_desk.add_log_entry(who, duty_desk.LogEntry(content="普通来电"))
    tab = LogTab(who)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitUntil(lambda: not tab.model.loading and tab.model.rowCount() == 2,
                    timeout=10_000)
    rows = {tab.model.row(r).id: r for r in range(2)}
    tab.view.selectRow(rows[secret_e.id])
    assert tab.scope_button.isEnabled()
    tab.scope_button.click()
    assert (tab.scope_dialog.kind, tab.scope_dialog.record_id) == ("duty_log", secret_e.id)
    tab.view.selectRow(1 - rows[secret_e.id])
    assert not tab.scope_button.isEnabled()
    # 突发事件
    now = dt.datetime.now()
    secret_i = incidents.create_incident(who, incidents.IncidentData(
        title="机密事件", occurred_at=now, received_at=now, place="某地", summary="经过"),
        classification=3)
    page = IncidentsPage(who)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=10_000)
    assert not page.scope_button.isEnabled()
    page.list.selectRow(0)
    qtbot.waitUntil(lambda: page.incident is not None, timeout=10_000)
    assert page.incident.id == secret_i.id and page.scope_button.isEnabled()
    page.scope_button.click()
    assert (page.dialog.kind, page.dialog.record_id) == ("incident", secret_i.id)
