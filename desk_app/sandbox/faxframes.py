"""Child side: page QRs and data barcodes read straight from a fax's (or scan's) image frames.

A fax TIFF already holds every pixel there is; rendering its PDF again to find the barcodes only
costs time. Each frame is made square-pixelled (a standard-mode fax is 204 x 98 dpi, fine mode
204 x 196) and given to zxing-cpp: the top-right corner first (the page QR of an upright page),
else the whole frame, which zxing reads at any rotation. A page may arrive sideways or upside
down, and fax software writes the resolution tags either way round, so when the tagged
stretch finds nothing the frame is tried with the inverse stretch and unstretched.

Runs only in the sandbox child (Pillow's G3/G4 decoder parses hostile bytes). Frame sizes are
checked from the headers (:func:`check_frames`) before any frame is decoded.
"""

from __future__ import annotations

import io
import logging
import warnings
from typing import Any

import numpy as np

from desk_app.pdf import barcodes
from desk_app.pdf.errors import PdfRejected
from desk_app.pdf.generate import DATA_BARCODE_AREA, PAGE_H, PAGE_W
from desk_app.pdf.read import field_names_for
from desk_app.sandbox.results import FrameScan

log = logging.getLogger(__name__)

CORNER = (0.7, 0.0, 1.0, 0.2)  # the page QR's place on our forms (x0, y0, x1, y1 fractions)
MAX_PAGE_PIXELS = 40_000_000  # a 600 dpi letter page is 34 MP; beyond that it is a bomb
MAX_TOTAL_PIXELS = 400_000_000


def _data_strip() -> tuple[float, float, float, float]:
    """Where our forms print the data barcode, as fractions of the page, with room for a fax
    that sits a little off (reportlab's origin is bottom left; an image's is top left)."""
    x0, y0, x1, y1 = DATA_BARCODE_AREA
    return (0.0, max(1 - (y1 + 30) / PAGE_H, 0.0), min((x1 + 40) / PAGE_W, 1.0), 1.0)


DATA_STRIP = _data_strip()


def check_frames(data: bytes, max_pages: int) -> int:
    """Count frames and refuse images whose declared size would blow up when decoded."""
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = None  # our own, lower, per-page limit applies below
    total = 0
    try:
        with warnings.catch_warnings(record=True), Image.open(io.BytesIO(data)) as image:
            count = getattr(image, "n_frames", 1)
            if count > max_pages:
                raise PdfRejected(
                    f"the image has {count} pages, over the {max_pages}-page limit",
                    "too_many_pages",
                )
            for index in range(count):
                image.seek(index)
                pixels = image.size[0] * image.size[1]
                total += pixels
                if pixels > MAX_PAGE_PIXELS or total > MAX_TOTAL_PIXELS:
                    raise PdfRejected(
                        f"page {index + 1} of the image is {image.size[0]} x {image.size[1]} "
                        "pixels: too large to decode safely (decompression bomb)",
                        "bomb",
                    )
            return int(count)
    except (UnidentifiedImageError, OSError, ValueError, EOFError, TypeError) as exc:
        raise PdfRejected(f"the image cannot be read ({type(exc).__name__})", "malformed") from exc


def _stretches(frame: Any) -> list[float]:
    """Vertical stretches that make the frame's pixels square: as tagged, inverse, none."""
    dpi = frame.info.get("dpi") or (200, 200)
    try:
        tagged = float(dpi[0]) / float(dpi[1])
    except (TypeError, ValueError, ZeroDivisionError, IndexError):
        tagged = 1.0
    out: list[float] = []
    for s in (tagged, 1.0 / tagged if tagged else 1.0, 1.0):
        if all(abs(s - o) > 0.05 for o in out) and 0.2 < s < 5:
            out.append(s)
    return out or [1.0]


def _square(region: Any, stretch: float) -> np.ndarray:
    if abs(stretch - 1.0) > 0.05:
        region = region.resize((region.width, max(int(region.height * stretch), 1)))
    return np.asarray(region)


def scan_frame(frame: Any) -> FrameScan:
    """The page QRs and data barcodes of one frame."""
    grey = frame.convert("L")
    w, h = grey.size

    def decode(
        box: tuple[float, float, float, float], stretch: float
    ) -> tuple[list[barcodes.PageMark], list[barcodes.DataMark]]:
        region = grey.crop((int(w * box[0]), int(h * box[1]), int(w * box[2]), int(h * box[3])))
        return barcodes.split_marks(
            barcodes.decode_image(_square(region, stretch)), field_names_for
        )

    stretches = _stretches(frame)
    marks, _ = decode(CORNER, stretches[0])
    data: list[barcodes.DataMark] = []
    if marks:  # an upright page: its data barcode, if it has one, sits in its strip
        for stretch in stretches:
            _, data = decode(DATA_STRIP, stretch)
            if data:
                break
        return FrameScan(tuple(marks), tuple(data))
    for stretch in stretches:  # sideways, upside down, tags swapped, or not our form at all
        found, data = decode((0.0, 0.0, 1.0, 1.0), stretch)
        marks = marks or found
        if marks and data:
            break
    return FrameScan(tuple(marks), tuple(data))


def scan_frames(data: bytes) -> list[FrameScan]:
    """Barcodes of every frame of an image file, in page order."""
    from PIL import Image, ImageSequence

    out: list[FrameScan] = []
    with warnings.catch_warnings(record=True), Image.open(io.BytesIO(data)) as image:
        for frame in ImageSequence.Iterator(image):  # one object, seeked: use each frame here
            out.append(scan_frame(frame))
    return out


FAX_TEXT_TAGS = (
    270,
    315,
    271,
    272,
    285,
    305,
)  # description, artist, make, model, page name, software


def text_tags(data: bytes) -> list[str]:
    """The text tags of the first frame that fax servers use to name the sender."""
    from PIL import Image

    with warnings.catch_warnings(record=True), Image.open(io.BytesIO(data)) as image:
        tags = getattr(image, "tag_v2", {})
        return [str(tags.get(tag))[:200] for tag in FAX_TEXT_TAGS if tags.get(tag)]
