"""What comes back: a signed attestation (matched by its QR token), reminders, and the default.

A returned attestation enters through the normal intake like any form; its page QR names form
DA-201 and carries the item's token, which finds the campaign item. The reviewer keys who
signed and when (as for any faxed form); the signer must have been in office for the entity on
that day (superintendent or authorized representative; the agency contact for an agency-managed
entity). The attestation can only remove access, so it needs no PIN (like the delete request).
Its Remove marks are read off the returned pages and become one audited decision.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from desk_app.errors import ConflictError, KnownError, NotFound, ValidationError
from desk_app.models import auditchain as audit
from desk_app.models.access import RoleGrant, UserManagerDesignation
from desk_app.models.base import utcnow
from desk_app.models.entities import EducationalEntity
from desk_app.models.people import EntityOfficer, OfficerRole, Person
from desk_app.models.reviews import (
    AccessReviewCampaign,
    AccessReviewItem,
    DefaultAction,
    ItemOutcome,
)
from desk_app.models.store import UnitOfWork
from desk_app.models.submissions import (
    FormSubmission,
    QueueState,
    SubmissionDocument,
    VerificationResult,
)
from desk_app.pdf.attestation import RemoveBox
from desk_app.pdf.forms_data import REVIEW_NUMBER
from desk_app.pdf.replies import draft_eml
from desk_app.received import Received
from desk_app.rules.permissions import Perm
from desk_app.sandbox import api as sandbox
from desk_app.services.context import Area, Changes, ServiceContext

SIGNER_ROLES = {
    OfficerRole.SUPERINTENDENT.value,
    OfficerRole.AUTHORIZED_REPRESENTATIVE.value,
}


class RemindersStopped(KnownError):
    """The operator stopped drafting reminders; nothing of that round was kept."""


@dataclass(frozen=True)
class ReturnApplied:
    entity_code: str
    removed: tuple[str, ...]  # grant ids
    kept: int
    changes: Changes


@dataclass(frozen=True)
class ItemStatus:
    entity_code: str
    entity_name: str
    reviewer: str
    outcome: str
    sent_at: datetime | None
    returned_at: datetime | None
    reminders: int
    removed: int
    overdue: bool


@dataclass(frozen=True)
class CampaignStatus:
    campaign_id: str
    name: str
    token: str
    due_on: date
    default_action: str
    closed: bool
    items: tuple[ItemStatus, ...]

    def counts(self) -> dict[str, int]:
        out = {"entities": len(self.items), "returned": 0, "overdue": 0, "defaulted": 0}
        for i in self.items:
            out["returned"] += i.outcome == ItemOutcome.RETURNED.value
            out["defaulted"] += i.outcome == ItemOutcome.DEFAULTED.value
            out["overdue"] += i.overdue
        out["sent"] = len(self.items) - out["returned"] - out["defaulted"]
        return out


def _item_for(s: Session, submission: FormSubmission) -> AccessReviewItem:
    if submission.form_number != REVIEW_NUMBER or not submission.token:
        raise ValidationError("submission", "is not a returned access-review attestation")
    item = s.execute(
        select(AccessReviewItem).where(AccessReviewItem.token == submission.token)
    ).scalar_one_or_none()
    if item is None:
        raise NotFound(f"no campaign sent an attestation with the token {submission.token}")
    return item


def _check_signer(s: Session, item: AccessReviewItem, signer: str, signed_on: date) -> str:
    """The signer's role if they were in office for the entity on ``signed_on``."""
    roles = (
        {OfficerRole.AGENCY_CONTACT.value}
        if item.reviewer_role == OfficerRole.AGENCY_CONTACT.value
        else SIGNER_ROLES
    )
    wanted = " ".join(signer.lower().split())
    rows = s.execute(
        select(EntityOfficer.role, Person.first_name, Person.last_name)
        .join(Person, Person.id == EntityOfficer.person_id)
        .where(
            EntityOfficer.entity_id == item.entity_id,
            EntityOfficer.deleted_at.is_(None),
            EntityOfficer.role.in_(roles),
            EntityOfficer.start_date <= signed_on,
            or_(EntityOfficer.end_date.is_(None), EntityOfficer.end_date >= signed_on),
        )
    ).all()
    for role, first, last in rows:
        if " ".join(f"{first} {last}".lower().split()) == wanted:
            return str(role)
    if item.reviewer_role == OfficerRole.AGENCY_CONTACT.value and wanted == " ".join(
        item.reviewer_name.lower().split()
    ):
        return OfficerRole.AGENCY_CONTACT.value  # the agency contact is agency staff on file
    raise ValidationError(
        "signer authority",
        f"{signer} was not in office for this entity on {signed_on:%m/%d/%Y} as one who may "
        "sign its access review",
    )


def _require_verified(s: Session, submission: FormSubmission) -> None:
    """The newest verification run of ``submission`` exists and has no blocking failure."""
    run = s.execute(
        select(VerificationResult.run_id, VerificationResult.run_at)
        .where(VerificationResult.submission_id == submission.id)
        .order_by(VerificationResult.run_at.desc())
        .limit(1)
    ).first()
    if run is None:
        raise ConflictError(
            "the returned attestation was not verified: open it in the Work queue (signer, "
            "signature against the specimens, attestation) first"
        )
    failed = s.execute(
        select(VerificationResult.check, VerificationResult.reason).where(
            VerificationResult.run_id == run[0],
            VerificationResult.blocking.is_(True),
            VerificationResult.outcome == "fail",
        )
    ).all()
    if failed:
        listed = "; ".join(f"{c}: {r}" for c, r in failed)
        raise ConflictError(f"the attestation's verification failed ({listed})")


def apply_marks(
    ctx: ServiceContext, uow: UnitOfWork, submission: FormSubmission, signer: str, signed_on: date
) -> ReturnApplied:
    """The Remove marks of a returned (and verified) attestation, revoked in ``uow`` as one
    audited decision; the caller moves the submission and commits."""
    s, now = uow.session, utcnow()
    item = _item_for(s, submission)
    campaign = s.get(AccessReviewCampaign, item.campaign_id)
    assert campaign is not None
    if item.outcome in (ItemOutcome.RETURNED.value, ItemOutcome.DEFAULTED.value):
        raise ConflictError(f"the attestation {item.token} was already {item.outcome}")
    role = _check_signer(s, item, signer, signed_on)
    boxes = [
        RemoveBox(line["line"], line["page"], tuple(line["remove_box"])) for line in item.lines
    ]
    # the returned fax is outside input: its pages are read in a sandbox child
    marked = sandbox.read_remove_marks(_returned_pages(ctx, s, submission), boxes)
    wanted = [line["grant_id"] for line in item.lines if line["line"] in marked]
    removed = _revoke(uow, wanted, now)
    item.outcome, item.returned_at = ItemOutcome.RETURNED.value, now
    item.submission_id, item.removed = submission.id, len(removed)
    submission.entity_id = item.entity_id
    entity = s.get(EducationalEntity, item.entity_id)
    code = entity.code if entity else ""
    audit.record(
        uow,
        "review.return_applied",
        record_type="form_submission",
        record_id=submission.id,
        summary=f"{campaign.name}: {code} signed by {signer} ({role}) on "
        f"{signed_on.isoformat()}; {len(removed)} of {len(item.lines)} grants removed",
        details={"token": item.token, "lines_marked": sorted(marked), "grants": removed},
    )
    changes = Changes.of(Area.ACCESS, Area.QUEUE, ids=(str(submission.id), *removed))
    return ReturnApplied(code, tuple(removed), len(item.lines) - len(marked), changes)


def _returned_pages(ctx: ServiceContext, s: Session, submission: FormSubmission) -> Received:
    docs = s.execute(
        select(SubmissionDocument).where(SubmissionDocument.submission_id == submission.id)
    ).scalars()
    by_role = {d.role: d for d in docs if d.media_type == "application/pdf"}
    doc = by_role.get("normalised") or by_role.get("original")
    if doc is None:
        raise KnownError("the returned attestation has no readable pages")
    return ctx.blobs().get(doc.sha256)


def _revoke(uow: UnitOfWork, grant_ids: list[str], now: datetime) -> list[str]:
    if not grant_ids:
        return []
    grants = uow.session.execute(
        select(RoleGrant).where(
            RoleGrant.id.in_([uuid.UUID(g) for g in grant_ids]),
            RoleGrant.revoked_at.is_(None),
            RoleGrant.deleted_at.is_(None),
        )
    ).scalars()
    revoked = []
    for grant in grants:
        grant.revoked_at = now
        revoked.append(str(grant.id))
    return revoked


class ReviewReturns:
    """Returned attestations, reminders, defaults and the dashboard of a campaign."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def apply_return(self, submission_id: str, signer: str, signed_on: date) -> ReturnApplied:
        """Apply a returned attestation verified in the Work queue: its Remove marks become one
        decision. Normally the queue's Approve does this (:func:`apply_marks`); this path is for
        the campaign page and the console, and refuses an attestation whose newest verification
        has a blocking failure (or that was never verified)."""
        self.ctx.require(Perm.MANAGE_ACCESS)
        with self.ctx.uow() as uow:
            submission = uow.session.get(FormSubmission, uuid.UUID(submission_id))
            if submission is None:
                raise NotFound("that submission no longer exists")
            _require_verified(uow.session, submission)
            applied = apply_marks(self.ctx, uow, submission, signer, signed_on)
            submission.state = QueueState.APPLIED.value
            submission.decision, submission.decided_by = "approved", self.ctx.actor.username
            submission.decided_at = utcnow()
            uow.commit()
        return applied

    def waiting(self) -> list[str]:
        """Ids of returned attestations in the queue not yet applied."""
        self.ctx.require(Perm.VIEW_ACCESS)
        with self.ctx.store.read() as s:
            rows = s.execute(
                select(FormSubmission.id)
                .join(AccessReviewItem, AccessReviewItem.token == FormSubmission.token)
                .where(
                    FormSubmission.form_number == REVIEW_NUMBER,
                    FormSubmission.deleted_at.is_(None),
                    AccessReviewItem.outcome == ItemOutcome.SENT.value,
                )
            )
            return [str(i) for (i,) in rows]

    def status(self, campaign_id: str = "", today: date | None = None) -> CampaignStatus:
        """The dashboard of one campaign (the newest when no id is given)."""
        self.ctx.require(Perm.VIEW_ACCESS)
        today = today or date.today()
        with self.ctx.store.read() as s:
            campaign = _campaign(s, campaign_id)
            rows = s.execute(
                select(AccessReviewItem, EducationalEntity.code, EducationalEntity.name)
                .join(EducationalEntity, EducationalEntity.id == AccessReviewItem.entity_id)
                .where(AccessReviewItem.campaign_id == campaign.id)
                .order_by(EducationalEntity.code)
            ).all()
            items = tuple(
                ItemStatus(
                    code,
                    name,
                    i.reviewer_name,
                    i.outcome,
                    i.sent_at,
                    i.returned_at,
                    i.reminders,
                    i.removed,
                    i.outcome == ItemOutcome.SENT.value and today > campaign.due_on,
                )
                for i, code, name in rows
            )
            return CampaignStatus(
                str(campaign.id),
                campaign.name,
                campaign.token,
                campaign.due_on,
                campaign.default_action,
                campaign.closed_at is not None,
                items,
            )

    def draft_reminders(
        self,
        campaign_id: str = "",
        progress: Callable[[int, int, str], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> tuple[int, str]:
        """An unsent reminder, with the attestation again, to every entity yet to answer.

        Args:
            progress: told after each reminder (done, total, what).
            cancelled: asked before each reminder; once true, the reminders drafted in this run
                are removed and nothing is recorded (:class:`RemindersStopped`): a half-sent
                round would count reminders nobody received.
        """
        self.ctx.require(Perm.MANAGE_ACCESS)
        if self.ctx.paths is None:
            raise KnownError("no data folder to save the reminders in")
        with self.ctx.uow() as uow:
            campaign = _campaign(uow.session, campaign_id)
            folder = self.ctx.paths.data_dir / "drafts" / "reviews" / campaign.token
            items = (
                uow.session.execute(
                    select(AccessReviewItem).where(
                        AccessReviewItem.campaign_id == campaign.id,
                        AccessReviewItem.outcome == ItemOutcome.SENT.value,
                    )
                )
                .scalars()
                .all()
            )
            count = 0
            written: list[Path] = []
            for item in items:
                if cancelled is not None and cancelled():
                    for path in written:
                        path.unlink(missing_ok=True)
                    raise RemindersStopped(
                        f"reminders stopped by the operator after {count:,} of {len(items):,}; "
                        "the drafts of this round were removed and nothing was recorded"
                    )
                pdf = folder / f"{item.token}.pdf"
                attach = [(pdf.name, pdf.read_bytes(), "application/pdf")] if pdf.exists() else []
                draft = folder / f"{item.token}-reminder-{item.reminders + 1}.eml"
                written.append(draft)
                draft.write_bytes(
                    draft_eml(
                        "",
                        [item.reviewer_email],
                        f"Reminder: access review due {campaign.due_on:%m/%d/%Y}",
                        f"Dear {item.reviewer_name or 'Superintendent'}:\n\nWe have not yet "
                        f"received your signed attestation for {campaign.name}. Please return "
                        "it by fax or email.\n\nWeb Systems Security\n",
                        attach,
                    )
                )
                item.reminders += 1
                count += 1
                if progress is not None:
                    progress(count, len(items), f"{count:,} of {len(items):,} reminders drafted")
            audit.record(
                uow,
                "review.reminders",
                record_type="access_review_campaign",
                record_id=campaign.id,
                summary=f"{campaign.name}: {count} reminder(s) drafted",
            )
            uow.commit()
            return count, str(folder)

    def apply_defaults(self, campaign_id: str = "", today: date | None = None) -> Changes:
        """After the due date: the campaign's default for every entity that did not answer,
        applied as one audited decision, and the campaign closed."""
        self.ctx.require(Perm.MANAGE_ACCESS)
        today, now = today or date.today(), utcnow()
        with self.ctx.uow() as uow:
            campaign = _campaign(uow.session, campaign_id)
            if today <= campaign.due_on:
                raise ValidationError("due date", f"the campaign is due {campaign.due_on}")
            if campaign.closed_at is not None:
                raise ConflictError("the campaign's default was already applied")
            items = list(
                uow.session.execute(
                    select(AccessReviewItem).where(
                        AccessReviewItem.campaign_id == campaign.id,
                        AccessReviewItem.outcome == ItemOutcome.SENT.value,
                    )
                ).scalars()
            )
            revoke = campaign.default_action == DefaultAction.REVOKE.value
            managers = _user_manager_grants(uow.session) if revoke else set()
            removed: list[str] = []
            for item in items:
                wanted = [ln["grant_id"] for ln in item.lines if ln["grant_id"] not in managers]
                ids = _revoke(uow, wanted, now) if revoke else []
                item.outcome, item.removed = ItemOutcome.DEFAULTED.value, len(ids)
                removed += ids
            campaign.closed_at = now
            audit.record(
                uow,
                "review.default_applied",
                record_type="access_review_campaign",
                record_id=campaign.id,
                summary=f"{campaign.name}: default '{campaign.default_action}' for "
                f"{len(items)} unanswered entities; {len(removed)} grants removed"
                + (f" (user managers' access kept: {len(managers)})" if managers else ""),
                details={"grants": removed},
            )
            uow.commit()
        return Changes.of(Area.ACCESS, ids=(campaign.id, *removed))


def _user_manager_grants(s: Session) -> set[str]:
    """Grants held by current user managers at their entity: a default revoke keeps them, so
    silence never leaves an LEA without a user manager holding access (the commit-time
    invariant would refuse the whole default otherwise)."""
    rows = s.execute(
        select(RoleGrant.id)
        .join(
            UserManagerDesignation,
            (UserManagerDesignation.user_account_id == RoleGrant.user_account_id)
            & (UserManagerDesignation.entity_id == RoleGrant.entity_id),
        )
        .where(
            UserManagerDesignation.end_at.is_(None),
            UserManagerDesignation.deleted_at.is_(None),
            RoleGrant.revoked_at.is_(None),
        )
    )
    return {str(g) for (g,) in rows}


def _campaign(s: Session, campaign_id: str) -> AccessReviewCampaign:
    if campaign_id:
        campaign = s.get(AccessReviewCampaign, uuid.UUID(campaign_id))
    else:
        campaign = s.execute(
            select(AccessReviewCampaign)
            .where(AccessReviewCampaign.deleted_at.is_(None))
            .order_by(AccessReviewCampaign.started_at.desc())
            .limit(1)
        ).scalar_one_or_none()
    if campaign is None:
        raise NotFound("no such access-review campaign")
    return campaign
