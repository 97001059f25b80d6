"""The page registry: how each area puts its page into the main window's navigation.

The areas are declared here in navigation order, each with the module that builds its page. The
module is imported on the area's first visit, not at start-up: the window (and its first page)
comes up without loading the roster solver, the PDF preview, the template editor and the rest.
When imported, the module registers its factory::

    register_page("documents", factory)   # factory(ctx, parent) -> QWidget

Every area has a module that registers its factory (``factory_for`` raises for one that does
not: a programming error, caught by the main-window tests). ``required`` (an ``Action``) is what the page needs: every user sees
every entry in the same place, and an entry the user's roles do not allow is disabled with the
reason (``denied_reason``: 需要“管理员”角色) — the services still refuse on their own. It is
declared here, so the navigation is known without importing any page.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from app.domain.security import Action
from app.services.context import Actor, ServiceContext
from app.ui.qt import QWidget

PageFactory = Callable[[ServiceContext, QWidget], QWidget]

#: Held while a page is built on the GUI thread (its module and what it imports) and while the
#: main window's background warm-up imports one module. Two threads importing the same package
#: for the first time at once can each take one module's import lock and wait for the other's
#: (Python then raises ``_DeadlockError`` in one of them); taken before any import, this lock
#: makes the page's imports and the warm-up's take turns instead.
IMPORT_GATE = threading.RLock()


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    factory: PageFactory | None = None
    required: Action | None = None
    #: The module that registers this page's factory when imported (on first visit).
    module: str | None = None
    #: Other actions any of which also opens the page (its tabs are gated one by one): the
    #: 安全审计 page holds the 系统管理员's security settings and the 安全保密管理员's policy too.
    any_of: tuple[Action, ...] = ()
    #: Modules below the interface (services, typesetting, templating; never Qt) that the first
    #: visit imports: the main window imports them in the background once it is up
    #: (``MainWindow.warm_up``), so opening the page does not hold the GUI thread for them.
    warm: tuple[str, ...] = ()


_AREAS: list[PageSpec] = [
    # shown after login: its warm modules are imported before it is built (``MainWindow``)
    PageSpec("workbench", "工作台", module="app.ui.workbench.page",
             warm=("app.services.workbench.items", "app.services.output.paper",
                   "app.services.holidays.tables", "app.services.incidents.reports",
                   "app.services.search.index", "app.services.duty.roster",
                   "app.services.documents.numbers", "app.services.people",
                   "app.domain.holiday_notice", "app.services.documents.drafts",
                   "app.services.duty.desk", "app.services.incoming.book",
                   "app.services.minutes.meetings")),
    PageSpec("documents", "公文", required=Action.VIEW, module="app.ui.documents.page"),
    PageSpec("incoming", "收文", module="app.ui.incoming.page"),
    PageSpec("minutes", "会议纪要", module="app.ui.minutes.page",
             warm=("app.services.output.path", "app.typeset.notices")),
    PageSpec("duty", "值班", module="app.ui.duty.page", warm=("app.services.duty_publish",)),
    PageSpec("incidents", "突发事件", module="app.ui.incidents.page"),
    PageSpec("templates", "模板", required=Action.MANAGE_TEMPLATES,
             module="app.ui.templates.page",
             warm=("app.services.templates.library", "app.templating.library",
                   "app.templating.wordform")),
    PageSpec("admin", "系统管理", required=Action.VIEW_USERS, module="app.ui.admin.page",
             warm=("app.services.accounts.users", "app.services.documents.seal",
                   "app.services.office.settings")),
    PageSpec("security", "安全审计", required=Action.VIEW_AUDIT, module="app.ui.security.page",
             any_of=(Action.MANAGE_SETTINGS, Action.MANAGE_POLICY),
             warm=("app.services.accounts.security", "app.services.audit_review.review",
                   "app.domain.audit_wording")),
    PageSpec("calendar", "节假日安排", required=Action.MANAGE_SETTINGS,
             module="app.ui.calendar.page"),
]

#: Every page module (for tools that want them all loaded, e.g. the installer's hidden imports).
PAGE_MODULES: list[str] = [s.module for s in _AREAS if s.module]


def register_page(key: str, factory: PageFactory, *, title: str | None = None,
                  required: Action | None = None) -> None:
    """Give area ``key`` its page factory (new keys are appended to the navigation)."""
    for i, spec in enumerate(_AREAS):
        if spec.key == key:
            _AREAS[i] = replace(spec, factory=factory, title=title or spec.title,
                                required=required or spec.required)
            return
    _AREAS.append(PageSpec(key, title or key, factory, required))


def pages_for(actor: Actor) -> list[PageSpec]:
    """The navigation entries, in order (imports nothing): the same for every user; see
    ``denied_reason`` for the ones ``actor`` may not open."""
    return list(_AREAS)


def denied_reason(actor: Actor, spec: PageSpec) -> str | None:
    """None when ``actor`` may open page ``spec``, else why not (需要“管理员”角色)."""
    if spec.required is None or any(actor.may(a) for a in spec.any_of):
        return None
    return actor.denied_reason(spec.required)


def factory_for(key: str) -> PageFactory:
    """The factory of page ``key``, importing its module on first use. Every area has one: a key
    that is not declared, or a module that registers nothing, is a programming error."""
    spec = next((s for s in _AREAS if s.key == key), None)
    if spec is None:
        raise LookupError(f"no page area {key!r}")
    if spec.factory is None and spec.module:
        importlib.import_module(spec.module)
        spec = next(s for s in _AREAS if s.key == key)
    if spec.factory is None:
        raise LookupError(f"page module of {key!r} registered no factory")
    return spec.factory
