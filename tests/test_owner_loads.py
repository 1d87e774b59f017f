"""The owner loads the database keeps for assignment (`owner_loads`, kept by triggers): after
any mix of writes to cases and events, by the ORM or by plain SQL statements, they equal a
count made from scratch the way assignment used to make it; an existing database gets them
filled once at upgrade, and a downgrade takes them away. Both backends."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import delete, func, insert, inspect, select, update
from sqlalchemy.orm import Session

from intake.handlers.assignment import assign_owner
from intake.handlers.statuses import ALL, DONE
from intake.storage import db
from intake.storage.models import Case, CaseEvent, OwnerLoad

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PEOPLE = ["tara.nguyen", "omar.haddad", "ben.okafor", None]

Load = tuple[int, datetime | None, int | None]


def recount(session: Session) -> dict[str, Load]:
    """(open cases, latest assignment time, latest assignment event id) per person, counted
    over every case and read from every "assigned" event: what the triggers must equal."""
    loads: dict[str, Load] = {}
    open_counts = session.execute(
        select(Case.owner, func.count())
        .where(Case.owner.is_not(None), Case.status.not_in(DONE))
        .group_by(Case.owner)
    ).all()
    for owner, count in open_counts:
        loads[owner] = (count, None, None)
    for at, event_id, data in session.execute(
        select(CaseEvent.at, CaseEvent.id, CaseEvent.data).where(CaseEvent.kind == "assigned")
    ):
        owner = (data or {}).get("owner")
        if owner is None:
            continue
        count, last_at, last_id = loads.get(owner, (0, None, None))
        loads[owner] = (count, max(last_at or at, at), max(last_id or event_id, event_id))
    return loads


def kept(session: Session) -> dict[str, Load]:
    """The rows the triggers keep; a person back to nothing may keep a row of zeros."""
    rows = session.execute(
        select(
            OwnerLoad.owner,
            OwnerLoad.open_cases,
            OwnerLoad.last_assigned_at,
            OwnerLoad.last_assigned_event,
        )
    ).all()
    return {o: (n, at, e) for o, n, at, e in rows if (n, at, e) != (0, None, None)}


@pytest.fixture
def engine(migrated_database_url: str) -> Iterator[Any]:
    engine = db.make_engine(migrated_database_url)
    db.upgrade(engine)
    yield engine
    engine.dispose()


def _case(session: Session, seq: int, owner: str | None, status: str) -> Case:
    case = Case(
        seq=seq,
        number=f"T-{seq:06d}",
        queue="quotes",
        status=status,
        owner=owner,
        created_at=T0,
        updated_at=T0,
    )
    session.add(case)
    return case


def test_loads_equal_a_recount_after_any_mix_of_writes(engine) -> None:
    rng = random.Random(11)
    cases: list[Case] = []
    seq = 0
    with db.make_sessionmaker(engine)() as session, session.begin():
        for step in range(300):
            what = rng.random()
            if what < 0.3 or not cases:  # a new case, any owner and status
                seq += 1
                cases.append(_case(session, seq, rng.choice(PEOPLE), rng.choice(ALL)))
            elif what < 0.45:  # a status change, into or out of done
                rng.choice(cases).status = rng.choice(ALL)
            elif what < 0.55:  # a reassignment as the bot and Slack make it, with its event
                case = rng.choice(cases)
                when = T0 + timedelta(minutes=rng.randint(-500, 500))  # not in order
                assign_owner(session, case, rng.choice(PEOPLE), actor="t", rule="r", now=when)
            elif what < 0.6:  # an owner changed without an event: counts, not recency
                rng.choice(cases).owner = rng.choice(PEOPLE)
            elif what < 0.7:  # events written in bulk: assigned, or another kind naming one
                session.flush()
                case = rng.choice(cases)
                rows = [
                    {
                        "case_id": case.id,
                        "at": T0 + timedelta(minutes=rng.randint(-500, 500)),
                        "actor": "t",
                        "kind": rng.choice(["assigned", "note"]),
                        "data": {"owner": rng.choice(PEOPLE)},
                    }
                    for _ in range(rng.randint(1, 4))
                ]
                session.execute(insert(CaseEvent), rows)
            elif what < 0.8:  # a plain UPDATE of many cases at once
                session.flush()
                status = rng.choice(ALL)
                session.execute(update(Case).where(Case.seq % 4 == step % 4).values(status=status))
                session.expire_all()
            elif what < 0.85 and len(cases) > 3:  # a case deleted, its events first
                session.flush()
                case = cases.pop(rng.randrange(len(cases)))
                session.execute(delete(CaseEvent).where(CaseEvent.case_id == case.id))
                session.delete(case)
            else:  # a case with an owner that is done from the start, or nobody's
                seq += 1
                cases.append(_case(session, seq, rng.choice(PEOPLE), rng.choice(sorted(DONE))))
            if step % 10 == 9:
                session.flush()
                assert kept(session) == recount(session), f"after step {step}"
        session.flush()
        final = recount(session)
        assert kept(session) == final
    assert sum(n for n, _, _ in final.values()) > 10  # the mix left open cases to count
    assert sum(at is not None for _, at, _ in final.values()) >= 2  # and assignments


def _owner_loads_revision(engine) -> tuple[str, str]:
    """This migration's revision and the one before it, found by its file's name."""
    script = ScriptDirectory.from_config(db.alembic_config(engine))
    rev = next(r for r in script.walk_revisions() if Path(r.path).stem.endswith("_owner_loads"))
    assert isinstance(rev.down_revision, str)
    return rev.revision, rev.down_revision


def test_upgrade_fills_the_loads_of_an_existing_database_and_downgrade_drops_them(
    database_url: str,
) -> None:
    engine = db.make_engine(database_url)
    try:
        mine, before = _owner_loads_revision(engine)
        db.upgrade(engine, before)
        with engine.begin() as conn:  # a history written before the loads existed
            for seq, (owner, status) in enumerate(
                [("tara.nguyen", "open"), ("tara.nguyen", "won"), ("omar.haddad", "waiting")],
                start=1,
            ):
                case_id = conn.execute(
                    insert(Case.__table__).returning(Case.__table__.c.id),
                    {
                        "seq": seq,
                        "number": f"T-{seq}",
                        "queue": "quotes",
                        "status": status,
                        "owner": owner,
                        "subject": "",
                        "fields": {},
                        "confidence": {},
                        "missing": [],
                        "participants": [],
                        "created_at": T0,
                        "updated_at": T0,
                    },
                ).scalar_one()
                conn.execute(
                    insert(CaseEvent.__table__),
                    {
                        "case_id": case_id,
                        "at": T0 + timedelta(hours=seq),
                        "actor": "t",
                        "kind": "assigned",
                        "data": {"owner": owner},
                    },
                )
        db.upgrade(engine, mine)
        with db.make_sessionmaker(engine)() as session:
            assert kept(session) == recount(session)
            assert kept(session)["tara.nguyen"][0] == 1  # the won case is not open
            assert kept(session)["tara.nguyen"][1] == T0 + timedelta(hours=2)
        db.downgrade(engine, before)
        assert "owner_loads" not in inspect(engine).get_table_names()
        with engine.begin() as conn:  # no trigger is left behind to write to a missing table
            conn.execute(update(Case.__table__).values(status="open"))
        db.upgrade(engine)
        with db.make_sessionmaker(engine)() as session:
            assert kept(session) == recount(session)
            assert kept(session)["tara.nguyen"][0] == 2
    finally:
        engine.dispose()
