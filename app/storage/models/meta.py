"""Key/value facts about the database itself, e.g. ``schema_version`` (an integer each migration
raises) and ``app_version`` (the program that last migrated it) — and small office-wide settings
that need no column of their own (``duty.shift_starts``: the duty shift hours, see
``app.services.duty.roster``); keys are namespaced by module so they never collide."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.models.base import Base


class Meta(Base):
    __tablename__ = "govdesk_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)
