"""``desk-app educators``: find, create (SSN and date of birth asked without echo), evidence add,
eligibility --json, the public look-up export (audited, no closed data), clear refusals."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select, update

from desk_app.app import open_app
from desk_app.cli import main
from desk_app.models.audit import AuditEvent
from desk_app.models.staff import Staff


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    data = tmp_path_factory.mktemp("edu") / "data"
    assert main(["--data-dir", str(data), "seed", "--scale", "0.002", "--quiet"]) == 0
    app = open_app(data)
    with app.store.uow(app.services.actor) as uow:
        uow.session.execute(update(Staff).values(role="certification_specialist"))
        uow.commit()
    app.store.dispose()
    return data


def test_create_evidence_and_eligibility(folder: Path, capsys, monkeypatch) -> None:
    base = ["--data-dir", str(folder), "educators"]
    answers = iter(["123-45-6789", "1985-04-12", "123456789", "1985-04-12"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    create = [*base, "create", "--first", "Maria", "--last", "Zelgado", "--email", "mz@example.org"]
    assert main(create) == 0
    educator = capsys.readouterr().out.split()[-1]
    assert main(create) == 1  # the same person again: found, not duplicated
    assert "already has a profile" in capsys.readouterr().err
    assert main([*base, "find", "zelg", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["id"] == educator and "ssn" not in json.dumps(row).lower()
    add = [*base, "evidence", "add", educator]
    assert (
        main(
            [
                *add,
                "professional_development",
                "--document",
                "UMC transcript",
                "--on",
                "2024-05-01",
                "--quantity",
                "2",
                "--unit",
                "semester_hours",
            ]
        )
        == 0
    )
    assert "recorded professional development" in capsys.readouterr().out
    assert (
        main(
            [
                *add,
                "experience",
                "--document",
                "contract",
                "--employer",
                "Columbia 93",
                "--setting",
                "Missouri public school",
                "--fte",
                "0.4",
                "--contracted",
                "yes",
                "--start",
                "2021-08-01",
                "--end",
                "2025-07-31",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert (
        main(
            [
                "--data-dir",
                str(folder),
                "certificates",
                "issue",
                educator,
                "ISS",
                "--effective",
                "2021-07-01",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main([*base, "eligibility", educator, "--json"]) == 0
    [upgrade] = json.loads(capsys.readouterr().out)
    reqs = {r["code"]: r for r in upgrade["requirements"]}
    assert upgrade["upgrade_to"] == "CSS" and not upgrade["eligible"]
    assert reqs["professional_development"]["completed"] == 30
    assert (
        reqs["experience"]["completed"] == 0 and "half-time" in reqs["experience"]["not_counted"][0]
    )
    assert main([*base, "eligibility", educator]) == 0
    assert "[MISS]" in capsys.readouterr().out


def test_bad_input_is_one_line_and_non_zero(folder: Path, capsys) -> None:
    base = ["--data-dir", str(folder), "educators"]
    assert main([*base, "eligibility", "not-an-id"]) != 0
    assert (
        main(
            [
                *base,
                "evidence",
                "add",
                "not-an-id",
                "mentoring",
                "--document",
                "x",
                "--on",
                "2024-01-01",
                "--quantity",
                "1",
            ]
        )
        != 0
    )
    err = capsys.readouterr().err
    assert "Traceback" not in err and all(line.startswith("desk-app:") for line in err.splitlines())


def test_public_export_has_no_closed_data_and_is_audited(folder: Path, tmp_path, capsys) -> None:
    out = tmp_path / "lookup.csv"
    assert main(["--data-dir", str(folder), "educators", "export", "--out", str(out)]) == 0
    assert "current certificates" in capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows and all(r["status"] == "active" for r in rows)
    assert not {"ssn", "date_of_birth", "email", "username"} & set(rows[0])
    app = open_app(folder)
    with app.store.read() as s:
        event = (
            s.execute(select(AuditEvent).where(AuditEvent.action == "certificate.public_export"))
            .scalars()
            .one()
        )
        assert event.details["rows"] == len(rows)
    app.store.dispose()


def test_applications_queue_from_the_command_line(folder: Path, tmp_path, capsys) -> None:
    base = ["--data-dir", str(folder), "educators"]
    assert main([*base, "find", "a", "--json", "--limit", "1"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    apps = [*base, "applications"]
    assert main([*apps, "submit", row["id"], "renewal", "IPC"]) == 0
    app_id = capsys.readouterr().out.split()[-1]
    assert main([*apps, "list", "--state", "received", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert app_id in {r["id"] for r in listed["rows"]}
    assert main([*apps, "decide", app_id, "--reject", "--note", "no"]) != 0
    assert "claim it first" in capsys.readouterr().err
    assert main([*apps, "claim", app_id]) == 0
    assert main([*apps, "tracker", app_id, "--json"]) == 0
    out = capsys.readouterr().out
    [check] = json.loads(out[out.index("[") :])
    assert check["code"] == "fingerprint"
    eml = tmp_path / "reply.eml"
    assert (
        main(
            [
                *apps,
                "decide",
                app_id,
                "--reject",
                "--note",
                "fingerprints expired",
                "--eml",
                str(eml),
            ]
        )
        == 0
    )
    assert "rejected" in capsys.readouterr().out and eml.read_bytes().startswith(b"To: ")


def test_evidence_from_a_scan_contact_username_checks_and_reregistration(
    folder: Path, tmp_path, capsys, monkeypatch
) -> None:
    from desk_app.pdf.generate import generate_form

    base = ["--data-dir", str(folder), "educators"]
    answers = iter(["345-67-8901", "1990-02-03"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    create = [*base, "create", "--first", "Ana", "--last", "Quintero", "--email", "aq@example.org"]
    assert main(create) == 0
    educator = capsys.readouterr().out.split()[-1]
    scan = tmp_path / "contract.pdf"
    scan.write_bytes(generate_form("MO 500-3209", {}))
    add = [*base, "evidence", "add", educator, "mentoring", "--source", str(scan)]
    assert main([*add, "--on", "2024-05-01", "--quantity", "1"]) == 0
    assert "from source document" in capsys.readouterr().out
    assert main([*base, "evidence", "list", educator, "--json"]) == 0
    [item] = json.loads(capsys.readouterr().out)
    assert item["source"].startswith("contract.pdf (upload") and item["entry"]["quantity"] == 1
    assert main([*base, "evidence", "edit", item["id"], "--quantity", "2"]) == 0
    capsys.readouterr()
    assert main([*base, "evidence", "list", educator, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["entry"]["quantity"] == 2
    hostile = tmp_path / "notes.txt"
    hostile.write_text("not a document")
    assert main([*add, "--on", "2024-05-01", "--quantity", "1", "--source", str(hostile)]) != 0
    assert main([*base, "contact", educator, "--email", "ana.q@example.org"]) == 0
    assert main([*base, "username", educator, "aquintero"]) == 0
    assert main([*base, "username", educator, "aq2"]) != 0  # a second username: refused
    assert "one username" in capsys.readouterr().err
    check = [*base, "check", educator, "fingerprint", "cleared", "--on", "2024-02-01"]
    assert main([*check, "--document", "FBI card"]) == 0
    capsys.readouterr()
    assert main([*base, "reregister", "--json"]) == 0
    due = json.loads(capsys.readouterr().out)["due"]
    assert due >= 1  # Ana never logged in
    assert main([*base, "reregister", "--apply", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["marked"] == due
    assert main([*base, "username", educator, "aq2"]) == 0  # the old one is closed now
    capsys.readouterr()
    assert main([*base, "watch", "expiring", "--days", "3650", "--json", "--limit", "3"]) == 0
    page = json.loads(capsys.readouterr().out)
    assert page["count"] >= len(page["rows"])
