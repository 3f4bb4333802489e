"""Test helpers: throwaway certificates, pyHanko signatures, incremental edits, faxed copies."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta


def make_certificate(
    common_name: str, *, days_valid: int = 365, expired: bool = False, email: str = ""
) -> tuple[object, object]:
    """A self-signed EC certificate (asn1crypto cert, asn1crypto key) made with ``cryptography``."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if email:
        attrs.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
    name = x509.Name(attrs)
    now = datetime.now(UTC)
    start = now - timedelta(days=400) if expired else now - timedelta(days=1)
    end = now - timedelta(days=30) if expired else now + timedelta(days=days_valid)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    pkcs8 = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return asn1_x509.Certificate.load(der), asn1_keys.PrivateKeyInfo.load(pkcs8)


def sign_pdf(pdf: bytes, cert_and_key: tuple[object, object], field: str = "signature") -> bytes:
    """Sign ``field`` of ``pdf`` with pyHanko, as Acrobat would on an approval signature."""
    import io

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    cert, key = cert_and_key
    signer = signers.SimpleSigner(
        signing_cert=cert, signing_key=key, cert_registry=SimpleCertificateStore.from_certs([cert])
    )
    out = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False),
        signers.PdfSignatureMetadata(field_name=field, md_algorithm="sha256"),
        signer=signer,
    )
    return out.getvalue()


def incremental_edit(pdf: bytes, tmp_path, edit) -> bytes:
    """Apply ``edit(doc)`` with PyMuPDF and save it as an incremental update (as Reader does)."""
    import pymupdf

    path = tmp_path / f"edit-{uuid.uuid4().hex}.pdf"
    path.write_bytes(pdf)
    doc = pymupdf.open(path)
    edit(doc)
    doc.saveIncr()
    doc.close()
    return path.read_bytes()


def set_field(doc, name: str, value: str) -> None:
    for page in doc:
        for widget in page.widgets() or ():
            if widget.field_name == name:
                widget.field_value = value
                widget.update()
                return
    raise KeyError(name)


def fax_of(
    pdf: bytes,
    scribble_on: tuple[int, tuple[float, float, float, float]] | None = None,
    dpi: int = 150,
    shift: tuple[float, float] = (0.0, 0.0),
    page_size: tuple[float, float] | None = None,
) -> bytes:
    """A faxed copy: the pages rendered to grey images (optionally with a pen scribble first),
    placed ``shift`` points off and on pages of ``page_size`` (a fax machine's own page)."""
    import pymupdf

    src = pymupdf.open(stream=pdf, filetype="pdf")
    if scribble_on is not None:
        page_no, (x0, y0, x1, y1) = scribble_on
        page = src[page_no]
        h = y1 - y0
        points = [(x0 + 20 + i * 9, y0 + h * (0.35 if i % 2 else 0.75)) for i in range(18)]
        page.draw_polyline(points, color=(0.05, 0.05, 0.2), width=1.6)
    out = pymupdf.open()
    for page in src:
        pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY, annots=True)
        width, height = page_size or (page.rect.width, page.rect.height)
        new = out.new_page(width=width, height=height)
        sx, sy = width / page.rect.width, height / page.rect.height
        target = pymupdf.Rect(
            shift[0] * sx, shift[1] * sy, width + shift[0] * sx, height + shift[1] * sy
        )
        new.insert_image(target, stream=pix.tobytes("png"))
    return out.tobytes()
