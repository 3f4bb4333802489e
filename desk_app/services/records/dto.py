"""Rows of the audit log as the Audit page shows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AuditRow:
    id: str
    seq: int
    occurred_at: datetime
    actor: str
    workstation_id: str
    action: str
    record_type: str
    record_id: str
    summary: str
