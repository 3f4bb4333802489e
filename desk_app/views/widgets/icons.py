"""The app icon and the navigation icons, drawn as SVG in ``resources/icons``.

The folder sits at the top of the source tree (``resources/``); an installed build carries a copy
in ``desk_app/resources``. A missing icon is a packaging bug, logged once, and the UI carries on
without the picture rather than failing to start.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from desk_app.qt import QIcon

log = logging.getLogger(__name__)

_PACKAGE = Path(__file__).resolve().parents[2]


@cache
def icons_dir() -> Path | None:
    for candidate in (_PACKAGE.parent / "resources" / "icons", _PACKAGE / "resources" / "icons"):
        if candidate.is_dir():
            return candidate
    log.error("icon folder not found next to %s", _PACKAGE)
    return None


@cache
def icon(name: str) -> QIcon:
    """The icon ``resources/icons/<name>.svg`` (an empty icon if it is missing)."""
    folder = icons_dir()
    path = folder / f"{name}.svg" if folder else None
    if path is None or not path.exists():
        log.error("icon %s.svg is missing", name)
        return QIcon()
    return QIcon(str(path))


def app_icon() -> QIcon:
    return icon("desk_app")
