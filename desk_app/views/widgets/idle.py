"""Notices when the operator has stopped using the app, for the idle lock."""

from __future__ import annotations

from desk_app.qt import QEvent, QGuiApplication, QObject, QTimer, QWindow, Signal

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
    """Restarts a single-shot timer on any input to the app's windows.

    It filters the events of the top-level windows (``QWindow``: the main window, each dialog
    and menu as it takes the focus), where the platform delivers every key press, click and
    mouse move before Qt passes it on to a widget. It is not an application-wide filter: one of
    those sees every event of every object (each widget's paint, each timer), and each costs a
    call into Python that must first take the interpreter lock; while a pool thread held the
    lock, one repaint of the main window waited for it hundreds of times (a 250 ms freeze).

    Signals:
        idle(): no keyboard, mouse or touch input for ``timeout_ms``.
    """

    idle = Signal()

    def __init__(self, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.idle)
        self._app: QGuiApplication | None = None
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

    def watch(self, app: QGuiApplication) -> None:
        """Watch the input to ``app``'s windows: those open now and each one that takes the
        focus later (a window is watched once: Qt keeps one copy of a filter per object)."""
        self._app = app
        app.focusWindowChanged.connect(self._watch_window)
        for window in app.topLevelWindows():
            self._watch_window(window)

    def unwatch(self) -> None:
        """Stop watching (the main window is closing)."""
        if self._app is None:
            return
        self._app.focusWindowChanged.disconnect(self._watch_window)
        for window in self._app.topLevelWindows():
            window.removeEventFilter(self)
        self._app = None

    def _watch_window(self, window: QWindow | None) -> None:
        if window is not None:
            window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY_EVENTS and self._timer.isActive():
            self._timer.start()  # restart the countdown
        return False
