"""突发事件信息报送 rules: categories, levels, report names, the deadline rule table, the clocks,
the 首报 checklist and the diff between report snapshots. Pure: no database, no clock of its own
(``now`` is always passed in), so the duty screen, the services and the tests share one truth.

Time. All times are **naive local times** (the office's wall clock, as written in the duty log);
an aware datetime is refused rather than silently mixed. Durations are plain ``timedelta``s, so
arithmetic across midnight, month and year ends is the calendar's. Deadlines run in elapsed
time, not working days: emergencies do not wait for Monday. (A DST jump cannot happen: China
keeps one UTC+8 offset all year.)

The shipped defaults follow the common national/provincial practice (e.g. 国务院办公厅关于
加强和改进突发事件信息报告工作的意见): Ⅰ/Ⅱ 30 minutes by phone and 1 hour in writing,
Ⅲ 1 hour in writing, Ⅳ 2 hours, and a 续报 at least daily for Ⅲ and above until the 终报. Limits
differ by province and sector, so the table is data an administrator edits (``RuleTable.to_dict``
/ ``from_dict``, validated with Chinese messages) and may key rules by receiving authority.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any

from app.domain.cnnum import from_chinese, to_chinese
from app.errors import InputError

# ---- categories and levels ----------------------------------------------------------------------
#: The four categories of the 国家突发公共事件总体应急预案, with their common subtypes.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "自然灾害": (
        "水旱灾害",
        "气象灾害",
        "地震灾害",
        "地质灾害",
        "海洋灾害",
        "生物灾害",
        "森林草原火灾",
    ),
    "事故灾难": (
        "工矿商贸安全事故",
        "道路交通事故",
        "铁路交通事故",
        "水上交通事故",
        "民航事故",
        "火灾事故",
        "公共设施和设备事故",
        "核与辐射事故",
        "环境污染和生态破坏事件",
    ),
    "公共卫生事件": (
        "传染病疫情",
        "群体性不明原因疾病",
        "食品安全事件",
        "职业中毒",
        "动物疫情",
        "其他严重影响公众健康的事件",
    ),
    "社会安全事件": (
        "恐怖袭击事件",
        "群体性事件",
        "刑事案件",
        "经济安全事件",
        "涉外突发事件",
        "网络与信息安全事件",
    ),
}


def validate_category(category: str, subtype: str | None = None) -> None:
    if category not in CATEGORIES:
        raise InputError(f"事件类别“{category}”无效，应为 {'、'.join(CATEGORIES)} 之一。")
    if subtype is not None and subtype not in CATEGORIES[category] and subtype != "其他":
        raise InputError(
            f"“{subtype}”不是“{category}”的子类，可选：{'、'.join(CATEGORIES[category])}、其他。"
        )


class Level(Enum):
    """Ⅰ 特别重大 (red), Ⅱ 重大 (orange), Ⅲ 较大 (yellow), Ⅳ 一般 (blue)."""

    I = 1  # noqa: E741 (the Roman numeral)
    II = 2
    III = 3
    IV = 4

    @property
    def roman(self) -> str:
        return "ⅠⅡⅢⅣ"[self.value - 1]

    @property
    def name_cn(self) -> str:
        return ("特别重大", "重大", "较大", "一般")[self.value - 1]

    @property
    def label(self) -> str:
        """``Ⅰ级（特别重大）``"""
        return f"{self.roman}级（{self.name_cn}）"

    @property
    def colour(self) -> str:
        return ("red", "orange", "yellow", "blue")[self.value - 1]

    @property
    def colour_cn(self) -> str:
        return ("红色", "橙色", "黄色", "蓝色")[self.value - 1]

    @property
    def colour_hex(self) -> str:
        return ("#D7000F", "#F08C00", "#F5C400", "#1F5FBF")[self.value - 1]


_LEVEL_NAMES = {
    **{lv.roman: lv for lv in Level},
    **{lv.name: lv for lv in Level},
    **{str(lv.value): lv for lv in Level},
    **{lv.name_cn: lv for lv in Level},
    **{to_chinese(lv.value): lv for lv in Level},
}


def parse_level(text: str | int | Level) -> Level:
    """Accepts Ⅰ / I / 1 / 一 / 特别重大 / Ⅰ级 / 一级 / 特别重大级, and Level itself."""
    if isinstance(text, Level):
        return text
    key = re.sub(r"级?\s*(（.*）|\(.*\))?$", "", str(text).strip()).strip().upper()
    if key in _LEVEL_NAMES:
        return _LEVEL_NAMES[key]
    raise InputError(
        f"事件级别“{text}”无效，应为 Ⅰ（特别重大）、Ⅱ（重大）、Ⅲ（较大）或 Ⅳ（一般）。"
    )


# ---- report kinds and names ---------------------------------------------------------------------
class ReportKind(StrEnum):
    FIRST = "first"  # 首报
    FOLLOW_UP = "follow_up"  # 续报一, 续报二 …
    FINAL = "final"  # 终报


class Channel(StrEnum):
    PHONE = "phone"  # 电话报告
    WRITTEN = "written"  # 书面报告 (a signed 信息专报)


def report_name(kind: ReportKind, number: int | None = None) -> str:
    """首报, 续报一, 续报十二, 终报. ``number`` is the 1-based 续报 count."""
    if kind is ReportKind.FIRST:
        return "首报"
    if kind is ReportKind.FINAL:
        return "终报"
    if number is None or not 1 <= number <= 9999:
        raise InputError("续报的序号应为 1 至 9999。")
    return f"续报{to_chinese(number)}"


def parse_report_name(name: str) -> tuple[ReportKind, int | None]:
    text = name.strip()
    if text == "首报":
        return ReportKind.FIRST, None
    if text == "终报":
        return ReportKind.FINAL, None
    m = re.fullmatch(r"续报([一二三四五六七八九十百千零〇两]+|[0-9]+)", text)
    if m:
        n = int(m.group(1)) if m.group(1).isdigit() else from_chinese(m.group(1))
        if n:
            return ReportKind.FOLLOW_UP, n
    raise InputError(f"报告名称“{name}”无效，应为首报、续报一、续报二……或终报。")


@dataclass(frozen=True)
class SentReport:
    """A report that counts as sent (签发 done, sent-at recorded)."""

    kind: ReportKind
    channel: Channel
    sent_at: dt.datetime
    number: int | None = None  # 续报 number

    @property
    def name(self) -> str:
        return report_name(self.kind, self.number)


def next_report(reports: Iterable[SentReport]) -> tuple[ReportKind, int | None]:
    """What the next written report is called: 首报 if none yet, else the next 续报. After a 终报
    nothing more is due (an ``InputError`` says so)."""
    written = [r for r in reports if r.channel is Channel.WRITTEN]
    if any(r.kind is ReportKind.FINAL for r in written):
        raise InputError("该事件已报送终报，不能再续报。")
    if not any(r.kind is ReportKind.FIRST for r in written):
        return ReportKind.FIRST, None
    return ReportKind.FOLLOW_UP, 1 + max(
        (r.number or 0 for r in written if r.kind is ReportKind.FOLLOW_UP), default=0
    )


# ---- required elements --------------------------------------------------------------------------
#: The elements of an incident report, in the order of the 信息专报, with the snapshot fields
#: that make each one present. An element built of several fields needs all of them (伤亡 needs
#: 死亡, 失踪 and 受伤, 0 included) unless marked "any".
ELEMENTS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("occurred_at", "事发时间", ("occurred_at",), "all"),
    ("place", "事发地点", ("place",), "all"),
    ("category", "事件类别", ("category",), "all"),
    ("level", "事件级别", ("level",), "all"),
    ("source", "信息来源", ("source",), "all"),
    ("summary", "基本情况（事件经过）", ("summary",), "all"),
    ("casualties", "人员伤亡（死亡、失踪、受伤）", ("dead", "missing", "injured"), "all"),
    ("property_loss", "财产损失", ("property_loss",), "all"),
    ("cause", "事件性质和原因", ("cause",), "all"),
    ("impact", "影响范围", ("impact",), "all"),
    ("trend", "发展趋势", ("trend",), "all"),
    ("on_site", "现场领导和指挥", ("leaders_on_site", "commander"), "any"),
    ("measures", "已采取的措施", ("measures",), "all"),
    ("next_steps", "下一步工作和请求", ("next_steps",), "all"),
    (
        "reporter",
        "报告单位和报告人（含电话）",
        ("reporter_unit", "reporter_name", "reporter_phone"),
        "all",
    ),
)
ELEMENT_KEYS = tuple(e[0] for e in ELEMENTS)
ELEMENT_LABELS = {e[0]: e[1] for e in ELEMENTS}
#: Blocking by default: the basic facts. Everything else may follow (先报基本情况，后续补报).
DEFAULT_BLOCKING = ("occurred_at", "place", "category", "level", "summary", "reporter")


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple, dict, set)):
        return any(_present(v) for v in (value.values() if isinstance(value, dict) else value))
    return True  # numbers (0 dead is a fact), dates, booleans


@dataclass(frozen=True)
class ElementCheck:
    key: str
    label: str
    present: bool
    blocking: bool


@dataclass(frozen=True)
class Checklist:
    items: tuple[ElementCheck, ...]

    @property
    def missing(self) -> tuple[ElementCheck, ...]:
        return tuple(i for i in self.items if not i.present)

    @property
    def blocking_missing(self) -> tuple[ElementCheck, ...]:
        return tuple(i for i in self.items if not i.present and i.blocking)

    @property
    def can_sign(self) -> bool:
        return not self.blocking_missing

    def message(self) -> str:
        """One Chinese sentence for the 签发 dialog."""
        if self.blocking_missing:
            return (
                "以下要素必须填写后才能签发："
                + "、".join(i.label for i in self.blocking_missing)
                + "。"
            )
        if self.missing:
            return (
                "可以签发；以下要素暂缺，请在续报中补报："
                + "、".join(i.label for i in self.missing)
                + "。"
            )
        return "要素齐全。"


def check_elements(
    snapshot: Mapping[str, Any], blocking: Iterable[str] = DEFAULT_BLOCKING
) -> Checklist:
    """Which elements of a report snapshot are present, and which missing ones block 签发."""
    block = set(blocking)
    unknown = block - set(ELEMENT_KEYS)
    if unknown:
        raise InputError(f"未知的报告要素：{'、'.join(sorted(unknown))}。")
    items = []
    for key, label, fields, mode in ELEMENTS:
        values = [_present(snapshot.get(f)) for f in fields]
        present = any(values) if mode == "any" else all(values)
        items.append(ElementCheck(key, label, present, key in block))
    return Checklist(tuple(items))


# ---- diff of snapshots --------------------------------------------------------------------------
FIELD_LABELS: dict[str, str] = {
    "title": "标题",
    "occurred_at": "事发时间",
    "received_at": "接报时间",
    "place": "事发地点",
    "category": "事件类别",
    "subtype": "事件子类",
    "level": "事件级别",
    "source": "信息来源",
    "summary": "基本情况",
    "dead": "死亡人数",
    "missing": "失踪人数",
    "injured": "受伤人数",
    "property_loss": "财产损失",
    "cause": "事件性质和原因",
    "impact": "影响范围",
    "trend": "发展趋势",
    "leaders_on_site": "到场领导",
    "commander": "现场指挥",
    "measures": "已采取的措施",
    "next_steps": "下一步工作和请求",
    "reporter_unit": "报告单位",
    "reporter_name": "报告人",
    "reporter_phone": "联系电话",
}


@dataclass(frozen=True)
class Change:
    key: str  # dotted for nested values: commander.phone
    label: str
    old: Any
    new: Any
    kind: str  # added | removed | changed

    @property
    def delta(self) -> int | float | None:
        """For numbers (死亡 3 → 5: +2), the difference; otherwise None."""
        numeric = (int, float)
        if (
            isinstance(self.old, numeric)
            and isinstance(self.new, numeric)
            and not isinstance(self.old, bool)
            and not isinstance(self.new, bool)
        ):
            return self.new - self.old
        return None


def _flatten(obj: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in obj.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def diff_snapshots(
    previous: Mapping[str, Any] | None, current: Mapping[str, Any], ignore: Iterable[str] = ()
) -> list[Change]:
    """What changed since the previous report, in report order (for highlighting). Empty values
    (None, blank text, empty list) count as absent, so filling a blank reads as "added"."""
    before = {k: v for k, v in _flatten(previous or {}).items() if _present(v)}
    after = {k: v for k, v in _flatten(current).items() if _present(v)}
    skip = set(ignore)
    order = {k: i for i, k in enumerate(FIELD_LABELS)}
    changes = []
    for key in sorted(set(before) | set(after), key=lambda k: (order.get(k.split(".")[0], 999), k)):
        if key in skip or key.split(".")[0] in skip:
            continue
        head = key.split(".")[0]
        label = FIELD_LABELS.get(head, head) + (f"（{key.split('.', 1)[1]}）" if "." in key else "")
        if key not in before:
            changes.append(Change(key, label, None, after[key], "added"))
        elif key not in after:
            changes.append(Change(key, label, before[key], None, "removed"))
        elif before[key] != after[key]:
            changes.append(Change(key, label, before[key], after[key], "changed"))
    return changes


# ---- the rule table -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ReportingRule:
    """Limits for one level (and optionally one receiving authority; None = any)."""

    level: Level
    authority: str | None = None
    phone_minutes: int | None = None  # 电话报告时限 from 接报时间
    written_minutes: int | None = None  # 书面报告（首报）时限 from 接报时间
    follow_up_hours: int | None = (
        None  # longest gap between reports until 终报; None: on change only
    )
    change_minutes: int | None = None  # 续报 after a significant change of the situation
    first_report_blocking: tuple[str, ...] = DEFAULT_BLOCKING


@dataclass(frozen=True)
class Thresholds:
    """A clock turns amber when the time left is at most ``amber_minutes`` or at most
    ``amber_fraction`` of its whole window, whichever is larger (defaults: the last 10 of 30
    minutes, the last 4.8 of 24 hours)."""

    amber_minutes: int = 10
    amber_fraction: float = 0.2


@dataclass(frozen=True)
class RuleTable:
    rules: tuple[ReportingRule, ...]
    thresholds: Thresholds = field(default_factory=Thresholds)

    def rule_for(self, level: Level | str | int, authority: str | None = None) -> ReportingRule:
        """The rule for a level and receiving authority, falling back to the level's default."""
        lv = parse_level(level)
        if authority:
            for r in self.rules:
                if r.level is lv and r.authority == authority:
                    return r
        for r in self.rules:
            if r.level is lv and r.authority is None:
                return r
        raise InputError(f"规则表中没有 {lv.label} 的默认规则。")

    def authorities(self) -> list[str]:
        return sorted({r.authority for r in self.rules if r.authority})

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "thresholds": {
                "amber_minutes": self.thresholds.amber_minutes,
                "amber_fraction": self.thresholds.amber_fraction,
            },
            "rules": [
                {
                    "level": r.level.roman,
                    "authority": r.authority,
                    "phone_minutes": r.phone_minutes,
                    "written_minutes": r.written_minutes,
                    "follow_up_hours": r.follow_up_hours,
                    "change_minutes": r.change_minutes,
                    "first_report_blocking": list(r.first_report_blocking),
                }
                for r in self.rules
            ],
        }

    @classmethod
    def from_dict(cls, obj: Any) -> RuleTable:
        """Build a table from its serialised form; every problem is listed in one ``InputError``
        so the administrator can fix them all in one go."""
        errors = validate_rule_table(obj)
        if errors:
            raise InputError(
                "规则表有误：\n" + "\n".join(f"{i}. {e}" for i, e in enumerate(errors, 1))
            )
        th = obj.get("thresholds") or {}
        return cls(
            rules=tuple(
                ReportingRule(
                    level=parse_level(r["level"]),
                    authority=r.get("authority") or None,
                    phone_minutes=r.get("phone_minutes"),
                    written_minutes=r.get("written_minutes"),
                    follow_up_hours=r.get("follow_up_hours"),
                    change_minutes=r.get("change_minutes"),
                    first_report_blocking=tuple(r.get("first_report_blocking", DEFAULT_BLOCKING)),
                )
                for r in obj["rules"]
            ),
            thresholds=Thresholds(
                th.get("amber_minutes", 10), float(th.get("amber_fraction", 0.2))
            ),
        )


_RULE_KEYS = {
    "level",
    "authority",
    "phone_minutes",
    "written_minutes",
    "follow_up_hours",
    "change_minutes",
    "first_report_blocking",
}
_MAX_MINUTES = 7 * 24 * 60


def _int_or_none(value: Any, low: int, high: int) -> bool:
    return value is None or (
        isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    )


def validate_rule_table(obj: Any) -> list[str]:
    """Chinese messages for everything wrong with an edited rule table (empty: valid)."""
    if not isinstance(obj, dict):
        return ["规则表应为 JSON 对象。"]
    errors: list[str] = []
    unknown = set(obj) - {"version", "thresholds", "rules"}
    if unknown:
        errors.append(f"规则表中有未知字段：{'、'.join(sorted(unknown))}。")
    if obj.get("version", 1) != 1:
        errors.append(f"不支持的规则表版本：{obj.get('version')}。")
    th = obj.get("thresholds", {})
    if not isinstance(th, dict):
        errors.append("thresholds（预警阈值）应为对象。")
    else:
        if set(th) - {"amber_minutes", "amber_fraction"}:
            errors.append(
                "预警阈值中有未知字段："
                f"{'、'.join(sorted(set(th) - {'amber_minutes', 'amber_fraction'}))}。"
            )
        if (
            not _int_or_none(th.get("amber_minutes", 10), 0, 24 * 60)
            or th.get("amber_minutes", 10) is None
        ):
            errors.append("黄色预警的提前分钟数应为 0 至 1440 的整数。")
        frac = th.get("amber_fraction", 0.2)
        if isinstance(frac, bool) or not isinstance(frac, (int, float)) or not 0 <= frac < 1:
            errors.append(
                "黄色预警的时限比例应为 0 至 1 之间的小数（如 0.2 表示剩余 20% 时变黄）。"
            )
    rules = obj.get("rules")
    if not isinstance(rules, list) or not rules:
        errors.append("rules（规则）应为非空列表。")
        return errors
    seen: set[tuple[Level, str | None]] = set()
    for i, r in enumerate(rules, 1):
        where = f"第 {i} 条规则"
        if not isinstance(r, dict):
            errors.append(f"{where}应为对象。")
            continue
        if set(r) - _RULE_KEYS:
            errors.append(f"{where}中有未知字段：{'、'.join(sorted(set(r) - _RULE_KEYS))}。")
        try:
            level = parse_level(r.get("level", ""))
        except InputError:
            errors.append(f"{where}的级别“{r.get('level')}”无效，应为 Ⅰ、Ⅱ、Ⅲ 或 Ⅳ。")
            continue
        where = f"第 {i} 条规则（{level.label}）"
        authority = r.get("authority")
        if authority is not None and (not isinstance(authority, str) or not authority.strip()):
            errors.append(f"{where}的接收单位应为文字，或留空表示默认。")
            authority = None
        key = (level, authority.strip() if isinstance(authority, str) else None)
        if key in seen:
            who = f"接收单位“{key[1]}”" if key[1] else "默认"
            errors.append(f"{where}与前面的规则重复（同一级别、{who}）。")
        seen.add(key)
        phone, written = r.get("phone_minutes"), r.get("written_minutes")
        for name, value in (("电话报告时限", phone), ("书面报告时限", written)):
            if not _int_or_none(value, 1, _MAX_MINUTES):
                errors.append(f"{where}的{name}应为 1 至 {_MAX_MINUTES} 的整数（分钟），或留空。")
        if phone is None and written is None:
            errors.append(f"{where}至少要规定电话或书面报告时限之一。")
        if (
            isinstance(phone, int)
            and isinstance(written, int)
            and _int_or_none(phone, 1, _MAX_MINUTES)
            and _int_or_none(written, 1, _MAX_MINUTES)
            and phone > written
        ):
            errors.append(
                f"{where}的电话报告时限（{phone} 分钟）不应晚于书面报告时限（{written} 分钟）。"
            )
        if not _int_or_none(r.get("change_minutes"), 1, _MAX_MINUTES):
            errors.append(
                f"{where}的情况变化续报时限应为 1 至 {_MAX_MINUTES} 的整数（分钟），或留空。"
            )
        if not _int_or_none(r.get("follow_up_hours"), 1, 24 * 30):
            errors.append(
                f"{where}的续报间隔应为 1 至 720 的整数（小时），或留空表示仅在情况变化时续报。"
            )
        blocking = r.get("first_report_blocking", list(DEFAULT_BLOCKING))
        if not isinstance(blocking, list) or not all(isinstance(b, str) for b in blocking):
            errors.append(f"{where}的必填要素应为要素名称的列表。")
        else:
            bad = [b for b in blocking if b not in ELEMENT_KEYS]
            if bad:
                errors.append(
                    f"{where}的必填要素中有未知项：{'、'.join(bad)}；可选：{'、'.join(ELEMENT_KEYS)}。"
                )
    for lv in Level:
        if (lv, None) not in seen:
            errors.append(f"缺少 {lv.label} 的默认规则（不指定接收单位的那一条）。")
    return errors


#: Shipped defaults. ``change_minutes`` (续报 after a significant change) is our choice — the
#: rules only say "及时续报" — set to the level's written first-report limit.
DEFAULT_RULES = RuleTable(
    rules=(
        ReportingRule(
            Level.I, phone_minutes=30, written_minutes=60, follow_up_hours=24, change_minutes=60
        ),
        ReportingRule(
            Level.II, phone_minutes=30, written_minutes=60, follow_up_hours=24, change_minutes=60
        ),
        ReportingRule(Level.III, written_minutes=60, follow_up_hours=24, change_minutes=60),
        ReportingRule(Level.IV, written_minutes=120, change_minutes=120),
    )
)


# ---- clocks -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Deadline:
    key: str  # stable id: first.phone, first.written, follow_up@2024-07-01T10:00
    label: str  # 首报（电话）, 首报（书面）, 续报
    start: dt.datetime
    due: dt.datetime

    @property
    def window(self) -> dt.timedelta:
        return self.due - self.start


@dataclass(frozen=True)
class OpenClock:
    deadline: Deadline
    state: str  # ok | amber | red
    time_left: dt.timedelta  # negative once missed

    def time_left_text(self) -> str:
        """剩余 1小时05分 / 已超时 12分 — for the duty screen."""
        seconds = int(self.time_left.total_seconds())
        prefix = "剩余" if seconds >= 0 else "已超时"
        minutes = abs(seconds) // 60
        days, rest = divmod(minutes, 24 * 60)
        hours, mins = divmod(rest, 60)
        parts = (
            (f"{days}天" if days else "")
            + (f"{hours}小时" if hours or days else "")
            + f"{mins:02d}分"
        )
        return prefix + parts


@dataclass(frozen=True)
class MissedDeadline:
    """A fact to record: the deadline passed without the report. ``satisfied_at`` is when the
    late report finally went (None while still outstanding). Its ``key`` is stable, so a service
    records each one once and never deletes it."""

    deadline: Deadline
    satisfied_at: dt.datetime | None

    @property
    def key(self) -> str:
        return self.deadline.key

    @property
    def late_by(self) -> dt.timedelta | None:
        return None if self.satisfied_at is None else self.satisfied_at - self.deadline.due


@dataclass(frozen=True)
class ClockReport:
    open: tuple[OpenClock, ...]
    missed: tuple[MissedDeadline, ...]
    met: tuple[tuple[Deadline, dt.datetime], ...]

    @property
    def worst_state(self) -> str:
        states = {c.state for c in self.open}
        return "red" if "red" in states else "amber" if "amber" in states else "ok"


def _naive(value: dt.datetime, what: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise InputError(f"{what}应为日期时间。")
    if value.tzinfo is not None:
        raise InputError(f"{what}应为本地时间（不带时区）。")
    return value


def _state(deadline: Deadline, now: dt.datetime, th: Thresholds) -> OpenClock:
    left = deadline.due - now
    if left < dt.timedelta(0):
        state = "red"
    else:
        amber = max(dt.timedelta(minutes=th.amber_minutes), deadline.window * th.amber_fraction)
        state = "amber" if left <= amber else "ok"
    return OpenClock(deadline, state, left)


_MAX_PERIODS = 400  # a follow-up chain longer than a year of daily misses is not worth listing


def evaluate_clocks(
    received_at: dt.datetime,
    reports: Iterable[SentReport],
    rule: ReportingRule,
    now: dt.datetime,
    thresholds: Thresholds = Thresholds(),
    changes: Iterable[dt.datetime] = (),
) -> ClockReport:
    """The deadlines of one incident at ``now``.

    - 首报（电话）: ``phone_minutes`` after 接报时间; any 首报 satisfies it (a written report is
      at least as good as a call).
    - 首报（书面）: ``written_minutes`` after 接报时间; a written 首报 satisfies it.
    - 续报: with ``follow_up_hours``, each written report (首报 included) opens the next window;
      every window that passes without a report is a missed deadline (a late report closes the
      run of misses and starts the next window); the 终报 ends the chain.
    - 续报（情况变化）: with ``change_minutes``, each time in ``changes`` (when the duty officer
      logged a significant change: casualties up, level changed, spreading…) must be followed by a
      written report within that many minutes, unless the 终报 went before the change.
    Reports sent after ``now`` are ignored (what-if views stay honest).

    The rule is the one in force for the incident (the service snapshots it on the incident, so
    an administrator's later edit does not rewrite past misses)."""
    start = _naive(received_at, "接报时间")
    now = _naive(now, "当前时间")
    sent = sorted(
        (r for r in reports if _naive(r.sent_at, "报送时间") <= now), key=lambda r: r.sent_at
    )
    open_: list[OpenClock] = []
    missed: list[MissedDeadline] = []
    met: list[tuple[Deadline, dt.datetime]] = []

    def settle(deadline: Deadline, done: dt.datetime | None) -> None:
        if done is not None and done <= deadline.due:
            met.append((deadline, done))
            return
        if done is not None or now > deadline.due:
            missed.append(MissedDeadline(deadline, done))
        if done is None:
            open_.append(_state(deadline, now, thresholds))

    firsts = [r for r in sent if r.kind is ReportKind.FIRST]
    written_first = next((r for r in firsts if r.channel is Channel.WRITTEN), None)
    if rule.phone_minutes:
        d = Deadline(
            "first.phone", "首报（电话）", start, start + dt.timedelta(minutes=rule.phone_minutes)
        )
        settle(d, firsts[0].sent_at if firsts else None)
    if rule.written_minutes:
        d = Deadline(
            "first.written",
            "首报（书面）",
            start,
            start + dt.timedelta(minutes=rule.written_minutes),
        )
        settle(d, written_first.sent_at if written_first else None)

    if rule.follow_up_hours and written_first is not None:
        period = dt.timedelta(hours=rule.follow_up_hours)
        later = [
            r for r in sent if r.channel is Channel.WRITTEN and r.sent_at > written_first.sent_at
        ]
        anchor = written_first.sent_at
        finished = False
        for _ in range(_MAX_PERIODS):
            if finished:
                break
            nxt = later.pop(0) if later else None
            due = anchor + period
            d = Deadline(f"follow_up@{due.isoformat(timespec='minutes')}", "续报", anchor, due)
            if nxt is not None and nxt.sent_at <= due:
                met.append((d, nxt.sent_at))
            elif nxt is not None:
                # late: every window that passed before it is a recorded miss
                while d.due < nxt.sent_at and len(missed) < _MAX_PERIODS:
                    missed.append(MissedDeadline(d, nxt.sent_at))
                    d = Deadline(
                        f"follow_up@{(d.due + period).isoformat(timespec='minutes')}",
                        "续报",
                        d.due,
                        d.due + period,
                    )
            else:
                first_open = d
                while d.due < now and len(missed) < _MAX_PERIODS:
                    missed.append(MissedDeadline(d, None))
                    d = Deadline(
                        f"follow_up@{(d.due + period).isoformat(timespec='minutes')}",
                        "续报",
                        d.due,
                        d.due + period,
                    )
                open_.append(_state(first_open, now, thresholds))
                break
            anchor = nxt.sent_at
            finished = nxt.kind is ReportKind.FINAL

    if rule.change_minutes and written_first is not None:
        written = [r for r in sent if r.channel is Channel.WRITTEN]
        final_at = next((r.sent_at for r in written if r.kind is ReportKind.FINAL), None)
        for at in sorted({_naive(c, "情况变化时间") for c in changes}):
            if at > now or (final_at is not None and final_at <= at):
                continue
            d = Deadline(
                f"change@{at.isoformat(timespec='minutes')}",
                "续报（情况变化）",
                at,
                at + dt.timedelta(minutes=rule.change_minutes),
            )
            settle(d, next((r.sent_at for r in written if r.sent_at > at), None))
    return ClockReport(tuple(open_), tuple(missed), tuple(met))


#: Fields whose change calls for a 续报 (the officer confirms; ``significant_changes`` proposes).
SIGNIFICANT_FIELDS = (
    "level",
    "category",
    "dead",
    "missing",
    "injured",
    "impact",
    "trend",
    "property_loss",
)


def significant_changes(changes: Iterable[Change]) -> list[Change]:
    """The changes in a diff that usually require a 续报: a level or category change, more
    casualties, a wider impact, a worse trend. Fewer casualties (a missing person found) are
    still listed: the count changed and the superiors must know."""
    return [c for c in changes if c.key.split(".")[0] in SIGNIFICANT_FIELDS]


def unrecorded_misses(report: ClockReport, recorded_keys: Iterable[str]) -> list[MissedDeadline]:
    """The misses the service has not stored yet (by stable key). A stored miss stays stored even
    when a late report later arrives; the service only fills in its ``satisfied_at``."""
    known = set(recorded_keys)
    return [m for m in report.missed if m.key not in known]
