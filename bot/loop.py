"""One background loop for every queue the bot works: the worker, the two dispatchers and
the SLA sweep differ only in what one round does.

A round runs at once when the loop starts, again at once while rounds find work, and
otherwise when something wakes the loop (`wake.set()`: a front door stored a message, a
worker queued a reply; see bot/wakeups.py for wakes from other processes) or `poll_seconds`
after the last one, whichever comes first. A round that raises (the database is down) is
logged, in full the first time and in one line while it goes on, and tried again after a
wait that doubles up to `MAX_ERROR_WAIT`: a dead database is neither hammered nor a reason
for the thread to end.
"""

from __future__ import annotations

import logging
import threading

MAX_ERROR_WAIT = 30.0  # seconds, the longest wait between rounds that keep failing

log = logging.getLogger("intake.loop")


class Loop(threading.Thread):
    """Subclasses implement `round`; `setup` and `teardown` run once, in the thread."""

    def __init__(
        self,
        name: str,
        *,
        poll_seconds: float,
        logger: logging.Logger | None = None,
    ) -> None:
        super().__init__(name=name, daemon=True)
        self.poll_seconds = poll_seconds
        self.log = logger or log
        self.wake = threading.Event()
        self.stopping = threading.Event()

    def round(self) -> bool:
        """Do one round of work; True when there may be more to do at once."""
        raise NotImplementedError

    def setup(self) -> None:
        """Before the first round (a failure is logged, and the rounds run all the same)."""

    def teardown(self) -> None:
        """After the last round (release connections)."""

    def run(self) -> None:
        try:
            self.setup()
        except Exception:  # noqa: BLE001 - the rounds themselves may still work
            self.log.exception("%s: setup failed", self.name)
        failures = 0
        while not self.stopping.is_set():
            self.wake.clear()  # a wake during the round makes the next one start at once
            try:
                busy = self.round()
            except Exception as exc:  # noqa: BLE001 - database down: wait and try again
                failures += 1
                wait = min(MAX_ERROR_WAIT, max(1.0, self.poll_seconds * 4) * 2 ** (failures - 1))
                if failures == 1:
                    self.log.exception("%s: round failed; retrying in %.1fs", self.name, wait)
                else:
                    self.log.warning(
                        "%s: round failed again (%s: %s); retrying in %.1fs",
                        self.name,
                        type(exc).__name__,
                        str(exc).splitlines()[0][:200] if str(exc) else "",
                        wait,
                    )
                self.stopping.wait(wait)
                continue
            if failures:
                self.log.info("%s: working again after %d failed rounds", self.name, failures)
                failures = 0
            if not busy:
                self.wake.wait(self.poll_seconds)
        try:
            self.teardown()
        except Exception:  # noqa: BLE001
            self.log.exception("%s: teardown failed", self.name)

    def stop(self) -> None:
        """Ask the loop to end after the round in progress."""
        self.stopping.set()
        self.wake.set()
