"""Small edits the sync tests make on a workstation, through the ORM like services do."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, text

from desk_app.models.base import synced_tables
from desk_app.models.entities import County, EducationalEntity
from desk_app.models.store import Store
from desk_app.services import audit


def add_entity(ws: Any, code: str, name: str, county_code: str = "048") -> uuid.UUID:
    with ws.ctx.uow() as uow:
        county = uow.session.scalars(select(County).where(County.code == county_code)).first()
        if county is None:
            county = County(code=county_code, name=f"County {county_code}")
            uow.session.add(county)
        entity = EducationalEntity(kind="lea", code=code, name=name, county=county)
        uow.session.add(entity)
        uow.session.flush()
        audit.record(uow, "entity.create", record_type="educational_entity", record_id=entity.id,
                     summary=f"{code} created")
        uow.commit()
        return entity.id


def edit(ws: Any, model: type, row_id: uuid.UUID, **values: Any) -> None:
    with ws.ctx.uow() as uow:
        obj = uow.session.get(model, row_id)
        for key, value in values.items():
            setattr(obj, key, value)
        audit.record(uow, "test.edit", record_type=model.__tablename__, record_id=row_id,
                     summary=f"changed {', '.join(sorted(values))}")
        uow.commit()


def get(ws: Any, model: type, row_id: uuid.UUID) -> Any:
    with ws.store.read() as s:
        obj = s.get(model, row_id)
        s.expunge_all()
        return obj


def snapshot(store: Store) -> dict[str, dict[str, tuple[Any, ...]]]:
    """Every synced row of a SQLite store (bookkeeping and content), keyed by table and id."""
    out: dict[str, dict[str, tuple[Any, ...]]] = {}
    with store.engine.connect() as conn:
        for name in synced_tables():
            rows = conn.execute(text(f'SELECT * FROM "{name}" ORDER BY id')).all()
            out[name] = {r[0]: tuple(r) for r in rows}
    return out
