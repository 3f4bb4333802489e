"""Background sync for the GUI and its status-bar widget.

:class:`SyncScheduler` runs :meth:`SyncService.run` on the ``writer`` pool on a timer
(``sync_interval_seconds``) and on demand. A failed run is retried with exponential backoff
(5 s, 10 s, 20 s ... up to the interval) on its own, so pending changes never wait for the next
local edit. :class:`SyncStatusWidget` shows online / offline, pending changes, the last sync and
open conflicts; the shell adds it to the status bar with ``addPermanentWidget``.
"""

from __future__ import annotations

import logging

from desk_app.errors import KnownError
from desk_app.qt import QHBoxLayout, QLabel, QObject, QPushButton, QTimer, QWidget, Signal
from desk_app.services.context import Changes, ServiceContext
from desk_app.services.sync.dto import SyncStatusDTO
from desk_app.services.sync.outcome import SyncOutcome, run_sync
from desk_app.services.sync.service import SyncService, SyncStopped
from desk_app.views import ops

log = logging.getLogger(__name__)

FIRST_RETRY_S = 5


class SyncScheduler(QObject):
    """Runs syncs in the background.

    Signals:
        status_changed(SyncStatusDTO): the sync state after a run or a local change.
        sync_started(): a run began.
        sync_finished(SyncSummaryDTO): a run finished.
        sync_failed(str): a run failed; the message says why (a retry is scheduled).
        sync_progress(int, int, str): changes pushed so far, of how many, and what is happening.
        sync_settled(): a run ended, whichever way (before sync_finished / sync_failed).
    """

    status_changed = Signal(object)
    sync_started = Signal()
    sync_finished = Signal(object)
    sync_failed = Signal(str)
    sync_progress = Signal(int, int, str)
    sync_settled = Signal()

    def __init__(self, services: ServiceContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = SyncService(services)
        self.settings = services.settings
        self.failures = 0
        self.running = False
        self._again = False
        self.operation: ops.Operation | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.on_timer)
        ops.bus.changed.connect(self.on_changes)

    @property
    def configured(self) -> bool:
        return bool(self.settings["sync_url"])

    def start(self) -> None:
        """Begin timed syncs (the first one shortly after start-up)."""
        self._timer.start(2000 if self.configured else self.next_delay_ms())
        self.refresh_status()

    def on_timer(self) -> None:
        if self.configured:
            self.sync_now()
        else:  # the central database may be configured later: look again at the next interval
            self._timer.start(self.next_delay_ms())

    def stop(self) -> None:
        """No more timed syncs; the session is over (its window closed): a later
        :func:`scheduler_for` of the same context makes a new scheduler."""
        self._timer.stop()
        for key, scheduler in list(_schedulers.items()):
            if scheduler is self:
                del _schedulers[key]

    def next_delay_ms(self) -> int:
        """The wait before the next run: the interval, or the backoff after failures."""
        interval = int(self.settings["sync_interval_seconds"])
        if self.failures:
            backoff: int = FIRST_RETRY_S * 2 ** (self.failures - 1)  # typeshed: int ** int is Any
            return 1000 * min(interval, backoff)
        return 1000 * interval

    def sync_now(self) -> None:
        """Run a sync now (or right after the one in progress)."""
        if self.running:
            self._again = True
            return
        if not self.configured:
            self.sync_failed.emit("no central database is configured (Settings › Sync)")
            return
        self.running = True
        self._timer.stop()
        self.sync_started.emit()
        self.operation = (
            ops.op(run_sync, self.service, background=True)
            .with_progress(self.sync_progress.emit)
            .settled(self._on_settled)
            .success(self.on_sync_done)
            .failure(self.on_sync_failed)
            .run("writer", initiator=self)
        )

    def stop_sync(self) -> None:
        """Ask the running sync to stop after the batch it is sending (what went stays pushed)."""
        if self.operation is not None:
            self.operation.cancel()

    def _on_settled(self) -> None:
        self.operation = None
        self.sync_settled.emit()

    def on_sync_done(self, outcome: SyncOutcome) -> None:
        # what the run changed reaches the bus from the operation (SyncOutcome.changes)
        self.running = False
        self.failures = 0
        self.sync_finished.emit(outcome.summary)
        self._schedule()

    def on_sync_failed(self, exc: BaseException) -> None:
        self.running = False
        if isinstance(exc, SyncStopped):  # the operator's choice, not a server problem
            self.sync_failed.emit(str(exc))
            self._schedule()
            return
        self.failures += 1
        message = str(exc) if isinstance(exc, KnownError) else f"sync failed: {type(exc).__name__}"
        self.sync_failed.emit(message)
        self._schedule()

    def _schedule(self) -> None:
        self.refresh_status()
        if self._again:
            self._again = False
            self.sync_now()
        else:
            self._timer.start(self.next_delay_ms())

    def refresh_status(self) -> None:
        ops.op(self.service.status).success(self.status_changed.emit).run("instant")

    def on_changes(self, changes: Changes, initiator: object | None) -> None:
        if initiator is not self:
            self.refresh_status()


def waiting_text(pending: int) -> str:
    """The changes in the outbox not yet pushed, in words ("no changes waiting", "3 changes
    waiting")."""
    if pending <= 0:
        return "no changes waiting"
    return f"{pending:,} change{'s' if pending != 1 else ''} waiting"


def status_text(status: SyncStatusDTO, running: bool = False) -> tuple[str, str]:
    """The status bar's words and tooltip for ``status``."""
    waiting = waiting_text(status.pending)
    if not status.configured:
        return (
            f"Sync: not configured · {waiting}",
            "Changes wait on this computer until a central database is set in Settings › Sync",
        )
    state = (
        "syncing…"
        if running
        else ("online" if status.online else "offline" if status.online is False else "not yet run")
    )
    if status.last_status == "rollback" and not running:
        return (
            "Sync: stopped · audit alarm",
            f"{status.last_message} (a Security Administrator acknowledges a legitimate restore "
            "on the Sync page)",
        )
    last = f"{status.last_sync_at:%Y-%m-%d %H:%M} UTC" if status.last_sync_at else "never"
    text = f"Sync: {state} · {waiting} · last {last}"
    tip = status.last_message if status.online is False else "Changes sync in the background"
    return text, tip


class SyncStatusWidget(QWidget):
    """Online / offline, changes waiting to be pushed, last sync, conflicts (a button that opens
    them); refreshed whenever the change bus reports a change.

    Signals:
        conflicts_requested(): the operator asked to see the conflicts.
    """

    conflicts_requested = Signal()

    def __init__(self, scheduler: SyncScheduler, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scheduler = scheduler
        self.label = QLabel("Sync: …", self)
        self.label.setAccessibleName("Sync state")
        self.conflicts = QPushButton("", self)
        self.conflicts.setAccessibleName("Open sync conflicts")
        self.conflicts.setFlat(True)
        self.conflicts.setVisible(False)
        self.conflicts.clicked.connect(self.conflicts_requested.emit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.conflicts)
        self.status: SyncStatusDTO | None = None
        scheduler.status_changed.connect(self.on_status_changed)
        scheduler.sync_started.connect(lambda: self._show(running=True))
        scheduler.sync_failed.connect(self.on_sync_failed)

    def on_status_changed(self, status: SyncStatusDTO) -> None:
        self.status = status
        self._show(self.scheduler.running)

    def on_sync_failed(self, message: str) -> None:
        self.label.setToolTip(f"{message}; retrying in {self.scheduler.next_delay_ms() // 1000} s")

    def _show(self, running: bool = False) -> None:
        if self.status is None:
            return
        text, tip = status_text(self.status, running)
        self.label.setText(text)
        self.label.setToolTip(tip)
        n = self.status.conflicts
        self.conflicts.setVisible(n > 0)
        self.conflicts.setText(f"⚠ {n} conflict{'s' if n != 1 else ''}")


# by the context's identity: an entry holds its context (through the scheduler) until the
# scheduler is stopped, so the id cannot be reused by another context meanwhile
_schedulers: dict[int, SyncScheduler] = {}


def scheduler_for(services: ServiceContext) -> SyncScheduler:
    """The one scheduler of an operator session (shared by the status bar and the Sync page)."""
    key = id(services)
    if key not in _schedulers:
        _schedulers[key] = SyncScheduler(services)
    return _schedulers[key]
