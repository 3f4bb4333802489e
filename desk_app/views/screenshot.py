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

DIALOGS = (
    "settings",
    "about",
    "lock",
    "crash",
    "seeding",
    "first-run",
    "grant",
    "grant-history",
    "specimens",
    "approval-diff",
    "form-prefill",
)
SAMPLE_TRACEBACK = (
    'Traceback (most recent call last):\n  File "desk_app/views/pages/example.py", '
    "line 42, in on_clicked\n    ratio = done / total\nZeroDivisionError: division by zero\n"
)


def names() -> list[str]:
    """Everything ``desk-app screenshot`` can render: the pages, then the dialogs."""
    from desk_app.views import educator_shots

    return [*PAGE_ORDER, *DIALOGS, *educator_shots.NAMES]


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

        settings = SettingsDialog(ctx.settings, services=ctx.services)
        settings.tabs.setCurrentIndex(settings.tabs.indexOf(settings._forms["Intake"][0]))
        return settings
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
    if name == "first-run":
        from desk_app.views.dialogs.first_run import FirstRunDialog

        first = FirstRunDialog(ctx.operator.username, str(ctx.paths.database))
        first.empty.setChecked(True)  # the choice with the most to read
        return first
    if name.startswith("grant"):
        return _grant_dialog(ctx, name)
    if name == "specimens":
        from desk_app.services.directory.entities import EntityService
        from desk_app.services.listing import ListQuery
        from desk_app.views.dialogs.specimens import SpecimensDialog

        entities = EntityService(ctx.services)
        for row in entities.fetch(ListQuery(), 0, 50):
            officers = entities.detail(row.id).officers
            if officers:
                return SpecimensDialog(ctx.services, officers[0].person_id, officers[0].name)
        return SpecimensDialog(ctx.services, "00000000-0000-0000-0000-000000000000", "nobody")
    if name == "approval-diff":
        return _approval_diff()
    if name == "form-prefill":
        from desk_app.pdf.catalogue import get_form
        from desk_app.views.dialogs.form_prefill import FormPrefillDialog

        return FormPrefillDialog(get_form("MO 500-2356"), "048-078 Blue Springs R-IV")
    from desk_app.views.dialogs.seeding import SeedingDialog

    seeding = SeedingDialog()
    seeding.on_progress("Educators and certificates", 0.42)
    return seeding


def _grant_dialog(ctx: AppContext, name: str) -> QWidget:
    """The direct-grant dialog (refused, as an invariant refuses it) or a sample grant history."""
    from datetime import UTC, date, datetime

    from desk_app.services.access.accounts import AccessService, AccountRow
    from desk_app.services.access.grants import GrantAdmin, GrantEvent, GrantHistory
    from desk_app.views.dialogs.grants import GrantHistoryDialog, grant_dialog

    at = datetime(2026, 11, 20, 14, 5, tzinfo=UTC)
    if name == "grant-history":
        events = (
            GrantEvent(
                at,
                "jdoe",
                "access.end_date",
                "rsmith: MOSIS_ENTRY at 048-078: last day none -> 2026-12-31 (summer cover ends)",
            ),
            GrantEvent(
                at,
                "alice",
                "access.revoke_direct",
                "rsmith: MOSIS_ENTRY at 048-078 revoked directly: account shared with a contractor",
            ),
        )
        history = GrantHistory(
            "0",
            "rsmith",
            "MOSIS_ENTRY",
            "048-078",
            at,
            at,
            date(2026, 12, 31),
            "MO 500-2377",
            at,
            "jdoe",
            events,
            "approved",
            at,
            "1",
        )
        return GrantHistoryDialog(history)
    row = AccountRow(
        "0",
        "rsmith",
        "Rita Smith",
        "rsmith@example.org",
        "048-078",
        "Springfield R-XII",
        "active",
        at,
        2,
        True,
    )
    dialog = grant_dialog(
        GrantAdmin(ctx.services), row, AccessService(ctx.services).applications(), None
    )
    dialog.reason.setPlainText("correction: the 2377 of May asked for data entry")
    dialog.problem.setText(
        "Refused, nothing was changed: separation of duties: alice cannot give access "
        "to their own account rsmith"
    )
    return dialog


def _approval_diff() -> QWidget:
    """The approval's diff with sample content (one of each kind of line)."""
    from desk_app.services.review.dto import AccessChange, ApprovalPreview
    from desk_app.views.dialogs.approval_diff import ApprovalDiffDialog

    changes = (
        AccessChange("added", "grant", "lpark", "Lee Park", "ECS", "", "ECS_ENTRY", True),
        AccessChange("changed", "grant", "kmiller", "Kate Miller", "ECS", "ECS_VIEW", "ECS_APPROVE"),
        AccessChange("removed", "grant", "tgreen", "Tom Green", "MOSIS", "MOSIS_BLDG building 1050", ""),
        AccessChange("added", "user manager", "lpark", "Lee Park", "", "", "048-078", True),
    )  # fmt: skip
    preview = ApprovalPreview(
        "sample", "048-078", "Blue Springs R-IV", changes, ("kmiller is already a user manager",)
    )
    return ApprovalDiffDialog(preview, claims_first=True)


def show(ctx: AppContext, name: str, size: QSize | None = None) -> QWidget:
    """Build page or dialog ``name``, show it at ``size`` (logical pixels; a dialog at its own
    size by default) and let it load: the state :func:`render` grabs and the fit tests measure.

    Raises:
        ValueError: ``name`` is not one of :func:`names`.
    """
    if name not in names():
        raise ValueError(f"unknown screen {name!r}; one of: {', '.join(names())}")
    from desk_app.views import educator_shots

    build: Callable[[AppContext, str], QWidget] = (
        _page
        if name in PAGE_ORDER
        else (educator_shots.build if name in educator_shots.NAMES else _dialog)
    )
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
