"""Signatures on a received form, without Qt or the database.

Digital signatures: pyHanko checks integrity (the signed bytes hash to what was signed and the
signature verifies with the certificate's key) and runs its difference analysis over every
revision added after signing. Filling in form fields afterwards is what Acrobat permits; any other
change (new page content, annotations, replaced objects) is flagged. Whether the certificate
belongs to the signer is decided against the certificates the caller registered for that person,
so the verdict is made by :func:`verdict` from plain facts, in Acrobat's words.

Wet-ink and image signatures (faxed or scanned forms): the signature box of the form's layout is
found from the signature widget of the blank form, that region (with a margin) of the received page
is rendered in grey, aligned with the same region of the blank form by cross-correlation (a fax
sits a few points off), and ink is whatever is dark in the received page and not printed on the
blank one.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from desk_app.errors import KnownError

if TYPE_CHECKING:
    from asn1crypto import x509 as asn1_x509

log = logging.getLogger(__name__)


class SignatureReadError(KnownError):
    """The file is too damaged for its signatures to be read at all."""


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
    # field values changed after this signature where it forbids it, in the reviewer's words
    # ("Email (was a@x, now b@y)"), and fields filled after it where it allows it
    modified_fields: tuple[str, ...] = ()
    filled_fields: tuple[str, ...] = ()


# pyHanko's ModificationLevel names (lower case) that Acrobat also accepts after signing
ALLOWED_AFTER_SIGNING = frozenset({"none", "lta_updates", "form_filling"})


def _cert_facts(cert: asn1_x509.Certificate) -> CertificateFacts:
    der = cert.dump()
    subject = cert.subject.native
    emails = [
        e
        for e in (cert.subject_alt_name_value.native if cert.subject_alt_name_value else [])
        if isinstance(e, str) and "@" in e
    ]
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
    if b"/ByteRange" not in pdf:
        # a signature dictionary is never compressed (its byte range must stay exact), so without
        # this key there is nothing to validate: skip pyHanko's full parse (faxes, unsigned forms)
        return []
    # pyHanko (with its certificate validator) is imported only when a PDF carries a signature:
    # it is about 30 MB and 0.3 s that a workstation reading faxes never needs
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as exc:  # pyHanko raises many error types for a damaged file
        raise SignatureReadError(
            f"the signatures of this PDF cannot be read ({type(exc).__name__})"
        ) from exc
    facts = []
    for sig in embedded:
        name = sig.field_name or ""
        cert = _cert_facts(sig.signer_cert) if sig.signer_cert is not None else None
        try:
            # the signer's own certificate is the only trust root: pyHanko checks integrity and
            # changes; whether the certificate is the person's is decided by verdict()
            roots = [sig.signer_cert] if sig.signer_cert is not None else []
            status = validate_pdf_signature(
                sig,
                ValidationContext(
                    trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
                ),
            )
        except Exception as exc:  # pyHanko raises many error types for a broken signature
            log.info("signature %s could not be validated: %s", name, type(exc).__name__)
            facts.append(
                DigitalSignatureFacts(
                    name,
                    False,
                    False,
                    "other",
                    False,
                    False,
                    None,
                    cert,
                    error=f"{type(exc).__name__}: {exc}"[:300],
                )
            )
            continue
        level = status.modification_level or ModificationLevel.OTHER
        modified, filled = _field_changes(pdf, sig)
        facts.append(
            DigitalSignatureFacts(
                field_name=name,
                intact=bool(status.intact),
                valid=bool(status.valid),
                modification_level=level.name.lower(),
                docmdp_ok=bool(status.docmdp_ok),
                whole_file=status.coverage is not None and status.coverage.name == "ENTIRE_FILE",
                signed_at=status.signer_reported_dt,
                certificate=cert,
                modified_fields=modified,
                filled_fields=filled,
            )
        )
    return facts


def _field_changes(pdf: bytes, sig: object) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(forbidden, permitted) field changes after ``sig``: signed means frozen."""
    from desk_app.pdf.signed_fields import changes_after_signing

    try:
        changes = changes_after_signing(pdf, sig)
    except Exception as exc:  # pyHanko raises many error types for a damaged revision
        log.info("fields at the signed revision cannot be read: %s", type(exc).__name__)
        return (f"the form's fields as signed cannot be read ({type(exc).__name__})",), ()
    return (
        tuple(c.sentence for c in changes if not c.permitted),
        tuple(c.label for c in changes if c.permitted),
    )


def verdict(
    facts: DigitalSignatureFacts, registered_sha256: frozenset[str], now: datetime | None = None
) -> tuple[SignatureVerdict, tuple[str, ...]]:
    """Judge one signature against the certificates registered for the expected signer.

    Returns:
        The verdict and the reasons behind it, in the reviewer's words.
    """
    now = now or datetime.now(UTC)
    if facts.certificate is None or not facts.intact or not facts.valid:
        why = facts.error or (
            "the form was altered or damaged after it was signed"
            if not facts.intact
            else "the signature does not verify with the signer's certificate"
        )
        return SignatureVerdict.INVALID, (why,)
    cert = facts.certificate
    when = facts.signed_at or now
    if not cert.not_before <= when <= cert.not_after:
        return SignatureVerdict.INVALID, (
            f"the signer's certificate was not valid on {when:%Y-%m-%d} "
            f"(valid {cert.not_before:%Y-%m-%d} to {cert.not_after:%Y-%m-%d})",
        )
    level = facts.modification_level.lower()
    fields = ("modified after signing: " + "; ".join(facts.modified_fields),)
    if level not in ALLOWED_AFTER_SIGNING or not facts.docmdp_ok:
        return SignatureVerdict.MODIFIED, (
            f"the document was changed after signing beyond filling in fields ({facts.modification_level})",
            *(fields if facts.modified_fields else ()),
        )
    if facts.modified_fields:
        return SignatureVerdict.MODIFIED, fields
    reasons = []
    if facts.filled_fields:
        reasons.append(f"filled in after signing (permitted): {', '.join(facts.filled_fields)}")
    elif level == "form_filling":
        reasons.append("form fields were filled in after signing (permitted)")
    if cert.sha256 not in registered_sha256:
        who = cert.common_name or cert.subject
        return SignatureVerdict.IDENTITY_UNKNOWN, (
            f"the certificate ({who}) is not registered for the signer on file",
            *reasons,
        )
    if cert.not_after < now:
        reasons.append(f"the certificate has expired since ({cert.not_after:%Y-%m-%d})")
    return SignatureVerdict.VALID, ("signed with a certificate registered for the signer", *reasons)


# --- wet ink ------------------------------------------------------------------------------------

# the measuring itself (numpy, PyMuPDF) is in desk_app.pdf.ink, imported on first use


@dataclass(frozen=True)
class InkFinding:
    """Ink found in a signature box of a rendered page, with the crop for the review pane."""

    field_name: str
    page: int  # 0-based
    rect: tuple[float, float, float, float]  # PDF points, top-left origin (PyMuPDF)
    ink_ratio: float
    present: bool
    crop_png: bytes


def signature_boxes(layout_pdf: bytes) -> dict[str, tuple[int, tuple[float, float, float, float]]]:
    """Signature widgets of a form layout: field name -> (0-based page, rect) (cached)."""
    from desk_app.pdf import ink  # numpy and PyMuPDF: imported when first needed

    return ink.signature_boxes(layout_pdf)


def find_ink(received_pdf: bytes, layout_pdf: bytes, field_name: str) -> InkFinding:
    """Measure the ink in one signature box of a received (faxed, scanned or filled) form.

    Args:
        received_pdf: the received document; its pages follow the form's layout.
        layout_pdf: the blank form of the same number and edition (the reference layout).
        field_name: the signature field (``signature``, ``user_signature``, ``contact_signature``).

    Raises:
        KeyError: the layout has no signature field of that name.
        SignatureReadError: the received page cannot be rendered.
    """
    from desk_app.pdf import ink  # numpy and PyMuPDF: imported when first needed

    try:
        return InkFinding(*ink.find_ink(received_pdf, layout_pdf, field_name))
    except ink.InkUnreadable as exc:
        raise SignatureReadError(f"the signature box cannot be rendered ({exc})") from exc
