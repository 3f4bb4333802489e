"""The verification report: every check of a received form, off the GUI thread, as a frozen DTO.

The checks and their order are data (:data:`desk_app.rules.verification.CHECKS`); each is a small
function of a :class:`VerificationJob` (the form, its values, the entity, the operator) returning a
:class:`CheckResult`. A run over a queued submission is persisted as ``VerificationResult`` rows
with one audit event; ``desk-app verify FILE`` runs the same checks on a file without saving.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.errors import KnownError
from desk_app.models import auditchain as audit
from desk_app.models.base import utcnow
from desk_app.models.entities import EducationalEntity, entity_by_code
from desk_app.models.reviews import AccessReviewItem
from desk_app.models.staff import Staff
from desk_app.models.submissions import FormSubmission, SubmissionDocument, VerificationResult
from desk_app.pdf.catalogue import FormSpec, find_form
from desk_app.pdf.forms_data import REVIEW_NUMBER
from desk_app.pdf.signatures import SignatureReadError
from desk_app.received import Received
from desk_app.rules.codes import code_problem, kind_of_code
from desk_app.rules.permissions import Perm
from desk_app.rules.verification import CHECKS, signer_slots, signing_date_problem
from desk_app.sandbox.api import find_ink, read_digital_signatures
from desk_app.services.context import ServiceContext
from desk_app.services.queue.service import get_submission
from desk_app.services.review import checks as request_checks
from desk_app.services.review import signers as authority
from desk_app.services.review.dto import (
    CheckResult,
    SignatureFinding,
    VerificationReport,
    parse_form_date,
    requested_changes,
)
from desk_app.services.review.dto import (
    check_result as result,
)
from desk_app.services.review.job import VerificationJob
from desk_app.services.review.specimens import finding
from desk_app.services.sealing import open_pin


@lru_cache(maxsize=16)
def blank_layout(number: str) -> bytes:
    """The blank form of ``number``: the reference for signature boxes and ink."""
    from desk_app.pdf.generate import generate_form

    return generate_form(number)


# --- the checks -------------------------------------------------------------------------------


def check_form(job: VerificationJob) -> CheckResult:
    """The submission is one of the catalogue's forms."""
    if job.spec is None:
        return result("form_known", "fail", "not one of the agency's forms: identify it first")
    return result(
        "form_known", "pass", f"{job.spec.number} {job.spec.title} (edition {job.spec.edition})"
    )


def check_complete(job: VerificationJob) -> CheckResult:
    """Required fields and row rules, as the catalogue validates them."""
    from desk_app.pdf.validate import validate

    assert job.spec is not None
    problems = validate(job.spec, {k: str(v or "") for k, v in job.values.items()})
    if not problems:
        return result("form_complete", "pass", "every required field is filled in")
    listed = "; ".join(
        f"{job.spec.field(k).label if job.spec.has_field(k) else k}: {v}"
        for k, v in list(problems.items())[:8]
    )
    more = f" (and {len(problems) - 8} more)" if len(problems) > 8 else ""
    return result("form_complete", "fail", listed + more, fields=sorted(problems))


def entity_code_of(spec: FormSpec | None, values: Mapping[str, Any]) -> str:
    """The entity or organisation code the form carries, upper-cased."""
    name = spec.entity_code_field if spec else "entity_code"
    return str(values.get(name) or values.get("entity_code") or "").strip().upper()


def check_entity(job: VerificationJob) -> CheckResult:
    """The code has the right shape, names an active entity of a kind the form serves."""
    code = entity_code_of(job.spec, job.values)
    if not code:
        return result("entity_code", "fail", "the form carries no entity code")
    kind = kind_of_code(code)
    if kind is None:
        return result("entity_code", "fail", f"{code} is not a county-district or institution code")
    problem = code_problem(kind, code)
    if problem:
        return result("entity_code", "fail", f"{code}: {problem}")
    e = job.entity
    if e is None:
        return result("entity_code", "fail", f"no entity with code {code} on file")
    if not e.active:
        return result("entity_code", "fail", f"{code} {e.name} is inactive")
    if job.spec is not None and e.kind not in job.spec.entity_kinds:
        return result("entity_code", "fail", f"{job.spec.number} is not for a {e.kind} entity")
    named = str(job.values.get(job.spec.entity_name_field if job.spec else "entity_name") or "")
    score = authority.name_score(named, e.name) if named else 0.0
    if named and score < 70:
        return result(
            "entity_code",
            "warn",
            f"{code} is {e.name}, but the form names {named!r}",
            name_score=score,
        )
    return result("entity_code", "pass", f"{code} {e.name}", entity_id=str(e.id))


def _signature_findings(job: VerificationJob) -> list[SignatureFinding]:
    assert job.spec is not None
    if job.pdf is not None:
        job.digital = {f.field_name: f for f in read_digital_signatures(job.pdf)}
    layout = (job.layout or blank_layout(job.spec.number)) if job.pdf is not None else b""
    findings = []
    for expected in job.expected:
        digital = job.digital.get(expected.field_name)
        ink = None
        if digital is None and job.pdf is not None and job.spec.has_field(expected.field_name):
            ink = find_ink(job.pdf, layout, expected.field_name)
        missing = (
            "no signature found"
            if job.pdf is not None
            else "no PDF of the document to examine (keyed at the counter or not yet normalised)"
        )
        findings.append(finding(job.session, expected, digital, ink, job.submission_id, missing))
    return findings


# whose signature a box holds, as the reply letter says it (not the field's name)
SIGNER_WORDS = {
    "superintendent": "superintendent's",
    "authorized_representative": "authorized representative's",
    "officer": "superintendent's",
    "agency_contact": "agency contact's",
    "user": "user's",
}


def _in_words(f: SignatureFinding) -> str:
    """``superintendent's signature missing (the signature box is empty)``."""
    who = SIGNER_WORDS.get(f.signer_role, f"{f.signer_role.replace('_', ' ')}'s")
    frozen = next((r for r in f.reasons if r.startswith("modified after signing")), "")
    if frozen:
        return f"{who} signature {frozen}"
    reason = f.reasons[0] if f.reasons else ""
    return f"{who} signature {f.verdict}" + (f" ({reason})" if reason else "")


def check_signatures(job: VerificationJob) -> CheckResult:
    """Every signature box: digital verdict or ink; the worst box decides."""
    if job.spec is None:
        return result("signatures", "fail", "unknown form")
    try:
        findings = _signature_findings(job)
    except SignatureReadError as exc:
        return result("signatures", "fail", str(exc))
    job.signatures = tuple(findings)
    if not findings:
        return result("signatures", "pass", "the form has no signature box")
    worst = max(findings, key=lambda f: ("pass", "warn", "fail").index(f.outcome))
    text = "; ".join(_in_words(f) for f in findings)
    outcome = worst.outcome
    edition = job.submission.edition if job.submission is not None else ""
    if edition and edition != job.spec.edition and any(f.kind == "ink" for f in findings):
        # the boxes were located on the current edition's layout: an older one may differ
        text += f"; edition {edition} read against the layout of edition {job.spec.edition}: check the crop"
        outcome = "warn" if outcome == "pass" else outcome
    return result("signatures", outcome, text, boxes={f.field_name: f.verdict for f in findings})


# who signs in each slot, as a reason names them
SLOT_WORDS = {"officer": "the signer", "agency_contact": "the agency contact", "user": "the user"}


def check_signing_date(job: VerificationJob) -> CheckResult:
    """Each signer's date lies between the edition's date and the receipt date (with grace)."""
    assert job.spec is not None
    received = job.submission.received_at if job.submission is not None else job.now
    grace = int(job.ctx.settings["signing_date_grace_days"])
    problems, seen = [], []
    for slot in signer_slots(job.spec.signer_roles):
        text = str(job.values.get(slot.date_field) or "").strip()
        signed_on = parse_form_date(text)
        if signed_on is None:
            continue  # a missing or unreadable date is the completeness check's business
        seen.append(f"{signed_on:%m/%d/%Y}")
        problem = signing_date_problem(signed_on, job.spec.edition, received.date(), grace)
        if problem:
            problems.append(f"{SLOT_WORDS.get(slot.role, 'the signer')}'s signature {problem}")
    if problems:
        return result("signing_date", "fail", "; ".join(problems))
    if not seen:
        return result("signing_date", "pass", "no signing date to check")
    return result(
        "signing_date",
        "pass",
        f"signed {', '.join(seen)}: within edition {job.spec.edition} and the receipt date",
    )


CHECK_FUNCTIONS: dict[str, Callable[[VerificationJob], CheckResult]] = {
    "form_known": check_form,
    "form_complete": check_complete,
    "entity_code": check_entity,
    "roles_exist": request_checks.check_roles,
    "building_scope": request_checks.check_buildings,
    "one_username": request_checks.check_usernames,
    "separation_of_duties": request_checks.check_duties,
    "signer_authority": authority.check_signer_authority,
    "signing_date": check_signing_date,
    "signatures": check_signatures,
}


# --- running ----------------------------------------------------------------------------------


def _entity_for(
    session: Session, submission: FormSubmission | None, code: str
) -> EducationalEntity | None:
    if submission is not None and submission.entity_id is not None:
        entity = session.get(EducationalEntity, submission.entity_id)
        if entity is not None and entity.deleted_at is None:
            return entity
    return entity_by_code(session, code)


def _operator(session: Session, username: str) -> Staff | None:
    return session.execute(select(Staff).where(Staff.username == username)).scalar_one_or_none()


def _attestation(
    session: Session, spec: FormSpec, submission: FormSubmission | None, values: Mapping[str, Any]
) -> tuple[FormSpec, Mapping[str, Any], bytes]:
    """A returned access-review attestation (DA-201) is checked like any form: what its QR token
    already says (the entity, who was asked to review) fills what nobody keys, and its signature
    box is looked for where that attestation printed it. Its one signature block is the officer's
    or, for an agency-managed entity, the agency contact's: only that signer is checked."""
    # here, not at the top: the attestation module draws (numpy, zxing, PyMuPDF), which the
    # review pane's import at start-up must not pull in
    from desk_app.pdf.attestation import signature_layout

    if submission is None or not submission.token:
        return spec, values, b""
    item = session.execute(
        select(AccessReviewItem).where(AccessReviewItem.token == submission.token)
    ).scalar_one_or_none()
    if item is None:
        return spec, values, b""
    entity = session.get(EducationalEntity, item.entity_id)
    known = {
        "entity_code": entity.code if entity else "",
        "entity_name": entity.name if entity else "",
        "requester_email": item.reviewer_email,
        # printed on the attestation under the signature line, beside the reviewer's name
        "signer_title": item.reviewer_role.replace("_", " ").capitalize(),
    }
    filled = {k: v for k, v in values.items() if v not in (None, "")}
    contact = item.reviewer_role == "agency_contact"
    roles = tuple(r for r in spec.signer_roles if (r == "agency_contact") == contact)
    return (
        replace(spec, signer_roles=roles),
        {**known, **filled},
        signature_layout(len(item.lines)),
    )


def _run(
    ctx: ServiceContext,
    session: Session,
    spec: FormSpec | None,
    values: Mapping[str, Any],
    pdf: Received | None,
    submission: FormSubmission | None,
) -> tuple[VerificationJob, list[CheckResult]]:
    layout = b""
    if spec is not None and spec.number == REVIEW_NUMBER:
        spec, values, layout = _attestation(session, spec, submission, values)
    job = VerificationJob(
        ctx,
        session,
        spec,
        values,
        pdf,
        submission,
        _entity_for(session, submission, entity_code_of(spec, values)),
        _operator(session, ctx.actor.username),
        requested_changes(values),
        utcnow(),
        layout=layout,
    )
    if spec is None:
        return job, [check_form(job)] + [
            result(c.code, "fail", "not checked: the form is not identified")
            for c in CHECKS
            if c.code != "form_known"
        ]
    pending_pin = request_checks.start_pin_check(job)  # overlaps the other checks
    done = {c.code: CHECK_FUNCTIONS[c.code](job) for c in CHECKS if c.code != "pin"}
    done["pin"] = pending_pin()
    return job, [done[c.code] for c in CHECKS]


def _report(
    job: VerificationJob, results: list[CheckResult], run_id: uuid.UUID, started: float
) -> VerificationReport:
    e = job.entity
    return VerificationReport(
        run_id=str(run_id),
        submission_id=job.submission_id,
        form_number=job.spec.number if job.spec else "",
        entity_code=e.code if e else entity_code_of(job.spec, job.values),
        entity_name=e.name if e else "",
        checks=tuple(results),
        signatures=job.signatures,
        requested=job.requested,
        run_at=job.now,
        run_by=job.ctx.actor.username,
        elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
        digital=tuple(job.digital.values()),
    )


def examined_document(session: Session, submission: FormSubmission) -> SubmissionDocument | None:
    """The document the checks examine: the normalised copy first, else the original (PDF)."""
    docs = session.execute(
        select(SubmissionDocument).where(
            SubmissionDocument.submission_id == submission.id,
            SubmissionDocument.deleted_at.is_(None),
        )
    ).scalars()
    ranked = sorted(docs, key=lambda d: {"normalised": 0, "original": 1}.get(d.role, 2))
    if not ranked or not ranked[0].media_type.endswith("pdf"):
        return None
    return ranked[0]


def submission_pdf(
    ctx: ServiceContext, session: Session, submission: FormSubmission
) -> Received | None:
    """The bytes of the submission's document (normalised copy first, else the original)."""
    doc = examined_document(session, submission)
    if doc is None or ctx.paths is None:
        return None
    return ctx.blobs().get(doc.sha256)


def verify_submission(ctx: ServiceContext, submission_id: str) -> VerificationReport:
    """Run every check on a queued submission and save the results (run off the GUI thread).

    Raises:
        NotFound: the submission does not exist.
    """
    ctx.require(Perm.WORK_QUEUE)
    started = time.perf_counter()
    with ctx.store.read() as s:
        sub = get_submission(s, submission_id)
        job, results = _run(
            ctx,
            s,
            find_form(sub.form_number) if sub.form_number else None,
            open_pin(ctx.cipher, sub.values or {}),
            submission_pdf(ctx, s, sub),
            sub,
        )
        run_id = uuid.uuid4()
        doc = examined_document(s, sub) if job.pdf is not None else None
        report = replace(
            _report(job, results, run_id, started),
            submission_version=sub.row_version,
            document_sha256=doc.sha256 if doc is not None else "",
        )
    _save(ctx, report)
    return report


def _save(ctx: ServiceContext, report: VerificationReport) -> None:
    with ctx.uow() as uow:
        sub_id = uuid.UUID(report.submission_id)
        for c in report.checks:
            uow.session.add(
                VerificationResult(
                    submission_id=sub_id,
                    run_id=uuid.UUID(report.run_id),
                    check=c.code,
                    outcome=c.outcome,
                    blocking=c.blocking,
                    reason=c.reason[:2000],
                    details=dict(c.details),
                    run_at=report.run_at,
                    run_by=report.run_by,
                )
            )
        counts = {
            o: sum(1 for c in report.checks if c.outcome == o) for o in ("pass", "warn", "fail")
        }
        audit.record(
            uow,
            "verification.run",
            record_type="form_submission",
            record_id=sub_id,
            summary=f"{report.form_number} {report.entity_code}: {counts['pass']} pass, "
            f"{counts['warn']} warn, {counts['fail']} fail",
            details={"run_id": report.run_id, **counts},
        )
        uow.commit()


def verify_document(ctx: ServiceContext, pdf: Received) -> VerificationReport:
    """Run the checks on a PDF file without a queue entry (``desk-app verify FILE``); nothing is saved
    except the PIN attempt, which is audited like any other."""
    ctx.require(Perm.WORK_QUEUE)
    from desk_app.sandbox.api import read_form

    started = time.perf_counter()
    try:
        reading = read_form(pdf)
    except Exception as exc:  # the reader raises PdfRejected and MuPDF errors for bad files
        raise KnownError(f"cannot read the file as one of our forms: {exc}") from exc
    spec = find_form(reading.form_number) if reading.form_number else None
    with ctx.store.read() as s:
        job, results = _run(ctx, s, spec, reading.values, pdf, None)
        return _report(job, results, uuid.uuid4(), started)
