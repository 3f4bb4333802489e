"""What the barcodes read from a fax's frames say about the form (no pixels here).

The frames themselves are decoded in the sandbox child (:mod:`desk_app.sandbox.faxframes`): the
page QR of each frame names the form, the data barcode carries the values, and a form without a
readable data barcode goes to keying. An image has no AcroForm fields and no text layer, so this
is the whole of identification and extraction for it.
"""

from __future__ import annotations

from desk_app.pdf.catalogue import find_form
from desk_app.pdf.derive import derived_values
from desk_app.pdf.read import FormReading
from desk_app.sandbox.results import FrameScan

__all__ = ["FrameScan", "reading"]


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
