"""One rule for actions a user's roles do not allow: shown to everyone, disabled, saying why.

An action is never hidden from one role and shown to another (a user would not know the program
can do it, nor whom to ask). ``gate(widget, actor, action)`` enables ``widget`` when one of the
actor's roles allows ``action``; otherwise it disables it and puts the reason in its tooltip and
status tip (shown in the window's status line on hover): ``需要“文书”角色``. When the widget is
also enabled or disabled by the page's state (a selection, the record's status), pass that as
``enabled``: the widget is on only when both allow it, and the reason shows only when the role is
what is missing. ``gate_tab`` does the same for a tab. The services refuse on their own; this only
tells the user beforehand.
"""

from __future__ import annotations

from app.domain.security import Action
from app.services.context import Actor
from app.ui.qt import QAction, QTabWidget, QWidget

#: Dynamic property keeping the widget's own tooltip while it shows a reason instead.
_PLAIN_TIP = "govdesk_plain_tooltip"
#: Dynamic property holding the reason the widget is disabled ('' when the role allows it).
REASON = "govdesk_denied_reason"


def denied_reason(actor: Actor | None, action: Action | str) -> str | None:
    """None when ``actor`` may do ``action``, else why not (``需要“文书”角色``)."""
    if actor is None:
        return "请先登录"
    return actor.denied_reason(action)


def gate(widget: QWidget | QAction, actor: Actor | None, action: Action | str,
         enabled: bool = True) -> bool:
    """Enable ``widget`` when ``actor`` may do ``action`` and ``enabled``; when the role lacks the
    permission, disable it with the reason as tooltip and status tip. Returns whether ``actor``
    may do ``action``."""
    reason = denied_reason(actor, action)
    plain = widget.property(_PLAIN_TIP)
    if plain is None:
        plain = widget.toolTip()
        widget.setProperty(_PLAIN_TIP, plain)
    widget.setEnabled(reason is None and enabled)
    widget.setProperty(REASON, reason or "")
    widget.setToolTip(reason or plain)
    widget.setStatusTip(reason or "")
    return reason is None


def refuse(widget: QWidget | QAction, reason: str) -> None:
    """Disable ``widget`` for a rule other than the role (e.g. 三员分立 about the selected
    record), showing ``reason`` the way ``gate`` does; the next ``gate`` call resets it."""
    if widget.property(_PLAIN_TIP) is None:
        widget.setProperty(_PLAIN_TIP, widget.toolTip())
    widget.setEnabled(False)
    widget.setProperty(REASON, reason)
    widget.setToolTip(reason)
    widget.setStatusTip(reason)


def gate_tab(tabs: QTabWidget, page: QWidget, actor: Actor | None, action: Action | str) -> bool:
    """The tab of ``page`` stays in its place for everyone; it is disabled with the reason as
    tooltip when ``actor`` may not do ``action``."""
    reason = denied_reason(actor, action)
    index = tabs.indexOf(page)
    tabs.setTabEnabled(index, reason is None)
    tabs.setTabToolTip(index, reason or "")
    page.setProperty(REASON, reason or "")
    return reason is None
