"""Directory upkeep and governance: entity status and dates, grant end dates

Revision ID: 0006_gov
Revises: 0005
Create Date: written by hand

Entities get an open / closed status with opening and closing dates, and the day their user
managers were last reviewed after an officer change (the Compliance view compares it with the
officers' start dates). Grants get an optional last day.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_gov"
down_revision = "0005"
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


def downgrade() -> None:
    with op.batch_alter_table("role_grant", schema=None) as batch_op:
        batch_op.drop_column("ends_on")
    with op.batch_alter_table("educational_entity", schema=None) as batch_op:
        batch_op.drop_column("designations_reviewed_on")
        batch_op.drop_column("closed_on")
        batch_op.drop_column("opened_on")
        batch_op.drop_column("status")
