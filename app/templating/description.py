"""公文 templates: a description (shared/docspec.md) whose string fields are Jinja2 templates.

File format (UTF-8 JSON, extension ``.json``; the template manager stores the same text)::

    {
      "govdesk_template": 1,             // format marker and format version
      "name": "通知", "kind": "通知",      // display name; 文种 (TEMPLATE_KINDS)
      "description": "…",                // optional, one sentence for the manager
      "expects": {"office.name": "发文机关全称", …},   // placeholders it reads, for the picker
      "sample": {…},                     // optional sample data for the live preview
      "document": { …docspec fields… }   // the description, with placeholders
    }

Why JSON whose *string values* are templates, rather than a ``.json.j2`` text that renders to
JSON: values are never spliced into JSON text, so a quote, backslash or newline in a record can
never break the result (no escaping to forget); every error can name the docspec field it sits
in (``body[2]``, ``minutes.present``) and the line inside that field; and the structure is checked
before any data is seen. What strings cannot express — a list whose length depends on the data,
a value that is not a string — is written with three directive objects:

* ``{"$expr": "meeting.present"}`` — the value of an expression (a list, a boolean, a number);
  dates become ``YYYY-MM-DD``.
* ``{"$for": "r in roster.shifts", "$each": <value>}`` — inside a list only: ``<value>`` once per
  item, spliced into the list (a roster table's rows, a list of 抄送机关). ``loop.index``,
  ``loop.first``, ``loop.last`` and ``loop.length`` are available.
* ``{"$if": "incident.deaths", "$then": <value>, "$else": <value>}`` — a choice; inside a list
  a false condition with no ``$else`` leaves the item out.

Repeated sections are usually simpler as a ``{% for %}`` in a multi-line body string: the body
is one paragraph per line, and the environment trims block lines. Lines start at 1 in each field.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Template, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from app.domain.workdays import DEFAULT_CALENDAR, HolidayCalendar
from app.errors import InputError
from app.templating.sandbox import (
    RENDER_ERRORS,
    TemplateFailed,
    TemplateLimit,
    TemplateProblem,
    make_environment,
    problem_from,
    render_budget,
    tick,
)
from app.textsafe import json_depth_problem, loads_json

FORMAT_VERSION = 1
TEMPLATE_KINDS = (
    "通知", "通报", "请示", "报告", "函", "会议纪要", "值班安排通知", "节假日值班表",
    "突发事件首报", "突发事件续报", "突发事件终报", "值班日报", "交接班记录",
)
META_FIELDS = ("govdesk_template", "name", "kind", "description", "expects", "sample", "document")
_FOR = re.compile(r"^\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s+in\s+(.+?)\s*$", re.DOTALL)
_DIRECTIVES = {"$expr", "$for", "$each", "$if", "$then", "$else"}


# ---- compiled tree ----------------------------------------------------------------------------
class _Node:
    path: str

    def render(self, ctx: dict[str, Any], out: _Run) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass
class _Const(_Node):
    path: str
    value: Any

    def render(self, ctx: dict[str, Any], out: _Run) -> Any:
        return self.value


@dataclass
class _Text(_Node):
    path: str
    template: Template

    def render(self, ctx: dict[str, Any], out: _Run) -> Any:
        return out.guard(self.path, lambda: self.template.render(ctx))


@dataclass
class _Expr(_Node):
    path: str
    source: str
    func: Callable[..., Any]

    def render(self, ctx: dict[str, Any], out: _Run) -> Any:
        value = out.guard(self.path, lambda: self.func(**ctx), line=1)
        return out.plain(self.path, value)


@dataclass
class _If(_Node):
    path: str
    cond: _Expr
    then: _Node | None
    other: _Node | None

    def render(self, ctx: dict[str, Any], out: _Run) -> Any:
        truth = out.guard(self.cond.path, lambda: bool(self.cond.func(**ctx)), line=1)
        branch = self.then if truth else self.other
        return _SKIP if branch is None else branch.render(ctx, out)


@dataclass
class _For(_Node):
    path: str
    names: list[str]
    items: _Expr
    each: _Node

    def expand(self, ctx: dict[str, Any], out: _Run) -> list[Any]:
        seq = out.guard(self.items.path, lambda: self.items.func(**ctx), line=1)
        if seq is _FAILED:
            return []
        if isinstance(seq, (str, bytes, Mapping)) or not hasattr(seq, "__iter__"):
            out.problem(self.items.path, 1, f"“{self.items.source}”不是列表，不能逐项重复。")
            return []
        seq = list(seq)
        result = []
        for i, item in enumerate(seq):
            if out.guard(self.path, tick, line=1) is _FAILED:  # loop and time limits
                return result
            local = dict(ctx)
            if len(self.names) == 1:
                local[self.names[0]] = item
            else:
                try:
                    values = list(item)
                except TypeError:
                    values = []
                if len(values) != len(self.names):
                    out.problem(self.path, 1, f"第 {i + 1} 项不能拆成 {len(self.names)} 个值。")
                    return result
                local.update(zip(self.names, values, strict=True))
            local["loop"] = {
                "index": i + 1, "index0": i, "first": i == 0, "last": i == len(seq) - 1,
                "length": len(seq),
            }
            value = self.each.render(local, out)
            if value is not _SKIP:
                result.append(value)
        return result

    def render(self, ctx: dict[str, Any], out: _Run) -> Any:  # only reached outside a list
        out.problem(self.path, None, "$for 只能用在列表中。")
        return _FAILED


@dataclass
class _List(_Node):
    path: str
    items: list[_Node]

    def render(self, ctx: dict[str, Any], out: _Run) -> Any:
        result: list[Any] = []
        for node in self.items:
            if isinstance(node, _For):
                result.extend(node.expand(ctx, out))
                continue
            value = node.render(ctx, out)
            if value is not _SKIP:
                result.append(value)
        return result


@dataclass
class _Dict(_Node):
    path: str
    items: dict[str, _Node]

    def render(self, ctx: dict[str, Any], out: _Run) -> Any:
        result = {}
        for key, node in self.items.items():
            value = node.render(ctx, out)
            if value is not _SKIP:
                result[key] = value
        return result


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_SKIP = _Marker("SKIP")
_FAILED = _Marker("FAILED")


class _Run:
    """Collects problems during one render instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[TemplateProblem] = []

    def problem(self, path: str, line: int | None, message: str) -> None:
        self.problems.append(TemplateProblem(path, line, message))

    def guard(self, path: str, func: Callable[[], Any], *, line: int | None = None) -> Any:
        try:
            return func()
        except RENDER_ERRORS as exc:
            problem = problem_from(exc, path, line=line)
            if not (isinstance(exc, TemplateLimit)  # a spent budget fails every later field too
                    and any(p.message == problem.message for p in self.problems)):
                self.problems.append(problem)
            return _FAILED

    def plain(self, path: str, value: Any) -> Any:
        """An expression's value as JSON data (what a description can hold)."""
        if value is _FAILED or value is None or isinstance(value, (str, bool, int, float)):
            return value
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, Mapping):
            return {str(k): self.plain(path, v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.plain(path, v) for v in value]
        self.problem(path, 1, f"表达式的值（{type(value).__name__}）不能放进公文描述。")
        return _FAILED


# ---- the template -----------------------------------------------------------------------------
@dataclass
class DescriptionTemplate:
    """A parsed 公文 template. ``render`` returns the description object (ready for
    ``app.typeset``); ``check`` lists every problem without raising."""

    name: str
    kind: str
    document: dict[str, Any]
    description: str = ""
    expects: dict[str, str] = field(default_factory=dict)
    sample: dict[str, Any] | None = None
    source: str | None = None
    _compiled: dict[tuple[Any, ...], Any] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def _compile_for(
        self, today: dt.date | None, calendar: HolidayCalendar
    ) -> tuple[ImmutableSandboxedEnvironment, _Node, list[TemplateProblem]]:
        """Compile once per (document text, today, calendar): batch printing fills the same
        template for many records."""
        day = today or dt.date.today()
        key = (json.dumps(self.document, sort_keys=True, ensure_ascii=False), day, id(calendar))
        if key not in self._compiled:
            env = make_environment(calendar=calendar, today=day)
            if len(self._compiled) > 8:
                self._compiled.clear()
            self._compiled[key] = (env, *_compile(self.document, env))
        env, root, problems = self._compiled[key]
        return env, root, list(problems)

    @classmethod
    def from_text(cls, text: str, *, name: str = "") -> DescriptionTemplate:
        """Parse a template file's text; a malformed file is a ``TemplateFailed`` naming the
        file line."""
        problems = _meta_problems(text)
        label = name or "未命名"
        if problems:
            raise TemplateFailed(label, problems)
        obj = json.loads(text)
        return cls(
            name=obj.get("name") or name or "未命名",
            kind=obj["kind"],
            document=obj["document"],
            description=obj.get("description", ""),
            expects=dict(obj.get("expects") or {}),
            sample=obj.get("sample"),
            source=text,
        )

    def to_text(self) -> str:
        obj: dict[str, Any] = {"govdesk_template": FORMAT_VERSION, "name": self.name, "kind": self.kind}
        if self.description:
            obj["description"] = self.description
        if self.expects:
            obj["expects"] = self.expects
        if self.sample is not None:
            obj["sample"] = self.sample
        obj["document"] = self.document
        return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"

    def placeholders(self) -> list[str]:
        """The data paths the template reads (``office.name``, ``roster.shifts``), for the
        editor's placeholder picker; loop variables and ``today`` are left out."""
        env = make_environment()
        return sorted(_data_paths(self.document, env))

    # ---- use -------------------------------------------------------------------------------
    def render(
        self,
        data: Mapping[str, Any],
        *,
        today: dt.date | None = None,
        calendar: HolidayCalendar = DEFAULT_CALENDAR,
    ) -> dict[str, Any]:
        """Fill the template; the result is a description that ``parse_description`` accepts.
        Any problem raises ``TemplateFailed`` (an ``InputError``) — never a partial result."""
        result, problems = self._render(data, today=today, calendar=calendar)
        if problems:
            raise TemplateFailed(self.name, problems)
        return result

    def check(
        self,
        sample: Mapping[str, Any] | None = None,
        *,
        today: dt.date | None = None,
        calendar: HolidayCalendar = DEFAULT_CALENDAR,
    ) -> list[TemplateProblem]:
        """Every problem the editor should show before saving: syntax, placeholders the sample
        does not have (also in branches the sample does not reach), render errors, and an
        invalid resulting description."""
        if sample is not None and not isinstance(sample, Mapping):
            return [TemplateProblem("", None, "示例数据应为 JSON 对象。")]
        data = dict(self.sample or {}) if sample is None else dict(sample)
        env, _, problems = self._compile_for(today, calendar)
        if problems:
            return problems
        problems.extend(_unknown_names(self.document, env, data))
        _, render_problems = self._render(data, today=today, calendar=calendar)
        # a placeholder found statically is also what stops the render there: report it once
        seen = {(p.field, p.line) for p in problems}
        problems.extend(p for p in render_problems if (p.field, p.line) not in seen)
        return problems

    def _render(
        self, data: Mapping[str, Any], *, today: dt.date | None, calendar: HolidayCalendar
    ) -> tuple[dict[str, Any], list[TemplateProblem]]:
        if not isinstance(data, Mapping):
            return {}, [TemplateProblem("", None, "数据应为 JSON 对象。")]
        _, compiled, problems = self._compile_for(today, calendar)
        if problems:
            return {}, problems
        run = _Run()
        ctx = {str(k): v for k, v in data.items()}
        with render_budget():
            rendered = compiled.render(ctx, run)
        result = _drop_empty(rendered) if isinstance(rendered, dict) else rendered
        if run.problems:
            return {}, run.problems
        from app.typeset.spec import parse_description

        try:
            parse_description(result)
        except InputError as exc:
            return {}, [TemplateProblem("", None, f"生成的公文描述不合格：{exc.message}")]
        return result, []


def _drop_empty(doc: dict[str, Any]) -> dict[str, Any]:
    """Optional fields a template left empty (``""``, ``[]``, null) are omitted, so the
    description reads as if a clerk had written it (``{{ doc.urgency|default('') }}``)."""
    out = {}
    for key, value in doc.items():
        if key not in ("title", "body") and (value is None or value == "" or value == []):
            continue
        if key == "minutes" and isinstance(value, dict):
            value = {k: v for k, v in value.items() if not (v is None or v == "" or v == [])}
        out[key] = value
    return out


# ---- parsing and compiling --------------------------------------------------------------------
def _meta_problems(text: str) -> list[TemplateProblem]:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return [TemplateProblem("（文件）", exc.lineno, f"不是有效的 JSON：第 {exc.colno} 列，{exc.msg}。")]
    except (RecursionError, ValueError):  # nested past the recursion limit, a 4,300-digit number
        try:
            loads_json(text, "模板文件")
        except InputError as exc:
            return [TemplateProblem("（文件）", None, exc.message)]
        raise
    depth = json_depth_problem(obj)
    if depth:
        return [TemplateProblem("（文件）", None, f"模板文件{depth}。")]
    if not isinstance(obj, dict):
        return [TemplateProblem("（文件）", None, "模板文件应为 JSON 对象。")]
    problems = []
    unknown = [k for k in obj if k not in META_FIELDS]
    if unknown:
        problems.append(TemplateProblem("（文件）", None, f"未知的项：{'、'.join(unknown)}。"))
    if obj.get("govdesk_template") != FORMAT_VERSION:
        problems.append(TemplateProblem(
            "govdesk_template", None, f"不是本程序的公文模板（govdesk_template 应为 {FORMAT_VERSION}）。"
        ))
    if obj.get("kind") not in TEMPLATE_KINDS:
        problems.append(TemplateProblem(
            "kind", None, f"文种“{obj.get('kind')}”无效，应为 {'、'.join(TEMPLATE_KINDS)} 之一。"
        ))
    if not isinstance(obj.get("document"), dict):
        problems.append(TemplateProblem("document", None, "缺少 document（公文描述）对象。"))
    for key, kind in (("expects", dict), ("sample", dict), ("name", str), ("description", str)):
        if obj.get(key) is not None and not isinstance(obj[key], kind):
            problems.append(TemplateProblem(key, None, f"{key} 的类型不对。"))
    return problems


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _compile(doc: dict[str, Any], env: ImmutableSandboxedEnvironment) -> tuple[_Node, list[TemplateProblem]]:
    problems: list[TemplateProblem] = []

    def expr(path: str, source: Any) -> _Expr | None:
        if not isinstance(source, str) or not source.strip():
            problems.append(TemplateProblem(path, None, "应为一个表达式（文字）。"))
            return None
        try:
            func = env.compile_expression(source, undefined_to_none=False)
        except TemplateSyntaxError as exc:
            problems.append(problem_from(exc, path, line=1))
            return None
        return _Expr(path, source, func)

    def walk(value: Any, path: str, in_list: bool) -> _Node | None:
        if isinstance(value, str):
            try:
                return _Text(path, env.from_string(value))
            except TemplateSyntaxError as exc:
                problems.append(problem_from(exc, path))
                return None
        if isinstance(value, list):
            items = [walk(v, _join(path, i), True) for i, v in enumerate(value)]
            return _List(path, [n for n in items if n is not None])
        if isinstance(value, dict):
            keys = set(value)
            if keys & _DIRECTIVES or any(str(k).startswith("$") for k in keys):
                return directive(value, path, in_list)
            items = {k: walk(v, _join(path, k), False) for k, v in value.items()}
            return _Dict(path, {k: n for k, n in items.items() if n is not None})
        return _Const(path, value)

    def directive(value: dict[str, Any], path: str, in_list: bool) -> _Node | None:
        keys = set(value)
        if keys == {"$expr"}:
            return expr(path, value["$expr"])
        if keys == {"$for", "$each"}:
            if not in_list:
                problems.append(TemplateProblem(path, None, "$for 只能用在列表中（它展开成多项）。"))
                return None
            m = _FOR.match(value["$for"]) if isinstance(value["$for"], str) else None
            if not m:
                problems.append(TemplateProblem(path, 1, "$for 应写成“名称 in 列表”，例如 r in roster.shifts。"))
                return None
            items = expr(_join(path, "$for"), m[2])
            each = walk(value["$each"], _join(path, "$each"), False)
            if items is None or each is None:
                return None
            return _For(path, [n.strip() for n in m[1].split(",")], items, each)
        if "$if" in keys and keys <= {"$if", "$then", "$else"} and "$then" in keys:
            cond = expr(_join(path, "$if"), value["$if"])
            then = walk(value["$then"], _join(path, "$then"), in_list)
            other = walk(value["$else"], _join(path, "$else"), in_list) if "$else" in keys else None
            if cond is None or then is None:
                return None
            if other is None and not in_list:
                other = _Const(path, None)
            return _If(path, cond, then, other)
        problems.append(TemplateProblem(
            path, None,
            f"不认识的指令组合：{'、'.join(sorted(map(str, keys)))}（可用 $expr；$for 与 $each；$if、$then 与 $else）。",
        ))
        return None

    root = walk(doc, "", False)
    assert root is not None
    return root, problems


def _unknown_names(doc: Any, env: ImmutableSandboxedEnvironment, data: Mapping[str, Any]) -> list[TemplateProblem]:
    """Placeholders the data does not have, found statically (also in ``{% if %}`` branches the
    sample does not reach): top-level names and attribute chains such as ``meeting.venue``."""
    known = set(data) | set(env.globals)
    problems: list[TemplateProblem] = []

    def scan(source: str, path: str, bound: set[str], expression: bool) -> None:
        try:
            ast = env.parse(("{{ " + source + " }}") if expression else source)
        except TemplateSyntaxError:
            return
        local = set(bound)
        for node in ast.find_all((nodes.Assign, nodes.For, nodes.Macro, nodes.With)):
            for target in node.find_all(nodes.Name):
                if target.ctx in ("store", "param"):
                    local.add(target.name)
        local.add("loop")
        guarded = _guarded(ast)
        for node in ast.find_all(nodes.Getattr):
            chain = _chain(node)
            if chain is None or chain[0] in local or chain[0] not in data:
                continue
            if any(tuple(chain[: len(g)]) == g for g in guarded):
                continue
            missing = _missing(data, chain)
            if missing:
                problems.append(TemplateProblem(
                    path, node.lineno, f"未知的占位符“{missing}”：示例数据中没有这一项。"
                ))
        for node in ast.find_all(nodes.Name):
            if (node.name,) in guarded:
                continue
            if node.ctx == "load" and node.name not in known and node.name not in local:
                problems.append(TemplateProblem(
                    path, node.lineno, f"未知的占位符“{node.name}”：数据中没有这一项。"
                ))

    def walk(value: Any, path: str, bound: set[str]) -> None:
        if isinstance(value, str):
            scan(value, path, bound, False)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, _join(path, i), bound)
        elif isinstance(value, dict):
            if "$for" in value and isinstance(value["$for"], str):
                m = _FOR.match(value["$for"])
                if m:
                    scan(m[2], _join(path, "$for"), bound, True)
                    names = {n.strip() for n in m[1].split(",")} | {"loop"}
                    walk(value.get("$each"), _join(path, "$each"), bound | names)
                return
            for key in ("$expr", "$if"):
                if isinstance(value.get(key), str):
                    scan(value[key], path if key == "$expr" else _join(path, key), bound, True)
            for key, v in value.items():
                if key not in ("$expr", "$if", "$for"):
                    walk(v, _join(path, key), bound)

    walk(doc, "", set())
    unique: dict[tuple[str, int | None, str], TemplateProblem] = {}
    for p in problems:
        unique.setdefault((p.field, p.line, p.message), p)
    return list(unique.values())


def _data_paths(doc: Any, env: ImmutableSandboxedEnvironment) -> set[str]:
    found: set[str] = set()

    def scan(source: str, bound: set[str], expression: bool) -> None:
        try:
            ast = env.parse(("{{ " + source + " }}") if expression else source)
        except TemplateSyntaxError:
            return
        local = set(bound) | {"loop"} | set(env.globals)
        for node in ast.find_all((nodes.Assign, nodes.For, nodes.Macro, nodes.With)):
            local.update(t.name for t in node.find_all(nodes.Name) if t.ctx in ("store", "param"))
        inner = {id(n.node) for n in ast.find_all(nodes.Getattr)}
        for node in ast.find_all(nodes.Getattr):
            chain = _chain(node)
            if chain and chain[0] not in local and id(node) not in inner:
                found.add(".".join(chain))
        for node in ast.find_all(nodes.Name):
            if node.ctx == "load" and node.name not in local and id(node) not in inner:
                found.add(node.name)

    def walk(value: Any, bound: set[str]) -> None:
        if isinstance(value, str):
            scan(value, bound, False)
        elif isinstance(value, list):
            for v in value:
                walk(v, bound)
        elif isinstance(value, dict):
            if isinstance(value.get("$for"), str) and (m := _FOR.match(value["$for"])):
                scan(m[2], bound, True)
                walk(value.get("$each"), bound | {n.strip() for n in m[1].split(",")})
                return
            for key in ("$expr", "$if"):
                if isinstance(value.get(key), str):
                    scan(value[key], bound, True)
            for key, v in value.items():
                if key not in ("$expr", "$if", "$for"):
                    walk(v, bound)

    walk(doc, set())
    return found


def _guarded(ast: nodes.Node) -> set[tuple[str, ...]]:
    """Chains the template itself guards (``x is defined``, ``x|default(…)``): optional data."""
    out: set[tuple[str, ...]] = set()
    for node in ast.find_all((nodes.Test, nodes.Filter)):
        wanted = ("defined", "undefined") if isinstance(node, nodes.Test) else ("default", "d")
        if node.name in wanted and node.node is not None:
            if isinstance(node.node, nodes.Name):
                out.add((node.node.name,))
            elif isinstance(node.node, nodes.Getattr):
                chain = _chain(node.node)
                if chain:
                    out.add(tuple(chain))
    return out


def _chain(node: nodes.Getattr) -> list[str] | None:
    parts = [node.attr]
    cur: nodes.Node = node.node
    while isinstance(cur, nodes.Getattr):
        parts.append(cur.attr)
        cur = cur.node
    if not isinstance(cur, nodes.Name):
        return None
    parts.append(cur.name)
    return parts[::-1]


def _missing(data: Mapping[str, Any], chain: list[str]) -> str | None:
    """The first dotted prefix of ``chain`` the data lacks (only through nested objects)."""
    cur: Any = data
    for i, part in enumerate(chain):
        if not isinstance(cur, Mapping):
            return None  # a list or a value: methods and items are the runtime's business
        if part not in cur:
            return ".".join(chain[: i + 1])
        cur = cur[part]
    return None
