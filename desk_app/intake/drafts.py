"""What the pipeline hands to the queue: plain values describing submissions to create."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from desk_app.models.submissions import QueueState

# Fields that differ between two copies of the same request (when and how it was signed), or
# that must never be hashed into a key that sits in plain sight (the PIN).
NOT_IN_BUSINESS_KEY = frozenset(
    {
        "signed_date",
        "signature",
        "pin",
        "requester_email",
        "user_signature",
        "user_signed_date",
        "contact_signature",
        "contact_signed_date",
    }
)


@dataclass(frozen=True)
class DocumentDraft:
    """A stored file that belongs to a submission."""

    sha256: str
    role: str  # original / normalised / envelope
    filename: str
    media_type: str
    size: int
    first_page: int = 0
    page_count: int = 0


@dataclass(frozen=True)
class SubmissionDraft:
    """One submission the queue should create."""

    channel: str
    received_at: datetime
    state: str
    sender: str = ""
    subject: str = ""
    form_number: str = ""
    edition: str = ""
    token: str = ""
    page_count: int = 0
    values: dict[str, str] = field(default_factory=dict)
    entity_code: str = ""
    entity_name: str = ""
    requester_name: str = ""
    sha256: str = ""  # identifies this form's bytes: duplicates by hash
    message_id: str = ""  # the mail's Message-ID: the same mail is taken in once
    business_key: str = ""
    quarantine_reason: str = ""
    identified_by: str = ""  # qr / fields / text / ""
    values_from: str = ""  # fields / barcode / ""
    documents: tuple[DocumentDraft, ...] = ()

    @property
    def quarantined(self) -> bool:
        return self.state == QueueState.QUARANTINE.value

    def with_documents(self, *docs: DocumentDraft) -> SubmissionDraft:
        return replace(self, documents=self.documents + tuple(d for d in docs if d))


def business_key(entity_code: str, form_number: str, values: Mapping[str, str]) -> str:
    """Hash of entity, form and the requested changes: equal for two copies of one request.

    Empty when the form or the entity is unknown, or nothing was read (nothing to compare).
    """
    changes = {
        k: v.strip().lower()
        for k, v in values.items()
        if v and k not in NOT_IN_BUSINESS_KEY and not k.startswith("_")
    }
    if not (entity_code and form_number and changes):
        return ""
    body = json.dumps(
        [entity_code.strip().upper(), form_number, changes], sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(body.encode()).hexdigest()
