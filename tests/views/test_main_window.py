"""The main window: pages, shortcuts, status bar, settings, idle lock."""

from __future__ import annotations

from desk_app.qt import QApplication, QEvent, QLineEdit, Qt
from desk_app.services.listing import ListQuery
from desk_app.services.records.audit_log import AuditLogService
from desk_app.views.pages import PAGE_ORDER
from desk_app.views.pages.placeholder import PlaceholderPage


def test_opens_with_every_page(main_window, qtbot) -> None:
    for key in PAGE_ORDER:
        main_window.show_page(key)
        page = main_window.current_page()
        assert page is not None and page.key == key
        assert main_window.stack.currentWidget().widget() is page
    assert isinstance(main_window.pages["entities"], PlaceholderPage) is False
    assert isinstance(main_window.pages["audit"], PlaceholderPage) is False


def test_a_page_module_not_loaded_yet_is_imported_off_the_gui_thread(
    main_window, qtbot, monkeypatch
) -> None:
    import importlib
    import sys
    import threading

    import desk_app.views.pages as pages

    name = "desk_app.views.pages.audit"
    monkeypatch.delitem(sys.modules, name)  # as at the first visit after start-up
    monkeypatch.setattr(pages, "audit", pages.audit)  # restored after the re-import
    threads: list[str] = []
    original = importlib.import_module

    def recording(module: str, package: str | None = None):
        if module == name and name not in sys.modules:  # a real import, not a look-up
            threads.append(threading.current_thread().name)
        return original(module, package)

    monkeypatch.setattr(importlib, "import_module", recording)
    main_window.show_page("audit")
    assert "audit" not in main_window.pages  # not built on the spot: its module is loading
    assert "Opening Audit" in main_window.status.currentMessage()
    qtbot.waitUntil(lambda: main_window.current_key() == "audit" and "audit" in main_window.pages)
    assert main_window.stack.currentWidget().widget() is main_window.pages["audit"]
    assert len(threads) == 1 and threads[0] != threading.main_thread().name
    assert main_window.status.currentMessage() == ""


def test_placeholder_names_the_later_capability(main_window) -> None:
    from desk_app.views.main_window import page_class

    missing = [k for k in PAGE_ORDER if page_class(k) is None]
    for key in missing:
        main_window.show_page(key)
        assert isinstance(main_window.current_page(), PlaceholderPage)
    if "educators" in missing:
        texts = " ".join(
            w.text()
            for w in main_window.pages["educators"].findChildren(type(main_window.status.sync))
        )
        assert "certificates" in texts


def test_ctrl_number_navigates(main_window, qtbot) -> None:
    for number, key in enumerate(PAGE_ORDER, start=1):
        qtbot.keyClick(
            main_window, Qt.Key(Qt.Key.Key_0 + number), Qt.KeyboardModifier.ControlModifier
        )
        assert main_window.current_key() == key


def test_ctrl_f_focuses_the_search_box(main_window, qtbot) -> None:
    main_window.show_page("entities")
    qtbot.keyClick(main_window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: main_window.pages["entities"].search.hasFocus())


def test_status_bar_names_database_operator_workstation_sync(main_window, app_paths, qtbot) -> None:
    status = main_window.status
    assert status.database.text() == f"Database: {app_paths.database.name}"
    assert status.operator.text() == "Alice (Security Administrator)"
    assert status.workstation.text() == "Workstation: ws-test"
    # the sync area's own widget takes over the sync slot after the first paint
    qtbot.waitUntil(lambda: status.sync_widget is not None, timeout=10_000)
    qtbot.waitUntil(
        lambda: status.sync_widget.label.text().startswith("Sync: not configured · "),
        timeout=5000,
    )  # and how many changes wait to be pushed
    assert not status.sync.isVisible()


def test_status_bar_sync_conflicts_open_the_sync_page(main_window, qtbot) -> None:
    qtbot.waitUntil(lambda: main_window.status.sync_widget is not None, timeout=10_000)
    main_window.status.sync_widget.conflicts_requested.emit()
    assert main_window.current_key() == "sync"


def test_idle_lock_and_unlock_are_audited(main_window, qtbot, ctx, drain) -> None:
    main_window.idle.set_timeout_ms(80)
    with qtbot.waitSignal(main_window.locked_changed, timeout=3000) as locked:
        pass
    assert locked.args == [True]
    assert main_window.central.currentWidget() is main_window.lock_screen
    assert not main_window.find_action.isEnabled()
    screen = main_window.lock_screen
    screen.username.setText("mallory")
    screen.unlock_button.click()
    qtbot.waitUntil(lambda: screen.error.text() != "")
    assert main_window.locked
    screen.username.setText("ALICE")
    with qtbot.waitSignal(main_window.locked_changed, timeout=3000) as unlocked:
        screen.unlock_button.click()
    assert unlocked.args == [False]
    assert main_window.central.currentWidget() is main_window.workspace
    drain()
    actions = [r.action for r in AuditLogService(ctx).fetch(ListQuery(), 0, 20)]
    assert {"session.lock", "session.unlock", "session.unlock_refused"} <= set(actions)


def test_ctrl_l_locks_at_once(main_window, qtbot) -> None:
    qtbot.keyClick(main_window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert main_window.locked
    assert main_window.lock_screen.reason.text() == "Locked by the operator."


def test_geometry_and_page_are_remembered(qtbot, page_context, app_paths, drain) -> None:
    from desk_app.views.main_window import MainWindow

    first = MainWindow(page_context, config_dir=app_paths.config_dir)
    qtbot.addWidget(first)
    first.resize(700, 500)  # inside the 800x600 offscreen screen
    first.show_page("audit")
    first.close()
    second = MainWindow(page_context, config_dir=app_paths.config_dir)
    qtbot.addWidget(second)
    assert second.current_key() == "audit"
    assert (second.width(), second.height()) == (700, 500)
    second.close()


def test_every_interactive_widget_has_an_accessible_name(main_window) -> None:
    from desk_app.qt import QAbstractButton, QAbstractItemView, QComboBox, QWidget

    interactive = (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView)

    for key in PAGE_ORDER:
        main_window.show_page(key)
    nameless = [
        f"{type(w).__name__} {w.objectName()}"
        for w in main_window.findChildren(QWidget)
        if isinstance(w, interactive)
        and not w.accessibleName()
        and w.isVisibleTo(main_window)
        and w.parent().objectName() != "qt_scrollarea_viewport"
    ]
    assert nameless == []


def test_input_postpones_the_idle_lock(main_window, qtbot) -> None:
    main_window.idle.set_timeout_ms(400)
    for _ in range(6):
        qtbot.wait(150)
        # through the window, as the platform delivers a key press (not straight to a widget)
        qtbot.keyClick(main_window.windowHandle(), Qt.Key.Key_Shift)
    assert not main_window.locked  # 900 ms of activity with a 400 ms timeout
    qtbot.waitUntil(lambda: main_window.locked, timeout=3000)


def test_input_to_a_dialog_postpones_the_idle_lock_too(main_window, qtbot) -> None:
    from desk_app.qt import QDialog, QGuiApplication, QVBoxLayout

    focused: list[object] = []
    QGuiApplication.instance().focusWindowChanged.connect(focused.append)
    dialog = QDialog(main_window)
    QVBoxLayout(dialog).addWidget(QLineEdit(dialog))
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    # the offscreen platform may hand the focus on again at once: that the dialog had it is enough
    qtbot.waitUntil(lambda: dialog.windowHandle() in focused, timeout=3000)
    main_window.idle.set_timeout_ms(400)
    for _ in range(6):
        qtbot.wait(150)
        qtbot.keyClick(dialog.windowHandle(), Qt.Key.Key_A)
    assert not main_window.locked  # 900 ms of typing in the dialog with a 400 ms timeout
    dialog.close()
    qtbot.waitUntil(lambda: main_window.locked, timeout=3000)


def test_the_idle_watch_is_on_the_windows_not_on_every_object(main_window, qtbot) -> None:
    """An application-wide filter costs a call into Python (and the interpreter lock) for
    every event of every object, each widget's paint included."""
    from desk_app.views.widgets.idle import IdleMonitor

    seen: list[int] = []

    class Counting(IdleMonitor):
        def eventFilter(self, watched, event):  # noqa: N802 - Qt's name
            seen.append(int(event.type()))
            return super().eventFilter(watched, event)

    monitor = Counting(60_000, main_window)
    monitor.watch(QApplication.instance())
    try:
        main_window.repaint()  # every widget of the page paints
        assert seen.count(int(QEvent.Type.Paint)) == 0
        qtbot.keyClick(main_window.windowHandle(), Qt.Key.Key_Shift)
        assert int(QEvent.Type.KeyPress) in seen
    finally:
        monitor.unwatch()


def test_tab_walks_the_entities_page_in_reading_order(main_window, qtbot, demo) -> None:
    main_window.show_page("entities")
    page = main_window.pages["entities"]
    main_window.activateWindow()
    page.search.setFocus()
    qtbot.waitUntil(page.search.hasFocus)
    order = []
    for _ in range(3):
        qtbot.keyClick(main_window.focusWidget(), Qt.Key.Key_Tab)
        order.append(main_window.focusWidget())
    assert order == [page.kind, page.table, page.detail]


def test_locked_window_hides_pages_and_refuses_page_shortcuts(main_window, qtbot) -> None:
    main_window.show_page("entities")
    main_window.lock("operator")
    qtbot.keyClick(main_window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert main_window.current_key() == "entities"
    assert not main_window.workspace.isVisible()
    assert main_window.quit_action.isEnabled()


def test_first_page_is_built_after_the_first_paint_importing_off_the_gui_thread(
    qtbot, page_context, app_paths, monkeypatch, drain
) -> None:
    import sys

    from desk_app.qt import QSettings
    from desk_app.views.main_window import MainWindow

    state = QSettings(str(app_paths.config_dir / "window.ini"), QSettings.Format.IniFormat)
    state.setValue("page", "audit")
    state.sync()
    monkeypatch.delitem(sys.modules, "desk_app.views.pages.audit", raising=False)
    window = MainWindow(page_context, config_dir=app_paths.config_dir)
    qtbot.addWidget(window)
    assert window.pages == {}  # nothing built before the window paints
    with qtbot.waitSignal(window.page_shown, timeout=10_000) as shown:
        window.show()
    assert shown.args == ["audit"]
    assert window.stack.currentWidget().widget() is window.pages["audit"]


def test_ctrl_comma_opens_settings_and_f5_refreshes(main_window, qtbot, demo, ctx) -> None:
    from desk_app.views.dialogs.settings import SettingsDialog

    qtbot.keyClick(main_window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    dialog = main_window.findChild(SettingsDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.reject()
    main_window.show_page("audit")
    page = main_window.pages["audit"]
    qtbot.waitUntil(lambda: page.count_label.text() == "3 events", timeout=5000)
    from desk_app.services import session

    session.record_lock(ctx, "test")  # a change made elsewhere, without the change bus
    qtbot.keyClick(main_window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: page.count_label.text() == "4 events", timeout=5000)


def test_pdf_sandbox_is_warmed_after_first_paint(main_window, qtbot) -> None:
    from desk_app.sandbox.api import default_sandbox

    main_window._warm_sandbox()
    qtbot.waitUntil(lambda: bool(default_sandbox().pids()), timeout=10000)


def test_a_demo_database_says_so_in_a_banner(main_window, qtbot, ctx) -> None:
    from desk_app.models import auditchain as audit

    main_window.check_demo_data()
    qtbot.wait(200)
    assert not main_window.demo_banner.isVisibleTo(main_window)  # a real database: no banner
    with ctx.uow() as uow:
        audit.record(uow, "seed.demo_data", summary="demo data written at scale 0.001")
        uow.commit()
    main_window.check_demo_data()
    qtbot.waitUntil(lambda: main_window.demo_banner.isVisibleTo(main_window), timeout=3000)
    assert "Demo data" in main_window.demo_banner.text()


def test_what_lives_for_the_session_is_frozen_out_of_the_collector_after_start(
    qtbot, page_context, app_paths, monkeypatch, drain
) -> None:
    from desk_app import collector
    from desk_app.views.main_window import MainWindow

    moments: list[str] = []
    monkeypatch.setattr(collector, "freeze_long_lived", moments.append)
    window = MainWindow(page_context, config_dir=app_paths.config_dir)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.first_page_ready, timeout=10_000):
        window.show()
    # frozen as the first rows show, before the signal that lets the rest of start-up begin
    assert moments == ["window", "first page"]
    qtbot.waitUntil(lambda: moments == ["window", "first page", "page modules"], timeout=10_000)
