"""How much the bot may write to one outside address: floods and robots never get a storm.

Every answer the bot sends to the outside is mail it writes because a stranger asked: a
flood of 200 messages would get 200 acknowledgements, and a ticket robot that answers
every message without auto-reply headers would ping-pong with us for ever. So answers to
one outside address have a budget (per hour and per day), and refusals have a stricter one,
counted both by the address we would write to and by the envelope sender that caused them
(so a flood with a new From on every message cannot make us refuse each victim in turn).
Staff who are vouched for have no budget: an AM may send thirty requests in an hour.

The counts use the outbox's (kind, recipient, created_at) index and the inbox's
(mail_from, processed_at) index, so they cost the same however much history there is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.storage.models import InboundMessage, OutboxMessage

ANSWERS = ("ack", "request_info", "confirm")  # the emails a sender's own message causes


@dataclass(frozen=True)
class Budget:
    per_hour: int = 5  # 0: no limit
    per_day: int = 20  # 0: no limit
    refusals_per_day: int = 1  # 0: never refuse


def _sent(session: Session, kinds: tuple[str, ...], address: str, since: datetime) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.kind.in_(kinds),
                OutboxMessage.recipient == address,
                OutboxMessage.created_at >= since,
            )
        )
        or 0
    )


def answer_refused(session: Session, budget: Budget, address: str, now: datetime) -> str | None:
    """Why no answer may go to `address` now (its budget is spent), or None."""
    if budget.per_hour and _sent(session, ANSWERS, address, now - timedelta(hours=1)) >= (
        budget.per_hour
    ):
        return f"reply budget: {budget.per_hour} an hour to {address} already sent"
    if budget.per_day and _sent(session, ANSWERS, address, now - timedelta(days=1)) >= (
        budget.per_day
    ):
        return f"reply budget: {budget.per_day} a day to {address} already sent"
    return None


def refusal_refused(
    session: Session,
    budget: Budget,
    address: str,
    envelope_sender: str | None,
    now: datetime,
    this_inbound: int,
) -> str | None:
    """Why no refusal may go out now, or None. Counted by the address we would write to and
    by earlier rejected messages from the same envelope sender in the last day."""
    if budget.refusals_per_day <= 0:
        return "refusals are turned off"
    since = now - timedelta(days=1)
    if _sent(session, ("refusal",), address, since) >= budget.refusals_per_day:
        return f"refusal limit: {address} was refused in the last day"
    if envelope_sender:
        earlier = (
            session.scalar(
                select(func.count())
                .select_from(InboundMessage)
                .where(
                    InboundMessage.mail_from == envelope_sender,
                    InboundMessage.processed_at >= since,
                    InboundMessage.outcome == "reject",
                    InboundMessage.id != this_inbound,
                )
            )
            or 0
        )
        if earlier >= budget.refusals_per_day:
            return f"refusal limit: envelope sender {envelope_sender} was refused in the last day"
    return None
