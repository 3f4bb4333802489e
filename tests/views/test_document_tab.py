"""The queue's Document tab on demo data: a seeded submission shows its generated document on
first opening; one with nothing to show says why instead of a grey area."""

from __future__ import annotations

import pytest

from desk_app.qt import QApplication
from desk_app.seed import seed_database


@pytest.fixture
def seeded_window(ctx, main_window):
    seed_database(ctx, scale=0.01)
    return main_window


def _shown(page, qtbot) -> None:
    """Wait for the rows of the state just chosen (the previous state's rows stay until then)."""
    qtbot.waitUntil(
        lambda: page.model.query.filter("state") == page.state and page.model.rowCount() > 0,
        timeout=10_000,
    )


def _queue(window, qtbot):
    window.show_page("queue")
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    page = window.pages["queue"]
    page.refresh()
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=10_000)
    return page


def test_a_demo_submission_shows_its_generated_document(seeded_window, qtbot, drain) -> None:
    page = _queue(seeded_window, qtbot)
    page.states.setCurrentRow(0)  # New: identified demo forms
    _shown(page, qtbot)
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: page.viewer.page_count >= 1, timeout=30_000)
    assert not page.viewer.absence.isVisible()
    row = page.current_row()
    assert page.detail is not None and page.detail.row.id == row.id
    # stored like a received original: opening it again reads it from the blob store
    detail = page.listing.detail(row.id)
    assert [d.role for d in detail.documents] == ["original"]


def test_a_quarantined_demo_item_says_why_it_shows_nothing(seeded_window, qtbot, drain) -> None:
    page = _queue(seeded_window, qtbot)
    page.states.setCurrentRow(9)  # Quarantine
    _shown(page, qtbot)
    page.table.selectRow(0)
    qtbot.waitUntil(
        lambda: page.detail is not None and page.detail.row.state == "quarantine", timeout=10_000
    )
    assert page.viewer.absence.isVisible()
    text = page.viewer.absence.text()
    assert text.startswith("Nothing to show: this item is in Quarantine (")
    assert page.current_row().quarantine_reason in text
    assert not page.viewer.page_area.isVisible()
