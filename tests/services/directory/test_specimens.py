"""Signature specimens filed from a scanned card: opened in the sandbox child, cut to the ink,
stored (synced), audited; listed and removed; refused when blank or from another role."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from desk_app.errors import KnownError, PermissionDenied, ValidationError
from desk_app.models.audit import AuditEvent
from desk_app.models.entities import County
from desk_app.models.sync_state import OutboxEntry
from desk_app.received import Received
from desk_app.services.directory.entities import EntityService
from desk_app.services.directory.specimens import OfficerSpecimens
from desk_app.services.directory.upkeep import DirectoryUpkeep


def signature_card(fmt: str = "PNG", ink: bool = True) -> bytes:
    """A scanned signature card: a white letter page at 150 dpi with a pen scribble."""
    page = Image.new("L", (1275, 1650), 255)
    if ink:
        pen = ImageDraw.Draw(page)
        points = [(300 + 12 * i, 800 + (40 if i % 3 else -30) + (i % 5) * 6) for i in range(50)]
        pen.line(points, fill=0, width=5)
        pen.line([(320, 880), (900, 860)], fill=20, width=3)
    out = io.BytesIO()
    page.save(out, format=fmt, dpi=(150, 150))
    return out.getvalue()


@pytest.fixture
def officer(ctx) -> str:
    with ctx.uow() as uow:
        uow.session.add(County(code="010", name="Boone"))
        uow.commit()
    upkeep = DirectoryUpkeep(ctx)
    (eid,) = upkeep.create_entity("lea", "010-093", "Columbia").record_ids
    upkeep.appoint_officer(
        eid, "superintendent", date(2024, 7, 1), first_name="Dana", last_name="Whitfield"
    )
    return EntityService(ctx).detail(eid).officers[0].person_id


def test_a_scanned_card_is_cut_to_its_ink_in_the_sandbox(ctx, officer, tmp_path) -> None:
    specimens = OfficerSpecimens(ctx)
    specimens.file_card(officer, Received(signature_card("PNG"), "card.png"), date(2026, 9, 1))
    card = tmp_path / "card.tif"
    card.write_bytes(signature_card("TIFF"))
    specimens.file_card_from(officer, card, date(2026, 10, 1))
    rows = specimens.list(officer)
    assert [r.signed_on for r in rows] == [date(2026, 10, 1), date(2026, 9, 1)]
    first = rows[0]
    assert first.image_png.startswith(b"\x89PNG") and first.source == "signature card"
    # the scribble (about 610 x 150 px of a 1275 x 1650 page) read at 200 dpi, cut to the ink
    # with a margin, and scaled to the 700 px specimen width: the page itself is gone
    assert first.width == 700 and 110 <= first.height <= 220, (first.width, first.height)
    with ctx.store.read() as s:
        actions = list(s.execute(select(AuditEvent.action)).scalars())
        queued = s.execute(
            select(OutboxEntry).where(OutboxEntry.table_name == "signature_specimen")
        ).all()
    assert actions.count("specimen.add") == 2 and len(queued) >= 2
    # for the dialog: each specimen decoded to grey pixels in a child, at most 180 rows high
    shown = specimens.list(officer, picture_height=180)
    assert all(r.picture is not None and r.picture.format == "Grayscale8" for r in shown)
    assert all(r.picture.height == min(180, r.height) for r in shown if r.picture)
    specimens.remove(first.id, "the card of another officer")
    assert [r.signed_on for r in specimens.list(officer)] == [date(2026, 9, 1)]


def test_a_damaged_stored_specimen_shows_as_unreadable_beside_the_others(ctx, officer) -> None:
    """A specimen synced from another workstation may be anything behind a PNG signature: the
    child refuses to draw it, the list still shows it (and the good one beside it)."""
    specimens = OfficerSpecimens(ctx)
    specimens.file_card(officer, Received(signature_card()), date(2026, 9, 1))
    forged = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + b"\x00\x01\x00\x00" * 2 + b"junk"
    DirectoryUpkeep(ctx).add_specimen(officer, forged, date(2026, 8, 1))
    rows = specimens.list(officer, picture_height=180)
    assert [r.signed_on for r in rows] == [date(2026, 9, 1), date(2026, 8, 1)]
    assert rows[0].picture is not None and rows[1].picture is None


def test_blank_or_wrong_files_are_refused(ctx, officer, tmp_path) -> None:
    specimens = OfficerSpecimens(ctx)
    with pytest.raises(KnownError, match="blank"):
        specimens.file_card(officer, Received(signature_card(ink=False)), date(2026, 9, 1))
    with pytest.raises(KnownError):
        specimens.file_card(officer, Received(b"%PDF-1.7 not really"), date(2026, 9, 1))
    notes = tmp_path / "card.docx"
    notes.write_bytes(b"PK")
    with pytest.raises(ValidationError, match="PDF, TIFF"):
        specimens.file_card_from(officer, notes, date(2026, 9, 1))
    assert specimens.list(officer) == ()


def test_only_a_security_administrator_files_specimens(make_ctx, officer) -> None:
    with pytest.raises(PermissionDenied):
        OfficerSpecimens(make_ctx("auditor", "audrey")).file_card(
            officer, Received(signature_card()), date(2026, 9, 1)
        )
    assert OfficerSpecimens(make_ctx("auditor", "audrey")).list(officer) == ()


def test_the_card_is_never_opened_in_this_process() -> None:
    source = Path("desk_app/services/directory/specimens.py").read_text()
    assert "PIL" not in source and "pymupdf" not in source and "bytes_for" not in source
