"""First start with an empty data folder: fill the database with demo data, showing progress."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from desk_app.qt import QDialog, QLabel, QObject, QProgressBar, Qt, QVBoxLayout, QWidget, Signal
from desk_app.services.context import ServiceContext
from desk_app.views import ops

log = logging.getLogger(__name__)


class _Progress(QObject):
    """Carries progress reports from the seeding thread to the GUI thread (queued signal)."""

    reported = Signal(str, float)


class SeedingDialog(QDialog):
    """Runs the seeder on the writer pool and shows its stages.

    Signals:
        seeding_finished(bool): True when the demo data is in place.
    """

    seeding_finished = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preparing Desk App")
        self.setAccessibleName("Preparing demo data")
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        self.label = QLabel(
            "<b>First start: creating demo data</b><br>"
            "This database is new. Desk App fills it with synthetic demo entities, "
            "user accounts and educators so you can try it out.",
            self,
        )
        self.label.setWordWrap(True)
        self.label.setMinimumWidth(420)
        self.stage = QLabel("Starting…", self)
        self.stage.setAccessibleName("Current step")
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setAccessibleName("Progress")
        self.bar.setTextVisible(True)
        self.bar.setFormat("%p%")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 18)
        layout.setSpacing(10)
        for widget in (self.label, self.stage, self.bar):
            layout.addWidget(widget)
        self._progress = _Progress(self)
        self._progress.reported.connect(self.on_progress)
        self.error: BaseException | None = None

    def reject(self) -> None:
        """Escape does nothing: stopping half-way would leave half the demo data."""

    def start(self, ctx: ServiceContext, seed: Callable[..., Any], scale: float = 1.0) -> None:
        """Run ``seed(ctx, scale=scale, progress=...)`` off the GUI thread."""
        ops.op(seed, ctx, scale=scale, progress=self._progress.reported.emit).success(
            self.on_done
        ).failure(self.on_failed).run("writer", initiator=self)

    def on_progress(self, stage: str, fraction: float) -> None:
        self.stage.setText(stage)
        self.bar.setValue(int(max(0.0, min(1.0, fraction)) * 1000))

    def on_done(self, _result: Any) -> None:
        self.bar.setValue(1000)
        self.seeding_finished.emit(True)
        self.done(QDialog.DialogCode.Accepted)

    def on_failed(self, exc: BaseException) -> None:
        log.error("demo data could not be created: %s", exc)
        self.error = exc
        self.seeding_finished.emit(False)
        self.done(QDialog.DialogCode.Rejected)
