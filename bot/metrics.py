"""`GET /metrics`: what a running bot is doing, in Prometheus' text format.

Two kinds of figures. What happens in this process is counted as it happens: each message
the pipeline processed, by channel and outcome, and how long it took from the moment it
was stored (the sender's 250) to the commit of its processing. The pipeline notes each
processed message on its session (`handlers.pipeline.PROCESSED`) and the figures are taken
when that transaction commits, so a rolled-back attempt counts nothing.

What waits in the database is read from it at each scrape, so it is right whichever process
(or machine) did the work: the inbox backlog and its oldest message's age, shunted
messages, outgoing messages not sent by channel and state, running, paused and breached
SLA clocks. These queries run on a connection of their own (no pool): on SQLite the bot's
one pooled connection belongs to the worker, and a scrape must not wait behind it.

Every metric is listed in the README ("Health and metrics").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from intake.bot.slack_http import Answer
from intake.handlers.pipeline import PROCESSED
from intake.storage.models import InboundMessage, OutboxMessage, SlaClock

log = logging.getLogger("intake.metrics")

# From 50 ms (a quiet bot) to an hour (a backlog worked off after an outage).
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
CHANNELS = ("email", "slack")  # of outgoing messages
NOT_SENT = ("pending", "sending", "uncertain", "failed")


class Metrics:
    """The registry behind /metrics for one running bot."""

    def __init__(self, engine: Engine, now: Callable[[], datetime]) -> None:
        self.now = now
        self.registry = CollectorRegistry()
        self.messages = Counter(
            "intake_messages_processed",
            "Messages processed by this process, by channel (smtp, imap, slack) and outcome "
            "(new_case, append, ignore, reject).",
            ["channel", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "intake_processing_seconds",
            "From a message being stored (the 250 to its sender) to the commit of its "
            "processing, in seconds.",
            ["channel"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_Waiting(engine, now))

    def watch(self, sessions: sessionmaker[Session]) -> None:
        """Count the messages processed in sessions of `sessions` as their work commits."""
        event.listen(sessions, "after_commit", self._committed)
        event.listen(sessions, "after_rollback", self._rolled_back)

    def _committed(self, session: Session) -> None:
        # SQLAlchemy fires after_commit for a savepoint's release too, and the worker runs
        # the pipeline in one: counting then would show a message processed while its row
        # still waits (and count an attempt the outer transaction may yet roll back).
        if session.get_nested_transaction() is not None:
            return
        done = session.info.pop(PROCESSED, [])
        if not done:
            return
        now = self.now()
        for channel, outcome, received_at in done:
            self.messages.labels(channel, outcome or "none").inc()
            if received_at is not None:
                self.latency.labels(channel).observe(max(0.0, (now - received_at).total_seconds()))

    def _rolled_back(self, session: Session) -> None:
        session.info.pop(PROCESSED, None)

    def answer(self) -> Answer:
        return Answer(
            200, generate_latest(self.registry).decode(), {"Content-Type": [CONTENT_TYPE_LATEST]}
        )


class _Waiting(Collector):
    """The gauges read from the database at each scrape."""

    def __init__(self, engine: Engine, now: Callable[[], datetime]) -> None:
        self.engine, self.now = engine, now

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily(
            "intake_database_up", "1 when the database answered this scrape's queries, else 0."
        )
        try:
            figures = self._read()
        except Exception as exc:  # noqa: BLE001 - a scrape says the database is down
            log.warning("metrics: the database did not answer: %s", " ".join(str(exc).split()))
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from figures

    def _read(self) -> list[GaugeMetricFamily]:
        now = self.now()
        with Session(self.engine) as session:
            inbox = dict(
                session.execute(
                    select(InboundMessage.state, func.count())
                    .where(InboundMessage.state.in_(("new", "shunted")))
                    .group_by(InboundMessage.state)
                ).all()
            )
            oldest = session.scalar(
                select(func.min(InboundMessage.received_at)).where(InboundMessage.state == "new")
            )
            outbox = {
                (channel, state): n
                for channel, state, n in session.execute(
                    select(OutboxMessage.channel, OutboxMessage.state, func.count())
                    .where(OutboxMessage.state.in_(NOT_SENT))
                    .group_by(OutboxMessage.channel, OutboxMessage.state)
                )
            }
            clocks = dict(
                session.execute(
                    select(SlaClock.state, func.count())
                    .where(SlaClock.state.in_(("running", "paused")))
                    .group_by(SlaClock.state)
                ).all()
            )
            breached = session.scalar(
                select(func.count())
                .select_from(SlaClock)
                .where(SlaClock.state == "running", SlaClock.due_at <= now)
            )
        return [
            _gauge(
                "intake_inbox_backlog",
                "Messages stored and not yet processed.",
                inbox.get("new", 0),
            ),
            _gauge(
                "intake_inbox_oldest_unprocessed_seconds",
                "Age of the oldest message stored and not yet processed (0 when none waits).",
                _age(oldest, now),
            ),
            _gauge(
                "intake_inbox_shunted",
                "Messages the worker gave up on (intake inbox shunted).",
                inbox.get("shunted", 0),
            ),
            _labelled(
                "intake_outbox_messages",
                "Outgoing messages not sent, by channel and state (pending, sending, uncertain, "
                "failed).",
                ["channel", "state"],
                {(c, s): outbox.get((c, s), 0) for c in _channels(outbox) for s in NOT_SENT},
            ),
            _labelled(
                "intake_sla_clocks",
                "SLA clocks by state (running, paused).",
                ["state"],
                {(s,): clocks.get(s, 0) for s in ("running", "paused")},
            ),
            _gauge(
                "intake_sla_clocks_breached",
                "Running SLA clocks past their due time.",
                breached or 0,
            ),
        ]


def _channels(outbox: dict[tuple[str, str], int]) -> list[str]:
    return sorted({*CHANNELS, *(c for c, _ in outbox)})


def _age(oldest: datetime | None, now: datetime) -> float:
    return max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _labelled(
    name: str, documentation: str, labels: list[str], values: dict[tuple[str, ...], Any]
) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=labels)
    for key, value in values.items():
        family.add_metric(list(key), value)
    return family
