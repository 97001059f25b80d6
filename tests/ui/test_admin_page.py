"""系统管理: add, edit, disable, reset users through the real dialogs; rows read back."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.security import Role
from app.services.accounts import users as accounts
from app.services.audit import chain as audit
from app.storage.models import User, UserRole
from app.ui.accounts.dialogs import PasswordDialog, UserEditDialog
from app.ui.admin.page import UsersPage
from app.ui.qt import Qt


def _row(engine, username):
    with Session(engine) as s:
        u = s.execute(select(User).where(User.username == username)).scalar_one()
        roles = ",".join(sorted(s.execute(
            select(UserRole.role_code).where(UserRole.user_id == u.id)).scalars()))
        return (roles, u.clearance_level, u.active, u.display_name)


def _page(qtbot, ctx):
    page = UsersPage(ctx)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: not page.reading)  # (the first list is read in the worker)
    return page


def _submit(qtbot, dlg) -> None:
    """Press OK and wait until the attempt ended (the service call runs in the worker)."""
    with qtbot.waitSignal(dlg.settled, timeout=10_000):
        dlg.ok_button().click()


def _cell(page, row, col):
    return page.ui.table.item(row, col).text()


def test_add_edit_disable_reset(qtbot, admin_ui_ctx):
    engine = admin_ui_ctx.engine
    page = _page(qtbot, admin_ui_ctx)
    assert page.ui.table.rowCount() == 1 and not page.ui.editButton.isEnabled()

    page.ui.addButton.click()
    dlg = page.dialog
    assert isinstance(dlg, UserEditDialog) and dlg.isVisible()
    assert [b.text() for b in dlg.role_boxes.values()] == [
        "管理员", "文书", "值班员", "领导", "只读", "系统管理员", "安全保密管理员", "安全审计员"]
    assert [b.text() for b in dlg.role_boxes.values() if b.isChecked()] == ["文书"]
    qtbot.keyClicks(dlg.ui.usernameEdit, "li")
    dlg.ui.displayNameEdit.setText("李文书")
    dlg.ui.clearanceCombo.setCurrentIndex(dlg.ui.clearanceCombo.findText("秘密"))
    dlg.ui.unitEdit.setText("办公室")  # (keyClicks types ASCII only)
    qtbot.keyClicks(dlg.ui.passwordEdit, "Clerk-pass-1")
    qtbot.keyClicks(dlg.ui.confirmEdit, "Clerk-pass-2")
    _submit(qtbot, dlg)
    assert "不一致" in dlg.message() and dlg.isVisible()
    dlg.ui.confirmEdit.setText("Clerk-pass-1")
    _submit(qtbot, dlg)
    assert not dlg.isVisible()
    assert _row(engine, "li") == ("clerk", 2, True, "李文书")
    assert page.ui.table.rowCount() == 2
    page.select_user("li")
    row = page.ui.table.currentRow()
    assert [_cell(page, row, c) for c in range(6)] == ["li", "李文书", "办公室", "文书", "秘密",
                                                       "正常"]

    page.ui.editButton.click()
    dlg = page.dialog
    assert dlg.ui.usernameEdit.isReadOnly() and not dlg.ui.passwordEdit.isVisible()
    assert [b.text() for b in dlg.role_boxes.values() if b.isChecked()] == ["文书"]
    qtbot.mouseClick(dlg.role_boxes[Role.CLERK], Qt.MouseButton.LeftButton)  # untick: none left
    _submit(qtbot, dlg)
    assert "至少选择一个角色" in dlg.message() and dlg.isVisible()
    qtbot.mouseClick(dlg.role_boxes[Role.LEADER], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dlg.role_boxes[Role.DUTY], Qt.MouseButton.LeftButton)
    dlg.ui.clearanceCombo.setCurrentIndex(dlg.ui.clearanceCombo.findText("内部"))
    assert dlg.ui.unitEdit.text() == "办公室"
    dlg.ui.unitEdit.setText("保密办")  # 所在单位: what a 知悉范围 names units by
    _submit(qtbot, dlg)
    assert _row(engine, "li") == ("duty,leader", 1, True, "李文书")
    page.select_user("li")
    assert _cell(page, page.ui.table.currentRow(), 2) == "保密办"
    assert _cell(page, page.ui.table.currentRow(), 3) == "值班员、领导"

    page.select_user("li")
    assert page.ui.toggleButton.text() == "停用(&D)"
    page.ui.toggleButton.click()
    assert _row(engine, "li")[2] is False
    page.select_user("li")
    assert _cell(page, page.ui.table.currentRow(), 5) == "停用"
    assert page.ui.toggleButton.text() == "启用(&D)"
    page.ui.toggleButton.click()
    assert _row(engine, "li")[2] is True

    page.select_user("li")
    page.ui.resetButton.click()
    dlg = page.dialog
    assert isinstance(dlg, PasswordDialog) and not dlg.ui.oldEdit.isVisible()
    qtbot.keyClicks(dlg.ui.newEdit, "Reset-pass-1")
    qtbot.keyClicks(dlg.ui.confirmEdit, "Reset-pass-1")
    _submit(qtbot, dlg)
    assert not dlg.isVisible()
    assert accounts.login(admin_ui_ctx, "li", "Reset-pass-1").must_change_password

    actions = [e.action for e in audit.recent(engine)]
    for expected in ("user.add", "user.set_role", "user.set_clearance", "user.disable",
                     "user.enable", "user.reset_password"):
        assert expected in actions


def test_admin_cannot_disable_self_message_shown(qtbot, admin_ui_ctx):
    page = _page(qtbot, admin_ui_ctx)
    page.select_user("admin")
    page.ui.toggleButton.click()
    assert "不能停用自己" in page.ui.auditLabel.text()
    assert _row(admin_ui_ctx.engine, "admin")[2] is True


def test_verify_audit_in_background(qtbot, admin_ui_ctx):
    page = _page(qtbot, admin_ui_ctx)
    page.ui.verifyButton.click()
    assert not page.ui.verifyButton.isEnabled()
    with qtbot.waitSignal(page.verify_task.done, timeout=10_000):
        pass
    assert page.ui.verifyButton.isEnabled()
    assert "审计日志完整：共 2 条" in page.ui.auditLabel.text()


def test_office_settings_tab(qtbot, admin_ui_ctx):
    from app.services.office.settings import get_office
    from app.ui.admin.page import OfficeSettingsPage

    page = OfficeSettingsPage(admin_ui_ctx)
    qtbot.addWidget(page)
    page.ui.officeNameEdit.setText("某市人民政府办公室")
    page.ui.codeSeriesEdit.setText("某政发、某政办发, 某政函")
    page.ui.issuerMarkEdit.setText("某市人民政府文件")
    page.ui.saveButton.click()
    assert page.ui.messageLabel.text() == "已保存。"
    info = get_office(admin_ui_ctx)
    assert info.code_series == ["某政发", "某政办发", "某政函"]
    assert (info.office_name, info.default_issuer_mark) == ("某市人民政府办公室", "某市人民政府文件")
    assert page.ui.codeSeriesEdit.text() == "某政发、某政办发、某政函"
    page.ui.codeSeriesEdit.setText("某政发、某政发")
    page.ui.saveButton.click()
    assert "重复" in page.ui.messageLabel.text()
    assert get_office(admin_ui_ctx).code_series == ["某政发", "某政办发", "某政函"]
