"""`intake serve`: the SMTP listener, the worker, the outbox dispatchers and the SLA sweep in
one process; with worker processes (PostgreSQL), the worker runs in those instead.

Several `intake serve` processes, on several machines, may share one PostgreSQL database:
every queue is claimed row by row (storage/claims.py), wakes cross processes through
LISTEN/NOTIFY (bot/wakeups.py), and a row left `sending` by a process that died becomes
`uncertain` once its lease ends. On SQLite the process is alone, and at start the rows its
predecessor left `sending` become `uncertain` at once.
"""

from __future__ import annotations

import logging
import signal
import threading

from intake.bot import workers as worker_processes
from intake.bot.app import App, utc_now
from intake.bot.config import ConfigError
from intake.bot.imap_front import ImapFront
from intake.bot.outbox import Dispatcher, make_transport, recover_interrupted
from intake.bot.scheduler import SlaScheduler
from intake.bot.sender_auth import SenderVerifier
from intake.bot.smtp_server import IntakeHandler, make_controller
from intake.bot.wakeups import Wakeups

log = logging.getLogger("intake")


def serve(app: App, stop: threading.Event | None = None, *, workers: int | None = None) -> None:
    """Run until SIGINT/SIGTERM (or `stop` is set). `workers`: worker processes (None: the
    `worker.processes` setting; 0: the worker is a thread of this process)."""
    settings = app.settings
    stop = stop or threading.Event()
    processes = settings.worker.processes if workers is None else workers
    shared = app.engine.dialect.name == "postgresql"  # other processes may use the database
    if processes and not shared:
        raise ConfigError(
            "worker.processes (--workers): worker processes need PostgreSQL; SQLite has one "
            "writer at a time, so serve it from one process without workers"
        )
    # A port already taken is one line before anything starts (bot/startup.py).
    from intake.bot import startup

    startup.check_listen(settings.smtp.listen, startup.SMTP_FIX)
    startup.check_listen(settings.slack.http_listen, startup.HTTP_FIX)
    slack_events = None  # the Slack app behind the HTTP front door, when Slack is on over HTTP
    # Every IMAP account logs in and finds its folders before anything starts: a wrong
    # password or host ends here in one line (a ConfigError), not as retries in the log.
    imap = ImapFront(settings.imap, app.sessions, utc_now, app.org.mailbox_addresses)
    imap.check()
    wakeups = Wakeups(app.engine)  # PostgreSQL: pokes reach every process on the database

    def wake_senders(*_: object) -> None:
        wakeups.poke("outbox")

    worker = None
    if not processes:
        worker = worker_processes.inbox_worker(app, settings, wakeups)
    transport = make_transport(settings.relay)
    if not shared:
        # Rows a crash left half-sent become `uncertain` before any dispatcher claims one.
        # (On a shared database another process may be sending them: the dispatchers take
        # only rows whose lease has ended, every few seconds.)
        recover_interrupted(app.sessions, app.pipeline.slack, utc_now())
    dispatcher = Dispatcher(
        app.sessions, transport, settings.outbox, utc_now, recover=False, feed=app.pipeline.slack
    )
    wakeups.on("outbox", dispatcher.wake)
    slack_out, slack_http, slack_files = None, None, None
    if settings.slack.enabled:
        from intake.bot.slack_app import SlackFrontDoor
        from intake.bot.slack_out import SlackDispatcher, make_client

        slack_out = SlackDispatcher(
            app.sessions, make_client(settings.slack), settings.slack, settings.outbox, utc_now
        )
        wakeups.on("outbox", slack_out.wake)
        from intake.bot.slack_files import SlackFileFetcher

        # Photos of Slack requests, fetched after the message was stored and processed.
        slack_files = SlackFileFetcher(
            app.sessions, make_client(settings.slack), settings.slack, settings.outbox, utc_now
        )
        wakeups.on("outbox", slack_files.wake)
        front = SlackFrontDoor(
            app,
            settings.slack,
            utc_now,
            on_stored=lambda: wakeups.poke("inbox"),
            on_queued=wake_senders,
        )

    salesforce_out = None
    if settings.salesforce.enabled:
        from intake.bot.salesforce_out import SalesforceClient, SalesforceDispatcher

        salesforce_out = SalesforceDispatcher(
            app.sessions,
            SalesforceClient(settings.salesforce),
            app.org,
            settings.salesforce,
            settings.outbox,
            utc_now,
        )
        wakeups.on("outbox", salesforce_out.wake)

    def wake_both() -> None:
        wakeups.poke("inbox")
        wakeups.poke("outbox")

    scheduler = None
    if app.pipeline.sla is not None:
        scheduler = SlaScheduler(
            app.sessions,
            app.pipeline.sla,
            utc_now,
            interval_seconds=settings.sla.sweep_seconds,
            batch=settings.sla.batch,
            on_fired=wake_senders,
        )
    handler = IntakeHandler(
        app.sessions,
        app.org.mailbox_addresses,
        utc_now,
        on_stored=wake_both,
        verify_sender=SenderVerifier(settings.senders).verdict,
    )
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
    wakeups.start()
    level = logging.getLogger().getEffectiveLevel()
    children = worker_processes.start(settings, processes, level) if processes else []
    if worker is not None:
        worker.start()
    dispatcher.start()
    controller.start()
    imap.on_stored = wake_both
    imap.start()
    if scheduler is not None:
        scheduler.start()
    if salesforce_out is not None:
        salesforce_out.start()
    if settings.slack.enabled:
        assert slack_out is not None and slack_files is not None
        slack_out.start()
        slack_files.start()
        if settings.slack.app_token:
            # Socket Mode: Slack delivers over a WebSocket the bot opens; no public URL needed.
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            SocketModeHandler(front.bolt, settings.slack.app_token).connect()
            slack_state = "Slack on (Socket Mode)"
        else:
            slack_events = front
            slack_state = f"Slack on (events at http://{settings.slack.http_listen}/slack/events)"
    else:
        slack_state = "Slack off (no SLACK_BOT_TOKEN)"
    # /healthz and /metrics (bot/health.py) on the front door Slack's events use, Slack or not.
    from intake.bot.health import start_front_door

    slack_http = start_front_door(app, controller, slack_events)
    relay = settings.relay.address or f"none (spooling to {settings.relay.spool_dir})"
    log.info("intake serving SMTP on %s:%s; relay %s; %s", host, port, relay, slack_state)
    sf = settings.salesforce
    log.info(
        "%s",
        f"Salesforce on ({sf.instance_url}, API v{sf.api_version})"
        if salesforce_out is not None
        else "Salesforce off (no INTAKE_SALESFORCE_URL)",
    )
    log.info("mailboxes: %s", ", ".join(sorted(app.org.mailbox_addresses)))
    log.info("%s", startup.describe_database(app.engine.url.render_as_string(False)))
    log.info(
        "worker: %s; %s",
        f"{processes} processes" if processes else "a thread of this process",
        "wakes shared through PostgreSQL" if shared else "alone on its database",
    )
    log.info("%s", imap.describe())
    try:
        while not stop.wait(1.0):
            worker_processes.revive(children, settings, level)
    finally:
        log.info("stopping")
        controller.stop()
        imap.stop()
        if slack_http is not None:
            slack_http.shutdown()
        if slack_out is not None:
            slack_out.stop()
        if slack_files is not None:
            slack_files.stop()
        if salesforce_out is not None:
            salesforce_out.stop()
        if scheduler is not None:
            scheduler.stop()
        worker_processes.stop(children)
        if worker is not None:
            worker.stop()
        dispatcher.stop()
        if worker is not None:
            worker.join(10)
        dispatcher.join(10)
        wakeups.stop()
