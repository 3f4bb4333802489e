"""Educators' source documents; accounts marked for re-registration

Revision ID: 0007_edu
Revises: 0006_gov
Create Date: written by hand

Evidence names the document it was entered from: ``educator_document`` keeps each uploaded scan
or linked queue document (its bytes in the blob store, by hash). An educator's account unused for
12 months is marked (``reregistration_marked_at``) so the person registers a new username.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import desk_app.models.base

revision = "0007_edu"
down_revision = "0007_audit"  # chained at the merge of wt-edu (was "0006_gov")
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("educator") as batch:
        batch.add_column(
            sa.Column("reregistration_marked_at", desk_app.models.base.UTCDateTime(), nullable=True)
        )
    op.create_table(
        "educator_document",
        sa.Column("educator_id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("view_sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=260), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("submission_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", desk_app.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", desk_app.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("workstation_id", sa.String(length=64), nullable=False),
        sa.Column("deleted_at", desk_app.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["educator_id"], ["educator.id"], name=op.f("fk_educator_document_educator_id_educator")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["form_submission.id"],
            name=op.f("fk_educator_document_submission_id_form_submission"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_educator_document")),
    )
    op.create_index(
        op.f("ix_educator_document_educator_id"), "educator_document", ["educator_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_educator_document_educator_id"), table_name="educator_document")
    op.drop_table("educator_document")
    with op.batch_alter_table("educator") as batch:
        batch.drop_column("reregistration_marked_at")
