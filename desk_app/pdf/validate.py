"""Validation of form values against the catalogue: one field while typing, or a whole form."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from desk_app.pdf.applications import WEB_APPLICATIONS
from desk_app.pdf.spec import FieldSpec, FormSpec
from desk_app.rules.verification import normalise_pin

_PROBLEMS = {
    "email": "not a valid email address",
    "date": "write the date as MM/DD/YYYY",
    "pin": "a PIN code is 4 to 12 letters or digits",
}


def field_problem(f: FieldSpec, value: str) -> str | None:
    """Why ``value`` is not acceptable for field ``f`` on its own, or ``None``.

    An empty value is a problem only for a required field.
    """
    value = normalise_pin(value) if f.kind == "pin" else value.strip()
    if not value:
        return "required" if f.required and f.kind != "signature" else None
    if f.max_length and len(value) > f.max_length:
        return f"at most {f.max_length} characters"
    if f.kind == "choice" and f.options and value not in f.options:
        return "choose one of: " + ", ".join(f.options)
    if f.pattern and not re.fullmatch(f.pattern, value):
        if f.kind == "code" and "building" in f.name:
            return "building code must be 4 digits, e.g. 1050"
        return _PROBLEMS.get(f.kind, "not in the expected format")
    if f.kind == "date":
        try:
            datetime.strptime(value, "%m/%d/%Y")
        except ValueError:
            return "not a real date"
    return None


def _row_problems(spec: FormSpec, values: Mapping[str, str]) -> dict[str, str]:
    problems: dict[str, str] = {}
    for i in range(1, spec.user_rows + 1):
        keys = [f"user_{i}_{k}" for k in ("first_name", "last_name", "email")]
        if any(values.get(k, "").strip() for k in keys + [f"user_{i}_username"]):
            problems.update(
                {k: "required when the row is used" for k in keys if not values.get(k, "").strip()}
            )
    for i in range(1, spec.role_rows + 1):
        p = f"role_{i}_"
        used = [
            k
            for k in ("app", "role", "action", "building", "user")
            if values.get(p + k, "").strip()
        ]
        if not used:
            continue
        for k in ("app", "role", "action"):
            if not values.get(p + k, "").strip():
                problems[p + k] = "required when the row is used"
        app = WEB_APPLICATIONS.get(values.get(p + "app", ""))
        role = values.get(p + "role", "")
        if app and role and not app.role(role):
            problems[p + "role"] = f"{role} is not a role of {app.code}"
        if app and not app.building_scope and values.get(p + "building", "").strip():
            problems[p + "building"] = f"{app.code} has no building-level access"
        user = values.get(p + "user", "").strip() or "1"
        if spec.user_rows and user.isdigit() and not values.get(f"user_{user}_last_name"):
            problems.setdefault(p + "user", f"user row {user} is empty")
    return problems


def validate(spec: FormSpec, values: Mapping[str, str]) -> dict[str, str]:
    """Check every field and the rules across fields.

    Returns:
        Field name -> problem, empty when the form is acceptable.
    """
    problems: dict[str, str] = {}
    for f in spec.fields:
        if f.derived:
            continue
        problem = field_problem(f, values.get(f.name, ""))
        if problem:
            problems[f.name] = problem
    for name, problem in _row_problems(spec, values).items():
        problems.setdefault(name, problem)
    return problems
