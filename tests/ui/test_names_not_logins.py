"""Names, not logins (issue 17): wherever a person is shown — the 发文字号 register's 经办人,
a document's versions, 收文 登记人, the audit viewer, the administrator's dialogs — the person's
name appears, not the account's login (``陈刚``, not ``chengang``). Records keep the login."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.security import Clearance, Role
from app.errors import UserError
from app.services.accounts.users import list_users
from app.services.audit import chain as audit
from app.services.audit_review import review as audit_log
from app.services.audit_review.review import AuditFilter
from app.services.documents import drafts as docs
from app.storage.models import DocNoEntry
from app.ui.qt import Qt
from tests.services.documents_helpers import notice, person


def _team(ctx):
    return (person(ctx, "chengang", Role.CLERK, Clearance.CONFIDENTIAL, "陈刚"),
            person(ctx, "lihua", Role.LEADER, Clearance.CONFIDENTIAL, "李华"))


def _documents_page(qtbot, ctx):
    from app.ui.documents.page import DocumentsPage

    page = DocumentsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    qtbot.waitUntil(lambda: not page.model.loading, timeout=10_000)
    return page


def test_register_and_versions_show_names(qtbot, admin_ui_ctx):
    clerk, leader = _team(admin_ui_ctx)
    info = docs.create_document(clerk, notice(), series_prefix="临政办发")
    docs.workflow_step(clerk, info.id, "review")
    docs.sign(leader, info.id)  # takes 临政办发〔2026〕1号 in 李华's name
    with Session(clerk.engine) as s:  # the register keeps the login …
        assert s.execute(select(DocNoEntry.by)).scalar_one() == "lihua"
    page = _documents_page(qtbot, clerk)
    view = page.register
    page.tabs.setCurrentWidget(view)  # (read in the worker while shown)
    qtbot.waitUntil(lambda: not view.busy)
    columns = [view.model.headerData(c, Qt.Orientation.Horizontal)
               for c in range(view.model.columnCount())]
    handler = columns.index("经办人")
    assert view.model.text(0, handler) == "李华"  # … and shows the name

    editor = page.open_document(info.id)
    versions = [editor.versions_list.item(i).text() for i in range(editor.versions_list.count())]
    assert versions and "陈刚" in versions[0] and "chengang" not in versions[0]
    steps = [editor.steps_list.item(i).text() for i in range(editor.steps_list.count())]
    assert any("李华" in t for t in steps) and not any("lihua" in t for t in steps)


def test_audit_viewer_shows_name_and_login_and_finds_by_name(qtbot, admin_ui_ctx):
    from app.ui.security.page import AuditViewer

    clerk, _leader = _team(admin_ui_ctx)
    docs.create_document(clerk, notice(), series_prefix="临政办发")
    viewer = AuditViewer(admin_ui_ctx)
    qtbot.addWidget(viewer)
    viewer.show()
    m = viewer.model
    qtbot.waitUntil(lambda: not m.loading, timeout=10_000)
    users = {m.data(m.index(r, 2)) for r in range(m.rowCount())}
    assert {"陈刚（chengang）", "系统管理员（admin）"} <= users
    assert "chengang" not in users
    # the reader types the name they know
    viewer.user_edit.setText("陈刚")
    with qtbot.waitSignal(m.loaded, timeout=10_000):
        viewer.search_button.click()
    assert m.total >= 1
    assert {m.data(m.index(r, 2)) for r in range(m.rowCount())} == {"陈刚（chengang）"}
    # the printed log and the filter agree with the viewer
    description, rows = audit_log.print_description(admin_ui_ctx, AuditFilter(user="陈刚"))
    table = description["body"][1]["table"]["rows"]
    assert rows >= 1 and {r[1] for r in table} == {"陈刚（chengang）"}


def test_events_without_an_account_keep_what_was_recorded(admin_ui_ctx):
    """A name typed at a failed sign-in belongs to no account: it is shown as typed; the
    program's own events show 系统."""
    from app.services.accounts import users as accounts

    with pytest.raises(UserError):
        accounts.login(admin_ui_ctx, "nobody", "Wrong-pass-1")
    rows = audit_log.page(admin_ui_ctx, AuditFilter(), 0, 50)
    by_action = {r.action: r.actor for r in reversed(rows)}
    assert by_action["login.failed"] == "nobody"
    assert by_action["user.first_admin"] == "系统"
    recorded = {e.action: e.actor for e in audit.recent(admin_ui_ctx.engine, 50)}
    assert recorded["user.first_admin"] == "system"  # the log itself is unchanged


def test_incoming_detail_and_admin_dialogs_name_the_person(qtbot, admin_ui_ctx):
    from app.services.incoming import book as incoming
    from app.services.incoming.book import IncomingIn
    from app.ui.accounts.dialogs import PasswordDialog, UserEditDialog
    from app.ui.incoming.page import _detail_html

    clerk, _leader = _team(admin_ui_ctx)
    info = incoming.register(clerk, IncomingIn(sender="市应急管理局", title="关于值班的通知",
                                               received_at=clerk.now()))
    detail = incoming.get(clerk, info.id)
    html = _detail_html(detail)
    assert "登记人" in html and "陈刚" in html and "chengang" not in html

    user = next(u for u in list_users(admin_ui_ctx) if u.username == "chengang")
    reset = PasswordDialog(admin_ui_ctx, user)
    qtbot.addWidget(reset)
    assert reset.windowTitle() == "重置密码 — 陈刚（chengang）"
    assert "陈刚（chengang）" in reset.ui.introLabel.text()
    edit = UserEditDialog(admin_ui_ctx, user)
    qtbot.addWidget(edit)
    assert edit.windowTitle() == "角色与密级 — 陈刚（chengang）"
