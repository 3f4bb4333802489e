"""Open-records (Sunshine law) disclosure exports.

An export gathers the records about one entity or one educator into a ZIP of JSON files.
Closed data never leaves: SSN and date-of-birth ciphertexts, identity hashes and PIN hashes are
dropped by column name before serialisation, whatever table they sit in, and the manifest lists
what was withheld and why. Every disclosure is recorded as an audit event naming the requester
and the purpose (the record of disclosures the law asks for).
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from desk_app.errors import KnownError, NotFound
from desk_app.models import auditchain as audit
from desk_app.models.access import RoleGrant, UserAccount, UserManagerDesignation
from desk_app.models.base import Base, utcnow
from desk_app.models.educators import (
    AssessmentScore,
    Certificate,
    CertificateApplication,
    Educator,
    RequirementEvidence,
    TranscriptRecord,
)
from desk_app.models.entities import Building, entity_by_code
from desk_app.models.people import EntityOfficer, Person
from desk_app.models.submissions import FormSubmission
from desk_app.rules.permissions import Perm
from desk_app.services.context import ServiceContext

# columns that are closed by law or by security, in any table
CLOSED_COLUMNS = {
    "ssn_cipher": "SSN (closed record)",
    "dob_cipher": "date of birth (closed record)",
    "identity_hash": "derived from SSN and date of birth",
    "pin_hash": "security PIN (closed: security)",
    "pin_failures": "security PIN state (closed: security)",
    "pin_locked_at": "security PIN state (closed: security)",
    "values": "submitted form contents may hold PINs; released only after review",
}


@dataclass(frozen=True)
class DisclosureRequest:
    subject_kind: str  # "entity" or "educator"
    subject_key: str  # entity code, or educator id
    requester: str
    purpose: str


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return None
    return value


def _rows(objects: Sequence[Base]) -> tuple[list[dict[str, Any]], set[str]]:
    withheld: set[str] = set()
    out = []
    for obj in objects:
        row = {}
        for attr in inspect(obj).mapper.column_attrs:
            if attr.key in CLOSED_COLUMNS:
                withheld.add(attr.key)
                continue
            row[attr.key] = _plain(getattr(obj, attr.key))
        out.append(row)
    return out, withheld


def _entity_records(s: Session, code: str) -> tuple[str, uuid.UUID, dict[str, Sequence[Base]]]:
    entity = entity_by_code(s, code)
    if entity is None:
        raise NotFound(f"no entity with code {code}")
    officers = list(
        s.execute(select(EntityOfficer).where(EntityOfficer.entity_id == entity.id)).scalars()
    )
    people = [s.get(Person, o.person_id) for o in officers]
    accounts = list(
        s.execute(select(UserAccount).where(UserAccount.entity_id == entity.id)).scalars()
    )
    return (
        f"{entity.code} {entity.name}",
        entity.id,
        {
            "entity": [entity],
            "buildings": list(
                s.execute(select(Building).where(Building.entity_id == entity.id)).scalars()
            ),
            "officers": list(officers),
            "people": [p for p in people if p is not None],
            "user_accounts": accounts,
            "role_grants": list(
                s.execute(select(RoleGrant).where(RoleGrant.entity_id == entity.id)).scalars()
            ),
            "user_manager_designations": list(
                s.execute(
                    select(UserManagerDesignation).where(
                        UserManagerDesignation.entity_id == entity.id
                    )
                ).scalars()
            ),
            "form_submissions": list(
                s.execute(
                    select(FormSubmission).where(FormSubmission.entity_id == entity.id)
                ).scalars()
            ),
        },
    )


def _educator_records(
    s: Session, educator_id: str
) -> tuple[str, uuid.UUID, dict[str, Sequence[Base]]]:
    educator = s.get(Educator, uuid.UUID(educator_id))
    if educator is None or educator.deleted_at is not None:
        raise NotFound("that educator no longer exists")

    def of(model: Any) -> list[Base]:
        return list(s.execute(select(model).where(model.educator_id == educator.id)).scalars())

    return (
        f"{educator.first_name} {educator.last_name}",
        educator.id,
        {
            "educator": [educator],
            "certificates": of(Certificate),
            "applications": of(CertificateApplication),
            "assessment_scores": of(AssessmentScore),
            "transcripts": of(TranscriptRecord),
            "requirement_evidence": of(RequirementEvidence),
        },
    )


def export_disclosure(ctx: ServiceContext, request: DisclosureRequest) -> bytes:
    """Build the ZIP for ``request`` and record the disclosure.

    Raises:
        PermissionDenied: the operator may not make disclosures.
        KnownError: the request names no requester or purpose.
    """
    ctx.require(Perm.DISCLOSURE_EXPORT)
    if not request.requester.strip() or not request.purpose.strip():
        raise KnownError("a disclosure needs the requester's name and the request's purpose")
    loader = {"entity": _entity_records, "educator": _educator_records}.get(request.subject_kind)
    if loader is None:
        raise KnownError(f"cannot disclose records of kind {request.subject_kind!r}")
    with ctx.uow() as uow:
        title, subject_id, tables = loader(uow.session, request.subject_key)
        buffer, counts, withheld = io.BytesIO(), {}, set()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, objects in tables.items():
                rows, closed = _rows(objects)
                withheld |= closed
                counts[name] = len(rows)
                archive.writestr(f"{name}.json", json.dumps(rows, indent=2, sort_keys=True))
            manifest = {
                "subject": title,
                "requester": request.requester,
                "purpose": request.purpose,
                "made_at": utcnow().isoformat(),
                "made_by": ctx.actor.username,
                "records": counts,
                "withheld": {c: CLOSED_COLUMNS[c] for c in sorted(withheld)},
            }
            archive.writestr("MANIFEST.json", json.dumps(manifest, indent=2, sort_keys=True))
        audit.record(
            uow,
            "disclosure.export",
            record_type=request.subject_kind,
            record_id=subject_id,
            summary=f"records of {request.subject_kind} disclosed to {request.requester}",
            details={
                "requester": request.requester,
                "purpose": request.purpose,
                "records": counts,
                "withheld": sorted(withheld),
            },
        )
        uow.commit()
    return buffer.getvalue()
