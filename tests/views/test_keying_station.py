"""The keying station: the faxed page beside the fields, the current field zoomed, values saved."""

from __future__ import annotations

import uuid

import pytest

from desk_app.models.submissions import FormSubmission
from desk_app.qt import QLineEdit, Qt
from desk_app.services.listing import ListQuery
from desk_app.services.queue.intake import IntakeService
from desk_app.services.queue.listing import QueueList
from desk_app.services.queue.service import QueueService
from desk_app.views.widgets.keying_station import RENDER_ZOOM, KeyingStation
from tests.intake.makers import fax_tiff


@pytest.fixture
def faxed(ctx, tmp_path):
    """A fax of a printed form whose data barcode did not survive: it needs keying."""
    import pymupdf

    from desk_app.pdf.generate import generate_form

    # a blank printed form (no data barcode), written on by hand in the operator's imagination
    blank = generate_form("MO 500-2356", token="kq")
    doc = pymupdf.open(stream=blank, filetype="pdf")
    for page in doc:
        for w in list(page.widgets()):
            page.delete_widget(w)
    (tmp_path / "k.tif").write_bytes(fax_tiff(doc.tobytes()))
    IntakeService(ctx).ingest_files([tmp_path / "k.tif"])
    [row] = QueueList(ctx).fetch(ListQuery(filters=(("state", "needs_keying"),)), 0, 5)
    detail = QueueList(ctx).detail(row.id)
    doc_dto = next(d for d in detail.documents if d.role == "normalised")
    return detail, QueueList(ctx).document_bytes(doc_dto.id)


def _station(qtbot, ctx, faxed) -> KeyingStation:
    detail, pdf = faxed
    service = QueueService(ctx)
    station = KeyingStation(
        lambda sid, values, complete: service.save_keyed_values(sid, values, complete=complete)
    )
    qtbot.addWidget(station)
    station.resize(1100, 700)
    station.show()
    station.open(detail.row.id, detail.row.form_number, pdf, 1, detail.values)
    qtbot.waitUntil(lambda: station.save_button.isEnabled(), timeout=10000)
    return station


def test_fields_beside_the_page_and_the_current_field_zoomed(qtbot, ctx, faxed, drain):
    station = _station(qtbot, ctx, faxed)
    assert "MO 500-2356" in station.title_label.text()
    assert station.current is not None and station.current.name == "entity_name"
    first_zoom = station.zoom_label.pixmap().toImage()
    assert not first_zoom.isNull()
    with qtbot.waitSignal(station.field_changed) as changed:
        station.focus_field("entity_code")
    assert changed.args == ["entity_code"]
    second_zoom = station.zoom_label.pixmap().toImage()
    assert second_zoom != first_zoom  # another box of the page is magnified
    rect = station.current.rect
    box = station._box(station.current)
    assert box.x() == pytest.approx((rect[0] - 8) * RENDER_ZOOM, abs=1)


def test_typing_a_bad_value_names_the_problem(qtbot, ctx, faxed, drain):
    station = _station(qtbot, ctx, faxed)
    editor = station.editors["signed_date"]
    assert isinstance(editor, QLineEdit)
    station.focus_field("signed_date")
    qtbot.keyClicks(editor, "2026-11-20")
    assert "MM/DD/YYYY" in station.problem_label.text()
    assert "#b00020" in station.problem_label.styleSheet()
    editor.clear()
    qtbot.keyClicks(editor, "11/20/2026")
    assert station.problem_label.text() == ""


def test_keyed_values_are_saved_and_sent_to_review(qtbot, ctx, faxed, drain):
    station = _station(qtbot, ctx, faxed)
    qtbot.keyClicks(station.editors["entity_name"], "Springfield R-XII")
    qtbot.keyClicks(station.editors["entity_code"], "048-078")
    qtbot.mouseClick(station.done_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: station.problem_label.text() == "Saved.", timeout=5000)
    assert "#b00020" not in station.problem_label.styleSheet()  # a confirmation, not an error
    with ctx.store.read() as s:
        sub = s.get(FormSubmission, uuid.UUID(station.submission_id))
        assert sub.state == "ready_for_review"
        assert (
            sub.values["entity_code"] == "048-078"
            and sub.values["entity_name"] == "Springfield R-XII"
        )


def test_the_entity_record_fills_in_what_it_knows(qtbot, ctx, faxed, drain):
    from desk_app.services.directory.forms import entity_prefill
    from tests.views.conftest import add_demo_rows

    add_demo_rows(ctx)
    station = _station(qtbot, ctx, faxed)
    station.prefill = lambda _sid, number, code: (
        {k: (v, "entity record") for k, v in entity_prefill(ctx, number, code).values.items()}
        if code
        else {}
    )
    editor = station.editors["entity_code"]
    station.focus_field("entity_code")
    qtbot.keyClicks(editor, "048-078")
    # Return ends the editing whether or not the offscreen window has the focus (Tab needs it)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: station.value_of("entity_name") != "", timeout=10000)
    assert station.value_of("entity_name") == "Kansas City Public Schools"
    assert "entity record" in station.problem_label.text()
    assert "#b00020" not in station.problem_label.styleSheet()


def test_clearing_leaves_no_fields_of_the_last_submission(qtbot, ctx, faxed, drain):
    station = _station(qtbot, ctx, faxed)
    qtbot.keyClicks(station.editors["entity_code"], "048-078")
    station.clear()
    assert station.editors == {} and station.submission_id == ""
    assert not station.save_button.isEnabled()


def test_a_faxed_form_with_a_request_token_needs_only_what_a_person_wrote(
    qtbot, ctx, main_window, tmp_path, drain
):
    """Generated with a token (entity, signer, the user-manager block) -> printed and faxed ->
    taken in -> the keying station fills in everything the token and the entity record know."""
    from desk_app.services.directory.forms import generate_with_token
    from tests.views.conftest import add_demo_rows
    from tests.views.test_queue_page import _queue

    add_demo_rows(ctx)
    asked = {
        "requester_email": "office@kcps.k12.mo.us",
        "um_action": "add",
        "um_first_name": "Lee",
        "um_last_name": "Park",
        "um_email": "lpark@kcps.k12.mo.us",
    }
    made = generate_with_token(ctx, "MO 500-2356", "048-078", asked)
    assert made.token.startswith("RQ") and "um_email" in made.prefilled
    (tmp_path / "back.tif").write_bytes(fax_tiff(made.pdf))  # printed, signed by hand, faxed
    IntakeService(ctx).ingest_files([tmp_path / "back.tif"])
    [row] = QueueList(ctx).fetch(ListQuery(filters=(("state", "needs_keying"),)), 0, 5)
    # the token names the entity: the row shows it at once, before anything is keyed
    assert (row.entity_code, row.entity_name) == ("048-078", "Kansas City Public Schools")
    page = _queue(main_window, qtbot)
    page.states.setCurrentRow(1)  # Needs keying
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.row.id == row.id, timeout=5000)
    page.open_keying()
    station = page.keying
    qtbot.waitUntil(lambda: station.value_of("um_email") != "", timeout=15000)
    for name, value in asked.items():
        assert station.value_of(name) == value, name
    assert station.value_of("entity_name") == "Kansas City Public Schools"
    assert f"request token {made.token}" in station.problem_label.text()
    # left for the person at the keyboard: what was written by hand on the page
    empty = {n for n, f in ((f.name, f) for f in station.layout_.fields) if f.required} - {
        n for n in station.editors if station.value_of(n)
    }
    assert empty <= {"pin", "signed_date", "signer_name", "signer_title"}
    assert {"pin", "signed_date"} <= empty
    assert station.current is not None and station.current.name in empty
