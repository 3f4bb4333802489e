"""Who may do what: staff roles and their permissions, as data."""

from __future__ import annotations

from enum import StrEnum


class Perm(StrEnum):
    VIEW_ENTITIES = "view_entities"
    EDIT_ENTITIES = "edit_entities"
    VIEW_ACCESS = "view_access"
    MANAGE_ACCESS = "manage_access"  # grants, designations, decisions on access forms
    OVERRIDE_CHECKS = "override_checks"
    MANAGE_PINS = "manage_pins"
    WORK_QUEUE = "work_queue"
    VIEW_EDUCATORS = "view_educators"
    EDIT_EDUCATORS = "edit_educators"
    VIEW_CLOSED_DATA = "view_closed_data"  # SSN, date of birth
    PRINT_CERTIFICATES = "print_certificates"
    VIEW_AUDIT = "view_audit"
    DISCLOSURE_EXPORT = "disclosure_export"
    MANAGE_STAFF = "manage_staff"
    SYNC = "sync"
    SETTINGS = "settings"


ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    "security_admin": frozenset(
        {
            Perm.VIEW_ENTITIES,
            Perm.EDIT_ENTITIES,
            Perm.VIEW_ACCESS,
            Perm.MANAGE_ACCESS,
            Perm.OVERRIDE_CHECKS,
            Perm.MANAGE_PINS,
            Perm.WORK_QUEUE,
            Perm.VIEW_EDUCATORS,
            Perm.VIEW_AUDIT,
            Perm.DISCLOSURE_EXPORT,
            Perm.MANAGE_STAFF,
            Perm.SYNC,
            Perm.SETTINGS,
        }
    ),
    "certification_specialist": frozenset(
        {
            Perm.VIEW_ENTITIES,
            Perm.VIEW_EDUCATORS,
            Perm.EDIT_EDUCATORS,
            Perm.VIEW_CLOSED_DATA,
            Perm.PRINT_CERTIFICATES,
            Perm.WORK_QUEUE,
            Perm.SYNC,
            Perm.SETTINGS,
        }
    ),
    "auditor": frozenset(
        {
            Perm.VIEW_ENTITIES,
            Perm.VIEW_ACCESS,
            Perm.VIEW_EDUCATORS,
            Perm.VIEW_AUDIT,
            Perm.DISCLOSURE_EXPORT,
            # an Auditor syncs too: its own audit events up, what its role may read down (the
            # central database withholds the closed columns: desk_app.sync.closed)
            Perm.SYNC,
            Perm.SETTINGS,
        }
    ),
}

ROLE_TITLES = {
    "security_admin": "Security Administrator",
    "certification_specialist": "Certification Specialist",
    "auditor": "Auditor",
}


def allowed(role: str, perm: Perm) -> bool:
    return perm in ROLE_PERMISSIONS.get(role, frozenset())
