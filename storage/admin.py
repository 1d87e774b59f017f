"""Operator repairs: the rows a person must look at and decide on, and their decisions.

Two kinds of row stop on their own and wait for a person. An outgoing message whose delivery
is `uncertain` (the relay or Slack may have it: resending could send it twice) or `failed`
(retries used up, or refused for good); and an inbound message `shunted` after failing
`worker.max_attempts` times (a bug, or a missing template). Nothing retries them by itself;
these functions list them and put them back once a person has decided. Each change is one
conditional UPDATE, so a decision made on a row that changed meanwhile does nothing and says
so instead of undoing someone else's work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from intake.storage.models import CaseEvent, InboundMessage, OutboxMessage

OUTBOX_STATES = ("pending", "sending", "sent", "uncertain", "failed")
RESENDABLE = ("uncertain", "failed")  # the states a person may send again


class AdminError(ValueError):
    """The repair cannot be made; the message says why, in one line, for the operator."""


def outbox_rows(
    session: Session, states: Sequence[str] | None = None, *, case_id: int | None = None
) -> list[OutboxMessage]:
    """Outbox rows in `states` (all when None), optionally of one case, oldest first."""
    stmt = (
        select(OutboxMessage).options(selectinload(OutboxMessage.case)).order_by(OutboxMessage.id)
    )
    if states is not None:
        stmt = stmt.where(OutboxMessage.state.in_(list(states)))
    if case_id is not None:
        stmt = stmt.where(OutboxMessage.case_id == case_id)
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class Resend:
    """What a resend changed: the row, the state it left, and its error then."""

    row: OutboxMessage
    was: str
    last_error: str | None
    attempts: int


def resend_outbox(session: Session, row_id: int, *, actor: str, now: datetime) -> Resend:
    """Put an uncertain or failed outbox row back to `pending`, due now, with fresh attempts.

    The caller commits. The decision is a case event (`outbox_resend`, by `actor`) when the
    row belongs to a case; the row keeps its Message-ID, so a recipient whose server did get
    the first copy sees the same message twice, not two different ones.
    """
    row = session.get(OutboxMessage, row_id)
    if row is None:
        raise AdminError(f"no outbox message #{row_id}")
    was, last_error, attempts = row.state, row.last_error, row.attempts
    if was not in RESENDABLE:
        raise AdminError(
            f"outbox #{row_id} is {was}: only an uncertain or failed message can be resent"
        )
    moved = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.state == was)
        .values(state="pending", attempts=0, next_attempt_at=now),
        execution_options={"synchronize_session": False},
    ).rowcount
    if not moved:
        raise AdminError(f"outbox #{row_id} changed while this ran; look again")
    if row.case_id is not None:
        session.add(
            CaseEvent(
                case_id=row.case_id,
                at=now,
                actor=actor,
                kind="outbox_resend",
                data={
                    "outbox_id": row.id,
                    "channel": row.channel,
                    "kind": row.kind,
                    "to": row.recipient,
                    "message_id": row.message_id,
                    "was": was,
                    "attempts": attempts,
                    "last_error": last_error,
                },
            )
        )
    session.refresh(row)
    return Resend(row, was, last_error, attempts)


def shunted(session: Session) -> list[InboundMessage]:
    """Inbound messages the worker gave up on, oldest first."""
    stmt = (
        select(InboundMessage).where(InboundMessage.state == "shunted").order_by(InboundMessage.id)
    )
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class Retry:
    """A shunted message put back: its id and the error it was shunted with."""

    inbound_id: int
    attempts: int
    error: str | None


def retry_shunted(session: Session, ids: Sequence[int] | None) -> list[Retry]:
    """Put shunted messages (`ids`, or every one when None) back to `new` with no attempts.

    The caller commits; the worker takes them again in order. The error stays on the row (it
    is replaced only by a new failure), so the reason it was shunted is not lost.
    """
    if ids is None:
        rows = shunted(session)
    else:
        rows = []
        for inbound_id in ids:
            row = session.get(InboundMessage, inbound_id)
            if row is None:
                raise AdminError(f"no inbound message #{inbound_id}")
            if row.state != "shunted":
                raise AdminError(
                    f"inbound #{inbound_id} is {row.state}, not shunted: nothing to retry"
                )
            rows.append(row)
    done = []
    for row in rows:
        moved = session.execute(
            update(InboundMessage)
            .where(InboundMessage.id == row.id, InboundMessage.state == "shunted")
            .values(state="new", attempts=0),
            execution_options={"synchronize_session": False},
        ).rowcount
        if moved:
            done.append(Retry(row.id, row.attempts, row.error))
    return done
