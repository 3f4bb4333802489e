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
