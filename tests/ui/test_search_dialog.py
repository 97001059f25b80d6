"""Global search dialog (Ctrl+K) driven with qtbot: background search while typing, grouped
results, clearance, keyboard navigation, Enter opens the record's page."""

from __future__ import annotations

import datetime as dt

import pytest

from app.domain.security import Clearance, Role
from app.services.context import Actor, ServiceContext
from app.services.incoming import book as incoming
from app.services.incoming.book import IncomingIn
from app.services.search import index as search
from app.ui.application import db_label
from app.ui.kit import worker
from app.ui.main_window import MainWindow
from app.ui.qt import QApplication, QFont, QFontMetrics, Qt
from app.ui.search_dialog import HTML_ROLE, SearchDialog


def _ctx(engine, clearance, role=Role.CLERK):
    return ServiceContext(engine, Actor(None, f"u{int(clearance)}", role, clearance, "用户"))


@pytest.fixture
def seeded(app_env):
    _config, ctx = app_env
    with ctx.session() as s, s.begin():
        search.index_record(s, "document", 11, 0, "关于春节期间值班安排的通知", "请各单位做好值班。")
        search.index_record(s, "document", 12, 3, "机密值班方案", "重点部位值班。")
        search.index_record(s, "minutes", 21, 0, "第五次办公会议纪要", "会议要求加强值班值守。")
        search.index_record(s, "incident", 31, 1, "山体滑坡续报", "已转移群众。")
    return ctx.engine


def _dialog(qtbot, engine, clearance=Clearance.INTERNAL) -> SearchDialog:
    dialog = SearchDialog(_ctx(engine, clearance))
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _texts(dialog):
    return [dialog.tree.topLevelItem(i).text(0) for i in range(dialog.tree.topLevelItemCount())]


def test_typing_searches_in_background_grouped_and_filtered(qtbot, seeded):
    dialog = _dialog(qtbot, seeded)
    dialog.query.setText("值班")  # (QTest cannot type CJK; textChanged drives it the same)
    qtbot.waitUntil(lambda: dialog.results is not None and dialog.results.query == "值班")
    assert _texts(dialog) == ["公文（1）", "会议纪要（1）"]  # the 机密 plan is not even counted
    hits = [it.data(0, Qt.ItemDataRole.UserRole + 1) for it in dialog.hit_items()]
    assert hits == [("document", 11), ("minutes", 21)]
    html = dialog.hit_items()[0].data(0, HTML_ROLE)  # what the row paints
    assert "<b>值班</b>" in html and "<u>值班</u>" in html
    assert "共 2 条" in dialog.status.text()
    dialog.query.setText("续")  # one character
    qtbot.waitUntil(lambda: dialog.results is not None and dialog.results.query == "续")
    assert _texts(dialog) == ["突发事件（1）"]
    dialog.query.setText("不存在的词")
    qtbot.waitUntil(lambda: dialog.results.query == "不存在的词")
    assert dialog.hit_items() == [] and "没有找到" in dialog.status.text()


def test_only_the_latest_text_is_shown(qtbot, seeded):
    dialog = _dialog(qtbot, seeded, Clearance.CONFIDENTIAL)
    for text in ("值", "值班", "机密值班"):
        dialog.query.setText(text)
        dialog._start()  # no debounce: three searches in flight
    qtbot.waitUntil(lambda: dialog.results is not None and dialog.results.query == "机密值班")
    # every search still in flight has come back (cancelled or not): none may replace the last
    qtbot.waitUntil(lambda: not worker._running)
    assert dialog.results.query == "机密值班" and _texts(dialog) == ["公文（1）"]


def test_arrows_and_enter_open_the_hit(qtbot, seeded):
    dialog = _dialog(qtbot, seeded)
    dialog.query.setText("值班")
    qtbot.waitUntil(lambda: len(dialog.hit_items()) == 2)
    assert dialog.current_hit() == ("document", 11)
    qtbot.keyClick(dialog.query, Qt.Key.Key_Down)
    assert dialog.current_hit() == ("minutes", 21)
    qtbot.keyClick(dialog.query, Qt.Key.Key_Down)  # stays on the last
    assert dialog.current_hit() == ("minutes", 21)
    qtbot.keyClick(dialog.query, Qt.Key.Key_Up)
    with qtbot.waitSignal(dialog.open_requested) as opened:
        qtbot.keyClick(dialog.query, Qt.Key.Key_Return)
    assert opened.args == ["document", 11]
    assert not dialog.isVisible()


def test_ctrl_k_from_the_main_window_opens_an_incoming_record(qtbot, app_env, tmp_path):
    _config, ctx = app_env
    clerk = _ctx(ctx.engine, Clearance.SECRET)
    now = dt.datetime.now(dt.UTC)
    for i in range(3):
        incoming.register(clerk, IncomingIn(sender="市水利局", title=f"防汛物资调拨第{i}批",
                                            received_at=now, summary="调拨冲锋舟"))
    target = incoming.register(clerk, IncomingIn(sender="省防指", title="关于启动防汛四级应急响应",
                                                 received_at=now))
    win = MainWindow(clerk, db_label(str(ctx.engine.url)), tmp_path / "ui.ini")
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    qtbot.keyClick(win.nav, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    dialog = next(w for w in QApplication.topLevelWidgets()
                  if isinstance(w, SearchDialog) and w.isVisible())
    dialog.query.setText("应急响应")
    qtbot.waitUntil(lambda: len(dialog.hit_items()) == 1)
    qtbot.keyClick(dialog.query, Qt.Key.Key_Return)
    assert win.current_key() == "incoming"
    page = win.show_page("incoming")
    qtbot.waitUntil(lambda: page.selected_id() == target.id, timeout=10_000)
    qtbot.waitUntil(lambda: "关于启动防汛四级应急响应" in page.info_view.toPlainText())


def test_a_broad_query_still_shows_every_area_that_has_hits(qtbot, app_env):
    """60 duty-log entries with 防汛 in their title fill the first page (50 hits); the one 公文
    that has it only in its body is asked for in a second pass and shown as its own group."""
    _config, ctx = app_env
    with ctx.session() as s, s.begin():
        search.index_record(s, "document", 7, 0, "关于做好汛期工作的通知", "请各单位做好防汛准备。")
        for i in range(60):
            search.index_record(s, "duty_log", 100 + i, 0, f"防汛值班记录第{i}号（防汛）",
                                "防汛物资检查。")
    first = search.search(_ctx(ctx.engine, Clearance.INTERNAL), "防汛")
    assert len(first.hits) == 50 and first.total > 50
    assert "document" not in {h.kind for h in first.hits}  # the premise: the 公文 is left out
    dialog = _dialog(qtbot, ctx.engine)
    dialog.query.setText("防汛")
    qtbot.waitUntil(lambda: "公文（1）" in _texts(dialog), timeout=10_000)
    assert _texts(dialog)[0].startswith("值班日志")  # the first page's group stays first
    hits = [it.data(0, Qt.ItemDataRole.UserRole + 1) for it in dialog.hit_items()]
    assert ("document", 7) in hits
    assert sum(1 for k, _ in hits if k == "duty_log") == 10  # trimmed to its best 10
    assert dialog.current_hit()[0] == "duty_log"  # the selection did not jump
    # each hit row is as tall as its two lines (title and snippet), not a guess for a narrow width
    item = dialog.hit_items()[-1]
    line = dialog.tree.fontMetrics().height()
    height = dialog.tree.visualItemRect(item).height()
    assert 2 * line <= height < 3.5 * line, (height, line)
    dialog.resize(dialog.minimumSizeHint().width(), 520)  # narrower: the row wraps and grows
    bold = QFont(dialog.tree.font())
    bold.setBold(True)
    assert QFontMetrics(bold).horizontalAdvance(item.toolTip(0)) > dialog.delegate.text_width()
    qtbot.waitUntil(lambda: dialog.tree.visualItemRect(item).height() > height)


def test_a_broad_querys_counts_are_the_true_counts_once_counted(qtbot, app_env, monkeypatch):
    """The window of newest hits (RANK_LIMIT, here 20) is all 值班日志: the groups first say
    "至少", then the counts of every hit come from the background and every kind is there with
    its true number — the 机密 公文 not counted for a 内部 user."""
    _config, ctx = app_env
    monkeypatch.setattr(search, "RANK_LIMIT", 20)
    with ctx.session() as s, s.begin():
        for i in range(1, 31):
            search.index_record(s, "document", i, 3 if i > 26 else 0, f"通知{i}",
                                "请各单位做好防汛准备。")
        for i in range(25):
            search.index_record(s, "duty_log", 100 + i, 0, f"值班记录{i}", "防汛物资检查。")
    dialog = _dialog(qtbot, ctx.engine)
    dialog.query.setText("防汛")
    qtbot.waitUntil(lambda: dialog.hit_counts is not None and "公文（26）" in _texts(dialog),
                    timeout=10_000)
    assert dialog.hit_counts.counts == {"document": 26, "duty_log": 25}
    assert "值班日志（25）" in _texts(dialog)
    assert "共 51 条" in dialog.status.text()
