"""What approving a submission would change, as a diff against the directory as it is now.

The diff is not a second reading of the form beside the apply step (two readings drift apart):
it is the apply step itself, run in a transaction that is rolled back, with the rules that hold
after every commit checked on it. So the confirmation shows exactly what "Approve and apply"
will do - grants added, removed or changed per user and application, user managers designated or
ended, accounts created - or why it cannot be applied. The approval then applies only while the
diff is still the one shown (:func:`~desk_app.services.review.dto.changes_fingerprint`).
"""

from __future__ import annotations

from desk_app.errors import KnownError
from desk_app.models import invariants
from desk_app.models.entities import EducationalEntity, entity_by_code
from desk_app.models.store import UnitOfWork
from desk_app.models.submissions import FormSubmission
from desk_app.rules.permissions import Perm
from desk_app.services.context import ServiceContext
from desk_app.services.queue.service import get_submission
from desk_app.services.review.apply import Applied
from desk_app.services.review.approval import apply_approval
from desk_app.services.review.dto import ApprovalPreview, merge_changes


def submission_entity(uow: UnitOfWork, sub: FormSubmission) -> EducationalEntity:
    """The entity a submission is for: its link, else the code keyed or read from the form."""
    entity = uow.session.get(EducationalEntity, sub.entity_id) if sub.entity_id else None
    code = sub.entity_code or str((sub.values or {}).get("entity_code") or "")
    if entity is None and code:
        entity = entity_by_code(uow.session, code)
    if entity is None:
        raise KnownError("the submission names no known entity")
    return entity


def preview_approval(ctx: ServiceContext, submission_id: str) -> ApprovalPreview:
    """The diff approving ``submission_id`` would apply now; nothing is saved.

    Runs on the writer pool (the dry run flushes, so it briefly holds the write lock).

    Raises:
        PermissionDenied: the role may not manage access. NotFound: no such submission.
    """
    ctx.require(Perm.MANAGE_ACCESS)
    with ctx.uow() as uow:
        sub = get_submission(uow.session, submission_id)
        sid, code, name = str(sub.id), sub.entity_code, sub.entity_name
        applied, problem = Applied(), ""
        try:
            entity = submission_entity(uow, sub)
            code, name = entity.code, entity.name
            applied = apply_approval(ctx, uow, sub, entity)
            invariants.check_now(uow.session)
        except KnownError as exc:
            problem = str(exc)
        finally:
            uow.rollback()
            uow.session.info.pop("audit_head", None)  # the dry run's events were never written
    unchanged = tuple(line for line in applied.lines if "already" in line)
    return ApprovalPreview(sid, code, name, merge_changes(applied.diff), unchanged, problem)
