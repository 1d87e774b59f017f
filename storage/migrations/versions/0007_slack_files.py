"""slack files: a case's attachment may be a Slack file, attached once

Photos posted with a Slack request are fetched after the message is stored
(bot/slack_files.py). The file's Slack id is kept on its attachment, unique per case, so a
fetch repeated after a crash between the download and its commit adds nothing.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.add_column(sa.Column("slack_file_id", sa.String(length=32), nullable=True))
        batch.create_unique_constraint(
            op.f("uq_attachments_case_id_slack_file_id"), ["case_id", "slack_file_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.drop_constraint(op.f("uq_attachments_case_id_slack_file_id"), type_="unique")
        batch.drop_column("slack_file_id")
