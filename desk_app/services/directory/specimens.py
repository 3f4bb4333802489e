"""An officer's signature specimens: listed, filed from a scanned signature card, removed.

The card (a PDF, TIFF, PNG or JPEG from outside) is opened only in the sandbox child, which
answers with the grey PNG of the ink alone; that crop is what is stored, synced and shown beside
a wet-ink signature for the reviewer. Filing and removing are audited by the directory upkeep.
"""

from __future__ import annotations

import struct
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from desk_app.errors import ValidationError
from desk_app.models.verification import SignatureSpecimen
from desk_app.pdf.errors import PdfRejected
from desk_app.received import Received
from desk_app.rules.permissions import Perm
from desk_app.sandbox import api as sandbox
from desk_app.services.context import Changes, ServiceContext
from desk_app.services.directory.upkeep import DirectoryUpkeep

if TYPE_CHECKING:
    from desk_app.pdf.render import RenderedPage

CARD_MAX_BYTES = 20 * 1024 * 1024
CARD_SUFFIXES = (".pdf", ".tif", ".tiff", ".png", ".jpg", ".jpeg")


@dataclass(frozen=True)
class SpecimenRow:
    id: str
    signed_on: date
    image_png: bytes
    width: int
    height: int
    source: str  # "signature card" (filed here) or "form" (captured from an approved form)
    added_at: datetime
    picture: RenderedPage | None = None  # image_png decoded in a child (None: unreadable)


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header (the child's own PNG: read, not parsed)."""
    if len(png) < 24 or not png.startswith(b"\x89PNG\r\n\x1a\n"):
        return 0, 0
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


class OfficerSpecimens:
    """The specimens of one person at a time (officers are people)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def list(self, person_id: str, picture_height: int = 0) -> tuple[SpecimenRow, ...]:
        """Newest first; with ``picture_height``, each PNG decoded (in a sandbox child: a
        specimen may come from another workstation) to grey pixels that high at most."""
        rows = self._rows(person_id)
        if not picture_height or not rows:
            return rows
        try:
            pictures = sandbox.picture_pixels([r.image_png for r in rows], picture_height)
        except PdfRejected:
            return rows  # shown as unreadable; the list itself stands
        return tuple(replace(r, picture=p) for r, p in zip(rows, pictures, strict=True))

    def _rows(self, person_id: str) -> tuple[SpecimenRow, ...]:
        self.ctx.require(Perm.VIEW_ENTITIES)
        with self.ctx.store.read() as s:
            rows = s.execute(
                select(SignatureSpecimen)
                .where(
                    SignatureSpecimen.person_id == uuid.UUID(person_id),
                    SignatureSpecimen.deleted_at.is_(None),
                )
                .order_by(SignatureSpecimen.signed_on.desc(), SignatureSpecimen.created_at.desc())
            ).scalars()
            return tuple(
                SpecimenRow(
                    str(r.id),
                    r.signed_on,
                    r.image_png,
                    r.width or png_size(r.image_png)[0],
                    r.height or png_size(r.image_png)[1],
                    "form" if r.source_submission_id else "signature card",
                    r.created_at,
                )
                for r in rows
            )

    def file_card(self, person_id: str, card: Received, signed_on: date) -> Changes:
        """File the ink of a scanned signature card as a specimen signed on ``signed_on``."""
        self.ctx.require(Perm.EDIT_ENTITIES)
        if signed_on > date.today():
            raise ValidationError("signed on", "is in the future")
        if len(card) > CARD_MAX_BYTES:
            raise ValidationError("signature card", "is larger than 20 MB")
        png = sandbox.signature_specimen(card)
        return DirectoryUpkeep(self.ctx).add_specimen(person_id, png, signed_on)

    def file_card_from(self, person_id: str, path: Path, signed_on: date) -> Changes:
        """:meth:`file_card` for a file the operator chose."""
        if path.suffix.lower() not in CARD_SUFFIXES:
            raise ValidationError("signature card", "must be a PDF, TIFF, PNG or JPEG file")
        if path.stat().st_size > CARD_MAX_BYTES:
            raise ValidationError("signature card", "is larger than 20 MB")
        return self.file_card(person_id, Received(path.read_bytes(), path.name), signed_on)

    def remove(self, specimen_id: str, reason: str) -> Changes:
        return DirectoryUpkeep(self.ctx).retire_specimen(specimen_id, reason)
