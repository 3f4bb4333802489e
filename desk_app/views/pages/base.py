"""What every page gets, and what every page provides."""

from __future__ import annotations

from dataclasses import dataclass

from desk_app.qt import QLineEdit, Qt, QWidget
from desk_app.services.context import Area, Changes, ServiceContext
from desk_app.services.directory.dto import OperatorDTO
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


class SearchListPage(BasePage):
    """A page whose list is driven by a search box: loads on its first visit, refreshes when
    operations change one of ``REFRESH_ON`` (unless it started them), focuses the search on Ctrl+F.

    Subclasses create ``self.search`` (a SearchBox) and implement :meth:`on_search`.
    """

    REFRESH_ON: tuple[Area, ...] = ()
    search: QLineEdit

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._loaded_once = False

    def on_search(self, text: str) -> None:
        raise NotImplementedError

    def on_activated(self) -> None:
        if not self._loaded_once:
            self._loaded_once = True
            self.refresh()

    def refresh(self) -> None:
        self.on_search(self.search.text().strip())

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def on_changes(self, changes: Changes, initiator: object | None) -> None:
        if self._loaded_once and changes.touches(*self.REFRESH_ON) and initiator is not self:
            self.refresh()
