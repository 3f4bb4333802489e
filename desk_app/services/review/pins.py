"""Security PINs: issue / reissue with a mailer letter, and the keyed-PIN check with lock-out.

A PIN is kept only as an Argon2id hash of ``HMAC-SHA256(pepper, PIN)``; the pepper is a random
key in the secret store ("pin-pepper"), so a copied database alone cannot be used to guess PINs.
The clear PIN exists in memory while the mailer letter is drawn, is returned only inside that
letter, and is never stored, shown again, audited or logged.

A check costs about 100 ms on purpose (Argon2 parameters in :mod:`desk_app.rules.verification`)
and must run off the GUI thread. The consecutive-failure counter is a database column, so a
restart does not reset it; reaching ``settings["pin_max_failures"]`` locks the PIN until reissued.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets as _random
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.errors import KnownError, NotFound
from desk_app.models import auditchain as audit
from desk_app.models.base import utcnow
from desk_app.models.entities import EducationalEntity
from desk_app.models.people import EntityOfficer, OfficerRole
from desk_app.rules.permissions import Perm
from desk_app.rules.verification import (
    ARGON2_MEMORY_KIB,
    ARGON2_PARALLELISM,
    ARGON2_TIME_COST,
    PIN_DIGITS,
    normalise_pin,
    pin_problem,
)
from desk_app.secrets import SecretStore, get_or_create_key
from desk_app.services.context import Area, Changes, ServiceContext

if TYPE_CHECKING:  # reportlab loads with the first PIN letter, not with the review pane
    from desk_app.pdf.letters import Addressee

PEPPER_KEY = "pin-pepper"

_hasher = PasswordHasher(
    time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB, parallelism=ARGON2_PARALLELISM
)


class PinOutcome(StrEnum):
    """What a PIN check found (audited; never the PIN)."""

    MATCH = "match"
    MISMATCH = "mismatch"
    LOCKED = "locked"  # too many failures: no comparison was made
    NO_PIN = "no_pin"  # the entity has no PIN on file
    NOT_KEYED = "not_keyed"  # the form's PIN box is empty


@dataclass(frozen=True)
class PinCheck:
    """The result of checking one keyed PIN (never the PIN itself)."""

    outcome: PinOutcome
    failures: int
    max_failures: int
    locked: bool

    @property
    def remaining(self) -> int:
        return max(0, self.max_failures - self.failures)


@dataclass(frozen=True)
class IssuedPin:
    """A new PIN's mailer letter, returned once; the PIN is inside the PDF and nowhere else."""

    entity_id: str
    entity_code: str
    issued_at: datetime
    letter_pdf: bytes
    changes: Changes


def _peppered(secrets: SecretStore, pin: str) -> str:
    """The PIN as people type it (spaces, dashes, letter case) is normalised first, so the hash
    of the drawn PIN and of the keyed one meet; UTF-8 so a stray character fails, not crashes."""
    pepper = get_or_create_key(secrets, PEPPER_KEY)
    return hmac.new(pepper, normalise_pin(pin).encode("utf-8"), hashlib.sha256).hexdigest()


def hash_pin(secrets: SecretStore, pin: str) -> str:
    """Argon2id hash of the peppered PIN (what ``EducationalEntity.pin_hash`` holds)."""
    return _hasher.hash(_peppered(secrets, pin))


def pin_matches(secrets: SecretStore, stored_hash: str, keyed: str) -> bool:
    """Compare a keyed PIN with a stored hash (the slow part: about 100 ms)."""
    try:
        return _hasher.verify(stored_hash, _peppered(secrets, keyed))
    except VerifyMismatchError:
        return False
    except (InvalidHashError, VerificationError) as exc:
        raise KnownError("the stored PIN hash is damaged", hint="reissue the entity's PIN") from exc


def draw_pin(entity_code: str, digits: int = PIN_DIGITS) -> str:
    """A random PIN of ``digits`` digits that :func:`pin_problem` accepts."""
    while True:
        pin = str(_random.randbelow(10**digits)).zfill(digits)
        if pin_problem(pin, entity_code) is None:
            return pin


def _entity(session: Session, entity_id: str | uuid.UUID) -> EducationalEntity:
    entity = session.get(EducationalEntity, uuid.UUID(str(entity_id)))
    if entity is None or entity.deleted_at is not None:
        raise NotFound("that entity no longer exists")
    return entity


def _superintendent(session: Session, entity: EducationalEntity, on: date) -> Addressee:
    """The superintendent in office; an entity without one (a nonpublic school) gets the letter
    at its authorized representative."""
    from desk_app.pdf.letters import Addressee

    officers = (
        session.execute(
            select(EntityOfficer)
            .where(EntityOfficer.entity_id == entity.id, EntityOfficer.deleted_at.is_(None))
            .order_by(EntityOfficer.start_date.desc())
        )
        .scalars()
        .all()
    )
    in_office = [o for o in officers if o.in_office(on)]
    for role in (OfficerRole.SUPERINTENDENT, OfficerRole.AUTHORIZED_REPRESENTATIVE):
        current = next((o for o in in_office if o.role == role.value), None)
        if current is not None:
            default = (
                "Superintendent"
                if role is OfficerRole.SUPERINTENDENT
                else "Authorized Representative"
            )
            lines = tuple(x for x in (entity.address, entity.city) if x)
            return Addressee(
                current.person.full_name, current.person.title or default, entity.name, lines
            )
    raise KnownError(
        f"{entity.code} has no superintendent or authorized representative on file",
        hint="record the superintendent on the entity before issuing a PIN",
    )


def issue_pin(ctx: ServiceContext, entity_id: str, write_letter: Path | None = None) -> IssuedPin:
    """Issue (or reissue) an entity's PIN; clears the failure counter and any lock.

    Args:
        write_letter: also write the letter to this file before the new PIN is committed.

    Returns:
        The mailer letter to the superintendent as PDF bytes, the only copy of the PIN.

    Raises:
        KnownError: the entity has no superintendent on file, or the letter cannot be written.
    """
    ctx.require(Perm.MANAGE_PINS)
    with ctx.uow() as uow:
        entity = _entity(uow.session, entity_id)
        to = _superintendent(uow.session, entity, date.today())
        pin = draw_pin(entity.code)
        reissue = entity.pin_hash is not None
        now = utcnow()
        entity.pin_hash = hash_pin(ctx.secrets, pin)
        entity.pin_issued_at = now
        entity.pin_failures = 0
        entity.pin_locked_at = None
        from desk_app.pdf.letters import pin_mailer

        letter = pin_mailer(to, entity.code, pin, now.date())
        del pin
        if write_letter is not None:
            _write(write_letter, letter)
        audit.record(
            uow,
            "pin.reissue" if reissue else "pin.issue",
            record_type="educational_entity",
            record_id=entity.id,
            summary=f"{entity.code}: security PIN {'reissued' if reissue else 'issued'}; "
            f"mailer letter to {to.name}",
            details={"superintendent": to.name},
        )
        uow.commit()
        return IssuedPin(
            str(entity.id),
            entity.code,
            now,
            letter,
            Changes.of(Area.ENTITIES, Area.PINS, ids=(entity.id,)),
        )


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise KnownError(f"cannot write the letter to {path}: {exc.strerror}") from exc


def check_pin(
    ctx: ServiceContext,
    entity_id: str,
    keyed: str,
    submission_id: str | None = None,
    *,
    count: bool = True,
) -> PinCheck:
    """Check a PIN keyed from a form; counts failures, locks, audits the outcome (never the PIN).

    The slow comparison runs outside the database transaction so it never holds a write lock.
    Must not run on the GUI thread (views call it through ``desk_app.views.ops``).

    Args:
        count: False when this submission's failure was already counted against the current PIN
            (verifying the same form again is not a new attempt); the attempt is still audited.
    """
    outcome, stored = compare_pin(ctx, entity_id, keyed)
    return record_attempt(ctx, entity_id, outcome, stored if count else None, submission_id)


def compare_pin(ctx: ServiceContext, entity_id: str, keyed: str) -> tuple[PinOutcome, str | None]:
    """The slow comparison only (reads, never writes: safe on a worker thread); returns the
    outcome and the hash compared, for :func:`record_attempt` on the writing thread."""
    ctx.require(Perm.WORK_QUEUE)
    keyed = normalise_pin(keyed)
    with ctx.store.read() as s:
        entity = _entity(s, entity_id)
        stored, locked = entity.pin_hash, entity.pin_locked_at is not None
    if not keyed:
        outcome = PinOutcome.NOT_KEYED
    elif stored is None:
        outcome = PinOutcome.NO_PIN
    elif locked:
        outcome = PinOutcome.LOCKED
    else:
        outcome = (
            PinOutcome.MATCH if pin_matches(ctx.secrets, stored, keyed) else PinOutcome.MISMATCH
        )
    return outcome, stored


def record_attempt(
    ctx: ServiceContext,
    entity_id: str,
    outcome: PinOutcome,
    checked_hash: str | None,
    submission_id: str | None,
) -> PinCheck:
    """Count and audit one PIN attempt (the write, on the caller's thread: the writer).

    ``checked_hash`` is the hash compared, or None when this attempt is not counted."""
    limit = int(ctx.settings["pin_max_failures"])
    with ctx.uow() as uow:
        entity = _entity(uow.session, entity_id)
        # checked_hash differs when the PIN was reissued during the comparison (or not counting)
        if outcome is PinOutcome.MISMATCH and entity.pin_hash == checked_hash:
            entity.pin_failures = (entity.pin_failures or 0) + 1
            if entity.pin_failures >= limit and entity.pin_locked_at is None:
                entity.pin_locked_at = utcnow()
                audit.record(
                    uow,
                    "pin.lock",
                    record_type="educational_entity",
                    record_id=entity.id,
                    summary=f"{entity.code}: security PIN locked after {entity.pin_failures} "
                    "consecutive failures",
                )
        elif outcome is PinOutcome.MATCH and entity.pin_hash == checked_hash:
            entity.pin_failures = 0
        audit.record(
            uow,
            "pin.check",
            record_type="educational_entity",
            record_id=entity.id,
            summary=f"{entity.code}: PIN check {outcome.value}",
            details={
                "outcome": outcome.value,
                "failures": entity.pin_failures,
                "submission_id": submission_id or "",
            },
        )
        uow.commit()
        return PinCheck(outcome, entity.pin_failures, limit, entity.pin_locked_at is not None)


def issue_pin_to_file(ctx: ServiceContext, entity_id: str, path: str) -> Changes:
    """Issue (or reissue) the PIN and write its mailer letter to ``path`` in one step.

    The view calls this on a worker thread, so the letter (and the PIN in it) never passes
    through the GUI. The file is written before the new PIN is committed: if the disk refuses
    it, the old PIN stays in force.

    Raises:
        KnownError: no officer to address the letter to, or the file cannot be written.
    """
    target = Path(path)
    ctx.require(Perm.MANAGE_PINS)
    if not target.parent.is_dir():
        raise KnownError(f"the folder {target.parent} does not exist")
    issued = issue_pin(ctx, entity_id, write_letter=target)
    return issued.changes
