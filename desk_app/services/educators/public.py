"""The public educator look-up export: a CSV of the certificates in force, for the agency's
public search. Only public facts leave (legal name, classification, subject area, number, dates,
status): never SSN, date of birth, e-mail, username or check results. Each export is audited with
its row count and digest, so what was published can be shown later."""

from __future__ import annotations

import csv
import hashlib
import io

from sqlalchemy import select

from desk_app.models import auditchain as audit
from desk_app.models.base import utcnow
from desk_app.models.educators import Certificate, CertificateClassification, Educator
from desk_app.rules.permissions import Perm
from desk_app.services.context import ServiceContext

COLUMNS = (
    "last_name",
    "first_name",
    "middle_name",
    "classification",
    "classification_name",
    "subject_area",
    "certificate_number",
    "effective_date",
    "expiration_date",
    "status",
)


def export_public_lookup(ctx: ServiceContext) -> tuple[int, bytes]:
    """The CSV bytes of every active, unexpired certificate; returns (row count, bytes)."""
    ctx.require(Perm.EDIT_EDUCATORS)
    today = utcnow().date()
    stmt = (
        select(
            Educator.last_name,
            Educator.first_name,
            Educator.middle_name,
            CertificateClassification.code,
            CertificateClassification.name,
            Certificate.subject_area,
            Certificate.number,
            Certificate.effective_date,
            Certificate.expiration_date,
            Certificate.status,
        )
        .join(Educator, Certificate.educator_id == Educator.id)
        .join(
            CertificateClassification, Certificate.classification_id == CertificateClassification.id
        )
        .where(
            Certificate.status == "active",
            Certificate.deleted_at.is_(None),
            Educator.deleted_at.is_(None),
            Certificate.expiration_date >= today,
        )
        .order_by(Educator.last_name_search, Educator.first_name_search, Certificate.number)
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    with ctx.uow() as uow:
        for row in uow.session.execute(stmt.execution_options(yield_per=5000)):
            writer.writerow([_cell(v) for v in row])
            count += 1
        data = out.getvalue().encode("utf-8")
        audit.record(
            uow,
            "certificate.public_export",
            record_type="certificate",
            summary=f"public look-up export of {count:,} current certificates",
            details={
                "rows": count,
                "sha256": hashlib.sha256(data).hexdigest(),
                "as_of": today.isoformat(),
            },
        )
        uow.commit()
    return count, data


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value or "")
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
