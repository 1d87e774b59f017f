"""The SLA sweep on a timer: APScheduler runs one job that calls `handlers.sla.sweep`.

APScheduler holds no business state: every clock is a database row, so a restart loses
nothing and the first sweep after it catches up with whatever fell due meanwhile. Each
sweep claims its clocks in its own transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so
several bot processes may run this job against one database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from handlers.sla import Reminder, SlaRuntime, sweep_batch

log = logging.getLogger("intake.sla")


def sweep_until_done(
    sessions: sessionmaker[Session],
    runtime: SlaRuntime,
    now: Callable[[], datetime],
    batch: int = 500,
) -> list[Reminder]:
    """Sweep in batches of `batch` clocks, one transaction each, until a batch is not full.

    A reminder whose Message-ID is already in the outbox means another process sent that
    step first: the batch is rolled back (nothing of it was sent) and the next sweep finds
    those clocks already moved on."""
    fired: list[Reminder] = []
    for _ in range(10_000):
        try:
            with sessions() as session, session.begin():
                done = sweep_batch(session, runtime, now(), batch)
        except IntegrityError as exc:
            log.info("sla sweep raced another process (%s); retrying", exc.orig)
            continue
        fired += done.reminders
        if done.claimed < batch:
            break
    return fired


class SlaScheduler:
    """Starts the sweep every `interval_seconds` (at once too), never two at a time."""

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
        self.sessions, self.runtime, self.now = sessions, runtime, now
        self.batch, self.on_fired = batch, on_fired
        self.scheduler = BackgroundScheduler(timezone="UTC")
        self.scheduler.add_job(
            self.run_once,
            "interval",
            seconds=interval_seconds,
            id="sla-sweep",
            # APScheduler runs on the real clock whatever `now` says (tests and replays
            # move `now`): the first sweep is at once, in real time.
            next_run_time=datetime.now(UTC),
            coalesce=True,  # after a stall, one sweep, not one per missed interval
            max_instances=1,
            misfire_grace_time=None,
        )

    def run_once(self) -> list[Reminder]:
        try:
            fired = sweep_until_done(self.sessions, self.runtime, self.now, self.batch)
        except Exception:  # noqa: BLE001 - database down: the next interval tries again
            log.exception("sla sweep failed; next try at the next interval")
            return []
        if fired and self.on_fired:
            self.on_fired(fired)
        return fired

    def start(self) -> None:
        self.scheduler.start()

    def stop(self) -> None:
        self.scheduler.shutdown(wait=True)
