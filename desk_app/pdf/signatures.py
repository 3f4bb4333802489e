"""Signatures on a received form, without Qt or the database.

Digital signatures: pyHanko checks integrity (the signed bytes hash to what was signed and the
signature verifies with the certificate's key) and runs its difference analysis over every
revision added after signing. Filling in form fields afterwards is what Acrobat permits; any other
change (new page content, annotations, replaced objects) is flagged. Whether the certificate
belongs to the signer is decided against the certificates the caller registered for that person,
so the verdict is made by :func:`verdict` from plain facts, in Acrobat's words.

Wet-ink and image signatures (faxed or scanned forms): the signature box of the form's layout is
found from the signature widget of the blank form, that region of the received page is rendered in
grey and compared with the same region of the blank form; ink is whatever is dark in the received
page and not printed on the blank one.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache

import pymupdf
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from desk_app.pdf.mupdf import on_owner

log = logging.getLogger(__name__)


class SignatureVerdict(StrEnum):
    """What Acrobat would say about a digital signature."""

    VALID = "valid"
    MODIFIED = "valid but modified after signing"
    IDENTITY_UNKNOWN = "identity unknown"
    INVALID = "invalid"


@dataclass(frozen=True)
class CertificateFacts:
    """The signing certificate, as the review pane and the registry need it."""

    sha256: str
    subject: str
    common_name: str
    email: str
    issuer: str
    serial: str
    not_before: datetime
    not_after: datetime
    der: bytes


@dataclass(frozen=True)
class DigitalSignatureFacts:
    """What pyHanko found about one embedded signature (no judgement about identity yet)."""

    field_name: str
    intact: bool  # the signed byte ranges hash to the signed digest
    valid: bool  # the cryptographic signature verifies with the certificate's key
    modification_level: str  # none / lta_updates / form_filling / annotations / other
    docmdp_ok: bool
    whole_file: bool  # the signature covers the whole file (nothing added after it)
    signed_at: datetime | None  # the signer's clock (unverified without a timestamp)
    certificate: CertificateFacts | None
    error: str = ""


ALLOWED_AFTER_SIGNING = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES,
                         ModificationLevel.FORM_FILLING)


def _cert_facts(cert: asn1_x509.Certificate) -> CertificateFacts:
    der = cert.dump()
    subject = cert.subject.native
    emails = [e for e in (cert.subject_alt_name_value.native if cert.subject_alt_name_value else [])
              if isinstance(e, str) and "@" in e]
    return CertificateFacts(
        sha256=hashlib.sha256(der).hexdigest(),
        subject=cert.subject.human_friendly,
        common_name=str(subject.get("common_name", "")),
        email=str(subject.get("email_address", "") or (emails[0] if emails else "")),
        issuer=cert.issuer.human_friendly,
        serial=format(cert.serial_number, "x"),
        not_before=cert.not_valid_before.astimezone(UTC),
        not_after=cert.not_valid_after.astimezone(UTC),
        der=der,
    )


def read_digital_signatures(pdf: bytes) -> list[DigitalSignatureFacts]:
    """Validate every embedded signature's integrity and the changes made after it.

    Trust is not decided here (nothing is fetched): identity is the caller's business.
    """
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    facts = []
    for sig in reader.embedded_signatures:
        name = sig.field_name or ""
        cert = _cert_facts(sig.signer_cert) if sig.signer_cert is not None else None
        try:
            # the signer's own certificate is the only trust root: pyHanko checks integrity and
            # changes; whether the certificate is the person's is decided by verdict()
            roots = [sig.signer_cert] if sig.signer_cert is not None else []
            status = validate_pdf_signature(
                sig, ValidationContext(trust_roots=roots, allow_fetching=False,
                                       revocation_mode="soft-fail"))
        except Exception as exc:  # pyHanko raises many error types for a broken signature
            log.info("signature %s could not be validated: %s", name, type(exc).__name__)
            facts.append(DigitalSignatureFacts(name, False, False, "other", False, False, None, cert,
                                               error=f"{type(exc).__name__}: {exc}"[:300]))
            continue
        level = status.modification_level or ModificationLevel.OTHER
        facts.append(DigitalSignatureFacts(
            field_name=name, intact=bool(status.intact), valid=bool(status.valid),
            modification_level=level.name.lower(), docmdp_ok=bool(status.docmdp_ok),
            whole_file=status.coverage is not None and status.coverage.name == "ENTIRE_FILE",
            signed_at=status.signer_reported_dt, certificate=cert,
        ))
    return facts


def verdict(facts: DigitalSignatureFacts, registered_sha256: frozenset[str],
            now: datetime | None = None) -> tuple[SignatureVerdict, tuple[str, ...]]:
    """Judge one signature against the certificates registered for the expected signer.

    Returns:
        The verdict and the reasons behind it, in the reviewer's words.
    """
    now = now or datetime.now(UTC)
    if facts.certificate is None or not facts.intact or not facts.valid:
        why = facts.error or ("the form was altered or damaged after it was signed" if not facts.intact
                              else "the signature does not verify with the signer's certificate")
        return SignatureVerdict.INVALID, (why,)
    cert = facts.certificate
    when = facts.signed_at or now
    if not cert.not_before <= when <= cert.not_after:
        return SignatureVerdict.INVALID, (
            f"the signer's certificate was not valid on {when:%Y-%m-%d} "
            f"(valid {cert.not_before:%Y-%m-%d} to {cert.not_after:%Y-%m-%d})",)
    level = ModificationLevel[facts.modification_level.upper()]
    if level not in ALLOWED_AFTER_SIGNING or not facts.docmdp_ok:
        return SignatureVerdict.MODIFIED, (
            f"the document was changed after signing beyond filling in fields ({facts.modification_level})",)
    reasons = []
    if level is ModificationLevel.FORM_FILLING:
        reasons.append("form fields were filled in after signing (permitted)")
    if cert.sha256 not in registered_sha256:
        who = cert.common_name or cert.subject
        return SignatureVerdict.IDENTITY_UNKNOWN, (
            f"the certificate ({who}) is not registered for the signer on file", *reasons)
    if cert.not_after < now:
        reasons.append(f"the certificate has expired since ({cert.not_after:%Y-%m-%d})")
    return SignatureVerdict.VALID, ("signed with a certificate registered for the signer", *reasons)


# --- wet ink ------------------------------------------------------------------------------------

INK_DPI = 150
INK_DARK = 140  # grey level below which a pixel counts as dark
INK_MIN_RATIO = 0.004  # share of the box's pixels that must be new ink
INK_INSET = 3.0  # points trimmed inside the box so its printed border is never counted


@dataclass(frozen=True)
class InkFinding:
    """Ink found in a signature box of a rendered page, with the crop for the review pane."""

    field_name: str
    page: int  # 0-based
    rect: tuple[float, float, float, float]  # PDF points, top-left origin (PyMuPDF)
    ink_ratio: float
    present: bool
    crop_png: bytes


@lru_cache(maxsize=32)
def signature_boxes(layout_pdf: bytes) -> dict[str, tuple[int, tuple[float, float, float, float]]]:
    """Signature widgets of a form layout: field name -> (0-based page, rect)."""
    boxes: dict[str, tuple[int, tuple[float, float, float, float]]] = {}
    with pymupdf.open(stream=layout_pdf, filetype="pdf") as doc:
        for page in doc:
            for widget in page.widgets() or ():
                if widget.field_type == pymupdf.PDF_WIDGET_TYPE_SIGNATURE:
                    r = widget.rect
                    boxes[widget.field_name] = (page.number, (r.x0, r.y0, r.x1, r.y1))
    return boxes


def _grey(doc: pymupdf.Document, page: int, rect: tuple[float, float, float, float],
          annots: bool = True) -> pymupdf.Pixmap:
    target = doc[page]
    clip = pymupdf.Rect(rect) & target.rect
    # annotations count on the received page: an image signature may be pasted as a stamp
    return target.get_pixmap(dpi=INK_DPI, clip=clip, colorspace=pymupdf.csGRAY, alpha=False,
                             annots=annots)


_DARK = bytes(1 if v < INK_DARK else 0 for v in range(256))


def _dark_mask(pix: pymupdf.Pixmap) -> bytearray:
    return bytearray(pix.samples.translate(_DARK))


def _grow(mask: bytearray, width: int, height: int, radius: int = 2) -> bytearray:
    """Dilate a 0/1 mask so a printed line a pixel off in the received page is still masked."""
    out = bytearray(mask)
    for y in range(height):
        row = y * width
        for x in (i for i in range(width) if mask[row + i]):
            for dy in range(-radius, radius + 1):
                yy = y + dy
                if 0 <= yy < height:
                    start = yy * width + max(0, x - radius)
                    end = yy * width + min(width, x + radius + 1)
                    out[start:end] = b"\x01" * (end - start)
    return out


def find_ink(received_pdf: bytes, layout_pdf: bytes, field_name: str) -> InkFinding:
    """Measure the ink in one signature box of a received (faxed, scanned or filled) form.

    Args:
        received_pdf: the received document; its pages follow the form's layout.
        layout_pdf: the blank form of the same number and edition (the reference layout).
        field_name: the signature field (``signature``, ``user_signature``, ``contact_signature``).

    Raises:
        KeyError: the layout has no signature field of that name.
    """
    # PyMuPDF is not thread-safe: every call runs on its one owner thread
    return on_owner(_find_ink, received_pdf, layout_pdf, field_name)


def layout_boxes(layout_pdf: bytes) -> dict[str, tuple[int, tuple[float, float, float, float]]]:
    """:func:`signature_boxes` on the PyMuPDF owner thread."""
    return on_owner(signature_boxes, layout_pdf)


def _find_ink(received_pdf: bytes, layout_pdf: bytes, field_name: str) -> InkFinding:
    page, rect = signature_boxes(layout_pdf)[field_name]
    inner = (rect[0] + INK_INSET, rect[1] + INK_INSET, rect[2] - INK_INSET, rect[3] - INK_INSET)
    with pymupdf.open(stream=received_pdf, filetype="pdf") as got, \
            pymupdf.open(stream=layout_pdf, filetype="pdf") as blank:
        if page >= got.page_count:
            return InkFinding(field_name, page, rect, 0.0, False, b"")
        pix = _grey(got, page, inner)
        ref = _grey(blank, page, inner, annots=False)
        crop = _grey(got, page, rect).tobytes("png")
    seen = _dark_mask(pix)
    if (ref.width, ref.height) == (pix.width, pix.height):
        printed = _grow(_dark_mask(ref), ref.width, ref.height)
        ink = sum(1 for a, b in zip(seen, printed, strict=True) if a and not b)
    else:
        ink = sum(seen)
    ratio = ink / max(1, pix.width * pix.height)
    return InkFinding(field_name, page, rect, round(ratio, 5), ratio >= INK_MIN_RATIO, crop)
