"""``python -m app roster solve``: exit 0 with a roster, 3 with reasons, 2 with no file."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from app.cli import main
from app.domain.roster import Assignment
from app.domain.roster_io import parse_problem
from app.domain.roster_validate import validate

ROOT = Path(__file__).resolve().parents[2]


def _problem(**changes) -> dict:
    data = {
        "start": "2025-09-29",
        "end": "2025-10-12",
        "roles": {"leader": 1, "officer": 2},
        "staff": [{"id": f"L{i}", "name": f"领导{i}", "roles": ["leader"]} for i in range(4)]
        + [{"id": f"O{i}", "name": f"值班员{i}", "roles": ["officer"]} for i in range(8)],
        "unavailable": [{"id": "O1", "from": "2025-10-01", "to": "2025-10-03"}],
        "min_gap_days": {"leader": 3, "officer": 3},
        "max_per_month": {"officer": 4},
        "fixed": [{"date": "2025-10-01", "role": "leader", "id": "L0"}],
        "history": [{"id": "O0", "total": 3, "rest_day": 1}],
        "apart": [["O2", "O3"]],
    }
    data.update(changes)
    return data


def _write(tmp_path: Path, data) -> Path:
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_exit_0_writes_a_valid_roster(tmp_path, capsys):
    src = _write(tmp_path, _problem())
    out = tmp_path / "roster.json"
    assert main(["roster", "solve", str(src), "-o", str(out), "--time-limit", "5"]) == 0
    assert "公平性" in capsys.readouterr().out
    data = json.loads(out.read_text(encoding="utf-8"))
    problem = parse_problem(_problem())
    rows = [
        Assignment(dt.date.fromisoformat(a["date"]), a["role"], a["id"])
        for a in data["assignments"]
    ]
    assert validate(problem, rows) == []
    assert data["infeasible"] == []
    assert all(
        f["total_spread"] <= 1 and f["rest_day_spread"] <= 1 for f in data["fairness"].values()
    )


def test_exit_3_lists_reasons(tmp_path, capsys):
    src = _write(
        tmp_path,
        _problem(
            unavailable=[
                {"id": f"L{i}", "from": "2025-10-05", "to": "2025-10-05"} for i in range(4)
            ]
        ),
    )
    out = tmp_path / "roster.json"
    assert main(["roster", "solve", str(src), "-o", str(out)]) == 3
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["assignments"] == []
    assert data["infeasible"] == [
        "2025-10-05 没有可排的带班领导（leader）：领导0请假，领导1请假，领导2请假，领导3请假"
    ]
    assert "无法排班" in capsys.readouterr().err


def test_exit_2_on_malformed_input_and_no_file(tmp_path, capsys):
    out = tmp_path / "roster.json"
    for bad in (_problem(shift="day"), _problem(apart=[["O2", "Z9"]]), "not an object"):
        src = _write(tmp_path, bad)
        assert main(["roster", "solve", str(src), "-o", str(out)]) == 2
        assert not out.exists()
    err = capsys.readouterr().err
    assert "未知字段“shift”" in err and "apart[0][1]" in err
    assert main(["roster", "solve", str(tmp_path / "missing.json"), "-o", str(out)]) == 2
    assert not out.exists()


def test_real_process_bad_input(tmp_path):
    """The documented command line in a real process: a clear message, no traceback, no file."""
    bad = _write(tmp_path, {"start": "2025-10-01"})
    out = tmp_path / "roster.json"
    done = subprocess.run(
        [sys.executable, "-m", "app", "roster", "solve", str(bad), "-o", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (
        done.returncode == 2 and "缺少字段“end”" in done.stderr and "Traceback" not in done.stderr
    )
    assert not out.exists()


def test_check_a_hand_edited_roster(tmp_path, capsys):
    src = _write(tmp_path, _problem())
    out = tmp_path / "roster.json"
    assert main(["roster", "solve", str(src), "-o", str(out), "-q"]) == 0
    assert main(["roster", "check", str(src), str(out)]) == 0
    assert "值班表符合全部规则" in capsys.readouterr().out
    data = json.loads(out.read_text(encoding="utf-8"))
    fixed = {"date": "2025-10-01", "role": "leader", "id": "L0"}
    data["assignments"].remove(fixed)  # the published leader duty on National Day is gone
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert main(["roster", "check", str(src), str(edited)]) == 3
    err = capsys.readouterr().err
    assert "2025-10-01 带班领导（leader）应排1人，实排0人" in err
    assert "固定安排 2025-10-01 带班领导（leader） 领导0 未保留" in err
    data["assignments"][0]["id"] = "Z9"
    edited.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert main(["roster", "check", str(src), str(edited)]) == 2
    assert "值班表文件有误：assignments[0].id：人员编号“Z9”不在 staff 中" in capsys.readouterr().err
