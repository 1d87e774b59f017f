"""sender authentication verdict of an arrival; refusal limits by envelope sender

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sender_auth", sa.JSON(), nullable=True))
        batch_op.create_index(
            "ix_inbound_messages_mail_from_processed_at", ["mail_from", "processed_at"]
        )


def downgrade() -> None:
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_messages_mail_from_processed_at")
        batch_op.drop_column("sender_auth")
