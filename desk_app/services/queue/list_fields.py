"""The columns a queue list searches and filters on (entity, requester), kept in step with the
values keyed from a faxed page, so a keyed submission is found by its entity at once.

Intake fills these columns from the fields it could read; for a fax it reads none, and before this
the keyed entity and signer never reached the row (issue 17: search and the entity filter missed a
keyed, even an applied, submission).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.models.entities import EducationalEntity
from desk_app.models.submissions import FormSubmission


def _text(values: Mapping[str, Any], *names: str) -> str:
    for name in names:
        value = values.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def update_list_fields(session: Session, sub: FormSubmission, keyed: Mapping[str, Any]) -> None:
    """Copy the entity and requester just keyed into ``sub``'s list columns (same transaction).

    A keyed entity code that names a live entity links it (and takes the entity's own name);
    an unknown code is still shown as keyed, for the reviewer to see.
    """
    code = _text(keyed, "entity_code", "org_code").upper()
    name = _text(keyed, "entity_name", "org_name")
    requester = _text(keyed, "signer_name")
    if code and code != sub.entity_code:
        sub.entity_code = code[:16]
        entity = (
            session.execute(
                select(EducationalEntity).where(
                    EducationalEntity.code == code, EducationalEntity.deleted_at.is_(None)
                )
            )
            .scalars()
            .first()
        )
        sub.entity_id = entity.id if entity is not None else None
        sub.entity_name = (entity.name if entity is not None else name or sub.entity_name)[:200]
    elif name and not sub.entity_name:
        sub.entity_name = name[:200]
    if requester:
        sub.requester_name = requester[:200]
