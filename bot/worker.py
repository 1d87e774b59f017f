"""The worker: takes stored arrivals one at a time and runs them through the pipeline.

Each message is processed in one transaction together with the inbox row's new state, so a
crash at any point leaves it either untouched (it is processed again after the restart) or
completely done. A message that keeps failing is shunted with its error after a few tries
instead of blocking the ones behind it.

Any number of workers (threads, processes, machines) may share one PostgreSQL database: each
claims the next arrival with `storage.inbox.claim_next`, told by `thread_hints` which
messages and cases an arrival belongs with, so that a reply never overtakes its request and
two messages of one case are never processed at the same time.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from datetime import datetime
from email.header import decode_header, make_header

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from intake.bot.loop import Loop
from intake.handlers.pipeline import PipelineConfig, Result, process
from intake.handlers.threads import case_numbers_in
from intake.parsers.header_section import read_headers
from intake.parsers.mime import message_ids
from intake.storage import inbox
from intake.storage.inbox import ThreadHints
from intake.storage.models import InboundMessage

log = logging.getLogger("intake.worker")


def thread_hints(row: InboundMessage, config: PipelineConfig) -> ThreadHints:
    """The Message-IDs an arrival answers and the case numbers its subject names, from its
    headers alone (the full parse is the pipeline's). Unreadable: no hints, no waiting."""
    try:
        if row.channel == "slack":
            parse = config.parse_slack
            if parse is None:
                from intake.parsers.slack_event import parse_slack_event as parse
            msg = parse(row.raw)
            refs, subject = (*msg.in_reply_to, *msg.references), msg.subject
        else:
            headers = read_headers(row.raw)
            written = [
                str(v) for k in ("In-Reply-To", "References") for v in headers.get_all(k, [])
            ]
            subject = str(make_header(decode_header(str(headers.get("Subject", "")))))
            refs = message_ids(written)  # as the parser reads them, encoded words and all
    except Exception:  # noqa: BLE001 - unreadable: taken in its turn, as by a lone worker
        return ThreadHints()
    return ThreadHints(
        references=tuple(dict.fromkeys(refs)),
        case_numbers=tuple(case_numbers_in(subject, config.case_prefix)),
    )


def process_one(
    sessions: sessionmaker[Session],
    config: PipelineConfig,
    clock: Callable[[InboundMessage], datetime],
    max_attempts: int = 3,
) -> Result | None | bool:
    """Process the oldest waiting arrival. Returns its Result, None when a failure was
    recorded, False when nothing was waiting.

    The pipeline runs in a savepoint inside the claim's transaction: a failure rolls back
    what the message did but keeps the claim, and is counted in the same transaction. (A
    failure counted after letting go could overwrite the work of another worker that took
    the message meanwhile, and put a processed message back in the queue.)"""
    with sessions() as session, session.begin():
        row = inbox.claim_next(session, lambda r: thread_hints(r, config))
        if row is None:
            return False
        row_id = row.id
        try:
            with session.begin_nested():
                return process(session, row, config, clock(row))
        except OperationalError:
            raise  # the database itself is unwell: let the loop back off
        except IntegrityError as exc:
            # Counted like any failure: a twin delivery processed meanwhile makes this one a
            # duplicate next time, but an insert that always fails must end in a shunt, not
            # have the message taken again for ever.
            log.info("inbound #%s: an insert failed (%s)", row_id, exc.orig)
            error = f"IntegrityError: {exc.orig}"
        except Exception as exc:  # noqa: BLE001 - a failure boundary: log, count, go on
            log.exception("inbound #%s failed", row_id)
            error = "".join(traceback.format_exception_only(exc)).strip()
        state = inbox.record_failure(session, row_id, error, max_attempts)
        log.warning("inbound #%s: attempt failed, now %s", row_id, state)
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


class Worker(Loop):
    """Processes arrivals whenever it is woken (a front door stored something) or every
    poll, until none is left that it may take."""

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
        super().__init__("intake-worker", poll_seconds=poll_seconds, logger=log)
        self.sessions, self.config, self.clock = sessions, config, clock
        self.max_attempts = max_attempts
        self.on_result = on_result

    def round(self) -> bool:
        while not self.stopping.is_set():
            outcome = process_one(self.sessions, self.config, self.clock, self.max_attempts)
            if outcome is False:
                return False
            if isinstance(outcome, Result) and self.on_result:
                self.on_result(outcome)
        return False
