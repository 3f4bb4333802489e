"""Starting a campaign: for every entity in scope, the attestation of its grants and the draft.

One statement reads every active grant in scope (with its user, role and scope); the grants are
grouped per entity in memory and each entity's attestation is generated and written with its
unsent message. The campaign and its items are committed only once every file is written; a
cancel (or an error) part way leaves no campaign behind and removes the files written so far.
"""

from __future__ import annotations

import secrets
import shutil
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from desk_app.errors import KnownError, ValidationError
from desk_app.models import auditchain as audit
from desk_app.models.access import ApplicationRole, RoleGrant, UserAccount, WebApplication
from desk_app.models.base import utcnow
from desk_app.models.entities import Building, EducationalEntity
from desk_app.models.people import EntityOfficer, OfficerRole, Person
from desk_app.models.reviews import (
    AccessReviewCampaign,
    AccessReviewItem,
    DefaultAction,
    ItemOutcome,
)
from desk_app.models.staff import Staff
from desk_app.pdf.attestation import Attestation, AttestationLine, attestation_pdf
from desk_app.pdf.replies import draft_eml
from desk_app.rules.codes import KIND_RULES, EntityKind, UserManagerSource
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes, ServiceContext

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]
REVIEWER_ORDER = (OfficerRole.SUPERINTENDENT.value, OfficerRole.AUTHORIZED_REPRESENTATIVE.value)
TITLES = {
    OfficerRole.SUPERINTENDENT.value: "Superintendent",
    OfficerRole.AUTHORIZED_REPRESENTATIVE.value: "Authorized representative",
    OfficerRole.AGENCY_CONTACT.value: "Agency contact",
}


class CampaignCancelled(KnownError):
    """The operator stopped the campaign before it was started: nothing was kept."""


@dataclass(frozen=True)
class CampaignScope:
    name: str
    entity_kinds: tuple[str, ...]
    applications: tuple[str, ...]  # application codes; () = every application
    due_on: date
    default_action: str = DefaultAction.KEEP.value


@dataclass(frozen=True)
class CampaignStarted:
    campaign_id: str
    token: str
    items: int
    lines: int
    folder: str
    changes: Changes


@dataclass(frozen=True)
class _Reviewer:
    name: str
    role: str
    title: str
    email: str


def _check(scope: CampaignScope) -> None:
    if not scope.name.strip():
        raise ValidationError("campaign name", "is required")
    if not scope.entity_kinds:
        raise ValidationError("scope", "name at least one kind of entity")
    unknown = set(scope.entity_kinds) - {k.value for k in EntityKind}
    if unknown:
        raise ValidationError("scope", f"unknown entity kind(s): {', '.join(sorted(unknown))}")
    if scope.due_on <= date.today():
        raise ValidationError("due date", "must be after today")
    if scope.default_action not in {a.value for a in DefaultAction}:
        raise ValidationError("default action", "is keep or revoke")


def _grants(s: Session, scope: CampaignScope) -> dict[Any, list[tuple[str, AttestationLine]]]:
    """Active grants in scope, grouped by entity id, as (grant id, printed line)."""
    stmt = (
        select(
            RoleGrant.id,
            RoleGrant.entity_id,
            UserAccount.first_name,
            UserAccount.last_name,
            UserAccount.username,
            WebApplication.code,
            ApplicationRole.name,
            ApplicationRole.level,
            EducationalEntity.code,
            Building.code,
        )
        .join(UserAccount, UserAccount.id == RoleGrant.user_account_id)
        .join(ApplicationRole, ApplicationRole.id == RoleGrant.role_id)
        .join(WebApplication, WebApplication.id == ApplicationRole.application_id)
        .join(EducationalEntity, EducationalEntity.id == RoleGrant.entity_id)
        .outerjoin(Building, Building.id == RoleGrant.building_id)
        .where(
            RoleGrant.revoked_at.is_(None),
            RoleGrant.deleted_at.is_(None),
            UserAccount.deleted_at.is_(None),
            EducationalEntity.deleted_at.is_(None),
            EducationalEntity.active.is_(True),
            EducationalEntity.kind.in_(scope.entity_kinds),
        )
        .order_by(EducationalEntity.code, UserAccount.last_name, UserAccount.username)
    )
    if scope.applications:
        stmt = stmt.where(WebApplication.code.in_(scope.applications))
    grouped: dict[Any, list[tuple[str, AttestationLine]]] = defaultdict(list)
    for gid, eid, first, last, username, app, role, level, code, building in s.execute(stmt):
        line = AttestationLine(
            f"{first} {last}", username, f"{app} - {role} ({level})", building or code
        )
        grouped[eid].append((str(gid), line))
    return grouped


def _reviewers(s: Session, today: date) -> dict[Any, _Reviewer]:
    """Who signs each entity's attestation: the superintendent (else an authorized
    representative); for agency-managed entities, the agency contact."""
    rows = s.execute(
        select(EntityOfficer.entity_id, EntityOfficer.role, EntityOfficer.start_date, Person)
        .join(Person, Person.id == EntityOfficer.person_id)
        .where(
            EntityOfficer.deleted_at.is_(None),
            EntityOfficer.start_date <= today,
            or_(EntityOfficer.end_date.is_(None), EntityOfficer.end_date >= today),
        )
    ).all()
    order = {r: i for i, r in enumerate((*REVIEWER_ORDER, OfficerRole.AGENCY_CONTACT.value))}
    best: dict[Any, tuple[int, _Reviewer]] = {}
    for eid, role, _start, person in rows:
        rank = order.get(role, 99)
        if eid not in best or rank < best[eid][0]:
            reviewer = _Reviewer(person.full_name, role, person.title or TITLES[role], person.email)
            best[eid] = (rank, reviewer)
    return {eid: r for eid, (_rank, r) in best.items()}


def _agency_contacts(s: Session) -> dict[str, _Reviewer]:
    staff = s.execute(select(Staff.username, Staff.display_name, Staff.email)).all()
    return {
        u: _Reviewer(name, OfficerRole.AGENCY_CONTACT.value, "Agency contact", email)
        for u, name, email in staff
    }


def _reviewer_for(
    entity: Any, officers: dict[Any, _Reviewer], contacts: dict[str, _Reviewer]
) -> _Reviewer:
    eid, kind, agency_contact, email = entity
    own = KIND_RULES[EntityKind(kind)].user_managers is UserManagerSource.OWN
    officer = officers.get(eid)
    if own and officer and officer.role in REVIEWER_ORDER:
        return officer
    if not own:
        if officer and officer.role == OfficerRole.AGENCY_CONTACT.value:
            return officer
        if agency_contact in contacts:
            return contacts[agency_contact]
        if officer:  # an agency-managed entity's own representative still answers for it
            return officer
    return _Reviewer("", REVIEWER_ORDER[0], "Superintendent", email)


class CampaignService:
    """Start campaigns (see module docstring)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def start(
        self,
        scope: CampaignScope,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> CampaignStarted:
        self.ctx.require(Perm.MANAGE_ACCESS)
        _check(scope)
        if self.ctx.paths is None:
            raise KnownError("no data folder to write the attestations in")
        token = "AR" + secrets.token_hex(3).upper()
        folder = self.ctx.paths.data_dir / "drafts" / "reviews" / token
        folder.mkdir(parents=True, exist_ok=False)
        try:
            return self._start(scope, token, folder, progress, cancelled)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

    def _start(
        self,
        scope: CampaignScope,
        token: str,
        folder: Path,
        progress: Progress | None,
        cancelled: Cancelled | None,
    ) -> CampaignStarted:
        now = utcnow()
        with self.ctx.uow() as uow:
            s = uow.session
            grants = _grants(s, scope)
            officers, contacts = _reviewers(s, now.date()), _agency_contacts(s)
            entities = s.execute(
                select(
                    EducationalEntity.id,
                    EducationalEntity.kind,
                    EducationalEntity.agency_contact,
                    EducationalEntity.email,
                    EducationalEntity.code,
                    EducationalEntity.name,
                )
                .where(EducationalEntity.id.in_(list(grants)))
                .order_by(EducationalEntity.code)
            ).all()
            campaign = AccessReviewCampaign(
                name=scope.name.strip(),
                token=token,
                entity_kinds=",".join(scope.entity_kinds),
                applications=",".join(scope.applications),
                due_on=scope.due_on,
                default_action=scope.default_action,
                started_at=now,
            )
            s.add(campaign)
            s.flush()
            lines = 0
            for done, row in enumerate(entities):
                if cancelled is not None and cancelled():
                    raise CampaignCancelled("the campaign was cancelled; nothing was kept")
                reviewer = _reviewer_for(row[:4], officers, contacts)
                item = self._item(campaign, row, reviewer, grants[row[0]], folder, now)
                s.add(item)
                lines += len(item.lines)
                if progress is not None:
                    progress(done + 1, len(entities))
            audit.record(
                uow,
                "review.campaign_start",
                record_type="access_review_campaign",
                record_id=campaign.id,
                summary=f"{campaign.name} ({token}): {len(entities)} entities, {lines} grants, "
                f"due {scope.due_on.isoformat()}, default {scope.default_action}",
            )
            uow.commit()
            return CampaignStarted(
                str(campaign.id),
                token,
                len(entities),
                lines,
                str(folder),
                Changes.of(Area.ACCESS, ids=(campaign.id,)),
            )

    def _item(
        self,
        campaign: AccessReviewCampaign,
        row: Any,
        reviewer: _Reviewer,
        grants: list[tuple[str, AttestationLine]],
        folder: Path,
        now: Any,
    ) -> AccessReviewItem:
        eid, _kind, _contact, entity_email, code, name = row
        item_token = f"{campaign.token}-{code}"
        pdf, boxes = attestation_pdf(
            Attestation(
                name,
                code,
                campaign.name,
                campaign.due_on,
                reviewer.name,
                reviewer.title,
                item_token,
                tuple(line for _gid, line in grants),
            )
        )
        to = reviewer.email or entity_email
        (folder / f"{item_token}.pdf").write_bytes(pdf)
        (folder / f"{item_token}.eml").write_bytes(
            draft_eml(
                "",
                [to],
                f"Access review for {name}: please answer by {campaign.due_on:%m/%d/%Y}",
                _letter(reviewer.name, name, campaign),
                [(f"{item_token}.pdf", pdf, "application/pdf")],
            )
        )
        return AccessReviewItem(
            campaign_id=campaign.id,
            entity_id=eid,
            token=item_token,
            reviewer_name=reviewer.name,
            reviewer_role=reviewer.role,
            reviewer_email=to,
            lines=[
                {"grant_id": gid, "line": b.line, "page": b.page, "remove_box": list(b.box)}
                for (gid, _line), b in zip(grants, boxes, strict=True)
            ],
            outcome=ItemOutcome.SENT.value,
            sent_at=now,
        )


def _letter(reviewer: str, entity: str, campaign: AccessReviewCampaign) -> str:
    default = (
        "kept as they are"
        if campaign.default_action == DefaultAction.KEEP.value
        else "removed from every user listed"
    )
    return (
        f"Dear {reviewer or 'Superintendent'}:\n\n"
        f"As part of {campaign.name}, please review the access of {entity}'s users on the "
        "attached attestation. Mark Remove for any access no longer needed, sign, and return it "
        f"by fax or email by {campaign.due_on:%m/%d/%Y}.\n\n"
        f"If we receive no answer by then, the access will be {default}.\n\n"
        "Web Systems Security\n"
    )
