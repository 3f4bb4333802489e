"""Certificates: issuing (superseding the one it replaces), revoking, printing with the agency's
signature. Every change and every print is audited in the same transaction."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from datetime import date

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.errors import KnownError, NotFound, ValidationError
from desk_app.models import auditchain as audit
from desk_app.models.base import utcnow
from desk_app.models.educators import Certificate, CertificateClassification, Educator
from desk_app.models.store import UnitOfWork
from desk_app.pdf.certificates import CertificateContent, certificate_pdf
from desk_app.rules import certification as rules
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes, ServiceContext
from desk_app.services.educators import signing
from desk_app.services.educators.signing import CertificateFacts


def holder_name(educator: Educator) -> str:
    middle = f" {educator.middle_name}" if educator.middle_name else ""
    return f"{educator.first_name}{middle} {educator.last_name}"


def print_certificates(ctx: ServiceContext, certificate_ids: Sequence[str]) -> bytes:
    """Build the printable PDF of the given certificates, stamp them printed, audit each one.

    Raises:
        PermissionDenied: the operator may not print certificates.
        NotEnrolled: this workstation holds no certificate-signing key.
        NotFound: a certificate does not exist (or was deleted).
        KnownError: a certificate is not active (revoked, expired or superseded).
    """
    ctx.require(Perm.PRINT_CERTIFICATES)
    key = signing.signing_key(ctx.secrets)
    contents: list[CertificateContent] = []
    with ctx.uow() as uow:
        ids = [_uuid(i) for i in certificate_ids]
        rows = uow.session.execute(
            select(Certificate, Educator)
            .join(Educator, Certificate.educator_id == Educator.id)
            .where(Certificate.id.in_(ids), Certificate.deleted_at.is_(None))
        ).all()
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


def facts_of(cert: Certificate, educator: Educator) -> CertificateFacts:
    return CertificateFacts(
        cert.number,
        cert.classification.code,
        cert.effective_date,
        cert.expiration_date,
        holder_name(educator),
    )


def _content(cert: Certificate, educator: Educator, key: Ed25519PrivateKey) -> CertificateContent:
    cls = cert.classification
    return CertificateContent(
        holder_name=holder_name(educator),
        classification_code=cls.code,
        classification_name=cls.name,
        subject_area=cert.subject_area,
        number=cert.number,
        effective=cert.effective_date,
        expires=cert.expiration_date,
        validity_years=cls.validity_years,
        qr_text=signing.sign_facts(key, facts_of(cert, educator)),
    )


def _uuid(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound(f"{value} is not a record id") from None


def workstation_series(workstation_id: str) -> str:
    """The three digits that name the issuing workstation in its certificate numbers."""
    digest = hashlib.sha256(f"certificate-series:{workstation_id}".encode()).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1000:03d}"


def _new_number(session: Session, effective: date, workstation_id: str) -> str:
    """A new certificate number: two-digit year, the workstation's series, nine random digits.

    Workstations issue offline, so a counter would collide at sync and a number checked only
    against the local records could be minted twice elsewhere. Here two workstations can mint
    the same number only if their series digits agree (1 in 1,000 per pair) *and* they draw the
    same nine digits in the same year (1 in 10^9 per pair of certificates); within one
    workstation the local check below is exact (its own and every pulled certificate are here).
    """
    series = workstation_series(workstation_id)
    while True:
        number = f"{effective.year % 100:02d}{series}{secrets.randbelow(10**9):09d}"
        taken = session.execute(select(Certificate.id).where(Certificate.number == number)).first()
        if taken is None:
            return number


def issue_in(
    session: Session,
    educator: Educator,
    klass: CertificateClassification,
    effective: date,
    subject_area: str = "",
    workstation_id: str = "",
) -> tuple[Certificate, list[Certificate]]:
    """Inside an open unit of work: the new certificate, and the active ones of the same track it
    supersedes (their status set). The caller audits and commits."""
    years = klass.validity_years
    cert = Certificate(
        educator_id=educator.id,
        classification_id=klass.id,
        number=_new_number(session, effective, workstation_id),
        subject_area=subject_area,
        effective_date=effective,
        expiration_date=rules.add_months(effective, 12 * years),
        status="active",
    )
    old = (
        session.execute(
            select(Certificate)
            .join(CertificateClassification)
            .where(
                Certificate.educator_id == educator.id,
                Certificate.status == "active",
                Certificate.deleted_at.is_(None),
                CertificateClassification.track == klass.track,
            )
        )
        .scalars()
        .all()
    )
    for previous in old:
        previous.status = "superseded"
    session.add(cert)
    session.flush()
    return cert, list(old)


def issue_certificate(
    ctx: ServiceContext,
    educator_id: str,
    classification_code: str,
    effective: date,
    subject_area: str = "",
) -> tuple[str, Changes]:
    """Issue a certificate; the active one of the same track is superseded in the same transaction.

    Returns:
        The new certificate's number and what changed.
    """
    ctx.require(Perm.EDIT_EDUCATORS)
    with ctx.uow() as uow:
        s = uow.session
        educator = s.get(Educator, _uuid(educator_id))
        if educator is None or educator.deleted_at is not None:
            raise NotFound("that educator no longer exists")
        klass = s.execute(
            select(CertificateClassification).where(
                CertificateClassification.code == classification_code.upper(),
                CertificateClassification.deleted_at.is_(None),
            )
        ).scalar_one_or_none()
        if klass is None:
            raise ValidationError(
                "classification", f"{classification_code} is not a classification"
            )
        cert, old = issue_in(s, educator, klass, effective, subject_area, ctx.actor.workstation_id)
        record_issue(uow, cert, klass, old)
        uow.commit()
        ids = (cert.id, *(o.id for o in old), educator.id)
        return cert.number, Changes.of(Area.EDUCATORS, ids=ids)


def record_issue(
    uow: UnitOfWork, cert: Certificate, klass: CertificateClassification, old: list[Certificate]
) -> None:
    """The audit events of an issue: the new certificate and each one it superseded."""
    audit.record(
        uow,
        "certificate.issue",
        record_type="certificate",
        record_id=cert.id,
        summary=f"issued certificate {cert.number} ({klass.code}), effective "
        f"{cert.effective_date.isoformat()} through {cert.expiration_date.isoformat()}",
    )
    for previous in old:
        audit.record(
            uow,
            "certificate.supersede",
            record_type="certificate",
            record_id=previous.id,
            summary=f"certificate {previous.number} superseded by {cert.number}",
        )


def revoke_certificate(ctx: ServiceContext, certificate_id: str, reason: str) -> Changes:
    """Revoke an active certificate (a reason is required); a printed copy then verifies as revoked."""
    ctx.require(Perm.EDIT_EDUCATORS)
    if not reason.strip():
        raise ValidationError("reason", "is required to revoke a certificate")
    with ctx.uow() as uow:
        cert = uow.session.get(Certificate, _uuid(certificate_id))
        if cert is None or cert.deleted_at is not None:
            raise NotFound("that certificate no longer exists")
        if cert.status != "active":
            raise KnownError(f"certificate {cert.number} is {cert.status}, not active")
        cert.status = "revoked"
        audit.record(
            uow,
            "certificate.revoke",
            record_type="certificate",
            record_id=cert.id,
            summary=f"revoked certificate {cert.number}: {reason.strip()}",
        )
        uow.commit()
        return Changes.of(Area.EDUCATORS, ids=(cert.id, cert.educator_id))
