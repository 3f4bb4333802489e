"""The page shown for an area whose module is not in this build yet: it says what will be there."""

from __future__ import annotations

from desk_app.qt import QLabel, Qt, QVBoxLayout, QWidget
from desk_app.views.pages import PAGE_TITLES
from desk_app.views.pages.base import BasePage, PageContext

LATER_CAPABILITY = {
    "queue": "The work queue of access-request forms that arrive by fax and email: claim a form, "
    "verify the signer and the security PIN, approve or return it.",
    "entities": "Educational entities, their officers, buildings and user managers.",
    "access": "User accounts, their role grants on the agency's web applications and the "
    "user-manager designations of each entity.",
    "educators": "Educator profiles, certificates, pending applications, assessment scores and "
    "transcripts, and certificate printing.",
    "sync": "Synchronisation with the central database shared by all workstations: outbox, "
    "last push and pull, conflicts.",
    "audit": "The hash-chained audit log and its verification.",
}


class PlaceholderPage(BasePage):
    """Names the capability that a later release puts on this page."""

    def __init__(self, key: str, context: PageContext, parent: QWidget | None = None) -> None:
        self.key = key
        self.title = PAGE_TITLES.get(key, key.title())
        super().__init__(context, parent)
        heading = QLabel(f"<h2>{self.title.replace('&&', '&amp;')}</h2>", self)
        body = QLabel(
            f"{LATER_CAPABILITY.get(key, 'This area')}<br><br>"
            "<i>This area is not part of this build yet.</i>",
            self,
        )
        body.setWordWrap(True)
        body.setAccessibleName(f"{self.title.replace('&&', '&')}: not available yet")
        for label in (heading, body):
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(heading)
        layout.addWidget(body)
        layout.addStretch(2)
        layout.setContentsMargins(80, 20, 80, 20)
