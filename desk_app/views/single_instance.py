"""One running desk_app per user and data folder; a second start hands its files to the first.

Two windows on one database would race each other's writes and locks, and Explorer's "Take in
with desk_app" starts a new process for every file opened. So the first instance listens on a
local socket (a named pipe on Windows) named after the user and the data folder; a later start
connects, sends its arguments (absolute paths of files to take in) as one JSON line and exits,
and the running window comes forward and takes the files in. Only the same OS user may connect
(``UserAccessOption``). A socket left behind by a crashed instance answers no one and is removed.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desk_app import APP_NAME
from desk_app.qt import QLocalServer, QLocalSocket, QObject, Qt, Signal

log = logging.getLogger(__name__)

CONNECT_MS = 500  # a running instance accepts at once; a stale socket fails at once
WRITE_MS = 2000
MAX_MESSAGE = 1 << 20  # a message is a list of paths: a megabyte is plenty


def server_name(data_dir: str | os.PathLike[str], user: str | None = None) -> str:
    """The socket's name for ``user`` (default: the OS user) and ``data_dir``.

    Hashed: a pipe name must not carry path separators, and the folder's name stays private.
    """
    folder = os.path.normcase(str(Path(data_dir).resolve()))
    who = (user or getpass.getuser()).casefold()
    digest = hashlib.sha256(f"{who}\0{folder}".encode()).hexdigest()[:24]
    return f"{APP_NAME}-{digest}"


def _allow_foreground() -> None:
    """Windows lets only the foreground process raise a window: lend that right to the first one."""
    if sys.platform == "win32":
        import ctypes

        ASFW_ANY = -1  # noqa: N806 - the Windows constant's name
        ctypes.windll.user32.AllowSetForegroundWindow(ASFW_ANY)  # type: ignore[attr-defined]


class SingleInstance(QObject):
    """The guard of one user's data folder: :meth:`hand_over` first, else :meth:`listen`."""

    # the arguments a later start handed over (absolute paths of files to take in)
    received = Signal(list)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.server: QLocalServer | None = None
        self._open: dict[Any, bytearray] = {}  # connections being read, with what came so far
        self._deliver: Callable[[list[str]], None] | None = None
        self.waiting: list[str] = []  # handed over before there was a window to take them

    def hand_over(self, files: list[str]) -> bool:
        """Send ``files`` to the running instance; False when there is none."""
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(CONNECT_MS):
            return False
        _allow_foreground()
        socket.write(json.dumps({"take_in": files}).encode("utf-8") + b"\n")
        sent = socket.waitForBytesWritten(WRITE_MS) or socket.bytesToWrite() == 0
        socket.disconnectFromServer()
        if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
            socket.waitForDisconnected(WRITE_MS)
        if not sent:
            log.warning("the running instance did not take the hand-over: %s", socket.errorString())
        return True

    def listen(self) -> bool:
        """Become the running instance; False if another one won the race (then hand over)."""
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            # no one answered hand_over: what holds the name is a crashed instance's socket
            QLocalServer.removeServer(self.name)
            if not server.listen(self.name):
                log.warning("cannot listen as %s: %s", self.name, server.errorString())
                return False
        server.newConnection.connect(self._on_connection)
        self.server = server
        return True

    def deliver_to(self, take_in: Callable[[list[str]], None]) -> None:
        """From now on hand-overs go to ``take_in``; those that came earlier go first, now."""
        self._deliver = take_in
        waiting, self.waiting = self.waiting, []
        if waiting:
            take_in(waiting)

    def close(self) -> None:
        # a socket torn down with the server still signals: cut it loose first
        for socket in list(self._open):
            self._forget(socket)
            socket.abort()
        if self.server is not None:
            self.server.close()
            self.server = None

    def _on_connection(self) -> None:
        assert self.server is not None
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            self._open[socket] = bytearray()
            socket.readyRead.connect(self._on_ready_read)
            socket.disconnected.connect(self._on_disconnected)
            self._read(socket)

    def _on_ready_read(self) -> None:
        self._read(self.sender())

    def _on_disconnected(self) -> None:
        socket = self.sender()
        self._read(socket)
        self._forget(socket)
        socket.deleteLater()

    def _forget(self, socket: Any) -> None:
        if self._open.pop(socket, None) is not None:
            socket.readyRead.disconnect(self._on_ready_read)
            socket.disconnected.disconnect(self._on_disconnected)

    def _read(self, socket: Any) -> None:
        """Collect the message; act on it once its line is complete."""
        buffer = self._open.get(socket)
        if buffer is None:
            return
        buffer.extend(bytes(socket.readAll().data()))
        if len(buffer) > MAX_MESSAGE:
            log.warning("a hand-over message over %d bytes was dropped", MAX_MESSAGE)
            buffer.clear()
            socket.abort()
            return
        if not buffer.endswith(b"\n"):
            return
        line = bytes(buffer)
        buffer.clear()
        try:
            message = json.loads(line.decode("utf-8"))
            files = [str(f) for f in message.get("take_in", [])]
        except (ValueError, AttributeError, TypeError):
            log.warning("an unreadable hand-over message was dropped")
            return
        self.received.emit(files)
        if self._deliver is None:
            self.waiting.extend(files)  # the database is still opening: the window takes them later
        else:
            self._deliver(files)


def bring_forward(window: Any) -> None:
    """Show ``window`` on top: restored if minimised, raised and activated."""
    window.setWindowState(
        (window.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive
    )
    window.show()
    window.raise_()
    window.activateWindow()
