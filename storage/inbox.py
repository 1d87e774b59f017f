"""The inbox: raw arrivals from every front door, stored before anyone is told they arrived.

Front doors call `store_inbound` and commit; only then do they acknowledge (SMTP 250, IMAP
flag, Slack ack). Workers take rows with `claim_next`, which on PostgreSQL skips rows another
worker holds, and finish them in the same transaction as the case changes they cause.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import InboundMessage, ProcessedKey
from storage.safe_text import fit, from_bytes, storable

_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_VOLATILE = (b"received:", b"delivered-to:", b"return-path:", b"x-original-to:")


def header_block(raw: bytes) -> bytes:
    m = _HEADER_END.search(raw)
    return raw[: m.start()] if m else raw


def find_message_id(raw: bytes) -> str | None:
    """The Message-ID as written, found without a full MIME parse (front doors stay cheap).

    8-bit bytes are read as the parser reads them (`safe_text.from_bytes`): two IDs that
    differ only in those bytes stay two IDs, so neither is taken for the other's duplicate.
    """
    m = _MESSAGE_ID.search(header_block(raw))
    if not m:
        return None
    return from_bytes(re.sub(rb"\s+", b"", m.group(1))) or None


def dedupe_key(raw: bytes, message_id: str | None) -> str:
    """What makes two arrivals "the same message".

    The Message-ID when there is one; otherwise a hash of the message without the headers
    that each hop adds (Received, Delivered-To...), so a re-delivery still matches.
    """
    if message_id:
        return "mid:" + hashlib.sha256(message_id.strip().lower().encode()).hexdigest()
    lines = re.split(rb"\r?\n(?![ \t])", header_block(raw))
    kept = [ln for ln in lines if not ln.lower().startswith(_VOLATILE)]
    body = raw[len(header_block(raw)) :].replace(b"\r\n", b"\n")
    digest = hashlib.sha256(b"\n".join(kept) + body).hexdigest()
    return "sha:" + digest


def store_inbound(
    session: Session,
    *,
    raw: bytes,
    channel: str,
    received_at: datetime,
    mail_from: str | None = None,
    rcpt_tos: Sequence[str] = (),
    peer: str | None = None,
    message_id: str | None = None,
) -> InboundMessage:
    """Add one arrival to the session; the caller commits before acknowledging it.

    `message_id`: the message's identity when it is not an email (a Slack message's channel
    and ts), so a retried delivery of it is recognised as the same message.

    The envelope and the Message-ID are whatever the sender wrote (NUL, 8-bit bytes, any
    length): they are made to fit their columns (`safe_text.fit`) so that storing can never
    fail on them and the sender is never told 451 for ever; `raw` keeps them as written.
    """
    message_id = fit(InboundMessage.message_id, message_id or find_message_id(raw)) or None
    row = InboundMessage(
        channel=channel,
        received_at=received_at,
        mail_from=fit(InboundMessage.mail_from, mail_from),
        rcpt_tos=[storable(r).lower() for r in rcpt_tos],
        peer=fit(InboundMessage.peer, peer),
        raw=raw,
        size=len(raw),
        message_id=message_id,
        dedupe_key=dedupe_key(raw, message_id),
        state="new",
    )
    session.add(row)
    session.flush()
    return row


def claim_next(session: Session) -> InboundMessage | None:
    """The oldest unprocessed arrival, locked for this transaction where the backend can."""
    stmt = (
        select(InboundMessage)
        .where(InboundMessage.state == "new")
        .order_by(InboundMessage.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return session.scalars(stmt).first()


def first_processing_of(session: Session, key: str) -> ProcessedKey | None:
    return session.get(ProcessedKey, key)


def mark_key_processed(session: Session, key: str, inbound_id: int) -> None:
    """Insert the dedupe key; a concurrent twin makes this transaction fail at commit."""
    session.add(ProcessedKey(dedupe_key=key, inbound_id=inbound_id))


def record_failure(session: Session, inbound_id: int, error: str, max_attempts: int) -> str:
    """Count a failed attempt in its own transaction; shunt the row after `max_attempts`."""
    row = session.get(InboundMessage, inbound_id)
    if row is None:
        return "gone"
    attempts = row.attempts + 1
    state = "shunted" if attempts >= max_attempts else "new"
    session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == inbound_id)
        .values(attempts=attempts, error=error[:4000], state=state)
    )
    return state


def pending_count(session: Session) -> int:
    from sqlalchemy import func

    return (
        session.scalar(
            select(func.count()).select_from(InboundMessage).where(InboundMessage.state == "new")
        )
        or 0
    )
