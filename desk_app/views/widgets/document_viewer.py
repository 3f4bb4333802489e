"""The document viewer: one page at a time, fit width / fit page / zoom, thumbnails, rotation
(faxes arrive sideways), text search and keyboard navigation.

Pages are rendered to bytes on the PyMuPDF owner thread through :mod:`desk_app.views.ops`
(``instant`` pool for the page in view, ``general`` for thumbnails) and become images here, on
the GUI thread, at the screen's device pixel ratio so text stays sharp at 150 % and 200 %.
Opening a document costs one background call that opens it and renders the first page.

Signals:
    document_shown(int): the first page of a newly set document is on screen (page count).
    page_changed(int): the page in view changed (0-based).
    failed(str): the document could not be opened or rendered (reason).
"""

from __future__ import annotations

from collections import OrderedDict
from functools import partial
from typing import TYPE_CHECKING, Any

from desk_app.qt import (
    QComboBox,
    QEvent,
    QHBoxLayout,
    QImage,
    QKeySequence,
    QLabel,
    QLineEdit,
    QMenu,
    QScrollArea,
    QShortcut,
    QSize,
    QSizePolicy,
    Qt,
    QTimer,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desk_app.received import Received
from desk_app.views import ops
from desk_app.views.widgets.page_view import DESK, PAD, THUMB_HEIGHT, PageView, ThumbnailStrip
from desk_app.views.widgets.pdf_images import rotated_rect, to_qimage
from desk_app.views.widgets.print_support import DocumentPrinting

if TYPE_CHECKING:
    from desk_app.pdf.render import DocumentInfo


def backend_for(untrusted_source: bool) -> Any:
    """The module that opens a document: :mod:`desk_app.sandbox.api` (a child process) for one
    from outside, :mod:`desk_app.pdf.render` for the app's own. Imported on the first document,
    not with the window: they bring in PyMuPDF and numpy, which the first page's list does not
    need."""
    if untrusted_source:
        from desk_app.sandbox import api as untrusted

        return untrusted
    from desk_app.pdf import render as trusted

    return trusted


SCREEN_DPI = 96.0
ZOOM_STEPS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0)
MAX_RENDER_ZOOM = 8.0  # device pixels per point (576 dpi): beyond that the pixmap gets huge


def _open_first(
    backend: Any, pdf: bytes | Received, rotate: int, fit_width: float, dpr: float
) -> tuple[DocumentInfo, Any, float]:
    """Pool thread: open the document and render page 1 to fit ``fit_width`` logical pixels."""
    if isinstance(pdf, Received):  # one job in the sandbox child instead of two round trips
        from desk_app.sandbox import api as untrusted

        first: tuple[DocumentInfo, Any, float] = untrusted.open_first(
            pdf, rotate, fit_width, dpr, MAX_RENDER_ZOOM
        )
        return first
    info = backend.document_info(pdf)
    w, h = info.page_sizes[0]
    page_w = h if rotate % 180 else w
    scale = max(fit_width, 100.0) / page_w
    zoom = min(scale * dpr, MAX_RENDER_ZOOM)
    return info, backend.render_page(pdf, 0, zoom, rotate), scale


class DocumentViewer(QWidget):
    """A PDF viewer for forms, faxes and mail attachments (see module docstring)."""

    document_shown = Signal(int)
    page_changed = Signal(int)
    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pdf: bytes | Received = b""
        self.title = ""
        self._backend: Any = None  # set with the document (backend_for)
        self.info: DocumentInfo | None = None
        self.page = 0
        self.mode = "fit_width"
        self.zoom = 1.0  # logical pixels per point / (96 / 72) when mode is "zoom"
        self.rotation: dict[int, int] = {}
        self._generation = 0
        self._cache: OrderedDict[tuple[int, float, int], QImage] = OrderedDict()
        self._hits: list[tuple[int, tuple[float, float, float, float]]] = []
        self._hit = -1
        self._needle = ""
        self._build()
        self._shortcuts()
        self._resize_timer = QTimer(self, singleShot=True, interval=60)
        self._resize_timer.timeout.connect(self._render_current)

    # --- construction ------------------------------------------------------------------------
    def _build(self) -> None:
        self.toolbar = QToolBar(self)
        self.toolbar.setIconSize(QSize(16, 16))
        tb = self.toolbar
        self.act_prev = tb.addAction("\u25b2 Previous", self.previous_page)
        self.act_next = tb.addAction("\u25bc Next", self.next_page)
        self.page_label = QLabel(" - / - ", self)
        self.page_label.setMinimumWidth(60)
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        tb.addWidget(self.page_label)
        tb.addSeparator()
        tb.addAction("\u2212", self.zoom_out).setToolTip("Zoom out (Ctrl+-)")
        self.zoom_box = QComboBox(self)
        self.zoom_box.addItems(
            ["Fit width", "Fit page"] + [f"{int(z * 100)} %" for z in ZOOM_STEPS]
        )
        self.zoom_box.activated.connect(self._on_zoom_chosen)
        tb.addWidget(self.zoom_box)
        tb.addAction("+", self.zoom_in).setToolTip("Zoom in (Ctrl++)")
        # a second row: rotation, find, print. Glyphs with tool tips and accessible names, and
        # the print tools behind one button: both rows must fit the queue's right-hand pane at
        # 1280 px (and 150 %) without hiding a tool behind a » button
        self.tools = QToolBar(self)
        self.tools.setIconSize(QSize(16, 16))
        for glyph, name, keys, turn in (
            ("\u27f2", "Rotate left", "Ctrl+Shift+R", -90),
            ("\u27f3", "Rotate right", "Ctrl+R", 90),
        ):
            act = self.tools.addAction(glyph, partial(self.rotate, turn))
            act.setToolTip(f"{name} ({keys})")
            self.tools.widgetForAction(act).setAccessibleName(name)
        self.tools.addSeparator()
        self.search_box = QLineEdit(self)
        self.search_box.setPlaceholderText("Find in document (Ctrl+F)")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setMaximumWidth(220)
        self.search_box.returnPressed.connect(self.find_next)
        self.tools.addWidget(self.search_box)
        self.search_label = QLabel("", self)
        self.tools.addWidget(self.search_label)
        spacer = QWidget(self)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.tools.addWidget(spacer)
        self.printing = DocumentPrinting(self)
        self.print_button = QToolButton(self)
        self.print_button.setText("Print…")
        self.print_button.setToolTip("Print at 300 dpi (Ctrl+P); the arrow: preview, save as PDF")
        self.print_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.print_button.clicked.connect(self.print_document)
        more = QMenu(self.print_button)
        more.addAction("Pre&view…", self.preview_document)
        more.addAction("&Save as PDF…", self._save_as_pdf)
        self.print_button.setMenu(more)
        self.tools.addWidget(self.print_button)

        self.thumbs = ThumbnailStrip(self)
        self.thumbs.currentRowChanged.connect(self._on_thumb)

        self.view = PageView()
        self.page_area = QScrollArea(self)
        self.page_area.setWidget(self.view)
        self.page_area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        palette = self.page_area.viewport().palette()
        palette.setColor(self.page_area.viewport().backgroundRole(), DESK)
        self.page_area.viewport().setPalette(palette)
        self.page_area.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.page_area.installEventFilter(self)
        self.page_area.viewport().installEventFilter(self)
        # a scroll bar that comes and goes would change "fit width" and re-render in a loop
        self.page_area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)

        # said instead of an empty grey page when there is no document (and why)
        self.absence = QLabel("", self)
        self.absence.setObjectName("document-absence")
        self.absence.setAccessibleName("Why no document is shown")
        self.absence.setWordWrap(True)
        self.absence.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.absence.setStyleSheet("QLabel { padding: 24px; font-size: 11pt; }")
        self.absence.setVisible(False)

        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        body.addWidget(self.thumbs)
        body.addWidget(self.page_area, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.tools)
        layout.addWidget(self.absence)
        layout.addLayout(body, 1)
        self.setFocusProxy(self.page_area)

    def _shortcuts(self) -> None:
        keys: list[tuple[Any, Any]] = [
            (QKeySequence.StandardKey.MoveToNextPage, self.next_page),
            (QKeySequence.StandardKey.MoveToPreviousPage, self.previous_page),
            (QKeySequence("Ctrl+End"), lambda: self.go_to(self.page_count - 1)),
            (QKeySequence("Ctrl+Home"), lambda: self.go_to(0)),
            (QKeySequence.StandardKey.ZoomIn, self.zoom_in),
            (QKeySequence("Ctrl+="), self.zoom_in),
            (QKeySequence.StandardKey.ZoomOut, self.zoom_out),
            (QKeySequence("Ctrl+0"), lambda: self.set_mode("fit_width")),
            (QKeySequence("Ctrl+9"), lambda: self.set_mode("fit_page")),
            (QKeySequence("Ctrl+R"), lambda: self.rotate(90)),
            (QKeySequence("Ctrl+Shift+R"), lambda: self.rotate(-90)),
            (QKeySequence.StandardKey.Find, self._focus_search),
            (QKeySequence.StandardKey.FindNext, self.find_next),
            (QKeySequence("F3"), self.find_next),
            (QKeySequence.StandardKey.Print, self.print_document),
        ]
        for seq, slot in keys:
            sc = QShortcut(seq, self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)

    # --- public API --------------------------------------------------------------------------
    @property
    def page_count(self) -> int:
        return self.info.page_count if self.info else 0

    def set_document(
        self, pdf: bytes | Received, title: str = "", untrusted_source: bool = False
    ) -> None:
        """Show ``pdf`` from its first page.

        Args:
            pdf: the document: :class:`Received` (from outside: mail, fax, a dropped file) is
                opened, rendered and searched in a sandbox child only, never in this process;
                ``bytes`` are the app's own letters and forms.
            title: shown in print dialogs and used for "Save as PDF".
            untrusted_source: treat ``bytes`` as received too.
        """
        if untrusted_source and not isinstance(pdf, Received):
            pdf = Received(pdf, title)
        self._generation += 1
        gen = self._generation
        self._show_absence("")
        # bytes from outside are drawn in the sandbox, whatever the caller said
        self._backend = backend_for(untrusted_source or isinstance(pdf, Received))
        self.printing.backend = self._backend
        self.pdf, self.info, self.page, self.title = pdf, None, 0, title
        self.rotation.clear()
        self._cache.clear()
        self._hits, self._hit, self._needle = [], -1, ""
        self.thumbs.clear()
        self.search_label.clear()
        dpr = self.devicePixelRatioF()
        width = self._fit_width()
        ops.op(_open_first, self._backend, pdf, 0, width, dpr).success(
            lambda result: self._on_first(gen, result, dpr)
        ).failure(lambda exc: self._on_failed(gen, exc)).run("instant", initiator=self)

    def preview_document(self) -> None:
        if self.pdf:
            self.printing.preview(self.pdf, self.title)

    def _save_as_pdf(self) -> None:
        if self.pdf:
            self.printing.save_as_pdf(self.pdf, (self.title or "document") + ".pdf")

    def print_document(self) -> None:
        if self.pdf:
            self.printing.print_document(self.pdf, self.title or "document")

    def clear(self, reason: str = "") -> None:
        """Show nothing; ``reason`` says why in place of the page (no document, quarantined...)."""
        self._generation += 1
        self.pdf, self.info = b"", None
        self.thumbs.clear()
        self.view.show_image(QImage(), [], -1)
        self.page_label.setText(" - / - ")
        self._show_absence(reason)

    def _show_absence(self, reason: str) -> None:
        self.absence.setText(reason)
        self.absence.setVisible(bool(reason))
        self.page_area.setVisible(not reason)
        self.thumbs.setVisible(not reason)

    def go_to(self, page: int) -> None:
        if not self.info or not 0 <= page < self.page_count:
            return
        if page != self.page:
            self.page = page
            self.page_label.setText(f" {page + 1} / {self.page_count} ")
            self.page_changed.emit(page)
        if self.thumbs.currentRow() != page:
            self.thumbs.setCurrentRow(page)
        self._render_current()
        self.page_area.verticalScrollBar().setValue(0)

    def next_page(self) -> None:
        self.go_to(self.page + 1)

    def previous_page(self) -> None:
        self.go_to(self.page - 1)

    def set_mode(self, mode: str, zoom: float | None = None) -> None:
        """``fit_width``, ``fit_page`` or ``zoom`` (with ``zoom`` 1.0 = actual size)."""
        self.mode = mode
        if zoom is not None:
            self.zoom = max(0.1, min(zoom, 6.0))
        index = {"fit_width": 0, "fit_page": 1}.get(mode)
        if index is None:
            label = f"{round(self.zoom * 100)} %"
            index = self.zoom_box.findText(label)
            if index < 0:
                self.zoom_box.addItem(label)
                index = self.zoom_box.count() - 1
        self.zoom_box.setCurrentIndex(index)
        self._render_current()

    def zoom_in(self) -> None:
        current = self.scale() / (SCREEN_DPI / 72)
        self.set_mode("zoom", next((z for z in ZOOM_STEPS if z > current + 0.01), ZOOM_STEPS[-1]))

    def zoom_out(self) -> None:
        current = self.scale() / (SCREEN_DPI / 72)
        smaller = [z for z in ZOOM_STEPS if z < current - 0.01]
        self.set_mode("zoom", smaller[-1] if smaller else ZOOM_STEPS[0])

    def rotate(self, degrees: int) -> None:
        """Turn the page in view by ``degrees`` (a multiple of 90, clockwise positive)."""
        if not self.info:
            return
        self.rotation[self.page] = (self.rotation.get(self.page, 0) + degrees) % 360
        self._render_current()
        self._render_thumb(self.page, self._generation)

    def scale(self) -> float:
        """Logical pixels per point for the page in view."""
        if not self.info:
            return SCREEN_DPI / 72
        w, h = self._page_size(self.page)
        if self.mode == "fit_width":
            return self._fit_width() / w
        if self.mode == "fit_page":
            vp = self.page_area.viewport().size()
            return min((vp.width() - 2 * PAD) / w, (vp.height() - 2 * PAD) / h)
        return self.zoom * SCREEN_DPI / 72

    # --- search ------------------------------------------------------------------------------
    def find_next(self) -> None:
        needle = self.search_box.text().strip()
        if not needle or not self.pdf:
            return
        if needle != self._needle:
            self._needle = needle
            gen = self._generation
            ops.op(self._backend.search_text, self.pdf, needle).success(
                lambda hits: self._on_hits(gen, needle, hits)
            ).run("instant", initiator=self)
            return
        if self._hits:
            self._show_hit((self._hit + 1) % len(self._hits))

    def _on_hits(self, gen: int, needle: str, hits: list[Any]) -> None:
        if gen != self._generation or needle != self._needle:
            return
        self._hits = hits
        if not hits:
            self.search_label.setText("  not found")
            self._render_current()
            return
        later = [i for i, (p, _r) in enumerate(hits) if p >= self.page]
        self._show_hit(later[0] if later else 0)

    def _show_hit(self, index: int) -> None:
        self._hit = index
        self.search_label.setText(f"  {index + 1} of {len(self._hits)}")
        page = self._hits[index][0]
        if page != self.page:
            self.go_to(page)
        else:
            self._render_current()

    def _focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    # --- rendering ---------------------------------------------------------------------------
    def _fit_width(self) -> float:
        # one pixel short, so rounding never adds a horizontal scroll bar
        return float(max(self.page_area.viewport().width() - 2 * PAD - 1, 100))

    def _page_size(self, page: int) -> tuple[float, float]:
        assert self.info is not None
        w, h = self.info.page_sizes[page]
        return (h, w) if self.rotation.get(page, 0) % 180 else (w, h)

    def _key(self) -> tuple[int, float, int]:
        dpr = self.devicePixelRatioF()
        zoom = round(min(self.scale() * dpr, MAX_RENDER_ZOOM), 3)
        return self.page, zoom, self.rotation.get(self.page, 0)

    def _render_current(self) -> None:
        if not self.info:
            return
        key = self._key()
        if key in self._cache:
            self._cache.move_to_end(key)
            self._display(key, self._cache[key])
            return
        gen = self._generation
        page, zoom, rot = key
        ops.op(self._backend.render_page, self.pdf, page, zoom, rot).success(
            lambda rp: self._on_rendered(gen, key, rp)
        ).failure(lambda exc: self._on_failed(gen, exc)).run("instant", initiator=self)

    def _on_rendered(self, gen: int, key: tuple[int, float, int], rendered: Any) -> None:
        if gen != self._generation:
            return
        image = to_qimage(rendered, self.devicePixelRatioF())
        self._cache[key] = image
        while len(self._cache) > 6:
            self._cache.popitem(last=False)
        if key == self._key():
            self._display(key, image)

    def _display(self, key: tuple[int, float, int], image: QImage) -> None:
        page, _zoom, rot = key
        assert self.info is not None
        scale = image.width() / image.devicePixelRatio() / self._page_size(page)[0]
        hits = [
            rotated_rect(r, self.info.page_sizes[page], rot, scale)
            for p, r in self._hits
            if p == page
        ]
        current_rect = self._hits[self._hit] if 0 <= self._hit < len(self._hits) else None
        current = next(
            (
                i
                for i, (p, r) in enumerate(h for h in self._hits if h[0] == page)
                if current_rect == (p, r)
            ),
            -1,
        )
        self.view.show_image(image, hits, current)
        self.page_label.setText(f" {page + 1} / {self.page_count} ")
        if 0 <= current < len(hits):
            self.page_area.ensureVisible(
                int(hits[current].center().x()) + PAD,
                int(hits[current].center().y()) + PAD,
                60,
                120,
            )

    def _on_first(self, gen: int, result: tuple[DocumentInfo, Any, float], dpr: float) -> None:
        if gen != self._generation:
            return
        info, rendered, _scale = result
        self.info = info
        image = to_qimage(rendered, dpr)
        key = (0, round(rendered.zoom, 3), 0)
        self._cache[key] = image
        self._display(key, image)
        self.document_shown.emit(info.page_count)
        self.thumbs.set_page_count(info.page_count)
        if key != self._key():  # the fit changed while the first page was on its way
            self._render_current()
        for n in range(info.page_count):
            self._render_thumb(n, gen)

    def _render_thumb(self, page: int, gen: int) -> None:
        assert self.info is not None
        h = self._page_size(page)[1]
        zoom = THUMB_HEIGHT / h * self.devicePixelRatioF()
        ops.op(self._backend.render_page, self.pdf, page, zoom, self.rotation.get(page, 0)).success(
            lambda rp: self._on_thumb_rendered(gen, page, rp)
        ).run("general", initiator=self)

    def _on_thumb_rendered(self, gen: int, page: int, rendered: Any) -> None:
        if gen != self._generation or page >= self.thumbs.count():
            return
        self.thumbs.set_thumbnail(page, to_qimage(rendered, self.devicePixelRatioF()))

    def _on_thumb(self, row: int) -> None:
        if row >= 0:
            self.go_to(row)

    def _on_zoom_chosen(self, index: int) -> None:
        if index == 0:
            self.set_mode("fit_width")
        elif index == 1:
            self.set_mode("fit_page")
        else:
            self.set_mode("zoom", int(self.zoom_box.itemText(index).split()[0]) / 100)

    def _on_failed(self, gen: int, exc: BaseException) -> None:
        if gen == self._generation:
            reason = getattr(exc, "reason", None) or str(exc)
            self.page_label.setText(" - / - ")
            self.failed.emit(reason)

    # --- events ------------------------------------------------------------------------------
    def eventFilter(self, watched: Any, event: Any) -> bool:  # noqa: N802 - Qt override
        # page keys on the page area: the scroll area would otherwise eat them for scrolling
        if watched is self.page_area and event.type() == QEvent.Type.KeyPress:
            return self._page_key(event.key())
        if watched is self.page_area.viewport() and event.type() == QEvent.Type.Resize:
            if self.info and self.mode != "zoom":
                self._resize_timer.start()
        return super().eventFilter(watched, event)

    def _page_key(self, key: int) -> bool:
        bar = self.page_area.verticalScrollBar()
        if key == Qt.Key.Key_Right or (key == Qt.Key.Key_Space and bar.value() >= bar.maximum()):
            self.next_page()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Backspace):
            self.previous_page()
        elif key == Qt.Key.Key_Home:
            self.go_to(0)
        elif key == Qt.Key.Key_End:
            self.go_to(self.page_count - 1)
        else:
            return False
        return True
