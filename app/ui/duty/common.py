"""Small helpers shared by the 值班 widgets: date/time conversions, and ``explain`` for a
sentence that embeds an error (messages themselves go on the page's ``MessageLine``)."""

from __future__ import annotations

import datetime as dt
import logging

from app.errors import UserError
from app.ui.kit import describe
from app.ui.qt import QDate, QDateTime

log = logging.getLogger(__name__)


def explain(exc: BaseException) -> str:
    """The sentence to show for ``exc``; anything but a ``UserError`` is a bug and is logged with
    its traceback (the user sees the short generic message)."""
    if not isinstance(exc, UserError):
        log.error("值班页面操作失败", exc_info=exc)
    return describe(exc)


def to_date(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


def from_date(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def to_datetime(q: QDateTime) -> dt.datetime:
    """A local QDateTime as an aware datetime."""
    return dt.datetime.fromtimestamp(q.toSecsSinceEpoch()).astimezone()


def from_datetime(d: dt.datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(d.timestamp()))


def local(d: dt.datetime | None, fmt: str = "%m-%d %H:%M") -> str:
    return d.astimezone().strftime(fmt) if d else ""
