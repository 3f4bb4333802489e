"""Whether this database holds the generated demo data, so the window can say so plainly (a
banner) instead of letting 640,000 invented rows pass for the agency's records."""

from __future__ import annotations

from sqlalchemy import select

from desk_app.models.audit import AuditEvent
from desk_app.services.context import ServiceContext

DEMO_ACTION = "seed.demo_data"  # the audit event the seeder writes (desk_app.seed.run)


def holds_demo_data(ctx: ServiceContext) -> bool:
    """True when the demo seeder filled this database (its audit event is in the chain)."""
    with ctx.store.read() as s:
        found = s.execute(
            select(AuditEvent.id).where(AuditEvent.action == DEMO_ACTION).limit(1)
        ).first()
        return found is not None
