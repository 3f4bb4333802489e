"""Fits: every page at 1280x720, and at 150% on 1920x1080 (1280x720 logical), without a
page-wide scroll bar, with no visible widget outside its parent."""

from __future__ import annotations

import pytest

from desk_app.qt import QAbstractButton, QLabel, QScrollArea, QWidget
from desk_app.views.main_window import PAGE_ORDER


def _outside_parent(page: QWidget, window: QWidget) -> list[str]:
    """Visible buttons and labels whose box reaches outside their parent's box."""
    bad = []
    for w in page.findChildren(QWidget):
        parent = w.parentWidget()
        if not isinstance(w, QAbstractButton | QLabel) or parent is None:
            continue
        if not w.isVisibleTo(window) or isinstance(parent.parentWidget(), QScrollArea):
            continue
        if not parent.rect().contains(w.geometry()):
            bad.append(f"{type(w).__name__} {getattr(w, 'text', lambda: '')()!r}")
    return bad


@pytest.mark.parametrize("key", PAGE_ORDER)
def test_each_page_fits_1280x720_without_a_page_wide_scroll_bar(key, main_window, qtbot, demo):
    main_window.resize(1280, 720)
    main_window.show()
    main_window.show_page(key)
    qtbot.waitUntil(lambda: main_window.pages.get(key) is not None, timeout=10000)
    qtbot.wait(300)
    holder = main_window._holders[key]
    page = main_window.pages[key]
    assert not holder.horizontalScrollBar().isVisible(), (
        f"{key}: needs {page.minimumSizeHint().width()} px, has {holder.viewport().width()}"
    )
    assert not holder.verticalScrollBar().isVisible(), (
        f"{key}: needs {page.minimumSizeHint().height()} px high, has {holder.viewport().height()}"
    )
    assert _outside_parent(page, main_window) == []
