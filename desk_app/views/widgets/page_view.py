"""The two drawing surfaces of the document viewer: the page with its search hits, and the
strip of page thumbnails."""

from __future__ import annotations

from typing import Any

from desk_app.qt import (
    QColor,
    QIcon,
    QImage,
    QListWidget,
    QListWidgetItem,
    QPainter,
    QPixmap,
    QRectF,
    QSize,
    Qt,
    QWidget,
)

THUMB_HEIGHT = 110
PAD = 12  # grey margin around the page, in logical pixels
DESK = QColor(0x5B, 0x61, 0x70)


class PageView(QWidget):
    """Paints the page image and the search hits on it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image = QImage()
        self.hits: list[QRectF] = []
        self.current_hit = -1
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, False)

    def show_image(self, image: QImage, hits: list[QRectF], current: int) -> None:
        self.image, self.hits, self.current_hit = image, hits, current
        dpr = image.devicePixelRatio() or 1.0
        self.setFixedSize(
            round(image.width() / dpr) + 2 * PAD, round(image.height() / dpr) + 2 * PAD
        )
        self.update()

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.fillRect(self.rect(), DESK)
        if not self.image.isNull():
            p.drawImage(PAD, PAD, self.image)
        p.translate(PAD, PAD)
        for i, r in enumerate(self.hits):
            colour = QColor(255, 140, 0, 110) if i == self.current_hit else QColor(255, 230, 0, 90)
            p.fillRect(r, colour)
        p.end()


class ThumbnailStrip(QListWidget):
    """One small picture per page; the current row is the page in view."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIconSize(QSize(int(THUMB_HEIGHT * 0.78), THUMB_HEIGHT))
        self.setSpacing(3)
        self.setFixedWidth(int(THUMB_HEIGHT * 0.78) + 46)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setStyleSheet("QListWidget { background: #d9dde4; }")

    def set_page_count(self, count: int) -> None:
        """One numbered row per page, the first selected, without announcing it."""
        self.blockSignals(True)
        self.clear()
        for n in range(count):
            item = QListWidgetItem(str(n + 1))
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            self.addItem(item)
        self.setCurrentRow(0)
        self.blockSignals(False)

    def set_thumbnail(self, page: int, image: QImage) -> None:
        item = self.item(page)
        if item is not None:
            item.setIcon(QIcon(QPixmap.fromImage(image)))
