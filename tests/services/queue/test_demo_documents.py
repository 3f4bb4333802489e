"""Demo submissions get a real document on first opening: their catalogue form filled with their
own values, stored sealed in the blob store and linked like a received original, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from desk_app.models.audit import AuditEvent
from desk_app.models.base import utcnow
from desk_app.models.submissions import FormSubmission, SubmissionDocument
from desk_app.pdf.read import read_form
from desk_app.pdf.render import page_text
from desk_app.seed import seed_database
from desk_app.services.queue.demo_documents import make_demo_document, why_none


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """One small demo database for the module (seeding takes seconds)."""
    from desk_app.app import open_app
    from desk_app.secrets import MemorySecrets

    app = open_app(tmp_path_factory.mktemp("demo"), secrets=MemorySecrets(), username="alice")
    seed_database(app.services, scale=0.01)
    yield app
    app.close()


def _pick(app, identified: bool = True, **where) -> FormSubmission:
    with app.store.read() as s:
        query = select(FormSubmission)
        if identified:
            query = query.where(FormSubmission.form_number != "")
        for name, value in where.items():
            query = query.where(getattr(FormSubmission, name) == value)
        sub = s.execute(query.limit(1)).scalar_one()
        s.expunge(sub)
        return sub


def test_an_emailed_demo_form_is_filled_with_its_own_values(seeded) -> None:
    sub = _pick(seeded, channel="email", state="ready_for_review")
    made = make_demo_document(seeded.services, str(sub.id))
    assert made is not None and made.changes.record_ids == {str(sub.id)}
    pdf = seeded.services.blobs().get(made.sha256).bytes_for_storage()  # sealed on disk, opened
    assert seeded.services.blobs().raw(made.sha256) != pdf
    reading = read_form(pdf)
    assert reading.form_number == sub.form_number
    for name, value in sub.values.items():
        if isinstance(value, str) and value:
            assert reading.values.get(name) == value, name
    with seeded.store.read() as s:
        doc = s.execute(
            select(SubmissionDocument).where(SubmissionDocument.submission_id == sub.id)
        ).scalar_one()
        assert (doc.role, doc.media_type, doc.sha256) == (
            "original",
            "application/pdf",
            made.sha256,
        )
        assert s.get(FormSubmission, sub.id).sha256 == made.sha256
        assert s.execute(
            select(AuditEvent).where(
                AuditEvent.action == "demo.document", AuditEvent.record_id == sub.id
            )
        ).scalar_one()
    assert make_demo_document(seeded.services, str(sub.id)) is None  # made once, then stored


def test_a_faxed_demo_form_is_printed_flat_with_its_values_on_the_page(seeded) -> None:
    sub = _pick(seeded, channel="fax")
    made = make_demo_document(seeded.services, str(sub.id))
    assert made is not None
    pdf = seeded.services.blobs().get(made.sha256).bytes_for_storage()
    text = page_text(pdf, 0)
    assert sub.values["entity_name"] in text and sub.form_number in text
    assert read_form(pdf).source != "fields"  # flattened: no fillable fields left


def test_quarantined_and_unidentified_items_get_none_and_say_why(seeded) -> None:
    quarantined = _pick(seeded, identified=False, state="quarantine")
    assert make_demo_document(seeded.services, str(quarantined.id)) is None
    why = why_none("quarantine", "", "PDF has JavaScript actions")
    assert why.startswith("Nothing to show: this item is in Quarantine (PDF has JavaScript")
    assert "never identified" in why_none("needs_keying", "", "")
    assert "recorded without a file" in why_none("new", "MO 500-2356", "")


def test_a_real_database_gets_no_generated_documents(ctx) -> None:
    with ctx.uow() as uow:
        sub = FormSubmission(
            form_number="MO 500-2356", channel="counter", state="new", received_at=utcnow()
        )
        uow.session.add(sub)
        uow.commit()
        sub_id = str(sub.id)
    assert make_demo_document(ctx, sub_id) is None
