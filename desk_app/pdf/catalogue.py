"""The form catalogue: every form the desk handles, as data, and how to look one up.

``FORMS`` maps a form number (``"MO 500-2356"``) to its :class:`FormSpec`. Numbers ``MO 500-xxxx``
name the agency's forms our editions stand for; forms the agency publishes without a number get our
own ``DA-`` numbers. ``WEB_APPLICATIONS`` lists the web applications and their roles (levels 1 view
only, 2 data entry, 3 approve, 4 administer) shared with the seed data.
"""

from __future__ import annotations

from desk_app.pdf.applications import (
    WEB_APPLICATIONS,
    RoleSpec,
    WebApplicationSpec,
    all_role_codes,
    application_of_role,
)
from desk_app.pdf.forms_data import build_forms
from desk_app.pdf.spec import (
    CHECKED,
    FIELD_KINDS,
    PIN_POLICIES,
    FieldSpec,
    FormSpec,
    SectionSpec,
)

__all__ = [
    "CHECKED",
    "FIELD_KINDS",
    "FORMS",
    "PIN_POLICIES",
    "WEB_APPLICATIONS",
    "FieldSpec",
    "FormSpec",
    "RoleSpec",
    "SectionSpec",
    "WebApplicationSpec",
    "all_role_codes",
    "application_of_role",
    "find_form",
    "form_by_key",
    "get_form",
]

FORMS: dict[str, FormSpec] = {f.number: f for f in build_forms()}
_BY_KEY: dict[str, FormSpec] = {f.key: f for f in FORMS.values()}


def _squash(number: str) -> str:
    return "".join(number.split()).upper()


def get_form(number: str) -> FormSpec:
    """Return the form numbered ``number`` (spacing and case forgiven; a form key works too).

    Raises:
        KeyError: no form has that number.
    """
    if number in FORMS:
        return FORMS[number]
    if number in _BY_KEY:
        return _BY_KEY[number]
    wanted = _squash(number)
    for spec in FORMS.values():
        if _squash(spec.number) == wanted:
            return spec
    raise KeyError(f"no form numbered {number!r}")


def form_by_key(key: str) -> FormSpec:
    """Return the form whose short key is ``key`` (e.g. ``user_manager``).

    Raises:
        KeyError: no form has that key.
    """
    return _BY_KEY[key]


def find_form(name: str) -> FormSpec | None:
    """Return the form named by number or key, or ``None``."""
    try:
        return get_form(name)
    except KeyError:
        return _BY_KEY.get(name)
