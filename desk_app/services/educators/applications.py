"""Certificate applications as a queue: received, waiting on the educator, ready, decided.

The discipline is the access requests' one: an application is claimed before anything is done to
it, only its claimer moves or decides it, and every step is audited. The decision screen's
requirement tracker is computed from the rules as data (:mod:`desk_app.rules.certification`):
an upgrade weighs the evidence against the held certificate's requirements; the other kinds check
the items their classification needs on file. Approving issues the certificate (number,
effective and expiry dates from the classification's validity) and supersedes the one it
replaces, in the decision's own transaction; the educator's e-mail is drafted offline (.eml).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.errors import KnownError, NotFound, ValidationError
from desk_app.models import auditchain as audit
from desk_app.models.base import utcnow
from desk_app.models.educators import (
    AssessmentScore,
    Certificate,
    CertificateApplication,
    CertificateClassification,
    Educator,
    TranscriptRecord,
)
from desk_app.models.store import UnitOfWork
from desk_app.pdf.replies import draft_eml
from desk_app.rules import certification as rules
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes, ServiceContext
from desk_app.services.educators.certificates import holder_name, issue_in, record_issue
from desk_app.services.educators.dto import RequirementDTO
from desk_app.services.educators.profiles import evidence_of
from desk_app.services.listing import ListQuery

OPEN_STATES = ("pending", "received", "waiting", "ready")
MOVES = {"waiting", "ready", "received"}


@dataclass(frozen=True)
class ApplicationRow:
    id: str
    educator_id: str
    educator_name: str
    kind: str
    classification: str
    state: str
    submitted_at: datetime
    claimed_by: str
    decision: str = ""


@dataclass(frozen=True)
class Decision:
    application_id: str
    approved: bool
    certificate_number: str
    eml: bytes
    changes: Changes


def _state(status: str) -> str:
    return "received" if status == "pending" else status


def _get(session: Session, application_id: str) -> CertificateApplication:
    try:
        key = uuid.UUID(str(application_id))
    except ValueError:
        raise NotFound("no application has that id") from None
    row = session.get(CertificateApplication, key)
    if row is None or row.deleted_at is not None:
        raise NotFound("that application no longer exists")
    return row


def submit(ctx: ServiceContext, educator_id: str, kind: str, classification: str) -> str:
    """Record a received application (as keyed from the paper or the online form)."""
    ctx.require(Perm.EDIT_EDUCATORS)
    if kind not in rules.APPLICATION_KINDS:
        raise ValidationError("application", f"is one of {', '.join(rules.APPLICATION_KINDS)}")
    with ctx.uow() as uow:
        educator = uow.session.get(Educator, uuid.UUID(str(educator_id)))
        if educator is None or educator.deleted_at is not None:
            raise NotFound("that educator no longer exists")
        row = CertificateApplication(
            educator_id=educator.id,
            classification_code=classification.upper(),
            kind=kind,
            status="received",
            submitted_at=utcnow(),
        )
        uow.session.add(row)
        uow.session.flush()
        _audit(
            uow,
            row,
            "application.receive",
            f"{kind} application for {row.classification_code} received",
        )
        uow.commit()
        return str(row.id)


def queue(
    ctx: ServiceContext, state: str = "", offset: int = 0, limit: int = 100
) -> tuple[int, list[ApplicationRow]]:
    """The open applications (or those in ``state``), oldest first, with their count."""
    ctx.require(Perm.VIEW_EDUCATORS)
    where = _where(state)
    with ctx.store.read() as s:
        count = s.execute(
            select(func.count()).select_from(CertificateApplication).where(*where)
        ).scalar_one()
        return int(count), _rows(s, where, offset, limit, newest_first=state == "decided")


def _where(state: str) -> tuple[Any, ...]:
    states = {"received": ("pending", "received"), "": OPEN_STATES}.get(state, (state,))
    return (CertificateApplication.status.in_(states), CertificateApplication.deleted_at.is_(None))


def _rows(
    s: Session, where: tuple[Any, ...], offset: int, limit: int, newest_first: bool = False
) -> list[ApplicationRow]:
    order = (
        (CertificateApplication.decided_at.desc(), CertificateApplication.id)
        if newest_first
        else (CertificateApplication.submitted_at, CertificateApplication.id)
    )
    rows = s.execute(
        select(CertificateApplication, Educator)
        .join(Educator, CertificateApplication.educator_id == Educator.id)
        .where(*where)
        .order_by(*order)
        .offset(offset)
        .limit(limit)
    ).all()
    return [
        ApplicationRow(
            str(a.id),
            str(e.id),
            f"{e.last_name}, {e.first_name}",
            a.kind or _kind_of(a),
            a.classification_code,
            _state(a.status),
            a.submitted_at,
            a.claimed_by,
            a.decision,
        )
        for a, e in rows
    ]


class ApplicationQueue:
    """The applications queue as a list source (filter ``state``: received, waiting, ready,
    decided, or "" for every open one); oldest first, decided ones newest first."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def count(self, query: ListQuery) -> int:
        return queue(self.ctx, query.filter("state"), 0, 0)[0]

    def fetch(self, query: ListQuery, offset: int, limit: int) -> list[ApplicationRow]:
        self.ctx.require(Perm.VIEW_EDUCATORS)
        state = query.filter("state")
        with self.ctx.store.read() as s:
            return _rows(s, _where(state), offset, limit, newest_first=state == "decided")

    def counts(self) -> dict[str, int]:
        """How many applications each state holds (the tab titles)."""
        self.ctx.require(Perm.VIEW_EDUCATORS)
        with self.ctx.store.read() as s:
            found = s.execute(
                select(CertificateApplication.status, func.count())
                .where(CertificateApplication.deleted_at.is_(None))
                .group_by(CertificateApplication.status)
            ).all()
        out = {"received": 0, "waiting": 0, "ready": 0, "decided": 0}
        for status, n in found:
            out[_state(status)] = out.get(_state(status), 0) + int(n)
        return out


def _kind_of(app: CertificateApplication) -> str:
    """The kind of an application recorded before kinds were kept (the seed's), from its target."""
    return {"SUB": "substitute", "CSS": "upgrade", "CCPC": "upgrade"}.get(
        app.classification_code, "initial"
    )


def claim(ctx: ServiceContext, application_id: str) -> Changes:
    """Take the application; refused while another operator holds it."""
    ctx.require(Perm.EDIT_EDUCATORS)
    with ctx.uow() as uow:
        row = _open(uow.session, application_id)
        if row.claimed_by and row.claimed_by != ctx.actor.username:
            raise KnownError(f"{row.claimed_by} is working on this application")
        row.claimed_by, row.claimed_at = ctx.actor.username, utcnow()
        _audit(uow, row, "application.claim", f"claimed by {ctx.actor.username}")
        uow.commit()
        return Changes.of(Area.EDUCATORS, ids=(row.id,))


def release(ctx: ServiceContext, application_id: str) -> Changes:
    ctx.require(Perm.EDIT_EDUCATORS)
    with ctx.uow() as uow:
        row = _mine(ctx, uow.session, application_id)
        row.claimed_by, row.claimed_at = "", None
        _audit(uow, row, "application.release", f"released by {ctx.actor.username}")
        uow.commit()
        return Changes.of(Area.EDUCATORS, ids=(row.id,))


def move(ctx: ServiceContext, application_id: str, state: str, note: str = "") -> Changes:
    """Move a claimed application to received, waiting (on the educator, say for what) or ready."""
    ctx.require(Perm.EDIT_EDUCATORS)
    if state not in MOVES:
        raise ValidationError("state", f"is one of {', '.join(sorted(MOVES))}")
    if state == "waiting" and not note.strip():
        raise ValidationError("note", "says what the educator must send")
    with ctx.uow() as uow:
        row = _mine(ctx, uow.session, application_id)
        before = _state(row.status)
        row.status = state
        _audit(
            uow,
            row,
            "application.move",
            f"{before} -> {state}" + (f": {note.strip()}" if note.strip() else ""),
        )
        uow.commit()
        return Changes.of(Area.EDUCATORS, ids=(row.id,))


def _open(session: Session, application_id: str) -> CertificateApplication:
    row = _get(session, application_id)
    if row.status not in OPEN_STATES:
        raise KnownError("this application is decided")
    return row


def _mine(ctx: ServiceContext, session: Session, application_id: str) -> CertificateApplication:
    row = _open(session, application_id)
    if row.claimed_by != ctx.actor.username:
        who = f"{row.claimed_by} holds it" if row.claimed_by else "claim it first"
        raise KnownError(f"only the operator who claimed the application can do that ({who})")
    return row


def _audit(uow: UnitOfWork, row: CertificateApplication, action: str, summary: str) -> None:
    audit.record(
        uow, action, record_type="certificate_application", record_id=row.id, summary=summary
    )


# --- the requirement tracker and the decision --------------------------------------------------
def tracker(ctx: ServiceContext, application_id: str) -> tuple[RequirementDTO, ...]:
    """Each requirement of the application, what counts toward it, and whether it is met."""
    ctx.require(Perm.VIEW_EDUCATORS)
    with ctx.store.read() as s:
        return _tracker(s, _get(s, application_id), utcnow().date())


def _tracker(s: Session, app: CertificateApplication, today: date) -> tuple[RequirementDTO, ...]:
    kind = app.kind or _kind_of(app)
    educator = s.get(Educator, app.educator_id)
    assert educator is not None
    if kind == "upgrade":
        held = _held_for_upgrade(s, educator.id, app.classification_code)
        if held is None:
            return (
                RequirementDTO(
                    "held",
                    f"An initial certificate in force that upgrades to {app.classification_code}",
                    1,
                    0,
                    "certificates",
                    False,
                    (),
                ),
            )
        cert, klass = held
        rule = rules.from_row(
            klass.code,
            klass.name,
            klass.track,
            klass.validity_years,
            klass.upgrade_to,
            klass.requirements or {},
        )
        progress = rules.evaluate_upgrade(
            rule, evidence_of(s, educator.id), today, held_since=cert.effective_date
        )
        return tuple(
            RequirementDTO(p.code, p.title, p.required, p.completed, p.unit, p.met, p.not_counted)
            for p in progress.requirements
        )
    return tuple(_check(s, educator, code) for code in rules.APPLICATION_CHECKS[kind])


def _held_for_upgrade(
    s: Session, educator_id: uuid.UUID, target: str
) -> tuple[Certificate, CertificateClassification] | None:
    row = s.execute(
        select(Certificate, CertificateClassification)
        .join(
            CertificateClassification, Certificate.classification_id == CertificateClassification.id
        )
        .where(
            Certificate.educator_id == educator_id,
            Certificate.status == "active",
            Certificate.deleted_at.is_(None),
            CertificateClassification.upgrade_to == target,
        )
        .order_by(Certificate.effective_date.desc())
    ).first()
    return (row[0], row[1]) if row else None


def _check(s: Session, educator: Educator, code: str) -> RequirementDTO:
    title = rules.CHECK_TITLES[code]
    if code == "fingerprint":
        done = educator.fingerprint_status == "cleared"
        why = () if done else (f"fingerprint result: {educator.fingerprint_status}",)
    elif code == "background":
        done = educator.background_status == "cleared"
        why = () if done else (f"background check: {educator.background_status}",)
    elif code == "transcript":
        done = bool(
            s.execute(
                select(TranscriptRecord.id).where(
                    TranscriptRecord.educator_id == educator.id,
                    TranscriptRecord.deleted_at.is_(None),
                )
            ).first()
        )
        why = () if done else ("no transcript received",)
    else:  # assessment
        scores = (
            s.execute(
                select(AssessmentScore).where(
                    AssessmentScore.educator_id == educator.id, AssessmentScore.deleted_at.is_(None)
                )
            )
            .scalars()
            .all()
        )
        done = any(a.passing_score > 0 and a.score >= a.passing_score for a in scores)
        why = () if done else ("no qualifying assessment score on file",)
    return RequirementDTO(code, title, 1, 1 if done else 0, "", done, why)


def decide(
    ctx: ServiceContext,
    application_id: str,
    *,
    approve: bool,
    note: str = "",
    effective: date | None = None,
) -> Decision:
    """Approve (issue the certificate, supersede the old one) or reject, in one transaction.

    Raises:
        KnownError: not claimed by this operator, or approved while a requirement is not met.
    """
    ctx.require(Perm.EDIT_EDUCATORS)
    if not approve and not note.strip():
        raise ValidationError("reason", "is required to reject an application")
    with ctx.uow() as uow:
        s = uow.session
        app = _mine(ctx, s, application_id)
        educator = s.get(Educator, app.educator_id)
        assert educator is not None
        number = ""
        if approve:
            missing = [r.title for r in _tracker(s, app, utcnow().date()) if not r.met]
            if missing:
                raise KnownError("not every requirement is met: " + "; ".join(missing))
            number = _issue(uow, app, educator, effective or utcnow().date())
        app.status, app.decision = "decided", "approved" if approve else "rejected"
        app.decided_at, app.decided_by, app.decision_note = (
            utcnow(),
            ctx.actor.username,
            note.strip(),
        )
        _audit(
            uow,
            app,
            "application.decide",
            f"{app.decision}"
            + (f", certificate {number}" if number else "")
            + (f": {note.strip()}" if note.strip() else ""),
        )
        eml = _email(educator, app, number, note.strip())
        uow.commit()
        return Decision(
            str(app.id), approve, number, eml, Changes.of(Area.EDUCATORS, ids=(app.id, educator.id))
        )


def _issue(
    uow: UnitOfWork, app: CertificateApplication, educator: Educator, effective: date
) -> str:
    s = uow.session
    klass = s.execute(
        select(CertificateClassification).where(
            CertificateClassification.code == app.classification_code
        )
    ).scalar_one_or_none()
    if klass is None:
        raise KnownError(f"{app.classification_code} is not a classification in force")
    cert, old = issue_in(s, educator, klass, effective, workstation_id=uow.actor.workstation_id)
    record_issue(uow, cert, klass, old)
    app.certificate_id = cert.id
    return cert.number


def _email(educator: Educator, app: CertificateApplication, number: str, note: str) -> bytes:
    name = holder_name(educator)
    if number:
        subject = f"Your {app.classification_code} certificate {number} is issued"
        body = (
            f"Dear {name}:\n\nYour application for the {app.classification_code} certificate is "
            f"approved. Certificate number {number} is now in force; you can print it from your "
            "educator profile or ask the office for a printed copy.\n"
        )
    else:
        subject = f"Your {app.classification_code} certificate application"
        body = (
            f"Dear {name}:\n\nYour application for the {app.classification_code} certificate "
            f"could not be approved: {note}\n"
        )
    return draft_eml("", [educator.email], subject, body + "\nEducator Certification\n")
