"""The shapes of the catalogue (form, section, field) and helpers that build common field sets.

The forms themselves are in :mod:`desk_app.pdf.forms_data`; import them from
:mod:`desk_app.pdf.catalogue`.

Numbers ``MO 500-xxxx`` name the agency's forms our editions stand for; the three forms the agency
publishes without a number get our own ``DA-`` numbers. The layout is our own (see
:mod:`desk_app.pdf.generate`); only the information asked for follows the agency's forms.

Field names are shared across forms so that intake, verification and access services can read any
form the same way: ``entity_name``, ``entity_code``, ``signer_name``, ``signer_title``,
``signed_date``, ``signature``, ``pin``, ``requester_email``, user rows ``user_{i}_*``, role rows
``role_{i}_*`` (see :func:`user_row_fields`, :func:`role_row_fields`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from desk_app.pdf.applications import WEB_APPLICATIONS
from desk_app.rules.codes import KIND_RULES, EntityKind

FIELD_KINDS = ("text", "email", "date", "code", "checkbox", "choice", "signature", "pin")
PIN_POLICIES = ("required", "may", "none")
CHECKED = "Yes"  # the value our API uses for a ticked checkbox ("" when not ticked)

DATE_PATTERN = r"^(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01])/\d{4}$"  # MM/DD/YYYY, as printed
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
PIN_PATTERN = r"^[A-Za-z0-9]{4,12}$"
USERNAME_PATTERN = r"^[A-Za-z0-9._-]{2,64}$"
BUILDING_PATTERN = r"^\d{4}$"
ACTIONS = ("add", "modify", "delete")


@dataclass(frozen=True)
class FieldSpec:
    """One field of a form.

    ``derived`` fields are computed in Python from other fields (never by a script in the PDF)
    and are read-only in the PDF; ``section`` names the :class:`SectionSpec` it is laid out in.
    """

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    pattern: str = ""
    options: tuple[str, ...] = ()
    page: int = 1
    section: str = ""
    derived: bool = False
    max_length: int = 0


@dataclass(frozen=True)
class SectionSpec:
    """A titled block of a form page; ``layout`` is grid, users, roles, signature or text."""

    key: str
    title: str
    page: int
    layout: str = "grid"
    text: str = ""


@dataclass(frozen=True)
class FormSpec:
    """One form: identity, rules (who signs, PIN policy) and its fields."""

    number: str
    key: str
    title: str
    edition: str
    pin_policy: str
    signer_roles: tuple[str, ...]
    entity_kinds: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    role_rows: int = 0
    user_rows: int = 0
    purpose: str = ""
    sections: tuple[SectionSpec, ...] = ()
    _by_name: dict[str, FieldSpec] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({f.name: f for f in self.fields})

    @property
    def page_count(self) -> int:
        return max(s.page for s in self.sections) if self.sections else 1

    def field(self, name: str) -> FieldSpec:
        """Return the field called ``name`` (KeyError when the form has none)."""
        return self._by_name[name]

    def has_field(self, name: str) -> bool:
        return name in self._by_name

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def fields_in(self, section: str) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.section == section)

    @property
    def entity_name_field(self) -> str:
        return "org_name" if self.has_field("org_name") else "entity_name"

    @property
    def entity_code_field(self) -> str:
        return "org_code" if self.has_field("org_code") else "entity_code"


def code_pattern(kinds: tuple[str, ...]) -> str:
    """One regular expression accepting the code of any of ``kinds``."""
    parts = [KIND_RULES[EntityKind(k)].pattern.strip("^$") for k in kinds]
    return "^(" + "|".join(parts) + ")$"


def entity_fields(
    kinds: tuple[str, ...], section: str = "entity", page: int = 1, prefix: str = "entity"
) -> tuple[FieldSpec, ...]:
    label = "Educational entity" if prefix == "entity" else "Organisation"
    code_label = " / ".join(dict.fromkeys(KIND_RULES[EntityKind(k)].code_label for k in kinds))
    return (
        FieldSpec(
            f"{prefix}_name",
            f"{label} name",
            "text",
            True,
            page=page,
            section=section,
            max_length=120,
        ),
        FieldSpec(
            f"{prefix}_code",
            code_label,
            "code",
            True,
            code_pattern(kinds),
            page=page,
            section=section,
            max_length=16,
        ),
    )


def user_row_fields(rows: int, section: str = "users", page: int = 1) -> tuple[FieldSpec, ...]:
    """Fields of the user rows; row 1 is required, later rows only when used."""
    out: list[FieldSpec] = []
    for i in range(1, rows + 1):
        req = i == 1
        out += [
            FieldSpec(
                f"user_{i}_first_name",
                f"User {i} first name",
                "text",
                req,
                page=page,
                section=section,
                max_length=60,
            ),
            FieldSpec(
                f"user_{i}_last_name",
                f"User {i} last name",
                "text",
                req,
                page=page,
                section=section,
                max_length=60,
            ),
            FieldSpec(
                f"user_{i}_email",
                f"User {i} email",
                "email",
                req,
                EMAIL_PATTERN,
                page=page,
                section=section,
                max_length=100,
            ),
            FieldSpec(
                f"user_{i}_username",
                f"User {i} username (if known)",
                "text",
                False,
                USERNAME_PATTERN,
                page=page,
                section=section,
                max_length=64,
            ),
        ]
    return tuple(out)


def role_row_fields(
    rows: int,
    users: int,
    apps: tuple[str, ...],
    *,
    building: bool,
    actions: tuple[str, ...] = ACTIONS,
    section: str = "roles",
    page: int = 1,
) -> tuple[FieldSpec, ...]:
    """Fields of the requested-role rows; ``role_{i}_level`` is derived from the role code."""
    roles = tuple(r.code for a in apps for r in WEB_APPLICATIONS[a].roles)
    user_refs = tuple(str(u) for u in range(1, users + 1))
    out: list[FieldSpec] = []
    for i in range(1, rows + 1):
        req = i == 1
        row = [
            FieldSpec(
                f"role_{i}_user",
                f"Role {i}: user row",
                "choice",
                req and users > 1,
                options=user_refs,
                page=page,
                section=section,
            ),
            FieldSpec(
                f"role_{i}_app",
                f"Role {i}: web application",
                "choice",
                req,
                options=apps,
                page=page,
                section=section,
            ),
            FieldSpec(
                f"role_{i}_role",
                f"Role {i}: role",
                "choice",
                req,
                options=roles,
                page=page,
                section=section,
            ),
            FieldSpec(
                f"role_{i}_action",
                f"Role {i}: action",
                "choice",
                req,
                options=actions,
                page=page,
                section=section,
            ),
            FieldSpec(
                f"role_{i}_level",
                f"Role {i}: level",
                "text",
                False,
                r"^\d$",
                page=page,
                section=section,
                derived=True,
                max_length=1,
            ),
        ]
        if building:
            row.append(
                FieldSpec(
                    f"role_{i}_building",
                    f"Role {i}: building code (building-level access only)",
                    "code",
                    False,
                    BUILDING_PATTERN,
                    page=page,
                    section=section,
                    max_length=4,
                )
            )
        out += row
    return tuple(out)


def signer_fields(
    page: int, section: str = "signature", *, pin: str = "none", signature: str = "signature"
) -> tuple[FieldSpec, ...]:
    out: tuple[FieldSpec, ...] = (
        FieldSpec(
            "signer_name", "Name of signer", "text", True, page=page, section=section, max_length=80
        ),
        FieldSpec("signer_title", "Title", "text", True, page=page, section=section, max_length=80),
        FieldSpec(
            "signed_date",
            "Date signed (MM/DD/YYYY)",
            "date",
            True,
            DATE_PATTERN,
            page=page,
            section=section,
            max_length=10,
        ),
        FieldSpec(signature, "Signature", "signature", False, page=page, section=section),
    )
    if pin != "none":
        out += (
            FieldSpec(
                "pin",
                "Security PIN code",
                "pin",
                pin == "required",
                PIN_PATTERN,
                page=page,
                section=section,
                max_length=12,
            ),
        )
    return out


def requester_field(page: int = 1, section: str = "entity") -> FieldSpec:
    return FieldSpec(
        "requester_email",
        "Email for the confirmation",
        "email",
        True,
        EMAIL_PATTERN,
        page=page,
        section=section,
        max_length=100,
    )
