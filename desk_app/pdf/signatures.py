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
from functools import lru_cache

import numpy as np
import pymupdf
from asn1crypto import x509 as asn1_x509

from desk_app.errors import KnownError
from desk_app.pdf.mupdf import on_owner

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

INK_DPI = 150
INK_DARK = 140  # grey level below which a pixel counts as dark
INK_MIN_RATIO = 0.004  # share of the box's pixels that must be new ink
INK_INSET = 3.0  # points trimmed inside the box so its printed border is never counted
INK_SEARCH = 10.0  # points: how far a faxed page may sit off the layout (fax margins, feed)


@dataclass(frozen=True)
class InkFinding:
    """Ink found in a signature box of a rendered page, with the crop for the review pane."""

    field_name: str
    page: int  # 0-based
    rect: tuple[float, float, float, float]  # PDF points, top-left origin (PyMuPDF)
    ink_ratio: float
    present: bool
    crop_png: bytes


def _open(data: bytes) -> pymupdf.Document:
    return pymupdf.open(stream=data, filetype="pdf")  # type: ignore[no-untyped-call]


@lru_cache(maxsize=32)
def signature_boxes(layout_pdf: bytes) -> dict[str, tuple[int, tuple[float, float, float, float]]]:
    """Signature widgets of a form layout: field name -> (0-based page, rect)."""
    boxes: dict[str, tuple[int, tuple[float, float, float, float]]] = {}
    with _open(layout_pdf) as doc:
        for page in doc:
            for widget in page.widgets() or ():
                if widget.field_type == pymupdf.PDF_WIDGET_TYPE_SIGNATURE:  # type: ignore[attr-defined]
                    r = widget.rect
                    boxes[widget.field_name] = (page.number, (r.x0, r.y0, r.x1, r.y1))
    return boxes


def _grey(
    page: pymupdf.Page,
    rect: tuple[float, float, float, float],
    scale: tuple[float, float],
    annots: bool,
) -> np.ndarray:
    """The region ``rect`` (layout points) of ``page`` as a grey array at :data:`INK_DPI`.

    ``scale`` maps layout points to this page's points (a fax normalised to another page size).
    """
    sx, sy = scale
    clip = pymupdf.Rect(rect[0] * sx, rect[1] * sy, rect[2] * sx, rect[3] * sy)  # type: ignore[no-untyped-call]
    zoom = INK_DPI / 72
    matrix = pymupdf.Matrix(zoom / sx, zoom / sy)  # type: ignore[no-untyped-call]
    # annotations count on the received page: an image signature may be pasted as a stamp
    pix = page.get_pixmap(
        matrix=matrix, clip=clip, colorspace=pymupdf.csGRAY, alpha=False, annots=annots
    )
    return np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.stride)[
        :, : pix.width
    ]


def _fit(a: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Crop or pad (white) ``a`` to ``shape``: renders of the same region may differ by a pixel."""
    out = np.full(shape, 255, dtype=np.uint8)
    h, w = min(shape[0], a.shape[0]), min(shape[1], a.shape[1])
    out[:h, :w] = a[:h, :w]
    return out


def _shift(mask: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``mask`` moved by (dy, dx) pixels, empty where nothing moved in."""
    out = np.zeros_like(mask)
    h, w = mask.shape
    out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = mask[
        max(-dy, 0) : h - max(dy, 0), max(-dx, 0) : w - max(dx, 0)
    ]
    return out


def _grow(mask: np.ndarray, radius: int = 2) -> np.ndarray:
    """Dilate so a printed line a pixel or two off in the received page is still masked."""
    out = mask.copy()
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            out |= _shift(mask, dy, dx)
    return out


def _offset(received: np.ndarray, printed: np.ndarray, limit: int) -> tuple[int, int]:
    """How far the received page's print is displaced from the layout (cross-correlation peak)."""
    spectrum = np.fft.rfft2(received.astype(np.float32)) * np.conj(
        np.fft.rfft2(printed.astype(np.float32))
    )
    corr = np.fft.irfft2(spectrum, s=received.shape)
    h, w = corr.shape
    best, where = -1.0, (0, 0)
    for dy in range(-limit, limit + 1):
        for dx in range(-limit, limit + 1):
            value = corr[dy % h, dx % w]
            if value > best:
                best, where = value, (dy, dx)
    return where


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
    # PyMuPDF is not thread-safe: every call runs on its one owner thread
    try:
        return on_owner(_find_ink, received_pdf, layout_pdf, field_name)
    except (RuntimeError, pymupdf.mupdf.FzErrorBase) as exc:  # MuPDF's errors for a damaged page
        raise SignatureReadError(
            f"the signature box cannot be rendered ({type(exc).__name__})"
        ) from exc


@lru_cache(maxsize=32)
def _printed(
    layout_pdf: bytes, field_name: str
) -> tuple[int, tuple[float, float, float, float], np.ndarray, tuple[float, float]]:
    """The blank layout's print around a signature box (page, box, dark mask, page size), once."""
    page_no, rect = signature_boxes(layout_pdf)[field_name]
    m = INK_SEARCH
    with _open(layout_pdf) as blank:
        grey = _grey(
            blank[page_no],
            (rect[0] - m, rect[1] - m, rect[2] + m, rect[3] + m),
            (1.0, 1.0),
            annots=False,
        )
        size = (blank[page_no].rect.width, blank[page_no].rect.height)
    mask = grey < INK_DARK
    mask.flags.writeable = False  # shared by every call through the cache
    return page_no, rect, mask, size


def _png(grey: np.ndarray) -> bytes:
    grey = np.ascontiguousarray(grey)
    pix = pymupdf.Pixmap(pymupdf.csGRAY, grey.shape[1], grey.shape[0], grey.tobytes(), 0)  # type: ignore[no-untyped-call]
    return bytes(pix.tobytes("png"))  # type: ignore[no-untyped-call]


def _find_ink(received_pdf: bytes, layout_pdf: bytes, field_name: str) -> InkFinding:
    page_no, rect, printed, (width, height) = _printed(layout_pdf, field_name)
    m, px = INK_SEARCH, INK_DPI / 72
    region = (rect[0] - m, rect[1] - m, rect[2] + m, rect[3] + m)
    with _open(received_pdf) as got:
        if page_no >= got.page_count:
            return InkFinding(field_name, page_no, rect, 0.0, False, b"")
        page = got[page_no]
        scale = (page.rect.width / width, page.rect.height / height)
        grey = _fit(_grey(page, region, scale, annots=True), printed.shape)
    seen = grey < INK_DARK
    dy, dx = _offset(seen, printed, int(m * px))
    ink = seen & ~_grow(_shift(printed, dy, dx))
    top, left = int((m + INK_INSET) * px) + dy, int((m + INK_INSET) * px) + dx
    bottom = int((m + rect[3] - rect[1] - INK_INSET) * px) + dy
    right = int((m + rect[2] - rect[0] - INK_INSET) * px) + dx
    box = ink[max(top, 0) : max(bottom, 0), max(left, 0) : max(right, 0)]
    ratio = float(box.mean()) if box.size else 0.0
    # the crop shown to the reviewer: the whole box where the received page has it
    edge = int(m * px)
    crop = grey[
        max(edge + dy, 0) : max(edge + dy + int((rect[3] - rect[1]) * px), 0),
        max(edge + dx, 0) : max(edge + dx + int((rect[2] - rect[0]) * px), 0),
    ]
    png = _png(crop) if crop.size else b""
    return InkFinding(field_name, page_no, rect, round(ratio, 5), ratio >= INK_MIN_RATIO, png)
