"""PROBLEM.json in, ROSTER.json out (the format of shared/rosterspec.md).

Reading is strict: an unknown field, a wrong type, a bad date, an unknown person or role is an
``InputError`` that names the field (``staff[3].roles[0]``) in Chinese, so an office scripting the
solver learns exactly what to fix. Rule conflicts (a fixed duty on someone's leave day) are not
input errors: they are reasons in the roster's ``infeasible`` list. Writing is atomic.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any

from app.domain.roster_model import Assignment, History, Problem, Solution, Staff, Unavailable
from app.errors import InputError
from app.textsafe import loads_json

MAX_DAYS = 731  # two years: longer periods are almost certainly a typo in a date
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

_TOP_REQUIRED = ("start", "end", "roles", "staff")
_TOP_OPTIONAL = ("unavailable", "min_gap_days", "max_per_month", "fixed", "history", "apart")


def _fail(where: str, message: str) -> InputError:
    return InputError(f"排班问题文件有误：{where or '整个文件'}：{message}")


def _obj(value: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
    if not isinstance(value, dict):
        raise _fail(where, "应为对象（{…}）")
    for key in value:
        if key not in required and key not in optional:
            allowed = "、".join((*required, *optional))
            raise _fail(
                f"{where}.{key}" if where else key, f"未知字段“{key}”（可用字段：{allowed}）"
            )
    for key in required:
        if key not in value:
            raise _fail(where or "文件", f"缺少字段“{key}”")
    return value


def _list(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise _fail(where, "应为列表（[…]）")
    return value


def _str(value: Any, where: str, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise _fail(where, "应为非空字符串" if not empty else "应为字符串")
    return value.strip() if not empty else value


def _int(value: Any, where: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(where, f"应为整数，实为 {json.dumps(value, ensure_ascii=False)}")
    if value < minimum:
        raise _fail(where, f"应不小于{minimum}，实为{value}")
    return value


def _date(value: Any, where: str) -> dt.date:
    if not isinstance(value, str) or not _DATE.match(value):
        raise _fail(where, f"日期应写成 YYYY-MM-DD，实为 {json.dumps(value, ensure_ascii=False)}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _fail(where, f"没有 {value} 这一天") from None


def parse_problem(data: Any) -> Problem:
    """A ``Problem`` from the decoded JSON; InputError naming the field on anything malformed."""
    top = _obj(data, "", _TOP_REQUIRED, _TOP_OPTIONAL)
    start = _date(top["start"], "start")
    end = _date(top["end"], "end")
    if end < start:
        raise _fail("end", f"结束日期 {end} 早于开始日期 {start}")
    if (end - start).days + 1 > MAX_DAYS:
        raise _fail("end", f"排班期间超过{MAX_DAYS}天")

    roles_raw = top["roles"]
    if not isinstance(roles_raw, dict) or not roles_raw:
        raise _fail("roles", '应为非空对象，如 {"leader": 1, "officer": 2}')
    roles = {}
    for role, need in roles_raw.items():
        if not role.strip():
            raise _fail("roles", "岗位名称不能为空")
        roles[role] = _int(need, f"roles.{role}", 1)

    def role_ref(value: Any, where: str) -> str:
        role = _str(value, where)
        if role not in roles:
            raise _fail(where, f"岗位“{role}”不在 roles 中（{'、'.join(roles)}）")
        return role

    staff: list[Staff] = []
    ids: set[str] = set()
    for i, raw in enumerate(_list(top["staff"], "staff")):
        where = f"staff[{i}]"
        obj = _obj(raw, where, ("id", "name", "roles"))
        sid = _str(obj["id"], f"{where}.id")
        if sid in ids:
            raise _fail(f"{where}.id", f"人员编号“{sid}”重复")
        ids.add(sid)
        name = _str(obj["name"], f"{where}.name", empty=True)
        person_roles = tuple(
            role_ref(r, f"{where}.roles[{k}]")
            for k, r in enumerate(_list(obj["roles"], f"{where}.roles"))
        )
        staff.append(Staff(sid, name, tuple(dict.fromkeys(person_roles))))
    if not staff:
        raise _fail("staff", "人员名单为空")

    def staff_ref(value: Any, where: str) -> str:
        sid = _str(value, where)
        if sid not in ids:
            raise _fail(where, f"人员编号“{sid}”不在 staff 中")
        return sid

    unavailable = []
    for i, raw in enumerate(_list(top.get("unavailable", []), "unavailable")):
        where = f"unavailable[{i}]"
        obj = _obj(raw, where, ("id", "from", "to"))
        sid = staff_ref(obj["id"], f"{where}.id")
        first, last = _date(obj["from"], f"{where}.from"), _date(obj["to"], f"{where}.to")
        if last < first:
            raise _fail(f"{where}.to", f"结束日期 {last} 早于开始日期 {first}")
        unavailable.append(Unavailable(sid, first, last))

    def per_role(key: str, minimum: int) -> dict[str, int]:
        raw = top.get(key, {})
        if not isinstance(raw, dict):
            raise _fail(key, '应为对象，如 {"leader": 3}')
        return {role_ref(r, f"{key}.{r}"): _int(v, f"{key}.{r}", minimum) for r, v in raw.items()}

    min_gap = per_role("min_gap_days", 0)
    max_month = per_role("max_per_month", 0)

    fixed = []
    for i, raw in enumerate(_list(top.get("fixed", []), "fixed")):
        where = f"fixed[{i}]"
        obj = _obj(raw, where, ("date", "role", "id"))
        day = _date(obj["date"], f"{where}.date")
        if not (start <= day <= end):
            raise _fail(f"{where}.date", f"{day} 不在排班期间 {start}～{end} 内")
        fixed.append(
            Assignment(
                day, role_ref(obj["role"], f"{where}.role"), staff_ref(obj["id"], f"{where}.id")
            )
        )

    history = []
    seen: set[str] = set()
    for i, raw in enumerate(_list(top.get("history", []), "history")):
        where = f"history[{i}]"
        obj = _obj(raw, where, ("id",), ("total", "rest_day"))
        sid = staff_ref(obj["id"], f"{where}.id")
        if sid in seen:
            raise _fail(f"{where}.id", f"人员“{sid}”的历史记录重复")
        seen.add(sid)
        total = _int(obj.get("total", 0), f"{where}.total")
        rest = _int(obj.get("rest_day", 0), f"{where}.rest_day")
        if rest > total:
            raise _fail(f"{where}.rest_day", f"节假日值班数{rest}大于总值班数{total}")
        history.append(History(sid, total, rest))

    apart = []
    for i, raw in enumerate(_list(top.get("apart", []), "apart")):
        where = f"apart[{i}]"
        pair = _list(raw, where)
        if len(pair) != 2:
            raise _fail(where, '应为两人的编号，如 ["O01", "O02"]')
        a, b = staff_ref(pair[0], f"{where}[0]"), staff_ref(pair[1], f"{where}[1]")
        if a == b:
            raise _fail(where, "两人编号相同")
        apart.append((a, b))

    return Problem(
        start=start,
        end=end,
        roles=roles,
        staff=staff,
        unavailable=unavailable,
        min_gap_days=min_gap,
        max_per_month=max_month,
        fixed=fixed,
        history=history,
        apart=apart,
    )


def _read_json(path: str | os.PathLike, what: str) -> Any:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"找不到{what}文件：{p}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"无法读取{what}文件 {p}：{exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{what}文件不是有效的 JSON：第{exc.lineno}行第{exc.colno}列：{exc.msg}"
        ) from None
    except (RecursionError, ValueError):  # nested too deep, a number of over 4,300 digits
        return loads_json(text, f"{what}文件 {p}")


def load_problem(path: str | os.PathLike) -> Problem:
    return parse_problem(_read_json(path, "排班问题"))


def parse_assignments(data: Any, problem: Problem) -> list[Assignment]:
    """The ``assignments`` of a ROSTER.json (e.g. edited by hand) for checking against a problem;
    dates and roles must be well-formed, people must be in the problem's staff."""
    top = _obj(data, "", ("assignments",), ("fairness", "infeasible"))
    ids = {s.id for s in problem.staff}
    out = []
    for i, raw in enumerate(_list(top["assignments"], "assignments")):
        where = f"assignments[{i}]"
        obj = _obj(raw, where, ("date", "role", "id"))
        role = _str(obj["role"], f"{where}.role")
        if role not in problem.roles:
            raise _fail(f"{where}.role", f"岗位“{role}”不在排班问题的 roles 中")
        sid = _str(obj["id"], f"{where}.id")
        if sid not in ids:
            raise _fail(f"{where}.id", f"人员编号“{sid}”不在 staff 中")
        out.append(Assignment(_date(obj["date"], f"{where}.date"), role, sid))
    return out


def load_assignments(path: str | os.PathLike, problem: Problem) -> list[Assignment]:
    try:
        return parse_assignments(_read_json(path, "值班表"), problem)
    except InputError as exc:
        raise InputError(exc.message.replace("排班问题文件有误", "值班表文件有误", 1)) from None


def problem_to_dict(problem: Problem) -> dict:
    """The inverse of ``parse_problem`` (leave reasons and shifts are not in the format)."""
    out: dict[str, Any] = {
        "start": problem.start.isoformat(),
        "end": problem.end.isoformat(),
        "roles": dict(problem.roles),
        "staff": [{"id": s.id, "name": s.name, "roles": list(s.roles)} for s in problem.staff],
        "unavailable": [
            {"id": u.staff_id, "from": u.start.isoformat(), "to": u.end.isoformat()}
            for u in problem.unavailable
        ],
        "min_gap_days": dict(problem.min_gap_days),
        "max_per_month": dict(problem.max_per_month),
        "fixed": [
            {"date": a.date.isoformat(), "role": a.role, "id": a.staff_id} for a in problem.fixed
        ],
        "history": [
            {"id": h.staff_id, "total": h.total, "rest_day": h.rest_day} for h in problem.history
        ],
        "apart": [[a, b] for a, b in problem.apart],
    }
    return out


def roster_to_dict(solution: Solution) -> dict:
    """ROSTER.json content: assignments by date, role, id; fairness per role; reasons."""
    ok = solution.ok or (solution.status == "cancelled" and bool(solution.assignments))
    rows = sorted(solution.assignments, key=lambda a: (a.date, a.role, a.staff_id)) if ok else []
    return {
        "assignments": [
            {"date": a.date.isoformat(), "role": a.role, "id": a.staff_id} for a in rows
        ],
        "fairness": {
            role: {"total_spread": f.total_spread, "rest_day_spread": f.rest_day_spread}
            for role, f in (solution.fairness.items() if ok else ())
        },
        "infeasible": list(solution.infeasible),
    }


def json_bytes(data: Any) -> bytes:
    """``data`` as the UTF-8 JSON text of the interchange files (indented, final newline)."""
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def roster_json(solution: Solution) -> bytes:
    """The roster file's bytes (the caller writes them: ``app.services.output.save``; the domain
    writes no files)."""
    return json_bytes(roster_to_dict(solution))
