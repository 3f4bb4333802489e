"""Source documents of evidence: uploads checked or converted by the sandbox child and kept in the
blob store, queue documents linked, every attach and every opening audited; evidence naming a
document of another educator refused; evidence listed with its source and corrected (audited)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pymupdf
import pytest
from PIL import Image
from sqlalchemy import select

from desk_app.errors import KnownError
from desk_app.models.educators import CertificateClassification, EducatorDocument
from desk_app.models.submissions import FormSubmission, SubmissionDocument
from desk_app.pdf.errors import PdfRejected
from desk_app.pdf.generate import generate_form
from desk_app.rules.certification import MISSOURI_PUBLIC_SCHOOL, classification_rows
from desk_app.services.educators import documents
from desk_app.services.educators.editing import NewProfile, create_profile
from desk_app.services.educators.evidence import EvidenceEntry, add_evidence
from desk_app.services.educators.evidence_items import list_evidence, update_evidence
from desk_app.services.listing import ListQuery
from desk_app.services.records.audit_log import AuditLogService


@pytest.fixture
def specialist(make_ctx):
    ctx = make_ctx(role="certification_specialist", username="carol")
    with ctx.uow() as uow:
        for row in classification_rows():
            uow.session.add(CertificateClassification(**row))
        uow.commit()
    return ctx


def _profile(ctx, ssn: str = "123-45-6789", last: str = "Delgado") -> str:
    return create_profile(
        ctx, NewProfile(ssn, date(1985, 4, 12), "Maria", last, f"{last.lower()}@example.org")
    ).educator_id


def _scan_png() -> bytes:
    image = Image.new("L", (850, 1100), 255)
    for x in range(100, 700):
        image.putpixel((x, 200), 0)
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(100, 100))
    return out.getvalue()


def _actions(make_ctx) -> list[str]:
    events = AuditLogService(make_ctx(role="auditor")).fetch(
        ListQuery().with_filter("record_type", "educator"), 0, 200
    )
    return [e.action for e in events]


def test_uploads_are_kept_by_hash_and_scans_become_pdfs(specialist, make_ctx) -> None:
    educator = _profile(specialist)
    pdf = generate_form("MO 500-3209", {})
    attached = documents.attach_upload(specialist, educator, pdf, "contract.pdf")
    doc = attached.document
    assert doc.origin == "upload" and doc.page_count >= 1 and doc.media_type == "application/pdf"
    scan = documents.attach_upload(specialist, educator, _scan_png(), "C:\\scans\\mentor.png")
    assert scan.document.filename.endswith("mentor.png")
    assert scan.document.media_type == "image/png"
    with specialist.store.read() as s:
        rows = {
            d.filename: (d.sha256, d.view_sha256)
            for d in s.execute(select(EducatorDocument)).scalars()
        }
    kept_sha, kept_view = rows["contract.pdf"]
    assert kept_sha == kept_view  # a PDF is shown as received
    png_sha, png_view = next(v for name, v in rows.items() if name.endswith("mentor.png"))
    assert png_sha != png_view  # the scan is shown as the child's PDF
    # the blob store is sealed (nothing in clear on disk), and gives the bytes back checked
    assert specialist.blobs().path(kept_sha).read_bytes()[:4] == b"DAB1"
    shown_doc, received = documents.document_for_viewing(specialist, scan.document.id)
    shown = received.bytes_for_storage()  # the test looks inside; the app sends it to the sandbox
    assert shown.startswith(b"%PDF") and shown_doc.id == scan.document.id
    assert pymupdf.open(stream=shown, filetype="pdf").page_count == 1
    listed = documents.documents_of(specialist, educator)
    assert {d.id for d in listed} == {doc.id, scan.document.id}
    actions = _actions(make_ctx)
    assert actions.count("educator.document.upload") == 2
    assert "educator.document.view" in actions


def test_a_hostile_upload_is_refused_and_nothing_kept(specialist) -> None:
    educator = _profile(specialist)
    doc = pymupdf.open(stream=generate_form("MO 500-3209", {}), filetype="pdf")
    doc.xref_set_key(doc.pdf_catalog(), "OpenAction", "<</S/JavaScript/JS(app.alert\\(1\\))>>")
    with pytest.raises(PdfRejected, match="JavaScript"):
        documents.attach_upload(specialist, educator, doc.tobytes(), "evil.pdf")
    with pytest.raises(PdfRejected):
        documents.attach_upload(specialist, educator, b"just some words", "notes.txt")
    assert documents.documents_of(specialist, educator) == ()


def test_a_queue_document_is_linked_and_evidence_names_it(specialist, make_ctx) -> None:
    educator = _profile(specialist)
    pdf = generate_form("MO 500-3209", {})
    sha = specialist.blobs().put(pdf)
    with specialist.uow() as uow:
        sub = FormSubmission(channel="email", received_at=datetime.now(UTC), sha256=sha)
        uow.session.add(sub)
        uow.session.flush()
        uow.session.add(
            SubmissionDocument(
                submission_id=sub.id,
                sha256=sha,
                role="original",
                filename="transcript.pdf",
                size=len(pdf),
                page_count=1,
            )
        )
        uow.commit()
        submission = str(sub.id)
    linked = documents.attach_submission(specialist, educator, submission).document
    assert linked.origin == "submission" and linked.submission_id == submission
    entry = EvidenceEntry(
        "transcript", linked.id, date(2024, 6, 1), title="Avila University", degree="M.Ed."
    )
    add_evidence(specialist, educator, entry)
    [item] = list_evidence(specialist, educator)
    assert item.source == linked.label and item.entry.document_ref == linked.id
    other = _profile(specialist, "234-56-7890", "Other")
    with pytest.raises(KnownError, match="not one of this educator's documents"):
        add_evidence(specialist, other, entry)
    with pytest.raises(KnownError, match="no received document"):
        documents.attach_submission(specialist, educator, "00000000-0000-4000-8000-000000000000")
    assert "educator.document.link" in _actions(make_ctx)


def test_evidence_is_listed_and_corrected_with_an_audit_of_what_changed(
    specialist, make_ctx
) -> None:
    educator = _profile(specialist)
    source = documents.attach_upload(
        specialist, educator, generate_form("MO 500-3209", {}), "contract.pdf"
    ).document
    experience = EvidenceEntry(
        "experience",
        source.id,
        employer="Columbia 93",
        setting=MISSOURI_PUBLIC_SCHOOL,
        fte=0.4,
        contracted=True,
        start=date(2021, 8, 1),
        end=date(2022, 7, 31),
    )
    add_evidence(specialist, educator, experience)
    add_evidence(
        specialist,
        educator,
        EvidenceEntry("professional_development", "PD log", date(2023, 5, 1), 2, "semester_hours"),
    )
    items = {i.kind: i for i in list_evidence(specialist, educator)}
    assert items["experience"].source == source.label
    assert items["professional_development"].source == "PD log"  # named in words, older style
    assert items["experience"].entry.fte == 0.4
    from dataclasses import replace

    update_evidence(specialist, items["experience"].id, replace(experience, fte=1.0))
    again = {i.kind: i for i in list_evidence(specialist, educator)}
    assert again["experience"].entry.fte == 1.0
    with pytest.raises(KnownError, match="enter a new item"):
        update_evidence(
            specialist,
            items["experience"].id,
            replace(experience, kind="mentoring", quantity=1, on=date(2022, 7, 31)),
        )
    events = AuditLogService(make_ctx(role="auditor")).fetch(
        ListQuery().with_filter("record_type", "educator"), 0, 100
    )
    edit = next(e for e in events if e.action == "educator.evidence.experience.edit")
    assert "fte" in edit.summary
