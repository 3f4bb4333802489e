"""A PIN read from a received form is sealed at rest, yet still checked; display masks it."""

from __future__ import annotations

import sqlite3
import uuid

from desk_app.pdf.generate import generate_form
from desk_app.services.queue.intake import IntakeService
from desk_app.services.queue.listing import QueueList
from desk_app.services.review import pins, verification
from desk_app.services.sealing import MASK
from tests.services.review.conftest import LEA_VALUES, letter_pin


def test_pin_from_a_received_form_is_sealed_and_checked(ctx, world, app_paths, tmp_path) -> None:
    pin = letter_pin(pins.issue_pin(ctx, world.lea_id).letter_pdf)
    values = dict(
        LEA_VALUES,
        pin=pin,
        um_action="add",
        um_first_name="Lee",
        um_last_name="Park",
        um_email="lpark@bluesprings.k12.mo.us",
    )
    dropped = tmp_path / "request.pdf"
    dropped.write_bytes(generate_form("MO 500-2356", values))
    IntakeService(ctx).ingest_files([dropped])

    conn = sqlite3.connect(app_paths.database)
    sub_id, stored = conn.execute('SELECT id, "values" FROM form_submission').fetchone()
    conn.close()
    assert pin not in stored and "sealed:v1:" in stored
    submission_id = str(uuid.UUID(sub_id))

    detail = QueueList(ctx).detail(submission_id)
    assert detail.values["pin"] == MASK

    report = verification.verify_submission(ctx, submission_id)
    assert report.check("pin").outcome == "pass", report.check("pin").reason
