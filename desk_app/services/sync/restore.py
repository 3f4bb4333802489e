"""Acknowledging a legitimate restore from a backup (the rollback alarm's way out).

Only a Security Administrator may say a restore was legitimate, and the central database must
agree about the role (roles are the server's). The work itself, taking the workstation's history
back from the central database, is :func:`desk_app.sync.restore.acknowledge_restore`; it records
the audited ``audit.restore_acknowledged`` event, after which sync continues.
"""

from __future__ import annotations

from desk_app.errors import PermissionDenied, ValidationError
from desk_app.models.auditkey import AuditSigner, chain_scope
from desk_app.services.context import ServiceContext
from desk_app.services.sync.dto import RestoreDTO
from desk_app.services.sync.service import link_for, server_url
from desk_app.sync import restore

SECURITY_ADMIN = "security_admin"
REFUSED = "only a Security Administrator may acknowledge a restore"


def acknowledge_restore(ctx: ServiceContext, reason: str, url: str | None = None) -> RestoreDTO:
    """Acknowledge that this workstation's data folder was legitimately restored.

    Raises:
        PermissionDenied: the operator is not a Security Administrator (here or centrally).
        ValidationError: no reason given.
        KnownError: the central database is unreachable, or there is no rollback to acknowledge.
    """
    if ctx.actor.role != SECURITY_ADMIN:
        raise PermissionDenied(REFUSED)
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError("reason", "say why the restore was legitimate")
    if len(reason) > 500:
        raise ValidationError("reason", "at most 500 characters")
    server = link_for(server_url(ctx, url))
    if server.operator_role() != SECURITY_ADMIN:
        raise PermissionDenied(f"{REFUSED} (the central database does not know you as one)")
    signer = AuditSigner(ctx.secrets, chain_scope(ctx.paths.data_dir if ctx.paths else None))
    done = restore.acknowledge_restore(ctx.store, ctx.actor, server, reason, signer.sign)
    # the keyring's newest event goes back to the chain as it now is: the one thing allowed to
    # move it backwards, and only after the acknowledgement is committed
    signer.record_head(ctx.actor.workstation_id, done.event_seq, back=True)
    return RestoreDTO(
        done.anchored_seq, done.common_seq, done.taken_back, done.rechained, done.event_seq
    )
