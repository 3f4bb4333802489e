"""``desk-app forms generate --entity CODE`` against a real data folder."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from desk_app.app import open_app
from desk_app.cli import main
from desk_app.models.entities import EducationalEntity
from desk_app.models.people import EntityOfficer, Person
from desk_app.pdf.read import read_form


def test_generate_prefilled_for_an_entity(tmp_path: Path) -> None:
    data = tmp_path / "data"
    app = open_app(data)
    with app.services.uow() as uow:
        lea = EducationalEntity(kind="lea", code="010-093", name="Columbia Public Schools")
        jane = Person(first_name="Jane", last_name="Doe", title="Superintendent")
        uow.session.add_all([lea, jane])
        uow.session.flush()
        uow.session.add(
            EntityOfficer(
                entity_id=lea.id,
                person_id=jane.id,
                role="superintendent",
                start_date=date(2020, 7, 1),
            )
        )
        uow.commit()
    app.close()
    out = tmp_path / "um.pdf"
    assert (
        main(
            [
                "--data-dir",
                str(data),
                "forms",
                "generate",
                "MO 500-2356",
                "--out",
                str(out),
                "--entity",
                "010-093",
                "--token",
                "SEND-1",
            ]
        )
        == 0
    )
    reading = read_form(out.read_bytes())
    assert reading.values["entity_name"] == "Columbia Public Schools"
    assert reading.values["signer_name"] == "Jane Doe"
    assert reading.token == "SEND-1"
    assert (
        main(
            [
                "--data-dir",
                str(data),
                "forms",
                "generate",
                "MO 500-2356",
                "--out",
                str(out),
                "--entity",
                "999-999",
            ]
        )
        == 2
    )  # NotFound: a known error with its message
