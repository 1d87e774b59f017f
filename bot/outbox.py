"""The outbox dispatcher: sends what the pipeline committed, once, with retries.

A row is sent, then marked sent. Failures that may pass (connection refused, 4xx, time-outs)
are retried with exponential backoff; a 5xx refusal of the recipient fails the row at once.
With no relay configured the message is written to the spool folder and logged, so the
embedded defaults work on a machine without a mail server.
"""

from __future__ import annotations

import logging
import random
import smtplib
import ssl
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.config import OutboxSettings, RelaySettings
from storage.models import OutboxMessage

log = logging.getLogger("intake.outbox")


class PermanentFailure(Exception):
    """Retrying will not help (the relay refused the recipient for good)."""


class Transport(Protocol):
    def send(self, row: OutboxMessage) -> str: ...


class SmtpRelay:
    """Sends through an SMTP relay (`INTAKE_SMTP_RELAY`)."""

    def __init__(self, settings: RelaySettings) -> None:
        assert settings.host_port is not None
        self.host, self.port = settings.host_port
        self.settings = settings

    def send(self, row: OutboxMessage) -> str:
        s = self.settings
        try:
            with smtplib.SMTP(self.host, self.port, timeout=s.timeout_seconds) as smtp:
                if s.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.username:
                    smtp.login(s.username, s.password or "")
                refused = smtp.sendmail(row.mail_from, list(row.recipients), row.raw)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if all(code >= 500 for code in codes):
                raise PermanentFailure(f"recipients refused: {exc.recipients}") from exc
            raise
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:
                raise PermanentFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise
        if refused:
            log.warning("outbox #%s: some recipients refused: %s", row.id, refused)
        return f"relayed to {self.host}:{self.port}"


class SpoolFolder:
    """No relay configured: keep the message as an .eml file and say so in the log."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def send(self, row: OutboxMessage) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{row.id:08d}-{row.kind}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(row.raw)
        tmp.replace(path)
        return f"no relay configured: written to {path}"


def make_transport(settings: RelaySettings) -> Transport:
    return SmtpRelay(settings) if settings.address else SpoolFolder(settings.spool_dir)


def backoff(attempts: int, settings: OutboxSettings) -> timedelta:
    base = settings.backoff_first_seconds * 2 ** max(0, attempts - 1)
    seconds = min(settings.backoff_max_seconds, base) * random.uniform(0.8, 1.2)
    return timedelta(seconds=seconds)


def dispatch_due(
    sessions: sessionmaker[Session],
    transport: Transport,
    settings: OutboxSettings,
    now: Callable[[], datetime],
    batch: int = 50,
) -> int:
    """Send every email row that is due; returns how many were sent."""
    with sessions() as session:
        rows = list(
            session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.state == "pending",
                    OutboxMessage.channel == "email",
                    OutboxMessage.next_attempt_at <= now(),
                )
                .order_by(OutboxMessage.id)
                .limit(batch)
            )
        )
    sent = 0
    for row in rows:
        try:
            detail = transport.send(row)
        except PermanentFailure as exc:
            _finish(sessions, row.id, state="failed", error=str(exc), attempts=row.attempts + 1)
            log.error(
                "outbox #%s %s to %s failed for good: %s", row.id, row.kind, row.recipient, exc
            )
            continue
        except (TimeoutError, OSError, smtplib.SMTPException) as exc:
            attempts = row.attempts + 1
            give_up = attempts >= settings.max_attempts
            _finish(
                sessions,
                row.id,
                state="failed" if give_up else "pending",
                error=f"{type(exc).__name__}: {exc}",
                attempts=attempts,
                next_attempt_at=now() + backoff(attempts, settings),
            )
            log.warning(
                "outbox #%s attempt %s failed (%s)%s",
                row.id,
                attempts,
                exc,
                "; giving up" if give_up else "",
            )
            continue
        _finish(sessions, row.id, state="sent", attempts=row.attempts + 1, sent_at=now())
        log.info("outbox #%s %s %s sent: %s", row.id, row.kind, row.message_id, detail)
        sent += 1
    return sent


def _finish(
    sessions: sessionmaker[Session],
    row_id: int,
    *,
    state: str,
    attempts: int,
    error: str | None = None,
    next_attempt_at: datetime | None = None,
    sent_at: datetime | None = None,
) -> None:
    values: dict[str, object] = {"state": state, "attempts": attempts}
    if error is not None:
        values["last_error"] = error[:2000]
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    if sent_at is not None:
        values["sent_at"] = sent_at
    with sessions() as session, session.begin():
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.state == "pending")
            .values(**values)
        )


class Dispatcher(threading.Thread):
    def __init__(
        self,
        sessions: sessionmaker[Session],
        transport: Transport,
        settings: OutboxSettings,
        now: Callable[[], datetime],
    ) -> None:
        super().__init__(name="intake-outbox", daemon=True)
        self.sessions, self.transport, self.settings, self.now = sessions, transport, settings, now
        self.wake = threading.Event()
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                dispatch_due(self.sessions, self.transport, self.settings, self.now)
            except Exception:  # noqa: BLE001 - database down: wait and try again
                log.exception("outbox: database error")
            self.wake.wait(self.settings.poll_seconds)
            self.wake.clear()

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
