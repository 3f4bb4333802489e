"""``desk-app intake ...`` headless: summary, exit codes, IMAP password from the keyring."""

from __future__ import annotations

import json

import pytest

from desk_app.cli import main
from desk_app.paths import resolve
from desk_app.settings import Settings
from tests.intake.makers import eml_with, fax_tiff, filled_form, printed_form

pytestmark = pytest.mark.imap


def test_fax_folder_run_prints_summary_and_exits_zero(tmp_path, capsys):
    drop = tmp_path / "fax"
    drop.mkdir()
    (drop / "5735551234.tif").write_bytes(fax_tiff(printed_form()))
    (drop / "junk.tif").write_bytes(b"II*\x00 not really a tiff")
    code = main(
        [
            "--data-dir",
            str(tmp_path / "data"),
            "intake",
            "fax",
            str(drop),
            "--settle",
            "0",
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (out["taken"], out["submissions"], out["quarantined"]) == (2, 2, 1)
    code = main(["--data-dir", str(tmp_path / "data"), "intake", "fax", str(drop), "--settle", "0"])
    assert code == 0 and "0 item(s) taken" in capsys.readouterr().out


def test_a_just_copied_fax_is_left_to_settle_and_the_summary_says_so(tmp_path, capsys):
    drop = tmp_path / "fax"
    drop.mkdir()
    (drop / "5735551234.tif").write_bytes(fax_tiff(printed_form()))  # written this instant
    code = main(["--data-dir", str(tmp_path / "data"), "intake", "fax", str(drop)])
    out = capsys.readouterr().out
    assert code == 0 and "0 item(s) taken" in out
    assert "1 file(s) left for now: changed less than 5 s ago" in out
    assert "taken at the next run" in out and (drop / "5735551234.tif").exists()
    code = main(["--data-dir", str(tmp_path / "data"), "intake", "fax", str(drop), "--json"])
    assert json.loads(capsys.readouterr().out)["settling"] == ["5735551234.tif"]


def test_unreachable_folder_exits_non_zero(tmp_path, capsys):
    code = main(["--data-dir", str(tmp_path / "data"), "intake", "fax", str(tmp_path / "missing")])
    assert code == 3 and "unreachable" in capsys.readouterr().out


def test_unconfigured_imap_exits_non_zero(tmp_path, capsys):
    code = main(["--data-dir", str(tmp_path / "data"), "intake", "imap"])
    assert code == 3 and "no IMAP server is configured" in capsys.readouterr().out


def test_files_are_taken_and_left_in_place(tmp_path, capsys):
    form = tmp_path / "request.pdf"
    form.write_bytes(filled_form())
    code = main(["--data-dir", str(tmp_path / "data"), "intake", "file", str(form)])
    assert code == 0 and "1 submission(s) queued" in capsys.readouterr().out and form.exists()


def test_imap_run_with_password_in_keyring(tmp_path, capsys, imap_server, mailbox):
    import keyring

    from desk_app.secrets import SERVICE
    from desk_app.services.queue.intake import IMAP_PASSWORD

    paths = resolve(tmp_path / "data")
    settings = Settings(paths.settings_file)
    for key, value in {
        "imap_host": imap_server.host,
        "imap_port": imap_server.port,
        "imap_security": "none",
        "imap_user": imap_server.user,
        "imap_folder": mailbox,
        "imap_processed_folder": f"{mailbox}-done",
    }.items():
        settings[key] = value
    settings.save()
    keyring.set_password(SERVICE, IMAP_PASSWORD, imap_server.password)
    client = imap_server.client()
    client.append(mailbox, eml_with([("form.pdf", "application/pdf", filled_form())]))
    client.logout()
    try:
        code = main(["--data-dir", str(paths.data_dir), "intake", "imap", "--check"])
        checked = capsys.readouterr().out
        assert code == 0 and f"the folder {mailbox!r} holds 1 mail(s)." in checked
        code = main(["--data-dir", str(paths.data_dir), "intake", "imap"])
    finally:
        keyring.delete_password(SERVICE, IMAP_PASSWORD)
    assert code == 0 and "1 submission(s) queued" in capsys.readouterr().out
    code = main(["--data-dir", str(paths.data_dir), "intake", "imap", "--check", "--json"])
    assert code == 3 and "no IMAP password" in json.loads(capsys.readouterr().out)["message"]
