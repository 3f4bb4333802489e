"""Checking a printed certificate from a scan, a photo or a PDF, offline.

The file is outside input: it is opened only in the sandbox child (an image is first turned into
a PDF there, its pages drawn and their QR codes decoded there); this process receives nothing but
the decoded texts. The QR's signature is checked against the agency's public keys, then the
facts against the local records (revoked, superseded, expired, changed since printing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from desk_app.models.base import utcnow
from desk_app.models.educators import Certificate, Educator
from desk_app.received import Received
from desk_app.sandbox import api as sandbox
from desk_app.services.context import ServiceContext
from desk_app.services.educators import signing
from desk_app.services.educators.certificates import facts_of
from desk_app.services.educators.signing import CertificateFacts, SignedReading

SCAN_DPIS = (144, 288)
VERDICTS = ("valid", "bad_signature", "unknown_key", "revoked", "superseded", "expired", "changed")


@dataclass(frozen=True)
class CertificateCheck:
    """The verdict on one certificate QR: ``valid`` or why not, with the facts it carries."""

    verdict: str
    facts: CertificateFacts | None
    reasons: tuple[str, ...]
    key_id: str = ""
    in_local_records: bool = False

    @property
    def valid(self) -> bool:
        return self.verdict == "valid"


def qr_texts(data: Received | bytes) -> list[str]:
    """Every QR / PDF417 text on the pages of an untrusted PDF or image.

    Everything happens in a sandbox child (an image becomes a PDF, pages are drawn, zxing-cpp
    decodes); this process receives the decoded texts only. Pages are drawn at 144 dpi first
    (a certificate QR module is 5-6 pixels there); only when nothing is found at 288 dpi, for
    a small or blurred photo.
    """
    return sandbox.qr_texts(data, SCAN_DPIS)


def verify_scan(ctx: ServiceContext, data: Received | bytes) -> list[CertificateCheck]:
    """The verdict on every certificate QR found in ``data`` (empty when none is found).

    Raises:
        PdfRejected: the file is not a PDF or image the sandbox accepts.
    """
    return [verify_text(ctx, t) for t in qr_texts(data) if t.startswith(signing.PREFIX + "|")]


def verify_text(ctx: ServiceContext, text: str, today: date | None = None) -> CertificateCheck:
    """The verdict on one decoded certificate QR text."""
    reading = signing.read_signed(text, signing.trusted_keys(ctx.secrets))
    if reading is None:
        return CertificateCheck("bad_signature", None, ("the QR is not a certificate code",))
    if not reading.key_known:
        why = f"signed with key {reading.key_id}, which is not one of the agency's keys"
        return CertificateCheck("unknown_key", reading.facts, (why,), reading.key_id)
    if not reading.signature_valid:
        why = "the signature does not match the facts: the certificate was altered or forged"
        return CertificateCheck("bad_signature", reading.facts, (why,), reading.key_id)
    return _against_records(ctx, reading, today or utcnow().date())


def _against_records(ctx: ServiceContext, reading: SignedReading, today: date) -> CertificateCheck:
    facts = reading.facts
    with ctx.store.read() as s:
        row = s.execute(
            select(Certificate, Educator)
            .join(Educator, Certificate.educator_id == Educator.id)
            .where(Certificate.number == facts.number, Certificate.deleted_at.is_(None))
        ).first()
        record = (row[0].status, facts_of(row[0], row[1])) if row else None
    reasons: list[str] = []
    verdict = "valid"
    if record is None:
        reasons.append("no local record of this number: revocation could not be checked here")
    else:
        status, held = record
        if status in ("revoked", "superseded"):
            verdict = status
            reasons.append(f"the records say certificate {facts.number} is {status}")
        elif held != facts:
            verdict = "changed"
            reasons.append("the record differs from the printed facts: print it again")
    if verdict == "valid" and facts.expires < today:
        verdict = "expired"
        reasons.append(f"expired on {facts.expires.isoformat()}")
    return CertificateCheck(verdict, facts, tuple(reasons), reading.key_id, record is not None)
