"""Digital signatures judged in Acrobat's words, and ink in the signature box of faxed forms."""

from __future__ import annotations

import pytest

from desk_app.pdf.generate import generate_form
from desk_app.pdf.signatures import (
    SignatureVerdict,
    find_ink,
    read_digital_signatures,
    signature_boxes,
    verdict,
)
from tests.services.review.signing import (
    fax_of,
    incremental_edit,
    make_certificate,
    set_field,
    sign_pdf,
)

VALUES = {
    "entity_name": "Blue Springs R-IV",
    "entity_code": "048-078",
    "signer_name": "Jane Doe",
    "signer_title": "Superintendent",
    "signed_date": "11/02/2026",
    "um_action": "add",
    "um_first_name": "Lee",
    "um_last_name": "Park",
    "um_email": "lpark@bluesprings.k12.mo.us",
    "requester_email": "office@bluesprings.k12.mo.us",
}


@pytest.fixture(scope="module")
def jane():
    return make_certificate("Jane Doe", email="jdoe@bluesprings.k12.mo.us")


@pytest.fixture(scope="module")
def form() -> bytes:
    return generate_form("MO 500-2356", VALUES)


def _judge(pdf: bytes, registered: frozenset[str]):
    (facts,) = read_digital_signatures(pdf)
    return facts, *verdict(facts, registered)


def test_valid_signature_with_a_registered_certificate(form, jane) -> None:
    signed = sign_pdf(form, jane)
    facts, word, reasons = _judge(signed, frozenset())
    assert facts.field_name == "signature" and facts.intact and facts.valid
    assert facts.certificate.common_name == "Jane Doe"
    assert facts.certificate.email == "jdoe@bluesprings.k12.mo.us"
    assert word is SignatureVerdict.IDENTITY_UNKNOWN  # nothing registered yet
    facts, word, reasons = _judge(signed, frozenset({facts.certificate.sha256}))
    assert word is SignatureVerdict.VALID, reasons


def test_filling_fields_after_signing_is_permitted(form, jane, tmp_path) -> None:
    signed = sign_pdf(form, jane)
    filled = incremental_edit(signed, tmp_path, lambda doc: set_field(doc, "um_username", "lpark"))
    facts, word, reasons = _judge(
        filled, frozenset({read_digital_signatures(signed)[0].certificate.sha256})
    )
    assert facts.modification_level == "form_filling"
    assert word is SignatureVerdict.VALID
    assert any("filled in after signing" in r for r in reasons)


def test_changing_page_content_after_signing_is_flagged(form, jane, tmp_path) -> None:
    signed = sign_pdf(form, jane)
    sha = read_digital_signatures(signed)[0].certificate.sha256
    changed = incremental_edit(
        signed, tmp_path, lambda doc: doc[0].insert_text((300, 200), "ALSO GRANT FINANCE")
    )
    facts, word, reasons = _judge(changed, frozenset({sha}))
    assert facts.intact and facts.modification_level == "other"
    assert word is SignatureVerdict.MODIFIED
    assert "changed after signing" in reasons[0]


def test_unknown_certificate_is_identity_unknown(form, jane) -> None:
    registered = frozenset({read_digital_signatures(sign_pdf(form, jane))[0].certificate.sha256})
    impostor = make_certificate("Jane Doe")  # same name, different key: not the one on file
    facts, word, reasons = _judge(sign_pdf(form, impostor), registered)
    assert word is SignatureVerdict.IDENTITY_UNKNOWN
    assert "not registered" in reasons[0]


def test_expired_certificate_is_invalid(form) -> None:
    expired = make_certificate("Jane Doe", expired=True)
    signed = sign_pdf(form, expired)
    facts = read_digital_signatures(signed)[0]
    word, reasons = verdict(facts, frozenset({facts.certificate.sha256}))
    assert word is SignatureVerdict.INVALID
    assert "was not valid on" in reasons[0]


def test_tampered_signed_bytes_are_invalid(form, jane) -> None:
    signed = bytearray(sign_pdf(form, jane))
    at = signed.index(b"Blue Springs R-IV")  # inside the signed byte range
    signed[at : at + 4] = b"Red "
    facts = read_digital_signatures(bytes(signed))[0]
    word, _ = verdict(facts, frozenset({facts.certificate.sha256}))
    assert word is SignatureVerdict.INVALID and not facts.intact


def test_unsigned_form_has_no_digital_signatures(form) -> None:
    assert read_digital_signatures(form) == []


@pytest.mark.parametrize(
    "number,field",
    [
        ("MO 500-2356", "signature"),
        ("DA-102", "user_signature"),
        ("DA-102", "signature"),
        ("DA-101", "contact_signature"),
    ],
)
def test_wet_ink_found_in_a_faxed_signature_box(number: str, field: str) -> None:
    layout = generate_form(number)
    filled = generate_form(number, VALUES)
    box = signature_boxes(layout)[field]
    signed_fax = fax_of(filled, scribble_on=box)
    blank_fax = fax_of(filled)
    ink = find_ink(signed_fax, layout, field)
    assert ink.present and ink.ink_ratio > 0.004, ink.ink_ratio
    assert ink.crop_png.startswith(b"\x89PNG")
    empty = find_ink(blank_fax, layout, field)
    assert not empty.present, empty.ink_ratio


@pytest.mark.parametrize(
    "shift,size",
    [((6.0, -4.0), None), ((-3.0, 5.0), (622.08, 792.0)), ((0.0, 0.0), (595.0, 842.0))],
)
def test_wet_ink_found_when_the_fax_sits_off_the_layout(shift, size) -> None:
    layout = generate_form("MO 500-2356")
    filled = generate_form("MO 500-2356", VALUES)
    box = signature_boxes(layout)["signature"]
    signed = find_ink(
        fax_of(filled, scribble_on=box, dpi=200, shift=shift, page_size=size), layout, "signature"
    )
    empty = find_ink(fax_of(filled, dpi=200, shift=shift, page_size=size), layout, "signature")
    assert signed.present and not empty.present, (signed.ink_ratio, empty.ink_ratio)


def test_an_unsigned_fillable_form_has_no_ink(form) -> None:
    layout = generate_form("MO 500-2356")
    assert not find_ink(form, layout, "signature").present
