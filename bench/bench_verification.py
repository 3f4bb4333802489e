"""Verification figures: digital-signature check per form, full report, PIN check cost.

Each figure carries its reference measured in the same run on the same file: raw pyHanko
validation for the signature check, raw PyMuPDF open-and-read of the form fields for the report,
raw argon2 verify with the same parameters for the PIN check.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

from bench.harness import BenchEnv, Figure, best_of, median_of

VALUES = {
    "entity_name": "Blue Springs R-IV",
    "entity_code": "048-078",
    "requester_email": "office@bluesprings.k12.mo.us",
    "signer_name": "Jane Doe",
    "signer_title": "Superintendent",
    "signed_date": "11/02/2026",
    "user_1_first_name": "Lee",
    "user_1_last_name": "Park",
    "user_1_email": "lpark@bluesprings.k12.mo.us",
    "role_1_app": "MOSIS",
    "role_1_role": "MOSIS_ENTRY",
    "role_1_action": "add",
    "role_1_building": "1050",
    "user_agrees": "Yes",
    "user_signed_date": "11/02/2026",
}


def _certificate():  # type: ignore[no-untyped-def]
    from asn1crypto import keys
    from asn1crypto import x509 as ax509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Jane Doe")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return (
        ax509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        keys.PrivateKeyInfo.load(der),
    )


def _signed_form(values: dict[str, str]) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from desk_app.pdf.generate import generate_form

    cert, key = _certificate()
    signer = signers.SimpleSigner(
        signing_cert=cert, signing_key=key, cert_registry=SimpleCertificateStore.from_certs([cert])
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(generate_form("DA-102", values)), strict=False)
    return signers.sign_pdf(
        writer, signers.PdfSignatureMetadata(field_name="signature"), signer=signer
    ).getvalue()


def _world(env: BenchEnv):  # type: ignore[no-untyped-def]
    """A small database: one LEA with a superintendent, a building, MOSIS and its roles."""
    from desk_app.app import open_app
    from desk_app.models.access import ApplicationRole, WebApplication
    from desk_app.models.entities import Building, EducationalEntity
    from desk_app.models.people import EntityOfficer, Person
    from desk_app.pdf.applications import WEB_APPLICATIONS
    from desk_app.secrets import MemorySecrets

    app = open_app(env.scratch("verification"), secrets=MemorySecrets(), username="bench")
    with app.services.uow() as uow:
        s = uow.session
        spec = WEB_APPLICATIONS["MOSIS"]
        mosis = WebApplication(
            code=spec.code, name=spec.name, building_scope=True, entity_kinds="lea"
        )
        lea = EducationalEntity(kind="lea", code="048-078", name="Blue Springs R-IV")
        jane = Person(first_name="Jane", last_name="Doe")
        s.add_all([mosis, lea, jane])
        s.flush()
        s.add_all(
            [
                ApplicationRole(application_id=mosis.id, code=r.code, name=r.name, level=r.level)
                for r in spec.roles
            ]
        )
        s.add(Building(entity_id=lea.id, code="1050", name="Central High"))
        s.add(
            EntityOfficer(
                entity_id=lea.id,
                person_id=jane.id,
                role="superintendent",
                start_date=date(2020, 7, 1),
            )
        )
        uow.commit()
        return app, str(lea.id)


def _letter_pin(letter: bytes) -> str:
    import pymupdf

    text = pymupdf.open(stream=letter, filetype="pdf")[0].get_text()
    return next(x for x in text.splitlines() if x.replace(" ", "").isdigit()).replace(" ", "")


def _raw_pyhanko(pdf: bytes) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    sig = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    validate_pdf_signature(
        sig, ValidationContext(trust_roots=[sig.signer_cert], allow_fetching=False)
    )


def _raw_fields(pdf: bytes) -> None:
    import pymupdf

    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        for page in doc:
            for w in page.widgets() or ():
                _ = w.field_value


def _fax(values: dict[str, str]) -> bytes:
    """A faxed copy: the filled form rendered to a grey 200 dpi image with a pen stroke in the box."""
    import pymupdf

    from desk_app.pdf.generate import generate_form
    from desk_app.pdf.signatures import signature_boxes

    src = pymupdf.open(stream=generate_form("DA-102", values), filetype="pdf")
    page_no, (x0, y0, x1, y1) = signature_boxes(generate_form("DA-102"))["signature"]
    src[page_no].draw_polyline(
        [(x0 + 20 + i * 9, y0 + (12 if i % 2 else 28)) for i in range(18)],
        color=(0, 0, 0.2),
        width=1.6,
    )
    out = pymupdf.open()
    for page in src:
        pix = page.get_pixmap(dpi=200, colorspace=pymupdf.csGRAY)
        out.new_page(width=page.rect.width, height=page.rect.height).insert_image(
            page.rect, stream=pix.tobytes("png")
        )
    return bytes(out.tobytes())


def _raw_render(pdf: bytes) -> None:
    import pymupdf

    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        doc[1].get_pixmap(dpi=150, colorspace=pymupdf.csGRAY)


def run(env: BenchEnv) -> list[Figure]:
    import logging

    from argon2 import PasswordHasher

    from desk_app.pdf.signatures import find_ink, read_digital_signatures, verdict
    from desk_app.rules.verification import ARGON2_MEMORY_KIB, ARGON2_PARALLELISM, ARGON2_TIME_COST
    from desk_app.services.review import pins, verification

    logging.getLogger("pyhanko").setLevel(logging.ERROR)  # the test signature's stamp layout note
    app, lea_id = _world(env)
    try:
        pin = _letter_pin(pins.issue_pin(app.services, lea_id).letter_pdf)
        pdf = _signed_form(dict(VALUES, pin=pin))

        def ours() -> None:
            for facts in read_digital_signatures(pdf):
                verdict(facts, frozenset())

        sig_ms, sig_ref = best_of(ours, 7), best_of(lambda: _raw_pyhanko(pdf), 7)
        verification.verify_document(app.services, pdf)  # warm caches (blank layout, catalogue)
        report_ms = median_of(lambda: verification.verify_document(app.services, pdf), 5)
        fields_ref = best_of(lambda: _raw_fields(pdf), 5)
        no_pin = _signed_form(dict(VALUES))  # same form, PIN box empty: the report without Argon2
        bare_ms = median_of(lambda: verification.verify_document(app.services, no_pin), 5)
        fax = _fax(dict(VALUES, pin=pin))
        layout = verification.blank_layout("DA-102")
        find_ink(fax, layout, "signature")  # the layout's print is rendered once per form and box
        ink_ms = median_of(lambda: find_ink(fax, layout, "signature"), 7)
        render_ref = best_of(lambda: _raw_render(fax), 7)
        stored = pins.hash_pin(app.services.secrets, pin)
        pin_ms = median_of(lambda: pins.pin_matches(app.services.secrets, stored, pin), 5)
        check_ms = median_of(lambda: pins.check_pin(app.services, lea_id, pin), 3)
        raw = PasswordHasher(
            time_cost=ARGON2_TIME_COST,
            memory_cost=ARGON2_MEMORY_KIB,
            parallelism=ARGON2_PARALLELISM,
        )
        raw_hash = raw.hash("x" * 64)
        argon_ms = median_of(lambda: raw.verify(raw_hash, "x" * 64), 5)
    finally:
        app.close()
    return [
        Figure(
            "verification: digital signature check per form",
            sig_ms,
            "ms",
            "raw pyHanko validate",
            sig_ref,
            "<= 200 ms",
            sig_ms <= 200,
        ),
        Figure(
            "verification: full report, signed fillable PDF",
            report_ms,
            "ms",
            "raw PyMuPDF read fields",
            fields_ref,
            "<= 300 ms",
            report_ms <= 300,
        ),
        Figure(
            "verification: full report, same PDF without a PIN",
            bare_ms,
            "ms",
            "raw PyMuPDF read fields",
            fields_ref,
            "(the report's share beside the PIN)",
        ),
        Figure(
            "verification: ink in a faxed signature box",
            ink_ms,
            "ms",
            "raw PyMuPDF page render",
            render_ref,
            "(part of the report)",
        ),
        Figure(
            "verification: PIN comparison (Argon2id + pepper)",
            pin_ms,
            "ms",
            "raw argon2 verify",
            argon_ms,
            "50-500 ms",
            50 <= pin_ms <= 500,
        ),
        Figure(
            "verification: PIN check with audit and counter",
            check_ms,
            "ms",
            "raw argon2 verify",
            argon_ms,
            "50-500 ms",
            50 <= check_ms <= 500,
        ),
    ]
