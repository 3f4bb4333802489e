"""Applications as a queue: claim, move, the requirement tracker from the rules, decide (issue and
supersede in one transaction, .eml drafted), the claim discipline, audit."""

from __future__ import annotations

import email
from datetime import date

import pytest
from sqlalchemy import select

from desk_app.errors import KnownError, ValidationError
from desk_app.models.educators import Certificate, CertificateClassification
from desk_app.rules.certification import classification_rows
from desk_app.services.educators import applications as apps
from desk_app.services.educators.certificates import issue_certificate
from desk_app.services.educators.editing import NewProfile, create_profile, record_checks
from desk_app.services.educators.evidence import EvidenceEntry, add_evidence
from desk_app.services.listing import ListQuery
from desk_app.services.records.audit_log import AuditLogService
from tests.services.educators.evidence_sets import make_eligible


@pytest.fixture
def world(make_ctx):
    ctx = make_ctx(role="certification_specialist", username="carol")
    with ctx.uow() as uow:
        for row in classification_rows():
            uow.session.add(CertificateClassification(**row))
        uow.commit()
    key = create_profile(
        ctx, NewProfile("123-45-6789", date(1985, 4, 12), "Maria", "Delgado", "md@example.org")
    ).educator_id
    return ctx, key


def test_upgrade_is_claimed_tracked_and_approved_in_one_transaction(world, make_ctx) -> None:
    ctx, key = world
    issue_certificate(ctx, key, "ISS", date(2021, 7, 1))
    app_id = apps.submit(ctx, key, "upgrade", "CSS")
    count, rows = apps.queue(ctx, "received")
    assert count == 1 and rows[0].kind == "upgrade" and rows[0].state == "received"
    with pytest.raises(KnownError, match="claim it first"):
        apps.decide(ctx, app_id, approve=True)
    apps.claim(ctx, app_id)
    with pytest.raises(KnownError, match="carol is working"):
        apps.claim(make_ctx(role="certification_specialist", username="dave"), app_id)
    tracker = {r.code: r for r in apps.tracker(ctx, app_id)}
    assert set(tracker) == {"experience", "mentoring", "professional_development", "evaluation"}
    assert not any(r.met for r in tracker.values())
    with pytest.raises(KnownError, match="not every requirement is met"):
        apps.decide(ctx, app_id, approve=True)
    with pytest.raises(ValidationError):
        apps.move(ctx, app_id, "waiting")
    apps.move(ctx, app_id, "waiting", "send the 2024 evaluation")
    assert apps.queue(ctx, "waiting")[0] == 1
    make_eligible(ctx, key)
    apps.move(ctx, app_id, "ready")
    assert all(r.met for r in apps.tracker(ctx, app_id))
    decision = apps.decide(ctx, app_id, approve=True, effective=date(2025, 8, 1))
    assert decision.approved and decision.certificate_number.startswith("25")
    with ctx.store.read() as s:
        by_code = {
            c.classification.code: (c.status, c.expiration_date)
            for c in s.execute(select(Certificate)).scalars()
        }
    assert by_code["ISS"][0] == "superseded" and by_code["CSS"] == ("active", date(2124, 8, 1))
    message = email.message_from_bytes(decision.eml)
    assert message["To"] == "md@example.org" and decision.certificate_number in message["Subject"]
    assert apps.queue(ctx)[0] == 0
    with pytest.raises(KnownError, match="decided"):
        apps.claim(ctx, app_id)
    actions = [
        e.action for e in AuditLogService(make_ctx(role="auditor")).fetch(ListQuery(), 0, 200)
    ]
    for action in (
        "application.receive",
        "application.claim",
        "application.move",
        "application.decide",
        "certificate.issue",
        "certificate.supersede",
    ):
        assert action in actions


def test_substitute_needs_its_checks_and_rejection_needs_a_reason(world) -> None:
    ctx, key = world
    app_id = apps.submit(ctx, key, "substitute", "SUB")
    apps.claim(ctx, app_id)
    missing = {r.code for r in apps.tracker(ctx, app_id) if not r.met}
    assert missing == {"fingerprint", "background", "transcript"}
    record_checks(
        ctx, key, kind="fingerprint", result="cleared", on=date(2025, 1, 2), document_ref="FBI"
    )
    record_checks(
        ctx, key, kind="background", result="cleared", on=date(2025, 1, 2), document_ref="MSHP"
    )
    add_evidence(
        ctx, key, EvidenceEntry("transcript", "transcript", on=date(2025, 1, 3), title="MU")
    )
    assert all(r.met for r in apps.tracker(ctx, app_id))
    with pytest.raises(ValidationError, match="reason"):
        apps.decide(ctx, app_id, approve=False)
    decision = apps.decide(ctx, app_id, approve=False, note="60 college hours not shown")
    assert not decision.approved and not decision.certificate_number
    body = email.message_from_bytes(decision.eml).get_payload(decode=True).decode()
    assert "60 college hours not shown" in body


def test_release_lets_another_operator_claim(world, make_ctx) -> None:
    ctx, key = world
    app_id = apps.submit(ctx, key, "initial", "IPC")
    apps.claim(ctx, app_id)
    dave = make_ctx(role="certification_specialist", username="dave")
    with pytest.raises(KnownError, match="carol holds it"):
        apps.release(dave, app_id)
    apps.release(ctx, app_id)
    apps.claim(dave, app_id)
    assert apps.queue(ctx)[1][0].claimed_by == "dave"


def test_the_queue_by_state_and_the_decision_screen(world, make_ctx) -> None:
    from desk_app.services.educators.application_detail import application_detail, save_draft

    ctx, key = world
    issue_certificate(ctx, key, "ISS", date(2021, 7, 1))
    make_eligible(ctx, key)
    app_id = apps.submit(ctx, key, "upgrade", "CSS")
    other = apps.submit(ctx, key, "renewal", "ISS")
    source = apps.ApplicationQueue(ctx)
    assert source.count(ListQuery()) == 2
    assert source.counts() == {"received": 2, "waiting": 0, "ready": 0, "decided": 0}
    apps.claim(ctx, other)
    apps.move(ctx, other, "waiting", "fingerprint card")
    waiting = ListQuery().with_filter("state", "waiting")
    assert [r.id for r in source.fetch(waiting, 0, 10)] == [other]
    detail = application_detail(ctx, app_id)
    assert detail.ready_to_approve and detail.kind == "upgrade" and detail.state == "received"
    assert [r.code for r in detail.tracker] == [
        "experience",
        "mentoring",
        "professional_development",
        "evaluation",
    ]
    assert [e.kind for e in detail.evidence_for("experience")] == ["experience"]
    apps.claim(ctx, app_id)
    decision = apps.decide(ctx, app_id, approve=True)
    path = save_draft(ctx, decision)
    message = email.message_from_bytes(path.read_bytes())
    assert message["To"] == "md@example.org" and decision.certificate_number in message["Subject"]
    decided = ListQuery().with_filter("state", "decided")
    [row] = source.fetch(decided, 0, 10)
    assert row.id == app_id and row.decision == "approved"
    after = application_detail(ctx, app_id)
    assert after.certificate_number == decision.certificate_number and after.decided_by == "carol"
    events = AuditLogService(make_ctx(role="auditor")).fetch(ListQuery(), 0, 200)
    assert any(e.action == "application.draft_email" for e in events)


def test_two_workstations_mint_numbers_in_their_own_series(world, make_ctx) -> None:
    from desk_app.services.educators.certificates import workstation_series

    ctx, key = world
    other_ws = make_ctx(role="certification_specialist", username="dora", workstation="ws-two")
    first, _ = issue_certificate(ctx, key, "ISS", date(2026, 7, 1))
    second, _ = issue_certificate(other_ws, key, "ISS", date(2026, 7, 2))
    assert first[2:5] == workstation_series(ctx.actor.workstation_id)
    assert second[2:5] == workstation_series("ws-two")
    assert ctx.actor.workstation_id != "ws-two"
