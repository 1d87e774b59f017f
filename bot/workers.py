"""Worker processes: `intake serve --workers N` runs the pipeline in N processes.

Processing a message is Python work (parsing, extraction, rendering) under one GIL, so a
second thread does not make a second CPU useful; a second process does. Each child is
started fresh (`spawn`: nothing of the parent's threads, sockets or connections is
inherited), builds its own App on its own engine from the parent's settings, and runs one
`Worker` loop, woken through PostgreSQL (bot/wakeups.py) when a front door anywhere stores
a message. Claims (storage/inbox.py) keep the children, and the workers of other machines,
from taking the same message or two messages of one case at once.

A child ends when told to (SIGTERM or SIGINT: after the message in hand) or when its parent
is gone (a SIGKILLed `serve` must not leave workers behind; a message in hand is finished
or, if the child is killed too, rolled back and taken by another worker).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING

from intake.bot.config import Settings

if TYPE_CHECKING:
    from intake.bot.app import App
    from intake.bot.wakeups import Wakeups
    from intake.bot.worker import Worker

log = logging.getLogger("intake.workers")

PARENT_CHECK_SECONDS = 0.5
STOP_WAIT_SECONDS = 30.0  # for the message in hand, then the child is killed


def inbox_worker(app: App, settings: Settings, wakeups: Wakeups) -> Worker:
    """A worker (thread) taking inbox rows, woken by an "inbox" poke; each finished message
    pokes "outbox" (it usually leaves mail, and Slack posts, to send)."""
    from intake.bot.app import utc_now
    from intake.bot.worker import Worker

    worker = Worker(
        app.sessions,
        app.pipeline,
        clock=lambda row: utc_now(),
        poll_seconds=settings.worker.poll_seconds,
        max_attempts=settings.worker.max_attempts,
        on_result=lambda _result: wakeups.poke("outbox"),
    )
    wakeups.on("inbox", worker.wake)
    return worker


def start(settings: Settings, count: int, log_level: int) -> list[BaseProcess]:
    """Start `count` worker processes; they get ready (load the extractor) on their own."""
    children = [_spawn(settings, index, log_level) for index in range(1, count + 1)]
    log.info("started %d worker processes: %s", count, ", ".join(str(c.pid) for c in children))
    return children


def revive(children: list[BaseProcess], settings: Settings, log_level: int) -> None:
    """Replace any child that died (a crash in a native library, the OOM killer): the
    message it held was rolled back with its connection and waits for the others."""
    for n, child in enumerate(children):
        if not child.is_alive():
            log.error(
                "worker process %s ended (exit code %s); starting another",
                child.pid,
                child.exitcode,
            )
            children[n] = _spawn(settings, n + 1, log_level)


def _spawn(settings: Settings, index: int, log_level: int) -> BaseProcess:
    child = multiprocessing.get_context("spawn").Process(
        target=child_main,
        args=(settings, index, os.getpid(), log_level),
        name=f"intake-worker-{index}",
        daemon=False,  # a daemonic process may not start its own helpers
    )
    child.start()
    return child


def stop(children: list[BaseProcess], timeout: float = STOP_WAIT_SECONDS) -> None:
    """Ask every child to stop, wait for the messages in hand, kill what does not stop."""
    for child in children:
        if child.is_alive():
            child.terminate()  # SIGTERM: finish the message in hand, then exit
    deadline = time.monotonic() + timeout
    for child in children:
        child.join(max(0.0, deadline - time.monotonic()))
        if child.is_alive():
            log.warning("worker process %s did not stop; killing it", child.pid)
            child.kill()
            child.join(5)


def child_main(settings: Settings, index: int, parent_pid: int, log_level: int) -> None:
    """A worker process: one Worker loop until told to stop or orphaned."""
    logging.basicConfig(
        level=log_level,
        format=f"%(asctime)s %(levelname)s %(name)s[w{index}]: %(message)s",
    )
    logging.getLogger("alembic").setLevel(max(log_level, logging.WARNING))
    stopping = threading.Event()
    working = threading.Event()

    def stop(*_: object) -> None:
        if not working.is_set():
            os._exit(0)  # still starting: nothing in hand, nothing to finish
        stopping.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
    _signal_when_orphaned(signal.SIGTERM)
    if os.getppid() != parent_pid:
        return  # the parent died before we could ask to be told

    from intake.bot.app import build_app
    from intake.bot.wakeups import Wakeups

    app = build_app(settings, migrate=False)  # the parent migrated before starting us
    wakeups = Wakeups(app.engine)
    worker = inbox_worker(app, settings, wakeups)
    worker.name = f"intake-worker-{index}"
    wakeups.start()
    worker.start()
    working.set()
    log.info("worker process %s ready (pid %s)", index, os.getpid())
    try:
        while not stopping.wait(PARENT_CHECK_SECONDS):
            if os.getppid() != parent_pid:  # where the kernel cannot tell us
                log.warning("worker process %s: the serve process is gone; stopping", index)
                break
    finally:
        # Whatever hangs on the way out (a connection to a database gone quiet), the process
        # ends: the message in hand is committed by now or rolled back with the connection.
        deadline = threading.Timer(STOP_WAIT_SECONDS + 10, os._exit, args=(1,))
        deadline.daemon = True
        deadline.start()
        worker.stop()
        worker.join(STOP_WAIT_SECONDS)
        wakeups.stop()
        app.close()
        logging.shutdown()
        os._exit(0)  # no waiting on threads a library may have left behind


def _signal_when_orphaned(sig: int) -> None:
    """Linux: have the kernel send `sig` when the parent dies (a SIGKILLed serve included).
    Elsewhere the polling of `getppid` in `child_main` does it, within half a second."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(sig), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
