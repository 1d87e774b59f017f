"""A new outbox row, the one way every queue writes it: email (handlers/outgoing.py), Slack
posts (handlers/slack_feed.py), Slack files (storage/slack_files.py) and Salesforce
(handlers/salesforce_feed.py).

Every row starts the same: `pending`, no attempts, due at once, added to the caller's
transaction so it is committed with the change that caused it (or not at all). Keeping that
in one place keeps the dispatchers' and the claim layer's assumptions (storage/claims.py)
true of every channel.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from intake.storage.models import Case, OutboxMessage


def queue_row(
    session: Session,
    *,
    channel: str,
    kind: str,
    case: Case | None,
    message_id: str,
    raw: bytes,
    now: datetime,
    mail_from: str = "",
    recipients: Sequence[str] = (),
    recipient: str | None = None,
) -> OutboxMessage:
    """Add a pending row due at `now`. `recipient` (what per-recipient limits and the
    listings show) is the first of `recipients` unless given."""
    to = list(recipients)
    row = OutboxMessage(
        channel=channel,
        kind=kind,
        case=case,
        message_id=message_id,
        mail_from=mail_from,
        recipients=to,
        recipient=to[0] if recipient is None else recipient,
        raw=raw,
        state="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    return row


def json_raw(payload: Mapping[str, Any]) -> bytes:
    """A row's JSON payload as stored in `raw` (UTF-8, text not escaped to ASCII)."""
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")
