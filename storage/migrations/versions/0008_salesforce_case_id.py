"""salesforce: the Salesforce Case a case is mirrored to

A case is upserted into Salesforce by its number (an external-id field there); the Case's
own id, learnt from the first answer, is kept here, as its Chatter feed is addressed by it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


# Never the copy-and-move way of SQLite's batch mode: copying `cases` would drop the owner
# load triggers on it (migration 0006). SQLite 3.35+ adds and drops a column in place.


def upgrade() -> None:
    with op.batch_alter_table("cases", recreate="never") as batch:
        batch.add_column(sa.Column("salesforce_id", sa.String(length=18), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", recreate="never") as batch:
        batch.drop_column("salesforce_id")
