"""The case audit trail, written one INSERT per flush instead of one per event.

A message that opens a case writes a dozen case events (opened, each field, the status,
the owner, the clocks, the reply). Added as ORM objects, each was an INSERT of its own on
SQLite: the ORM fetches every new row's id, and SQLite does not promise the order of a
batch's RETURNING, so the ORM sends them one by one. Nothing reads an event's id. And an
event needs its case's id, so writing events as they happened forced the new case to be
flushed before its owner and due date were known: an INSERT, then two UPDATEs.

So `record` only notes an event on the session, and when the session next flushes (the
cases then have their ids) the noted events go in one executemany INSERT, in the order they
were noted: the trail's order, which is its ids' order, is kept. Only noted events are
written this way; an event added as an ORM object would be written during the flush, ahead
of events noted before it, so a transaction records its events one way or the other.

Noting an event marks its case dirty (`flag_dirty`, no column changes: no UPDATE), so the
session is never "clean" while an event waits: every flush that matters writes it, the
autoflush before a query that reads events, the flush that begins a savepoint and the one
at commit. So after any flush nothing waits, and whatever waits at a rollback (of a
savepoint too) was noted inside the transaction being rolled back: it is dropped with it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_dirty

from intake.storage.models import Case, CaseEvent

_WAITING = "intake.audit.waiting"  # session.info key: [(case, row without case_id)]


def record(
    session: Session,
    case: Case,
    *,
    at: datetime,
    actor: str,
    kind: str,
    data: dict[str, Any] | None = None,
) -> None:
    """Append an event to `case`'s audit trail, written with the session's next flush."""
    if case not in session:
        session.add(case)  # as the ORM's cascade from a new event to its case did
    state = inspect(case)
    if state.persistent:
        flag_dirty(case)
        if "events" in state.dict:  # a loaded collection would miss the new event
            session.expire(case, ["events"])
    row = {"at": at, "actor": actor, "kind": kind, "data": data if data is not None else {}}
    session.info.setdefault(_WAITING, []).append((case, row))


def waiting(session: Session) -> int:
    """How many noted events the next flush will write (for tests)."""
    return len(session.info.get(_WAITING, ()))


@event.listens_for(Session, "after_flush")
def _write(session: Session, _flush_context: Any) -> None:
    """The noted events, in one statement, now that every case has its id."""
    noted = session.info.pop(_WAITING, None)
    if not noted:
        return
    rows = []
    for case, row in noted:
        if case.id is None:  # cannot happen: a case noted on is in the session, flushed
            raise RuntimeError(f"case event {row['kind']!r} for a case that was not written")
        rows.append({"case_id": case.id, **row})
    session.connection().execute(insert(CaseEvent), rows)


@event.listens_for(Session, "after_soft_rollback")
def _drop(session: Session, _previous: Any) -> None:
    """A rollback takes the noted events with it: all were noted since the last flush, so
    inside the transaction (or savepoint) it ended."""
    session.info.pop(_WAITING, None)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: Any) -> None:
    """A session closed with events still noted (its transaction neither committed nor
    rolled back) must not write them into its next transaction."""
    if transaction.parent is None:
        session.info.pop(_WAITING, None)
