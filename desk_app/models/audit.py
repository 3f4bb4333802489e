"""The audit log: append-only, hash-chained per workstation.

Each event's ``hash`` is SHA-256 over the previous event's hash and this event's content
(``seq``, time, actor, workstation, action, record, summary, details). An edited row no longer
matches its hash; a deleted or reordered row breaks ``seq`` contiguity or the ``prev_hash`` link.
``signature`` is the writing workstation's Ed25519 signature over its hash, which makes the chain
keyed: an edit-and-rehash without the workstation's key no longer verifies (:mod:`.auditkey`).
Events written before signing began carry none.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from desk_app.models.base import Base, SyncMixin


class AuditEvent(SyncMixin, Base):
    __tablename__ = "audit_event"
    __table_args__ = (
        UniqueConstraint("workstation_id", "seq", name="uq_audit_workstation_seq"),
        Index("ix_audit_occurred", "occurred_at"),
        Index("ix_audit_record", "record_id"),
        Index("ix_audit_actor", "actor"),
    )

    seq: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    record_type: Mapped[str] = mapped_column(String(48), default="")
    record_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    summary: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128), default="", server_default="")
