"""Files dropped on a window are taken in: a drop target that any widget can install on its
top-level window, so a file dropped anywhere on the main window reaches the page that takes it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from desk_app.qt import QEvent, QObject


def dropped_paths(event: Any, suffixes: Sequence[str]) -> list[str]:
    """The local files of a drag or drop event whose names end in one of ``suffixes``."""
    mime = event.mimeData()
    urls = mime.urls() if mime.hasUrls() else []
    wanted = tuple(s.lower() for s in suffixes)
    return [
        u.toLocalFile()
        for u in urls
        if u.isLocalFile() and u.toLocalFile().lower().endswith(wanted)
    ]


class FileDropFilter(QObject):
    """An event filter accepting drags of wanted files and handing drops to ``take``."""

    def __init__(
        self,
        take: Callable[[list[str]], None],
        suffixes: Sequence[str],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._take = take
        self._suffixes = tuple(suffixes)

    def eventFilter(self, _watched: Any, event: Any) -> bool:  # noqa: N802 - Qt override
        kind = event.type()
        if kind not in (QEvent.Type.DragEnter, QEvent.Type.Drop):
            return False
        paths = dropped_paths(event, self._suffixes)
        if not paths:
            return False
        event.acceptProposedAction()
        if kind == QEvent.Type.Drop:
            self._take(paths)
        return True
