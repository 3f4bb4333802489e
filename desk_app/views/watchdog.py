"""A GUI-stall watchdog: notices when the GUI thread stops turning its event loop.

A ``QTimer`` on the GUI thread stamps a heartbeat every few milliseconds. A plain Python thread
watches the stamp; when it is older than the threshold (100 ms) the GUI thread is blocked, and the
watcher logs the GUI thread's current Python stack (``sys._current_frames``), which names the
culprit. When the heartbeat resumes, the stall's length is recorded in :attr:`Watchdog.stalls`.

It is off in normal use and switched on by tests and benchmarks (``DESK_APP_WATCHDOG=1`` does it
for the app). A block inside C code that holds the GIL is only seen once the GIL is released.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from desk_app.qt import QObject, QTimer

log = logging.getLogger(__name__)

HEARTBEAT_MS = 20


@dataclass(frozen=True)
class Stall:
    """One GUI-thread block: how long it lasted and where the GUI thread was."""

    duration_ms: float
    stack: str


class Watchdog(QObject):
    """Start with :meth:`start` on the GUI thread; :meth:`stop` before the app quits."""

    def __init__(self, threshold_ms: float = 100.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.threshold_ms = threshold_ms
        self.stalls: list[Stall] = []
        self._beat = time.monotonic()
        self._gui_thread_id = threading.get_ident()
        self._timer = QTimer(self)
        self._timer.setInterval(HEARTBEAT_MS)
        self._timer.timeout.connect(self.on_heartbeat)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._pending_stack = ""  # stack captured during the current stall

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        """Start the heartbeat (on the calling GUI thread) and the watcher thread."""
        if self._thread is not None:
            return
        self._gui_thread_id = threading.get_ident()
        self._beat = time.monotonic()
        self._stop.clear()
        self._timer.start()
        self._thread = threading.Thread(target=self._watch, name="gui-watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._timer.stop()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)
            self._thread = None

    def on_heartbeat(self) -> None:
        now = time.monotonic()
        with self._lock:
            gap_ms = (now - self._beat) * 1000
            stack, self._pending_stack = self._pending_stack, ""
            self._beat = now
        # the gap includes one heartbeat interval of ordinary waiting
        if gap_ms - HEARTBEAT_MS > self.threshold_ms:
            self.stalls.append(Stall(gap_ms - HEARTBEAT_MS, stack))
            log.warning("GUI thread was blocked for %.0f ms", gap_ms - HEARTBEAT_MS)

    def _watch(self) -> None:
        poll = min(self.threshold_ms / 4, 25) / 1000
        while not self._stop.wait(poll):
            with self._lock:
                late_ms = (time.monotonic() - self._beat) * 1000 - HEARTBEAT_MS
                if late_ms <= self.threshold_ms or self._pending_stack:
                    continue
                self._pending_stack = self._gui_stack()
                stack = self._pending_stack
            log.warning("GUI thread blocked for over %.0f ms, at:\n%s", late_ms, stack)

    def _gui_stack(self) -> str:
        frames = sys._current_frames()
        frame = frames.get(self._gui_thread_id)
        if frame is None:
            return "(no Python frame)"
        # when the GUI thread sits inside Qt (exec, processEvents) its Python slots are waiting
        # for the interpreter lock: what the other threads are doing names the culprit
        return (
            "".join(traceback.format_stack(frame))
            + "other threads meanwhile:\n"
            + _other_threads(frames, self._gui_thread_id)
        )


def _other_threads(frames: dict[int, FrameType], gui_thread_id: int) -> str:
    names = {t.ident: t.name for t in threading.enumerate()}
    lines = []
    for ident, frame in frames.items():
        if ident in (gui_thread_id, threading.get_ident()):
            continue
        where = traceback.extract_stack(frame)[-3:]
        trail = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(where))
        lines.append(f"  thread {names.get(ident, ident)}: {trail}\n")
    return "".join(lines)
