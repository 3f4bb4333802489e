"""What the keying station needs to key a faxed form: each field's label, rules and place on the page.

A faxed page has the layout of our own edition of the form, so the place of each field is read
from the widgets of a freshly generated copy (PyMuPDF, on its owner thread) and cached per form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import select

from desk_app.errors import NotFound
from desk_app.models.submissions import RequestToken
from desk_app.pdf.catalogue import find_form
from desk_app.pdf.validate import field_problem
from desk_app.rules.permissions import Perm
from desk_app.services.context import ServiceContext
from desk_app.services.queue.service import get_submission

Rect = tuple[float, float, float, float]


@dataclass(frozen=True)
class KeyField:
    """One field to key: ``rect`` is in PDF points, top-left origin, on 0-based ``page``."""

    name: str
    label: str
    kind: str
    required: bool
    options: tuple[str, ...]
    page: int
    rect: Rect | None


@dataclass(frozen=True)
class KeyingLayout:
    form_number: str
    title: str
    edition: str
    fields: tuple[KeyField, ...]


def _widget_rects(pdf: bytes) -> dict[str, tuple[int, Rect]]:
    import pymupdf

    rects: dict[str, tuple[int, Rect]] = {}
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:  # type: ignore[no-untyped-call]
        for page in doc:
            for w in page.widgets() or ():
                if w.field_name and w.field_name not in rects:
                    r = w.rect
                    rects[w.field_name] = (page.number, (r.x0, r.y0, r.x1, r.y1))
    return rects


@lru_cache(maxsize=16)
def keying_layout(form_number: str) -> KeyingLayout:
    """The fields of ``form_number`` in keying order (page, then top to bottom, left to right).

    Raises:
        NotFound: the form is not in the catalogue.
    """
    spec = find_form(form_number)
    if spec is None:
        raise NotFound(f"no form {form_number!r} in the catalogue: identify the form first")
    # imported here: the PDF engine and generator are not needed to show the queue's list, whose
    # page imports this module
    from desk_app.pdf.generate import generate_form
    from desk_app.pdf.mupdf import on_owner

    rects = on_owner(_widget_rects, generate_form(spec.number))
    fields = []
    for f in spec.fields:
        if f.derived:
            continue  # computed from the others, never keyed
        page, rect = rects.get(f.name, (f.page - 1, None))
        fields.append(KeyField(f.name, f.label, f.kind, f.required, f.options, page, rect))
    fields.sort(
        key=lambda k: (k.page, round(k.rect[1] / 6) if k.rect else 9999, k.rect[0] if k.rect else 0)
    )
    return KeyingLayout(spec.number, spec.title, spec.edition, tuple(fields))


def value_problem(form_number: str, field_name: str, value: str) -> str | None:
    """What is wrong with a keyed value (format, choices), or ``None`` when it is acceptable."""
    spec = find_form(form_number)
    if spec is None or not spec.has_field(field_name) or not value:
        return None
    return field_problem(spec.field(field_name), value)


@dataclass(frozen=True)
class RequestPrefill:
    """What the form's request token says it was generated with (nothing when it has none)."""

    token: str
    values: tuple[tuple[str, str], ...]
    generated_by: str = ""
    generated_at: datetime | None = None

    def as_dict(self) -> dict[str, str]:
        return dict(self.values)


def request_prefill(ctx: ServiceContext, submission_id: str) -> RequestPrefill:
    """The values a submission's form was generated with, found by the token in its page QR.

    A faxed form generated in desk_app comes back with its entity, signer and user rows printed
    on it; the keying station fills them in so the operator keys only what a person wrote.
    """
    ctx.require(Perm.WORK_QUEUE)
    with ctx.store.read() as s:
        sub = get_submission(s, submission_id)
        if not sub.token:
            return RequestPrefill("", ())
        row = s.execute(
            select(RequestToken).where(
                RequestToken.token == sub.token,
                RequestToken.form_number == sub.form_number,
                RequestToken.deleted_at.is_(None),
            )
        ).scalar_one_or_none()
        if row is None:
            return RequestPrefill(sub.token, ())
        values = tuple(sorted((str(k), str(v)) for k, v in (row.values or {}).items() if v))
        return RequestPrefill(row.token, values, row.generated_by, row.generated_at)
