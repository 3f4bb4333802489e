"""The about box: version, licence, Qt and Python versions, where the files are."""

from __future__ import annotations

import platform
from html import escape

from desk_app import APP_TITLE, __version__
from desk_app.qt import (
    QT_VERSION,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    Qt,
    QVBoxLayout,
    QWidget,
)
from desk_app.views.widgets.icons import app_icon


def about_html(database: str = "", log_folder: str = "") -> str:
    where = ""
    if database:
        where += f"<br>Database: {escape(database)}"
    if log_folder:
        where += f"<br>Log folder: {escape(log_folder)}"
    return (
        f"<h2>{escape(APP_TITLE)}</h2>"
        f"<p>Version {__version__}</p>"
        "<p>Security administration workbench for web-system access requests, security PINs, "
        "user managers and educator certification.</p>"
        "<p>Licensed under the GNU Affero General Public License, version 3 or later "
        "(AGPL-3.0-or-later). It comes with no warranty.</p>"
        f"<p><small>Qt {QT_VERSION} · Python {platform.python_version()}{where}</small></p>"
    )


class AboutDialog(QDialog):
    def __init__(
        self, database: str = "", log_folder: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Desk App")
        self.setAccessibleName("About Desk App")
        icon = QLabel(self)
        icon.setPixmap(app_icon().pixmap(64, 64))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.text = QLabel(about_html(database, log_folder), self)
        self.text.setWordWrap(True)
        self.text.setMinimumWidth(380)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setAccessibleName("About text")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.buttons()[0].setAccessibleName("Close")
        row = QHBoxLayout()
        row.addWidget(icon)
        row.addWidget(self.text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(buttons)
