"""Signatures on submissions: findings per signature box, attestations, specimens, certificates.

Digital signatures are judged against the certificates registered for the person expected to
sign; wet-ink signatures are found in the box and shown beside that person's dated specimens for a
reviewer to attest. A rejection for signature mismatch needs a second reviewer (another operator)
who also finds a mismatch. Approving a submission registers the certificates and captures the
specimens it carried, so the next form of the same person is recognised.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.errors import ConflictError, ValidationError
from desk_app.models import auditchain as audit
from desk_app.models.base import utcnow
from desk_app.models.store import UnitOfWork
from desk_app.models.verification import (
    AttestationStage,
    AttestationVerdict,
    SignatureAttestation,
    SignatureSpecimen,
    SignerCertificate,
)
from desk_app.pdf.signatures import DigitalSignatureFacts, InkFinding, SignatureVerdict, verdict
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes, ServiceContext
from desk_app.services.review.dto import AttestationDTO, SignatureFinding, SpecimenDTO

SPECIMENS_SHOWN = 6


@dataclass(frozen=True)
class ExpectedSigner:
    """Who should have signed a box, as signer authority worked it out."""

    field_name: str
    role: str
    name: str
    person_id: str  # "" when nobody on file matched
    signed_on: date | None


def registered_certificates(session: Session, person_id: str) -> frozenset[str]:
    """Fingerprints of the live certificates registered for ``person_id``."""
    if not person_id:
        return frozenset()
    rows = session.execute(
        select(SignerCertificate.sha256).where(
            SignerCertificate.person_id == uuid.UUID(person_id),
            SignerCertificate.revoked_at.is_(None),
            SignerCertificate.deleted_at.is_(None),
        )
    )
    return frozenset(r for (r,) in rows)


def specimens_for(
    session: Session, person_id: str, limit: int = SPECIMENS_SHOWN
) -> tuple[SpecimenDTO, ...]:
    """The newest dated specimens of a person's signature."""
    if not person_id:
        return ()
    rows = session.execute(
        select(SignatureSpecimen)
        .where(
            SignatureSpecimen.person_id == uuid.UUID(person_id),
            SignatureSpecimen.deleted_at.is_(None),
        )
        .order_by(SignatureSpecimen.signed_on.desc())
        .limit(limit)
    ).scalars()
    return tuple(
        SpecimenDTO(
            str(s.id), str(s.person_id), s.signed_on, s.image_png, str(s.source_submission_id or "")
        )
        for s in rows
    )


def attestations_for(session: Session, submission_id: str) -> tuple[AttestationDTO, ...]:
    """Every attestation of a submission's signatures, oldest first."""
    if not submission_id:
        return ()
    rows = session.execute(
        select(SignatureAttestation)
        .where(
            SignatureAttestation.submission_id == uuid.UUID(submission_id),
            SignatureAttestation.deleted_at.is_(None),
        )
        .order_by(SignatureAttestation.attested_at)
    ).scalars()
    return tuple(
        AttestationDTO(
            str(a.id), a.field_name, a.stage, a.verdict, a.reviewer, a.note, a.attested_at
        )
        for a in rows
    )


def _digital_finding(
    expected: ExpectedSigner, facts: DigitalSignatureFacts, registered: frozenset[str]
) -> SignatureFinding:
    word, reasons = verdict(facts, registered)
    outcome = {SignatureVerdict.VALID: "pass", SignatureVerdict.IDENTITY_UNKNOWN: "warn"}.get(
        word, "fail"
    )
    cert = facts.certificate
    return SignatureFinding(
        expected.field_name,
        expected.role,
        expected.name,
        expected.person_id,
        "digital",
        word.value,
        outcome,
        reasons,
        certificate_subject=cert.subject if cert else "",
        certificate_sha256=cert.sha256 if cert else "",
    )


def _ink_outcome(
    ink: InkFinding, attestations: tuple[AttestationDTO, ...]
) -> tuple[str, tuple[str, ...]]:
    if not ink.present:
        return "fail", ("the signature box is empty",)
    if not attestations:
        return "warn", ("ink in the signature box: compare it with the specimens and attest",)
    last = attestations[-1]
    if last.verdict == AttestationVerdict.MATCHES.value:
        return "pass", (f"{last.reviewer} attests it matches the specimens",)
    if last.verdict == AttestationVerdict.MISMATCH.value:
        confirmed = (
            " (confirmed by a second reviewer)"
            if last.stage == AttestationStage.SECOND.value
            else ""
        )
        return "fail", (f"{last.reviewer} finds it does not match the specimens{confirmed}",)
    return "warn", (f"{last.reviewer} is unsure; a second look is needed",)


def finding(
    session: Session,
    expected: ExpectedSigner,
    digital: DigitalSignatureFacts | None,
    ink: InkFinding | None,
    submission_id: str,
    missing: str = "no signature found",
) -> SignatureFinding:
    """Judge one signature box: a digital signature if there is one, else the ink in the box.

    ``missing`` says why there is neither (e.g. no PDF of the document to look at).
    """
    if digital is not None:
        return _digital_finding(
            expected, digital, registered_certificates(session, expected.person_id)
        )
    mine = tuple(
        a for a in attestations_for(session, submission_id) if a.field_name == expected.field_name
    )
    specimens = specimens_for(session, expected.person_id)
    if ink is None:
        return SignatureFinding(
            expected.field_name,
            expected.role,
            expected.name,
            expected.person_id,
            "none",
            "missing",
            "fail",
            (missing,),
            specimens=specimens,
        )
    outcome, reasons = _ink_outcome(ink, mine)
    return SignatureFinding(
        expected.field_name,
        expected.role,
        expected.name,
        expected.person_id,
        "ink",
        "present" if ink.present else "missing",
        outcome,
        reasons,
        crop_png=ink.crop_png,
        specimens=specimens,
        attestations=mine,
    )


def attest_signature(
    ctx: ServiceContext,
    submission_id: str,
    field_name: str,
    verdict_: str,
    note: str = "",
    person_id: str = "",
    specimen_ids: tuple[str, ...] = (),
) -> Changes:
    """Record a reviewer's judgement of one signature.

    The first attestation of a box is stage "first". When it found a mismatch, the next one must
    come from a different operator and is stage "second" (the second review a rejection for
    signature mismatch needs).

    Raises:
        ConflictError: the same operator tries to give the second review.
        ValidationError: unknown verdict, or a mismatch without a note.
    """
    ctx.require(Perm.WORK_QUEUE)
    if verdict_ not in {v.value for v in AttestationVerdict}:
        raise ValidationError("verdict", f"unknown verdict {verdict_!r}")
    if verdict_ != AttestationVerdict.MATCHES.value and not note.strip():
        raise ValidationError("note", "say what does not match")
    with ctx.uow() as uow:
        earlier = [
            a for a in attestations_for(uow.session, submission_id) if a.field_name == field_name
        ]
        stage = AttestationStage.FIRST
        if earlier and earlier[-1].verdict != AttestationVerdict.MATCHES.value:
            if earlier[-1].reviewer == ctx.actor.username:
                raise ConflictError("the second review must come from a different operator")
            stage = AttestationStage.SECOND
        row = SignatureAttestation(
            submission_id=uuid.UUID(submission_id),
            field_name=field_name,
            person_id=uuid.UUID(person_id) if person_id else None,
            stage=stage.value,
            verdict=verdict_,
            note=note.strip(),
            reviewer=ctx.actor.username,
            attested_at=utcnow(),
            specimen_ids=",".join(specimen_ids),
        )
        uow.session.add(row)
        uow.session.flush()
        audit.record(
            uow,
            "signature.attest",
            record_type="form_submission",
            record_id=uuid.UUID(submission_id),
            summary=f"{field_name}: {stage.value} review, {verdict_}",
            details={
                "field": field_name,
                "stage": stage.value,
                "verdict": verdict_,
                "specimens": len(specimen_ids),
            },
        )
        uow.commit()
    return Changes.of(Area.VERIFICATION, ids=(submission_id,))


def mismatch_confirmed(session: Session, submission_id: str) -> bool:
    """True when some box's mismatch was found by one operator and confirmed by another."""
    by_field: dict[str, list[AttestationDTO]] = {}
    for a in attestations_for(session, submission_id):
        by_field.setdefault(a.field_name, []).append(a)
    for items in by_field.values():
        firsts = {a.reviewer for a in items if a.verdict == "mismatch" and a.stage == "first"}
        seconds = {a.reviewer for a in items if a.verdict == "mismatch" and a.stage == "second"}
        if firsts and seconds - firsts:
            return True
    return False


def capture_from_verified(
    uow: UnitOfWork,
    submission_id: uuid.UUID,
    findings: tuple[SignatureFinding, ...],
    digital: dict[str, DigitalSignatureFacts],
    signed_on: dict[str, date | None],
) -> int:
    """Register the certificates and capture the specimens of an approved submission.

    Only boxes whose signer is a person on file are used; returns how many rows were added.
    """
    added = 0
    for f in findings:
        if not f.person_id:
            continue
        person = uuid.UUID(f.person_id)
        facts = digital.get(f.field_name)
        if f.kind == "digital" and facts and facts.certificate and f.outcome != "fail":
            cert = facts.certificate
            if cert.sha256 not in registered_certificates(uow.session, f.person_id):
                uow.session.add(
                    SignerCertificate(
                        person_id=person,
                        sha256=cert.sha256,
                        subject=cert.subject[:400],
                        issuer=cert.issuer[:400],
                        serial=cert.serial[:80],
                        not_before=cert.not_before,
                        not_after=cert.not_after,
                        certificate_der=cert.der,
                        source_submission_id=submission_id,
                    )
                )
                added += 1
        elif f.kind == "ink" and f.crop_png and f.outcome == "pass":
            uow.session.add(
                SignatureSpecimen(
                    person_id=person,
                    signed_on=signed_on.get(f.field_name) or utcnow().date(),
                    image_png=f.crop_png,
                    source_submission_id=submission_id,
                    field_name=f.field_name,
                )
            )
            added += 1
    return added


def revoke_certificate(ctx: ServiceContext, sha256: str, reason: str) -> Changes:
    """Stop recognising a registered signing certificate (lost card, person left office).

    Later forms signed with it read "identity unknown" again. The row stays, with ``revoked_at``.

    Raises:
        ValidationError: no reason given, or no live registration with that fingerprint.
    """
    ctx.require(Perm.MANAGE_ACCESS)
    if not reason.strip():
        raise ValidationError("reason", "say why the certificate is no longer trusted")
    with ctx.uow() as uow:
        rows = (
            uow.session.execute(
                select(SignerCertificate).where(
                    SignerCertificate.sha256 == sha256.lower(),
                    SignerCertificate.revoked_at.is_(None),
                    SignerCertificate.deleted_at.is_(None),
                )
            )
            .scalars()
            .all()
        )
        if not rows:
            raise ValidationError("certificate", "no registered certificate has that fingerprint")
        for row in rows:
            row.revoked_at = utcnow()
            audit.record(
                uow,
                "signature.certificate_revoke",
                record_type="signer_certificate",
                record_id=row.id,
                summary=f"certificate {row.subject[:80]} no longer recognised",
                details={"sha256": row.sha256, "reason": reason.strip()[:500]},
            )
        uow.commit()
        return Changes.of(Area.VERIFICATION, ids=tuple(r.id for r in rows))
