"""The replies to a decision: to the requester and to the entity's user managers.

Drafted as .eml files that Outlook opens as unsent messages (no network needed to draft them),
with the same text as a printable letter attached for the file or the post.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.models.access import UserAccount, UserManagerDesignation
from desk_app.models.base import utcnow
from desk_app.models.entities import EducationalEntity
from desk_app.models.staff import Staff
from desk_app.models.submissions import FormSubmission
from desk_app.rules.verification import REJECTION_REASONS
from desk_app.services.context import ServiceContext
from desk_app.services.review.apply import Applied
from desk_app.services.review.dto import ReplyDraft


def _requester(sub: FormSubmission) -> str:
    values = sub.values or {}
    email = str(values.get("requester_email") or "").strip()
    return email or (sub.sender if "@" in sub.sender else "")


def _user_managers(session: Session, entity_id: object) -> tuple[str, ...]:
    if entity_id is None:
        return ()
    rows = session.execute(
        select(UserAccount.email)
        .join(UserManagerDesignation, UserManagerDesignation.user_account_id == UserAccount.id)
        .where(
            UserManagerDesignation.entity_id == entity_id,
            UserManagerDesignation.end_at.is_(None),
            UserManagerDesignation.deleted_at.is_(None),
        )
    )
    return tuple(sorted({e for (e,) in rows if e}))


def _from(ctx: ServiceContext, session: Session) -> str:
    staff = session.execute(
        select(Staff).where(Staff.username == ctx.actor.username)
    ).scalar_one_or_none()
    return staff.email if staff and staff.email else ""


def _draft(
    ctx: ServiceContext,
    session: Session,
    sub: FormSubmission,
    entity_name: str,
    subject: str,
    paragraphs: tuple[str, ...],
    notify_entity: object = None,
) -> ReplyDraft:
    # here, not at the top: reportlab and the mail composer load with the first letter, not with
    # the review pane that may write one (the Work queue's first rows wait for that pane)
    from desk_app.pdf.letters import Addressee, decision_letter
    from desk_app.pdf.replies import draft_eml

    values = sub.values or {}
    name = sub.requester_name or str(values.get("signer_name") or "") or "Requester"
    addressee = Addressee(name, str(values.get("signer_title") or ""), entity_name)
    letter = decision_letter(
        addressee, sub.entity_code, subject, paragraphs, (sub.decided_at or utcnow()).date()
    )
    requester = _requester(sub)
    body = f"Dear {name}:\n\n" + "\n\n".join(paragraphs) + "\n\nWeb Systems Security\n"
    sender = _from(ctx, session)
    ums = _user_managers(session, notify_entity)
    requester_eml = draft_eml(
        sender, [requester], subject, body, [("letter.pdf", letter, "application/pdf")]
    )
    um_eml = (
        draft_eml(
            sender,
            list(ums),
            f"For your records: {subject}",
            "To the user managers of "
            + entity_name
            + ":\n\n"
            + "\n\n".join(paragraphs)
            + "\n\nWeb Systems Security\n",
        )
        if ums
        else b""
    )
    return ReplyDraft(requester_eml, um_eml, letter, requester, ums)


def for_approval(
    ctx: ServiceContext,
    session: Session,
    sub: FormSubmission,
    entity: EducationalEntity,
    applied: Applied,
) -> ReplyDraft:
    """The access-provided message (the requester is told once access has been provided)."""
    subject = f"{sub.form_number} for {entity.name}: access provided"
    changes = "\n".join(f"  - {line}" for line in applied.lines) or "  - no change was needed"
    paragraphs = (
        f"Your request on form {sub.form_number} for {entity.name} ({entity.code}) has "
        "been approved and the access has been provided:",
        changes,
        "New users receive their sign-in instructions by separate email.",
    )
    return _draft(ctx, session, sub, entity.name, subject, paragraphs, notify_entity=entity.id)


def for_refusal(
    ctx: ServiceContext,
    session: Session,
    sub: FormSubmission,
    codes: tuple[str, ...],
    note: str,
    *,
    waiting: bool,
) -> ReplyDraft:
    """The rejection, or the request for a correction (waiting on the requester)."""
    reasons = "\n".join(f"  - {REJECTION_REASONS[c].letter_text or note}" for c in codes)
    entity_name = sub.entity_name or sub.entity_code
    if waiting:
        subject = f"{sub.form_number} for {entity_name}: more information needed"
        lead = (
            f"We received your request on form {sub.form_number}. Before we can act on it we "
            "need the following:"
        )
        tail = (
            "Please send the corrected form back by email or fax; we will keep your request open."
        )
    else:
        subject = f"{sub.form_number} for {entity_name}: request not approved"
        lead = f"We could not approve your request on form {sub.form_number}, for these reasons:"
        tail = "You may send a new form once the points above are addressed."
    extra = (note.strip(),) if note.strip() and "other" not in codes else ()
    return _draft(ctx, session, sub, entity_name, subject, (lead, reasons, *extra, tail))
