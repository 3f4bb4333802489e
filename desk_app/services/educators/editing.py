"""Creating and changing educator profiles, as a Certification Specialist does from documents.

A person is keyed by SSN and date of birth: creating a profile for someone who has one finds it
(by the keyed identity hash) and never makes a second. Names are the legal name only; an e-mail is
required (all correspondence goes by e-mail). A person has one DESE username: linking a second
is refused with a warning unless the operator confirms the replacement. Every change is audited
in its own transaction, without the SSN or date of birth in the audit text.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.crypto import normalise_ssn
from desk_app.errors import KnownError, NotFound, ValidationError
from desk_app.models import auditchain as audit
from desk_app.models.base import utcnow
from desk_app.models.educators import Educator
from desk_app.rules import certification as rules
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes, ServiceContext
from desk_app.services.educators.profiles import EducatorService, closed_context

FINGERPRINT_RESULTS = ("none", "pending", "cleared", "flagged", "expired")
BACKGROUND_RESULTS = ("none", "pending", "cleared", "flagged")


@dataclass(frozen=True)
class NewProfile:
    """What the specialist enters for a new profile (SSN and date of birth in masked fields)."""

    ssn: str = field(repr=False)
    date_of_birth: date = field(repr=False)
    first_name: str
    last_name: str
    email: str
    middle_name: str = ""


@dataclass(frozen=True)
class ProfileResult:
    """The profile created, or the existing one found for the same person (``existed``)."""

    educator_id: str
    existed: bool
    changes: Changes
    warning: str = ""


def _uuid(educator_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(educator_id))
    except ValueError:
        raise NotFound("no educator has that id") from None


def create_profile(ctx: ServiceContext, new: NewProfile) -> ProfileResult:
    """Create a profile, or return the one this SSN and date of birth already have.

    Raises:
        ValidationError: a bad SSN, a date of birth in the future, a missing name or e-mail.
    """
    ctx.require(Perm.EDIT_EDUCATORS)
    try:
        ssn = normalise_ssn(new.ssn)
    except ValueError as exc:
        raise ValidationError("SSN", str(exc)) from None
    if new.date_of_birth >= utcnow().date():
        raise ValidationError("date of birth", "must be in the past")
    digest = ctx.cipher.identity_hash(ssn, new.date_of_birth.isoformat())
    with ctx.uow() as uow:
        s = uow.session
        found = s.execute(select(Educator).where(Educator.identity_hash == digest)).scalar()
        if found is not None:
            audit.record(
                uow,
                "educator.create_found_existing",
                record_type="educator",
                record_id=found.id,
                summary="a new profile was asked for a person who has one: the existing "
                "profile was opened, none created",
            )
            uow.commit()
            gone = (
                " (it was deleted; restore it rather than create one)" if found.deleted_at else ""
            )
            return ProfileResult(
                str(found.id), True, Changes(), f"this person already has a profile{gone}"
            )
        key = uuid.uuid4()
        educator = Educator(
            id=key,
            identity_hash=digest,
            ssn_cipher=ctx.cipher.encrypt(ssn, context=closed_context(key, "ssn")),
            dob_cipher=ctx.cipher.encrypt(
                new.date_of_birth.isoformat(), context=closed_context(key, "dob")
            ),
            first_name=new.first_name,
            middle_name=new.middle_name.strip(),
            last_name=new.last_name,
            email=new.email.strip(),
        )
        s.add(educator)
        s.flush()
        audit.record(
            uow,
            "educator.create",
            record_type="educator",
            record_id=key,
            summary=f"profile created for {educator.last_name}, {educator.first_name}",
        )
        uow.commit()
    return ProfileResult(str(key), False, Changes.of(Area.EDUCATORS, ids=(key,)))


def edit_contact(
    ctx: ServiceContext, educator_id: str, *, email: str, expected_version: int | None = None
) -> Changes:
    """Change the educator's e-mail (the contact detail the agency keeps); audited with both values.

    Raises:
        KnownError: someone else changed the profile since it was read (``expected_version``).
    """
    ctx.require(Perm.EDIT_EDUCATORS)
    with ctx.uow() as uow:
        educator = _live(uow.session, educator_id)
        if expected_version is not None and educator.row_version != expected_version:
            raise KnownError("the profile was changed meanwhile; open it again")
        before = educator.email
        educator.email = email.strip()
        audit.record(
            uow,
            "educator.edit_contact",
            record_type="educator",
            record_id=educator.id,
            summary=f"e-mail changed from {before} to {educator.email}",
        )
        uow.commit()
        return Changes.of(Area.EDUCATORS, ids=(educator.id,))


def link_username(
    ctx: ServiceContext, educator_id: str, username: str, *, replace: bool = False
) -> Changes:
    """Link the person's DESE username.

    Raises:
        KnownError: the profile has another username (a person has one: pass ``replace`` to
            change it), or the username belongs to another profile.
    """
    ctx.require(Perm.EDIT_EDUCATORS)
    name = username.strip().lower()
    if not name:
        raise ValidationError("username", "is required")
    with ctx.uow() as uow:
        s = uow.session
        educator = _live(s, educator_id)
        other = s.execute(
            select(Educator.id).where(
                Educator.username == name, Educator.id != educator.id, Educator.deleted_at.is_(None)
            )
        ).first()
        if other is not None:
            raise KnownError(f"the username {name} belongs to another educator's profile")
        closed = educator.reregistration_marked_at is not None  # the old username is closed
        if educator.username and educator.username != name and not (replace or closed):
            raise KnownError(
                f"this person already has the DESE username {educator.username}; a person has "
                "one username: replace it only if the old one was closed"
            )
        before = educator.username or ""
        educator.username = name
        if closed and name != before:
            educator.reregistration_marked_at = None
        audit.record(
            uow,
            "educator.link_username",
            record_type="educator",
            record_id=educator.id,
            summary=f"DESE username {name} linked" + (f" (replacing {before})" if before else ""),
        )
        uow.commit()
        return Changes.of(Area.EDUCATORS, ids=(educator.id,))


def record_checks(
    ctx: ServiceContext,
    educator_id: str,
    *,
    kind: str,
    result: str,
    on: date,
    document_ref: str,
) -> Changes:
    """Record a fingerprint or background-check result with its date and source document."""
    ctx.require(Perm.EDIT_EDUCATORS)
    allowed = {"fingerprint": FINGERPRINT_RESULTS, "background": BACKGROUND_RESULTS}.get(kind)
    if allowed is None:
        raise ValidationError("check", "is a fingerprint or a background check")
    if result not in allowed:
        raise ValidationError(f"{kind} result", f"is one of {', '.join(allowed)}")
    if on > utcnow().date():
        raise ValidationError(f"{kind} date", "cannot be in the future")
    if not document_ref.strip():
        raise ValidationError("source document", "is required for a check result")
    with ctx.uow() as uow:
        educator = _live(uow.session, educator_id)
        if kind == "fingerprint":
            educator.fingerprint_status, educator.fingerprint_date = result, on
            educator.fingerprint_document = document_ref.strip()
        else:
            educator.background_status, educator.background_date = result, on
            educator.background_document = document_ref.strip()
        audit.record(
            uow,
            f"educator.{kind}_result",
            record_type="educator",
            record_id=educator.id,
            summary=f"{kind} result {result} on {on.isoformat()} from {document_ref.strip()}",
        )
        uow.commit()
        return Changes.of(Area.EDUCATORS, ids=(educator.id,))


def practicum_check(ctx: ServiceContext, ssn: str, date_of_birth: date, clock_hours: float) -> str:
    """What a student's practicum needs: over 30 clock hours needs a profile (for the background
    check). Returns a sentence for the operator; looks the person up (audited) only when needed."""
    if not rules.practicum_needs_profile(clock_hours):
        return f"a practicum of {clock_hours:g} clock hours needs no profile"
    found = EducatorService(ctx).find_by_identity(ssn, date_of_birth)
    if found is None:
        return (
            f"a practicum of {clock_hours:g} clock hours needs a profile, and this student has "
            "none: create it"
        )
    return (
        f"a practicum of {clock_hours:g} clock hours needs a profile: {found.display_name} has one"
    )


def _live(session: Session, educator_id: str) -> Educator:
    educator = session.get(Educator, _uuid(educator_id))
    if educator is None or educator.deleted_at is not None:
        raise NotFound("that educator no longer exists")
    return educator
