"""Errors that carry a message meant for the user (in Chinese).

Anything that reaches the user — a CLI message, a dialog — is a ``UserError`` with a clear
Chinese sentence. Code below the UI raises these for bad input; the CLI prints ``错误：…`` and
exits with ``exit_code``; the GUI shows a message box. Other exceptions are bugs.
"""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a refused action, explained in Chinese."""

    exit_code = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class InputError(UserError):
    """Malformed input: a file, a field, a value (exit code 2)."""


class PermissionDenied(UserError):
    """The signed-in user may not do this (role or clearance)."""

    exit_code = 4


class PasswordChangeRequired(PermissionDenied):
    """The account's password was set by an administrator (new account or reset) and must be
    changed before the user may do anything else (exit code 4, like any refusal)."""


class ConflictError(UserError):
    """Someone else changed the record first (optimistic locking)."""

    exit_code = 5


class HolidayTableMissing(UserError):
    """The work spans a year whose holiday arrangement (节假日安排) has not been entered: the
    caller must ask the user before going on (weekends-only counting)."""

    def __init__(self, years: list[int]) -> None:
        self.years = list(years)
        names = "、".join(f"{y}年" for y in self.years)
        super().__init__(f"{names}节假日安排尚未录入，按周末计算的结果可能与实际放假安排不符。"
                         "请先在“节假日安排”中导入国务院通知，或确认继续。")
