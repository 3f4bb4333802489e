"""The main window's status bar: database, operator and role, workstation, secrets, sync."""

from __future__ import annotations

from pathlib import Path

from desk_app.qt import QLabel, QStatusBar, QWidget
from desk_app.services.directory.dto import OperatorDTO

FILE_SECRETS_TIP = (
    "No OS keyring was found, so the agency keys, this workstation's audit keys and the sync "
    "password are kept in a private file (secrets.json) in the data folder, as chosen with "
    "--allow-file-secrets or the setting. Anyone who copies the data folder takes the keys with "
    "it; on the agency's workstations use Windows Credential Manager."
)


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
        self.secrets = self._label("Secrets", "Secrets: file (no keyring)", FILE_SECRETS_TIP)
        self.secrets.hide()  # shown only when the weaker private file holds the keys
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

    def show_secrets_backend(self, backend: str) -> None:
        """Say so when the keys are in the private file (``file``) rather than an OS keyring."""
        self.secrets.setVisible(backend == "file")

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
