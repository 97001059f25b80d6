"""Security UI: the idle lock, the conflict dialog on the security settings, the lazy audit
viewer with export, and the start-up audit chain check."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import text

from app.services.accounts import security
from app.services.accounts import users as accounts
from app.services.audit import chain as audit
from app.services.backup import files as backup
from app.ui.application import db_label
from app.ui.conflict_dialog import REAPPLY, RELOAD, ConflictDialog
from app.ui.kit.worker import wait_for_all
from app.ui.main_window import MainWindow
from app.ui.qt import QLabel, QMessageBox, Qt
from app.ui.security.guard import StartupChecks, attach
from app.ui.security.page import AuditViewer, SecuritySettingsPage
from tests.conftest import ADMIN_PASSWORD


def _window(qtbot, ctx, tmp_path):
    win = MainWindow(ctx, db_label(str(ctx.engine.url)), tmp_path / "ui.ini")
    qtbot.addWidget(win)
    win.show()
    return win


def _actions(engine, n=10):
    return [e.action for e in audit.recent(engine, n)]


def test_idle_lock_covers_the_window_and_needs_the_password(qtbot, admin_ui_ctx, tmp_path):
    ctx = admin_ui_ctx
    win = _window(qtbot, ctx, tmp_path)
    lock = attach(win, ctx, interval_ms=300)
    # activity keeps it open: input every 100 ms for 0.9 s (the elapsed time, three idle
    # intervals, with input in it, is what is tested: a fixed wait on purpose)
    for _ in range(9):
        qtbot.keyClick(win.nav, Qt.Key.Key_Shift)
        qtbot.wait(100)
    assert not lock.is_locked
    with qtbot.waitSignal(lock.locked, timeout=3000):
        pass
    overlay = lock.overlay
    assert overlay.isVisible() and overlay.geometry() == win.rect()
    assert overlay.grab().size() == win.size()
    assert not win.menuBar().isEnabled()
    # a navigation shortcut does nothing while locked
    row = win.nav.currentRow()
    qtbot.keyClick(win, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert win.nav.currentRow() == row
    # wrong password: still locked, message shown, failure audited
    # (checked in the worker: the field and button are off until the answer comes)
    overlay.password.setText("wrong-Pass-9")
    with qtbot.waitSignal(lock.unlock_failed, timeout=10_000):
        lock.try_unlock()
        assert not overlay.unlock_button.isEnabled() and overlay.password.text() == ""
        assert overlay.message.text() == "正在验证……" and lock.try_unlock() is None
    assert lock.is_locked and "密码错误" in overlay.message.text()
    assert overlay.unlock_button.isEnabled() and overlay.password.isEnabled()
    assert _actions(ctx.engine, 1) == ["login.failed"]
    overlay.password.setText(ADMIN_PASSWORD)
    with qtbot.waitSignal(lock.unlocked, timeout=10_000):
        qtbot.mouseClick(overlay.unlock_button, Qt.MouseButton.LeftButton)
    assert not lock.is_locked and not overlay.isVisible() and win.menuBar().isEnabled()
    assert _actions(ctx.engine, 4)[:3] == ["session.unlock", "login", "login.failed"]
    assert "session.lock" in _actions(ctx.engine, 4)
    # and it locks again after the next idle interval
    with qtbot.waitSignal(lock.locked, timeout=3000):
        pass


def test_a_signed_out_window_never_locks_or_blocks_other_windows(qtbot, admin_ui_ctx, tmp_path):
    """After sign-out the old main window is only hidden; its idle lock must neither lock later
    nor swallow keys typed into another window (the next login dialog, a new main window)."""
    from app.ui.qt import QLineEdit

    ctx = admin_ui_ctx
    win = _window(qtbot, ctx, tmp_path)
    lock = attach(win, ctx, interval_ms=100)
    win.hide()  # signed out
    qtbot.wait(400)  # four idle intervals pass without a lock: the elapsed time is the test
    assert not lock.is_locked
    # even a lock left on (locked, then the window hidden) blocks only its own window
    win.show()
    with qtbot.waitSignal(lock.locked, timeout=3000):
        pass
    win.hide()
    other = QLineEdit()
    qtbot.addWidget(other)
    other.show()
    qtbot.keyClicks(other, "li")
    assert other.text() == "li"


def test_idle_interval_comes_from_the_security_settings(qtbot, admin_ui_ctx, tmp_path):
    ctx = admin_ui_ctx
    security.update_settings(ctx, security.SecurityInfo(idle_lock_minutes=3))
    win = _window(qtbot, ctx, tmp_path)
    lock = attach(win, ctx)
    assert lock.timer.interval() == 3 * 60_000
    assert security.SecurityInfo().idle_lock_minutes == 10


def test_logout_from_the_lock_screen(qtbot, admin_ui_ctx, tmp_path):
    win = _window(qtbot, admin_ui_ctx, tmp_path)
    lock = attach(win, admin_ui_ctx, interval_ms=50)
    with qtbot.waitSignal(lock.locked, timeout=3000):
        pass
    with qtbot.waitSignal(win.logout_requested, timeout=1000):
        lock.overlay.logout_button.click()


def test_logout_from_the_lock_screen_warns_of_unsaved_edits(qtbot, admin_ui_ctx, tmp_path):
    win = _window(qtbot, admin_ui_ctx, tmp_path)
    win.unsaved_titles = lambda: ["关于做好防汛工作的通知"]  # an editor with unsaved changes
    lock = attach(win, admin_ui_ctx, interval_ms=50)
    with qtbot.waitSignal(lock.locked, timeout=3000):
        pass
    signed_out = []
    win.logout_requested.connect(lambda: signed_out.append(True))
    lock.overlay.logout_button.click()  # first click: says what would be lost, stays locked
    assert not signed_out and lock.is_locked
    assert "“关于做好防汛工作的通知”有未保存的修改" in lock.overlay.message.text()
    assert lock.overlay.logout_button.text() == "仍然注销"
    lock.lock()  # (already locked: nothing changes)
    with qtbot.waitSignal(win.logout_requested, timeout=1000):
        lock.overlay.logout_button.click()  # second click: signs out
    assert signed_out == [True] and not lock.is_locked
    assert lock.overlay.logout_button.text() == "注销"


def test_conflict_dialog_shows_both_versions(qtbot):
    dlg = ConflictDialog("安全设置", [("甲", "1", "2"), ("乙", "同", "同")], saved_by="李四")
    qtbot.addWidget(dlg)
    dlg.open()
    t = dlg.table
    assert [t.horizontalHeaderItem(i).text() for i in range(3)] == ["项目", "我的修改", "他人已保存的版本"]
    assert (t.item(0, 1).text(), t.item(0, 2).text()) == ("1", "2")
    assert dlg.differing == ["甲"]
    assert t.item(0, 1).background().color() != t.item(1, 1).background().color()
    assert "李四" in dlg.label.text()
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    assert dlg.choice == RELOAD


def test_second_save_gets_the_conflict_dialog(qtbot, admin_ui_ctx):
    ctx = admin_ui_ctx
    accounts.add_user(ctx, "admin2", "Admin2-pass-1", role="admin", clearance=3,
                      must_change_password=False)
    a2 = ctx.with_actor(accounts.login(ctx, "admin2", "Admin2-pass-1"))
    first, second = SecuritySettingsPage(ctx), SecuritySettingsPage(a2)
    qtbot.addWidget(first)
    qtbot.addWidget(second)
    first.idle_spin.setValue(5)
    first.save()
    assert first.message.text().startswith("已保存")
    second.idle_spin.setValue(20)
    second.keep_spin.setValue(30)
    second.save()
    dlg = second.dialog
    assert isinstance(dlg, ConflictDialog) and dlg.isVisible()
    assert (dlg.table.item(0, 1).text(), dlg.table.item(0, 2).text()) == ("20", "5")
    assert security.get_settings(ctx).idle_lock_minutes == 5  # nothing overwritten
    dlg.reapply_button.click()
    assert dlg.choice == REAPPLY and second.idle_spin.value() == 20
    second.save()
    assert second.message.text().startswith("已保存")
    assert (security.get_settings(ctx).idle_lock_minutes,
            security.get_settings(ctx).backup_keep) == (20, 30)
    # the other way: take the saved version
    first.idle_spin.setValue(7)
    first.save()
    first.dialog.reload_button.click()
    assert first.idle_spin.value() == 20 and security.get_settings(ctx).idle_lock_minutes == 20


def test_audit_viewer_is_lazy_filters_and_exports(qtbot, admin_ui_ctx, tmp_path, monkeypatch):
    ctx = admin_ui_ctx
    with ctx.session() as s, s.begin():
        for i in range(450):
            audit.append(s, ctx.actor, "doc.view", "document", i, {"i": i})
    viewer = AuditViewer(ctx)
    qtbot.addWidget(viewer)
    viewer.resize(900, 400)
    viewer.show()
    m = viewer.model
    assert viewer.status.text() == "正在查询……"  # read in the worker
    qtbot.waitUntil(lambda: not m.loading, timeout=10_000)
    assert m.total == audit.count(ctx.engine) - 1  # the audit.view event came after the count
    assert m.rowCount() == m.total and m.page_reads == 0  # one page so far, read with the count
    assert f"共 {m.total} 条" in viewer.status.text()
    assert (m.data(m.index(0, 3)), m.data(m.index(0, 4))) == ("查看公文", "公文 449")
    # the last rows: asked for when scrolled to, shown when they arrive; the pages do not shift
    # although every first-page read appends an audit.view event (the query is pinned)
    viewer.view.scrollToBottom()
    last = m.index(m.total - 1, 0)
    qtbot.waitUntil(lambda: m.data(last) == "1", timeout=10_000)
    assert m.page_reads == 1
    viewer.action_combo.setCurrentText("settings.")
    with qtbot.waitSignal(m.loaded):
        viewer.search_button.click()
    assert m.total == 0 and "共 0 条" in viewer.status.text()
    viewer.action_combo.setCurrentText("doc.view")
    viewer.user_edit.setText("adm")
    with qtbot.waitSignal(m.loaded):
        viewer.search_button.click()
    assert m.total == 450 and m.data(m.index(0, 3)) == "查看公文"
    assert m.data(m.index(0, 4)) == "公文 449"  # newest first
    # a bad range is refused in Chinese (the read runs in the worker)
    viewer.since_edit.setDate(viewer.until_edit.date().addDays(1))
    with qtbot.waitSignal(m.failed):
        viewer.search_button.click()
    assert viewer.status.text() == "起始日期晚于截止日期。"
    viewer.since_edit.setDate(viewer.until_edit.date().addDays(-30))
    out = tmp_path / "审计.xlsx"
    with qtbot.waitSignal(viewer.export_to(out).done, timeout=20_000):
        pass
    assert viewer.status.text() == f"已导出 450 条记录：{out}"
    assert load_workbook(out).active.max_row == 451
    # the paper path's typed warnings are said, in their own words (issue 20)
    from app.services import output
    from app.services.audit_review import review

    real = review.export_sheet
    note = output.OutputWarning(output.WarningKind.LAYOUT, "第 7 列过宽，已缩小字号。")

    def warned(*args):
        n, made = real(*args)
        return n, output.Output(bytes(made), kind=made.kind, fmt=made.fmt,
                                classification=made.classification, warnings=(note,))

    monkeypatch.setattr(review, "export_sheet", warned)
    with qtbot.waitSignal(viewer.export_to(out).done, timeout=20_000):
        pass
    assert viewer.status.text() == f"已导出 450 条记录：{out}；注意：第 7 列过宽，已缩小字号"
    with qtbot.waitSignal(viewer.verify().done, timeout=20_000):
        pass
    assert "审计日志完整" in viewer.status.text()


def test_broken_chain_at_start_is_shown_and_recorded(qtbot, app_env, admin_ui_ctx, tmp_path):
    config, _ = app_env
    ctx = admin_ui_ctx
    with ctx.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 1"))
    checks = StartupChecks(ctx, config)
    with qtbot.waitSignal(checks.chain_checked, timeout=10_000) as blocker:
        checks.start()
    assert not blocker.args[0].ok
    wait_for_all()
    win = _window(qtbot, ctx, tmp_path)
    attach(win, ctx, checks)
    assert win.statusBar().findChild(QLabel, "auditBrokenLabel") is not None
    notice = checks.notice
    assert isinstance(notice, QMessageBox) and "第一个断点在第 1 条" in notice.text()
    assert "audit.chain_broken" in _actions(ctx.engine, 5)
    # the day's automatic backup was made too
    assert [p.name for p in Path(config.backups_dir).glob("govdesk-auto-*.sqlite3*")]


def test_an_automatic_backup_shows_its_progress_in_the_status_bar(qtbot, app_env, admin_ui_ctx,
                                                                 tmp_path):
    from app.services.backup import files as backup
    from app.ui.qt import QProgressBar, QWidget

    config, _ = app_env
    ctx = admin_ui_ctx
    checks = StartupChecks(ctx, config)
    win = _window(qtbot, ctx, tmp_path)
    checks.attach_window(win, ctx)
    indicator = win.statusBar().findChild(QWidget, "backupIndicator")
    assert indicator is not None and not indicator.isVisible()
    seen: list[tuple[int, str, bool]] = []
    checks.backup_progress.connect(
        lambda pct, text: seen.append((pct, text, indicator.isVisible())))
    with qtbot.waitSignal(checks.backup_done, timeout=20_000) as done:
        checks.backup_now()  # (start() would also verify the chain; the backup is the same)
    info = done.args[0]
    assert info is not None and info.path.exists() and backup.is_compressed(info.path)
    assert seen and all(visible for _p, _t, visible in seen)  # shown while it ran
    assert seen[-1][0] == 100 and any("压缩" in t for _p, t, _v in seen)
    assert indicator.findChild(QProgressBar, "backupProgress").value() == 100
    qtbot.waitUntil(lambda: not indicator.isVisible())  # and gone once made


def test_cancelling_an_automatic_backup_leaves_no_file(qtbot, app_env, admin_ui_ctx, tmp_path,
                                                       monkeypatch):
    from app.ui.qt import QPushButton, QWidget

    config, _ = app_env
    ctx = admin_ui_ctx
    checks = StartupChecks(ctx, config)
    win = _window(qtbot, ctx, tmp_path)
    checks.attach_window(win, ctx)
    indicator = win.statusBar().findChild(QWidget, "backupIndicator")
    cancel = indicator.findChild(QPushButton, "backupCancel")
    checks.backup_progress.connect(lambda _p, _t: cancel.click())  # at the first progress
    real = backup.auto_backup

    def held(engine, folder, keep, now, progress):  # type: ignore[no-untyped-def]
        def first_waits(percent, text):  # the backup waits for the click its progress brings
            progress(percent, text)
            assert checks.backup_stop is not None and checks.backup_stop.wait(10)
        return real(engine, folder, keep, now, first_waits)

    monkeypatch.setattr(backup, "auto_backup", held)
    made: list[object] = []
    checks.backup_done.connect(made.append)
    with qtbot.waitSignal(checks.backup_finished, timeout=20_000):
        checks.backup_now()
    wait_for_all()
    assert made == [] and not indicator.isVisible()
    folder = Path(config.backups_dir)
    assert not folder.exists() or [p.name for p in folder.iterdir()] == []
