"""Signed means frozen: a value changed after signing blocks approval, naming the field and values."""

from __future__ import annotations

import io

import pytest

from desk_app.errors import ConflictError
from desk_app.pdf.generate import generate_form
from desk_app.pdf.signatures import SignatureVerdict, read_digital_signatures, verdict
from desk_app.pdf.signed_fields import field_values
from desk_app.services.review import decisions, verification
from tests.services.review.conftest import LEA_VALUES, submit
from tests.services.review.signing import incremental_edit, make_certificate, set_field, sign_pdf

VALUES = dict(
    LEA_VALUES,
    user_1_first_name="Kate",
    user_1_last_name="Miller",
    user_1_email="kmiller@bluesprings.k12.mo.us",
    role_1_user="1",
    role_1_app="ECS",
    role_1_role="ECS_VIEW",
    role_1_action="delete",
)


@pytest.fixture(scope="module")
def jane():
    return make_certificate("Jane Doe")


@pytest.fixture(scope="module")
def signed(jane) -> bytes:
    return sign_pdf(generate_form("MO 500-3209", VALUES), jane)


def _judged(pdf: bytes):
    (facts,) = read_digital_signatures(pdf)
    return facts, *verdict(facts, frozenset({facts.certificate.sha256}))


def test_a_value_changed_after_signing_is_modified_with_both_values(signed, tmp_path) -> None:
    changed = incremental_edit(
        signed, tmp_path, lambda doc: set_field(doc, "user_1_email", "mallory@evil.example")
    )
    facts, word, reasons = _judged(changed)
    assert facts.modification_level == "form_filling"  # what pyHanko alone would accept
    assert word is SignatureVerdict.MODIFIED
    assert reasons == (
        "modified after signing: User 1 email "
        "(was kmiller@bluesprings.k12.mo.us, now mallory@evil.example)",
    )


def test_two_changed_fields_are_both_named(signed, tmp_path) -> None:
    def edit(doc) -> None:
        set_field(doc, "role_1_role", "ECS_ENTRY")
        set_field(doc, "user_1_email", "x@y.org")

    _facts, word, reasons = _judged(incremental_edit(signed, tmp_path, edit))
    assert word is SignatureVerdict.MODIFIED
    said = " ".join(reasons)
    assert "(was ECS_VIEW, now ECS_ENTRY)" in said and "now x@y.org" in said


def test_filling_a_field_empty_at_signing_stays_permitted(signed, tmp_path) -> None:
    filled = incremental_edit(
        signed, tmp_path, lambda doc: set_field(doc, "user_1_username", "lpark")
    )
    facts, word, reasons = _judged(filled)
    assert word is SignatureVerdict.VALID, reasons
    assert facts.modified_fields == () and facts.filled_fields == ("User 1 username (if known)",)
    assert any("filled in after signing (permitted): User 1 username" in r for r in reasons)


def test_an_untouched_signed_form_has_no_changes(signed) -> None:
    facts, word, _ = _judged(signed)
    assert word is SignatureVerdict.VALID
    assert facts.modified_fields == () and facts.filled_fields == ()


def test_a_certification_allowing_no_changes_forbids_even_filling(jane, tmp_path) -> None:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    cert, key = jane
    out = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(generate_form("MO 500-3209", VALUES)), strict=False),
        signers.PdfSignatureMetadata(
            field_name="signature",
            md_algorithm="sha256",
            certify=True,
            docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        ),
        signer=signers.SimpleSigner(
            signing_cert=cert,
            signing_key=key,
            cert_registry=SimpleCertificateStore.from_certs([cert]),
        ),
    ).getvalue()
    filled = incremental_edit(out, tmp_path, lambda doc: set_field(doc, "user_1_username", "lpark"))
    facts, word, reasons = _judged(filled)
    assert word is SignatureVerdict.MODIFIED
    assert "User 1 username (if known) (was empty, now lpark)" in " ".join(reasons)


def test_field_values_reads_labels_and_values(signed) -> None:
    values = field_values(signed)
    assert values["user_1_email"] == ("User 1 email", "kmiller@bluesprings.k12.mo.us")
    assert values["role_1_role"][1] == "ECS_VIEW"


def test_approval_of_a_form_changed_after_signing_is_refused(ctx, world, signed, tmp_path) -> None:
    changed = incremental_edit(
        signed, tmp_path, lambda doc: set_field(doc, "user_1_email", "mallory@evil.example")
    )
    sid = submit(ctx, "MO 500-3209", dict(VALUES, user_1_email="mallory@evil.example"), changed)
    report = verification.verify_submission(ctx, sid)
    assert not report.can_approve
    reasons = " ".join(r for c in report.checks for r in ([c.reason] if c.reason else []))
    assert (
        "superintendent's signature modified after signing: User 1 email "
        "(was kmiller@bluesprings.k12.mo.us, now mallory@evil.example)"
    ) in reasons
    with pytest.raises(ConflictError):
        decisions.approve(ctx, sid)


def test_a_missing_signature_names_who_must_sign(ctx, world) -> None:
    sid = submit(ctx, "MO 500-3209", VALUES, generate_form("MO 500-3209", VALUES))
    check = verification.verify_submission(ctx, sid).check("signatures")
    assert check.outcome == "fail"
    assert "superintendent's signature missing (the signature box is empty)" in check.reason
    assert "signature:" not in check.reason


def test_a_fieldmdp_lock_forbids_filling_the_locked_field(jane, tmp_path) -> None:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    cert, key = jane
    writer = IncrementalPdfFileWriter(
        io.BytesIO(generate_form("MO 500-3209", VALUES)), strict=False
    )
    spec = fields.SigFieldSpec(
        "locking_signature",
        box=(20, 20, 120, 60),
        field_mdp_spec=fields.FieldMDPSpec(
            fields.FieldMDPAction.INCLUDE, fields=["user_1_username"]
        ),
    )
    fields.append_signature_field(writer, spec)
    out = signers.sign_pdf(
        writer,
        signers.PdfSignatureMetadata(field_name="locking_signature", md_algorithm="sha256"),
        signer=signers.SimpleSigner(
            signing_cert=cert,
            signing_key=key,
            cert_registry=SimpleCertificateStore.from_certs([cert]),
        ),
    ).getvalue()
    (facts,) = read_digital_signatures(
        incremental_edit(out, tmp_path, lambda doc: set_field(doc, "user_1_username", "kate"))
    )
    assert facts.modified_fields == ("User 1 username (if known) (was empty, now kate)",)
    (other,) = read_digital_signatures(
        incremental_edit(out, tmp_path, lambda doc: set_field(doc, "user_1_first_name", "Kathy"))
    )
    assert "User 1 first name (was Kate, now Kathy)" in other.modified_fields  # had a value
