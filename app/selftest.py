"""``python -m app --selftest``: check an installation without touching the user's data.

Opens a temporary SQLite database (created and migrated like a real one), creates an
administrator, signs in, builds the main window offscreen and visits every page, renders the
shipped demo notice to PDF (fonts embedded, a watermark overlaid) and DOCX (readable again),
reads that PDF back through Qt's PDF image plugin and prints its first page through QPdfDocument
and QPrinter to a PDF file (QtPdf, QtPrintSupport), checks Qt's Chinese translations, a
Chinese UI font (the bundled one when the desk has none) and image formats, solves a one-week
duty roster with CP-SAT (OR-Tools, with numpy and pandas under it), verifies the audit chain,
refuses the test-only weak password-hashing cost (``GOVDESK_TEST_WEAK_ARGON2``), and exits 0
— or prints what failed and exits 1. Run on the frozen bundle it proves the bundle is complete: Qt plugins, migrations, templates, fonts, python-docx's default template and
reportlab's data all come from inside it.

Later issues add their own checks: append a function to ``CHECKS``. Each check receives the
``SelfTest`` (``ctx`` signed in as administrator, ``window``, ``tmp`` folder) and returns a short
line describing what it verified; it raises on failure. Checks run in list order after the
built-in ones.
"""

from __future__ import annotations

import io
import os
import re
import sys
import tempfile
import time
import traceback
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import APP_NAME, __version__

PASSWORD = "Selftest-pass-1"


@dataclass
class SelfTest:
    ctx: Any  # ServiceContext (signed in as administrator)
    window: Any  # MainWindow
    tmp: Path


CHECKS: list[Callable[[SelfTest], str]] = []


def run_selftest(argv: list[str] | None = None) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="govdesk-selftest-") as tmp_name:
        tmp = Path(tmp_name)
        # the temporary database's audit key and anchor stay in the temporary folder: a key
        # made here must never become this desk's key (issue 18)
        real_data_dir = os.environ.get("GOVDESK_DATA_DIR")
        os.environ["GOVDESK_DATA_DIR"] = str(tmp / "data")
        try:
            lines = _run(tmp)
        except Exception:  # report, do not crash
            print(f"{APP_NAME} {__version__} 自检失败：", file=sys.stderr)
            traceback.print_exc()
            return 1
        finally:
            if real_data_dir is None:
                os.environ.pop("GOVDESK_DATA_DIR", None)
            else:
                os.environ["GOVDESK_DATA_DIR"] = real_data_dir
    for line in lines:
        print(f"  ✓ {line}")
    print(f"{APP_NAME} {__version__} 自检通过（{time.perf_counter() - started:.1f} 秒）。")
    return 0


def _run(tmp: Path) -> list[str]:
    from app import passwords
    from app.services import accounts, audit
    from app.services.context import ServiceContext
    from app.storage.migrate import current_revision, open_database
    from app.ui.application import install_translations
    from app.ui.fonts import ensure_chinese_ui_font
    from app.ui.main_window import MainWindow
    from app.ui.qt import QApplication

    lines = [passwords.check_production_cost()]  # first: a desk must never run at test cost
    engine = open_database(f"sqlite:///{tmp / 'selftest.sqlite3'}", tmp / "backups")
    try:
        lines.append(f"临时数据库已创建并迁移到修订 {current_revision(engine)}")
        ctx = ServiceContext(engine)
        accounts.create_first_admin(ctx, "selftest", PASSWORD, "自检")
        ctx = ctx.with_actor(accounts.login(ctx, "selftest", PASSWORD))
        lines.append("管理员账户创建与登录正常")
        app = QApplication.instance() or QApplication([sys.argv[0], "-platform", "offscreen"])
        translators = install_translations(app)
        ui_font = ensure_chinese_ui_font(app)
        window = MainWindow(ctx, str(tmp / "selftest.sqlite3"), tmp / "ui.ini")
        window.show()
        for key in window.page_keys():
            window.show_page(key)
            app.processEvents()
        lines.append(f"主窗口已构建，{len(window.page_keys())} 个页面可打开")
        lines += render_check(tmp)
        lines.append(qt_check(tmp / "selftest.pdf", translators, ui_font))
        lines.append(print_check(tmp / "selftest.pdf", tmp / "printed.pdf"))
        lines.append(roster_check())
        for check in CHECKS:
            lines.append(check(SelfTest(ctx, window, tmp)))
        window.close()
        window.deleteLater()
        app.processEvents()
        result = audit.verify(engine)
        if not result.ok:
            raise RuntimeError(result.message())
        lines.append(result.message())
    finally:
        engine.dispose()
    return lines


def render_check(tmp: Path) -> list[str]:
    """Render the demo notice to PDF and DOCX; check what a broken bundle would get wrong."""
    from docx import Document as open_docx

    from app import paths
    from app.typeset import render
    from app.typeset.spec import load_description
    from app.typeset.watermark import page_count, watermark_pdf

    doc = load_description(paths.resource("demo", "notice.json"))
    pdf = render(doc, "pdf").data
    if not (pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")):
        raise RuntimeError("PDF 输出不完整")
    embedded = sorted({m.decode().split("+", 1)[-1]
                       for m in re.findall(rb"/BaseFont\s*/([A-Za-z0-9+_.\-]+)", pdf)})
    if pdf.count(b"/FontFile2") == 0 or not embedded:
        raise RuntimeError("PDF 未嵌入字体")
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    (tmp / "selftest.pdf").write_bytes(pdf)
    if page_count(watermark_pdf(pdf, ["公文值守台 自检"])) != pages:  # pypdf + reportlab overlay
        raise RuntimeError("PDF 水印叠加后页数不符")
    docx = render(doc, "docx").data
    (tmp / "selftest.docx").write_bytes(docx)
    with zipfile.ZipFile(io.BytesIO(docx)) as zf:
        bad = zf.testzip()
    if bad is not None:
        raise RuntimeError(f"DOCX 文件损坏：{bad}")
    text = "".join(p.text for p in open_docx(io.BytesIO(docx)).paragraphs)
    if re.sub(r"\s", "", doc.title) not in re.sub(r"\s", "", text):  # title lines, tab stops
        raise RuntimeError("DOCX 中找不到公文标题")
    fonts = "、".join(embedded)
    return [f"PDF 已生成（{pages} 页，{len(pdf) // 1024} KB，嵌入字体：{fonts}；水印叠加正常）",
            f"DOCX 已生成并可重新读取（{len(docx) // 1024} KB）"]


def print_check(pdf: Path, out: Path) -> str:
    """The print path of the 公文 page without a printer: QPdfDocument renders page 1, QPainter
    draws it on a QPrinter writing PDF (QtPdf and QtPrintSupport from the bundle)."""
    from app.ui.qt import QPainter, QPdfDocument, QPrinter, QSize

    document = QPdfDocument(None)
    document.load(str(pdf))
    pages = document.pageCount()
    if pages < 1:
        raise RuntimeError(f"QPdfDocument 无法打开生成的 PDF（{document.error()}）")
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    page = document.pagePointSize(0)
    image = document.render(0, QSize(round(page.width() * 2), round(page.height() * 2)))
    painter = QPainter()
    if image.isNull() or not painter.begin(printer):
        raise RuntimeError("Qt 打印（输出到 PDF）无法开始")
    try:
        target = painter.viewport()
        painter.drawImage(target, image)
    finally:
        painter.end()
    document.close()
    if not out.is_file() or out.stat().st_size < 1000 or not out.read_bytes().startswith(b"%PDF"):
        raise RuntimeError("Qt 打印（输出到 PDF）未生成文件")
    return (f"打印路径正常（QPdfDocument 读入 {pages} 页 → QPrinter 输出 PDF "
            f"{out.stat().st_size // 1024} KB）")


def roster_check() -> str:
    """Solve a one-week roster: proves OR-Tools' native solver (and numpy/pandas) load."""
    import datetime as dt

    from app.domain.roster import Problem, Staff, solve

    start = dt.date(2026, 1, 5)
    problem = Problem(start=start, end=start + dt.timedelta(days=6), roles={"officer": 1},
                      staff=[Staff(f"S{i}", f"值班员{i}", ("officer",)) for i in range(3)],
                      min_gap_days={"officer": 2})
    solution = solve(problem, time_limit=5.0)
    if not solution.ok or len(solution.assignments) != 7:
        raise RuntimeError(f"排班求解失败：{solution.status} {solution.infeasible}")
    return f"排班求解器可用（7 天 {len(solution.assignments)} 班，{solution.status}）"


def qt_check(pdf: Path, translators: list, ui_font: str | None) -> str:
    """Qt's Chinese strings, a font that draws Chinese, the common image formats and QtPdf
    (through its image plugin) load."""
    from app.ui.chinese import MnemonicFallback
    from app.ui.fonts import has_chinese_font
    from app.ui.qt import QImageReader

    if not has_chinese_font():
        raise RuntimeError("Qt 没有能显示中文的界面字体")
    if not translators:
        raise RuntimeError("未能加载 Qt 中文翻译（qtbase_zh_CN.qm）")
    formats = {bytes(f).decode() for f in QImageReader.supportedImageFormats()}
    missing = {"png", "jpeg", "svg", "pdf"} - formats
    if missing:
        raise RuntimeError(f"缺少 Qt 图像格式插件：{'、'.join(sorted(missing))}")
    image = QImageReader(str(pdf), b"pdf").read()
    if image.isNull():
        raise RuntimeError("Qt 无法读取生成的 PDF（QtPdf 插件）")
    font = f"内置 {ui_font}" if ui_font else "系统字体"
    catalogues = sum(not isinstance(t, MnemonicFallback) for t in translators)
    return (f"Qt 中文翻译（{catalogues} 个）、界面中文字体（{font}）、图像格式与 PDF 读取正常"
            f"（首页 {image.width()}×{image.height()} 像素）")
