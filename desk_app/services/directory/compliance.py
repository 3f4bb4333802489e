"""The user-manager rule, watched between forms: every finding across all entities at once.

Every LEA and IHE must have at least one current user manager whose account can be used; the
agency manages the others. A finding is one of:

- ``no_user_manager``: an open LEA / IHE with no current designation of a usable account;
- ``user_manager_dormant``: a current user manager whose account was not used for 12 months
  (or must register again);
- ``user_manager_removed``: a current user manager whose account is disabled or deleted;
- ``officer_changed``: a new superintendent or authorized representative took office after the
  user managers were last reviewed (the new officer may want other user managers).

Each kind is one set-based statement over the designation table (a few thousand rows even when
there are 200,000 accounts), so the view opens in milliseconds. The invariants module refuses a
commit that breaks the rule; this view finds what drifted without a commit (time passing,
accounts going dormant, data that came in by sync).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from desk_app.errors import KnownError
from desk_app.models import auditchain as audit
from desk_app.models.access import AccountStatus, UserAccount, UserManagerDesignation
from desk_app.models.base import utcnow
from desk_app.models.entities import EducationalEntity
from desk_app.models.people import EntityOfficer, OfficerRole, Person
from desk_app.rules.codes import KIND_RULES, UserManagerSource
from desk_app.rules.permissions import Perm
from desk_app.services.context import ServiceContext
from desk_app.services.directory.forms import entity_prefill, generate_with_token

DORMANT_AFTER = timedelta(days=365)
OWN_KINDS = tuple(
    k.value for k, r in KIND_RULES.items() if r.user_managers is UserManagerSource.OWN
)
SIGNING_ROLES = (OfficerRole.SUPERINTENDENT.value, OfficerRole.AUTHORIZED_REPRESENTATIVE.value)

RULE_TITLES = {
    "no_user_manager": "No user manager",
    "user_manager_dormant": "User manager dormant",
    "user_manager_removed": "User manager removed",
    "officer_changed": "Officer changed since review",
}


@dataclass(frozen=True)
class Finding:
    entity_id: str
    entity_code: str
    entity_name: str
    entity_kind: str
    rule: str
    rule_title: str
    detail: str
    username: str = ""


@dataclass(frozen=True)
class DraftedForm:
    """A prefilled 2356 and the unsent message that carries it (Outlook opens the .eml)."""

    eml_path: str
    pdf_path: str
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class ComplianceReport:
    findings: tuple[Finding, ...]
    entities_checked: int
    checked_at: datetime

    def by_rule(self) -> dict[str, int]:
        counts = dict.fromkeys(RULE_TITLES, 0)
        for f in self.findings:
            counts[f.rule] += 1
        return counts


def _usable(cutoff: datetime) -> Any:
    """An account a user manager can work with: active, not deleted, used within the year."""
    return and_(
        UserAccount.deleted_at.is_(None),
        UserAccount.status == AccountStatus.ACTIVE.value,
        or_(
            UserAccount.last_login_at >= cutoff,
            and_(UserAccount.last_login_at.is_(None), UserAccount.created_at >= cutoff),
        ),
    )


def _current_designation() -> Any:
    return and_(
        UserManagerDesignation.end_at.is_(None), UserManagerDesignation.deleted_at.is_(None)
    )


def _open_own_entity() -> Any:
    return and_(
        EducationalEntity.deleted_at.is_(None),
        EducationalEntity.active.is_(True),
        EducationalEntity.kind.in_(OWN_KINDS),
    )


ENTITY_COLUMNS = (
    EducationalEntity.id,
    EducationalEntity.code,
    EducationalEntity.name,
    EducationalEntity.kind,
)


def _no_user_manager(cutoff: datetime) -> Any:
    has_usable = (
        exists()
        .where(
            UserManagerDesignation.entity_id == EducationalEntity.id,
            _current_designation(),
            UserAccount.id == UserManagerDesignation.user_account_id,
            _usable(cutoff),
        )
        .correlate(EducationalEntity)
    )
    return select(*ENTITY_COLUMNS).where(_open_own_entity(), ~has_usable)


def _unusable_user_managers(cutoff: datetime) -> Any:
    return (
        select(
            *ENTITY_COLUMNS,
            UserAccount.username,
            UserAccount.status,
            UserAccount.deleted_at.is_not(None),
            UserAccount.last_login_at,
        )
        .select_from(UserManagerDesignation)
        .join(UserAccount, UserAccount.id == UserManagerDesignation.user_account_id)
        .join(EducationalEntity, EducationalEntity.id == UserManagerDesignation.entity_id)
        .where(_current_designation(), EducationalEntity.deleted_at.is_(None), ~_usable(cutoff))
    )


def _officer_changes() -> Any:
    """Officers who took office after another holder of the role and after the last review."""
    earlier = aliased(EntityOfficer)
    latest_designation = (
        select(func.max(UserManagerDesignation.start_at))
        .where(UserManagerDesignation.entity_id == EntityOfficer.entity_id, _current_designation())
        .correlate(EntityOfficer)
        .scalar_subquery()
    )
    had_predecessor = exists().where(
        earlier.entity_id == EntityOfficer.entity_id,
        earlier.role == EntityOfficer.role,
        earlier.deleted_at.is_(None),
        earlier.start_date < EntityOfficer.start_date,
    )
    return (
        select(
            *ENTITY_COLUMNS,
            Person.first_name,
            Person.last_name,
            EntityOfficer.role,
            EntityOfficer.start_date,
            EducationalEntity.designations_reviewed_on,
            latest_designation,
        )
        .select_from(EntityOfficer)
        .join(EducationalEntity, EducationalEntity.id == EntityOfficer.entity_id)
        .join(Person, Person.id == EntityOfficer.person_id)
        .where(
            _open_own_entity(),
            EntityOfficer.deleted_at.is_(None),
            EntityOfficer.end_date.is_(None),
            EntityOfficer.role.in_(SIGNING_ROLES),
            had_predecessor,
            or_(
                EducationalEntity.designations_reviewed_on.is_(None),
                EducationalEntity.designations_reviewed_on < EntityOfficer.start_date,
            ),
        )
    )


def _finding(row: Any, rule: str, detail: str, username: str = "") -> Finding:
    eid, code, name, kind = row[:4]
    return Finding(str(eid), code, name, kind, rule, RULE_TITLES[rule], detail, username)


def _unusable_finding(row: Any) -> Finding:
    username, status, deleted, login = row[4:8]
    if deleted or status == AccountStatus.DISABLED.value:
        why = "deleted" if deleted else "disabled"
        return _finding(row, "user_manager_removed", f"{username}: account {why}", username)
    since = login.date().isoformat() if login else "never"
    return _finding(
        row, "user_manager_dormant", f"{username}: not signed in since {since}", username
    )


def _officer_finding(row: Any) -> Finding | None:
    first, last, role, start, _reviewed, latest = row[4:10]
    if latest is not None and latest.date() >= start:
        return None  # user managers were designated after the officer took office
    title = role.replace("_", " ")
    return _finding(row, "officer_changed", f"{first} {last} {title} since {start.isoformat()}")


class ComplianceService:
    """The Compliance view's source: every finding, and the 2356 to send for one."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def report(self, now: datetime | None = None) -> ComplianceReport:
        """Every finding of every open entity, ordered by entity code."""
        self.ctx.require(Perm.VIEW_ACCESS)
        now = now or utcnow()
        cutoff = now - DORMANT_AFTER
        checked = select(func.count()).select_from(EducationalEntity).where(_open_own_entity())
        with self.ctx.store.read() as s:
            findings = [
                _finding(r, "no_user_manager", "no current user manager with a usable account")
                for r in s.execute(_no_user_manager(cutoff))
            ]
            findings += [_unusable_finding(r) for r in s.execute(_unusable_user_managers(cutoff))]
            changed = (_officer_finding(r) for r in s.execute(_officer_changes()))
            findings += [f for f in changed if f is not None]
            total = int(s.execute(checked).scalar_one())
        findings.sort(key=lambda f: (f.entity_code, list(RULE_TITLES).index(f.rule), f.detail))
        return ComplianceReport(tuple(findings), total, now)

    def draft_user_manager_form(self, finding: Finding) -> DraftedForm:
        """The one-click remedy: a 2356 prefilled for the entity (and, for an unusable user
        manager, the removal of that account), in an unsent message to the entity's officers."""
        from desk_app.pdf.replies import draft_eml

        self.ctx.require(Perm.MANAGE_ACCESS)
        if self.ctx.paths is None:
            raise KnownError("no data folder to save the draft in")
        prefill = entity_prefill(self.ctx, "MO 500-2356", finding.entity_code)
        extra = (
            {**_account_values(self.ctx, finding.username), "um_action": "remove"}
            if finding.username
            else {}
        )
        values = {**prefill.values, **extra}
        # with a registered request token: the form that comes back is keyed from it
        pdf = generate_with_token(self.ctx, "MO 500-2356", finding.entity_code, extra).pdf
        recipients = _officer_emails(self.ctx, prefill.entity_id)
        body = _letter_body(finding, values.get("signer_name", ""))
        name = f"2356-{finding.entity_code}-{finding.rule}"
        eml = draft_eml(
            "",
            recipients,
            f"MO 500-2356 for {finding.entity_name}: user managers",
            body,
            [(f"{name}.pdf", pdf, "application/pdf")],
        )
        folder = self.ctx.paths.data_dir / "drafts" / "compliance"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.pdf").write_bytes(pdf)
        (folder / f"{name}.eml").write_bytes(eml)
        with self.ctx.uow() as uow:
            audit.record(
                uow,
                "compliance.draft_2356",
                record_type="educational_entity",
                record_id=uuid.UUID(prefill.entity_id),
                summary=f"{finding.entity_code}: 2356 drafted ({finding.rule_title.lower()})",
            )
            uow.commit()
        return DraftedForm(str(folder / f"{name}.eml"), str(folder / f"{name}.pdf"), recipients)


def _account_values(ctx: ServiceContext, username: str) -> dict[str, str]:
    with ctx.store.read() as s:
        row = s.execute(
            select(
                UserAccount.first_name,
                UserAccount.last_name,
                UserAccount.email,
                UserAccount.username,
            ).where(UserAccount.username == username)
        ).first()
    if row is None:
        return {"um_username": username}
    return dict(zip(("um_first_name", "um_last_name", "um_email", "um_username"), row, strict=True))


def _officer_emails(ctx: ServiceContext, entity_id: str) -> tuple[str, ...]:
    today = utcnow().date()
    with ctx.store.read() as s:
        entity_email = s.execute(
            select(EducationalEntity.email).where(EducationalEntity.id == uuid.UUID(entity_id))
        ).scalar_one_or_none()
        rows = s.execute(
            select(Person.email)
            .join(EntityOfficer, EntityOfficer.person_id == Person.id)
            .where(
                EntityOfficer.entity_id == uuid.UUID(entity_id),
                EntityOfficer.deleted_at.is_(None),
                EntityOfficer.role.in_(SIGNING_ROLES),
                EntityOfficer.start_date <= today,
                or_(EntityOfficer.end_date.is_(None), EntityOfficer.end_date >= today),
            )
        ).scalars()
        emails = {e for e in rows if e}
        if not emails and entity_email:
            emails.add(entity_email)
    return tuple(sorted(emails))


def _letter_body(finding: Finding, signer: str) -> str:
    why = {
        "no_user_manager": "our records show no current user manager for your entity",
        "user_manager_dormant": f"a user manager's account has not been used for a year "
        f"({finding.detail})",
        "user_manager_removed": f"a user manager's account is no longer usable ({finding.detail})",
        "officer_changed": "a new officer took office since your user managers were last named",
    }[finding.rule]
    return (
        f"Dear {signer or 'Superintendent'}:\n\n"
        f"Every district and institution keeps at least one current user manager, and {why}.\n\n"
        "Please complete the attached form MO 500-2356 (Web Systems User Manager Request), sign "
        "it, include your security PIN, and return it by email or fax.\n\n"
        "Web Systems Security\n"
    )
