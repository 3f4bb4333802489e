"""``desk-app keys export|import``: the agency keys move sealed under a passphrase."""

from __future__ import annotations

import json

from desk_app.cli import main
from desk_app.secrets import FileSecrets


def test_keys_move_between_workstations_and_a_wrong_passphrase_is_refused(
    tmp_path, monkeypatch, capsys
) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    FileSecrets(a / "secrets.json").set("data-key", "agency-data-key")
    FileSecrets(a / "secrets.json").set("pin-pepper", "agency-pepper")
    monkeypatch.setattr("desk_app.secrets.KeyringSecrets.__init__", _no_keyring)
    monkeypatch.setenv("DESK_PASS", "correct horse battery")
    out = tmp_path / "keys.json"
    assert (
        main(
            [
                "--data-dir",
                str(a),
                "keys",
                "export",
                "--out",
                str(out),
                "--passphrase-env",
                "DESK_PASS",
            ]
        )
        == 0
    )
    assert "agency-data-key" not in out.read_text() and json.loads(out.read_text())["kdf"]
    monkeypatch.setenv("WRONG", "not the passphrase at all")
    assert (
        main(["--data-dir", str(b), "keys", "import", str(out), "--passphrase-env", "WRONG"]) != 0
    )
    assert "wrong passphrase" in capsys.readouterr().err
    assert (
        main(["--data-dir", str(b), "keys", "import", str(out), "--passphrase-env", "DESK_PASS"])
        == 0
    )
    assert FileSecrets(b / "secrets.json").get("data-key") == "agency-data-key"
    FileSecrets(b / "secrets.json").set("pin-pepper", "a self-made pepper")
    assert (
        main(["--data-dir", str(b), "keys", "import", str(out), "--passphrase-env", "DESK_PASS"])
        != 0
    )
    assert "already holds other keys: pin-pepper" in capsys.readouterr().err


def _no_keyring(self) -> None:
    raise RuntimeError("no OS keyring in this test")
