"""知悉范围 dialog: who may know one 秘密/机密 record beyond its 密级.

Two check lists — users cleared for the record, and units (those users belong to, plus any
typed in) — and a 理由 field. The reason is asked for only when the change widens the scope
(``need_to_know.is_widening``: someone who could not know the record may know it now, or the
scope is removed); the OK button stays off until it is given. Loading and saving run in the
worker (``run_task``); the service checks permission and writes the audit event, and its
Chinese message is shown in the dialog, which stays open on failure.
"""

from __future__ import annotations

from app.services import need_to_know
from app.services.context import ServiceContext
from app.services.need_to_know import Scope, ScopeUser
from app.ui.kit import MessageLine, TaskHandle, describe, run_task
from app.ui.qt import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)

ID_ROLE = Qt.ItemDataRole.UserRole


class ScopeDialog(QDialog):
    """Set the 知悉范围 of record ``(kind, record_id)``. ``loaded`` fires when the lists are
    filled (or the load failed), ``settled`` when a save attempt ended."""

    loaded = Signal()
    settled = Signal()

    def __init__(self, ctx: ServiceContext, kind: str, record_id: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scopeDialog")
        self.ctx, self.kind, self.record_id = ctx, kind, record_id
        self.scope: Scope | None = None
        self.task: TaskHandle | None = None
        label = need_to_know.KIND_LABELS.get(kind, "记录")
        self.setWindowTitle(f"知悉范围 — {label}")
        self.intro = QLabel("正在读取……")
        self.intro.setWordWrap(True)
        self.users = QListWidget()
        self.users.setObjectName("scopeUsers")
        self.units = QListWidget()
        self.units.setObjectName("scopeUnits")
        self.new_unit = QLineEdit()
        self.new_unit.setPlaceholderText("输入单位名称后按“添加单位”")
        self.new_unit.setMaxLength(need_to_know.MAX_UNIT)
        self.add_unit_button = QPushButton("添加单位(&A)")
        self.reason_label = QLabel("理由(&R)：扩大知悉范围须说明理由，记入审计日志。")
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("scopeReason")
        self.reason.setMaximumHeight(70)
        self.reason_label.setBuddy(self.reason)
        self.message = MessageLine()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                       | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("保存(&S)")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")

        lists = QHBoxLayout()
        left = QVBoxLayout()
        users_label = QLabel("可知悉的人员(&U)：")
        users_label.setBuddy(self.users)
        left.addWidget(users_label)
        left.addWidget(self.users, 1)
        right = QVBoxLayout()
        units_label = QLabel("可知悉的单位(&N)：")
        units_label.setBuddy(self.units)
        right.addWidget(units_label)
        right.addWidget(self.units, 1)
        row = QHBoxLayout()
        row.addWidget(self.new_unit, 1)
        row.addWidget(self.add_unit_button)
        right.addLayout(row)
        lists.addLayout(left, 1)
        lists.addLayout(right, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.intro)
        lay.addLayout(lists, 1)
        lay.addWidget(self.reason_label)
        lay.addWidget(self.reason)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)
        self.resize(620, 460)

        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.add_unit_button.clicked.connect(self.add_unit)
        self.new_unit.returnPressed.connect(self.add_unit)
        self.users.itemChanged.connect(self._update)
        self.units.itemChanged.connect(self._update)
        self.reason.textChanged.connect(self._update)
        self._set_enabled(False)
        self.task = run_task(self._load, on_result=self._loaded, on_error=self._load_failed,
                             parent=self)

    # ---- loading ------------------------------------------------------------------------
    def _load(self, _control):  # type: ignore[no-untyped-def]  # runs in the worker
        scope = need_to_know.get_scope(self.ctx, self.kind, self.record_id)
        reason = need_to_know.may_change(self.ctx, self.kind, self.record_id)
        users, units = need_to_know.candidates(self.ctx, self.kind, self.record_id) \
            if reason is None else ([], [])
        return scope, reason, users, units

    def _loaded(self, result: tuple[Scope, str | None, list[ScopeUser], list[str]]) -> None:
        scope, refused, users, units = result
        self.scope = scope
        chosen = {u.user_id for u in scope.users}
        owners = {u.user_id for u in scope.owners}
        shown = {u.user_id: u for u in users} | {u.user_id: u for u in scope.users}
        self.users.blockSignals(True)
        self.units.blockSignals(True)
        for uid, u in sorted(shown.items(), key=lambda kv: kv[1].username):
            if uid in owners and uid not in chosen:
                continue  # the drafter stays inside without being chosen
            text = u.label + (f" · {u.unit}" if u.unit else "")
            item = QListWidgetItem(text, self.users)
            item.setData(ID_ROLE, uid)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if uid in chosen
                               else Qt.CheckState.Unchecked)
        for name in sorted(set(units) | set(scope.units)):
            self._unit_item(name, name in scope.units)
        self.users.blockSignals(False)
        self.units.blockSignals(False)
        owner_text = "、".join(u.label for u in scope.owners)
        if refused:
            self.intro.setText(refused)
        elif scope.empty:
            self.intro.setText("该记录尚未限定知悉范围：凡密级足够的用户均可知悉。勾选人员或单位即限定为所选范围"
                               + (f"（拟稿人{owner_text}始终可知悉）" if owner_text else "") + "。")
        else:
            self.intro.setText("仅下列人员、单位（及拟稿人、经办人）可知悉该记录。"
                               + (f"拟稿人：{owner_text}。" if owner_text else ""))
        self._set_enabled(refused is None)
        self._update()
        self.loaded.emit()

    def _load_failed(self, exc: BaseException) -> None:
        self.intro.setText(describe(exc))
        self.loaded.emit()

    def _unit_item(self, name: str, checked: bool) -> QListWidgetItem:
        item = QListWidgetItem(name, self.units)
        item.setData(ID_ROLE, name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        return item

    def _set_enabled(self, on: bool) -> None:
        for w in (self.users, self.units, self.new_unit, self.add_unit_button, self.reason):
            w.setEnabled(on)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(on)

    # ---- editing ------------------------------------------------------------------------
    def add_unit(self) -> None:
        name = " ".join(self.new_unit.text().split())
        if not name:
            return
        for i in range(self.units.count()):
            if self.units.item(i).data(ID_ROLE) == name:
                self.units.item(i).setCheckState(Qt.CheckState.Checked)
                break
        else:
            self._unit_item(name, True)
        self.new_unit.clear()
        self._update()

    def chosen_users(self) -> list[int]:
        return [int(self.users.item(i).data(ID_ROLE)) for i in range(self.users.count())
                if self.users.item(i).checkState() == Qt.CheckState.Checked]

    def chosen_units(self) -> list[str]:
        return [str(self.units.item(i).data(ID_ROLE)) for i in range(self.units.count())
                if self.units.item(i).checkState() == Qt.CheckState.Checked]

    def widening(self) -> bool:
        if self.scope is None:
            return False
        return need_to_know.is_widening([u.user_id for u in self.scope.users], self.scope.units,
                                        self.chosen_users(), self.chosen_units())

    def _update(self) -> None:
        widen = self.widening()
        self.reason_label.setVisible(widen)
        self.reason.setVisible(widen)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if self.scope is not None and self.users.isEnabled():
            missing = widen and len(self.reason.toPlainText().strip()) < need_to_know.MIN_REASON
            ok.setEnabled(not missing and not self.busy)
            ok.setToolTip("扩大知悉范围须填写理由。" if missing else "")

    # ---- saving -------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.finished

    def save(self) -> None:
        if self.busy or self.scope is None:
            return
        users, units = self.chosen_users(), self.chosen_units()
        reason = self.reason.toPlainText().strip() if self.widening() else ""
        ctx, kind, rid = self.ctx, self.kind, self.record_id
        self.message.say("正在保存……")
        self._set_enabled(False)
        self.task = run_task(lambda _c: need_to_know.set_scope(ctx, kind, rid, users, units,
                                                               reason),
                             on_result=self._saved, on_error=self._save_failed, parent=self)

    def _saved(self, scope: Scope) -> None:
        self.scope = scope
        self.message.clear()
        self.settled.emit()
        self.accept()

    def _save_failed(self, exc: BaseException) -> None:
        self.message.error(exc)
        self._set_enabled(True)
        self._update()
        self.settled.emit()
