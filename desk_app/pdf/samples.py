"""Plausible filled-in values for any catalogue form (demo data, screenshots, tests, benchmarks).

Every value passes :func:`desk_app.pdf.validate.validate`; ``variant`` varies names and rows so
that a hundred sample forms are not a hundred copies.
"""

from __future__ import annotations

import re

from desk_app.pdf.applications import WEB_APPLICATIONS
from desk_app.pdf.derive import derived_values
from desk_app.pdf.spec import CHECKED, USERNAME_PATTERN, FormSpec
from desk_app.rules.codes import KIND_RULES, EntityKind

FIRST = ("Ann", "Luis", "Mei", "Darnell", "Rosa", "Tom", "Priya", "Jonas")
_ROW = re.compile(r"^(user|role)_\d+_")
LAST = ("Okafor", "Hernandez", "Lindqvist", "Brown", "Nguyen", "McAllister", "Shah", "Weber")


def _entity(spec: FormSpec, variant: int) -> dict[str, str]:
    kind = EntityKind(spec.entity_kinds[variant % len(spec.entity_kinds)])
    example = KIND_RULES[kind].example
    names = {
        "lea": "Hickory County R-I School District",
        "ihe": "Ozark Valley College",
        "public": "Boone County Clerk's Office",
        "nonpublic": "St. Brendan Academy",
        "consultant": "Heartland Regional PD Center",
    }
    return {spec.entity_name_field: names[kind.value], spec.entity_code_field: example}


def _user(i: int, variant: int) -> dict[str, str]:
    first, last = FIRST[(i + variant) % len(FIRST)], LAST[(i * 3 + variant) % len(LAST)]
    p = f"user_{i}_"
    return {
        p + "first_name": first,
        p + "last_name": last,
        p + "email": f"{first[0].lower()}{last.lower()}@example.org",
        p + "username": f"{first[0].lower()}{last.lower()}{variant % 10}",
    }


def _role(spec: FormSpec, i: int, variant: int, users: int) -> dict[str, str]:
    app_code = spec.field(f"role_{i}_app").options[
        (i + variant) % len(spec.field(f"role_{i}_app").options)
    ]
    app = WEB_APPLICATIONS[app_code]
    role = app.roles[(i + variant) % len(app.roles)]
    action = spec.field(f"role_{i}_action").options
    p = f"role_{i}_"
    out = {
        p + "app": app.code,
        p + "role": role.code,
        p + "action": action[(i + variant) % len(action)],
        p + "user": str(1 + (i - 1) % max(users, 1)),
    }
    if spec.has_field(p + "building") and app.building_scope and i % 2 == 0:
        out[p + "building"] = f"{1000 + 50 * i + variant % 50:04d}"
    return out


def example_values(spec: FormSpec, variant: int = 0, rows: int = 2) -> dict[str, str]:
    """A valid set of values for ``spec`` with ``rows`` user and role rows filled."""
    values = _entity(spec, variant)
    values["requester_email"] = f"requests{variant}@example.org"
    users = min(rows, spec.user_rows)
    for i in range(1, users + 1):
        values.update(_user(i, variant))
    for i in range(1, min(rows, spec.role_rows) + 1):
        values.update(_role(spec, i, variant, users))
    for f in spec.fields:
        if f.name in values or f.derived or f.kind == "signature" or _ROW.match(f.name):
            continue
        if f.kind == "checkbox":
            values[f.name] = CHECKED
        elif f.kind == "date":
            values[f.name] = f"11/{1 + variant % 28:02d}/2026"
        elif f.kind == "pin":
            values[f.name] = f"K{4817 + variant:05d}"
        elif f.kind == "email":
            values[f.name] = f"manager{variant}@example.org"
        elif f.kind == "choice":
            values[f.name] = f.options[variant % len(f.options)]
        elif f.pattern == USERNAME_PATTERN:
            values[f.name] = f"{FIRST[variant % 8][0].lower()}{LAST[variant % 8].lower()}"
        elif f.name.endswith("first_name"):
            values[f.name] = FIRST[(variant + 3) % len(FIRST)]
        elif f.name.endswith("last_name"):
            values[f.name] = LAST[(variant + 2) % len(LAST)]
        elif f.name == "signer_title":
            values[f.name] = "Superintendent"
        else:
            values[f.name] = f"{FIRST[variant % 8]} {LAST[(variant + 5) % 8]}"
    values.update(derived_values(spec, values))
    return values
