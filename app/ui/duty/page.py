"""The 值班 page (area "duty"): the now-on-duty panel on top, tabs below. Every role sees the same
tabs and buttons in the same places; what the user's roles do not allow is disabled with the
reason (``app.ui.permissions``), and the services refuse it anyway."""

from __future__ import annotations

from app.domain.security import Action
from app.services.context import ServiceContext
from app.ui.duty.handover_tab import HandoverTab
from app.ui.duty.log_tab import LogTab
from app.ui.duty.now_panel import NowOnDutyPanel
from app.ui.duty.roster_tab import RosterTab
from app.ui.duty.staff_tab import StaffTab
from app.ui.kit import add_lazy_tab, tab_content
from app.ui.pages import register_page
from app.ui.permissions import gate, gate_tab
from app.ui.qt import QTabWidget, QVBoxLayout, QWidget

#: How recent a read of the now-on-duty panel a tab change leaves alone (its own timer reads
#: every minute; its 刷新 button at once)
NOW_FRESH_S = 10


class DutyPage(QWidget):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        self.now = NowOnDutyPanel(ctx, self)
        layout.addWidget(self.now)
        self.tabs = QTabWidget()
        self.roster = RosterTab(ctx, self)
        self.tabs.addTab(self.roster, "值班表")
        self.roster.published.connect(self.now.refresh)
        # the tabs behind the first are built when first chosen (``add_lazy_tab``) and read
        # then (``_tab_changed``): a first visit builds and reads the roster and the panel only
        self.staff_place = add_lazy_tab(self.tabs, "人员",
                                        lambda: StaffTab(ctx, self, load=False))
        gate_tab(self.tabs, self.staff_place, ctx.actor, Action.EDIT_ROSTER)
        self.log_place = add_lazy_tab(self.tabs, "值班记录", self._log_tab)
        self.handover_place = add_lazy_tab(self.tabs, "交接班",
                                           lambda: HandoverTab(ctx, self, load=False))
        self.tabs.currentChanged.connect(self._tab_changed)
        layout.addWidget(self.tabs, 1)

    def _log_tab(self) -> LogTab:
        tab = LogTab(self.ctx, self, load=False)  # read by ``_tab_changed``, once
        gate(tab.form_box, self.ctx.actor, Action.EDIT_DUTY_LOG)
        return tab

    @property
    def staff(self) -> StaffTab:
        return self.staff_place.content()

    @property
    def log(self) -> LogTab:
        return self.log_place.content()

    @property
    def handover(self) -> HandoverTab:
        return self.handover_place.content()

    def show_handover(self) -> None:
        self.tabs.setCurrentWidget(self.handover_place)

    def _tab_changed(self, _index: int) -> None:
        """A tab chosen reads again what it shows, in the worker, and so does the now-on-duty
        panel (another desk may have changed it meanwhile) — unless it was read in the last
        ``NOW_FRESH_S`` seconds: going through the tabs, its read ran beside each tab's read and
        first paint (a third thread on two cores: the GUI thread waited for one)."""
        w = tab_content(self.tabs.currentWidget())
        read = getattr(w, "read_in_background", None) or getattr(w, "refresh", None)
        if read is not None:
            read()
        self.now.refresh_if_older(NOW_FRESH_S)


register_page("duty", lambda ctx, parent: DutyPage(ctx, parent), title="值班")
