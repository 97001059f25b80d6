"""``visible()`` puts the clearance filter into the SQL: counts and paging are right."""

from __future__ import annotations

from sqlalchemy import String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from app.domain.security import Clearance, Role
from app.services.context import Actor, ServiceContext, visible
from app.storage.models import ClassifiedMixin, IdMixin


class _Base(DeclarativeBase):
    pass


class Paper(IdMixin, ClassifiedMixin, _Base):
    __tablename__ = "test_papers"
    title: Mapped[str] = mapped_column(String(32))


def test_visible_filters_in_sql(engine):
    _Base.metadata.create_all(engine)
    with Session(engine) as s, s.begin():
        for level in (0, 0, 1, 2, 3):
            s.add(Paper(title=f"L{level}", classification=level))
    reader = Actor(7, "r", Role.READER, Clearance.INTERNAL)
    stmt = visible(select(Paper.title).order_by(Paper.id), Paper, reader)
    assert "classification" in str(stmt)
    with Session(engine) as s:
        assert s.execute(stmt).scalars().all() == ["L0", "L0", "L1"]
        count = visible(select(func.count()).select_from(Paper), Paper, reader)
        assert s.execute(count).scalar_one() == 3
        top = Actor(8, "t", Role.LEADER, Clearance.CONFIDENTIAL)
        assert s.execute(visible(select(Paper), Paper, top)).scalars().all().__len__() == 5
    _Base.metadata.drop_all(engine)


def test_require_checks_role(engine):
    import pytest

    from app.errors import PermissionDenied

    ctx = ServiceContext(engine, Actor(1, "d", Role.DUTY, Clearance.PUBLIC))
    assert ctx.require("edit_duty_log").username == "d"
    with pytest.raises(PermissionDenied):
        ctx.require("sign")
