"""``desk-app forms``: list, generate, fill, read, and clear exits for what is not a form."""

from __future__ import annotations

import json
from pathlib import Path

import pymupdf
import pytest

from desk_app.cli import main
from desk_app.pdf.catalogue import FORMS, get_form
from desk_app.pdf.samples import example_values


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["forms", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [f["number"] for f in listed] == list(FORMS)
    assert listed[0]["fields"][0]["name"] == "entity_name"


def test_generate_fill_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = get_form("DA-102")
    values = {k: v for k, v in example_values(spec).items() if not spec.field(k).derived}
    (tmp_path / "v.json").write_text(json.dumps(values))
    assert (
        main(
            [
                "forms",
                "generate",
                "mosis_assurance",
                "--out",
                str(tmp_path / "b.pdf"),
                "--token",
                "REQ-9",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "forms",
                "fill",
                str(tmp_path / "b.pdf"),
                "--values",
                str(tmp_path / "v.json"),
                "--out",
                str(tmp_path / "f.pdf"),
                "--strict",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["forms", "read", str(tmp_path / "f.pdf")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["form_number"], out["edition"], out["token"]) == ("DA-102", "2026-1", "REQ-9")
    assert all(out["values"][k] == v for k, v in values.items())


def test_fill_by_number_with_barcode_and_flatten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = get_form("MO 500-2356")
    (tmp_path / "v.json").write_text(
        json.dumps({"entity_name": "Ozark Valley College", "entity_code": "12"})
    )
    assert (
        main(
            [
                "forms",
                "fill",
                "MO 500-2356",
                "--values",
                str(tmp_path / "v.json"),
                "--out",
                str(tmp_path / "f.pdf"),
                "--barcode",
                "--flatten",
            ]
        )
        == 0
    )
    assert "warning: entity_code: not in the expected format" in capsys.readouterr().err
    capsys.readouterr()
    assert main(["forms", "read", str(tmp_path / "f.pdf")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["source"] == "barcode" and out["form_number"] == spec.number
    assert out["values"]["entity_name"] == "Ozark Valley College"


def test_not_a_form_and_unreadable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Newsletter")
    doc.save(tmp_path / "n.pdf")
    assert main(["forms", "read", str(tmp_path / "n.pdf")]) == 1
    assert "is not one of our forms" in capsys.readouterr().err
    (tmp_path / "junk.pdf").write_bytes(b"%PDF-1.4 garbage")
    assert main(["forms", "read", str(tmp_path / "junk.pdf")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["forms", "generate", "MO 500-0000", "--out", str(tmp_path / "x.pdf")]) == 1


def test_read_a_faxed_tiff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from PIL import Image

    from desk_app.pdf.fill import add_data_barcode, fill_form, flatten
    from desk_app.pdf.generate import generate_form

    spec = get_form("MO 500-3209")
    values = {k: v for k, v in example_values(spec, variant=4).items() if not spec.field(k).derived}
    printed = pymupdf.open(
        stream=flatten(
            add_data_barcode(fill_form(generate_form(spec.number, token="DEL-7"), values))
        )
    )
    frames = []
    for page in printed:
        pix = page.get_pixmap(dpi=200, colorspace=pymupdf.csGRAY)
        grey = Image.frombytes("L", (pix.width, pix.height), pix.samples)
        frames.append(grey.point(lambda v: 255 if v > 140 else 0).convert("1"))
    tiff = tmp_path / "fax0001.tif"
    frames[0].save(
        tiff,
        format="TIFF",
        compression="group4",
        save_all=True,
        append_images=frames[1:],
        dpi=(200, 200),
    )
    assert main(["forms", "read", str(tiff)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["form_number"], out["token"], out["source"]) == ("MO 500-3209", "DEL-7", "barcode")
    assert out["page_count"] == 2
    assert all(out["values"][k] == v for k, v in values.items())
