"""The GUI entry point: ``desk-app`` with no subcommand ends up in :func:`run_gui`.

Start-up order: Qt application (high-DPI pass-through scaling) -> open the installation (a store
problem is explained and the process exits without touching the file) -> crash handling ->
on a data folder without a database, the first-run dialog (demo data or an empty database) ->
main window. Nothing here scans a table on the GUI thread.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, cast

from desk_app import APP_NAME, APP_TITLE, ORG_NAME
from desk_app.app import (
    AppContext,
    file_secrets_allowed,
    initialise,
    is_new_installation,
    open_app,
)
from desk_app.errors import KnownError
from desk_app.paths import resolve
from desk_app.qt import (
    QApplication,
    QCoreApplication,
    QDialog,
    QEvent,
    QGuiApplication,
    QMessageBox,
    Qt,
    QTimer,
)
from desk_app.secrets import DeferredSecrets, SecretStore
from desk_app.views import ops
from desk_app.views.dialogs.crash import CrashHandler
from desk_app.views.main_window import MainWindow
from desk_app.views.pages.base import PageContext
from desk_app.views.single_instance import SingleInstance, bring_forward, server_name
from desk_app.views.widgets.icons import app_icon

if TYPE_CHECKING:
    from desk_app.services.context import ServiceContext
    from desk_app.views.watchdog import Watchdog

log = logging.getLogger(__name__)


# Fusion on every platform: one look to document and screenshot, and (Qt 6.5+) it follows the
# Windows light/dark setting through the platform theme's palette, which nothing here overrides
STYLE = "Fusion"


def make_qapp() -> QApplication:
    """The QApplication (created once), with fractional high-DPI scaling passed through unrounded.

    Qt 6 makes the process per-monitor DPI aware (v2) on Windows by itself; PassThrough keeps
    125 % and 150 % exact instead of rounding them to 100 % or 200 %.
    """
    existing = QApplication.instance()
    if existing is not None:
        return existing  # type: ignore[return-value]
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication(sys.argv[:1])
    app.setStyle(STYLE)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("Desk App")
    app.setOrganizationName(ORG_NAME)
    app.setWindowIcon(app_icon())
    return app


def headless() -> bool:
    return QGuiApplication.platformName() in {"offscreen", "minimal"}


def explain_refusal(exc: KnownError) -> int:
    """Tell the operator why the app cannot start (message box, and always stderr); the exit code."""
    print(f"desk-app: {exc}", file=sys.stderr)
    if not headless():
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            APP_TITLE,
            f"Desk App cannot start: {exc.message}",
            QMessageBox.StandardButton.Close,
        )
        if exc.hint:
            box.setInformativeText(exc.hint[0].upper() + exc.hint[1:] + ".")
        box.exec()
    return exc.exit_code


def apply_font_scale(app: QApplication, scale: float) -> None:
    if abs(scale - 1.0) > 0.01:
        font = app.font()
        font.setPointSizeF(font.pointSizeF() * scale)
        app.setFont(font)


def seed_demo(ctx: AppContext) -> None:
    """Fill the new database with scale-1 demo data behind a progress dialog."""
    try:
        from desk_app.seed.child import seed_in_child
    except ImportError:
        log.warning("this build has no demo-data seeder; starting with an empty database")
        return
    from desk_app.views.dialogs.seeding import SeedingDialog

    dialog = SeedingDialog()
    # in a child process: the dialog's progress keeps moving while tens of seconds of Python run
    dialog.start(ctx.services, seed_in_child, scale=1.0)
    dialog.exec()
    if isinstance(dialog.error, KnownError):
        # a bug already reached the crash dialog through the ops failure handler; a known failure
        # (disk full...) is shown here, and the app still opens the valid, if empty, database
        CrashHandler(ctx.paths.log_file).report(dialog.error, "")


def first_start(data_dir: str | None, secrets: SecretStore, verbose: bool) -> AppContext | None:
    """A data folder without a database: ask how to start it, then create it (None: the operator
    quit and nothing was created).

    Raises:
        KnownError: the database could not be created (the central address was refused...).
    """
    from desk_app.services.directory.staff import os_username
    from desk_app.views.dialogs.first_run import FirstRunDialog

    dialog = FirstRunDialog(os_username(), str(resolve(data_dir).database))
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.choice is None:
        return None
    choice = dialog.choice
    ctx = initialise(
        data_dir,
        demo=choice.demo,
        central_url=choice.central_url,
        secrets=secrets,
        console_log=verbose,
    )
    if choice.demo:
        seed_demo(ctx)
    return ctx


NO_DATABASE_HEADLESS = (
    "this data folder has no database yet and there is no screen to ask how to start it; "
    "run desk-app init --empty (or --demo) first"
)


def build_window(ctx: AppContext) -> MainWindow:
    page_context = PageContext(services=ctx.services, operator=ctx.operator, settings=ctx.settings)
    return MainWindow(page_context, database=ctx.paths.database, config_dir=ctx.paths.config_dir)


# the running watchdog, when switched on (benchmarks read its stalls)
watchdog: Watchdog | None = None


def watchdog_if_asked() -> Watchdog | None:
    """``DESK_APP_WATCHDOG=1`` logs every GUI-thread stall over 100 ms (tests, benchmarks).

    Not started yet: :func:`run_gui` starts it once the window's first paint is done. Until then
    nothing is on screen to freeze (the window is being built, then painted for the first time),
    and that time is the cold start's, which the start-up benchmark measures as such.
    """
    if os.environ.get("DESK_APP_WATCHDOG") != "1":
        return None
    from desk_app.views.watchdog import Watchdog as _Watchdog

    return _Watchdog()


def take_in_files(window: MainWindow, services: ServiceContext, files: list[str]) -> None:
    """Take ``files`` in (opened from Explorer or handed over) off the GUI thread, on the queue."""
    if not files:
        return
    from desk_app.services.queue.intake import IntakeService

    window.show_page("queue")
    window.status.showMessage(f"Taking in {len(files)} file(s)…")
    intake = IntakeService(services)
    ops.op(intake.ingest_files, files).success(
        lambda _c: window.status.showMessage(f"Took in {len(files)} file(s).", 10_000)
    ).failure(
        lambda exc: window.status.showMessage(f"Could not take the files in: {exc}", 30_000)
    ).run("writer", initiator=window)


START_WAIT_S = 10.0  # the held start's remainder runs by then even if no first page shows


def finish_start_on_writer(window: MainWindow, ctx: AppContext) -> None:
    """Run what the held start left (the agency keys' check, the ``session.start`` event, the
    held audit heads: :class:`desk_app.app.HeldStart`) as the writer thread's first job.

    The job waits for the first page's rows (the keyring it opens costs a tenth of a second to a
    second of imports, which would otherwise compete with the first rows), and, being first on
    the one writer thread, holds every write of the session behind it. A failed check closes the
    window before any work.
    """
    shown = threading.Event()
    window.first_page_ready.connect(shown.set)
    make_qapp().aboutToQuit.connect(shown.set)

    def finish() -> None:
        shown.wait(START_WAIT_S)
        ctx.finish_start()

    ops.op(finish).failure(lambda exc: refuse_work(window, ctx, exc)).run(
        "writer", initiator=window
    )


def refuse_work(window: MainWindow, ctx: AppContext, exc: BaseException) -> None:
    """The held start failed (a key that is not the agency's, an account disabled meanwhile):
    say why and close, before any work."""
    if not isinstance(exc, KnownError):  # a defect: logged whole, and still no work starts
        log.error("the held start failed", exc_info=exc)
        exc = KnownError(
            f"the start could not finish ({type(exc).__name__}: {exc})",
            hint=f"the log has the details: {ctx.paths.log_file}",
        )
    log.error("start refused after the window opened: %s", exc)
    window.close()
    explain_refusal(exc)
    make_qapp().exit(exc.exit_code)


def attach_instance(guard: SingleInstance, window: MainWindow, services: ServiceContext) -> None:
    """A later start's files come to this window, which comes forward to show them (files
    handed over while the database was still opening come now)."""

    def handed_over(files: list[str]) -> None:
        bring_forward(window)
        take_in_files(window, services, files)

    guard.deliver_to(handed_over)


def claim_instance(data_dir: str | None, files: list[str]) -> SingleInstance | None:
    """This process's guard of the data folder, or None when a running instance took ``files``."""
    guard = SingleInstance(server_name(resolve(data_dir).data_dir))
    if guard.hand_over(files):
        return None
    if not guard.listen() and guard.hand_over(files):
        return None  # another start won the race an instant ago
    return guard


def run_gui(args: argparse.Namespace) -> int:
    """Start the GUI for ``args.data_dir``; returns the process exit code."""
    app = make_qapp()
    files = [str(Path(f).resolve()) for f in getattr(args, "take_in", None) or []]
    guard = claim_instance(getattr(args, "data_dir", None), files)
    if guard is None:
        print("desk-app: handed over to the window already open on this data folder")
        return 0
    try:
        data_dir = getattr(args, "data_dir", None)
        # cast: the protocol declares backend_name as a plain attribute; a read-only property serves
        paths = resolve(data_dir)
        secrets = cast(
            SecretStore,
            DeferredSecrets(paths.data_dir / "secrets.json", file_secrets_allowed(paths)),
        )
        verbose = getattr(args, "verbose", False)
        if not is_new_installation(data_dir):
            # the audit anchor's key (the OS keyring) is read once the first page shows
            ctx = open_app(data_dir, secrets=secrets, console_log=verbose, hold_anchor=True)
        elif headless():
            raise KnownError(NO_DATABASE_HEADLESS)
        else:
            started = first_start(data_dir, secrets, verbose)
            if started is None:
                guard.close()
                return 0  # the operator quit the first-run dialog: nothing was created
            ctx = started
    except KnownError as exc:
        guard.close()
        return explain_refusal(exc)
    crash = CrashHandler(ctx.paths.log_file)
    crash.install()
    global watchdog
    watchdog = watchdog_if_asked()
    apply_font_scale(app, ctx.settings["ui_font_scale"])
    window: MainWindow | None = None
    try:
        window = build_window(ctx)
        if watchdog is not None:  # from the turn after the first paint (see watchdog_if_asked)
            window.first_painted.connect(lambda: QTimer.singleShot(0, watchdog.start))
        finish_start_on_writer(window, ctx)  # first on the writer: before any file taken in
        crash.parent = window
        attach_instance(guard, window, ctx.services)
        window.show()
        take_in_files(window, ctx.services, files)
        code = app.exec()
    finally:
        guard.close()
        if watchdog is not None:
            watchdog.stop()
        if window is not None:
            dispose_window(window)
        ops.wait_for_all(10_000)
        crash.uninstall()
        ctx.close()
    return int(code)


def dispose_window(window: MainWindow) -> None:
    """Close and delete the window now: its deferred start-up timers and watchers must not fire
    against a database about to close (the process may go on: a refused start, the tests)."""
    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
