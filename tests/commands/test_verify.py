"""``desk-app verify FILE`` prints the report as JSON; ``desk-app pin issue`` writes the letter."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from desk_app.app import open_app
from desk_app.cli import main
from desk_app.pdf.generate import generate_form
from tests.services.review.conftest import LEA_VALUES, build_world


def test_verify_file_prints_json_and_pin_issue_writes_the_letter(tmp_path, capsys) -> None:
    data = tmp_path / "data"
    app = open_app(data)
    build_world(app.store)
    app.close()
    letter = tmp_path / "letter.pdf"
    assert main(["--data-dir", str(data), "pin", "issue", "048-078", "--out", str(letter)]) == 0
    assert letter.read_bytes().startswith(b"%PDF")
    printed = capsys.readouterr().out
    assert "048-078" in printed and not re.search(r"\b\d{6,}\b", printed)  # the PIN is not shown
    form = tmp_path / "form.pdf"
    form.write_bytes(
        generate_form(
            "DA-103",
            dict(
                LEA_VALUES,
                user_1_first_name="Lee",
                user_1_last_name="Park",
                user_1_email="lpark@x.org",
                role_1_app="ECS",
                role_1_role="ECS_VIEW",
                role_1_action="add",
            ),
        )
    )
    code = main(["--data-dir", str(data), "verify", str(form)])
    report = json.loads(capsys.readouterr().out)
    assert code == 1  # unsigned: the signature check blocks
    assert report["form"] == "DA-103" and report["entity_code"] == "048-078"
    outcomes = {c["code"]: c["outcome"] for c in report["checks"]}
    assert outcomes["signer_authority"] == "pass" and outcomes["signatures"] == "fail"
    assert main(["--data-dir", str(data), "verify", str(tmp_path / "missing.pdf")]) == 2


def test_verify_a_queued_submission_saves_its_results(tmp_path, capsys) -> None:
    from sqlalchemy import func, select

    from desk_app.models.submissions import VerificationResult
    from tests.services.review.conftest import submit

    data = tmp_path / "data"
    app = open_app(data)
    build_world(app.store)
    sid = submit(app.services, "DA-103", LEA_VALUES, holder=app.operator.username)
    app.close()
    assert main(["--data-dir", str(data), "verify", "--submission", sid]) == 1
    assert json.loads(capsys.readouterr().out)["submission_id"] == sid
    app = open_app(data)
    with app.store.read() as s:
        assert s.execute(select(func.count()).select_from(VerificationResult)).scalar_one() == 11
    app.close()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    return subprocess.run(
        [sys.executable, "-m", "desk_app", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_verify_of_a_damaged_file_keeps_mupdf_off_stdout_and_stderr(tmp_path) -> None:
    """A damaged PDF makes MuPDF repair it with messages; they go to the log, never to the
    JSON on stdout (``desk-app verify F | jq``) nor to stderr."""
    data = tmp_path / "data"
    app = open_app(data)
    build_world(app.store)
    app.close()
    form = generate_form("DA-103", dict(LEA_VALUES))
    repaired = tmp_path / "repaired.pdf"
    repaired.write_bytes(re.sub(rb"startxref\s+\d+", b"startxref\n99", form))
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(
        re.sub(rb"startxref\s+\d+", b"startxref\n99", form).replace(b" obj", b" obj junk(", 5)
    )
    done = _cli("--data-dir", str(data), "verify", str(repaired))
    assert json.loads(done.stdout)["form"] == "DA-103"
    assert "error" not in done.stderr.lower() and "repair" not in done.stderr.lower()
    failed = _cli("--data-dir", str(data), "verify", str(broken))
    assert failed.returncode != 0 and failed.stdout == ""
    assert len(failed.stderr.strip().splitlines()) == 1, failed.stderr
    assert "syntax error" not in failed.stderr and "Traceback" not in failed.stderr
