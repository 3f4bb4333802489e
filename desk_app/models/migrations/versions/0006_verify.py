"""The intake ledger remembers a mail's Message-ID

Revision ID: 0006_verify
Revises: 0005
Create Date: written by hand

The same mail taken in through two doors (the mailbox, then a saved .eml dropped on the app) has
other bytes but the same Message-ID: the ledger keeps it so the second arrival is recognised and
linked to the first instead of being queued again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_verify"
down_revision = "0006_edu"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intake_source_item", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("message_id", sa.String(length=300), nullable=False, server_default="")
        )
        batch_op.create_index(
            batch_op.f("ix_intake_source_item_message_id"), ["message_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("intake_source_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_source_item_message_id"))
        batch_op.drop_column("message_id")
