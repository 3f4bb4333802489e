"""The agency's web applications and their roles, as data.

The seed engineer loads these rows into ``WebApplication`` / ``ApplicationRole``; the forms offer
them as choices. Levels follow the agency's convention: 1 view only, 2 data entry, 3 approve /
submit, 4 administer. Kept here (not in ``models``) because the PDF layer must not import the
database, and the forms need the codes to lay out their choice fields.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RoleSpec:
    """One role of a web application."""

    code: str
    name: str
    level: int


@dataclass(frozen=True)
class WebApplicationSpec:
    """A web application: its code, whether grants are per building, who may hold its roles."""

    code: str
    name: str
    building_scope: bool
    entity_kinds: tuple[str, ...]
    roles: tuple[RoleSpec, ...]

    def role(self, code: str) -> RoleSpec | None:
        """Return the role with ``code`` or ``None``."""
        return next((r for r in self.roles if r.code == code), None)


def _roles(app: str, *names: str) -> tuple[RoleSpec, ...]:
    # role codes are APP_SUFFIX; the level is the position in the list (1 = view only)
    out = []
    for level, name in enumerate(names, start=1):
        suffix = {1: "VIEW", 2: "ENTRY", 3: "APPROVE", 4: "ADMIN"}[level]
        out.append(RoleSpec(f"{app}_{suffix}", name, level))
    return tuple(out)


WEB_APPLICATIONS: dict[str, WebApplicationSpec] = {
    a.code: a
    for a in (
        WebApplicationSpec(
            "MOSIS",
            "Missouri Student Information System (MOSIS)",
            True,
            ("lea",),
            _roles(
                "MOSIS",
                "View student records",
                "Submit student records",
                "Approve district submissions",
            ),
        ),
        WebApplicationSpec(
            "ECS",
            "Educator Certification System",
            False,
            ("lea", "ihe", "nonpublic", "consultant"),
            _roles(
                "ECS",
                "View educator records",
                "Enter certification data",
                "Recommend for certification",
            ),
        ),
        WebApplicationSpec(
            "CORE_DATA",
            "Core Data Collection",
            False,
            ("lea", "public", "nonpublic"),
            _roles("CORE_DATA", "View reports", "Enter core data", "Approve and submit cycle"),
        ),
        WebApplicationSpec(
            "FINANCE",
            "School Finance and Payments",
            False,
            ("lea", "public"),
            _roles(
                "FINANCE",
                "View payments",
                "Enter budget data",
                "Approve financial reports",
                "Administer finance users",
            ),
        ),
        WebApplicationSpec(
            "FED_PROGRAMS",
            "Federal Programs Grants",
            False,
            ("lea", "nonpublic", "consultant"),
            _roles(
                "FED_PROGRAMS",
                "View applications",
                "Prepare applications",
                "Approve and submit applications",
            ),
        ),
    )
}


def all_role_codes() -> tuple[str, ...]:
    """Every role code of every application, in catalogue order."""
    return tuple(r.code for a in WEB_APPLICATIONS.values() for r in a.roles)


def application_of_role(role_code: str) -> WebApplicationSpec | None:
    """Return the application a role code belongs to, or ``None``."""
    for app in WEB_APPLICATIONS.values():
        if app.role(role_code):
            return app
    return None
