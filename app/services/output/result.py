"""What the paper path hands back: the bytes, and what it knows about them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.domain.security import CLEARANCE_LABELS, Clearance
from app.typeset.notices import Notice, NoticeKind, kind_of

#: the kinds of warnings (the GUI and the CLI decide from the kind, never from the text)
WarningKind = NoticeKind


@dataclass(frozen=True)
class OutputWarning:
    """A typed warning: ``kind`` for code, ``text`` (Chinese) for people."""

    kind: WarningKind
    text: str

    def __str__(self) -> str:
        return self.text

    @classmethod
    def of(cls, warning: str | OutputWarning) -> OutputWarning:
        if isinstance(warning, OutputWarning):
            return warning
        return cls(kind_of(warning), str.__str__(warning))


def typed(warnings: Iterable[str | OutputWarning]) -> tuple[OutputWarning, ...]:
    """Warnings as ``OutputWarning`` (duplicates dropped, order kept)."""
    return tuple(dict.fromkeys(OutputWarning.of(w) for w in warnings))


@dataclass(frozen=True)
class TemplateUsed:
    """The template an output was made from: ``ref`` (``office:12`` / ``shipped:notice``), its
    name and whether it is the shipped one."""

    ref: str
    name: str
    shipped: bool

    @property
    def label(self) -> str:
        return f"{self.name}（{'内置模板' if self.shipped else '单位模板'}）"


def level_label(level: int) -> str:
    """``秘密`` for 2 …; empty for 公开 (nothing to mark)."""
    if level <= 0:
        return ""
    return CLEARANCE_LABELS[Clearance(min(int(level), int(Clearance.CONFIDENTIAL)))]


class Output(bytes):
    """The file's bytes — so code that writes or reads bytes keeps working — with what the paper
    path decided: the record ``kind``, ``fmt``, the ``classification`` marked on it, the
    ``template`` used, the typed ``warnings``, and the copies (``copy_nos``: the 份号 printed)."""

    kind: str
    fmt: str
    classification: int
    template: TemplateUsed | None
    warnings: tuple[OutputWarning, ...]
    copies: int
    copy_nos: tuple[str, ...]
    title: str  # type: ignore[assignment]  # the record's title shadows bytes.title(), unused here

    def __new__(cls, data: bytes, *, kind: str, fmt: str, classification: int = 0,
                template: TemplateUsed | None = None,
                warnings: Iterable[str | OutputWarning] = (), copies: int = 1,
                copy_nos: Iterable[str] = (), title: str = "") -> Output:
        obj = super().__new__(cls, data)
        obj.kind, obj.fmt, obj.classification = kind, fmt, int(classification)
        obj.template, obj.warnings = template, typed(warnings)
        obj.copies, obj.copy_nos, obj.title = copies, tuple(copy_nos), title
        return obj

    @property
    def data(self) -> bytes:
        return bytes(self)

    @property
    def label(self) -> str:
        return level_label(self.classification)

    def __reduce__(self) -> tuple[Any, ...]:  # crosses worker threads/processes intact
        return (_rebuild, (bytes(self), self.kind, self.fmt, self.classification, self.template,
                           self.warnings, self.copies, self.copy_nos, self.title))

    def __repr__(self) -> str:
        return (f"Output({self.kind}, {self.fmt}, {len(self)} bytes, level={self.classification}, "
                f"copies={self.copies})")


def _rebuild(data: bytes, kind: str, fmt: str, level: int, template: TemplateUsed | None,
             warnings: tuple[OutputWarning, ...], copies: int, copy_nos: tuple[str, ...],
             title: str) -> Output:
    return Output(data, kind=kind, fmt=fmt, classification=level, template=template,
                  warnings=warnings, copies=copies, copy_nos=copy_nos, title=title)


__all__ = ["Notice", "Output", "OutputWarning", "TemplateUsed", "WarningKind", "level_label",
           "typed"]
