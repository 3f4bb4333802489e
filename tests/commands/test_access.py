"""``desk-app access compliance --json`` and ``access dormant [--apply]`` on a real data folder."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from desk_app.app import open_app
from desk_app.cli import main
from desk_app.models.access import UserAccount
from desk_app.models.base import utcnow
from desk_app.models.entities import EducationalEntity


def _data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    app = open_app(data)
    with app.services.uow() as uow:
        uow.session.add(EducationalEntity(kind="lea", code="010-093", name="Columbia"))
        uow.session.add(
            UserAccount(
                username="sleepy",
                first_name="S",
                last_name="Leepy",
                email="s@example.org",
                last_login_at=utcnow() - timedelta(days=500),
            )
        )
        uow.commit()
    app.close()
    return data


def test_compliance_json(tmp_path: Path, capsys) -> None:
    data = _data(tmp_path)
    assert main(["--data-dir", str(data), "access", "compliance", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["entities_checked"] == 1 and out["by_rule"]["no_user_manager"] == 1
    assert out["findings"][0]["entity_code"] == "010-093"


def test_dormant_list_and_apply(tmp_path: Path, capsys) -> None:
    data = _data(tmp_path)
    assert main(["--data-dir", str(data), "access", "dormant", "--json"]) == 0
    assert [a["username"] for a in json.loads(capsys.readouterr().out)["accounts"]] == ["sleepy"]
    assert main(["--data-dir", str(data), "access", "dormant", "--apply"]) == 0
    assert "1 account(s) flagged" in capsys.readouterr().out
    assert main(["--data-dir", str(data), "access", "dormant", "--apply", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["accounts"] == 0


def test_review_start_and_status(tmp_path: Path, capsys) -> None:
    from desk_app.models.access import ApplicationRole, RoleGrant, WebApplication

    data = _data(tmp_path)
    app = open_app(data)
    with app.services.uow() as uow:
        s = uow.session
        lea = s.query(EducationalEntity).one()
        account = s.query(UserAccount).one()
        application = WebApplication(code="MOSIS", name="MOSIS")
        s.add(application)
        s.flush()
        role = ApplicationRole(application_id=application.id, code="V", name="View", level=1)
        s.add(role)
        s.flush()
        s.add(
            RoleGrant(
                user_account_id=account.id, role_id=role.id, entity_id=lea.id, granted_at=utcnow()
            )
        )
        uow.commit()
    app.close()
    due = (utcnow() + timedelta(days=20)).date().isoformat()
    args = ["--data-dir", str(data), "access", "review"]
    assert main([*args, "start", "--name", "Test review", "--due", due, "--json"]) == 0
    started = json.loads(capsys.readouterr().out)
    assert started["items"] == 1 and started["lines"] == 1
    assert main([*args, "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["counts"]["sent"] == 1 and status["items"][0]["entity_code"] == "010-093"
    assert main([*args, "start", "--name", "Bad", "--due", "soon"]) == 2
    assert "not YYYY-MM-DD" in capsys.readouterr().err
    assert main([*args, "remind"]) == 0
    assert "1 reminder(s) drafted" in capsys.readouterr().out


def test_duplicates_json(tmp_path: Path, capsys) -> None:
    data = _data(tmp_path)
    app = open_app(data)
    with app.services.uow() as uow:
        uow.session.add(
            UserAccount(
                username="sleepy2", first_name="S", last_name="Leepy", email="S@example.org"
            )
        )
        uow.commit()
    app.close()
    assert main(["--data-dir", str(data), "access", "duplicates", "--json"]) == 0
    [pair] = json.loads(capsys.readouterr().out)
    assert {pair["first"]["username"], pair["second"]["username"]} == {"sleepy", "sleepy2"}


def test_expiring_grants(tmp_path: Path, capsys) -> None:
    from desk_app.models.access import ApplicationRole, RoleGrant, WebApplication

    data = _data(tmp_path)
    app = open_app(data)
    with app.services.uow() as uow:
        s = uow.session
        lea, account = s.query(EducationalEntity).one(), s.query(UserAccount).one()
        application = WebApplication(code="ECS", name="ECS")
        s.add(application)
        s.flush()
        role = ApplicationRole(application_id=application.id, code="ECS_V", name="View", level=1)
        s.add(role)
        s.flush()
        s.add(
            RoleGrant(
                user_account_id=account.id,
                role_id=role.id,
                entity_id=lea.id,
                granted_at=utcnow(),
                ends_on=(utcnow() + timedelta(days=5)).date(),
            )
        )
        uow.commit()
    app.close()
    assert main(["--data-dir", str(data), "access", "expiring", "--apply", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["expired"] == 0 and out["expiring"][0]["role_code"] == "ECS_V"


def test_grant_add_revoke_history(tmp_path: Path, capsys) -> None:
    from desk_app.models.access import ApplicationRole, WebApplication

    data = _data(tmp_path)
    app = open_app(data)
    with app.services.uow() as uow:
        mosis = WebApplication(code="MOSIS", name="MOSIS")
        uow.session.add(mosis)
        uow.session.flush()
        uow.session.add(
            ApplicationRole(application_id=mosis.id, code="MOSIS_VIEW", name="View", level=1)
        )
        uow.commit()
    app.close()
    base = ["--data-dir", str(data), "access", "grant"]
    add = [*base, "add", "sleepy", "MOSIS_VIEW", "010-093", "--ends", "2999-01-31"]
    assert main([*add, "--reason", "correction of a keyed 2377", "--json"]) == 0
    grant_id = json.loads(capsys.readouterr().out)["grant_id"]
    assert main([*add, "--reason", "again, by mistake"]) != 0
    captured = capsys.readouterr()
    assert "already holds" in captured.err + captured.out and "Traceback" not in captured.err
    assert main([*base, "revoke", grant_id, "--reason", "no"]) != 0
    capsys.readouterr()
    assert main([*base, "revoke", grant_id, "--reason", "emergency: account compromised"]) == 0
    capsys.readouterr()
    assert main([*base, "history", grant_id, "--json"]) == 0
    history = json.loads(capsys.readouterr().out)
    assert [e["action"] for e in history["events"]] == [
        "access.grant_direct",
        "access.revoke_direct",
    ]
    assert history["revoked_at"] and history["ends_on"] == "2999-01-31"


def test_export_lists_from_the_console(tmp_path: Path, capsys) -> None:
    data = _data(tmp_path)
    out = tmp_path / "accounts.csv"
    assert main(["--data-dir", str(data), "export", "accounts", "--out", str(out)]) == 0
    assert "1 rows exported" in capsys.readouterr().out and "sleepy" in out.read_text()
    assert (
        main(["--data-dir", str(data), "export", "entities", "--out", str(tmp_path / "e.txt")]) != 0
    )
    captured = capsys.readouterr()
    assert ".csv or .xlsx" in captured.err + captured.out and "Traceback" not in captured.err
    grants = tmp_path / "grants.xlsx"
    assert main(["--data-dir", str(data), "export", "grants", "--out", str(grants)]) == 0
    assert grants.exists()
