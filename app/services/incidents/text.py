"""The text of a printed 信息专报 (首报, 续报, 终报), composed from a report's frozen snapshot.

The rule: what reaches paper is what the duty officer entered, in correct Chinese, or nothing.
No sentence is added that nobody recorded (no “立即报告市领导…”, no “正在组织处置。” when no
measure was entered, no “暂无人员伤亡” when the counts are 不详), no placeholder is printed (no
第__期 on a draft, no （待签发）), free text is never glued to a structured field (the call's text
starting with its own time once followed the place: ``…临江路128号12月6日13时40分许``): every
fact is its own sentence with its label, and a section with nothing entered is left out (the
headings are renumbered). Numbers 0 and “不详” (None) differ: 0 says 无人死亡, None says nothing.

Pure functions over the snapshot dict (``incidents.snapshot_of`` plus ``as_of``); no database.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from app.domain.cnnum import to_chinese

_END = "。！？；…”’"
_MARKER = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.．、]|（\d+）)")


def sentence(text: Any) -> str:
    """``text`` stripped, ending with a full stop unless it already ends a sentence; "" stays ""."""
    t = str(text or "").strip().rstrip("，,、；;：:")
    if not t:
        return ""
    return t if t[-1] in _END else t + "。"


def when(value: Any, *, year: bool = False) -> str:
    """``2026-12-06 13:40`` → ``12月6日13时40分`` (``year``: ``2026年12月6日13时40分``)."""
    if not value:
        return ""
    stamp = value if isinstance(value, dt.datetime) else dt.datetime.strptime(
        str(value), "%Y-%m-%d %H:%M")
    day = f"{stamp.year}年" if year else ""
    clock = f"{stamp.hour}时{stamp.minute}分" if stamp.minute else f"{stamp.hour}时"
    return f"{day}{stamp.month}月{stamp.day}日{clock}"


def place(snap: dict) -> str:
    """County and place, without saying the county twice (江城市临江区临江路128号 already names
    临江区)."""
    county, where = str(snap.get("county") or "").strip(), str(snap.get("place") or "").strip()
    if county and county in where:
        return where
    return county + where


def casualties(snap: dict) -> str:
    """``死亡2人，受伤1人`` from the counts that were entered (0 → 无人死亡; 不详 → left out)."""
    parts = []
    for key, verb, none in (("dead", "死亡", "无人员死亡"), ("injured", "受伤", "无人员受伤"),
                            ("missing", "失踪", "无人员失踪")):
        value = snap.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            parts.append(f"{verb}{value}人" if value else none)
    return "，".join(parts)


def numbered(lines: list[str]) -> list[str]:
    """One line → as is; several → （一）（二）… unless the clerk numbered them already."""
    lines = [sentence(x) for x in lines if str(x).strip()]
    if len(lines) < 2 or any(_MARKER.match(x) for x in lines):
        return lines
    return [f"（{to_chinese(i)}）{x}" for i, x in enumerate(lines, 1)]


def _sections(parts: list[tuple[str, list[str]]]) -> list[str]:
    """``一、title`` + lines for each section that has lines; empty sections left out."""
    out: list[str] = []
    n = 0
    for title, lines in parts:
        lines = [x for x in lines if x]
        if not lines:
            continue
        n += 1
        out.append(f"{to_chinese(n)}、{title}")
        out += lines
    return out


def _labelled(label: str, value: Any) -> str:
    text = sentence(value)
    return f"{label}：{text}" if text else ""


def _facts(snap: dict) -> list[str]:
    kind = "—".join(x for x in (snap.get("category"), snap.get("subtype")) if x)
    occurred = when(snap.get("occurred_at"), year=True)
    received = when(snap.get("received_at"), year=True)
    source = str(snap.get("source") or "").strip()
    return [
        f"事发时间：{occurred}许。" if occurred else "事发时间：不详。",
        (f"接报时间：{received}" + (f"（{source}）" if source else "") + "。") if received else "",
        _labelled("事发地点", place(snap)),
        _labelled("事件类别", kind),
        _labelled("事件级别", snap.get("level")),
        sentence(snap.get("summary")),
        _labelled("性质和原因", snap.get("cause")),
        _labelled("影响范围", snap.get("impact")),
        _labelled("发展趋势", snap.get("trend")),
    ]


def _losses(snap: dict) -> list[str]:
    counted = casualties(snap)
    as_of = when(snap.get("as_of"))
    return [
        (f"截至{as_of}，{counted}。" if as_of else f"{counted}。") if counted else "",
        _labelled("财产损失", snap.get("property_loss")),
    ]


def _measures(snap: dict) -> list[str]:
    leaders = [str(x) for x in snap.get("leaders_on_site") or [] if str(x).strip()]
    return [
        *numbered(str(snap.get("measures") or "").splitlines()),
        _labelled("现场指挥", snap.get("commander")),
        _labelled("到场领导", "；".join(leaders)),
    ]


def _closing(next_steps: str) -> str:
    return "" if "续报" in next_steps else "有关情况将及时续报。"


def first_report(snap: dict) -> str:
    """The 首报's body."""
    next_steps = sentence(snap.get("next_steps"))
    lines = ["现将有关情况报告如下：", *_sections([
        ("基本情况", _facts(snap)),
        ("人员伤亡和财产损失", _losses(snap)),
        ("已采取的处置措施", _measures(snap)),
        ("下一步工作", [next_steps]),
    ])]
    lines.append(_closing(next_steps))
    return "\n".join(x for x in lines if x)


def follow_up(snap: dict, progress: str, *, first_sent: str, seq: int) -> str:
    """A 续报's body: what changed (the clerk's words or the list of changed fields)."""
    title = str(snap.get("title") or "").strip()
    earlier = "首报" + ("及续报" + "、".join(to_chinese(i) for i in range(1, seq))
                       if seq > 1 else "")
    sent = when(first_sent)
    opening = (f"关于{title}，我室已于{sent}报送{earlier}。" if sent and title
               else f"我室已报送{earlier}。") + "现将最新进展续报如下："
    next_steps = sentence(snap.get("next_steps"))
    lines = [opening, *_sections([
        ("事件进展", [sentence(x) for x in str(progress or "").splitlines()]),
        ("人员伤亡和财产损失", _losses(snap)),
        ("处置措施", _measures(snap)),
        ("下一步工作", [next_steps]),
    ])]
    lines.append(_closing(next_steps))
    return "\n".join(x for x in lines if x)


def final_report(snap: dict, *, first_sent: str, updates: int) -> str:
    """The 终报's body."""
    title = str(snap.get("title") or "").strip()
    sent = when(first_sent)
    opening = (f"关于{title}，我室已于{sent}报送首报" if sent and title else "我室已报送首报") + (
        f"，此后报送续报{updates}期" if updates else "") + "。现将有关情况报告如下："
    lines = [opening, *_sections([
        ("事件经过", [x for x in _facts(snap) if not x.startswith(("性质和原因", "事发时间：不详"))]),
        ("人员伤亡和财产损失", _losses(snap)),
        ("处置情况", _measures(snap)),
        ("原因分析", [sentence(snap.get("cause"))]),
        ("善后和整改措施", [sentence(snap.get("next_steps"))]),
    ]), "此为终报。"]
    return "\n".join(x for x in lines if x)


def note(reporter: str, phone: str) -> str:
    """``报告人：张三，联系电话：…`` with only what was entered ("" when neither)."""
    parts = [f"报告人：{reporter.strip()}" if reporter and reporter.strip() else "",
             f"联系电话：{phone.strip()}" if phone and phone.strip() else ""]
    return "，".join(p for p in parts if p)
