"""A newcomer's roster: sensible rest by default, holidays shaded in the grid (元旦 of a year
whose arrangement is not loaded yet too), 发布 asked first, and the desk's panel tells the truth
right after publishing next month's roster."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

from app.services import duty
from app.ui.duty.page import DutyPage
from app.ui.duty.roster_tab import HOLIDAY_SHADE, REST_SHADE
from app.ui.qt import Qt


def _staff(ctx, leaders=3, officers=6):
    for i in range(leaders):
        duty.save_staff(ctx, duty.StaffInfo(0, f"领导{i + 1}", roles=("leader",)))
    for i in range(officers):
        duty.save_staff(ctx, duty.StaffInfo(0, f"干部{i + 1}", roles=("officer",)))


def _page(qtbot, ctx) -> DutyPage:
    page = DutyPage(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: not page.roster.reading)  # (read in the worker)
    page.show()
    return page


def test_default_rules_give_a_day_of_rest_after_each_duty(admin_ui_ctx):
    ctx = admin_ui_ctx
    _staff(ctx)
    assert duty.get_rules(ctx).min_gap_days == {"leader": 2, "officer": 2}
    today = ctx.now().astimezone().date()
    roster = duty.create_roster(ctx, today, today + dt.timedelta(days=13))
    assert duty.generate(ctx, roster.id, time_limit=5, allow_unknown_years=True).ok
    days = defaultdict(list)
    for d in duty.get_roster(ctx, roster.id).duties:
        days[d.staff_id].append(d.day)
    assert days  # the roster has duties
    for person_days in days.values():
        person_days.sort()
        gaps = [(b - a).days for a, b in itertools.pairwise(person_days)]
        assert all(g >= 2 for g in gaps), person_days  # never two 24-hour duties in a row


def test_holidays_are_shaded_and_named_in_the_grid(qtbot, admin_ui_ctx):
    ctx = admin_ui_ctx
    _staff(ctx)
    # January of a year the holiday package may not know yet, and one it knows
    for start in (dt.date(2027, 1, 1), dt.date(2026, 1, 1)):
        duty.create_roster(ctx, start, start + dt.timedelta(days=9), f"{start.year}年元旦值班表")
    page = _page(qtbot, ctx)
    tab = page.roster
    for year in (2027, 2026):
        tab.rosters.setCurrentIndex(tab.rosters.findText(f"{year}年元旦值班表", Qt.MatchFlag.MatchStartsWith))
        cells = {tab.grid.item(r, c).data(Qt.ItemDataRole.UserRole): tab.grid.item(r, c)
                 for r in range(tab.grid.rowCount()) for c in range(7) if tab.grid.item(r, c)}
        new_year = cells[dt.date(year, 1, 1)]
        assert "元旦" in new_year.text() and new_year.background().color() == HOLIDAY_SHADE
        assert "法定节假日" in new_year.toolTip()
        ordinary = cells[dt.date(year, 1, 6)]  # a Wednesday (2027) / Tuesday (2026)
        assert ordinary.background().color() != HOLIDAY_SHADE
        sunday = next(d for d in cells if d.weekday() == 6 and d.day > 4)
        assert cells[sunday].background().color() == REST_SHADE


def test_publish_asks_first_and_the_panel_says_when_the_roster_starts(qtbot, admin_ui_ctx):
    ctx = admin_ui_ctx
    _staff(ctx)
    today = ctx.now().astimezone().date()
    first = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)  # next month
    roster = duty.create_roster(ctx, first, first + dt.timedelta(days=6), "下月值班表")
    assert duty.generate(ctx, roster.id, time_limit=5, allow_unknown_years=True).ok
    page = _page(qtbot, ctx)
    tab = page.roster
    tab.load()
    qtbot.waitUntil(lambda: "当前没有已发布的值班安排" in page.now.now_label.text())
    # 取消 leaves the draft
    box = tab.publish()
    next(b for b in box.buttons() if b.text() == "取消").click()
    qtbot.waitUntil(lambda: not box.isVisible())
    assert duty.get_roster(ctx, roster.id).status == "draft"
    # 发布 publishes, and the panel reads again at once
    box = tab.publish()
    assert "下月值班表" in box.text()
    with qtbot.waitSignal(tab.published):
        next(b for b in box.buttons() if b.text() == "发布").click()
    assert duty.get_roster(ctx, roster.id).status == "published"
    qtbot.waitUntil(lambda: "下月值班表" in page.now.now_label.text())  # read again in the worker
    text = page.now.now_label.text()
    assert "当前没有已发布的值班安排" not in text
    assert f"自{first.month}月{first.day}日起执行" in text and "下月值班表" in text
    assert "已发布" in tab.status.text()
