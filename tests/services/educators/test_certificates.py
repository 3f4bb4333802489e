"""Certificates: printing (portrait, real text, embedded fonts, the record's dates), the signed QR,
issuing and superseding, revoking, and the offline verify round trip from a 200 dpi scan."""

from __future__ import annotations

import io
from datetime import date

import pymupdf
import pytest
from PIL import Image

from desk_app.errors import KnownError, PermissionDenied
from desk_app.models.educators import Certificate, CertificateClassification, Educator
from desk_app.secrets import MemorySecrets
from desk_app.services.context import Area
from desk_app.services.educators import signing
from desk_app.services.educators.certificates import (
    issue_certificate,
    print_certificates,
    revoke_certificate,
    workstation_series,
)
from desk_app.services.educators.verification import qr_texts, verify_scan, verify_text
from desk_app.services.listing import ListQuery
from desk_app.services.records.audit_log import AuditLogService


@pytest.fixture
def cert_ids(make_ctx, secrets):
    signing.enrol_new_key(secrets)  # a test key: the fixture's secret store is this workstation's
    ctx = make_ctx(role="certification_specialist", username="carol")
    with ctx.uow() as uow:
        s = uow.session
        iss = CertificateClassification(
            code="ISS",
            name="Initial Student Services",
            track="student_services",
            validity_years=4,
            upgrade_to="CSS",
        )
        css = CertificateClassification(
            code="CSS", name="Career Student Services", track="student_services", validity_years=99
        )
        educator = Educator(
            identity_hash="h" * 64,
            ssn_cipher=ctx.cipher.encrypt("123-45-6789"),
            dob_cipher=ctx.cipher.encrypt("1985-04-12"),
            first_name="Maria",
            middle_name="Elena",
            last_name="Delgado",
            email="mdelgado@example.org",
        )
        s.add_all([iss, css, educator])
        s.flush()
        active = Certificate(
            educator_id=educator.id,
            classification_id=iss.id,
            number="ISS-0012345",
            subject_area="School Counselor K-12",
            effective_date=date(2024, 7, 1),
            expiration_date=date(2028, 6, 30),
        )
        career = Certificate(
            educator_id=educator.id,
            classification_id=css.id,
            number="CSS-0099999",
            effective_date=date(2025, 7, 1),
            expiration_date=date(2124, 6, 30),
        )
        revoked = Certificate(
            educator_id=educator.id,
            classification_id=iss.id,
            number="ISS-0000001",
            effective_date=date(2019, 7, 1),
            expiration_date=date(2023, 6, 30),
            status="revoked",
        )
        s.add_all([active, career, revoked])
        uow.commit()
    return ctx, str(active.id), str(career.id), str(revoked.id), str(educator.id)


def _scan(pdf: bytes, dpi: int = 200, fmt: str = "PNG") -> bytes:
    """The first page as a scanner would deliver it: a greyscale image at ``dpi``."""
    pix = pymupdf.open(stream=pdf, filetype="pdf")[0].get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
    image = Image.frombytes("L", (pix.width, pix.height), pix.samples)
    out = io.BytesIO()
    image.save(out, fmt, dpi=(dpi, dpi))
    return out.getvalue()


def test_prints_portrait_text_with_embedded_fonts_and_record_dates(cert_ids, make_ctx) -> None:
    ctx, active, career, _, _ = cert_ids
    pdf = print_certificates(ctx, [active, career])
    doc = pymupdf.open(stream=pdf, filetype="pdf")
    assert doc.page_count == 2
    assert doc[0].rect.width < doc[0].rect.height  # portrait, its own orientation
    fonts = doc.get_page_fonts(0)
    assert fonts and all(f[1] == "ttf" and "+" in f[3] for f in fonts)  # subset, embedded
    assert not doc[0].get_images()  # text and vectors, no picture of a certificate
    text = doc[0].get_text()
    for expected in (
        "Maria Elena Delgado",
        "Initial Student Services (ISS)",
        "ISS-0012345",
        "School Counselor K-12",
        "June 30, 2028",
    ):
        assert expected in text
    assert "June 30, 2124" in doc[1].get_text()  # the record's date, as the profile shows it
    assert "6789" not in text and "1985" not in text  # closed data never printed
    events = AuditLogService(make_ctx(role="auditor")).fetch(
        ListQuery().with_filter("action", "certificate.print"), 0, 10
    )
    assert sorted(e.summary for e in events) == [
        "printed certificate CSS-0099999 (CSS)",
        "printed certificate ISS-0012345 (ISS)",
    ]


def test_round_trip_scan_verify_then_revoke(cert_ids) -> None:
    ctx, active, _, _, _ = cert_ids
    scan = _scan(print_certificates(ctx, [active]))
    [check] = verify_scan(ctx, scan)
    assert check.verdict == "valid" and check.in_local_records
    assert check.facts.number == "ISS-0012345" and check.facts.holder == "Maria Elena Delgado"
    assert check.facts.expires == date(2028, 6, 30)
    revoke_certificate(ctx, active, "issued in error")
    [again] = verify_scan(ctx, scan)
    assert again.verdict == "revoked" and "revoked" in again.reasons[0]


def test_a_photo_in_jpeg_and_the_pdf_itself_verify(cert_ids) -> None:
    ctx, active, _, _, _ = cert_ids
    pdf = print_certificates(ctx, [active])
    assert [c.verdict for c in verify_scan(ctx, _scan(pdf, 150, "JPEG"))] == ["valid"]
    assert [c.verdict for c in verify_scan(ctx, pdf)] == ["valid"]


def test_the_scan_is_decoded_in_the_child_and_only_text_comes_back(cert_ids, monkeypatch) -> None:
    """No pixels of the scan reach this process: zxing-cpp (and any page render) failing here
    changes nothing, and the child's reply is a list of texts."""
    from desk_app.pdf import barcodes, render
    from desk_app.sandbox import api

    ctx, active, _, _, _ = cert_ids
    scan = _scan(print_certificates(ctx, [active]))
    for module, name in ((barcodes, "decode_image"), (render, "render_page")):
        monkeypatch.setattr(module, name, lambda *_a, **_k: pytest.fail("parsed in the parent"))
    replies: list[object] = []
    real = api._call

    def watched(job, data, limits=None, **params):
        result = real(job, data, limits, **params)
        replies.append((job, result))
        return result

    monkeypatch.setattr(api, "_call", watched)
    assert [c.verdict for c in verify_scan(ctx, scan)] == ["valid"]
    [(job, texts)] = replies
    assert job == "qr_texts" and all(isinstance(t, str) for t in texts)


def test_altered_facts_unknown_key_and_expiry_are_refused(cert_ids) -> None:
    ctx, active, _, _, _ = cert_ids
    [text] = qr_texts(print_certificates(ctx, [active]))
    assert verify_text(ctx, text).valid
    forged = text.replace("2028-06-30", "2038-06-30")
    assert verify_text(ctx, forged).verdict == "bad_signature"
    stranger = MemorySecrets()
    signing.enrol_new_key(stranger)
    other = signing.sign_facts(
        signing.signing_key(stranger),
        signing.CertificateFacts("ISS-0012345", "ISS", date(2024, 7, 1), date(2028, 6, 30), "X"),
    )
    assert verify_text(ctx, other).verdict == "unknown_key"
    assert verify_text(ctx, text, today=date(2028, 7, 1)).verdict == "expired"


def test_issue_supersedes_the_active_certificate_of_the_track(cert_ids, make_ctx) -> None:
    ctx, active, _, _, educator = cert_ids
    [old_print] = qr_texts(print_certificates(ctx, [active]))
    number, changes = issue_certificate(ctx, educator, "ISS", date(2026, 7, 1), "Counselor")
    # year, the issuing workstation's series, nine random digits
    assert len(number) == 14 and number.startswith(
        "26" + workstation_series(ctx.actor.workstation_id)
    )
    with ctx.store.read() as s:
        certs = {c.number: c for c in s.query(Certificate)}
        assert certs["ISS-0012345"].status == "superseded"
        assert certs["CSS-0099999"].status == "superseded"  # same student-services track
        assert certs[number].expiration_date == date(2030, 7, 1)
        assert certs[number].status == "active"
    assert verify_text(ctx, old_print).verdict == "superseded"
    actions = {
        e.action
        for e in AuditLogService(make_ctx(role="auditor")).fetch(
            ListQuery().with_filter("record_type", "certificate"), 0, 20
        )
    }
    assert {"certificate.issue", "certificate.supersede"} <= actions
    assert changes.touches(Area.EDUCATORS)


def test_an_unenrolled_workstation_refuses_to_print_and_mints_no_key(
    make_ctx, cert_ids, secrets
) -> None:
    _, active, _, _, _ = cert_ids
    secrets.delete(signing.SIGNING_KEY)
    with pytest.raises(signing.NotEnrolled, match="no certificate-signing key"):
        print_certificates(make_ctx(role="certification_specialist"), [active])
    assert secrets.get(signing.SIGNING_KEY) is None


def test_the_agency_key_is_embedded_and_in_the_it_guide() -> None:
    from pathlib import Path

    guide = (Path(__file__).parents[3] / "installer" / "IT-GUIDE.md").read_text(encoding="utf-8")
    for kid, public in signing.AGENCY_KEYS.items():
        assert kid == signing.key_id(signing._unb64(public))
        assert f"{kid} {public}" in guide
    assert signing.AGENCY_KEYS.keys() <= signing.trusted_keys().keys()


def test_revoked_certificate_is_not_printed(cert_ids) -> None:
    ctx, _, _, revoked, _ = cert_ids
    with pytest.raises(KnownError, match="revoked"):
        print_certificates(ctx, [revoked])


def test_security_admin_cannot_print_issue_or_revoke(cert_ids, make_ctx) -> None:
    _, active, _, _, educator = cert_ids
    admin = make_ctx(role="security_admin")
    with pytest.raises(PermissionDenied):
        print_certificates(admin, [active])
    with pytest.raises(PermissionDenied):
        issue_certificate(admin, educator, "ISS", date(2026, 7, 1))
    with pytest.raises(PermissionDenied):
        revoke_certificate(admin, active, "no")
