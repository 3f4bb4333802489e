"""The packaged migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

import desk_app.models  # noqa: F401
from desk_app.models.base import Base, synced_tables
from desk_app.models.migrations import HEAD_REVISION, KNOWN_REVISIONS, alembic_config, run_upgrade


def test_head_constants_match_the_scripts() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_current_head() == HEAD_REVISION
    assert {rev.revision for rev in script.walk_revisions()} == set(KNOWN_REVISIONS)


def test_migrated_schema_matches_models() -> None:
    engine = create_engine("sqlite://")
    run_upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], (
        f"models and migrations differ; run scripts/regen_initial_migration.py: {diff}"
    )


def test_every_synced_table_is_sync_ready() -> None:
    needed = {
        "id",
        "row_version",
        "created_at",
        "updated_at",
        "updated_by",
        "workstation_id",
        "deleted_at",
    }
    tables = synced_tables()
    assert "educational_entity" in tables and "role_grant" in tables and "audit_event" in tables
    for name in tables:
        assert needed <= set(Base.metadata.tables[name].c.keys()), name
