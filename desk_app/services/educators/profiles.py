"""Educators: the searchable list, one profile, look-up by identity, and closed data.

The list search (what the operator's text means, and its index-backed SQL) is in
:mod:`desk_app.services.educators.search`. SSN and date of birth never appear in a row or profile:
:meth:`EducatorService.reveal_closed_data` is the one door to them, audited on every call.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.crypto import mask_ssn, normalise_ssn
from desk_app.errors import NotFound, ValidationError
from desk_app.models import auditchain as audit
from desk_app.models.base import utcnow
from desk_app.models.educators import (
    AssessmentScore,
    Certificate,
    CertificateApplication,
    CertificateClassification,
    Educator,
    RequirementEvidence,
    TranscriptRecord,
)
from desk_app.pdf.certificates import valid_through_text
from desk_app.rules import certification as rules
from desk_app.rules.permissions import Perm
from desk_app.services.context import ServiceContext
from desk_app.services.educators import search
from desk_app.services.educators.dto import (
    ApplicationDTO,
    AssessmentDTO,
    CertificateDTO,
    ClosedData,
    EducatorProfile,
    EducatorRow,
    RequirementDTO,
    TranscriptDTO,
    UpgradeDTO,
)
from desk_app.services.listing import ListQuery, page_params, row_id


def closed_context(educator_id: uuid.UUID, field_name: str) -> bytes:
    """Associated data binding an encrypted SSN / date of birth to its educator row, so a
    ciphertext copied onto another row does not decrypt."""
    return f"educator:{educator_id}:{field_name}".encode()


def _row(values: Any, today: date) -> EducatorRow:
    return _row_in_time(values, rules.oldest_login_in_time(today))


def _row_in_time(values: Any, oldest_in_time: date) -> EducatorRow:
    """A list row from the tuple ROW_COLUMNS + current classification selects."""
    (educator_id, last, first, middle, username, email, fingerprint, login, classification) = values
    return EducatorRow(
        row_id(educator_id),
        last,
        first,
        middle or "",
        username or "",
        email,
        fingerprint,
        classification or "",
        login,
        login is None or login.date() < oldest_in_time,
    )


class EducatorService:
    """List source for the Educators page; profiles; identity look-up; closed data."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # The list reads go through the store's read path (compiled once, bare DBAPI cursor): a
    # search runs on every keystroke, and an exact look-up is a few microseconds in SQLite.
    def count(self, query: ListQuery) -> int:
        self.ctx.require(Perm.VIEW_EDUCATORS)
        with self.ctx.store.reading() as read:
            found = search.plan(
                query, lambda word: bool(read(search.USERNAME_TAKEN, {"word": word}))
            )
            return int(read(search.count_statement(found.shape), found.params)[0][0])

    def fetch(self, query: ListQuery, offset: int, limit: int) -> list[EducatorRow]:
        self.ctx.require(Perm.VIEW_EDUCATORS)
        oldest = rules.oldest_login_in_time(utcnow().date())
        with self.ctx.store.reading() as read:
            found = search.plan(
                query, lambda word: bool(read(search.USERNAME_TAKEN, {"word": word}))
            )
            stmt = search.page_statement(found.shape, query.sort, query.descending)
            rows = read(stmt, page_params(found.params, offset, limit))
        return [_row_in_time(r, oldest) for r in rows]

    def detail(self, educator_id: str) -> EducatorProfile:
        """The whole profile: certificates, pending applications, scores, transcripts, upgrades."""
        self.ctx.require(Perm.VIEW_EDUCATORS)
        with self.ctx.store.read() as s:
            return _profile(s, _get(s, educator_id), utcnow().date())

    def find_by_identity(self, ssn: str, date_of_birth: date) -> EducatorRow | None:
        """The profile keyed by SSN and date of birth (keyed hash; nothing is decrypted).

        The look-up is audited (without the SSN): probing who holds a profile is itself sensitive.
        """
        self.ctx.require(Perm.VIEW_EDUCATORS)
        try:
            digest = self.ctx.cipher.identity_hash(normalise_ssn(ssn), date_of_birth.isoformat())
        except ValueError as exc:
            raise ValidationError("SSN", str(exc)) from None
        with self.ctx.uow() as uow:
            found = uow.session.execute(
                select(*search.ROW_COLUMNS, search.current_classification()).where(
                    Educator.identity_hash == digest, Educator.deleted_at.is_(None)
                )
            ).first()
            record_id = uuid.UUID(found[0]) if found else None
            audit.record(
                uow,
                "educator.find_by_identity",
                record_type="educator",
                record_id=record_id,
                summary="profile looked up by SSN and date of birth: "
                + ("found" if found else "no profile"),
            )
            uow.commit()
        return _row(found, utcnow().date()) if found else None

    def reveal_closed_data(self, educator_id: str, *, unmasked: bool = False) -> ClosedData:
        """Decrypt an educator's SSN (masked unless ``unmasked``) and date of birth.

        Only roles with :attr:`Perm.VIEW_CLOSED_DATA`; every call writes ``educator.view_closed``.
        """
        self.ctx.require(Perm.VIEW_CLOSED_DATA)
        with self.ctx.uow() as uow:
            educator = _get(uow.session, educator_id)
            cipher = self.ctx.cipher
            ssn = cipher.decrypt(educator.ssn_cipher, context=closed_context(educator.id, "ssn"))
            born = date.fromisoformat(
                cipher.decrypt(educator.dob_cipher, context=closed_context(educator.id, "dob"))
            )
            audit.record(
                uow,
                "educator.view_closed",
                record_type="educator",
                record_id=educator.id,
                summary=f"closed data shown: {'full' if unmasked else 'masked'} SSN and date of birth",
                details={"unmasked": unmasked, "fields": ["ssn", "date_of_birth"]},
            )
            uow.commit()
        return ClosedData(str(educator.id), mask_ssn(ssn), ssn if unmasked else None, born)


def _get(session: Session, educator_id: str) -> Educator:
    try:
        key = uuid.UUID(str(educator_id))
    except ValueError:
        raise NotFound("no educator has that id") from None
    educator = session.get(Educator, key)
    if educator is None or educator.deleted_at is not None:
        raise NotFound("that educator no longer exists")
    return educator


def _profile(s: Session, e: Educator, today: date) -> EducatorProfile:
    certs = s.execute(
        select(Certificate, CertificateClassification)
        .join(
            CertificateClassification, Certificate.classification_id == CertificateClassification.id
        )
        .where(Certificate.educator_id == e.id, Certificate.deleted_at.is_(None))
        .order_by(Certificate.effective_date.desc())
    ).all()
    apps = s.execute(
        select(CertificateApplication)
        .where(
            CertificateApplication.educator_id == e.id,
            CertificateApplication.status.in_(("pending", "received", "waiting", "ready")),
            CertificateApplication.deleted_at.is_(None),
        )
        .order_by(CertificateApplication.submitted_at)
    ).scalars()
    scores = s.execute(
        select(AssessmentScore)
        .where(AssessmentScore.educator_id == e.id, AssessmentScore.deleted_at.is_(None))
        .order_by(AssessmentScore.taken_on.desc())
    ).scalars()
    transcripts = s.execute(
        select(TranscriptRecord)
        .where(TranscriptRecord.educator_id == e.id, TranscriptRecord.deleted_at.is_(None))
        .order_by(TranscriptRecord.received_on.desc())
    ).scalars()
    evidence = evidence_of(s, e.id)
    active = [c for c, _k in certs if c.status == "active"]
    row = EducatorRow(
        str(e.id),
        e.last_name,
        e.first_name,
        e.middle_name or "",
        e.username or "",
        e.email,
        e.fingerprint_status,
        active[0].classification.code if active else "",
        e.last_login_at,
        rules.needs_reregistration(e.last_login_at, today),
    )
    return EducatorProfile(
        row=row,
        fingerprint_date=e.fingerprint_date,
        certificates=tuple(
            CertificateDTO(
                str(c.id),
                c.number,
                k.code,
                k.name,
                c.subject_area,
                c.effective_date,
                c.expiration_date,
                c.status,
                valid_through_text(c.expiration_date, k.validity_years),
            )
            for c, k in certs
        ),
        pending_applications=tuple(
            ApplicationDTO(str(a.id), a.classification_code, a.status, a.submitted_at, a.decided_at)
            for a in apps
        ),
        assessment_scores=tuple(
            AssessmentDTO(a.assessment, a.score, a.passing_score, a.taken_on) for a in scores
        ),
        transcripts=tuple(
            TranscriptDTO(t.institution, t.degree, t.received_on) for t in transcripts
        ),
        upgrades=tuple(
            _upgrade(c, k, evidence, today)
            for c, k in certs
            if c.status == "active" and k.upgrade_to
        ),
        row_version=e.row_version,
        updated_at=e.updated_at,
        updated_by=e.updated_by,
        background_status=e.background_status,
        background_date=e.background_date,
        reregistration_marked_at=e.reregistration_marked_at,
    )


def evidence_of(s: Session, educator_id: uuid.UUID) -> list[rules.Evidence]:
    """The educator's evidence items as the rules read them."""
    return [
        rules.Evidence(
            r.requirement,
            float(r.quantity),
            r.unit,
            r.evidence_date,
            r.source,
            None if r.fte is None else float(r.fte),
            r.contracted,
        )
        for r in s.execute(
            select(RequirementEvidence).where(
                RequirementEvidence.educator_id == educator_id,
                RequirementEvidence.deleted_at.is_(None),
            )
        ).scalars()
    ]


def _upgrade(
    cert: Certificate, klass: CertificateClassification, evidence: list[rules.Evidence], today: date
) -> UpgradeDTO:
    rule = rules.from_row(
        klass.code,
        klass.name,
        klass.track,
        klass.validity_years,
        klass.upgrade_to,
        klass.requirements or {},
    )
    progress = rules.evaluate_upgrade(rule, evidence, today, held_since=cert.effective_date)
    return UpgradeDTO(
        cert.number,
        progress.classification,
        progress.upgrade_to,
        progress.eligible,
        tuple(
            RequirementDTO(p.code, p.title, p.required, p.completed, p.unit, p.met, p.not_counted)
            for p in progress.requirements
        ),
    )
