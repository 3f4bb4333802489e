"""Reads of closed columns follow the roles, on the real central PostgreSQL.

No operator login SELECTs a closed column (SSN / date-of-birth ciphertexts and their look-up
hash, PIN hashes and their state, a submission's values with a sealed PIN) directly; the one
read path, ``desk_read_rows``, leaves out what the caller's central role may not read; and a
workstation stores what it was given without corrupting its own rows.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from desk_app.errors import KnownError
from desk_app.models import auditchain as audit
from desk_app.models.base import utcnow
from desk_app.models.educators import Educator
from desk_app.models.entities import EducationalEntity
from desk_app.models.submissions import FormSubmission
from desk_app.models.sync_state import OutboxEntry, SyncConflict
from desk_app.sync.authority import TABLE_ROLES
from desk_app.sync.closed import CLOSED_COLUMNS, WITHHELD, unreadable_by_writers
from tests.sync.helpers import SSN_CIPHER, add_educator, add_entity, edit, get

SEALED_PIN = "sealed:v1:c2VhbGVkIHVuZGVyIHRoZSBkYXRhIGtleQ=="


@pytest.fixture
def ws_d(enrol, make_workstation):
    """An Auditor's workstation (dave, SCRAM)."""
    enrol("dave", "auditor")
    return make_workstation("ws-d", "dave", "auditor")


def _submission(ws, entity_id: uuid.UUID) -> uuid.UUID:
    with ws.ctx.uow() as uow:
        sub = FormSubmission(
            channel="fax",
            received_at=utcnow(),
            entity_id=entity_id,
            values={"pin": SEALED_PIN, "user_1_email": "pat@example.org"},
        )
        uow.session.add(sub)
        uow.commit()
        return sub.id


@pytest.fixture
def world(ws_a, ws_carol):
    """alice (Security Administrator) keeps an entity with its PIN and a faxed form with a sealed
    PIN; carol (Certification Specialist) keeps an educator's profile; both synced."""
    entity = add_entity(ws_a, "048-078", "Cedar Valley R-II")
    edit(ws_a, EducationalEntity, entity, pin_hash="argon2id$mailed-pin", pin_failures=2)
    submission = _submission(ws_a, entity)
    ws_a.sync()
    educator = add_educator(ws_carol)
    ws_carol.sync()
    ws_a.sync()
    return {"entity": entity, "submission": submission, "educator": educator}


READS = [
    "SELECT pin_hash FROM educational_entity",
    "SELECT pin_failures FROM educational_entity",
    "SELECT * FROM educational_entity",
    "SELECT ssn_cipher FROM educator",
    "SELECT identity_hash FROM educator",
    "SELECT to_jsonb(e) FROM educator e",
    'SELECT "values" FROM form_submission',
    "SELECT data FROM sync_blob",
]


@pytest.mark.parametrize("statement", READS)
def test_no_operator_login_reads_a_closed_column_directly(ws_a, ws_carol, ws_d, statement) -> None:
    for ws in (ws_a, ws_carol, ws_d):  # whatever the role, even one that may read it
        with pytest.raises(DBAPIError, match="permission denied"):
            with ws.server.engine.connect() as conn:
                conn.exec_driver_sql(statement)


def test_open_columns_stay_readable_directly(world, ws_d) -> None:
    with ws_d.server.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT code, name, pin_issued_at FROM educational_entity")
        assert [r[0] for r in rows] == ["048-078"]
        assert conn.exec_driver_sql("SELECT last_name FROM educator").scalar() == "Baker"


def _central(ws, name: str, row_id: uuid.UUID) -> dict:
    found = ws.server.row(name, row_id.hex)
    assert found is not None
    return found[1]


def test_each_role_reads_through_the_server_what_it_may(world, ws_a, ws_carol, ws_d) -> None:
    entity, educator = world["entity"], world["educator"]
    submission = world["submission"]
    # the Security Administrator checks PINs: the PIN hash, not the SSN
    assert _central(ws_a, "educational_entity", entity)["pin_hash"] == "argon2id$mailed-pin"
    assert "ssn_cipher" not in _central(ws_a, "educator", educator)
    assert _central(ws_a, "form_submission", submission)["values"]["pin"] == SEALED_PIN
    # the Certification Specialist sees closed data and works the queue
    mine = _central(ws_carol, "educator", educator)
    assert mine["ssn_cipher"] == "\\x" + SSN_CIPHER.hex() and mine["identity_hash"] == "a" * 64
    assert _central(ws_carol, "educational_entity", entity)["pin_hash"] == "argon2id$mailed-pin"
    # the Auditor neither
    theirs = _central(ws_d, "educator", educator)
    assert {"ssn_cipher", "dob_cipher", "identity_hash"}.isdisjoint(theirs)
    assert theirs["last_name"] == "Baker"
    school = _central(ws_d, "educational_entity", entity)
    assert {"pin_hash", "pin_failures", "pin_locked_at"}.isdisjoint(school)
    assert school["name"] == "Cedar Valley R-II"
    form = _central(ws_d, "form_submission", submission)
    assert form["values"] == {"user_1_email": "pat@example.org"}  # the sealed PIN left out


def test_an_auditors_pull_brings_what_it_may_read_and_nothing_more(world, ws_d, owner) -> None:
    with ws_d.ctx.uow() as uow:  # an Auditor's own actions are traced centrally too
        audit.record(uow, "disclosure.export", summary="a disclosure for a records request")
        uow.commit()
    summary = ws_d.sync()
    assert summary.pulled > 0 and summary.conflicts == 0 and summary.pending == 0
    school = get(ws_d, EducationalEntity, world["entity"])
    assert school.name == "Cedar Valley R-II"
    assert school.pin_hash is None and school.pin_failures == 0
    profile = get(ws_d, Educator, world["educator"])
    assert profile.last_name == "Baker" and profile.ssn_cipher == b""
    assert profile.identity_hash == WITHHELD + world["educator"].hex
    assert get(ws_d, FormSubmission, world["submission"]).values == {
        "user_1_email": "pat@example.org"
    }
    with owner.engine.connect() as conn:
        pushed = conn.exec_driver_sql(
            "SELECT action FROM audit_event WHERE workstation_id = 'ws-d'"
        ).all()
    assert ("disclosure.export",) in pushed


def test_a_withheld_column_keeps_the_workstations_own_value_on_update(
    world, ws_a, ws_carol, owner
) -> None:
    educator = world["educator"]
    assert get(ws_a, Educator, educator).ssn_cipher == b""  # withheld from the administrator
    with ws_a.store.engine.begin() as conn:  # a value this workstation had before, say
        conn.execute(
            text("UPDATE educator SET ssn_cipher = x'6c6f63616c' WHERE id = :i"),
            {"i": educator.hex},
        )
    edit(ws_carol, Educator, educator, last_name="Baker-Hill")
    ws_carol.sync()
    ws_a.sync()
    profile = get(ws_a, Educator, educator)
    assert profile.last_name == "Baker-Hill" and profile.ssn_cipher == b"local"
    with ws_a.store.read() as s:  # nothing to send back, nothing in dispute
        assert (
            s.scalars(select(OutboxEntry).where(OutboxEntry.table_name == "educator")).all() == []
        )
        assert s.scalars(select(SyncConflict)).all() == []
    with owner.engine.connect() as conn:  # and the central profile is untouched by any of it
        assert conn.exec_driver_sql("SELECT ssn_cipher, last_name FROM educator").one() == (
            SSN_CIPHER,
            "Baker-Hill",
        )


def test_no_role_may_change_a_table_whose_closed_columns_it_may_not_read() -> None:
    assert unreadable_by_writers(TABLE_ROLES) == []
    assert unreadable_by_writers({"educator": frozenset({"security_admin"})}) == [
        f"educator.{c} (changed but not read by security_admin)"
        for (t, c) in sorted(CLOSED_COLUMNS)
        if t == "educator"
    ]


def test_document_originals_open_only_for_roles_that_read_pins(ws_a, ws_carol, ws_d, owner) -> None:
    sha = "ab" * 32
    with owner.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO sync_blob (sha256, size, data, workstation) "
            "VALUES (%(s)s, 3, '\\x010203', 'ws-a')",
            {"s": sha},
        )
    assert ws_a.server.get_blob(sha) == b"\x01\x02\x03"
    assert ws_carol.server.get_blob(sha) == b"\x01\x02\x03"
    with pytest.raises(KnownError, match="an auditor may not open document originals"):
        ws_d.server.get_blob(sha)
    with ws_d.server.engine.connect() as conn:  # what it may know: that the server holds it
        assert conn.exec_driver_sql("SELECT size FROM sync_blob").scalar() == 3


def test_an_auditor_changing_anything_but_its_own_audit_events_is_refused(
    ws_a, ws_d, owner
) -> None:
    eid = add_entity(ws_a, "048-078", "Cedar Valley R-II")
    ws_a.sync()
    ws_d.sync()
    edit(ws_d, EducationalEntity, eid, city="Ozark")  # also writes an audit event
    summary = ws_d.sync()
    assert summary.conflicts == 1 and summary.pending == 0
    with ws_d.store.read() as s:
        [reason] = s.scalars(select(SyncConflict.reason).where(SyncConflict.resolved_at.is_(None)))
    assert "an auditor may not change educational entity" in reason
    with owner.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT city FROM educational_entity").scalar() == ""
        assert (
            conn.exec_driver_sql(
                "SELECT count(*) FROM audit_event WHERE workstation_id = 'ws-d'"
            ).scalar()
            >= 1
        )
