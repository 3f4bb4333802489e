"""``desk-app certificates``: keygen, issue, print, verify (VALID, then revoked), clear refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pymupdf
import pytest
from sqlalchemy import select, update

from desk_app.app import open_app
from desk_app.cli import main
from desk_app.models.educators import Certificate, CertificateClassification
from desk_app.models.staff import Staff
from desk_app.secrets import KeyringSecrets
from desk_app.services.educators.signing import SIGNING_KEY


@pytest.fixture
def folder(tmp_path: Path):
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "seed", "--scale", "0.002", "--quiet"]) == 0
    app = open_app(data)
    with app.store.uow(app.services.actor) as uow:  # the operator works as a specialist
        uow.session.execute(update(Staff).values(role="certification_specialist"))
        uow.commit()
    app.store.dispose()
    yield data
    KeyringSecrets().delete(SIGNING_KEY)


def _active_iss(data: Path) -> tuple[str, str]:
    app = open_app(data)
    with app.store.read() as s:
        cert = (
            s.execute(
                select(Certificate)
                .join(CertificateClassification)
                .where(CertificateClassification.code == "ISS", Certificate.status == "active")
            )
            .scalars()
            .first()
        )
        result = str(cert.id), str(cert.educator_id)
    app.store.dispose()
    return result


def _by_number(data: Path, number: str) -> str:
    app = open_app(data)
    with app.store.read() as s:
        found = s.execute(select(Certificate.id).where(Certificate.number == number)).scalar_one()
    app.store.dispose()
    return str(found)


def test_keygen_issue_print_verify_revoke(folder: Path, tmp_path: Path, capsys) -> None:
    base = ["--data-dir", str(folder), "certificates"]
    old, educator = _active_iss(folder)
    assert main([*base, "print", old, "--out", str(tmp_path / "x.pdf")]) != 0
    assert "holds no certificate-signing key" in capsys.readouterr().err
    assert main([*base, "keygen"]) == 0
    assert "enrolled" in capsys.readouterr().out
    assert main([*base, "keygen"]) != 0
    assert "already enrolled" in capsys.readouterr().err
    assert main([*base, "issue", educator, "ISS", "--effective", "2026-07-01"]) == 0
    number = capsys.readouterr().out.split()[-1]
    certificate = _by_number(folder, number)
    out = tmp_path / "cert.pdf"
    assert main([*base, "print", certificate, "--out", str(out)]) == 0
    capsys.readouterr()
    scan = tmp_path / "scan.png"
    pymupdf.open(out)[0].get_pixmap(dpi=200).save(scan)
    assert main([*base, "verify", str(scan)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("VALID") and number in text
    assert main([*base, "revoke", certificate, "--reason", "obtained by fraud"]) == 0
    capsys.readouterr()
    assert main([*base, "verify", str(scan), "--json"]) == 3
    [check] = json.loads(capsys.readouterr().out)
    assert check["verdict"] == "revoked" and check["facts"]["number"] == number


def test_verify_refuses_what_is_not_a_certificate(folder: Path, tmp_path: Path, capsys) -> None:
    base = ["--data-dir", str(folder), "certificates", "verify"]
    assert main([*base, str(tmp_path / "missing.png")]) != 0
    assert "cannot read" in capsys.readouterr().err
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image at all")
    assert main([*base, str(junk)]) != 0
    err = capsys.readouterr().err
    assert "desk-app:" in err and "Traceback" not in err
    blank = tmp_path / "blank.pdf"
    doc = pymupdf.open()
    doc.new_page()
    blank.write_bytes(doc.tobytes())
    assert main([*base, str(blank)]) == 3
    assert "no certificate QR found" in capsys.readouterr().err
