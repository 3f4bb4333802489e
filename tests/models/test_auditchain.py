"""The audit log's hash chain: intact chains verify; edits, deletions and reorders are named."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desk_app.cli import main
from desk_app.errors import PermissionDenied
from desk_app.models import auditchain as audit
from desk_app.models.entities import EducationalEntity
from desk_app.services.directory.entities import EntityService
from desk_app.services.listing import ListQuery
from desk_app.services.records.audit_log import AuditLogService


def _events(ctx, n: int = 5) -> None:
    for i in range(n):
        with ctx.uow() as uow:
            audit.record(uow, "test.event", summary=f"event {i}", details={"i": i})
            uow.commit()


def test_intact_chain_verifies(ctx) -> None:
    _events(ctx)
    report = AuditLogService(ctx).verify()
    assert report.ok and report.events_checked == 5 and report.first_break is None


def test_chains_are_per_workstation(make_ctx) -> None:
    _events(make_ctx(workstation="ws-a"), 3)
    _events(make_ctx(workstation="ws-b"), 2)
    report = AuditLogService(make_ctx()).verify()
    assert report.ok and report.workstations == 2
    assert report.heads["ws-a"][0] == 3 and report.heads["ws-b"][0] == 2


def _tamper(db: Path, sql: str) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.executescript(sql)
    conn.close()


@pytest.mark.parametrize(
    ("sql", "seq", "reason"),
    [
        ("UPDATE audit_event SET summary='nothing happened' WHERE seq=3", 3, "edited"),
        ("UPDATE audit_event SET actor='mallory' WHERE seq=2", 2, "edited"),
        ("DELETE FROM audit_event WHERE seq=3", 4, "missing"),
        (
            "UPDATE audit_event SET seq=-2 WHERE seq=2; UPDATE audit_event SET seq=2 WHERE seq=3;"
            " UPDATE audit_event SET seq=3 WHERE seq=-2",
            2,
            "",
        ),
        ("DELETE FROM audit_event WHERE seq=5", None, ""),
    ],
)
def test_tampering_is_detected(ctx, app_paths, sql: str, seq: int | None, reason: str) -> None:
    _events(ctx)
    _tamper(app_paths.database, sql)
    report = AuditLogService(ctx).verify()
    if seq is None:
        # deleting the newest event leaves a valid shorter chain: that is what anchoring on the
        # server (sync) is for; locally the head simply moves back
        assert report.ok and report.heads["ws-test"][0] == 4
        return
    assert not report.ok
    assert report.first_break is not None
    assert report.first_break.seq == seq
    assert reason in report.first_break.reason


def test_mutating_service_writes_audit_in_same_transaction(ctx) -> None:
    with ctx.uow() as uow:
        e = EducationalEntity(kind="lea", code="001-090", name="Adair County R-I")
        uow.session.add(e)
        uow.commit()
    EntityService(ctx).update(str(e.id), 1, phone="660-555-0101")
    rows = AuditLogService(ctx).fetch(ListQuery().with_filter("action", "entity.update"), 0, 10)
    assert len(rows) == 1 and rows[0].record_id == str(e.id) and "phone" in rows[0].summary


def test_audit_page_needs_permission(make_ctx) -> None:
    with pytest.raises(PermissionDenied):
        AuditLogService(make_ctx(role="certification_specialist")).fetch(ListQuery(), 0, 10)


def test_cli_audit_verify_exit_codes(tmp_path: Path, capsys) -> None:
    data = tmp_path / "d"
    assert main(["--data-dir", str(data), "audit", "verify"]) != 0  # no database: nothing made
    assert main(["--data-dir", str(data), "audit", "list"]) == 0  # an operator's first session
    assert main(["--data-dir", str(data), "audit", "verify"]) == 0
    assert "intact" in capsys.readouterr().out
    _tamper(data / "desk_app.sqlite3", "UPDATE audit_event SET summary='x' WHERE seq=1")
    assert main(["--data-dir", str(data), "audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "BROKEN at event 1" in out and "edited" in out


def test_the_audit_list_filters_searches_and_pages(make_ctx) -> None:
    import uuid

    alice, bob = make_ctx(username="alice"), make_ctx(username="bob", workstation="ws-2")
    record_id = uuid.uuid4()
    for ctx_, action, summary, rid in (
        (alice, "entity.edit", "phone changed to 555_0100", record_id),
        (alice, "pin.issue", "PIN issued for 048-078", None),
        (bob, "entity.edit", "city changed (100% sure)", None),
    ):
        with ctx_.uow() as uow:
            audit.record(
                uow, action, record_type="educational_entity", record_id=rid, summary=summary
            )
            uow.commit()
    service = AuditLogService(make_ctx(role="auditor"))

    def actions(text: str = "", **filters: str) -> list[str]:
        return [r.action for r in service.fetch(ListQuery(text, tuple(filters.items())), 0, 50)]

    assert actions() == ["entity.edit", "pin.issue", "entity.edit"]  # newest first
    assert actions(actor="bob") == ["entity.edit"] and actions(workstation="ws-2") == [
        "entity.edit"
    ]
    assert actions(action="pin.issue") == ["pin.issue"]
    assert actions(record_id=str(record_id)) == ["entity.edit"]
    assert actions("pin.") == ["pin.issue"] and actions("BOB") == [
        "entity.edit"
    ]  # action / actor prefix
    assert actions("048-078") == ["pin.issue"]  # anywhere in the summary
    assert actions("100%") == ["entity.edit"] and actions("555_") == ["entity.edit"]
    assert actions("%") == [
        "entity.edit"
    ]  # a typed % is a character (in one summary), not "anything"
    assert service.count(ListQuery(filters=(("action", "entity.edit"),))) == 2
    rows = service.fetch(ListQuery(sort="actor", descending=False), 0, 2)
    assert [r.actor for r in rows] == ["alice", "alice"] and len(rows) == 2
    edited = service.fetch(ListQuery(filters=(("record_id", str(record_id)),)), 0, 1)[0]
    assert edited.record_id == str(record_id) and uuid.UUID(edited.id)
