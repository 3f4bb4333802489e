"""Security PINs: trivial PINs refused, issue with a mailer letter, check, lock-out across a restart."""

from __future__ import annotations

import logging
import time
import uuid

import pymupdf as fitz
import pytest
from sqlalchemy import select

from desk_app.app import open_workstation_store
from desk_app.errors import PermissionDenied
from desk_app.models.audit import AuditEvent
from desk_app.models.entities import EducationalEntity
from desk_app.rules.verification import pin_problem
from desk_app.services.context import ServiceContext
from desk_app.services.review import pins
from desk_app.services.review.pins import PinOutcome


@pytest.mark.parametrize(
    "pin",
    [
        "111111",
        "121212",
        "123456",
        "987654",
        "12345678",
        "01021985",
        "20240315",
        "031524",
        "048078",
        "99048078",
        "12ab56",
        "12345",
    ],
)
def test_trivial_pins_are_refused(pin: str) -> None:
    assert pin_problem(pin, "048-078") is not None


@pytest.mark.parametrize("pin", ["58203917", "739158", "40617283"])
def test_ordinary_pins_are_accepted(pin: str) -> None:
    assert pin_problem(pin, "048-078") is None


def test_drawn_pins_are_never_trivial() -> None:
    for _ in range(300):
        pin = pins.draw_pin("048-078")
        assert len(pin) >= 6 and pin.isdigit() and pin_problem(pin, "048-078") is None


def _letter_pin(letter: bytes) -> str:
    text = fitz.open(stream=letter, filetype="pdf")[0].get_text()
    line = next(
        x
        for x in text.splitlines()
        if x.replace(" ", "").isdigit() and len(x.replace(" ", "")) >= 6
    )
    return line.replace(" ", "")


def test_issue_returns_the_pin_only_in_the_letter(ctx: ServiceContext, world, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    issued = pins.issue_pin(ctx, world.lea_id)
    assert issued.letter_pdf.startswith(b"%PDF")
    text = fitz.open(stream=issued.letter_pdf, filetype="pdf")[0].get_text()
    assert "Jane Doe" in text and "048-078" in text
    pin = _letter_pin(issued.letter_pdf)
    assert pin_problem(pin) is None
    with ctx.store.read() as s:
        entity = s.get(EducationalEntity, uuid.UUID(world.lea_id))
        assert (
            entity.pin_hash
            and pin not in entity.pin_hash
            and entity.pin_hash.startswith("$argon2id$")
        )
        events = s.execute(
            select(AuditEvent.summary, AuditEvent.details).where(AuditEvent.action == "pin.issue")
        ).all()
    assert len(events) == 1
    assert pin not in events[0][0] and pin not in str(events[0][1])
    assert pin not in caplog.text
    assert ctx.secrets.get("pin-pepper")  # the pepper was created on first use


def test_check_matches_and_costs_between_50_and_500_ms(ctx: ServiceContext, world) -> None:
    pin = _letter_pin(pins.issue_pin(ctx, world.lea_id).letter_pdf)
    t0 = time.perf_counter()
    result = pins.check_pin(ctx, world.lea_id, pin)
    elapsed = (time.perf_counter() - t0) * 1000
    assert result.outcome is PinOutcome.MATCH and result.failures == 0
    assert 50 <= elapsed <= 1500  # the shared 2-core machine may be busy; the bench holds 500
    assert pins.check_pin(ctx, world.lea_id, "").outcome is PinOutcome.NOT_KEYED


def test_pepper_is_part_of_the_hash(ctx: ServiceContext, world) -> None:
    pin = _letter_pin(pins.issue_pin(ctx, world.lea_id).letter_pdf)
    ctx.secrets.set("pin-pepper", "b3RoZXItcGVwcGVyLW90aGVyLXBlcHBlci1vdGhlci1wZXA=")
    assert pins.check_pin(ctx, world.lea_id, pin).outcome is PinOutcome.MISMATCH


def test_lockout_survives_a_restart_and_reissue_unlocks(
    ctx: ServiceContext, world, app_paths, make_ctx
) -> None:
    ctx.settings["pin_max_failures"] = 3
    pin = _letter_pin(pins.issue_pin(ctx, world.lea_id).letter_pdf)
    wrong = "58203917" if pin != "58203917" else "739158"
    assert pins.check_pin(ctx, world.lea_id, wrong).failures == 1
    assert pins.check_pin(ctx, world.lea_id, wrong).failures == 2
    ctx.store.dispose()
    # restart: a new store over the same file; the counter comes back from the database
    reopened = open_workstation_store(app_paths.database, backups=app_paths.backups)
    ctx2 = ServiceContext(
        store=reopened, actor=ctx.actor, secrets=ctx.secrets, settings=ctx.settings, paths=app_paths
    )
    third = pins.check_pin(ctx2, world.lea_id, wrong)
    assert third.failures == 3 and third.locked
    # locked: even the right PIN is refused without comparing
    assert pins.check_pin(ctx2, world.lea_id, pin).outcome is PinOutcome.LOCKED
    with reopened.read() as s:
        actions = [
            a
            for (a,) in s.execute(
                select(AuditEvent.action)
                .where(AuditEvent.action.like("pin.%"))
                .order_by(AuditEvent.seq)
            )
        ]
    assert actions == ["pin.issue", "pin.check", "pin.check", "pin.lock", "pin.check", "pin.check"]
    new_pin = _letter_pin(pins.issue_pin(ctx2, world.lea_id).letter_pdf)
    assert pins.check_pin(ctx2, world.lea_id, new_pin).outcome is PinOutcome.MATCH
    reopened.dispose()


def test_success_resets_the_consecutive_count(ctx: ServiceContext, world) -> None:
    pin = _letter_pin(pins.issue_pin(ctx, world.lea_id).letter_pdf)
    pins.check_pin(ctx, world.lea_id, "58203917" if pin != "58203917" else "739158")
    assert pins.check_pin(ctx, world.lea_id, pin).failures == 0


def test_auditors_cannot_issue_pins(make_ctx, world) -> None:
    with pytest.raises(PermissionDenied):
        pins.issue_pin(make_ctx(role="auditor"), world.lea_id)


def test_without_a_superintendent_the_letter_goes_to_the_authorized_representative(
    ctx, world
) -> None:
    from datetime import date

    from desk_app.errors import KnownError
    from desk_app.models.people import EntityOfficer, Person

    with pytest.raises(KnownError, match="no superintendent"):
        pins.issue_pin(ctx, world.public_id)
    with ctx.uow() as uow:
        rep = Person(first_name="Maria", last_name="Lopez")
        uow.session.add(rep)
        uow.session.flush()
        uow.session.add(
            EntityOfficer(
                entity_id=uuid.UUID(world.public_id),
                person_id=rep.id,
                role="authorized_representative",
                start_date=date(2024, 1, 1),
            )
        )
        uow.commit()
    letter = pins.issue_pin(ctx, world.public_id).letter_pdf
    assert "Maria Lopez" in fitz.open(stream=letter, filetype="pdf")[0].get_text()


def test_a_letter_that_cannot_be_written_leaves_the_old_pin(ctx, world, tmp_path) -> None:
    from desk_app.errors import KnownError

    pin = _letter_pin(pins.issue_pin(ctx, world.lea_id).letter_pdf)
    (tmp_path / "taken").mkdir()
    with pytest.raises(KnownError, match="cannot write the letter"):
        pins.issue_pin_to_file(ctx, world.lea_id, str(tmp_path / "taken"))  # a folder, not a file
    assert pins.check_pin(ctx, world.lea_id, pin).outcome is PinOutcome.MATCH
    pins.issue_pin_to_file(ctx, world.lea_id, str(tmp_path / "letter.pdf"))
    new_pin = _letter_pin((tmp_path / "letter.pdf").read_bytes())
    assert new_pin != pin and pins.check_pin(ctx, world.lea_id, new_pin).outcome is PinOutcome.MATCH
