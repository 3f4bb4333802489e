"""The keying station: a faxed page beside the form's fields, the current field's region zoomed.

The page is rendered off the GUI thread (``general`` pool, PyMuPDF owner thread) at a zoom high
enough for the magnifier; the ``QImage`` is made here on the GUI thread. Moving to a field (Tab,
click) scrolls the page to the field's box, outlines it, and shows the box, enlarged, above the
field list, so the operator reads and types without hunting on the page. A value that breaks the
form's rule (a date, an email, a code) is named at once under the fields.

Signals:
    saved(object): the keyed values were stored (the Changes result).
    field_changed(str): the current field changed (its name).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from desk_app.qt import (
    QCheckBox,
    QColor,
    QComboBox,
    QEvent,
    QFormLayout,
    QHBoxLayout,
    QImage,
    QLabel,
    QLineEdit,
    QPainter,
    QPen,
    QPixmap,
    QPushButton,
    QRect,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desk_app.received import Received
from desk_app.services.queue.keying import KeyField, KeyingLayout, keying_layout, value_problem
from desk_app.views import ops
from desk_app.views.widgets.pdf_images import to_qimage

RENDER_ZOOM = 3.0  # 216 dpi: a field box magnified stays sharp
PAGE_VIEW_SCALE = 1.0 / RENDER_ZOOM * 1.3  # the page column shows the render at ~94 dpi
MARGIN_PT = 8.0


def _load(pdf: Received, form_number: str, pages: int) -> tuple[KeyingLayout, list[Any]]:
    """Pool thread: the form's field layout and every page rendered for keying."""
    # a received fax: rendered in a child; imported here, not with the window (PyMuPDF, numpy)
    from desk_app.sandbox.api import render_page

    layout = keying_layout(form_number)
    return layout, [render_page(pdf, i, RENDER_ZOOM) for i in range(pages)]


PROBLEM_STYLE = "color: #b00020"


def _spoken(name: str) -> str:
    """A field's name as the note says it: ``um_first_name`` -> "user manager first name"."""
    spoken = name.replace("_", " ")
    return f"user manager {spoken[3:]}" if name.startswith("um_") else spoken


class KeyingStation(QWidget):
    """See the module docstring."""

    saved = Signal(object)
    field_changed = Signal(str)

    def __init__(self, save: Any, parent: QWidget | None = None) -> None:
        """``save(submission_id, values, complete)`` runs on the writer pool (a service call)."""
        super().__init__(parent)
        self.setObjectName("keying-station")
        self._save = save
        self.submission_id = ""
        self.layout_: KeyingLayout | None = None
        self.pages: list[QImage] = []
        self.editors: dict[str, QWidget] = {}
        self.current: KeyField | None = None
        self._generation = 0
        # (submission id, form number, entity code) -> {field: (value, where from)}: what the
        # form's request token and the entity record know (a service call run on the instant
        # pool); set by the page, None = no prefilling
        self.prefill: Callable[[str, str, str], dict[str, tuple[str, str]]] | None = None
        self._prefilled_for = ""
        self._build()

    def _build(self) -> None:
        self.page_label = QLabel(self)
        self.page_label.setAccessibleName("Faxed page")
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.page_scroll = QScrollArea(self)
        self.page_scroll.setWidget(self.page_label)
        self.page_scroll.setWidgetResizable(False)
        self.zoom_label = QLabel("Move to a field to see its box enlarged here.", self)
        self.zoom_label.setAccessibleName("Current field, enlarged")
        self.zoom_label.setMinimumHeight(110)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.zoom_label.setFrameShape(QLabel.Shape.Box)
        self.form_widget = QWidget(self)
        self.form = QFormLayout(self.form_widget)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form_scroll = QScrollArea(self)
        form_scroll.setWidget(self.form_widget)
        form_scroll.setWidgetResizable(True)
        self.problem_label = QLabel("", self)
        self.problem_label.setAccessibleName("Problem with the current value")
        self.problem_label.setStyleSheet(PROBLEM_STYLE)
        # a long note (what was filled in from where) wraps; it never widens the page
        self.problem_label.setWordWrap(True)
        self.problem_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.save_button = QPushButton("S&ave", self)
        self.done_button = QPushButton("Sav&e and send to review", self)
        self.save_button.clicked.connect(lambda: self.on_save(False))
        self.done_button.clicked.connect(lambda: self.on_save(True))
        right = QWidget(self)
        rlay = QVBoxLayout(right)
        rlay.addWidget(self.zoom_label)
        rlay.addWidget(form_scroll, 1)
        rlay.addWidget(self.problem_label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.done_button)
        rlay.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.page_scroll)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.title_label = QLabel("", self)
        outer.addWidget(self.title_label)
        outer.addWidget(splitter, 1)
        self._set_enabled(False)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        """Beside the queue at 1280 pixels (or 150%) the fields' column is narrow: each label
        then goes above its field, so a value is never keyed into a box a few letters wide."""
        super().resizeEvent(event)
        # the fields get about two fifths of the station (the page the rest)
        narrow = self.width() < 64 * self.fontMetrics().horizontalAdvance("M")
        policy = (
            QFormLayout.RowWrapPolicy.WrapAllRows
            if narrow
            else QFormLayout.RowWrapPolicy.DontWrapRows
        )
        if self.form.rowWrapPolicy() != policy:
            self.form.setRowWrapPolicy(policy)

    def _set_enabled(self, on: bool) -> None:
        self.save_button.setEnabled(on)
        self.done_button.setEnabled(on)

    # --- loading ---------------------------------------------------------------------------------
    def open(
        self,
        submission_id: str,
        form_number: str,
        pdf: Received,
        page_count: int,
        values: dict[str, Any],
    ) -> None:
        """Show a submission's page(s) and the form's fields, pre-filled with ``values``."""
        self._generation += 1
        generation = self._generation
        self.submission_id = submission_id
        self._prefilled_for = ""
        self._values = {k: str(v) for k, v in values.items() if not k.startswith("_")}
        self.title_label.setText(f"Keying {form_number}…")
        self._set_enabled(False)
        ops.op(_load, pdf, form_number, max(page_count, 1)).success(
            lambda result: self._on_loaded(result, generation)
        ).failure(lambda exc: self.title_label.setText(str(exc))).run("general", initiator=self)

    def _on_loaded(self, result: tuple[KeyingLayout, list[Any]], generation: int) -> None:
        if generation != self._generation:
            return
        self.layout_, rendered = result
        self.pages = [to_qimage(r) for r in rendered]
        self.title_label.setText(
            f"{self.layout_.form_number} {self.layout_.title} (edition {self.layout_.edition})"
        )
        self._build_fields()
        self._set_enabled(True)
        code = self.value_of("entity_code")
        if self.prefill is not None:
            # even with no code keyed yet: the request token in the page QR may name the entity
            self._prefilled_for = code.upper()
            self.ask_prefill(code, generation)
        else:
            self.focus_first_empty()

    def clear(self) -> None:
        """Show nothing: another submission was chosen (no fields of the last one stay beside it)."""
        self._generation += 1
        self.submission_id = ""
        self.layout_, self.pages, self.current, self._values = None, [], None, {}
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors = {}
        self.page_label.clear()
        self.zoom_label.setText("Move to a field to see its box enlarged here.")
        self.title_label.setText("Press K (or Key values) to key the chosen submission.")
        self.show_note("", problem=False)
        self._set_enabled(False)

    def focus_first_empty(self) -> None:
        """Put the cursor in the first required field nobody has filled yet."""
        if self.layout_ is None or not self.layout_.fields:
            return
        empty = [f for f in self.layout_.fields if f.required and not self.value_of(f.name)]
        self.focus_field((empty or self.layout_.fields)[0].name)

    # --- prefilling from the entity record ---------------------------------------------------
    def ask_prefill(self, code: str, generation: int | None = None) -> None:
        """Fill the empty fields the form's request token and the entity record ``code`` know
        (entity, signer, title, the user rows the form was generated with)."""
        if self.prefill is None or self.layout_ is None:
            return
        generation = self._generation if generation is None else generation
        ops.op(
            self.prefill, self.submission_id, self.layout_.form_number, code.strip().upper()
        ).success(lambda values: self._fill_empty(values, generation)).failure(
            lambda exc: self._prefill_failed(exc, generation)
        ).run("instant", initiator=self)

    def _fill_empty(self, values: dict[str, tuple[str, str]], generation: int) -> None:
        if generation != self._generation:
            return
        filled: dict[str, list[str]] = {}
        for name, (value, source) in values.items():
            editor = self.editors.get(name)
            if not value or editor is None or self.value_of(name):
                continue
            if isinstance(editor, QLineEdit):
                editor.setText(value)
            elif isinstance(editor, QComboBox) and editor.findText(value) >= 0:
                editor.setCurrentText(value)
            else:
                continue
            editor.setToolTip(f"Filled in from the {source}: check it against the page")
            filled.setdefault(source, []).append(_spoken(name))
        if values.get("entity_code"):
            self._prefilled_for = values["entity_code"][0].upper()
        self.focus_first_empty()  # (moving the cursor clears the note: say it after)
        if filled:
            said = "; ".join(f"from the {src}: {', '.join(names)}" for src, names in filled.items())
            self.show_note(said[0].upper() + said[1:] + ".", problem=False)

    def _prefill_failed(self, exc: BaseException, generation: int) -> None:
        if generation == self._generation:
            self.focus_first_empty()
            self.show_note(str(exc))

    def _build_fields(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors = {}
        assert self.layout_ is not None
        for f in self.layout_.fields:
            editor = self._editor(f)
            editor.setObjectName(f"key-{f.name}")
            editor.setAccessibleName(f.label)
            editor.installEventFilter(self)
            self.editors[f.name] = editor
            self.form.addRow(f.label + (" *" if f.required else ""), editor)

    def _editor(self, f: KeyField) -> QWidget:
        value = self._values.get(f.name, "")
        if f.kind == "checkbox":
            box = QCheckBox(self.form_widget)
            box.setChecked(bool(value))
            return box
        if f.kind == "choice" and f.options:
            combo = QComboBox(self.form_widget)
            combo.addItems(["", *f.options])
            combo.setCurrentText(value)
            return combo
        edit = QLineEdit(value, self.form_widget)
        if f.kind == "pin":
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.textEdited.connect(lambda text, name=f.name: self.on_edited(name, text))
        if f.name == "entity_code":
            edit.editingFinished.connect(lambda e=edit: self._code_keyed(e.text()))
        return edit

    def _code_keyed(self, code: str) -> None:
        if code.strip() and code.strip().upper() != self._prefilled_for:
            self._prefilled_for = code.strip().upper()
            self.ask_prefill(code)

    # --- the current field -------------------------------------------------------------------------
    def eventFilter(self, watched: Any, event: Any) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.FocusIn:
            name = watched.objectName().removeprefix("key-")
            if self.current is None or self.current.name != name:
                self._show_field(name)
        return False

    def focus_field(self, name: str) -> None:
        """Move the keyboard focus (and the magnifier) to field ``name``."""
        editor = self.editors.get(name)
        if editor is not None:
            editor.setFocus(Qt.FocusReason.OtherFocusReason)
        self._show_field(name)

    def _show_field(self, name: str) -> None:
        if self.layout_ is None:
            return
        self.current = next((f for f in self.layout_.fields if f.name == name), None)
        self._paint_page()
        self._paint_zoom()
        self.on_edited(name, self.value_of(name))
        self.field_changed.emit(name)

    def _box(self, f: KeyField) -> QRect:
        assert f.rect is not None
        x0, y0, x1, y1 = f.rect
        m = MARGIN_PT
        return QRect(
            int((x0 - m) * RENDER_ZOOM),
            int((y0 - m) * RENDER_ZOOM),
            int((x1 - x0 + 2 * m) * RENDER_ZOOM),
            int((y1 - y0 + 2 * m) * RENDER_ZOOM),
        )

    def _paint_page(self) -> None:
        f = self.current
        page = f.page if f is not None and f.page < len(self.pages) else 0
        if not self.pages:
            return
        shown = self._page_scaled(page).copy()
        if f is not None and f.rect is not None:
            box = self._box(f)
            painter = QPainter(shown)
            painter.setPen(QPen(QColor(255, 120, 0), 3))
            painter.drawRect(
                QRect(
                    int(box.x() * PAGE_VIEW_SCALE),
                    int(box.y() * PAGE_VIEW_SCALE),
                    int(box.width() * PAGE_VIEW_SCALE),
                    int(box.height() * PAGE_VIEW_SCALE),
                )
            )
            painter.end()
        self.page_label.setPixmap(QPixmap.fromImage(shown))
        self.page_label.resize(shown.size())
        if f is not None and f.rect is not None:
            box = self._box(f)
            self.page_scroll.ensureVisible(
                int(box.center().x() * PAGE_VIEW_SCALE),
                int(box.center().y() * PAGE_VIEW_SCALE),
                60,
                120,
            )

    def _page_scaled(self, page: int) -> QImage:
        """Page ``page`` at its on-screen size, scaled once (smooth-scaling the 216 dpi render
        at every move to another field held the GUI thread for 0.2-1 s under load)."""
        source = self.pages[page]
        key = (page, source.cacheKey())
        cached: dict[tuple[int, int], QImage] = getattr(self, "_scaled_pages", {})
        if key not in cached:
            cached = {k: v for k, v in cached.items() if k[0] != page}
            cached[key] = source.scaledToWidth(
                int(source.width() * PAGE_VIEW_SCALE), Qt.TransformationMode.SmoothTransformation
            )
            self._scaled_pages = cached
        return cached[key]

    def _paint_zoom(self) -> None:
        f = self.current
        if f is None or f.rect is None or f.page >= len(self.pages):
            self.zoom_label.setText("This field has no box on the page.")
            return
        crop = self.pages[f.page].copy(self._box(f))
        width = max(self.zoom_label.width() - 8, 200)
        self.zoom_label.setPixmap(
            QPixmap.fromImage(
                crop.scaledToWidth(
                    min(width, crop.width() * 2), Qt.TransformationMode.SmoothTransformation
                )
            )
        )

    # --- values ----------------------------------------------------------------------------------
    def value_of(self, name: str) -> str:
        editor = self.editors.get(name)
        if isinstance(editor, QLineEdit):
            return editor.text().strip()
        if isinstance(editor, QComboBox):
            return editor.currentText().strip()
        if isinstance(editor, QCheckBox):
            return "Yes" if editor.isChecked() else ""
        return ""

    def values(self) -> dict[str, str]:
        return {name: self.value_of(name) for name in self.editors}

    def show_note(self, text: str, problem: bool = True) -> None:
        """A problem in the error colour; a confirmation ("Saved.") in the ordinary one."""
        self.problem_label.setStyleSheet(PROBLEM_STYLE if problem else "")
        self.problem_label.setAccessibleName(
            "Problem with the current value" if problem else "Keying status"
        )
        self.problem_label.setText(text)

    def on_edited(self, name: str, text: str) -> None:
        if self.layout_ is None:
            return
        problem = value_problem(self.layout_.form_number, name, text)
        self.show_note(f"{name.replace('_', ' ')}: {problem}" if problem and text else "")

    def on_save(self, complete: bool) -> None:
        if not self.submission_id:
            return
        changed = {k: v for k, v in self.values().items() if v != self._values.get(k, "")}
        self._set_enabled(False)
        ops.op(self._save, self.submission_id, changed, complete).success(self._on_saved).failure(
            self._on_save_failed
        ).run("writer", initiator=self)

    def _on_saved(self, changes: Any) -> None:
        self._values.update(self.values())
        self._set_enabled(True)
        self.show_note("Saved.", problem=False)
        self.saved.emit(changes)

    def _on_save_failed(self, exc: BaseException) -> None:
        self._set_enabled(True)
        self.show_note(str(exc))
