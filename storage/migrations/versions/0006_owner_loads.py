"""owner loads: each person's open cases and latest assignment, kept by triggers

Assignment asked, for every new case, how many open cases each candidate holds (a count
over the cases) and when each was last assigned (a scan of every "assigned" event ever
written): a cost that grew with the history. These triggers keep both in one row per
person, whoever writes the cases or the events (the pipeline, Slack, an operator's command,
another process), so assignment reads one row per candidate. The rows are filled from the
existing cases and events here, once.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# handlers/statuses.py DONE as of this revision: a case in one of these is not open.
DONE = "('won', 'lost', 'closed')"

SQLITE = [
    f"""
    CREATE TRIGGER owner_loads_case_insert AFTER INSERT ON cases
    WHEN NEW.owner IS NOT NULL AND NEW.status NOT IN {DONE}
    BEGIN
        INSERT INTO owner_loads (owner, open_cases) VALUES (NEW.owner, 1)
        ON CONFLICT (owner) DO UPDATE SET open_cases = open_cases + 1;
    END
    """,
    f"""
    CREATE TRIGGER owner_loads_case_update AFTER UPDATE OF owner, status ON cases
    BEGIN
        UPDATE owner_loads SET open_cases = open_cases - 1
        WHERE owner = OLD.owner AND OLD.status NOT IN {DONE};
        INSERT INTO owner_loads (owner, open_cases)
        SELECT NEW.owner, 1 WHERE NEW.owner IS NOT NULL AND NEW.status NOT IN {DONE}
        ON CONFLICT (owner) DO UPDATE SET open_cases = open_cases + 1;
    END
    """,
    f"""
    CREATE TRIGGER owner_loads_case_delete AFTER DELETE ON cases
    WHEN OLD.owner IS NOT NULL AND OLD.status NOT IN {DONE}
    BEGIN
        UPDATE owner_loads SET open_cases = open_cases - 1 WHERE owner = OLD.owner;
    END
    """,
    """
    CREATE TRIGGER owner_loads_assigned AFTER INSERT ON case_events
    WHEN NEW.kind = 'assigned' AND json_extract(NEW.data, '$.owner') IS NOT NULL
    BEGIN
        INSERT INTO owner_loads (owner, open_cases, last_assigned_at, last_assigned_event)
        VALUES (json_extract(NEW.data, '$.owner'), 0, NEW.at, NEW.id)
        ON CONFLICT (owner) DO UPDATE SET
            last_assigned_at = max(coalesce(last_assigned_at, excluded.last_assigned_at),
                                   excluded.last_assigned_at),
            last_assigned_event = max(coalesce(last_assigned_event, 0),
                                      excluded.last_assigned_event);
    END
    """,
]

POSTGRESQL = [
    f"""
    CREATE FUNCTION owner_loads_on_case() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            IF OLD.owner IS NOT NULL AND OLD.status NOT IN {DONE} THEN
                UPDATE owner_loads SET open_cases = open_cases - 1 WHERE owner = OLD.owner;
            END IF;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            IF NEW.owner IS NOT NULL AND NEW.status NOT IN {DONE} THEN
                INSERT INTO owner_loads (owner, open_cases) VALUES (NEW.owner, 1)
                ON CONFLICT (owner) DO UPDATE SET open_cases = owner_loads.open_cases + 1;
            END IF;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER owner_loads_on_case AFTER INSERT OR DELETE OR UPDATE OF owner, status
    ON cases FOR EACH ROW EXECUTE FUNCTION owner_loads_on_case()
    """,
    """
    CREATE FUNCTION owner_loads_on_assigned() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO owner_loads (owner, open_cases, last_assigned_at, last_assigned_event)
        VALUES (NEW.data ->> 'owner', 0, NEW.at, NEW.id)
        ON CONFLICT (owner) DO UPDATE SET
            last_assigned_at = greatest(owner_loads.last_assigned_at, excluded.last_assigned_at),
            last_assigned_event =
                greatest(owner_loads.last_assigned_event, excluded.last_assigned_event);
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER owner_loads_on_assigned AFTER INSERT ON case_events FOR EACH ROW
    WHEN (NEW.kind = 'assigned' AND NEW.data ->> 'owner' IS NOT NULL)
    EXECUTE FUNCTION owner_loads_on_assigned()
    """,
]


def upgrade() -> None:
    op.create_table(
        "owner_loads",
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("open_cases", sa.Integer(), nullable=False),
        sa.Column("last_assigned_at", sa.DateTime(), nullable=True),
        sa.Column("last_assigned_event", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("owner", name=op.f("pk_owner_loads")),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    owner = "json_extract(data, '$.owner')" if sqlite else "data ->> 'owner'"
    op.execute(
        f"""
        INSERT INTO owner_loads (owner, open_cases)
        SELECT owner, count(*) FROM cases
        WHERE owner IS NOT NULL AND status NOT IN {DONE} GROUP BY owner
        """
    )
    op.execute(
        f"""
        INSERT INTO owner_loads (owner, open_cases, last_assigned_at, last_assigned_event)
        SELECT owner, 0, max(at), max(id)
        FROM (SELECT {owner} AS owner, at, id FROM case_events WHERE kind = 'assigned') AS a
        WHERE owner IS NOT NULL GROUP BY owner
        ON CONFLICT (owner) DO UPDATE SET
            last_assigned_at = excluded.last_assigned_at,
            last_assigned_event = excluded.last_assigned_event
        """
    )
    for statement in SQLITE if sqlite else POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("case_insert", "case_update", "case_delete", "assigned"):
            op.execute(f"DROP TRIGGER owner_loads_{trigger}")
    else:
        op.execute("DROP TRIGGER owner_loads_on_case ON cases")
        op.execute("DROP TRIGGER owner_loads_on_assigned ON case_events")
        op.execute("DROP FUNCTION owner_loads_on_case()")
        op.execute("DROP FUNCTION owner_loads_on_assigned()")
    op.drop_table("owner_loads")
