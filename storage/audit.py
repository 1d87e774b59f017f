"""The case audit trail, written one INSERT per flush instead of one per event.

A message that opens a case writes a dozen case events (opened, each field, the status,
the owner, the clocks, the reply). Added as ORM objects, each was an INSERT of its own on
SQLite: the ORM fetches every new row's id, and SQLite does not promise the order of a
batch's RETURNING, so the ORM sends them one by one. Nothing reads an event's id. And an
event needs its case's id, so writing events as they happened forced the new case to be
flushed before its owner and due date were known: an INSERT, then two UPDATEs.

So `record` only notes an event on the session (storage/write_once.py), and when the
session next flushes (the cases then have their ids) the noted events go in one executemany
INSERT, in the order they were noted: the trail's order, which is its ids' order, is kept.
Only noted events are written this way; an event added as an ORM object would be written
during the flush, ahead of events noted before it, so a transaction records its events one
way or the other. What a rollback or a savepoint does to them is write_once's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from intake.storage import write_once
from intake.storage.models import Case, CaseEvent

_EVENTS = CaseEvent.__table__


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
    row = {"at": at, "actor": actor, "kind": kind, "data": data if data is not None else {}}
    write_once.note(session, _EVENTS, row, case=case, refs={"case_id": case}, collection="events")


def waiting(session: Session) -> int:
    """How many noted events the next flush will write (for tests)."""
    return write_once.waiting(session, _EVENTS)
