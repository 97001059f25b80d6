"""Office settings (one row, id 1): the office's name, its 机关代字 series, default issuer mark and
printer. Added in revision 0002."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.models.base import Base, TimestampMixin, UTCDateTime, VersionMixin


class OfficeSettings(TimestampMixin, VersionMixin, Base):
    __tablename__ = "office_settings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False, default=1)
    office_name: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    # 机关代字 series, e.g. ["某府发", "某府办发", "某府函"]
    code_series: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    default_issuer_mark: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    printer: Mapped[str] = mapped_column(String(128), nullable=False, default="")


class OfficeSeal(Base):
    """The office's seal image (one row, id 1), encrypted at rest (``app.services.documents.seal``):
    SM4-GCM under a key derived from the office's audit key, never kept as a file. Added in
    revision 0017."""

    __tablename__ = "office_seal"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False, default=1)
    alg: Mapped[str] = mapped_column(String(32), nullable=False)  # "sm4-gcm"
    key_id: Mapped[str] = mapped_column(String(32), nullable=False)  # the audit key's id
    nonce: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)  # PNG + GCM tag
    digest: Mapped[str] = mapped_column(String(64), nullable=False)  # SM3 of the PNG
    width: Mapped[int] = mapped_column(Integer, nullable=False)  # pixels
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    transparent: Mapped[bool] = mapped_column(Boolean, nullable=False)
    uploaded_by: Mapped[str] = mapped_column(String(64), nullable=False)  # the name shown
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
