"""突发事件 rules: levels and names, the editable rule table, the clocks (across midnight and
month ends), the 首报 checklist and the snapshot diff."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from app.domain import incident_rules as ir
from app.domain.incident_rules import Channel, Level, ReportKind, SentReport
from app.errors import InputError

T = dt.datetime


def first(at, channel=Channel.WRITTEN):
    return SentReport(ReportKind.FIRST, channel, at)


def follow(n, at):
    return SentReport(ReportKind.FOLLOW_UP, Channel.WRITTEN, at, n)


def final(at):
    return SentReport(ReportKind.FINAL, Channel.WRITTEN, at)


# ---- levels, categories, names ---------------------------------------------------------------------
def test_levels_have_roman_numeral_name_and_colour():
    assert [(lv.roman, lv.name_cn, lv.colour) for lv in Level] == [
        ("Ⅰ", "特别重大", "red"), ("Ⅱ", "重大", "orange"), ("Ⅲ", "较大", "yellow"), ("Ⅳ", "一般", "blue")]
    assert Level.III.label == "Ⅲ级（较大）" and Level.I.colour_cn == "红色"


@pytest.mark.parametrize("text, level", [("Ⅰ", Level.I), ("II", Level.II), ("3", Level.III),
                                         ("四", Level.IV), ("特别重大", Level.I), ("重大", Level.II),
                                         ("Ⅲ级（较大）", Level.III), ("一般", Level.IV), ("iv", Level.IV)])
def test_parse_level(text, level):
    assert ir.parse_level(text) is level


@pytest.mark.parametrize("bad", ["Ⅴ", "5", "特大", ""])
def test_parse_level_rejects_in_chinese(bad):
    with pytest.raises(InputError, match="事件级别"):
        ir.parse_level(bad)


def test_categories_and_subtypes():
    assert list(ir.CATEGORIES) == ["自然灾害", "事故灾难", "公共卫生事件", "社会安全事件"]
    ir.validate_category("事故灾难", "道路交通事故")
    ir.validate_category("自然灾害", "其他")
    with pytest.raises(InputError, match="事件类别"):
        ir.validate_category("天灾")
    with pytest.raises(InputError, match="子类"):
        ir.validate_category("自然灾害", "道路交通事故")


def test_report_names_use_chinese_ordinals():
    assert ir.report_name(ReportKind.FIRST) == "首报" and ir.report_name(ReportKind.FINAL) == "终报"
    names = [ir.report_name(ReportKind.FOLLOW_UP, n) for n in (1, 2, 10, 11, 20, 21, 100)]
    assert names == ["续报一", "续报二", "续报十", "续报十一", "续报二十", "续报二十一", "续报一百"]
    assert all(ir.parse_report_name(n) == (ReportKind.FOLLOW_UP, k)
               for n, k in zip(names, (1, 2, 10, 11, 20, 21, 100), strict=True))
    assert ir.parse_report_name("续报3") == (ReportKind.FOLLOW_UP, 3)
    with pytest.raises(InputError):
        ir.parse_report_name("再报")
    with pytest.raises(InputError):
        ir.report_name(ReportKind.FOLLOW_UP)


def test_next_report_name_follows_the_chain_and_stops_after_the_final():
    t = T(2024, 7, 1, 8)
    assert ir.next_report([]) == (ReportKind.FIRST, None)
    assert ir.next_report([first(t, Channel.PHONE)]) == (ReportKind.FIRST, None)
    chain = [first(t), follow(1, t), follow(2, t)]
    assert ir.next_report(chain) == (ReportKind.FOLLOW_UP, 3)
    with pytest.raises(InputError, match="终报"):
        ir.next_report(chain + [final(t)])


# ---- rule table --------------------------------------------------------------------------------------
def test_shipped_defaults():
    table = ir.DEFAULT_RULES
    one, two, three, four = (table.rule_for(lv) for lv in Level)
    assert (one.phone_minutes, one.written_minutes, one.follow_up_hours) == (30, 60, 24)
    assert (two.phone_minutes, two.written_minutes, two.follow_up_hours) == (30, 60, 24)
    assert (three.phone_minutes, three.written_minutes, three.follow_up_hours) == (None, 60, 24)
    assert (four.phone_minutes, four.written_minutes, four.follow_up_hours) == (None, 120, None)


def test_rule_table_round_trips_through_json_and_keys_by_authority():
    obj = ir.DEFAULT_RULES.to_dict()
    obj["rules"].append({"level": "Ⅳ", "authority": "省应急厅", "phone_minutes": None,
                         "written_minutes": 60, "follow_up_hours": 24, "change_minutes": 30,
                         "first_report_blocking": ["place", "casualties"]})
    obj["thresholds"]["amber_minutes"] = 15
    table = ir.RuleTable.from_dict(json.loads(json.dumps(obj, ensure_ascii=False)))
    assert table.to_dict() == obj
    assert table.rule_for("Ⅳ", "省应急厅").written_minutes == 60
    assert table.rule_for("Ⅳ", "市委办").written_minutes == 120  # falls back to the default
    assert table.rule_for(Level.IV).first_report_blocking == ir.DEFAULT_BLOCKING
    assert table.authorities() == ["省应急厅"] and table.thresholds.amber_minutes == 15
    assert table.rule_for("Ⅳ", "省应急厅").change_minutes == 30


def test_rule_table_edits_are_validated_with_every_problem_listed():
    obj = ir.DEFAULT_RULES.to_dict()
    obj["rules"][0]["phone_minutes"] = 90  # later than written (60)
    obj["rules"][1]["written_minutes"] = -5
    obj["rules"][2]["level"] = "Ⅴ"
    obj["rules"][3]["first_report_blocking"] = ["place", "weather"]
    obj["rules"].append({"level": "Ⅳ", "phone_minutes": None, "written_minutes": None})
    obj["thresholds"]["amber_fraction"] = 1.5
    obj["rules"][0]["change_minutes"] = 0
    errors = ir.validate_rule_table(obj)
    text = "\n".join(errors)
    for expected in ("不应晚于书面报告时限", "书面报告时限应为", "级别“Ⅴ”无效", "未知项：weather",
                     "至少要规定", "与前面的规则重复", "缺少 Ⅲ级（较大） 的默认规则", "时限比例",
                     "情况变化续报时限"):
        assert expected in text, expected
    with pytest.raises(InputError, match="规则表有误"):
        ir.RuleTable.from_dict(obj)
    assert ir.validate_rule_table(ir.DEFAULT_RULES.to_dict()) == []
    assert ir.validate_rule_table([]) == ["规则表应为 JSON 对象。"]
    assert "rules（规则）应为非空列表。" in ir.validate_rule_table({"rules": []})


# ---- clocks --------------------------------------------------------------------------------------------
RULE_II = ir.DEFAULT_RULES.rule_for(Level.II)
RULE_III = ir.DEFAULT_RULES.rule_for(Level.III)
RULE_IV = ir.DEFAULT_RULES.rule_for(Level.IV)


def _open(report):
    return {c.deadline.key: (c.deadline.due, c.state, c.time_left) for c in report.open}


def test_first_report_clocks_across_midnight_at_a_month_end():
    received = T(2024, 7, 31, 23, 50)  # 接报 ten minutes before midnight, last day of July
    r = ir.evaluate_clocks(received, [], RULE_II, now=T(2024, 7, 31, 23, 55))
    assert _open(r) == {
        "first.phone": (T(2024, 8, 1, 0, 20), "ok", dt.timedelta(minutes=25)),
        "first.written": (T(2024, 8, 1, 0, 50), "ok", dt.timedelta(minutes=55)),
    }
    r = ir.evaluate_clocks(received, [], RULE_II, now=T(2024, 8, 1, 0, 12))
    assert _open(r)["first.phone"][1:] == ("amber", dt.timedelta(minutes=8))
    r = ir.evaluate_clocks(received, [], RULE_II, now=T(2024, 8, 1, 0, 21))
    assert _open(r)["first.phone"][1:] == ("red", dt.timedelta(minutes=-1))
    assert [m.key for m in r.missed] == ["first.phone"] and r.missed[0].satisfied_at is None
    assert r.worst_state == "red"


def test_a_phone_report_meets_the_phone_clock_and_the_written_one_stays_open():
    received = T(2024, 2, 29, 23, 40)  # leap day
    r = ir.evaluate_clocks(received, [first(T(2024, 3, 1, 0, 5), Channel.PHONE)], RULE_II,
                           now=T(2024, 3, 1, 0, 35))
    assert [(d.key, at) for d, at in r.met] == [("first.phone", T(2024, 3, 1, 0, 5))]
    assert _open(r) == {"first.written": (T(2024, 3, 1, 0, 40), "amber", dt.timedelta(minutes=5))}


def test_a_late_report_does_not_erase_the_miss():
    received = T(2024, 12, 31, 23, 30)  # year end, Ⅳ: 2 hours
    before = ir.evaluate_clocks(received, [], RULE_IV, now=T(2025, 1, 1, 1, 45))
    assert [m.key for m in before.missed] == ["first.written"]
    after = ir.evaluate_clocks(received, [first(T(2025, 1, 1, 1, 50))], RULE_IV,
                               now=T(2025, 1, 1, 2, 0))
    (miss,) = after.missed
    assert miss.key == "first.written" and miss.satisfied_at == T(2025, 1, 1, 1, 50)
    assert miss.late_by == dt.timedelta(minutes=20) and after.open == ()
    assert ir.unrecorded_misses(after, ["first.written"]) == []
    assert ir.unrecorded_misses(after, []) == [miss]


def test_a_written_first_report_meets_both_first_clocks():
    received = T(2024, 7, 1, 8, 0)
    r = ir.evaluate_clocks(received, [first(T(2024, 7, 1, 8, 25))], RULE_II, now=T(2024, 7, 1, 9))
    assert {d.key for d, _ in r.met} == {"first.phone", "first.written"} and not r.missed
    assert _open(r) == {"follow_up@2024-07-02T08:25": (T(2024, 7, 2, 8, 25), "ok",
                                                       dt.timedelta(hours=23, minutes=25))}


def test_daily_follow_up_chain_records_each_missed_day_and_ends_with_the_final():
    received = T(2024, 1, 30, 22, 0)
    reports = [first(T(2024, 1, 30, 22, 40)),  # 首报
               follow(1, T(2024, 1, 31, 21, 0)),  # within 24 h
               follow(2, T(2024, 2, 3, 9, 0))]  # late: 2/1 21:00, 2/2 21:00 passed
    r = ir.evaluate_clocks(received, reports, RULE_III, now=T(2024, 2, 3, 10, 0))
    assert [(m.deadline.due, m.satisfied_at) for m in r.missed] == [
        (T(2024, 2, 1, 21, 0), T(2024, 2, 3, 9, 0)), (T(2024, 2, 2, 21, 0), T(2024, 2, 3, 9, 0))]
    assert _open(r) == {"follow_up@2024-02-04T09:00": (T(2024, 2, 4, 9, 0), "ok",
                                                       dt.timedelta(hours=23))}
    # nothing more for two and a half days: two more misses, the clock stays red on the first
    r = ir.evaluate_clocks(received, reports, RULE_III, now=T(2024, 2, 6, 0, 0))
    assert [m.deadline.due for m in r.missed][2:] == [T(2024, 2, 4, 9, 0), T(2024, 2, 5, 9, 0)]
    assert _open(r)["follow_up@2024-02-04T09:00"][1:] == ("red", -dt.timedelta(hours=38, minutes=60))
    # the final report ends the chain
    done = reports + [final(T(2024, 2, 4, 8, 0))]
    r = ir.evaluate_clocks(received, done, RULE_III, now=T(2024, 2, 10))
    assert r.open == () and len(r.missed) == 2


def test_a_significant_change_opens_a_follow_up_clock():
    received = T(2024, 5, 31, 22, 0)
    reports = [first(T(2024, 5, 31, 22, 30))]
    change = T(2024, 5, 31, 23, 30)  # casualties rose; Ⅲ: written 续报 within 60 minutes
    r = ir.evaluate_clocks(received, reports, RULE_III, now=T(2024, 6, 1, 0, 25), changes=[change])
    assert _open(r)["change@2024-05-31T23:30"] == (T(2024, 6, 1, 0, 30), "amber",
                                                   dt.timedelta(minutes=5))
    late = reports + [follow(1, T(2024, 6, 1, 0, 40))]
    r = ir.evaluate_clocks(received, late, RULE_III, now=T(2024, 6, 1, 1, 0), changes=[change])
    (miss,) = r.missed
    assert miss.key == "change@2024-05-31T23:30" and miss.late_by == dt.timedelta(minutes=10)
    assert "change@2024-05-31T23:30" not in _open(r)
    # a change after the final report opens nothing
    closed = late + [final(T(2024, 6, 1, 2, 0))]
    r = ir.evaluate_clocks(received, closed, RULE_III, now=T(2024, 6, 2), changes=[T(2024, 6, 1, 3)])
    assert not [k for k in _open(r) if k.startswith("change")]


def test_significant_changes_are_proposed_from_the_diff():
    prev = dict(FULL_SNAPSHOT)
    cur = dict(FULL_SNAPSHOT, injured=5, measures="增派救援力量。", reporter_name="赵某")
    assert [c.key for c in ir.significant_changes(ir.diff_snapshots(prev, cur))] == ["injured"]


def test_reports_after_now_do_not_count_and_level_iv_has_no_daily_clock():
    received = T(2024, 7, 1, 8, 0)
    r = ir.evaluate_clocks(received, [first(T(2024, 7, 1, 9, 0))], RULE_IV, now=T(2024, 7, 1, 8, 30))
    assert set(_open(r)) == {"first.written"}
    r = ir.evaluate_clocks(received, [first(T(2024, 7, 1, 9, 0))], RULE_IV, now=T(2024, 7, 5))
    assert r.open == () and r.missed == ()


def test_amber_threshold_is_configurable():
    received = T(2024, 7, 1, 8, 0)
    lenient = ir.Thresholds(amber_minutes=0, amber_fraction=0.0)
    strict = ir.Thresholds(amber_minutes=50, amber_fraction=0.0)
    now = T(2024, 7, 1, 8, 20)
    assert _open(ir.evaluate_clocks(received, [], RULE_III, now, lenient))["first.written"][1] == "ok"
    assert _open(ir.evaluate_clocks(received, [], RULE_III, now, strict))["first.written"][1] == "amber"


def test_time_left_text_and_aware_times_refused():
    received = T(2024, 7, 1, 8, 0)
    r = ir.evaluate_clocks(received, [], RULE_IV, now=T(2024, 7, 1, 8, 55))
    assert r.open[0].time_left_text() == "剩余1小时05分"
    r = ir.evaluate_clocks(received, [], RULE_IV, now=T(2024, 7, 2, 11, 7))
    assert r.open[0].time_left_text() == "已超时1天1小时07分"
    with pytest.raises(InputError, match="不带时区"):
        ir.evaluate_clocks(received.replace(tzinfo=dt.UTC), [], RULE_IV, now=received)


# ---- checklist -------------------------------------------------------------------------------------------
FULL_SNAPSHOT = {
    "occurred_at": "2024-07-01 07:40", "place": "××县××镇××化工厂", "category": "事故灾难",
    "level": "Ⅲ", "source": "县应急局电话报告", "summary": "一储罐发生爆炸起火。",
    "dead": 0, "missing": 1, "injured": 3, "property_loss": "正在核查", "cause": "正在调查",
    "impact": "周边500米群众已疏散", "trend": "火势已得到控制", "leaders_on_site": ["副县长张某"],
    "commander": {"name": "李某", "post": "县应急局局长", "phone": "138xxxx0000"},
    "measures": "已组织消防救援。", "next_steps": "请求市里派出危化品专家。",
    "reporter_unit": "××县人民政府总值班室", "reporter_name": "王某", "reporter_phone": "0000-1234567",
}


def test_complete_snapshot_passes_and_zero_casualties_count_as_known():
    c = ir.check_elements(FULL_SNAPSHOT)
    assert c.can_sign and c.missing == () and c.message() == "要素齐全。"
    assert [i.key for i in c.items] == list(ir.ELEMENT_KEYS)


def test_missing_basics_block_and_the_rest_is_only_shown():
    snap = dict(FULL_SNAPSHOT, place=" ", cause=None, dead=None, leaders_on_site=[], commander={})
    c = ir.check_elements(snap)
    assert [i.key for i in c.blocking_missing] == ["place"]
    assert [i.key for i in c.missing] == ["place", "casualties", "cause", "on_site"]
    assert not c.can_sign and "事发地点" in c.message()
    c = ir.check_elements(dict(snap, place="××镇"))
    assert c.can_sign and "续报中补报" in c.message() and "人员伤亡" in c.message()


def test_blocking_elements_come_from_the_rule():
    table = ir.RuleTable.from_dict({"rules": [
        {"level": lv.roman, "written_minutes": 60, "first_report_blocking": ["place", "casualties"]}
        for lv in Level]})
    c = ir.check_elements(dict(FULL_SNAPSHOT, injured=None), table.rule_for("Ⅰ").first_report_blocking)
    assert [i.key for i in c.blocking_missing] == ["casualties"]
    with pytest.raises(InputError, match="未知的报告要素"):
        ir.check_elements(FULL_SNAPSHOT, ["weather"])


# ---- diff --------------------------------------------------------------------------------------------------
def test_diff_of_two_snapshots():
    prev = dict(FULL_SNAPSHOT, cause=None)
    cur = dict(FULL_SNAPSHOT, dead=2, injured=3, cause="储罐超压",
               commander=dict(FULL_SNAPSHOT["commander"], phone="139xxxx1111"), trend="", level="Ⅱ")
    changes = ir.diff_snapshots(prev, cur)
    assert [(c.key, c.kind) for c in changes] == [
        ("level", "changed"), ("dead", "changed"), ("cause", "added"), ("trend", "removed"),
        ("commander.phone", "changed")]
    dead = changes[1]
    assert (dead.label, dead.old, dead.new, dead.delta) == ("死亡人数", 0, 2, 2)
    assert changes[4].label == "现场指挥（phone）" and changes[3].delta is None
    assert ir.diff_snapshots(FULL_SNAPSHOT, dict(FULL_SNAPSHOT)) == []
    assert len(ir.diff_snapshots(None, {"place": "x", "title": "y"})) == 2
    assert ir.diff_snapshots(prev, cur, ignore=["level", "commander"])[0].key == "dead"
