"""Access reviews: a campaign's attestations, the faxed answer through the normal intake, its
Remove marks applied as one decision, reminders, and the default at the due date."""

from __future__ import annotations

import email
from datetime import date, timedelta
from pathlib import Path

import pymupdf
import pytest
from sqlalchemy import select

from desk_app.errors import ConflictError, PermissionDenied, ValidationError
from desk_app.models.access import (
    ApplicationRole,
    RoleGrant,
    UserAccount,
    UserManagerDesignation,
    WebApplication,
)
from desk_app.models.audit import AuditEvent
from desk_app.models.base import utcnow
from desk_app.models.entities import EducationalEntity
from desk_app.models.people import EntityOfficer, Person
from desk_app.models.reviews import AccessReviewItem
from desk_app.models.staff import Staff
from desk_app.services.queue.intake import IntakeService
from desk_app.services.reviews.campaigns import CampaignCancelled, CampaignScope, CampaignService
from desk_app.services.reviews.returns import RemindersStopped, ReviewReturns
from tests.intake.makers import fax_tiff

DUE = date.today() + timedelta(days=30)


@pytest.fixture
def directory(ctx) -> dict[str, str]:
    now = utcnow()
    with ctx.uow() as uow:
        s = uow.session
        lea = EducationalEntity(kind="lea", code="048-078", name="Kansas City Public Schools")
        np_ = EducationalEntity(
            kind="nonpublic", code="N04567", name="St. Mary Academy", agency_contact="dese\\cwebb"
        )
        quiet = EducationalEntity(kind="lea", code="010-093", name="Columbia")
        s.add_all([lea, np_, quiet])
        s.add(
            Staff(
                username="dese\\cwebb",
                display_name="Carol Webb",
                role="security_admin",
                email="carol.webb@dese.example",
            )
        )
        supt = Person(first_name="Dana", last_name="Whitfield", email="dana@kcps.example")
        s.add(supt)
        s.flush()
        s.add(
            EntityOfficer(
                entity_id=lea.id,
                person_id=supt.id,
                role="superintendent",
                start_date=date(2020, 7, 1),
            )
        )
        app = WebApplication(code="MOSIS", name="MOSIS", entity_kinds="lea,nonpublic")
        s.add(app)
        s.flush()
        role = ApplicationRole(
            application_id=app.id, code="MOSIS_ENTRY", name="Data entry", level=2
        )
        s.add(role)
        s.flush()
        for entity, count in ((lea, 5), (np_, 2), (quiet, 1)):
            for i in range(count):
                account = UserAccount(
                    username=f"{entity.code.lower()}-u{i}",
                    first_name="U",
                    last_name=f"User{i}",
                    email=f"u{i}@example.org",
                    entity_id=entity.id,
                )
                s.add(account)
                s.flush()
                s.add(
                    RoleGrant(
                        user_account_id=account.id,
                        role_id=role.id,
                        entity_id=entity.id,
                        granted_at=now,
                    )
                )
        uow.commit()
        return {"lea": str(lea.id)}


def _scope(**kw) -> CampaignScope:
    base = dict(
        name="Spring 2027 review",
        entity_kinds=("lea", "nonpublic"),
        applications=(),
        due_on=DUE,
        default_action="keep",
    )
    base.update(kw)
    return CampaignScope(**base)


def _active(ctx, code: str) -> int:
    with ctx.store.read() as s:
        return len(
            s.execute(
                select(RoleGrant.id)
                .join(EducationalEntity, EducationalEntity.id == RoleGrant.entity_id)
                .where(EducationalEntity.code == code, RoleGrant.revoked_at.is_(None))
            ).all()
        )


def test_start_writes_an_attestation_and_draft_per_entity(ctx, directory) -> None:
    seen = []
    started = CampaignService(ctx).start(_scope(), progress=lambda d, t: seen.append((d, t)))
    assert (started.items, started.lines) == (3, 8) and seen[-1] == (3, 3)
    folder = Path(started.folder)
    message = email.message_from_bytes((folder / f"{started.token}-048-078.eml").read_bytes())
    assert message["To"] == "dana@kcps.example" and message["X-Unsent"] == "1"
    with ctx.store.read() as s:
        items = {
            i.token: (i.reviewer_name, i.reviewer_role)
            for i in s.execute(select(AccessReviewItem)).scalars()
        }
    assert items[f"{started.token}-N04567"] == ("Carol Webb", "agency_contact")
    assert items[f"{started.token}-048-078"] == ("Dana Whitfield", "superintendent")
    with pymupdf.open(folder / f"{started.token}-048-078.pdf") as doc:
        text = doc[0].get_text()
    assert "Kansas City Public Schools" in text and "048-078-u3" in text


def test_cancel_leaves_nothing(ctx, directory) -> None:
    with pytest.raises(CampaignCancelled):
        CampaignService(ctx).start(_scope(), cancelled=lambda: True)
    with ctx.store.read() as s:
        assert s.execute(select(AccessReviewItem)).first() is None
    assert not list((Path(ctx.paths.data_dir) / "drafts" / "reviews").iterdir())


def test_scope_is_checked(ctx, make_ctx, directory) -> None:
    with pytest.raises(ValidationError):
        CampaignService(ctx).start(_scope(due_on=date.today()))
    with pytest.raises(ValidationError):
        CampaignService(ctx).start(_scope(default_action="shrug"))
    with pytest.raises(PermissionDenied):
        CampaignService(make_ctx("auditor", "audrey")).start(_scope())


def _mark_remove(pdf_path: Path, token: str, ctx, lines: set[int]) -> bytes:
    with ctx.store.read() as s:
        item = s.execute(
            select(AccessReviewItem).where(AccessReviewItem.token == token)
        ).scalar_one()
        boxes = {ln["line"]: ln for ln in item.lines}
    doc = pymupdf.open(pdf_path)
    for number in lines:
        box = boxes[number]
        x0, y0, x1, y1 = box["remove_box"]
        page = doc[box["page"]]
        page.draw_line((x0 + 1, y0 + 1), (x1 - 1, y1 - 1), width=1.6)
        page.draw_line((x0 + 1, y1 - 1), (x1 - 1, y0 + 1), width=1.6)
    return doc.tobytes()


def test_round_trip_through_a_fax(ctx, directory, tmp_path) -> None:
    started = CampaignService(ctx).start(_scope())
    token = f"{started.token}-048-078"
    marked = _mark_remove(Path(started.folder) / f"{token}.pdf", token, ctx, {2, 4})
    from tests.services.reviews.test_return_verification import signed, verified

    (tmp_path / "answer.tif").write_bytes(fax_tiff(signed(marked), skew=0.5, noise=0.001))
    IntakeService(ctx).ingest_files([tmp_path / "answer.tif"])
    returns = ReviewReturns(ctx)
    [waiting] = returns.waiting()
    verified(ctx, waiting)  # checked like any form first
    with pytest.raises(ValidationError, match="signer authority"):
        returns.apply_return(waiting, "Someone Else", date.today())
    applied = returns.apply_return(waiting, "Dana  Whitfield", date.today())
    assert (applied.entity_code, len(applied.removed), applied.kept) == ("048-078", 2, 3)
    assert _active(ctx, "048-078") == 3
    with ctx.store.read() as s:
        usernames = set(
            s.execute(
                select(UserAccount.username)
                .join(RoleGrant, RoleGrant.user_account_id == UserAccount.id)
                .where(RoleGrant.revoked_at.is_not(None))
            ).scalars()
        )
        events = (
            s.execute(
                select(AuditEvent.summary).where(AuditEvent.action == "review.return_applied")
            )
            .scalars()
            .all()
        )
    # line order on the attestation is by last name: User1 and User3
    assert usernames == {"048-078-u1", "048-078-u3"}
    assert len(events) == 1 and "2 of 5 grants removed" in events[0]
    with pytest.raises(ConflictError):
        returns.apply_return(waiting, "Dana Whitfield", date.today())
    status = returns.status()
    assert status.counts() == {
        "entities": 3,
        "returned": 1,
        "overdue": 0,
        "defaulted": 0,
        "sent": 2,
    }


def test_reminders_and_the_default_at_the_due_date(ctx, directory) -> None:
    with ctx.uow() as uow:  # u0 of the LEA is its user manager: silence keeps its access
        account = uow.session.execute(
            select(UserAccount).where(UserAccount.username == "048-078-u0")
        ).scalar_one()
        uow.session.add(
            UserManagerDesignation(
                entity_id=account.entity_id, user_account_id=account.id, start_at=utcnow()
            )
        )
        uow.commit()
    CampaignService(ctx).start(_scope(default_action="revoke"))
    returns = ReviewReturns(ctx)
    steps: list[tuple[int, int, str]] = []
    with pytest.raises(RemindersStopped, match="after 1 of 3; the drafts of this round were"):
        returns.draft_reminders(progress=lambda *s: steps.append(s), cancelled=lambda: bool(steps))
    assert steps == [(1, 3, "1 of 3 reminders drafted")]
    count, folder = returns.draft_reminders()  # the stopped round left nothing behind
    assert count == 3 and len(list(Path(folder).glob("*-reminder-1.eml"))) == 3
    assert not list(Path(folder).glob("*-reminder-2.eml"))
    assert returns.status(today=DUE + timedelta(days=1)).counts()["overdue"] == 3
    with pytest.raises(ValidationError):
        returns.apply_defaults(today=DUE)
    returns.apply_defaults(today=DUE + timedelta(days=1))
    assert _active(ctx, "048-078") == 1 and _active(ctx, "N04567") == 0
    status = returns.status()
    assert status.closed and status.counts()["defaulted"] == 3
    with pytest.raises(ConflictError):
        returns.apply_defaults(today=DUE + timedelta(days=2))


def test_keep_default_changes_no_grant(ctx, directory) -> None:
    CampaignService(ctx).start(_scope(entity_kinds=("lea",)))
    ReviewReturns(ctx).apply_defaults(today=DUE + timedelta(days=1))
    assert _active(ctx, "048-078") == 5
