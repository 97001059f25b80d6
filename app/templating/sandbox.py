"""The one Jinja2 environment every template runs in, and the translation of Jinja's errors into
``TemplateProblem(field, line, message)`` with a Chinese message.

Templates travel between desks (import/export), so they are untrusted input:
``ImmutableSandboxedEnvironment`` refuses ``__class__`` and friends and any method that mutates a
list or dict; ``StrictUndefined`` makes a misspelt placeholder an error instead of an empty hole
in a printed document; ``*`` and ``**`` are checked so that ``'x' * 10**9`` cannot eat the
workstation's memory.

Work is bounded (``TemplateLimit``, a ``SecurityError`` whose message is the Chinese sentence the
user sees), per render (one 公文 template over all its fields, one Word form over all its parts):

* **loop iterations** — every ``{% for %}`` pass, ``$for`` item and sandboxed call counts against
  ``MAX_ITERATIONS`` (nested ``range`` loops: 100000 × 100000 would run for hours);
* **time** — the same checkpoints stop a render after ``MAX_SECONDS``;
* **size** — every value a filter, a method, ``~``, ``+``, ``*`` or ``%`` makes is at most
  ``MAX_STRING`` characters (doubling a namespace value in a loop stops at the limit) and one
  render writes at most ``MAX_OUTPUT`` characters; widths (``center``, ``indent``,
  ``ljust``/``rjust``/``zfill``, ``format``/``%`` field widths and precisions, ``batch``,
  ``slice``, ``lipsum``) are at most ``MAX_WIDTH`` and checked *before* the call allocates.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import re
import string
import time
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, Undefined, UndefinedError
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.runtime import markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import _PassArg

from app.domain.workdays import DEFAULT_CALENDAR, HolidayCalendar
from app.errors import InputError
from app.templating.filters import CnDate, FilterMisuse, filters_for, tests_for

MAX_SEQUENCE = 100_000  # longest string or list a template may build with *
MAX_EXPONENT = 64
MAX_ITERATIONS = 200_000  # loop passes and calls in one render
MAX_SECONDS = 10.0  # one render
MAX_STRING = 2_000_000  # characters (or items) of one value a template makes
MAX_OUTPUT = 20_000_000  # characters one render writes
MAX_WIDTH = 1_000  # center/indent/ljust/format widths, batch/slice counts


class TemplateLimit(SecurityError):
    """A render went past one of the limits above; the message is for the user."""


@dataclass
class _Budget:
    iterations: int = MAX_ITERATIONS
    deadline: float = field(default_factory=lambda: time.monotonic() + MAX_SECONDS)
    output: int = MAX_OUTPUT

    def tick(self, n: int = 1) -> None:
        self.iterations -= n
        if self.iterations < 0:
            raise TemplateLimit(
                f"模板的循环和调用超过 {MAX_ITERATIONS} 次，已停止生成（请检查嵌套的 for 循环或 range）。")
        if time.monotonic() > self.deadline:
            raise TemplateLimit(f"模板运行超过 {MAX_SECONDS:g} 秒，已停止生成（请简化模板）。")

    def write(self, n: int) -> None:
        self.output -= n
        if self.output < 0:
            raise TemplateLimit(f"模板生成的内容超过 {MAX_OUTPUT} 个字符，已停止生成。")


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("template_budget", default=None)


@contextlib.contextmanager
def render_budget() -> Iterator[_Budget]:
    """The limits for one render; nested uses share the outer one."""
    current = _BUDGET.get()
    if current is not None:
        yield current
        return
    token = _BUDGET.set(_Budget())
    try:
        yield _BUDGET.get()  # type: ignore[misc]
    finally:
        _BUDGET.reset(token)


def tick(n: int = 1) -> None:
    """One loop pass or call: counts against the current render's budget (if any)."""
    budget = _BUDGET.get()
    if budget is not None:
        budget.tick(n)


def _weight(value: Any, cap: int = MAX_STRING) -> int:
    """About how many characters ``value`` prints as: a string's length, a list's items'
    weights (a list repeated inside a list counts every time it prints, each distinct object is
    walked once); stops counting above ``cap``."""
    if isinstance(value, str):
        return len(value)
    if not isinstance(value, (list, tuple)):
        return 1
    memo: dict[int, int] = {}
    order: list[Any] = []
    todo: list[Any] = [value]
    while todo:  # distinct nested sequences, parents before children
        v = todo.pop()
        if id(v) in memo:
            continue
        memo[id(v)] = -1
        order.append(v)
        if len(order) > cap:
            return cap + 1
        todo.extend(x for x in v if isinstance(x, (list, tuple)) and id(x) not in memo)
    for v in reversed(order):  # children before parents
        total = len(v)
        for x in v:
            total += len(x) if isinstance(x, str) else memo[id(x)] if isinstance(x, (list, tuple)) else 1
            if total > cap:
                total = cap + 1
                break
        memo[id(v)] = total
    return memo[id(value)]


def _too_long(value: Any) -> bool:
    return isinstance(value, (str, list, tuple)) and _weight(value) > MAX_STRING


def _limit_value(value: Any) -> Any:
    if _too_long(value):
        raise TemplateLimit(f"模板生成的一项内容超过 {MAX_STRING} 个字符，已停止生成。")
    return value


def _width(value: Any, what: str) -> None:
    n = len(value) if isinstance(value, str) else value
    if isinstance(n, (int, float)) and not isinstance(n, bool) and abs(n) > MAX_WIDTH:
        raise TemplateLimit(f"出于安全考虑，{what}最大为 {MAX_WIDTH}，模板给的是 {n}。")


_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d*))?[a-zA-Z%]")


def _check_percent(fmt: Any, args: Any) -> None:
    """``"%999999999d" % 1``, ``"%*d" % (10**9, 1)``: field widths and precisions."""
    if not isinstance(fmt, str):
        return
    stars = False
    for m in _PERCENT_FIELD.finditer(fmt):
        for part in m.groups():
            if part == "*":
                stars = True
            elif part:
                _width(int(part), "格式的宽度或精度")
    if stars:
        values = args if isinstance(args, tuple) else (args,)
        for v in values:
            if isinstance(v, int):
                _width(v, "格式的宽度或精度")


def _check_str_format(fmt: str, args: Any, kwargs: Any) -> None:
    """``"{:>999999999}".format(1)`` and nested ``{:{}}`` widths."""
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError:
        return  # str.format reports it
    for _literal, _name, spec, _conv in fields:
        if not spec:
            continue
        for digits in re.findall(r"\d+", spec):
            _width(int(digits), "格式的宽度或精度")
        if "{" in spec:
            for v in (*args, *(kwargs.values() if isinstance(kwargs, dict) else ())):
                if isinstance(v, int):
                    _width(v, "格式的宽度或精度")


_WIDTH_METHODS = {"center", "ljust", "rjust", "zfill", "expandtabs"}


def _check_call(obj: Any, args: tuple, kwargs: dict) -> None:
    """Before a str method allocates: widths, the size of a replace or a join."""
    if not isinstance(obj, (types.BuiltinMethodType, types.MethodType)):
        return
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if not isinstance(owner, str):
        return
    if name in _WIDTH_METHODS:
        for v in (*args, *kwargs.values()):
            _width(v, f"{name} 的宽度")
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        _check_replace(owner, args[0], args[1])
    elif name == "join" and args:
        _check_join(args[0], owner)


def _check_replace(text: str, old: str, new: str) -> None:
    if len(new) > len(old):
        grow = (text.count(old) if old else len(text) + 1) * (len(new) - len(old))
        if len(text) + grow > MAX_STRING:
            raise TemplateLimit(f"模板生成的一项内容超过 {MAX_STRING} 个字符，已停止生成。")


def _check_join(items: Any, sep: Any) -> None:
    if isinstance(items, (list, tuple)):
        total = sum(len(x) if isinstance(x, str) else 20 for x in items)
        total += len(sep) * max(0, len(items) - 1) if isinstance(sep, str) else 0
        if total > MAX_STRING:
            raise TemplateLimit(f"模板生成的一项内容超过 {MAX_STRING} 个字符，已停止生成。")


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str) else len(str(value)) if isinstance(value, (int, float)) else 0


def _bounded_concat(values: tuple, *, markup: bool) -> str:
    """``a ~ b``: the joined length is checked before joining."""
    if sum(_size(v) if isinstance(v, (str, int, float)) else len(str(v)) for v in values) > MAX_STRING:
        raise TemplateLimit(f"模板生成的一项内容超过 {MAX_STRING} 个字符，已停止生成。")
    return markup_join(values) if markup else str_join(values)


class _BoundedCodeGenerator(CodeGenerator):
    """Jinja's code generator plus a budget tick in every loop pass and a checked ``~``."""

    def writeline(self, x: str, node: Any = None, extra: int = 0) -> None:
        super().writeline(x, node, extra)
        if x == "_loop_vars = {}":  # the first line of every for-loop body
            super().writeline("environment.tick()")

    def visit_Concat(self, node: Any, frame: Any) -> None:
        if frame.eval_ctx.volatile:
            markup = "context.eval_ctx.volatile"
        else:
            markup = "True" if frame.eval_ctx.autoescape else "False"
        self.write("environment.bounded_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write(f"), {markup})")


class _BoundedTemplate(Template):
    """``render`` under a budget, counting what it writes."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        with render_budget() as budget:
            ctx = self.new_context(dict(*args, **kwargs))
            parts: list[str] = []
            try:
                for chunk in self.root_render_func(ctx):
                    budget.write(len(chunk))
                    parts.append(chunk)
            except Exception:
                self.environment.handle_exception()
            return self.environment.concat(parts)  # type: ignore[attr-defined]


def _bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """A filter whose widths are checked before and whose result is checked after."""

    skip = 1 if _PassArg.from_obj(func) is not None else 0  # context/eval context/environment

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        tick()
        plain = list(args[skip:])
        if name in ("center", "indent") and len(plain) >= 2:
            _width(plain[1], f"{name} 的宽度")
        for key in ("width",):
            if key in kwargs:
                _width(kwargs[key], f"{name} 的宽度")
        if name in ("batch", "slice") and len(plain) >= 2:
            _width(plain[1], f"{name} 的份数")
        if name == "format" and plain:
            _check_percent(plain[0], tuple(plain[1:]) or tuple(kwargs.values()))
        if name == "replace" and len(plain) >= 3 and all(isinstance(a, str) for a in plain[:3]):
            _check_replace(plain[0], plain[1], plain[2])
        if name == "join" and plain:
            _check_join(list(plain[0]) if isinstance(plain[0], (list, tuple)) else plain[0],
                        plain[1] if len(plain) > 1 else kwargs.get("d", ""))
        if name == "indent" and plain and isinstance(plain[0], str):
            width = plain[1] if len(plain) > 1 else kwargs.get("width", 4)
            w = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
            if (plain[0].count("\n") + 1) * w + len(plain[0]) > MAX_STRING:
                _limit_value("x" * (MAX_STRING + 1))
        return _limit_value(func(*args, **kwargs))

    return wrapper


def _bounded_lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:  # noqa: A002
    from jinja2.utils import generate_lorem_ipsum

    _width(n, "lipsum 的段数")
    _width(max, "lipsum 的长度")
    _width(min, "lipsum 的长度")
    return generate_lorem_ipsum(n=n, html=html, min=min, max=max)


@dataclass(frozen=True)
class TemplateProblem:
    """One thing wrong with a template. ``field`` is where it is (``title``, ``body[2]``,
    ``minutes.present``, or for a Word form ``正文``/``页眉``); ``line`` counts from 1 inside that
    field's text (for a Word form: the paragraph), or is None when it concerns the whole field."""

    field: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"字段 {self.field}" if self.field else "模板"
        if self.line is not None:
            where += f" 第 {self.line} 行"
        return f"{where}：{self.message}"


class TemplateFailed(InputError):
    """Rendering stopped: the template or its data is wrong. Carries every problem found; the
    message names the first with its field and line."""

    def __init__(self, template_name: str, problems: list[TemplateProblem]) -> None:
        self.problems = list(problems)
        first = str(self.problems[0]) if self.problems else "未知错误"
        more = f"（另有 {len(self.problems) - 1} 处问题）" if len(self.problems) > 1 else ""
        super().__init__(f"模板“{template_name}”有误，{first}{more}")


class GovDeskSandbox(ImmutableSandboxedEnvironment):
    """The sandbox, plus limits on ``*`` and ``**`` (memory and CPU exhaustion), on loops,
    time, widths and sizes (see the module's docstring)."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _BoundedCodeGenerator
    template_class = _BoundedTemplate

    @staticmethod
    def tick() -> None:
        tick()

    @staticmethod
    def bounded_concat(values: tuple, markup: bool) -> str:
        return _bounded_concat(values, markup=markup)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        tick()
        _check_call(__obj, args, kwargs)
        return _limit_value(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt = value.__self__
        is_map = value.__name__ == "format_map"

        @functools.wraps(wrapped)
        def checked(*args: Any, **kwargs: Any) -> str:
            _check_str_format(fmt, args if not is_map else (),
                              (args[0] if is_map and args else kwargs))
            return _limit_value(wrapped(*args, **kwargs))

        return checked

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        """Refuse at once (Jinja's default returns an undefined that fails later, naming
        whatever was touched next instead of the attribute that was refused)."""
        raise SecurityError(
            f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe."
        )

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
                raise SecurityError(f"exponent {right} is too large")
            return left**right
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, (str, list, tuple)) and isinstance(times, int) \
                    and _weight(seq, MAX_SEQUENCE) * times > MAX_SEQUENCE:
                raise SecurityError("the resulting sequence is too long")
        if operator == "+":
            if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)) \
                    and _weight(left) + _weight(right) > MAX_STRING:
                _limit_value("x" * (MAX_STRING + 1))
            return left + right
        if operator == "%":
            if isinstance(left, str):
                _check_percent(left, right)
            return _limit_value(left % right)
        return left * right


def make_environment(
    *, calendar: HolidayCalendar = DEFAULT_CALENDAR, today: dt.date | None = None
) -> GovDeskSandbox:
    """A fresh sandbox with the filters, ``today`` (prints as ``2024年7月1日``) and block
    whitespace control, so ``{% for %}`` lines in a body leave no blank paragraphs."""
    env = GovDeskSandbox(
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,
        finalize=_finalize,
    )
    env.filters.update({k: _strict(v) for k, v in filters_for(calendar).items()})
    env.filters = {k: _bounded_filter(k, v) for k, v in env.filters.items()}  # type: ignore[assignment]
    env.tests.update({k: _strict(v) for k, v in tests_for(calendar).items()})
    env.globals["today"] = CnDate.of(today or dt.date.today())
    env.globals["lipsum"] = _bounded_lipsum
    return env


def _strict(func: Callable[..., Any]) -> Callable[..., Any]:
    """A missing placeholder given to one of our filters is reported as the missing
    placeholder (``doc.venue``), not as a filter that received something odd."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for arg in (*args, *kwargs.values()):
            if isinstance(arg, Undefined):
                arg._fail_with_undefined_error()
        return func(*args, **kwargs)

    return wrapper


def _finalize(value: Any) -> Any:
    """``None`` prints as nothing (an empty optional field), never as the word ``None``; a value
    too long to print (a list holding a long list many times) is refused before ``str()``."""
    return "" if value is None else _limit_value(value)


# ---- error translation ------------------------------------------------------------------------
def template_line(exc: BaseException) -> int | None:
    """The template line where a render-time error happened (Jinja rewrites the traceback so
    that template frames carry template line numbers)."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


_UNDEFINED_NAME = re.compile(r"^'([^']+)' is undefined$")
_UNDEFINED_ATTR = re.compile(r"^'(.+?) object' has no (?:attribute|element) '?([^']+?)'?$")
_UNSAFE = re.compile(r"attribute '([^']+)' of '([^']+)' object is unsafe")


def describe_error(exc: BaseException) -> str:
    """A Chinese sentence for a Jinja or filter error."""
    if isinstance(exc, (FilterMisuse, TemplateLimit)):
        return str(exc)
    text = str(getattr(exc, "message", None) or exc)
    if "range too big" in text.lower():
        return "出于安全考虑，range 最多 100000 项。"
    if isinstance(exc, SecurityError) or "is unsafe" in text:
        m = _UNSAFE.search(text)
        if m:
            return f"出于安全考虑，模板不能访问“{m[1]}”（{m[2]} 对象的内部属性或会修改数据的方法）。"
        if "too large" in text or "too long" in text:
            return "出于安全考虑，模板不能生成过大的数字或过长的文字。"
        return f"出于安全考虑，模板不能这样做：{text}"
    if isinstance(exc, UndefinedError):
        m = _UNDEFINED_NAME.match(text)
        if m:
            return f"未知的占位符“{m[1]}”：数据中没有这一项。"
        m = _UNDEFINED_ATTR.match(text)
        if m:
            return f"未知的占位符“{m[2]}”：数据中的{_kind(m[1])}没有这一项。"
        return f"未知的占位符：{text}"
    if isinstance(exc, TemplateSyntaxError):
        return _syntax_message(text)
    if isinstance(exc, TemplateError):
        return f"模板有误：{text}"
    if isinstance(exc, TypeError):
        return f"过滤器或函数的用法不对：{text}"
    if isinstance(exc, (ValueError, ArithmeticError, LookupError)):
        return f"计算出错：{text}"
    return f"渲染出错：{type(exc).__name__}: {text}"


def _kind(jinja_type: str) -> str:
    return {"dict": "对象", "list": "列表", "str": "文字", "int": "数字", "tuple": "列表"}.get(
        jinja_type, f" {jinja_type} "
    )


def _syntax_message(text: str) -> str:
    m = re.match(r"No (filter|test) named '([^']+)'", text)
    if m:
        what = "过滤器" if m[1] == "filter" else "判断"
        return f"没有名为“{m[2]}”的{what}。"
    m = re.match(r"Encountered unknown tag '([^']+)'", text)
    if m:
        return f"不认识的标记“{m[1]}”（是否少了开头的 {{% for %}} 或 {{% if %}}，或拼错了？）。"
    if text.startswith("Unexpected end of template"):
        m = re.search(r"innermost block that needs to be closed is '([^']+)'", text)
        block = m[1] if m else ""
        end = f"{{% end{block} %}}" if block else "结束标记"
        return f"模板提前结束：缺少 {end}。"
    m = re.match(r"unexpected '([^']+)'", text)
    if m:
        return f"语法错误：这里不应出现“{m[1]}”。"
    m = re.match(r"expected token '([^']+)', got '([^']+)'", text)
    if m:
        return f"语法错误：此处应为“{m[1]}”，实际是“{m[2]}”。"
    return f"语法错误：{text}"


def problem_from(exc: BaseException, field: str, *, line: int | None = None) -> TemplateProblem:
    if isinstance(exc, TemplateSyntaxError) and exc.lineno:
        line = exc.lineno
    elif line is None:
        line = template_line(exc)
    return TemplateProblem(field, line, describe_error(exc))


RENDER_ERRORS: tuple[type[BaseException], ...] = (
    TemplateError, FilterMisuse, TypeError, ValueError, ArithmeticError, LookupError,
    RecursionError,
)
