"""Names, not logins: who a stored user name stands for.

Records keep the login (``users.username``) where they must identify an account for good (the
发文字号 register's 经办人, document versions, the audit log); what a person reads is their name
(``users.display_name``). ``Names`` reads every account's name once (an office has tens of
accounts, not thousands) and answers each login: the name, or the login itself when the account
has no name or no longer exists (a name typed at a failed sign-in), ``系统`` for the program.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from app.services.context import SYSTEM
from app.storage.models import User


class Names:
    def __init__(self, s: Session) -> None:
        self._names = {u: n.strip() for u, n in s.execute(select(User.username,
                                                                  User.display_name))}
        self._names.setdefault(SYSTEM.username, SYSTEM.display_name)

    def name(self, login: str) -> str:
        """``陈刚`` for ``chengang``; the login when there is no name to show."""
        return self._names.get(login) or login

    def name_and_login(self, login: str) -> str:
        """``陈刚（chengang）`` where the account matters (the audit log); the login alone when
        it has no other name, ``系统`` for the program, and nothing for no one."""
        name = self.name(login)
        if login == SYSTEM.username and name == SYSTEM.display_name:
            return name
        return f"{name}（{login}）" if login and name != login else login


def matches_person(column: ColumnElement[str] | InstrumentedAttribute[str], text: str
                   ) -> ColumnElement[bool]:
    """A filter on a column holding logins: part of the login, or part of the person's name
    (searching the audit log for 陈刚 finds chengang's events)."""
    text = text.strip()
    by_name = select(User.username).where(User.display_name.contains(text, autoescape=True))
    return or_(column.contains(text, autoescape=True), column.in_(by_name))
