"""Printing educator certificates: permission, content from the record, audit, printed stamp."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Sequence

from sqlalchemy import select

from desk_app.errors import KnownError, NotFound
from desk_app.models import auditchain as audit
from desk_app.models.base import utcnow
from desk_app.models.educators import Certificate, Educator
from desk_app.pdf.certificates import CertificateContent, certificate_pdf
from desk_app.rules.permissions import Perm
from desk_app.services.context import ServiceContext


def certificate_check(key: bytes, number: str, classification: str, expires_iso: str) -> str:
    """A short keyed digest printed in the certificate's QR (proves it came from our records)."""
    message = f"{number}|{classification}|{expires_iso}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:12]


def print_certificates(ctx: ServiceContext, certificate_ids: Sequence[str]) -> bytes:
    """Build the printable PDF of the given certificates, stamp them printed, audit each one.

    Raises:
        PermissionDenied: the operator may not print certificates.
        NotFound: a certificate does not exist (or was deleted).
        KnownError: a certificate is not active (revoked, expired or superseded).
    """
    ctx.require(Perm.PRINT_CERTIFICATES)
    key = ctx.cipher.lookup_key
    contents: list[CertificateContent] = []
    with ctx.uow() as uow:
        ids = [uuid.UUID(str(i)) for i in certificate_ids]
        rows = (
            uow.session.execute(
                select(Certificate, Educator)
                .join(Educator, Certificate.educator_id == Educator.id)
                .where(Certificate.id.in_(ids), Certificate.deleted_at.is_(None))
            )
            .unique()
            .all()
        )
        found = {cert.id: (cert, educator) for cert, educator in rows}
        for cid in ids:
            if cid not in found:
                raise NotFound("a certificate to print no longer exists")
            cert, educator = found[cid]
            if cert.status != "active":
                raise KnownError(
                    f"certificate {cert.number} is {cert.status}; only active certificates are printed"
                )
            contents.append(_content(cert, educator, key))
            cert.printed_at = utcnow()
            audit.record(
                uow,
                "certificate.print",
                record_type="certificate",
                record_id=cert.id,
                summary=f"printed certificate {cert.number} ({cert.classification.code})",
            )
        pdf = certificate_pdf(contents)
        uow.commit()
    return pdf


def _content(cert: Certificate, educator: Educator, key: bytes) -> CertificateContent:
    cls = cert.classification
    middle = f" {educator.middle_name}" if educator.middle_name else ""
    return CertificateContent(
        holder_name=f"{educator.first_name}{middle} {educator.last_name}",
        classification_code=cls.code,
        classification_name=cls.name,
        subject_area=cert.subject_area,
        number=cert.number,
        effective=cert.effective_date,
        expires=cert.expiration_date,
        validity_years=cls.validity_years,
        check=certificate_check(key, cert.number, cls.code, cert.expiration_date.isoformat()),
    )


def check_printed_qr(ctx: ServiceContext, qr_text: str) -> bool:
    """True when a certificate QR (``DAC1|...``) was made with this agency's key and matches a record."""
    parts = qr_text.split("|")
    if len(parts) != 5 or parts[0] != "DAC1":
        return False
    _, number, classification, expires, check = parts
    expected = certificate_check(ctx.cipher.lookup_key, number, classification, expires)
    if not hmac.compare_digest(expected, check):
        return False
    with ctx.store.read() as s:
        cert = (
            s.execute(
                select(Certificate).where(
                    Certificate.number == number, Certificate.deleted_at.is_(None)
                )
            )
            .scalars()
            .first()
        )
        return bool(
            cert
            and cert.classification.code == classification
            and cert.expiration_date.isoformat() == expires
        )
