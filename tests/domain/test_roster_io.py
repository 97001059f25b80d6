"""PROBLEM.json reading is strict and explains itself; ROSTER.json is written as specified."""

from __future__ import annotations

import copy
import datetime as dt
import json
import random

import pytest

from app.domain.roster import Assignment, solve
from app.domain.roster_io import (
    load_problem,
    parse_problem,
    problem_to_dict,
    roster_json,
    roster_to_dict,
)
from app.errors import InputError

SPEC_EXAMPLE = {
    "start": "2025-01-01",
    "end": "2025-03-31",
    "roles": {"leader": 1, "officer": 2},
    "staff": [
        {"id": "L01", "name": "张××", "roles": ["leader"]},
        {"id": "O01", "name": "李××", "roles": ["officer"]},
        {"id": "O02", "name": "王××", "roles": ["officer"]},
    ],
    "unavailable": [{"id": "O01", "from": "2025-01-05", "to": "2025-01-09"}],
    "min_gap_days": {"leader": 3, "officer": 5},
    "max_per_month": {"officer": 4},
    "fixed": [{"date": "2025-01-01", "role": "leader", "id": "L01"}],
    "history": [{"id": "O01", "total": 10, "rest_day": 3}],
    "apart": [["O01", "O02"]],
}


def test_spec_example_parses_and_round_trips():
    problem = parse_problem(SPEC_EXAMPLE)
    assert problem.start == dt.date(2025, 1, 1) and problem.end == dt.date(2025, 3, 31)
    assert problem.roles == {"leader": 1, "officer": 2}
    assert problem.fixed == [Assignment(dt.date(2025, 1, 1), "leader", "L01")]
    assert problem.apart == [("O01", "O02")]
    assert problem.history_of("O01").rest_day == 3
    assert problem_to_dict(problem) == SPEC_EXAMPLE


def _broken(path, value):
    data = copy.deepcopy(SPEC_EXAMPLE)
    *keys, last = path
    target = data
    for k in keys:
        target = target[k]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (["colour"], "red", "colour：未知字段“colour”"),
        (["staff", 0, "phone"], "123", "staff[0].phone：未知字段“phone”"),
        (["unavailable", 0, "reason"], "病假", "unavailable[0].reason：未知字段"),
        (["start"], "2025/01/01", "start：日期应写成 YYYY-MM-DD"),
        (["end"], "2025-02-30", "end：没有 2025-02-30 这一天"),
        (["end"], "2024-12-31", "end：结束日期 2024-12-31 早于开始日期 2025-01-01"),
        (["roles", "leader"], "1", "roles.leader：应为整数"),
        (["roles", "leader"], True, "roles.leader：应为整数"),
        (["roles", "leader"], 0, "roles.leader：应不小于1"),
        (["staff", 1, "roles", 0], "driver", "staff[1].roles[0]：岗位“driver”不在 roles 中"),
        (["staff", 1, "id"], "L01", "staff[1].id：人员编号“L01”重复"),
        (["staff", 0, "name"], KeyError, "staff[0]：缺少字段“name”"),
        (["unavailable", 0, "id"], "X99", "unavailable[0].id：人员编号“X99”不在 staff 中"),
        (["unavailable", 0, "to"], "2025-01-01", "unavailable[0].to：结束日期"),
        (["fixed", 0, "id"], "X99", "fixed[0].id：人员编号“X99”不在 staff 中"),
        (["fixed", 0, "role"], "driver", "fixed[0].role：岗位“driver”不在 roles 中"),
        (["fixed", 0, "date"], "2025-04-01", "fixed[0].date：2025-04-01 不在排班期间"),
        (["history", 0, "id"], "X99", "history[0].id：人员编号“X99”不在 staff 中"),
        (["history", 0, "rest_day"], 11, "history[0].rest_day：节假日值班数11大于总值班数10"),
        (["history", 0, "total"], -1, "history[0].total：应不小于0"),
        (["apart", 0, 1], "X99", "apart[0][1]：人员编号“X99”不在 staff 中"),
        (["apart", 0], ["O01"], "apart[0]：应为两人的编号"),
        (["min_gap_days", "driver"], 3, "min_gap_days.driver：岗位“driver”不在 roles 中"),
        (["max_per_month", "officer"], 2.5, "max_per_month.officer：应为整数"),
        (["staff"], {}, "staff：应为列表"),
    ],
)
def test_malformed_input_names_the_field(path, value, expected):
    with pytest.raises(InputError) as err:
        parse_problem(_broken(path, value))
    assert expected in err.value.message
    assert err.value.exit_code == 2


def test_not_json_and_missing_file(tmp_path):
    bad = tmp_path / "p.json"
    bad.write_text('{"start": "2025-01-01",', encoding="utf-8")
    with pytest.raises(InputError, match="不是有效的 JSON：第1行"):
        load_problem(bad)
    with pytest.raises(InputError, match="找不到排班问题文件"):
        load_problem(tmp_path / "nope.json")


def test_roster_file_sorted_with_fairness(tmp_path):
    problem = parse_problem(_broken(["end"], "2025-01-10") | {"unavailable": [], "fixed": []})
    problem.min_gap_days = {}
    problem.max_per_month = {}
    problem.apart = []
    sol = solve(problem, time_limit=5)
    out = tmp_path / "r.json"
    from app.services.output import save

    save(roster_json(sol), out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) == {"assignments", "fairness", "infeasible"}
    rows = [(a["date"], a["role"], a["id"]) for a in data["assignments"]]
    assert rows == sorted(rows) and len(rows) == 10 * 3
    assert set(data["fairness"]) == {"leader", "officer"}
    assert set(data["fairness"]["officer"]) == {"total_spread", "rest_day_spread"}
    assert data["infeasible"] == []
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temp file left behind


def test_infeasible_roster_file_has_reasons_only():
    problem = parse_problem(_broken(["staff", 0, "roles"], ["officer"]))
    sol = solve(problem, time_limit=5)
    data = roster_to_dict(sol)
    assert data["assignments"] == [] and data["fairness"] == {}
    assert any("没有人担任带班领导（leader）" in line for line in data["infeasible"])


def _leaves(value, path=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, (*path, i))
    yield path


def test_any_mutation_is_parsed_or_refused_in_chinese():
    """Replace any part of a valid file by any JSON value: the reader returns a problem or
    raises InputError — never another exception — and solving what it returns never raises."""
    rng = random.Random(11)
    junk = [None, True, 0, -3, 2.5, "", "x", "2025-13-01", "2025-01-02", [], {}, ["L01"], {"a": 1}]
    paths = [p for p in _leaves(SPEC_EXAMPLE) if p]
    refused = parsed = 0
    for _ in range(300):
        data = copy.deepcopy(SPEC_EXAMPLE)
        *keys, last = rng.choice(paths)
        target = data
        for k in keys:
            target = target[k]
        target[last] = rng.choice(junk)
        try:
            problem = parse_problem(data)
        except InputError as exc:
            assert exc.message.startswith("排班问题文件有误：")
            refused += 1
        else:
            parsed += 1
            problem.end = problem.start + dt.timedelta(days=6)
            problem.fixed = [f for f in problem.fixed if f.date <= problem.end]
            assert solve(problem, time_limit=1).status in ("optimal", "feasible", "infeasible")
    assert refused > 100 and parsed > 5
