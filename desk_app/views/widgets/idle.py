"""Notices when the operator has stopped using the app, for the idle lock."""

from __future__ import annotations

from desk_app.qt import QEvent, QObject, QTimer, Signal

ACTIVITY_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.ShortcutOverride,
    }
)


class IdleMonitor(QObject):
    """An application-wide event filter that restarts a single-shot timer on any input.

    Signals:
        idle(): no keyboard, mouse or touch input for ``timeout_ms``.
    """

    idle = Signal()

    def __init__(self, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.idle)
        self.set_timeout_ms(timeout_ms)

    @property
    def timeout_ms(self) -> int:
        return self._timer.interval() if self._timer.isActive() or self._enabled else 0

    def set_timeout_ms(self, timeout_ms: int) -> None:
        """0 switches the idle lock off."""
        self._enabled = timeout_ms > 0
        self._timer.stop()
        if self._enabled:
            self._timer.setInterval(timeout_ms)
            self._timer.start()

    def pause(self) -> None:
        """Stop counting (while locked)."""
        self._timer.stop()

    def resume(self) -> None:
        if self._enabled:
            self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY_EVENTS and self._timer.isActive():
            self._timer.start()  # restart the countdown
        return False
