"""Decisions in one unit of work: a current report, one parse, the claim as the operator chose."""

from __future__ import annotations

import threading
import uuid

import pytest

from desk_app.errors import ConflictError, KnownError
from desk_app.models.submissions import FormSubmission
from desk_app.pdf.generate import generate_form
from desk_app.services.queue.service import QueueService
from desk_app.services.review import decisions, pins, verification
from desk_app.services.review.decisions import OnFailure
from tests.services.review.conftest import LEA_VALUES, letter_pin, submit
from tests.services.review.signing import make_certificate, sign_pdf

UM_ADD = dict(
    LEA_VALUES,
    um_action="add",
    um_first_name="Lee",
    um_last_name="Park",
    um_email="lpark@bluesprings.k12.mo.us",
)


@pytest.fixture(scope="module")
def jane_cert():
    return make_certificate("Jane Doe")


def _signed_um_form(ctx, world, jane_cert) -> str:
    pin = letter_pin(pins.issue_pin(ctx, world.lea_id).letter_pdf)
    values = dict(UM_ADD, pin=pin)
    return submit(
        ctx, "MO 500-2356", values, sign_pdf(generate_form("MO 500-2356", values), jane_cert)
    )


def _registered(ctx, sid: str) -> None:
    """Approve once over the unknown certificate so the next form's signature is registered."""
    decisions.approve(ctx, sid, "certificate checked by telephone with the superintendent")


def _row(store, sid: str) -> FormSubmission:
    with store.read() as s:
        sub = s.get(FormSubmission, uuid.UUID(sid))
        s.expunge(sub)
        return sub


def test_a_shown_report_is_applied_only_while_current(ctx, world, jane_cert) -> None:
    sid = _signed_um_form(ctx, world, jane_cert)
    shown = verification.verify_submission(ctx, sid)
    assert shown.submission_version == _row(ctx.store, sid).row_version
    assert shown.document_sha256 == _row(ctx.store, sid).sha256
    QueueService(ctx).save_keyed_values(sid, {"um_last_name": "Parker"})  # changed meanwhile
    with pytest.raises(ConflictError, match="changed after it was verified"):
        decisions.approve(ctx, sid, "certificate checked by telephone", shown=shown)
    row = _row(ctx.store, sid)
    assert row.state == "in_review" and row.assigned_to == "alice"  # kept, and said so


def test_approval_reads_the_signatures_once(ctx, world, jane_cert, monkeypatch) -> None:
    sid = _signed_um_form(ctx, world, jane_cert)
    calls = []
    real = verification.read_digital_signatures

    def counting(pdf: bytes):
        calls.append(len(pdf))
        return real(pdf)

    monkeypatch.setattr(verification, "read_digital_signatures", counting)
    _registered(ctx, sid)
    assert len(calls) == 1
    assert _row(ctx.store, sid).state == "applied"


@pytest.mark.parametrize("choice", [OnFailure.KEEP, OnFailure.RELEASE])
def test_a_failed_decision_keeps_or_releases_the_claim_as_chosen(ctx, world, choice) -> None:
    sid = submit(ctx, "MO 500-2356", UM_ADD)  # unsigned: blocking failures
    with pytest.raises(ConflictError) as refused:
        decisions.approve(ctx, sid, on_failure=choice)
    row = _row(ctx.store, sid)
    if choice is OnFailure.KEEP:
        assert "you still hold the submission" in str(refused.value)
        assert (row.state, row.assigned_to) == ("in_review", "alice")
    else:
        assert "the claim was released to the queue" in str(refused.value)
        assert (row.state, row.assigned_to) == ("ready_for_review", "")


def test_a_failed_rejection_says_what_became_of_the_claim(ctx, world) -> None:
    sid = submit(ctx, "MO 500-2356", UM_ADD)
    with pytest.raises(KnownError, match="second reviewer.*claim was released"):
        decisions.reject(ctx, sid, ["signature_mismatch"], on_failure=OnFailure.RELEASE)
    assert _row(ctx.store, sid).assigned_to == ""


def test_the_pin_attempt_is_written_by_the_verifying_thread(ctx, world, monkeypatch) -> None:
    pin = letter_pin(pins.issue_pin(ctx, world.lea_id).letter_pdf)
    writers = []
    real = pins.record_attempt

    def recording(*args, **kwargs):
        writers.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(pins, "record_attempt", recording)
    report = verification.verify_submission(ctx, submit(ctx, "MO 500-2356", dict(UM_ADD, pin=pin)))
    assert report.check("pin").outcome == "pass"
    assert writers == [threading.current_thread().name]  # not a pin-check pool thread


def test_a_bad_submission_id_is_one_clear_error(ctx, world) -> None:
    with pytest.raises(KnownError, match="no submission 'not-a-uuid'"):
        verification.verify_submission(ctx, "not-a-uuid")


def test_a_failed_decision_never_releases_someone_elses_claim(ctx, world) -> None:
    sid = submit(ctx, "MO 500-2356", UM_ADD, holder="bob")
    with pytest.raises(ConflictError, match="held by bob.*left as it is"):
        decisions.approve(ctx, sid, on_failure=OnFailure.RELEASE)
    assert _row(ctx.store, sid).assigned_to == "bob"
