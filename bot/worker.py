"""The worker: takes stored arrivals one at a time and runs them through the pipeline.

Each message is processed in one transaction together with the inbox row's new state, so a
crash at any point leaves it either untouched (it is processed again after the restart) or
completely done. A message that keeps failing is shunted with its error after a few tries
instead of blocking the ones behind it.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from handlers.pipeline import PipelineConfig, Result, process
from storage import inbox
from storage.models import InboundMessage

log = logging.getLogger("intake.worker")


def process_one(
    sessions: sessionmaker[Session],
    config: PipelineConfig,
    clock: Callable[[InboundMessage], datetime],
    max_attempts: int = 3,
) -> Result | None | bool:
    """Process the oldest waiting arrival. Returns its Result, None when a failure was
    recorded, False when nothing was waiting."""
    failed: tuple[int, str] | None = None
    with sessions() as session:
        try:
            with session.begin():
                row = inbox.claim_next(session)
                if row is None:
                    return False
                row_id = row.id
                return process(session, row, config, clock(row))
        except IntegrityError as exc:
            # A twin delivery was processed concurrently; next time this one is a duplicate.
            log.info("inbound #%s raced a twin (%s); will retry", row_id, exc.orig)
            return None
        except OperationalError:
            raise  # the database itself is unwell: let the loop back off
        except Exception as exc:  # noqa: BLE001 - a failure boundary: log, count, go on
            failed = (row_id, "".join(traceback.format_exception_only(exc)).strip())
            log.exception("inbound #%s failed", row_id)
    if failed:
        with sessions() as session, session.begin():
            state = inbox.record_failure(session, failed[0], failed[1], max_attempts)
        log.warning("inbound #%s: attempt failed, now %s", failed[0], state)
    return None


def drain(
    sessions: sessionmaker[Session],
    config: PipelineConfig,
    clock: Callable[[InboundMessage], datetime],
    max_attempts: int = 3,
) -> list[Result]:
    """Process everything waiting; returns the results in order."""
    results: list[Result] = []
    while True:
        outcome = process_one(sessions, config, clock, max_attempts)
        if outcome is False:
            return results
        if isinstance(outcome, Result):
            results.append(outcome)


class Worker(threading.Thread):
    """Runs `drain` whenever it is woken (a front door stored something) or every poll."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        config: PipelineConfig,
        clock: Callable[[InboundMessage], datetime],
        *,
        poll_seconds: float,
        max_attempts: int,
        on_result: Callable[[Result], None] | None = None,
    ) -> None:
        super().__init__(name="intake-worker", daemon=True)
        self.sessions, self.config, self.clock = sessions, config, clock
        self.poll_seconds, self.max_attempts = poll_seconds, max_attempts
        self.on_result = on_result
        self.wake = threading.Event()
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                while not self.stopping.is_set():
                    outcome = process_one(self.sessions, self.config, self.clock, self.max_attempts)
                    if outcome is False:
                        break
                    if isinstance(outcome, Result) and self.on_result:
                        self.on_result(outcome)
            except Exception:  # noqa: BLE001 - database down: wait and try again
                log.exception("worker: database error; retrying in %ss", self.poll_seconds * 4)
                self.stopping.wait(self.poll_seconds * 4)
            self.wake.wait(self.poll_seconds)
            self.wake.clear()

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
