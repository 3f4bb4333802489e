"""A returned attestation is verified like any form before its Remove marks become one decision:
signer authority on the signing date, the ink in its signature box beside the signer's
specimens, the reviewer's attestation; then the Work queue's Approve applies the marks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from desk_app.errors import ConflictError
from desk_app.models.access import RoleGrant
from desk_app.models.audit import AuditEvent
from desk_app.services.queue.intake import IntakeService
from desk_app.services.queue.service import QueueService
from desk_app.services.review import decisions
from desk_app.services.review.specimens import attest_signature
from desk_app.services.review.verification import verify_submission
from desk_app.services.reviews.campaigns import CampaignService
from desk_app.services.reviews.returns import ReviewReturns
from tests.intake.makers import fax_tiff
from tests.services.reviews.test_campaigns import (  # noqa: F401  (fixtures)
    _active,
    _mark_remove,
    _scope,
    directory,
)


def signed(pdf: bytes) -> bytes:
    """Mark Remove on lines 2 and 4 and sign in the box with a pen scribble."""
    import pymupdf

    from desk_app.pdf.signatures import signature_boxes

    page_no, (x0, y0, x1, y1) = signature_boxes(pdf)["signature"]
    doc = pymupdf.open(stream=pdf, filetype="pdf")
    page = doc[page_no]
    points = [(x0 + 20 + 6 * i, y0 + 8 + (10 if i % 2 else 0)) for i in range(30)]
    page.draw_polyline(points, width=1.8)
    return doc.tobytes()


@pytest.fixture
def returned(ctx, directory, tmp_path) -> str:  # noqa: F811
    started = CampaignService(ctx).start(_scope())
    token = f"{started.token}-048-078"
    marked = _mark_remove(Path(started.folder) / f"{token}.pdf", token, ctx, {2, 4})
    (tmp_path / "answer.tif").write_bytes(fax_tiff(signed(marked), skew=0.5))
    IntakeService(ctx).ingest_files([tmp_path / "answer.tif"])
    [waiting] = ReviewReturns(ctx).waiting()
    return waiting


def verified(ctx, submission_id: str, signer: str = "Dana Whitfield") -> None:
    """Key who signed, verify, and attest the ink as the Work queue's reviewer does."""
    queue = QueueService(ctx)
    queue.claim(submission_id)
    queue.save_keyed_values(
        submission_id,
        {"signer_name": signer, "signed_date": f"{date.today():%m/%d/%Y}"},
        complete=True,
    )
    queue.claim(submission_id)
    attest_signature(ctx, submission_id, "signature", "matches", "same hand as on file")
    report = verify_submission(ctx, submission_id)
    assert not report.blocking_failures, report.blocking_failures


def _check(report, code: str):
    return next(c for c in report.checks if c.code == code)


def test_a_returned_attestation_goes_through_the_checks_then_one_decision(ctx, returned) -> None:
    queue = QueueService(ctx)
    queue.claim(returned)
    today = date.today()
    queue.save_keyed_values(
        returned, {"signer_name": "Someone Else", "signed_date": f"{today:%m/%d/%Y}"}
    )
    report = verify_submission(ctx, returned)
    assert report.form_number == "DA-201" and report.entity_code == "048-078"
    assert _check(report, "signer_authority").outcome != "pass"
    with pytest.raises(ConflictError, match="cannot approve"):
        decisions.approve(ctx, returned)

    queue.save_keyed_values(
        returned,
        {"signer_name": "Dana Whitfield", "signed_date": f"{today:%m/%d/%Y}"},
        complete=True,  # keyed: on to review
    )
    queue.claim(returned)
    report = verify_submission(ctx, returned)
    assert _check(report, "signer_authority").outcome == "pass", _check(report, "signer_authority")
    [signature] = [s for s in report.signatures if s.field_name == "signature"]
    assert signature.kind == "ink" and signature.crop_png  # found in the attestation's own box
    # the wet ink waits for the reviewer's attestation against the specimens
    assert _check(report, "signatures").outcome != "pass"
    attest_signature(ctx, returned, "signature", "matches", "same hand as the 2356 of 2025")
    report = verify_submission(ctx, returned)
    assert _check(report, "signatures").outcome == "pass", _check(report, "signatures")
    assert not report.blocking_failures, report.blocking_failures

    result = decisions.approve(ctx, returned, shown=report)
    assert result.state == "applied"
    assert _active(ctx, "048-078") == 3  # two of five grants removed by the marks
    with ctx.store.read() as s:
        actions = list(s.execute(select(AuditEvent.action)).scalars())
        revoked = s.execute(select(RoleGrant).where(RoleGrant.revoked_at.is_not(None))).all()
    assert "review.return_applied" in actions and "decision.approve" in actions
    assert len(revoked) == 2
    assert ReviewReturns(ctx).status().counts()["returned"] == 1


def test_the_direct_path_needs_a_passing_verification(ctx, returned) -> None:
    returns = ReviewReturns(ctx)
    with pytest.raises(ConflictError, match="verif"):
        returns.apply_return(returned, "Dana Whitfield", date.today())
