"""Builders for intake tests: filled and printed forms, fax TIFFs, mails, crash hooks."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pymupdf
from PIL import Image

# --- forms, mails and faxes ------------------------------------------------------------------------
FORM_VALUES = {
    "entity_name": "Springfield R-XII",
    "entity_code": "048-078",
    "signer_name": "Ann Smith",
    "signer_title": "Superintendent",
    "signed_date": "11/20/2026",
}


def filled_form(number: str = "MO 500-2356", token: str = "tok-1", **values: str) -> bytes:
    from desk_app.pdf.fill import fill_form
    from desk_app.pdf.generate import generate_form

    return fill_form(generate_form(number, token=token), {**FORM_VALUES, **values})


def printed_form(number: str = "MO 500-2356", token: str = "tok-1", **values: str) -> bytes:
    """A filled form as printed: flattened, with the data barcode stamped."""
    from desk_app.pdf.fill import add_data_barcode, flatten

    return flatten(add_data_barcode(filled_form(number, token, **values)))


def fax_tiff(
    pdf: bytes,
    *,
    skew: float = 0.0,
    noise: float = 0.0,
    seed: int = 7,
    fine: bool = False,
    glass: bool = False,
) -> bytes:
    """Render ``pdf`` as a fax machine would: 200 x 100 dpi (200 x 200 in fine mode), 1-bit,
    Group 4, one frame per page. ``skew`` turns the scan lines; with ``glass`` the page itself
    turns (at 200 x 200 dpi, before the lines are scanned), as a sheet fed askew does."""
    lines_dpi = 200 if fine else 100
    rng = np.random.default_rng(seed)
    doc = pymupdf.open(stream=pdf, filetype="pdf")
    frames = []
    for page in doc:
        square = glass or fine
        scan = pymupdf.Matrix(200 / 72, (200 if square else lines_dpi) / 72)
        pix = page.get_pixmap(matrix=scan, colorspace=pymupdf.csGRAY)
        img = Image.frombytes("L", (pix.width, pix.height), pix.samples)
        if skew:
            img = img.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=255)
        if square and lines_dpi != 200:
            img = img.resize((img.width, img.height * lines_dpi // 200), Image.Resampling.BOX)
        pixels = np.asarray(img).astype(np.int16)
        if noise:
            pixels = np.where(rng.random(pixels.shape) < noise, 255 - pixels, pixels)
        frames.append(
            Image.fromarray(pixels.astype(np.uint8))
            .point(lambda v: 255 if v > 128 else 0)
            .convert("1")
        )
    doc.close()
    buf = io.BytesIO()
    frames[0].save(
        buf,
        format="TIFF",
        compression="group4",
        save_all=True,
        append_images=frames[1:],
        dpi=(200, lines_dpi),
    )
    return buf.getvalue()


def concat_pdfs(*pdfs: bytes) -> bytes:
    out = pymupdf.open()
    for pdf in pdfs:
        with pymupdf.open(stream=pdf, filetype="pdf") as src:
            out.insert_pdf(src)
    return out.tobytes()


def eml_with(
    attachments: list[tuple[str, str, bytes]],
    sender: str = "supt@springfield.k12.mo.us",
    subject: str = "Access request",
) -> bytes:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = f"Ann Smith <{sender}>"
    msg["To"] = "websecurity@dese.example"
    msg["Subject"] = subject
    msg["Date"] = "Fri, 20 Nov 2026 09:15:00 -0600"
    msg.set_content("Please find the signed form attached.")
    for name, media, data in attachments:
        maintype, subtype = media.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


# --- running the pipeline ----------------------------------------------------------------------------
class Crash(BaseException):
    """A simulated crash (not an Exception, so nothing in the pipeline can swallow it)."""


def crash_at(step: str) -> Callable[[str], None]:
    def hook(name: str) -> None:
        if name == step:
            raise Crash(step)

    return hook


def submissions(ctx) -> list:
    """Every submission, oldest first, detached with its columns loaded (for assertions)."""
    from sqlalchemy import select

    from desk_app.models.submissions import FormSubmission

    with ctx.store.read() as s:
        rows = list(
            s.execute(
                select(FormSubmission).order_by(
                    FormSubmission.received_at, FormSubmission.created_at
                )
            ).scalars()
        )
        s.expunge_all()
    return rows


def documents(ctx, submission) -> list:
    from sqlalchemy import select

    from desk_app.models.submissions import SubmissionDocument

    with ctx.store.read() as s:
        rows = list(
            s.execute(
                select(SubmissionDocument).where(SubmissionDocument.submission_id == submission.id)
            ).scalars()
        )
        s.expunge_all()
    return rows


FAX_MODES = {"fine": (204, 196), "normal": (204, 98)}


def fax_as_sent(
    pdf: bytes, *, rotation: int = 0, mode: str = "normal", tags_swapped: bool = False
) -> bytes:
    """``pdf`` as a fax machine sends it: the page turned by ``rotation`` degrees on the glass,
    scanned at the mode's resolution (204 dots across, 98 or 196 lines per inch down), 1-bit G4;
    the TIFF's resolution tags written as (x, y), or the wrong way round as some fax software
    does."""
    xdpi, ydpi = FAX_MODES[mode]
    frames = []
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        for page in doc:
            matrix = pymupdf.Matrix(rotation) * pymupdf.Matrix(xdpi / 72, ydpi / 72)
            pix = page.get_pixmap(matrix=matrix, colorspace=pymupdf.csGRAY)
            img = Image.frombytes("L", (pix.width, pix.height), pix.samples)
            frames.append(img.point(lambda v: 255 if v > 128 else 0).convert("1"))
    buf = io.BytesIO()
    frames[0].save(
        buf,
        format="TIFF",
        compression="group4",
        save_all=True,
        append_images=frames[1:],
        dpi=(ydpi, xdpi) if tags_swapped else (xdpi, ydpi),
    )
    return buf.getvalue()
