"""Small edits the sync tests make on a workstation, through the ORM like services do."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, text

from desk_app.models import auditchain as audit
from desk_app.models.base import synced_tables
from desk_app.models.entities import County, EducationalEntity
from desk_app.models.store import Store


def add_entity(ws: Any, code: str, name: str, county_code: str = "048") -> uuid.UUID:
    with ws.ctx.uow() as uow:
        county = uow.session.scalars(select(County).where(County.code == county_code)).first()
        if county is None:
            county = County(code=county_code, name=f"County {county_code}")
            uow.session.add(county)
        entity = EducationalEntity(kind="lea", code=code, name=name, county=county)
        uow.session.add(entity)
        uow.session.flush()
        audit.record(
            uow,
            "entity.create",
            record_type="educational_entity",
            record_id=entity.id,
            summary=f"{code} created",
        )
        uow.commit()
        return entity.id


def edit(ws: Any, model: type, row_id: uuid.UUID, **values: Any) -> None:
    with ws.ctx.uow() as uow:
        obj = uow.session.get(model, row_id)
        for key, value in values.items():
            setattr(obj, key, value)
        audit.record(
            uow,
            "test.edit",
            record_type=model.__tablename__,
            record_id=row_id,
            summary=f"changed {', '.join(sorted(values))}",
        )
        uow.commit()


def get(ws: Any, model: type, row_id: uuid.UUID) -> Any:
    with ws.store.read() as s:
        obj = s.get(model, row_id)
        s.expunge_all()
        return obj


def snapshot(store: Store) -> dict[str, dict[str, tuple[Any, ...]]]:
    """Every synced row of a SQLite store (bookkeeping and content), keyed by table and id."""
    from desk_app.models.base import Base

    out: dict[str, dict[str, tuple[Any, ...]]] = {}
    with store.engine.connect() as conn:
        for name in synced_tables():
            # typed values: JSON columns compare as data (PostgreSQL's jsonb reorders keys)
            rows = conn.execute(select(Base.metadata.tables[name])).all()
            out[name] = {str(r._mapping["id"]): tuple(r) for r in rows}
    return out


def outbox_ids(ws: Any) -> set[str]:
    with ws.store.engine.connect() as conn:
        return {r[0] for r in conn.execute(text("SELECT change_id FROM sync_outbox"))}


def server_rows(server: Any) -> dict[str, dict[str, int]]:
    """Every synced row's version on the central database."""
    out: dict[str, dict[str, int]] = {}
    with server.engine.connect() as conn:
        for name in synced_tables():
            rows = conn.exec_driver_sql(
                f"SELECT replace(id::text, '-', ''), row_version FROM \"{name}\""
            )
            out[name] = {r[0]: int(r[1]) for r in rows}
    return out


def local_versions(store: Store) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    with store.engine.connect() as conn:
        for name in synced_tables():
            out[name] = {
                r[0]: int(r[1]) for r in conn.execute(text(f'SELECT id, row_version FROM "{name}"'))
            }
    return out


def assert_converged(server: Any, *workstations: Any) -> None:
    """Every workstation holds exactly the server's rows, byte for byte alike among themselves."""
    for ws in workstations:
        assert outbox_ids(ws) == set(), f"{ws.name} still has pending changes"
    first = snapshot(workstations[0].store)
    for ws in workstations[1:]:
        other = snapshot(ws.store)
        for name in first:
            diff = [
                (k, first[name].get(k), other[name].get(k))
                for k in sorted(set(first[name]) | set(other[name]))
                if first[name].get(k) != other[name].get(k)
            ]
            assert not diff, (
                f"{name} differs between {workstations[0].name} and {ws.name}: {diff[:2]}"
            )
    assert local_versions(workstations[0].store) == server_rows(server)


def assert_applied_once(server: Any, captured: set[str]) -> None:
    """Every captured change id is applied on the server, and no row version was logged twice
    (the operators ``server init`` registered are logged as the workstation ``server``)."""
    with server.engine.connect() as conn:
        logged = [
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT unnest(change_ids)::text FROM sync_change WHERE workstation <> 'server'"
            )
        ]
        applied = set(logged)
        twice = conn.exec_driver_sql(
            "SELECT table_name, row_id, row_version, count(*) FROM sync_change "
            "GROUP BY 1, 2, 3 HAVING count(*) > 1"
        ).all()
        leads = conn.exec_driver_sql(
            "SELECT change_id, count(*) FROM sync_change GROUP BY 1 HAVING count(*) > 1"
        ).all()
    assert captured - applied == set(), "a committed change never reached the server"
    assert applied - captured == set(), "the server applied a change nobody made"
    assert twice == [] and leads == [] and len(logged) == len(applied), "a change was applied twice"


def add_grant(ws: Any, entity_id: uuid.UUID) -> uuid.UUID:
    """A web application with one role, a user account of ``entity_id`` and one grant to it."""
    from desk_app.models.access import ApplicationRole, RoleGrant, UserAccount, WebApplication
    from desk_app.models.base import utcnow

    with ws.ctx.uow() as uow:
        app = WebApplication(code="MOSIS", name="MOSIS", building_scope=True)
        role = ApplicationRole(application=app, code="L1", name="View", level=1)
        account = UserAccount(
            username="jdoe",
            first_name="Jane",
            last_name="Doe",
            email="jdoe@example.org",
            entity_id=entity_id,
        )
        uow.session.add_all([app, role, account])
        uow.session.flush()
        grant = RoleGrant(
            user_account_id=account.id, role_id=role.id, entity_id=entity_id, granted_at=utcnow()
        )
        uow.session.add(grant)
        uow.commit()
        return grant.id


SSN_CIPHER = b"\x01ssn-ciphertext"
DOB_CIPHER = b"\x02dob-ciphertext"


def add_educator(ws: Any) -> uuid.UUID:
    """An educator's profile with (stand-in) closed data: SSN and DOB ciphertexts, look-up hash."""
    from desk_app.models.educators import Educator

    with ws.ctx.uow() as uow:
        educator = Educator(
            identity_hash="a" * 64,
            ssn_cipher=SSN_CIPHER,
            dob_cipher=DOB_CIPHER,
            first_name="Ruth",
            last_name="Baker",
            email="ruth.baker@example.org",
        )
        uow.session.add(educator)
        uow.commit()
        return educator.id
