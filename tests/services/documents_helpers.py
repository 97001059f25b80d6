"""Shared set-up for the 公文 service tests: people of each role, and a valid description."""

from __future__ import annotations

import functools

from sqlalchemy.orm import Session

from app.domain.security import Clearance, Role
from app.services.accounts import users as accounts
from app.services.context import Actor, ServiceContext
from app.storage.models import User, UserRole

PASSWORD = "Pass-word-123"


@functools.cache
def _hash() -> str:
    return accounts.hash_password(PASSWORD)


def person(ctx: ServiceContext, username: str, role: Role, clearance: Clearance,
           name: str = "") -> ServiceContext:
    """A ServiceContext acting as a new user. The account row is inserted directly with one
    cached password hash: argon2 per user per test made the set-up take seconds."""
    with Session(ctx.engine) as s, s.begin():
        user = User(username=username, display_name=name or username, password_hash=_hash(),
                    role_code=role.value, clearance_level=int(clearance), active=True,
                    failed_logins=0, must_change_password=False)
        s.add(user)
        s.flush()
        uid = user.id
        s.add(UserRole(user_id=uid, role_code=role.value))
    return ctx.with_actor(Actor(uid, username, role, clearance, name or username))


def people(ctx: ServiceContext) -> dict[str, ServiceContext]:
    return {
        "clerk": person(ctx, "wenshu", Role.CLERK, Clearance.CONFIDENTIAL, "王文书"),
        "leader": person(ctx, "lingdao", Role.LEADER, Clearance.CONFIDENTIAL, "李领导"),
        "reader": person(ctx, "duzhe", Role.READER, Clearance.PUBLIC, "赵读者"),
        "low": person(ctx, "neibu", Role.CLERK, Clearance.INTERNAL, "钱内部"),
    }


def notice(title: str = "临江市人民政府办公室关于做好春节期间值班工作的通知", **extra) -> dict:
    desc = {
        "issuer_mark": "临江市人民政府办公室文件",
        "title": title,
        "to": "各区人民政府，市政府各部门：",
        "body": "为做好春节期间值班工作，现就有关事项通知如下。\n一、加强值班力量\n"
                "各单位要安排领导带班。\n二、及时报告信息\n发生突发事件要及时报告。",
        "issuer": "临江市人民政府办公室",
        "date": "2026-01-20",
        "sealed": True,
    }
    desc.update(extra)
    return desc
