"""Signer authority: is the person named as signer allowed to sign this form for this entity?

Superintendents and authorized representatives are matched against the entity's officer history
on the signing date (a form signed last spring is judged against who was in office then); the
consultant form's assurance section against the entity's agency contact (a staff member); the
MOSIS statement's user box against the user the form is about. Names are compared with rapidfuzz
after removing titles and punctuation; the score and the thresholds are part of the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select

from desk_app.models.people import EntityOfficer
from desk_app.models.staff import Staff
from desk_app.rules.verification import (
    NAME_MATCH_PASS,
    NAME_MATCH_WARN,
    OFFICER_ROLES,
    SignerSlot,
    normalise_name,
    signer_slots,
)
from desk_app.services.review.dto import CheckResult, check_result, parse_form_date
from desk_app.services.review.specimens import ExpectedSigner

if TYPE_CHECKING:
    from desk_app.services.review.job import VerificationJob

ROLE_WORDS = {
    "superintendent": "superintendent",
    "authorized_representative": "authorized representative",
}


def name_score(a: str, b: str) -> float:
    """How alike two people's names are, 0-100 (order of words ignored)."""
    from rapidfuzz import fuzz  # loaded with the first comparison, not with the review pane

    return round(float(fuzz.token_sort_ratio(normalise_name(a), normalise_name(b))), 1)


@dataclass(frozen=True)
class SlotVerdict:
    """The authority of one signer slot."""

    outcome: str
    reason: str
    expected: ExpectedSigner
    score: float


def _slot_name(job: VerificationJob, slot: SignerSlot) -> str:
    return " ".join(str(job.values.get(f) or "").strip() for f in slot.name_fields).strip()


def _signed_on(job: VerificationJob, slot: SignerSlot) -> date:
    return parse_form_date(str(job.values.get(slot.date_field) or "")) or job.now.date()


def _officer(job: VerificationJob, slot: SignerSlot, roles: tuple[str, ...]) -> SlotVerdict:
    name, on = _slot_name(job, slot), _signed_on(job, slot)
    nobody = ExpectedSigner(slot.signature_field, "officer", name, "", on)
    if job.entity is None:
        return SlotVerdict("fail", "entity unknown: no officers to compare with", nobody, 0.0)
    if not name:
        return SlotVerdict("fail", "the form names no signer", nobody, 0.0)
    officers = (
        job.session.execute(
            select(EntityOfficer).where(
                EntityOfficer.entity_id == job.entity.id,
                EntityOfficer.role.in_(roles),
                EntityOfficer.deleted_at.is_(None),
            )
        )
        .scalars()
        .all()
    )
    scored = sorted(
        ((name_score(name, o.person.full_name), o) for o in officers),
        key=lambda pair: (pair[1].in_office(on), pair[0]),
        reverse=True,
    )
    best = next(((s, o) for s, o in scored if o.in_office(on)), None)
    if best is not None and best[0] >= NAME_MATCH_WARN:
        score, o = best
        who = f"{o.person.full_name}, {ROLE_WORDS[o.role]} since {o.start_date:%m/%d/%Y}"
        expected = ExpectedSigner(
            slot.signature_field, o.role, o.person.full_name, str(o.person_id), on
        )
        if score >= NAME_MATCH_PASS:
            return SlotVerdict("pass", f"{name!r} is {who} (name score {score:g})", expected, score)
        return SlotVerdict(
            "warn",
            f"{name!r} is probably {who} (name score {score:g}, below "
            f"{NAME_MATCH_PASS:g}): confirm the spelling",
            expected,
            score,
        )
    former = next(((s, o) for s, o in scored if s >= NAME_MATCH_PASS and not o.in_office(on)), None)
    if former is not None:
        o = former[1]
        until = f"{o.end_date:%m/%d/%Y}" if o.end_date else "later"
        return SlotVerdict(
            "fail",
            f"{o.person.full_name} was {ROLE_WORDS[o.role]} from "
            f"{o.start_date:%m/%d/%Y} to {until}, not on {on:%m/%d/%Y}",
            nobody,
            former[0],
        )
    return SlotVerdict(
        "fail",
        f"{name!r} is not a superintendent or authorized representative of "
        f"{job.entity.code} on file for {on:%m/%d/%Y}",
        nobody,
        best[0] if best else 0.0,
    )


def _agency_contact(job: VerificationJob, slot: SignerSlot) -> SlotVerdict:
    name, on = _slot_name(job, slot), _signed_on(job, slot)
    contact = job.entity.agency_contact if job.entity is not None else ""
    staff = (
        job.session.execute(select(Staff).where(Staff.username == contact)).scalar_one_or_none()
        if contact
        else None
    )
    expected = ExpectedSigner(slot.signature_field, "agency_contact", name, "", on)
    if staff is None:
        return SlotVerdict("fail", "the organisation has no agency contact on file", expected, 0.0)
    score = name_score(name, staff.display_name) if name else 0.0
    if score >= NAME_MATCH_PASS:
        return SlotVerdict(
            "pass",
            f"signed by the agency contact {staff.display_name} (name score {score:g})",
            expected,
            score,
        )
    outcome = "warn" if score >= NAME_MATCH_WARN else "fail"
    return SlotVerdict(
        outcome,
        f"{name!r} is not the agency contact {staff.display_name} (name score {score:g})",
        expected,
        score,
    )


def _user(job: VerificationJob, slot: SignerSlot) -> SlotVerdict:
    name = _slot_name(job, slot)
    expected = ExpectedSigner(
        slot.signature_field, "user", name, _user_person(job), _signed_on(job, slot)
    )
    if not name:
        return SlotVerdict("fail", "the form names no user", expected, 0.0)
    if not str(job.values.get(slot.date_field) or "").strip():
        return SlotVerdict("warn", f"the user {name} did not date the statement", expected, 100.0)
    return SlotVerdict("pass", f"the user {name} signs their own statement", expected, 100.0)


def _user_person(job: VerificationJob) -> str:
    user = job.requested.user(1)
    if user is None or not user.email:
        return ""
    from desk_app.models.access import UserAccount

    person = (
        job.session.execute(
            select(UserAccount.person_id).where(
                UserAccount.email == user.email,
                UserAccount.person_id.is_not(None),
                UserAccount.deleted_at.is_(None),
            )
        )
        .scalars()
        .first()
    )
    return str(person) if person else ""


def check_signer_authority(job: VerificationJob) -> CheckResult:
    """Every signer slot of the form; fills ``job.expected`` for the signature check."""
    assert job.spec is not None
    verdicts = []
    for slot in signer_slots(job.spec.signer_roles):
        if slot.role == "officer":
            roles = tuple(r for r in job.spec.signer_roles if r in OFFICER_ROLES)
            verdicts.append(_officer(job, slot, roles))
        elif slot.role == "agency_contact":
            verdicts.append(_agency_contact(job, slot))
        else:
            verdicts.append(_user(job, slot))
    job.expected = [v.expected for v in verdicts]
    if not verdicts:
        return check_result("signer_authority", "pass", "the form needs no signer")
    worst = max(verdicts, key=lambda v: ("pass", "warn", "fail").index(v.outcome))
    return check_result(
        "signer_authority",
        worst.outcome,
        "; ".join(v.reason for v in verdicts),
        scores={v.expected.field_name: v.score for v in verdicts},
        thresholds={"pass": NAME_MATCH_PASS, "warn": NAME_MATCH_WARN},
    )
