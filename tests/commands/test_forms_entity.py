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


def test_generated_forms_register_their_request_token(tmp_path: Path, capsys) -> None:
    import json

    from sqlalchemy import select

    from desk_app.models.audit import AuditEvent
    from desk_app.models.submissions import RequestToken

    data = tmp_path / "data"
    app = open_app(data)
    with app.services.uow() as uow:
        uow.session.add(
            EducationalEntity(kind="lea", code="010-093", name="Columbia Public Schools")
        )
        uow.commit()
    app.close()
    values = tmp_path / "rows.json"
    values.write_text(
        json.dumps({"um_action": "add", "um_first_name": "Lee", "um_last_name": "Park"})
    )
    out = tmp_path / "um.pdf"
    base = ["--data-dir", str(data), "forms", "generate", "MO 500-2356", "--out", str(out)]
    assert main([*base, "--entity", "010-093", "--values", str(values)]) == 0
    said = capsys.readouterr().out
    token = read_form(out.read_bytes()).token
    assert token.startswith("RQ") and f"request token {token}" in said
    app = open_app(data)
    with app.store.read() as s:
        row = s.execute(select(RequestToken)).scalar_one()
        summary = s.execute(
            select(AuditEvent.summary).where(AuditEvent.action == "forms.generate")
        ).scalar_one()
        assert (row.token, row.entity_code, row.user_rows) == (token, "010-093", 1)
        assert row.values["um_last_name"] == "Park" and row.generated_by == app.operator.username
    app.close()
    assert token in summary
    # a PIN is written by the signer, never prefilled; the same token is never given twice
    values.write_text(json.dumps({"pin": "123456"}))
    assert main([*base, "--entity", "010-093", "--values", str(values)]) == 2
    assert "never prefilled" in capsys.readouterr().err
    assert main([*base, "--entity", "010-093", "--token", token]) == 2
    assert "already given" in capsys.readouterr().err
