"""Normalise scanned and faxed images (TIFF, incl. multi-page G3/G4 fax TIFF; PNG; JPEG) to PDF.

Each image frame becomes one page sized from the image's own resolution, so a standard-mode fax
(204 x 98 dpi) keeps its proportions. Run it in the sandbox for anything that arrived from
outside (:func:`desk_app.sandbox.api.image_to_pdf`).
"""

from __future__ import annotations

import io

import pymupdf
from PIL import Image, ImageSequence, UnidentifiedImageError

from desk_app.pdf.errors import PdfRejected
from desk_app.pdf.mupdf import on_owner

MAX_PIXELS = 60_000_000  # a letter page at 600 dpi is about 34 Mpx
MAX_FRAMES = 60
FORMATS = {"TIFF", "PNG", "JPEG", "MPO", "BMP", "GIF"}


def _resolution(frame: Image.Image) -> tuple[float, float]:
    dpi = frame.info.get("dpi") or (0, 0)
    try:
        x, y = float(dpi[0]), float(dpi[1])
    except (TypeError, ValueError, IndexError):
        x = y = 0.0
    if x < 50 or y < 50:  # missing or absurd: assume a fine-mode fax / 200 dpi scan
        x, y = (x if x >= 50 else 200.0), (y if y >= 50 else (x if x >= 50 else 200.0))
    return x, y


def _page_image(frame: Image.Image) -> Image.Image:
    if frame.mode in ("1", "L", "RGB"):
        return frame.copy()
    if frame.mode in ("RGBA", "LA", "P", "PA"):
        return frame.convert("RGBA").convert("RGB")
    return frame.convert("RGB")


def convert_image_to_pdf(data: bytes) -> bytes:
    """Turn an image file into a PDF, one page per frame.

    Raises:
        PdfRejected: not an image we accept, too many pixels or frames.
    """
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow refuses decompression bombs beyond this
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise PdfRejected(
            "the file is neither a PDF nor an image we can read (TIFF, PNG, JPEG)", "unsupported"
        ) from exc
    if image.format not in FORMATS:
        raise PdfRejected(f"{image.format} images are not accepted", "unsupported")
    pages: list[Image.Image] = []
    sizes: list[tuple[float, float]] = []
    try:
        for index, frame in enumerate(ImageSequence.Iterator(image)):
            if index >= MAX_FRAMES:
                raise PdfRejected(f"the image has more than {MAX_FRAMES} pages", "too_many_pages")
            if frame.width * frame.height > MAX_PIXELS:
                raise PdfRejected("the image is too large", "too_big")
            xdpi, ydpi = _resolution(frame)
            pages.append(_page_image(frame))
            sizes.append((xdpi, ydpi))
    except (OSError, Image.DecompressionBombError) as exc:
        raise PdfRejected(f"the image is damaged ({exc})", "malformed") from exc
    return on_owner(_pages_to_pdf, pages, sizes)


def _pages_to_pdf(pages: list[Image.Image], dpis: list[tuple[float, float]]) -> bytes:
    doc = pymupdf.open()
    for img, (xdpi, ydpi) in zip(pages, dpis, strict=True):
        width_pt = img.width * 72.0 / xdpi
        height_pt = img.height * 72.0 / ydpi
        page = doc.new_page(width=width_pt, height=height_pt)
        buf = io.BytesIO()
        if img.mode == "1":
            img.save(buf, format="TIFF", compression="group4")
        elif img.mode == "L":
            img.save(buf, format="PNG", optimize=False)
        else:
            img.save(buf, format="JPEG", quality=90)
        page.insert_image(page.rect, stream=buf.getvalue(), keep_proportion=False)
    out = doc.tobytes(garbage=1, deflate=True)
    doc.close()
    return out
