"""Forms filled by other tools (pypdf, raw PDF edits, a signing tool) read correctly."""

from __future__ import annotations

import datetime as dt
import io

import pymupdf
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pypdf import PdfReader, PdfWriter

from desk_app.pdf.catalogue import get_form
from desk_app.pdf.errors import PdfRejected
from desk_app.pdf.fill import fill_form, printable_copy
from desk_app.pdf.read import read_form
from desk_app.pdf.samples import example_values


def _pypdf_fill(pdf: bytes, values: dict[str, str]) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_filled_with_pypdf_reads_back(blank_forms: dict[str, bytes]) -> None:
    spec = get_form("DA-101")
    values = {k: v for k, v in example_values(spec, variant=2).items() if not k.endswith("_level")}
    as_pypdf = {k: ("/Yes" if spec.field(k).kind == "checkbox" else v) for k, v in values.items()}
    reading = read_form(_pypdf_fill(blank_forms[spec.number], as_pypdf))
    assert reading.form_number == "DA-101" and reading.source == "fields"
    for name, value in values.items():
        assert reading.values[name] == value, name
    assert reading.values["role_1_level"]  # derived although pypdf never wrote it


def _rename_on_state(doc: pymupdf.Document, name: str, on: str) -> None:
    """Give a checkbox the on-state ``on`` instead of reportlab's /Yes (raw object edits)."""
    for page in doc:
        for w in page.widgets():
            if w.field_name == name:
                for mode in ("N", "D", "R"):
                    _kind, on_ref = doc.xref_get_key(w.xref, f"AP/{mode}/Yes")
                    _kind, off_ref = doc.xref_get_key(w.xref, f"AP/{mode}/Off")
                    doc.xref_set_key(w.xref, f"AP/{mode}", f"<</Off {off_ref}/{on} {on_ref}>>")


def test_checkbox_with_its_own_on_state(blank_forms: dict[str, bytes]) -> None:
    doc = pymupdf.open(stream=blank_forms["DA-102"])
    _rename_on_state(doc, "user_agrees", "Agreed")
    renamed = doc.tobytes()
    filled = fill_form(renamed, {"user_agrees": "Yes"})
    check = pymupdf.open(stream=filled)
    page = check[0]
    widget = next(w for w in page.widgets() if w.field_name == "user_agrees")
    assert widget.on_state() == "Agreed"
    assert check.xref_get_key(widget.xref, "V") == ("name", "/Agreed")
    assert read_form(filled).values["user_agrees"] == "Yes"


def test_raw_value_edits_without_appearances(blank_forms: dict[str, bytes]) -> None:
    doc = pymupdf.open(stream=blank_forms["MO 500-2356"])
    for w in doc[0].widgets():
        if w.field_name == "entity_name":
            doc.xref_set_key(w.xref, "V", pymupdf.get_pdf_str("Ozark Valley College"))
        if w.field_name == "um_action":
            doc.xref_set_key(w.xref, "V", pymupdf.get_pdf_str("remove"))
    reading = read_form(doc.tobytes())
    assert reading.values["entity_name"] == "Ozark Valley College"
    assert reading.values["um_action"] == "remove"


def _self_signed() -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Superintendent")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    from cryptography.hazmat.primitives import serialization

    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem_key, cert.public_bytes(serialization.Encoding.PEM)


def test_signature_field_can_be_signed_by_a_signing_tool(
    blank_forms: dict[str, bytes], tmp_path
) -> None:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    spec = get_form("MO 500-2356")
    values = {k: v for k, v in example_values(spec).items() if not k.endswith("_level")}
    filled = fill_form(blank_forms[spec.number], values)
    key, cert = _self_signed()
    (tmp_path / "k.pem").write_bytes(key)
    (tmp_path / "c.pem").write_bytes(cert)
    signer = signers.SimpleSigner.load(str(tmp_path / "k.pem"), str(tmp_path / "c.pem"))
    out = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(filled)),
        signers.PdfSignatureMetadata(field_name="signature"),
        signer=signer,
        output=out,
    )
    reading = read_form(out.getvalue())
    assert reading.values["signature"] == "signed"
    assert reading.values["signer_name"] == values["signer_name"]
    with pytest.raises(PdfRejected) as refused:
        fill_form(out.getvalue(), {"signer_title": "Changed"})
    assert refused.value.code == "signed"
    # the copy for paper keeps a signed field (only unsigned ones go)
    paper = pymupdf.open(stream=printable_copy(out.getvalue()))
    assert [
        w.field_name
        for w in paper[0].widgets()
        if w.field_type == pymupdf.PDF_WIDGET_TYPE_SIGNATURE
    ] == ["signature"]
