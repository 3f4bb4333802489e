"""Verification rules as data: the check catalogue, the PIN policy, name-match thresholds.

Each check of a verification report is declared once here (code, title, whether a failure blocks
approval); the verification service runs the checks and the review pane lists them in this order.
The PIN rules (length, what counts as trivial) and the fuzzy name-match thresholds are data too,
so the agency can tighten them without touching a code path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


@dataclass(frozen=True)
class CheckSpec:
    """One check of a verification report."""

    code: str
    title: str
    blocking: bool
    description: str


CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec(
        "form_known",
        "Form identified",
        True,
        "The submission is one of the agency's forms, with its number and edition.",
    ),
    CheckSpec(
        "form_complete",
        "Form complete",
        True,
        "Every required field is filled in and every value has the expected form.",
    ),
    CheckSpec(
        "entity_code",
        "Entity code valid and known",
        True,
        "The county-district or institution code has the right shape and names an active entity.",
    ),
    CheckSpec(
        "roles_exist",
        "Requested roles exist for this kind of entity",
        True,
        "Every requested application role exists and that application serves this entity kind.",
    ),
    CheckSpec(
        "building_scope",
        "Building exists where the application has building scope",
        True,
        "A building-scoped application (MOSIS) names one of the entity's active buildings.",
    ),
    CheckSpec(
        "one_username",
        "One person, one username",
        False,
        "The requester's existing accounts: several usernames for one person or email are flagged.",
    ),
    CheckSpec(
        "separation_of_duties",
        "Separation of duties",
        True,
        "Nobody approves a request they submitted or one that grants themselves access.",
    ),
    CheckSpec(
        "pin",
        "Security PIN",
        True,
        "The PIN on the form matches the entity's PIN where the form's policy requires one.",
    ),
    CheckSpec(
        "signer_authority",
        "Signer authority",
        True,
        "The signer is the superintendent, an authorized representative on file on the signing "
        "date, or (consultant form) the agency contact.",
    ),
    CheckSpec(
        "signing_date",
        "Signing date makes sense",
        True,
        "Every signing date lies between the date the form's edition came out and the date the "
        "form was received (give or take the configured grace).",
    ),
    CheckSpec(
        "signatures",
        "Signatures",
        True,
        "Digital signatures valid and unmodified; wet-ink signatures present and attested.",
    ),
)

CHECK_BY_CODE: dict[str, CheckSpec] = {c.code: c for c in CHECKS}


class PinPolicy(StrEnum):
    """Whether a form carries the entity's security PIN (the catalogue's words)."""

    REQUIRED = "required"
    MAY_BE_REQUIRED = "may_be_required"
    NONE = "none"


def pin_policy(value: str) -> PinPolicy:
    """Normalise a catalogue PIN policy ("required", "may be required", "none", "")."""
    text = (value or "none").strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return PinPolicy(text)
    except ValueError:
        return PinPolicy.MAY_BE_REQUIRED if "may" in text else PinPolicy.NONE


# --- the security PIN -------------------------------------------------------------------------

PIN_DIGITS = 8  # at least 6 (the agency's minimum); 8 makes a guess 100x less likely
PIN_MIN_DIGITS = 6
PIN_PATTERN = re.compile(r"^\d{6,12}$")

# what people type between the groups of a PIN: the letter prints it in groups of four
# ("9736 8916"), and some write it with dashes; none of them is part of the PIN
_PIN_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")


def normalise_pin(keyed: str) -> str:
    """The PIN as compared and hashed: spaces and dashes dropped, letters upper-cased.

    The mailer letter prints the PIN in groups of four and says that spaces, dashes and the
    case of letters do not matter; a PIN is drawn from digits only, so the case rule only
    matters for a PIN keyed with a letter O or I by mistake, which still fails to match.
    """
    return _PIN_SEPARATORS.sub("", keyed or "").upper()


# Argon2id cost: tuned on a 2-core workstation so one check takes about 105 ms (50-500 ms target):
# slow enough that keying every PIN is hopeless, fast enough that a reviewer does not wait.
ARGON2_TIME_COST = 2
ARGON2_MEMORY_KIB = 64 * 1024
ARGON2_PARALLELISM = 1


def _has_run(pin: str, length: int) -> bool:
    """True when ``pin`` holds an ascending or descending run of ``length`` digits."""
    steps = [int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)]
    for step in (1, -1):
        run = 1
        for s in steps:
            run = run + 1 if s == step else 1
            if run >= length:
                return True
    return False


def _looks_like_date(pin: str) -> bool:
    """True for MMDDYY, DDMMYY, YYMMDD, MMDDYYYY, YYYYMMDD and DDMMYYYY shapes."""
    shapes = {6: ("%m%d%y", "%d%m%y", "%y%m%d"), 8: ("%m%d%Y", "%Y%m%d", "%d%m%Y")}
    from datetime import datetime

    for fmt in shapes.get(len(pin), ()):
        try:
            parsed = datetime.strptime(pin, fmt).date()
        except ValueError:
            continue
        if date(1900, 1, 1) <= parsed <= date(2099, 12, 31):
            return True
    return False


def pin_problem(pin: str, entity_code: str = "") -> str | None:
    """Why ``pin`` is too guessable to issue, or ``None`` when it is acceptable.

    Refused: fewer than six digits, one repeated digit, a short repeated pattern (121212),
    an ascending or descending run of four or more (1234, 9876), anything shaped like a date,
    and PINs that contain the entity code's digits or are contained in them.
    """
    pin = normalise_pin(pin)
    if not PIN_PATTERN.fullmatch(pin):
        return f"a PIN is {PIN_MIN_DIGITS} to 12 digits"
    if len(set(pin)) <= 2:
        return "too few different digits"
    for period in (2, 3, 4):
        if len(pin) % period == 0 and pin == pin[:period] * (len(pin) // period):
            return "a repeated pattern"
    if _has_run(pin, 4):
        return "an ascending or descending run of digits"
    if _looks_like_date(pin):
        return "shaped like a date"
    code_digits = re.sub(r"\D", "", entity_code or "")
    if len(code_digits) >= 3 and (code_digits in pin or pin in code_digits):
        return "contains the entity code"
    for part in re.findall(r"\d{3,}", entity_code or ""):
        if part in pin and len(set(part)) > 1:
            return "contains part of the entity code"
    return None


# --- names ------------------------------------------------------------------------------------

NAME_MATCH_PASS = 90.0  # rapidfuzz token_sort_ratio at or above: the same person
NAME_MATCH_WARN = 75.0  # between WARN and PASS: likely (initials, typos); the reviewer confirms

# titles and suffixes dropped before comparing names
NAME_NOISE = frozenset(
    {"dr", "mr", "mrs", "ms", "jr", "sr", "ii", "iii", "iv", "phd", "edd", "ed.d"}
)


def normalise_name(name: str) -> str:
    """Lower-case, drop punctuation, titles and suffixes: "Dr. Jane Q. Doe, Ed.D." -> "jane q doe"."""
    text = (name or "").lower().replace(".", "")  # "Ed.D." -> "edd", "Q." -> "q"
    words = re.sub(r"[^\w\s'-]", " ", text).replace("-", " ").split()
    return " ".join(w for w in words if w not in NAME_NOISE)


# --- who signs where ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SignerSlot:
    """Where a form names a signer, the date they signed, and the box they sign in."""

    role: str  # the catalogue's signer role ("superintendent", "agency_contact", "user", ...)
    name_fields: tuple[str, ...]  # joined with a space to make the signer's name
    date_field: str
    signature_field: str


OFFICER_ROLES = ("superintendent", "authorized_representative")
OFFICER_SLOT = SignerSlot("officer", ("signer_name",), "signed_date", "signature")
SIGNER_SLOTS: dict[str, SignerSlot] = {
    "superintendent": OFFICER_SLOT,
    "authorized_representative": OFFICER_SLOT,
    "agency_contact": SignerSlot(
        "agency_contact", ("contact_name",), "contact_date", "contact_signature"
    ),
    "user": SignerSlot(
        "user", ("user_1_first_name", "user_1_last_name"), "user_signed_date", "user_signature"
    ),
}


def signer_slots(signer_roles: tuple[str, ...]) -> tuple[SignerSlot, ...]:
    """The distinct signer slots of a form, in the catalogue's order."""
    out: list[SignerSlot] = []
    for role in signer_roles:
        slot = SIGNER_SLOTS.get(role)
        if slot is not None and slot not in out:
            out.append(slot)
    return tuple(out)


def edition_date(edition: str) -> date | None:
    """The first day an edition can have been filled in: ``2026-1`` is January 2026 (``YYYY-M``),
    a bare ``2026`` is 1 January; ``None`` when the edition string says no date."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?", (edition or "").strip())
    if m is None:
        return None
    month = int(m.group(2) or 1)
    return date(int(m.group(1)), month, 1) if 1 <= month <= 12 else date(int(m.group(1)), 1, 1)


def signing_date_problem(
    signed_on: date, edition: str, received_on: date, grace_days: int
) -> str | None:
    """Why a signing date makes no sense, or ``None``: before the form's edition existed, or
    after the form was received (each side with ``grace_days`` of slack)."""
    from datetime import timedelta

    grace = timedelta(days=max(grace_days, 0))
    first = edition_date(edition)
    if first is not None and signed_on < first - grace:
        return (
            f"dated {signed_on:%m/%d/%Y}, before edition {edition} of the form existed "
            f"({first:%m/%d/%Y})"
        )
    if signed_on > received_on + grace:
        return f"dated {signed_on:%m/%d/%Y}, after the form was received on {received_on:%m/%d/%Y}"
    return None


# --- decisions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReasonCode:
    """A reason for rejecting or returning a request, as the reply letter words it."""

    code: str
    title: str
    letter_text: str
    needs_second_review: bool = False


REJECTION_REASONS: dict[str, ReasonCode] = {
    r.code: r
    for r in (
        ReasonCode(
            "pin_mismatch",
            "Security PIN does not match",
            "The security PIN on the form does not match the PIN on file for your agency.",
        ),
        ReasonCode(
            "pin_missing",
            "Security PIN missing",
            "This form requires your agency's security PIN, and none was entered.",
        ),
        ReasonCode(
            "signer_not_authorized",
            "Signer not authorized",
            "The form must be signed by the superintendent or an authorized representative on file.",
        ),
        ReasonCode(
            "signature_mismatch",
            "Signature does not match specimens",
            "The signature on the form does not match the signatures we hold on file.",
            True,
        ),
        ReasonCode(
            "signature_missing",
            "Signature missing",
            "The form was not signed in the signature box.",
        ),
        ReasonCode(
            "signature_invalid",
            "Digital signature invalid",
            "The digital signature on the form is invalid or the form was changed after signing.",
        ),
        ReasonCode(
            "entity_unknown",
            "Entity code not recognised",
            "The county-district or institution code on the form is not one we recognise.",
        ),
        ReasonCode(
            "role_not_available",
            "Role not available",
            "A requested role is not available to your kind of organisation or building.",
        ),
        ReasonCode(
            "incomplete", "Form incomplete", "Required information is missing from the form."
        ),
        ReasonCode(
            "duplicate_username",
            "Several usernames",
            "The user already holds a username; one person may hold only one username.",
        ),
        ReasonCode(
            "last_user_manager",
            "Last user manager",
            "Your agency's last user manager cannot be removed until a replacement is named.",
        ),
        ReasonCode("other", "Other", ""),
    )
}

# reasons that may come back after the requester corrects the form (Waiting on requester)
WAIT_REASONS = ("pin_missing", "incomplete", "signature_missing", "other")
