"""Turn rendered page bytes into Qt images (on the GUI thread) and map page rectangles.

Pages are rendered to bytes off the GUI thread by :mod:`desk_app.pdf.render`; only here, on the
GUI thread, do they become a ``QImage``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desk_app.qt import QImage, QRectF

if TYPE_CHECKING:  # only named here; importing it would bring PyMuPDF in with the window
    from desk_app.pdf.render import RenderedPage


def to_qimage(page: RenderedPage, device_pixel_ratio: float = 1.0) -> QImage:
    """A ``QImage`` owning a copy of ``page``'s pixels, tagged with the device pixel ratio."""
    fmt = {
        "RGBA8888": QImage.Format.Format_RGBA8888,
        "Grayscale8": QImage.Format.Format_Grayscale8,
    }.get(page.format, QImage.Format.Format_RGB888)
    image = QImage(page.samples, page.width, page.height, page.stride, fmt).copy()
    image.setDevicePixelRatio(device_pixel_ratio)
    return image


def rotated_rect(
    rect: tuple[float, float, float, float],
    page_size: tuple[float, float],
    rotate: int,
    scale: float,
) -> QRectF:
    """Where a rectangle of the unrotated page (points, top-left origin) shows on the screen.

    Args:
        rect: (x0, y0, x1, y1) in points on the unrotated page.
        page_size: (width, height) of the unrotated page in points.
        rotate: clockwise rotation of the view, a multiple of 90.
        scale: logical pixels per point.
    """
    x0, y0, x1, y1 = rect
    w, h = page_size
    rotate %= 360
    if rotate == 90:
        x0, y0, x1, y1 = h - y1, x0, h - y0, x1
    elif rotate == 180:
        x0, y0, x1, y1 = w - x1, h - y1, w - x0, h - y0
    elif rotate == 270:
        x0, y0, x1, y1 = y0, w - x1, y1, w - x0
    return QRectF(x0 * scale, y0 * scale, (x1 - x0) * scale, (y1 - y0) * scale)
