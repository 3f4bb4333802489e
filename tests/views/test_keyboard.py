"""Keyboard-only work: the shortcut map (F1) matches the keys the window really has, the panes
of the Work queue have shortcuts, Ctrl+End reaches the real last row, and tables sort from the
keyboard."""

from __future__ import annotations

from desk_app.models.base import utcnow
from desk_app.models.submissions import FormSubmission
from desk_app.qt import QApplication, QKeySequence, QShortcut, Qt
from desk_app.views.dialogs.shortcuts import ShortcutsDialog
from desk_app.views.main_window import PAGE_ORDER
from desk_app.views.shortcuts import SHORTCUTS
from desk_app.views.tablemodels.lazy import PAGE
from tests.views.test_mnemonics import _reachable
from tests.views.test_queue_page import _queue


def _many(ctx, n: int) -> None:
    with ctx.uow() as uow:
        for i in range(n):
            uow.session.add(
                FormSubmission(
                    state="ready_for_review",
                    form_number="MO 500-2356",
                    channel="fax",
                    received_at=utcnow(),
                    sender=f"555{i:05d}",
                )
            )
        uow.commit()


def _keys_the_window_has(window) -> set[str]:
    found = set()
    for key in PAGE_ORDER:
        window.show_page(key)
        page = window.pages.get(key)
        for tabs in page.findChildren(type(page.tabs)) if hasattr(page, "tabs") else []:
            for i in range(tabs.count()):
                tabs.setCurrentIndex(i)
                found |= {f"Alt+{letter.upper()}" for letter, _ in _reachable(window)}
        found |= {f"Alt+{letter.upper()}" for letter, _ in _reachable(window)}
    for action in window.actions():
        found |= {s.toString() for s in action.shortcuts()}
    for shortcut in window.findChildren(QShortcut):
        found.add(shortcut.key().toString())
    return found


def test_every_key_in_the_shortcut_map_exists(main_window, qtbot) -> None:
    main_window.show()
    have = _keys_the_window_has(main_window)
    single = [s.keys for s in SHORTCUTS if " " not in s.keys and "…" not in s.keys]
    normal = {QKeySequence(k).toString() for k in single}
    assert normal - have == set()


def test_f1_opens_the_shortcut_map(main_window, qtbot) -> None:
    _queue(main_window, qtbot)
    qtbot.keyClick(main_window, Qt.Key.Key_F1)
    qtbot.waitUntil(
        lambda: any(d.isVisible() for d in main_window.findChildren(ShortcutsDialog)),
        timeout=3000,
    )
    dialog = main_window.findChildren(ShortcutsDialog)[0]
    assert dialog.table.rowCount() == len(SHORTCUTS)
    dialog.reject()


def test_alt_digits_reach_the_queue_panes(ctx, main_window, qtbot) -> None:
    page = _queue(main_window, qtbot)
    page.search.setFocus()
    for key, target in ((Qt.Key.Key_1, page.states), (Qt.Key.Key_2, page.table)):
        qtbot.keyClick(QApplication.focusWidget(), key, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda t=target: QApplication.focusWidget() is t, timeout=2000)
    qtbot.keyClick(page.table, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: page.tabs.isAncestorOf(QApplication.focusWidget()) or
                    QApplication.focusWidget() is page.tabs, timeout=2000)  # fmt: skip


def test_ctrl_end_goes_to_the_real_last_row(ctx, main_window, qtbot) -> None:
    _many(ctx, PAGE + 30)
    page = _queue(main_window, qtbot)
    qtbot.waitUntil(lambda: page.model.rowCount() == PAGE, timeout=5000)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.table.currentIndex().row() == PAGE + 29, timeout=5000)
    assert page.model.rowCount() == PAGE + 30


def test_sorting_from_the_keyboard(ctx, main_window, qtbot) -> None:
    _many(ctx, 3)
    page = _queue(main_window, qtbot)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=5000)
    page.table.setFocus()
    page.select_row(0)
    before = page.model.query
    qtbot.keyClick(
        page.table,
        Qt.Key.Key_S,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: page.model.query != before, timeout=5000)
    assert page.model.query.sort == "received" and page.model.query.descending
