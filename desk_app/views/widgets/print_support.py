"""Print preview, printing at 300 dpi or better through Qt print support, and save as PDF.

Pages are rendered to bytes at the printer's resolution on the PyMuPDF owner thread (through a
pool operation) before any dialog opens, so the preview's paint callback only draws ready images.
"Save as PDF" writes the document's own bytes: vector text and live fields, not a picture.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from desk_app.qt import (
    QFileDialog,
    QImage,
    QMessageBox,
    QPageSize,
    QPainter,
    QPrintDialog,
    QPrinter,
    QPrintPreviewDialog,
    QRectF,
    QWidget,
)
from desk_app.received import Received
from desk_app.views import ops
from desk_app.views.widgets.pdf_images import to_qimage

if TYPE_CHECKING:
    from desk_app.pdf.render import RenderedPage

PRINT_DPI = 300


def render_for_print(
    pdf: bytes | Received, dpi: int = PRINT_DPI, backend: Any = None
) -> list[RenderedPage]:
    """Pool thread: every page of ``pdf`` rendered at ``dpi``.

    A :class:`Received` document (or any, when ``backend`` is :mod:`desk_app.sandbox.api`) is
    drawn in a sandbox child and printed as it is; only the app's own documents are drawn here.
    Both back ends are imported on first use: they bring in PyMuPDF.
    """
    from desk_app.pdf import render

    if isinstance(pdf, Received) or (backend is not None and backend is not render):
        from desk_app.sandbox import api as sandbox

        count = sandbox.document_info(pdf).page_count
        return [sandbox.render_page(pdf, n, dpi / 72.0) for n in range(count)]
    from desk_app.pdf.fill import printable_copy

    own = printable_copy(pdf)
    count = render.document_info(own).page_count
    return [render.render_page(own, n, dpi / 72.0) for n in range(count)]


def make_printer(title: str, dpi: int = PRINT_DPI) -> QPrinter:
    """A high-resolution printer set up for US Letter, at ``dpi`` or better."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.Letter))
    if printer.resolution() < dpi:
        printer.setResolution(dpi)
    return printer


def paint_pages(printer: QPrinter, images: list[QImage]) -> None:
    """Draw one image per printed page, centred and scaled to fit the printable area."""
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("the printer could not be started")
    try:
        for i, image in enumerate(images):
            if i:
                printer.newPage()
            area = QRectF(printer.pageLayout().paintRectPixels(printer.resolution()))
            area.moveTo(0, 0)
            scale = min(area.width() / image.width(), area.height() / image.height())
            w, h = image.width() * scale, image.height() * scale
            target = QRectF((area.width() - w) / 2, (area.height() - h) / 2, w, h)
            painter.drawImage(target, image)
    finally:
        painter.end()


def print_to_pdf_file(
    images: list[QImage], path: Path, title: str = "desk_app", dpi: int = PRINT_DPI
) -> QPrinter:
    """Print ``images`` through Qt's print path into a PDF file (checks, archives)."""
    printer = make_printer(title, dpi)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setResolution(dpi)
    paint_pages(printer, images)
    return printer


class DocumentPrinting:
    """Print, preview and save actions for one parent widget."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent
        self.backend: Any = None  # desk_app.pdf.render unless the viewer names another

    def _with_images(self, pdf: bytes | Received, then: Any) -> None:
        def ready(pages: list[RenderedPage]) -> None:
            then([to_qimage(p) for p in pages])

        ops.op(render_for_print, pdf, PRINT_DPI, self.backend).success(ready).failure(
            self._on_failed
        ).run("general", initiator=self.parent)

    def _on_failed(self, exc: BaseException) -> None:
        QMessageBox.warning(self.parent, "Print", f"The document cannot be printed: {exc}")

    def print_document(self, pdf: bytes | Received, title: str) -> None:
        """Ask for a printer, then print every page at 300 dpi or better."""

        def go(images: list[QImage]) -> None:
            printer = make_printer(title)
            dialog = QPrintDialog(printer, self.parent)
            if dialog.exec() == QPrintDialog.DialogCode.Accepted:
                paint_pages(printer, images)

        self._with_images(pdf, go)

    def preview(self, pdf: bytes | Received, title: str) -> None:
        """Show Qt's print preview of the document (print from there)."""

        def go(images: list[QImage]) -> None:
            printer = make_printer(title)
            dialog = QPrintPreviewDialog(printer, self.parent)
            dialog.setWindowTitle(f"Print preview - {title}")
            dialog.paintRequested.connect(lambda p: paint_pages(p, images))
            dialog.exec()

        self._with_images(pdf, go)

    def save_as_pdf(self, pdf: bytes | Received, suggested_name: str) -> Path | None:
        """Save the document's own PDF bytes where the operator chooses."""
        name, _filter = QFileDialog.getSaveFileName(
            self.parent, "Save as PDF", suggested_name, "PDF documents (*.pdf)"
        )
        if not name:
            return None
        path = Path(name if name.lower().endswith(".pdf") else name + ".pdf")
        try:
            if isinstance(pdf, Received):
                pdf.save_copy(path)  # a received original is saved as it came
            else:
                path.write_bytes(pdf)
        except OSError as exc:
            QMessageBox.warning(
                self.parent, "Save as PDF", f"Could not save {path}: {exc.strerror}"
            )
            return None
        return path
