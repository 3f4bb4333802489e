"""The main window's start-up after its first page: what it deferred, started once the first
rows are painted (each would compete with them for the interpreter lock).

A mixin of :class:`desk_app.views.main_window.MainWindow`, split off to keep that module readable;
it uses the window's widgets and context and nothing of its own.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

from desk_app import collector
from desk_app.qt import QMainWindow, QTimer, forget_imported_sources
from desk_app.rules.permissions import Perm
from desk_app.views import ops
from desk_app.views.pages import PAGE_ORDER

if TYPE_CHECKING:  # typed as the window for the checker
    from desk_app.views.pages.base import BasePage

    _Window = QMainWindow
else:  # at run time a plain mixin ahead of the window's base
    _Window = object

AFTER_START_MS = {
    "demo_banner": 0,  # one small query
    "secrets_backend": 150,  # opens the OS keyring (the held start's first job opens it too)
    "sync_status": 300,  # imports psycopg
    "arrivals": 600,  # the work queue's new-items watcher: one count query
    "pages": 900,  # the other pages' modules, imported before their first visit
    "sandbox": 2500,  # the PDF sandbox child takes a second or two to start
}


class DeferredStart(_Window):
    """The start-up work done after the first rows (see the module docstring)."""

    # provided by the window
    context: Any
    pages: Any
    status: Any
    demo_banner: Any
    first_page_ready: Any
    arrivals: Any
    sync_scheduler: Any
    _importing: Any
    _started: bool
    on_sync_conflicts_requested: Any

    def _warm_pages(self) -> None:
        """Import the pages not visited yet, one after another on a pool thread, so that a first
        visit later finds its module ready."""
        names = [
            f"desk_app.views.pages.{key}"
            for key in PAGE_ORDER
            if key not in self.pages and key not in self._importing
        ]
        ops.op(_import_quietly, names).success(_freeze_long_lived).run("general", initiator=self)

    # --- sync status (the sync area's widget, when this build has it) ------------------------
    def _warm_sandbox(self) -> None:
        ops.op(_warm_pdf_sandbox).run("general", initiator=self)

    def _show_secrets_backend(self) -> None:
        ops.op(_secrets_backend, self.context.services).success(
            self.status.show_secrets_backend
        ).run("general", initiator=self)

    def check_demo_data(self) -> None:
        """Show the "Demo data" banner when the seeder filled this database (off the GUI thread)."""
        from desk_app.services.records.demo import holds_demo_data

        ops.op(holds_demo_data, self.context.services).success(self.demo_banner.setVisible).run(
            "instant", initiator=self
        )

    def _start_sync_status(self) -> None:
        name = "desk_app.views.widgets.sync_status"
        if importlib.util.find_spec(name) is None:
            return  # no sync in this build: the status bar keeps saying "not configured"
        ops.op(importlib.import_module, name).success(self._on_sync_module).run(
            "general", initiator=self
        )

    def _on_sync_module(self, module: Any) -> None:
        scheduler = module.scheduler_for(self.context.services)
        widget = module.SyncStatusWidget(scheduler, self.status)
        widget.conflicts_requested.connect(self.on_sync_conflicts_requested)
        self.status.attach_sync(widget)
        scheduler.start()
        self.sync_scheduler = scheduler
        forget_imported_sources()

    def _start_arrival_watch(self) -> None:
        """Watch the work queue for new items and say so briefly (a toast, the status bar)."""
        if not self.context.services.can(Perm.WORK_QUEUE):
            return
        from desk_app.views.widgets.arrivals import ArrivalWatcher, Toast

        self.arrivals = ArrivalWatcher(self.context.services, Toast(self), self)
        self.arrivals.arrived.connect(lambda text: self.status.showMessage(text, 6000))
        self.arrivals.start()

    def _watch_first_page(self, page: BasePage) -> None:
        """Emit ``first_page_ready`` once ``page`` (the first shown) has painted its first rows."""
        model = getattr(page, "model", None)
        loaded = getattr(model, "loaded", None)
        if loaded is None:
            QTimer.singleShot(0, self, self._on_first_page_ready)
            return
        loaded.connect(self._on_first_rows)
        model.load_failed.connect(self._on_first_rows)  # type: ignore[union-attr]

    def _on_first_rows(self, *_args: object) -> None:
        # the view repaints with the rows on the next turn of the event loop
        QTimer.singleShot(0, self, self._on_first_page_ready)

    def _on_first_page_ready(self) -> None:
        """Start what start-up deferred: nothing of it is needed to show the first rows, and each
        would compete with them for the interpreter lock."""
        if self._started:
            return
        self._started = True
        collector.freeze_long_lived("first page")  # start-up's modules and the first page stay
        self.first_page_ready.emit()
        for name, slot in (
            ("demo_banner", self.check_demo_data),
            ("secrets_backend", self._show_secrets_backend),
            ("sync_status", self._start_sync_status),
            ("arrivals", self._start_arrival_watch),
            ("pages", self._warm_pages),
            ("sandbox", self._warm_sandbox),
        ):
            QTimer.singleShot(AFTER_START_MS[name], self, slot)


def _secrets_backend(services: Any) -> str:
    """Pool thread: which store holds the secrets (opening a deferred one). Without a keyring
    the held start refuses work and says why; here it is only "none"."""
    from desk_app.secrets import NoKeyring

    try:
        return str(services.secrets.backend_name)
    except NoKeyring:
        return "none"


def _freeze_long_lived(_result: object) -> None:
    """GUI thread: the pages' modules are imported and stay for the session."""
    collector.freeze_long_lived("page modules")


def _import_quietly(names: list[str]) -> None:
    """Pool thread: import modules ahead of need; one that fails is reported when it is visited."""
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the page's own first visit logs and shows it
            continue


def _warm_pdf_sandbox() -> None:
    """Pool thread: start the process-wide PDF sandbox child."""
    from desk_app.sandbox.api import default_sandbox

    default_sandbox().warm_up()
