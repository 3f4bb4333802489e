"""Educational entity kinds and their code formats.

Kept as data so that a new kind or a changed format is one table row, not a code path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class EntityKind(StrEnum):
    LEA = "lea"
    IHE = "ihe"
    PUBLIC = "public"
    NONPUBLIC = "nonpublic"
    CONSULTANT = "consultant"


class UserManagerSource(StrEnum):
    """Who manages an entity's users."""

    OWN = "own"  # the entity's own user manager(s)
    AGENCY = "agency"  # the agency itself


@dataclass(frozen=True)
class KindRule:
    kind: EntityKind
    title: str
    code_label: str
    pattern: str
    example: str
    user_managers: UserManagerSource
    has_buildings: bool


KIND_RULES: dict[EntityKind, KindRule] = {
    r.kind: r
    for r in (
        KindRule(
            EntityKind.LEA,
            "Local education agency",
            "County-district code",
            r"^\d{3}-\d{3}$",
            "048-078",
            UserManagerSource.OWN,
            True,
        ),
        KindRule(
            EntityKind.IHE,
            "Institution of higher education",
            "Institution code",
            r"^\d{6}$",
            "002516",
            UserManagerSource.OWN,
            False,
        ),
        KindRule(
            EntityKind.PUBLIC,
            "Public entity",
            "Entity code",
            r"^P\d{5}$",
            "P01234",
            UserManagerSource.AGENCY,
            False,
        ),
        KindRule(
            EntityKind.NONPUBLIC,
            "Nonpublic / private school",
            "Entity code",
            r"^N\d{5}$",
            "N04567",
            UserManagerSource.AGENCY,
            False,
        ),
        KindRule(
            EntityKind.CONSULTANT,
            "Consultant / contractor organisation",
            "Organisation code",
            r"^C\d{5}$",
            "C00042",
            UserManagerSource.AGENCY,
            False,
        ),
    )
}

BUILDING_CODE = re.compile(r"^\d{4}$")
COUNTY_CODE = re.compile(r"^\d{3}$")


def code_problem(kind: EntityKind | str, code: str) -> str | None:
    """Return why ``code`` is not a valid code for ``kind``, or ``None`` when it is."""
    rule = KIND_RULES[EntityKind(kind)]
    if not re.fullmatch(rule.pattern, code or ""):
        return f"{rule.code_label} must look like {rule.example}"
    if rule.kind is EntityKind.LEA and code[:3] == "000":
        return "county part of a county-district code cannot be 000"
    return None


def building_code_problem(code: str) -> str | None:
    """Return why ``code`` is not a 4-digit building code, or ``None``."""
    return (
        None if BUILDING_CODE.fullmatch(code or "") else "building code must be 4 digits, e.g. 1050"
    )


def kind_of_code(code: str) -> EntityKind | None:
    """Guess the entity kind from the shape of a code (used when a form names only a code)."""
    for rule in KIND_RULES.values():
        if re.fullmatch(rule.pattern, code or ""):
            return rule.kind
    return None


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def email_problem(value: str) -> str | None:
    return None if EMAIL.fullmatch(value or "") else "not a valid email address"
