"""`intake serve`: the SMTP listener, the worker, the outbox dispatcher and the SLA sweep in
one process."""

from __future__ import annotations

import logging
import signal
import threading

from bot.app import App, utc_now
from bot.outbox import Dispatcher, make_transport
from bot.scheduler import SlaScheduler
from bot.smtp_server import IntakeHandler, make_controller
from bot.worker import Worker

log = logging.getLogger("intake")


def serve(app: App, stop: threading.Event | None = None) -> None:
    """Run until SIGINT/SIGTERM (or `stop` is set)."""
    settings = app.settings
    stop = stop or threading.Event()
    worker = Worker(
        app.sessions,
        app.pipeline,
        clock=lambda row: utc_now(),
        poll_seconds=settings.worker.poll_seconds,
        max_attempts=settings.worker.max_attempts,
    )
    transport = make_transport(settings.relay)
    dispatcher = Dispatcher(app.sessions, transport, settings.outbox, utc_now)

    def wake_both() -> None:
        worker.wake.set()
        dispatcher.wake.set()

    # A finished message usually leaves mail to send: wake the dispatcher then too.
    worker.on_result = lambda result: dispatcher.wake.set() if result.replies else None
    scheduler = None
    if app.pipeline.sla is not None:
        scheduler = SlaScheduler(
            app.sessions,
            app.pipeline.sla,
            utc_now,
            interval_seconds=settings.sla.sweep_seconds,
            batch=settings.sla.batch,
            on_fired=lambda fired: dispatcher.wake.set(),
        )
    handler = IntakeHandler(app.sessions, app.org.mailbox_addresses, utc_now, on_stored=wake_both)
    host, port = settings.smtp.host_port
    controller = make_controller(
        handler,
        host,
        port,
        hostname=settings.smtp.hostname,
        max_size=settings.smtp.max_message_size,
    )
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    worker.start()
    dispatcher.start()
    controller.start()
    if scheduler is not None:
        scheduler.start()
    relay = settings.relay.address or f"none (spooling to {settings.relay.spool_dir})"
    log.info(
        "intake serving SMTP on %s:%s; relay %s; Slack off (no SLACK_BOT_TOKEN)", host, port, relay
    )
    log.info("mailboxes: %s", ", ".join(sorted(app.org.mailbox_addresses)))
    try:
        stop.wait()
    finally:
        log.info("stopping")
        controller.stop()
        if scheduler is not None:
            scheduler.stop()
        worker.stop()
        dispatcher.stop()
        worker.join(10)
        dispatcher.join(10)
