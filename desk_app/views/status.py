"""The main window's status bar: database, operator and role, workstation, sync."""

from __future__ import annotations

from pathlib import Path

from desk_app.qt import QLabel, QStatusBar, QWidget
from desk_app.services.directory.dto import OperatorDTO


class StatusBar(QStatusBar):
    """Permanent facts on the right; transient messages on the left (``showMessage``)."""

    def __init__(
        self,
        operator: OperatorDTO,
        database: Path | str | None,
        sync_configured: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(True)
        name = Path(database).name if database else "in memory"
        self.database = self._label("Database", f"Database: {name}", str(database or ""))
        self.operator = self._label(
            "Operator",
            f"{operator.display_name} ({operator.role_title})",
            f"Signed in as {operator.username}",
        )
        self.workstation = self._label(
            "Workstation",
            f"Workstation: {operator.workstation_id}",
            "Recorded on every change and audit event",
        )
        self.sync = self._label("Sync", "", "")
        self.sync_widget: QWidget | None = None
        self.set_sync(
            "not configured" if not sync_configured else "not yet run",
            "Set the central database in Settings › Sync" if not sync_configured else "",
        )

    def _label(self, name: str, text: str, tooltip: str) -> QLabel:
        label = QLabel(text, self)
        label.setAccessibleName(name)
        label.setToolTip(tooltip)
        self.addPermanentWidget(label)
        return label

    def attach_sync(self, widget: QWidget) -> None:
        """Replace the plain sync label with the sync area's own status widget."""
        self.removeWidget(self.sync)
        self.sync.hide()
        self.addPermanentWidget(widget)
        self.sync_widget = widget

    def set_sync(self, state: str, tooltip: str = "") -> None:
        """Show the sync state (``not configured``, ``up to date``, ``3 waiting``...)."""
        self.sync.setText(f"Sync: {state}")
        self.sync.setToolTip(tooltip)
