"""Opening a saved draft (.eml, a letter PDF) in the program Windows has for it, and saying where
the file is when that does not work.

``QDesktopServices.openUrl`` returns False when no program is registered for the file type or the
program could not be started; until now that failure was silent and the operator was left
wondering whether anything had been drafted. Here a failure copies the file's path to the
clipboard and says so, so the draft can be attached or opened by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from desk_app.qt import QApplication, QDesktopServices, QUrl

Opener = Callable[[QUrl], bool]


def _system_opener(url: QUrl) -> bool:
    return bool(QDesktopServices.openUrl(url))


def open_draft(path: str, report: Callable[[str], None], opener: Opener | None = None) -> bool:
    """Open ``path`` with the system's program for it; when that fails, copy the path and tell.

    Args:
        path: the saved draft or letter.
        report: shows one line to the operator (a status label, the status bar).
        opener: opens a URL and says whether it worked (default: the system's handlers).

    Returns:
        True when a program took the file.
    """
    file = Path(path)
    name = file.name
    if not file.is_file():
        report(f"The draft {name} is no longer at {file.parent}.")
        return False
    if (opener or _system_opener)(QUrl.fromLocalFile(str(file))):
        report(f"Opened {name} in the mail program.")
        return True
    clipboard = QApplication.clipboard()
    if clipboard is not None:
        clipboard.setText(str(file))
    report(
        f"No program opened {name}. It is saved at {file} (path copied: paste it into the "
        "mail program's Open or Attach box)."
    )
    return False
