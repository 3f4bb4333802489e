"""The signature pictures of a verification report, decoded for the review pane to show.

A form's signature crop was cut by a sandbox child from a received document, and a specimen may
have been synced from another workstation: both are PNGs this process must not decode (a PNG
decoder is parser code, and the bytes are not ours). One sandbox job turns every picture of a
report into grey pixels, which the pane hands to Qt as they are.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from desk_app.pdf.errors import PdfRejected
from desk_app.sandbox import api as sandbox
from desk_app.services.context import ServiceContext
from desk_app.services.review import verification
from desk_app.services.review.dto import SignatureFinding, VerificationReport

log = logging.getLogger(__name__)


def with_pictures(report: VerificationReport, height: int) -> VerificationReport:
    """``report`` with each crop and specimen decoded (in a child) to at most ``height`` rows.

    A picture the child cannot read stays ``None`` (the pane says so); a failed job leaves all of
    them ``None`` rather than failing the report, whose checks stand on their own.
    """
    pngs: list[bytes] = []
    for found in report.signatures:
        if found.crop_png:
            pngs.append(found.crop_png)
        pngs += [s.image_png for s in found.specimens]
    if not pngs:
        return report
    try:
        pictures = iter(sandbox.picture_pixels(pngs, height))
    except PdfRejected as exc:
        log.warning("signature pictures of submission %s: %s", report.submission_id, exc)
        return report

    def decoded(found: SignatureFinding) -> SignatureFinding:
        crop = next(pictures) if found.crop_png else None
        specimens = tuple(replace(s, picture=next(pictures)) for s in found.specimens)
        return replace(found, crop=crop, specimens=specimens)

    return replace(report, signatures=tuple(decoded(f) for f in report.signatures))


def verify_for_review(ctx: ServiceContext, submission_id: str, height: int) -> VerificationReport:
    """:func:`verify_submission` with the signature pictures decoded, for the review pane."""
    return with_pictures(verification.verify_submission(ctx, submission_id), height)
