"""Two workstations and one central PostgreSQL: capture, push, pull, merges and conflicts."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from desk_app.errors import NotFound, ValidationError
from desk_app.models.access import RoleGrant
from desk_app.models.audit import AuditEvent
from desk_app.models.base import utcnow
from desk_app.models.educators import Educator
from desk_app.models.entities import EducationalEntity
from desk_app.models.submissions import FormSubmission, SubmissionDocument
from desk_app.models.sync_state import OutboxEntry, SyncConflict
from desk_app.services.sync.service import SyncService
from desk_app.sync.blobs import fetch_blob
from desk_app.sync.push import select_batch
from tests.sync.helpers import add_entity, add_grant, assert_converged, edit, get


def _outbox(ws) -> list[OutboxEntry]:
    with ws.store.read() as s:
        rows = s.scalars(select(OutboxEntry).order_by(OutboxEntry.seq)).all()
        s.expunge_all()
        return list(rows)


def test_outbox_captures_inserts_updates_and_soft_deletes_in_the_same_transaction(ws_a) -> None:
    eid = add_entity(ws_a, "048-078", "Cedar Valley R-II")
    inserted = [e for e in _outbox(ws_a) if e.table_name == "educational_entity"]
    assert [(e.op, e.base_version, e.new_version) for e in inserted] == [("insert", 0, 1)]
    edit(ws_a, EducationalEntity, eid, city="Ozark", phone="417-555-0100")
    with ws_a.ctx.uow() as uow:
        uow.session.get(EducationalEntity, eid).soft_delete()
        uow.rollback()  # an abandoned transaction leaves no outbox entry behind
    with ws_a.ctx.uow() as uow:
        uow.session.get(EducationalEntity, eid).soft_delete()
        uow.commit()
    entries = [e for e in _outbox(ws_a) if e.table_name == "educational_entity"]
    assert [(e.op, e.base_version, e.new_version) for e in entries] == [
        ("insert", 0, 1),
        ("update", 1, 2),
        ("delete", 2, 3),
    ]
    assert sorted(entries[1].columns) == ["city", "phone"] and entries[2].columns == ["deleted_at"]
    assert len({e.change_id for e in _outbox(ws_a)}) == len(_outbox(ws_a))
    with ws_a.store.session_factory() as session:  # rows written by the sync engine: not captured
        session.info["applying_remote"] = True
        session.get(EducationalEntity, eid).city = "Nixa"
        session.commit()
    assert len([e for e in _outbox(ws_a) if e.table_name == "educational_entity"]) == 3


def test_two_workstations_converge_and_merge_different_fields(ws_a, ws_b, server) -> None:
    eid = add_entity(ws_a, "048-078", "Cedar Valley R-II")
    ws_a.sync()
    ws_b.sync()
    assert get(ws_b, EducationalEntity, eid).name == "Cedar Valley R-II"
    edit(ws_a, EducationalEntity, eid, phone="417-555-0100")
    edit(ws_b, EducationalEntity, eid, city="Ozark")
    ws_b.sync()
    summary = ws_a.sync()
    assert summary.merged == 1 and summary.conflicts == 0
    ws_b.sync()
    for ws in (ws_a, ws_b):
        row = get(ws, EducationalEntity, eid)
        assert (row.phone, row.city) == ("417-555-0100", "Ozark")
    assert_converged(server, ws_a, ws_b)


def test_same_field_edited_on_both_sides_is_a_conflict_and_never_overwritten(
    ws_a, ws_b, server
) -> None:
    eid = add_entity(ws_a, "048-078", "Cedar Valley R-II")
    ws_a.sync(), ws_b.sync()
    edit(ws_a, EducationalEntity, eid, city="Ozark")
    edit(ws_b, EducationalEntity, eid, city="Nixa")
    ws_b.sync()
    assert ws_a.sync().conflicts == 1
    assert server.row("educational_entity", eid.hex)[1]["city"] == "Nixa"
    assert get(ws_a, EducationalEntity, eid).city == "Ozark"  # mine kept until someone decides
    service = SyncService(ws_a.ctx)
    assert service.record_state("educational_entity", str(eid)) == "conflict"
    [conflict] = service.conflicts()
    city = next(f for f in conflict.fields if f.column == "city")
    assert (city.mine, city.theirs, city.mine_changed, city.theirs_changed) == (
        "Ozark",
        "Nixa",
        True,
        True,
    )
    with ws_a.store.read() as s:
        assert s.scalars(select(AuditEvent).where(AuditEvent.action == "sync.conflict")).first()
    service.resolve(conflict.id, "theirs")
    assert get(ws_a, EducationalEntity, eid).city == "Nixa"
    assert (
        service.status().conflicts == 0
        and service.record_state("educational_entity", str(eid)) == "synced"
    )
    ws_a.sync(), ws_b.sync()
    assert_converged(server, ws_a, ws_b)
    with pytest.raises(NotFound):
        service.resolve(conflict.id, "mine")


def test_grants_never_merge_and_keep_mine_wins_after_a_decision(ws_a, ws_b, server) -> None:
    eid = add_entity(ws_a, "048-078", "Cedar Valley R-II")
    gid = add_grant(ws_a, eid)
    ws_a.sync(), ws_b.sync()
    edit(ws_a, RoleGrant, gid, revoked_at=utcnow())  # A revokes
    edit(ws_b, RoleGrant, gid, granted_at=utcnow() - timedelta(days=1))  # B touches another column
    ws_b.sync()
    assert ws_a.sync().conflicts == 1
    service = SyncService(ws_a.ctx)
    [conflict] = service.conflicts()
    assert "never merged" in conflict.reason
    assert server.row("role_grant", gid.hex)[1]["revoked_at"] is None  # not silently applied
    edit(ws_a, RoleGrant, gid, revoked_at=utcnow())  # a later edit while in conflict is held back
    held = ws_a.sync()
    assert held.pushed == 1 and held.pending == 1  # only the audit event went
    service.resolve(conflict.id, "mine")
    ws_a.sync(), ws_b.sync()
    assert get(ws_b, RoleGrant, gid).revoked_at is not None
    assert_converged(server, ws_a, ws_b)


def test_pin_and_certificate_status_changes_conflict_even_on_other_columns(
    ws_a, ws_b, server
) -> None:
    eid = add_entity(ws_a, "048-078", "Cedar Valley R-II")
    ws_a.sync(), ws_b.sync()
    edit(ws_a, EducationalEntity, eid, pin_hash="$argon2id$v=19$fake", pin_issued_at=utcnow())
    edit(ws_b, EducationalEntity, eid, phone="417-555-0100")
    ws_b.sync()
    assert ws_a.sync().conflicts == 1
    service = SyncService(ws_a.ctx)
    [conflict] = service.conflicts()
    pin = next(f for f in conflict.fields if f.column == "pin_hash")
    assert pin.mine == "(PIN set)" and "argon2" not in pin.mine
    service.resolve(conflict.id, "merge", take_mine=("pin_hash", "pin_issued_at"))
    ws_a.sync(), ws_b.sync()
    row = get(ws_b, EducationalEntity, eid)
    assert row.pin_hash == "$argon2id$v=19$fake" and row.phone == "417-555-0100"
    assert_converged(server, ws_a, ws_b)


def test_same_change_pushed_twice_applies_once(ws_a, server) -> None:
    add_entity(ws_a, "048-078", "Cedar Valley R-II")
    with ws_a.store.engine.connect() as conn:
        groups = select_batch(conn, 100)
    server.enrol(ws_a.name)  # what a sync does first
    first = server.push_batch(groups, ws_a.name)
    second = server.push_batch(groups, ws_a.name)
    assert len(first.applied) == len(groups) and not first.already
    assert second.already == {g.key for g in groups} and not second.applied
    with server.engine.connect() as conn:
        logged = "SELECT count(*) FROM sync_change WHERE workstation <> 'server'"
        assert conn.exec_driver_sql(logged).scalar_one() == len(groups)


def test_ciphertexts_sync_as_is_and_decrypt_with_the_shared_key(
    ws_carol, ws_b, make_workstation
) -> None:
    from tests.sync.conftest import CERTS

    ws_c = ws_carol  # educators are a Certification Specialist's to change
    # carol's second workstation (a Security Administrator's pull has no SSN: test_closed_reads)
    ws_c2 = make_workstation("ws-c2", "carol", "certification_specialist", cert=CERTS["carol"])
    cipher = ws_c.ctx.cipher
    with ws_c.ctx.uow() as uow:
        educator = Educator(
            identity_hash=cipher.identity_hash("123-45-6789", "1980-02-03"),
            ssn_cipher=cipher.encrypt("123456789"),
            dob_cipher=cipher.encrypt("1980-02-03"),
            first_name="Ann",
            last_name="Lee",
            email="ann.lee@example.org",
        )
        uow.session.add(educator)
        uow.commit()
    ws_c.sync(), ws_c2.sync(), ws_b.sync()
    copy = get(ws_c2, Educator, educator.id)
    assert copy.ssn_cipher == educator.ssn_cipher
    assert ws_c2.ctx.cipher.decrypt(copy.ssn_cipher) == "123456789"
    assert get(ws_b, Educator, educator.id).ssn_cipher == b""  # withheld from bob


def test_documents_upload_before_their_rows_and_download_on_demand(ws_a, ws_b, server) -> None:
    from desk_app.intake.blobstore import BlobStore

    original = b"%PDF-1.7 access request, PIN 48213906 " + uuid.uuid4().bytes
    sha = ws_a.ctx.blobs().put(original)  # sealed with the agency key, as the app stores it
    with ws_a.ctx.uow() as uow:
        sub = FormSubmission(channel="fax", received_at=utcnow(), sha256=sha)
        uow.session.add(sub)
        uow.session.flush()
        uow.session.add(SubmissionDocument(submission_id=sub.id, sha256=sha, size=len(original)))
        uow.commit()
    assert ws_a.sync().blobs_sent == 1
    ws_b.sync()
    assert not (ws_b.paths.blobs / sha[:2] / sha).exists()  # not fetched until someone opens it
    path = fetch_blob(server, ws_b.paths.blobs, sha, ws_b.ctx.cipher)
    assert b"48213906" not in path.read_bytes()  # travelled and kept sealed
    assert BlobStore(ws_b.paths.blobs, ws_b.ctx.cipher).get(sha) == original
    with pytest.raises(NotFound):
        fetch_blob(server, ws_b.paths.blobs, "0" * 64)


def test_audit_anchor_detects_a_restored_old_database(ws_a, make_workstation, server) -> None:
    from desk_app.app import open_workstation_store
    from desk_app.errors import KnownError
    from desk_app.models.store import backup_sqlite
    from desk_app.sync.engine import RollbackDetected

    eid = add_entity(ws_a, "048-078", "Cedar Valley R-II")
    ws_a.sync()
    saved = backup_sqlite(ws_a.paths.database, ws_a.paths.backups, "old")
    edit(ws_a, EducationalEntity, eid, city="Ozark")
    ws_a.sync()
    ws_a.store.dispose()
    saved.replace(ws_a.paths.database)
    for suffix in ("-wal", "-shm"):
        ws_a.paths.database.with_name(ws_a.paths.database.name + suffix).unlink(missing_ok=True)
    ws_a.store = open_workstation_store(ws_a.paths.database)
    ws_a.ctx.store = ws_a.store
    with pytest.raises(RollbackDetected) as raised:
        ws_a.sync()
    assert isinstance(raised.value, KnownError) and "rolled back" in str(raised.value)
    history = SyncService(ws_a.ctx).history()
    assert history[0].status == "rollback"
    with ws_a.store.read() as s:
        assert s.scalars(
            select(AuditEvent).where(AuditEvent.action == "sync.rollback_detected")
        ).first()
    with server.engine.connect() as conn:
        assert conn.execute(text("SELECT seq FROM sync_audit_anchor")).scalar_one() >= 2


def test_conflicts_are_recorded_locally_with_both_versions(ws_a, ws_b) -> None:
    eid = add_entity(ws_a, "048-078", "Cedar Valley R-II")
    ws_a.sync(), ws_b.sync()
    edit(ws_a, EducationalEntity, eid, name="Cedar Valley R-2")
    edit(ws_b, EducationalEntity, eid, name="Cedar Valley R-II District")
    ws_a.sync()
    ws_b.sync()
    with ws_b.store.read() as s:
        c = s.scalars(select(SyncConflict)).one()
        assert (
            c.mine["name"] == "Cedar Valley R-II District"
            and c.theirs["name"] == "Cedar Valley R-2"
        )
        assert c.base_version == 1 and c.theirs_version == 2


def test_a_row_the_server_refuses_becomes_a_conflict_and_the_rest_still_syncs(
    ws_a, ws_b, server
) -> None:
    add_entity(ws_a, "048-001", "First district")
    ws_a.sync(), ws_b.sync()  # both share county 048 now
    mine_a = add_entity(ws_a, "048-078", "Cedar Valley R-II")
    other = add_entity(ws_b, "048-078", "Cedar Valley (typed again)")  # same code, offline
    ws_a.sync()
    summary = ws_b.sync()
    assert summary.conflicts == 1 and summary.pending == 0
    service = SyncService(ws_b.ctx)
    by_row = {c.row_id: c for c in service.conflicts()}
    assert "refused by the central database" in by_row[other.hex].reason
    assert "cannot be stored here" in by_row[mine_a.hex].reason  # A's row waits for the fix
    with pytest.raises(ValidationError):
        service.resolve(by_row[mine_a.hex].id, "mine")
    edit(ws_b, EducationalEntity, other, code="048-079")  # the operator fixes the code, keeps it
    service.resolve(by_row[other.hex].id, "mine")
    service.resolve(by_row[mine_a.hex].id, "theirs")
    ws_b.sync(), ws_a.sync()
    assert server.row("educational_entity", other.hex)[1]["code"] == "048-079"
    assert_converged(server, ws_a, ws_b)


def test_a_row_edited_between_reading_the_outbox_and_the_row_waits_for_the_next_batch(
    ws_a, server
) -> None:
    from desk_app.sync import push

    eid = add_entity(ws_a, "048-078", "Cedar Valley R-II")
    original = push.read_copy_lines

    def edit_in_between(conn, name, row_ids):
        if name == "educational_entity" and not getattr(edit_in_between, "done", False):
            edit_in_between.done = True
            edit(ws_a, EducationalEntity, eid, city="Ozark")  # commits between the two reads
        return original(conn, name, row_ids)

    push.read_copy_lines = edit_in_between
    try:
        with ws_a.store.engine.connect() as conn:
            groups = push.select_batch(conn, 100)
    finally:
        push.read_copy_lines = original
    assert "educational_entity" not in {g.table for g in groups}
    summary = ws_a.sync()
    assert summary.pending == 0 and summary.conflicts == 0
    assert server.row("educational_entity", eid.hex)[1]["city"] == "Ozark"


def test_rows_edited_twice_in_bulk_still_push_when_their_entries_outrun_the_window(
    ws_a, ws_b, server
) -> None:
    """Ten rows created, then all ten edited: with a window of four entries every row's second
    entry lies past it, so the streamed pass finds nothing whole; the whole-rows pass sends them."""
    from desk_app.sync.engine import SyncEngine

    ids = [add_entity(ws_a, f"048-{100 + i:03d}", f"District {i}") for i in range(10)]
    for i, eid in enumerate(ids):
        edit(ws_a, EducationalEntity, eid, city=f"Town {i}")
    engine = SyncEngine(
        ws_a.store,
        ws_a.actor,
        server,
        "central",
        ws_a.paths.blobs,
        push_batch=4,
        pull_batch=4,
        read_ahead=1,
    )
    summary = engine.run()
    assert summary.pending == 0 and summary.conflicts == 0
    assert (
        summary.pushed == 10 + 1 + 20
    )  # the rows (each as one group), the county, 20 audit events
    with server.engine.connect() as conn:
        logged = conn.exec_driver_sql(
            "SELECT row_version, cardinality(change_ids) FROM sync_change "
            "WHERE table_name = 'educational_entity'"
        ).all()
    assert sorted(logged) == [(2, 2)] * 10  # each row went once, whole: both its entries
    for i, eid in enumerate(ids):
        version, row = server.row("educational_entity", eid.hex)
        assert row["city"] == f"Town {i}" and version == 2
    ws_b.sync()
    assert_converged(server, ws_a, ws_b)


def test_a_pass_streams_batches_and_leaves_a_row_split_by_its_batch_for_later(
    ws_a, server, monkeypatch
) -> None:
    from desk_app.sync import push

    first = add_entity(ws_a, "048-201", "First")  # county, entity, audit event
    second = add_entity(ws_a, "048-202", "Second")  # entity, audit event
    edit(ws_a, EducationalEntity, first, city="Later")  # its second entry comes after batch 1
    monkeypatch.setattr(push, "STREAM_CHUNK", 2)  # entries read two at a time
    batches = list(push.pending(ws_a.store, limit=2, read_ahead=10))
    sent = [[(g.table, g.row_id) for g in b] for b in batches]
    # batch 1 (the county and the first row) was handed out before the first row's later entry
    # was read: that row is skipped as stale and not sent again in this pass; the rest went
    assert [len(b) for b in batches] == [1, 2, 2]
    assert ("educational_entity", first.hex) not in {k for b in sent for k in b}
    assert ("educational_entity", second.hex) in {k for b in sent for k in b}
    summary = ws_a.sync()
    assert summary.pending == 0
    assert server.row("educational_entity", first.hex)[1]["city"] == "Later"


def test_pull_brings_each_row_once_at_its_newest_version(ws_a, ws_b, server) -> None:
    eid = add_entity(ws_a, "048-301", "Oak Grove R-VI")
    ws_a.sync()
    edit(ws_a, EducationalEntity, eid, city="Oak Grove")
    ws_a.sync()
    with server.engine.connect() as conn:
        versions = [
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT row_version FROM sync_change WHERE row_id = %(id)s ORDER BY seq",
                {"id": eid},
            ).all()
        ]
    assert versions == [1, 2]  # the log names both versions...
    changes, last = server.pull(0, 100)
    mine = [c for c in changes if c.row_id == eid.hex]
    assert [(c.row_version, c.payload["city"]) for c in mine] == [
        (2, "Oak Grove")
    ]  # ...one row comes
    assert last == server.last_seq()
    ws_b.sync()
    assert get(ws_b, EducationalEntity, eid).city == "Oak Grove"
    assert server.pull(last, 100) == ([], last)


def _sync_dying_after_the_server_commit(ws) -> None:
    """A sync whose process stops right after the server committed a batch (outbox untouched)."""
    from desk_app.sync.faults import InjectedFault, set_hook

    def crash(name: str) -> None:
        if name == "push.server_committed":
            raise InjectedFault(name)

    set_hook(crash)
    try:
        with pytest.raises(InjectedFault):
            ws.sync()
    finally:
        set_hook(None)


def test_recovery_runs_only_after_a_run_that_did_not_end_well(ws_a, server, monkeypatch) -> None:
    from desk_app.sync import engine as engine_module

    calls: list[int] = []
    original = engine_module.recover
    monkeypatch.setattr(engine_module, "recover", lambda *a: calls.append(1) or original(*a))
    add_entity(ws_a, "048-302", "Pine Ridge")
    ws_a.sync()  # the first run ever: nothing can be in flight
    add_entity(ws_a, "048-303", "Elm Creek")
    ws_a.sync()  # after a clean run
    assert calls == []

    add_entity(ws_a, "048-304", "Birch Hollow")
    _sync_dying_after_the_server_commit(ws_a)
    summary = ws_a.sync()  # the server holds the batch; the outbox still lists it
    assert calls == [1]
    assert summary.pending == 0 and summary.conflicts == 0
    with server.engine.connect() as conn:
        twice = conn.exec_driver_sql(
            "SELECT row_id FROM sync_change GROUP BY row_id, row_version HAVING count(*) > 1"
        ).all()
    assert twice == []


def test_a_group_applied_before_a_crash_keeps_the_entries_captured_since(
    ws_a, server, monkeypatch
) -> None:
    """The server's own check (not the client's recovery) meets a re-sent group that has grown:
    only the entries the server had applied are settled; the later edit still goes."""
    from desk_app.sync import engine as engine_module

    eid = add_entity(ws_a, "048-401", "Maple Hill")
    ws_a.sync()
    edit(ws_a, EducationalEntity, eid, city="Ashland")

    _sync_dying_after_the_server_commit(ws_a)
    assert server.row("educational_entity", eid.hex)[1]["city"] == "Ashland"
    edit(ws_a, EducationalEntity, eid, city="Boonville")  # captured after the crash
    monkeypatch.setattr(engine_module, "recover", lambda *a: 0)  # leave it to the server's check
    summary = ws_a.sync()
    assert summary.pending == 0 and summary.conflicts == 0
    version, row = server.row("educational_entity", eid.hex)
    assert row["city"] == "Boonville" and version == get(ws_a, EducationalEntity, eid).row_version


AWKWARD = [
    "tab\there",
    "new\nline",
    "carriage\rreturn",
    "back\\slash",
    "\\N",
    "\\.",
    "ends with \\",
    "quote \" and apostrophe '",
    "{braces, commas}",
    "Ünïcödé — 学校 🏫",
    "",
    "   ",
]


def test_awkward_text_json_bytes_and_nulls_travel_unchanged(ws_a, ws_b, server) -> None:
    """Every kind of value goes as COPY text written by SQLite: it must arrive exactly."""
    ids = []
    with ws_a.ctx.uow() as uow:
        for i, text_value in enumerate(AWKWARD):
            sub = FormSubmission(
                channel="email",
                received_at=utcnow(),
                sha256=f"{i:064x}",
                sender=text_value,
                entity_name=text_value,
                claimed_at=utcnow() if i % 2 else None,
                values={
                    "note": text_value,
                    "nested": {"list": [text_value, None, 1.5]},
                    "tab\tkey": True,
                },
            )
            uow.session.add(sub)
            uow.session.flush()
            ids.append(sub.id)
        uow.commit()
    ws_a.sync()
    ws_b.sync()
    for sub_id, text_value in zip(ids, AWKWARD, strict=True):
        row = get(ws_b, FormSubmission, sub_id)
        assert row.sender == text_value
        assert row.entity_name == text_value
        assert row.values == {
            "note": text_value,
            "nested": {"list": [text_value, None, 1.5]},
            "tab\tkey": True,
        }
        assert server.row("form_submission", sub_id.hex)[1]["sender"] == text_value
    assert_converged(server, ws_a, ws_b)


def test_an_educators_source_document_travels_with_its_row(ws_carol, ws_b, server) -> None:
    """A scan kept as the source of evidence is pushed (the original and the PDF the viewer
    shows) with its ``educator_document`` row, and another workstation fetches it on demand."""
    import io
    from datetime import date

    from PIL import Image

    from desk_app.services.educators.documents import attach_upload
    from desk_app.services.educators.editing import NewProfile, create_profile

    image = Image.new("L", (400, 500), 255)
    scan = io.BytesIO()
    image.save(scan, "PNG")
    ctx = ws_carol.ctx
    educator = create_profile(
        ctx, NewProfile("123-45-6789", date(1985, 4, 12), "Maria", "Delgado", "md@example.org")
    ).educator_id
    attach_upload(ctx, educator, scan.getvalue(), "mentoring-log.png")
    with ctx.store.read() as s:
        from desk_app.models.educators import EducatorDocument

        doc = s.scalars(select(EducatorDocument)).one()
        original, shown = doc.sha256, doc.view_sha256
    assert ws_carol.sync().blobs_sent == 2
    ws_b.sync()
    with ws_b.store.read() as s:
        assert s.scalar(text("SELECT count(*) FROM educator_document")) == 1
    for sha in (original, shown):
        assert fetch_blob(server, ws_b.paths.blobs, sha, ws_b.ctx.cipher).exists()
