"""The main window: navigation among the areas, menus and shortcuts, status bar, idle lock."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desk_app import APP_TITLE, collector
from desk_app.qt import (
    QAction,
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QScrollArea,
    QSettings,
    QSize,
    QStackedWidget,
    Qt,
    QtGui,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
    forget_imported_sources,
)
from desk_app.rules.permissions import Perm
from desk_app.services import session
from desk_app.services.context import Changes
from desk_app.views import ops
from desk_app.views.dialogs.lock import LockScreen
from desk_app.views.pages import PAGE_ORDER, PAGE_PERMS, PAGE_TITLES
from desk_app.views.pages.base import BasePage, PageContext
from desk_app.views.pages.placeholder import PlaceholderPage
from desk_app.views.status import StatusBar
from desk_app.views.widgets.icons import app_icon, icon
from desk_app.views.widgets.idle import IdleMonitor
from desk_app.views.window_startup import DeferredStart

log = logging.getLogger(__name__)

# What start-up leaves for later, in ms after the first page's first rows have painted (each
# competes for the interpreter lock with whatever the operator does first, so they are spread out)
FIRST_PAGE_PATIENCE_MS = 5000  # the background work starts anyway if the first rows are that late


def _app() -> QApplication:
    app = QApplication.instance()
    assert isinstance(app, QApplication), "the main window needs the QApplication"
    return app


def page_class(key: str) -> type[BasePage] | None:
    """The ``Page`` class of ``desk_app/views/pages/<key>.py``, or None when that module does not exist."""
    name = f"desk_app.views.pages.{key}"
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name).Page  # type: ignore[no-any-return]


DEMO_BANNER = (
    "<b>Demo data.</b> Every person, entity and submission here was generated for trying Desk "
    "App out; none is a real record, and nothing done here reaches the agency's systems."
)


class MainWindow(DeferredStart, QMainWindow):
    """Pages are created on their first visit, so start-up builds only the page it shows, and
    that one only after the window's first paint: the operator sees the window at once, and a
    page that imports heavy modules (PDF, intake) does not hold the whole window back.

    Signals:
        first_painted(): the window painted for the first time (start-up benchmark).
        first_page_ready(): the first page shown has its first rows (or its first load failed,
            or it has no list); start-up work that waited for it then runs.
        page_shown(str): a page was created if needed, shown and activated (its key).
        locked_changed(bool): the session locked (True) or unlocked (False).
    """

    first_painted = Signal()
    first_page_ready = Signal()
    locked_changed = Signal(bool)
    page_shown = Signal(str)

    def __init__(
        self,
        context: PageContext,
        database: Path | None = None,
        config_dir: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.pages: dict[str, BasePage] = {}
        self._holders: dict[str, QScrollArea] = {}  # each page sits in a scroll area in the stack
        self._importing: set[str] = set()  # page modules being imported on a pool thread
        self._import_failed: set[str] = set()  # shown as placeholders (the log names the defect)
        self.locked = False
        self._painted = False
        self._started = False  # first_page_ready emitted
        self._watching = False  # the first page shown is being watched for its first rows
        self._focus_wanted = ""  # a page asked for from the keyboard, focused once shown
        self.sync_scheduler: Any = None  # the sync area's scheduler, once attached
        self.arrivals: Any = None  # the work queue's new-items watcher, once started
        self._state = (
            QSettings(str(config_dir / "window.ini"), QSettings.Format.IniFormat)
            if config_dir
            else None
        )
        self.setWindowTitle(APP_TITLE)
        self.setWindowIcon(app_icon())
        self.setObjectName("main-window")
        self._build_workspace()
        self.lock_screen = LockScreen(context.operator, self)
        self.central = QStackedWidget(self)
        self.central.addWidget(self.workspace)
        self.central.addWidget(self.lock_screen)
        self.setCentralWidget(self.central)
        self.status = StatusBar(
            context.operator, database, bool(context.settings["sync_url"]), self
        )
        self.setStatusBar(self.status)
        self._build_actions()
        self.idle = IdleMonitor(self._lock_ms(), self)
        self.idle.watch(_app())
        self._connect()
        self.resize(1200, 760)
        self._restore_state()

    # --- building ---------------------------------------------------------------------------
    def _build_workspace(self) -> None:
        """The navigation list beside the stack of pages."""
        self.nav = QListWidget(self)
        self.nav.setAccessibleName("Areas")
        self.nav.setIconSize(QSize(22, 22))
        self.nav.setStyleSheet("QListWidget::item { padding: 4px 6px; }")
        for key in PAGE_ORDER:
            item = QListWidgetItem(icon(f"nav-{key}"), PAGE_TITLES[key].replace("&&", "&"))
            item.setData(Qt.ItemDataRole.UserRole, key)
            refusal = self.page_refusal(key)
            if refusal:  # shown, so the role's limits are visible, but not usable
                item.setFlags(
                    item.flags() & ~(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                )
                item.setToolTip(refusal)
                item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, refusal)
            self.nav.addItem(item)
        self.nav.setSpacing(3)
        self.nav.setFixedWidth(self.nav.sizeHintForColumn(0) + 24)
        self.stack = QStackedWidget(self)
        self.stack.setAccessibleName("Current area")
        self.workspace = QWidget(self)
        column = QVBoxLayout(self.workspace)
        column.setContentsMargins(6, 6, 6, 0)
        self.demo_banner = QLabel(DEMO_BANNER, self.workspace)
        self.demo_banner.setObjectName("demo-banner")
        self.demo_banner.setAccessibleName("Demo data")
        self.demo_banner.setWordWrap(True)
        self.demo_banner.setStyleSheet(
            "QLabel { background: #fff4c2; border: 1px solid #c9a227; padding: 4px 8px; }"
        )
        self.demo_banner.setVisible(False)  # shown once the database says it holds demo data
        column.addWidget(self.demo_banner)
        row = QHBoxLayout()
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        column.addLayout(row, 1)

    def page_refusal(self, key: str) -> str:
        """Why the operator's role may not use page ``key`` ("" when it may)."""
        perm = PAGE_PERMS.get(key)
        if perm is None or self.context.services.can(perm):
            return ""
        role = self.context.operator.role_title or "operator without a role"
        article = "An" if role[:1].upper() in "AEIOU" else "A"
        return f"{article} {role} may not use {PAGE_TITLES[key].replace('&&', '&')}"

    def allowed_pages(self) -> list[str]:
        return [k for k in PAGE_ORDER if not self.page_refusal(k)]

    def _connect(self) -> None:
        self.idle.idle.connect(lambda: self.lock("idle"))
        self.lock_screen.unlock_requested.connect(self.on_unlock_requested)
        self.lock_screen.quit_requested.connect(self.close)
        self.nav.currentRowChanged.connect(self.on_nav_row_changed)
        ops.bus.changed.connect(self.on_changes)

    def _build_actions(self) -> None:
        self._refused: dict[QAction, str] = {}  # actions the role may not use, and why
        menu_file = self.menuBar().addMenu("&File")
        self.settings_action = self._action(menu_file, "&Settings…", "Ctrl+,", self.on_settings)
        self.lock_action = self._action(menu_file, "&Lock", "Ctrl+L", lambda: self.lock("operator"))
        self.staff_action = self._action(menu_file, "&Operators…", "", self.on_staff)
        if not self.context.services.can(Perm.MANAGE_STAFF):
            self._refused[self.staff_action] = "Only a Security Administrator manages operators"
        self.export_action = self._action(
            menu_file, "&Export list…", "Ctrl+Shift+E", self.on_export_list
        )
        menu_file.addSeparator()
        self.quit_action = self._action(menu_file, "&Quit", "Ctrl+Q", self.close)
        menu_view = self.menuBar().addMenu("&View")
        self.page_actions = []
        for number, key in enumerate(PAGE_ORDER, start=1):
            action = self._action(
                menu_view,
                PAGE_TITLES[key],
                f"Ctrl+{number}",
                lambda _c=False, k=key: self.go_to_page(k),
            )
            self.page_actions.append(action)
            if self.page_refusal(key):
                self._refused[action] = self.page_refusal(key)
        menu_view.addSeparator()
        self.find_action = self._action(
            menu_view, "&Find", QKeySequence.StandardKey.Find, self.on_find
        )
        self.refresh_action = self._action(
            menu_view, "&Refresh", QKeySequence.StandardKey.Refresh, self.on_refresh
        )
        menu_help = self.menuBar().addMenu("&Help")
        self.shortcuts_action = self._action(
            menu_help, "&Keyboard shortcuts", "F1", self.on_shortcuts
        )
        self.about_action = self._action(menu_help, "&About Desk App", "", self.on_about)
        self._set_actions_enabled(True)

    def _action(
        self,
        menu: QMenu,
        text: str,
        shortcut: str | QKeySequence.StandardKey,
        slot: Callable[..., object],
    ) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)  # shortcuts work even with the menu bar hidden
        return action

    def _lock_ms(self) -> int:
        return int(self.context.settings["lock_after_minutes"]) * 60_000

    # --- pages ------------------------------------------------------------------------------
    def page(self, key: str) -> BasePage:
        """The page for ``key``, created on first use (a placeholder if its module is missing)."""
        if key not in self.pages:
            try:
                cls = page_class(key)
                page = cls(self.context) if cls else PlaceholderPage(key, self.context)
            except Exception:
                # a broken page must not take the whole window down; the log names the defect
                log.exception("page %s failed to load", key)
                page = PlaceholderPage(key, self.context)
            # a page wider or taller than the window scrolls instead of forcing the window to grow
            holder = QScrollArea(self.stack)
            holder.setWidgetResizable(True)
            holder.setFrameShape(QFrame.Shape.NoFrame)
            holder.setWidget(page)
            self.pages[key] = page
            self._holders[key] = holder
            self.stack.addWidget(holder)
            # the page's modules (and their imports) are loaded by now; the next event-loop turn
            # also catches what its first load pulled in on a pool thread
            QTimer.singleShot(0, forget_imported_sources)
        return self.pages[key]

    def current_key(self) -> str:
        item = self.nav.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else ""

    def current_page(self) -> BasePage | None:
        return self.pages.get(self.current_key())

    def go_to_page(self, key: str) -> None:
        """Show page ``key`` and put the keyboard focus in it (its list, when it has one): the
        page's own keys (Alt+1/2/3 on the Work queue, the table's letters) then work at once,
        where a focus left on the navigation list would not reach them."""
        self._focus_wanted = key
        self.show_page(key)
        if self._showing(key):
            self._focus_page(key)

    def _focus_page(self, key: str) -> None:
        self._focus_wanted = ""
        page = self.pages.get(key)
        if page is None:
            return
        table = getattr(page, "table", None)
        target = table if isinstance(table, QWidget) and table.isVisibleTo(page) else page
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def show_page(self, key: str) -> None:
        if key not in PAGE_ORDER or self.locked:
            return
        if self.page_refusal(key):
            self.status.showMessage(self.page_refusal(key), 5000)
            return
        row = PAGE_ORDER.index(key)
        if self.nav.currentRow() == row:
            if not self._showing(key):
                self.on_nav_row_changed(row)  # selected before the first paint, not yet built
        else:
            self.nav.setCurrentRow(row)

    def on_nav_row_changed(self, row: int) -> None:
        if not (0 <= row < len(PAGE_ORDER)):
            return
        key = PAGE_ORDER[row]
        if self.page_refusal(key):
            return
        if key in self._importing:
            return  # its module is being imported on a pool thread, which shows it when done
        if key not in self.pages and not self._page_module_loaded(key):
            self._load_page_module(row)
            return
        page = self.page(key)
        self.stack.setCurrentWidget(self._holders[page.key])
        first = not self._started and not self._watching
        self._watching = True
        if first:
            self._watch_first_page(page)
        page.on_activated()
        if self._focus_wanted == key:
            self._focus_page(key)
        self.page_shown.emit(page.key)

    def _page_module_loaded(self, key: str) -> bool:
        name = f"desk_app.views.pages.{key}"
        return (
            name in sys.modules
            or key in self._import_failed
            or importlib.util.find_spec(name) is None
        )

    def _load_page_module(self, row: int) -> None:
        """Import a page's module off the GUI thread, then show the page if it is still wanted.

        Pages pull in heavy modules (the PDF engine, intake, numpy for signature ink): imported
        on the GUI thread they froze the window for a third of a second on a page's first visit.
        """
        key = PAGE_ORDER[row]
        if key in self._importing:
            return  # asked again while loading: the pending import shows it
        self._importing.add(key)
        self.status.showMessage(f"Opening {PAGE_TITLES[key].replace('&&', '&')}…")
        ops.op(importlib.import_module, f"desk_app.views.pages.{key}").success(
            lambda _m: self._on_page_module_ready(row)
        ).failure(lambda _exc: self._on_page_module_ready(row, failed=True)).run(
            "general", initiator=self
        )

    def _show_initial_page(self) -> None:
        """Show the first page (after the first paint: the window appears at once)."""
        # the start-up's modules and the window stay for the session: frozen before the first
        # page's import and query allocate enough for a full collection over all of them
        collector.freeze_long_lived("window")
        if self.stack.currentWidget() is None:
            self.on_nav_row_changed(self.nav.currentRow())

    def _on_page_module_ready(self, row: int, failed: bool = False) -> None:
        key = PAGE_ORDER[row]
        self._importing.discard(key)
        if failed:
            self._import_failed.add(key)
        self.status.clearMessage()
        if self.nav.currentRow() == row and not self._showing(key):
            self.on_nav_row_changed(row)

    def on_sync_conflicts_requested(self) -> None:
        if self.locked:
            return
        self.show_page("sync")
        show = getattr(self.pages.get("sync"), "show_conflicts", None)
        if callable(show):
            show()

    def _showing(self, key: str) -> bool:
        holder = self._holders.get(key)
        return holder is not None and self.stack.currentWidget() is holder

    def on_changes(self, changes: Changes, initiator: object | None) -> None:
        for page in self.pages.values():
            page.on_changes(changes, initiator)

    def on_find(self) -> None:
        focus = getattr(self.current_page(), "focus_search", None)
        if callable(focus):
            focus()

    def on_refresh(self) -> None:
        page = self.current_page()
        if page is not None:
            refresh = getattr(page, "refresh", page.on_activated)
            refresh()

    def on_export_list(self) -> None:
        """The shown page's list (the first, when it has several) through the shared export."""
        from desk_app.views import exporting

        page = self.current_page()
        specs = exporting.specs_for(page) if page is not None else []
        if not specs:
            self.status.showMessage("This page has no list to export.", 5000)
            return
        exporting.ask_and_export(self, specs[0], lambda text: self.status.showMessage(text, 10000))

    # --- dialogs ----------------------------------------------------------------------------
    def on_settings(self) -> None:
        from desk_app.views.dialogs.settings import SettingsDialog

        dialog = SettingsDialog(self.context.settings, self, services=self.context.services)
        dialog.settings_saved.connect(self.on_settings_saved)
        dialog.open()

    def on_settings_saved(self, changed: list[str]) -> None:
        if "lock_after_minutes" in changed:
            self.idle.set_timeout_ms(self._lock_ms())
        if "sync_url" in changed:
            self.status.set_sync(
                "not configured" if not self.context.settings["sync_url"] else "not yet run"
            )
        self.status.showMessage(
            "Settings saved"
            + (
                " (the workstation name applies at the next start)"
                if "workstation_name" in changed
                else ""
            ),
            5000,
        )

    def on_staff(self) -> None:
        from desk_app.views.dialogs.staff import StaffDialog

        StaffDialog(self.context.services, self).open()

    def on_shortcuts(self) -> None:
        from desk_app.views.dialogs.shortcuts import ShortcutsDialog

        ShortcutsDialog(self).open()

    def on_about(self) -> None:
        from desk_app.views.dialogs.about import AboutDialog

        paths = self.context.services.paths
        AboutDialog(
            str(paths.database) if paths else "", str(paths.log_dir) if paths else "", self
        ).open()

    # --- lock -------------------------------------------------------------------------------
    def lock(self, reason: str) -> None:
        """Hide the workspace behind the lock screen and audit ``session.lock``."""
        if self.locked:
            return
        self.locked = True
        self.idle.pause()
        for dialog in self.findChildren(QDialog):
            if dialog.isVisible():
                dialog.reject()  # nothing half-edited stays on screen while locked
        self._set_actions_enabled(False)
        minutes = self.context.settings["lock_after_minutes"]
        self.lock_screen.reset(
            f"Locked after {minutes} idle minutes."
            if reason == "idle"
            else "Locked by the operator."
        )
        self.central.setCurrentWidget(self.lock_screen)
        ops.op(session.record_lock, self.context.services, reason).run("writer", initiator=self)
        self.locked_changed.emit(True)

    def on_unlock_requested(self, username: str) -> None:
        ops.op(session.unlock, self.context.services, username).success(
            self.on_unlock_checked
        ).failure(lambda _exc: self.lock_screen.refuse()).run("writer", initiator=self)

    def on_unlock_checked(self, outcome: session.UnlockOutcome) -> None:
        # the lock and unlock events are new audit rows: the bus hears of them from the outcome
        if not outcome.ok:
            self.lock_screen.refuse()
            return
        self.locked = False
        self._set_actions_enabled(True)
        self.central.setCurrentWidget(self.workspace)
        self.idle.resume()
        self.locked_changed.emit(False)

    def _set_actions_enabled(self, enabled: bool) -> None:
        for action in self.actions():
            if action is not self.quit_action:
                refusal = self._refused.get(action, "")
                action.setEnabled(enabled and not refusal)
                if refusal:
                    action.setToolTip(refusal)
                    action.setStatusTip(refusal)

    # --- window state -----------------------------------------------------------------------
    def _restore_state(self) -> None:
        allowed = self.allowed_pages() or list(PAGE_ORDER)
        key = allowed[0]
        if self._state is not None:
            geometry = self._state.value("geometry")
            if geometry is not None:
                self.restoreGeometry(geometry)
            state = self._state.value("state")
            if state is not None:
                self.restoreState(state)
            remembered = str(self._state.value("page", key))
            key = remembered if remembered in allowed else key
        self.nav.blockSignals(True)  # the page itself is built after the first paint
        self.nav.setCurrentRow(PAGE_ORDER.index(key))
        self.nav.blockSignals(False)

    def save_state(self) -> None:
        if self._state is None:
            return
        self._state.setValue("geometry", self.saveGeometry())
        self._state.setValue("state", self.saveState())
        self._state.setValue("page", self.current_key() or PAGE_ORDER[0])
        self._state.sync()

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        self.save_state()
        if self.sync_scheduler is not None:
            self.sync_scheduler.stop()
        if self.arrivals is not None:
            self.arrivals.stop()
        self.idle.unwatch()
        super().closeEvent(event)

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_painted.emit()
            # each timer has the window as its context: it never fires on a closed window
            QTimer.singleShot(0, self, self._show_initial_page)
            # should the first page never report (an import stuck on a slow disk), the rest of
            # start-up still happens
            QTimer.singleShot(FIRST_PAGE_PATIENCE_MS, self, self._on_first_page_ready)
