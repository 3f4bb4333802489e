"""SQLAlchemy 2.x ORM: one module per area. Importing this package registers every table."""

from desk_app.models import (
    access,
    audit,
    educators,
    entities,
    intake,
    people,
    reviews,
    staff,
    submissions,
    sync_state,
    verification,
)
from desk_app.models.base import Base, SyncMixin, synced_tables

__all__ = [
    "Base",
    "SyncMixin",
    "synced_tables",
    "access",
    "audit",
    "educators",
    "entities",
    "intake",
    "people",
    "reviews",
    "staff",
    "submissions",
    "sync_state",
    "verification",
]
