"""New items in the work queue are announced briefly: a toast in the window's corner that takes
no focus, and the status bar; items already there at start are not news."""

from __future__ import annotations

from desk_app.qt import QApplication, Qt
from desk_app.services.queue.arrivals import Arrivals, arrivals_since
from desk_app.services.queue.intake import IntakeService
from desk_app.views import ops
from tests.intake.makers import filled_form, printed_form


def test_arrivals_are_counted_per_state_after_the_mark(ctx, tmp_path) -> None:
    first = arrivals_since(ctx, None)
    assert first.total == 0 and first.text() == ""
    (tmp_path / "a.pdf").write_bytes(filled_form())
    (tmp_path / "b.txt").write_text("not a form")
    IntakeService(ctx).ingest_files([tmp_path / "a.pdf", tmp_path / "b.txt"])
    found = arrivals_since(ctx, first.mark)
    assert found.total == 2 and found.mark > first.mark
    assert dict(found.by_state)["Quarantine"] == 1
    assert found.text().startswith("2 new items: 1 in ") and found.text().endswith(
        "1 in Quarantine"
    )
    assert arrivals_since(ctx, found.mark).total == 0  # told once
    assert Arrivals(5, (("New", 3),)).text() == "3 new items in New"
    assert Arrivals(5, (("New", 1),)).text() == "1 new item in New"


def test_new_items_show_a_toast_without_taking_the_focus(
    ctx, main_window, qtbot, tmp_path, drain
) -> None:
    main_window.show_page("queue")
    main_window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main_window, timeout=3000)
    main_window._start_arrival_watch()
    watcher = main_window.arrivals
    qtbot.waitUntil(lambda: watcher.mark is not None, timeout=5000)  # the start is not news
    assert not watcher.toast.isVisible()
    typing = main_window.pages["queue"].search  # the operator is typing a search
    typing.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is typing, timeout=3000)
    (tmp_path / "fax.pdf").write_bytes(printed_form())
    with qtbot.waitSignal(watcher.arrived, timeout=30_000) as told:
        ops.op(IntakeService(ctx).ingest_files, [tmp_path / "fax.pdf"]).run("writer")
    assert told.args[0].startswith("1 new item in ")
    assert watcher.toast.isVisible() and watcher.toast.text() == told.args[0]
    assert main_window.status.currentMessage() == told.args[0]
    assert QApplication.focusWidget() is typing  # nothing stolen
    assert QApplication.activeWindow() is main_window
    assert watcher.toast.focusPolicy() == Qt.FocusPolicy.NoFocus
    toast = watcher.toast.geometry()
    assert main_window.rect().contains(toast)  # inside the window, in its corner
    assert toast.right() > main_window.width() // 2 and toast.bottom() > main_window.height() // 2
    watcher.stop()
