"""What approving a submission changes, applied in the caller's unit of work.

One function for the approval itself and for its preview (:mod:`.preview`, a dry run that is
rolled back), so the diff the operator confirms is the diff that is applied, whatever the form: a
request's changes (:func:`.apply.apply_request`) or a returned access-review attestation's Remove
marks (:func:`desk_app.services.reviews.returns.apply_marks`).
"""

from __future__ import annotations

import uuid

from desk_app.errors import ValidationError
from desk_app.models.access import RoleGrant
from desk_app.models.base import utcnow
from desk_app.models.entities import EducationalEntity
from desk_app.models.store import UnitOfWork
from desk_app.models.submissions import FormSubmission
from desk_app.pdf.forms_data import REVIEW_NUMBER
from desk_app.rules.verification import SIGNER_SLOTS
from desk_app.services.context import ServiceContext
from desk_app.services.review.apply import Applied, apply_request
from desk_app.services.review.dto import AccessChange, parse_form_date, requested_changes


def apply_approval(
    ctx: ServiceContext, uow: UnitOfWork, sub: FormSubmission, entity: EducationalEntity
) -> Applied:
    """Apply what approving ``sub`` means to the directory (flushed, not committed)."""
    if sub.form_number == REVIEW_NUMBER:
        return _apply_attestation(ctx, uow, sub)
    return apply_request(uow, entity, sub.id, requested_changes(sub.values or {}), utcnow())


def _apply_attestation(ctx: ServiceContext, uow: UnitOfWork, sub: FormSubmission) -> Applied:
    """A returned access-review attestation, approved after its checks: its Remove marks are
    revoked (one audited decision of the campaign) instead of a request being applied."""
    # here, not at the top: reading the marks draws on the attestation module (numpy, zxing,
    # PyMuPDF), which the review pane's import at start-up must not pull in
    from desk_app.services.reviews.returns import apply_marks

    values = sub.values or {}
    slot = SIGNER_SLOTS["agency_contact" if values.get("contact_name") else "superintendent"]
    signer = " ".join(str(values.get(f) or "") for f in slot.name_fields).strip()
    signed_on = parse_form_date(str(values.get(slot.date_field) or ""))
    if not signer or signed_on is None:
        raise ValidationError("signer", "key who signed the attestation and when")
    marks = apply_marks(ctx, uow, sub, signer, signed_on)
    lines = [f"{len(marks.removed)} grant(s) removed as marked; {marks.kept} kept"]
    diff = [_removed(uow.session.get(RoleGrant, uuid.UUID(g))) for g in marks.removed]
    return Applied(
        grants_revoked=list(marks.removed), lines=lines, diff=[c for c in diff if c is not None]
    )


def _removed(grant: RoleGrant | None) -> AccessChange | None:
    if grant is None:
        return None
    account = grant.user_account
    return AccessChange(
        "removed",
        "grant",
        account.username,
        f"{account.first_name} {account.last_name}".strip(),
        grant.role.application.code,
        grant.role.code,
        "",
    )
