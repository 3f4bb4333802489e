"""The central database's sync tables come from the migrations, exactly as the server code describes them."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from desk_app.errors import KnownError
from desk_app.models.migrations import run_upgrade
from desk_app.models.store import make_engine, open_url
from desk_app.sync.server import ServerLink
from desk_app.sync.server_schema import server_metadata


def _differences(engine: Any) -> list[Any]:
    """Differences between the database and ``server_metadata``, for the sync tables only."""
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), server_metadata
        )
    ours = set(server_metadata.tables)

    def table_of(entry: Any) -> str:
        op = entry[0] if isinstance(entry, list) else entry  # a list: changes to one column
        kind = op[0]
        if kind.endswith("_table"):
            return str(op[1].name)
        if kind.endswith(("_index", "_constraint", "_fk")):
            return str(op[1].table.name)
        return str(op[2])  # column changes: (kind, schema, table name, ...)

    return [d for d in diff if table_of(d) in ours]


def test_migrations_build_the_sync_tables_as_the_server_describes_them(owner) -> None:
    assert _differences(owner.engine) == []
    with owner.engine.begin() as conn:  # the comparison does see a difference in these tables
        conn.exec_driver_sql("DROP INDEX uq_sync_change_row_change")
        conn.exec_driver_sql("ALTER TABLE sync_blob ADD COLUMN note TEXT")
    found = _differences(owner.engine)
    assert {d[0] for d in found if isinstance(d, tuple)} >= {"add_index", "remove_column"}, found


def test_a_pre_release_central_database_is_brought_to_the_current_layout(pg) -> None:
    name = pg.create_database()
    engine = make_engine(pg.url(name))
    try:
        run_upgrade(engine, "0004")
        with engine.begin() as conn:  # the layout the server code made before migration 0005
            conn.exec_driver_sql(
                "CREATE TABLE sync_change (seq BIGSERIAL PRIMARY KEY, table_name VARCHAR(64) NOT NULL, "
                "row_id UUID NOT NULL, row_version INTEGER NOT NULL, op VARCHAR(8) NOT NULL, "
                "columns TEXT[] NOT NULL, payload JSONB NOT NULL, change_id UUID NOT NULL, "
                "change_ids UUID[] NOT NULL, base_version INTEGER NOT NULL, workstation VARCHAR(64) NOT NULL, "
                "applied_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL)"
            )
            conn.exec_driver_sql(
                "CREATE INDEX ix_sync_change_row ON sync_change (table_name, row_id, row_version)"
            )
            conn.exec_driver_sql("CREATE TABLE sync_applied (change_id UUID PRIMARY KEY)")
            conn.exec_driver_sql(
                "INSERT INTO sync_change (table_name, row_id, row_version, op, columns, payload, change_id, "
                "change_ids, base_version, workstation) VALUES ('county', gen_random_uuid(), 1, 'insert', "
                "'{name}', '{}', gen_random_uuid(), '{}', 0, 'ws-old')"
            )
        run_upgrade(engine)
        assert _differences(engine) == []
        with engine.connect() as conn:
            assert (
                conn.exec_driver_sql("SELECT count(*) FROM sync_change").scalar_one() == 1
            )  # kept
            assert conn.exec_driver_sql("SELECT to_regclass('sync_applied')").scalar_one() is None
    finally:
        engine.dispose()
        pg.drop_database(name)


def test_a_central_database_without_the_sync_tables_is_refused_clearly(pg) -> None:
    name = pg.create_database()
    engine = make_engine(pg.url(name))
    try:
        run_upgrade(engine, "0004")
        with pytest.raises(KnownError, match="lacks the sync tables"):
            ServerLink(engine)
        store = open_url(pg.url(name))  # migrating brings them
        ServerLink(store.engine)
        store.dispose()
    finally:
        engine.dispose()
        pg.drop_database(name)
