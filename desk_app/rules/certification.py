"""Certificate classifications and their upgrade requirements, as data, with the pure functions
that apply them.

Classifications, validity and requirements change by rule-making, so each one is a row of
:data:`CLASSIFICATIONS` (seeded into the ``certificate_classification`` table), never a code path.
:func:`evaluate_upgrade` reads evidence (years of experience, years of mentoring, professional
development, evaluations) against a classification's requirements and reports per-requirement
progress and whether the educator may upgrade.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

# Nonpublic schools whose contracted experience counts (student services rule).
ACCREDITING_ASSOCIATIONS: tuple[str, ...] = (
    "North Central Association of Colleges and Schools",
    "Middle States Association of Colleges and Schools",
    "New England Association of Schools and Colleges",
    "Northwest Association of Schools and Colleges",
    "Western Association of Schools and Colleges",
    "Southern Association of Colleges and Schools",
    "National Federation of Nonpublic School State Accrediting Association",
    "Independent Schools Association of the Central States",
    "National Lutheran School Accreditation",
    "Missouri Accreditation of Programs for Children and Youth",
)
MISSOURI_PUBLIC_SCHOOL = "Missouri public school"
APPROVED_EXPERIENCE_SETTINGS: tuple[str, ...] = (MISSOURI_PUBLIC_SCHOOL, *ACCREDITING_ASSOCIATIONS)

# An account not used for this many months must be registered again.
REREGISTRATION_AFTER_MONTHS = 12
# Experience counts only at half-time or more (FTE), under contract.
MIN_EXPERIENCE_FTE = 0.5
# A student's practicum of more than this many clock hours needs an educator profile.
PRACTICUM_PROFILE_HOURS = 30
SEMESTER_HOUR_IN_CONTACT_HOURS = 15.0

# Applications and what each kind needs on file before it can be approved (an upgrade is weighed
# against the held certificate's requirements instead).
APPLICATION_KINDS = ("substitute", "initial", "upgrade", "renewal")
APPLICATION_CHECKS: dict[str, tuple[str, ...]] = {
    "substitute": ("fingerprint", "background", "transcript"),
    "initial": ("fingerprint", "background", "transcript", "assessment"),
    "renewal": ("fingerprint",),
}
CHECK_TITLES = {
    "fingerprint": "Fingerprint result cleared",
    "background": "Background check cleared",
    "transcript": "Official transcript received",
    "assessment": "Qualifying score on the required assessment",
}


@dataclass(frozen=True)
class Requirement:
    """One upgrade requirement.

    ``units`` maps each unit evidence may be given in to how much of ``unit`` one of it is worth
    (1 semester hour = 15 contact hours). Evidence in any other unit does not count.
    ``settings``, when given, lists the only evidence sources accepted (approved experience).
    """

    code: str
    title: str
    quantity: float
    unit: str
    units: Mapping[str, float]
    settings: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Classification:
    code: str
    name: str
    track: str
    validity_years: int
    upgrade_to: str = ""
    requirements: tuple[Requirement, ...] = ()
    kind: str = "certificate"  # certificate / substitute / temporary


def _experience(title: str) -> Requirement:
    return Requirement(
        "experience",
        title,
        4,
        "years",
        {"years": 1.0},
        APPROVED_EXPERIENCE_SETTINGS,
        "at least half-time, contracted, in Missouri public schools or accredited nonpublic schools",
    )


def _mentoring() -> Requirement:
    return Requirement(
        "mentoring", "District-provided mentoring program", 2, "years", {"years": 1.0}
    )


def _development(hours: int) -> Requirement:
    return Requirement(
        "professional_development",
        f"{hours} contact hours of professional development",
        hours,
        "contact_hours",
        {"contact_hours": 1.0, "semester_hours": SEMESTER_HOUR_IN_CONTACT_HOURS},
        note="college credit counts: 1 semester hour = 15 contact hours",
    )


def _evaluation(title: str) -> Requirement:
    return Requirement("evaluation", title, 1, "evaluations", {"evaluations": 1.0})


CLASSIFICATIONS: dict[str, Classification] = {
    c.code: c
    for c in (
        Classification(
            "ISS",
            "Initial Student Services",
            "student_services",
            4,
            "CSS",
            (
                _experience("4 years of approved student services experience"),
                _mentoring(),
                _development(40),
                _evaluation("Annual Performance Based Student Services Evaluation"),
            ),
        ),
        Classification("CSS", "Career Student Services", "student_services", 99),
        Classification(
            "IPC",
            "Initial Professional Certificate",
            "teaching",
            4,
            "CCPC",
            (
                _experience("4 years of approved teaching experience"),
                _mentoring(),
                _development(30),
                _evaluation("Annual Performance Based Teacher Evaluation"),
            ),
        ),
        Classification("CCPC", "Career Continuous Professional Certificate", "teaching", 99),
        Classification("SUB", "Substitute Certificate", "substitute", 4, kind="substitute"),
        Classification(
            "TAC", "Temporary Authorization Certificate", "teaching", 1, kind="temporary"
        ),
    )
}


def classification(code: str) -> Classification:
    """The classification named ``code``; raises ``KeyError`` for an unknown code."""
    return CLASSIFICATIONS[code.upper()]


def classification_rows() -> list[dict[str, Any]]:
    """The classifications as rows of the ``certificate_classification`` table (without sync columns)."""
    return [
        {
            "code": c.code,
            "name": c.name,
            "track": c.track,
            "validity_years": c.validity_years,
            "upgrade_to": c.upgrade_to,
            "requirements": {
                r.code: {
                    "title": r.title,
                    "quantity": r.quantity,
                    "unit": r.unit,
                    "units": dict(r.units),
                    "settings": list(r.settings),
                    "note": r.note,
                }
                for r in c.requirements
            },
        }
        for c in CLASSIFICATIONS.values()
    ]


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence toward a requirement (a row of ``requirement_evidence``)."""

    requirement: str
    quantity: float
    unit: str
    evidence_date: date
    source: str = ""
    fte: float | None = None  # experience: the share of full time, when the document says
    contracted: bool | None = None  # experience: under contract, when the document says


@dataclass(frozen=True)
class RequirementProgress:
    code: str
    title: str
    required: float
    unit: str
    completed: float
    met: bool
    not_counted: tuple[str, ...] = field(default=())  # why some evidence did not count

    @property
    def fraction(self) -> float:
        return 1.0 if self.required <= 0 else min(1.0, self.completed / self.required)


@dataclass(frozen=True)
class UpgradeProgress:
    classification: str
    upgrade_to: str
    eligible: bool
    requirements: tuple[RequirementProgress, ...]


def from_row(
    code: str,
    name: str,
    track: str,
    validity_years: int,
    upgrade_to: str,
    requirements: Mapping[str, Any],
) -> Classification:
    """A classification rebuilt from its ``certificate_classification`` row (the data in force)."""
    reqs = tuple(
        Requirement(
            req_code,
            spec["title"],
            float(spec["quantity"]),
            spec["unit"],
            dict(spec.get("units") or {spec["unit"]: 1.0}),
            tuple(spec.get("settings") or ()),
            spec.get("note", ""),
        )
        for req_code, spec in requirements.items()
    )
    return Classification(code, name, track, validity_years, upgrade_to, reqs)


def evaluate_upgrade(
    code: str | Classification,
    evidence: Iterable[Evidence],
    as_of: date,
    held_since: date | None = None,
) -> UpgradeProgress:
    """Weigh ``evidence`` against the upgrade requirements of classification ``code``.

    Evidence dated after ``as_of`` (not yet earned) or before ``held_since`` (earned before the
    classification was held) does not count; neither does evidence in a unit the requirement does
    not accept or, for experience, from a setting that is not approved.

    Args:
        code: the classification held: a code (e.g. ``"ISS"``) of :data:`CLASSIFICATIONS`, or a
            :class:`Classification` read from the database (:func:`from_row`).
        evidence: the educator's evidence items.
        as_of: the day to judge on.
        held_since: the effective date of the certificate, when known.

    Returns:
        Per-requirement progress; ``eligible`` when the classification has an upgrade and every
        requirement is met.
    """
    rule = code if isinstance(code, Classification) else classification(code)
    items = list(evidence)
    progress = tuple(_progress(req, items, as_of, held_since) for req in rule.requirements)
    eligible = bool(rule.upgrade_to) and all(p.met for p in progress)
    return UpgradeProgress(rule.code, rule.upgrade_to, eligible, progress)


def _progress(
    req: Requirement, items: list[Evidence], as_of: date, held_since: date | None
) -> RequirementProgress:
    total = 0.0
    refused: list[str] = []
    for item in items:
        if item.requirement != req.code:
            continue
        why = _refusal(req, item, as_of, held_since)
        if why:
            refused.append(why)
            continue
        total += float(item.quantity) * req.units[item.unit]
    total = round(total, 2)
    return RequirementProgress(
        req.code, req.title, req.quantity, req.unit, total, total >= req.quantity, tuple(refused)
    )


def _refusal(req: Requirement, item: Evidence, as_of: date, held_since: date | None) -> str:
    if item.unit not in req.units:
        return f"{item.quantity:g} {item.unit} is not a unit of {req.title.lower()}"
    if item.evidence_date > as_of:
        return f"dated {item.evidence_date.isoformat()}, after {as_of.isoformat()}"
    if held_since is not None and item.evidence_date < held_since:
        return f"dated {item.evidence_date.isoformat()}, before the certificate was held"
    if req.settings and item.source not in req.settings:
        return f"experience at {item.source or 'an unnamed school'} is not approved experience"
    if req.settings and item.fte is not None and item.fte < MIN_EXPERIENCE_FTE:
        return f"experience at {item.fte:g} FTE is less than half-time"
    if req.settings and item.contracted is False:
        return "experience without a contract does not count"
    return ""


def unmet_requirements(
    rule: Classification, evidence: Iterable[Evidence], as_of: date, held_since: date | None
) -> tuple[str, ...]:
    """The codes of the requirements :func:`evaluate_upgrade` would find not met, in one pass
    over the evidence and without the per-requirement report (the running-out list weighs a
    million holders and keeps only what is missing)."""
    wanted = {r.code: r for r in rule.requirements}
    totals = dict.fromkeys(wanted, 0.0)
    for item in evidence:
        req = wanted.get(item.requirement)
        if req is None or _refusal(req, item, as_of, held_since):
            continue
        totals[req.code] += float(item.quantity) * req.units[item.unit]
    return tuple(code for code, req in wanted.items() if round(totals[code], 2) < req.quantity)


def practicum_needs_profile(clock_hours: float) -> bool:
    """A student's practicum of more than 30 clock hours needs an educator profile."""
    return clock_hours > PRACTICUM_PROFILE_HOURS


def contact_hours(amount: float, unit: str) -> float:
    """Professional development in contact hours (1 semester hour = 15 contact hours)."""
    if unit == "semester_hours":
        return amount * SEMESTER_HOUR_IN_CONTACT_HOURS
    if unit == "contact_hours":
        return amount
    raise ValueError(f"{unit} is not a unit of professional development")


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months (clamped to the month's last day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(f"cannot move {day} by {months} months")


def needs_reregistration(last_login_at: datetime | date | None, as_of: date) -> bool:
    """True when the account was last used over 12 months before ``as_of`` (or never)."""
    if last_login_at is None:
        return True
    last = last_login_at.date() if isinstance(last_login_at, datetime) else last_login_at
    return as_of > add_months(last, REREGISTRATION_AFTER_MONTHS)


@lru_cache(maxsize=8)
def oldest_login_in_time(as_of: date) -> date:
    """The earliest last-login date that still needs no re-registration on ``as_of``: a list of
    accounts compares each login with this one date instead of doing the month arithmetic per row.
    Exactly :func:`needs_reregistration`'s rule (``add_months`` is monotonic, so the boundary is
    found by stepping from the month-arithmetic guess)."""
    first = add_months(as_of, -REREGISTRATION_AFTER_MONTHS)
    day = timedelta(days=1)
    while needs_reregistration(first, as_of):
        first += day
    while not needs_reregistration(first - day, as_of):
        first -= day
    return first


def expiration_date(code: str, effective: date) -> date:
    """The expiration date of a certificate of classification ``code`` issued on ``effective``."""
    return add_months(effective, 12 * classification(code).validity_years)
