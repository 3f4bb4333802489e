"""An officer's signature specimens: the dated crops on file, one filed from a scanned signature
card (opened by the sandbox, never here), one removed with a reason.

Filing and removing are a Security Administrator's (the service checks; other roles see the
buttons disabled with the reason).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from desk_app.qt import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QIcon,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPixmap,
    QPushButton,
    QSize,
    Qt,
    QVBoxLayout,
    QWidget,
)
from desk_app.rules.permissions import ROLE_TITLES, Perm
from desk_app.services.context import ServiceContext
from desk_app.services.directory.specimens import OfficerSpecimens, SpecimenRow
from desk_app.views import ops
from desk_app.views.widgets.pdf_images import to_qimage

CARD_FILTER = "Scans and PDFs (*.pdf *.tif *.tiff *.png *.jpg *.jpeg)"
ID_ROLE = Qt.ItemDataRole.UserRole + 1
ICON_HEIGHT = 90


class SpecimensDialog(QDialog):
    """The specimens of one officer."""

    def __init__(
        self, services: ServiceContext, person_id: str, name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.service = OfficerSpecimens(services)
        self.person_id, self.name = person_id, name
        self.setWindowTitle(f"Signature specimens: {name}")
        self.setAccessibleName("Signature specimens")
        self.list = QListWidget(self)
        self.list.setAccessibleName(f"Signature specimens of {name}")
        self.list.setIconSize(QSize(320, ICON_HEIGHT))
        self.list.setSpacing(4)
        self.signed_on = QLineEdit(f"{date.today():%Y-%m-%d}", self)
        self.signed_on.setAccessibleName("Date the card was signed")
        self.signed_on.setPlaceholderText("YYYY-MM-DD")
        signed_label = QLabel("Card si&gned on:", self)
        signed_label.setBuddy(self.signed_on)
        self.add_button = QPushButton("&Add from a scan…", self)
        self.add_button.setAccessibleName("File a specimen from a scanned signature card")
        self.remove_button = QPushButton("&Remove…", self)
        self.remove_button.setAccessibleName("Remove the selected specimen")
        self.status = QLabel("Loading…", self)
        self.status.setAccessibleName("Result of the last specimen action")
        self.status.setWordWrap(True)
        may = services.can(Perm.EDIT_ENTITIES)
        role = ROLE_TITLES.get(services.actor.role, services.actor.role)
        for button in (self.add_button, self.remove_button):
            button.setEnabled(may)
            if not may:
                button.setToolTip(
                    f"Only a Security Administrator files specimens (you are {role})."
                )
        self.may_edit = may
        self._message = ""
        self.add_button.clicked.connect(self.on_add)
        self.remove_button.clicked.connect(self.on_remove)
        self.list.currentRowChanged.connect(lambda _r: self._enable())
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        add = QHBoxLayout()
        add.addWidget(signed_label)
        add.addWidget(self.signed_on)
        add.addWidget(self.add_button)
        add.addWidget(self.remove_button)
        add.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(add)
        layout.addWidget(self.status)
        layout.addWidget(close)
        self.setMinimumSize(560, 420)
        self._enable()
        self.reload()

    def reload(self) -> None:
        ops.op(self.service.list, self.person_id, ICON_HEIGHT * 2).success(self.on_loaded).failure(
            lambda exc: self.status.setText(str(exc))
        ).run("instant", initiator=self)

    def on_loaded(self, rows: tuple[SpecimenRow, ...]) -> None:
        self.list.clear()
        for r in rows:
            # pixels a sandbox child decoded: the PNG itself is never read in this process
            pixmap = QPixmap.fromImage(to_qimage(r.picture)) if r.picture else QPixmap()
            text = f"signed {r.signed_on:%m/%d/%Y}\n{r.source}"
            item = QListWidgetItem(QIcon(pixmap), text if r.picture else f"{text} (unreadable)")
            item.setData(ID_ROLE, r.id)
            item.setToolTip(f"{r.width} x {r.height} px, filed {r.added_at:%Y-%m-%d}")
            self.list.addItem(item)
        count = f"{len(rows)} specimen(s) on file." if rows else "No specimen on file yet."
        self.status.setText(f"{self._message} {count}".strip())
        self._message = ""
        self._enable()

    def _enable(self) -> None:
        self.remove_button.setEnabled(self.may_edit and self.list.currentItem() is not None)

    def on_add(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, f"Signature card of {self.name}", "", CARD_FILTER
        )
        if path:
            self.file_card(Path(path))

    def file_card(self, path: Path) -> None:
        try:
            signed_on = date.fromisoformat(self.signed_on.text().strip())
        except ValueError:
            self.status.setText("Check the date the card was signed (YYYY-MM-DD).")
            return
        self.status.setText(f"Reading {path.name} in the sandbox…")
        ops.op(self.service.file_card_from, self.person_id, path, signed_on).success(
            lambda _c: self._after(f"Specimen from {path.name} filed.")
        ).failure(lambda exc: self.status.setText(f"Not filed: {exc}")).run(
            "general", initiator=self
        )

    def on_remove(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        reason, ok = QInputDialog.getText(self, "Remove specimen", "Why is it removed?")
        if ok:
            self.remove(str(item.data(ID_ROLE)), reason)

    def remove(self, specimen_id: str, reason: str) -> None:
        ops.op(self.service.remove, specimen_id, reason).success(
            lambda _c: self._after("Specimen removed.")
        ).failure(lambda exc: self.status.setText(f"Not removed: {exc}")).run(
            "general", initiator=self
        )

    def _after(self, message: str) -> None:
        self._message = message
        self.reload()
