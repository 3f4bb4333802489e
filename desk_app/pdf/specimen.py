"""A signature specimen cut from a scanned signature card: the ink's bounding box, grey, PNG.

Runs in the sandbox child (the scan is from outside): the page is rendered, the dark pixels
found, and the smallest box around them (with a margin) kept, scaled to at most
:data:`MAX_WIDTH` pixels, so the stored specimen is a few kB and sits beside a form's crop at
the same scale in the review pane.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from desk_app.pdf.errors import PdfRejected

DARK = 150  # grey level below which a pixel counts as ink
MARGIN = 12  # pixels kept around the ink
MAX_WIDTH = 700
MIN_INK_PIXELS = 60  # fewer is dust, not a signature


def specimen_png(grey: np.ndarray) -> bytes:
    """The PNG of the ink in ``grey`` (H x W uint8, 0 = black).

    Raises:
        PdfRejected: no ink (a blank page, or the wrong file).
    """
    dark = grey < DARK
    if int(dark.sum()) < MIN_INK_PIXELS:
        raise PdfRejected("no signature was found on the page (it looks blank)", "unsupported")
    rows = np.flatnonzero(dark.any(axis=1))
    cols = np.flatnonzero(dark.any(axis=0))
    top, bottom = max(0, rows[0] - MARGIN), min(grey.shape[0], rows[-1] + MARGIN + 1)
    left, right = max(0, cols[0] - MARGIN), min(grey.shape[1], cols[-1] + MARGIN + 1)
    image = Image.fromarray(np.ascontiguousarray(grey[top:bottom, left:right]), mode="L")
    if image.width > MAX_WIDTH:
        height = max(1, round(image.height * MAX_WIDTH / image.width))
        image = image.resize((MAX_WIDTH, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


MAX_DECODE_PIXELS = 16_000_000  # a specimen is at most 700 px wide: anything far larger is not ours


def decode_grey(png: bytes, height: int) -> tuple[int, int, bytes]:
    """A stored PNG as grey pixels no more than ``height`` rows high: (width, rows, samples).

    Runs in the sandbox child. The header's size is checked before any pixel is decoded, and
    only PNG is accepted (Pillow would otherwise try every format it knows).

    Raises:
        PdfRejected: not a PNG, damaged, or too large to be a specimen.
    """
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise PdfRejected("not a PNG image", "unsupported")
    try:
        with Image.open(io.BytesIO(png), formats=["PNG"]) as image:
            if image.width * image.height > MAX_DECODE_PIXELS:
                raise PdfRejected(f"a {image.width} x {image.height} image is too large", "bomb")
            grey = image.convert("L")
            if grey.height > height:
                width = max(1, round(grey.width * height / grey.height))
                grey = grey.resize((width, height), Image.Resampling.LANCZOS)
            return grey.width, grey.height, grey.tobytes()
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise PdfRejected(f"the image cannot be read ({exc})", "unsupported") from None
