"""Reading faxed and scanned images straight from their frames: page QRs and data barcodes.

A fax TIFF already holds every pixel there is; rendering its PDF again to find the barcodes only
costs time. Each frame is made square-pixelled (a standard fax is 200 x 100 dpi) and given to
zxing-cpp: the top-right corner first for the page QR, the whole frame for the data barcode. An
image has no AcroForm fields and no text layer, so this is the whole of identification and
extraction for it: the page QR names the form, the data barcode carries the values, and a form
without a readable data barcode goes to keying.

Frame sizes are checked (:func:`desk_app.intake.analyse.normalise`) before anything here decodes
them; Pillow's G3/G4 decoder runs in this process, MuPDF's only in the sandbox child.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field

import numpy as np

from desk_app.pdf import barcodes
from desk_app.pdf.catalogue import find_form
from desk_app.pdf.derive import derived_values
from desk_app.pdf.generate import DATA_BARCODE_AREA, PAGE_H, PAGE_W
from desk_app.pdf.read import FormReading, field_names_for

CORNER = (0.7, 0.0, 1.0, 0.2)  # the page QR's place on our forms (x0, y0, x1, y1 fractions)


def _data_strip() -> tuple[float, float, float, float]:
    """Where our forms print the data barcode, as fractions of the page, with room for a fax
    that sits a little off (reportlab's origin is bottom left; an image's is top left)."""
    x0, y0, x1, y1 = DATA_BARCODE_AREA
    return (0.0, max(1 - (y1 + 30) / PAGE_H, 0.0), min((x1 + 40) / PAGE_W, 1.0), 1.0)


DATA_STRIP = _data_strip()


@dataclass(frozen=True)
class FrameScan:
    """What one frame carries."""

    marks: tuple[barcodes.PageMark, ...] = ()
    data: tuple[barcodes.DataMark, ...] = field(default=())


def _square(region: object, stretch: float) -> np.ndarray:
    if abs(stretch - 1.0) > 0.05:
        region = region.resize((region.width, int(region.height * stretch)))  # type: ignore[attr-defined]
    return np.asarray(region)


def _scan(frame: object) -> FrameScan:
    grey = frame.convert("L")  # type: ignore[attr-defined]
    dpi = frame.info.get("dpi") or (200, 200)  # type: ignore[attr-defined]
    try:
        stretch = float(dpi[0]) / float(dpi[1])
    except (TypeError, ValueError, ZeroDivisionError, IndexError):
        stretch = 1.0
    w, h = grey.size

    def decode(
        box: tuple[float, float, float, float],
    ) -> tuple[list[barcodes.PageMark], list[barcodes.DataMark]]:
        region = grey.crop((int(w * box[0]), int(h * box[1]), int(w * box[2]), int(h * box[3])))
        return barcodes.split_marks(
            barcodes.decode_image(_square(region, stretch)), field_names_for
        )

    marks, _ = decode(CORNER)
    if not marks:  # not where our forms put it: a rotated page, or not our form at all
        marks, data = decode((0.0, 0.0, 1.0, 1.0))
        return FrameScan(tuple(marks), tuple(data))
    _, data = decode(DATA_STRIP)
    return FrameScan(tuple(marks), tuple(data))


def scan_frames(data: bytes) -> list[FrameScan]:
    """Barcodes of every frame of an image file, in page order."""
    from PIL import Image, ImageSequence

    out: list[FrameScan] = []
    with warnings.catch_warnings(record=True), Image.open(io.BytesIO(data)) as image:
        for frame in ImageSequence.Iterator(image):  # one object, seeked: use each frame here
            out.append(_scan(frame))
    return out


def reading(scans: list[FrameScan]) -> FormReading:
    """What the frames of one form say, as :func:`desk_app.pdf.read.read_form` would put it."""
    marks = [m for s in scans for m in s.marks]
    spec = find_form(marks[0].number) if marks else None
    if spec is None:
        return FormReading("", "", "", {}, len(scans), "none", tuple(marks))
    raw = {
        k: v for s in scans for d in s.data if d.number == spec.number for k, v in d.values.items()
    }
    values = {name: raw.get(name, "") for name in spec.field_names}
    values.update(derived_values(spec, values))
    token = next((m.token for m in marks if m.token), "")
    return FormReading(
        spec.number,
        marks[0].edition,
        token,
        values,
        len(scans),
        "barcode" if raw else "text",
        tuple(marks),
    )
