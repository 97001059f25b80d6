"""The one Jinja2 environment every template runs in, and the translation of Jinja's errors into
``TemplateProblem(field, line, message)`` with a Chinese message.

Templates travel between desks (import/export), so they are untrusted input:
``ImmutableSandboxedEnvironment`` refuses ``__class__`` and friends and any method that mutates a
list or dict; ``StrictUndefined`` makes a misspelt placeholder an error instead of an empty hole
in a printed document; ``*`` and ``**`` are checked so that ``'x' * 10**9`` cannot eat the
workstation's memory.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, Undefined, UndefinedError
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from app.domain.workdays import DEFAULT_CALENDAR, HolidayCalendar
from app.errors import InputError
from app.templating.filters import CnDate, FilterMisuse, filters_for, tests_for

MAX_SEQUENCE = 100_000  # longest string or list a template may build with *
MAX_EXPONENT = 64


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
    """The sandbox, plus limits on ``*`` and ``**`` (memory and CPU exhaustion)."""

    intercepted_binops = frozenset({"*", "**"})

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
            if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and len(seq) * times > MAX_SEQUENCE:
                raise SecurityError("the resulting sequence is too long")
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
    env.tests.update({k: _strict(v) for k, v in tests_for(calendar).items()})
    env.globals["today"] = CnDate.of(today or dt.date.today())
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
    """``None`` prints as nothing (an empty optional field), never as the word ``None``."""
    return "" if value is None else value


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
    if isinstance(exc, FilterMisuse):
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
