"""Derived fields, computed in Python.

A PDF may carry calculation scripts; we never run them. Whatever a form derives (today: the level
of each requested role, from the role code) is computed here from the other values, both when we
fill a form and when we read one, so a tampered or stale derived value in a returned PDF is
replaced by the right one.
"""

from __future__ import annotations

from collections.abc import Mapping

from desk_app.pdf.applications import application_of_role
from desk_app.pdf.spec import FormSpec


def derived_values(spec: FormSpec, values: Mapping[str, str]) -> dict[str, str]:
    """Return the value of every derived field of ``spec`` given the other ``values``."""
    out: dict[str, str] = {}
    for f in spec.fields:
        if not f.derived:
            continue
        if f.name.startswith("role_") and f.name.endswith("_level"):
            row = f.name[: -len("_level")]
            out[f.name] = role_level(values.get(f"{row}_role", ""))
    return out


def role_level(role_code: str) -> str:
    """The level of ``role_code`` as text ("" for an unknown role)."""
    app = application_of_role(role_code.strip())
    role = app.role(role_code.strip()) if app else None
    return str(role.level) if role else ""
