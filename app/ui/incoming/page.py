"""收文 page: the register (lazy list, red overdue / amber due within 3 working days), filters,
and the acts on the selected item — 登记 (Ctrl+N), 编辑 (Enter), 催办 (Ctrl+U), 办结 (Ctrl+D),
save an attachment. Below the list, the selected item's details and 催办 history.
Every act goes through ``app.services.incoming.book``.
"""

from __future__ import annotations

from html import escape

from app.domain.incoming import URGENCY_LABELS, DueState, Status, Urgency
from app.domain.security import Action, allowed
from app.errors import UserError
from app.services import incoming as svc
from app.services.context import ServiceContext
from app.services.incoming import IncomingDetail, IncomingFilter, IncomingInfo
from app.ui.incoming.dialogs import DoneDialog, IncomingDialog, UrgeDialog
from app.ui.incoming.model import COLUMNS, ID_ROLE, IncomingListModel
from app.ui.kit import FileKind, LatestRead, MessageLine, TaskHandle, ask_save_path, describe
from app.ui.pages import register_page
from app.ui.permissions import gate
from app.ui.qt import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QKeySequence,
    QLabel,
    QLineEdit,
    QPushButton,
    QShortcut,
    QSplitter,
    Qt,
    QTableView,
    QTextBrowser,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.ui.security.scope_dialog import ScopeDialog
from app.ui.sizing import size_columns

_DUE_FILTERS = [("全部时限", None), ("已超期", DueState.OVERDUE), ("即将到期", DueState.DUE_SOON),
                ("未到期", DueState.ON_TRACK), ("无时限", DueState.NONE)]
#: Column widths: ems, or a sample of a long usual value (measured in the table's font).
_WIDTHS: dict[str, float | str] = {
    "reg_no": "收〔2026〕12345号", "received_at": "2026-12-31 23:59", "sender": 7,
    "sender_ref": "应急函〔2026〕12号", "classification": 3, "urgency": 3.5, "handler": 7,
    "deadline": "2026-12-31（5个工作日）", "status": "办理中·即将到期", "urges": 2.5}
_STATUS_FILTERS = [("办理中", Status.OPEN), ("已办结", Status.DONE), ("全部状态", None)]


class IncomingPage(QWidget):
    detail_shown = Signal(int)  # the detail of this 收文 is read (in the worker) and shown

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        assert ctx.actor is not None
        self.can_write = allowed(ctx.actor.roles, Action.REGISTER_INCOMING)
        self.detail: IncomingDetail | None = None
        #: the selected item's detail, read in the worker; only the newest selection's is shown
        self.detail_reads = LatestRead(self, on_error=lambda exc: self.info_view.setPlainText(
            describe(exc)))
        self._quiet = False
        self.dialog: QWidget | None = None
        self._select_after: int | None = None  # select this record when the list has loaded
        self._reveal: int | None = None  # show this record's detail even if it is not listed

        self.summary = QLabel()
        self.summary.setObjectName("dueSummary")
        self.text = QLineEdit()
        self.text.setPlaceholderText("筛选：标题、来文单位、字号、承办…")
        self.text.setClearButtonEnabled(True)
        self.status = QComboBox()
        for label, value in _STATUS_FILTERS:
            self.status.addItem(label, value)
        self.due = QComboBox()
        for label, value in _DUE_FILTERS:
            self.due.addItem(label, value)
        self.urgency = QComboBox()
        self.urgency.addItem("全部紧急程度", None)
        for u in Urgency:
            self.urgency.addItem(URGENCY_LABELS[u], u)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.apply_filter)
        self.text.textChanged.connect(self._debounce.start)
        for combo in (self.status, self.due, self.urgency):
            combo.currentIndexChanged.connect(self.apply_filter)

        self.register_button = QPushButton("登记收文(&N)")
        self.edit_button = QPushButton("编辑(&E)")
        self.urge_button = QPushButton("催办(&U)")
        self.done_button = QPushButton("办结(&D)")
        self.save_button = QPushButton("另存附件(&S)…")
        self.scope_button = QPushButton("知悉范围(&K)…")  # 秘密/机密 only (need_to_know)
        self.scope_button.setEnabled(False)
        self.register_button.clicked.connect(self.register)
        self.edit_button.clicked.connect(self.edit)
        self.urge_button.clicked.connect(self.urge)
        self.done_button.clicked.connect(self.toggle_done)
        self.save_button.clicked.connect(self.save_attachment)
        self.scope_button.clicked.connect(self.edit_scope)
        for b in (self.register_button, self.edit_button, self.urge_button, self.done_button):
            gate(b, ctx.actor, Action.REGISTER_INCOMING, b is self.register_button)

        self.model = IncomingListModel(ctx, self)
        self.model.loaded.connect(self._loaded)
        self.model.page_arrived.connect(self._page_arrived)
        self.model.failed.connect(lambda message: self.summary.setText(escape(message)))
        self.table = QTableView()
        self.table.setObjectName("incomingTable")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        # fixed widths (never measure 100 000 rows); the title takes the rest, 12 em at least
        size_columns(self.table, [k for k, _ in COLUMNS], _WIDTHS, stretch="title",
                     stretch_min=12)
        self.table.horizontalHeader().setSortIndicator(1, Qt.SortOrder.DescendingOrder)
        self.table.doubleClicked.connect(lambda _i: self.edit())
        self.table.selectionModel().currentRowChanged.connect(self._show_current)
        self.info_view = QTextBrowser()
        self.info_view.setObjectName("incomingDetail")

        filters = QHBoxLayout()
        filters.addWidget(self.text, 2)
        for w in (self.status, self.due, self.urgency):
            filters.addWidget(w)
        actions = QHBoxLayout()
        for b in (self.register_button, self.edit_button, self.urge_button, self.done_button,
                  self.save_button, self.scope_button):
            actions.addWidget(b)
        actions.addStretch(1)
        actions.addWidget(self.summary)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.info_view)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        self.message = MessageLine(name="incomingMessage")  # what the last act did
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(actions)
        layout.addWidget(split, 1)
        layout.addWidget(self.message)

        for keys, slot in (("Ctrl+N", self.register), ("Ctrl+U", self.urge),
                           ("Ctrl+D", self.toggle_done), ("F5", self.reload),
                           ("Ctrl+F", self.text.setFocus)):
            QShortcut(QKeySequence(keys), self, activated=slot)
        QShortcut(QKeySequence(Qt.Key.Key_Return), self.table, activated=self.edit)
        self.apply_filter()

    # ---- list ---------------------------------------------------------------------------------
    def current_filter(self) -> IncomingFilter:
        return IncomingFilter(status=self.status.currentData(), due=self.due.currentData(),
                              urgency=self.urgency.currentData(), text=self.text.text())

    @property
    def busy(self) -> bool:
        """The list or the selected item's detail is being read (in the worker): the rows, the
        summary and the detail follow."""
        return self.model.loading or self.detail_reads.reading

    def apply_filter(self) -> None:
        self._select_after = self._reveal = None
        self.model.set_filter(self.current_filter())

    def reload(self, select_id: int | None = None) -> None:
        """Read the list again (in the worker) and then select ``select_id`` (or the selection)."""
        self._select_after = select_id if select_id is not None else self.selected_id()
        self._reveal = None
        self.model.refresh()

    def _loaded(self) -> None:
        self._after_reload(self._select_after)
        target, self._reveal = self._reveal, None
        if target is not None and self.selected_id() != target:
            # further down the list (or filtered out by clearance-free defaults): show its
            # detail without selecting a row
            self.table.clearSelection()
            self._read_detail(target)

    def _page_arrived(self, number: int) -> None:
        """A row clicked while its page was still being read shows its detail when it comes."""
        idx = self.table.currentIndex()
        if idx.isValid() and idx.row() // self.model.cache.page_size == number \
                and (self.detail is None or self.detail.info.id != self.selected_id()):
            self._show_current()

    def _after_reload(self, select_id: int | None = None) -> None:
        counts = self.model.due_counts or dict.fromkeys(DueState, 0)
        self.summary.setText(
            f"<span style='color:#a40000'>已超期 {counts[DueState.OVERDUE]} 件</span>　"
            f"<span style='color:#7a4a00'>3个工作日内到期 {counts[DueState.DUE_SOON]} 件</span>"
            f"　共 {self.model.total} 件")
        row = self.model.row_of(select_id) if select_id is not None else -1
        if row < 0 and self.model.total:
            row = 0
        if row >= 0:
            self._quiet = True  # one detail read (and one audited view), not two
            try:
                self.table.selectRow(row)
            finally:
                self._quiet = False
        self._show_current()

    def selected_id(self) -> int | None:
        idx = self.table.currentIndex()
        return self.model.data(idx, ID_ROLE) if idx.isValid() else None

    def selected(self) -> IncomingInfo | None:
        idx = self.table.currentIndex()
        return self.model.row(idx.row()) if idx.isValid() else None

    def open_record(self, incoming_id: int) -> None:
        """Show ``incoming_id`` (from the global search): clear filters that would hide it."""
        for w in (self.text, self.status, self.due, self.urgency):
            w.blockSignals(True)  # one reload below, not four
        try:
            self.text.clear()
            self.status.setCurrentIndex(self.status.findText("全部状态"))
            self.due.setCurrentIndex(0)
            self.urgency.setCurrentIndex(0)
        finally:
            for w in (self.text, self.status, self.due, self.urgency):
                w.blockSignals(False)
        self._debounce.stop()
        self.model.set_filter(self.current_filter())
        self._select_after = self._reveal = incoming_id  # when the list (read in the worker) is in

    # ---- detail -------------------------------------------------------------------------------
    def _show_current(self, *_args: object) -> None:
        if self._quiet:
            return
        info = self.selected()
        for b in (self.edit_button, self.urge_button, self.done_button):
            gate(b, self.ctx.actor, Action.REGISTER_INCOMING, info is not None)
        self.save_button.setEnabled(info is not None)
        self.scope_button.setEnabled(info is not None and info.classification >= 2)
        if info is None:
            self.detail = None
            self.detail_reads.supersede()
            self.info_view.clear()
            return
        self.done_button.setText("重新办理(&D)" if info.status == Status.DONE else "办结(&D)")
        gate(self.urge_button, self.ctx.actor, Action.REGISTER_INCOMING, info.status == Status.OPEN)
        self._read_detail(info.id)

    def _read_detail(self, incoming_id: int) -> TaskHandle:
        """Read the item's detail (and audit the view) in the worker; shown when it comes, if
        the item is still the one wanted — moving through the list with ↓ never waits for it."""
        self.save_button.setEnabled(False)
        if self.detail is None or self.detail.info.id != incoming_id:
            self.detail = None
            self.info_view.setPlainText("正在读取…")
        ctx = self.ctx

        def arrived(detail: IncomingDetail) -> None:
            self.detail = detail
            self.save_button.setEnabled(bool(detail.attachments))
            self.info_view.setHtml(_detail_html(detail))
            self.detail_shown.emit(incoming_id)

        return self.detail_reads.start(lambda: svc.get(ctx, incoming_id), arrived)

    # ---- acts ---------------------------------------------------------------------------------
    # Every dialog is window-modal and opened with ``open()`` (no nested event loop): the page
    # keeps a reference in ``self.dialog`` and acts when the dialog says it is done.
    def _open(self, dialog: QWidget) -> QWidget:
        self.dialog = dialog
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.open()
        return dialog

    def edit_scope(self) -> None:
        """The 知悉范围 of the selected 秘密/机密 收文 (the service decides who may change it)."""
        info = self.selected()
        if info is not None and info.classification >= 2:
            self._open(ScopeDialog(self.ctx, "incoming", info.id, self))

    def register(self) -> QWidget | None:
        if not self.can_write:
            return None
        dialog = IncomingDialog(self.ctx, None, self)
        dialog.accepted.connect(
            lambda: dialog.result_info is not None and self.reload(dialog.result_info.id))
        return self._open(dialog)

    def edit(self) -> QWidget | None:
        if not self.can_write or self.detail is None:
            return None
        item_id = self.detail.info.id
        dialog = IncomingDialog(self.ctx, self.detail, self)
        dialog.accepted.connect(lambda: self.reload(item_id))
        return self._open(dialog)

    def urge(self) -> QWidget | None:
        info = self.selected()
        if not self.can_write or info is None or info.status != Status.OPEN:
            return None
        dialog = UrgeDialog(self.ctx, info, self)
        dialog.accepted.connect(lambda: self.reload(info.id))
        return self._open(dialog)

    def toggle_done(self) -> QWidget | None:
        info = self.selected()
        if not self.can_write or info is None:
            return None
        if info.status == Status.OPEN:
            dialog = DoneDialog(self.ctx, info, self)
            dialog.accepted.connect(lambda: self.reload(info.id))
            return self._open(dialog)
        try:
            svc.set_done(self.ctx, info.id, False, expected_version=info.version)
        except UserError as exc:
            self.message.error(exc)
            return None
        self.message.ok(f"“{info.title}”已改为办理中。")
        self.reload(info.id)
        return None

    def save_attachment(self) -> QWidget | None:
        """Pick the attachment (when there are several), then the target file; both steps are
        non-blocking dialogs."""
        if self.detail is None or not self.detail.attachments:
            return None
        attachments = self.detail.attachments
        if len(attachments) == 1:
            return self._ask_target(attachments[0])
        names = [a.filename for a in attachments]
        pick = QInputDialog(self)
        pick.setWindowTitle("另存附件")
        pick.setLabelText("选择附件：")
        pick.setComboBoxItems(names)
        pick.setComboBoxEditable(False)
        pick.setOkButtonText("下一步")
        pick.setCancelButtonText("取消")
        pick.textValueSelected.connect(lambda name: self._ask_target(attachments[names.index(name)]))
        return self._open(pick)

    def _ask_target(self, att) -> QWidget:  # type: ignore[no-untyped-def]
        self.dialog = ask_save_path(self, FileKind.ATTACHMENTS, "另存附件",
                                    lambda dest: self.write_attachment(att.id, dest),
                                    name=att.filename)
        return self.dialog

    def write_attachment(self, attachment_id: int, dest: str) -> bool:
        try:
            svc.save_attachment(self.ctx, attachment_id, dest)
        except UserError as exc:
            self.message.error(f"无法保存附件：{describe(exc)}")
            return False
        self.message.ok(f"附件已保存：{dest}")
        return True


def _detail_html(d: IncomingDetail) -> str:
    i = d.info
    rows = [
        ("收文编号", i.reg_no), ("来文单位", i.sender), ("来文字号", i.sender_ref or "—"),
        ("收文时间", i.received_at.astimezone().strftime("%Y-%m-%d %H:%M")),
        ("密级", i.classification_label), ("紧急程度", i.urgency.label), ("页数", str(i.pages)),
        ("承办", " ".join(x for x in (i.handler_unit, i.handler_person) if x) or "—"),
        ("办理时限", f"{i.deadline:%Y-%m-%d}（{i.due.label}）" if i.deadline else "无"),
        ("状态", i.status.label + (f"：{i.done_note}" if i.done_note else "")),
        ("拟办意见", i.proposal or "—"), ("领导批示", i.instruction or "—"),
        ("内容摘要", i.summary or "—"),
        ("附件", "、".join(f"{a.filename}" for a in d.attachments) or "无"),
        ("登记人", i.registered_by or "—"),
    ]
    html = [f"<h3>{escape(i.title)}</h3><table cellspacing=4>"]
    html += [f"<tr><td><b>{k}</b></td><td>{escape(v)}</td></tr>" for k, v in rows]
    html.append("</table>")
    if d.urges:
        html.append("<p><b>催办记录</b></p><ol>")
        html += [f"<li>{u.urged_at.astimezone():%Y-%m-%d %H:%M} {escape(u.urged_by)} "
                 f"{u.method.label}催办 {escape(u.target)}"
                 f"{'：' + escape(u.note) if u.note else ''}</li>" for u in d.urges]
        html.append("</ol>")
    return "".join(html)


register_page("incoming", lambda ctx, parent: IncomingPage(ctx, parent), title="收文")
