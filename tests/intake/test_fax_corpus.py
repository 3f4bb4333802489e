"""Faxes as they arrive (issue 13 item 4): any rotation, fine and normal resolution, with the
TIFF's resolution tags either way round. Each is identified by its page QR; its data barcode is
read wherever the fax still resolves it."""

from __future__ import annotations

import pytest

from desk_app.intake.sources import fax_folder
from desk_app.models.submissions import QueueState
from tests.intake.makers import FAX_MODES, documents, fax_as_sent, printed_form, submissions

ROTATIONS = (0, 90, 180, 270)
CORPUS = [
    (rotation, mode, swapped)
    for rotation in ROTATIONS
    for mode in sorted(FAX_MODES)
    for swapped in (False, True)
]


def _unreadable_by_physics(rotation: int, mode: str) -> bool:
    """A sideways page at normal resolution puts the data barcode's 0.9 pt modules across the
    98-lines-per-inch axis: 1.2 lines a module, below what any decoder can sample after the
    fax's 1-bit threshold. Such a fax is identified and goes to keying."""
    return mode == "normal" and rotation in (90, 270)


@pytest.fixture(scope="module")
def printed() -> bytes:
    return printed_form("MO 500-2377", token="fax-corpus")


def test_every_fax_of_the_corpus_is_identified_by_its_page_qr(tmp_path, ctx, run_intake, printed):
    drop = tmp_path / "fax"
    drop.mkdir()
    names = {}
    for rotation, mode, swapped in CORPUS:
        name = f"fax-{rotation:03d}-{mode}-{'swapped' if swapped else 'tagged'}.tif"
        (drop / name).write_bytes(
            fax_as_sent(printed, rotation=rotation, mode=mode, tags_swapped=swapped)
        )
        names[name] = (rotation, mode)
    report = run_intake(fax_folder(drop, ""))
    assert report.taken == len(CORPUS) and report.quarantined == 0
    seen = submissions(ctx)
    assert len(seen) == len(CORPUS)
    for sub in seen:
        [original] = [d for d in documents(ctx, sub) if d.role == "original"]
        rotation, mode = names[original.filename]
        # the token is printed in the page QR only: finding it means the QR was read
        assert (sub.form_number, sub.token, sub.page_count) == ("MO 500-2377", "fax-corpus", 2)
        if _unreadable_by_physics(rotation, mode):
            assert sub.state == QueueState.NEEDS_KEYING.value, original.filename
        else:
            assert sub.state == QueueState.READY_FOR_REVIEW.value, original.filename
            assert sub.entity_code == "048-078" and sub.values["signer_name"] == "Ann Smith"
