"""Main window: navigation and the page registry, status bar, shortcuts, remembered geometry."""

from __future__ import annotations

from app.domain.security import Clearance, Role
from app.services.accounts import users as accounts
from app.ui import pages
from app.ui.admin.page import AdminPage, UsersPage
from app.ui.application import db_label
from app.ui.main_window import MainWindow
from app.ui.qt import QKeySequence, QMenu, QRect, Qt, QWidget


def _window(qtbot, ctx, tmp_path, name="ui.ini"):
    win = MainWindow(ctx, db_label(str(ctx.engine.url)), tmp_path / name)
    qtbot.addWidget(win)
    win.show()
    return win


def _go_menu(win):
    """The 转到 menu, found as the menu bar's child: on PySide6 6.8 the wrapper that
    ``QAction.menu()`` returns dies with the temporary wrapper of its action (a Python-side
    parent link), so ``next(...).menu()`` gave a QMenu whose C++ object was "already deleted"."""
    return next(m for m in win.menuBar().findChildren(QMenu) if m.title() == "转到(&G)")


def test_navigation_pages_and_status_bar(qtbot, admin_ui_ctx, tmp_path):
    win = _window(qtbot, admin_ui_ctx, tmp_path)
    titles = [win.nav.item(i).text() for i in range(win.nav.count())]
    assert titles == ["工作台", "公文", "收文", "会议纪要", "值班", "突发事件", "模板", "系统管理",
                      "安全审计", "节假日安排"]
    assert win.current_key() == "workbench"  # the first page after login
    for key in win.page_keys()[1:7]:
        page = win.show_page(key)
        assert win.stack.currentWidget() is page
        assert page.objectName() == f"page_{key}" and page.findChildren(QWidget)  # a built page
    admin = win.show_page("admin")
    assert isinstance(admin, AdminPage) and isinstance(admin.users, UsersPage)
    assert [admin.tabText(i) for i in range(admin.count())] == ["用户与审计", "单位设置"]
    assert win.user_label.text() == "用户：系统管理员（管理员）"
    assert win.clearance_label.text() == "密级：机密"
    assert win.db_label.text().startswith("数据库：") and "govdesk.sqlite3" in win.db_label.text()


def test_menu_shortcuts_switch_pages(qtbot, admin_ui_ctx, tmp_path):
    win = _window(qtbot, admin_ui_ctx, tmp_path)
    go = _go_menu(win)
    shortcuts = {a.text(): a.shortcut().toString() for a in go.actions()}
    assert shortcuts["工作台"] == "Ctrl+1" and shortcuts["值班"] == "Ctrl+5"
    assert shortcuts["系统管理"] == "Ctrl+8"
    assert win.search_action.shortcut() == QKeySequence("Ctrl+K")
    assert win.logout_action.shortcut() == QKeySequence("Ctrl+L")
    next(a for a in go.actions() if a.text() == "突发事件").trigger()
    assert win.current_key() == "incidents"


def test_roles_without_permission_see_system_admin_disabled_with_the_reason(
        qtbot, admin_ui_ctx, tmp_path):
    accounts.add_user(admin_ui_ctx, "duty1", "Duty-pass-1", role=Role.DUTY,
                      clearance=Clearance.INTERNAL, must_change_password=False)
    actor = accounts.login(admin_ui_ctx, "duty1", "Duty-pass-1")
    win = _window(qtbot, admin_ui_ctx.with_actor(actor), tmp_path)
    assert "admin" not in win.page_keys() and len(win.page_keys()) == 6
    # the navigation is the same for every role: what the role may not open says why
    titles = [win.nav.item(i).text() for i in range(win.nav.count())]
    assert titles == ["工作台", "公文", "收文", "会议纪要", "值班", "突发事件", "模板", "系统管理",
                      "安全审计", "节假日安排"]
    item = win.nav.item(titles.index("系统管理"))
    assert not item.flags() & Qt.ItemFlag.ItemIsEnabled
    assert item.toolTip() == item.statusTip() == "需要“管理员”或“系统管理员”或“安全保密管理员”角色"
    go = _go_menu(win)
    audit_go = next(a for a in go.actions() if a.text() == "安全审计")
    assert not audit_go.isEnabled() and audit_go.toolTip() == (
        "需要“管理员”或“领导”或“安全保密管理员”或“安全审计员”角色")
    win.nav.setCurrentRow(titles.index("系统管理"))  # even when asked for, the page is not built
    assert "admin" not in win._pages
    assert win.statusBar().currentMessage() == "“系统管理”需要“管理员”或“系统管理员”或“安全保密管理员”角色"
    assert win.clearance_label.text() == "密级：内部"
    assert win.user_label.text() == "用户：duty1（值班员）"


def test_registered_page_factory_is_used_lazily(qtbot, admin_ui_ctx, tmp_path, monkeypatch):
    monkeypatch.setattr(pages, "_AREAS", list(pages._AREAS))
    made = []

    def factory(ctx, parent):
        made.append(ctx.actor.username)
        w = QWidget(parent)
        w.setWindowTitle("templates page")
        return w

    pages.register_page("templates", factory)
    win = _window(qtbot, admin_ui_ctx, tmp_path)
    assert made == []  # built lazily
    assert win.show_page("templates").windowTitle() == "templates page"
    assert made == ["admin"]


def test_geometry_is_remembered(qtbot, admin_ui_ctx, tmp_path):
    win = _window(qtbot, admin_ui_ctx, tmp_path)
    win.setGeometry(QRect(20, 30, 771, 543))
    win.close()
    assert (tmp_path / "ui.ini").exists()
    again = _window(qtbot, admin_ui_ctx, tmp_path)
    assert (again.width(), again.height()) == (771, 543)
    fresh = _window(qtbot, admin_ui_ctx, tmp_path, "other.ini")
    assert (fresh.width(), fresh.height()) == (1100, 720)


def test_status_bar_shows_a_lost_connection_until_it_is_back(qtbot, admin_ui_ctx, tmp_path):
    """Background work that fails on a broken database connection: the status bar says so and
    checks in the background until a read works again (here it does at once), then says so."""
    from app.errors import ConnectionLost
    from app.ui.kit import worker

    win = _window(qtbot, admin_ui_ctx, tmp_path)
    assert not win.connection_label.isVisible()

    def lose(_control):
        raise ConnectionLost()

    errors: list[BaseException] = []
    win._reconnect.setInterval(20)
    worker.run_task(lose, on_error=errors.append, parent=win)
    qtbot.waitUntil(lambda: bool(errors))
    assert win.connection_down and win.connection_label.isVisible()
    assert win.connection_label.text() == "数据库连接中断，正在重新连接…"
    # the timer's check (every 20 ms here) finds the database back and stops it; waiting for its
    # ``timeout`` signal instead would race with a check that already ran
    qtbot.waitUntil(lambda: not win.connection_down, timeout=5000)
    assert not win.connection_label.isVisible()
    assert win.statusBar().currentMessage() == "数据库连接已恢复。"
    assert errors[0].message == "数据库连接中断，本次操作未保存，请重试。"
