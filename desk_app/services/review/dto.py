"""Frozen values the verification and decision services hand to views and the CLI.

Also the reading of a form's values into the changes it asks for (:func:`requested_changes`),
shared by the checks and by the apply step so both see the same request.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from desk_app.pdf.signatures import DigitalSignatureFacts
from desk_app.rules.verification import CHECK_BY_CODE

if TYPE_CHECKING:
    from desk_app.pdf.render import RenderedPage

ACTIONS = ("add", "modify", "delete")


@dataclass(frozen=True)
class RequestedUser:
    """One user row of a form (``user_{i}_*``)."""

    row: int
    first_name: str
    last_name: str
    email: str
    username: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class RequestedRole:
    """One requested-role row (``role_{i}_*``): add, modify or delete a role for a user."""

    row: int
    user_row: int
    app: str
    role: str
    action: str
    building: str


@dataclass(frozen=True)
class RequestedUserManager:
    """The user-manager block of MO 500-2356 (``um_*``)."""

    action: str  # add / remove
    first_name: str
    last_name: str
    email: str
    username: str


@dataclass(frozen=True)
class RequestedChanges:
    """Everything a form asks the agency to change."""

    users: tuple[RequestedUser, ...] = ()
    roles: tuple[RequestedRole, ...] = ()
    user_manager: RequestedUserManager | None = None

    def user(self, row: int) -> RequestedUser | None:
        return next((u for u in self.users if u.row == row), None)

    @property
    def empty(self) -> bool:
        return not self.roles and self.user_manager is None


def _text(values: Mapping[str, Any], name: str) -> str:
    return str(values.get(name) or "").strip()


def _rows(values: Mapping[str, Any], prefix: str) -> list[int]:
    pattern = re.compile(rf"^{prefix}_(\d+)_")
    return sorted({int(m.group(1)) for k in values if (m := pattern.match(k))})


def requested_changes(values: Mapping[str, Any]) -> RequestedChanges:
    """Read the users, role rows and user-manager change from a form's field values.

    Empty rows are skipped; a role row without a user row number belongs to user 1 (forms with a
    single user row have no user column).
    """
    users = []
    for i in _rows(values, "user"):
        u = RequestedUser(
            i,
            _text(values, f"user_{i}_first_name"),
            _text(values, f"user_{i}_last_name"),
            _text(values, f"user_{i}_email").lower(),
            _text(values, f"user_{i}_username").lower(),
        )
        if u.first_name or u.last_name or u.email or u.username:
            users.append(u)
    roles = []
    for i in _rows(values, "role"):
        app, role = _text(values, f"role_{i}_app"), _text(values, f"role_{i}_role")
        action = _text(values, f"role_{i}_action").lower()
        if not (app or role):
            continue
        user_ref = _text(values, f"role_{i}_user")
        roles.append(
            RequestedRole(
                i,
                int(user_ref) if user_ref.isdigit() else 1,
                app.upper(),
                role.upper(),
                action,
                _text(values, f"role_{i}_building"),
            )
        )
    um = None
    if _text(values, "um_action") or _text(values, "um_last_name"):
        um = RequestedUserManager(
            _text(values, "um_action").lower(),
            _text(values, "um_first_name"),
            _text(values, "um_last_name"),
            _text(values, "um_email").lower(),
            _text(values, "um_username").lower(),
        )
    return RequestedChanges(tuple(users), tuple(roles), um)


def parse_form_date(text: str) -> date | None:
    """A date as printed on our forms (MM/DD/YYYY), or ISO; ``None`` when unreadable."""
    text = (text or "").strip()
    for fmt in ("%m/%d/%Y", "%Y-%m-%d", "%m/%d/%y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class CheckResult:
    """One check of a report: pass / warn / fail with its reason, in the review pane's order."""

    code: str
    title: str
    outcome: str  # pass / warn / fail
    blocking: bool
    reason: str
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def blocks(self) -> bool:
        """True when this result stops an approval (unless overridden)."""
        return self.blocking and self.outcome == "fail"


def check_result(code: str, outcome: str, reason: str, **details: Any) -> CheckResult:
    """A check result with the catalogue's title and blocking flag."""
    spec = CHECK_BY_CODE[code]
    return CheckResult(code, spec.title, outcome, spec.blocking, reason, details)


@dataclass(frozen=True)
class SpecimenDTO:
    """A dated specimen of a person's signature."""

    id: str
    person_id: str
    signed_on: date
    image_png: bytes
    source_submission_id: str
    picture: RenderedPage | None = None  # image_png decoded in a child, for the pane to show


@dataclass(frozen=True)
class AttestationDTO:
    """A reviewer's judgement of a signature."""

    id: str
    field_name: str
    stage: str
    verdict: str
    reviewer: str
    note: str
    attested_at: datetime


@dataclass(frozen=True)
class SignatureFinding:
    """One signature box of a form: what was found there and who was expected to sign."""

    field_name: str
    signer_role: str  # superintendent_or_representative / agency_contact / user
    signer_name: str
    person_id: str  # the person on file, "" when unknown
    kind: str  # digital / ink / none
    verdict: str  # Acrobat's words for a digital signature; present / missing for ink
    outcome: str  # pass / warn / fail
    reasons: tuple[str, ...]
    crop_png: bytes = b""
    crop: RenderedPage | None = None  # crop_png decoded in a child, for the pane to show
    certificate_subject: str = ""
    certificate_sha256: str = ""
    specimens: tuple[SpecimenDTO, ...] = ()
    attestations: tuple[AttestationDTO, ...] = ()


@dataclass(frozen=True)
class VerificationReport:
    """The checks of one verification run, ready for the review pane or ``desk-app verify``."""

    run_id: str
    submission_id: str
    form_number: str
    entity_code: str
    entity_name: str
    checks: tuple[CheckResult, ...]
    signatures: tuple[SignatureFinding, ...]
    requested: RequestedChanges
    run_at: datetime
    run_by: str
    elapsed_ms: float = 0.0
    # what the report was made from, so a decision applies it only while it is still current
    submission_version: int = 0
    document_sha256: str = ""
    # the digital signatures as read, so a decision never parses the document a second time
    digital: tuple[DigitalSignatureFacts, ...] = ()

    @property
    def blocking_failures(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.blocks)

    @property
    def can_approve(self) -> bool:
        return not self.blocking_failures

    def check(self, code: str) -> CheckResult | None:
        return next((c for c in self.checks if c.code == code), None)

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dictionary (images left out)."""
        return {
            "run_id": self.run_id,
            "submission_id": self.submission_id,
            "form": self.form_number,
            "entity_code": self.entity_code,
            "entity_name": self.entity_name,
            "run_at": self.run_at.isoformat(),
            "run_by": self.run_by,
            "can_approve": self.can_approve,
            "checks": [
                {
                    "code": c.code,
                    "title": c.title,
                    "outcome": c.outcome,
                    "blocking": c.blocking,
                    "reason": c.reason,
                    "details": dict(c.details),
                }
                for c in self.checks
            ],
            "signatures": [
                {
                    "field": s.field_name,
                    "signer_role": s.signer_role,
                    "signer_name": s.signer_name,
                    "kind": s.kind,
                    "verdict": s.verdict,
                    "outcome": s.outcome,
                    "reasons": list(s.reasons),
                    "certificate": s.certificate_subject,
                }
                for s in self.signatures
            ],
        }


@dataclass(frozen=True)
class ReplyDraft:
    """Replies to a decision: .eml drafts (Outlook opens them as unsent) and a printable letter."""

    requester_eml: bytes
    user_manager_eml: bytes
    letter_pdf: bytes
    requester: str
    user_managers: tuple[str, ...]


@dataclass(frozen=True)
class AccessChange:
    """One line of what approving a form changes, against the directory as it is now.

    ``subject`` is ``grant`` (per user and application) or ``user manager`` (a designation);
    ``kind`` is ``added``, ``removed`` or ``changed`` (a role replaced by another in the same
    application); ``before`` / ``after`` name the role (and building) or the entity.
    """

    kind: str
    subject: str
    username: str
    person: str
    application: str
    before: str
    after: str
    new_account: bool = False

    @property
    def text(self) -> str:
        """One sentence for the confirmation and the CLI."""
        who = f"{self.person} ({self.username}{', new account' if self.new_account else ''})"
        if self.subject == "user manager":
            verb = "becomes" if self.kind == "added" else "is no longer"
            return f"{who} {verb} a user manager of {self.after or self.before}"
        if self.kind == "changed":
            return f"{who}: {self.application} {self.before} -> {self.after}"
        role = self.after if self.kind == "added" else self.before
        return f"{who}: {self.application} {role} {self.kind}"


def changes_fingerprint(changes: tuple[AccessChange, ...]) -> str:
    """A digest of a diff: the approval applies only while it is still the diff the operator saw."""
    text = "\n".join(
        sorted(
            "|".join((c.kind, c.subject, c.username, c.application, c.before, c.after))
            for c in changes
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()


def merge_changes(changes: list[AccessChange]) -> tuple[AccessChange, ...]:
    """Fold a removed and an added role of one user in one application into one ``changed``."""
    out: list[AccessChange] = []
    for c in changes:
        if c.subject == "grant":
            twin = next(
                (
                    i
                    for i, o in enumerate(out)
                    if o.subject == "grant"
                    and (o.username, o.application) == (c.username, c.application)
                    and {o.kind, c.kind} == {"added", "removed"}
                ),
                None,
            )
            if twin is not None:
                o = out[twin]
                removed, added = (o, c) if o.kind == "removed" else (c, o)
                out[twin] = AccessChange(
                    "changed",
                    "grant",
                    c.username,
                    c.person,
                    c.application,
                    removed.before,
                    added.after,
                    o.new_account or c.new_account,
                )
                continue
        out.append(c)
    return tuple(out)


@dataclass(frozen=True)
class ApprovalPreview:
    """What approving a submission would change now, computed by applying it in a transaction
    that is rolled back; ``problem`` says why it cannot be applied ("" when it can)."""

    submission_id: str
    entity_code: str
    entity_name: str
    changes: tuple[AccessChange, ...]
    unchanged: tuple[str, ...]
    problem: str = ""

    @property
    def fingerprint(self) -> str:
        return changes_fingerprint(self.changes)

    def as_json(self) -> dict[str, Any]:
        return {
            "submission_id": self.submission_id,
            "entity_code": self.entity_code,
            "entity_name": self.entity_name,
            "problem": self.problem,
            "changes": [
                {
                    "kind": c.kind,
                    "subject": c.subject,
                    "username": c.username,
                    "person": c.person,
                    "application": c.application,
                    "before": c.before,
                    "after": c.after,
                    "new_account": c.new_account,
                }
                for c in self.changes
            ],
            "unchanged": list(self.unchanged),
        }
