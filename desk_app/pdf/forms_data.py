"""The forms of the catalogue (seven request forms and the access-review attestation), built from the helpers in :mod:`desk_app.pdf.spec`.

Each entry states who uses the form, who must sign it, its PIN policy and edition. A new edition
is a new ``edition`` string: the page QR carries it, so a returned form is read against the
edition it was printed from.
"""

from __future__ import annotations

from desk_app.pdf.applications import WEB_APPLICATIONS
from desk_app.pdf.spec import (
    CHECKED,
    DATE_PATTERN,
    EMAIL_PATTERN,
    USERNAME_PATTERN,
    FieldSpec,
    FormSpec,
    SectionSpec,
    entity_fields,
    requester_field,
    role_row_fields,
    signer_fields,
    user_row_fields,
)

SUPT = "superintendent"
AUTH_REP = "authorized_representative"
EDITION = "2026-1"

CERTIFY = (
    "I certify that the people named on this form need the access requested to do their "
    "work for the entity named above, that they will keep their passwords private, and "
    "that I will ask for their access to be removed when they no longer need it."
)
PIN_NOTE = (
    "The security PIN code is the code mailed to the superintendent. Do not write it "
    "on a form sent by ordinary email unless the form is signed digitally."
)


def _apps_for(*kinds: str) -> tuple[str, ...]:
    return tuple(a.code for a in WEB_APPLICATIONS.values() if set(kinds) & set(a.entity_kinds))


def _entity_sections(title: str = "Educational entity") -> tuple[SectionSpec, ...]:
    return (
        SectionSpec("entity", title, 1),
        SectionSpec("users", "Users", 1, "users"),
        SectionSpec(
            "roles",
            "Access requested",
            1,
            "roles",
            "One line per role. Level is filled in by the agency from the role.",
        ),
    )


def _signature_section(page: int, text: str = CERTIFY) -> SectionSpec:
    return SectionSpec("signature", "Certification and signature", page, "signature", text)


def _user_manager() -> FormSpec:
    kinds = ("lea", "ihe")
    um = (
        FieldSpec(
            "um_action",
            "Add or remove this user manager",
            "choice",
            True,
            options=("add", "remove"),
            section="um",
        ),
        FieldSpec("um_first_name", "First name", "text", True, section="um", max_length=60),
        FieldSpec("um_last_name", "Last name", "text", True, section="um", max_length=60),
        FieldSpec("um_email", "Email", "email", True, EMAIL_PATTERN, section="um", max_length=100),
        FieldSpec(
            "um_username",
            "Username (if known)",
            "text",
            False,
            USERNAME_PATTERN,
            section="um",
            max_length=64,
        ),
    )
    return FormSpec(
        "MO 500-2356",
        "user_manager",
        "Web Systems User Manager Request",
        EDITION,
        "required",
        (SUPT, AUTH_REP),
        kinds,
        entity_fields(kinds) + (requester_field(),) + um + signer_fields(1, pin="required"),
        purpose="Add or remove a user manager of a local education agency or institution of "
        "higher education.",
        sections=(
            SectionSpec("entity", "Educational entity", 1),
            SectionSpec("um", "User manager", 1),
            _signature_section(
                1, CERTIFY.replace("the access requested", "user manager rights") + " " + PIN_NOTE
            ),
        ),
    )


def _access_request(
    number: str,
    key: str,
    title: str,
    kinds: tuple[str, ...],
    signers: tuple[str, ...],
    pin: str,
    purpose: str,
    apps: tuple[str, ...] = (),
) -> FormSpec:
    apps = apps or _apps_for(*kinds)
    building = any(WEB_APPLICATIONS[a].building_scope for a in apps)
    fields = (
        entity_fields(kinds)
        + (requester_field(),)
        + user_row_fields(3)
        + role_row_fields(6, 3, apps, building=building)
        + signer_fields(2, pin=pin)
    )
    text = CERTIFY + (" " + PIN_NOTE if pin != "none" else "")
    return FormSpec(
        number,
        key,
        title,
        EDITION,
        pin,
        signers,
        kinds,
        fields,
        role_rows=6,
        user_rows=3,
        purpose=purpose,
        sections=_entity_sections() + (_signature_section(2, text),),
    )


def _delete_request() -> FormSpec:
    kinds = ("lea", "ihe", "public", "nonpublic")
    apps = tuple(WEB_APPLICATIONS)
    fields = (
        entity_fields(kinds)
        + (requester_field(),)
        + user_row_fields(3)
        + role_row_fields(6, 3, apps, building=True, actions=("delete",))
        + signer_fields(2)
    )
    return FormSpec(
        "MO 500-3209",
        "delete_request",
        "Web Systems Access - Delete Request",
        EDITION,
        "none",
        (SUPT, AUTH_REP),
        kinds,
        fields,
        role_rows=6,
        user_rows=3,
        purpose="Remove access from user accounts.",
        sections=_entity_sections()
        + (
            _signature_section(
                2,
                "I certify that the access listed above is no longer needed and should be removed.",
            ),
        ),
    )


def _consultant() -> FormSpec:
    kinds = ("consultant",)
    apps = _apps_for(*kinds)
    contact = (
        FieldSpec(
            "contact_name",
            "Agency contact name",
            "text",
            True,
            page=2,
            section="assurance",
            max_length=80,
        ),
        FieldSpec(
            "contact_certifies",
            "I have reviewed this request and certify it",
            "checkbox",
            True,
            options=(CHECKED,),
            page=2,
            section="assurance",
        ),
        FieldSpec(
            "contact_signature",
            "Agency contact signature",
            "signature",
            page=2,
            section="assurance",
        ),
        FieldSpec(
            "contact_date",
            "Date signed (MM/DD/YYYY)",
            "date",
            True,
            DATE_PATTERN,
            page=2,
            section="assurance",
            max_length=10,
        ),
    )
    fields = (
        entity_fields(kinds, prefix="org")
        + (requester_field(),)
        + user_row_fields(2)
        + role_row_fields(4, 2, apps, building=False)
        + contact
    )
    return FormSpec(
        "DA-101",
        "consultant_request",
        "Consultant and Contractor Access Request",
        EDITION,
        "none",
        ("agency_contact",),
        kinds,
        fields,
        role_rows=4,
        user_rows=2,
        purpose="Access for consultants and contractors acting for the agency; the agency contact "
        "signs the Assurance and Certification section.",
        sections=_entity_sections("Consultant or contractor organisation")
        + (
            SectionSpec(
                "assurance",
                "Assurance and Certification (agency contact)",
                2,
                "signature",
                "As the agency contact for the people named on this form, I certify that they act for "
                "the agency, that the access requested is needed for that work, and that I will ask "
                "for it to be removed when the work ends.",
            ),
        ),
    )


def _mosis_statement() -> FormSpec:
    kinds = ("lea",)
    user = (
        FieldSpec(
            "user_agrees",
            "I have read and agree to this statement",
            "checkbox",
            True,
            options=(CHECKED,),
            section="user_sign",
        ),
        FieldSpec("user_signature", "Signature of user", "signature", section="user_sign"),
        FieldSpec(
            "user_signed_date",
            "Date signed (MM/DD/YYYY)",
            "date",
            True,
            DATE_PATTERN,
            section="user_sign",
            max_length=10,
        ),
    )
    fields = (
        entity_fields(kinds)
        + (requester_field(),)
        + user_row_fields(1)
        + role_row_fields(2, 1, ("MOSIS",), building=True)
        + user
        + signer_fields(2, pin="required")
    )
    return FormSpec(
        "DA-102",
        "mosis_assurance",
        "MOSIS User Access Assurance Statement",
        EDITION,
        "required",
        ("user", SUPT, AUTH_REP),
        kinds,
        fields,
        role_rows=2,
        user_rows=1,
        purpose="District- or building-level access to MOSIS for one user; signed by the user and "
        "by the superintendent or authorized representative, with the security PIN code.",
        sections=_entity_sections("District")
        + (
            SectionSpec(
                "user_sign",
                "User's assurance",
                1,
                "signature",
                "I will use MOSIS only to assign and look up student identifiers for the "
                "students I serve, keep student information confidential, and never share "
                "my password. District-level access covers every student of the district; "
                "building-level access only the students of the building named above.",
            ),
            _signature_section(
                2, "I approve the access requested above for this user. " + PIN_NOTE
            ),
        ),
    )


AGENCY_CONTACT = "agency_contact"
REVIEW_NUMBER = "DA-201"


def _access_review() -> FormSpec:
    """The attestation of an access review: one line per grant with keep / remove boxes is
    printed per entity by :mod:`desk_app.pdf.attestation`; the catalogue entry carries what every
    copy shares (entity, signer), so a returned copy is identified and its signer checked."""
    kinds = ("lea", "ihe", "public", "nonpublic", "consultant")
    return FormSpec(
        REVIEW_NUMBER,
        "access_review",
        "Access Review Attestation",
        EDITION,
        "none",  # it can only remove access, like the delete request
        (SUPT, AUTH_REP, AGENCY_CONTACT),
        kinds,
        entity_fields(kinds) + (requester_field(),) + signer_fields(1),
        purpose="Confirm which of your users still need their access: mark Remove for any "
        "access no longer needed, sign, and return by fax or email.",
        sections=(
            SectionSpec("entity", "Educational entity", 1),
            _signature_section(
                1, "I certify that the access not marked for removal is still needed."
            ),
        ),
    )


def build_forms() -> tuple[FormSpec, ...]:
    """Build every form of the catalogue (called once, at import of the catalogue)."""
    return (
        _user_manager(),
        _access_request(
            "MO 500-2377",
            "public_access",
            "Web Systems Access Request - Public Entities",
            ("public",),
            (SUPT, AUTH_REP),
            "may",
            "Add, modify or delete users' access for a public entity.",
        ),
        _access_request(
            "MO 500-3125",
            "nonpublic_access",
            "Web Systems Access Request - Nonpublic",
            ("nonpublic",),
            (AUTH_REP,),
            "may",
            "Add, modify or delete users' access for a nonpublic or private school.",
        ),
        _delete_request(),
        _consultant(),
        _mosis_statement(),
        _access_request(
            "DA-103",
            "ecs_access",
            "Educator Certification System Access Request",
            ("lea", "ihe", "nonpublic"),
            (SUPT, AUTH_REP),
            "may",
            "Access to the Educator Certification System for district, institution "
            "and school staff.",
            apps=("ECS",),
        ),
        _access_review(),
    )
