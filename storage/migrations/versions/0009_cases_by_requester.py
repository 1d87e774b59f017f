"""cases: an index on the requester and the time, for a sender's latest request

"Same job as my last email" (handlers/earlier_request.py) looks up the sender's newest case;
without the index that is a scan of every case.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_cases_requester_email_created_at", "cases", ["requester_email", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_cases_requester_email_created_at", table_name="cases")
