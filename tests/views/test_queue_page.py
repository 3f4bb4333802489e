"""The Work queue page and its table model, driven as an operator would."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from desk_app.models.base import utcnow
from desk_app.models.submissions import FormSubmission
from desk_app.qt import QApplication, QDropEvent, QMimeData, QPointF, Qt, QUrl
from desk_app.services.listing import ListQuery
from desk_app.services.queue.intake import IntakeService
from desk_app.services.queue.listing import QueueList
from desk_app.views.tablemodels.lazy import ROW_ROLE
from desk_app.views.tablemodels.queue import (
    AGING_ROLE,
    COL_AGE,
    COL_FLAGS,
    COL_FORM,
    QueueTableModel,
)
from tests.intake.makers import eml_with, fax_tiff, filled_form, printed_form


def add(ctx, state="ready_for_review", **fields) -> str:
    values = dict(
        form_number="MO 500-2356",
        channel="fax",
        received_at=utcnow(),
        sender="5735550100",
        entity_code="048-078",
        entity_name="Springfield R-XII",
        requester_name="Ann Smith",
    )
    values.update(fields)
    with ctx.uow() as uow:
        sub = FormSubmission(state=state, **values)
        uow.session.add(sub)
        uow.commit()
        return str(sub.id)


@pytest.fixture
def received(ctx, tmp_path: Path) -> list[str]:
    """Three submissions taken in through the real pipeline: a mailed form, a fax, a bad file."""
    (tmp_path / "m.eml").write_bytes(eml_with([("form.pdf", "application/pdf", filled_form())]))
    (tmp_path / "f.tif").write_bytes(
        fax_tiff(
            printed_form(
                "MO 500-2377", token="t2", entity_code="026-000", entity_name="Cole County Clerk"
            )
        )
    )
    (tmp_path / "x.txt").write_bytes(b"hello")
    IntakeService(ctx).ingest_files([tmp_path / "m.eml", tmp_path / "f.tif", tmp_path / "x.txt"])
    return [r.id for r in QueueList(ctx).fetch(ListQuery(), 0, 10)]


def test_queue_model_passes_qtmodeltester(qtmodeltester, ctx, drain):
    add(ctx)
    add(ctx, received_at=utcnow() - timedelta(days=9), quarantine_reason="")
    model = QueueTableModel(QueueList(ctx), 2)
    model.reload()
    qtmodeltester.check(model, force_py=True)


def test_queue_model_shows_form_age_flags_and_aging(ctx, drain):
    add(ctx, received_at=utcnow() - timedelta(days=9), form_number="")
    add(ctx, received_at=utcnow() - timedelta(minutes=5), duplicate_of_id=None)
    model = QueueTableModel(QueueList(ctx), 2)
    model.reload()
    old, new = model.index(0, COL_AGE), model.index(1, COL_AGE)
    assert model.index(0, COL_FORM).data() == "Unidentified"
    assert old.data() == "9 d" and new.data() == "5 min"
    assert old.data(AGING_ROLE) == "overdue" and new.data(AGING_ROLE) == "ok"
    assert old.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert new.data(Qt.ItemDataRole.BackgroundRole) is None
    assert "Over the SLA" in old.data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(1, COL_FLAGS).data() == ""


def _queue(main_window, qtbot):
    main_window.show_page("queue")
    # keyboard shortcuts reach only the active window; offscreen nothing activates it for us
    main_window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main_window, timeout=3000)
    page = main_window.pages["queue"]
    qtbot.waitUntil(
        lambda: page.count_label.text().endswith(("submission", "submissions")), timeout=5000
    )
    return page


def test_states_listed_with_counts_and_switching_lists(received, main_window, qtbot):
    page = _queue(main_window, qtbot)
    qtbot.waitUntil(lambda: page.states.item(2).text() == "Ready for review (2)", timeout=5000)
    assert page.states.item(9).text() == "Quarantine (1)"
    page.states.setCurrentRow(9)
    qtbot.waitUntil(lambda: page.count_label.text() == "1 submission", timeout=5000)
    assert "x.txt is not a form" in page.model.rows()[0].quarantine_reason


def test_filters_and_search(received, main_window, qtbot):
    page = _queue(main_window, qtbot)
    page.channel_filter.setCurrentIndex(page.channel_filter.findData("email"))
    qtbot.waitUntil(lambda: page.count_label.text() == "1 submission", timeout=5000)
    assert page.model.rows()[0].entity_code == "048-078"
    page.channel_filter.setCurrentIndex(0)
    qtbot.keyClicks(page.search, "cole")
    qtbot.waitUntil(lambda: [r.entity_code for r in page.model.rows()] == ["026-000"], timeout=5000)
    page.search.clear()
    page.search.on_pause()
    page.form_filter.setCurrentIndex(page.form_filter.findData("MO 500-2377"))
    qtbot.waitUntil(
        lambda: [r.form_number for r in page.model.rows()] == ["MO 500-2377"], timeout=5000
    )


def test_keyboard_claim_release_and_preview(received, main_window, qtbot):
    page = _queue(main_window, qtbot)
    qtbot.waitUntil(lambda: page.detail is not None, timeout=5000)
    qtbot.waitUntil(lambda: page.viewer.page_count >= 1, timeout=5000)
    assert "Not held by anyone" in page.summary.text()
    page.table.setFocus()
    first = page.current_row().id
    qtbot.keyClick(page.table, Qt.Key.Key_C)
    qtbot.waitUntil(lambda: page.status.text() == "Claimed.", timeout=5000)
    with page.context.services.store.read() as s:
        claimed = s.get(FormSubmission, __import__("uuid").UUID(first))
        assert (claimed.state, claimed.assigned_to) == ("in_review", "alice")
    # the claimed row left this list; the panes keep it, with its new state and holder
    qtbot.waitUntil(lambda: "Held by alice" in page.summary.text(), timeout=5000)
    assert page.detail.row.id == first and page.review.row.state == "in_review"
    page.states.setCurrentRow(3)  # In review
    qtbot.waitUntil(lambda: page.count_label.text() == "1 submission", timeout=5000)
    qtbot.waitUntil(lambda: page.current_row() is not None, timeout=5000)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: page.count_label.text() == "0 submissions", timeout=5000)


def test_bulk_assign_and_move_with_reason(received, main_window, qtbot):
    page = _queue(main_window, qtbot)
    page.table.selectAll()
    page.assign_selected("bob")
    qtbot.waitUntil(lambda: page.status.text() == "2 assigned to bob.", timeout=5000)
    qtbot.waitUntil(lambda: all(r.assigned_to == "bob" for r in page.model.rows()), timeout=5000)
    page.select_row(0)
    page.move_current("waiting_on_requester", reason="PIN missing")
    qtbot.waitUntil(lambda: page.count_label.text() == "1 submission", timeout=5000)


def test_dashboard_draws_from_stats(received, main_window, qtbot):
    page = _queue(main_window, qtbot)
    page.tabs.setCurrentWidget(page.dashboard)
    qtbot.waitUntil(lambda: page.dashboard.stats is not None, timeout=5000)
    assert page.dashboard.stats.days[-1].arrivals == 3
    assert "3 open" in page.dashboard.totals.text()
    image = page.dashboard.per_day.grab()
    assert not image.isNull()


def test_dropping_files_on_the_page_takes_them_in(main_window, qtbot, tmp_path):
    page = _queue(main_window, qtbot)
    form = tmp_path / "dropped.pdf"
    form.write_bytes(filled_form(token="drop"))
    (tmp_path / "ignored.docx").write_bytes(b"PK")
    mime = QMimeData()
    mime.setUrls(
        [QUrl.fromLocalFile(str(form)), QUrl.fromLocalFile(str(tmp_path / "ignored.docx"))]
    )
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    page.dropEvent(event)
    qtbot.waitUntil(lambda: page.status.text() == "Took in 1 file(s).", timeout=10000)
    qtbot.waitUntil(
        lambda: [r.form_number for r in page.model.rows()] == ["MO 500-2356"], timeout=5000
    )
    assert page.model.index(0, 0).data(ROW_ROLE).channel == "file"


def test_unidentified_submission_is_named_then_needs_keying(ctx, main_window, qtbot):
    add(ctx, "new", form_number="")
    page = _queue(main_window, qtbot)
    page.states.setCurrentRow(0)  # New
    qtbot.waitUntil(lambda: page.count_label.text() == "1 submission", timeout=5000)
    qtbot.waitUntil(lambda: page.current_row() is not None, timeout=5000)
    assert page.model.index(0, COL_FORM).data() == "Unidentified"
    page.identify_current("MO 500-3209")
    qtbot.waitUntil(lambda: page.status.text() == "Form set to MO 500-3209.", timeout=5000)
    page.states.setCurrentRow(1)  # Needs keying
    qtbot.waitUntil(
        lambda: [r.form_number for r in page.model.rows()] == ["MO 500-3209"], timeout=5000
    )


def test_files_dropped_anywhere_on_the_main_window_are_taken_in(main_window, qtbot, tmp_path):
    page = _queue(main_window, qtbot)
    form = tmp_path / "onwindow.pdf"
    form.write_bytes(filled_form(token="win"))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(form))])
    event = QDropEvent(
        QPointF(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    assert main_window.acceptDrops()
    # Qt delivers a drop only during a real drag; the window's filter is what sees it then
    assert page.drop_filter.eventFilter(main_window, event) is True
    qtbot.waitUntil(lambda: page.status.text() == "Took in 1 file(s).", timeout=10000)


def test_review_tab_verifies_the_current_submission(received, main_window, qtbot):
    page = _queue(main_window, qtbot)
    qtbot.waitUntil(lambda: page.detail is not None, timeout=5000)
    page.tabs.setCurrentWidget(page.review)
    qtbot.waitUntil(lambda: page.review.report is not None, timeout=10000)
    assert page.review.submission_id == page.detail.row.id
    assert page.review.checks.toPlainText().strip()


def test_the_state_list_shows_whole_titles_with_their_counts(main_window, qtbot, ctx) -> None:
    for _ in range(12):
        add(ctx, state="waiting_on_requester")  # the longest title, with a two-digit count
    page = _queue(main_window, qtbot)
    item = next(
        page.states.item(i)
        for i in range(page.states.count())
        if page.states.item(i).data(Qt.ItemDataRole.UserRole) == "waiting_on_requester"
    )
    qtbot.waitUntil(lambda: item.text().endswith("(12)"), timeout=5000)
    # wide enough for the longest title: nothing is cut off and no horizontal scroll bar appears
    assert page.states.viewport().width() >= page.states.sizeHintForColumn(0)
    assert not page.states.horizontalScrollBar().isVisible()


def test_the_row_colours_have_a_legend(main_window, qtbot) -> None:
    page = _queue(main_window, qtbot)
    legend = page.sla_legend.text()
    assert "overdue" in legend and "due" in legend
    assert "past the SLA" in page.sla_legend.toolTip()
    assert page.sla_legend.isVisibleTo(main_window)
