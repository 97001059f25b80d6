"""节假日安排 tables (revision 0012): the office's own holiday tables.

* ``HolidayYear`` — one row per year whose arrangement the office has entered from the State
  Council's notice (and any supplementary notice merged into it): where it came from (the notice's
  title and full text, its SM3 digest), who entered it and when. A year with a row here is *known*
  and its days replace the chinese-calendar package's for that year.
* ``HolidayDay`` — the days of those years (``source = "notice"``: a rest day or a make-up
  workday with its festival) and the office's local changes (``source = "local"``: an office
  closure, a regional holiday, with the reason), which win over everything else.

Every change also raises ``govdesk_meta['holidays.revision']`` so that each desk sharing the
database notices it on its next computation.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.models.base import Base, UTCDateTime


class HolidayYear(Base):
    __tablename__ = "holiday_years"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    source_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: ``sm3:<hex>`` of the notice text(s) (the annual notice, then each supplement, joined).
    source_digest: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    supplements: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    imported_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")


class HolidayDay(Base):
    __tablename__ = "holiday_days"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    #: "notice" (from a notice) or "local" (the office's own change).
    source: Mapped[str] = mapped_column(String(8), primary_key=True)
    #: The year whose table the day belongs to (a notice may name a day of the year before).
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    workday: Mapped[bool] = mapped_column(Boolean, nullable=False)
    festival: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    reason: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    changed_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")
