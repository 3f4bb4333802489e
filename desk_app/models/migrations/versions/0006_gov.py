"""Directory upkeep and governance: entity status and dates, grant end dates

Revision ID: 0006_gov
Revises: 0006_verify
Create Date: written by hand

Entities get an open / closed status with opening and closing dates, and the day their user
managers were last reviewed after an officer change (the Compliance view compares it with the
officers' start dates). Grants get an optional last day. Access-review campaigns and their
per-entity items are new tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import desk_app.models.base

revision = "0006_gov"
down_revision = "0006_verify"  # chained after the merge of wt-verify (was "0005")
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("educational_entity", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="open")
        )
        batch_op.add_column(sa.Column("opened_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("designations_reviewed_on", sa.Date(), nullable=True))
    op.execute("UPDATE educational_entity SET status = 'closed' WHERE NOT active")
    with op.batch_alter_table("role_grant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ends_on", sa.Date(), nullable=True))
    op.create_table(
        "access_review_campaign",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("token", sa.String(length=16), nullable=False),
        sa.Column("entity_kinds", sa.String(length=100), nullable=False),
        sa.Column("applications", sa.String(length=400), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("default_action", sa.String(length=8), nullable=False),
        sa.Column("started_at", desk_app.models.base.UTCDateTime(), nullable=False),
        sa.Column("closed_at", desk_app.models.base.UTCDateTime(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", desk_app.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", desk_app.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("workstation_id", sa.String(length=64), nullable=False),
        sa.Column("deleted_at", desk_app.models.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_review_campaign")),
        sa.UniqueConstraint("token", name=op.f("uq_access_review_campaign_token")),
    )
    op.create_table(
        "access_review_item",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("reviewer_name", sa.String(length=120), nullable=False),
        sa.Column("reviewer_role", sa.String(length=32), nullable=False),
        sa.Column("reviewer_email", sa.String(length=200), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("sent_at", desk_app.models.base.UTCDateTime(), nullable=True),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.Column("returned_at", desk_app.models.base.UTCDateTime(), nullable=True),
        sa.Column("submission_id", sa.Uuid(), nullable=True),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", desk_app.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", desk_app.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("workstation_id", sa.String(length=64), nullable=False),
        sa.Column("deleted_at", desk_app.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["access_review_campaign.id"],
            name=op.f("fk_access_review_item_campaign_id_access_review_campaign"),
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["educational_entity.id"],
            name=op.f("fk_access_review_item_entity_id_educational_entity"),
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["form_submission.id"],
            name=op.f("fk_access_review_item_submission_id_form_submission"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_review_item")),
        sa.UniqueConstraint("campaign_id", "entity_id", name="uq_review_item_entity"),
        sa.UniqueConstraint("token", name=op.f("uq_access_review_item_token")),
    )
    op.create_index(
        op.f("ix_access_review_item_entity_id"), "access_review_item", ["entity_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_access_review_item_entity_id"), table_name="access_review_item")
    op.drop_table("access_review_item")
    op.drop_table("access_review_campaign")
    with op.batch_alter_table("role_grant", schema=None) as batch_op:
        batch_op.drop_column("ends_on")
    with op.batch_alter_table("educational_entity", schema=None) as batch_op:
        batch_op.drop_column("designations_reviewed_on")
        batch_op.drop_column("closed_on")
        batch_op.drop_column("opened_on")
        batch_op.drop_column("status")
