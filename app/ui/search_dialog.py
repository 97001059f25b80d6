"""Global search (Ctrl+K): type, the hits appear grouped by kind (公文, 收文, 纪要, …) with the
matches highlighted; ↑/↓ move through them without leaving the text box, Enter opens the selected
one (``open_requested(kind, record_id)``), Esc closes.

Searching runs in the background (``app.ui.kit.worker.run_task``), debounced while typing; answers to
an older text are dropped, so a slow query never overwrites the results of a newer one.

A broad query's best 50 hits can all be of one kind (a word in every duty log of the last years
fills them): then a second background pass asks each other area for its best few
(``PER_GROUP``); their groups are added below the first page's, which keep their best
``FIRST_GROUP_CAP`` so that every group is in reach of a few ↓ presses.

The first page's counts are exact unless the query is broad (its window of newest hits was
full): then the true counts per kind (``search.count_hits``) are asked for in the background
and replace them when they come — "至少 N" where a kind was counted only up to a cap — so typing
never waits for counting.
"""

from __future__ import annotations

from dataclasses import replace

from app.services import search
from app.services.context import ServiceContext
from app.services.search import HitCounts, SearchHit, SearchResults
from app.ui.kit import MessageLine, TaskHandle, run_task
from app.ui.qt import (
    QAbstractTextDocumentLayout,
    QDialog,
    QEvent,
    QKeyEvent,
    QLineEdit,
    QModelIndex,
    QObject,
    QPainter,
    QPalette,
    QSize,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    Qt,
    QTextDocument,
    QTimer,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)

HIT_ROLE = Qt.ItemDataRole.UserRole + 1
HTML_ROLE = Qt.ItemDataRole.UserRole + 2  # a hit's text with its matches marked (rich text)
MARGIN = 4  # around a hit's text, px
SNIPPET_GREY = "#555"
DEBOUNCE_MS = 180
PER_GROUP = 5  # hits asked of each area the first page left out
FIRST_GROUP_CAP = 10  # then the first page's groups keep their best 10, so all fit in view
#: The page (area key of ``app.ui.pages``) that shows each kind of hit.
KIND_PAGES = {"document": "documents", "incoming": "incoming", "minutes": "minutes",
              "meeting": "minutes",
              "decision": "minutes", "duty_log": "duty", "incident": "incidents",
              "template": "templates"}
#: Kinds whose record id is what their page's ``open_record`` takes.
PRIMARY_KINDS = {"document", "incoming", "minutes", "meeting", "duty_log", "incident", "template"}
#: Display order of the groups (other kinds follow in the order they come).
GROUP_ORDER = ["document", "incoming", "minutes", "meeting", "decision", "duty_log", "incident", "template"]


def hit_html(hit: SearchHit) -> str:
    title = f"<b>{hit.title.html('u')}</b>"
    if hit.snippet.text.strip("… ") in hit.title.text:  # (a 议定事项 is its own title)
        return title
    return f"{title}<br><span style='color:{SNIPPET_GREY}'>{hit.snippet.html('b')}</span>"


class HitDelegate(QStyledItemDelegate):
    """Paints a hit's rich text (``HTML_ROLE``) wrapped to the row's width, and sizes the row by
    it. Only the rows in view are painted, and a row's height is computed once per text and
    width: a widget per hit (as before) cost the GUI thread hundreds of milliseconds for each
    page of hits at full scale (``benchmarks/bench_stall.py``)."""

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self.tree = tree
        self._heights: dict[tuple[str, int], int] = {}

    def _document(self, html: str, width: int, option: QStyleOptionViewItem) -> QTextDocument:
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        doc.setDefaultFont(option.font)
        doc.setHtml(html)
        doc.setTextWidth(max(width, 40))
        return doc

    def text_width(self) -> int:
        return max(self.tree.viewport().width() - 2 * self.tree.indentation() - 2 * MARGIN, 40)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        html = index.data(HTML_ROLE)
        if html is None:
            return super().sizeHint(option, index)
        width = self.text_width()
        key = (html, width)
        if key not in self._heights:
            if len(self._heights) > 2000:
                self._heights.clear()
            self._heights[key] = round(self._document(html, width, option).size().height())
        return QSize(width, self._heights[key] + 2 * MARGIN)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        html = index.data(HTML_ROLE)
        if html is None:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else self.tree.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        context = QAbstractTextDocumentLayout.PaintContext()
        if opt.state & QStyle.StateFlag.State_Selected:  # the snippet's grey too: readable
            on = opt.palette.color(QPalette.ColorRole.HighlightedText)
            context.palette.setColor(QPalette.ColorRole.Text, on)
            html = html.replace(f"color:{SNIPPET_GREY}", f"color:{on.name()}")
        doc = self._document(html, opt.rect.width() - 2 * MARGIN, opt)
        painter.save()
        painter.translate(opt.rect.left() + MARGIN, opt.rect.top() + MARGIN)
        painter.setClipRect(0, 0, opt.rect.width() - MARGIN, opt.rect.height() - MARGIN)
        doc.documentLayout().draw(painter, context)
        painter.restore()


class SearchDialog(QDialog):
    open_requested = Signal(str, int)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("全局搜索")
        self.resize(680, 520)
        self.query = QLineEdit()
        self.query.setObjectName("searchQuery")
        self.query.setPlaceholderText("搜索公文、收文、纪要、值班日志、突发事件…（↑↓ 选择，回车打开）")
        self.query.setClearButtonEnabled(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("searchResults")
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(8)
        self.tree.itemActivated.connect(self._activate)
        self.delegate = HitDelegate(self.tree)
        self.tree.setItemDelegate(self.delegate)
        self.status = MessageLine(name="searchStatus", text="输入关键词开始搜索（一个字也可以）。")
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.status)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._start)
        self.query.textChanged.connect(lambda _t: self._timer.start())
        self.query.installEventFilter(self)
        self._seq = 0
        self._task: TaskHandle | None = None
        self._count_task: TaskHandle | None = None
        self.results: SearchResults | None = None
        self.hit_counts: HitCounts | None = None  # the true counts, once they came
        self._first_kinds: set[str] | None = None  # kinds of the first pass, while it is shown

    # ---- searching ----------------------------------------------------------------------------
    def _start(self) -> None:
        text = self.query.text().strip()
        self._seq += 1
        seq = self._seq
        for task in (self._task, self._count_task):
            if task is not None and not task.finished:
                task.cancel()
        self.hit_counts = None
        if not text:
            self.tree.clear()
            self.results = None
            self.status.setText("输入关键词开始搜索（一个字也可以）。")
            return
        self.status.setText("正在搜索…")
        self._task = run_task(
            lambda control, q: search.search(self.ctx, q), text, parent=self,
            on_result=lambda res, s=seq: self._first_page(s, res),
            on_error=lambda exc, s=seq: self._failed(s, exc))

    def _first_page(self, seq: int, res: SearchResults) -> None:
        self._first_kinds = None
        self._show(seq, res)
        self._first_kinds = {h.kind for h in res.hits}
        if seq == self._seq and not res.counts_exact:
            ctx = self.ctx
            self._count_task = run_task(
                lambda control, q: search.count_hits(ctx, q), res.query, parent=self,
                on_result=lambda counts, s=seq: self._counted(s, counts),
                on_error=lambda exc, s=seq: self._failed(s, exc))
        missing = [k for k in GROUP_ORDER if k not in {h.kind for h in res.hits}]
        if seq != self._seq or len(res.hits) >= res.total or not missing or not res.hits:
            return  # everything is shown (or the text changed)
        ctx, text = self.ctx, res.query

        def other_areas(control) -> SearchResults:  # type: ignore[no-untyped-def]
            kept: dict[str, int] = {}
            hits, counts = [], dict(res.counts)
            for h in res.hits:
                kept[h.kind] = kept.get(h.kind, 0) + 1
                if kept[h.kind] <= FIRST_GROUP_CAP:
                    hits.append(h)
            found = False
            for kind in missing:
                control.check()  # the user typed on: stop asking
                more = search.search(ctx, text, kinds=[kind], limit=PER_GROUP)
                if more.hits:
                    found = True
                    hits += more.hits
                    counts[kind] = max(counts.get(kind, 0), more.total)
            return replace(res, hits=hits, counts=counts) if found else res

        self._task = run_task(other_areas, parent=self,
                              on_result=lambda more, s=seq: self._show(s, more),
                              on_error=lambda exc, s=seq: self._failed(s, exc))

    def _counted(self, seq: int, counts: HitCounts) -> None:
        if seq != self._seq or self.results is None:
            return
        self.hit_counts = counts
        self._relabel(self.results)

    def _count_label(self, res: SearchResults, kind: str, shown: int) -> str:
        if self.hit_counts is not None:
            return self.hit_counts.label(kind)
        n = res.counts.get(kind, shown)
        return str(n) if res.counts_exact else f"至少 {n}"

    def _failed(self, seq: int, exc: BaseException) -> None:
        if seq == self._seq:
            self.status.error(exc)

    def _show(self, seq: int, res: SearchResults) -> None:
        if seq != self._seq:
            return  # an answer to text the user has since changed
        keep = self.current_hit()  # the second pass must not move the user's selection
        self.results = res
        self.tree.clear()

        groups = res.grouped()
        kinds = [k for k in GROUP_ORDER if k in groups] + [k for k in groups
                                                           if k not in GROUP_ORDER]
        if self._first_kinds is not None:  # the second pass: its groups go below the first's
            kinds.sort(key=lambda k: k not in self._first_kinds)
        first: QTreeWidgetItem | None = None
        heads = []
        for kind in kinds:
            hits = groups[kind]
            head = QTreeWidgetItem([""])
            head.setData(0, HIT_ROLE, None)
            head.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = head.font(0)
            font.setBold(True)
            head.setFont(0, font)
            for hit in hits:
                item = QTreeWidgetItem(head)
                item.setData(0, HIT_ROLE, (hit.kind, hit.record_id))
                item.setData(0, HTML_ROLE, hit_html(hit))
                item.setText(0, hit.title.text)  # (not painted: for screen readers)
                item.setToolTip(0, hit.title.text)
                if (hit.kind, hit.record_id) == keep:
                    first = item
                first = first or item
            heads.append(head)
        self.tree.addTopLevelItems(heads)  # one insertion, not one per group
        for head in heads:
            head.setExpanded(True)
        self._relabel(res)
        if first is not None:
            self.tree.setCurrentItem(first)

    def _relabel(self, res: SearchResults) -> None:
        """The group headers' counts and the status line (again when the true counts come: the
        hits themselves stay as they are)."""
        groups = res.grouped()
        for i in range(self.tree.topLevelItemCount()):
            head = self.tree.topLevelItem(i)
            if head.childCount():
                kind = head.child(0).data(0, HIT_ROLE)[0]
                hits = groups.get(kind, [])
                label = hits[0].kind_label if hits else kind
                head.setText(0, f"{label}（{self._count_label(res, kind, len(hits))}）")
        if res.total == 0:
            self.status.setText("没有找到匹配的内容（或超出您的知悉范围）。")
        else:
            shown = len(res.hits)
            if self.hit_counts is not None:
                total = self.hit_counts.total_label()
            else:
                total = str(res.total) if res.counts_exact else f"至少 {res.total}"
            counting = "" if res.counts_exact or self.hit_counts is not None else "（正在统计…）"
            self.status.setText(f"共 {total} 条{counting}，显示前 {shown} 条。回车打开，Esc 关闭。")

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        self.tree.doItemsLayout()  # rows are as tall as their text at the new width

    # ---- keyboard -----------------------------------------------------------------------------
    def hit_items(self) -> list[QTreeWidgetItem]:
        out = []
        for i in range(self.tree.topLevelItemCount()):
            head = self.tree.topLevelItem(i)
            out += [head.child(k) for k in range(head.childCount())]
        return out

    def current_hit(self) -> tuple[str, int] | None:
        item = self.tree.currentItem()
        return item.data(0, HIT_ROLE) if item is not None else None

    def move(self, step: int) -> None:
        items = self.hit_items()
        if not items:
            return
        cur = self.tree.currentItem()
        i = items.index(cur) if cur in items else -1
        self.tree.setCurrentItem(items[max(0, min(len(items) - 1, i + step))])

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.query and event.type() == QEvent.Type.KeyPress:
            key = event.key() if isinstance(event, QKeyEvent) else 0
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
                step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: 5,
                        Qt.Key.Key_PageUp: -5}[Qt.Key(key)]
                self.move(step)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self._timer.isActive():  # typed and pressed Enter at once: search first
                    self._timer.stop()
                    self._start()
                    return True
                self._activate(self.tree.currentItem())
                return True
        return super().eventFilter(obj, event)

    def _activate(self, item: QTreeWidgetItem | None, _column: int = 0) -> None:
        if item is None:
            return
        hit = item.data(0, HIT_ROLE)
        if hit is None:
            return
        kind, record_id = hit
        self.open_requested.emit(kind, int(record_id))
        self.accept()


def open_search(window: QWidget, ctx: ServiceContext) -> SearchDialog:
    """Show the search dialog over ``window`` (a MainWindow); Enter on a hit switches to the
    area's page and shows the record when the page offers ``open_search_hit(kind, record_id)``,
    or ``open_record(record_id)`` for the page's own kind (议定事项 live on the 纪要 page but
    are not meetings, so they need the former)."""
    dialog = SearchDialog(ctx, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def go(kind: str, record_id: int) -> None:
        key = KIND_PAGES.get(kind, kind)
        if key not in window.page_keys():  # type: ignore[attr-defined]
            return
        page = window.show_page(key)  # type: ignore[attr-defined]
        by_kind = getattr(page, "open_search_hit", None)
        opener = getattr(page, "open_record", None)
        if callable(by_kind):
            by_kind(kind, record_id)
        elif callable(opener) and kind in PRIMARY_KINDS:
            opener(record_id)

    dialog.open_requested.connect(go)
    dialog.show()
    dialog.query.setFocus()
    return dialog
