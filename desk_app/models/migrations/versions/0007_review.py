"""Request tokens: what a form generated for an entity was prefilled with

Revision ID: 0007_review
Revises: 0006_gov
Create Date: written by hand

A form generated in the GUI or the CLI for an entity carries a token in every page's QR; the
``request_token`` table (synced) records the form, the entity, the values prefilled, who and
when, so a faxed copy coming back is keyed only for what a person wrote on it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import desk_app.models.base

revision = "0007_review"
down_revision = "0007_edu"  # chained at the merge of wt-review (was "0006_gov")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_token",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("form_number", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=True),
        sa.Column("entity_code", sa.String(length=16), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("user_rows", sa.Integer(), nullable=False),
        sa.Column("generated_by", sa.String(length=64), nullable=False),
        sa.Column("generated_at", desk_app.models.base.UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", desk_app.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", desk_app.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("workstation_id", sa.String(length=64), nullable=False),
        sa.Column("deleted_at", desk_app.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["educational_entity.id"],
            name=op.f("fk_request_token_entity_id_educational_entity"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_token")),
        sa.UniqueConstraint("token", name=op.f("uq_request_token_token")),
    )
    with op.batch_alter_table("request_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_request_token_entity_id"), ["entity_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("request_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_token_entity_id"))
    op.drop_table("request_token")
