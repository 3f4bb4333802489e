"""The first start of a data folder, said out loud: who its first Security Administrator is, what
that role is worth, and whether the folder holds demo data or the agency's own records.

Someone has to be able to register the other operators of a new database, so the OS account that
creates it becomes its first Security Administrator. That role is local: the central database
never accepts a Security Administrator made on a workstation, and after the first sync the
workstation's roles are the server's (issue 11). The first-run dialog and ``desk-app init`` show
:func:`first_admin_note` before anything is created, and :func:`record_first_start` puts the
choice in the audit chain.
"""

from __future__ import annotations

from desk_app.models import auditchain as audit
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes, ServiceContext

FIRST_START_ACTION = "setup.first_start"


def first_admin_note(username: str) -> str:
    """Why ``username`` becomes Security Administrator here, and why that stays local."""
    return (
        f"{username} (the account signed in to this computer now) becomes this database's first Security "
        "Administrator, so that someone can register the other operators. This role is local "
        "to this computer: the central database never accepts a Security Administrator made on "
        "a workstation, and after the first sync the roles given by the central database apply."
    )


def record_first_start(ctx: ServiceContext, *, demo: bool, central: str = "") -> Changes:
    """Audit how this database was started: demo or empty, and the central address (no password).

    Args:
        demo: the database is about to be filled with generated demo data.
        central: the central database's address chosen at the first start ("" = none yet).
    """
    ctx.require(Perm.MANAGE_STAFF)
    kind = "demo data" if demo else "an empty database for real work"
    with ctx.uow() as uow:
        audit.record(
            uow,
            FIRST_START_ACTION,
            record_type="database",
            summary=f"first start with {kind}; {ctx.actor.username} is the first Security "
            "Administrator (local until the first sync)",
            details={
                "mode": "demo" if demo else "empty",
                "first_admin": ctx.actor.username,
                "central": central,
            },
        )
        uow.commit()
    return Changes.of(Area.STAFF, Area.AUDIT)
