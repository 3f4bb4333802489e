"""Alembic environment: always handed a live connection by desk_app (never reads alembic.ini)."""

from __future__ import annotations

from alembic import context

import desk_app.models  # noqa: F401  (registers every table)
from desk_app.models.base import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "desk_app migrations run only through desk_app.models.migrations.run_upgrade"
    )

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
