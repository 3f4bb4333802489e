"""A source document of an educator's evidence, shown in the document viewer.

The bytes came from outside (a scan or a received PDF), so the viewer renders them in the sandbox
child (``untrusted_source``); the opening itself is audited by the service.
"""

from __future__ import annotations

from desk_app.qt import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget
from desk_app.received import Received
from desk_app.services.context import ServiceContext
from desk_app.services.educators.documents import SourceDocument, document_for_viewing
from desk_app.views import ops
from desk_app.views.widgets.document_viewer import DocumentViewer


class SourceDocumentDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Source document")
        self.caption = QLabel("Opening…", self)
        self.caption.setAccessibleName("Source document")
        self.viewer = DocumentViewer(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.viewer, 1)
        layout.addWidget(buttons)
        self.resize(760, 640)

    def load(self, services: ServiceContext, document_id: str) -> None:
        ops.op(document_for_viewing, services, document_id).success(self.on_loaded).failure(
            lambda exc: self.caption.setText(str(exc))
        ).run("instant", initiator=self)

    def on_loaded(self, found: tuple[SourceDocument, Received]) -> None:
        doc, pdf = found
        self.caption.setText(doc.label)
        self.viewer.set_document(pdf, doc.filename, untrusted_source=True)

    @classmethod
    def open_for(
        cls, services: ServiceContext, document_id: str, parent: QWidget | None
    ) -> SourceDocumentDialog:
        """Open the document in a window of its own (not modal: the form stays usable)."""
        dialog = cls(parent)
        dialog.load(services, document_id)
        if not (parent is not None and parent.window().property("headless")):
            dialog.show()
        return dialog
