"""A new outbox row, the one way every queue writes it: email (handlers/outgoing.py), Slack
posts (handlers/slack_feed.py), Slack files (storage/slack_files.py) and Salesforce
(handlers/salesforce_feed.py).

Every row starts the same: `pending`, no attempts, due at once, added to the caller's
transaction so it is committed with the change that caused it (or not at all). Keeping that
in one place keeps the dispatchers' and the claim layer's assumptions (storage/claims.py)
true of every channel.

A row of a case whose caller needs no ORM object back (an email of the case: the
acknowledgement on every new case) is noted instead (`note_row`) and written at the next
flush by a Core INSERT (storage/write_once.py): the same row, without the unit of work's
cost. It is written alone and gets its id there, so the order of a case's rows (their ids,
which the claim layer follows) is the order they were queued in.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from intake.storage import write_once
from intake.storage.models import Case, OutboxMessage

_OUTBOX = OutboxMessage.__table__


@dataclass(frozen=True)
class Queued:
    """A row noted for the next flush (`note_row`): what the callers read of it, and its id
    once written."""

    kind: str
    message_id: str
    recipients: list[str]
    noted: write_once.Noted

    @property
    def id(self) -> int | None:
        return self.noted.id


def queue_row(session: Session, *, case: Case | None, **columns: Any) -> OutboxMessage:
    """Add a pending row due at `now`, as an ORM object; `columns` as `row_values` takes
    them."""
    return add_row(session, case, row_values(**columns))


def row_values(
    *,
    channel: str,
    kind: str,
    message_id: str,
    raw: bytes,
    now: datetime,
    mail_from: str = "",
    recipients: Sequence[str] = (),
    recipient: str | None = None,
) -> dict[str, Any]:
    """Every column of a new row but its id and case, the same for both ways of writing it
    (`add_row`, `note_row`). `recipient` (what per-recipient limits and the listings show)
    is the first of `recipients` unless given."""
    to = list(recipients)
    return {
        "channel": channel,
        "kind": kind,
        "message_id": message_id,
        "mail_from": mail_from,
        "recipients": to,
        "recipient": to[0] if recipient is None else recipient,
        "raw": raw,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": None,
        "created_at": now,
        "sent_at": None,
    }


def add_row(session: Session, case: Case | None, values: dict[str, Any]) -> OutboxMessage:
    """The row of `values` (`row_values`) as an ORM object added to the session."""
    row = OutboxMessage(case=case, **values)
    session.add(row)
    return row


def note_row(session: Session, case: Case, values: dict[str, Any]) -> Queued:
    """The row of `values` (`row_values`) for a row of `case` nobody changes in this
    transaction: written at the next flush, alone, with its id (`Queued.id`)."""
    refs = {"case_id": case}
    noted = write_once.note(session, _OUTBOX, values, case=case, refs=refs, want_id=True)
    return Queued(values["kind"], values["message_id"], values["recipients"], noted)


def json_raw(payload: Mapping[str, Any]) -> bytes:
    """A row's JSON payload as stored in `raw` (UTF-8, text not escaped to ASCII)."""
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")
