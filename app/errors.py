"""Errors that carry a message meant for the user (in Chinese).

Anything that reaches the user — a CLI message, a dialog — is a ``UserError`` with a clear
Chinese sentence. Code below the UI raises these for bad input; the CLI prints ``错误：…`` and
exits with ``exit_code``; the GUI shows a message box. Other exceptions are bugs.
"""

from __future__ import annotations

import errno
from typing import Any


class UserError(Exception):
    """Bad input or a refused action, explained in Chinese."""

    exit_code = 2
    #: A refused attempt's audit entry (``app.services.audit.refusals.Refusal``), recorded once
    #: the unit of work it was raised in has rolled back; None for other errors.
    refusal: Any = None

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


class StorageUnavailable(UserError):
    """The database (or the disk) could not take the write: another program holds the database
    locked, or the disk is full. The act was not carried out; what was saved before is intact
    (every write is one transaction, rolled back whole). Exit code 2 on the command line."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason  # "locked" or "full"


class ConnectionLost(StorageUnavailable):
    """The connection to the database server broke (server restarted, network down, backend
    terminated) before the transaction committed: nothing of the act was saved. A read is
    retried once by itself (``app.services.context.retry_read``); a write is not — the user
    repeats it, with the form still as it was."""

    def __init__(self, message: str = "", *, reason: str = "connection") -> None:
        super().__init__(message or CONNECTION_MESSAGE, reason=reason)


#: What a write that did not commit because the connection broke says (issue 32).
CONNECTION_MESSAGE = "数据库连接中断，本次操作未保存，请重试。"
#: What a read says when it failed twice for the same reason.
CONNECTION_READ_MESSAGE = "数据库连接中断，暂时无法读取数据，请稍后重试。"


def is_connection_lost(exc: BaseException) -> bool:
    return isinstance(exc, StorageUnavailable) and exc.reason == "connection"


LOCKED_MESSAGE = (
    "数据库正被另一个程序或另一台工作站占用，{waited}仍未释放，本次操作没有执行；"
    "已保存的数据没有丢失。请稍后重试；如果一直如此，请关闭其他正在使用该数据库的程序。"
)
FULL_MESSAGE = (
    "磁盘空间已满，本次操作没有保存（没有写入任何内容）；已保存的数据没有丢失。"
    "请清理数据文件夹或目标文件夹所在磁盘的空间后重试。"
)
# Only waits that ran out: a NOWAIT refusal or a deadlock (which code may catch and retry) is
# left as the driver raised it.
_LOCKED = ("database is locked", "database table is locked", "canceling statement due to lock timeout")
_FULL = ("database or disk is full", "disk is full", "no space left on device",
         "could not extend file")
_FULL_SQLSTATE = {"53100"}  # PostgreSQL disk_full
# A broken connection: SQLSTATE class 08 (connection exception), 57P01–57P03 (the server shut
# down or terminated the backend), and the drivers' words for it.
_GONE_SQLSTATE = ("08", "57P01", "57P02", "57P03")
_GONE = ("server closed the connection", "terminating connection", "connection is closed",
         "connection refused", "could not connect", "consuming input failed",
         "connection failed", "connection to server", "the connection is lost",
         "connection has been closed", "ssl connection has been closed")


def storage_problem(exc: BaseException, *, wait_seconds: float | None = None) -> StorageUnavailable | None:
    """``StorageUnavailable`` when ``exc`` (or what it wraps: a driver error inside SQLAlchemy's,
    a cause or context) says the database is locked or the disk is full; None otherwise.
    Looks only at messages, errno and SQLSTATE, so it imports no driver."""
    if isinstance(exc, StorageUnavailable):
        return exc
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, StorageUnavailable):
            return e
        text = str(e).lower()
        state = str(getattr(e, "sqlstate", None) or getattr(e, "pgcode", None) or "")
        if (isinstance(e, OSError) and e.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1))) \
                or state in _FULL_SQLSTATE or any(s in text for s in _FULL):
            return StorageUnavailable(FULL_MESSAGE, reason="full")
        if any(s in text for s in _LOCKED):
            waited = f"等待 {wait_seconds:g} 秒后" if wait_seconds else "等待后"
            return StorageUnavailable(LOCKED_MESSAGE.format(waited=waited), reason="locked")
        if (state and state.startswith(_GONE_SQLSTATE)) or (
                type(e).__name__ in ("OperationalError", "InterfaceError")
                and any(s in text for s in _GONE)):
            return ConnectionLost()
        todo.extend([getattr(e, "orig", None), e.__cause__, e.__context__])
    return None
