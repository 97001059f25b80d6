"""Printing a rendered 公文 PDF through QtPrintSupport.

The service (``document_output.print_pdf``) already made one PDF holding every copy with its own
份号 and watermark, so the printer is asked for ONE copy of that file; duplex is set on the printer
and the service padded odd copies with a blank back. Pages are drawn with
``QPdfDocument.render`` at the printer's resolution (capped at 300 dpi: enough for 3 号 text, and a
600 dpi A4 bitmap per page would be 140 MB).
"""

from __future__ import annotations

from app.ui.kit import FormRows
from app.ui.qt import (
    QBuffer,
    QByteArray,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QIODevice,
    QPainter,
    QPdfDocument,
    QPrinter,
    QRect,
    QSize,
    QSpinBox,
    QWidget,
)

MAX_DPI = 300


def load_pdf(data: bytes, parent: QWidget | None = None) -> tuple[QPdfDocument, QBuffer]:
    """A QPdfDocument reading ``data`` (keep the returned buffer alive as long as the document)."""
    buf = QBuffer(parent)
    buf.setData(QByteArray(data))
    buf.open(QIODevice.OpenModeFlag.ReadOnly)
    doc = QPdfDocument(parent)
    doc.load(buf)
    return doc, buf


def paint_pdf(printer: QPrinter, data: bytes) -> int:
    """Draw every page of ``data`` on ``printer``; returns the number of pages drawn."""
    doc, buf = load_pdf(data)
    painter = QPainter()
    if not painter.begin(printer):
        buf.close()
        return 0
    try:
        dpi = min(printer.resolution(), MAX_DPI)
        for i in range(doc.pageCount()):
            if i:
                printer.newPage()
            pts = doc.pagePointSize(i)
            image = doc.render(i, QSize(round(pts.width() * dpi / 72),
                                        round(pts.height() * dpi / 72)))
            area = painter.viewport()
            scale = min(area.width() / pts.width(), area.height() / pts.height())
            target = QRect(0, 0, round(pts.width() * scale), round(pts.height() * scale))
            painter.drawImage(target, image)
        return doc.pageCount()
    finally:
        painter.end()
        doc.close()
        buf.close()


class PrintOptionsDialog(QDialog):
    """Copies, 份号 per copy, duplex and the watermark — asked before the system print dialog."""

    def __init__(self, classified: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("打印选项")
        form = FormRows(self)
        self.copies = QSpinBox()
        self.copies.setRange(1, 500)
        self.numbered = QCheckBox("按份编份号")
        self.numbered.setChecked(classified)
        self.first_no = QSpinBox()
        self.first_no.setRange(1, 999999)
        self.duplex = QCheckBox("双面打印（每份从正面开始）")
        self.watermark = QCheckBox("涉密文件加水印")
        self.watermark.setChecked(True)
        self.mark_user = QCheckBox("打印人")
        self.mark_time = QCheckBox("打印时间")
        self.mark_copy = QCheckBox("份号")
        for box in (self.mark_user, self.mark_time, self.mark_copy):
            box.setChecked(True)
            self.watermark.toggled.connect(box.setEnabled)
        form.row("份数", self.copies)
        form.field(self.numbered)
        form.row("起始份号", self.first_no)
        form.field(self.duplex)
        form.field(self.watermark)
        marks = QHBoxLayout()
        for box in (self.mark_user, self.mark_time, self.mark_copy):
            marks.addWidget(box)
        form.row("水印内容", marks)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.span(buttons)

    def options(self) -> dict:
        # (imported here: the audit viewer uses paint_pdf without the typesetting engine)
        from app.services.output import Watermark

        return {
            "copies": self.copies.value(),
            "first_copy_no": self.first_no.value() if self.numbered.isChecked() else None,
            "duplex": self.duplex.isChecked(),
            "watermark": Watermark(enabled=self.watermark.isChecked(),
                                   user=self.mark_user.isChecked(),
                                   time=self.mark_time.isChecked(),
                                   copy_no=self.mark_copy.isChecked()),
        }
