"""Central database only: the sync change log, document originals and audit anchors

Revision ID: 0005
Revises: 0004
Create Date: written by hand (scripts/regen_initial_migration.py leaves it in place)

These tables exist only on the central PostgreSQL database (desk_app.sync.server_schema describes
them; a test compares the two). On a workstation's SQLite file the revision does nothing.

A central database made before this revision got its sync tables from the server code itself,
some in an earlier layout (a JSON copy of every row in the log, a table of applied change ids):
those are adopted and brought to this layout instead of created.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    existing = set(sa.inspect(bind).get_table_names())
    if "sync_change" in existing:
        op.execute("ALTER TABLE sync_change DROP COLUMN IF EXISTS payload")
        op.execute("DROP INDEX IF EXISTS ix_sync_change_row")
        op.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS uq_sync_change_row_change ON sync_change (row_id, change_id)"
        )
    else:
        op.create_table(
            "sync_change",
            sa.Column("seq", sa.BigInteger(), autoincrement=True, nullable=False),
            sa.Column("table_name", sa.String(length=64), nullable=False),
            sa.Column("row_id", sa.Uuid(), nullable=False),
            sa.Column("row_version", sa.Integer(), nullable=False),
            sa.Column("op", sa.String(length=8), nullable=False),
            sa.Column("columns", postgresql.ARRAY(sa.Text()), nullable=False),
            sa.Column("change_id", sa.Uuid(), nullable=False),
            sa.Column("change_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
            sa.Column("base_version", sa.Integer(), nullable=False),
            sa.Column("workstation", sa.String(length=64), nullable=False),
            sa.Column(
                "applied_at",
                sa.DateTime(timezone=True),
                server_default=sa.func.now(),
                nullable=False,
            ),
            sa.PrimaryKeyConstraint("seq", name="sync_change_pkey"),
        )
        op.create_index(
            "uq_sync_change_row_change", "sync_change", ["row_id", "change_id"], unique=True
        )
    op.execute("DROP TABLE IF EXISTS sync_applied")
    if "sync_blob" not in existing:
        op.create_table(
            "sync_blob",
            sa.Column("sha256", sa.String(length=64), nullable=False),
            sa.Column("size", sa.BigInteger(), nullable=False),
            sa.Column("data", sa.LargeBinary(), nullable=False),
            sa.Column("workstation", sa.String(length=64), server_default="", nullable=False),
            sa.Column(
                "uploaded_at",
                sa.DateTime(timezone=True),
                server_default=sa.func.now(),
                nullable=False,
            ),
            sa.PrimaryKeyConstraint("sha256", name="sync_blob_pkey"),
        )
    if "sync_audit_anchor" not in existing:
        op.create_table(
            "sync_audit_anchor",
            sa.Column("workstation", sa.String(length=64), nullable=False),
            sa.Column("seq", sa.Integer(), nullable=False),
            sa.Column("hash", sa.String(length=64), nullable=False),
            sa.Column(
                "anchored_at",
                sa.DateTime(timezone=True),
                server_default=sa.func.now(),
                nullable=False,
            ),
            sa.PrimaryKeyConstraint("workstation", name="sync_audit_anchor_pkey"),
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_table("sync_audit_anchor")
    op.drop_table("sync_blob")
    op.drop_table("sync_change")
