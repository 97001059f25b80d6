"""知悉范围 (need to know) of classified records (revision 0021).

One row per user or unit a 秘密/机密 record's scope names: ``kind`` is the record's object type
(``document``, ``incoming``, ``meeting``, ``incident``, ``duty_log``; the same words the audit
log and the search index use) and ``record_id`` its id. A record with no rows has no scope (its
clearance alone decides). ``basis``: ``user``/``unit`` as chosen, ``owner`` for the record's
creator, who stays inside. The visibility rule is ``app.services.need_to_know``.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.models.base import Base, IdMixin


class RecordScope(IdMixin, Base):
    __tablename__ = "record_scopes"
    __table_args__ = (Index("ix_record_scopes_kind_record", "kind", "record_id"),)

    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    record_id: Mapped[int] = mapped_column(Integer, nullable=False)
    basis: Mapped[str] = mapped_column(String(8), nullable=False, default="user",
                                       server_default="user")
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True)
    unit: Mapped[str] = mapped_column(String(128), nullable=False, default="", server_default="")
