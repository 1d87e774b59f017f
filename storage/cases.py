"""Case look-ups and gap-free numbering."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from sqlalchemy import Executable, bindparam, select, update
from sqlalchemy.orm import Session

from intake.storage.db import conflict_insert
from intake.storage.models import Case, CaseMessage, Counter


def next_value(session: Session, name: str) -> int:
    """Increment counter `name` inside the caller's transaction and return the new value.

    One upsert (`INSERT ... ON CONFLICT DO UPDATE ... RETURNING`) creates the counter at 1
    or increments it, in one round trip where a create-if-missing and an increment took
    two. It takes a row lock (PostgreSQL) or the database write lock (SQLite) held until the
    transaction ends, so concurrent writers get consecutive values and a rolled-back
    transaction gives its value back: numbers stay unique and gap-free.

    The counter depends on nothing the session holds, so it does not flush the session
    first: what is pending is written by the caller's own flush, in one go.
    """
    dialect = session.get_bind().dialect.name
    upsert = _upsert(dialect)
    with session.no_autoflush:
        if upsert is not None:  # Core on the session's connection: a plain table upsert
            return session.connection().execute(upsert, {"counter": name}).scalar_one()
        if session.get(Counter, name) is None:
            session.add(Counter(name=name, value=0))
            session.flush()
        return session.execute(
            update(Counter)
            .where(Counter.name == name)
            .values(value=Counter.value + 1)
            .returning(Counter.value)
        ).scalar_one()


@lru_cache(maxsize=4)
def _upsert(dialect: str) -> Executable | None:
    """The counter's upsert for `dialect`, built once (None where there is none)."""
    insert = conflict_insert(dialect)
    if insert is None:
        return None
    counters = Counter.__table__.c
    stmt = insert(Counter.__table__).values(name=bindparam("counter"), value=1)
    return stmt.on_conflict_do_update(
        index_elements=[counters.name], set_={"value": counters.value + 1}
    ).returning(counters.value)


def by_number(session: Session, number: str) -> Case | None:
    return session.scalars(select(Case).where(Case.number == number.upper())).first()


def by_message_ids(session: Session, message_ids: Iterable[str]) -> Case | None:
    """The case that any of these Message-IDs (ours or theirs) belongs to, newest first."""
    ids = [m for m in message_ids if m]
    if not ids:
        return None
    stmt = (
        select(Case)
        .join(CaseMessage, CaseMessage.case_id == Case.id)
        .where(CaseMessage.message_id.in_(ids))
        .order_by(CaseMessage.id.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def has_sent(session: Session, case: Case, message_ids: Iterable[str]) -> bool:
    """Whether one of `message_ids` names an email we sent on `case`."""
    ids = [m for m in message_ids if m]
    if not ids:
        return False
    stmt = select(CaseMessage.id).where(
        CaseMessage.case_id == case.id,
        CaseMessage.direction == "out",
        CaseMessage.channel == "email",
        CaseMessage.message_id.in_(ids),
    )
    return session.scalars(stmt.limit(1)).first() is not None


def list_cases(session: Session, limit: int = 200) -> list[Case]:
    return list(session.scalars(select(Case).order_by(Case.seq).limit(limit)))
