"""Claims: how a process takes a queued row so that no other process takes it too.

Every queue (the inbox, the email outbox, the Slack outbox, the SLA clocks) is a table whose
due rows are taken oldest first with `FOR UPDATE SKIP LOCKED` on PostgreSQL: a row another
process holds is passed over instead of waited for, so any number of processes, on any
number of machines, can work one database. A claim is a row lock in an open transaction:
if its process dies, PostgreSQL ends the transaction and the row is free again, untouched.

An outbox row outlives its claim once it is committed `sending` (the point of no return,
see bot/outbox.py): from then on only a lease says whose it is. `next_attempt_at` of a
`sending` row is the lease's end, a little past the longest a live process can take to hear
the answer (twice the transport's time-out, plus a margin). A row still `sending` after
that was left by a process that died between the point of no return and recording the
outcome, so it becomes `uncertain`, never pending: the relay or Slack may have it. A live
process that was merely slow finds its row uncertain and records it sent all the same.

Outgoing rows of one case go in the order they were queued: a row is not taken while an
earlier row of its case (same channel) is pending or sending, so the next one of a case
can only be taken once the one before it is done with (sent, failed or uncertain).

SQLite has one writer at a time and serves one process: there `FOR UPDATE` is not written,
an outbox claim ends its transaction at once (a held transaction would hold the database's
write lock while a message travels), and the compare-and-set of every state move is what
keeps a row from being sent twice, as before claims existed.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, exists, or_, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from intake.storage.models import OutboxMessage, SlaClock

T = TypeVar("T", bound=tuple[Any, ...])

# States of an outgoing row that hold back the later rows of its case.
OPEN = ("pending", "sending")
LEASE_MARGIN = timedelta(seconds=5)
ERROR_LIMIT = 2000  # characters of `last_error` kept


def locks_rows(session: Session) -> bool:
    """Does this backend lock rows (and so let several processes claim side by side)?"""
    return session.get_bind().dialect.name == "postgresql"


def skip_locked(stmt: Select[T], *of: Any) -> Select[T]:
    """`stmt` taking row locks and passing over rows another transaction holds.

    Written only on PostgreSQL (SQLAlchemy leaves `FOR UPDATE` out on SQLite, whose
    `BEGIN IMMEDIATE` already makes every transaction the only writer)."""
    return stmt.with_for_update(skip_locked=True, of=list(of) or None)


def lease(now: datetime, timeout_seconds: float) -> datetime:
    """When a row committed `sending` at `now` is presumed orphaned: the transport may take
    `timeout_seconds` to send the end of the message and as long again for the answer."""
    return now + timedelta(seconds=2 * timeout_seconds) + LEASE_MARGIN


def backoff(attempts: int, first_seconds: float, max_seconds: float) -> timedelta:
    """Exponential backoff with 20 % jitter, so rows failed together do not retry together."""
    base = first_seconds * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(max_seconds, base) * random.uniform(0.8, 1.2))


# --- the outbox ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxQueue:
    """One channel of the outbox. `jumps_order`: rows that need not wait for the earlier
    rows of their case (a Slack announcement: the thread posts before it wait for it)."""

    channel: str
    jumps_order: ColumnElement[bool] | None = None


def due_row(queue: OutboxQueue, now: datetime, passed: Collection[int] = ()) -> Select[Any]:
    """The oldest due pending row of `queue` whose case has no earlier row still open."""
    earlier = aliased(OutboxMessage)
    held_back = exists().where(
        earlier.channel == queue.channel,
        earlier.case_id == OutboxMessage.case_id,
        earlier.id < OutboxMessage.id,
        earlier.state.in_(OPEN),
    )
    in_order = ~held_back if queue.jumps_order is None else or_(queue.jumps_order, ~held_back)
    stmt = select(OutboxMessage).where(
        OutboxMessage.state == "pending",
        OutboxMessage.channel == queue.channel,
        OutboxMessage.next_attempt_at <= now,
        in_order,
    )
    if passed:
        stmt = stmt.where(OutboxMessage.id.not_in(list(passed)))
    return stmt.order_by(OutboxMessage.id).limit(1)


class Claim:
    """One outbox row taken by this process. Every state move of the row goes through
    `move`, a compare-and-set committed at once; the first one also ends the claim's
    transaction (and with it the row lock), so it must be made before anything else writes
    to the row. `session` reads whatever else the sender needs to decide (the case)."""

    def __init__(self, session: Session, row: OutboxMessage) -> None:
        self.session, self.row = session, row

    def move(
        self,
        state: str,
        *,
        expect: Collection[str],
        error: str | None = None,
        **values: Any,
    ) -> bool:
        """Move the row to `state` only from an `expect`ed state; True if it moved."""
        if error is not None:
            values["last_error"] = error[:ERROR_LIMIT]
        moved = self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == self.row.id, OutboxMessage.state.in_(list(expect)))
            .values(state=state, **values),
            execution_options={"synchronize_session": False},
        ).rowcount
        self.session.commit()
        return bool(moved)

    def let_go(self) -> None:
        """Give the row back unchanged (it must wait): ends the claim's transaction."""
        self.session.rollback()


@contextmanager
def claim_outbox(
    sessions: sessionmaker[Session],
    queue: OutboxQueue,
    now: datetime,
    passed: Collection[int] = (),
) -> Iterator[Claim | None]:
    """Take the next row of `queue` for the block (None: nothing is due). Leaving the block
    without a move gives the row back untouched, as a crash would."""
    with sessions() as session:
        session.begin()
        row = session.scalars(skip_locked(due_row(queue, now, passed), OutboxMessage)).first()
        if row is None:
            session.rollback()
            yield None
            return
        if not locks_rows(session):
            session.commit()  # SQLite: never keep the write lock while the message travels
        yield Claim(session, row)


def expired_leases(session: Session, channel: str, now: datetime) -> list[OutboxMessage]:
    """`sending` rows of `channel` whose lease has ended, locked; the caller marks them."""
    stmt = (
        select(OutboxMessage)
        .where(
            OutboxMessage.state == "sending",
            OutboxMessage.channel == channel,
            OutboxMessage.next_attempt_at < now,
        )
        .order_by(OutboxMessage.id)
    )
    return list(session.scalars(skip_locked(stmt, OutboxMessage)))


def all_sending(session: Session) -> list[OutboxMessage]:
    """Every `sending` row: at the start of the only process using the database, all of
    them were left by its predecessor."""
    stmt = select(OutboxMessage).where(OutboxMessage.state == "sending").order_by(OutboxMessage.id)
    return list(session.scalars(skip_locked(stmt, OutboxMessage)))


# --- the SLA clocks ------------------------------------------------------------------------


def claim_clocks(session: Session, now: datetime, limit: int) -> list[SlaClock]:
    """Claim up to `limit` SLA clocks whose next step has come, oldest first.

    The range on the indexed `next_at` reads only what is due. On PostgreSQL the rows stay
    locked until the caller's transaction ends and rows another sweeper holds are skipped, so
    two sweeps never take the same clock; SQLite has one writer at a time (the engine begins
    every transaction with BEGIN IMMEDIATE), which serialises sweeps as well."""
    stmt = (
        select(SlaClock)
        .where(SlaClock.next_at <= now)
        .order_by(SlaClock.next_at, SlaClock.id)
        .limit(limit)
    )
    return list(session.scalars(skip_locked(stmt, SlaClock)))
