"""Checking the central database's audit history with the workstations' registered keys.

PostgreSQL checks in SQL what it can as events arrive (the chain continues, events of the keyed
era carry a signature of the right form); it cannot check an Ed25519 signature itself. This use
case does, for every workstation's chain held centrally, against the public keys registered at
each workstation's first sync: a signature that does not hold (a forged or rewritten event that
got past the format check) is named, as ``desk-app audit verify --central`` prints it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from desk_app.models.auditchain import ChainReport, verify_chain
from desk_app.models.auditkey import ChainKey
from desk_app.rules.permissions import Perm
from desk_app.services.context import ServiceContext
from desk_app.services.sync.service import link_for, server_url


def central_chain_report(ctx: ServiceContext, url: str | None = None) -> ChainReport:
    """Walk every workstation's central chain, checking links, content and signatures."""
    ctx.require(Perm.VIEW_AUDIT)
    server = link_for(server_url(ctx, url))
    with server.engine.connect() as conn:
        keys = {
            str(ws): ChainKey(bytes.fromhex(str(public)), int(first))
            for ws, public, first in conn.exec_driver_sql(
                "SELECT workstation, public_key, from_seq FROM sync_audit_key"
            )
        }
    with Session(server.engine) as session:
        return verify_chain(session, keys=keys)
