"""`GET /healthz` and the HTTP front door that serves it with `/metrics` (and Slack's
`/slack/events` when Slack is on), on `slack.http_listen`.

Healthy means: the database answers a query within `DATABASE_SECONDS`, and every listener
(the SMTP server) is running. Anything else is 503 with the reasons, one a line, so a load
balancer takes the bot out and a person reading the answer knows why. The database is asked
on a connection of its own, never the pool's: a check must not wait behind the worker on
SQLite's single connection, nor take one from it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from intake.bot.app import App, utc_now
from intake.bot.config import parse_host_port
from intake.bot.metrics import Metrics
from intake.bot.slack_http import Answer, Dispatch, SlackHTTPServer

if TYPE_CHECKING:
    from intake.bot.slack_app import SlackFrontDoor

log = logging.getLogger("intake.health")

DATABASE_SECONDS = 5.0
Listener = Callable[[], bool]  # True while it runs


def side_engine(engine: Engine) -> Engine:
    """An engine on the same database with no pool: one connection per use, closed after.
    A SQLite file is opened read-write but never created: a file that went away is a
    database that does not answer, not a new empty one."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database).expanduser().resolve()
        return create_engine(
            "sqlite://",
            creator=lambda: sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True),
            poolclass=NullPool,
        )
    return create_engine(url, poolclass=NullPool)


class Health:
    def __init__(self, engine: Engine, listeners: dict[str, Listener]) -> None:
        self.engine = engine
        self.listeners = listeners
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="intake-health")

    def problems(self) -> list[str]:
        found = []
        ask = self._pool.submit(self._ask_database)
        try:
            ask.result(timeout=DATABASE_SECONDS)
        except FutureTimeout:
            found.append(f"database: no answer within {DATABASE_SECONDS:g} s")
        except Exception as exc:  # noqa: BLE001 - any failure is the reason to report
            first = str(getattr(exc, "orig", None) or exc).strip().split("\n", 1)[0]
            found.append(f"database: {' '.join(first.split())[:300]}")
        for name, running in self.listeners.items():
            if not running():
                found.append(f"{name}: not running")
        return found

    def _ask_database(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def answer(self) -> Answer:
        problems = self.problems()
        if problems:
            log.warning("healthz: %s", "; ".join(problems))
            return Answer(503, "unhealthy\n" + "".join(f"{p}\n" for p in problems))
        return Answer(200, "ok\n")

    def close(self) -> None:
        self._pool.shutdown(wait=False)


def start_http(
    address: str,
    health: Health,
    metrics: Metrics,
    *,
    signing_secret: str | None = None,
    slack: Dispatch | None = None,
) -> tuple[SlackHTTPServer, threading.Thread]:
    """The front door on `address`, serving /healthz and /metrics, and /slack/events when
    `slack` (bolt's dispatch) is given; its thread is started."""
    server = SlackHTTPServer(
        parse_host_port(address),
        signing_secret,
        slack,
        routes={"/healthz": health.answer, "/metrics": metrics.answer},
    )
    thread = threading.Thread(target=server.serve_forever, name="intake-http", daemon=True)
    thread.start()
    return server, thread


def smtp_running(controller: Any) -> bool:
    """aiosmtpd's Controller: its thread alive and its asyncio server accepting."""
    thread, server = getattr(controller, "_thread", None), getattr(controller, "server", None)
    return bool(thread is not None and thread.is_alive() and server and server.is_serving())


def start_front_door(app: App, smtp: Any, slack: SlackFrontDoor | None = None) -> SlackHTTPServer:
    """`intake serve`'s HTTP front door on `slack.http_listen`: /healthz, /metrics (counting
    what `app.sessions` commits from now on), and Slack's events when `slack` is given."""
    settings = app.settings.slack
    engine = side_engine(app.engine)
    metrics = Metrics(engine, utc_now)
    metrics.watch(app.sessions)
    health = Health(engine, {"smtp": lambda: smtp_running(smtp)})
    server, _ = start_http(
        settings.http_listen,
        health,
        metrics,
        signing_secret=settings.signing_secret if slack is not None else None,
        slack=slack.dispatch if slack is not None else None,
    )
    log.info(
        "HTTP on %s: /healthz, /metrics%s",
        settings.http_listen,
        ", /slack/events" if slack is not None else "",
    )
    return server
