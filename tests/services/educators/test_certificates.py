"""Printing certificates: content, the verifiable QR, permission, audit."""

from __future__ import annotations

from datetime import date

import numpy as np
import pymupdf
import pytest
import zxingcpp

from desk_app.errors import KnownError, PermissionDenied
from desk_app.models.educators import Certificate, CertificateClassification, Educator
from desk_app.services.educators.certificates import check_printed_qr, print_certificates
from desk_app.services.listing import ListQuery
from desk_app.services.records.audit_log import AuditLogService


@pytest.fixture
def cert_ids(make_ctx):
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
    return ctx, str(active.id), str(career.id), str(revoked.id)


def _page_qr(pdf: bytes, page: int) -> str:
    doc = pymupdf.open(stream=pdf, filetype="pdf")
    pix = doc[page].get_pixmap(dpi=150, colorspace=pymupdf.csGRAY)
    image = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.stride)[
        :, : pix.width
    ]
    texts = [r.text for r in zxingcpp.read_barcodes(image)]
    assert len(texts) == 1
    return texts[0]


def test_prints_verifiable_certificates(cert_ids, make_ctx, tmp_path) -> None:
    ctx, active, career, _ = cert_ids
    pdf = print_certificates(ctx, [active, career])
    doc = pymupdf.open(stream=pdf, filetype="pdf")
    assert doc.page_count == 2
    text = doc[0].get_text()
    for expected in (
        "Maria Elena Delgado",
        "Initial Student Services (ISS)",
        "ISS-0012345",
        "School Counselor K-12",
        "June 30, 2028",
    ):
        assert expected in text
    assert "Permanent" in doc[1].get_text()
    assert "6789" not in text and "1985" not in text  # closed data never printed
    qr = _page_qr(pdf, 0)
    assert qr.startswith("DAC1|ISS-0012345|ISS|2028-06-30|")
    assert check_printed_qr(ctx, qr)
    assert not check_printed_qr(ctx, qr.replace("2028-06-30", "2029-06-30"))
    events = AuditLogService(make_ctx(role="auditor")).fetch(
        ListQuery().with_filter("action", "certificate.print"), 0, 10
    )
    assert sorted(e.summary for e in events) == [
        "printed certificate CSS-0099999 (CSS)",
        "printed certificate ISS-0012345 (ISS)",
    ]
    doc[0].get_pixmap(dpi=60).save(tmp_path / "certificate.png")


def test_revoked_certificate_is_not_printed(cert_ids) -> None:
    ctx, _, _, revoked = cert_ids
    with pytest.raises(KnownError, match="revoked"):
        print_certificates(ctx, [revoked])


def test_security_admin_cannot_print(cert_ids, make_ctx) -> None:
    _, active, _, _ = cert_ids
    with pytest.raises(PermissionDenied):
        print_certificates(make_ctx(role="security_admin"), [active])
