"""Tabs whose content is built the first time it is needed.

A page's first visit builds what it shows, not every tab behind it: the 值班 page's first visit
built four tabs of forms (≈ 90 widgets) for the one the user sees, and its GUI-thread time was the
longest stall of the main window (``benchmarks/bench_stall.py``, issue 30). A ``LazyTab`` takes
the tab's place in the ``QTabWidget`` (its title, its enabled state and the reason it is
disabled stay where they were, for everyone) and builds its content when the tab is first shown
or when code asks for it (``content()``)::

    self.log_place = add_lazy_tab(self.tabs, "值班记录", lambda: LogTab(ctx, self))
    ...
    @property
    def log(self) -> LogTab:
        return self.log_place.content()

``tab_content(tabs.currentWidget())`` is what a tab-changed handler acts on; ``index_of`` and
``show_tab`` find a tab by its content as well as by its place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from app.ui.qt import QLabel, Qt, QTabWidget, QVBoxLayout, QWidget

W = TypeVar("W", bound=QWidget)


class LazyTab(QWidget, Generic[W]):
    """A tab's (or a panel's) place; ``content()`` builds (once) and returns what it holds.

    By default the content is built when the place is first shown. With ``when_shown=False``
    it waits for ``content()`` (a view that has nothing to show until the user acts), showing
    ``placeholder`` meanwhile."""

    def __init__(self, build: Callable[[], W], parent: QWidget | None = None, *,
                 when_shown: bool = True, placeholder: str = "") -> None:
        super().__init__(parent)
        self._build = build
        self._content: W | None = None
        self._when_shown = when_shown
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._placeholder: QLabel | None = None
        if placeholder:
            self._placeholder = QLabel(placeholder)
            self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._placeholder.setWordWrap(True)
            layout.addWidget(self._placeholder)

    @property
    def is_built(self) -> bool:
        return self._content is not None

    def content(self) -> W:
        if self._content is None:
            content = self._build()
            self._content = content
            if self._placeholder is not None:
                self._placeholder.hide()
            self.layout().addWidget(content)
            content.show()  # now, not queued (as a layout shows a child added to a shown parent)
        return self._content

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self._when_shown:
            self.content()
        super().showEvent(event)


def add_lazy_tab(tabs: QTabWidget, title: str, build: Callable[[], W]) -> LazyTab[W]:
    """Append a tab titled ``title`` whose content ``build()`` makes on first need."""
    place: LazyTab[W] = LazyTab(build)
    tabs.addTab(place, title)
    return place


def tab_content(widget: QWidget | None) -> QWidget | None:
    """What a tab shows: a lazy tab's content (built now if it was not), else the widget."""
    return widget.content() if isinstance(widget, LazyTab) else widget


def index_of(tabs: QTabWidget, widget: QWidget) -> int:
    """The index of the tab that is ``widget`` or holds it as a lazy tab's content; -1 if none."""
    index = tabs.indexOf(widget)
    if index >= 0:
        return index
    for i in range(tabs.count()):
        place = tabs.widget(i)
        if isinstance(place, LazyTab) and place._content is widget:
            return i
    return -1


def show_tab(tabs: QTabWidget, widget: QWidget) -> None:
    """Choose the tab that is ``widget`` or holds it."""
    index = index_of(tabs, widget)
    if index >= 0:
        tabs.setCurrentIndex(index)
