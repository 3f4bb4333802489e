"""Disclosure exports withhold closed data and are recorded."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from desk_app.errors import KnownError, PermissionDenied
from desk_app.models.educators import Educator
from desk_app.models.entities import EducationalEntity
from desk_app.services.listing import ListQuery
from desk_app.services.records.audit_log import AuditLogService
from desk_app.services.records.disclosure import DisclosureRequest, export_disclosure


def test_entity_export_withholds_pin_and_is_recorded(ctx, make_ctx) -> None:
    with ctx.uow() as uow:
        uow.session.add(
            EducationalEntity(
                kind="lea",
                code="048-078",
                name="Kirksville R-III",
                pin_hash="$argon2id$v=19$secret",
                pin_failures=2,
            )
        )
        uow.commit()
    data = export_disclosure(
        ctx,
        DisclosureRequest(
            "entity",
            "048-078",
            "Jane Reporter, Daily News",
            "records of web access for the district",
        ),
    )
    archive = zipfile.ZipFile(io.BytesIO(data))
    entity = json.loads(archive.read("entity.json"))[0]
    assert entity["name"] == "Kirksville R-III"
    assert "pin_hash" not in entity and "pin_failures" not in entity
    assert b"argon2" not in b"".join(archive.read(n) for n in archive.namelist())
    manifest = json.loads(archive.read("MANIFEST.json"))
    assert (
        manifest["requester"] == "Jane Reporter, Daily News" and "pin_hash" in manifest["withheld"]
    )
    events = AuditLogService(make_ctx(role="auditor")).fetch(
        ListQuery().with_filter("action", "disclosure.export"), 0, 5
    )
    assert len(events) == 1 and "Jane Reporter" in events[0].summary


def test_educator_export_withholds_ssn_and_dob(make_ctx) -> None:
    ctx = make_ctx(role="auditor")
    with ctx.uow() as uow:
        e = Educator(
            identity_hash="x" * 64,
            ssn_cipher=ctx.cipher.encrypt("123-45-6789"),
            dob_cipher=ctx.cipher.encrypt("1980-01-02"),
            first_name="Ann",
            last_name="Lee",
            email="ann.lee@example.org",
        )
        uow.session.add(e)
        uow.commit()
    archive = zipfile.ZipFile(
        io.BytesIO(
            export_disclosure(
                ctx, DisclosureRequest("educator", str(e.id), "A. Citizen", "certificate status")
            )
        )
    )
    row = json.loads(archive.read("educator.json"))[0]
    assert row["last_name"] == "Lee"
    assert not {"ssn_cipher", "dob_cipher", "identity_hash"} & set(row)


def test_disclosure_needs_permission_requester_and_purpose(ctx, make_ctx) -> None:
    with pytest.raises(PermissionDenied):
        export_disclosure(
            make_ctx(role="certification_specialist"), DisclosureRequest("entity", "x", "a", "b")
        )
    with pytest.raises(KnownError, match="requester"):
        export_disclosure(ctx, DisclosureRequest("entity", "048-078", " ", "b"))
