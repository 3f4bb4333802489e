"""Render any page or dialog offscreen to a PNG (``desk-app screenshot``), for review and docs.

Rendering reads the database like the GUI does; the only write is the ``session.start`` event that
every opening records. The lock screen is drawn on its own (locking would add audit events), the
crash and seeding dialogs show sample content.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from desk_app.app import AppContext
from desk_app.qt import QAbstractItemView, QApplication, QSize, QTableView, QWidget
from desk_app.views import ops
from desk_app.views.pages import PAGE_ORDER

DIALOGS = ("settings", "about", "lock", "crash", "seeding")
SAMPLE_TRACEBACK = (
    'Traceback (most recent call last):\n  File "desk_app/views/pages/example.py", '
    "line 42, in on_clicked\n    ratio = done / total\nZeroDivisionError: division by zero\n"
)


def names() -> list[str]:
    """Everything ``desk-app screenshot`` can render: the pages, then the dialogs."""
    return [*PAGE_ORDER, *DIALOGS]


def settle(rounds: int = 4, pause_ms: int = 30) -> None:
    """Let background operations finish and their callbacks (which may start more) run."""
    app = QApplication.instance()
    assert app is not None, "screenshots need the QApplication"
    for _ in range(rounds):
        app.processEvents()
        ops.wait_for_all(15_000)
        app.processEvents()
        deadline = time.monotonic() + pause_ms / 1000
        while time.monotonic() < deadline:  # debounce timers and queued signals
            app.processEvents()
            time.sleep(0.005)


def _select_first_row(widget: QWidget) -> None:
    for table in widget.findChildren(QTableView):
        model = table.model()
        if (
            table.isVisible()
            and model is not None
            and model.rowCount()
            and not table.selectionModel().hasSelection()
        ):
            table.selectRow(0)
            table.setFocus()
            table.scrollTo(model.index(0, 0), QAbstractItemView.ScrollHint.PositionAtTop)
            return


def _page(ctx: AppContext, key: str) -> QWidget:
    from desk_app.views.main_window import MainWindow
    from desk_app.views.pages.base import PageContext

    # no config folder: a screenshot must not change the operator's remembered window
    window = MainWindow(
        PageContext(ctx.services, ctx.operator, ctx.settings), database=ctx.paths.database
    )
    window.show_page(key)
    return window


def _dialog(ctx: AppContext, name: str) -> QWidget:
    if name == "settings":
        from desk_app.views.dialogs.settings import SettingsDialog

        return SettingsDialog(ctx.settings)
    if name == "about":
        from desk_app.views.dialogs.about import AboutDialog

        return AboutDialog(str(ctx.paths.database), str(ctx.paths.log_dir))
    if name == "lock":
        from desk_app.views.dialogs.lock import LockScreen

        screen = LockScreen(ctx.operator)
        screen.reset(f"Locked after {ctx.settings['lock_after_minutes']} idle minutes.")
        return screen
    if name == "crash":
        from desk_app.views.dialogs.crash import CrashDialog

        dialog = CrashDialog("ZeroDivisionError", SAMPLE_TRACEBACK, ctx.paths.log_file)
        dialog.on_details_clicked()
        return dialog
    from desk_app.views.dialogs.seeding import SeedingDialog

    seeding = SeedingDialog()
    seeding.on_progress("Educators and certificates", 0.42)
    return seeding


def show(ctx: AppContext, name: str, size: QSize | None = None) -> QWidget:
    """Build page or dialog ``name``, show it at ``size`` (logical pixels; a dialog at its own
    size by default) and let it load: the state :func:`render` grabs and the fit tests measure.

    Raises:
        ValueError: ``name`` is not one of :func:`names`.
    """
    if name not in names():
        raise ValueError(f"unknown screen {name!r}; one of: {', '.join(names())}")
    build: Callable[[AppContext, str], QWidget] = _page if name in PAGE_ORDER else _dialog
    widget = build(ctx, name)
    if size is not None:
        widget.resize(size)
    elif name in ("lock",):
        widget.resize(1200, 760)
    else:
        widget.adjustSize()
    widget.show()
    settle()
    _select_first_row(widget)
    # detail panes load after a short debounce (120 ms on Entities): let it fire and finish
    settle(pause_ms=200)
    return widget


def close(widget: QWidget) -> None:
    widget.close()
    widget.deleteLater()
    settle(rounds=1, pause_ms=0)


def render(ctx: AppContext, name: str, out: Path, size: QSize | None = None) -> Path:
    """Render page or dialog ``name`` to ``out`` (PNG) at ``size`` (logical pixels).

    Raises:
        ValueError: ``name`` is not one of :func:`names`.
    """
    widget = show(ctx, name, size)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(out), "PNG"):
        raise OSError(f"could not write {out}")
    close(widget)
    return out
