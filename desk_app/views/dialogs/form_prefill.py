"""Generate form: what to prefill beyond the entity record (the requester, the user-manager block,
the first user and role rows), all optional.

Whatever is typed here is printed on the form and recorded with its request token, so when the
form comes back by fax the keying station fills it in again and the operator keys only what the
signer wrote (PIN, date). The signer's own fields - PIN, signature, date - are never offered.
"""

from __future__ import annotations

import re

from desk_app.pdf.catalogue import FormSpec
from desk_app.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

# the fields worth prefilling: who asks, the user-manager block, the first two user and role rows
OFFERED = re.compile(r"^(requester_email|um_\w+|user_[12]_\w+|role_[12]_\w+)$")
NEVER = ("pin", "signature")


def offered_fields(spec: FormSpec) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(name, label, kind, options) of the fields this dialog offers for ``spec``."""
    return [
        (f.name, f.label, f.kind, tuple(f.options))
        for f in spec.fields
        if OFFERED.match(f.name) and f.kind not in NEVER and not f.derived
    ]


class FormPrefillDialog(QDialog):
    """Optional values to print on a form generated for an entity (see the module docstring)."""

    def __init__(self, spec: FormSpec, entity: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("form-prefill-dialog")
        self.setWindowTitle(f"Generate {spec.number}")
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"{spec.number} for {entity}: the entity, its code and its signer come from the "
            "entity record. Anything you add here is printed on the form and filled in again "
            "when it comes back by fax. All optional.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        holder = QWidget(self)
        form = QFormLayout(holder)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.editors: dict[str, QLineEdit | QComboBox] = {}
        for name, label, kind, options in offered_fields(spec):
            editor: QLineEdit | QComboBox
            if kind == "choice" and options:
                editor = QComboBox(holder)
                editor.addItems(["", *options])
            else:
                editor = QLineEdit(holder)
            editor.setObjectName(f"prefill-{name}")
            editor.setAccessibleName(label)
            self.editors[name] = editor
            form.addRow(label, editor)
        scroll = QScrollArea(self)
        scroll.setWidget(holder)
        scroll.setWidgetResizable(True)
        scroll.setVisible(bool(self.editors))
        layout.addWidget(scroll, 1)
        buttons = QDialogButtonBox(self)
        buttons.addButton("&Generate", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        em = self.fontMetrics().horizontalAdvance("M")
        self.setMinimumWidth(52 * em)  # room for an email address beside its label
        if len(self.editors) > 8:
            self.setMinimumHeight(self.fontMetrics().height() * 24)

    def values(self) -> dict[str, str]:
        """The values typed or chosen (empty ones left out)."""
        out = {}
        for name, editor in self.editors.items():
            text = editor.currentText() if isinstance(editor, QComboBox) else editor.text()
            if text.strip():
                out[name] = text.strip()
        return out
