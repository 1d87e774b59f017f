"""What an operator looks at and decides, for the command line: outgoing messages whose
delivery is uncertain or failed, inbound messages the worker shunted.

Each function opens the database of `settings`, does one thing in one transaction and returns
plain dicts (the CLI prints them as a table or JSON). Decisions are recorded: a resend is a
case event by the person who decided; a retried shunted message has no case yet, so the
retry and the error it was shunted with go to the log.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from intake.bot.config import Settings
from intake.storage import admin, db
from intake.storage.admin import AdminError
from intake.storage.models import InboundMessage, OutboxMessage

log = logging.getLogger("intake.operator")

NOT_SENT = ("pending", "sending", "uncertain", "failed")


class OperatorError(ValueError):
    """The command cannot be done; one line says why, for the person who typed it."""


@contextmanager
def _sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = db.make_engine(settings.database.url)
    try:
        db.upgrade(engine)
        yield db.make_sessionmaker(engine)
    finally:
        engine.dispose()


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _subject(raw: bytes) -> str:
    """The Subject header, decoded; "" when there is none or it cannot be read."""
    try:
        value = BytesHeaderParser(policy=default_policy).parsebytes(raw).get("subject")
        return " ".join(str(value or "").split())
    except Exception:  # noqa: BLE001 - a listing must show every row, however odd its headers
        return ""


def outbox_view(row: OutboxMessage) -> dict[str, Any]:
    """One outbox row as the reports show it (also used by `intake cases show`)."""
    return {
        "id": row.id,
        "state": row.state,
        "channel": row.channel,
        "kind": row.kind,
        "case": row.case.number if row.case is not None else None,
        "to": row.recipient,
        "recipients": row.recipients,
        "subject": _subject(row.raw) if row.channel == "email" else "",
        "message_id": row.message_id,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "created_at": _iso(row.created_at),
        "next_attempt_at": _iso(row.next_attempt_at),
        "sent_at": _iso(row.sent_at),
    }


def outbox_report(settings: Settings, state: str | None = None) -> list[dict[str, Any]]:
    """Outbox rows in `state`; every row not yet sent when None."""
    states = NOT_SENT if state is None else (state,)
    with _sessions(settings) as sessions, sessions() as session:
        return [outbox_view(row) for row in admin.outbox_rows(session, states)]


def resend(
    settings: Settings, row_id: int, *, actor: str, now: datetime | None = None
) -> dict[str, Any]:
    """Send an uncertain or failed outbox row again: a person has decided it did not arrive
    (or that a second copy is better than none)."""
    when = now or datetime.now(UTC)
    with _sessions(settings) as sessions, sessions() as session:
        try:
            with session.begin():
                done = admin.resend_outbox(session, row_id, actor=actor, now=when)
                view = outbox_view(done.row)
        except AdminError as exc:
            raise OperatorError(str(exc)) from None
    log.warning(
        "outbox #%s %s to %s (%s): %s -> pending, decided by %s; it was: %s",
        row_id,
        view["kind"],
        view["to"],
        view["case"] or "no case",
        done.was,
        actor,
        done.last_error or "no error recorded",
    )
    return {**view, "was": done.was, "previous_error": done.last_error, "decided_by": actor}


def inbound_view(row: InboundMessage) -> dict[str, Any]:
    headers = BytesHeaderParser(policy=default_policy)
    try:
        sender = " ".join(str(headers.parsebytes(row.raw).get("from") or "").split())
    except Exception:  # noqa: BLE001 - same reason as _subject
        sender = ""
    return {
        "id": row.id,
        "received_at": _iso(row.received_at),
        "channel": row.channel,
        "mail_from": row.mail_from,
        "from": sender,
        "to": row.rcpt_tos,
        "subject": _subject(row.raw),
        "message_id": row.message_id,
        "size": row.size,
        "attempts": row.attempts,
        "error": row.error,
    }


def shunted_report(settings: Settings) -> list[dict[str, Any]]:
    with _sessions(settings) as sessions, sessions() as session:
        return [inbound_view(row) for row in admin.shunted(session)]


def retry_shunted(
    settings: Settings, ids: Sequence[int] | None, *, actor: str
) -> list[dict[str, Any]]:
    """Put shunted messages (`ids`, or all when None) back for the worker, after a fix."""
    with _sessions(settings) as sessions, sessions() as session:
        try:
            with session.begin():
                done = admin.retry_shunted(session, ids)
        except AdminError as exc:
            raise OperatorError(str(exc)) from None
    for retry in done:
        # No case to hold an event yet: the log is the record of who put it back and why
        # it had failed.
        log.warning(
            "inbound #%s: shunted -> new (retry decided by %s) after %s attempts; it failed "
            "with: %s",
            retry.inbound_id,
            actor,
            retry.attempts,
            retry.error or "no error recorded",
        )
    return [
        {"id": r.inbound_id, "attempts": r.attempts, "error": r.error, "decided_by": actor}
        for r in done
    ]
