"""What every page gets, and what every page provides."""

from __future__ import annotations

from dataclasses import dataclass

from desk_app.qt import QWidget
from desk_app.services.context import Changes, ServiceContext
from desk_app.services.dto import OperatorDTO
from desk_app.settings import Settings


@dataclass
class PageContext:
    """Handed to each page: the operator's service context and settings. No sessions, no ORM."""

    services: ServiceContext
    operator: OperatorDTO
    settings: Settings


class BasePage(QWidget):
    """A page of the main window.

    Subclasses set ``key`` and ``title``, build their widgets in ``__init__`` without touching the
    database, and load data in :meth:`on_activated` (first and later visits) off the GUI thread.
    """

    key = ""
    title = ""

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setObjectName(f"page-{self.key}")
        self.setAccessibleName(self.title.replace("&&", "&"))

    def on_activated(self) -> None:
        """Called each time the page is shown."""

    def on_changes(self, changes: Changes, initiator: object | None) -> None:
        """Called by the change bus after any operation; refresh what this page shows."""
