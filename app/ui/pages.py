"""The page registry: how each area puts its page into the main window's navigation.

The six areas are declared here in navigation order. Until an area's module registers a factory,
its page says plainly that the module is not yet available. An area adds its page by listing its
module in ``PAGE_MODULES`` (one line) and calling, at import time::

    register_page("documents", factory)   # factory(ctx, parent) -> QWidget

``required`` (an ``Action``) hides the entry from users whose role may not use it — the services
still refuse on their own; hiding only spares the user a useless page.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, replace

from app.domain.security import Action, allowed
from app.services.context import Actor, ServiceContext
from app.ui.qt import QWidget

PageFactory = Callable[[ServiceContext, QWidget], QWidget]

#: Modules that register pages; each area adds one line.
PAGE_MODULES: list[str] = [
    "app.ui.workbench.page",
    "app.ui.documents.page",
    "app.ui.minutes.page",
    "app.ui.admin.page",
    "app.ui.security.page",
    "app.ui.duty.page",
    "app.ui.incidents.page",
    "app.ui.templates.page",
    "app.ui.incoming.page",
]


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    factory: PageFactory | None = None
    required: Action | None = None


_AREAS: list[PageSpec] = [
    PageSpec("workbench", "工作台"),  # first: the page shown after login
    PageSpec("documents", "公文"),
    PageSpec("incoming", "收文"),
    PageSpec("minutes", "会议纪要"),
    PageSpec("duty", "值班"),
    PageSpec("incidents", "突发事件"),
    PageSpec("templates", "模板"),
    PageSpec("admin", "系统管理", required=Action.MANAGE_USERS),
]
_loaded = False


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
    """The pages ``actor`` sees, in navigation order (imports ``PAGE_MODULES`` once)."""
    global _loaded
    if not _loaded:
        for name in PAGE_MODULES:
            importlib.import_module(name)
        _loaded = True
    return [p for p in _AREAS if p.required is None or allowed(actor.role, p.required)]
