"""Office settings (one row, id 1): the office's name, its 机关代字 series, default issuer mark and
printer. Added in revision 0002."""

from __future__ import annotations

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.models.base import Base, TimestampMixin, VersionMixin


class OfficeSettings(TimestampMixin, VersionMixin, Base):
    __tablename__ = "office_settings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False, default=1)
    office_name: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    # 机关代字 series, e.g. ["某府发", "某府办发", "某府函"]
    code_series: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    default_issuer_mark: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    printer: Mapped[str] = mapped_column(String(128), nullable=False, default="")
