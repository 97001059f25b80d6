"""Description ``Document`` → pages of positioned elements (GB/T 9704-2012).

The flow keeps every line of text on the 22-line grid of geometry.py. Off-grid elements (the
发文机关标志, the red lines) are placed by their millimetre rules, and the element that follows
"N blank lines" below them goes back to the nearest grid line.

Order of the elements (7.3, 7.4, 5): 版头 → 标题 → 主送 → 正文 → 附件说明 → (纪要 出席…) → 署名/成文日期 →
附注 → 附件 pages → 版记 on the bottom of the last, even page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from itertools import pairwise
from typing import cast

from app.typeset import geometry as g
from app.typeset.fonts import (
    Face,
    FontSet,
    font_set,
    missing_glyph_warning,
    stand_in_warning,
    substitute_glyph_warning,
)
from app.typeset.model import (
    Color,
    Layout,
    Page,
    Rule,
    SealImage,
    SealMark,
    TableLayout,
    TableRowPart,
    TextRun,
    VRule,
)
from app.typeset.spec import Attachment, Block, Document, Paragraph, Table
from app.typeset.text import (
    Cell,
    Line,
    balanced_lines,
    break_paragraph,
    is_full_width,
    widest_unit,
)

Style = tuple[str, float]  # (font role, size)
BODY: Style = ("fangsong", g.BODY_SIZE)
HEADING_ROLES = {1: "heiti", 2: "kaiti", 3: "fangsong", 4: "fangsong"}
ADV = g.CHAR_ADVANCE  # one character of 3号 on the grid
HALF_GAP = (g.LINE_PITCH - g.BODY_SIZE) / 2  # from a line box edge to its em box
TABLE_PAD = 4.0
SHORT_CELL = 8  # characters: a table value up to this wide is never wrapped
CC_LABEL = "抄送："
MOVABLE = {"body", "h1", "h2", "h3", "h4", "attachment_note", "attendance", "attendance_label"}


def _role_size(cell: Cell) -> tuple[str, float]:
    """The (role, size) style every cell of a laid-out page carries (text.py keeps it opaque)."""
    role, size = cast(tuple[str, float], cell.style)
    return role, size


class _Builder:
    def __init__(self, doc: Document, fonts: FontSet, seal: SealImage | None = None) -> None:
        self.doc = doc
        self.fonts = fonts
        self.seal = seal
        self.pages: list[Page] = []
        self.warnings: list[str] = []
        self._warned: set[str] = set()
        self.roles_used: set[str] = set()
        self.line = 0
        self.to_in_record = False  # 主送 moved to the 版记 (7.3.2)
        self.tables: list[TableLayout] = []
        self.print_lines: list[Line] = []  # 印发机关, wrapped (版记)
        self.page = self.new_page()

    # ---- pages and cursor --------------------------------------------------------------------
    def new_page(self, origin: float = g.TEXT_TOP, nlines: int = g.LINES_PER_PAGE) -> Page:
        page = Page(index=len(self.pages), origin=origin, nlines=nlines)
        self.pages.append(page)
        self.page = page
        self.line = 0
        return page

    def ensure_line(self) -> None:
        if self.line >= self.page.nlines:
            self.new_page()

    def line_top(self, i: int | None = None) -> float:
        return self.page.origin + (self.line if i is None else i) * g.LINE_PITCH

    def baseline(self, i: int | None = None, size: float = g.BODY_SIZE) -> float:
        top = self.line_top(i) + (g.BODY_SIZE - size) / 2
        return top + g.ASCENT_RATIO * size

    def blank(self, n: int = 1) -> None:
        """Skip ``n`` blank lines, but never start a continuation page with blank lines."""
        if self.line == 0 and self.page.index > 0:
            return
        self.line += n
        if self.line >= self.page.nlines:
            self.new_page()

    def warn(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            self.warnings.append(message)

    # ---- measuring and emitting text -----------------------------------------------------------
    def measure(self, ch: str, style: Style) -> float:
        role, size = style
        if is_full_width(ch):
            return ADV * size / g.BODY_SIZE
        face = self.fonts.face_for(role, ch) or self.fonts.face(role)
        return face.width(ch, size)

    def glyph(self, ch: str, style: Style) -> float:
        """The drawn width of ``ch`` (its face's advance), as opposed to its grid advance."""
        role, size = style
        face = self.fonts.face_for(role, ch) or self.fonts.face(role)
        return face.width(ch, size)

    def natural(self, text: str, style: Style) -> float:
        return sum(self.measure(ch, style) for ch in text)

    def glyph_width(self, text: str, style: Style) -> float:
        """Width of ``text`` drawn with the faces' own advances (no grid), e.g. the mark."""
        role, size = style
        total = 0.0
        for ch in text:
            face = self.fonts.face_for(role, ch) or self.fonts.face(role)
            total += face.width(ch, size)
        return total

    def _face(self, role: str, ch: str) -> Face:
        self.roles_used.add(role)
        face = self.fonts.face_for(role, ch)
        primary = self.fonts.face(role)
        if face is None:
            if not ch.isspace():
                self.warn(missing_glyph_warning(ch))
            return primary
        if face is not primary:
            self.warn(substitute_glyph_warning(ch, role, face))
        return face

    def emit_cells(self, cells: Sequence[Cell], x0: float, baseline: float, color: Color,
                   element: str, baseline_for=None) -> None:
        """Group cells into runs of one face with a constant spacing and add them to the page."""
        run: list[tuple[Cell, Face, float]] = []  # (cell, face, natural width)
        cs = 0.0

        def flush() -> None:
            if not run:
                return
            cell, face, _w = run[0]
            role, size = _role_size(cell)
            text = "".join(c.ch for c, _f, _n in run)
            y = baseline_for(size) if baseline_for else baseline
            self.page.elements.append(TextRun(
                text=text, font=face.name, family=face.family, role=role, size=size,
                x=x0 + cell.x, y=y, color=color, char_space=cs, element=element))
            run.clear()

        for cell in cells:
            role, size = _role_size(cell)
            face = self._face(role, cell.ch)
            nat = face.width(cell.ch, size)
            if run:
                pcell, pface, pnat = run[-1]
                gap = cell.x - pcell.x - pnat
                same = pface is face and pcell.style == cell.style
                if not same or (len(run) > 1 and abs(gap - cs) > 0.01):
                    flush()
                elif len(run) == 1:
                    cs = gap
            if not run:
                cs = 0.0
            run.append((cell, face, nat))
        flush()

    def single_line(self, segments: Sequence[tuple[str, Style]]) -> Line:
        lines = break_paragraph(segments, 1e6, self.measure, justify=False)
        return lines[0] if lines else Line([], 0.0, 0.0)

    def put(self, segments: Sequence[tuple[str, Style]], x: float, color: Color = g.BLACK,
            element: str = "body", line: int | None = None, baseline: float | None = None) -> float:
        """Put one line of text at ``x`` on the current (or given) grid line; returns its width."""
        ln = self.single_line(segments)
        if baseline is None:
            i = self.line if line is None else line
            self.emit_cells(ln.cells, x, 0.0, color, element,
                            baseline_for=lambda size: self.baseline(i, size))
        else:
            self.emit_cells(ln.cells, x, baseline, color, element)
        return sum(c.adv for c in ln.cells)

    def width_of(self, segments: Sequence[tuple[str, Style]]) -> float:
        """Width of one line of text as ``put`` sets it (punctuation pairs squeezed)."""
        return sum(c.adv for c in self.single_line(segments).cells)

    def flow_lines(self, lines: Iterable[Line], x0: float = g.TEXT_LEFT, color: Color = g.BLACK,
                   element: str = "body") -> None:
        for ln in lines:
            self.ensure_line()
            i = self.line
            self.emit_cells(ln.cells, x0 + ln.offset, 0.0, color, element,
                            baseline_for=lambda size, i=i: self.baseline(i, size))
            self.line += 1

    def paragraph(self, segments: Sequence[tuple[str, Style]], *, first_indent: float = 2 * ADV,
                  indent: float = 0.0, width: float = g.TEXT_WIDTH, x0: float = g.TEXT_LEFT,
                  element: str = "body", justify: bool = True) -> None:
        lines = break_paragraph(segments, width, self.measure, first_indent=first_indent,
                                indent=indent, justify=justify, glyph=self.glyph)
        self.flow_lines(lines, x0=x0, element=element)

    # ---- the mark (发文机关标志) ------------------------------------------------------------------
    def mark(self, names: Sequence[str], top: float, base_size: float = g.SIZES["mark"]) -> float:
        """Draw the red mark with its top at ``top``; returns its bottom edge."""
        names = [n.strip() for n in names if n.strip()]
        if not names:
            return top
        if len(names) == 1:
            return self._mark_single(names[0], top, base_size)
        return self._mark_joint(names, top, base_size)

    def _fit(self, width: float, avail: float, size: float) -> tuple[float, float]:
        """(size, hscale) so that a mark of natural ``width`` at ``size`` fits ``avail``: first
        condense down to MARK_MIN_HSCALE, then shrink."""
        if width <= avail:
            return size, 1.0
        hs = avail / width
        if hs >= g.MARK_MIN_HSCALE:
            return size, hs
        return size * hs / g.MARK_MIN_HSCALE, g.MARK_MIN_HSCALE

    def _mark_text(self, text: str, x: float, top: float, size: float, hs: float,
                   char_space: float = 0.0) -> None:
        xx = x
        for ch in text:
            face = self._face("xiaobiaosong", ch)
            self.page.elements.append(TextRun(
                text=ch, font=face.name, family=face.family, role="xiaobiaosong", size=size,
                x=xx, y=g.baseline_for_top(top, size), color=g.RED, hscale=hs, element="mark"))
            xx += (face.width(ch, size) + char_space) * hs

    def _mark_single(self, name: str, top: float, size: float) -> float:
        width = self.glyph_width(name, ("xiaobiaosong", size))
        size2, hs = self._fit(width, g.TEXT_WIDTH, size)
        w = self.glyph_width(name, ("xiaobiaosong", size2)) * hs
        self._mark_text(name, g.TEXT_LEFT + (g.TEXT_WIDTH - w) / 2, top, size2, hs)
        return top + size2

    def _mark_joint(self, names: Sequence[str], top: float, size: float) -> float:
        """Joint issue (7.2.4): lead organ first, names stacked; a shared 文件 to the right,
        centred vertically on them. Names are spread to the same width (分散对齐)."""
        suffix = "文件"
        shared = any(n.endswith(suffix) for n in names)
        stems = [n[: -len(suffix)] if n.endswith(suffix) and len(n) > len(suffix) else n
                 for n in names]
        if len(stems) > 2:  # keep the 版头 short so that page 1 still shows body text
            size = max(g.SIZE_2HAO, size * 2 / len(stems))
        gap = size / 2 if shared else 0.0
        names_w = max(self.glyph_width(s, ("xiaobiaosong", size)) for s in stems)
        suffix_w = self.glyph_width(suffix, ("xiaobiaosong", size)) if shared else 0.0
        size2, hs = self._fit(names_w + gap + suffix_w, g.TEXT_WIDTH, size)
        k = size2 / size
        names_w, gap, suffix_w = names_w * k, gap * k, suffix_w * k
        total = (names_w + gap + suffix_w) * hs
        x = g.TEXT_LEFT + (g.TEXT_WIDTH - total) / 2
        pitch = size2 * g.MARK_JOINT_LEADING
        for n, stem in enumerate(stems):
            w = self.glyph_width(stem, ("xiaobiaosong", size2))
            cs = (names_w - w) / (len(stem) - 1) if len(stem) > 1 else 0.0
            self._mark_text(stem, x, top + n * pitch, size2, hs, char_space=cs)
        height = (len(stems) - 1) * pitch + size2
        if shared:
            self._mark_text(suffix, x + (names_w + gap) * hs, top + (height - size2) / 2, size2, hs)
        return top + height

    # ---- 版头 ------------------------------------------------------------------------------------
    def header_fields(self) -> int:
        """份号, 密级★期限, 紧急程度 flush left, one per line from line 1 (7.2.1–7.2.3).
        Returns the number of lines used."""
        d = self.doc
        fields = []
        if d.copy_no_text:
            fields.append((d.copy_no_text, "fangsong", "copy_no"))
        if d.secrecy_text:
            fields.append((d.secrecy_text, "heiti", "secrecy"))
        if d.urgency:
            fields.append((d.urgency, "heiti", "urgency"))
        for n, (text, role, element) in enumerate(fields):
            self.put([(text, (role, g.BODY_SIZE))], g.TEXT_LEFT, element=element, line=n)
        return len(fields)

    def line_after(self, y: float, blank_lines: int) -> int:
        """The grid line that follows ``blank_lines`` blank lines below the edge ``y``."""
        target = y + blank_lines * g.LINE_PITCH + HALF_GAP
        return max(0, round((target - self.page.origin) / g.LINE_PITCH))

    def doc_no_and_signers(self, line: int) -> int:
        """发文字号 centred, or (upward documents) left with the 签发人 block on the right; returns
        the grid line of the 发文字号."""
        d = self.doc
        if not d.signers:
            if d.doc_no:
                w = self.width_of([(d.doc_no, BODY)])
                self.put([(d.doc_no, BODY)], _clamp(g.TEXT_LEFT + (g.TEXT_WIDTH - w) / 2, w),
                         element="doc_no", line=line)
            return line
        label = "签发人："
        kai = ("kaiti", g.BODY_SIZE)
        label_w = self.width_of([(label, BODY)])
        name_w = max(self.width_of([(s, kai)]) for s in d.signers)
        pairs = [d.signers[i:i + 2] for i in range(0, len(d.signers), 2)]
        cols = 2 if len(d.signers) > 1 else 1
        block_w = label_w + cols * name_w + (cols - 1) * ADV
        x = g.TEXT_RIGHT - ADV - block_w
        for n, pair in enumerate(pairs):
            if n == 0:
                self.put([(label, BODY)], x, element="signer_label", line=line + n)
            for k, name in enumerate(pair):
                self.put([(name, kai)], x + label_w + k * (name_w + ADV), element="signer",
                         line=line + n)
        last = line + len(pairs) - 1
        if d.doc_no:
            self.put([(d.doc_no, BODY)], g.TEXT_LEFT + ADV, element="doc_no", line=last)
        return last

    def separator(self, y: float) -> None:
        self.page.elements.append(Rule(g.TEXT_LEFT, g.TEXT_RIGHT, y, g.SEPARATOR_WIDTH, g.RED,
                                       element="separator"))

    def title(self, line: int) -> int:
        """标题 2号小标宋, centred, balanced lines; returns the next free line."""
        style = ("xiaobiaosong", g.SIZE_2HAO)
        lines = balanced_lines(self.doc.title, g.TEXT_WIDTH, self.measure, style)
        for n, text in enumerate(lines):
            w = self.width_of([(text, style)])
            self.put([(text, style)], g.TEXT_LEFT + (g.TEXT_WIDTH - w) / 2, element="title",
                     line=line + n)
        return line + len(lines)

    # ---- body ------------------------------------------------------------------------------------
    def blocks(self, blocks: Sequence[Block], tail: int = 0) -> None:
        """Lay out body blocks; ``tail`` lines (the signature) must follow the last block on its
        page, so a table that ends the body moves its last row down with them if need be."""
        for n, block in enumerate(blocks):
            if isinstance(block, Table):
                self.table(block, tail=tail if n == len(blocks) - 1 else 0)
            else:
                self.body_paragraph(block)

    def signature_lines(self) -> int:
        """Lines the 署名/日期 block needs right after the body (0 when something comes between)."""
        d = self.doc
        if d.attachments or d.minutes or not (d.issuers or d.date):
            return 0
        if d.kind == "order":
            return 2 + len(d.issuers) + (2 if d.date else 0)
        if d.sealed:
            return g.SEAL_SPACE_LINES + (1 if d.issuers else 0) + (1 if d.date else 0)
        return 1 + len(d.issuers) + (1 if d.date else 0)

    def body_paragraph(self, p: Paragraph) -> None:
        if p.level in (1, 2):
            style = (HEADING_ROLES[p.level], g.BODY_SIZE)
            cut = p.text.find("。")
            if 0 <= cut < len(p.text) - 1:  # the heading sentence only takes the heading font
                segs = [(p.text[: cut + 1], style), (p.text[cut + 1:], BODY)]
            else:
                segs = [(p.text, style)]
        else:
            segs = [(p.text, BODY)]
        self.paragraph(segs, element=f"h{p.level}" if p.level else "body")

    def column_widths(self, t: Table) -> list[float]:
        """Column widths (cell padding included) that fill the text area. Every column first gets
        the width of its longest short value (a whole cell of up to SHORT_CELL characters, or the
        longest word or number of a longer cell, so "序号" or "2024年3月15日" never wraps); what is
        left goes to the columns whose longer text wants it, in proportion to that want."""
        ncols = len(t.header) or len(t.rows[0])
        all_rows = ([tuple(t.header)] if t.header else []) + list(t.rows)
        short_max = SHORT_CELL * ADV
        mins, wants = [], []
        for c in range(ncols):
            least, longest = ADV, 0.0
            for r in all_rows:
                text = r[c].strip()
                w = self.natural(text, BODY)
                longest = max(longest, w)
                if w <= short_max + 0.01:
                    least = max(least, w + _short_slack(text))
                else:
                    least = max(least, min(short_max, widest_unit(text, BODY, self.measure)))
            mins.append(least)
            wants.append(max(least, 2 * ADV, min(longest, 10 * ADV)))
        avail = g.TEXT_WIDTH - ncols * 2 * TABLE_PAD
        if sum(wants) <= avail:
            content = [w * avail / sum(wants) for w in wants]
        elif sum(mins) >= avail:
            content = [w * avail / sum(mins) for w in mins]
        else:
            need = [w - m for w, m in zip(wants, mins, strict=True)]
            extra = (avail - sum(mins)) / sum(need)
            content = [m + n * extra for m, n in zip(mins, need, strict=True)]
        return [w + 2 * TABLE_PAD for w in content]

    def table(self, t: Table, tail: int = 0) -> None:
        """A ruled table on the grid: each text line on a grid line, the header row repeated at the
        top of every page the table continues on. A row taller than what a page holds is split at
        the page bottom and its cells continue under the repeated header. When ``tail`` lines
        must follow the table on the same page (the signature) and would not, the last row goes
        to the next page with them: a signature never stands on a page without body text."""
        widths = self.column_widths(t)
        info = TableLayout(widths)
        self.tables.append(info)
        xs = [g.TEXT_LEFT]
        for w in widths:
            xs.append(xs[-1] + w)

        def wrap(row: Sequence[str]) -> list[list[Line]]:
            return [break_paragraph([(cell, BODY)], widths[c] - 2 * TABLE_PAD, self.measure,
                                    justify=False) or [Line([], 0, 0)]
                    for c, cell in enumerate(row)]

        header = wrap(t.header) if t.header else None
        header_h = max(len(c) for c in header) if header else 0
        seg_top: list[float] = []  # top y of the table part on the current page

        def draw_row(cells: list[list[Line]], is_header: bool, row: int) -> None:
            h = max(1, max(len(c) for c in cells))
            if not seg_top:
                seg_top.append(self.line_top() - HALF_GAP)
                self.page.elements.append(Rule(xs[0], xs[-1], seg_top[0], 0.75, element="table"))
            for c, lines in enumerate(cells):
                for n, ln in enumerate(lines):
                    w = sum(cell.adv for cell in ln.cells)
                    x = xs[c] + (widths[c] - w) / 2 if is_header else xs[c] + TABLE_PAD
                    i = self.line + n
                    self.emit_cells(ln.cells, x, 0.0, g.BLACK, "table",
                                    baseline_for=lambda size, i=i: self.baseline(i, size))
            info.parts.append(TableRowPart(is_header, row, self.page.index, h,
                                           tuple("".join(ln.text for ln in c) for c in cells)))
            self.line += h
            self.page.elements.append(Rule(xs[0], xs[-1], self.line_top() - HALF_GAP, 0.75,
                                           element="table"))

        def close() -> None:
            if seg_top:
                bottom = self.line_top() - HALF_GAP
                for x in xs:
                    self.page.elements.append(VRule(x, seg_top[0], bottom, 0.75))
                seg_top.clear()

        def next_page() -> None:
            close()
            self.new_page()
            if header:
                draw_row(header, True, -1)

        self.ensure_line()
        if self.line + header_h + 1 > self.page.nlines:
            self.new_page()
        if header:
            draw_row(header, True, -1)
        room_on_new_page = self.page.nlines - header_h
        for k, row in enumerate(t.rows):
            cells = wrap(row)
            h = max(len(c) for c in cells)
            last_row = k == len(t.rows) - 1
            pushed = (last_row and tail and k > 0 and self.line + h <= self.page.nlines
                      < self.line + h + tail)
            if h > room_on_new_page:
                # taller than a page: fill this page (unless less than 2 lines are left), then
                # continue on the next pages, each part under the repeated header
                if self.page.nlines - self.line < 2:
                    next_page()
                while h > self.page.nlines - self.line:
                    room = self.page.nlines - self.line
                    draw_row([c[:room] for c in cells], False, k)
                    cells = [c[room:] for c in cells]
                    h = max(len(c) for c in cells)
                    next_page()
                pushed = (last_row and tail and self.line + h <= self.page.nlines
                          < self.line + h + tail)
                if pushed:  # keep the signature with the row's last lines
                    room = self.page.nlines - self.line - tail
                    if room >= 1:
                        draw_row([c[:room] for c in cells], False, k)
                        cells = [c[room:] for c in cells]
                    next_page()
                draw_row(cells, False, k)
                continue
            if self.line + h > self.page.nlines or pushed:
                next_page()
            draw_row(cells, False, k)
        close()

    def attachment_notes(self) -> None:
        """附件说明 (7.3.4): 1 blank line below the body, indented 2; several are numbered and a
        wrapped name aligns with the first character of the name (hanging)."""
        atts = self.doc.attachments
        if not atts:
            return
        self.blank(1)
        label = "附件："
        label_w = self.width_of([(label, BODY)])
        for n, att in enumerate(atts, 1):
            number = f"{n}．" if len(atts) > 1 else ""
            x_num = g.TEXT_LEFT + 2 * ADV + label_w
            num_w = self.width_of([(number, BODY)])
            start = x_num + num_w - g.TEXT_LEFT
            lines = break_paragraph([(att.name, BODY)], g.TEXT_WIDTH, self.measure,
                                    first_indent=start, indent=start, justify=True,
                                    glyph=self.glyph)
            self.ensure_line()
            if n == 1:
                self.put([(label, BODY)], g.TEXT_LEFT + 2 * ADV, element="attachment_note")
            if number:
                self.put([(number, BODY)], x_num, element="attachment_note")
            self.flow_lines(lines, element="attachment_note")

    def attendance(self) -> None:
        """纪要: 出席 / 请假 / 列席 (黑体 label, 仿宋 names, continuation after the colon)."""
        m = self.doc.minutes
        if m is None:
            return
        rows = [("出席", m.present), ("请假", m.absent), ("列席", m.attending)]
        singles = [("主持", m.host), ("记录", m.recorder)]
        entries = [(lab, "、".join(v)) for lab, v in rows if v]
        entries += [(lab, v) for lab, v in singles if v]
        if not entries:
            return
        self.keep(2)  # the list never starts a page without body text above it
        self.blank(1)
        hei = ("heiti", g.BODY_SIZE)
        for label, names in entries:
            label_w = self.width_of([(label + "：", hei)])
            start = 2 * ADV + label_w
            lines = break_paragraph([(names, BODY)], g.TEXT_WIDTH, self.measure,
                                    first_indent=start, indent=start, glyph=self.glyph,
                                    keep_items=True, justify=False)
            self.ensure_line()
            self.put([(label + "：", hei)], g.TEXT_LEFT + 2 * ADV, element="attendance_label")
            self.flow_lines(lines, element="attendance")

    def keep(self, n: int, carry: int = 2) -> None:
        """Start a new page unless ``n`` more lines fit on this one. The last ``carry`` lines of
        running text go along, so that a signature never stands on a page without body text."""
        if self.line + n <= self.page.nlines:
            return
        old, first = self.page, self.line - carry
        moving = ([el for el in old.elements if first <= self._line_of(el, old) < self.line]
                  if first > 0 else [])
        movable = bool(moving) and all(
            isinstance(el, TextRun) and el.element in MOVABLE for el in moving)
        self.new_page()
        if movable:
            shift = self.page.origin - (old.origin + first * g.LINE_PITCH)
            for el in moving:
                old.elements.remove(el)
                self.page.elements.append(replace(el, y=el.y + shift))
            self.line = carry

    @staticmethod
    def _line_of(el, page: Page) -> int:
        """The grid line an element sits on (rules: the line below them)."""
        if isinstance(el, TextRun):
            top = el.y - g.ASCENT_RATIO * el.size - (g.BODY_SIZE - el.size) / 2
        elif isinstance(el, Rule):
            top = el.y + HALF_GAP
        else:
            top = el.y1
        return round((top - page.origin) / g.LINE_PITCH)

    def signature(self) -> None:
        """署名 and 成文日期 (7.3.5.1 sealed, 7.3.5.2 unsealed, 7.3.5.3 for orders)."""
        d = self.doc
        issuers, date = list(d.issuers), d.date_text
        if not issuers and not date:
            return
        right = g.TEXT_RIGHT
        if d.kind == "order":
            # 7.3.5.3: 2 blank lines, 职务 left 2 chars (beside the signature seal), 1 blank, date
            self.keep(len(issuers) + 4)
            self.blank(2)
            for name in issuers:
                w = self.width_of([(name, BODY)])
                self.put([(name, BODY)], _clamp(g.TEXT_LEFT + 2 * ADV, w), element="issuer")
                self.line += 1
            if date:
                self.line += 1
                self.ensure_line()
                w = self.width_of([(date, BODY)])
                self.put([(date, BODY)], right - 4 * ADV - w, element="date")
                self.line += 1
            return
        if d.sealed:
            # Seal space: its top within 1 line of the body, 署名 and date below its centre.
            self.keep(g.SEAL_SPACE_LINES + (1 if issuers else 0) + (1 if date else 0))
            seal_top = self.line_top() + g.SEAL_TOP_OFFSET * g.LINE_PITCH
            self.line += g.SEAL_SPACE_LINES  # seal room, kept even at the top of a page
            date_w = self.width_of([(date, BODY)]) if date else 0.0
            date_x = right - 4 * ADV - date_w
            centre = date_x + date_w / 2 if date else right - 4 * ADV - 4 * ADV
            if self.seal is not None and len(issuers) <= 1:
                self.place_seal(centre, seal_top)
            if len(issuers) == 1:
                w = self.width_of([(issuers[0], BODY)])
                x = min(centre - w / 2, right - w)
                self.put([(issuers[0], BODY)], _clamp(x, w), element="issuer")
                self.line += 1
            elif issuers:  # joint: one column per organ, each under its own seal
                colw = g.TEXT_WIDTH / len(issuers)
                widths = [self.width_of([(name, BODY)]) for name in issuers]
                if max(widths) <= colw:
                    for n, (name, w) in enumerate(zip(issuers, widths, strict=True)):
                        self.put([(name, BODY)], g.TEXT_LEFT + n * colw + (colw - w) / 2,
                                 element="issuer")
                    self.line += 1
                else:  # names too long for a row: one per line, centred over the date
                    for name, w in zip(issuers, widths, strict=True):
                        self.ensure_line()
                        self.put([(name, BODY)], _clamp(centre - w / 2, w), element="issuer")
                        self.line += 1
            if date:
                self.ensure_line()
                self.put([(date, BODY)], date_x, element="date")
                self.line += 1
            return
        # unsealed: 1 blank line; 署名 right 2; date starts 2 chars right of the 署名
        self.keep(1 + len(issuers) + (1 if date else 0))
        self.blank(1)
        date_w = self.width_of([(date, BODY)]) if date else 0.0
        name_w = max((self.width_of([(n, BODY)]) for n in issuers), default=0.0)
        if date and date_w > name_w:
            date_x = right - 2 * ADV - date_w
            name_x = date_x - 2 * ADV
        else:
            name_x = right - 2 * ADV - name_w
            date_x = name_x + 2 * ADV
        name_x = _clamp(name_x, name_w)
        date_x = _clamp(date_x, date_w)
        for name in issuers:
            self.ensure_line()
            self.put([(name, BODY)], name_x, element="issuer")
            self.line += 1
        if date:
            self.ensure_line()
            self.put([(date, BODY)], date_x, element="date")
            self.line += 1

    def place_seal(self, centre: float, top: float) -> None:
        """The seal image, upright, centred on the 署名/date column and pressing on both, its top
        within 1 line of the body (7.3.5.1); drawn over the text (a stamp's ink)."""
        assert self.seal is not None
        scale = g.SEAL_SIZE / max(self.seal.width, self.seal.height)
        w, h = self.seal.width * scale, self.seal.height * scale
        x = min(max(centre - w / 2, g.TEXT_LEFT), g.TEXT_RIGHT - w)  # inside the text area
        y = top + (g.SEAL_SIZE - h) / 2  # an oval keeps the same centre
        self.page.elements.append(SealMark(x, y, w, h, self.seal))

    def note(self) -> None:
        """附注 (7.3.6): the line after the date, indented 2, in full-width parentheses."""
        text = (self.doc.note or "").strip()
        if not text:
            return
        if not (text.startswith(("（", "(")) and text.endswith(("）", ")"))):
            text = f"（{text}）"
        self.ensure_line()
        self.paragraph([(text, BODY)], element="note")

    def attachment_pages(self) -> None:
        """附件 (7.3.7): each on a new page; 附件N 黑体 on line 1, title centred on line 3."""
        numbered = len(self.doc.attachments) > 1
        for n, att in enumerate(self.doc.attachments, 1):
            if not att.body:
                continue
            self._attachment_page(att, f"附件{n}" if numbered else "附件")

    def _attachment_page(self, att: Attachment, label: str) -> None:
        self.new_page()
        self.put([(label, ("heiti", g.BODY_SIZE))], g.TEXT_LEFT, element="attachment_label", line=0)
        style = ("xiaobiaosong", g.SIZE_2HAO)
        lines = balanced_lines(att.name, g.TEXT_WIDTH, self.measure, style)
        for n, text in enumerate(lines):
            w = self.width_of([(text, style)])
            self.put([(text, style)], g.TEXT_LEFT + (g.TEXT_WIDTH - w) / 2,
                     element="attachment_title", line=2 + n)
        self.line = 2 + len(lines) + 1
        self.blocks(att.body)

    # ---- 版记 -----------------------------------------------------------------------------------
    def record_lines(self, letter: bool) -> tuple[list[tuple[str, list[Line]]], int, bool]:
        """([(label, wrapped lines)] for 主送 (when moved here) and 抄送, number of lines, has an
        印发 line). Names wrap aligned after the colon; the list ends with 。 (7.4.2)."""
        d = self.doc
        st = ("fangsong", g.SIZE_4HAO)
        groups: list[tuple[str, list[Line]]] = []
        items = []
        if self.to_in_record and d.to:
            items.append(("主送：", d.to.strip().rstrip("：:")))
        if d.cc:
            items.append((CC_LABEL, "，".join(d.cc)))
        for label, names in items:
            label_w = self.width_of([(label, st)])
            # the label is drawn apart; the width excludes the 1-character right indent
            lines = break_paragraph([(names.rstrip("。，,.") + "。", st)],
                                    g.TEXT_WIDTH - g.RECORD_INDENT, self.measure,
                                    first_indent=g.RECORD_INDENT + label_w,
                                    indent=g.RECORD_INDENT + label_w, glyph=self.glyph,
                                    keep_items=True, justify=False)
            groups.append((label, lines))
        has_print = not letter and bool(d.printer or d.print_date)
        # 印发机关 on the left of the 印发 line; a name too long to leave room for the date wraps
        # (aligned, the date on its last line) instead of running into the date
        self.print_lines = []
        if has_print and d.printer:
            date_w = (self.width_of([(d.print_date_text, st)]) + g.SIZE_4HAO
                      if d.print_date_text else 0.0)
            self.print_lines = break_paragraph(
                [(d.printer, st)], g.TEXT_WIDTH - g.RECORD_INDENT - date_w, self.measure,
                first_indent=g.RECORD_INDENT, indent=g.RECORD_INDENT, glyph=self.glyph,
                justify=False)
        n = sum(len(lines) for _label, lines in groups)
        n_print = max(1, len(self.print_lines)) if has_print else 0
        return groups, n + n_print, has_print

    def record(self, letter: bool) -> None:
        groups, k, has_print = self.record_lines(letter)
        if k == 0:
            return
        d = self.doc
        if letter:
            if self.line + k > self.page.nlines:
                self.new_page()
        else:
            # 版记 on the bottom of the last, even page. 7.5 leaves out the page number only on a
            # blank page before the 版记 page and on that 版记 page: a 版记 that starts the page
            # right after the body (no blank page between) is numbered like any other page.
            fits = self.line + k <= self.page.nlines
            if self.page.number % 2 == 0 and fits:
                pass
            elif self.page.number % 2 == 1:
                self.new_page()
                self.page.role = "record"
            else:
                self.new_page()
                self.page.numbered = False
                self.page.role = "blank"
                self.new_page()
                self.page.numbered = False
                self.page.role = "record"
        first = self.page.nlines - k
        st = ("fangsong", g.SIZE_4HAO)
        i = first
        for label, lines in groups:  # 主送 directly above 抄送, no rule between them
            self.put([(label, st)], g.TEXT_LEFT + g.RECORD_INDENT, element="record", line=i)
            for ln in lines:
                self.emit_cells(ln.cells, g.TEXT_LEFT + ln.offset, 0.0, g.BLACK, "record",
                                baseline_for=lambda size, i=i: self.baseline(i, size))
                i += 1
        cc_lines = [ln for _label, lines in groups for ln in lines]
        if not letter:
            top_rule = self.line_top(first) - HALF_GAP
            self.page.elements.append(Rule(g.TEXT_LEFT, g.TEXT_RIGHT, top_rule,
                                           g.RECORD_RULE_THICK, element="record_rule"))
            if has_print:
                i = self.page.nlines - max(1, len(self.print_lines))
                if cc_lines:
                    self.page.elements.append(Rule(
                        g.TEXT_LEFT, g.TEXT_RIGHT, self.line_top(i) - HALF_GAP,
                        g.RECORD_RULE_THIN, element="record_rule"))
                for n, ln in enumerate(self.print_lines):
                    self.emit_cells(ln.cells, g.TEXT_LEFT + ln.offset, 0.0, g.BLACK, "record",
                                    baseline_for=lambda size, j=i + n: self.baseline(j, size))
                i = self.page.nlines - 1
                if d.print_date_text:
                    w = self.width_of([(d.print_date_text, st)])
                    self.put([(d.print_date_text, st)], g.TEXT_RIGHT - g.RECORD_INDENT - w,
                             element="record", line=i)
            self.page.elements.append(Rule(g.TEXT_LEFT, g.TEXT_RIGHT, g.RECORD_LAST_RULE_Y,
                                           g.RECORD_RULE_THICK, element="record_rule"))
        self.line = self.page.nlines

    # ---- page numbers ---------------------------------------------------------------------------
    def page_numbers(self, skip_first: bool) -> None:
        st = ("songti", g.PAGE_NUMBER_SIZE)
        top = g.PAGE_NUMBER_CENTER_Y - g.PAGE_NUMBER_SIZE / 2
        base = g.baseline_for_top(top, g.PAGE_NUMBER_SIZE)
        for page in self.pages:
            if not page.numbered or (skip_first and page.index == 0):
                continue
            text = g.page_number_text(page.number)
            w = self.glyph_width(text, st)
            x = (g.TEXT_RIGHT - g.PAGE_NUMBER_INDENT - w if page.number % 2
                 else g.TEXT_LEFT + g.PAGE_NUMBER_INDENT)
            self.page, saved = page, self.page
            cells = []
            xx = 0.0
            for ch in text:
                cw = self.glyph_width(ch, st)
                cells.append(Cell(ch, st, cw, x=xx, nominal=cw))
                xx += cw
            self.emit_cells(cells, x, base, g.BLACK, "page_number")
            self.page = saved


def _short_slack(text: str) -> float:
    """Room a short table value gets beyond its width so that Word and LibreOffice keep it on one
    line too: the last glyph's overhang past its grid advance (16 vs 15.79 pt) plus a quarter-em
    for each change between Chinese and Latin/digits (LibreOffice adds that space: it ignores
    w:autoSpaceDN, see docx.py)."""
    changes = sum(1 for a, b in pairwise(text) if is_full_width(a) != is_full_width(b))
    return 1.0 + changes * g.BODY_SIZE / 4


def _clamp(x: float, width: float) -> float:
    """Keep a line of ``width`` starting at ``x`` inside the text area where it can be."""
    return max(g.TEXT_LEFT, min(x, g.TEXT_RIGHT - width))


# ---- the four formats ---------------------------------------------------------------------------
def _start_body(b: _Builder, line: int) -> None:
    """主送 (if any) then 正文 from grid line ``line`` of the first page."""
    b.line = line
    d = b.doc
    if d.to:
        lines = break_paragraph([(d.to, BODY)], g.TEXT_WIDTH, b.measure, glyph=b.glyph)
        if b.line + len(lines) < b.page.nlines:
            b.flow_lines(lines, element="to")
        else:  # 7.3.2: the 主送 would push the body off page 1, so it moves to the 版记
            b.to_in_record = True
            b.warn("主送机关排入首页后首页将没有正文，已按 GB/T 9704 7.3.2 移至版记（主送：）。")
    if b.line >= b.page.nlines or b.page.index > 0:
        b.warn("首页没有正文：版头或标题过长（GB/T 9704 7.3.3 要求首页显示正文）。")
    b.blocks(d.body, tail=b.signature_lines())


def _document(b: _Builder) -> None:
    d = b.doc
    used = b.header_fields()
    marks = list(d.issuer_marks)
    y = g.MARK_TOP
    if marks:
        y = b.mark(marks, g.MARK_TOP)
        line = b.line_after(y, g.MARK_BLANK_LINES)
    else:
        line = used + 1 if used else 0
    has_no = bool(d.doc_no or d.signers)
    if has_no:
        line = b.doc_no_and_signers(line)
        sep_y = b.line_top(line) + g.BODY_SIZE + g.SEPARATOR_GAP
    else:
        sep_y = y + g.SEPARATOR_GAP
    if marks or has_no:
        b.separator(sep_y)
        title_line = b.line_after(sep_y, g.TITLE_BLANK_LINES)
    else:
        title_line = line
    next_line = b.title(title_line)
    _start_body(b, next_line + 1)


def _minutes(b: _Builder) -> None:
    d = b.doc
    marks = list(d.issuer_marks) or ["会议纪要"]
    bottom = b.mark(marks[:1], g.MINUTES_MARK_TOP)
    line = b.line_after(bottom, g.MARK_BLANK_LINES)
    if d.doc_no:
        line = b.doc_no_and_signers(line)
        sep_y = b.line_top(line) + g.BODY_SIZE + g.SEPARATOR_GAP
    else:
        sep_y = bottom + g.SEPARATOR_GAP
    b.separator(sep_y)
    next_line = b.title(b.line_after(sep_y, g.TITLE_BLANK_LINES))
    _start_body(b, next_line + 1)


def _order(b: _Builder) -> None:
    """命令格式 (10.2): mark 20 mm below the text-area top, 令号 2 blank lines below, body 2 blank
    lines below that. No 标题 is printed (10.2 has none); the title goes to the PDF metadata."""
    d = b.doc
    b.header_fields()
    marks = list(d.issuer_marks) or [d.title]
    bottom = b.mark(marks[:1], g.ORDER_MARK_TOP)
    line = b.line_after(bottom, g.ORDER_NUMBER_BLANK_LINES)
    if d.doc_no:
        w = b.width_of([(d.doc_no, BODY)])
        b.put([(d.doc_no, BODY)], g.TEXT_LEFT + (g.TEXT_WIDTH - w) / 2, element="doc_no", line=line)
        line += g.ORDER_BODY_BLANK_LINES + 1
    _start_body(b, line)


def _letter(b: _Builder) -> None:
    """信函格式 (10.1): mark 30 mm from the paper top; red double lines; fields under the line;
    发文字号 flush right; no page number on page 1; the 版记 without 印发 and rules."""
    d = b.doc
    bottom = b.mark(list(d.issuer_marks)[:1], g.LETTER_MARK_TOP) if d.issuer_marks else g.LETTER_MARK_TOP
    y_thick = bottom + g.LETTER_RULE_GAP_BELOW_MARK + g.LETTER_RULE_THICK / 2
    y_thin = y_thick + g.LETTER_RULE_THICK / 2 + g.LETTER_RULE_SPACING + g.LETTER_RULE_THIN / 2
    x0 = g.TEXT_LEFT + (g.TEXT_WIDTH - g.LETTER_RULE_LENGTH) / 2
    x1 = x0 + g.LETTER_RULE_LENGTH
    els = b.page.elements
    els.append(Rule(x0, x1, y_thick, g.LETTER_RULE_THICK, g.RED, element="letter_rule"))
    els.append(Rule(x0, x1, y_thin, g.LETTER_RULE_THIN, g.RED, element="letter_rule"))
    yb = g.LETTER_BOTTOM_RULE_Y
    els.append(Rule(x0, x1, yb + g.LETTER_RULE_THIN / 2, g.LETTER_RULE_THIN, g.RED,
                    element="letter_rule"))
    els.append(Rule(x0, x1, yb + g.LETTER_RULE_THIN + g.LETTER_RULE_SPACING + g.LETTER_RULE_THICK / 2,
                    g.LETTER_RULE_THICK, g.RED, element="letter_rule"))
    # Page 1's grid starts 14 pt (7/8 of a 3号 height) below the double line.
    origin = y_thin + g.LETTER_RULE_THIN / 2 + g.LETTER_FIELD_GAP
    b.page.origin = origin
    b.page.nlines = int((g.TEXT_BOTTOM - g.BODY_SIZE - origin) // g.LINE_PITCH) + 1
    used = b.header_fields()
    if d.doc_no:
        w = b.width_of([(d.doc_no, BODY)])
        b.put([(d.doc_no, BODY)], g.TEXT_RIGHT - w, element="doc_no", line=0)
        used = max(used, 1)
    title_line = used + 2 if used else 0
    next_line = b.title(title_line)
    _start_body(b, next_line + 1)


FORMATS = {"document": _document, "letter": _letter, "minutes": _minutes, "order": _order}


def layout(doc: Document, fonts: FontSet | None = None, seal: SealImage | None = None) -> Layout:
    """Lay out a validated description on pages; ``seal`` (the print path's, for a signed
    document with ``sealed``) is placed over the 署名 and date."""
    fonts = fonts or font_set()
    b = _Builder(doc, fonts, seal if doc.sealed else None)
    FORMATS[doc.kind](b)
    b.attachment_notes()
    b.attendance()
    b.signature()
    b.note()
    b.attachment_pages()
    letter = doc.kind == "letter"
    b.record(letter)
    b.page_numbers(skip_first=letter)
    stand_ins = fonts.stand_ins(b.roles_used)
    warnings = [stand_in_warning(r, f) for r, f in sorted(stand_ins.items())] + b.warnings
    used = {el.family for p in b.pages for el in p.elements if isinstance(el, TextRun)}
    return Layout(b.pages, doc.title, warnings, {r: f.family for r, f in stand_ins.items()}, used,
                  b.tables)
