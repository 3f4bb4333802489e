"""Malformed, encrypted, oversized and active-content PDFs are refused with a reason."""

from __future__ import annotations

import pymupdf
import pytest

from desk_app.pdf.errors import PdfRejected
from desk_app.pdf.fill import fill_form
from desk_app.pdf.read import read_form
from desk_app.pdf.safety import open_checked


def _plain_pdf(pages: int = 1, text: str = "hello") -> pymupdf.Document:
    doc = pymupdf.open()
    for _ in range(pages):
        doc.new_page().insert_text((72, 72), text)
    return doc


def _with_action(doc: pymupdf.Document, action: str) -> bytes:
    xref = doc.get_new_xref()
    doc.update_object(xref, action)
    doc.xref_set_key(doc.pdf_catalog(), "OpenAction", f"{xref} 0 R")
    return doc.tobytes()


def _refusal(data: bytes) -> PdfRejected:
    with pytest.raises(PdfRejected) as info:
        read_form(data)
    return info.value


def test_not_a_pdf() -> None:
    assert _refusal(b"GIF89a....").code == "malformed"


def test_truncated_garbage_pdf() -> None:
    refusal = _refusal(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R\n%%EOF")
    assert refusal.code == "malformed"
    assert "PDF" in refusal.reason


def test_encrypted_pdf() -> None:
    data = _plain_pdf().tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="u", owner_pw="o")
    refusal = _refusal(data)
    assert (refusal.code, refusal.reason) == ("encrypted", "the PDF is encrypted with a password")


def test_javascript_open_action() -> None:
    refusal = _refusal(_with_action(_plain_pdf(), "<< /S /JavaScript /JS (app.alert(1)) >>"))
    assert refusal.code == "javascript"
    assert "JavaScript" in refusal.reason


def test_javascript_in_one_of_our_forms(blank_forms: dict[str, bytes]) -> None:
    doc = pymupdf.open(stream=blank_forms["MO 500-2356"])
    page = doc[0]
    widget = next(page.widgets())
    xref = doc.get_new_xref()
    doc.update_object(xref, "<< /S /JavaScript /JS (this.getField('pin').value='0000') >>")
    doc.xref_set_key(widget.xref, "AA", f"<< /K {xref} 0 R >>")
    tampered = doc.tobytes()
    assert _refusal(tampered).code == "javascript"
    with pytest.raises(PdfRejected):
        fill_form(tampered, {"entity_name": "x"})


def test_launch_action() -> None:
    refusal = _refusal(_with_action(_plain_pdf(), "<< /S /Launch /F (calc.exe) >>"))
    assert refusal.code == "launch" and "launch action" in refusal.reason


def test_embedded_file() -> None:
    doc = _plain_pdf()
    doc.embfile_add("payload.exe", b"MZ not really")
    refusal = _refusal(doc.tobytes())
    assert refusal.code == "embedded_file" and "embedded files" in refusal.reason


def test_size_and_page_limits() -> None:
    with pytest.raises(PdfRejected, match="over the 1 MB limit") as big:
        open_checked(b"%PDF-1.7" + b" " * 2_000_000, max_bytes=1_000_000)
    assert big.value.code == "too_big"
    with pytest.raises(PdfRejected, match="61 pages, over the 60-page limit"):
        open_checked(_plain_pdf(61).tobytes())


def test_a_pdf_that_is_not_one_of_our_forms() -> None:
    reading = read_form(_plain_pdf(text="Quarterly newsletter").tobytes())
    assert (reading.form_number, reading.source, reading.is_form) == ("", "none", False)


def test_identified_by_printed_number_only() -> None:
    doc = _plain_pdf(text="Web Systems User Manager Request  Form MO 500-2356  Edition 2026-1")
    reading = read_form(doc.tobytes())
    assert (reading.form_number, reading.edition, reading.source) == (
        "MO 500-2356",
        "2026-1",
        "text",
    )
