"""Telling a case's people that one of its emails may not have been delivered.

An outgoing email becomes `uncertain` when the bot stopped, or the relay's answer was lost,
at the moment of sending: the relay may have it, so it is never sent again by itself, and
until now only the log said so. This records it on the case (an event, which `intake cases
show` lists) and, with Slack on, says so in the case's thread, with the command that sends
it again once someone knows it did not arrive.

Meant to be called in the transaction that marks rows uncertain, or right after it:
`bot.outbox.recover_interrupted` at start, and `bot.outbox.dispatch_due` where a lost answer
makes a row uncertain.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from intake.handlers.case_ops import BOT
from intake.handlers.slack_feed import SlackFeed, escape
from intake.storage.audit import record
from intake.storage.models import OutboxMessage

# Names of the emails in a sentence ("The acknowledgement to pat@example.net ...").
KIND_WORDS = {
    "ack": "acknowledgement",
    "confirm": "confirmation",
    "request_info": "request for information",
    "refusal": "refusal",
}


def notice_text(row: OutboxMessage) -> str:
    what = KIND_WORDS.get(row.kind, "reminder" if row.kind.startswith("sla_") else row.kind)
    return (
        f"The {what} to {escape(row.recipient)} may not have been delivered (the bot stopped, "
        "or lost the mail server's answer, while sending it); it will not be sent again by "
        f"itself. Once you know it did not arrive: `intake outbox resend {row.id}`."
    )


def notice_uncertain(
    session: Session, feed: SlackFeed | None, row_ids: Iterable[int], now: datetime
) -> list[OutboxMessage]:
    """For each uncertain email of a case among `row_ids`: a `delivery_uncertain` case event
    and, when `feed` is given, a post in the case's thread. Returns the Slack rows queued.

    Rows of no case (a refusal) and Slack posts (Slack may be what failed) get no notice;
    a row that is no longer uncertain (already resent) gets none either. The caller commits.
    """
    queued: list[OutboxMessage] = []
    for row_id in row_ids:
        row = session.get(OutboxMessage, row_id)
        if row is None or row.state != "uncertain" or row.channel != "email" or row.case is None:
            continue
        record(
            session,
            row.case,
            at=now,
            actor=BOT,
            kind="delivery_uncertain",
            data={
                "outbox_id": row.id,
                "kind": row.kind,
                "to": row.recipient,
                "message_id": row.message_id,
                "why": row.last_error,
            },
        )
        if feed is not None:
            post = feed.post(session, row.case, notice_text(row), now)
            if post is not None:
                queued.append(post)
    return queued
