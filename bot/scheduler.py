"""The SLA sweep on a timer: a loop (bot/loop.py) that calls `handlers.sla_sweep.sweep` at once,
then every `interval_seconds`.

The loop holds no business state: every clock is a database row, so a restart loses
nothing and the first sweep after it catches up with whatever fell due meanwhile. Each
sweep claims its clocks in its own transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so
several bot processes may sweep one database side by side.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from intake.bot.loop import Loop
from intake.handlers.sla import Reminder, SlaRuntime
from intake.handlers.sla_sweep import sweep_batch

log = logging.getLogger("intake.sla")


def sweep_until_done(
    sessions: sessionmaker[Session],
    runtime: SlaRuntime,
    now: Callable[[], datetime],
    batch: int = 500,
) -> list[Reminder]:
    """Sweep in batches of `batch` clocks, one transaction each, until a batch is not full.

    A reminder whose Message-ID is already in the outbox rolls its batch back (nothing of it
    was sent). Usually another process sent that step first, and the clock is found moved
    on; but a clock whose reminder can never be stored would fail every batch for ever, so
    the batch is swept again clock by clock: the others go on, and the failing clock is
    recorded and, after `MAX_SWEEP_FAILURES` sweeps, stopped (`handlers.sla_sweep.sweep_batch`)."""
    fired: list[Reminder] = []
    for _ in range(10_000):
        try:
            with sessions() as session, session.begin():
                done = sweep_batch(session, runtime, now(), batch)
        except IntegrityError as exc:
            log.info("sla sweep raced another process (%s); again clock by clock", exc.orig)
            with sessions() as session, session.begin():
                done = sweep_batch(session, runtime, now(), batch, one_by_one=True)
        fired += done.reminders
        if done.claimed < batch:
            break
    return fired


class SlaScheduler(Loop):
    """Runs the sweep at once, then every `interval_seconds` of real time (whatever `now`
    says: tests and replays move `now`), never two at a time in one process."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        runtime: SlaRuntime,
        now: Callable[[], datetime],
        *,
        interval_seconds: float,
        batch: int,
        on_fired: Callable[[list[Reminder]], None] | None = None,
    ) -> None:
        super().__init__("intake-sla-sweep", poll_seconds=interval_seconds, logger=log)
        self.sessions, self.runtime, self.now = sessions, runtime, now
        self.batch, self.on_fired = batch, on_fired

    def run_once(self) -> list[Reminder]:
        try:
            fired = sweep_until_done(self.sessions, self.runtime, self.now, self.batch)
        except Exception:  # noqa: BLE001 - database down: the next interval tries again
            log.exception("sla sweep failed; next try at the next interval")
            return []
        if fired and self.on_fired:
            self.on_fired(fired)
        return fired

    def round(self) -> bool:
        self.run_once()
        return False  # a sweep goes on until nothing is due: the next one is an interval away

    def stop(self) -> None:
        """End the loop and wait for a sweep in progress to finish."""
        super().stop()
        if self.is_alive():
            self.join()
